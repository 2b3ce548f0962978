"""Checks of the geometry and information modules: Wasserstein-2, information flow, Fisher."""

from __future__ import annotations

import math
import warnings
from functools import wraps

import numpy as np
from scipy import integrate, stats

from . import Outcome, register

# quantizers shared by several checks: FSQ cells (both modes), a uniform quantizer, a coarse one
_SQ_CASES = (("FSQ[5] scale 1", lambda: _fsq([5]).scalar_quantizers(1.0)[0]),
             ("FSQ[8] scale 0.6", lambda: _fsq([8]).scalar_quantizers(0.6)[0]),
             ("uniform 7 x 0.6", lambda: _sq().uniform(7, 0.6)),
             ("uniform 3 x 1.2", lambda: _sq().uniform(3, 1.2)))
_DISTS = (("N(0,1)", stats.norm()), ("N(0.3,1.4)", stats.norm(0.3, 1.4)),
          ("Laplace(0,1)", stats.laplace()), ("logistic", stats.logistic(0.1, 0.8)))


def _quiet(fn):
    """Silence quadrature round-off warnings of cells.cell_moments on heavy-tailed cells (the
    results are checked against the stated tolerances instead)."""

    @wraps(fn)
    def inner():
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=integrate.IntegrationWarning)
            return fn()

    return inner


def _fsq(levels, **kw):
    from ..quantizer import FSQ

    return FSQ(levels, **kw)


def _sq():
    from ..quantizer import ScalarQuantizer

    return ScalarQuantizer


@register(
    "w2_squared_le_mse",
    statement=("W2(mu, Q#mu)^2 <= E(X - Q(X))^2 for every quantizer (Q induces a coupling); "
               "strict for a non-monotone point assignment (here: two points swapped), the gap "
               "reported as the margin."),
    source="Definition of W2 as an infimum over couplings; Villani (2003) Thm 2.18 (1-D)",
    resolution=("relative 1e-12 overestimate of W2^2 where it equals the MSE (monotone points)"),
)
@_quiet
def w2_squared_le_mse() -> Outcome:
    from ..cells import cell_moments
    from ..geometry import w2_quantization

    worst, strict = math.inf, None
    for qname, make in _SQ_CASES:
        sq = make()
        pts = sq.points.copy()
        pts[[0, -1]] = pts[[-1, 0]]  # non-monotone: outer points swapped
        for q in (sq, sq.with_points(pts)):
            for _, dist in _DISTS:
                w2sq = w2_quantization(q, dist, squared=True)
                mse = cell_moments(q, dist).mse(q.points)
                worst = min(worst, mse - w2sq + 1e-12 * mse)
                if q is not sq and strict is None:
                    strict = (qname, w2sq, mse)
    name, w2sq, mse = strict
    return Outcome(w2sq, mse, worst, worst >= 0 and w2sq < mse,
                   f"{len(_SQ_CASES) * 2 * len(_DISTS)} cases; swapped {name} on N(0,1): "
                   f"W2^2 = {w2sq:.6g} < MSE = {mse:.6g}")


@register(
    "w2_squared_equals_mse_monotone",
    statement=("W2(mu, Q#mu)^2 = E||X - Q(X)||^2 when every coordinate's reconstruction is "
               "non-decreasing (FSQ points, centroids, uniform): Q is the gradient of a "
               "separable convex function, so (X, Q(X)) is an optimal coupling, for any source "
               "(including a correlated empirical one, where ot.emd2 solves the LP exactly)."),
    source="Knott & Smith (1984); Brenier (1991); Ruschendorf & Rachev (1990)",
    resolution=("relative 1e-9 in W2^2 or the MSE"),
)
@_quiet
def w2_squared_equals_mse_monotone() -> Outcome:
    import ot

    from ..cells import cell_moments
    from ..geometry._wasserstein import _quantized_samples, w2_1d

    rel = 0.0
    for _, make in _SQ_CASES:
        sq = make()
        for _, dist in _DISTS:
            m = cell_moments(sq, dist)
            for pts in (sq.points, m.centroids):
                w2sq = w2_1d(dist, pts, y_weights=m.prob / m.prob.sum(), squared=True)
                mse = m.mse(pts)
                rel = max(rel, abs(w2sq - mse) / mse)
    rng = np.random.default_rng(0)
    x = rng.multivariate_normal([0.1, -0.2], [[1.0, 0.7], [0.7, 1.5]], size=500)
    _, q = _quantized_samples(_fsq([5, 6]), x, scale=0.8, decoder="grid",
                              domain="source")
    w = np.full(len(x), 1 / len(x))
    lp = float(ot.emd2(w, w, ot.dist(x, q), numItermax=10**7))
    mse = float(np.mean(np.sum((x - q) ** 2, axis=1)))
    rel = max(rel, abs(lp - mse) / mse)
    tol = 1e-9
    return Outcome.at_most(rel, tol,
                   f"max relative |W2^2 - MSE| over {len(_SQ_CASES) * len(_DISTS) * 2} 1-D cases "
                   f"and a correlated 2-D sample (n=500, emd2 = {lp:.8g}, MSE = {mse:.8g})")


