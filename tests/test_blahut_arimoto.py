"""Certified Blahut-Arimoto against closed-form rate-distortion functions."""

import numpy as np
import pytest
from scipy import stats

import naive
from fsq_theory._kernels import ba as kba
from fsq_theory.rate_distortion import blahut_arimoto, rd_curve

HAMMING = np.array([[0.0, 1.0], [1.0, 0.0]])


def h2(x):
    return -x * np.log2(x) - (1 - x) * np.log2(1 - x)


@pytest.mark.parametrize("beta", [0.3, 1.0, 2.0, 5.0, 12.0, 30.0])
def test_binary_hamming_matches_one_minus_h(beta):
    # Cover & Thomas Thm 10.3.1: R(D) = 1 - h(D); at slope beta, D = 1/(1 + e^beta)
    r = blahut_arimoto([0.5, 0.5], HAMMING, beta)
    D = 1.0 / (1.0 + np.exp(beta))
    assert r.converged and r.gap <= 1e-9
    assert abs(r.distortion - D) <= 1e-12
    assert abs(r.rate - (1 - h2(D))) <= 1e-9
    assert r.rate_lower - 1e-12 <= 1 - h2(D) <= r.rate + 1e-12


@pytest.mark.parametrize("beta", [1.5, 3.0, 8.0])
def test_asymmetric_binary_source(beta):
    # R(D) = h(p) - h(D) for D <= min(p, 1-p) (Cover & Thomas Thm 10.3.1)
    p = 0.3
    r = blahut_arimoto([p, 1 - p], HAMMING, beta)
    assert r.distortion < p
    assert abs(r.rate - (h2(p) - h2(r.distortion))) <= 1e-9
    np.testing.assert_allclose(r.conditional.sum(axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(r.output, np.array([p, 1 - p]) @ r.conditional, atol=1e-12)


def _gauss(n, span):
    x = np.linspace(-span, span, n)
    p = stats.norm.pdf(x)
    p /= p.sum()
    return p, (x[:, None] - x[None, :]) ** 2


def test_issue_example_sparse_support_certified():
    # 65-point discretized Gaussian at slope 1 nat: plain BA leaves ~1e-5 nats after 20,000
    # sweeps (sparse optimal support); the interior-point finish certifies 1e-9 bit
    p, d = _gauss(65, 4.0)
    r = blahut_arimoto(p, d, 1.0)
    assert r.converged and r.gap <= 1e-9
    assert r.support_size < 65
    # slope identity: the curve's slope at the solution is -beta nats per unit distortion
    r2 = blahut_arimoto(p, d, 1.0 + 1e-3)
    slope = (r2.rate - r.rate) / (r2.distortion - r.distortion) * np.log(2)
    assert slope == pytest.approx(-1.0005, rel=2e-3)


def test_no_underflow_at_large_beta():
    p, d = _gauss(65, 4.0)
    for beta in (1e4, 1e8):
        r = blahut_arimoto(p, d, beta)
        assert np.isfinite(r.rate) and r.converged
        # outputs include every source atom: D -> 0 and R -> H(p)
        assert r.rate == pytest.approx(-(p * np.log2(p)).sum(), abs=1e-9)
    # reproduction grid off the source atoms: still finite, certified
    x = np.linspace(-4, 4, 65)
    y = np.linspace(-4.03, 4.01, 40)
    r = blahut_arimoto(p, (x[:, None] - y[None, :]) ** 2, 1e7)
    assert np.isfinite(r.rate) and np.isfinite(r.distortion) and r.converged


def test_beta_zero_is_dmax():
    p, d = _gauss(33, 3.0)
    r = blahut_arimoto(p, d, 0.0)
    assert r.rate == 0.0 and r.distortion == pytest.approx((p @ d).min())


def test_rd_curve_is_decreasing_convex_and_certified():
    p, d = _gauss(65, 4.0)
    df = rd_curve(p, d, np.geomspace(0.6, 200, 12))
    assert df["converged"].all() and (df["gap"] <= 1e-9).all()
    D, R = df["distortion"].to_numpy(), df["rate"].to_numpy()
    assert (np.diff(D) < 0).all() and (np.diff(R) > 0).all()
    slopes = np.diff(R) / np.diff(D)
    assert (np.diff(slopes) < 0).all()  # convex in D: slopes grow steeper as D decreases
    # the supporting line at each slope lies below every other point (Blahut's lower bound)
    for b, d0, r0 in zip(df["beta"], D, R):
        assert (R - (r0 - b / np.log(2) * (D - d0)) >= -1e-9).all()


@pytest.mark.slow
def test_512_target():
    p, d = _gauss(512, 5.0)
    for beta in (1.0, 5.0, 50.0):
        r = blahut_arimoto(p, d, beta)
        assert r.converged and r.gap <= 1e-9


def test_kernels_match_naive():
    rng = np.random.default_rng(3)
    d = rng.uniform(0, 4, size=(17, 11))
    for beta in (0.0, 0.7, 300.0):
        K = np.empty_like(d)
        dmin = np.empty(17)
        kba.scaled_kernel(d, beta, K, dmin)
        K2, dmin2 = naive.ba_scaled_kernel(d, beta)
        np.testing.assert_allclose(K, K2, rtol=1e-15, atol=0)
        np.testing.assert_array_equal(dmin, dmin2)
        lq = np.log(rng.dirichlet(np.ones(11)))
        rows = np.array([0, 5, 16])
        out = np.empty(3)
        kba.log_row_sums(lq, d, dmin, beta, rows, out)
        np.testing.assert_allclose(out, naive.ba_log_row_sums(lq, d, dmin, beta, rows),
                                   rtol=1e-13, atol=1e-13)
        w, q = rng.random(17), rng.random(11)
        assert kba.weighted_distortion(K, d, w, q) == pytest.approx(
            naive.ba_weighted_distortion(K, d, w, q), rel=1e-13)


@pytest.mark.parametrize("p, d, beta, exc, match", [
    ([0.5, -0.1, 0.6], np.zeros((3, 2)), 1.0, ValueError, "non-negative"),
    ([0.5, np.nan], np.zeros((2, 2)), 1.0, ValueError, "p_x"),
    ([0.5, 0.4], np.zeros((2, 2)), 1.0, ValueError, "sum to 1"),
    ([0.5, 0.5], np.zeros((3, 2)), 1.0, ValueError, "shape"),
    ([0.5, 0.5], -np.ones((2, 2)), 1.0, ValueError, "distortion must be non-negative"),
    ([0.5, 0.5], np.full((2, 2), np.nan), 1.0, ValueError, "distortion"),
    ([0.5, 0.5], np.zeros((2, 2)), -1.0, ValueError, "beta"),
    ([0.5, 0.5], np.zeros((2, 2)), "1", TypeError, "beta"),
])
def test_bad_input(p, d, beta, exc, match):
    with pytest.raises(exc, match=match):
        blahut_arimoto(p, d, beta)


def test_inputs_not_modified():
    p = np.array([0.2, 0.8])
    d = HAMMING.copy()
    d.flags.writeable = False
    blahut_arimoto(p, d, 2.0)
    assert p.tolist() == [0.2, 0.8]
