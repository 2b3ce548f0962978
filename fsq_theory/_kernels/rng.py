"""Counter-based random streams for in-kernel sample generation.

The value at position ``j`` of a stream is a pure function of the stream key and ``j``, so
samples do not depend on chunk size, thread count or the order in which blocks are visited.

``bits(key, j) = mix(mix(key0 + (j + 1) * gamma) ^ key1)`` where ``mix`` is the SplitMix64
output function (Stafford's variant 13) and ``gamma`` the golden-ratio increment; with ``key1 = 0``
this is exactly the SplitMix64 sequence started at ``key0`` (Steele, Lea & Flood, "Fast splittable
pseudorandom number generators", OOPSLA 2014), which passes BigCrush; the second round decorrelates
streams whose ``key0`` values are close. Keys come from ``numpy.random.SeedSequence``.

Uniforms use the top 53 bits, centred: ``u = (bits >> 11) + 0.5) * 2**-53`` lies in (0, 1) and is
never 0 or 1. Normals use the 256-layer ziggurat of Marsaglia & Tsang ("The ziggurat method for
generating random variables", J. Stat. Softw. 5(8), 2000) in the 64-bit form numpy uses: element
``j`` takes the bits at position ``j`` (8 bits layer, 1 bit sign, 52 bits abscissa) and is accepted
at once with probability 0.9925; the rare wedge and tail draws take their extra bits from
sub-streams at the same position (``key1`` salted by the draw number), so element ``j`` remains a
function of ``(key, j)`` alone. Laplace noise is the inverse CDF of the uniform at ``j``.
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

NOISE_NORMAL = 0
NOISE_LAPLACE = 1
NOISE_UNIFORM = 2

_ELEMS_PER_TASK = 1 << 15


def _ziggurat_tables(n_layers=256, r=3.6541528853610088, v=4.92867323399e-3):
    """Layer tables of the normal ziggurat (Marsaglia & Tsang 2000, ``zigset`` with 256 layers).

    Layer 0 is the base (rectangle plus tail beyond ``r``); layer ``i`` has right edge ``w[i]*2**52``
    and is accepted outright when the 52-bit abscissa is below ``k[i]``; ``f[i]`` is the density
    ``exp(-x_i^2/2)`` at its edge.
    """
    m1 = 2.0 ** 52
    k = np.zeros(n_layers, dtype=np.uint64)
    w = np.zeros(n_layers)
    f = np.zeros(n_layers)
    dn = tn = r
    q = v / math.exp(-0.5 * dn * dn)
    k[0] = np.uint64((dn / q) * m1)
    k[1] = 0
    w[0] = q / m1
    w[n_layers - 1] = dn / m1
    f[0] = 1.0
    f[n_layers - 1] = math.exp(-0.5 * dn * dn)
    for i in range(n_layers - 2, 0, -1):
        dn = math.sqrt(-2.0 * math.log(v / dn + math.exp(-0.5 * dn * dn)))
        k[i + 1] = np.uint64((dn / tn) * m1)
        tn = dn
        f[i] = math.exp(-0.5 * dn * dn)
        w[i] = dn / m1
    return k, w, f


_ZK, _ZW, _ZF = _ziggurat_tables()
_ZR = 3.6541528853610088
_ZINV_R = 1.0 / _ZR
_MASK52 = np.uint64(0x000FFFFFFFFFFFFF)
_MASK8 = np.uint64(0xFF)
_S8 = np.uint64(8)


@nb.njit(cache=True, inline="always")
def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(cache=True, inline="always")
def uniform_at(key0, key1, j):
    """Uniform in (0, 1) at stream position ``j`` (uint64 key words, int64 ``j``)."""
    return _to_uniform(bits_at(key0, key1, j))


@nb.njit(cache=True, inline="always")
def bits_at(key0, key1, j):
    """64 random bits at stream position ``j``."""
    return _mix(_mix(key0 + (np.uint64(j) + _ONE) * _GAMMA) ^ key1)


@nb.njit(cache=True, inline="always")
def _to_uniform(h):
    return (np.float64(h >> _S11) + 0.5) * _TWO_M53


@nb.njit(cache=True)
def normal_at(key0, key1, j, zk, zw, zf):
    """Standard normal at stream position ``j`` (ziggurat; extra draws from salted sub-streams)."""
    h = bits_at(key0, key1, j)
    t = np.uint64(0)
    while True:
        idx = np.int64(h & _MASK8)
        h >>= _S8
        neg = (h & _ONE) == _ONE
        rabs = (h >> _ONE) & _MASK52
        x = np.float64(rabs) * zw[idx]
        if neg:
            x = -x
        if rabs < zk[idx]:
            return x
        if idx == 0:
            while True:  # tail beyond r (Marsaglia 1964)
                t += _ONE
                xx = -_ZINV_R * math.log(_to_uniform(bits_at(key0, key1 ^ _mix(t), j)))
                t += _ONE
                yy = -math.log(_to_uniform(bits_at(key0, key1 ^ _mix(t), j)))
                if yy + yy > xx * xx:
                    return -(_ZR + xx) if neg else _ZR + xx
        t += _ONE
        u = _to_uniform(bits_at(key0, key1 ^ _mix(t), j))
        if (zf[idx - 1] - zf[idx]) * u + zf[idx] < math.exp(-0.5 * x * x):
            return x
        t += _ONE
        h = bits_at(key0, key1 ^ _mix(t), j)


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
        zk, zw, zf = _ZK, _ZW, _ZF
        for i in range(n):
            out[i] = normal_at(key0, key1, start + i, zk, zw, zf)
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
