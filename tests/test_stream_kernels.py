"""The stream_stats kernel's building blocks: vectorisable tanh/expm1 against mpmath, the
fixed-order lane sum against its twin, and the float32 data path (converted and checked for
finiteness inside the kernel)."""

import mpmath
import numpy as np
import pytest

import naive_stream
from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory._kernels import accumulate as acc
from fsq_theory._kernels import vmath
from fsq_theory.stats import stream_stats

ULP_MAX = 4  # measured: 2 for tanh, 1 for expm1 on the points below


def _points(seed, n=3000):
    rng = np.random.default_rng(seed)
    mag = np.exp(rng.uniform(np.log(1e-300), np.log(40.0), n))
    return np.concatenate([rng.uniform(-25, 25, n), mag * np.sign(rng.standard_normal(n)),
                           [0.3465735902799726, -0.3465735902799726, 0.34657359027997264,
                            1e-8, -1e-8, 2.0 ** -1074, 19.0, 22.5, 30.0]])


def _ulps(got, ref):
    return np.abs(got - ref) / np.spacing(np.maximum(np.abs(ref), np.finfo(float).tiny))


def test_tanh_within_a_few_ulp_of_mpmath():
    x = _points(0)
    got = np.empty_like(x)
    vmath.tanh_many(x, got)
    mpmath.mp.prec = 113
    ref = np.array([float(mpmath.tanh(mpmath.mpf(float(v)))) for v in x])
    assert _ulps(got, ref).max() <= ULP_MAX


def test_expm1_within_a_few_ulp_of_mpmath():
    x = -np.abs(_points(1))
    x = np.concatenate([x, -np.log(2) / 2 * np.linspace(0, 1, 101), [-44.9, -45.0, -60.0]])
    got = np.empty_like(x)
    vmath.expm1_neg_many(x, got)
    mpmath.mp.prec = 113
    ref = np.array([float(mpmath.expm1(mpmath.mpf(float(v)))) for v in x])
    assert _ulps(got, ref).max() <= ULP_MAX


def test_tanh_dense_sweep_against_numpy_and_special_values():
    x = np.linspace(-20, 20, 400_001)
    got = np.empty_like(x)
    vmath.tanh_many(x, got)
    assert _ulps(got, np.tanh(x)).max() <= ULP_MAX + 1  # numpy's own tanh is within 1 ulp
    special = np.array([0.0, -0.0, np.inf, -np.inf, 1e308, -1e308, 23.0, -23.0])
    got = np.empty_like(special)
    vmath.tanh_many(special, got)
    np.testing.assert_array_equal(got, [0.0, -0.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0])
    assert np.signbit(got[1]) and not np.signbit(got[0])


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 4095, 4096])
def test_lane_sum_equals_its_twin_bit_for_bit(n):
    a = np.random.default_rng(n).standard_normal(n) * 10.0 ** np.random.default_rng(1).integers(-8, 8, n)
    assert acc.lane_sum(a, n) == naive_stream.lane_sum(a)


def test_float32_path_bins_like_encode_and_reports_non_finite_rows():
    rng = np.random.default_rng(3)
    fsq = FSQ([8, 5, 5, 5])
    x = rng.standard_normal((20_000, 4)).astype(np.float32)
    st = stream_stats(fsq, x, len(x), chunk_size=4096)
    np.testing.assert_array_equal(st.counts, np.bincount(fsq.encode(x), minlength=fsq.codebook_size))
    np.testing.assert_allclose(st.mean, x.astype(np.float64).mean(axis=0), rtol=1e-12, atol=1e-15)
    # Fortran order and integer data take the conversion paths outside the kernel
    f = stream_stats(fsq, np.asfortranarray(x), len(x), chunk_size=4096)
    np.testing.assert_equal(f.summary(), st.summary())
    xi = rng.integers(-3, 4, (5000, 4))
    np.testing.assert_equal(stream_stats(fsq, xi, 5000).summary(),
                            stream_stats(fsq, xi.astype(np.float64), 5000).summary())
    bad = x.copy()
    bad[9000, 2] = np.nan
    bad[12_345, 1] = np.inf
    with pytest.raises(ValueError, match=r"source: data contains non-finite values \(1 in rows "
                                         r"8192\.\.12287\); first at row 9000, column 2"):
        stream_stats(fsq, bad, len(bad), chunk_size=4096)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_code_error_with_and_without_level_units(dtype):
    """Default-mode FSQ: codes (c - h)/h exact in float64 take the level-unit path; float32 codes
    with odd h (L = 6, 7) keep the table look-up; both match the direct computation."""
    fsq = FSQ([7, 6, 3, 4])
    x = np.random.default_rng(4).standard_normal((30_000, 4)).astype(dtype)
    st = stream_stats(fsq, x, len(x))
    z = x.astype(np.float64)
    codes = fsq.quantize(x).astype(np.float64)
    ref = ((fsq.bound(z) - codes) ** 2).mean(axis=0)
    np.testing.assert_allclose(st.mse_code_per_dim, ref, rtol=1e-9)
    sq = ScalarQuantizer([-0.5, 0.5], [-1.0, 0.0, 1.0])
    st = stream_stats(sq, x, len(x), decoder=None)
    c = np.digitize(z, [-0.5, 0.5])
    np.testing.assert_allclose(st.mse_code_per_dim, ((z - np.array([-1.0, 0.0, 1.0])[c]) ** 2).mean(0),
                               rtol=1e-12)


def test_subclass_reading_its_own_rows_is_streamed_through_its_chunks():
    """EmpiricalSource subclasses that override _chunks (the report's file reader) keep a
    stand-in _data; stream_stats must read their chunks, not _data."""
    from fsq_theory.sources import EmpiricalSource

    x = np.random.default_rng(5).standard_normal((9000, 4)).astype(np.float32)

    class Reader(EmpiricalSource):
        def __init__(self):
            super().__init__(np.zeros((len(x), 4), np.float32))

        def _chunks(self, n, chunk_size, key):
            for r0 in range(0, n, chunk_size):
                yield x[r0:min(n, r0 + chunk_size)]

    fsq = FSQ([8, 5, 5, 5])
    np.testing.assert_equal(stream_stats(fsq, Reader(), len(x), chunk_size=4096).summary(),
                            stream_stats(fsq, x, len(x), chunk_size=4096).summary())
