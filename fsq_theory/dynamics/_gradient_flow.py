r"""FSQ as a gradient flow: potentials with minima at the codes, basins, and stability.

FSQ itself is a one-shot map :math:`z \mapsto \hat z`; it becomes a dynamical system only once a
potential is chosen. Per dimension, in *code space* :math:`u = b(z)` (the bounded value in code
units, :meth:`FSQ.bound`), the codes are the grid :math:`c_k = -1 + k\Delta`, :math:`k=0..L-1`
(:math:`\Delta = 1/\lfloor L/2\rfloor` by default, :math:`2/(L-1)` symmetric) and FSQ returns the
nearest code. Two separable potentials :math:`V(z) = \sum_i W_i(b_i(z_i))` are provided:

* ``"quadratic"``: :math:`W(u) = \min_k (u - c_k)^2/2`, piecewise quadratic with concave kinks at
  the decision thresholds (midpoints). Its flow is solved exactly,
  :math:`u(t) = c + (u_0 - c)e^{-t}`, and one explicit Euler step of size 1 *is* FSQ's rounding:
  :math:`u - W'(u) = c(u)`. This is the precise sense of the seed's "discrete-time dynamical
  system" (:func:`euler_map`).
* ``"cosine"``: :math:`W(u) = \Delta^2 (1 - \cos\theta)/(4\pi^2)`, :math:`\theta = 2\pi(u+1)/\Delta`,
  smooth and periodic with the same quadratic behaviour :math:`W \approx (u-c_k)^2/2` at the codes;
  :math:`\dot\theta = -\sin\theta` is solved exactly by
  :math:`\tan(\theta/2) = \tan(\theta_0/2)e^{-t}`.

In both, every code is an asymptotically stable equilibrium with curvature
:math:`W''(c_k) = 1` and every threshold an unstable one (curvature :math:`-1` for the cosine, a
concave kink for the quadratic), so the basin of each code is exactly FSQ's cell. In latent space
the Euclidean flow :math:`\dot z = -b'(z)W'(b(z))` has the same orbits (:math:`\dot u =
-b'(z)^2 W'(u)`, a time change since :math:`b' > 0`), but its Hessian at a code is
:math:`\lambda_z = b'(z^*)^2\,W''(c_k)`, which collapses at the outer levels: with
:math:`b'(z^*) = h(1 - ((c\lfloor L/2\rfloor + o)/h)^2)/\lfloor L/2\rfloor` (default) the outer
code of odd :math:`L` has :math:`b' = \epsilon(2+\epsilon)/(1+\epsilon) \approx 2\epsilon`, and in
symmetric mode the outer codes :math:`\pm1` are reached only at :math:`z = \pm\infty`, where
:math:`b' = 1 - c^2 = 0`: no finite equilibrium, algebraic (not exponential) convergence.

References
----------
M. W. Hirsch, S. Smale, R. L. Devaney, *Differential Equations, Dynamical Systems, and an
Introduction to Chaos*, 3rd ed., Academic Press 2013, ch. 9 (gradient systems: equilibria are
critical points, stable where the Hessian is positive definite).
A. F. Filippov, *Differential Equations with Discontinuous Righthand Sides*, Kluwer 1988
(non-smooth flows at the kinks of the quadratic potential).
F. Mentzer et al., "Finite Scalar Quantization: VQ-VAE Made Simple", arXiv:2309.15505.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
integrate = lazy_module("scipy.integrate")

from .. import _validation as v
from ..quantizer import FSQ
from ..quantizer import RealBound
from ._ste import _latents

__all__ = [
    "POTENTIALS",
    "potential",
    "potential_gradient",
    "potential_hessian",
    "code_potential_derivatives",
    "gradient_flow",
    "exact_code_flow",
    "GradientFlow",
    "flow_limit_codes",
    "euler_map",
    "stability_table",
    "StabilityTable",
]

#: Potentials this module knows.
POTENTIALS = ("quadratic", "cosine")


def _check_kind(kind: str) -> str:
    if kind not in POTENTIALS:
        raise ValueError(f"kind must be one of {POTENTIALS}, got {kind!r}")
    return kind


def _nearest_code(bm: RealBound, u: np.ndarray) -> np.ndarray:
    k = np.clip(np.rint((u + 1) / bm.step), 0, bm.levels - 1)
    return -1 + k * bm.step


def _code_derivatives(bm: RealBound, u: np.ndarray, kind: str):
    """(W, W', W'') of the code-space potential at ``u`` (shape (..., d))."""
    if kind == "quadratic":
        r = u - _nearest_code(bm, u)
        return r * r / 2, r, np.ones_like(u)  # W'' = 1 away from the kinks
    # a finite u of ~1e307 overflows theta; such a u/step is far past 2**53, where every float is
    # an integer, so its phase is 0 (cos(inf) would be NaN); the overflow is handled, not warned
    with np.errstate(over="ignore"):
        theta = 2 * np.pi * (u + 1) / bm.step
    theta = np.where(np.isfinite(theta), theta, 0.0)
    return (bm.step**2 * (1 - np.cos(theta)) / (4 * np.pi**2),
            bm.step * np.sin(theta) / (2 * np.pi), np.cos(theta))


def code_potential_derivatives(fsq: FSQ, u, *, kind: str = "cosine"):
    r"""Code-space potential and its first two derivatives, :math:`(W, W', W'')` per coordinate.

    .. math::

        W_{\rm quadratic}(u) = \min_k \tfrac12 (u - c_k)^2,\qquad
        W_{\rm cosine}(u) = \frac{\Delta^2}{4\pi^2}(1 - \cos\theta),\quad
        \theta = \frac{2\pi(u+1)}{\Delta}.

    Parameters
    ----------
    fsq : FSQ
        Quantizer whose code grid (per dimension) holds the minima of :math:`W`.
    u : array_like, shape (..., d)
        Values in code units (normally ``fsq.bound(z)``).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    tuple of three ndarrays, shape (..., d), float64
        :math:`W` (code units squared), :math:`W'` (code units) and :math:`W''`
        (dimensionless). For ``"quadratic"`` :math:`W''` is 1 everywhere except at the
        thresholds, where :math:`W'` jumps from :math:`+\Delta/2` to :math:`-\Delta/2` (a concave
        kink; no second derivative).

    Examples
    --------
    For ``L = 5`` (:math:`\Delta = 1/2`) the cosine potential has a minimum of unit curvature at
    the code 0.5 and a maximum :math:`\Delta^2/(2\pi^2) = 0.012665` of curvature -1 at the
    threshold 0.25:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import code_potential_derivatives
    >>> W, dW, d2W = code_potential_derivatives(FSQ([5]), [[0.5], [0.25]])
    >>> np.round(W, 6).ravel().tolist(), np.round(d2W, 6).ravel().tolist()
    ([0.0, 0.012665], [1.0, -1.0])
    """
    arr = _latents(fsq, u, "u")
    return _code_derivatives(RealBound.of(fsq), arr, _check_kind(kind))


def potential(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Latent-space potential :math:`V(z) = \sum_i W_i(b_i(z_i))`, one value per latent vector.

    .. math::

        V(z) = \sum_{i=1}^d W_i\big(b_i(z_i)\big),

    with :math:`b` the real-arithmetic FSQ bound in code units and :math:`W` the code-space
    potential (:func:`code_potential_derivatives`). Minima (value 0) lie exactly at the latents
    whose bound is a code.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound :math:`b` and the code grid.
    z : array_like, shape (..., d)
        Pre-bound latents (finite).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    ndarray, shape ``z.shape[:-1]``, float64
        :math:`V(z)` in code units squared, per vector.

    Examples
    --------
    Zero at a code (``z = 0`` bounds to the code 0 in every dimension); for the quadratic
    potential :math:`V = (b(z) - \hat z)^2/2`, here :math:`b(0.1) = 0.099768` and
    :math:`\hat z = 0`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import potential
    >>> np.round(potential(FSQ([5, 4]), [[0.0, 0.0], [0.3, -0.2]]), 6).tolist()
    [0.0, 0.019418]
    >>> np.round(potential(FSQ([5]), [[0.1]], kind="quadratic"), 6).tolist()
    [0.004977]
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    return _code_derivatives(bm, bm.derivatives(arr)[0], _check_kind(kind))[0].sum(-1)


def potential_gradient(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Euclidean gradient of the latent-space potential :func:`potential`.

    .. math::

        \frac{\partial V}{\partial z_i} = b_i'(z_i)\,W_i'\big(b_i(z_i)\big).

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound :math:`b` and the code grid.
    z : array_like, shape (..., d)
        Pre-bound latents (finite).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    ndarray, shape (..., d), float64
        :math:`\nabla V(z)` (code units squared per unit of ``z``).

    Examples
    --------
    At ``z = 0.3`` (bound 0.2916, nearest code 0.5) the gradient is negative, so the flow
    :math:`\dot z = -\nabla V` moves ``z`` up towards the code; it matches a central difference
    of :func:`potential`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import potential, potential_gradient
    >>> fsq = FSQ([5])
    >>> g = potential_gradient(fsq, [[0.3]])
    >>> round(float(g[0, 0]), 6)
    -0.036399
    >>> fd = (potential(fsq, [[0.3 + 1e-6]]) - potential(fsq, [[0.3 - 1e-6]])) / 2e-6
    >>> bool(np.isclose(g[0, 0], fd[0], rtol=1e-6))
    True
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    b, d1, _ = bm.derivatives(arr)
    return d1 * _code_derivatives(bm, b, _check_kind(kind))[1]


def potential_hessian(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Eigenvalues of the (diagonal) latent-space Hessian of :math:`V`.

    .. math::

        \lambda_i = b_i'(z_i)^2\,W_i''\big(b_i(z_i)\big) + b_i''(z_i)\,W_i'\big(b_i(z_i)\big);

    at an equilibrium (:math:`W' = 0`) this is :math:`b'^2 W''`. :math:`V` is separable, so the
    Hessian is diagonal and these are its eigenvalues.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound :math:`b` and the code grid.
    z : array_like, shape (..., d)
        Pre-bound latents (finite).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    ndarray, shape (..., d), float64
        :math:`\lambda_i` (code units squared per unit of ``z`` squared).

    Examples
    --------
    At the central code of odd :math:`L` (``z = 0``), :math:`b'(0) = h/\lfloor L/2\rfloor =
    1 + \epsilon`, so :math:`\lambda = (1 + \epsilon)^2 = 1.002001` for the default
    :math:`\epsilon = 10^{-3}`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import potential_hessian
    >>> np.round(potential_hessian(FSQ([5]), [[0.0]]), 6).tolist()
    [[1.002001]]
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    b, d1, d2 = bm.derivatives(arr)
    _, w1, w2 = _code_derivatives(bm, b, _check_kind(kind))
    return d1 * d1 * w2 + d2 * w1


# ---------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------
def _times(t) -> np.ndarray:
    arr = v.as_real_array("t", t).astype(np.float64)
    if arr.ndim != 1 or arr.size < 1:
        raise ValueError(f"t must be a non-empty 1-D array of times, got shape {arr.shape}")
    if (arr < 0).any() or (arr.size > 1 and (np.diff(arr) <= 0).any()):
        raise ValueError(f"t must be non-negative and strictly increasing, got {arr.tolist()}")
    return arr


def exact_code_flow(fsq: FSQ, z0, t, *, kind: str = "cosine") -> np.ndarray:
    r"""Closed-form solution :math:`u(t)` of the code-space flow :math:`\dot u = -W'(u)`.

    Quadratic: :math:`u(t) = c + (u_0 - c)e^{-t}` with :math:`c` the nearest code;
    cosine: :math:`\theta(t) = 2\pi k + 2\arctan(\tan((\theta_0 - 2\pi k)/2)\,e^{-t})` with
    :math:`\theta = 2\pi(u+1)/\Delta` and :math:`k` the nearest level. Start
    :math:`u_0 = b(z_0)` from ``fsq.bound``.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound and the code grid.
    z0 : array_like, shape (..., d)
        Starting latents (pre-bound, finite).
    t : array_like, shape (n_t,)
        Times, non-negative and strictly increasing (dimensionless).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    ndarray, shape ``(len(t),) + z0.shape``, float64
        :math:`u(t)` in code units.

    Examples
    --------
    Quadratic potential from :math:`u_0 = b(0.1) = 0.099768` towards the code 0: the distance
    halves at :math:`t = \ln 2`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import exact_code_flow
    >>> u = exact_code_flow(FSQ([5]), [[0.1]], [0.0, np.log(2), 20.0], kind="quadratic")
    >>> np.round(u, 6).ravel().tolist()
    [0.099768, 0.049884, 0.0]
    """
    arr = _latents(fsq, z0, "z0")
    times = _times(t)
    kind = _check_kind(kind)
    bm = RealBound.of(fsq)
    u0 = fsq.bound(arr)
    decay = np.exp(-times).reshape((-1,) + (1,) * arr.ndim)
    if kind == "quadratic":
        c = _nearest_code(bm, u0)
        return c + (u0 - c) * decay
    theta0 = 2 * np.pi * (u0 + 1) / bm.step
    k = np.rint(theta0 / (2 * np.pi))
    theta = 2 * np.pi * k + 2 * np.arctan(np.tan((theta0 - 2 * np.pi * k) / 2) * decay)
    return -1 + theta * bm.step / (2 * np.pi)


@dataclass(frozen=True)
class GradientFlow:
    """Numerical solution of a gradient flow (see :func:`gradient_flow`).

    Returned by :func:`gradient_flow`; ``to_frame()`` gives one row per time, trajectory and
    dimension.

    Attributes
    ----------
    t : ndarray, shape (n_t,)
        Times (dimensionless).
    z : ndarray, shape (n_t, ..., d)
        Latents (pre-bound); for the code-space flow, the pull-back ``b^{-1}(u)`` (+-inf when a
        symmetric-mode trajectory has reached an outer code to machine precision).
    u : ndarray, shape (n_t, ..., d)
        Bounded values in code units.
    space : str
        ``"code"`` or ``"z"``: the variable that was integrated.
    kind : str
        Potential, ``"quadratic"`` or ``"cosine"``.
    nfev : int
        Right-hand-side evaluations used by the integrator.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import gradient_flow
    >>> flow = gradient_flow(FSQ([5]), [[0.1]], [0.0, 1.0])
    >>> flow.u.shape, flow.space, flow.kind
    ((2, 1, 1), 'code', 'cosine')
    """

    t: np.ndarray
    z: np.ndarray
    u: np.ndarray
    space: str
    kind: str
    nfev: int

    def to_frame(self):
        """Long table with columns t, trajectory, dim, z, u, space, kind (a pandas DataFrame)."""
        import pandas as pd

        n_t = self.t.size
        d = self.u.shape[-1]
        u = self.u.reshape(n_t, -1, d)
        z = self.z.reshape(n_t, -1, d)
        m = u.shape[1]
        return pd.DataFrame({
            "t": np.repeat(self.t, m * d),
            "trajectory": np.tile(np.repeat(np.arange(m), d), n_t),
            "dim": np.tile(np.arange(d), n_t * m),
            "z": z.ravel(), "u": u.ravel(), "space": self.space, "kind": self.kind,
        })


def _inverse_bound(bm: RealBound, u: np.ndarray) -> np.ndarray:
    return bm.inverse(u)


def gradient_flow(fsq: FSQ, z0, t, *, kind: str = "cosine", space: str = "code",
                  rtol: float = 1e-9, atol: float = 1e-12) -> GradientFlow:
    r"""Integrate the gradient flow of the FSQ potential with ``scipy.integrate.solve_ivp`` (RK45).

    ``space="code"``: :math:`\dot u = -W'(u)` from :math:`u_0 = b(z_0)` (the flow whose
    linearisation at every code is :math:`-1`). ``space="z"``: the Euclidean latent flow
    :math:`\dot z = -b'(z)W'(b(z))`, the same orbits with time slowed by :math:`b'(z)^2` (so,
    near the outer levels, by up to :math:`\sim 1/(4\epsilon^2)`).

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound and the code grid.
    z0 : array_like, shape (..., d)
        Starting latents, finite.
    t : array_like, shape (n_t,)
        Output times, non-negative, increasing; integration runs from 0 to ``t[-1]``.
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.
    space : {"code", "z"}, keyword-only
        Integrate the code-space flow (default) or the Euclidean latent flow.
    rtol : float, keyword-only
        Relative tolerance of the integrator, > 0.
    atol : float, keyword-only
        Absolute tolerance of the integrator, > 0.

    Returns
    -------
    GradientFlow
        Times, latents, bounded values and the integrator's work.

    Examples
    --------
    The numerical code-space flow agrees with the closed form :func:`exact_code_flow`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import exact_code_flow, gradient_flow
    >>> fsq = FSQ([5])
    >>> flow = gradient_flow(fsq, [[0.1], [0.2]], [0.0, 1.0, 2.0], kind="quadratic")
    >>> exact = exact_code_flow(fsq, [[0.1], [0.2]], [0.0, 1.0, 2.0], kind="quadratic")
    >>> bool(np.abs(flow.u - exact).max() < 1e-8)
    True
    """
    arr = _latents(fsq, z0, "z0")
    times = _times(t)
    kind = _check_kind(kind)
    if space not in ("code", "z"):
        raise ValueError(f"space must be 'code' or 'z', got {space!r}")
    rtol = v.check_real("rtol", rtol, minimum=0.0, strict_minimum=True)
    atol = v.check_real("atol", atol, minimum=0.0, strict_minimum=True)
    bm = RealBound.of(fsq)
    shape = arr.shape

    def rhs(_t, y):
        y = y.reshape(-1, fsq.dim)
        if space == "code":
            return -_code_derivatives(bm, y, kind)[1].ravel()
        b, d1, _ = bm.derivatives(y)
        return -(d1 * _code_derivatives(bm, b, kind)[1]).ravel()

    y0 = (fsq.bound(arr) if space == "code" else arr).ravel()
    sol = integrate.solve_ivp(rhs, (0.0, float(times[-1])), y0, t_eval=times, rtol=rtol, atol=atol)
    if not sol.success:
        raise RuntimeError(f"solve_ivp failed: {sol.message}")
    y = sol.y.T.reshape((times.size,) + shape)
    if space == "code":
        u, z = y, _inverse_bound(bm, y)
        # the bound saturates in float64 (|z| >~ 9): at t = 0 the latent is known, not inverted
        z[times == 0.0] = arr
    else:
        z, u = y, bm.derivatives(y)[0]
    return GradientFlow(times, z, u, space, kind, int(sol.nfev))


def flow_limit_codes(fsq: FSQ, z, *, kind: str = "cosine", t_final: float = 40.0,
                     tol: float = 1e-6) -> np.ndarray:
    r"""The code each trajectory of the code-space flow converges to (NaN if it has not).

    Integrates :func:`gradient_flow` to ``t_final`` and returns the grid code within ``tol`` of
    :math:`u(t_\text{final})`; a trajectory farther than ``tol`` from every code (e.g. started
    on a threshold, an unstable equilibrium) gives NaN.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound and the code grid.
    z : array_like, shape (..., d)
        Starting latents (pre-bound, finite).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.
    t_final : float, keyword-only
        Integration time, > 0 (the distance to the code decays like :math:`e^{-t}`).
    tol : float, keyword-only
        Largest distance to a code (code units) counted as converged, > 0.

    Returns
    -------
    ndarray, shape (..., d), float64
        Limit codes in code units (as ``fsq.quantize(z)``), NaN where not converged.

    Examples
    --------
    The basin of every code is its FSQ cell: the limits are FSQ's codes.

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import flow_limit_codes
    >>> fsq = FSQ([5, 4])
    >>> z = np.random.default_rng(0).normal(size=(5, 2))
    >>> bool(np.array_equal(flow_limit_codes(fsq, z), fsq.quantize(z)))
    True
    """
    arr = _latents(fsq, z)
    t_final = v.check_real("t_final", t_final, minimum=0.0, strict_minimum=True)
    tol = v.check_real("tol", tol, minimum=0.0, strict_minimum=True)
    bm = RealBound.of(fsq)
    u = gradient_flow(fsq, arr, [t_final], kind=kind).u[-1]
    c = _nearest_code(bm, u)
    return np.where(np.abs(u - c) <= tol, c, np.nan)


def euler_map(fsq: FSQ, z, *, step: float = 1.0, n_steps: int = 1,
              kind: str = "quadratic") -> np.ndarray:
    r"""Explicit Euler iteration :math:`u_{n+1} = u_n - \eta W'(u_n)` of the code-space flow.

    For the quadratic potential :math:`u_{n+1} - c = (1-\eta)(u_n - c)` inside a cell: one step
    with :math:`\eta = 1` is exactly FSQ's rounding (the discrete-time system the seed
    mentions); :math:`0 < \eta < 2` converges to the same code (the multiplier
    :math:`|1 - \eta\lambda| < 1` with :math:`\lambda = W'' = 1`) and :math:`\eta \ge 2` does not.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound and the code grid.
    z : array_like, shape (..., d)
        Latents; the iteration starts at ``fsq.bound(z)``.
    step : float, keyword-only
        Step size :math:`\eta > 0` (default 1).
    n_steps : int, keyword-only
        Number of Euler steps, >= 1.
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"quadratic"``.

    Returns
    -------
    ndarray, shape (..., d), float64
        :math:`u_{n}` after ``n_steps`` steps, in code units.

    Examples
    --------
    One step of size 1 is FSQ's rounding; with :math:`\eta = 1/2` the distance to the code
    shrinks by :math:`(1 - \eta)^3 = 1/8` in three steps (:math:`0.099768/8 = 0.012471`):

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import euler_map
    >>> fsq = FSQ([5, 4])
    >>> z = np.random.default_rng(0).normal(size=(5, 2))
    >>> bool(np.array_equal(euler_map(fsq, z), fsq.quantize(z)))
    True
    >>> np.round(euler_map(FSQ([5]), [[0.1]], step=0.5, n_steps=3), 6).tolist()
    [[0.012471]]
    """
    arr = _latents(fsq, z)
    step = v.check_real("step", step, minimum=0.0, strict_minimum=True)
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    kind = _check_kind(kind)
    bm = RealBound.of(fsq)
    u = fsq.bound(arr).astype(np.float64)
    for _ in range(n_steps):
        u = u - step * _code_derivatives(bm, u, kind)[1]
    return u


# ---------------------------------------------------------------------------------------------
# Stability
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StabilityTable:
    r"""Equilibria of the FSQ potential and their curvatures, one row each.

    Returned by :func:`stability_table`. The attributes are 1-D arrays of equal length (one entry
    per code and per threshold of every dimension); ``to_frame()`` gives the same table as a
    pandas DataFrame.

    Attributes
    ----------
    dim : int array
        FSQ dimension (0-based index).
    levels : int array
        Number of levels :math:`L` of that dimension.
    point : object array
        ``"code"`` (minimum) or ``"threshold"`` (maximum / kink).
    u : float array
        Position in code units.
    z : float array
        Latent position :math:`b^{-1}(u)` (+-inf for the symmetric-mode outer codes).
    lambda_code : float array
        :math:`W''(u)`: 1 at codes; -1 at thresholds (cosine) or -inf (quadratic: concave kink).
    lambda_z : float array
        Latent-space Hessian eigenvalue :math:`b'(z)^2 W''(u)` (0 at a code at infinity).
    b_prime : float array
        :math:`b'(z)` (code units per unit of ``z``), closed form in :math:`u`.
    kind : str
        Potential, ``"quadratic"`` or ``"cosine"``.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import stability_table
    >>> table = stability_table(FSQ([3]))
    >>> table.point.tolist()
    ['code', 'code', 'code', 'threshold', 'threshold']
    >>> table.lambda_code.tolist()
    [1.0, 1.0, 1.0, -1.0, -1.0]
    """

    dim: np.ndarray
    levels: np.ndarray
    point: np.ndarray
    u: np.ndarray
    z: np.ndarray
    lambda_code: np.ndarray
    lambda_z: np.ndarray
    b_prime: np.ndarray
    kind: str

    def to_frame(self):
        """The table as a pandas DataFrame, one row per equilibrium, plus a ``kind`` column."""
        import pandas as pd

        return pd.DataFrame({f: getattr(self, f) for f in
                             ("dim", "levels", "point", "u", "z", "lambda_code", "lambda_z",
                              "b_prime")}).assign(kind=self.kind)


def stability_table(fsq: FSQ, *, kind: str = "cosine") -> StabilityTable:
    r"""Closed-form curvature of the potential at every code and threshold of ``fsq``.

    At a code :math:`c`: :math:`W''(c) = 1` and, in latent space,
    :math:`\lambda_z = b'(z^*)^2` with :math:`b'(z^*) = h(1 - ((c\lfloor L/2\rfloor + o)/h)^2)
    /\lfloor L/2\rfloor` (default) or :math:`1 - c^2` (symmetric). At a threshold (midpoint
    :math:`c + \Delta/2`): :math:`W'' = -1` (cosine; :math:`\lambda_z = -b'^2`) or a concave kink
    (quadratic; reported as -inf). See the module docstring for the outer-level collapse.

    Parameters
    ----------
    fsq : FSQ
        Quantizer whose codes and thresholds are tabulated (every dimension).
    kind : {"quadratic", "cosine"}, keyword-only
        Potential (see the module notes); default ``"cosine"``.

    Returns
    -------
    StabilityTable
        One row per code and per threshold of every dimension.

    Examples
    --------
    For ``L = 3`` the outer codes :math:`\pm 1` have
    :math:`b' = \epsilon(2+\epsilon)/(1+\epsilon) = 0.001999` against :math:`1 + \epsilon` at the
    centre, so their latent-space curvature :math:`b'^2` nearly vanishes:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import stability_table
    >>> table = stability_table(FSQ([3]))
    >>> table.u.tolist()
    [-1.0, 0.0, 1.0, -0.5, 0.5]
    >>> np.round(table.b_prime, 6).tolist()
    [0.001999, 1.001, 0.001999, 0.75125, 0.75125]
    >>> np.round(table.lambda_z[:3], 6).tolist()
    [4e-06, 1.002001, 4e-06]
    """
    kind = _check_kind(kind)
    bm = RealBound.of(fsq)
    cols = {k: [] for k in ("dim", "levels", "point", "u", "lambda_code")}
    for i, L in enumerate(bm.levels):
        c = bm.codes(i)
        mids = c[:-1] + bm.step[i] / 2
        for pts, name, lam in ((c, "code", 1.0), (mids, "threshold",
                                                   -1.0 if kind == "cosine" else -np.inf)):
            cols["dim"] += [i] * pts.size
            cols["levels"] += [int(L)] * pts.size
            cols["point"] += [name] * pts.size
            cols["u"] += pts.tolist()
            cols["lambda_code"] += [lam] * pts.size
    dim = np.asarray(cols["dim"], dtype=np.int64)
    u = np.asarray(cols["u"])
    consts = RealBound(bm.levels[dim], bm.symmetric, bm.h[dim], bm.o[dim], bm.s[dim], bm.hw[dim],
                       bm.step[dim])
    bp = np.clip(consts.jacobian_at_code(u), 0.0, None)
    lam_code = np.asarray(cols["lambda_code"])
    with np.errstate(invalid="ignore"):
        lam_z = np.where(np.isinf(lam_code), lam_code, bp * bp * lam_code)
    return StabilityTable(dim, np.asarray(cols["levels"], dtype=np.int64),
                          np.asarray(cols["point"], dtype=object), u, _inverse_bound(consts, u),
                          lam_code, lam_z, bp, kind)
