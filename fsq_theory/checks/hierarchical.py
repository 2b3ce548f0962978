"""Checks of the residual (hierarchical) FSQ analysis: exact cells vs simulation, refinement."""

from __future__ import annotations

import numpy as np

from . import Outcome, register

Z_MAX = 4.0


@register(
    "hier_exact_vs_monte_carlo",
    statement=("Per-stage MSE of residual FSQ on a Gaussian source, computed exactly from the "
               "enumerated composite cells (truncated-normal moments), equals the Monte-Carlo "
               "MSE through the float64 forward pass within 4 standard errors, for the reference "
               "decoder and the conditional-mean decoder ([5]x3 hard clamp at g=0.6, [3]x4 tanh "
               "stages at g=0.5; n=2e5, seed 0)."),
    source="exact cell integrals (fsq_theory.cells) vs the strong law of large numbers / CLT",
    resolution=("a bias of 4 SE + |z| (<= 5.5 SE) in a stage MSE; SE 0.6-3 % of the MSE (twin: +3 "
                "% at every stage)"),
)
def hier_exact_vs_monte_carlo() -> Outcome:
    from ..hierarchical import ResidualFSQ, hierarchy_rate_distortion, simulate_hierarchy

    worst, unmatched = 0.0, 0
    for rq, g in ((ResidualFSQ([5], 3), 0.6), (ResidualFSQ([3], 4, bound_hard_clamp=False), 0.5)):
        ex = hierarchy_rate_distortion(rq, gain=g)
        mc = simulate_hierarchy(rq, 200_000, gain=g, rng=0)
        z = np.concatenate([(mc.mse_reference - ex.mse_reference) / mc.mse_reference_se,
                            (mc.mse_centroid - ex.mse_centroid) / mc.mse_centroid_se])
        worst = max(worst, float(np.abs(z).max()))
        unmatched += mc.unmatched
    ok = worst < Z_MAX and unmatched == 0
    return Outcome(lhs=worst, rhs=Z_MAX, margin=Z_MAX - worst, passed=ok,
                   detail=f"max |z| over 7 stages x 2 decoders; {unmatched} samples off the cells")


@register(
    "hier_centroid_mse_nonincreasing",
    statement=("The composite cells of stages 1..s+1 refine those of stages 1..s, so with the "
               "conditional-mean decoder D_{s+1} = E Var(X|K_1..K_{s+1}) <= D_s (law of total "
               "variance), for every L, gain and bound; checked on L in 2..9, 3-4 stages, 12 gains "
               "in [0.02, 20], hard clamp and tanh stages."),
    source="law of total variance; nested partitions (refinement) of a scalar quantizer",
    resolution=("a relative increase 1e-12 from one stage to the next (curves at saturating gains "
                "are flat to 0)"),
)
def hier_centroid_mse_nonincreasing() -> Outcome:
    from ..hierarchical import ResidualFSQ, hierarchy_rate_distortion

    worst = -np.inf
    for hard in (True, False):
        for L in range(2, 10):
            rq = ResidualFSQ([L], 4 if L <= 5 else 3, bound_hard_clamp=hard)
            for g in np.geomspace(0.02, 20, 12):
                d = hierarchy_rate_distortion(rq, gain=g).mse_centroid
                worst = max(worst, float((np.diff(d) / d[:-1]).max()))
    return Outcome.at_most(worst, 1e-12,
                           "max relative increase (D_{s+1} - D_s) / D_s over 192 curves")


@register(
    "hier_reference_error_nonincreasing_odd_L",
    statement=("Residual FSQ with the hard clamp and odd L: the reference reconstruction error "
               "|u - u_hat_s| in the soft-clamped domain is non-increasing in s for every input "
               "(each stage splits a cell of half-width h into L cells of half-width h/L whose "
               "middle one keeps the old point). Even L: false (u at a stage-0 point gets error "
               "sigma_1/(L-1) from stage 1). Checked on 10^5 inputs, L in {3, 5, 7, 9}, 4 stages."),
    source="uniform nested refinement with midpoint reconstruction (this package, hierarchical.py)",
    resolution=("an error increase of 1e-7 between stages (twin: last stage scale off by 1e-3)"),
)
def hier_reference_error_nonincreasing_odd_L() -> Outcome:
    from ..hierarchical import ResidualFSQ

    rng = np.random.default_rng(0)
    x = (rng.standard_normal((100_000, 1)) * rng.choice([0.05, 0.5, 2.0], size=(100_000, 1)))
    worst = -np.inf
    for L in (3, 5, 7, 9):
        prev = None
        for s in range(1, 5):
            rq = ResidualFSQ([L], s)
            e = np.abs(rq.quantize(x) - rq.soft_clamp(x))[:, 0]
            if prev is not None:
                worst = max(worst, float((e - prev).max()))
            prev = e
    # the float64 forward uses the reference's float32-rounded scales: ties differ by ~1e-8
    return Outcome.at_most(worst, 1e-7,
                    "max over inputs and stages of |e_{s+1}| - |e_s| (float64 forward)")


