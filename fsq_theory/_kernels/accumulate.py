"""Fused quantize-and-accumulate kernels behind :func:`fsq_theory.stats.stream_stats`.

Rows are processed in fixed blocks of ``BLOCK`` rows aligned to the global row index. Each block
produces its own float partial sums (two-pass mean and M2, squared errors), written to its own
slot, and partials are merged sequentially in block order; histogram counts are integers summed
into per-thread arrays. Together this makes every result bit-identical for any chunk size (a
multiple of ``BLOCK``) and any thread count.

For synthetic sources the samples are generated inside the kernel from the counter-based stream
of :mod:`._kernels.rng` (``x = mean + M e``), so no ``n x d`` array is ever built.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from .encode import _cell
from .rng import fill_noise

BLOCK = 4096

BOUND_IDENTITY = 0  # general scalar quantizer: code domain = source domain
BOUND_TANH = 1      # FSQ default mode: (tanh(z + shift) * half_l - offset) / half_width
BOUND_SYM = 2       # FSQ symmetric mode: tanh(z)

# per-dimension partial statistics of one block
P_MEAN, P_M2, P_SSE_CODE, P_SSE_SRC = 0, 1, 2, 3
N_PART = 4


@nb.njit(cache=True)
def _block(x, nb_rows, scale, thr, table, recon, has_recon, bound_mode, bconst, basis,
           joint, counts_joint, counts_marg, part):
    d = x.shape[1]
    for k in range(d):
        s = 0.0
        for r in range(nb_rows):
            s += x[r, k]
        mean = s / nb_rows
        m2 = 0.0
        sse_c = 0.0
        sse_s = 0.0
        for r in range(nb_rows):
            xv = x[r, k]
            dv = xv - mean
            m2 += dv * dv
            z = scale[k] * xv
            c = _cell(z, thr[k])
            counts_marg[k, c] += 1
            if bound_mode == BOUND_TANH:
                b = (math.tanh(z + bconst[k, 0]) * bconst[k, 1] - bconst[k, 2]) / bconst[k, 3]
            elif bound_mode == BOUND_SYM:
                b = math.tanh(z)
            else:
                b = xv
            e = b - table[k, c]
            sse_c += e * e
            if has_recon:
                e = xv - recon[k, c]
                sse_s += e * e
        part[k, P_MEAN] = mean
        part[k, P_M2] = m2
        part[k, P_SSE_CODE] = sse_c
        part[k, P_SSE_SRC] = sse_s
    if joint:
        for r in range(nb_rows):
            idx = 0
            for k in range(d):
                idx += _cell(scale[k] * x[r, k], thr[k]) * basis[k]
            counts_joint[idx] += 1


@nb.njit(parallel=True, cache=True)
def stats_synthetic(kind, key0, key1, row0, nrows, mean, mat, full, scale, thr, table, recon,
                    has_recon, bound_mode, bconst, basis, joint, counts_joint, counts_marg, part):
    """Generate rows ``[row0, row0 + nrows)`` of ``x = mean + mat @ e`` and accumulate them.

    ``e`` is the noise stream of ``kind`` (element ``row * d + k``); ``full`` selects a full
    matrix, otherwise only the diagonal of ``mat`` is used. ``row0`` must be a multiple of BLOCK.
    """
    d = mean.shape[0]
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    for t in nb.prange(nt):
        e = np.empty(BLOCK * d)
        x = np.empty((BLOCK, d))
        for b in range(t, nblk, nt):
            r0 = b * BLOCK
            nb_rows = min(BLOCK, nrows - r0)
            fill_noise(kind, key0, key1, (row0 + r0) * d, e[: nb_rows * d])
            for r in range(nb_rows):
                for k in range(d):
                    if full:
                        acc = mean[k]
                        for j in range(d):
                            acc += mat[k, j] * e[r * d + j]
                        x[r, k] = acc
                    else:
                        x[r, k] = mean[k] + mat[k, k] * e[r * d + k]
            _block(x, nb_rows, scale, thr, table, recon, has_recon, bound_mode, bconst, basis,
                   joint, counts_joint[t], counts_marg[t], part[b])


@nb.njit(parallel=True, cache=True)
def stats_array(xs, scale, thr, table, recon, has_recon, bound_mode, bconst, basis, joint,
                counts_joint, counts_marg, part):
    """Accumulate the rows of ``xs`` (a chunk starting at a multiple of BLOCK)."""
    nrows = xs.shape[0]
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    for t in nb.prange(nt):
        for b in range(t, nblk, nt):
            r0 = b * BLOCK
            r1 = min(nrows, r0 + BLOCK)
            _block(xs[r0:r1], r1 - r0, scale, thr, table, recon, has_recon, bound_mode, bconst,
                   basis, joint, counts_joint[t], counts_marg[t], part[b])


@nb.njit(cache=True)
def merge_blocks(part, nrows, totals, n_done):
    """Fold block partials into ``totals`` (d, N_PART) in block order (Chan et al. 1979).

    ``totals[:, P_MEAN]``/``P_M2`` are the running mean and M2 over the ``n_done`` rows already
    merged; returns the new row count.
    """
    nblk = part.shape[0]
    d = part.shape[1]
    n_a = n_done
    for b in range(nblk):
        n_b = min(BLOCK, nrows - b * BLOCK)
        n_ab = n_a + n_b
        for k in range(d):
            delta = part[b, k, P_MEAN] - totals[k, P_MEAN]
            totals[k, P_MEAN] += delta * n_b / n_ab
            totals[k, P_M2] += part[b, k, P_M2] + delta * delta * n_a * n_b / n_ab
            totals[k, P_SSE_CODE] += part[b, k, P_SSE_CODE]
            totals[k, P_SSE_SRC] += part[b, k, P_SSE_SRC]
        n_a = n_ab
    return n_a
