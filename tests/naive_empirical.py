"""Plain-numpy twins of the numba kernels of ``fsq_theory._kernels.particles``."""

import numpy as np
from scipy.special import logsumexp


def gibbs_pass(X, Y, logw, bs):
    """Twin of ``_kernels.gibbs_pass``: (logZ, c, S, dsum) with the full n x m matrices."""
    sq = ((X[:, None, :] - Y[None, :, :]) ** 2).sum(axis=2)
    A = logw[None, :] - bs * sq
    logZ = logsumexp(A, axis=1)
    E = np.exp(-bs * sq - logZ[:, None])
    r = np.exp(A - logZ[:, None])
    return logZ, E.sum(axis=0), E.T @ X, float((r * sq).sum())


def c_at(X, logZ, P, bs):
    """Twin of ``_kernels.c_at`` (sum over rows, not divided by n)."""
    sq = ((X[:, None, :] - P[None, :, :]) ** 2).sum(axis=2)
    return np.exp(-bs * sq - logZ[:, None]).sum(axis=0)


def mean_shift(X, a_log, P, bs):
    """Twin of ``_kernels.mean_shift``."""
    sq = ((X[:, None, :] - P[None, :, :]) ** 2).sum(axis=2)
    U = np.exp(a_log[:, None] - bs * sq - (a_log[:, None] - bs * sq).max(axis=0))
    return (U.T @ X) / U.sum(axis=0)[:, None]
