"""Independent high-precision reference values for fsq_theory.geometry's cross-modal analysis.

Provenance: written for ``geometry/_cross_modal.py``; run
``python tests/reference/cross_modal_make_reference.py`` (mpmath only, about a minute) to
regenerate ``cross_modal_reference.json``. Nothing here calls fsq_theory: the FSQ thresholds are
recomputed from the definition of the default-mode bound (eps = 1e-3):
half_l = (L - 1)(1 + eps)/2, offset = 1/2 for even L (0 for odd), shift = atanh(offset/half_l),
the level index changes where tanh(g x + shift) half_l - offset crosses m + 1/2, so in source
units x = (atanh((m + 1/2 + offset)/half_l) - shift)/g for m = -L//2 .. L - L//2 - 2.

Quantities, for a standard bivariate normal pair (X, Y) with correlation rho, token K_X of
FSQ([Lx]) at gain gx and K_Y of FSQ([Ly]) at gain gy:
* pmf[i][j] = P(K_X = i, K_Y = j) = int_{cell i} phi(x) [Phi((d_j - rho x)/s) - Phi((c_j - rho x)/s)] dx,
  s = sqrt(1 - rho^2), by mpmath.quad (tanh-sinh) at 40 digits;
* mi_bits = sum pmf log2(pmf / (p q)), h_x_bits, h_y_bits;
* mse_joint_x = 1 - sum M_ij^2 / pmf_ij with M_ij = E[X; cell (i, j)] (the joint-decoder MSE),
  M_ij = int_{cell i} x phi(x) [Phi(..) - Phi(..)] dx.
"""

import json
from pathlib import Path

import mpmath as mp

mp.mp.dps = 40
EPS = mp.mpf("1e-3")
CASES = [  # (Lx, gx, Ly, gy, rho)
    (5, "1", 5, "1", "0.9"),
    (5, "1", 8, "0.7", "0.8"),
    (3, "1.5", 16, "1", "-0.6"),
    (8, "0.72", 8, "0.72", "0.99"),
]


def thresholds(L, g):
    half_l = (L - 1) * (1 + EPS) / 2
    offset = mp.mpf("0.5") if L % 2 == 0 else mp.mpf(0)
    shift = mp.atanh(offset / half_l)
    return [(mp.atanh((m + mp.mpf("0.5") + offset) / half_l) - shift) / g
            for m in range(-(L // 2), L - L // 2 - 1)]


def case(Lx, gx, Ly, gy, rho):
    rho, gx, gy = mp.mpf(rho), mp.mpf(gx), mp.mpf(gy)
    s = mp.sqrt(1 - rho ** 2)
    ex = [-mp.inf] + thresholds(Lx, gx) + [mp.inf]
    ey = [-mp.inf] + thresholds(Ly, gy) + [mp.inf]

    def cond(j, x):
        return mp.ncdf((ey[j + 1] - rho * x) / s) - mp.ncdf((ey[j] - rho * x) / s)

    P = [[mp.quad(lambda x: mp.npdf(x) * cond(j, x), [ex[i], ex[i + 1]]) for j in range(Ly)]
         for i in range(Lx)]
    M = [[mp.quad(lambda x: x * mp.npdf(x) * cond(j, x), [ex[i], ex[i + 1]]) for j in range(Ly)]
         for i in range(Lx)]
    p = [sum(row) for row in P]
    q = [sum(P[i][j] for i in range(Lx)) for j in range(Ly)]
    mi = sum(P[i][j] * mp.log(P[i][j] / (p[i] * q[j]), 2)
             for i in range(Lx) for j in range(Ly) if P[i][j] > 0)
    hx = -sum(t * mp.log(t, 2) for t in p if t > 0)
    hy = -sum(t * mp.log(t, 2) for t in q if t > 0)
    mse = 1 - sum(M[i][j] ** 2 / P[i][j] for i in range(Lx) for j in range(Ly) if P[i][j] > 0)
    return {"Lx": Lx, "gx": mp.nstr(gx, 10), "Ly": Ly, "gy": mp.nstr(gy, 10),
            "rho": mp.nstr(rho, 10),
            "pmf": [[mp.nstr(t, 25) for t in row] for row in P],
            "mi_bits": mp.nstr(mi, 25), "h_x_bits": mp.nstr(hx, 25), "h_y_bits": mp.nstr(hy, 25),
            "mse_joint_x": mp.nstr(mse, 25)}


out = {"provenance": "tests/reference/cross_modal_make_reference.py (mpmath dps=40)",
       "eps": "1e-3", "cases": [case(*c) for c in CASES]}
Path(__file__).with_name("cross_modal_reference.json").write_text(json.dumps(out, indent=1) + "\n")
print(json.dumps({k: v for k, v in out.items() if k != "cases"}, indent=1))
for c in out["cases"]:
    print(c["Lx"], c["Ly"], c["rho"], c["mi_bits"], c["mse_joint_x"])
