"""FSQ bottleneck: bounds, exact token law, exact expected excess, experiment."""

import math

import numpy as np
import pytest
from scipy import stats

from fsq_theory import FSQ
from fsq_theory.coding import (bottleneck_cell_bound, bottleneck_experiment,
                               bottleneck_union_bound, finite_class_bound, mixture_token_joint,
                               token_erm_expected_excess)

from naive_bottleneck import expected_excess as naive_expected_excess


def test_union_bound_is_finite_class_bound_of_all_token_maps():
    # |G| = |Y|^|C|: the finite-class bound with ln|G| = |C| ln|Y|
    for C, Y, n in [(4, 2, 100), (9, 3, 500), (16, 2, 50)]:
        assert bottleneck_union_bound(C, n, n_labels=Y, delta=0.1) == pytest.approx(
            finite_class_bound(Y ** C, n, delta=0.1), rel=1e-14)


def test_cell_bound_formula():
    rng = np.random.default_rng(0)
    joint = rng.random((7, 2))
    joint /= joint.sum()
    p, D = joint.sum(1), joint[:, 1] - joint[:, 0]
    for n in (3, 300, 30_000):  # caps |D_k| bind at small n, estimation terms at large n
        e = np.minimum(np.abs(D), np.sqrt((p - D ** 2) / n)).sum()
        assert bottleneck_cell_bound(joint, n, delta=None) == pytest.approx(e, rel=1e-14)
        assert bottleneck_cell_bound(joint, n, delta=0.01) == pytest.approx(
            e + math.sqrt(2 * math.log(100) / n), rel=1e-14)
    assert bottleneck_cell_bound(joint, 3, delta=None) == pytest.approx(np.abs(D).sum())
    # three labels: min(max - min, sum_y sqrt(pi (1 - pi) / n)) per token
    j3 = rng.random((5, 3))
    j3 /= j3.sum()
    for n in (2, 40):
        want = np.minimum(j3.max(1) - j3.min(1), np.sqrt(j3 * (1 - j3) / n).sum(1)).sum()
        assert bottleneck_cell_bound(j3, n, delta=None) == pytest.approx(want, rel=1e-14)
    # distribution-free corollary: at most (sqrt|C| + sqrt(2 ln 1/delta)) / sqrt(n)
    assert bottleneck_cell_bound(joint, 300) <= (math.sqrt(7) + math.sqrt(2 * math.log(20))) / \
        math.sqrt(300)


def test_cell_bound_holds_at_small_n_by_enumeration():
    # the expectation bound against the exact expectation (no Monte Carlo)
    joint = np.array([[0.3, 0.2], [0.05, 0.25], [0.1, 0.1]])
    for n in (1, 2, 5, 8):
        assert naive_expected_excess(joint, n) <= bottleneck_cell_bound(joint, n, delta=None)


@pytest.mark.parametrize("joint, n", [
    ([[0.3, 0.2], [0.05, 0.25], [0.1, 0.1]], 7),
    ([[0.45, 0.05], [0.0, 0.5]], 9),
    ([[0.2, 0.21], [0.3, 0.29]], 10),
])
def test_expected_excess_matches_enumeration(joint, n):
    assert token_erm_expected_excess(joint, n) == pytest.approx(
        naive_expected_excess(joint, n), rel=1e-10, abs=1e-15)


