"""``FSQ.encode``'s flat-stream kernels (``_kernels.encode_flat``) against binary search, the tiled
kernel and the reference fixture.

The bucket path's grid only chooses which exact threshold a value is compared with; these tests
put values on every threshold, every bucket edge and their float neighbours, sweep float32
binades exhaustively, force the bucket path on the reference fixture, and cover every tile
shape (rows not a multiple of the tile, last tiles shorter than one 16-lane vector, d = 1..9).
"""

from pathlib import Path

import numpy as np
import pytest

import naive
from fsq_theory import FSQ
from fsq_theory._kernels import encode_flat as _kf

WIDE = [33, 64, 100, 255, 256, 1000, 1024, 4097, 65536]


def _neighbours(v, dtype, ulps=3):
    v = np.asarray(v, dtype=dtype)
    out = [v]
    up, down = v.copy(), v.copy()
    for _ in range(ulps):
        up = np.nextafter(up, dtype(np.inf))
        down = np.nextafter(down, dtype(-np.inf))
        out += [up, down]
    return np.concatenate(out)


def _want(fsq, z):
    return naive.fsq_indices(naive.cells_by_search(z, fsq.thresholds(z.dtype)), fsq.levels)


def _bucket_edges(fsq, k):
    """float32 z near the lower edge of every bucket of dimension k of the flat bucket grid."""
    kind, lo_p, invw_p, _, _, _ = fsq._flat32
    assert kind == "bucket"
    lo, invw = float(lo_p[k]), float(invw_p[k])
    n_b = int(fsq._flat32[3][k]) + 1
    if invw == 0:
        return np.zeros(0, np.float32)
    w = np.clip(lo + np.arange(n_b) / invw, -1 + 1e-7, 1 - 1e-7)
    z = np.sign(w) * (1.0 / (1.0 - np.abs(w)) - 1.0)  # inverse of sign(x)(1 - 1/(1 + |x|))
    return z.astype(np.float32)


def _hard(fsq, k):
    t = fsq.thresholds(np.float32)[k]
    special = np.array([0.0, -0.0, 1e6, -1e6, 3e38, -3e38, 1e-45, -1e-45], dtype=np.float32)
    return np.concatenate([_neighbours(t[np.isfinite(t)], np.float32),
                           _neighbours(_bucket_edges(fsq, k), np.float32), special])


@pytest.fixture
def bucket_everywhere(monkeypatch):
    """Every dimension through the bucket table (quantizers built after this fixture)."""
    monkeypatch.setattr(_kf, "COMPARE_MAX", 0)


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("L", WIDE)
def test_bucket_path_equals_binary_search(L, symmetric):
    fsq = FSQ([L, 7, L], symmetric=symmetric)
    assert fsq._flat32[0] == "bucket"
    cols = [_hard(fsq, k) for k in range(3)]
    m = max(c.size for c in cols) + 20000
    rng = np.random.default_rng(L)
    z = np.stack([np.concatenate([c, (rng.standard_normal(m - c.size) * 3).astype(np.float32)])
                  for c in cols], axis=1)
    z = z[rng.permutation(m)]  # edge values in every lane position of the 16-value vectors
    np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))


@pytest.mark.parametrize("L", [256, 65536])
def test_exhaustive_float32_binades_through_encode(L):
    """Every float32 in [0.25, 0.5) and in [-1, -0.5) (2**24 values) through the bucket path."""
    fsq = FSQ([L])
    assert fsq._flat32[0] == "bucket"
    for a in (0.25, -0.5):
        lo_bits = np.float32(abs(a)).view(np.uint32)
        z = np.arange(lo_bits, lo_bits + (1 << 23), dtype=np.uint32).view(np.float32)
        z = (z if a > 0 else -z)[:, None]
        np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))


def test_exhaustive_float32_binade_compare_path():
    fsq = FSQ([8, 5, 5, 5])
    assert fsq._flat32[0] == "compare"
    lo_bits = np.float32(0.5).view(np.uint32)
    v = np.arange(lo_bits, lo_bits + (1 << 23), dtype=np.uint32).view(np.float32)
    z = np.stack([v, -v, v[::-1], -v[::-1]], axis=1)
    np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))


def test_bucket_path_on_parity_fixture(bucket_everywhere):
    fixture = Path(__file__).parent / "reference" / "fsq_parity.npz"
    with np.load(fixture, allow_pickle=False) as zf:
        ref = {key: zf[key] for key in zf.files}
    from test_parity import CASES, _case

    for mode, levels in CASES:
        fsq = FSQ(levels, symmetric=mode == "symmetric")
        assert fsq._flat32[0] == "bucket"
        name = _case(mode, levels)
        np.testing.assert_array_equal(fsq.encode(ref[f"{name}__z"]), ref[f"{name}__indices"])


