"""Independent high-precision references for fsq_theory.fisher and fsq_theory.wasserstein.

Provenance: computed with mpmath (50 significant digits) from first principles, sharing no code
with the package:

* Lloyd-Max quantizers of N(0, 1) (Max 1960): Lloyd iterations then mpmath.findroot on the
  centroid/midpoint conditions; checked against Max's published table (N = 4: thresholds 0,
  +-0.9816; points +-0.4528, +-1.510).
* Fisher information of the cell probabilities p_k(mu, sigma) = F((b_k-mu)/sigma) -
  F((a_k-mu)/sigma) about (mu, sigma): I = sum_k grad p_k grad p_k^T / p_k, with the gradient
  taken by mpmath.diff (high-precision numerical differentiation, not the analytic formula the
  package uses). Families: normal and logistic.
* Wasserstein-2 by mpmath.quad of the monotone-coupling integral.

Run:  python tests/reference/geometry_reference.py   (writes geometry_reference.json, ~1 min)
"""

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 50

NORM_CDF = mp.ncdf


def logistic_cdf(t):
    return 1 / (1 + mp.exp(-t))


FAMILIES = {"norm": NORM_CDF, "logistic": logistic_cdf}


def cell_probs(thresholds, mu, sigma, cdf):
    edges = [None] + list(thresholds) + [None]
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        fb = 1 if b is None else cdf((b - mu) / sigma)
        fa = 0 if a is None else cdf((a - mu) / sigma)
        out.append(fb - fa)
    return out


def fisher(thresholds, mu, sigma, cdf):
    n = len(thresholds) + 1
    mu, sigma = mp.mpf(mu), mp.mpf(sigma)
    I = [[mp.mpf(0)] * 2 for _ in range(2)]
    p = cell_probs(thresholds, mu, sigma, cdf)
    for k in range(n):
        def pk(m, s, k=k):
            return cell_probs(thresholds, m, s, cdf)[k]
        g = [mp.diff(lambda m: pk(m, sigma), mu), mp.diff(lambda s: pk(mu, s), sigma)]
        for i in range(2):
            for j in range(2):
                I[i][j] += g[i] * g[j] / p[k]
    return I


def lloyd_max(n):
    """Lloyd-Max thresholds and points of N(0, 1) with n cells."""
    pdf = mp.npdf

    def centroids(t):
        edges = [-mp.inf] + list(t) + [mp.inf]
        ys = []
        for a, b in zip(edges[:-1], edges[1:]):
            pa = 0 if a == -mp.inf else pdf(a)
            pb = 0 if b == mp.inf else pdf(b)
            P = (1 if b == mp.inf else mp.ncdf(b)) - (0 if a == -mp.inf else mp.ncdf(a))
            ys.append((pa - pb) / P)
        return ys

    t = [mp.mpf(4) * (k + 1 - mp.mpf(n) / 2) / n for k in range(n - 1)]
    for _ in range(300):
        y = centroids(t)
        t = [(y[k] + y[k + 1]) / 2 for k in range(n - 1)]

    def residual(*tt):
        y = centroids(list(tt))
        return [tt[k] - (y[k] + y[k + 1]) / 2 for k in range(n - 1)]

    t = list(mp.findroot(residual, t, tol=mp.mpf(10) ** -40)) if n > 2 else [mp.mpf(0)]
    return t, centroids(t)


def w2sq_norm_uniform():
    r3 = mp.sqrt(3)

    def T(x):  # uniform quantile of Phi(x)
        return r3 * (2 * mp.ncdf(x) - 1)

    return mp.quad(lambda x: (x - T(x)) ** 2 * mp.npdf(x), [-mp.inf, -3, 0, 3, mp.inf])


def w2sq_laplace_atoms(thresholds, points):
    """W2^2 between Laplace(0, 1) and the atoms (points, cell probabilities): sum of cell MSEs."""
    pdf = lambda x: mp.exp(-abs(x)) / 2  # noqa: E731
    edges = [-mp.inf] + list(thresholds) + [mp.inf]
    total = mp.mpf(0)
    for (a, b), y in zip(zip(edges[:-1], edges[1:]), points):
        pts = [a] + ([0] if a < 0 < b else []) + [b]
        total += mp.quad(lambda x: (x - y) ** 2 * pdf(x), pts)
    return total


def w2sq_laplace_norm():
    """W2^2(Laplace(0, 1), N(0, 1)) = int_0^1 (F^-1(u) - Phi^-1(u))^2 du, by symmetry 2x the half."""
    def lap_ppf(u):
        return mp.log(2 * u)  # u <= 1/2
    half = mp.quad(lambda u: (lap_ppf(u) - mp.sqrt(2) * mp.erfinv(2 * u - 1)) ** 2, [0, 0.01, 0.5])
    return 2 * half


def main():
    out = {"dps": mp.mp.dps, "fisher": [], "lloyd_max": {}, "w2": {}}
    thetas = [(0, 1), (0.3, 1), (0.25, 0.7), (-1.1, 2.0)]
    for n in (2, 3, 4, 8, 16):
        for step in (0.5, 1.0):
            t = [(k + 1 - mp.mpf(n) / 2) * mp.mpf(step) for k in range(n - 1)]
            for fam in ("norm", "logistic"):
                for mu, sigma in thetas:
                    I = fisher(t, mu, sigma, FAMILIES[fam])
                    out["fisher"].append({
                        "kind": "uniform", "n": n, "step": step, "family": fam, "loc": mu,
                        "scale": sigma, "matrix": [[mp.nstr(x, 25) for x in r] for r in I]})
    for n in (2, 3, 4, 8):
        t, y = lloyd_max(n)
        out["lloyd_max"][str(n)] = {"thresholds": [mp.nstr(x, 30) for x in t],
                                    "points": [mp.nstr(x, 30) for x in y]}
        for mu, sigma in [(0, 1), (0.5, 1.5)]:
            I = fisher(t, mu, sigma, NORM_CDF)
            out["fisher"].append({
                "kind": "lloyd_max", "n": n, "family": "norm", "loc": mu, "scale": sigma,
                "matrix": [[mp.nstr(x, 25) for x in r] for r in I]})
    # Max (1960) table, N = 4: sanity check of the Lloyd-Max solver
    t4 = out["lloyd_max"]["4"]
    assert abs(float(t4["thresholds"][2]) - 0.9816) < 1e-4
    assert abs(float(t4["points"][3]) - 1.510) < 1e-3
    out["w2"]["norm_uniform_sq"] = mp.nstr(w2sq_norm_uniform(), 30)
    out["w2"]["norm_uniform_sq_closed_form"] = mp.nstr(2 - 2 * mp.sqrt(3 / mp.pi), 30)
    t8 = [(k + 1 - mp.mpf(8) / 2) * mp.mpf(0.5) for k in range(7)]
    y8 = [(k - mp.mpf(7) / 2) * mp.mpf(0.5) for k in range(8)]
    out["w2"]["laplace_uniform8_step0.5_sq"] = mp.nstr(w2sq_laplace_atoms(t8, y8), 30)
    out["w2"]["laplace_norm_sq"] = mp.nstr(w2sq_laplace_norm(), 30)
    path = Path(__file__).with_name("geometry_reference.json")
    path.write_text(json.dumps(out, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
