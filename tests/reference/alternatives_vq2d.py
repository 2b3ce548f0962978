"""Reference: optimal fixed-rate VQ of the 2-D standard Gaussian at M = 4 and 16 codewords.

Independent of scikit-learn and of sampling noise: the density is replaced by the exact
probability, centroid and within-cell variance of each cell of a 301 x 301 grid on [-7, 7]^2
(truncated-normal moments per axis, exact for the product density); Lloyd's algorithm runs on
these weighted atoms, D = sum_k w_k (var_k + |mu_k - c_j(k)|^2), from 16 random starts
(k-means++ on the atoms) to convergence (relative change < 1e-12), and the best D is kept.
The only approximation is that a grid cell is assigned as a whole by its centroid (cells
straddling a Voronoi boundary, error O(h^3) per cell with h = 0.047).
Run: python tests/reference/alternatives_vq2d.py > tests/reference/alternatives_vq2d.json
"""
import json

import numpy as np
from scipy import stats

K, SPAN, STARTS = 301, 7.0, 16
e = np.linspace(-SPAN, SPAN, K + 1)
P = np.diff(stats.norm.cdf(e))
m1 = -np.diff(stats.norm.pdf(e))                # int x phi over the cell
ex2 = np.diff(stats.norm.cdf(e) - e * stats.norm.pdf(e))   # int x^2 phi over the cell
mu = m1 / P
var = ex2 / P - mu ** 2
W = np.outer(P, P).ravel()
MU = np.stack(np.meshgrid(mu, mu, indexing="ij"), -1).reshape(-1, 2)
VAR = (var[:, None] + var[None, :]).ravel()
keep = W > 1e-18
W, MU, VAR = W[keep] / W[keep].sum(), MU[keep], VAR[keep]


def lloyd(c):
    prev = np.inf
    while True:
        d = ((MU[:, None, :] - c[None]) ** 2).sum(-1)
        j = d.argmin(1)
        D = float((W * (VAR + d[np.arange(len(j)), j])).sum()) / 2
        if prev - D < 1e-12 * D:
            return D, c
        prev = D
        for k in range(len(c)):
            s = j == k
            if s.any():
                c[k] = (W[s, None] * MU[s]).sum(0) / W[s].sum()


rng = np.random.default_rng(2024)
out = {}
for M in (4, 16):
    best = (np.inf, None)
    for _ in range(STARTS):
        c = [MU[rng.choice(len(W), p=W)]]
        for _ in range(M - 1):
            dd = ((MU[:, None, :] - np.array(c)[None]) ** 2).sum(-1).min(1) * W
            c.append(MU[rng.choice(len(W), p=dd / dd.sum())])
        D, cb = lloyd(np.array(c))
        if D < best[0]:
            best = (D, cb.copy())
    out[str(M)] = {"mse_per_dim": best[0], "codebook": best[1].round(6).tolist()}
print(json.dumps(out, indent=1))
