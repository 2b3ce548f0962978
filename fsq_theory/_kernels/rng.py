"""Counter-based random streams for in-kernel sample generation.

The value at position ``j`` of a stream is a pure function of the stream key and ``j``, so
samples do not depend on chunk size, thread count or the order in which blocks are visited.

``bits(key, j) = mix(mix(key0 + (j + 1) * gamma) ^ key1)`` where ``mix`` is the SplitMix64
output function (Stafford's variant 13) and ``gamma`` the golden-ratio increment; with ``key1 = 0``
this is exactly the SplitMix64 sequence started at ``key0`` (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), which passes BigCrush; the second round decorrelates
streams whose ``key0`` values are close. Keys come from ``numpy.random.SeedSequence``.

Uniforms use the top 53 bits, centred: ``u = (bits >> 11) + 0.5) * 2**-53`` lies in (0, 1) and is
never 0 or 1. Normals come from Box-Muller on the pair ``(u[2p], u[2p+1])``: element ``2p`` is
``r cos(2 pi u2)`` and element ``2p+1`` is ``r sin(2 pi u2)`` with ``r = sqrt(-2 log u1)``.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ONE = np.uint64(1)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO_M53 = 2.0 ** -53
_TWO_PI = 2.0 * math.pi

NOISE_NORMAL = 0
NOISE_LAPLACE = 1
NOISE_UNIFORM = 2

_ELEMS_PER_TASK = 1 << 15


@nb.njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True, inline="always")
def uniform_at(key0, key1, j):
    """Uniform in (0, 1) at stream position ``j`` (uint64 key words, int64 ``j``)."""
    h = _mix(_mix(key0 + (np.uint64(j) + _ONE) * _GAMMA) ^ key1)
    return (np.float64(h >> _S11) + 0.5) * _TWO_M53


@nb.njit(cache=True, inline="always")
def _laplace_from_uniform(u):
    # inverse CDF of the standard Laplace (scale 1); u in (0, 1) keeps the logs finite
    if u < 0.5:
        return math.log(2.0 * u)
    return -math.log(2.0 * (1.0 - u))


@nb.njit(cache=True)
def fill_noise(kind, key0, key1, start, out):
    """out[i] = noise of ``kind`` at stream position ``start + i`` (sequential)."""
    n = out.shape[0]
    if kind == NOISE_NORMAL:
        j = start
        i = 0
        while i < n:
            p = j >> 1
            u1 = uniform_at(key0, key1, 2 * p)
            u2 = uniform_at(key0, key1, 2 * p + 1)
            r = math.sqrt(-2.0 * math.log(u1))
            a = _TWO_PI * u2
            if j & 1 == 0:
                out[i] = r * math.cos(a)
                if i + 1 < n:
                    out[i + 1] = r * math.sin(a)
                i += 2
                j += 2
            else:
                out[i] = r * math.sin(a)
                i += 1
                j += 1
    elif kind == NOISE_LAPLACE:
        for i in range(n):
            out[i] = _laplace_from_uniform(uniform_at(key0, key1, start + i))
    else:
        for i in range(n):
            out[i] = uniform_at(key0, key1, start + i)


@nb.njit(parallel=True, cache=True)
def fill_noise_parallel(kind, key0, key1, start, out):
    """Parallel :func:`fill_noise` over fixed element ranges (same values for any thread count)."""
    n = out.shape[0]
    ntask = (n + _ELEMS_PER_TASK - 1) // _ELEMS_PER_TASK
    for t in nb.prange(ntask):
        i0 = t * _ELEMS_PER_TASK
        i1 = min(n, i0 + _ELEMS_PER_TASK)
        fill_noise(kind, key0, key1, start + i0, out[i0:i1])


@nb.njit(cache=True)
def ar1_filter(e, rho, innov_scale, state, out):
    """out[t] = rho * out[t-1] + innov_scale * e[t] along axis 0, starting from ``state``.

    ``state`` holds the previous row (updated in place to the last row written); a NaN state
    means "start of the sequence": the first row is ``e[0] * sqrt(innov_scale**2/(1-rho**2))``,
    i.e. a draw from the stationary law.
    """
    n, d = e.shape
    for k in range(d):
        prev = state[k]
        for t in range(n):
            if math.isnan(prev):
                x = e[t, k] * innov_scale[k] / math.sqrt(1.0 - rho * rho)
            else:
                x = rho * prev + innov_scale[k] * e[t, k]
            out[t, k] = x
            prev = x
        state[k] = prev
