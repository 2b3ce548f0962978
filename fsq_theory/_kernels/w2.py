"""Fused encode + squared-error kernel behind the exact empirical W2 of a quantized sample.

``sse_blocks`` returns per-block sums of ``sum_k (x[r, k] - points[k, cell(x[r, k])])^2`` over
fixed blocks of ``BLOCK`` rows; the caller adds them in block order, so the result does not
depend on the thread count. Cells come from the encoder's tile look-up (:func:`.encode.tile_cells`).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .encode import cell_tables, tile_cells

BLOCK = 8192


@nb.njit(parallel=True, cache=True)
def sse_blocks(x, mode, lo, invw, bmax, tab, thr, nthr, points, out):
    """out[b] = sum over rows of block b and dims k of (x[r, k] - points[k, cell])^2.

    x: (n, d) float64; ``mode .. thr``: :func:`.encode.cell_tables` of the (d, T) thresholds padded
    with +inf; nthr: (d,) real thresholds per dimension; points: (d, T + 1); out: (ceil(n / BLOCK),) float64. A value equal to a threshold
    belongs to the upper cell (``searchsorted(..., side="right")``).
    """
    n, d = x.shape
    for b in nb.prange(out.shape[0]):
        r0 = b * BLOCK
        m = min(BLOCK, n - r0)
        cnt = np.empty(m, dtype=np.int32)
        col = np.empty(m)
        acc = 0.0
        for k in range(d):
            for r in range(m):
                col[r] = x[r0 + r, k]
            tile_cells(col, m, k, mode, lo, invw, bmax, tab, thr, nthr, cnt)
            pk = points[k]
            for r in range(m):
                e = col[r] - pk[cnt[r]]
                acc += e * e
        out[b] = acc


def sse(x, thr, nthr, points):
    """Total of :func:`sse_blocks` over the blocks in order (thresholds as there)."""
    out = np.empty(-(-x.shape[0] // BLOCK))
    sse_blocks(x, *cell_tables(thr, nthr), nthr, points, out)
    return float(out.sum())
