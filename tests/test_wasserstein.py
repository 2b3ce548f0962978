"""Tests of fsq_theory.wasserstein against closed forms, mpmath references and POT."""

import json
import math
from pathlib import Path

import numpy as np
import ot
import pytest
from scipy import stats

from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory.geometry import _wasserstein as W
from fsq_theory.cells import cell_moments

REF = json.loads((Path(__file__).parent / "reference" / "geometry_reference.json").read_text())
R3 = math.sqrt(3)


def test_normal_vs_uniform_closed_form():
    # W2^2(N(0,1), U(-sqrt3, sqrt3)) = 2 - 2 E[X sqrt3 (2 Phi(X) - 1)] = 2 - 2 sqrt(3/pi)
    exact = 2 - 2 * math.sqrt(3 / math.pi)
    assert float(REF["w2"]["norm_uniform_sq"]) == pytest.approx(exact, abs=1e-15)
    u = stats.uniform(-R3, 2 * R3)
    assert W.w2_1d(stats.norm(), u, squared=True) == pytest.approx(exact, abs=1e-9)
    assert W.w2_1d(u, stats.norm(), squared=True) == pytest.approx(exact, abs=1e-9)
    assert W.w2_1d(u, stats.norm()) == pytest.approx(math.sqrt(exact), abs=1e-9)


def test_continuous_pairs_against_mpmath():
    got = W.w2_1d(stats.laplace(), stats.norm(), squared=True)
    assert got == pytest.approx(float(REF["w2"]["laplace_norm_sq"]), abs=1e-9)
    sq = ScalarQuantizer.uniform(8, 0.5)
    p = stats.laplace().cdf(sq.cell_edges[1:]) - stats.laplace().cdf(sq.cell_edges[:-1])
    got = W.w2_1d(stats.laplace(), sq.points, y_weights=p / p.sum(), squared=True)
    assert got == pytest.approx(float(REF["w2"]["laplace_uniform8_step0.5_sq"]), abs=1e-9)
    assert W.w2_quantization(sq, stats.laplace(), squared=True) == pytest.approx(got, abs=1e-12)


def test_normal_against_atoms_closed_forms():
    assert W.w2_1d(stats.norm(), [0.0], squared=True) == pytest.approx(1.0, abs=1e-14)
    # 1-bit Lloyd-Max: atoms +-sqrt(2/pi) with mass 1/2 -> W2^2 = 1 - 2/pi
    c = math.sqrt(2 / math.pi)
    got = W.w2_1d(stats.norm(), [-c, c], y_weights=[0.5, 0.5], squared=True)
    assert got == pytest.approx(1 - 2 / math.pi, abs=1e-14)
    # uniform against a discrete uniform on its cell midpoints: (step^2)/12 exactly
    mids = W.w2_1d(stats.uniform(0, 10), np.arange(10) + 0.5, squared=True)
    assert mids == pytest.approx(1 / 12, abs=1e-12)
    # U(0,1) against the frozen discrete uniform on {0..9}: quantile u in (k/10, (k+1)/10] is
    # coupled with atom k, so W2^2 = sum_k [((u-k)^3)/3] between the two levels
    got = W.w2_1d(stats.uniform(0, 1), stats.randint(0, 10), squared=True)
    k = np.arange(10)
    exact = np.sum(((k + 1) / 10 - k) ** 3 - (k / 10 - k) ** 3) / 3
    assert got == pytest.approx(exact, rel=1e-12)


def test_samples_match_pot():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=1000), rng.exponential(size=700)
    wx, wy = rng.uniform(size=1000), rng.uniform(size=700)
    wx, wy = wx / wx.sum(), wy / wy.sum()
    assert W.w2_1d(x, y, squared=True) == pytest.approx(ot.wasserstein_1d(x, y, p=2), rel=1e-12)
    assert W.w2_1d(x, y, x_weights=wx, y_weights=wy, squared=True) == pytest.approx(
        ot.wasserstein_1d(x, y, wx, wy, p=2), rel=1e-12)
    x2 = rng.normal(size=700)
    assert W.w2_1d(x2, y, squared=True) == pytest.approx(ot.wasserstein_1d(x2, y, p=2), rel=1e-12)
    # sample against a distribution: exact value for the empirical measure = POT on a fine grid
    q = stats.norm().ppf((np.arange(200_000) + 0.5) / 200_000)
    assert W.w2_1d(x, stats.norm(), squared=True) == pytest.approx(
        ot.wasserstein_1d(x, q, p=2), rel=1e-3)


