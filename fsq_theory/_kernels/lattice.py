"""Closest-point kernels for lattices that are unions of cosets of a scaled ``Z^n`` or ``D_n``.

Conway and Sloane's fast quantizers (SPLAG ch. 20; IEEE T-IT 28(2):227-232, 1982): ``Z^n`` is
coordinate rounding; ``D_n`` (integer vectors of even sum) rounds and, when the sum is odd,
re-rounds the one coordinate whose move costs least (the largest rounding error); a union of
cosets ``c_j + L`` runs the base decoder on each coset and keeps the closest result. A
diagonal scale ``s`` (points ``s * (z + c)``) covers the hexagonal lattice ``A2`` as the union
of two cosets of ``Z x sqrt(3) Z``. Inputs are validated by the wrappers, never here.
"""

from __future__ import annotations

import numba as nb
import numpy as np

_TILE = 2048


@nb.njit(cache=True, inline="always")
def _closest_one(x, r, scale, shifts, parity, y, k, best_k, best_c):
    """Closest point of row ``x`` (n,): fills best_k (integer part) and returns (coset, dist2)."""
    n = x.shape[0]
    best = np.inf
    for c in range(shifts.shape[0]):
        dist = 0.0
        total = 0
        worst_i = 0
        worst_cost = np.inf
        for i in range(n):
            y[i] = x[i] / scale[i] - shifts[c, i]
            ki = np.floor(y[i] + 0.5)
            k[i] = ki
            total += np.int64(ki)
            e = y[i] - ki
            dist += scale[i] * scale[i] * e * e
            # cost of moving this coordinate to its other neighbour: s^2((1-|e|)^2 - e^2)
            cost = scale[i] * scale[i] * (1.0 - 2.0 * abs(e))
            if cost < worst_cost:
                worst_cost = cost
                worst_i = i
        if parity and (total & 1) != 0:
            e = y[worst_i] - k[worst_i]
            k[worst_i] += 1.0 if e >= 0.0 else -1.0
            dist += worst_cost
        if dist < best:
            best = dist
            best_c = c
            for i in range(n):
                best_k[i] = k[i]
    return best_c, best


@nb.njit(parallel=True, cache=True)
def closest_points(x, scale, shifts, parity, out_points, out_int, out_coset, out_dist2):
    """Nearest lattice point of every row of ``x`` (N, n).

    The lattice is ``{scale * (z + shifts[c]) : z in Z^n, (sum z even if parity)}``.
    out_points (N, n) float64, out_int (N, n) int64 integer parts z, out_coset (N,) int64 and
    out_dist2 (N,) the squared distance; any of the last three may be empty (size 0) to skip.
    """
    N, n = x.shape
    ntask = (N + _TILE - 1) // _TILE
    want_int = out_int.shape[0] == N
    want_cos = out_coset.shape[0] == N
    want_d = out_dist2.shape[0] == N
    for t in nb.prange(ntask):
        y = np.empty(n)
        k = np.empty(n)
        bk = np.empty(n)
        r0 = t * _TILE
        r1 = min(N, r0 + _TILE)
        for r in range(r0, r1):
            c, d2 = _closest_one(x[r], r, scale, shifts, parity, y, k, bk, 0)
            for i in range(n):
                out_points[r, i] = scale[i] * (bk[i] + shifts[c, i])
                if want_int:
                    out_int[r, i] = np.int64(bk[i])
            if want_cos:
                out_coset[r] = c
            if want_d:
                out_dist2[r] = d2


@nb.njit(cache=True)
def _ball_scan(n, radius, kmax, scale, shifts, parity, out, fill):
    side = 2 * kmax + 1
    total = 1
    for _ in range(n):
        total *= side
    r2 = radius * radius * (1.0 + 1e-12)
    z = np.empty(n)
    count = 0
    for c in range(shifts.shape[0]):
        for code in range(total):
            rem = code
            s = 0
            norm = 0.0
            for i in range(n):
                zi = rem % side - kmax
                rem //= side
                z[i] = zi
                s += zi
                p = scale[i] * (zi + shifts[c, i])
                norm += p * p
            if parity and (s & 1) != 0:
                continue
            if norm <= r2:
                if fill:
                    for i in range(n):
                        out[count, i] = scale[i] * (z[i] + shifts[c, i])
                count += 1
    return count


def ball_points(n, radius, kmax, scale, shifts, parity):
    """All lattice points of norm <= radius, (M, n) float64, in a fixed deterministic order.

    Integer parts range over [-kmax, kmax]^n per coset; the caller picks kmax so the ball fits.
    Two passes (count, fill) keep memory at the output size.
    """
    empty = np.empty((0, n))
    m = _ball_scan(n, radius, kmax, scale, shifts, parity, empty, False)
    out = np.empty((m, n))
    _ball_scan(n, radius, kmax, scale, shifts, parity, out, True)
    return out
