"""Tests of fsq_theory.information against an independent library, closed forms and Monte Carlo."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fsq_theory import FSQ, ScalarQuantizer
import fsq_theory.geometry as I
from fsq_theory.geometry import _information_flow as F
from fsq_theory.cells import cell_probabilities
from fsq_theory.geometry._information import _grassberger_G

REF = json.loads((Path(__file__).parent / "reference" /
                  "geometry_entropy_estimators.json").read_text())
PAIRS = [("plugin", "discrete"), ("miller_madow", "miller_madow"),
         ("grassberger1988", "grassberger"), ("chao_shen", "chao_shen")]


@pytest.mark.parametrize("row", REF, ids=lambda r: str(r["counts"]))
def test_estimators_match_infomeasure(row):
    # tests/reference/geometry_entropy_estimators.py: infomeasure 0.6.3, nats
    c = np.array(row["counts"])
    for ours, theirs in PAIRS:
        assert I.entropy(c, estimator=ours, base=math.e) == pytest.approx(row[theirs], abs=1e-12)


def test_grassberger_2003_G_matches_published_recursion():
    # Grassberger (2003), eqs. (30)-(31): G_1 = -gamma - ln 2, G_2 = 2 - gamma - ln 2,
    # G_{2n+1} = G_{2n}, G_{2n+2} = G_{2n} + 2/(2n+1)
    g = [None, -np.euler_gamma - math.log(2), 2 - np.euler_gamma - math.log(2)]
    for m in range(3, 41):
        g.append(g[m - 1] if m % 2 else g[m - 2] + 2 / (m - 1))
    np.testing.assert_allclose(_grassberger_G(np.arange(1, 41, dtype=float)), g[1:],
                               rtol=1e-13)


def test_jackknife_matches_explicit_leave_one_out():
    c = np.array([4, 1, 2, 0, 7])
    data = np.repeat(np.arange(c.size), c)
    N = data.size
    loo = [I.entropy(np.bincount(np.delete(data, j), minlength=c.size), base=math.e)
           for j in range(N)]
    expected = N * I.entropy(c, base=math.e) - (N - 1) * np.mean(loo)
    assert I.entropy(c, estimator="jackknife", base=math.e) == pytest.approx(expected, rel=1e-12)


def test_plugin_pmf_and_base():
    p = np.array([0.5, 0.25, 0.125, 0.125])
    assert I.entropy(p) == pytest.approx(1.75, abs=1e-15)
    assert I.entropy(p, base=math.e) == pytest.approx(stats.entropy(p), rel=1e-14)
    assert I.perplexity(np.full(8, 1 / 8)) == pytest.approx(8.0)
    assert I.perplexity(np.array([3, 3, 3])) == pytest.approx(3.0)


def test_bias_corrections_reduce_bias_when_undersampled():
    rng = np.random.default_rng(0)
    p = 1 / np.arange(1, 51)
    p /= p.sum()
    H = stats.entropy(p)
    draws = rng.multinomial(100, p, size=400)
    bias = {e: np.mean([I.entropy(d, estimator=e, base=math.e) for d in draws]) - H
            for e in I.ENTROPY_ESTIMATORS}
    se = 0.2 / math.sqrt(400)  # per-draw sd of the estimators here is below 0.2 nats
    assert bias["plugin"] < -0.2  # the plug-in is biased low by ~(K-1)/2N
    for e in ("miller_madow", "grassberger", "grassberger1988", "chao_shen", "jackknife"):
        assert abs(bias[e]) < abs(bias["plugin"]) - 3 * se, e


def test_analytic_and_bootstrap_intervals_cover():
    rng = np.random.default_rng(1)
    p = np.array([0.4, 0.3, 0.15, 0.1, 0.05])
    H = stats.entropy(p, base=2)
    hits_a = hits_b = 0
    reps = 200
    for _ in range(reps):
        c = rng.multinomial(2000, p)
        a = I.entropy_estimate(c, estimator="miller_madow")
        b = I.entropy_estimate(c, estimator="miller_madow", method="bootstrap", n_bootstrap=200,
                               rng=rng)
        hits_a += a.low <= H <= a.high
        hits_b += b.low <= H <= b.high
        assert abs(a.stderr - b.stderr) < 0.35 * a.stderr
    # binomial(200, 0.95): sd 0.015; allow 3.5 sd
    assert abs(hits_a / reps - 0.95) < 0.055
    assert abs(hits_b / reps - 0.95) < 0.055


def test_mutual_information_and_kl():
    e = 0.11  # binary symmetric channel, uniform input: I = 1 - h2(e)
    joint = 0.5 * np.array([[1 - e, e], [e, 1 - e]])
    h2 = -e * math.log2(e) - (1 - e) * math.log2(1 - e)
    assert I.mutual_information(joint) == pytest.approx(1 - h2, rel=1e-13)
    indep = np.outer([0.3, 0.7], [0.2, 0.5, 0.3])
    assert I.mutual_information(indep) == pytest.approx(0, abs=1e-15)
    counts = np.array([[30, 5], [4, 61]])
    pj = counts / counts.sum()
    hx, hy = stats.entropy(pj.sum(1), base=2), stats.entropy(pj.sum(0), base=2)
    assert I.mutual_information(counts) == pytest.approx(
        hx + hy - stats.entropy(pj.ravel(), base=2), rel=1e-12)
    mm = I.mutual_information(counts, estimator="miller_madow")
    assert mm == pytest.approx(I.mutual_information(counts) + (1 + 1 - 3) / (2 * 100) / math.log(2))
    p, q = np.array([0.2, 0.5, 0.3]), np.array([0.1, 0.6, 0.3])
    assert I.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q, base=2), rel=1e-13)
    assert I.kl_divergence([0.5, 0.5], [1.0, 0.0]) == math.inf


def test_usage():
    assert I.codebook_usage(np.array([3, 0, 1, 0])) == 0.5
    p = np.array([0.7, 0.2, 0.09, 0.01])
    rng = np.random.default_rng(2)
    sims = [np.mean(rng.multinomial(50, p) > 0) for _ in range(4000)]
    assert I.expected_codebook_usage(p, 50) == pytest.approx(np.mean(sims),
                                                             abs=4 * np.std(sims) / 63)


def test_information_flow_deterministic_is_cell_entropy():
    f = FSQ([5, 8])
    flow = I.information_flow(f, stats.norm(), scale=0.8)
    ent = sum(I.entropy(cell_probabilities(sq, stats.norm())) for sq in f.scalar_quantizers(0.8))
    assert flow.h_z_given_x == 0.0
    assert flow.mutual_information == pytest.approx(ent, rel=1e-13)
    assert flow.rate == pytest.approx(math.log2(40))


@pytest.mark.parametrize("noise", ["gaussian", "uniform"])
def test_information_flow_identity_and_bounds(noise):
    flow = I.information_flow(FSQ([6]), stats.norm(0.2, 1.0), noise=noise, noise_scale=0.25,
                              scale=1.3)
    ch = F._channels(FSQ([6]), 1.3, noise, 0.25, "latent")[0]
    kl = F._mi_kl_form(ch, stats.norm(0.2, 1.0), flow.pmfs[0]) / math.log(2)
    assert flow.mutual_information == pytest.approx(kl, abs=1e-9)  # H(Z) - H(Z|X) = E D(.||p_Z)
    assert 0 < flow.h_z_given_x
    assert 0 <= flow.mutual_information <= min(flow.h_z, flow.rate, flow.capacity_bound)


def test_gaussian_noise_closed_form_pz_matches_quadrature():
    f = FSQ([7])
    exact = I.information_flow(f, stats.norm(), noise="gaussian", noise_scale=0.4, scale=2.0)
    near = stats.truncnorm(-30, 30)  # numerically N(0,1), but takes the quadrature path
    quad = I.information_flow(f, near, noise="gaussian", noise_scale=0.4, scale=2.0)
    np.testing.assert_allclose(exact.pmfs[0], quad.pmfs[0], atol=1e-10)
    assert exact.h_z_given_x == pytest.approx(quad.h_z_given_x, abs=1e-10)


def test_empirical_matches_exact_within_stderr():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 2))
    f = FSQ([5, 4])
    for noise in (None, "gaussian", "uniform"):
        e = I.information_flow_empirical(f, x, noise=noise, noise_scale=0.3, scale=1.2)
        t = I.information_flow(f, stats.norm(), noise=noise, noise_scale=0.3, scale=1.2)
        assert abs(e.mutual_information - t.mutual_information) < 4 * e.stderr, noise
        assert e.h_z - e.h_z_given_x == pytest.approx(e.mutual_information, abs=1e-9)
    # chunking does not change the result
    a = I.information_flow_empirical(f, x[:300], noise="gaussian", noise_scale=0.3, chunk_size=7)
    b = I.information_flow_empirical(f, x[:300], noise="gaussian", noise_scale=0.3)
    assert a.mutual_information == pytest.approx(b.mutual_information, rel=1e-12)


def test_empirical_correlated_dimensions_below_sum_of_marginals():
    rng = np.random.default_rng(4)
    x = rng.multivariate_normal([0, 0], [[1, 0.95], [0.95, 1]], size=3000)
    e = I.information_flow_empirical(FSQ([5, 5]), x, scale=1.5)
    assert e.h_z < e.h_z_dims.sum() - 0.5  # redundancy between correlated token dimensions


@pytest.mark.parametrize("call, err, msg", [
    (lambda: I.entropy(np.array([1, 2]), estimator="nsb2"), ValueError, "estimator must be one"),
    (lambda: I.entropy([0.5, 0.2]), ValueError, "sum to 1"),
    (lambda: I.entropy([0.5, 0.5], estimator="grassberger"), ValueError, "needs integer counts"),
    (lambda: I.entropy(np.array([2, -1])), ValueError, "counts must be >= 0"),
    (lambda: I.entropy(np.array([0, 0])), ValueError, "must not all be zero"),
    (lambda: I.entropy([0.5, 0.5], base=1), ValueError, "base must be != 1"),
    (lambda: I.entropy(["a"]), TypeError, "counts_or_pmf"),
    (lambda: I.mutual_information(np.array([1, 2])), ValueError, "2-D"),
    (lambda: I.kl_divergence([0.5, 0.5], [1 / 3] * 3), ValueError, "same shape"),
    (lambda: I.information_flow(FSQ([5]), stats.norm(), noise="laplace"), ValueError, "noise"),
    (lambda: I.information_flow(FSQ([5]), stats.norm(), noise="gaussian", noise_scale=-1),
     ValueError, "noise_scale"),
    (lambda: I.information_flow_empirical(FSQ([5, 5]), np.zeros((5, 3))), ValueError, "shape"),
    (lambda: I.entropy_estimate(np.array([3, 4]), method="exact"), ValueError, "method"),
])
def test_bad_inputs(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_correlated_source_refused_for_exact_flow():
    from fsq_theory.sources import GaussianSource

    src = GaussianSource(cov=[[1.0, 0.5], [0.5, 1.0]])
    with pytest.raises(ValueError, match="independent dimensions"):
        I.information_flow(FSQ([5, 5]), src)
    ok = I.information_flow(FSQ([5, 5]), GaussianSource([1.0, 2.0]))
    assert ok.h_z > 0
    from fsq_theory.sources import EmpiricalSource

    emp = EmpiricalSource(np.zeros((10, 2)))
    with pytest.raises(TypeError, match="information_flow_empirical"):
        I.information_flow(FSQ([5, 5]), emp)


@pytest.mark.slow
def test_figure_information_flow_regenerates(tmp_path):
    from fsq_theory.figures import make_figure

    paths = make_figure("information_flow", outdir=tmp_path, quick=True, seed=0)
    assert all(p.stat().st_size > 0 for p in paths.values())


@pytest.mark.parametrize("levels, symmetric", [([7], False), ([6], False), ([5], True)])
def test_bounded_domain_noise_matches_simulation_through_the_encoder(levels, symmetric):
    # simulate noise substitution with the package's own FSQ bound: level units, add noise,
    # round as the reference does, and compare the token frequencies with the exact p_Z
    f = FSQ(levels, symmetric=symmetric)
    L = levels[0]
    sigma = 1 / math.sqrt(12)  # uniform noise spanning exactly one rounding step
    exact = I.information_flow(f, stats.norm(), noise="uniform", noise_scale=sigma, scale=1.2,
                               noise_domain="bounded")
    rng = np.random.default_rng(11)
    n = 400_000
    b = f.bound(1.2 * rng.normal(size=(n, 1)))[:, 0]  # code units
    u = rng.uniform(-0.5, 0.5, size=n)
    if symmetric:
        k = np.floor((L - 1) * (b + 1) / 2 + 0.5 + u)
    else:
        k = np.rint(b * (L // 2) + u) + L // 2
    k = np.clip(k, 0, L - 1).astype(int)
    freq = np.bincount(k, minlength=L) / n
    se = np.sqrt(exact.pmfs[0] * (1 - exact.pmfs[0]) / n)
    assert np.all(np.abs(freq - exact.pmfs[0]) < 4.5 * se + 1e-12)
    assert exact.h_z_given_x > 0
    emp = I.information_flow_empirical(f, rng.normal(size=3000), noise="uniform",
                                       noise_scale=sigma, scale=1.2, noise_domain="bounded")
    assert abs(emp.mutual_information - exact.mutual_information) < 4 * emp.stderr


def test_bounded_domain_small_noise_tends_to_deterministic():
    f = FSQ([8])
    det = I.information_flow(f, stats.norm(), scale=0.9)
    tiny = I.information_flow(f, stats.norm(), noise="gaussian", noise_scale=1e-6, scale=0.9,
                              noise_domain="bounded")
    assert tiny.mutual_information == pytest.approx(det.mutual_information, abs=1e-4)
    with pytest.raises(ValueError, match="noise_domain"):
        I.information_flow(f, stats.norm(), noise_domain="code")
    with pytest.raises(ValueError, match="needs an FSQ"):
        I.information_flow(ScalarQuantizer.uniform(3, 1.0), stats.norm(), noise="gaussian",
                           noise_scale=0.1, noise_domain="bounded")


def test_one_step_dither_costs_half_over_ln2_bits():
    # subtractive-dither folklore, exact here: uniform noise spanning one step of a uniform
    # quantizer splits x between two cells with probabilities (F, 1-F), F = fractional position;
    # for a source wide compared to the step F ~ U(0,1), so H(Z|X) = E h2(U) = 1/(2 ln 2) bits
    sq = ScalarQuantizer.uniform(21, 1.0)
    flow = I.information_flow(sq, stats.norm(0.1, 1.5), noise="uniform",
                              noise_scale=1 / math.sqrt(12))
    assert flow.h_z_given_x == pytest.approx(1 / (2 * math.log(2)), abs=1e-9)
    # FSQ with one-step noise substitution in the bounded domain: close to it (the fractional
    # position of the bounded latent within a step is nearly uniform)
    gaps = [I.information_flow(FSQ([L]), stats.norm(), noise="uniform",
                               noise_scale=1 / math.sqrt(12), noise_domain="bounded").h_z_given_x
            - 1 / (2 * math.log(2)) for L in (5, 16)]
    assert max(abs(g) for g in gaps) < 5e-3


def test_stream_stats_counts_feed_the_estimators():
    from fsq_theory.sources import GaussianSource
    from fsq_theory.stats import stream_stats

    f = FSQ([5, 4])
    st = stream_stats(f, GaussianSource(dim=2), 200_000, rng=3)
    exact = I.information_flow(f, stats.norm()).h_z
    est = I.entropy_estimate(st.counts, estimator="miller_madow")
    assert abs(est.value - exact) < 4 * est.stderr
    assert I.entropy(st.counts) == pytest.approx(st.entropy_bits, rel=1e-12)
    assert I.perplexity(st.counts) == pytest.approx(st.perplexity, rel=1e-9)
