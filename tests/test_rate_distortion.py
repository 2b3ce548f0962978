"""Closed forms, water-filling, Gauss-Markov, Shannon lower bound, discretized R(D), FSQ vs R(D)."""

import numpy as np
import pytest
from scipy import integrate, stats

from fsq_theory.rate_distortion import rd_curve
from fsq_theory.rate_distortion import (GISH_PIERCE_GAP, PANTER_DITE_GAUSSIAN,
                                        fsq_operational_rd, fsq_vector_rd,
                                        tanh_compander_limits)
from fsq_theory.rate_distortion import (differential_entropy, discretized_rd, gauss_markov_rd,
                                        gaussian_dr, gaussian_rd, reverse_water_filling,
                                        shannon_lower_bound)


def test_gaussian_rd_and_inverse():
    assert gaussian_rd(0.25) == pytest.approx(1.0, abs=1e-15)
    assert gaussian_rd(0.25, 4.0, base=np.e) == pytest.approx(0.5 * np.log(16), abs=1e-15)
    assert gaussian_rd(5.0, 4.0) == 0.0
    assert gaussian_rd(0.0) == np.inf
    R = np.linspace(0, 6, 13)
    np.testing.assert_allclose(gaussian_rd(gaussian_dr(R, 2.0), 2.0), R, atol=1e-13)


def test_reverse_water_filling_cover_thomas():
    # Cover & Thomas Thm 10.3.3 by hand: variances (4, 1, 0.25), mean D = 0.5 -> theta = 0.625
    w = reverse_water_filling([4.0, 1.0, 0.25], D=0.5)
    assert w.water_level == pytest.approx(0.625, abs=1e-15)
    np.testing.assert_allclose(w.distortion, [0.625, 0.625, 0.25])
    np.testing.assert_allclose(w.rate, [0.5 * np.log2(4 / 0.625), 0.5 * np.log2(1 / 0.625), 0])
    back = reverse_water_filling([4.0, 1.0, 0.25], R=w.total_rate)
    assert back.mean_distortion == pytest.approx(0.5, rel=1e-13)
    # equal variances: every component at D, total rate d * R(D)
    eq = reverse_water_filling(np.full(5, 2.0), D=0.3)
    assert eq.total_rate == pytest.approx(5 * gaussian_rd(0.3, 2.0), rel=1e-14)
    assert len(w.to_frame()) == 3


def test_gauss_markov_closed_form_region_and_limits():
    rho, var = 0.9, 1.0
    dc = var * (1 - rho) / (1 + rho)
    for D in (0.01, 0.5 * dc, dc):
        assert gauss_markov_rd(D, rho) == pytest.approx(0.5 * np.log2((1 - rho ** 2) / D),
                                                        rel=1e-12)
    assert gauss_markov_rd(0.3, 0.0) == pytest.approx(gaussian_rd(0.3), rel=1e-12)
    assert gauss_markov_rd(0.3, 0.7) == pytest.approx(gauss_markov_rd(0.3, -0.7), rel=1e-10)
    assert gauss_markov_rd(1.0, 0.9) == 0.0
    # beyond D_c: independent brute-force spectral water-filling on a fine frequency grid
    w = (np.arange(400_000) + 0.5) / 400_000 * np.pi
    S = var * (1 - rho ** 2) / (1 - 2 * rho * np.cos(w) + rho ** 2)
    for D in (0.2, 0.5):
        lo, hi = 0.0, S.max()
        for _ in range(200):
            th = (lo + hi) / 2
            lo, hi = (th, hi) if np.minimum(th, S).mean() < D else (lo, th)
        R = np.maximum(0, 0.5 * np.log2(S / th)).mean()
        assert gauss_markov_rd(D, rho) == pytest.approx(R, abs=1e-8)


def test_shannon_lower_bound():
    h = differential_entropy(stats.norm(scale=2.0))
    assert h == pytest.approx(0.5 * np.log2(2 * np.pi * np.e * 4))
    # tight for the Gaussian
    assert shannon_lower_bound(h, 0.5) == pytest.approx(gaussian_rd(0.5, 4.0), rel=1e-14)
    assert differential_entropy(stats.laplace(scale=0.5)) == pytest.approx(np.log2(np.e))
    assert differential_entropy(stats.uniform(loc=0, scale=8)) == pytest.approx(3.0)


def test_laplace_curve_respects_the_shannon_lower_bound():
    # R(D) >= h - 1/2 log2(2 pi e D) (Shannon 1959). The discretized curve approximates R(D)
    # from below at D near the grid's cell size squared (the atoms carry less entropy than
    # the density), so the check is made where grid doubling moves the curve by < 1e-3 bit
    # and the true gap exceeds that: D >= 0.2 for unit variance.
    dist = stats.laplace(scale=1 / np.sqrt(2))
    betas = [0.8, 1.4, 2.0]
    fine = discretized_rd(dist, n_points=257, span=6.0, betas=betas)
    coarse = discretized_rd(dist, n_points=129, span=6.0, betas=betas)
    assert fine["converged"].all()
    disc_err = np.abs(fine["rate"] - coarse["rate"]).max()
    assert disc_err < 1e-3
    assert (fine["distortion"] > 0.2).all()
    assert (fine["rate"] - fine["slb"] > disc_err).all()
    gapv = (fine["rate"] - fine["slb"]).to_numpy()
    assert (np.diff(gapv) < 0).all()  # and closes as D decreases (Linder & Zamir 1994)


def test_discretized_gaussian_converges_to_closed_form():
    """Error table: max |R_grid(D) - 1/2 log2(1/D)| over the curve shrinks as the grid refines."""
    betas = np.geomspace(0.7, 40, 6)
    errs = []
    for n in (33, 65, 129):
        df = discretized_rd(n_points=n, betas=betas)
        assert df["converged"].all()
        errs.append(float(np.abs(df["rate"] - df["closed_form"]).max()))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 2e-3


