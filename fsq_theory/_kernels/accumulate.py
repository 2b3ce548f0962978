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

from .encode import tile_cells
from .rng import fill_noise

BLOCK = 4096

BOUND_IDENTITY = 0  # general scalar quantizer: code domain = source domain
BOUND_TANH = 1      # FSQ default mode: (tanh(z + shift) * half_l - offset) / half_width
BOUND_SYM = 2       # FSQ symmetric mode: tanh(z)

# per-dimension partial statistics of one block
P_MEAN, P_M2, P_SSE_CODE, P_SSE_SRC = 0, 1, 2, 3
N_PART = 4


@nb.njit(cache=True, inline="always")
def _tanh(u):
    # (1 - e)/(1 + e) with e = exp(-2|u|): one exp instead of libm's tanh (3x cheaper here) with
    # absolute error below 1e-15, which is all a squared-error statistic needs
    e = math.exp(-2.0 * abs(u))
    t = (1.0 - e) / (1.0 + e)
    return t if u >= 0 else -t


@nb.njit(cache=True)
def _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon, has_recon,
           bound_mode, bconst, basis, joint, counts_joint, counts_marg, part, part_cells, cells,
           zcol):
    """Accumulate one block; ``xt`` is (d, BLOCK) so that every loop runs along contiguous rows.

    ``part_cells[k, c]`` receives (count, mean, M2) of the source values in cell c of dimension k
    (two passes over the block, so the within-cell spread is computed stably). Cells come from
    :func:`._kernels.encode.tile_cells` on ``scale * x`` (``mode .. thr`` are its tables).
    """
    d = xt.shape[0]
    for k in range(d):
        col = xt[k]
        s = 0.0
        for r in range(nb_rows):
            s += col[r]
        mean = s / nb_rows
        m2 = 0.0
        for r in range(nb_rows):
            dv = col[r] - mean
            m2 += dv * dv
        ck = cells[k]
        sk = scale[k]
        for r in range(nb_rows):
            zcol[r] = sk * col[r]
        tile_cells(zcol, nb_rows, k, mode, lo, invw, bmax, tab, thr, nthr, ck)
        sse_c = 0.0
        sse_s = 0.0
        tk = table[k]
        if bound_mode == BOUND_TANH:
            shift, half_l, offset, hw = bconst[k, 0], bconst[k, 1], bconst[k, 2], bconst[k, 3]
            for r in range(nb_rows):
                e = (_tanh(sk * col[r] + shift) * half_l - offset) / hw - tk[ck[r]]
                sse_c += e * e
        elif bound_mode == BOUND_SYM:
            for r in range(nb_rows):
                e = _tanh(sk * col[r]) - tk[ck[r]]
                sse_c += e * e
        else:
            for r in range(nb_rows):
                e = col[r] - tk[ck[r]]
                sse_c += e * e
        if has_recon:
            rk = recon[k]
            for r in range(nb_rows):
                e = col[r] - rk[ck[r]]
                sse_s += e * e
        cm = counts_marg[k]
        for r in range(nb_rows):
            cm[ck[r]] += 1
        pc = part_cells[k]
        pc[:, :] = 0.0
        for r in range(nb_rows):
            pc[ck[r], 0] += 1.0
            pc[ck[r], 1] += col[r]
        for c in range(pc.shape[0]):
            if pc[c, 0] > 0:
                pc[c, 1] /= pc[c, 0]
        for r in range(nb_rows):
            dv = col[r] - pc[ck[r], 1]
            pc[ck[r], 2] += dv * dv
        part[k, P_MEAN] = mean
        part[k, P_M2] = m2
        part[k, P_SSE_CODE] = sse_c
        part[k, P_SSE_SRC] = sse_s
    if joint:
        for r in range(nb_rows):
            idx = 0
            for k in range(d):
                idx += cells[k, r] * basis[k]
            counts_joint[idx] += 1


