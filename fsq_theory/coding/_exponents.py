r"""Error exponents of discrete memoryless channels and of lossless source coding.

Channel coding (Gallager 1968, ch. 5): for block length :math:`n` and rate :math:`R` (bits per
channel use), the ensemble-average ML block error probability of random codes with i.i.d. input
distribution :math:`q` satisfies :math:`\bar P_e \le 2^{-n[E_0(\rho,q) - \rho R]}` for every
:math:`\rho \in [0,1]` (Gallager 1968, Thm 5.6.2; :math:`R` counted as :math:`\lceil 2^{nR}\rceil`
codewords), where

.. math::

    E_0(\rho, q) = -\log_2 \sum_y \Big[\sum_x q(x) W(y|x)^{1/(1+\rho)}\Big]^{1+\rho}.

Hence :math:`P_e \le 2^{-n E_r(R)}` with the random-coding exponent
:math:`E_r(R) = \max_{0\le\rho\le1}\max_q [E_0(\rho,q) - \rho R]`; every code has
:math:`P_e \ge 2^{-n[E_{sp}(R - o(1)) + o(1)]}` with the sphere-packing exponent
:math:`E_{sp}(R) = \sup_{\rho\ge0}\max_q[E_0(\rho,q) - \rho R]` (Shannon–Gallager–Berlekamp 1967);
and expurgated codes reach :math:`E_{ex}(R) = \sup_{\rho\ge1}\max_q[E_x(\rho,q) - \rho R]` with
:math:`E_x(\rho,q) = -\rho\log_2\sum_{x,x'} q(x)q(x')\big[\sum_y\sqrt{W(y|x)W(y|x')}\big]^{1/\rho}`
(Gallager 1968, Thm 5.7.1). The seed's :math:`P_e \le \exp(-nE(R))` is this statement with the
exponent in nats; all functions here return bits unless ``base=`` says otherwise.

Maximization over :math:`q` at fixed :math:`\rho`: :math:`E_0` is maximized by minimizing the
convex function :math:`F(q) = \sum_y \alpha_y^{1+\rho}`, :math:`\alpha_y = \sum_x q(x)W(y|x)^{1/(1+\rho)}`
(Gallager 1968, Thm 5.6.5), with Arimoto's multiplicative iteration (Arimoto, IEEE Trans. IT-22,
1976) and a certified duality gap from the linearization bound
:math:`F^* \ge F(q) + \min_x \partial_x F - q\cdot\nabla F`. (Source coding exponents:
``_source_coding``.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from .._lazy import lazy_module
from ._channels import DiscreteChannel, check_channel, check_input_distribution, log_base_factor
from ._zero_rate import _e0_at_infinity

optimize = lazy_module("scipy.optimize")

__all__ = ['gallager_e0', 'ExponentResult', 'random_coding_exponent', 'random_coding_exponent_result', 'sphere_packing_exponent', 'sphere_packing_exponent_result', 'expurgated_exponent', 'expurgated_exponent_result', 'critical_rate', 'cutoff_rate', 'zero_rate_limit']

_INNER_TOL = 1e-13  # certified gap (bits) of the inner maximization over q
_INNER_MAX_ITER = 200_000
_RHO_XTOL = 1e-10


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _check_rho(rho, *, maximum=1.0) -> float:
    return v.check_real("rho", rho, minimum=0.0, maximum=maximum)


def _check_rate(R, ch: DiscreteChannel, factor: float) -> float:
    """Rate in ``base`` units -> bits, within [0, log2 n_inputs]."""
    r = v.check_real("R", R, minimum=0.0)
    top = math.log2(ch.n_inputs) * factor
    if r > top * (1 + 1e-12):
        raise ValueError(f"R must be <= log of the input alphabet size ({top!r} in these units), got {r!r}")
    return min(r / factor, math.log2(ch.n_inputs))


def _q_or_uniform(q, n):
    return np.full(n, 1.0 / n) if q is None else check_input_distribution(q, n)


# ---------------------------------------------------------------------------------------------
# E0 and its maximization over q
# ---------------------------------------------------------------------------------------------
def _powered(W: np.ndarray, rho: float) -> np.ndarray:
    return W ** (1.0 / (1.0 + rho))


def _e0_bits(Wp: np.ndarray, q: np.ndarray, rho: float) -> float:
    alpha = q @ Wp
    return 0.0 - math.log2(float(np.sum(alpha ** (1.0 + rho))))  # 0.0 - 0.0 is +0.0, not -0.0


def gallager_e0(W, rho, q=None, *, base=2) -> float:
    r"""Gallager's function :math:`E_0(\rho, q)` (per channel use).

    .. math::

        E_0(\rho, q) = -\log \sum_y \Big[\sum_x q(x)\, W(y|x)^{1/(1+\rho)}\Big]^{1+\rho}

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    rho : float
        :math:`\rho \in [0, 1]` (use :func:`sphere_packing_exponent` for :math:`\rho > 1`).
    q : array_like or None
        Input distribution; ``None`` is uniform.
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``.

    Returns
    -------
    float
        :math:`E_0(\rho, q)` in ``base`` units per channel use; 0 at :math:`\rho = 0`.

    References
    ----------
    Gallager (1968), eq. (5.6.14).

    Examples
    --------
    BSC, uniform :math:`q`: :math:`E_0(1, q) = 1 - \log_2(1 + 2\sqrt{p(1-p)}) = 1 - \log_2 1.6`:

    >>> from fsq_theory.coding import bsc
    >>> round(gallager_e0(bsc(0.1), 1.0), 6), round(1 - math.log2(1.6), 6)
    (0.321928, 0.321928)
    """
    ch = check_channel(W)
    rho = _check_rho(rho)
    q = _q_or_uniform(q, ch.n_inputs)
    return _e0_bits(_powered(ch.W, rho), q, rho) * log_base_factor(base)


def _de0_drho_bits(W: np.ndarray, q: np.ndarray, rho: float) -> float:
    r""":math:`\partial E_0/\partial\rho` at fixed ``q`` (bits), analytically."""
    a = 1.0 / (1.0 + rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        Wp = W ** a
        WlnW = np.where(W > 0, Wp * np.log(np.where(W > 0, W, 1.0)), 0.0)
    alpha = q @ Wp
    dalpha = -(a * a) * (q @ WlnW)
    pos = alpha > 0
    al = alpha[pos]
    S = float(np.sum(al ** (1 + rho)))
    dS = float(np.sum(al ** (1 + rho) * (np.log(al) + (1 + rho) * dalpha[pos] / al)))
    return -dS / (S * math.log(2.0))


@dataclass(frozen=True)
class _E0Max:
    value: float  # max_q E0(rho, q), bits (lower end of the certified bracket)
    upper: float  # certified upper bound on max_q E0
    q: np.ndarray


def _max_e0(W: np.ndarray, rho: float, q0=None) -> _E0Max:
    """max_q E0(rho, q) by Arimoto's iteration q <- q * beta^(-1/rho), certified."""
    n = W.shape[0]
    if rho == 0.0:
        return _E0Max(0.0, 0.0, np.full(n, 1.0 / n) if q0 is None else q0)
    Wp = _powered(W, rho)
    q = np.full(n, 1.0 / n) if q0 is None else np.asarray(q0, dtype=np.float64).copy()

    def evaluate(q):
        alpha = q @ Wp
        return float(np.sum(alpha ** (1.0 + rho))), Wp @ (alpha ** rho)  # F, (1/(1+rho)) dF/dq

    def step(q, F, beta, mu):
        # Arimoto (1976): multiplicative step towards the KKT condition beta_x = F on the
        # support; beta / F keeps the power in range for small rho
        q = q * (beta / F) ** (-mu / rho)
        return q / q.sum()

    F, beta = evaluate(q)
    mu = 1.0
    for _ in range(_INNER_MAX_ITER):
        lower_F = F + (1.0 + rho) * (float(beta.min()) - F)
        e0 = -math.log2(F)
        up = math.inf if lower_F <= 0 else -math.log2(lower_F)
        # the linearization bound carries a (1 + rho) factor and beta a power rho of alpha:
        # rounding errors of the certificate grow like (1 + rho)^2
        if up - e0 <= _INNER_TOL * (1.0 + rho) ** 2:
            break
        q_new = step(q, F, beta, 1.0)
        F_new, beta_new = evaluate(q_new)
        # longer steps are kept only when they decrease F more (as for capacity): the plain
        # step is slow for large rho, where the exponent 1/rho is small
        q_acc = step(q, F, beta, 2.0 * mu)
        F_acc, beta_acc = evaluate(q_acc)
        if F_acc <= F_new:
            q_new, F_new, beta_new = q_acc, F_acc, beta_acc
            mu *= 2.0
        else:
            mu = max(1.0, mu / 4.0)
        q, F, beta = q_new, F_new, beta_new
    else:
        raise RuntimeError(f"max over q of E0 at rho={rho} did not converge (gap {up - e0:.3g} bits)")
    return _E0Max(e0, up, q)


