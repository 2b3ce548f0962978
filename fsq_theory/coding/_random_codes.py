"""Random-code simulation: ML decoding of random codes, against Gallager's finite-n bound."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
optimize = lazy_module("scipy.optimize")

from .. import _validation as v
from ._channels import check_channel
from ._exponents import _check_rate, _e0_bits, _powered, random_coding_exponent_result

__all__ = ['RandomCodeSimulation', 'simulate_random_codes']


# ---------------------------------------------------------------------------------------------
# Monte Carlo of the random-coding bound
# ---------------------------------------------------------------------------------------------
_SIM_WORK_MAX = 2e10  # trials * M * n symbol look-ups (ML decoding), a few tens of seconds


@dataclass(frozen=True)
class RandomCodeSimulation:
    r"""Ensemble-average ML block error probability of random codes, with bounds.

    Attributes
    ----------
    n : int
        Block length (channel uses per codeword).
    rate : float
        Requested rate :math:`R` (bits per channel use).
    codewords : int
        :math:`M = \lceil 2^{nR} \rceil`.
    actual_rate : float
        :math:`\log_2 M / n` (>= ``rate``), the rate the bounds are evaluated at.
    trials : int
        Independent (codebook, noise) draws.
    errors : int
        Trials where another codeword was at least as likely as the sent one (ties count as
        errors: the event Gallager's bound covers).
    strict_errors : int
        Trials where another codeword was strictly more likely (a lower estimate: ties resolved
        in favour of the sent codeword).
    pe : float
        ``errors / trials``.
    ci_low, ci_high : float
        Clopper–Pearson interval for the error probability at level ``confidence``.
    confidence : float
        Level of that interval, in (0, 1).
    gallager_bound : float
        Finite-n bound :math:`\min_{0\le\rho\le1}(M-1)^\rho 2^{-nE_0(\rho,q)}` for the input
        distribution ``q`` used (Gallager 1968, Thm 5.6.1).
    exponent_bound : float
        :math:`2^{-nE_r(\log_2 M/n)}` (Gallager 1968, Thm 5.6.2); >= ``gallager_bound``.
    exponent : float
        :math:`E_r(\log_2 M / n)` in bits.
    input_distribution : ndarray
        The i.i.d. codeword-symbol distribution (the maximizer of :math:`E_r`).

    Notes
    -----
    ``pe``, ``ci_low``, ``ci_high``, ``gallager_bound`` and ``exponent_bound`` are block error
    probabilities (unitless); rates and the exponent are in bits per channel use.

    Examples
    --------
    >>> from fsq_theory.coding import bsc
    >>> r = simulate_random_codes(bsc(0.1), 8, 0.25, trials=2000, rng=0)
    >>> r.codewords, r.errors, r.trials
    (4, 269, 2000)
    >>> bool(r.ci_high <= r.gallager_bound <= r.exponent_bound)
    True
    """

    n: int
    rate: float
    codewords: int
    actual_rate: float
    trials: int
    errors: int
    strict_errors: int
    pe: float
    ci_low: float
    ci_high: float
    confidence: float
    gallager_bound: float
    exponent_bound: float
    exponent: float
    input_distribution: np.ndarray

    def to_frame(self):
        """One-row table of every field except ``input_distribution``."""
        import pandas as pd

        d = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "input_distribution"}
        return pd.DataFrame([d])


def _gallager_finite_n_bound(W: np.ndarray, q: np.ndarray, n: int, M: int) -> float:
    """min over rho in [0, 1] of (M-1)^rho 2^{-n E0(rho, q)} (log domain, bounded Brent)."""
    if M <= 1:
        return 0.0
    lm = math.log2(M - 1)

    def log_bound(rho):
        return rho * lm - n * _e0_bits(_powered(W, rho), q, rho)

    res = optimize.minimize_scalar(log_bound, bounds=(0.0, 1.0), method="bounded",
                                   options={"xatol": 1e-10})
    best = min(res.fun, log_bound(0.0), log_bound(1.0))
    return float(min(2.0 ** best, 1.0))


def simulate_random_codes(W, n, R, *, trials: int = 10_000, rng=None,
                          confidence: float = 0.999, seed=v._UNSET) -> RandomCodeSimulation:
    r"""Monte Carlo of the ensemble-average ML error probability of random block codes.

    Each trial draws a codebook of :math:`M = \lceil 2^{nR}\rceil` codewords of length ``n``
    with i.i.d. symbols from the input distribution :math:`q` that maximizes :math:`E_r(R)`,
    sends codeword 0 (the ensemble is invariant under relabelling messages, so its average error
    probability equals the error probability of message 0), draws the channel output, and decodes
    by maximum likelihood (numba kernel). The estimate is compared with Gallager's random-coding
    bound

    .. math::

        \bar P_e \le \min_{0\le\rho\le1} (M-1)^\rho\, 2^{-nE_0(\rho,q)}
                 \le 2^{-n E_r(\log_2 M / n)}

    (Gallager 1968, Thms 5.6.1–5.6.2), which holds for every ``n``, not only asymptotically.

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    n : int
        Block length, >= 1.
    R : float
        Rate in bits per channel use, in ``[0, log2 n_inputs]``.
    trials : int, keyword-only
        Number of independent (codebook, noise) draws, >= 1.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness. Codeword symbols and noise come from counter-based streams keyed by
        ``SeedSequence(rng)``: trial ``t`` depends on ``rng`` and ``t`` only.
    confidence : float, keyword-only
        Level of the Clopper–Pearson interval, in (0, 1).
    seed : int, keyword-only
        Deprecated name of ``rng`` (DeprecationWarning).

    Returns
    -------
    RandomCodeSimulation
        Error count, estimate with its interval, and the finite-n and exponential bounds.

    Raises
    ------
    ValueError
        If ``trials * M * n`` exceeds 2e10 symbol comparisons (ML decoding would take minutes).

    References
    ----------
    R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, Thms 5.6.1–5.6.2.

    Examples
    --------
    Four codewords of length 8 on BSC(0.1): the estimate, with its 99.9 % Clopper–Pearson
    interval, lies below Gallager's finite-n bound, which lies below :math:`2^{-nE_r}`:

    >>> from fsq_theory.coding import bsc
    >>> r = simulate_random_codes(bsc(0.1), 8, 0.25, trials=2000, rng=0)
    >>> round(r.pe, 4), round(r.ci_low, 4), round(r.ci_high, 4)
    (0.1345, 0.1106, 0.1612)
    >>> round(r.gallager_bound, 4), round(r.exponent_bound, 4)
    (0.5026, 0.6348)
    """
    rng = v.resolve_rng(rng, seed, owner="simulate_random_codes")
    from scipy import stats

    from .._kernels.random_codes import ERROR, TIE, random_code_outcomes

    ch = check_channel(W)
    n = v.check_int("n", n, minimum=1)
    R = _check_rate(R, ch, 1.0)
    trials = v.check_int("trials", trials, minimum=1)
    confidence = v.check_real("confidence", confidence, minimum=0.0, strict_minimum=True, maximum=1.0)
    if confidence >= 1.0:
        raise ValueError(f"confidence must be < 1, got {confidence!r}")
    M = max(1, math.ceil(2.0 ** (n * R) - 1e-9))  # 2^{nR} integral up to rounding -> no extra word
    if float(trials) * M * n > _SIM_WORK_MAX:
        raise ValueError(f"trials * M * n = {trials} * {M} * {n} exceeds {_SIM_WORK_MAX:g}; "
                         "reduce n, R or trials")
    actual = math.log2(M) / n
    er = random_coding_exponent_result(ch, min(actual, math.log2(ch.n_inputs)))
    q = er.input_distribution
    cum_q = np.cumsum(q)
    cum_w = np.cumsum(ch.W, axis=1)
    with np.errstate(divide="ignore"):
        log_w = np.log(ch.W)
    keys = v.as_seed_sequence(rng).generate_state(4, dtype=np.uint64)
    out = np.empty(trials, dtype=np.int8)
    # codewords are generated inside the kernel from counter-based streams: the outcome of trial
    # t depends on (rng, t) only
    random_code_outcomes(keys[0], keys[1], keys[2], keys[3], 0, M, n, cum_q, cum_w, log_w,
                         1e-9 * (1.0 + n), out)
    errors = int(np.sum(out >= TIE))
    strict = int(np.sum(out == ERROR))
    ci = stats.binomtest(errors, trials).proportion_ci(confidence_level=confidence, method="exact")
    return RandomCodeSimulation(
        n=n, rate=R, codewords=M, actual_rate=actual, trials=trials, errors=errors,
        strict_errors=strict, pe=errors / trials, ci_low=float(ci.low), ci_high=float(ci.high),
        confidence=confidence, gallager_bound=_gallager_finite_n_bound(ch.W, q, n, M),
        exponent_bound=float(2.0 ** (-n * er.exponent)), exponent=er.exponent,
        input_distribution=q)