@nb.njit(parallel=True, cache=True)
def stats_synthetic(kind, key0, key1, row0, nrows, mean, mat, full, scale, mode, lo, invw, bmax,
                    tab, thr, nthr, table, recon, has_recon, bound_mode, bconst, basis, joint, counts_joint, counts_marg, part,
                    part_cells):
    """Generate rows ``[row0, row0 + nrows)`` of ``x = mean + mat @ e`` and accumulate them.

    ``e`` is the noise stream of ``kind`` (element ``row * d + k``); ``full`` selects a full
    matrix, otherwise only the diagonal of ``mat`` is used. ``row0`` must be a multiple of BLOCK.
    """
    d = mean.shape[0]
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    for t in nb.prange(nt):
        e = np.empty(BLOCK * d)
        xt = np.empty((d, BLOCK))
        cells = np.empty((d, BLOCK), np.int32)
        zcol = np.empty(BLOCK)
        for b in range(t, nblk, nt):
            r0 = b * BLOCK
            nb_rows = min(BLOCK, nrows - r0)
            fill_noise(kind, key0, key1, (row0 + r0) * d, e[: nb_rows * d])
            if full:
                for r in range(nb_rows):
                    for k in range(d):
                        acc = mean[k]
                        for j in range(d):
                            acc += mat[k, j] * e[r * d + j]
                        xt[k, r] = acc
            else:
                for k in range(d):
                    mk = mean[k]
                    sk = mat[k, k]
                    for r in range(nb_rows):
                        xt[k, r] = mk + sk * e[r * d + k]
            _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon,
                   has_recon, bound_mode, bconst, basis, joint, counts_joint[t], counts_marg[t],
                   part[b], part_cells[b], cells, zcol)


@nb.njit(parallel=True, cache=True)
def stats_array(xs, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon, has_recon, bound_mode, bconst, basis, joint,
                counts_joint, counts_marg, part, part_cells):
    """Accumulate the rows of ``xs`` (a chunk starting at a multiple of BLOCK)."""
    nrows, d = xs.shape
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    for t in nb.prange(nt):
        xt = np.empty((d, BLOCK))
        cells = np.empty((d, BLOCK), np.int32)
        zcol = np.empty(BLOCK)
        for b in range(t, nblk, nt):
            r0 = b * BLOCK
            nb_rows = min(nrows, r0 + BLOCK) - r0
            for r in range(nb_rows):
                for k in range(d):
                    xt[k, r] = xs[r0 + r, k]
            _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon,
                   has_recon, bound_mode, bconst, basis, joint, counts_joint[t], counts_marg[t],
                   part[b], part_cells[b], cells, zcol)


@nb.njit(cache=True)
def _chan(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """Merge (count, mean, M2) of two groups (Chan, Golub & LeVeque 1979)."""
    n_ab = n_a + n_b
    if n_b == 0:
        return n_a, mean_a, m2_a
    delta = mean_b - mean_a
    return n_ab, mean_a + delta * n_b / n_ab, m2_a + m2_b + delta * delta * n_a * n_b / n_ab


@nb.njit(cache=True)
def merge_blocks(part, part_cells, nrows, totals, totals_cells, n_done):
    """Fold block partials into the totals in block order.

    ``totals[:, P_MEAN]``/``P_M2`` are the running mean and M2 over the ``n_done`` rows already
    merged, ``totals_cells[k, c]`` the running (count, mean, M2) of cell c of dimension k;
    returns the new row count.
    """
    nblk = part.shape[0]
    d = part.shape[1]
    n_a = n_done
    for b in range(nblk):
        n_b = min(BLOCK, nrows - b * BLOCK)
        for k in range(d):
            _, totals[k, P_MEAN], totals[k, P_M2] = _chan(
                n_a, totals[k, P_MEAN], totals[k, P_M2], n_b, part[b, k, P_MEAN], part[b, k, P_M2])
            totals[k, P_SSE_CODE] += part[b, k, P_SSE_CODE]
            totals[k, P_SSE_SRC] += part[b, k, P_SSE_SRC]
            for c in range(part_cells.shape[2]):
                q = part_cells[b, k, c]
                t = totals_cells[k, c]
                t[0], t[1], t[2] = _chan(t[0], t[1], t[2], q[0], q[1], q[2])
        n_a += n_b
    return n_a
