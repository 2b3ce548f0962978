"""Checks of the temporal (AR(1) video latents) and diffusion (forward process) token analyses."""

from __future__ import annotations

import math

import numpy as np

from . import Outcome, register

_RHOS = (0.5, 0.9, 0.98)


def _sq(levels=5, scale=1.0):
    from ..quantizer import FSQ

    return FSQ([levels]).scalar_quantizers(scale)[0]


_PERSIST_FRAMES, _PERSIST_DIMS, _PERSIST_BATCHES = 500_000, 16, 100


@register(
    "temporal_persistence_mc",
    statement=("Exact token persistence P(Z_t = Z_{t-1}) (bivariate-normal rectangles via Owen's "
               "T) equals the Monte-Carlo fraction along GaussMarkovSource streams within 4 "
               "batch-means standard errors (FSQ[5] at gain 1, rho in {0.5, 0.9, 0.98}; "
               "16 dims x 5e5 frames, 100 batches per rho)."),
    source="Owen (1956) bivariate normal via T(h, a); batch means (Flegal & Jones 2010)",
    resolution=("a bias of 4 SE + the seed's |z| (SE ~ 2.3e-4): any bias >= 0.0015 in the "
                "persistence at any rho fails (twin: +0.002)"),
)
def persistence_mc() -> Outcome:
    from ..sources import GaussMarkovSource
    from ..temporal import simulate_token_persistence, token_persistence

    worst, lhs, rhs, ses = -math.inf, 0.0, 0.0, []
    for i, rho in enumerate(_RHOS):
        mc = simulate_token_persistence(_sq(), GaussMarkovSource(rho, dim=_PERSIST_DIMS),
                                        _PERSIST_FRAMES, rng=20 + i, chunk_size=50_000,
                                        n_batches=_PERSIST_BATCHES)
        ex = token_persistence(_sq(), rho)
        z = abs(mc.persistence - ex) / mc.stderr
        ses.append(mc.stderr)
        if z > worst:
            worst, lhs, rhs = z, mc.persistence, ex
    return Outcome(lhs, rhs, 4.0 - worst, worst < 4.0,
                   f"worst |MC - exact| / SE = {worst:.2f} over rho {_RHOS}; SE "
                   + ", ".join(f"{s:.1e}" for s in ses) + f"; {_PERSIST_DIMS} dims x "
                   f"{_PERSIST_FRAMES:.0e} frames, {_PERSIST_BATCHES} batches, seeds 20..22")


@register(
    "temporal_entropy_rate_sandwich",
    statement=("For the token process Z_t = Q(X_t) of a stationary AR(1) latent: "
               "H(Z_t|X_{t-1}) <= H(Z_t|Z_{t-1},X_{t-2}) <= H(Z_t|Z_{t-1},Z_{t-2}) <= "
               "H(Z_t|Z_{t-1}) <= H(Z_t) (lower bounds non-decreasing, upper non-increasing, "
               "both bracket the entropy rate)."),
    source="Cover & Thomas (2006), Thm 4.5.1 (functions of Markov chains) and Thm 2.6.5",
    resolution=("1.5e-5 bit in a bound (the chain's tightest step, FSQ[5] rho 0.5)"),
)
def entropy_rate_sandwich() -> Outcome:
    from ..temporal import entropy_rate_bounds

    worst, first = math.inf, None
    for levels, scale in ((5, 1.0), (8, 0.6)):
        for rho in _RHOS:
            b = entropy_rate_bounds(_sq(levels, scale), rho, max_order=2, max_lower=1)
            chain = np.r_[b.lower, b.upper[::-1]]  # ascending if the theorem holds
            gap = float(np.diff(chain).min())
            if first is None:
                first = b
            worst = min(worst, gap)
    return Outcome(float(first.lower[-1]), float(first.upper[-1]), worst + 1e-12,
                   worst >= -1e-12,
                   "margin = smallest step of the ascending chain over FSQ[5]@1, FSQ[8]@0.6 and "
                   f"rho {_RHOS}; shown: FSQ[5] rho 0.5 H(Z|Z-1,X-2) vs H(Z|Z-1,Z-2) (bits)")