def test_empirical_source_from_samples():
    x = np.random.default_rng(0).normal(size=20_000)
    df = discretized_rd(x, n_points=65, betas=[1.0, 5.0])
    assert df["converged"].all() and np.isnan(df["slb"]).all()
    # sampled N(0,1): within a few hundredths of a bit of the closed form at the same D
    assert np.abs(df["rate"] - gaussian_rd(df["distortion"].to_numpy())).max() < 0.05


def test_tanh_compander_limits_closed_forms():
    lim = tanh_compander_limits(eps=0.0)
    g = lim.gain
    # stationarity of E cosh^4(gX) / g^2 (quadrature-free identity) and the E cosh^4 formula
    ec4 = integrate.quad(lambda x: np.cosh(g * x) ** 4 * stats.norm.pdf(x), -40, 40,
                         epsabs=0, epsrel=1e-12, limit=200)[0]
    assert lim.l2d == pytest.approx(ec4 / (3 * g * g), rel=1e-10)
    f = lambda gg: (3 + 4 * np.exp(2 * gg * gg) + np.exp(8 * gg * gg)) / (8 * gg * gg)  # noqa
    assert f(g) <= min(f(g * 0.99), f(g * 1.01))
    assert lim.entropy_gap_bits > GISH_PIERCE_GAP  # Jensen penalty of the non-uniform cells
    assert 0.5 * np.log2(lim.l2d) > 0.5 * np.log2(PANTER_DITE_GAUSSIAN)  # Panter-Dite optimal


def test_fsq_operational_points_and_convergence():
    df = fsq_operational_rd([5, 16, 64, 256])
    assert (df["gap_fixed_bits"] > 0).all() and (df["gap_entropy_bits"] > 0).all()
    assert (df["mse"] >= df["lloyd_max_mse"]).all()  # Lloyd-Max is MSE-optimal at fixed L
    lim = tanh_compander_limits()
    last = df.iloc[-1]
    assert abs(last["scale"] - lim.gain) < 2e-3
    assert abs(last["gap_fixed_bits"] - lim.fixed_gap_bits) < 0.01
    assert abs(last["gap_entropy_bits"] - lim.entropy_gap_bits) < 0.002
    # dB and bit gaps agree: 20 log10(2) dB per bit
    np.testing.assert_allclose(df["gap_fixed_db"], 20 * np.log10(2) * df["gap_fixed_bits"],
                               rtol=1e-12)


def test_fsq_vector_matches_scalar_and_water_filling():
    out = fsq_vector_rd([5, 5], [1.0, 1.0])
    one = fsq_operational_rd([5], compare=False).iloc[0]
    assert out["mse"] == pytest.approx(one["mse"], rel=1e-9)
    assert out["rd_at_mse"] == pytest.approx(2 * gaussian_rd(one["mse"]), rel=1e-9)
    aniso = fsq_vector_rd([7, 5, 3], [4.0, 1.0, 0.25])
    assert aniso["gap_fixed_bits"] > 0
    np.testing.assert_allclose(aniso["scale"][0] * 2, fsq_vector_rd([7], [1.0])["scale"][0],
                               rtol=1e-6)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: gaussian_rd(-0.1), ValueError, "D must be >= 0"),
    (lambda: gaussian_rd(np.nan), ValueError, "D must be >= 0"),
    (lambda: gaussian_dr(-1.0), ValueError, "R must be >= 0"),
    (lambda: gaussian_rd(0.5, variance=0.0), ValueError, "variance"),
    (lambda: reverse_water_filling([1.0, -2.0], D=0.1), ValueError, "variances"),
    (lambda: reverse_water_filling([1.0], D=0.1, R=1.0), ValueError, "exactly one"),
    (lambda: reverse_water_filling([1.0], R=-1.0), ValueError, "R must be >= 0"),
    (lambda: gauss_markov_rd(0.1, 1.0), ValueError, "rho"),
    (lambda: shannon_lower_bound(1.0, 0.0), ValueError, "D must be > 0"),
    (lambda: fsq_operational_rd([5], scale="best"), ValueError, "scale"),
    (lambda: fsq_operational_rd([5], scale=-1.0), ValueError, "scale"),
    (lambda: rd_curve([1.0], [[0.0]], [-1.0]), ValueError, "betas"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_monte_carlo_points_land_on_the_exact_curve():
    """stream_stats through the reference-exact FSQ: MSE and plug-in entropy within 3 SE."""
    from fsq_theory import FSQ
    from fsq_theory.figures.rd_fsq_operational import _error_fourth_moment
    from fsq_theory.rate_distortion import quantizer_performance
    from fsq_theory.sources import GaussianSource
    from fsq_theory.stats import stream_stats

    n = 1_000_000
    df = fsq_operational_rd([5, 8, 16], compare=False)
    for L, g in zip(df["L"], df["scale"]):
        sq = FSQ([L]).scalar_quantizers(g)[0]
        perf = quantizer_performance(sq)
        st = stream_stats(FSQ([L]), GaussianSource(1.0), n, rng=0, scale=g,
                          decoder="grid")
        se_d = np.sqrt((_error_fourth_moment(sq) - perf.mse ** 2) / n)
        p = perf.prob[perf.prob > 0]
        se_h = np.sqrt(((np.log2(p) ** 2 * p).sum() - perf.entropy_bits ** 2) / n)
        assert abs(st.mse_source - perf.mse) < 3 * se_d
        # plug-in entropy: bias -(L-1)/(2 n ln 2) is far below the standard error here
        assert abs(st.entropy_bits - perf.entropy_bits) < 3 * se_h
