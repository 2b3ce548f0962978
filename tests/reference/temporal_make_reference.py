"""Independent high-precision reference values for fsq_theory.temporal (mpmath, 30 digits).

Provenance: written for the temporal module; run ``python tests/reference/temporal_make_reference.py``
(mpmath only; about a minute) to regenerate ``temporal_reference.json``. Nothing here calls
fsq_theory: the FSQ([5]) thresholds at encoder gain 1 are recomputed from the definition
(default mode, eps = 1e-3: half_l = 2 * 1.001, bounded = tanh(z) * half_l, level boundaries at
bounded = +-0.5, +-1.5, so z = atanh(b / half_l)).

Quantities, for the standardized stationary AR(1) with rho = 0.9 and Z = cell index:
* pair[i][j] = P(Z_0 = i, Z_1 = j) = int_{cell i} phi(x) [Phi((b_j - rho x)/s) - Phi((a_j - rho x)/s)] dx
* triple[(i, j, k)] = P(Z_0 = i, Z_1 = j, Z_2 = k) for a few (i, j, k), as a double integral over
  (x0, x1) of phi(x0) p(x1|x0) P(X_2 in cell k | x1)
* h_given_x = H(Z_1 | X_0) in bits = int phi(x) H(p(.|x)) dx
"""

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 30
RHO = mp.mpf("0.9")
S = mp.sqrt(1 - RHO**2)
half_l = 2 * mp.mpf("1.001")
T = [mp.atanh(mp.mpf(b) / half_l) for b in ("-1.5", "-0.5", "0.5", "1.5")]
EDGES = [-mp.inf] + T + [mp.inf]
N = len(EDGES) - 1


def Phi(x):
    return mp.ncdf(x)


def phi(x):
    return mp.npdf(x)


def cond(k, x):
    """P(X_next in cell k | X = x)."""
    a, b = EDGES[k], EDGES[k + 1]
    return Phi((b - RHO * x) / S) - Phi((a - RHO * x) / S)


def span(k):
    a, b = EDGES[k], EDGES[k + 1]
    return [a] + [b]


pair = [[mp.quad(lambda x: phi(x) * cond(j, x), span(i)) for j in range(N)] for i in range(N)]

triples = [(2, 2, 2), (1, 2, 3), (0, 0, 1), (2, 3, 2)]
triple = {}
for (i, j, k) in triples:
    triple[f"{i},{j},{k}"] = mp.quad(
        lambda x0, x1: phi(x0) * mp.npdf(x1, RHO * x0, S) * cond(k, x1), span(i), span(j))


def h_bits(x):
    ps = [cond(k, x) for k in range(N)]
    return -sum(p * mp.log(p, 2) for p in ps if p > 0)


pts = [-mp.inf] + [t / RHO for t in T] + [mp.inf]
h_given_x = mp.quad(lambda x: phi(x) * h_bits(x), pts)

out = {
    "provenance": "tests/reference/temporal_make_reference.py (mpmath dps=30)",
    "rho": "0.9", "levels": 5, "eps": "1e-3", "scale": 1.0,
    "thresholds": [mp.nstr(t, 25) for t in T],
    "pair": [[mp.nstr(p, 25) for p in row] for row in pair],
    "triple": {k: mp.nstr(vv, 25) for k, vv in triple.items()},
    "h_given_x_bits": mp.nstr(h_given_x, 25),
}
Path(__file__).with_name("temporal_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps(out, indent=1))