@register(
    "w2_normal_uniform_closed_form",
    statement="W2(N(0,1), U(-sqrt3, sqrt3))^2 = 2 - 2 sqrt(3/pi) (exact quantile integral).",
    source="W2^2 = 2 - 2 E[X F_U^{-1}(Phi(X))], E[X Phi(X)] = 1/(2 sqrt(pi))",
    resolution=("1e-9 in W2^2"),
)
def w2_normal_uniform_closed_form() -> Outcome:
    from ..geometry import w2_1d

    r3 = math.sqrt(3)
    got = w2_1d(stats.norm(), stats.uniform(-r3, 2 * r3), squared=True)
    exact = 2 - 2 * math.sqrt(3 / math.pi)
    tol = 1e-9
    return Outcome(got, exact, tol - abs(got - exact), abs(got - exact) <= tol,
                   f"|diff| = {abs(got - exact):.2e}")


@register(
    "w2_1d_equals_pot",
    statement=("Exact 1-D W2 (quantile merge) equals POT's ot.wasserstein_1d on the same weighted "
               "samples to 1e-10 (relative), and the exact W2(N(0,1), Q#N(0,1)) lies within 4 "
               "standard errors of POT's estimate on 20 samples of 10^6 points."),
    source="POT 0.9 (Flamary et al., JMLR 2021), ot.wasserstein_1d",
    resolution=("relative 1e-10 in W2^2 on the same samples; a bias of 4 SE + |z| = 2e-3 (0.11 %) "
                "in the exact W2^2 of the quantized Gaussian (SE 3.4e-4)"),
)
def w2_1d_equals_pot() -> Outcome:
    import ot

    from ..cells import cell_probabilities
    from ..geometry import w2_1d, w2_quantization

    rng = np.random.default_rng(0)
    x, y = rng.standard_t(3, size=20000), rng.normal(size=15000)
    wx, wy = rng.uniform(size=x.size), rng.uniform(size=y.size)
    wx, wy = wx / wx.sum(), wy / wy.sum()
    ours = w2_1d(x, y, x_weights=wx, y_weights=wy, squared=True)
    pot = float(ot.wasserstein_1d(x, y, wx, wy, p=2))
    rel = abs(ours - pot) / pot
    sq = _fsq([5]).scalar_quantizers(1.0)[0]
    p = cell_probabilities(sq)
    exact = w2_quantization(sq, stats.norm(), squared=True)
    est = np.array([ot.wasserstein_1d(rng.normal(size=10**6), sq.points, v_weights=p, p=2)
                    for _ in range(20)])
    se = est.std(ddof=1) / math.sqrt(est.size)
    z = abs(est.mean() - exact) / se
    ok = rel <= 1e-10 and z <= 4
    return Outcome(float(est.mean()), exact, min(1e-10 - rel, 4 - z), ok,
                   f"same-sample rel diff {rel:.1e}; Monte Carlo z = {z:.2f} (se {se:.1e})")


@register(
    "bures_equals_pot",
    statement=("The Bures-Wasserstein closed form W2(N(m1,S1), N(m2,S2)) equals POT's "
               "ot.gaussian.bures_wasserstein_distance (relative 1e-9) on random 4x4 covariances, "
               "one of them singular."),
    source="Givens & Shortt (1984); POT 0.9 ot.gaussian",
    resolution=("relative 1e-9 in W2 (the singular pair differs by 8e-10 today)"),
)
def bures_equals_pot() -> Outcome:
    import ot

    from ..geometry import w2_gaussian

    rng = np.random.default_rng(1)
    rel = 0.0
    for k in range(5):
        A, B = rng.normal(size=(4, 4)), rng.normal(size=(4, 3 if k == 0 else 4))
        S1, S2 = A @ A.T, B @ B.T
        m1, m2 = rng.normal(size=4), rng.normal(size=4)
        ours = w2_gaussian(m1, S1, m2, S2)
        with np.errstate(invalid="ignore"):  # POT's sqrtm warns on the singular matrix
            pot = float(ot.gaussian.bures_wasserstein_distance(m1, m2, S1, S2))
        rel = max(rel, abs(ours - pot) / pot)
    return Outcome.at_most(rel, 1e-9, "max relative difference, 5 pairs")


