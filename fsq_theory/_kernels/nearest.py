"""Nearest-codeword search for an explicit codebook (k-means VQ, truncated lattices).

Distances are ranked by ``|c|^2 - 2 x.c`` (the ``|x|^2`` term is common to a row); the
transposed codebook makes the inner loop over codewords contiguous, so LLVM vectorises it, and
rows are processed in tiles in parallel, so memory stays at one tile of scores per thread.
The winning codeword's exact squared distance is recomputed directly. Validation is the
wrapper's job.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_ROWS = 256


@nb.njit(parallel=True, cache=True, fastmath=False)
def nearest_codeword(x, codebook_t, norms, out_idx, out_dist2):
    """out_idx[r] = argmin_j |x[r] - c_j|^2 (lowest j on ties of the ranking score).

    x (N, d) float64, codebook_t (d, M) float64 (codebook transposed), norms (M,) = |c_j|^2;
    out_dist2 (N,) receives the exact squared distance, or is empty (size 0) to skip it.
    """
    N, d = x.shape
    M = codebook_t.shape[1]
    want_d = out_dist2.shape[0] == N
    ntask = (N + _ROWS - 1) // _ROWS
    for t in nb.prange(ntask):
        score = np.empty(M)
        r0 = t * _ROWS
        r1 = min(N, r0 + _ROWS)
        for r in range(r0, r1):
            for j in range(M):
                score[j] = norms[j]
            for i in range(d):
                a = -2.0 * x[r, i]
                row = codebook_t[i]
                for j in range(M):
                    score[j] += a * row[j]
            best = 0
            bs = score[0]
            for j in range(1, M):
                if score[j] < bs:
                    bs = score[j]
                    best = j
            out_idx[r] = best
            if want_d:
                acc = 0.0
                for i in range(d):
                    e = x[r, i] - codebook_t[i, best]
                    acc += e * e
                out_dist2[r] = acc
