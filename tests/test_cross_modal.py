"""Cross-modal token information and shared vs separate codebooks (geometry/_cross_modal*.py)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory.geometry import (compare_codebooks, cross_modal_information,
                                 cross_modal_information_cov, cross_token_pmf,
                                 joint_decoder_mse, simulate_cross_modal)
from fsq_theory.rate_distortion import fsq_scalar_performance

REF = json.loads((Path(__file__).parent / "reference" / "cross_modal_reference.json").read_text())
SIGN = ScalarQuantizer([0.0], [-1.0, 1.0])


def _sq(L, g=1.0):
    return FSQ([L]).scalar_quantizers(g)[0]


def _mi_bits(P):
    p, q = P.sum(axis=1), P.sum(axis=0)
    nz = P > 0
    return float((P[nz] * np.log2(P[nz] / np.outer(p, q)[nz])).sum())


# --- exact values against independent references ------------------------------------------------

@pytest.mark.parametrize("case", REF["cases"], ids=lambda c: f"{c['Lx']}x{c['Ly']}@{c['rho']}")
def test_against_mpmath_reference(case):
    sx, sy = _sq(case["Lx"], float(case["gx"])), _sq(case["Ly"], float(case["gy"]))
    rho = float(case["rho"])
    ref = np.array([[float(t) for t in row] for row in case["pmf"]])
    P = cross_token_pmf(sx, sy, rho)
    assert np.abs(P - ref).max() < 1e-15
    # relative accuracy on cells down to 1e-10 (below, cells far off the diagonal at rho = 0.99
    # are differences of O(1) CDF values and have only the absolute accuracy above)
    pos = ref > 1e-10
    assert np.abs(P[pos] / ref[pos] - 1).max() < 1e-9
    r = cross_modal_information(FSQ([case["Lx"]]), FSQ([case["Ly"]]), rho,
                                scale_x=float(case["gx"]), scale_y=float(case["gy"]))
    assert r.mi_tokens == pytest.approx(float(case["mi_bits"]), abs=1e-13)
    assert r.entropy_x == pytest.approx(float(case["h_x_bits"]), abs=1e-13)
    assert r.entropy_y == pytest.approx(float(case["h_y_bits"]), abs=1e-13)
    dx, _ = joint_decoder_mse(sx, sy, rho)
    assert dx == pytest.approx(float(case["mse_joint_x"]), abs=1e-13)


@pytest.mark.parametrize("Lx, gx, Ly, gy, rho", [(5, 1.0, 8, 0.7, 0.8), (3, 2.0, 4, 0.5, -0.4),
                                                 (16, 1.3, 7, 0.9, 0.95)])
def test_pmf_against_scipy_genz(Lx, gx, Ly, gy, rho):
    # scipy's bivariate normal (Genz's BVN algorithm), a different method from Owen's T
    sx, sy = _sq(Lx, gx), _sq(Ly, gy)
    vx, vy = 2.0, 0.5
    mvn = stats.multivariate_normal([0, 0], [[vx, rho * math.sqrt(vx * vy)],
                                             [rho * math.sqrt(vx * vy), vy]],
                                    abseps=1e-13, releps=1e-13)
    ex, ey = np.clip(sx.cell_edges, -60, 60), np.clip(sy.cell_edges, -60, 60)
    ref = np.array([[mvn.cdf([ex[i + 1], ey[j + 1]], lower_limit=[ex[i], ey[j]])
                     for j in range(Ly)] for i in range(Lx)])
    P = cross_token_pmf(sx, sy, rho, variance_x=vx, variance_y=vy)
    assert np.abs(P - ref).max() < 1e-14
    assert P.sum() == pytest.approx(1.0, abs=1e-14)
    assert _mi_bits(P) == pytest.approx(_mi_bits(ref), abs=1e-10)


@pytest.mark.parametrize("rho", [-0.95, -0.3, 0.1, 0.5, 0.99])
def test_sign_quantizers_closed_form(rho):
    # Sheppard: P(same sign) = 1/2 + arcsin(rho)/pi, so I = 1 - h2(that)
    a = 0.5 + math.asin(rho) / math.pi
    h2 = -a * math.log2(a) - (1 - a) * math.log2(1 - a)
    P = cross_token_pmf(SIGN, SIGN, rho)
    assert _mi_bits(P) == pytest.approx(1 - h2, abs=1e-14)


# --- the inequalities ---------------------------------------------------------------------------

@pytest.mark.parametrize("L", [3, 5, 8, 16])
@pytest.mark.parametrize("gain", [0.1, 0.3, 1.0, 2.5])
def test_data_processing_chain(L, gain):
    for rho in (-0.9, 0.05, 0.5, 0.9, 0.999):
        r = cross_modal_information(FSQ([L]), FSQ([L]), rho, scale_x=gain, scale_y=gain)
        assert 0 < r.mi_tokens <= r.mi_latents
        assert r.mi_tokens <= min(r.entropy_x, r.entropy_y) + 1e-12
        assert r.joint_entropy == pytest.approx(r.entropy_x + r.entropy_y - r.mi_tokens)
        assert r.joint_entropy >= max(r.entropy_x, r.entropy_y) - 1e-12


def test_fraction_tends_to_one_with_levels_and_to_zero_with_rho():
    fr = [cross_modal_information(FSQ([L]), FSQ([L]), 0.9).fraction for L in (3, 8, 32, 64)]
    assert fr == sorted(fr) and fr[-1] > 0.97
    near_one = [cross_modal_information(FSQ([5]), FSQ([5]), 1 - e) for e in (1e-2, 1e-4, 1e-6)]
    assert [r.fraction for r in near_one] == sorted(r.fraction for r in near_one)[::-1]
    # at rho -> 1 the tokens coincide: I(K_X;K_Y) -> H(K), not I(X;Y) -> inf
    gaps = [r.entropy_x - r.mi_tokens for r in near_one]
    assert gaps == sorted(gaps)[::-1] and gaps[-1] < 0.02
    assert near_one[-1].mi_latents > 9 > near_one[-1].entropy_x


@pytest.mark.parametrize("L, g", [(3, 1.0), (5, 0.78), (8, 2.0)])
def test_small_rho_limit_is_explained_variance_product(L, g):
    # eta^2 = 1 - D_centroid, with D from the cell-moment path of rate_distortion
    eta2 = 1 - fsq_scalar_performance(L, g, decoder="centroid").mse
    r = cross_modal_information(FSQ([L]), FSQ([L]), 1e-3, scale_x=g, scale_y=g)
    assert r.pair_eta2_x[0] == pytest.approx(eta2, abs=1e-12)
    assert r.fraction == pytest.approx(eta2 ** 2, rel=1e-5)
    assert cross_modal_information(FSQ([L]), FSQ([L]), 0.0, scale_x=g,
                                   scale_y=g).fraction == pytest.approx(eta2 ** 2, rel=1e-12)


def test_vector_is_sum_over_pairs_and_unpaired_dims_add_entropy_only():
    fx, fy = FSQ([5, 8, 3]), FSQ([4, 6])
    rho = np.array([0.7, -0.2])
    r = cross_modal_information(fx, fy, rho, scale_x=[1.0, 0.6, 2.0], scale_y=0.9,
                                variance_x=[1.0, 2.0, 0.5], variance_y=[3.0, 1.0])
    parts = [cross_modal_information(FSQ([a]), FSQ([b]), p, scale_x=gx, scale_y=0.9,
                                     variance_x=vx, variance_y=vy)
             for a, b, p, gx, vx, vy in ((5, 4, 0.7, 1.0, 1.0, 3.0), (8, 6, -0.2, 0.6, 2.0, 1.0))]
    assert r.mi_tokens == pytest.approx(sum(p.mi_tokens for p in parts), abs=1e-14)
    assert r.mi_latents == pytest.approx(sum(p.mi_latents for p in parts), abs=1e-14)
    third = cross_modal_information(FSQ([3]), FSQ([3]), 0.0, scale_x=2.0, variance_x=0.5)
    assert r.entropy_x == pytest.approx(sum(p.entropy_x for p in parts) + third.entropy_x)
    assert r.to_frame().shape == (2, 5)
    nats = cross_modal_information(fx, fy, rho, base="nats", scale_x=[1.0, 0.6, 2.0],
                                   scale_y=0.9, variance_x=[1.0, 2.0, 0.5],
                                   variance_y=[3.0, 1.0])
    assert nats.mi_tokens == pytest.approx(r.mi_tokens * math.log(2))


def test_swapping_modalities_transposes():
    a, b = _sq(5), _sq(8, 0.7)
    np.testing.assert_allclose(cross_token_pmf(a, b, 0.6), cross_token_pmf(b, a, 0.6).T,
                               atol=1e-16)


# --- Monte Carlo --------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_monte_carlo_within_four_standard_errors(seed):
    fx, fy = FSQ([5, 8]), FSQ([8, 3, 4])
    rho = [0.9, 0.5]
    exact = cross_modal_information(fx, fy, rho, scale_x=[1.0, 0.7], scale_y=1.2)
    mc = simulate_cross_modal(fx, fy, rho, 200_000, scale_x=[1.0, 0.7], scale_y=1.2, rng=seed)
    assert abs(mc.mi_tokens - exact.mi_tokens) < 4 * mc.mi_stderr
    ex_h = cross_modal_information(FSQ([5, 8]), FSQ([8, 3]), rho, scale_x=[1.0, 0.7],
                                   scale_y=1.2)
    assert abs(mc.entropy_x - ex_h.entropy_x) < 4 * mc.entropy_x_stderr
    assert abs(mc.entropy_y - ex_h.entropy_y) < 4 * mc.entropy_y_stderr
    # the standard error is the right size: a bias of 10 SE would be caught
    assert 1e-4 < mc.mi_stderr < 0.02


def test_monte_carlo_reproducible():
    a = simulate_cross_modal(FSQ([5]), FSQ([5]), 0.5, 5000, rng=3)
    b = simulate_cross_modal(FSQ([5]), FSQ([5]), 0.5, 5000, rng=3)
    c = simulate_cross_modal(FSQ([5]), FSQ([5]), 0.5, 5000, rng=4)
    assert a == b and a != c


def test_joint_decoder_mse_against_monte_carlo():
    sq = _sq(5, 0.78)
    rng = np.random.default_rng(7)
    n, r = 400_000, 0.8
    x = rng.standard_normal(n)
    y = r * x + math.sqrt(1 - r * r) * rng.standard_normal(n)
    k = sq.encode(x) * 5 + sq.encode(y)
    cent = np.bincount(k, weights=x, minlength=25) / np.maximum(np.bincount(k, minlength=25), 1)
    err = (x - cent[k]) ** 2
    se = err.std() / math.sqrt(n)
    assert abs(err.mean() - joint_decoder_mse(sq, sq, r)[0]) < 4 * se + 25 / n  # + centroid bias


# --- shared vs separate codebooks ---------------------------------------------------------------

@pytest.mark.parametrize("rho", [0.0, 0.5, 0.9, -0.7])
@pytest.mark.parametrize("L", [3, 5, 8])
def test_codebook_comparison_relations(rho, L):
    c = compare_codebooks(rho, L)
    sep, shared, jd, dec = range(4)
    # equal variances: a shared codebook is the separate one
    assert c.mse[shared] == pytest.approx(c.mse[sep], rel=1e-12)
    assert c.entropy_joint[shared] == pytest.approx(c.entropy_joint[sep], abs=1e-12)
    # a decoder that sees both tokens is never worse
    assert c.mse[jd] <= c.mse[sep] * (1 + 1e-12)
    # the joint entropy coder removes exactly I(K_X;K_Y) <= I(X;Y)
    assert c.entropy_separate[sep] - c.entropy_joint[sep] == pytest.approx(c.mi_tokens, abs=1e-12)
    assert c.mi_tokens <= c.mi_latents + 1e-15
    # the decorrelated FSQ tries (L, L) too, so it is never worse than separate codebooks
    assert c.mse[dec] <= c.mse[sep] * (1 + 1e-12)
    assert c.fixed_rate.max() <= 2 * math.log2(L) + 1e-12
    # nothing beats the Gaussian rate-distortion bound at its rate
    assert c.mse.min() >= c.rd_mse_fixed
    assert c.to_frame().shape == (4, 8)


def test_shared_codebook_pays_for_unequal_scales():
    c = compare_codebooks(0.5, 5, variance_y=4.0)
    assert c.mse[1] > c.mse[0] * 1.1
    # scaling both modalities by the same factor scales every MSE by it
    c2 = compare_codebooks(0.5, 5, variance_x=9.0, variance_y=36.0)
    np.testing.assert_allclose(c2.mse, 9 * c.mse, rtol=1e-7)
    # the mixture centroid decoder: the shared MSE against a Monte-Carlo estimate
    g = c.gains[1][0]
    sq = _sq(5, g)
    rng = np.random.default_rng(11)
    x = rng.standard_normal(400_000)
    y = 2.0 * (0.5 * x + math.sqrt(0.75) * rng.standard_normal(x.size))
    kx, ky = sq.encode(x), sq.encode(y)
    pts = (np.bincount(kx, weights=x, minlength=5) + np.bincount(ky, weights=y, minlength=5)) \
        / (np.bincount(kx, minlength=5) + np.bincount(ky, minlength=5))
    err = 0.5 * ((x - pts[kx]) ** 2 + (y - pts[ky]) ** 2)
    assert abs(err.mean() - c.mse[1]) < 4 * err.std() / math.sqrt(x.size) + 1e-4


def test_relative_distortion():
    # each modality in its own scale: everything but the shared codebook is scale-free
    a = compare_codebooks(0.7, 5, variance_y=9.0, distortion="relative")
    b = compare_codebooks(0.7, 5, distortion="relative")
    for k in (0, 2, 3):
        assert a.mse[k] == pytest.approx(b.mse[k], rel=1e-9)
    assert a.rd_mse_fixed == pytest.approx(b.rd_mse_fixed, rel=1e-12)
    assert b.mse[1] == pytest.approx(b.mse[0], rel=1e-12)
    costs = [compare_codebooks(0.5, 5, variance_y=s * s, distortion="relative").mse[1]
             for s in (1.0, 2.0, 4.0, 10.0)]
    assert costs == sorted(costs) and costs[-1] > 2.5 * costs[0]
    with pytest.raises(ValueError, match="distortion"):
        compare_codebooks(0.5, 5, distortion="l1")


def test_decorrelated_matches_direct_computation():
    # principal components of [[1, .9], [.9, 1]] have variances 1.9 and 0.1
    c = compare_codebooks(0.9, 5)
    d = 0.0
    for lam, L, g in zip((1.9, 0.1), c.levels[3], c.gains[3]):
        d += lam if L == 1 else fsq_scalar_performance(L, g, stats.norm(0, math.sqrt(lam)),
                                                       decoder="centroid").mse
    assert c.mse[3] == pytest.approx(d / 2, rel=1e-9)
    assert c.mse_x[3] == pytest.approx(c.mse_y[3], rel=1e-9)


# --- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: cross_token_pmf(SIGN, SIGN, 1.0), "rho"),
    (lambda: cross_token_pmf(SIGN, "x", 0.5), "sq_y"),
    (lambda: cross_token_pmf(FSQ([5, 5]), SIGN, 0.5), "sq_x"),
    (lambda: cross_token_pmf(SIGN, SIGN, 0.5, variance_x=-1.0), "variance_x"),
    (lambda: cross_modal_information(FSQ([5]), SIGN, 0.5), "fsq_y"),
    (lambda: cross_modal_information(FSQ([5, 5]), FSQ([5, 5]), [0.5, 1.5]), "rho"),
    (lambda: cross_modal_information(FSQ([5, 5]), FSQ([5, 5]), [0.5, 0.5, 0.5]), "rho"),
    (lambda: cross_modal_information(FSQ([5]), FSQ([5]), 0.5, base=1.0), "base"),
    (lambda: simulate_cross_modal(FSQ([5]), FSQ([5]), 0.5, 1), "n"),
    (lambda: simulate_cross_modal(FSQ([5]), FSQ([5]), 0.5, 10 ** 12), "n"),
    (lambda: compare_codebooks(0.5, 2), "levels"),
    (lambda: compare_codebooks(0.5, 65), "levels"),
    (lambda: compare_codebooks(0.5, 5, variance_y=0.0), "variance_y"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# --- general cross-covariance -------------------------------------------------------------------

_COV = np.array([[2.0, 0.8, -0.5], [0.8, 1.0, 0.3], [-0.5, 0.3, 0.7]])


def _rot(theta):
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def test_general_covariance_reduces_to_pairs_in_the_canonical_basis():
    cov = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    g = cross_modal_information_cov(FSQ([5]), FSQ([8, 5]), cov, scale_y=[0.7, 1.0])
    p = cross_modal_information(FSQ([5]), FSQ([8]), 0.9, scale_y=0.7)
    assert g.mi_tokens == pytest.approx(p.mi_tokens, abs=1e-12)
    assert g.mi_latents == pytest.approx(p.mi_latents, abs=1e-14)
    assert g.entropy_y == pytest.approx(p.entropy_y + cross_modal_information(
        FSQ([5]), FSQ([5]), 0.0).entropy_y, abs=1e-12)
    # a scalar Y is the bivariate table itself
    s = cross_modal_information_cov(FSQ([5]), FSQ([8]), cov[:2, :2], scale_y=0.7)
    assert s.mi_tokens == pytest.approx(p.mi_tokens, abs=1e-15)


def test_general_covariance_against_scipy_trivariate():
    # SciPy's Genz quasi-Monte-Carlo trivariate CDF (error ~1e-8) on a few cells
    fx, fy = FSQ([5]), FSQ([4, 6])
    g = cross_modal_information_cov(fx, fy, _COV, scale_x=0.8, scale_y=[1.0, 1.3])
    assert g.joint_pmf.sum() == pytest.approx(1.0, abs=1e-12)
    mvn = stats.multivariate_normal(np.zeros(3), _COV, abseps=1e-10, releps=1e-10)
    ex = np.clip(fx.scalar_quantizers(0.8)[0].cell_edges, -50, 50)
    sq = fy.scalar_quantizers([1.0, 1.3])
    e1, e2 = (np.clip(q.cell_edges, -50, 50) for q in sq)
    for i, j, k in [(2, 1, 3), (0, 0, 0), (4, 3, 5), (1, 2, 1)]:
        ref = mvn.cdf([ex[i + 1], e1[j + 1], e2[k + 1]], lower_limit=[ex[i], e1[j], e2[k]])
        assert g.joint_pmf[i, j + 4 * k] == pytest.approx(ref, abs=1e-7)
    # the Y margin of the integrated table is the exact bivariate Y pmf
    py = cross_token_pmf(sq[0], sq[1], 0.3 / math.sqrt(0.7), variance_y=0.7).T.ravel()
    np.testing.assert_allclose(g.joint_pmf.sum(axis=0), py, atol=1e-12)


def test_general_covariance_monte_carlo_and_data_processing():
    fx, fy = FSQ([5]), FSQ([4, 6])
    g = cross_modal_information_cov(fx, fy, _COV, scale_x=0.8, scale_y=[1.0, 1.3])
    assert g.mi_tokens <= min(g.mi_latents, g.entropy_x, g.entropy_y)
    rng = np.random.default_rng(5)
    n = 400_000
    Z = rng.multivariate_normal(np.zeros(3), _COV, size=n)
    kx = fx.encode(0.8 * Z[:, :1])
    ky = fy.encode(Z[:, 1:] * np.array([1.0, 1.3]))
    J = np.bincount(kx * 24 + ky, minlength=120).reshape(5, 24) / n
    nz = J > 0
    pmi = np.log2(J[nz] / np.outer(J.sum(axis=1), J.sum(axis=0))[nz])
    mi = float((J[nz] * pmi).sum()) - (nz.sum() - 5 - 24 + 1) / (2 * n * math.log(2))
    se = math.sqrt((float((J[nz] * pmi ** 2).sum()) - float((J[nz] * pmi).sum()) ** 2) / n)
    assert abs(mi - g.mi_tokens) < 4 * se


def test_rotation_changes_token_information_not_latent_information():
    cov = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    rs = [cross_modal_information_cov(FSQ([5]), FSQ([5, 5]), _rot(t) @ cov @ _rot(t).T)
          for t in (0.0, math.pi / 8, math.pi / 4)]
    assert [r.mi_latents for r in rs] == pytest.approx([rs[0].mi_latents] * 3, abs=1e-12)
    assert rs[0].mi_tokens > rs[1].mi_tokens > rs[2].mi_tokens
    assert rs[2].canonical_correlation == pytest.approx(0.9, abs=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: cross_modal_information_cov(FSQ([5, 5]), FSQ([5]), np.eye(3)), "fsq_x"),
    (lambda: cross_modal_information_cov(FSQ([5]), FSQ([5, 5, 5]), np.eye(4)), "fsq_y"),
    (lambda: cross_modal_information_cov(FSQ([5]), FSQ([5]), np.eye(3)), "cov"),
    (lambda: cross_modal_information_cov(FSQ([5]), FSQ([5]), [[1, 1], [1, 1]]), "cov"),
    (lambda: cross_modal_information_cov(FSQ([5]), FSQ([5]), [[1, 0.5], [0.4, 1]]), "cov"),
])
def test_general_bad_input(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
