"""Tests of fsq_theory.empirical: the R(D) sandwich, k-NN entropy, particles, level advice."""

import naive_empirical as naive
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import toeplitz

from fsq_theory._kernels import particles as K
from fsq_theory.empirical import knn_entropy, rd_sandwich, sample_size_curve
from fsq_theory.empirical._particles import particle_slopes
from fsq_theory.rate_distortion import gauss_markov_rd, reverse_water_filling

FAST = dict(n_particles=48, n_steps=10, n_bins=64, n_slopes=12, n_batches=8)


def _cov(d, seed):
    A = np.random.default_rng(seed).standard_normal((d, d))
    return A @ A.T / d + 0.2 * np.eye(d)


def _exact(cov, D):
    lam = np.linalg.eigvalsh(cov)
    return np.array([reverse_water_filling(lam, D=float(t)).total_rate for t in np.atleast_1d(D)])


# ---------------------------------------------------------------------------------- kernels
def test_kernels_match_naive_twins():
    gen = np.random.default_rng(0)
    X = gen.standard_normal((300, 3))
    Y = gen.standard_normal((17, 3))
    logw = np.log(gen.dirichlet(np.ones(17)))
    logw[3] = -np.inf  # a particle without weight
    bs = 1.7
    logZ = np.empty(300)
    c = np.zeros(17)
    S = np.zeros((17, 3))
    dsum = K.gibbs_pass(X, Y, logw, bs, True, logZ, c, S)
    nz, nc, nS, nd = naive.gibbs_pass(X, Y, logw, bs)
    np.testing.assert_allclose(logZ, nz, rtol=1e-12)
    np.testing.assert_allclose(c, nc, rtol=1e-10)
    np.testing.assert_allclose(S, nS, rtol=1e-10, atol=1e-12)
    assert dsum == pytest.approx(nd, rel=1e-12)
    P = gen.standard_normal((9, 3))
    out = np.zeros(9)
    K.c_at(X, logZ, P, bs, out)
    np.testing.assert_allclose(out, naive.c_at(X, logZ, P, bs), rtol=1e-10)
    a = gen.standard_normal(300)
    ms = np.empty_like(P)
    K.mean_shift(X, a, P, bs, ms)
    np.testing.assert_allclose(ms, naive.mean_shift(X, a, P, bs), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------- k-NN entropy
@pytest.mark.parametrize("d, n", [(1, 5000), (2, 10000), (3, 20000)])
def test_knn_entropy_gaussian_closed_form(d, n):
    cov = _cov(d, 1)
    x = np.random.default_rng(2).multivariate_normal(np.zeros(d), cov, size=n)
    e = knn_entropy(x, rng=3)
    exact = 0.5 * np.log2(np.linalg.det(2 * np.pi * np.e * cov))
    # tolerance from the standard error at this fixed seed (the bias in d <= 3 is below 1 SE)
    assert abs(e.value - exact) <= 4 * e.stderr
    assert e.low < e.value < e.high


def test_knn_entropy_gaussian_calibration_in_high_dimension():
    d, n = 8, 6000
    cov = _cov(d, 4)
    x = np.random.default_rng(5).multivariate_normal(np.zeros(d), cov, size=n)
    exact = 0.5 * np.log2(np.linalg.det(2 * np.pi * np.e * cov))
    raw = knn_entropy(x, rng=6)
    cal = knn_entropy(x, rng=6, bias_correction="gaussian")
    assert abs(cal.value - exact) <= 4 * cal.stderr + 0.1  # + sample log-det error ~ d/sqrt(n)
    assert abs(cal.value - exact) < abs(raw.value - exact)


def test_knn_entropy_refuses_duplicates_and_bad_input():
    x = np.repeat(np.arange(50.0), 5)[:, None]
    with pytest.raises(ValueError, match="duplicates"):
        knn_entropy(x)
    with pytest.raises(ValueError, match="k must be"):
        knn_entropy(np.random.default_rng(0).standard_normal((20, 2)), k=20)
    with pytest.raises(ValueError, match="bias_correction"):
        knn_entropy(np.random.default_rng(0).standard_normal((20, 2)), bias_correction="x")


# ---------------------------------------------------------------------------------- sandwich
def _contains(s, exact_fn):
    df = s.to_frame()
    for D, g in df.groupby("distortion"):
        ex = float(exact_fn(D))
        up = g[(g.kind == "upper") & (g.target == "source")]
        lo = g[(g.kind == "lower") & (g.target == "source")]
        assert (ex <= up["high_bits"] + 1e-9).all(), (D, ex, up)
        assert (ex >= lo["low_bits"] - 1e-9).all(), (D, ex, lo)


def test_sandwich_contains_gaussian_closed_form():
    d = 4
    cov = _cov(d, 7)
    x = np.random.default_rng(8).multivariate_normal(np.zeros(d), cov, size=8000)
    # the stated intervals at 99%: 8 distortions x 3 bounds are checked at one seed
    s = rd_sandwich(x, bounds=("gaussian", "separable", "shannon"), rng=9, confidence=0.99,
                    **FAST)
    _contains(s, lambda D: _exact(cov, D)[0])


def test_sandwich_contains_gauss_markov_block_closed_form():
    d, rho = 4, 0.8
    cov = toeplitz(rho ** np.arange(d))
    gen = np.random.default_rng(10)
    # blocks of d consecutive samples of the stationary AR(1) process
    e = gen.standard_normal((6000, d))
    x = np.empty_like(e)
    x[:, 0] = e[:, 0]
    for t in range(1, d):
        x[:, t] = rho * x[:, t - 1] + np.sqrt(1 - rho * rho) * e[:, t]
    s = rd_sandwich(x, bounds=("gaussian", "separable", "shannon"), rng=11, confidence=0.99,
                    **FAST)
    _contains(s, lambda D: _exact(cov, D)[0])
    # a block codes no better than the whole process: R_block(D)/d >= R_process(D)
    for D in s.distortions:
        assert _exact(cov, D)[0] / d >= gauss_markov_rd(D, rho) - 1e-12


def test_sandwich_narrows_with_n():
    d = 3
    cov = _cov(d, 12)
    x = np.random.default_rng(13).multivariate_normal(np.zeros(d), cov, size=32000)
    Ds = np.array([0.1, 0.2, 0.4]) * np.trace(cov) / d
    widths = []
    for n in (2000, 32000):
        df = rd_sandwich(x[:n], Ds, bounds=("gaussian", "shannon"), rng=14,
                         n_batches=8).to_frame()
        up = df[df.bound == "gaussian"].set_index("distortion")["high_bits"]
        lo = df[df.bound == "shannon"].set_index("distortion")["low_bits"]
        widths.append(float((up - lo).mean()))
    assert widths[1] < 0.6 * widths[0]


def test_lower_below_upper_and_particle_bounds_ordered():
    d = 2
    cov = _cov(d, 15)
    x = np.random.default_rng(16).multivariate_normal(np.zeros(d), cov, size=3000)
    s = rd_sandwich(x, rng=17, **FAST)
    df = s.to_frame()
    for D, g in df.groupby("distortion"):
        emp_lo = g[(g.kind == "lower") & (g.target == "empirical")]["value_bits"].max()
        # the Gaussian and separable bounds with the sample quantities bound the empirical measure
        emp_up = g[g.kind == "upper"]["value_bits"].min()
        assert emp_lo <= emp_up + 1e-9
        src_lo = g[(g.kind == "lower") & (g.target == "source")]["low_bits"].max()
        src_up = g[(g.kind == "upper") & (g.target == "source")]["high_bits"].min()
        assert src_lo <= src_up
    assert set(df.bound) == {"gaussian", "separable", "particles", "shannon", "dual"}
    assert (df.value_bits_per_dim * d == df.value_bits).all()


def test_particle_lagrangian_monotone_and_bounds_ordered():
    gen = np.random.default_rng(18)
    x = gen.standard_normal((2000, 2)) * [1.5, 0.7]
    res = particle_slopes(x, np.array([1.0, 3.0, 8.0]), n_particles=48, n_steps=20,
                          batch_size=None, lr=1.0, ba_weights=True, gen=gen)
    for r in res:
        # full-batch: an EM iteration, the Lagrangian never increases
        assert (np.diff(r.trace[:20]) <= 1e-10).all()
        assert r.rate <= r.lagrangian_rate + 1e-12
        dual_at = r.dual_intercept - r.beta * r.distortion / np.log(2)
        assert dual_at <= r.rate + 1e-9
        assert r.sup_c >= 1.0
    # minibatch: decreasing in expectation (compare the first and last quarters)
    res = particle_slopes(x, np.array([3.0]), n_particles=48, n_steps=40, batch_size=256,
                          lr=0.5, ba_weights=True, gen=np.random.default_rng(19), n_augment=0)
    t = res[0].trace
    assert t[-10:].mean() < t[:10].mean()


def test_gap_operating_point_above_lower_bounds():
    from fsq_theory.quantizer import FSQ

    d = 3
    cov = _cov(d, 20)
    x = np.random.default_rng(21).multivariate_normal(np.zeros(d), cov, size=4000)
    s = rd_sandwich(x, rng=22, **FAST)
    fsq = FSQ([5, 5, 5])
    scale = 1.0 / np.sqrt(np.diag(cov))
    codes = fsq.quantize(x * scale) / scale  # grid decoder mapped back to the data's units
    D = float(((x - codes) ** 2).mean())
    g = s.gap(fsq.rate_bits, D)
    assert (g[g.kind == "lower"]["bits_above"] >= 0).all()
    with pytest.raises(ValueError, match="same 1-D shape"):
        s.gap([1.0, 2.0], [0.1])


def test_same_seed_same_result_and_validation():
    x = np.random.default_rng(23).standard_normal((600, 2))
    a = rd_sandwich(x, rng=5, **FAST).to_frame()
    b = rd_sandwich(x, rng=5, **FAST).to_frame()
    assert a.equals(b)
    with pytest.raises(ValueError, match="bounds"):
        rd_sandwich(x, bounds=("nope",))
    with pytest.raises(ValueError, match="'dual' needs"):
        rd_sandwich(x, bounds=("dual",))
    with pytest.raises(ValueError, match="n_batches"):
        rd_sandwich(x, n_batches=1)
    with pytest.raises(ValueError, match="distortions"):
        rd_sandwich(x, [0.0])
    with pytest.raises(ValueError, match="shape"):
        rd_sandwich(np.zeros((4, 4, 4)))


def test_sample_size_curve_nested():
    x = np.random.default_rng(24).standard_normal((3200, 2))
    df = sample_size_curve(x, [0.3], bounds=("gaussian", "shannon"), rng=0)
    assert sorted(set(df.n)) == [400, 800, 1600, 3200]
    w = df[df.bound == "gaussian"].assign(width=lambda f: f.high_bits - f.low_bits)
    assert w.width.iloc[-1] < w.width.iloc[0]


# ---------------------------------------------------------------------------------- level advice
def _non_gaussian(n, seed):
    gen = np.random.default_rng(seed)
    # bimodal, uniform and Laplace marginals at different scales
    a = gen.choice([-1.0, 1.0], size=n) * 1.5 + 0.3 * gen.standard_normal(n)
    b = gen.uniform(-1.0, 1.0, n)
    c = gen.laplace(scale=0.4, size=n)
    return np.column_stack([a, b, c])


@pytest.mark.parametrize("decoder", ["grid", "centroid"])
def test_empirical_levels_beat_gaussian_assumption_on_non_gaussian_data(decoder):
    from fsq_theory.empirical import best_gain_per_dimension, empirical_optimal_levels
    from fsq_theory.quantizer import FSQ
    from fsq_theory.rate_distortion import optimal_levels

    x = _non_gaussian(6000, 30)
    budget = 240
    emp = empirical_optimal_levels(x, codebook_size=budget, decoder=decoder, top=3)
    for lv in emp.levels:
        FSQ(lv)  # default mode accepts every recommendation
        assert 2 not in lv
    assert (emp.codebook_size <= budget).all()
    assert emp.mse.is_monotonic_increasing
    gauss = optimal_levels(budget, x.var(axis=0), top=50, max_level=64, decoder=decoder)
    valid = [lv for lv in gauss.levels if 2 not in lv]
    mse_g = best_gain_per_dimension(x, valid[0], decoder=decoder).mean_mse
    # exact search over a set that contains the Gaussian-model choice
    assert emp.mse.iloc[0] <= mse_g + 1e-12
    # and the reported mse is what the data give at the reported gains
    fsq = FSQ(emp.levels.iloc[0])
    g = np.array(emp.gains.iloc[0])
    if decoder == "grid":
        sqs = fsq.scalar_quantizers(g)
        xh = np.column_stack([sqs[k].quantize(x[:, k]) for k in range(3)])
        assert float(((x - xh) ** 2).mean()) == pytest.approx(emp.mse.iloc[0], rel=1e-9)


def test_empirical_levels_modes_and_errors():
    from fsq_theory.empirical import best_gain_per_dimension, empirical_optimal_levels
    from fsq_theory.quantizer import FSQ

    x = _non_gaussian(2000, 31)[:, :2]
    sym = empirical_optimal_levels(x, bits=3, symmetric=True, decoder="centroid")
    for lv in sym.levels:
        FSQ(lv, symmetric=True)
    assert (sym.codebook_size <= 8).all()
    with pytest.raises(ValueError, match="cannot hold"):
        empirical_optimal_levels(x, bits=3)  # 3 x 3 > 8 in default mode
    with pytest.raises(ValueError, match="min_level"):
        empirical_optimal_levels(x, codebook_size=64, min_level=2)
    with pytest.raises(ValueError, match="exactly one"):
        empirical_optimal_levels(x, codebook_size=64, bits=6)
    with pytest.raises(ValueError, match="symmetric"):
        empirical_optimal_levels(x, codebook_size=64, symmetric=True, decoder="grid")
    with pytest.raises(ValueError, match="levels"):
        best_gain_per_dimension(x, [2, 5])  # refused by FSQ in default mode
    with pytest.raises(ValueError, match="columns"):
        best_gain_per_dimension(x, [5, 5, 5])


def test_best_gain_is_a_minimum():
    from fsq_theory.empirical import best_gain_per_dimension
    from fsq_theory.quantizer import FSQ

    x = _non_gaussian(3000, 32)
    fit = best_gain_per_dimension(x, [7, 5, 5])
    sqs = FSQ([7, 5, 5]).scalar_quantizers(fit.gains)

    def mse(k, g):
        sq = FSQ([(7, 5, 5)[k]]).scalar_quantizers(g)[0]
        return float(((x[:, k] - sq.quantize(x[:, k])) ** 2).mean())

    for k in range(3):
        assert mse(k, fit.gains[k]) == pytest.approx(fit.mse[k], rel=1e-9)
        for f in (0.97, 1.03):
            assert mse(k, fit.gains[k] * f) >= fit.mse[k] - 1e-12
    assert len(sqs) == 3


# ---------------------------------------------------------------------------------- the check
def _small_sandwich_and_points():
    from fsq_theory.checks.empirical import _gaps
    from fsq_theory.empirical import fsq_operating_points

    x = _non_gaussian(3000, 40)
    s = rd_sandwich(x, rng=41, **FAST)
    pts = fsq_operating_points(x, [(5, 5, 5), (3, 3, 3)], decoder="centroid")
    return s, pts, _gaps(s, pts)


def test_check_margins_hold_and_planted_errors_fail():
    from fsq_theory.checks.empirical import sandwich_margins

    s, _, gaps = _small_sandwich_and_points()
    frame = s.to_frame()
    m = sandwich_margins(frame, gaps)
    assert m["order"] >= 0 and m["points"] >= 0
    # planted: an upper bound halved falls below a lower bound
    bad = frame.copy()
    up = bad.bound == "gaussian"
    bad.loc[up, ["value_bits", "low_bits", "high_bits"]] *= 0.5
    assert sandwich_margins(bad, gaps)["order"] < 0
    # planted: an operating point whose rate is 1 bit below the tightest lower bound
    low = gaps[gaps.kind == "lower"]
    k = int(np.argmax(low.bound_bits.to_numpy()))
    point = low.iloc[k]
    g2 = s.gap(point.bound_bits - 1.0, point.distortion)
    assert sandwich_margins(frame, g2)["points"] < 0


@pytest.mark.slow
def test_check_on_real_latents_passes():
    from fsq_theory.checks import run_checks

    rep = run_checks(["empirical_sandwich_real_latents"])
    assert rep.passed, rep.to_frame().detail.tolist()


def test_knn_brute_force_matches_tree_and_subsample_cap():
    from scipy.spatial import cKDTree

    from fsq_theory.empirical._knn import _kth_brute

    x = np.random.default_rng(50).standard_normal((2000, 8))
    q = np.arange(0, 2000, 3)
    np.testing.assert_allclose(_kth_brute(x, 3, q), cKDTree(x).query(x[q], k=4)[0][:, -1],
                               rtol=1e-12)
    e = knn_entropy(x, max_points=500, rng=0)
    assert e.n == 500 and e.n_queries == 500


@pytest.mark.parametrize("name", ["_knn", "_sandwich", "_levels", "_operating"])
def test_docstring_examples(name):
    import doctest
    import importlib

    mod = importlib.import_module(f"fsq_theory.empirical.{name}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


@given(seed=st.integers(0, 2 ** 31), d=st.integers(1, 3), n=st.integers(200, 800))
@settings(max_examples=6, deadline=None)
def test_dual_lower_bound_below_every_upper_bound(seed, d, n):
    gen = np.random.default_rng(seed)
    x = gen.standard_normal((n, d)) @ gen.standard_normal((d, d)) + 0.1 * gen.standard_normal((n, d))
    if gen.random() < 0.5:  # heavy tails
        x = x * np.exp(gen.standard_normal((n, 1)))
    s = rd_sandwich(x, bounds=("gaussian", "particles", "dual"), n_particles=16, n_steps=5,
                    n_batches=0, rng=seed)
    df = s.to_frame()
    for _, g in df.groupby("distortion"):
        lo = g[g.kind == "lower"]["value_bits"].max()
        assert lo <= g[g.kind == "upper"]["value_bits"].min() + 1e-9