@register(
    "information_flow_identity",
    statement=("For FSQ with noise before rounding (in the latent z = s x or in the bounded "
               "domain): I(X;Z) = H(Z) - H(Z|X) equals the "
               "independently integrated E_X D(p(.|X) || p_Z) (to 1e-9 bits), and "
               "0 <= I <= min(H(Z), log|C|), and for Gaussian noise also "
               "I <= 1/2 log(1 + s^2 Var X / sigma^2) (the Gaussian-channel bound; uniform noise "
               "of the same variance can exceed it by up to 1/2 log2(pi e / 6) = 0.2546 bit, so "
               "it is not applied there). H(X) is infinite for a continuous source, so "
               "min(H(X), H(Z)) = H(Z)."),
    source="Cover & Thomas (2006), eq. 2.39-2.45, Thm 2.8.1 (data processing), Thm 9.1.1",
    resolution="1e-9 bit in I(X;Z) or in its KL form",
)
def information_flow_identity() -> Outcome:
    from ..geometry._information_flow import _channels, _mi_kl_form, information_flow

    worst_id, worst_bound = 0.0, math.inf
    for levels, s, noise, sigma, dist, dom in (
            ([5], 1.0, "gaussian", 0.3, stats.norm(), "latent"),
            ([8], 2.0, "gaussian", 0.1, stats.norm(0.4, 1.0), "latent"),
            ([6], 1.5, "uniform", 0.2, stats.laplace(), "latent"),
            ([4], 0.5, "gaussian", 1.0, stats.logistic(), "latent"),
            ([7], 1.0, "uniform", 1 / math.sqrt(12), stats.norm(), "bounded"),
            ([5], 1.0, "gaussian", 0.4, stats.norm(), "bounded")):
        fsq = _fsq(levels)
        f = information_flow(fsq, dist, noise=noise, noise_scale=sigma, scale=s,
                             noise_domain=dom)
        ch = _channels(fsq, s, noise, sigma, dom)[0]
        kl = _mi_kl_form(ch, dist, f.pmfs[0]) / math.log(2)
        worst_id = max(worst_id, abs(f.mutual_information - kl))
        worst_bound = min(worst_bound, f.mutual_information,
                          min(f.h_z, f.rate, f.capacity_bound) - f.mutual_information)
    tol = 1e-9
    return Outcome(worst_id, tol, min(tol - worst_id, worst_bound),
                   worst_id <= tol and worst_bound >= 0,
                   f"max |I - E D| = {worst_id:.1e} bits; min bound slack {worst_bound:.3g} bits")


_FINE_SQ = (("uniform 33 x 0.2", lambda: _sq().uniform(33, 0.2)),
            ("uniform 65 x 0.1", lambda: _sq().uniform(65, 0.1)))


@register(
    "fisher_data_processing",
    statement=("Token Fisher information is dominated by the source's in the Loewner order: "
               "I_source(theta) - I_tokens(theta) is positive semi-definite (min eigenvalue >= "
               "-1e-12) for normal, logistic and Laplace sources through FSQ and uniform cells "
               "(including two fine uniform quantizers, where I_tokens is within 0.1 % of "
               "I_source)."),
    source="Zamir (1998), Fisher information data-processing inequality",
    resolution=("token Fisher information overestimated by a factor 1 + r, r = min generalized "
                "eigenvalue of (I_source, I_tokens) - 1 ~ 4e-4 (the fine quantizers; twin: "
                "+0.1 %)"),
)
def fisher_data_processing() -> Outcome:
    from scipy.linalg import eigh

    from ..geometry import fisher_information

    gap, tight = math.inf, math.inf
    for _, make in _SQ_CASES + _FINE_SQ:
        sq = make()
        for fam in (stats.norm, stats.logistic, stats.laplace):
            for theta in ((0.0, 1.0), (0.37, 0.6), (-1.2, 2.5)):
                f = fisher_information(sq, fam, theta)
                gap = min(gap, f.loewner_gap)
                # the relative error of I_tokens that would break the inequality
                tight = min(tight, float(eigh(f.continuous, f.matrix, eigvals_only=True)[0]) - 1)
    n = (len(_SQ_CASES) + len(_FINE_SQ)) * 9
    return Outcome(gap, 0.0, gap + 1e-12, gap >= -1e-12,
                   f"min eigenvalue of I_source - I_tokens over {n} cases; an overestimate of "
                   f"I_tokens by a factor 1 + {tight:.2e} would break it")


@register(
    "fisher_sign_quantizer",
    statement=("The Fisher information about the mean of N(mu, 1) carried by sign(X) at mu = 0 "
               "is 2/pi (a loss ratio of 2/pi against the unquantized source)."),
    source="p = (1/2, 1/2), dp/dmu = -+phi(0): I = 4 phi(0)^2 = 2/pi",
    resolution=("1e-12 in the Fisher information"),
)
def fisher_sign_quantizer() -> Outcome:
    from ..geometry import fisher_information

    got = float(fisher_information(_sq()([0.0], [-1.0, 1.0]), stats.norm, (0.0, 1.0)).matrix[0, 0])
    diff = abs(got - 2 / math.pi)
    return Outcome(got, 2 / math.pi, 1e-12 - diff, diff <= 1e-12, f"|diff| = {diff:.1e}")
