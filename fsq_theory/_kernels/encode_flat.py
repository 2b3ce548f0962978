"""``FSQ.encode`` on the row-major input read as one flat stream of values.

Row r, dimension k of a C-contiguous (n, d) array is value ``r d + k`` of the flat stream, so the
dimension of a value is periodic in its position. A tile of R rows (R a multiple of 16) is
``P = R d`` consecutive values; every per-dimension constant is laid out as a length-P *pattern*
(``pattern[p] = c[p % d]``), so each loop below runs along contiguous memory with no transposing
load and no per-dimension branch, and LLVM vectorises it (16 float32 lanes = 4 rows of d = 4).

Two ways to get the cell of each value (the number of thresholds <= it, in the input's dtype):

* compare: ``sum_j [x >= thr_j]`` over all T thresholds of its dimension (patterns padded with
  +inf to a multiple of 4, four compares per pass over the tile), each compare adding the
  dimension's basis weight, so that the codebook index of a row is the plain sum of its d lanes;
  cost grows with T, cheapest for small L.
* bucket (float32): a uniform grid over the warped value ``w = sign(x)(1 - 1/(1 + |x|))``, fine
  enough that a bucket holds at most one threshold; one 64-bit table entry per bucket packs the
  threshold inside it (+inf if none) and the number of thresholds in earlier buckets, so
  ``cell = count[b] + [x >= thr[b]]``: one vector gather and one comparison against the exact
  threshold, whatever L is (:func:`.gather.bucket_cells16`, 16 values in registers). The bucket
  map is a composition of correctly rounded monotone float32 operations, hence monotone, and the
  table is built by the same intrinsic, so a value and a threshold in different buckets are
  ordered like their buckets: the result is exact by construction. The index is then formed
  from the tile of cells (constant-d branches so that LLVM vectorises the interleaved loads).

Finiteness of the input is counted in the same pass (the wrapper raises); non-finite values
cannot make a kernel read out of bounds (a NaN bucket clamps to 0).
"""

from __future__ import annotations

import math
import sys

import numba as nb
import numpy as np

from .gather import WIDTH, bucket_cells16

# compare path while the padded threshold count is at most this (measured crossover against the
# bucket path: 2^21 rows of d = 3, one thread, equal at L ~ 21; see BENCHMARKS.md, issue 13)
COMPARE_MAX = 20
BUCKETS_MAX = 1 << 20  # per distinct dimension (8 MB of table); beyond, the tiled kernel is used
_PATTERN_BYTES = 16384  # compare patterns (T x P values) kept well inside L1
TASKS_PER_THREAD = 16


@nb.njit(cache=True, inline="always")
def _radix(w, m, d, basis, o):
    """o[r] = sum_k w[r d + k] basis[k] for r < m."""
    if d == 1:
        b0 = basis[0]
        for r in range(m):
            o[r] = w[r] * b0
    elif d == 2:
        b0, b1 = basis[0], basis[1]
        for r in range(m):
            o[r] = w[2 * r] * b0 + w[2 * r + 1] * b1
    elif d == 3:
        b0, b1, b2 = basis[0], basis[1], basis[2]
        for r in range(m):
            o[r] = w[3 * r] * b0 + w[3 * r + 1] * b1 + w[3 * r + 2] * b2
    elif d == 4:
        b0, b1, b2, b3 = basis[0], basis[1], basis[2], basis[3]
        for r in range(m):
            o[r] = (w[4 * r] * b0 + w[4 * r + 1] * b1) + (w[4 * r + 2] * b2 + w[4 * r + 3] * b3)
    elif d == 5:
        b0, b1, b2, b3, b4 = basis[0], basis[1], basis[2], basis[3], basis[4]
        for r in range(m):
            o[r] = ((w[5 * r] * b0 + w[5 * r + 1] * b1) + (w[5 * r + 2] * b2 + w[5 * r + 3] * b3)
                    + w[5 * r + 4] * b4)
    elif d == 6:
        b0, b1, b2, b3, b4, b5 = basis[0], basis[1], basis[2], basis[3], basis[4], basis[5]
        for r in range(m):
            o[r] = ((w[6 * r] * b0 + w[6 * r + 1] * b1) + (w[6 * r + 2] * b2 + w[6 * r + 3] * b3)
                    + (w[6 * r + 4] * b4 + w[6 * r + 5] * b5))
    else:
        for r in range(m):
            a = np.int64(0)
            for k in range(d):
                a += w[r * d + k] * basis[k]
            o[r] = a


