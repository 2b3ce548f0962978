"""Threshold-form quantization kernels.

Every per-dimension scalar quantizer used here is monotone, so the cell of ``z`` is the number of
decision thresholds ``<= z``. Threshold rows are padded with ``+inf`` to a common width, which
makes the count branch-free (a fixed-length loop of compares that LLVM vectorises).
Inputs are validated (finite, right shapes and dtypes) by the public wrappers, never here.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_ROWS_PER_TASK = 4096


@nb.njit(cache=True, inline="always")
def _cell(value, thr_row):
    c = 0
    for j in range(thr_row.shape[0]):
        c += value >= thr_row[j]
    return c


@nb.njit(parallel=True, cache=True)
def encode_rows(z, thr, basis, out):
    """out[r] = sum_k cell(z[r, k]) * basis[k]  (z: (n, d); thr: (d, T) padded with +inf)."""
    n, d = z.shape
    ntask = (n + _ROWS_PER_TASK - 1) // _ROWS_PER_TASK
    for t in nb.prange(ntask):
        r0 = t * _ROWS_PER_TASK
        r1 = min(n, r0 + _ROWS_PER_TASK)
        for r in range(r0, r1):
            idx = 0
            for k in range(d):
                idx += _cell(z[r, k], thr[k]) * basis[k]
            out[r] = idx


@nb.njit(parallel=True, cache=True)
def cells_rows(z, thr, out):
    """out[r, k] = cell(z[r, k]) for each dimension k."""
    n, d = z.shape
    ntask = (n + _ROWS_PER_TASK - 1) // _ROWS_PER_TASK
    for t in nb.prange(ntask):
        r0 = t * _ROWS_PER_TASK
        r1 = min(n, r0 + _ROWS_PER_TASK)
        for r in range(r0, r1):
            for k in range(d):
                out[r, k] = _cell(z[r, k], thr[k])


@nb.njit(parallel=True, cache=True)
def quantize_rows(z, thr, table, out):
    """out[r, k] = table[k, cell(z[r, k])] (table: (d, L_max) of reconstruction values)."""
    n, d = z.shape
    ntask = (n + _ROWS_PER_TASK - 1) // _ROWS_PER_TASK
    for t in nb.prange(ntask):
        r0 = t * _ROWS_PER_TASK
        r1 = min(n, r0 + _ROWS_PER_TASK)
        for r in range(r0, r1):
            for k in range(d):
                out[r, k] = table[k, _cell(z[r, k], thr[k])]


def pad_rows(rows, fill, dtype):
    """Stack 1-D arrays of different lengths into a 2-D array padded with ``fill``."""
    width = max(1, max(len(r) for r in rows))
    out = np.full((len(rows), width), fill, dtype=dtype)
    for i, r in enumerate(rows):
        out[i, : len(r)] = r
    return out