@register(
    "temporal_sign_persistence",
    statement=("Sign quantizer of a bivariate normal pair with correlation rho: "
               "P(sign X_t = sign X_{t-1}) = 1/2 + arcsin(rho)/pi."),
    source="Sheppard (1899), orthant probability 1/4 + arcsin(rho)/(2 pi)",
    resolution=("1e-14 in the persistence"),
)
def sign_persistence() -> Outcome:
    from ..quantizer import ScalarQuantizer
    from ..temporal import token_persistence

    sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    errs = [(abs(token_persistence(sign, r) - (0.5 + math.asin(r) / math.pi)), r)
            for r in np.linspace(-0.99, 0.99, 23)]
    err, r = max(errs)
    return Outcome(token_persistence(sign, r), 0.5 + math.asin(r) / math.pi, 1e-14 - err,
                   err <= 1e-14, f"max abs error {err:.2e} over 23 rho in [-0.99, 0.99]")


@register(
    "temporal_flip_rate",
    statement=("P(Z_t != Z_{t-1}) <= sum_b 2[Phi(tau_b) - Phi2(tau_b, tau_b; rho)] (union bound "
               "over thresholds crossed), and P(flip) / [(2/sqrt(pi)) sqrt(1-rho) sum_b "
               "phi(tau_b)] -> 1 as rho -> 1 (within 1e-3 at rho = 1 - 1e-5)."),
    source="This package (temporal module notes): E|X_t - X_{t-1}| = 2 sigma sqrt((1-rho)/pi)",
    resolution=("4e-6 in the flip probability or the union bound (its smallest slack); relative "
                "1e-3 in the asymptotic constant"),
)
def flip_rate_check() -> Outcome:
    from ..temporal import flip_rate

    slack = math.inf
    for levels, scale in ((5, 1.0), (8, 0.6), (16, 2.0)):
        for rho in (0.3, 0.9, 0.99):
            f = flip_rate(_sq(levels, scale), rho)
            slack = min(slack, f.expected_crossings - f.exact)
    f = flip_rate(_sq(8, 0.6), 1 - 1e-5)
    rel = abs(f.exact / f.asymptotic - 1)
    return Outcome(f.exact, f.asymptotic, min(slack + 1e-15, 1e-3 - rel),
                   slack >= -1e-15 and rel < 1e-3,
                   f"union-bound slack min {slack:.3g}; asymptotic relative error {rel:.2e} "
                   "(FSQ[8]@0.6, rho = 1 - 1e-5)")


@register(
    "diffusion_token_mi_bounds",
    statement=("Forward diffusion of FSQ codes: I(K0;Kt) <= I(K0;Zt) <= min(H(K0), "
               "1/2 log2(1 + SNR(t) Var c)) per dimension (data processing on K0 -> Z0 -> Zt -> "
               "Kt; AWGN capacity = I(Z0;Zt) of a Gaussian latent), and I(K0;Zt) non-increasing "
               "in t (K0 -> Zt -> Zt+1)."),
    source="Cover & Thomas (2006), Thm 2.8.1 (data processing), Thm 9.1.1 (Gaussian channel)",
    resolution=("1e-9 bit in I(K0;Kt) or I(K0;Zt) (equal to H(K0) at high SNR); the "
                "Gaussian-channel bound is tight at low SNR (twin: halved)"),
)
def diffusion_mi_bounds() -> Outcome:
    from ..temporal import beta_schedule, token_diffusion
    from ..quantizer import FSQ

    worst, shown = math.inf, None
    for kind in ("linear", "cosine"):
        for levels, prior in (([3], "uniform"), ([8, 5], "uniform"), ([16], "gaussian")):
            r = token_diffusion(FSQ(levels), beta_schedule(kind), times=np.arange(1, 1001, 25),
                                prior=prior)
            gaps = [np.min(r.mi_latent - r.mi),
                    np.min(np.minimum(r.h0, r.mi_gaussian) - r.mi_latent),
                    np.min(-np.diff(r.mi_latent))]
            g = float(min(gaps))
            if shown is None:
                shown = r
            worst = min(worst, g)
    return Outcome(float(shown.mi[4]), float(shown.mi_latent[4]), worst + 1e-9, worst >= -1e-9,
                   "min slack over linear/cosine, FSQ[3], [8,5] uniform, [16] Gaussian-latent "
                   "prior, 40 steps; shown: FSQ[3] linear t=101 I(K0;Kt) vs I(K0;Zt) (bits)")