# ---------------------------------------------------------------------------------------------
# exponents
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExponentResult:
    """An error exponent at one rate, with its optimizing parameters (``*_exponent_result``).

    Attributes
    ----------
    exponent : float
        Exponent in ``base`` units per channel use (``inf`` when unbounded).
    rate : float
        The rate :math:`R`, ``base`` units per channel use.
    rho : float
        Optimizing :math:`\\rho` (dimensionless; ``inf`` when the supremum is not attained).
    input_distribution : ndarray, shape (n_inputs,)
        Optimizing input distribution :math:`q` (probabilities).
    kind : str
        ``"random_coding"``, ``"sphere_packing"`` or ``"expurgated"``.
    base : float
        Logarithm base of the units: 2.0 for bits, :math:`e` for nats.
    certified : bool
        Whether the maximization over ``q`` is known to be global (always for :math:`E_r` and
        :math:`E_{sp}`, whose inner problem is convex; for :math:`E_{ex}` when the matrix
        :math:`B^{1/\\rho}` is positive semidefinite).

    Examples
    --------
    >>> from fsq_theory.coding import bsc
    >>> r = random_coding_exponent_result(bsc(0.1), 0.1)
    >>> r.kind, round(r.exponent, 6), r.rho, r.input_distribution
    ('random_coding', 0.221928, 1.0, array([0.5, 0.5]))
    """

    exponent: float
    rate: float
    rho: float
    input_distribution: np.ndarray
    kind: str
    base: float
    certified: bool = True


