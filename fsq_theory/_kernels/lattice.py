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
    # Depth-first over the integer parts, coordinate n-1 outermost and each ascending from -kmax:
    # the order of the full scan of [-kmax, kmax]^n with coordinate 0 the fastest digit, without
    # visiting the branches whose partial norm plus the least the remaining coordinates can add
    # already exceeds the radius (the full scan of E8 at radius 2 visits 2 x 11^8 vectors for
    # 2401 points; this visits a few tens of thousands).
    r2 = radius * radius * (1.0 + 1e-12)
    prune = r2 * (1.0 + 1e-9)  # looser than the exact test below: pruning never drops a point
    z = np.empty(n, np.int64)
    part = np.zeros(n + 1)  # part[i]: sum over j >= i of (scale_j (z_j + shift_j))^2
    least = np.zeros(n + 1)  # least[i]: sum over j < i of the smallest such term
    count = 0
    for c in range(shifts.shape[0]):
        for i in range(n):
            lo = np.inf
            for zi in range(-kmax, kmax + 1):
                p = scale[i] * (zi + shifts[c, i])
                lo = min(lo, p * p)
            least[i + 1] = least[i] + lo
        i = n - 1
        z[i] = -kmax - 1
        while True:
            z[i] += 1
            if z[i] > kmax:
                i += 1
                if i == n:
                    break
                continue
            p = scale[i] * (z[i] + shifts[c, i])
            part[i] = part[i + 1] + p * p
            if part[i] + least[i] > prune:
                if z[i] + shifts[c, i] >= 0.0:
                    z[i] = kmax  # the term only grows from here on: leave this level
                continue
            if i > 0:
                i -= 1
                z[i] = -kmax - 1
                continue
            # a leaf: the exact test, summed in coordinate order as the full scan did
            s = 0
            norm = 0.0
            for j in range(n):
                s += z[j]
                q = scale[j] * (z[j] + shifts[c, j])
                norm += q * q
            if parity and (s & 1) != 0:
                continue
            if norm <= r2:
                if fill:
                    for j in range(n):
                        out[count, j] = scale[j] * (z[j] + shifts[c, j])
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