@register(
    "diffusion_token_mi_nonincreasing",
    statement=("I(K0;Kt) of the ML-re-quantized token is non-increasing in t for FSQ L in "
               "{3, 5, 8, 16} under the linear and cosine schedules. An observed property, not a "
               "data-processing theorem: Kt -> Kt+1 is not a channel (Zt+1 depends on Zt), and "
               "quantized mutual information can grow with noise in general (stochastic "
               "resonance)."),
    source="Numerical (this package); contrast Gammaitoni et al., Rev. Mod. Phys. 70 (1998)",
    resolution=("a rise of 1e-12 bit at a step where I is flat (I = H(K0) at small t); elsewhere "
                "the local decrease"),
)
def diffusion_mi_monotone() -> Outcome:
    from ..temporal import beta_schedule, token_diffusion
    from ..quantizer import FSQ

    worst = math.inf
    for kind in ("linear", "cosine"):
        for L in (3, 5, 8, 16):
            r = token_diffusion(FSQ([L]), beta_schedule(kind), latent_mi=False)
            worst = min(worst, float(np.min(-np.diff(r.mi))))
    return Outcome(worst, 0.0, worst + 1e-12, worst >= -1e-12,
                   "lhs = min_t I(K0;Kt) - I(K0;Kt+1) over all 999 steps, 8 cases (bits)")


@register(
    "diffusion_chain_mc",
    statement=("Step-by-step chain z_t = sqrt(1-beta_t) z_{t-1} + sqrt(beta_t) eps agrees with "
               "the closed form z_t = sqrt(abar_t) z_0 + sqrt(1-abar_t) eps: residual variance "
               "1 and exact token survival within 4 standard errors."),
    source="Ho et al. (2020), eq. 4; binomial and sample-variance standard errors",
    resolution=("a bias of 4 SE + |z| (<= 6.6 SE): 0.012-0.024 in token survival (SE "
                "1.8e-3-3.6e-3), 0.066 in the residual variance"),
)
def diffusion_chain_mc() -> Outcome:
    from ..temporal import beta_schedule, simulate_forward, token_diffusion
    from ..quantizer import FSQ

    ts = [25, 200, 450, 700]
    worst = 0.0
    for kind, seed in (("linear", 1), ("cosine", 2)):
        b = beta_schedule(kind)
        mc = simulate_forward(FSQ([8, 5]), b, 10_000, times=ts, rng=seed)
        ex = token_diffusion(FSQ([8, 5]), b, times=ts, latent_mi=False)
        z_surv = np.abs(mc.survival - ex.survival) / np.maximum(mc.survival_stderr, 1e-300)
        z_var = np.abs(mc.residual_var - 1) / mc.residual_var_stderr
        worst = max(worst, float(z_surv.max()), float(z_var.max()))
    return Outcome(worst, 4.0, 4.0 - worst, worst < 4.0,
                   f"worst |MC - exact|/SE over survival and residual variance at t = {ts}, "
                   "FSQ[8,5], 1e4 chains, linear (seed 1) and cosine (seed 2)")
