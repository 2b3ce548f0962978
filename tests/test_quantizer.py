import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import naive
from fsq_theory import FSQ, ScalarQuantizer

LEVEL_LISTS = [[8, 5, 5, 5], [7, 5, 5, 5, 5], [8, 8, 8, 6, 5], [8, 6, 5], [3], [5] * 8]


def hard_values(fsq, dtype):
    """Per dimension: every threshold and its two neighbours, plus special values."""
    special = np.array([0.0, -0.0, 1e6, -1e6, 3e38, -3e38, 1e-45, -1e-45, 1e-40, -1.17e-38],
                       dtype=np.float64).astype(dtype)
    cols = []
    for thr in fsq.thresholds(dtype):
        t = thr[np.isfinite(thr)]
        vals = np.concatenate([t, np.nextafter(t, dtype(-np.inf)), np.nextafter(t, dtype(np.inf)), special])
        cols.append(vals)
    m = max(len(c) for c in cols)
    return np.stack([np.resize(c, m) for c in cols], axis=1).astype(dtype)


def inputs(fsq, dtype, n=3000, seed=0):
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((n, fsq.dim)) * 1.5).astype(dtype)
    return np.concatenate([z, hard_values(fsq, dtype)])


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("levels", LEVEL_LISTS + [[2, 2, 2], [2, 3, 4, 256]])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_kernels_match_formula_twin(levels, symmetric, dtype):
    if not symmetric and 2 in levels:
        pytest.skip("L=2 needs symmetric mode")
    fsq = FSQ(levels, symmetric=symmetric)
    z = inputs(fsq, dtype)
    codes, cells = naive.fsq_formula(z, levels, symmetric=symmetric)
    got = fsq.quantize(z)
    assert got.dtype == dtype
    # bit-level equality (signed zeros included)
    np.testing.assert_array_equal(got.view(np.uint32 if dtype == np.float32 else np.uint64),
                                  codes.view(np.uint32 if dtype == np.float32 else np.uint64))
    np.testing.assert_array_equal(fsq.level_indices(z), cells)
    np.testing.assert_array_equal(fsq.encode(z), naive.fsq_indices(cells, levels))


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.integers(2, 40), min_size=1, max_size=4), symmetric=st.booleans(),
       seed=st.integers(0, 2**32 - 1), spread=st.floats(0.01, 10))
def test_random_level_lists_match_formula(levels, symmetric, seed, spread):
    if not symmetric and 2 in levels:
        levels = [L + 1 for L in levels]
    fsq = FSQ(levels, symmetric=symmetric)
    z = (np.random.default_rng(seed).standard_normal((500, len(levels))) * spread).astype(np.float32)
    _, cells = naive.fsq_formula(z, levels, symmetric=symmetric)
    np.testing.assert_array_equal(fsq.level_indices(z), cells)


@pytest.mark.parametrize("symmetric", [False, True])
def test_thresholds_are_exact_boundaries(symmetric):
    levels = [8, 5, 7, 6]
    fsq = FSQ(levels, symmetric=symmetric)
    for dtype in (np.float32, np.float64):
        for k, thr in enumerate(fsq.thresholds(dtype)):
            col = np.zeros((len(thr), fsq.dim), dtype)
            col[:, k] = thr
            below = col.copy()
            below[:, k] = np.nextafter(thr, dtype(-np.inf))
            _, at = naive.fsq_formula(col, levels, symmetric=symmetric)
            _, bel = naive.fsq_formula(below, levels, symmetric=symmetric)
            np.testing.assert_array_equal(at[:, k], np.arange(1, levels[k]))
            np.testing.assert_array_equal(bel[:, k], np.arange(0, levels[k] - 1))


def test_codebook_and_roundtrips():
    fsq = FSQ([8, 6, 5])
    cb = fsq.codebook()
    assert cb.shape == (240, 3) and cb.dtype == np.float32
    idx = np.arange(240)
    np.testing.assert_array_equal(fsq.codes_to_indices(cb), idx)
    np.testing.assert_array_equal(fsq.encode(_centres(fsq)), idx)
    # even L gives the asymmetric grid {-L/2 .. L/2-1}/(L/2)
    np.testing.assert_array_equal(np.unique(cb[:, 0]), np.arange(-4, 4) / 4)
    np.testing.assert_array_equal(np.unique(cb[:, 2]), np.arange(-2, 3) / 2)
    assert fsq.codebook_size == 240 and fsq.rate_bits == pytest.approx(np.log2(240), abs=1e-12)


def _centres(fsq):
    """A z inside every cell of every code (the pulled-back grid points)."""
    pts = [sq.points for sq in fsq.scalar_quantizers()]
    cells = fsq.indices_to_level_indices(np.arange(fsq.codebook_size))
    return np.stack([pts[k][cells[:, k]] for k in range(fsq.dim)], axis=1)