def _base_value(base) -> float:
    f = log_base_factor(base)
    return 2.0 if f == 1.0 else math.exp(math.log(2.0) / f)


def _maximize_over_rho(f, lo: float, hi: float, grid: np.ndarray, *, patience: int | None = None):
    """Maximize ``f`` on [lo, hi]: grid to bracket the best point, then bounded Brent.

    With ``patience``, the grid scan stops once ``patience`` consecutive points fall below the
    best so far (for the unbounded sphere-packing search, where the function is unimodal).
    """
    vals = []
    for r in grid:
        vals.append(f(r))
        if patience is not None and len(vals) > patience and \
                int(np.argmax(vals)) < len(vals) - patience:
            break
    grid = grid[: len(vals)]
    vals = np.array(vals)
    k = int(np.argmax(vals))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    if b > a:
        res = optimize.minimize_scalar(lambda r: -f(r), bounds=(a, b), method="bounded",
                                       options={"xatol": _RHO_XTOL})
        if -res.fun >= vals[k]:
            return float(res.x), float(-res.fun)
    return float(grid[k]), float(vals[k])


def random_coding_exponent_result(W, R, *, base=2) -> ExponentResult:
    r"""Random-coding exponent :math:`E_r(R) = \max_{0\le\rho\le1}\max_q[E_0(\rho,q)-\rho R]`.

    See :func:`random_coding_exponent` (definition, references).

    Parameters
    ----------
    W, R, base
        As in :func:`random_coding_exponent`.

    Returns
    -------
    ExponentResult
        ``kind="random_coding"``; ``rho`` in [0, 1].

    Examples
    --------
    Below the critical rate the optimum is at :math:`\rho = 1` and :math:`E_r = R_0 - R`:

    >>> from fsq_theory.coding import bsc
    >>> r = random_coding_exponent_result(bsc(0.1), 0.1)
    >>> r.rho, round(r.exponent, 6), round(cutoff_rate(bsc(0.1)) - 0.1, 6)
    (1.0, 0.221928, 0.221928)
    """
    ch = check_channel(W)
    factor = log_base_factor(base)
    R = _check_rate(R, ch, factor)
    cache: dict[float, _E0Max] = {}

    def e0star(rho):
        if rho not in cache:
            cache[rho] = _max_e0(ch.W, rho)
        return cache[rho].value

    rho, val = _maximize_over_rho(lambda r: e0star(r) - r * R, 0.0, 1.0, np.linspace(0.0, 1.0, 21))
    val = max(val, 0.0)  # rho = 0 gives exactly 0
    q = cache[rho].q if rho in cache else _max_e0(ch.W, rho).q
    return ExponentResult(val * factor, R * factor, rho, q, "random_coding", _base_value(base))


