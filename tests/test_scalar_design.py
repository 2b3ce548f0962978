"""Scalar-quantizer analysis and design against Max (1960) and an independent mpmath reference."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fsq_theory import ScalarQuantizer
from fsq_theory.rate_distortion import (entropy_constrained_uniform, lloyd_max, optimal_uniform,
                                      quantizer_performance, uniform_threshold_quantizer)

REF = json.loads((Path(__file__).parent / "reference" / "rd_scalar_gaussian.json").read_text())

# J. Max, "Quantizing for minimum distortion", IRE Trans. Inform. Theory 6(1):7-12, 1960.
# Table I (optimum quantizer, unit normal): mean squared error for N = 2, 4, 8, 16, 32, as
# printed (also reproduced in Jayant & Noll, "Digital Coding of Waveforms", 1984, Table 4.3).
MAX_TABLE_I = {2: 0.3634, 4: 0.1175, 8: 0.03454, 16: 0.009497, 32: 0.002499}
# Table II (optimum uniform quantizer, unit normal): step size and mean squared error.
MAX_TABLE_II = {
    2: (1.596, 0.3634), 3: (1.224, 0.1902), 4: (0.9957, 0.1188), 5: (0.8430, 0.08218),
    6: (0.7334, 0.06065), 7: (0.6508, 0.04686), 8: (0.5860, 0.03744), 9: (0.5338, 0.03069),
    10: (0.4908, 0.02568), 11: (0.4546, 0.02185), 12: (0.4238, 0.01885), 13: (0.3972, 0.01645),
    14: (0.3739, 0.01450), 15: (0.3534, 0.01289), 16: (0.3352, 0.01154),
}


@pytest.mark.parametrize("n", range(2, 65))
def test_lloyd_max_matches_mpmath_reference(n):
    ref = REF["lloyd_max"][str(n)]
    q = lloyd_max(n)
    mse = quantizer_performance(q).mse
    assert abs(mse - float(ref["mse"])) <= 1e-9 * float(ref["mse"])
    # thresholds: the reference holds the non-negative half of a symmetric quantizer
    t_ref = np.array([float(t) for t in ref["thresholds_positive"]])
    t_pos = q.thresholds[q.thresholds > -1e-12]
    np.testing.assert_allclose(t_pos[-t_ref.size:], t_ref, rtol=0, atol=1e-9)


@pytest.mark.parametrize("n", sorted(MAX_TABLE_I))
def test_lloyd_max_matches_max_table_I(n):
    mse = quantizer_performance(lloyd_max(n)).mse
    assert abs(mse - MAX_TABLE_I[n]) <= 3e-3 * MAX_TABLE_I[n]


@pytest.mark.parametrize("n", sorted(MAX_TABLE_II))
def test_optimal_uniform_matches_max_table_II_and_mpmath(n):
    q = optimal_uniform(n)
    step = float(np.diff(q.points)[0])
    mse = quantizer_performance(q).mse
    table_step, table_mse = MAX_TABLE_II[n]
    # 1e-4, or half a unit in the last printed digit when Max prints fewer than 4 decimals
    # (N = 2, 3: 1.596, 1.224 -- exact 1.59577, 1.22401)
    decimals = len(repr(table_step).split(".")[1])
    assert abs(step - table_step) <= max(1e-4, 0.5 * 10.0 ** -decimals)
    assert abs(mse - table_mse) <= 2e-3 * table_mse
    ref = REF["uniform"][str(n)]
    assert abs(step - float(ref["step"])) <= 1e-9 * float(ref["step"])
    assert abs(mse - float(ref["mse"])) <= 1e-9 * float(ref["mse"])


def test_two_level_closed_forms():
    # uniform, N = 2, step a: D = 1 - a sqrt(2/pi) + a^2/4, H = 1 bit
    a = 1.3
    perf = quantizer_performance(ScalarQuantizer.uniform(2, a))
    assert perf.mse == pytest.approx(1 - a * np.sqrt(2 / np.pi) + a * a / 4, rel=1e-14)
    assert perf.entropy_bits == pytest.approx(1.0, abs=1e-15)
    assert perf.fixed_rate_bits == 1.0
    # centroid reconstruction: points +-sqrt(2/pi), D = 1 - 2/pi
    c = quantizer_performance(ScalarQuantizer.uniform(2, a), decoder="centroid")
    np.testing.assert_allclose(c.points, [-np.sqrt(2 / np.pi), np.sqrt(2 / np.pi)], rtol=1e-14)
    assert c.mse == pytest.approx(1 - 2 / np.pi, rel=1e-13)
    assert len(c.to_frame()) == 2


def test_laplace_two_level_lloyd_max_through_quadrature():
    # unit-variance Laplace (b = 1/sqrt 2): thresholds {0}, points +-b, D = 2b^2 - b^2 = 1/2
    dist = stats.laplace(scale=1 / np.sqrt(2))
    q = lloyd_max(2, dist)
    np.testing.assert_allclose(q.points, [-1 / np.sqrt(2), 1 / np.sqrt(2)], atol=1e-10)
    assert quantizer_performance(q, dist).mse == pytest.approx(0.5, rel=1e-10)


def test_lloyd_max_scales_with_the_distribution():
    q1 = lloyd_max(8)
    q2 = lloyd_max(8, stats.norm(loc=3.0, scale=2.0))
    np.testing.assert_allclose(q2.thresholds, 3.0 + 2.0 * q1.thresholds, atol=1e-10)


def test_ecsq_reaches_rate_and_gish_pierce_gap():
    # Gish & Pierce (1968): entropy-coded uniform quantization, gap -> 1/2 log2(pi e / 6)
    gp = 0.5 * np.log2(np.pi * np.e / 6)
    prev = None
    for rate in (3.0, 5.0, 7.0):
        q = entropy_constrained_uniform(rate)
        perf = quantizer_performance(q)
        assert perf.entropy_bits == pytest.approx(rate, abs=1e-9)
        gap = perf.entropy_bits - 0.5 * np.log2(1.0 / perf.mse)
        assert gap > 0
        if prev is not None:
            assert abs(gap - gp) < abs(prev - gp) + 1e-6
        prev = gap
    assert abs(prev - gp) < 2e-4


def test_uniform_threshold_quantizer_covers_the_support():
    q = uniform_threshold_quantizer(0.5)
    perf = quantizer_performance(q)
    assert perf.prob.sum() == pytest.approx(1.0, abs=1e-15)
    assert 0.0 in q.points  # mid-tread with centroid of the symmetric centre cell


@pytest.mark.parametrize("call, exc, match", [
    (lambda: lloyd_max(0), ValueError, "n must be >= 1"),
    (lambda: lloyd_max(4, tol=0), ValueError, "tol"),
    (lambda: lloyd_max(4, "norm"), TypeError, "dist"),
    (lambda: optimal_uniform(2.5), TypeError, "n must be an integer"),
    (lambda: uniform_threshold_quantizer(-1.0), ValueError, "step"),
    (lambda: entropy_constrained_uniform(0.0), ValueError, "rate"),
    (lambda: quantizer_performance(ScalarQuantizer.uniform(3, 1.0), decoder="mean"),
     ValueError, "decoder"),
    (lambda: quantizer_performance("q"), TypeError, "sq"),
    (lambda: ScalarQuantizer([1.0, 0.0], [0, 1, 2]), ValueError, "strictly increasing"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize("n", [2, 5, 8])
def test_optimal_uniform_for_a_uniform_density_is_the_exact_partition(n):
    # uniform on [-1, 1]: the optimal uniform quantizer is the n-cell partition, step 2/n,
    # MSE step^2/12; D(step) also has spurious local minima (step = 1 for n = 8)
    dist = stats.uniform(-1, 2)
    q = optimal_uniform(n, dist)
    assert float(np.diff(q.points)[0]) == pytest.approx(2 / n, rel=1e-9)
    assert quantizer_performance(q, dist).mse == pytest.approx((2 / n) ** 2 / 12, rel=1e-9)
