"""Naive numpy twins of the alternatives kernels (brute force, no numba)."""

from __future__ import annotations

import itertools

import numpy as np


def closest_lattice_point(x, scale, shifts, parity):
    """Nearest point of {scale*(z + shifts[c])} (z with even sum if parity) to each row of x, by
    brute force over z in round(x/scale - shift) + {-1, 0, 1}^n (the nearest point of Z^n or D_n
    differs from the rounded vector by at most 1 per coordinate): returns (points, dist2)."""
    x = np.asarray(x, dtype=np.float64)
    N, n = x.shape
    offs = np.array(list(itertools.product((-1, 0, 1), repeat=n)), dtype=np.float64)
    best_p = np.empty_like(x)
    best_d = np.full(N, np.inf)
    for c in range(len(shifts)):
        base = np.round(x / scale - shifts[c])
        for r in range(N):
            z = base[r] + offs
            if parity:
                z = z[(z.sum(1) % 2) == 0]
            pts = scale * (z + shifts[c])
            d = ((pts - x[r]) ** 2).sum(1)
            j = int(np.argmin(d))
            if d[j] < best_d[r]:
                best_d[r] = d[j]
                best_p[r] = pts[j]
    return best_p, best_d


def nearest_codeword(x, codebook):
    """argmin_j |x - c_j|^2 and the minimum, from the full distance matrix."""
    d = ((np.asarray(x)[:, None, :] - np.asarray(codebook)[None, :, :]) ** 2).sum(-1)
    return d.argmin(1), d.min(1)


def ball_points(n, radius, kmax, scale, shifts, parity):
    """Lattice points of norm <= radius with integer parts in [-kmax, kmax]^n (any order)."""
    z = np.array(list(itertools.product(range(-kmax, kmax + 1), repeat=n)), dtype=np.float64)
    out = []
    for c in range(len(shifts)):
        zz = z[(z.sum(1) % 2) == 0] if parity else z
        p = scale * (zz + shifts[c])
        out.append(p[(p ** 2).sum(1) <= radius * radius * (1 + 1e-12)])
    return np.concatenate(out)