@pytest.mark.parametrize("symmetric", [False, True])
def test_scalar_quantizers_pull_back_the_grid(symmetric):
    fsq = FSQ([8, 5, 4], symmetric=symmetric)
    for scale in (1.0, 0.37):
        sqs = fsq.scalar_quantizers(scale)
        for k, sq in enumerate(sqs):
            # real-arithmetic thresholds agree with the exact float64 ones to the constants' rounding
            np.testing.assert_allclose(sq.thresholds * scale, fsq.thresholds(np.float64)[k], rtol=0, atol=1e-6)
            finite = np.isfinite(sq.points)
            z = np.zeros((finite.sum(), 3))
            z[:, k] = sq.points[finite] * scale
            np.testing.assert_allclose(fsq.bound(z)[:, k], fsq.code_values(np.float64)[k][finite], atol=2e-7)  # float32-rounded constants in bound()
            assert (sq.encode(sq.points[finite]) == np.flatnonzero(finite)).all()
    if symmetric:
        assert sqs[0].points[0] == -np.inf and sqs[0].points[-1] == np.inf


def test_input_not_modified_and_readonly_ok():
    fsq = FSQ([8, 5, 5, 5])
    z = np.random.default_rng(1).standard_normal((100, 4)).astype(np.float32)
    z.flags.writeable = False
    before = z.copy()
    fsq.quantize(z), fsq.encode(z), fsq.bound(z)
    np.testing.assert_array_equal(z, before)
    # non-contiguous views and leading batch dims
    big = np.random.default_rng(2).standard_normal((6, 10, 8)).astype(np.float32)
    view = big[:, :, ::2]
    assert fsq.encode(view).shape == (6, 10)
    np.testing.assert_array_equal(fsq.encode(view), fsq.encode(np.ascontiguousarray(view)))


@pytest.mark.parametrize("bad, err, match", [
    ([1, 5], ValueError, r"levels\[0\] = 1"),
    ([8, 2.5], TypeError, r"levels\[1\]"),
    ([], ValueError, "empty"),
    ([2 ** 32, 2 ** 32], ValueError, "beyond int64"),
    ([8, 2], ValueError, "symmetric=True"),
    ("85", TypeError, "levels"),
])
def test_bad_levels(bad, err, match):
    with pytest.raises(err, match=match):
        FSQ(bad)


def test_bad_arrays():
    fsq = FSQ([8, 5, 5, 5])
    z = np.zeros((5, 4), np.float32)
    z[3, 2] = np.nan
    z[4, 0] = np.inf
    with pytest.raises(ValueError, match=r"z contains 2 non-finite.*\(3, 2\)"):
        fsq.encode(z)
    with pytest.raises(ValueError, match="last dimension 4"):
        fsq.quantize(np.zeros((3, 3)))
    with pytest.raises(TypeError, match="dtype"):
        fsq.encode(np.array([["a"] * 4]))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 999\]"):
        fsq.decode([0, 1000])
    with pytest.raises(TypeError, match="integer dtype"):
        fsq.decode([0.5])
    with pytest.raises(ValueError, match="grid"):
        fsq.codes_to_indices([[0.1, 0, 0, 0]])
    with pytest.raises(ValueError, match="scale must be > 0"):
        fsq.scalar_quantizers(0.0)
    with pytest.raises(ValueError, match="too large"):
        FSQ([2 ** 20, 2 ** 20], symmetric=True).codebook()


def test_integer_input_is_float64():
    fsq = FSQ([5, 5])
    out = fsq.quantize(np.array([[0, 1], [-2, 3]]))
    assert out.dtype == np.float64


class TestScalarQuantizer:
    def test_uniform(self):
        sq = ScalarQuantizer.uniform(5, 0.5)
        np.testing.assert_allclose(sq.points, [-1, -0.5, 0, 0.5, 1])
        np.testing.assert_allclose(sq.thresholds, [-0.75, -0.25, 0.25, 0.75])
        even = ScalarQuantizer.uniform(4, 1.0)
        np.testing.assert_allclose(even.thresholds, [-1, 0, 1])  # mid-rise: 0 is a threshold
        assert sq.n_cells == 5

    def test_encode_convention(self):
        sq = ScalarQuantizer([0.0, 1.0], [-1.0, 0.5, 2.0])
        np.testing.assert_array_equal(sq.encode([-0.1, 0.0, 0.99, 1.0, 5]), [0, 1, 1, 2, 2])
        np.testing.assert_array_equal(sq.quantize([-3, 0.5, 7]), [-1, 0.5, 2])

    def test_errors(self):
        with pytest.raises(ValueError, match=r"thresholds must be strictly increasing; thresholds\[0\]"):
            ScalarQuantizer([1.0, 0.0], [0, 1, 2])
        with pytest.raises(ValueError, match="points must be 1-D with len"):
            ScalarQuantizer([0.0], [1.0])
        with pytest.raises(ValueError, match="step must be > 0"):
            ScalarQuantizer.uniform(3, -1)
        with pytest.raises(ValueError, match="x contains 1 non-finite"):
            ScalarQuantizer.uniform(3, 1).encode([0.0, np.nan])