def random_coding_exponent(W, R, *, base=2) -> float:
    r"""Gallager's random-coding exponent :math:`E_r(R)` (bits per channel use by default).

    .. math::

        E_r(R) = \max_{0\le\rho\le1}\ \max_q\ [E_0(\rho, q) - \rho R]

    :math:`E_r` is positive for :math:`0 \le R < C` and zero at :math:`R = C`; below the critical
    rate it is the straight line :math:`R_0 - R`.

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    R : float
        Rate in ``base`` units per channel use, in ``[0, log n_inputs]``.
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``; applies to ``R`` and the result.

    Returns
    -------
    float
        :math:`E_r(R)` in ``base`` units per channel use.

    References
    ----------
    Gallager (1968), Thm 5.6.2 and eq. (5.6.16).

    Examples
    --------
    BSC(0.1): above the critical rate :math:`E_r(R) = D(\delta\|p)` with :math:`h(\delta) = 1 - R`;
    :math:`\delta = 0.2` gives :math:`D(0.2\|0.1) = 0.2 + 0.8\log_2(8/9)`:

    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> R = 1 - binary_entropy(0.2)
    >>> round(random_coding_exponent(bsc(0.1), R), 6), round(0.2 + 0.8 * math.log2(8 / 9), 6)
    (0.06406, 0.06406)
    """
    return random_coding_exponent_result(W, R, base=base).exponent


def zero_rate_limit(W, *, base=2) -> float:
    r""":math:`R_\infty`: the rate below which :math:`E_{sp}(R) = \infty`.

    .. math::

        R_\infty = -\log \min_q \max_y \sum_x q(x)\,[W(y|x) > 0]

    (Gallager 1968, eq. (5.8.6)); solved as a linear program. 0 when some output is reachable from
    every input (e.g. the BSC, the BEC, any channel with all entries positive).

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``.

    Returns
    -------
    float
        :math:`R_\infty \ge 0` in ``base`` units per channel use.

    Examples
    --------
    Noiseless binary channel: 1 bit; three-input noisy typewriter (input :math:`x` reaches
    :math:`x` and :math:`x+1 \bmod 3`): :math:`\log_2(3/2)`.

    >>> zero_rate_limit(np.eye(2))
    1.0
    >>> W = [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]]
    >>> round(zero_rate_limit(W), 6), round(math.log2(1.5), 6)
    (0.584963, 0.584963)
    """
    ch = check_channel(W)
    A = (ch.W > 0).astype(np.float64)  # inputs x outputs
    n, m = A.shape
    # variables (q_1..q_n, t): minimize t s.t. A^T q <= t, sum q = 1, q >= 0
    c = np.zeros(n + 1)
    c[-1] = 1.0
    res = optimize.linprog(c, A_ub=np.hstack([A.T, -np.ones((m, 1))]), b_ub=np.zeros(m),
                           A_eq=np.hstack([np.ones((1, n)), np.zeros((1, 1))]), b_eq=[1.0],
                           bounds=[(0, None)] * n + [(None, None)], method="highs")
    return max(0.0 - math.log2(res.x[-1]), 0.0) * log_base_factor(base)  # no -0.0