@pytest.mark.parametrize("path", ["compare", "bucket"])
@pytest.mark.parametrize("d", [1, 2, 3, 4, 5, 6, 7, 9])
def test_every_tile_shape(path, d, monkeypatch):
    if path == "bucket":
        monkeypatch.setattr(_kf, "COMPARE_MAX", 0)
    rng = np.random.default_rng(d)
    levels = list(rng.choice([3, 4, 5, 7, 8, 16], size=d))
    fsq = FSQ(levels)
    assert fsq._flat32[0] == path
    R = (fsq._flat32[1].shape[-1]) // d
    for n in (0, 1, 2, 3, 5, 15, 16, 17, R - 1, R, R + 1, 4 * R + 7, 10007):
        z = (rng.standard_normal((n, d)) * 2).astype(np.float32)
        got = fsq.encode(z)
        assert got.shape == (n,) and got.dtype == np.int64
        np.testing.assert_array_equal(got, _want(fsq, z))


@pytest.mark.parametrize("levels", [[8, 5, 5, 5], [65536, 3]])
def test_batch_shapes_dtypes_and_layouts(levels):
    fsq = FSQ(levels)
    rng = np.random.default_rng(0)
    z = (rng.standard_normal((3, 50, len(levels))) * 2).astype(np.float32)
    want = _want(fsq, z.reshape(-1, len(levels))).reshape(3, 50)
    np.testing.assert_array_equal(fsq.encode(z), want)
    np.testing.assert_array_equal(fsq.encode(np.asfortranarray(z)), want)
    np.testing.assert_array_equal(fsq.encode(z[:, ::-1][:, ::-1]), want)
    np.testing.assert_array_equal(fsq.encode(z.tolist()), fsq.encode(z.astype(np.float64)))
    z64 = rng.standard_normal((1000, len(levels))) * 2
    np.testing.assert_array_equal(fsq.encode(z64), _want(fsq, z64))
    assert fsq.encode(np.zeros((0, len(levels)), np.float32)).shape == (0,)


@pytest.mark.parametrize("path", ["compare", "bucket"])
@pytest.mark.parametrize("where", [0, 17, 4095, -1])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_refused_by_position(path, where, bad, monkeypatch):
    if path == "bucket":
        monkeypatch.setattr(_kf, "COMPARE_MAX", 0)
    fsq = FSQ([8, 5, 5])
    assert fsq._flat32[0] == path
    z = np.zeros((4099, 3), np.float32)
    z[where, 1] = bad
    pos = (where % 4099, 1)
    with pytest.raises(ValueError, match=rf"z contains 1 non-finite.*{pos[0]}, 1\)"):
        fsq.encode(z)
    with pytest.raises(ValueError, match=r"z contains 1 non-finite"):
        fsq.encode(z.astype(np.float64))


def test_tables_fall_back_when_no_flat_path_applies():
    # float64 beyond the compare path keeps the tiled kernel; L = 2 (symmetric) has one threshold
    assert FSQ([1024])._flat64 is None
    fsq = FSQ([2, 1024, 2], symmetric=True)
    z = np.random.default_rng(0).standard_normal((100, 3)).astype(np.float32)
    assert fsq._flat32[0] == "bucket"
    np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))
    np.testing.assert_array_equal(fsq.encode(z.astype(np.float64)), _want(fsq, z.astype(np.float64)))


def test_grid_without_thresholds_is_one_empty_bucket():
    _, invw, bmax, tab = _kf._grid32(np.zeros(0, np.float32))
    assert (invw, bmax) == (0, 0) and tab.tolist() == [0x7F800000]  # count 0, threshold +inf


def test_identical_dimensions_share_one_table():
    one = FSQ([65536])._flat32[5].size
    three = FSQ([65536, 65536, 65536])._flat32[5].size
    assert three == one
    assert FSQ([65536, 4097])._flat32[5].size > one


def test_grid_holds_at_most_one_threshold_per_bucket():
    for L in WIDE:
        fsq = FSQ([L])
        tab = fsq._flat32[5]
        thr = (tab & 0xFFFFFFFF).astype(np.uint32).view(np.float32)
        cnt = tab >> 32
        t = fsq.thresholds()[0]
        np.testing.assert_array_equal(thr[np.isfinite(thr)], t)   # each threshold once, in order
        assert np.all(np.diff(cnt) == np.isfinite(thr[:-1]))        # counts step at thresholds
        assert cnt[0] == 0


@pytest.mark.parametrize("levels", [[17] * 8, [16] * 9, [5] * 14])
def test_compare_path_with_codebooks_beyond_int32(levels):
    fsq = FSQ(levels)
    assert fsq._flat32[0] == "compare" and fsq.codebook_size >= 2 ** 31
    assert fsq._flat32[2].dtype == np.int64
    z = (np.random.default_rng(1).standard_normal((5000, len(levels))) * 2).astype(np.float32)
    np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))
    assert FSQ([8, 5, 5, 5])._flat32[2].dtype == np.int32


def test_without_the_gather_intrinsic_the_tiled_kernel_takes_over(monkeypatch):
    assert _kf.gather_compiles()  # this toolchain builds it
    monkeypatch.setattr(_kf, "_GATHER_OK", [False])
    fsq = FSQ([1024, 5])
    assert fsq._flat32 is None and FSQ([8, 5])._flat32[0] == "compare"
    z = (np.random.default_rng(2).standard_normal((3000, 2)) * 2).astype(np.float32)
    np.testing.assert_array_equal(fsq.encode(z), _want(fsq, z))
    z[7, 0] = np.nan
    with pytest.raises(ValueError, match=r"z contains 1 non-finite.*\(7, 0\)"):
        fsq.encode(z)