def test_expected_excess_large_n_normal_limit():
    # one token, P(Y=1) = 1/2 + a: the head errs with P(Bin(n, q) <= n/2) -> Phi(-2a sqrt n)
    a, n = 0.01, 40_000
    got = token_erm_expected_excess([[0.5 - a, 0.5 + a]], n)
    exact = 2 * a * stats.binom.cdf(n // 2, n, 0.5 + a)
    assert got == pytest.approx(exact, rel=1e-9)


def test_joint_against_multivariate_normal_cdf():
    # independent route: scipy's multivariate normal CDF on the rectangles of the cells
    levels, m, s = (3, 4), 0.8, 1.3
    fsq = FSQ(levels)
    joint = mixture_token_joint(levels, mean=m, scale=s)
    assert joint.sum() == pytest.approx(1, abs=1e-12)
    edges = [np.r_[-np.inf, sq.thresholds, np.inf] for sq in fsq.scalar_quantizers(s)]
    cells = fsq.indices_to_level_indices(np.arange(fsq.codebook_size))
    mu = m / math.sqrt(2)
    for k in (0, 5, 11):
        lo = [edges[i][cells[k, i]] for i in range(2)]
        hi = [edges[i][cells[k, i] + 1] for i in range(2)]
        for y, sign in ((0, -1), (1, 1)):
            mvn = stats.multivariate_normal(mean=[sign * mu] * 2)
            big = 50.0
            lo_c, hi_c = np.clip(lo, -big, big), np.clip(hi, -big, big)
            rect = (mvn.cdf(hi_c) - mvn.cdf([lo_c[0], hi_c[1]]) - mvn.cdf([hi_c[0], lo_c[1]])
                    + mvn.cdf(lo_c))
            assert joint[k, y] == pytest.approx(0.5 * rect, rel=1e-4, abs=1e-7)


def test_joint_matches_encoder_counts():
    # the encoder the experiment uses, on 2e5 points: counts within 5 binomial SE of n pi
    levels, m, s, N = (5, 3), 1.0, 0.7, 200_000
    fsq = FSQ(levels)
    joint = mixture_token_joint(levels, mean=m, scale=s)
    rng = np.random.default_rng(3)
    y = rng.random(N) < 0.5
    x = rng.standard_normal((N, 2)) + np.where(y[:, None], 1, -1) * m / math.sqrt(2)
    counts = np.bincount(2 * fsq.encode(s * x) + y, minlength=2 * fsq.codebook_size)
    expect = N * joint.ravel()
    assert np.all(np.abs(counts - expect) <= 5 * np.sqrt(expect * (1 - joint.ravel())) + 1)


def test_experiment_mean_matches_exact_expectation_and_bounds_hold():
    r = bottleneck_experiment([(3, 3), (8, 8), (16, 16)], [30, 120, 480], repetitions=150,
                              rng=5)
    df = r.to_frame()
    se = np.maximum(df.se_excess, 1e-12)
    z = (df.mean_excess - df.expected_excess) / se
    # 9 comparisons: |z| < 4 unless the mean is exactly 0 with a tiny expectation
    assert np.all((np.abs(z) < 4) | ((df.mean_excess == 0) & (df.expected_excess < 1e-3)))
    assert (r.excess <= r.cell_bound[..., None]).all()
    assert (r.excess <= r.union_bound[..., None]).all()
    assert (r.expected_excess <= r.expected_bound).all()
    # the per-token bound beats the union bound for many tokens
    assert (r.cell_bound[2] < r.union_bound[2]).all()
    # estimation error grows with |C| much faster than sqrt(ln|C|): 64 -> 256 tokens at n = 480
    ratio = r.expected_excess[2, 2] / r.expected_excess[1, 2]
    assert ratio > 2 * math.sqrt(math.log(256) / math.log(64))
    # token-limited Bayes risk decreases to the latent Bayes risk Phi(-m)
    assert np.all(np.diff(r.token_bayes_risk) < 0) and r.token_bayes_risk[-1] > r.bayes_risk
    assert r.bayes_risk == pytest.approx(stats.norm.cdf(-1.0), rel=1e-15)


def test_deterministic_and_bad_input():
    a = bottleneck_experiment([(3, 3)], [10, 30], repetitions=5, rng=4)
    b = bottleneck_experiment([(3, 3)], [10, 30], repetitions=5, rng=4)
    np.testing.assert_array_equal(a.excess, b.excess)
    with pytest.raises(ValueError, match="delta"):
        bottleneck_union_bound(4, 10, delta=1.0)
    with pytest.raises(ValueError, match="n_labels"):
        bottleneck_union_bound(4, 10, n_labels=1)
    with pytest.raises(ValueError, match="joint"):
        bottleneck_cell_bound([[0.5, 0.6]], 10)
    with pytest.raises(ValueError, match="joint"):
        token_erm_expected_excess(np.full((2, 3), 1 / 6), 10)
    with pytest.raises(ValueError, match="levels_list"):
        bottleneck_experiment([(3, 3), (3, 3, 3)], [10], repetitions=2)
    with pytest.raises(ValueError, match="repetitions"):
        bottleneck_experiment([(3, 3)], [10], repetitions=1)
    with pytest.raises(ValueError, match="mean"):
        mixture_token_joint([3, 3], mean=-1.0)
    with pytest.raises(ValueError, match="which"):
        a.violation_rate("bayes")


def test_reference_matches_exact_expectation_and_experiment_law():
    from fsq_theory.coding import bottleneck_reference

    levels, ns = [(3, 3), (8, 8)], [40, 300]
    ref = bottleneck_reference(levels, ns, repetitions=4000, mean=0.8, scale=1.2, rng=2)
    exp = bottleneck_experiment(levels, ns, repetitions=400, mean=0.8, scale=1.2, rng=3)
    for i in range(2):
        for j in range(2):
            e = ref[i, j]
            se = e.std(ddof=1) / math.sqrt(e.size)
            assert abs(e.mean() - exp.expected_excess[i, j]) < 4 * se + 1e-12
            # two-sample Kolmogorov-Smirnov: same law as the encoder-based runs
            # (rounded: the two sum the same regrets in different orders, last bits differ)
            assert stats.ks_2samp(np.round(e, 12), np.round(exp.excess[i, j], 12)).pvalue > 1e-3


def test_reference_bad_input():
    from fsq_theory.coding import bottleneck_reference

    with pytest.raises(ValueError, match="n_values\\[0\\]"):
        bottleneck_reference([(3, 3)], [0])
    with pytest.raises(ValueError, match="scale"):
        bottleneck_reference([(3, 3)], [10], scale=0.0)
    with pytest.raises(ValueError, match="levels_list"):
        bottleneck_reference([], [10])


@pytest.mark.parametrize("f", [
    lambda **kw: bottleneck_experiment([(3, 3)], [20], repetitions=3, **kw).excess,
    lambda **kw: __import__("fsq_theory.coding", fromlist=["x"]).bottleneck_reference(
        [(3, 3)], [20], repetitions=50, **kw),
    lambda **kw: __import__("fsq_theory.coding", fromlist=["x"]).generalization_reference(
        [(3, 3)], [20], repetitions=50, **kw),
])
def test_rng_spec7(f):
    a = f(rng=7)
    np.testing.assert_array_equal(a, f(rng=7))
    np.testing.assert_array_equal(a, f(rng=np.random.SeedSequence(7)))
    assert f(rng=np.random.default_rng(7)).shape == a.shape
    with pytest.raises(TypeError, match="rng must be"):
        f(rng=np.random.RandomState(0))
