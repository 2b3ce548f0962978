r"""Convergence of straight-through (STE) training: a theorem and its nonconvex counterexample.

**Setting.** FSQ rounds the bounded latent :math:`u = b(z)` (code units, the bound's
coordinates, :class:`~fsq_theory.quantizer.RealBound`) to the grid
:math:`c_{i,k} = -1 + k\Delta_i`, :math:`k = 0..L_i-1`. On the hull
:math:`\mathcal C = \prod_i[-1, -1 + (L_i - 1)\Delta_i]` of the grid the rounding error is at most half a
cell, :math:`|Q(u)_i - u_i| \le \Delta_i/2`. Let :math:`u(w) = \Phi w + a` be affine in the
parameters :math:`w \in X` (closed, convex, :math:`u(X) \subseteq \mathcal C`), :math:`g` convex and
:math:`\beta_g`-smooth, :math:`f(w) = g(u(w))` (convex, :math:`\beta`-smooth with
:math:`\beta \le \beta_g\|\Phi\|_2^2`). The STE forward pass evaluates :math:`g(Q(u))` and its
backward pass returns :math:`\hat\nabla f(w) = \Phi^\top\nabla g(Q(u(w)))`.

**Lemma (STE = inexact gradient).** :math:`\|\hat\nabla f(w) - \nabla f(w)\|_2 \le
\beta_g\|\Phi\|_2\|Q(u) - u\|_2 \le \delta := \beta_g\|\Phi\|_2\,\|\Delta\|_2/2`.

**Theorem.** Projected STE descent :math:`w_{t+1} = \Pi_X(w_t - \hat\nabla f(w_t)/\beta)`
satisfies, for every :math:`w^\star \in X` (in particular a minimizer, :math:`f^\star =
f(w^\star)`) and every :math:`T \ge 1`,

.. math::

    \min_{1\le t\le T} f(w_t) - f^\star \le \frac1T\sum_{t=1}^T (f(w_t) - f^\star)
    \le \frac{\beta\|w_0 - w^\star\|^2}{2T} + \frac{\delta}{T}\sum_{t=1}^T\|w_t - w^\star\|
    \le \frac{\beta\|w_0 - w^\star\|^2}{2T} + \delta R,

:math:`R = \sup_{w\in X}\|w - w^\star\|`. *Proof.* With :math:`e_t = \hat\nabla f(w_t) -
\nabla f(w_t)`, smoothness, convexity and the optimality of the projection,
:math:`\langle \hat\nabla f(w_t) + \beta(w_{t+1} - w_t), w^\star - w_{t+1}\rangle \ge 0`, give
:math:`f(w_{t+1}) - f^\star \le \tfrac\beta2(\|w_t - w^\star\|^2 - \|w_{t+1} - w^\star\|^2) -
\langle e_t, w_{t+1} - w^\star\rangle`; Cauchy-Schwarz and the Lemma bound the last term by
:math:`\delta\|w_{t+1} - w^\star\|`, and the sum over :math:`t < T` telescopes. This is the
inexact-oracle analysis of Devolder, Glineur and Nesterov (2014) for an oracle with bounded
gradient error (d'Aspremont 2008), specialised to the STE's error.

**Corollary (the loss the forward pass sees).** If :math:`\Phi = I` and :math:`w^\star` is a
global minimizer of :math:`g`, then :math:`\|\nabla g(u)\|^2 \le 2\beta(g(u) - g^\star)` gives
:math:`g(Q(u)) - g^\star \le (\sqrt{\varepsilon} + \sqrt{\beta/8}\,\|\Delta\|_2)^2` with
:math:`\varepsilon = g(u) - g^\star`.

**Without convexity** the theorem fails: for :math:`g(u) = (u^2 - 1)^2` on :math:`[-1, 1]`
(:math:`\beta = 8`) and an odd symmetric FSQ, a start in the cell of the code 0 has STE
gradient :math:`g'(Q(u_0)) = g'(0) = 0` forever, so :math:`f(u_t) - f^\star = (u_0^2 - 1)^2
\approx 1` while the bound tends to :math:`\delta R = 8\Delta` (:func:`double_well_ste_descent`).

References
----------
O. Devolder, F. Glineur, Y. Nesterov, "First-order methods of smooth convex optimization with
inexact oracle", Math. Program. 146 (2014) 37-75.
A. d'Aspremont, "Smooth optimization with approximate gradient", SIAM J. Optim. 19 (2008)
1171-1183.
Y. Bengio, N. Leonard, A. Courville, "Estimating or Propagating Gradients Through Stochastic
Neurons for Conditional Computation", arXiv:1308.3432 (2013).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ, RealBound

__all__ = [
    "DoubleWellRun",
    "QuadraticSTERun",
    "double_well_ste_descent",
    "quadratic_ste_descent",
    "random_convex_instance",
    "ste_convergence_bound",
    "ste_gradient_error_bound",
]

#: Largest number of iterations (times dimension) a descent routine accepts (memory of the trace).
MAX_TRACE = 50_000_000


# ---------------------------------------------------------------------------------------------
# The grid in the bound's coordinates
# ---------------------------------------------------------------------------------------------
class _Grid:
    """Hull :math:`[lo, hi]` and spacing of FSQ's code grid per dimension, from RealBound."""

    def __init__(self, fsq: FSQ):
        rb = RealBound.of(fsq)
        self.step = np.asarray(rb.step, dtype=np.float64)
        self.lo = np.array([rb.codes(i)[0] for i in range(fsq.dim)])
        self.hi = np.array([rb.codes(i)[-1] for i in range(fsq.dim)])
        self.top = np.asarray(rb.levels, dtype=np.float64) - 1

    def round(self, u: np.ndarray) -> np.ndarray:
        # the nearest code; np.rint breaks ties to even like torch.round in the reference
        return self.lo + np.clip(np.rint((u - self.lo) / self.step), 0, self.top) * self.step

    def project(self, u: np.ndarray) -> np.ndarray:
        return np.clip(u, self.lo, self.hi)


