"""Fused quantize-and-accumulate kernels behind :func:`fsq_theory.stats.stream_stats`.

Rows are processed in fixed blocks of ``BLOCK`` rows aligned to the global row index. Each block
produces its own float partial sums (mean, per-cell means and spreads, the block's M2 from those,
squared errors), written to its own slot, and partials are merged sequentially in block order;
histogram counts are integers summed into per-thread arrays. Together this makes every result
bit-identical for any chunk size (a multiple of ``BLOCK``) and any thread count. Inside a block
the order of every float sum is fixed by the block's row count alone (eight-lane sums, four
interleaved per-cell accumulators), never by the vector width of the machine, so LLVM can
vectorise the elementwise loops without reordering a sum (no fastmath).

For synthetic sources the samples are generated inside the kernel from the counter-based stream
of :mod:`._kernels.rng` (``x = mean + M e``), so no ``n x d`` array is ever built.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from . import vmath as vm
from .encode import tile_cells
from .rng import fill_noise

BLOCK = 4096

BOUND_IDENTITY = 0  # general scalar quantizer: code domain = source domain
BOUND_TANH = 1      # FSQ default mode: (tanh(z + shift) * half_l - offset) / half_width
BOUND_SYM = 2       # FSQ symmetric mode: tanh(z)

# per-dimension partial statistics of one block
P_MEAN, P_M2, P_SSE_CODE, P_SSE_SRC = 0, 1, 2, 3
N_PART = 4
# batch means over full blocks (standard errors): per block value of the code-domain error, the
# source-domain error, the within-cell spread and the unbiased variance (columns 2j: sum,
# 2j + 1: sum of squares); row d holds the average over the dimensions, column B_COUNT the blocks
B_CODE, B_SRC, B_CELL, B_VAR = 0, 1, 2, 3
N_BATCH = 4
B_COUNT = 2 * N_BATCH


LANES = 8  # partial sums of lane_sum
SUB = 4  # interleaved per-cell accumulators (measured: 2 and 8 no faster, 1 ~5% slower)


@nb.njit(cache=True, inline="always")
def lane_sum(a, n):
    """Sum of ``a[:n]`` in a fixed order that LLVM can vectorise without reassociating.

    Lane ``j`` adds ``a[r]`` for ``r = j, j + 8, ...`` in order (eight independent chains instead
    of one, ~4x faster than a serial sum), the lanes are added pairwise
    ``((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))``, then the ``n % 8`` trailing values in
    order. The order depends only on ``n``, never on the vector width of the machine.
    """
    s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = 0.0
    m = n - n % LANES
    for r in range(0, m, LANES):
        s0 += a[r]
        s1 += a[r + 1]
        s2 += a[r + 2]
        s3 += a[r + 3]
        s4 += a[r + 4]
        s5 += a[r + 5]
        s6 += a[r + 6]
        s7 += a[r + 7]
    s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    for r in range(m, n):
        s += a[r]
    return s


@nb.njit(cache=True, error_model="numpy")
def _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon, has_recon,
           bound_mode, bconst, basis, joint, counts_joint, counts_marg, part, part_cells, cells,
           zcol, tmp, sub, jidx):
    """Accumulate one block; ``xt`` is (d, BLOCK) so that every loop runs along contiguous rows.

    ``part_cells[k, c]`` receives (count, mean, M2) of the source values in cell c of dimension k
    (two passes over the block, so the within-cell spread is computed stably). Cells come from
    :func:`._kernels.encode.tile_cells` on ``scale * x`` (``mode .. thr`` are its tables).
    Sums over the block's rows are :func:`lane_sum` sums, per-cell sums are over SUB
    interleaved accumulators; every elementwise loop is free of calls so that it vectorises
    (``tmp`` (BLOCK), ``sub`` (max levels * SUB, 3) and ``jidx`` (BLOCK) are scratch).
    Returns False, leaving the block half done, when a value is not finite.
    """
    d = xt.shape[0]
    for k in range(d):
        col = xt[k]
        s = lane_sum(col, nb_rows)
        if not math.isfinite(s):  # a NaN or inf, or huge finite float64 values overflowing
            for r in range(nb_rows):
                if not math.isfinite(col[r]):
                    return False
        mean = s / nb_rows
        ck = cells[k]
        sk = scale[k]
        for r in range(nb_rows):
            zcol[r] = sk * col[r]
        tile_cells(zcol, nb_rows, k, mode, lo, invw, bmax, tab, thr, nthr, ck)
        # vector loops: the bound into tb, or directly the squared code-domain error when the
        # codes are the levels (c - h) / h (default FSQ mode): then e = (bounded - level) / h
        # needs neither a look-up nor a division per value; the remaining look-ups (other
        # codes, cell means) are in the two scalar passes over the cells below
        tb = tmp
        levelled = bound_mode == BOUND_TANH and bconst[k, 4] != 0.0
        if levelled:
            shift, half_l, offset, hw = bconst[k, 0], bconst[k, 1], bconst[k, 2], bconst[k, 3]
            for r in range(nb_rows):
                e = (vm.tanh(zcol[r] + shift) * half_l - offset) - (np.float64(ck[r]) - hw)
                tb[r] = e * e
        elif bound_mode == BOUND_TANH:
            shift, half_l, offset, hw = bconst[k, 0], bconst[k, 1], bconst[k, 2], bconst[k, 3]
            for r in range(nb_rows):
                tb[r] = (vm.tanh(zcol[r] + shift) * half_l - offset) / hw
        elif bound_mode == BOUND_SYM:
            for r in range(nb_rows):
                tb[r] = vm.tanh(zcol[r])
        else:
            for r in range(nb_rows):
                tb[r] = col[r]
        # per-cell (count, sum), then the spread around the cell means, each over SUB
        # interleaved accumulators (row r goes to sub[c * SUB + r % SUB]): SUB independent
        # chains of adds through memory per cell instead of one
        nc = table.shape[1]
        sub[: nc * SUB, :] = 0.0
        m4 = nb_rows - nb_rows % SUB
        for r in range(0, m4, SUB):
            for j in range(SUB):
                i = ck[r + j] * SUB + j
                sub[i, 0] += 1.0
                sub[i, 1] += col[r + j]
        for r in range(m4, nb_rows):
            i = ck[r] * SUB + (r - m4)
            sub[i, 0] += 1.0
            sub[i, 1] += col[r]
        pc = part_cells[k]
        cm = counts_marg[k]
        for c in range(nc):
            i = c * SUB
            cnt = 0.0
            for j in range(SUB):
                cnt += sub[i + j, 0]
            pc[c, 0] = cnt
            pc[c, 1] = 0.0
            if cnt > 0:
                cm[c] += np.int64(cnt)  # the marginal histogram: the cell counts, exact
                sm = 0.0
                for j in range(SUB):
                    sm += sub[i + j, 1]
                pc[c, 1] = sm / cnt
        tk = table[k]
        rk = recon[k]
        # the spread around the cell means; the code look-up where the codes are not levels
        if levelled:
            for r in range(0, m4, SUB):
                for j in range(SUB):
                    c = ck[r + j]
                    dv = col[r + j] - pc[c, 1]
                    sub[c * SUB + j, 2] += dv * dv
        else:
            for r in range(0, m4, SUB):
                for j in range(SUB):
                    c = ck[r + j]
                    dv = col[r + j] - pc[c, 1]
                    sub[c * SUB + j, 2] += dv * dv
                    e = tb[r + j] - tk[c]
                    tb[r + j] = e * e
        for q in range(m4, nb_rows):
            c = ck[q]
            dv = col[q] - pc[c, 1]
            sub[c * SUB + q - m4, 2] += dv * dv
            if not levelled:
                e = tb[q] - tk[c]
                tb[q] = e * e
        # from the cells (n, mean, M2), with every term >= 0 (as stable as a pass over the
        # values): the block's M2 = sum M2_c + n_c (mean_c - mean)^2 (Chan et al.) and the
        # source-domain error sum_c sum (x - R_c)^2 = sum M2_c + n_c (mean_c - R_c)^2
        m2 = 0.0
        sse_s = 0.0
        for c in range(nc):
            i = c * SUB
            sm = 0.0
            for j in range(SUB):
                sm += sub[i + j, 2]
            pc[c, 2] = sm
            if pc[c, 0] > 0:
                dm = pc[c, 1] - mean
                m2 += sm + pc[c, 0] * dm * dm
                if has_recon:
                    dr = pc[c, 1] - rk[c]
                    sse_s += sm + pc[c, 0] * dr * dr
        sse_c = lane_sum(tb, nb_rows)
        if levelled:
            sse_c /= bconst[k, 3] * bconst[k, 3]
        part[k, P_MEAN] = mean
        part[k, P_M2] = m2
        part[k, P_SSE_CODE] = sse_c
        part[k, P_SSE_SRC] = sse_s
    if joint:  # the index in vector loops over the dimensions, then the scattered increments
        b0 = basis[0]
        c0 = cells[0]
        for r in range(nb_rows):
            jidx[r] = c0[r] * b0
        for k in range(1, d):
            bk = basis[k]
            ck = cells[k]
            for r in range(nb_rows):
                jidx[r] += ck[r] * bk
        for r in range(nb_rows):
            counts_joint[jidx[r]] += 1
    return True


@nb.njit(parallel=True, cache=True, error_model="numpy")
def stats_synthetic(kind, key0, key1, row0, nrows, mean, mat, full, scale, mode, lo, invw, bmax,
                    tab, thr, nthr, table, recon, has_recon, bound_mode, bconst, basis, joint,
                    counts_joint, counts_marg, part, part_cells):
    """Generate rows ``[row0, row0 + nrows)`` of ``x = mean + mat @ e`` and accumulate them.

    ``e`` is the noise stream of ``kind`` (element ``row * d + k``); ``full`` selects a full
    matrix, otherwise only the diagonal of ``mat`` is used. ``row0`` must be a multiple of BLOCK.
    Returns False when a generated value overflowed (not finite).
    """
    d = mean.shape[0]
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    ok = np.ones(nt, np.bool_)
    for t in nb.prange(nt):
        e = np.empty(BLOCK * d)
        xt = np.empty((d, BLOCK))
        cells = np.empty((d, BLOCK), np.int32)
        zcol = np.empty(BLOCK)
        tmp = np.empty(BLOCK)
        sub = np.empty((table.shape[1] * SUB, 3))
        jidx = np.empty(BLOCK, np.int64)
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
            if not _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon,
                          has_recon, bound_mode, bconst, basis, joint, counts_joint[t],
                          counts_marg[t], part[b], part_cells[b], cells, zcol, tmp, sub, jidx):
                ok[t] = False
                break
    return ok.all()


@nb.njit(parallel=True, cache=True, error_model="numpy")
def stats_array(xs, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon, has_recon,
                bound_mode, bconst, basis, joint, counts_joint, counts_marg, part, part_cells):
    """Accumulate the rows of ``xs`` (a chunk starting at a multiple of BLOCK; any real dtype,
    converted to float64 here, so float32 data are never copied whole).

    Returns -1, or the first row of the first block holding a non-finite value (the caller
    reports it; that block's partials are incomplete).
    """
    nrows, d = xs.shape
    nblk = (nrows + BLOCK - 1) // BLOCK
    nt = counts_marg.shape[0]
    bad = np.full(nt, nrows, np.int64)
    for t in nb.prange(nt):
        xt = np.empty((d, BLOCK))
        cells = np.empty((d, BLOCK), np.int32)
        zcol = np.empty(BLOCK)
        tmp = np.empty(BLOCK)
        sub = np.empty((table.shape[1] * SUB, 3))
        jidx = np.empty(BLOCK, np.int64)
        for b in range(t, nblk, nt):
            r0 = b * BLOCK
            nb_rows = min(nrows, r0 + BLOCK) - r0
            for r in range(nb_rows):
                for k in range(d):
                    xt[k, r] = np.float64(xs[r0 + r, k])
            if not _block(xt, nb_rows, scale, mode, lo, invw, bmax, tab, thr, nthr, table, recon,
                          has_recon, bound_mode, bconst, basis, joint, counts_joint[t],
                          counts_marg[t], part[b], part_cells[b], cells, zcol, tmp, sub, jidx):
                bad[t] = min(bad[t], r0)
                break
    first = bad.min()
    return -1 if first == nrows else first


@nb.njit(cache=True)
def _chan(n_a, mean_a, m2_a, n_b, mean_b, m2_b):
    """Merge (count, mean, M2) of two groups (Chan, Golub & LeVeque 1979)."""
    n_ab = n_a + n_b
    if n_b == 0:
        return n_a, mean_a, m2_a
    delta = mean_b - mean_a
    return n_ab, mean_a + delta * n_b / n_ab, m2_a + m2_b + delta * delta * n_a * n_b / n_ab


@nb.njit(cache=True)
def batch_sums(part, part_cells, nrows, batch):
    """Add each full block's per-row statistics to the batch-means sums ``batch`` (d + 1, 9).

    A block of BLOCK rows is one batch: its value is the block's mean squared error (code and
    source domain), within-cell spread and unbiased variance; the spread of these values over
    the blocks gives the standard errors (batch means). Blocks are visited in row order and a
    block's rows never depend on the chunking, so the sums do not either.
    """
    nblk = part.shape[0]
    d = part.shape[1]
    avg = np.empty(N_BATCH)
    val = np.empty(N_BATCH)
    for b in range(nblk):
        if nrows - b * BLOCK < BLOCK:
            continue  # the partial last block of a range is left out of the batches
        avg[:] = 0.0
        for k in range(d):
            spread = 0.0
            for c in range(part_cells.shape[2]):
                spread += part_cells[b, k, c, 2]
            val[B_CODE] = part[b, k, P_SSE_CODE] / BLOCK
            val[B_SRC] = part[b, k, P_SSE_SRC] / BLOCK
            val[B_CELL] = spread / BLOCK
            val[B_VAR] = part[b, k, P_M2] / (BLOCK - 1)
            for j in range(N_BATCH):
                batch[k, 2 * j] += val[j]
                batch[k, 2 * j + 1] += val[j] * val[j]
                avg[j] += val[j] / d
            batch[k, B_COUNT] += 1.0
        for j in range(N_BATCH):
            batch[d, 2 * j] += avg[j]
            batch[d, 2 * j + 1] += avg[j] * avg[j]
        batch[d, B_COUNT] += 1.0


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