def test_inputs_not_modified_and_read_only_ok():
    x = np.array([3.0, 1.0, 2.0])
    x.flags.writeable = False
    W.w2_1d(x, [0.0, 0.0, 1.0])
    assert x.tolist() == [3.0, 1.0, 2.0]


def test_gaussian_matches_pot_and_1d():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    S1, S2 = A @ A.T + 0.1 * np.eye(3), B @ B.T
    m1, m2 = rng.normal(size=3), rng.normal(size=3)
    pot = ot.gaussian.bures_wasserstein_distance(m1, m2, S1, S2)
    assert W.w2_gaussian(m1, S1, m2, S2) == pytest.approx(float(pot), rel=1e-10)
    # 1-D: W2^2 = (m1-m2)^2 + (s1-s2)^2, and the exact 1-D integral agrees
    assert W.w2_gaussian(0.5, 4.0, -1.0, 0.25, squared=True) == pytest.approx(1.5**2 + 1.5**2)
    assert W.w2_1d(stats.norm(0.5, 2), stats.norm(-1, 0.5), squared=True) == pytest.approx(
        4.5, abs=1e-9)
    # a singular (degenerate) Gaussian is a valid measure: N(0, diag(1, 0)) vs N(0, I) = 1
    assert W.w2_gaussian([0, 0], np.diag([1.0, 0.0]), [0, 0], np.eye(2)) == pytest.approx(1.0)


@pytest.mark.parametrize("S, msg", [(np.array([[1.0, 0.5], [0.0, 1.0]]), "symmetric"),
                                    (np.array([[1.0, 2.0], [2.0, 1.0]]), "semi-definite"),
                                    (np.eye(3), "shape")])
def test_gaussian_bad_covariance(S, msg):
    with pytest.raises(ValueError, match=f"S2.*{msg}|{msg}"):
        W.w2_gaussian([0, 0], np.eye(2), [0, 0], S)


def test_w2_squared_equals_mse_for_monotone_quantizers():
    n01 = stats.norm()
    quantizers = [ScalarQuantizer.uniform(7, 0.6), FSQ([5]).scalar_quantizers(0.8)[0],
                  FSQ([8], symmetric=False).scalar_quantizers(1.3)[0]]
    for sq in quantizers:
        m = cell_moments(sq, n01)
        assert W.w2_quantization(sq, n01, squared=True) == pytest.approx(m.mse(sq.points),
                                                                         rel=1e-10)
        cen = sq.with_points(m.centroids)
        assert W.w2_quantization(sq, n01, decoder="centroid", squared=True) == \
            pytest.approx(m.mse(cen.points), rel=1e-10)


def test_w2_squared_strictly_below_mse_for_non_monotone_points():
    sq = ScalarQuantizer.uniform(6, 0.7)
    pts = sq.points.copy()
    pts[[1, 4]] = pts[[4, 1]]
    bad = sq.with_points(pts)
    dist = stats.norm(0.3, 1.0)
    m = cell_moments(bad, dist)
    w2sq = W.w2_quantization(bad, dist, squared=True)
    assert w2sq < m.mse(pts) - 0.1
    # ... and equals the MSE-free quantile coupling computed by POT on a fine discretization
    u = (np.arange(400_000) + 0.5) / 400_000
    ref = ot.wasserstein_1d(dist.ppf(u), pts, v_weights=m.prob / m.prob.sum(), p=2)
    assert w2sq == pytest.approx(ref, rel=1e-4)