def sphere_packing_exponent_result(W, R, *, base=2, rho_max: float = 1e6) -> ExponentResult:
    r"""Sphere-packing exponent :math:`E_{sp}(R) = \sup_{\rho\ge0}\max_q[E_0(\rho,q)-\rho R]`.

    ``inf`` for :math:`R \le R_\infty` (:func:`zero_rate_limit`), except at :math:`R = 0 =
    R_\infty`, where the finite limit :math:`\lim_{\rho\to\infty}\max_q E_0(\rho, q) =
    \max_q -\log\sum_{y} \prod_x W(y|x)^{q(x)}` (outputs reachable from every input; Shannon,
    Gallager & Berlekamp 1967, eq. (1.09)) is returned with ``rho = inf``. The supremum over
    :math:`\rho` is searched on ``[0, rho_max]``; a maximizer at ``rho_max`` raises (the rate is
    too close to :math:`R_\infty` for the search).

    Parameters
    ----------
    W, R, base
        As in :func:`sphere_packing_exponent` (see it for the references).
    rho_max : float, keyword-only
        Upper end (>= 1) of the search over :math:`\rho`.

    Returns
    -------
    ExponentResult
        ``kind="sphere_packing"``; ``exponent`` and ``rho`` are ``inf`` for :math:`R \le R_\infty`.

    Examples
    --------
    BSC(0.1), :math:`R = 1 - h(0.2)`: :math:`E_{sp}(R) = D(0.2\|0.1)`, attained at
    :math:`\rho = \ln\frac{1-p}{p}\big/\ln\frac{1-\delta}{\delta} - 1 = \log_2 3 - 1`:

    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> r = sphere_packing_exponent_result(bsc(0.1), 1 - binary_entropy(0.2))
    >>> round(r.exponent, 6), round(0.2 + 0.8 * math.log2(8 / 9), 6)
    (0.06406, 0.06406)
    >>> round(r.rho, 6), round(math.log2(3) - 1, 6)
    (0.584963, 0.584963)
    """
    ch = check_channel(W)
    factor = log_base_factor(base)
    R = _check_rate(R, ch, factor)
    rho_max = v.check_real("rho_max", rho_max, minimum=1.0)
    r_inf = zero_rate_limit(ch)
    if R == 0.0 and r_inf == 0.0:
        # E0(rho, q) increases with rho: the supremum at R = 0 is the limit rho -> infinity
        val, q = _e0_at_infinity(ch.W)
        return ExponentResult(val * factor, 0.0, math.inf, q, "sphere_packing", _base_value(base))
    if R <= r_inf:
        n = ch.n_inputs
        return ExponentResult(math.inf, R * factor, math.inf, np.full(n, 1.0 / n),
                              "sphere_packing", _base_value(base))
    cache: dict[float, _E0Max] = {}

    def f(rho):
        # E0(rho, q) for rho > 1 is still maximized by the same convex program
        if rho not in cache:
            cache[rho] = _max_e0(ch.W, rho)
        return cache[rho].value - rho * R

    # geometric grid: the maximizer grows like 1/(R - R_inf) as R approaches R_inf
    grid = np.concatenate([[0.0], np.geomspace(1e-3, rho_max, 181)])
    rho, val = _maximize_over_rho(f, 0.0, rho_max, grid, patience=6)
    if rho >= rho_max * (1 - 1e-9):
        raise ValueError(f"R = {R * factor!r} is too close to R_inf = {r_inf * factor!r}: the "
                         f"supremum over rho is not attained below rho_max = {rho_max}")
    q = cache[rho].q if rho in cache else _max_e0(ch.W, rho).q
    return ExponentResult(max(val, 0.0) * factor, R * factor, rho, q, "sphere_packing",
                          _base_value(base))


def sphere_packing_exponent(W, R, *, base=2) -> float:
    r"""Sphere-packing exponent :math:`E_{sp}(R)` (bits per channel use by default).

    .. math::

        E_{sp}(R) = \sup_{\rho\ge0}\ \max_q\ [E_0(\rho, q) - \rho R]

    An upper bound on the error exponent of every code (every code has
    :math:`P_e \ge 2^{-n[E_{sp}(R - o(1)) + o(1)]}`): :math:`E_r(R) \le E_{sp}(R)`, with
    equality for :math:`R \ge R_{crit}`. ``inf`` for :math:`R \le R_\infty`
    (:func:`zero_rate_limit`).

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    R : float
        Rate in ``base`` units per channel use, in ``[0, log n_inputs]``.
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``; applies to ``R`` and the result.

    Returns
    -------
    float
        :math:`E_{sp}(R)` in ``base`` units per channel use (``inf`` for :math:`R \le R_\infty`).

    References
    ----------
    C. E. Shannon, R. G. Gallager, E. R. Berlekamp, "Lower bounds to error probability for coding
    on discrete memoryless channels I", Inf. Control 10 (1967); Gallager (1968), Thm 5.8.1.

    Examples
    --------
    Above the critical rate it equals :math:`E_r(R)`; for the BSC both are
    :math:`D(\delta\|p)` with :math:`h(\delta) = 1 - R`:

    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> W, R = bsc(0.1), 1 - binary_entropy(0.2)
    >>> round(sphere_packing_exponent(W, R), 6), round(random_coding_exponent(W, R), 6)
    (0.06406, 0.06406)
    >>> sphere_packing_exponent(np.eye(2), 0.5)     # R below R_inf = 1 bit: no errors needed
    inf
    """
    return sphere_packing_exponent_result(W, R, base=base).exponent


