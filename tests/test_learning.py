"""Generalization experiment: bound formula, exact risks, violation rate."""

import math

import numpy as np
import pytest

from fsq_theory import FSQ
from fsq_theory.coding import (finite_class_bound, generalization_experiment,
                               generalization_reference)


def test_bound_formula():
    # 2 sqrt((ln|C| + ln(2/delta)) / (2n)), natural logs (Hoeffding)
    assert finite_class_bound(1000, 500, delta=0.05) == pytest.approx(
        2 * math.sqrt((math.log(1000) + math.log(40)) / 1000), rel=1e-15)
    # the bound is the union-bound + Hoeffding epsilon, doubled: 2 |C| exp(-2 n eps^2) = delta
    C, n, d = 64, 300, 0.1
    eps = finite_class_bound(C, n, delta=d) / 2
    assert 2 * C * math.exp(-2 * n * eps * eps) == pytest.approx(d, rel=1e-12)


def test_exact_risk_matches_monte_carlo():
    # the closed-form risk eta + (1 - 2 eta) angle/pi against a direct simulation
    r = generalization_experiment([(3, 3)], [4000], repetitions=1, noise=0.2, angle=0.3, rng=0)
    fsq = FSQ([3, 3])
    C = fsq.codebook(dtype=np.float64)
    w = np.array([math.cos(0.3), math.sin(0.3)])
    rng = np.random.default_rng(123)
    x = rng.standard_normal((200_000, 2))
    y = np.where(x @ w >= 0, 1, -1) * np.where(rng.random(200_000) < 0.2, -1, 1)
    mc = (np.where(x @ C.T >= 0, 1, -1) != y[:, None]).mean(axis=0)
    norms = np.linalg.norm(C, axis=1)
    with np.errstate(invalid="ignore"):
        ang = np.arccos(np.clip(C @ w / norms, -1, 1))
    exact = np.where(norms > 0, 0.2 + 0.6 * ang / math.pi, 0.5)
    se = np.sqrt(exact * (1 - exact) / 200_000)
    assert np.all(np.abs(mc - exact) < 5 * se)
    assert r.excess.shape == (1, 1, 1) and r.excess.min() >= 0


def test_violation_rate_and_decay():
    r = generalization_experiment([(3, 3), (8, 8)], [20, 80, 320], repetitions=150, delta=0.1,
                                  noise=0.3, rng=2)
    df = r.to_frame()
    assert len(df) == 6
    # the theorem: violations happen with probability <= delta; the 99 % interval must allow it
    assert (df.violation_ci_low <= r.delta).all()
    assert (r.excess >= -1e-15).all()
    # excess risk decreases with n (mean over 150 runs; se-based margin)
    for size, g in df.groupby("codebook_size"):
        assert g.mean_excess.iloc[-1] < g.mean_excess.iloc[0] - 2 * g.se_excess.iloc[0]


def test_deterministic_seed():
    a = generalization_experiment([(3, 3)], [10, 30], repetitions=20, rng=4)
    b = generalization_experiment([(3, 3)], [10, 30], repetitions=20, rng=4)
    np.testing.assert_array_equal(a.excess, b.excess)


def test_bad_input():
    with pytest.raises(ValueError, match="delta must be < 1"):
        finite_class_bound(10, 10, delta=1.0)
    with pytest.raises(ValueError, match="n must be >= 1"):
        finite_class_bound(10, 0)
    with pytest.raises(ValueError, match="n_values\\[1\\] must be >= 1"):
        generalization_experiment([(3, 3)], [10, 0])
    with pytest.raises(ValueError, match="one dimension"):
        generalization_experiment([(3, 3), (3, 3, 3)], [10])
    with pytest.raises(ValueError, match="noise must be < 0.5"):
        generalization_experiment([(3, 3)], [10], noise=0.5)


def test_reference_risks_match_the_angle_formula():
    # the sector model's risks (cell probabilities x error matrix) against eta + (1-2eta) angle/pi
    from fsq_theory.coding._learning import _sector_model

    for levels, eta, theta in [((3, 3), 0.1, 0.3), ((8, 8), 0.25, -2.0), ((16, 16), 0.0, 1.1)]:
        C = FSQ(levels).codebook(dtype=np.float64)
        w = np.array([math.cos(theta), math.sin(theta)])
        prob, err = _sector_model(C, w, eta)
        assert prob.sum() == pytest.approx(1, abs=1e-14)
        norms = np.linalg.norm(C, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ang = np.arccos(np.clip(C @ w / norms, -1, 1))
        exact = np.where(norms > 0, eta + (1 - 2 * eta) * ang / math.pi, 0.5)
        np.testing.assert_allclose(prob @ err, exact, rtol=0, atol=1e-13)


def test_reference_law_matches_experiment():
    # same law of the excess risk, two code paths: every atom's frequency within 4.5 two-sample SE
    levels, ns = [(3, 3), (8, 8)], [20, 150]
    exp = generalization_experiment(levels, ns, repetitions=600, noise=0.2, rng=7).excess
    ref = generalization_reference(levels, ns, repetitions=6000, noise=0.2, rng=8)
    for i in range(2):
        for j in range(2):
            atoms = np.unique(np.round(ref[i, j], 9))
            for a in atoms:
                p = np.mean(np.abs(ref[i, j] - a) < 1e-9)
                q = np.mean(np.abs(exp[i, j] - a) < 1e-9)
                se = math.sqrt(max(p * (1 - p), 1e-4) * (1 / 600 + 1 / 6000))
                assert abs(p - q) < 4.5 * se
            # the experiment's values are atoms of the reference law (same risks, two formulas)
            near = np.min(np.abs(exp[i, j][:, None] - atoms[None, :]), axis=1) < 1e-9
            assert near.mean() > 0.99


def test_reference_bad_input():
    with pytest.raises(ValueError, match="two-dimensional"):
        generalization_reference([(3, 3, 3)], [10])
    with pytest.raises(ValueError, match="noise must be < 0.5"):
        generalization_reference([(3, 3)], [10], noise=0.5)
    with pytest.raises(ValueError, match="n_values\\[0\\] must be >= 1"):
        generalization_reference([(3, 3)], [0])
