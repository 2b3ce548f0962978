"""The O(1)-in-L cell look-up of ``_kernels.encode`` against binary search and the formula.

The bucket grid only chooses which exact threshold a value is compared with; these tests put
values on every threshold, every bucket edge and their float neighbours (where a misplaced
bucket would show), sweep whole float32 binades exhaustively, and force the bucket path on the
level lists of the reference parity fixture.
"""

from pathlib import Path

import numpy as np
import pytest

import naive
from fsq_theory import FSQ
from fsq_theory._kernels import encode as _k

LARGE = [33, 64, 100, 255, 256, 1000, 1024, 4097, 65536]


def _neighbours(v, dtype, ulps=3):
    v = np.asarray(v, dtype=dtype)
    out = [v]
    up, down = v.copy(), v.copy()
    for _ in range(ulps):
        up = np.nextafter(up, dtype(np.inf))
        down = np.nextafter(down, dtype(-np.inf))
        out += [up, down]
    return np.concatenate(out)


def _bucket_edges(fsq, dtype, k):
    """z at the lower edge of every bucket of dimension k (in the dtype, rounded)."""
    mode, lo, invw, bmax, tab, _ = fsq._cells32 if dtype == np.float32 else fsq._cells64
    if mode[k] not in (_k.M_UNIFORM, _k.M_WARP) or invw[k] == 0:
        return np.zeros(0, dtype)
    g = lo[k] + np.arange(int(bmax[k]) + 1) / invw[k]
    if mode[k] == _k.M_WARP:
        g = np.clip(g, -1 + 1e-12, 1 - 1e-12)
        g = np.sign(g) * (1.0 / (1.0 - np.abs(g)) - 1.0)
    return g.astype(dtype)


def _hard(fsq, dtype, k):
    t = fsq.thresholds(dtype)[k]
    t = t[np.isfinite(t)]
    special = np.array([0.0, -0.0, 1e6, -1e6, 3e38, -3e38, 1e-45, -1e-45], dtype=dtype)
    return np.concatenate([_neighbours(t, dtype), _neighbours(_bucket_edges(fsq, dtype, k), dtype),
                           special])


@pytest.mark.parametrize("symmetric", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("L", LARGE)
def test_bucket_lookup_equals_binary_search(L, dtype, symmetric):
    fsq = FSQ([L, 7], symmetric=symmetric)
    mode = (fsq._cells32 if dtype == np.float32 else fsq._cells64)[0]
    assert mode[0] in (_k.M_UNIFORM, _k.M_WARP) and mode[1] == _k.M_COMPARE
    h = _hard(fsq, dtype, 0)
    rng = np.random.default_rng(L)
    h = np.concatenate([h, (rng.standard_normal(20000) * 3).astype(dtype)])
    z = np.stack([h, np.resize(_hard(fsq, dtype, 1), h.size)], axis=1).astype(dtype)
    want = naive.cells_by_search(z, fsq.thresholds(dtype))
    np.testing.assert_array_equal(fsq.level_indices(z), want)
    np.testing.assert_array_equal(fsq.encode(z), naive.fsq_indices(want, fsq.levels))


@pytest.mark.parametrize("L", [100, 1000])
def test_bucket_lookup_equals_formula(L):
    # L <= 1000: beyond, (L-1)(1+eps)/2 - 1/2 exceeds L/2 and the formula itself rounds the
    # saturated bound to a level outside the grid (cell -1), which no threshold form reproduces
    fsq = FSQ([L])
    z = _hard(fsq, np.float32, 0)[:, None]
    _, cells = naive.fsq_formula(z, [L])
    np.testing.assert_array_equal(fsq.level_indices(z), cells)


@pytest.mark.parametrize("L", [256, 65536])
def test_exhaustive_float32_binade(L):
    """Every float32 in [0.25, 0.5) and in [-1, -0.5) (2**24 values; ~L/8 thresholds)."""
    fsq = FSQ([L])
    for a, b in ((0.25, 0.5), (-1.0, -0.5)):
        lo_bits = np.float32(min(abs(a), abs(b))).view(np.uint32)
        z = np.arange(lo_bits, lo_bits + (1 << 23), dtype=np.uint32).view(np.float32)
        z = (z if a > 0 else -z)[:, None]
        np.testing.assert_array_equal(fsq.level_indices(z)[:, 0],
                                      naive.cells_by_search(z, fsq.thresholds())[:, 0])


def test_bucket_path_on_parity_fixture(monkeypatch):
    """The reference fixture's level lists with the bucket path forced for every dimension."""
    monkeypatch.setattr(_k, "COMPARE_MAX", 0)
    fixture = Path(__file__).parent / "reference" / "fsq_parity.npz"
    with np.load(fixture, allow_pickle=False) as zf:
        ref = {key: zf[key] for key in zf.files}
    from test_parity import CASES, _case

    for mode, levels in CASES:
        fsq = FSQ(levels, symmetric=mode == "symmetric")
        assert set(fsq._cells32[0]) <= {_k.M_UNIFORM, _k.M_WARP}
        name = _case(mode, levels)
        z = ref[f"{name}__z"]
        np.testing.assert_array_equal(fsq.encode(z), ref[f"{name}__indices"])
        np.testing.assert_array_equal(fsq.quantize(z).view(np.uint32),
                                      ref[f"{name}__codes"].view(np.uint32))


def test_grid_holds_at_most_one_threshold_per_bucket():
    for L in LARGE:
        fsq = FSQ([L])
        mode, lo, invw, bmax, tab, _ = fsq._cells32
        t = fsq.thresholds()[0]
        per_bucket = np.isfinite(tab[0, :, 0]).sum()
        assert per_bucket == np.isfinite(t).sum()
        np.testing.assert_array_equal(np.sort(tab[0, np.isfinite(tab[0, :, 0]), 0]), t[np.isfinite(t)])
    # the warped grid is the smaller one for large L
    assert FSQ([65536])._cells32[0][0] == _k.M_WARP


@pytest.mark.parametrize("thresholds, fallback", [
    ([-1e308, 0.0, 1e308], False),             # span overflows to inf; the warped grid copes
    ([0.0, 5e-324, 1e-323, 1.0], True),        # subnormal gaps: more buckets than allowed
    ([-2.0, -1.0, 1e-300, 2e-300, 3.0], True),
    ([-2.0, -1.0, 0.5, 3.0], False),
])
def test_extreme_thresholds_fall_back_to_binary_search(thresholds, fallback, monkeypatch):
    from fsq_theory import ScalarQuantizer
    from fsq_theory.geometry._wasserstein import _sample_sse

    monkeypatch.setattr(_k, "COMPARE_MAX", 0)  # no compare loop: grid or binary search
    t = np.array(thresholds)
    mode = _k.cell_tables(t[None, :], np.array([t.size]))[0]
    assert (mode[0] == _k.M_SEARCH) == fallback
    pts = np.arange(t.size + 1, dtype=float)
    x = np.concatenate([_neighbours(t, np.float64), [0.0, -5.0, 5.0, 1e300, -1e300]])
    x = x[np.abs(x) < 1e6]
    want = np.searchsorted(t, x, side="right")
    # through a consumer of the kernels: the exact empirical W2 (SSE against the cells' points)
    got = _sample_sse([ScalarQuantizer(t, pts)], x[:, None])
    assert got == float(((x - pts[want]) ** 2).sum())