def _bhattacharyya_matrix(W: np.ndarray) -> np.ndarray:
    r""":math:`B_{xx'} = \sum_y \sqrt{W(y|x)W(y|x')}`."""
    S = np.sqrt(W)
    return S @ S.T


def _min_quadratic(A: np.ndarray, q0: np.ndarray):
    """min_q q^T A q on the simplex (A symmetric, entries >= 0). Returns (value, q, certified)."""
    n = A.shape[0]
    evals = np.linalg.eigvalsh(A)
    psd = bool(evals[0] >= -1e-12 * max(1.0, evals[-1]))
    best = None
    starts = [q0, np.full(n, 1.0 / n)]
    for start in starts:
        res = optimize.minimize(
            lambda q: q @ A @ q, start, jac=lambda q: 2 * (A @ q), method="SLSQP",
            bounds=[(0.0, 1.0)] * n,
            constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1.0, "jac": lambda q: np.ones(n)}],
            options={"ftol": 1e-15, "maxiter": 1000})
        q = np.clip(res.x, 0.0, None)
        q /= q.sum()
        val = float(q @ A @ q)
        if best is None or val < best[0]:
            best = (val, q)
    return best[0], best[1], psd


def expurgated_exponent_result(W, R, *, base=2) -> ExponentResult:
    r"""Expurgated exponent :math:`E_{ex}(R) = \sup_{\rho\ge1}\max_q[E_x(\rho,q)-\rho R]`.

    See :func:`expurgated_exponent` (definition, references). The supremum over
    :math:`\rho \ge 1` is taken over :math:`s = 1/\rho \in (0, 1]`.

    Parameters
    ----------
    W, R, base
        As in :func:`expurgated_exponent`.

    Returns
    -------
    ExponentResult
        ``kind="expurgated"``; ``rho`` >= 1; ``certified`` False for a local optimum over ``q``.

    Examples
    --------
    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> r = expurgated_exponent_result(bsc(0.1), 1 - binary_entropy(0.4))
    >>> round(r.exponent, 6), bool(r.rho >= 1), r.certified
    (0.294786, True, True)
    """
    ch = check_channel(W)
    factor = log_base_factor(base)
    R = _check_rate(R, ch, factor)
    B = _bhattacharyya_matrix(ch.W)
    n = ch.n_inputs
    state = {"q": np.full(n, 1.0 / n), "cert": True}
    cache: dict[float, tuple] = {}

    def g(s):
        # (1/s) * (-log2 min_q q^T B^s q) - R/s ; B^s with 0^s = 0
        if s not in cache:
            val, q, psd = _min_quadratic(B ** s, state["q"])
            cache[s] = (val, q, psd)
        val = cache[s][0]
        return (-math.log2(val) - R) / s

    s_min = 1e-6
    grid = np.concatenate([np.geomspace(s_min, 1e-2, 12), np.linspace(0.02, 1.0, 50)])
    s, val = _maximize_over_rho(g, s_min, 1.0, grid)
    if s <= s_min * (1 + 1e-9) and R > 0:
        # the supremum is approached as rho -> infinity; for channels with all B > 0 this means
        # R is (numerically) 0
        raise ValueError(f"R = {R * factor!r} is too small for the expurgated search (rho > {1 / s_min:g})")
    _, q, psd = cache[s] if s in cache else _min_quadratic(B ** s, state["q"])
    return ExponentResult(max(val, 0.0) * factor, R * factor, 1.0 / s, q, "expurgated",
                          _base_value(base), certified=psd)


