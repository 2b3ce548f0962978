"""Checks of coding theory (error exponents, random codes) and of the generalization bound."""

from __future__ import annotations

import math

import numpy as np

from . import Outcome, register

_FSQ_CHANNEL = ([5], 3.0)  # one FSQ dimension with 5 levels at 3 dB: no closed form


def _channels():
    from ..coding import bsc, fsq_awgn_channel

    return [bsc(0.05), bsc(0.11), fsq_awgn_channel(*_FSQ_CHANNEL)]


@register(
    "coding_er_le_esp",
    statement=("Random-coding exponent below sphere-packing exponent: Er(R) <= Esp(R) for "
               "0 < R < C (BSC(0.05), BSC(0.11), FSQ[5] token channel at 3 dB; 6 rates each)."),
    source="Gallager (1968), Thms 5.6.2 and 5.8.1; Shannon, Gallager & Berlekamp (1967)",
)
def er_le_esp() -> Outcome:
    from ..coding import capacity
    from ..coding import random_coding_exponent, sphere_packing_exponent

    worst = -math.inf
    for ch in _channels():
        C = capacity(ch)
        for R in np.linspace(0.1, 0.95, 6) * C:
            worst = max(worst, random_coding_exponent(ch, R) - sphere_packing_exponent(ch, R))
    return Outcome(lhs=worst, rhs=0.0, margin=1e-12 - worst, passed=worst <= 1e-12,
                   detail="lhs = max over channels and rates of Er - Esp (bits)")


@register(
    "coding_er_zero_at_capacity",
    statement=("Er(C) = 0 (to 1e-9) and Er(R) > 0 for R < C: checked at R = C and R = 0.99 C "
               "for BSC(0.05), BSC(0.11) and the FSQ[5] token channel at 3 dB."),
    source="Gallager (1968), Thm 5.6.4",
)
def er_zero_at_capacity() -> Outcome:
    from ..coding import capacity_result
    from ..coding import random_coding_exponent

    at_c, below = 0.0, math.inf
    for ch in _channels():
        # evaluate at the certified lower end of capacity: Er is 0 on [C, log|X|]
        C = capacity_result(ch).capacity
        at_c = max(at_c, abs(random_coding_exponent(ch, C)))
        below = min(below, random_coding_exponent(ch, 0.99 * C))
    ok = at_c <= 1e-9 and below > 0
    return Outcome(lhs=at_c, rhs=below, margin=min(1e-9 - at_c, below), passed=ok,
                   detail="lhs = max |Er(C)|, rhs = min Er(0.99 C) (bits)")


@register(
    "coding_er_straight_line",
    statement=("Below the critical rate the random-coding exponent is the straight line "
               "Er(R) = R0 - R (R0 = E0(1) the cutoff rate), to 1e-9, at 5 rates in (0, Rcrit) "
               "for BSC(0.05), BSC(0.11) and the FSQ[5] token channel at 3 dB."),
    source="Gallager (1968), eqs. (5.6.28)-(5.6.31)",
)
def er_straight_line() -> Outcome:
    from ..coding import critical_rate, cutoff_rate, random_coding_exponent

    worst = 0.0
    for ch in _channels():
        R0, Rc = cutoff_rate(ch), critical_rate(ch)
        for R in np.linspace(0.0, 0.99, 5) * Rc:
            worst = max(worst, abs(random_coding_exponent(ch, R) - (R0 - R)))
    return Outcome.at_most(worst, 1e-9,
                           "lhs = max |Er(R) - (R0 - R)| over channels and rates (bits)")