def test_empirical_correlated_source_equals_exact_lp():
    # non-product (correlated) source, product cells: W2^2 = distortion; ot.emd2 is exact here
    rng = np.random.default_rng(3)
    x = rng.multivariate_normal([0.2, -0.1], [[1.0, 0.8], [0.8, 1.0]], size=400)
    f = FSQ([5, 4])
    for rec in ("grid", "centroid"):
        _, q = W._quantized_samples(f, x, scale=0.9, decoder=rec, domain="source")
        w = np.full(400, 1 / 400)
        lp = ot.emd2(w, w, ot.dist(x, q), numItermax=10**7)
        got = W.w2_quantization(f, x, scale=0.9, decoder=rec, squared=True)
        assert got == pytest.approx(lp, rel=1e-9)
    # a non-monotone product map breaks optimality: the LP finds a strictly cheaper coupling
    q_bad = q.copy()
    q_bad[:, 0] = -q[:, 0]
    assert ot.emd2(w, w, ot.dist(x, q_bad)) < np.mean(np.sum((x - q_bad) ** 2, 1)) - 0.5


def test_multivariate_sources_use_marginals_and_agree_with_samples():
    f = FSQ([5, 8])
    cov = [[1.0, 0.6], [0.6, 2.0]]
    mvn = stats.multivariate_normal([0.1, 0.0], cov)
    exact = W.w2_quantization(f, mvn, scale=0.7, decoder="centroid", squared=True)
    marg = [stats.norm(0.1, 1.0), stats.norm(0.0, math.sqrt(2.0))]
    assert exact == pytest.approx(W.w2_quantization(f, marg, scale=0.7,
                                                    decoder="centroid", squared=True))
    x = mvn.rvs(size=200_000, random_state=np.random.default_rng(5))
    _, q = W._quantized_samples(f, x, scale=0.7, decoder="grid", domain="source")
    per = np.sum((x - q) ** 2, axis=1)
    exact_p = W.w2_quantization(f, mvn, scale=0.7, squared=True)
    assert abs(per.mean() - exact_p) < 4 * per.std() / math.sqrt(per.size)


def test_bounded_domain_matches_samples():
    f = FSQ([5, 6])
    exact = W.w2_quantization(f, stats.norm(), domain="bounded", squared=True)
    x = np.random.default_rng(2).normal(size=(200_000, 2))
    b, q = W._quantized_samples(f, x, scale=1.0, decoder="grid", domain="bounded")
    per = np.sum((b - q) ** 2, axis=1)
    assert abs(per.mean() - exact) < 4 * per.std() / math.sqrt(per.size)
    # in code units the bounded latent is rounded to the nearest code: error <= half a step
    assert np.abs(b - q).max() <= 0.5 / 2 + 1e-9
    # the package encoder agrees with the real-arithmetic bound up to float32 rounding
    np.testing.assert_allclose(f.real_bound(x[:100]), f.bound(x[:100]), atol=1e-6)


def test_pot_estimates():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3000, 2))
    f = FSQ([5, 5])
    est = W.w2_quantization_pot(f, x, method="emd", n_sub=300, repeats=6, rng=1)
    exact = W.w2_quantization(f, x, squared=True)
    assert abs(est.w2_squared - exact) < 5 * est.stderr_squared
    sl = W.w2_quantization_pot(f, x, method="sliced", n_sub=300, repeats=6, rng=1)
    assert sl.w2_squared <= exact / 2 * 1.05 + 3 * sl.stderr_squared  # SW2^2 <= W2^2 / d
    assert len(est.to_frame()) == 6


def test_symmetric_fsq_points_are_infinite():
    f = FSQ([4], symmetric=True)
    assert W.w2_quantization(f, stats.norm()) == math.inf
    assert math.isfinite(W.w2_quantization(f, stats.norm(), decoder="centroid"))


