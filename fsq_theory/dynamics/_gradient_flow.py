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
from scipy import integrate

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
    theta = 2 * np.pi * (u + 1) / bm.step
    return (bm.step**2 * (1 - np.cos(theta)) / (4 * np.pi**2),
            bm.step * np.sin(theta) / (2 * np.pi), np.cos(theta))


def code_potential_derivatives(fsq: FSQ, u, *, kind: str = "cosine"):
    r"""Code-space potential and its first two derivatives, :math:`(W, W', W'')` per coordinate.

    Parameters
    ----------
    fsq : FSQ
    u : array_like, shape (..., d)
        Values in code units (normally ``fsq.bound(z)``).
    kind : {"quadratic", "cosine"}, keyword-only

    Returns
    -------
    tuple of three ndarrays, shape (..., d), float64
        For ``"quadratic"`` :math:`W''` is 1 everywhere except at the thresholds, where :math:`W'`
        jumps from :math:`+\Delta/2` to :math:`-\Delta/2` (a concave kink; no second derivative).
    """
    arr = _latents(fsq, u, "u")
    return _code_derivatives(RealBound.of(fsq), arr, _check_kind(kind))


def potential(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Latent-space potential :math:`V(z) = \sum_i W_i(b_i(z_i))`, shape ``z.shape[:-1]``.

    Code units squared, per vector; minima (value 0) exactly at the latents whose bound is a code.
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    return _code_derivatives(bm, bm.derivatives(arr)[0], _check_kind(kind))[0].sum(-1)


def potential_gradient(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Euclidean gradient :math:`\partial V/\partial z_i = b_i'(z_i)\,W_i'(b_i(z_i))`, shape (..., d)."""
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    b, d1, _ = bm.derivatives(arr)
    return d1 * _code_derivatives(bm, b, _check_kind(kind))[1]


def potential_hessian(fsq: FSQ, z, *, kind: str = "cosine") -> np.ndarray:
    r"""Eigenvalues of the (diagonal) latent-space Hessian of :math:`V`, shape (..., d).

    :math:`\lambda_i = b_i'(z_i)^2 W_i''(b_i) + b_i''(z_i) W_i'(b_i)`; at an equilibrium
    (:math:`W' = 0`) this is :math:`b'^2 W''`. :math:`V` is separable, so the Hessian is diagonal
    and these are its eigenvalues.
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

    Returns
    -------
    ndarray, shape (len(t), ...) + z0.shape, code units.
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
        ``"code"`` or ``"z"``.
    kind : str
    nfev : int
        Right-hand-side evaluations used by the integrator.
    """

    t: np.ndarray
    z: np.ndarray
    u: np.ndarray
    space: str
    kind: str
    nfev: int

    def to_frame(self):
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
    z0 : array_like, shape (..., d)
        Starting latents, finite.
    t : array_like, shape (n_t,)
        Output times, non-negative, increasing; integration runs from 0 to ``t[-1]``.
    kind : {"quadratic", "cosine"}, keyword-only
    space : {"code", "z"}, keyword-only
    rtol, atol : float, keyword-only
        Integrator tolerances, > 0.

    Returns
    -------
    GradientFlow
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
    else:
        z, u = y, bm.derivatives(y)[0]
    return GradientFlow(times, z, u, space, kind, int(sol.nfev))


def flow_limit_codes(fsq: FSQ, z, *, kind: str = "cosine", t_final: float = 40.0,
                     tol: float = 1e-6) -> np.ndarray:
    r"""The code each trajectory of the code-space flow converges to (NaN if it has not).

    Integrates :func:`gradient_flow` to ``t_final`` and returns the grid code within ``tol`` of
    :math:`u(t_\text{final})`; a trajectory farther than ``tol`` from every code (e.g. started
    on a threshold, an unstable equilibrium) gives NaN. Shape and units as ``fsq.quantize(z)``
    (code units, float64).
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
    z : array_like, shape (..., d)
        Latents; the iteration starts at ``fsq.bound(z)``.
    step : float, keyword-only
        :math:`\eta > 0`.
    n_steps : int, keyword-only
        >= 1.
    kind : {"quadratic", "cosine"}, keyword-only

    Returns
    -------
    ndarray, shape (..., d), code units.
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

    Attributes (1-D arrays of equal length)
    ----------
    dim : int array
        FSQ dimension.
    levels : int array
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
        :math:`b'(z)`, closed form in :math:`u`.
    kind : str
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