def _fsq(fsq) -> FSQ:
    if not isinstance(fsq, FSQ):
        raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
    return fsq


def _vector(name, x, d) -> np.ndarray:
    arr = v.as_real_array(name, x).astype(np.float64)
    if arr.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},), got {arr.shape}")
    return arr


def _in_hull(name, u, grid: _Grid) -> None:
    bad = (u < grid.lo) | (u > grid.hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must lie in the hull of the code grid, [{grid.lo[i]}, "
                         f"{grid.hi[i]}] in dimension {i}; got {name}[{i}] = {float(u[i])!r}")


def _trace_steps(n_steps, d) -> int:
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    if (n_steps + 1) * max(d, 1) > MAX_TRACE:
        raise ValueError(f"n_steps = {n_steps} with d = {d} exceeds the trace limit "
                         f"(n_steps + 1) * d <= {MAX_TRACE}")
    return n_steps


def ste_gradient_error_bound(fsq: FSQ, *, beta: float, phi_norm: float = 1.0) -> float:
    r"""Bound :math:`\delta` on the STE gradient error of a :math:`\beta`-smooth loss (the Lemma).

    .. math::

        \|\Phi^\top(\nabla g(Q(u)) - \nabla g(u))\|_2 \le \delta
        = \beta\,\|\Phi\|_2\,\frac{\|\Delta\|_2}{2},\qquad
        \|\Delta\|_2 = \Big(\sum_i \Delta_i^2\Big)^{1/2},

    for :math:`u` in the hull of the grid, where :math:`|Q(u)_i - u_i| \le \Delta_i/2`
    (:math:`\Delta_i` the code spacing of :class:`~fsq_theory.quantizer.RealBound`).

    Parameters
    ----------
    fsq : FSQ
        Quantizer; its code spacings :math:`\Delta_i` (code units).
    beta : float, keyword-only
        Smoothness constant :math:`\beta_g > 0` of :math:`g` in the bound's coordinates.
    phi_norm : float, keyword-only
        Operator norm :math:`\|\Phi\|_2 > 0` of the parameter-to-latent map (default 1: the
        latent is the parameter).

    Returns
    -------
    float
        :math:`\delta`, in gradient units of the parameters.

    Examples
    --------
    FSQ [5] has :math:`\Delta = 1/2`, so :math:`\delta = \beta/4`; FSQ [5, 5] adds a factor
    :math:`\sqrt2`:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_gradient_error_bound
    >>> ste_gradient_error_bound(FSQ([5]), beta=2.0)
    0.5
    >>> round(ste_gradient_error_bound(FSQ([5, 5]), beta=2.0), 6)
    0.707107
    """
    _fsq(fsq)
    beta = v.check_real("beta", beta, minimum=0.0, strict_minimum=True)
    phi_norm = v.check_real("phi_norm", phi_norm, minimum=0.0, strict_minimum=True)
    step = _Grid(fsq).step
    return float(beta * phi_norm * np.sqrt((step**2).sum()) / 2)


def ste_convergence_bound(n_steps: int, *, beta: float, delta: float, r0: float,
                          radius) -> np.ndarray:
    r"""The theorem's bound on :math:`\min_{1\le t\le T} f(w_t) - f^\star`, for :math:`T = 1..n`.

    .. math::

        B_T = \frac{\beta\,r_0^2}{2T} + \delta\,R_T,

    with :math:`R_T = R = \sup_{w\in X}\|w - w^\star\|` (a priori) or
    :math:`R_T = \frac1T\sum_{t=1}^T\|w_t - w^\star\|` (the sharper a posteriori form).

    Parameters
    ----------
    n_steps : int
        Number of iterations :math:`n \ge 1`.
    beta : float, keyword-only
        Smoothness constant :math:`\beta > 0` of :math:`f` (the step is :math:`1/\beta`).
    delta : float, keyword-only
        Gradient-error bound :math:`\delta \ge 0` (:func:`ste_gradient_error_bound`).
    r0 : float, keyword-only
        Initial distance :math:`\|w_0 - w^\star\| \ge 0`.
    radius : float or array_like, shape (n_steps,), keyword-only
        :math:`R` (one value) or :math:`R_T` per :math:`T` (values >= 0).

    Returns
    -------
    ndarray, shape (n_steps,)
        :math:`B_T`, loss units.

    Examples
    --------
    >>> from fsq_theory.dynamics import ste_convergence_bound
    >>> ste_convergence_bound(4, beta=2.0, delta=0.5, r0=1.0, radius=1.0).tolist()
    [1.5, 1.0, 0.8333333333333333, 0.75]
    """
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    beta = v.check_real("beta", beta, minimum=0.0, strict_minimum=True)
    delta = v.check_real("delta", delta, minimum=0.0)
    r0 = v.check_real("r0", r0, minimum=0.0)
    rad = v.as_real_array("radius", radius).astype(np.float64)
    if rad.ndim not in (0, 1) or (rad.ndim == 1 and rad.shape != (n_steps,)) or (rad < 0).any():
        raise ValueError(f"radius must be a value >= 0 or shape ({n_steps},) of them, "
                         f"got shape {rad.shape}")
    T = np.arange(1, n_steps + 1, dtype=np.float64)
    return beta * r0**2 / (2 * T) + delta * rad


# ---------------------------------------------------------------------------------------------
# Convex instances: quadratics in the latent, f* known
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuadraticSTERun:
    r"""Projected STE descent on a convex quadratic in the latent (see :func:`quadratic_ste_descent`).

    Attributes
    ----------
    u : ndarray, shape (n_steps + 1, d)
        Iterates :math:`u_t` (code units), row 0 the start.
    codes : ndarray, shape (n_steps + 1, d)
        :math:`Q(u_t)`.
    loss : ndarray, shape (n_steps + 1,)
        Surrogate :math:`f(u_t) = \tfrac12(u_t - t)^\top H(u_t - t)`.
    quantized_loss : ndarray, shape (n_steps + 1,)
        What the forward pass sees, :math:`f(Q(u_t))`.
    grad_error : ndarray, shape (n_steps + 1,)
        :math:`\|H(Q(u_t) - u_t)\|_2`, the STE gradient error (Lemma: at most ``delta``).
    distance : ndarray, shape (n_steps + 1,)
        :math:`\|u_t - u^\star\|_2`.
    minimizer : ndarray, shape (d,)
        :math:`u^\star`, the minimizer over the hull.
    f_star : float
        :math:`f(u^\star)` (exact).
    beta, delta, radius : float
        Step :math:`1/\beta`, the Lemma's :math:`\delta`, and :math:`R = \sup_{u\in X}
        \|u - u^\star\|` over the hull :math:`X`.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import quadratic_ste_descent
    >>> run = quadratic_ste_descent(FSQ([5]), [[1.0]], [0.5], [-1.0], n_steps=5)
    >>> run.u[:, 0].round(3).tolist()
    [-1.0, 0.5, 0.5, 0.5, 0.5, 0.5]
    >>> run.codes[-1].tolist(), round(float(run.gap()[-1]), 6)
    ([0.5], 0.0)
    """

    u: np.ndarray
    codes: np.ndarray
    loss: np.ndarray
    quantized_loss: np.ndarray
    grad_error: np.ndarray
    distance: np.ndarray
    minimizer: np.ndarray
    f_star: float
    beta: float
    delta: float
    radius: float

    @property
    def n_steps(self) -> int:
        """Number of iterations :math:`n` (an int)."""
        return self.loss.shape[0] - 1

    def gap(self) -> np.ndarray:
        r""":math:`\min_{1\le t\le T} f(u_t) - f^\star` for :math:`T = 1..n` (shape (n,))."""
        return np.minimum.accumulate(self.loss[1:]) - self.f_star

    def mean_distance(self) -> np.ndarray:
        r""":math:`\frac1T\sum_{t=1}^T\|u_t - u^\star\|` for :math:`T = 1..n` (shape (n,))."""
        return np.cumsum(self.distance[1:]) / np.arange(1, self.n_steps + 1)

    def bound(self, *, observed: bool = False) -> np.ndarray:
        """The theorem's bound for T = 1..n (shape (n,)); ``observed=True`` (a bool) uses the
        a posteriori mean distance instead of the radius."""
        return ste_convergence_bound(self.n_steps, beta=self.beta, delta=self.delta,
                                     r0=float(self.distance[0]),
                                     radius=self.mean_distance() if observed else self.radius)

    def to_frame(self):
        """Table with columns iteration, loss, quantized_loss, gap, bound, bound_observed,
        grad_error, distance (a pandas DataFrame; gap and bounds are NaN at iteration 0)."""
        import pandas as pd

        pad = lambda a: np.r_[np.nan, a]
        return pd.DataFrame({"iteration": np.arange(self.n_steps + 1), "loss": self.loss,
                             "quantized_loss": self.quantized_loss, "gap": pad(self.gap()),
                             "bound": pad(self.bound()),
                             "bound_observed": pad(self.bound(observed=True)),
                             "grad_error": self.grad_error, "distance": self.distance})


def quadratic_ste_descent(fsq: FSQ, hessian, target, u0, *, n_steps: int,
                          beta: float | None = None) -> QuadraticSTERun:
    r"""Projected STE gradient descent on :math:`f(u) = \tfrac12(u - t)^\top H (u - t)` in the latent.

    The parameter is the bounded latent :math:`u` itself (:math:`\Phi = I`), constrained to the
    hull :math:`X` of FSQ's grid; the forward pass quantizes, the backward pass passes the
    gradient straight through:

    .. math::

        u_{t+1} = \Pi_X\Big(u_t - \frac1\beta H\,(Q(u_t) - t)\Big),\qquad
        \beta = \lambda_{\max}(H)\ \text{(default)}.

    The minimizer over :math:`X` is :math:`u^\star = \Pi_X(t)` when :math:`t \in X` (any PSD
    :math:`H`) or when :math:`H` is diagonal (any :math:`t`), so :math:`f^\star` is exact; other
    combinations are refused. See the module notes for the theorem these runs check.

    Parameters
    ----------
    fsq : FSQ
        Quantizer; its grid in code units (the bound's coordinates).
    hessian : array_like, shape (d, d)
        Symmetric positive semi-definite :math:`H` with :math:`\lambda_{\max} > 0`.
    target : array_like, shape (d,)
        :math:`t`, code units.
    u0 : array_like, shape (d,)
        Start, in the hull of the grid.
    n_steps : int, keyword-only
        Number of iterations, >= 1.
    beta : float, optional, keyword-only
        Step :math:`1/\beta`; at least :math:`\lambda_{\max}(H)` for the theorem to apply
        (default :math:`\lambda_{\max}(H)`).

    Returns
    -------
    QuadraticSTERun
        Iterates, surrogate and quantized losses, gradient errors, :math:`f^\star`,
        :math:`\beta`, :math:`\delta`, :math:`R`.

    Examples
    --------
    A target on the threshold between the codes 0 and 0.5 of FSQ [5]: the STE cannot settle,
    the gap stalls at a positive value and stays under the theorem's bound:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import quadratic_ste_descent
    >>> run = quadratic_ste_descent(FSQ([5]), [[1.0]], [0.25], [0.875], n_steps=200)
    >>> run.codes[-4:, 0].tolist()
    [0.0, 0.5, 0.0, 0.5]
    >>> round(float(run.gap()[-1]), 6), bool(np.all(run.gap() <= run.bound(observed=True)))
    (0.007812, True)
    """
    fsq = _fsq(fsq)
    d = fsq.dim
    grid = _Grid(fsq)
    H = v.as_real_array("hessian", hessian).astype(np.float64)
    if H.shape != (d, d) or not np.allclose(H, H.T, rtol=0, atol=1e-12 * max(1.0, np.abs(H).max())):
        raise ValueError(f"hessian must be a symmetric ({d}, {d}) array, got shape {H.shape}")
    eig = np.linalg.eigvalsh(H)
    if eig[-1] <= 0 or eig[0] < -1e-12 * eig[-1]:
        raise ValueError(f"hessian must be positive semi-definite and non-zero; eigenvalues "
                         f"range over [{eig[0]!r}, {eig[-1]!r}]")
    t = _vector("target", target, d)
    u = _vector("u0", u0, d)
    _in_hull("u0", u, grid)
    n_steps = _trace_steps(n_steps, d)
    beta = float(eig[-1]) if beta is None else v.check_real("beta", beta, minimum=float(eig[-1]))
    inside = bool(np.all((t >= grid.lo) & (t <= grid.hi)))
    if not inside and np.count_nonzero(H - np.diag(np.diag(H))):
        raise ValueError("target must lie in the hull of the code grid unless hessian is diagonal "
                         "(otherwise the constrained minimizer is not known in closed form)")
    u_star = grid.project(t)
    f = lambda x: 0.5 * np.einsum("...i,ij,...j->...", x - t, H, x - t)
    us = np.empty((n_steps + 1, d))
    us[0] = u
    for k in range(n_steps):
        us[k + 1] = grid.project(us[k] - H @ (grid.round(us[k]) - t) / beta)
    codes = grid.round(us)
    return QuadraticSTERun(
        u=us, codes=codes, loss=f(us), quantized_loss=f(codes),
        grad_error=np.linalg.norm((codes - us) @ H, axis=-1),
        distance=np.linalg.norm(us - u_star, axis=-1), minimizer=u_star, f_star=float(f(u_star)),
        beta=beta, delta=ste_gradient_error_bound(fsq, beta=float(eig[-1])),
        radius=float(np.linalg.norm(np.maximum(u_star - grid.lo, grid.hi - u_star))))


def random_convex_instance(fsq: FSQ, *, condition: float = 10.0, rng=None):
    r"""A random convex quadratic in the latent with known minimizer, for the theorem's checks.

    :math:`H = V\operatorname{diag}(\lambda)V^\top` with :math:`V` Haar-orthogonal and
    eigenvalues log-uniform in :math:`[1/\kappa, 1]` (the largest set to 1, so :math:`\beta =
    1`); target :math:`t` and start :math:`u_0` uniform in the hull of FSQ's grid, so
    :math:`u^\star = t` and :math:`f^\star = 0`.

    Parameters
    ----------
    fsq : FSQ
        Quantizer fixing the dimension and the hull.
    condition : float, keyword-only
        Condition number :math:`\kappa \ge 1` of :math:`H`.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness; the same int gives the same instance.

    Returns
    -------
    tuple of ndarray
        ``(hessian, target, u0)`` of shapes (d, d), (d,), (d,).

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import random_convex_instance
    >>> H, t, u0 = random_convex_instance(FSQ([5, 8]), rng=0)
    >>> round(float(np.linalg.eigvalsh(H)[-1]), 12), H.shape, t.shape, u0.shape
    (1.0, (2, 2), (2,), (2,))
    """
    fsq = _fsq(fsq)
    condition = v.check_real("condition", condition, minimum=1.0)
    gen = v.as_generator(rng)
    d = fsq.dim
    grid = _Grid(fsq)
    q, r = np.linalg.qr(gen.standard_normal((d, d)))
    q = q * np.sign(np.diag(r))  # Haar measure (Mezzadri 2007)
    lam = np.exp(gen.uniform(-np.log(condition), 0.0, d))
    lam[np.argmax(lam)] = 1.0
    H = (q * lam) @ q.T
    H = (H + H.T) / 2
    t = gen.uniform(grid.lo, grid.hi)
    u0 = gen.uniform(grid.lo, grid.hi)
    return H, t, u0


# ---------------------------------------------------------------------------------------------
# Without convexity: the STE stuck on a local maximum
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DoubleWellRun:
    r"""STE and exact projected descent on :math:`g(u) = (u^2 - 1)^2` (see :func:`double_well_ste_descent`).

    Attributes
    ----------
    u : ndarray, shape (n_steps + 1,)
        STE iterates.
    loss : ndarray, shape (n_steps + 1,)
        :math:`g(u_t)` (:math:`g^\star = 0` at :math:`u = \pm1`).
    exact_loss : ndarray, shape (n_steps + 1,)
        :math:`g` along projected descent with the exact gradient, same start and step.
    bound : ndarray, shape (n_steps,)
        What the convex theorem would give, :math:`\beta r_0^2/(2T) + \delta R`
        (:math:`\beta = 8`, :math:`R = 2`), for :math:`T = 1..n`.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import double_well_ste_descent
    >>> run = double_well_ste_descent(FSQ([65], symmetric=True), 0.01, n_steps=100)
    >>> float(run.u[-1]), round(float(run.loss[-1]), 4), round(float(run.bound[-1]), 4)
    (0.01, 0.9998, 0.2892)
    """

    u: np.ndarray
    loss: np.ndarray
    exact_loss: np.ndarray
    bound: np.ndarray

    def violated(self) -> np.ndarray:
        r"""Boolean per :math:`T = 1..n`: :math:`\min_{t\le T} g(u_t) - g^\star` exceeds the bound."""
        return np.minimum.accumulate(self.loss[1:]) > self.bound


def double_well_ste_descent(fsq: FSQ, u0: float, *, n_steps: int) -> DoubleWellRun:
    r"""The nonconvex counterexample: projected STE descent on :math:`g(u) = (u^2 - 1)^2`.

    On :math:`X = [-1, 1]`, :math:`g'' = 12u^2 - 4 \in [-4, 8]`, so :math:`g` is 8-smooth but
    not convex; its minima are :math:`\pm1` (:math:`g^\star = 0`) and :math:`0` is a local
    maximum. With step :math:`1/8`,

    .. math::

        u_{t+1} = \Pi_{[-1,1]}\big(u_t - g'(Q(u_t))/8\big),\qquad g'(u) = 4u(u^2 - 1).

    If 0 is a code (odd :math:`L`) and :math:`u_0` lies in its cell, :math:`g'(Q(u_0)) = 0`:
    the STE never moves although :math:`g'(u_0) \ne 0`, while exact descent rolls to
    :math:`\pm1`. The convex bound tends to :math:`\delta R = 8\Delta` and is exceeded for
    large :math:`T` whenever :math:`8\Delta < (u_0^2 - 1)^2`, e.g. :math:`L \ge 33`.

    Parameters
    ----------
    fsq : FSQ
        One-dimensional quantizer whose hull is :math:`[-1, 1]` (symmetric mode, or default mode
        with odd :math:`L`).
    u0 : float
        Start in :math:`[-1, 1]`.
    n_steps : int, keyword-only
        Number of iterations, >= 1.

    Returns
    -------
    DoubleWellRun
        STE and exact-gradient losses and the convex bound.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import double_well_ste_descent
    >>> run = double_well_ste_descent(FSQ([65], symmetric=True), 0.01, n_steps=100)
    >>> int(run.violated().sum()), round(float(run.exact_loss[-1]), 12)
    (95, 0.0)
    """
    fsq = _fsq(fsq)
    grid = _Grid(fsq)
    if fsq.dim != 1 or grid.lo[0] != -1.0 or abs(grid.hi[0] - 1.0) > 1e-12:
        raise ValueError(f"fsq must be one-dimensional with code hull [-1, 1], got levels "
                         f"{list(fsq.levels)} (symmetric={fsq.symmetric})")
    u0 = v.check_real("u0", u0, minimum=-1.0, maximum=1.0)
    n_steps = _trace_steps(n_steps, 1)
    beta = 8.0
    grad = lambda x: 4 * x * (x * x - 1)
    us = np.empty(n_steps + 1)
    ex = np.empty(n_steps + 1)
    us[0] = ex[0] = u0
    for k in range(n_steps):
        us[k + 1] = np.clip(us[k] - grad(grid.round(us[k:k + 1])[0]) / beta, -1.0, 1.0)
        ex[k + 1] = np.clip(ex[k] - grad(ex[k]) / beta, -1.0, 1.0)
    g = lambda x: (x * x - 1) ** 2
    w_star = 1.0 if u0 >= 0 else -1.0
    bound = ste_convergence_bound(n_steps, beta=beta,
                                  delta=ste_gradient_error_bound(fsq, beta=beta),
                                  r0=abs(u0 - w_star), radius=2.0)
    return DoubleWellRun(us, g(us), g(ex), bound)

