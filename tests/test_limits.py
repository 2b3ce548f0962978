"""Limits up front and honest numbers: memory budgets, int64 counts, limits computed as limits,
undefined quantities refused."""
import math
import warnings

import mpmath
import numpy as np
import pytest
from scipy import stats

from fsq_theory import (FSQ, GaussianSource, bec, bsc, cell_moments, sphere_packing_exponent,
                        sphere_packing_exponent_result, stream_stats, z_channel)
from fsq_theory.coding._exponents import _max_e0


# --- the sphere-packing exponent at R = 0 ------------------------------------------------------

def _bsc_limit_bits(p):
    # E_sp(0) of the BSC: lim_{rho->inf} E0(rho) = -log2(2 sqrt(p(1-p))) (uniform input),
    # computed in 40-digit arithmetic from the closed form, independently of the package
    mpmath.mp.dps = 40
    p = mpmath.mpf(p)
    return float(-mpmath.log(2 * mpmath.sqrt(p * (1 - p)), 2))


@pytest.mark.parametrize("p", [0.11, 0.01, 0.3])
def test_sphere_packing_at_zero_rate_is_the_finite_limit(p):
    value = sphere_packing_exponent(bsc(p), 0)
    assert value == pytest.approx(_bsc_limit_bits(p), rel=1e-10)
    if p == 0.11:
        assert value == pytest.approx(0.6763, abs=5e-5)  # the value quoted in the issue


def test_sphere_packing_at_zero_rate_other_channels():
    # BEC(e): only the erasure is reachable from both inputs: E_sp(0) = -log2 e
    assert sphere_packing_exponent(bec(0.3), 0) == pytest.approx(-math.log2(0.3), rel=1e-10)
    # Z channel: the supremum is approached as q -> (0, 1) and rho -> inf; max_q E0(rho)
    # increases towards it from below
    lim = sphere_packing_exponent(z_channel(0.2), 0)
    assert lim == pytest.approx(-math.log2(0.2), rel=1e-8)
    assert _max_e0(z_channel(0.2).W, 1e4).value < lim
    assert _max_e0(z_channel(0.2).W, 1e4).value > lim - 5e-3
    r = sphere_packing_exponent_result(bsc(0.11), 0)
    assert r.rho == math.inf and math.isfinite(r.exponent)


def test_sphere_packing_is_continuous_at_zero():
    e0 = sphere_packing_exponent(bsc(0.11), 0)
    e_small = sphere_packing_exponent(bsc(0.11), 1e-5)
    assert e_small < e0 and e0 - e_small < 0.01


# --- cells of laws without moments -------------------------------------------------------------

def test_cauchy_centroids_refused():
    sq = FSQ([5]).scalar_quantizers()[0]
    m = cell_moments(sq, stats.cauchy())
    assert np.isinf(m.first[[0, -1]]).all() and np.isfinite(m.prob).all()
    with pytest.raises(ValueError, match="no conditional mean"):
        m.centroids
    assert m.mse(sq.points) == math.inf
    # Student t with 1.5 degrees of freedom: a mean but no variance
    t = cell_moments(sq, stats.t(1.5))
    assert np.isfinite(t.centroids).all() and t.mse(sq.points) == math.inf


# --- stream_stats memory budget and counts -----------------------------------------------------

def test_stream_stats_refuses_levels_beyond_memory_with_bytes():
    with pytest.raises(ValueError, match=r"would need about .* bytes.*max_memory"):
        stream_stats(FSQ([2 ** 31]), GaussianSource(), 10)


def test_stream_stats_drops_joint_histogram_with_a_warning():
    fsq = FSQ([64, 64, 64])  # 2^18 codes: 2 MiB of joint histogram per thread
    with pytest.warns(RuntimeWarning, match="marginal statistics only"):
        st = stream_stats(fsq, GaussianSource(dim=3), 5000, rng=0, max_memory=1 << 20)
    assert st.counts is None and math.isnan(st.entropy_bits)
    full = stream_stats(fsq, GaussianSource(dim=3), 5000, rng=0)
    for a, b in zip(st.marginal_counts, full.marginal_counts):
        np.testing.assert_array_equal(a, b)  # a smaller chunk changes nothing else


def test_stream_stats_n_beyond_int64():
    with pytest.raises(ValueError, match="beyond int64"):
        stream_stats(FSQ([5]), GaussianSource(), 2 ** 63)


def test_stream_stats_max_memory_validated():
    with pytest.raises(ValueError, match="max_memory"):
        stream_stats(FSQ([5]), GaussianSource(), 10, max_memory=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        stream_stats(FSQ([5]), GaussianSource(), 10, max_memory=10 ** 9)