def expurgated_exponent(W, R, *, base=2) -> float:
    r"""Expurgated exponent :math:`E_{ex}(R)` (bits per channel use by default).

    .. math::

        E_{ex}(R) = \sup_{\rho\ge1}\ \max_q\ \Big[-\rho\log\sum_{x,x'}q(x)q(x')
        \Big(\sum_y\sqrt{W(y|x)W(y|x')}\Big)^{1/\rho} - \rho R\Big]

    The supremum over :math:`\rho` is searched up to :math:`\rho = 10^6`; at ``R = 0`` the
    result is the value there (the limit :math:`\rho\to\infty` is approached from below).
    It exceeds :math:`E_r(R)` at low rates and coincides with :math:`R_0 - R` on
    :math:`[R_x, R_{crit}]`. The maximization over ``q`` is a quadratic program that is convex
    when :math:`B^{1/\rho}` is positive semidefinite (Jelinek 1968), always the case for binary
    inputs; elsewhere the result's ``certified`` flag is False (local optimum from two starts).

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    R : float
        Rate in ``base`` units per channel use, in ``[0, log n_inputs]``.
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``; applies to ``R`` and the result.

    Returns
    -------
    float
        :math:`E_{ex}(R)` in ``base`` units per channel use.

    References
    ----------
    Gallager (1968), Thm 5.7.1 and eqs. (5.7.10)–(5.7.20); F. Jelinek, "Evaluation of expurgated
    bound exponents", IEEE Trans. IT-14 (1968).

    Examples
    --------
    BSC below :math:`R_x`: :math:`E_{ex}(R) = -\delta\log_2\bigl(2\sqrt{p(1-p)}\bigr)`,
    :math:`h(\delta) = 1 - R` (Gilbert–Varshamov); :math:`-0.4\log_2 0.6` for :math:`p = 0.1`,
    :math:`\delta = 0.4`, above :math:`E_r(R) = R_0 - R`:

    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> R = 1 - binary_entropy(0.4)
    >>> round(expurgated_exponent(bsc(0.1), R), 6), round(-0.4 * math.log2(0.6), 6)
    (0.294786, 0.294786)
    >>> round(random_coding_exponent(bsc(0.1), R), 6)
    0.292879
    """
    return expurgated_exponent_result(W, R, base=base).exponent


def cutoff_rate(W, *, base=2) -> float:
    r"""Cutoff rate :math:`R_0 = \max_q E_0(1, q)` (bits per channel use by default).

    :math:`R_0 = \max_q -\log \sum_y [\sum_x q(x)\sqrt{W(y|x)}]^2`.

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``.

    Returns
    -------
    float
        :math:`R_0` in ``base`` units per channel use.

    References
    ----------
    Gallager (1968), eq. (5.6.27) and p. 142.

    Examples
    --------
    BSC: :math:`R_0 = 1 - \log_2(1 + 2\sqrt{p(1-p)})`; BEC: :math:`R_0 = 1 - \log_2(1 + e)`:

    >>> from fsq_theory.coding import bec, bsc
    >>> round(cutoff_rate(bsc(0.1)), 6), round(1 - math.log2(1.6), 6)
    (0.321928, 0.321928)
    >>> round(cutoff_rate(bec(0.25)), 6), round(1 - math.log2(1.25), 6)
    (0.678072, 0.678072)
    """
    ch = check_channel(W)
    return _max_e0(ch.W, 1.0).value * log_base_factor(base)


def critical_rate(W, *, base=2) -> float:
    r"""Critical rate :math:`R_{crit} = \partial E_0(\rho, q^*)/\partial\rho |_{\rho=1}`.

    :math:`q^*` maximizes :math:`E_0(1, q)`; by the envelope theorem the derivative of
    :math:`\max_q E_0` is the partial derivative at :math:`q^*` (computed analytically). Below
    :math:`R_{crit}`, :math:`E_r(R) = R_0 - R`.

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``.

    Returns
    -------
    float
        :math:`R_{crit}` in ``base`` units per channel use.

    References
    ----------
    Gallager (1968), eq. (5.6.30).

    Examples
    --------
    BSC: :math:`R_{crit} = 1 - h(p_c)`, :math:`p_c = \sqrt p/(\sqrt p + \sqrt{1-p})`, which is
    1/4 for :math:`p = 0.1`:

    >>> from fsq_theory.coding import binary_entropy, bsc
    >>> round(critical_rate(bsc(0.1)), 6), round(1 - binary_entropy(0.25), 6)
    (0.188722, 0.188722)
    """
    ch = check_channel(W)
    m = _max_e0(ch.W, 1.0)
    return _de0_drho_bits(ch.W, m.q, 1.0) * log_base_factor(base)
