"""Independent high-precision reference for scalar quantizers of the unit Gaussian.

Produces ``rd_scalar_gaussian.json`` (committed beside this script):

* ``lloyd_max[N]`` (N = 2..64): MSE of the Lloyd-Max quantizer and its positive thresholds and
  points, computed by Max's own method (1960, sec. III): *shooting* from the centre of the
  symmetric quantizer -- choose the first point, solve the centroid condition cell by cell
  outward (t_k from y_k, then y_{k+1} = 2 t_k - y_k), and bisect on the first point until the
  outermost cell's centroid equals its point. This shares nothing with the package's solver
  (Newton on the thresholds in float64); mpmath at 60 digits absorbs the recursion's
  ill-conditioning.
* ``uniform[N]`` (N = 2..16): step and MSE of the MSE-optimal uniform quantizer (midpoint
  reconstruction), found as the zero of a numerical derivative (mpmath ``diff``) of the exact
  MSE D(step), bracketed by a coarse grid search.

Run: ``/work/main/.venv/bin/python tests/reference/rd_make_scalar_gaussian.py`` (about 10 min).
Provenance: this script, mpmath 1.3, mp.dps = 60.
"""

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 60
SQ2PI = mp.sqrt(2 * mp.pi)


def phi(x):
    return mp.exp(-x * x / 2) / SQ2PI if x != mp.inf else mp.mpf(0)


def Q(x):  # upper tail
    return mp.erfc(x / mp.sqrt(2)) / 2 if x != mp.inf else mp.mpf(0)


def mass(a, b):
    return Q(a) - Q(b)


def m1(a, b):
    return phi(a) - phi(b)


def m2(a, b):
    tb = b * phi(b) if b != mp.inf else mp.mpf(0)
    ta = a * phi(a) if a != -mp.inf else mp.mpf(0)
    return mass(a, b) + ta - tb


def centroid(a, b):
    return m1(a, b) / mass(a, b)


def next_threshold(lo, y):
    """t > lo with centroid(lo, t) = y, or None when even [lo, inf) has centroid <= y."""
    if centroid(lo, mp.inf) <= y:
        return None
    # for a decreasing density on x > 0 the centroid of [lo, t] is below the midpoint, so
    # t = 2y - lo is a lower bracket; bisection then Newton-free refinement (anderson)
    a, b = 2 * y - lo, 2 * y - lo + 1
    while centroid(lo, b) < y:
        b = lo + 2 * (b - lo)
    return mp.findroot(lambda t: centroid(lo, t) - y, (a, b), solver="anderson")


def shoot(a, N):
    """Thresholds and points (positive half) from the first free parameter a; mismatch."""
    m = N // 2
    if N % 2 == 0:
        lo, y = mp.mpf(0), a
        ts, ys = [mp.mpf(0)], [a]
    else:
        lo, y = a, 2 * a
        ts, ys = [a], [mp.mpf(0), 2 * a]
    for _ in range(m - 1):
        t = next_threshold(lo, y)
        if t is None:
            return None, None, mp.mpf(1)  # first point too large
        ts.append(t)
        y = 2 * t - y
        ys.append(y)
        lo = t
    return ts, ys, y - centroid(lo, mp.inf)


def lloyd_max(N):
    lo, hi = mp.mpf("1e-6"), mp.mpf(1)  # first free parameter: point (even N) or threshold
    for _ in range(200):
        mid = (lo + hi) / 2
        _, _, e = shoot(mid, N)
        if e > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo < mp.mpf("1e-45"):
            break
    ts, ys, e = shoot((lo + hi) / 2, N)
    # MSE over the positive half, doubled (odd N: the centre cell [-t0, t0] has point 0)
    edges = ts + [mp.inf]
    if N % 2 == 0:
        pts = ys
        D = 0
    else:
        pts = ys[1:]
        D = m2(-ts[0], ts[0])  # centre cell, point 0
        D = D / 2  # counted twice below
    for k, yk in enumerate(pts):
        a, b = edges[k], edges[k + 1]
        D += m2(a, b) - 2 * yk * m1(a, b) + yk * yk * mass(a, b)
    D = 2 * D
    return D, ts, ys, e


def uniform_mse(step, N):
    D = mp.mpf(0)
    for k in range(N):
        y = (k - mp.mpf(N - 1) / 2) * step
        a = -mp.inf if k == 0 else y - step / 2
        b = mp.inf if k == N - 1 else y + step / 2
        ma = (Q(a) if a != -mp.inf else mp.mpf(1))
        mb = Q(b)
        p = ma - mb
        f1 = (phi(a) if a != -mp.inf else 0) - phi(b)
        f2 = p + ((a * phi(a)) if a != -mp.inf else 0) - ((b * phi(b)) if b != mp.inf else 0)
        D += f2 - 2 * y * f1 + y * y * p
    return D


def uniform(N):
    grid = [mp.mpf(i) / 1000 for i in range(20, 2500)]
    vals = [uniform_mse(s, N) for s in grid[::10]]
    i = min(range(len(vals)), key=lambda j: vals[j])
    s0 = grid[::10][i]
    step = mp.findroot(lambda s: mp.diff(lambda u: uniform_mse(u, N), s), s0)
    return step, uniform_mse(step, N)


def main():
    out = {"provenance": "tests/reference/rd_make_scalar_gaussian.py, mpmath mp.dps=60; "
                         "Lloyd-Max by Max's shooting method, uniform by root of mpmath diff",
           "lloyd_max": {}, "uniform": {}}
    for N in range(2, 17):
        step, D = uniform(N)
        out["uniform"][str(N)] = {"step": mp.nstr(step, 30), "mse": mp.nstr(D, 30)}
        print("uniform", N, mp.nstr(step, 15), mp.nstr(D, 15), flush=True)
    for N in range(2, 65):
        D, ts, ys, e = lloyd_max(N)
        out["lloyd_max"][str(N)] = {"mse": mp.nstr(D, 30),
                                    "thresholds_positive": [mp.nstr(t, 25) for t in ts],
                                    "points_positive": [mp.nstr(y, 25) for y in ys],
                                    "end_mismatch": mp.nstr(e, 5)}
        print("lloyd_max", N, mp.nstr(D, 15), mp.nstr(e, 3), flush=True)
    Path(__file__).with_name("rd_scalar_gaussian.json").write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
