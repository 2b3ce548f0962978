"""Numba kernels of the particle estimates (squared Euclidean distance, Gibbs weights).

``gibbs_pass`` is one pass of the Blahut-Arimoto functional over the rows; ``c_at`` evaluates
c(y) at candidate points; ``mean_shift`` moves candidates to the weighted means that increase
c(y). All take ``bs`` = beta / d (nats per unit squared distance). Inputs are validated by the
wrappers, never here; nothing of the package is imported.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def gibbs_pass(X, Y, logw, bs, want_s, logZ, c, S):
    """Fill logZ (n,), c (m,) += sum_i e^{-bs |x_i - y_j|^2} / Z_i and, if ``want_s``, S (m, d)
    += the same weights times x_i; return sum_ij w_j e^{-bs sq_ij} / Z_i * sq_ij."""
    n, d = X.shape
    m = Y.shape[0]
    sq = np.empty(m)
    ex = np.empty(m)
    invw = np.empty(m)
    for j in range(m):
        invw[j] = math.exp(-logw[j]) if logw[j] > -700.0 else 0.0
    dsum = 0.0
    for i in range(n):
        best = -np.inf
        for j in range(m):
            s = 0.0
            for k in range(d):
                t = X[i, k] - Y[j, k]
                s += t * t
            sq[j] = s
            a = logw[j] - bs * s
            best = max(best, a)
        tot = 0.0
        for j in range(m):
            ex[j] = math.exp(logw[j] - bs * sq[j] - best)
            tot += ex[j]
        lz = best + math.log(tot)
        logZ[i] = lz
        for j in range(m):
            r = ex[j] / tot  # posterior weight w_j e^{-bs sq} / Z_i
            if invw[j] > 0.0 and invw[j] < 1e300:
                ej = r * invw[j]
            else:  # (near-)zero weight: e^{-bs sq} / Z_i directly
                e = -bs * sq[j] - lz
                ej = math.exp(min(700.0, e))
            c[j] += ej
            dsum += r * sq[j]
            if want_s:
                for k in range(d):
                    S[j, k] += ej * X[i, k]
    return dsum


@nb.njit(cache=True)
def c_at(X, logZ, P, bs, out):
    """out[j] += sum_i exp(min(-bs |x_i - p_j|^2 - logZ_i, 700))."""
    n, d = X.shape
    for j in range(P.shape[0]):
        acc = 0.0
        for i in range(n):
            s = 0.0
            for k in range(d):
                t = X[i, k] - P[j, k]
                s += t * t
            e = -bs * s - logZ[i]
            e = min(e, 700.0)
            acc += math.exp(e)
        out[j] += acc


@nb.njit(cache=True)
def mean_shift(X, a_log, P, bs, out):
    """out[j] = sum_i u_ij x_i / sum_i u_ij with u_ij = exp(a_i - bs |x_i - p_j|^2), computed
    with a running maximum (no overflow or total underflow)."""
    n, d = X.shape
    num = np.empty(d)
    for j in range(P.shape[0]):
        best = -np.inf
        den = 0.0
        for k in range(d):
            num[k] = 0.0
        for i in range(n):
            s = 0.0
            for k in range(d):
                t = X[i, k] - P[j, k]
                s += t * t
            a = a_log[i] - bs * s
            if a > best:
                r = math.exp(best - a) if den > 0.0 else 0.0
                den *= r
                for k in range(d):
                    num[k] *= r
                best = a
            u = math.exp(a - best)
            den += u
            for k in range(d):
                num[k] += u * X[i, k]
        for k in range(d):
            out[j, k] = num[k] / den