@register(
    "hier_above_gaussian_rd",
    statement=("Operational points of residual FSQ on a unit Gaussian lie above R(D): "
               "D >= 2^(-2 H(K_1..K_S)) >= 2^(-2 S log2 L) (H >= I(X; X_hat) >= R(D), Shannon), "
               "for the conditional-mean decoder at the MSE-optimal gain; L in {3, 5, 8}, "
               "S up to 9.5 bits, hard clamp and tanh stages."),
    source="Shannon (1959); Cover & Thomas, Elements of Information Theory, Thm 10.3.2",
    resolution=("distortion underestimated by > 26 % or entropy overestimated by > 0.22 bit (min "
                "D / 2^(-2H) = 1.35); gross errors only"),
    sanity=True,
)
def hier_above_gaussian_rd() -> Outcome:
    from ..hierarchical import ResidualFSQ, best_gain, hierarchy_rate_distortion

    worst, n, over = np.inf, 0, 0
    for hard in (True, False):
        for L, smax in ((3, 6), (5, 4), (8, 3)):
            rq = ResidualFSQ([L], smax, bound_hard_clamp=hard)
            r = hierarchy_rate_distortion(rq, gain=best_gain(rq, decoder="centroid"))
            ratio = r.mse_centroid / 2.0 ** (-2 * r.entropy)
            worst = min(worst, float(ratio.min()))
            over += int((r.entropy > r.fixed_rate + 1e-12).sum())  # H <= log2 |codebook|
            n += len(ratio)
    return Outcome(lhs=worst, rhs=1.0, margin=worst - 1.0, passed=worst >= 1.0 and over == 0,
                   detail=(f"min D / 2^(-2H) over {n} (config, stage) points (ECSQ limit "
                           f"pi e/6 = 1.42); {over} points with H > fixed rate"))


@register(
    "hier_hard_clamp_uniform_composite",
    statement=("With the reference defaults (hard clamp, soft clamp c = L/(L-1), scales L^-s) "
               "the composite of S stages is the uniform quantizer of u = c tanh(x/c) with L^S "
               "equal cells on (-c, c) and midpoint points: all L^S index tuples are reachable "
               "(no wasted codes) and it equals a single stage with L^S levels at gain "
               "g (L^S/(L^S-1)) / (L/(L-1))."),
    source="exact rational enumeration (fsq_theory.hierarchical.composite_cells)",
    resolution=("1e-12 in a composite cell edge, relative 1e-12 in the composite MSE"),
)
def hier_hard_clamp_uniform_composite() -> Outcome:
    from ..hierarchical import ResidualFSQ, composite_cells, hierarchy_rate_distortion

    worst_edge, missing, worst_flat = 0.0, 0, 0.0
    for L, S in ((2, 6), (3, 5), (4, 4), (5, 3), (8, 3)):
        c = L / (L - 1)
        cc = composite_cells(ResidualFSQ([L], S))[-1]
        n = L ** S
        missing += cc.unreachable
        u = c * np.tanh(cc.edges[1:-1] / c)
        worst_edge = max(worst_edge, float(np.abs(u - (-c + 2 * c * np.arange(1, n) / n)).max()))
        res = hierarchy_rate_distortion(ResidualFSQ([L], S), gain=0.5).mse_reference[-1]
        flat = hierarchy_rate_distortion(ResidualFSQ([n], 1), gain=0.5 * (n / (n - 1)) / c)
        worst_flat = max(worst_flat, abs(res - flat.mse_reference[0]) / res)
    return Outcome.at_most(max(worst_edge, worst_flat), 1e-12,
                    f"max |u-edge error| {worst_edge:.1e}, max rel. MSE difference to the flat "
                    f"quantizer {worst_flat:.1e}, {missing} unreachable tuples", ok=missing == 0)
