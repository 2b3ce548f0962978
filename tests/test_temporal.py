"""Tests of fsq_theory.temporal: exact token statistics of AR(1) (video-like) latents."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory.cells import cell_probabilities
from fsq_theory.sources import GaussMarkovSource
from fsq_theory.temporal import (bivariate_normal_cdf, causal_prediction, consecutive_token_pmf,
                                 entropy_rate_bounds, flip_rate, predictive_token_distribution,
                                 simulate_token_persistence, token_persistence,
                                 token_sequence_pmf, vector_token_persistence)

REF = json.loads((Path(__file__).parent / "reference" / "temporal_reference.json").read_text())
SIGN = ScalarQuantizer([0.0], [-1.0, 1.0])


def fsq5():
    return FSQ([5]).scalar_quantizers(1.0)[0]


@pytest.mark.parametrize("rho", [-0.95, -0.3, 0.0, 0.4, 0.9, 0.999])
def test_orthant_probability_sheppard(rho):
    # Sheppard (1899): P(X <= 0, Y <= 0) = 1/4 + arcsin(rho) / (2 pi)
    assert bivariate_normal_cdf(0.0, 0.0, rho) == pytest.approx(
        0.25 + math.asin(rho) / (2 * math.pi), abs=1e-15)


@pytest.mark.parametrize("rho", [-0.8, 0.2, 0.97])
def test_bivariate_cdf_against_scipy_genz(rho):
    rng = np.random.default_rng(5)
    hk = rng.normal(scale=1.5, size=(20, 2))
    hk[:3, 0] = 0.0  # the h = 0 branch
    hk[3:6, 1] = 0.0
    ours = bivariate_normal_cdf(hk[:, 0], hk[:, 1], rho)
    mvn = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]])
    ref = np.array([mvn.cdf(p) for p in hk])
    np.testing.assert_allclose(ours, ref, atol=1e-12)


def test_bivariate_cdf_limits():
    assert bivariate_normal_cdf(-np.inf, 0.3, 0.5) == 0.0
    assert bivariate_normal_cdf(np.inf, 0.3, 0.5) == pytest.approx(stats.norm.cdf(0.3), abs=1e-16)
    assert bivariate_normal_cdf(0.3, np.inf, 0.5) == pytest.approx(stats.norm.cdf(0.3), abs=1e-16)
    # continuity across the h = 0 special case
    for k in (-0.7, 0.6):
        assert bivariate_normal_cdf(0.0, k, 0.5) == pytest.approx(
            bivariate_normal_cdf(1e-9, k, 0.5), abs=1e-9)


@pytest.mark.parametrize("rho", [-0.6, 0.1, 0.5, 0.95])
def test_sign_quantizer_persistence_closed_form(rho):
    # P(sign X_t = sign X_{t-1}) = 2 P(X > 0, Y > 0) = 1/2 + arcsin(rho)/pi
    want = 0.5 + math.asin(rho) / math.pi
    assert token_persistence(SIGN, rho) == pytest.approx(want, abs=1e-15)
    sym2 = FSQ([2], symmetric=True)  # threshold at z = 0
    assert token_persistence(sym2, rho) == pytest.approx(want, abs=1e-15)
    # one threshold never skipped: the union bound is exact, and equals arccos(rho)/pi
    fr = flip_rate(SIGN, rho, variance=2.0)
    assert fr.exact == pytest.approx(math.acos(rho) / math.pi, abs=1e-15)
    assert fr.expected_crossings == pytest.approx(fr.exact, abs=1e-15)


def test_pair_pmf_against_mpmath_reference():
    sq = fsq5()
    np.testing.assert_allclose(sq.thresholds, [float(t) for t in REF["thresholds"]], rtol=1e-14)
    P = consecutive_token_pmf(sq, float(REF["rho"]))
    want = np.array([[float(x) for x in row] for row in REF["pair"]])
    np.testing.assert_allclose(P, want, atol=2e-15, rtol=1e-12)


def test_sequence_pmf_against_mpmath_reference():
    P3 = token_sequence_pmf(fsq5(), float(REF["rho"]), 2)
    for key, val in REF["triple"].items():
        i, j, k = map(int, key.split(","))
        assert P3[i, j, k] == pytest.approx(float(val), rel=1e-12), key


def test_predictive_entropy_against_mpmath_reference():
    want = float(REF["h_given_x_bits"])
    rho = float(REF["rho"])
    assert entropy_rate_bounds(fsq5(), rho, max_order=1, max_lower=0).lower[0] == pytest.approx(
        want, rel=1e-13)
    assert causal_prediction(fsq5(), rho).h_predictive == pytest.approx(want, rel=1e-13)


def test_pair_pmf_margins_and_symmetry():
    sq = FSQ([8]).scalar_quantizers(0.7)[0]
    P = consecutive_token_pmf(sq, 0.8, variance=2.5)
    marg = cell_probabilities(sq, stats.norm(0, math.sqrt(2.5)))
    np.testing.assert_allclose(P.sum(axis=0), marg, atol=1e-15)
    np.testing.assert_allclose(P.sum(axis=1), marg, atol=1e-15)
    np.testing.assert_allclose(P, P.T, atol=1e-16)


@pytest.mark.parametrize("rho", [-0.6, 0.5, 0.99])
def test_nystrom_order1_matches_owens_t(rho):
    sq = fsq5()
    np.testing.assert_allclose(token_sequence_pmf(sq, rho, 1), consecutive_token_pmf(sq, rho),
                               atol=1e-13)
    # marginalizing the order-2 law gives the order-1 law (consistency of the recursion)
    P3 = token_sequence_pmf(sq, rho, 2)
    np.testing.assert_allclose(P3.sum(axis=2), consecutive_token_pmf(sq, rho), atol=1e-13)
    np.testing.assert_allclose(P3.sum(axis=0), consecutive_token_pmf(sq, rho), atol=1e-13)


@pytest.mark.parametrize("rho", [0.3, 0.9, 0.98])
def test_entropy_rate_sandwich(rho):
    b = entropy_rate_bounds(FSQ([5]).scalar_quantizers(1.5)[0], rho, max_order=3, max_lower=1)
    assert np.all(np.diff(b.upper) <= 1e-12)  # conditioning reduces entropy
    assert np.all(np.diff(b.lower) >= -1e-12)
    assert b.lower[-1] <= b.upper[-1] + 1e-12
    assert b.mutual_information == pytest.approx(b.upper[0] - b.upper[1])
    assert set(b.to_frame().columns) == {"order", "bound", "bits", "rho"}


def test_independent_frames_have_no_memory():
    b = entropy_rate_bounds(fsq5(), 0.0, max_order=2, max_lower=1)
    np.testing.assert_allclose(b.upper, b.upper[0], atol=1e-12)
    np.testing.assert_allclose(b.lower, b.upper[0], atol=1e-12)


def test_flip_rate_asymptotics_and_union_bound():
    sq = fsq5()
    prev = math.inf
    for rho in (0.9, 0.99, 0.999, 0.9999):
        fr = flip_rate(sq, rho)
        assert fr.exact <= fr.expected_crossings + 1e-15
        rel = abs(fr.exact / fr.asymptotic - 1)
        assert rel < prev  # converging
        prev = rel
    assert prev < 2e-3
    # finer grid (larger gain) flips more
    assert flip_rate(FSQ([5]).scalar_quantizers(3.0)[0], 0.99).exact > flip_rate(sq, 0.99).exact
    assert flip_rate(FSQ([16]).scalar_quantizers(1.0)[0], 0.99).exact > flip_rate(sq, 0.99).exact


def test_predictive_distribution():
    sq = fsq5()
    p = predictive_token_distribution(sq, 0.8, [[-1.0, 0.0], [0.3, 2.0]], variance=1.0)
    assert p.shape == (2, 2, 5)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, atol=1e-15)
    # row for x = 0.3: cell probabilities of N(0.24, 0.36)
    np.testing.assert_allclose(p[1, 0], cell_probabilities(sq, stats.norm(0.24, 0.6)), atol=1e-15)
    # averaging p(k|x) over the stationary law gives the marginal (independent quadrature)
    marg = [integrate.quad(lambda x: stats.norm.pdf(x) * predictive_token_distribution(
        sq, 0.8, x)[k], -12, 12, points=[-1, 0, 1])[0] for k in range(5)]
    np.testing.assert_allclose(marg, cell_probabilities(sq), atol=1e-10)


def test_causal_prediction_orderings():
    for rho in (0.2, 0.9):
        c = causal_prediction(fsq5(), rho)
        assert c.accuracy_bayes >= c.accuracy_point - 1e-12
        assert c.h_predictive <= c.h_marginal
    c0 = causal_prediction(fsq5(), 1e-9)
    assert c0.h_predictive == pytest.approx(c0.h_marginal, abs=1e-7)


@pytest.mark.parametrize("rho", [0.5, 0.95])
def test_monte_carlo_persistence(rho):
    sq = fsq5()
    mc = simulate_token_persistence(sq, GaussMarkovSource(rho, dim=4, variance=1.0), 100_000,
                                    rng=11, chunk_size=30_000)
    exact = token_persistence(sq, rho)
    assert abs(mc.persistence - exact) < 4 * mc.stderr
    assert mc.pair_counts.sum() == 4 * (100_000 - 1)
    again = simulate_token_persistence(sq, GaussMarkovSource(rho, dim=4), 100_000, rng=11,
                                       chunk_size=7_001)
    assert again.persistence == mc.persistence  # seed only, not chunking
    np.testing.assert_array_equal(again.pair_counts, mc.pair_counts)


@pytest.mark.parametrize("bad", [1.0, -1.0, 1.5, float("nan"), float("inf")])
def test_bad_rho(bad):
    with pytest.raises(ValueError, match="rho"):
        token_persistence(fsq5(), bad)


def test_bad_inputs():
    sq = fsq5()
    with pytest.raises(TypeError, match="rho"):
        token_persistence(sq, "0.5")
    with pytest.raises(ValueError, match="variance"):
        consecutive_token_pmf(sq, 0.5, variance=0.0)
    with pytest.raises(ValueError, match="order"):
        token_sequence_pmf(sq, 0.5, -1)
    with pytest.raises(TypeError, match="sq"):
        token_persistence(np.array([0.0]), 0.5)
    with pytest.raises(ValueError, match="1-D FSQ"):
        token_persistence(FSQ([5, 5]), 0.5)
    with pytest.raises(ValueError, match="x_prev"):
        predictive_token_distribution(sq, 0.5, [0.0, np.nan])
    with pytest.raises(ValueError, match="h and k"):
        bivariate_normal_cdf(np.nan, 0.0, 0.5)
    with pytest.raises(TypeError, match="source"):
        simulate_token_persistence(sq, None, 100)
    with pytest.raises(ValueError, match="sequences"):
        token_sequence_pmf(FSQ([16]).scalar_quantizers()[0], 0.5, 4)


def test_vector_persistence_product_and_monte_carlo():
    fsq, rho, scale, var = FSQ([5, 3]), 0.9, [1.0, 2.0], [1.0, 0.5]
    exact = vector_token_persistence(fsq, rho, scale=scale, variance=var)
    sqs = fsq.scalar_quantizers(scale)
    assert exact == pytest.approx(token_persistence(sqs[0], rho) * token_persistence(
        sqs[1], rho, variance=0.5), rel=1e-15)
    # Monte Carlo: all coordinates unchanged, batch-means SE over 40 contiguous blocks
    n = 80_000
    x = np.vstack(list(GaussMarkovSource(rho, dim=2, variance=var).chunks(n, chunk_size=20_000,
                                                                         rng=4)))
    z = np.stack([sqs[i].encode(x[:, i]) for i in range(2)], axis=1)
    same = (z[1:] == z[:-1]).all(axis=1)
    blocks = same[: (n - 1) // 40 * 40].reshape(40, -1).mean(axis=1)
    assert abs(same.mean() - exact) < 4 * blocks.std(ddof=1) / math.sqrt(40)
    with pytest.raises(TypeError, match="fsq"):
        vector_token_persistence(sqs[0], rho)