@nb.njit(cache=True, inline="always")
def _group_sum(w, m, d, o):
    """o[r] = sum_k w[r d + k] for r < m (w: basis-weighted cells)."""
    if d == 1:
        for r in range(m):
            o[r] = w[r]
    elif d == 2:
        for r in range(m):
            o[r] = np.int64(w[2 * r]) + w[2 * r + 1]
    elif d == 3:
        for r in range(m):
            o[r] = np.int64(w[3 * r]) + w[3 * r + 1] + w[3 * r + 2]
    elif d == 4:
        for r in range(m):
            o[r] = np.int64(w[4 * r] + w[4 * r + 1]) + (w[4 * r + 2] + w[4 * r + 3])
    elif d == 5:
        for r in range(m):
            o[r] = (np.int64(w[5 * r] + w[5 * r + 1]) + (w[5 * r + 2] + w[5 * r + 3])
                    + w[5 * r + 4])
    elif d == 6:
        for r in range(m):
            o[r] = (np.int64(w[6 * r] + w[6 * r + 1]) + (w[6 * r + 2] + w[6 * r + 3])
                    + (w[6 * r + 4] + w[6 * r + 5]))
    else:
        for r in range(m):
            a = np.int64(0)
            for k in range(d):
                a += w[r * d + k]
            o[r] = a