@register(
    "coding_bsc_closed_forms",
    statement=("BSC(0.11): capacity 1 - h(p), cutoff rate 1 - log2(1 + 2 sqrt(p(1-p))), critical "
               "rate 1 - h(sqrt p / (sqrt p + sqrt(1-p))) and Er(R) = D(delta||p), 1 - h(delta) = "
               "R, at R = (Rcrit + C)/2 are computed to 1e-9."),
    source="Gallager (1968), sec. 5.6, eqs. (5.6.41)-(5.6.45)",
)
def bsc_closed_forms() -> Outcome:
    from scipy.optimize import brentq

    from ..coding import binary_entropy as h, bsc, capacity
    from ..coding import critical_rate, cutoff_rate, random_coding_exponent

    p = 0.11
    ch = bsc(p)
    C = 1 - h(p)
    R0 = 1 - math.log2(1 + 2 * math.sqrt(p * (1 - p)))
    Rc = 1 - h(math.sqrt(p) / (math.sqrt(p) + math.sqrt(1 - p)))
    R = 0.5 * (Rc + C)
    delta = brentq(lambda t: h(t) - (1 - R), p, 0.5, xtol=1e-16)
    er = delta * math.log2(delta / p) + (1 - delta) * math.log2((1 - delta) / (1 - p))
    errs = [abs(capacity(ch) - C), abs(cutoff_rate(ch) - R0), abs(critical_rate(ch) - Rc),
            abs(random_coding_exponent(ch, R) - er)]
    worst = max(errs)
    return Outcome.at_most(worst, 1e-9, "max abs error over (C, R0, Rcrit, Er) in bits: "
                           + ", ".join(f"{e:.1e}" for e in errs))


@register(
    "coding_random_code_bound",
    statement=("The ensemble-average ML block error probability of random codes on BSC(0.1) at "
               "R = 0.2, n = 10, 20, 30, 40 (4000 trials each, seed 0, ties counted as errors) "
               "does not exceed Gallager's bound min_rho (M-1)^rho 2^(-n E0(rho)) <= 2^(-n Er(R)): "
               "the one-sided 99.9 % Clopper-Pearson lower limit of the estimate lies below the "
               "bound at every n."),
    source="Gallager (1968), Thms 5.6.1-5.6.2",
)
def random_code_bound() -> Outcome:
    from ..coding import bsc
    from ..coding import simulate_random_codes

    worst = -math.inf
    parts = []
    for n in (10, 20, 30, 40):
        r = simulate_random_codes(bsc(0.1), n, 0.2, trials=4000, rng=0)
        # log ratio of the lower confidence limit to the bound: <= 0 when the bound holds
        ratio = math.log2(max(r.ci_low, 1e-300) / r.gallager_bound)
        worst = max(worst, ratio)
        parts.append(f"n={n}: Pe={r.pe:.2e} bound={r.gallager_bound:.2e} 2^-nEr={r.exponent_bound:.2e}")
    return Outcome(lhs=worst, rhs=0.0, margin=-worst, passed=worst <= 0.0,
                   detail="lhs = max_n log2(CI low / bound); " + "; ".join(parts))


@register(
    "learning_generalization_bound",
    statement=("ERM over the linear classifiers sign<c, x> indexed by FSQ codebooks (|C| = 9, "
               "64, 256; x ~ N(0, I_2), 10 % label noise, 0-1 loss) violates the excess-risk "
               "bound 2 sqrt((ln|C| + ln(2/delta))/(2n)) in at most a fraction delta = 0.05 of "
               "300 repetitions per (|C|, n), n = 25..400, up to Monte-Carlo error (the 99 % "
               "Clopper-Pearson lower limit of the violation rate is <= delta)."),
    source="Hoeffding (1963) + union bound; Shalev-Shwartz & Ben-David (2014), Cor. 4.6",
)
def generalization_bound() -> Outcome:
    from ..coding import generalization_experiment

    r = generalization_experiment([(3, 3), (8, 8), (16, 16)], [25, 100, 400], repetitions=300,
                                  delta=0.05, noise=0.1, rng=0)
    df = r.to_frame()
    worst_low = float(df.violation_ci_low.max())
    ratio = float((df.quantile_excess / df.bound).max())
    return Outcome(lhs=float(df.violation_rate.max()), rhs=r.delta, margin=r.delta - worst_low,
                   passed=worst_low <= r.delta,
                   detail=f"max violation rate {df.violation_rate.max():.3f}; max (1-delta)-quantile "
                          f"of excess / bound = {ratio:.3f}")
