"""Threshold-form quantization kernels, O(1) per value in the number of levels.

Every per-dimension scalar quantizer used here is monotone, so the cell of ``z`` is the number of
decision thresholds ``<= z``. Instead of comparing ``z`` with every threshold (cost growing with
L), each dimension gets a uniform grid of buckets over its finite thresholds, fine enough that a
bucket holds at most one threshold. ``bucket(z)`` is a monotone function of ``z`` (a float64
subtract, multiply, clamp and truncation); ``tab[b] = (t_b, c_b)`` holds the threshold inside
bucket b (+inf if none) and the number of thresholds in earlier buckets, so that

    cell(z) = c_b + [z >= t_b],   b = bucket(z)

with one comparison against the exact threshold, in the dtype of ``z``: the bucket only chooses
which threshold to compare with, never the answer, so the result is the count of thresholds
``<= z`` exactly. The bucket of every threshold is computed by the same compiled function the
kernels use, so rounding in the bucket map cannot misplace one. Both entries of a bucket share a
cache line (one memory access per value). Dimensions whose grid would exceed ``BUCKETS_MAX``
(thresholds closer than ~1e-6 of their span) use a binary search over the thresholds instead.

Inputs are validated (finite, right shapes and dtypes) by the public wrappers, never here.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_TILE = 1024
BUCKETS_MAX = 1 << 22
# per-dimension method: compare with every threshold (cheapest for a few thresholds, and a loop
# LLVM vectorises), buckets uniform in z, buckets uniform in warp(z), or binary search
M_COMPARE, M_UNIFORM, M_WARP, M_SEARCH = 0, 1, 2, 3
COMPARE_MAX = 31  # thresholds up to which M_COMPARE is used (measured crossover, L ~ 32-64)


@nb.njit(cache=True, inline="always")
def warp(x):
    """``sign(x) (1 - 1/(1 + |x|))``: monotone (each rounded step is), maps R onto (-1, 1).

    FSQ thresholds crowd where tanh is steep and thin out in its tails; in warped coordinates
    they are far more evenly spread, so a uniform grid there needs ~7x fewer buckets at L = 2**16.
    """
    return math.copysign(1.0 - 1.0 / (1.0 + abs(x)), x)


@nb.njit(cache=True, inline="always")
def bucket_of(x, lo, invw, bmax):
    """Bucket of the float64 ``x``: ``trunc(clamp((x - lo) * invw, 0, bmax))`` (monotone in x)."""
    u = (x - lo) * invw
    u = min(max(u, 0.0), bmax)
    return np.int64(u)


@nb.njit(cache=True)
def _buckets_of(x, lo, invw, bmax, warped, out):
    for i in range(x.shape[0]):
        v = np.float64(x[i])
        out[i] = bucket_of(warp(v) if warped else v, lo, invw, bmax)


@nb.njit(cache=True, inline="always")
def cell_of(x, k, mode, lo, invw, bmax, tab, thr, nthr):
    """Cell of ``x`` in dimension ``k`` = number of thresholds ``thr[k, :nthr[k]]`` that are <= x.

    ``x`` must have the dtype of ``tab`` and ``thr`` (float32 compared with float32 thresholds is
    the reference's float32 semantics).
    """
    m_ = mode[k]
    if m_ == M_UNIFORM or m_ == M_WARP:
        v = np.float64(x)
        if m_ == M_WARP:
            v = warp(v)
        b = bucket_of(v, lo[k], invw[k], bmax[k])
        return np.int64(tab[k, b, 1]) + np.int64(x >= tab[k, b, 0])
    a = 0
    e = nthr[k]
    while a < e:  # first threshold > x
        m = (a + e) >> 1
        if thr[k, m] <= x:
            a = m + 1
        else:
            e = m
    return np.int64(a)


def _grid(t, count_max):
    """(lo, invw, bmax, tab) of a bucket grid with at most one of the sorted ``t`` per bucket,
    or None if it needs more than BUCKETS_MAX buckets."""
    if t.size >= count_max:
        return None
    nbk = 1
    if t.size >= 2:
        with np.errstate(over="ignore", divide="ignore"):
            ratio = (t[-1] - t[0]) / float(np.diff(t).min())
        if not ratio < BUCKETS_MAX:  # also catches inf / nan from extreme thresholds
            return None
        nbk = max(1, math.ceil(ratio) + 1)
    lo = t[0] if t.size else 0.0
    while nbk <= BUCKETS_MAX:
        invw = (nbk - 1) / (t[-1] - t[0]) if t.size >= 2 else 0.0
        if not math.isfinite(invw):  # a subnormal span: (x - lo) * inf could give 0 * inf = nan
            return None
        bmax = float(nbk - 1)
        bt = np.empty(t.size, np.int64)
        _buckets_of(t, lo, invw, bmax, False, bt)
        if t.size == 0 or np.bincount(bt).max() <= 1:
            tab = np.empty((nbk, 2))
            tab[:, 0] = np.inf
            tab[bt, 0] = t
            tab[:, 1] = np.searchsorted(bt, np.arange(nbk), side="left")
            return lo, invw, bmax, tab
        nbk *= 2
    return None


def cell_tables(thr, nthr):
    """Per-dimension method and bucket grids for threshold rows ``thr`` (d, T) (+inf padded)
    with ``nthr[k]`` real ones.

    Returns ``(mode, lo, invw, bmax, tab, thr)``: ``mode`` (d,) int64 (``M_*``); float64 (d,)
    grid origin, inverse bucket width and last bucket index (in warped coordinates for
    M_WARP); ``tab`` (d, B, 2) in the dtype of ``thr`` holding (threshold in the bucket or +inf,
    number of thresholds before the bucket); ``thr`` itself.
    """
    thr = np.asarray(thr)
    d = thr.shape[0]
    mode = np.full(d, M_SEARCH, dtype=np.int64)
    lo, invw, bmax = np.zeros(d), np.zeros(d), np.zeros(d)
    # counts stored in the threshold dtype must be exact integers
    count_max = 1 << (24 if thr.dtype == np.float32 else 53)
    tabs = []
    for k in range(d):
        t = thr[k, : nthr[k]].astype(np.float64)
        t = t[np.isfinite(t)]
        if nthr[k] <= COMPARE_MAX:
            mode[k] = M_COMPARE
            tabs.append(np.zeros((1, 2)))
            continue
        best = None
        for m_, tt in ((M_UNIFORM, t), (M_WARP, _warped(t))):
            g = _grid(tt, count_max)
            if g is not None and (best is None or len(g[3]) < len(best[1][3])):
                best = (m_, g)
        if best is None:
            tabs.append(np.zeros((1, 2)))
            continue
        mode[k] = best[0]
        lo[k], invw[k], bmax[k], tab = best[1]
        tab[:, 0] = np.inf
        tab[np.searchsorted(tab[:, 1], np.arange(t.size), side="right") - 1, 0] = t
        tabs.append(tab)
    tab = np.zeros((d, max(len(x) for x in tabs), 2), dtype=thr.dtype)
    tab[:, :, 0] = np.inf
    for k, x in enumerate(tabs):
        tab[k, : len(x)] = x
    for a_ in (mode, lo, invw, bmax, tab):
        a_.flags.writeable = False
    return mode, lo, invw, bmax, tab, thr


def _warped(t):
    out = np.empty_like(t)
    _warp_many(t, out)
    return out


@nb.njit(cache=True)
def _warp_many(x, out):
    for i in range(x.shape[0]):
        out[i] = warp(x[i])


OUT_INDEX, OUT_CELLS, OUT_CODES = 0, 1, 2


@nb.njit(cache=True, inline="always")
def tile_cells(col, m, k, mode, lo, invw, bmax, tab, thr, nthr, cnt):
    """cnt[r] = cell of col[r] in dimension k for r < m (col: the tile's column k; cnt: int32).

    The bucket loops are scalar (LLVM's cost model declines gathers on this target), but the
    look-ups of neighbouring values are independent, so they overlap.
    """
    m_ = mode[k]
    if m_ == M_COMPARE:
        for r in range(m):
            cnt[r] = 0
        for j in range(nthr[k]):
            tj = thr[k, j]
            for r in range(m):
                cnt[r] += np.int32(col[r] >= tj)
    elif m_ == M_UNIFORM:
        lk, ik, bk = lo[k], invw[k], bmax[k]
        tk = tab[k]
        for r in range(m):
            x = col[r]
            b = bucket_of(np.float64(x), lk, ik, bk)
            cnt[r] = np.int32(tk[b, 1]) + np.int32(x >= tk[b, 0])
    elif m_ == M_WARP:
        lk, ik, bk = lo[k], invw[k], bmax[k]
        tk = tab[k]
        for r in range(m):
            x = col[r]
            b = bucket_of(warp(np.float64(x)), lk, ik, bk)
            cnt[r] = np.int32(tk[b, 1]) + np.int32(x >= tk[b, 0])
    else:
        for r in range(m):
            cnt[r] = np.int32(cell_of(col[r], k, mode, lo, invw, bmax, tab, thr, nthr))


@nb.njit(parallel=True, cache=True)
def quantize_tiles(z, mode, lo, invw, bmax, tab, thr, nthr, what, basis, table, out_int,
                   out_codes):
    """One pass over z (n, d) in row tiles; ``what`` selects the output:

    OUT_INDEX: out_int[r, 0] = sum_k cell(z[r, k]) * basis[k]   (out_int int64 (n, 1))
    OUT_CELLS: out_int[r, k] = cell(z[r, k])                     (out_int int64 (n, d))
    OUT_CODES: out_codes[r, k] = table[k, cell(z[r, k])]         (out_codes like table, (n, d))
    ``mode .. thr`` are :func:`cell_tables` of the thresholds; the unused output may be an empty
    (0, 0) array.
    """
    n, d = z.shape
    ntask = (n + _TILE - 1) // _TILE
    for t in nb.prange(ntask):
        r0 = t * _TILE
        m = min(n, r0 + _TILE) - r0
        acc = np.zeros(_TILE, np.int64)
        col = np.empty(_TILE, z.dtype)
        cnt = np.empty(_TILE, np.int32)  # int32: twice the lanes of int64 in the compare loop
        for k in range(d):
            for r in range(m):
                col[r] = z[r0 + r, k]
            tile_cells(col, m, k, mode, lo, invw, bmax, tab, thr, nthr, cnt)
            if what == OUT_INDEX:
                b = basis[k]
                for r in range(m):
                    acc[r] += cnt[r] * b
            elif what == OUT_CELLS:
                for r in range(m):
                    out_int[r0 + r, k] = cnt[r]
            else:
                for r in range(m):
                    out_codes[r0 + r, k] = table[k, cnt[r]]
        if what == OUT_INDEX:
            for r in range(m):
                out_int[r0 + r, 0] = acc[r]


def pad_rows(rows, fill, dtype):
    """Stack 1-D arrays of different lengths into a 2-D array padded with ``fill``."""
    width = max(1, max(len(r) for r in rows))
    out = np.full((len(rows), width), fill, dtype=dtype)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out
