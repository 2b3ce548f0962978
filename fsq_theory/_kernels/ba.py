"""Blahut-Arimoto kernels: the row-scaled Gibbs kernel and log-domain row sums.

``scaled_kernel`` forms K[x, y] = exp(-beta (d[x, y] - dmin[x])) with dmin[x] = min_y d[x, y],
so every row's largest entry is exactly 1 and nothing overflows at any beta; entries that
underflow to 0 are below 1e-308 of their row's largest. ``log_row_sums`` evaluates
log sum_y exp(lq[y] - beta (d[x, y] - dmin[x])) stably (running max) for the rows where the
floating-point sum K @ q underflowed. Inputs are validated by the public wrappers, never here.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def scaled_kernel(d, beta, K, dmin):
    """Fill K (n, m) and dmin (n,) in place from d (n, m) and beta >= 0."""
    n, m = d.shape
    for i in range(n):
        lo = d[i, 0]
        for j in range(1, m):
            if d[i, j] < lo:
                lo = d[i, j]
        dmin[i] = lo
        for j in range(m):
            K[i, j] = math.exp(-beta * (d[i, j] - lo))


@nb.njit(cache=True)
def log_row_sums(lq, d, dmin, beta, rows, out):
    """out[k] = log sum_y exp(lq[y] - beta (d[rows[k], y] - dmin[rows[k]])), stably."""
    m = d.shape[1]
    for k in range(rows.shape[0]):
        i = rows[k]
        best = -np.inf
        for j in range(m):
            a = lq[j] - beta * (d[i, j] - dmin[i])
            if a > best:
                best = a
        if best == -np.inf:
            out[k] = -np.inf
            continue
        s = 0.0
        for j in range(m):
            s += math.exp(lq[j] - beta * (d[i, j] - dmin[i]) - best)
        out[k] = best + math.log(s)


@nb.njit(cache=True)
def weighted_distortion(K, d, w, q):
    """sum_{x,y} w[x] K[x, y] d[x, y] q[y] without forming K * d."""
    n, m = K.shape
    total = 0.0
    for i in range(n):
        if w[i] == 0.0:
            continue
        s = 0.0
        for j in range(m):
            s += K[i, j] * d[i, j] * q[j]
        total += w[i] * s
    return total