@nb.njit(parallel=True, cache=True)
def encode_compare(zf, n, d, thr_pat, bas_pat, out, bad):
    """out[r] = sum_k (number of thresholds of dim k <= z[r, k]) basis[k].

    zf: the (n, d) rows flattened; thr_pat: (T, P) threshold patterns (T a multiple of 4, +inf
    padded; P = R d, R a multiple of 16); bas_pat: (P,) basis pattern, int32 when the codebook
    fits (each compare then adds the basis to a 16-lane int32 vector: the index needs no
    multiply), else int64; bad: (ntask,) receives the count of non-finite values of each task's
    rows.
    """
    T, P = thr_pat.shape
    R = P // d
    ntask = bad.shape[0]
    per = ((n + ntask - 1) // ntask + R - 1) // R * R  # rows per task, whole tiles
    big = zf.dtype.type(np.inf)
    zero = bas_pat.dtype.type(0)
    for t in nb.prange(ntask):
        w = np.empty(P, bas_pat.dtype)
        a0 = t * per
        a1 = min(n, a0 + per)
        nbad = np.int32(0)
        for r0 in range(a0, a1, R):
            m = min(a1, r0 + R) - r0
            q = m * d
            x = zf[r0 * d: r0 * d + q]
            t0, t1, t2, t3 = thr_pat[0], thr_pat[1], thr_pat[2], thr_pat[3]
            for p in range(q):
                xp = x[p]
                b = bas_pat[p]
                nbad += np.int32(not abs(xp) < big)
                w[p] = (((b if xp >= t0[p] else zero) + (b if xp >= t1[p] else zero))
                        + ((b if xp >= t2[p] else zero) + (b if xp >= t3[p] else zero)))
            for j in range(4, T, 4):
                t0, t1, t2, t3 = thr_pat[j], thr_pat[j + 1], thr_pat[j + 2], thr_pat[j + 3]
                for p in range(q):
                    xp = x[p]
                    b = bas_pat[p]
                    w[p] += (((b if xp >= t0[p] else zero) + (b if xp >= t1[p] else zero))
                             + ((b if xp >= t2[p] else zero) + (b if xp >= t3[p] else zero)))
            _group_sum(w, m, d, out[r0:r0 + m])
        bad[t] = nbad


@nb.njit(parallel=True, cache=True)
def encode_bucket32(zf, n, d, lo_pat, invw_pat, bmax_pat, off_pat, tab, basis, out, bad):
    """As :func:`encode_compare` for float32 rows through the bucket table
    (:func:`.gather.bucket_cells16`, 16 values at a time).

    ``*_pat``: (P,) patterns of each dimension's grid origin, inverse bucket width and last
    bucket (float32) and of its table offset (int32); tab: (B,) int64 entries, low word the
    float32 bits of the bucket's threshold (+inf if none), high word the count of thresholds of
    that dimension in earlier buckets.
    """
    P = lo_pat.shape[0]
    R = P // d
    ntask = bad.shape[0]
    per = ((n + ntask - 1) // ntask + R - 1) // R * R  # rows per task, whole tiles
    for t in nb.prange(ntask):
        w = np.empty(P, np.int32)
        xs = np.zeros(P, np.float32)  # a last tile shorter than 16 values is padded here
        a0 = t * per
        a1 = min(n, a0 + per)
        nbad = np.int32(0)
        for r0 in range(a0, a1, R):
            m = min(a1, r0 + R) - r0
            q = m * d
            x = zf[r0 * d: r0 * d + q]
            q16 = q // WIDTH * WIDTH
            for p in range(0, q16, WIDTH):
                nbad += bucket_cells16(x, p, lo_pat, invw_pat, bmax_pat, off_pat, tab, w)
            if q16 < q:
                for p in range(q - q16):
                    xs[q16 + p] = x[q16 + p]
                for p in range(q, q16 + WIDTH):
                    xs[p] = 0
                nbad += bucket_cells16(xs, q16, lo_pat, invw_pat, bmax_pat, off_pat, tab, w)
            _radix(w, m, d, basis, out[r0:r0 + m])
        bad[t] = nbad


@nb.njit(cache=True)
def buckets_of(t, lo, invw, bmax, nbk, out):
    """out[i] = bucket of the float32 t[i] in a grid of nbk buckets, computed by the kernel's own
    :func:`.gather.bucket_cells16` on a table whose counts are the bucket numbers."""
    tab = (np.arange(nbk).astype(np.int64) << 32) | np.int64(0x7F800000)  # (count=b, +inf)
    lo_p = np.full(WIDTH, lo, np.float32)
    invw_p = np.full(WIDTH, invw, np.float32)
    bmax_p = np.full(WIDTH, bmax, np.float32)
    off_p = np.zeros(WIDTH, np.int32)
    xs = np.zeros(WIDTH, np.float32)
    w = np.empty(WIDTH, np.int32)
    for i0 in range(0, t.shape[0], WIDTH):
        m = min(WIDTH, t.shape[0] - i0)
        for i in range(m):
            xs[i] = t[i0 + i]
        bucket_cells16(xs, 0, lo_p, invw_p, bmax_p, off_p, tab, w)
        for i in range(m):
            out[i0 + i] = w[i]


# --- tables ---------------------------------------------------------------------------------
def _rows_per_tile(d, t_pad):
    r = _PATTERN_BYTES // (4 * d * max(t_pad, 4))
    return int(min(256, max(16, r // 16 * 16)))


def _grid32(t):
    """(lo, invw, bmax, entries) of a warped bucket grid over the sorted float32 thresholds t
    with at most one per bucket, or None."""
    if t.size == 0:
        ent = np.array([_pack(np.float32(np.inf), 0)], dtype=np.int64)
        return np.float32(0), np.float32(0), np.float32(0), ent
    wt = np.empty(t.size, np.float32)
    _warp32(t, wt)
    if t.size > 1 and not np.all(np.diff(wt) > 0):
        return None
    lo = wt[0]
    span = float(wt[-1]) - float(wt[0])
    nbk = 1 if t.size == 1 else math.ceil(span / float(np.diff(wt).min())) + 2
    b = np.empty(t.size, np.int32)
    while nbk <= BUCKETS_MAX:
        invw = np.float32((nbk - 1) / span) if span > 0 else np.float32(0)
        bmax = np.float32(nbk - 1)
        if not (math.isfinite(float(invw)) and int(bmax) == nbk - 1):
            return None
        buckets_of(t, lo, invw, bmax, nbk, b)
        if np.all(np.diff(b) > 0):
            thr_in = np.full(nbk, np.inf, np.float32)
            thr_in[b] = t
            cnt = np.searchsorted(b, np.arange(nbk), side="left")
            return lo, invw, bmax, _pack(thr_in, cnt)
        nbk = math.ceil(nbk * 1.25)
    return None


def _pack(thr32, cnt):
    bits = np.asarray(thr32, np.float32).view(np.uint32).astype(np.int64)
    return (np.asarray(cnt, np.int64) << 32) | bits


@nb.njit(cache=True, error_model="numpy")
def _warp32(x, out):
    one = np.float32(1)
    for i in range(x.shape[0]):
        w = one - one / (one + abs(x[i]))
        out[i] = w if x[i] >= np.float32(0) else -w


def flat_tables(thr, nthr, basis):
    """Tables of the flat-stream encode for the (d, T) +inf-padded thresholds ``thr`` (float32
    or float64) with ``nthr[k]`` real ones: ``("compare", thr_pat, bas_pat)``, ``("bucket", lo_pat,
    invw_pat, bmax_pat, off_pat, tab)`` (float32 only), or None when neither applies (the
    tiled kernel of :mod:`.encode` is used then)."""
    thr = np.asarray(thr)
    d = thr.shape[0]
    tmax = int(max(nthr)) if d else 0
    t_pad = max(4, -(-tmax // 4) * 4)
    rows = [thr[k, : nthr[k]] for k in range(d)]
    if any(not np.all(np.isfinite(r)) for r in rows) or sys.byteorder != "little":
        return None
    if t_pad <= COMPARE_MAX:
        R = _rows_per_tile(d, t_pad)
        pat = np.full((t_pad, d), np.inf, thr.dtype)
        pat[:tmax] = thr[:, :tmax].T
        prod = 1
        for b_, L in zip(basis, np.asarray(nthr) + 1):  # largest index + 1 = codebook size
            prod = max(prod, int(b_) * int(L))
        bas = np.tile(np.asarray(basis, np.int32 if prod < 2 ** 31 else np.int64), R)
        return ("compare", np.ascontiguousarray(np.tile(pat, (1, R))), bas)
    if thr.dtype != np.float32 or not gather_compiles():
        return None
    grids, offs, seen = [], np.zeros(d, np.int64), {}
    total = 0
    par = np.zeros((3, d), np.float32)
    for k, r in enumerate(rows):
        key = r.tobytes()
        if key not in seen:  # FSQ level lists repeat L: one table per distinct L
            g = _grid32(r)
            if g is None:
                return None
            seen[key] = (total, g)
            grids.append(g[3])
            total += g[3].size
        offs[k], g = seen[key]
        par[:, k] = g[:3]
    if total >= 2 ** 31:
        return None
    R = _rows_per_tile(d, 4)
    lo_pat, invw_pat, bmax_pat = (np.tile(par[i], R) for i in range(3))
    off_pat = np.tile(offs.astype(np.int32), R)
    return ("bucket", lo_pat, invw_pat, bmax_pat, off_pat, np.concatenate(grids))


_GATHER_OK = []


def gather_compiles():
    """Whether this numba/llvmlite builds the gather intrinsic (emitted as raw LLVM IR, tested
    with numba 0.68 / LLVM 22; an older toolchain may refuse it): a one-off probe, after which
    the bucket path is either used or replaced by the tiled kernel."""
    if not _GATHER_OK:
        try:
            b = np.empty(3, np.int32)
            buckets_of(np.array([-1.0, 0.0, 1.0], np.float32), np.float32(-0.5),
                       np.float32(2.0), np.float32(2.0), 3, b)
            _GATHER_OK.append(b.tolist() == [0, 1, 2])
        except Exception:  # noqa: BLE001 - numba lowering and LLVM errors share no base class
            _GATHER_OK.append(False)
    return _GATHER_OK[0]


def encode(rows, tables, basis):
    """Codebook indices of the C-contiguous (n, d) ``rows`` and whether any value was not finite
    (the caller raises then)."""
    n, d = rows.shape
    out = np.empty(n, np.int64)
    if n == 0:
        return out, False
    R = (tables[1].shape[1] if tables[0] == "compare" else tables[1].shape[0]) // d
    ntask = max(1, min(TASKS_PER_THREAD * nb.get_num_threads(), -(-n // R)))
    bad = np.zeros(ntask, np.int32)
    zf = rows.reshape(-1)
    # tasks handed out one at a time: on a shared machine a thread that is descheduled does not
    # leave the other waiting at the end of the loop with half of the rows still to do
    old = nb.set_parallel_chunksize(1) if ntask > 1 else None
    try:
        if tables[0] == "compare":
            encode_compare(zf, n, d, tables[1], tables[2], out, bad)
        else:
            encode_bucket32(zf, n, d, *tables[1:], basis, out, bad)
    finally:
        if old is not None:
            nb.set_parallel_chunksize(old)
    return out, bad.any()