@pytest.mark.parametrize("kw, err, msg", [
    (dict(x_weights=[0.5, 0.6]), ValueError, "x_weights must sum to 1"),
    (dict(x_weights=[1.5, -0.5]), ValueError, "x_weights must be >= 0"),
    (dict(x_weights=[1.0]), ValueError, "x_weights must have shape"),
])
def test_w2_1d_bad_weights(kw, err, msg):
    with pytest.raises(err, match=msg):
        W.w2_1d([0.0, 1.0], [0.0], **kw)


def test_bad_inputs():
    with pytest.raises(ValueError, match="x contains 1 non-finite"):
        W.w2_1d([0.0, np.nan], [0.0])
    with pytest.raises(ValueError, match="1-D"):
        W.w2_1d(np.zeros((2, 2)), [0.0])
    with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
        W.w2_quantization(FSQ([5, 5]), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="domain"):
        W.w2_quantization(FSQ([5]), stats.norm(), domain="code")
    with pytest.raises(ValueError, match="FSQ"):
        W.w2_quantization(ScalarQuantizer.uniform(3, 1.0), stats.norm(), domain="bounded")
    with pytest.raises(ValueError, match="m1 and m2"):
        W.w2_gaussian([0, 0], np.eye(2), [0], 1.0)
    with pytest.raises(ValueError, match="method"):
        W.w2_quantization_pot(FSQ([5]), np.zeros((10, 1)), method="sinkhorn")


def test_kernel_matches_naive_twin():
    import naive

    rng = np.random.default_rng(9)
    f = FSQ([8, 3, 5])
    sqs = f.scalar_quantizers([0.7, 1.0, 2.0])
    x = rng.normal(size=(20_000, 3))
    x[:5, 0] = sqs[0].thresholds[:5]  # ties go to the upper cell in both
    ours = W._sample_sse(sqs, x)
    ref = naive.quantization_sse(x, [sq.thresholds for sq in sqs], [sq.points for sq in sqs])
    assert ours == pytest.approx(ref, rel=1e-12)
    assert W.w2_quantization(f, x, scale=[0.7, 1.0, 2.0], squared=True) == pytest.approx(
        ref / x.shape[0], rel=1e-12)
    with pytest.raises(ValueError, match="source contains 10 non-finite"):
        W.w2_quantization(f, np.where(np.arange(3) == 1, np.nan, x[:10]))


@pytest.mark.slow
def test_figure_w2_levels_regenerates(tmp_path):
    from fsq_theory.figures import make_figure

    paths = make_figure("w2_levels", outdir=tmp_path, quick=True, seed=0)
    assert all(p.stat().st_size > 0 for p in paths.values())


def test_package_sources_are_accepted():
    from fsq_theory.sources import GaussianSource

    src = GaussianSource(cov=[[1.0, 0.6], [0.6, 2.0]])
    f = FSQ([5, 8])
    got = W.w2_quantization(f, src, decoder="centroid", squared=True)
    marg = [stats.norm(0, 1.0), stats.norm(0, math.sqrt(2.0))]
    assert got == pytest.approx(W.w2_quantization(f, marg, decoder="centroid",
                                                  squared=True), rel=1e-12)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
def test_infinite_second_moment():
    assert W.w2_1d(stats.cauchy(), stats.norm()) == math.inf
    assert W.w2_1d([0.0, 1.0], stats.t(2)) == math.inf
    # two laws without a variance can still be at finite distance: a shift by 0.5
    assert W.w2_1d(stats.cauchy(), stats.cauchy(0.5), squared=True) == pytest.approx(0.25,
                                                                                     rel=1e-6)


def test_geometry_docstring_examples_and_light_imports():
    import doctest
    import subprocess
    import sys

    from fsq_theory.geometry import _fisher as fisher
    from fsq_theory.geometry import _information as information
    from fsq_theory.geometry import _wasserstein as wasserstein

    for module in (wasserstein, fisher, information):
        res = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
        assert res.failed == 0, module.__name__
    # they will be re-exported by fsq_theory/__init__: importing them must not pull in POT or
    # matplotlib
    code = ("import sys, fsq_theory; "
            "print(sorted(m for m in ('ot', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
