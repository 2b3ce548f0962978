"""Threshold-form quantization kernels.

Every per-dimension scalar quantizer used here is monotone, so the cell of ``z`` is the number of
decision thresholds ``<= z``. Threshold rows are padded with ``+inf`` to a common width, which
makes the count branch-free (a fixed-length loop of compares that LLVM vectorises).
Inputs are validated (finite, right shapes and dtypes) by the public wrappers, never here.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_TILE = 1024


@nb.njit(cache=True, inline="always")
def _tile_cells(z, r0, m, k, thr, nthr, col, cnt):
    """cnt[r] = cell of z[r0 + r, k] for r < m.

    Column-at-a-time over a tile: the inner loop over rows is a contiguous compare-and-add that
    LLVM vectorises, and only the real thresholds of dimension k are visited.
    """
    for r in range(m):
        col[r] = z[r0 + r, k]
        cnt[r] = 0
    for j in range(nthr[k]):
        tj = thr[k, j]
        for r in range(m):
            cnt[r] += np.int32(col[r] >= tj)


OUT_INDEX, OUT_CELLS, OUT_CODES = 0, 1, 2


@nb.njit(parallel=True, cache=True)
def quantize_tiles(z, thr, nthr, what, basis, table, out_int, out_codes):
    """One pass over z (n, d) in row tiles; ``what`` selects the output:

    OUT_INDEX: out_int[r, 0] = sum_k cell(z[r, k]) * basis[k]   (out_int int64 (n, 1))
    OUT_CELLS: out_int[r, k] = cell(z[r, k])                     (out_int int64 (n, d))
    OUT_CODES: out_codes[r, k] = table[k, cell(z[r, k])]         (out_codes like table, (n, d))
    ``thr`` is (d, T) padded with +inf, ``nthr[k]`` the real thresholds of dimension k; the
    unused output may be an empty (0, 0) array.
    """
    n, d = z.shape
    ntask = (n + _TILE - 1) // _TILE
    for t in nb.prange(ntask):
        r0 = t * _TILE
        m = min(n, r0 + _TILE) - r0
        acc = np.zeros(_TILE, np.int64)
        col = np.empty(_TILE, z.dtype)
        cnt = np.empty(_TILE, np.int32)
        for k in range(d):
            _tile_cells(z, r0, m, k, thr, nthr, col, cnt)
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
