"""Temporal consistency of FSQ tokens on AR(1) (video-like) latents (seed 6.1, 7.1.3).

Panels: (a) token persistence P(Z_t = Z_{t-1}) against the lag-one correlation rho for one FSQ
dimension with L levels at encoder gain 1 (exact; markers: Monte Carlo along GaussMarkovSource
streams, +-2 batch-means SE); (b) flip rate 1 - persistence against 1 - rho (log-log): exact
(solid) and the small-increment asymptote (2/sqrt(pi)) sqrt(1-rho) sum_b phi(t_b) (dashed), for
coarse and fine grids (more levels, larger gain); (c) FSQ[5] at gain 1: the entropy-rate bracket
H(Z_t|Z_{t-1..t-m}) (upper, m = 0..3) and H(Z_t|Z_{t-1..t-m}, X_{t-m-1}) (lower, m = 0, 1),
Monte-Carlo plug-in H(Z_t|Z_{t-1}) as markers; (d) causal prediction for FSQ[8] at gain 1:
accuracy of the point prediction FSQ(rho x_{t-1}), of the Bayes token prediction and of "no
change", with the predictive entropy H(Z_t|X_{t-1}) on the right axis.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..quantizer import FSQ
from ..sources import GaussMarkovSource
from ..temporal import (causal_prediction, entropy_rate_bounds, flip_rate,
                        simulate_token_persistence, token_persistence)

_LEVELS = (3, 5, 8, 16)


def _sq(L, scale=1.0):
    return FSQ([L]).scalar_quantizers(scale)[0]


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []

    def add(panel, x, series, value, stderr=np.nan):
        rows.append(dict(panel=panel, x=float(x), series=series, value=float(value),
                         stderr=float(stderr)))

    mc_rhos = (0.3, 0.7, 0.9, 0.98) if quick else (0.2, 0.5, 0.7, 0.85, 0.95, 0.99)
    # exact curves also pass through the Monte-Carlo abscissae
    rhos = np.union1d(np.linspace(0.0, 0.995, 25 if quick else 80), mc_rhos)
    n_mc = 20_000 if quick else 200_000
    for L in _LEVELS:
        sq = _sq(L)
        for r in rhos:
            add("a", r, f"L={L}", token_persistence(sq, r))
        for j, r in enumerate(mc_rhos):
            mc = simulate_token_persistence(sq, GaussMarkovSource(r, dim=4), n_mc,
                                            rng=seed * 1000 + 10 * L + j)
            add("a", r, f"L={L} MC", mc.persistence, mc.stderr)
    one_minus = np.geomspace(1e-5, 0.5, 15 if quick else 40)
    for L, s in ((5, 1.0), (5, 3.0), (16, 1.0), (16, 3.0)):
        sq = _sq(L, s)
        for e in one_minus:
            f = flip_rate(sq, 1 - e)
            add("b", e, f"L={L}, gain {s:g}", f.exact)
            add("b", e, f"L={L}, gain {s:g} asymptote", f.asymptotic)
    sq5 = _sq(5)
    ent_rhos = np.union1d(np.linspace(0.0, 0.99, 8 if quick else 23), mc_rhos)
    for r in ent_rhos:
        b = entropy_rate_bounds(sq5, r, max_order=3, max_lower=1)
        for m, u in enumerate(b.upper):
            add("c", r, "H(Z_t)" if m == 0 else f"H(Z_t | {m} past tokens)", u)
        add("c", r, "H(Z_t | X_t-1)  (lower)", b.lower[0])
        add("c", r, "H(Z_t | Z_t-1, X_t-2)  (lower)", b.lower[1])
    for j, r in enumerate(mc_rhos):
        mc = simulate_token_persistence(sq5, GaussMarkovSource(r, dim=4), n_mc,
                                        rng=seed * 1000 + 500 + j)
        add("c", r, "H(Z_t | 1 past token) MC", mc.h_conditional)
    sq8 = _sq(8)
    for r in np.linspace(0.0, 0.995, 12 if quick else 40):
        c = causal_prediction(sq8, max(r, 1e-6))
        add("d", r, "point FSQ(rho x_t-1)", c.accuracy_point)
        add("d", r, "Bayes argmax p(k|x_t-1)", c.accuracy_bayes)
        add("d", r, "no change (persistence)", c.accuracy_persistence)
        add("d", r, "H(Z_t | X_t-1) [bits]", c.h_predictive)
        add("d", r, "H(Z_t) [bits]", c.h_marginal)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=6.2)
    a, b, c, d = axes.ravel()
    colors = {}
    for series, g in df[df.panel == "a"].groupby("series", sort=False):
        if series.endswith("MC"):
            a.errorbar(g.x, g.value, yerr=2 * g.stderr, fmt="o", ms=3, capsize=2,
                       color=colors[series[:-3]])
        else:
            (line,) = a.plot(g.x, g.value, label=f"FSQ [{series[2:]}], gain 1")
            colors[series] = line.get_color()
    a.set(xlabel="lag-one correlation rho", ylabel="P(Z_t = Z_t-1)", ylim=(0, 1),
          title="(a) token persistence (markers: MC +-2 SE)")
    a.legend(fontsize=7)
    for series, g in df[df.panel == "b"].groupby("series", sort=False):
        if series.endswith("asymptote"):
            b.plot(g.x, g.value, "--", lw=0.9, color=colors[series[: -len(" asymptote")]])
        else:
            (line,) = b.plot(g.x, g.value, label=series)
            colors[series] = line.get_color()
    b.set(xscale="log", yscale="log", xlabel="1 - rho", ylabel="P(Z_t != Z_t-1)",
          title="(b) flip rate; dashed: (2/sqrt(pi)) sqrt(1-rho) sum_b phi(t_b)")
    b.legend(fontsize=7)
    for series, g in df[df.panel == "c"].groupby("series", sort=False):
        if series.endswith("MC"):
            c.plot(g.x, g.value, "kx", ms=6, label=series)
        elif "lower" in series:
            c.plot(g.x, g.value, ":", lw=1.6, label=series)
        else:
            c.plot(g.x, g.value, "-", label=series)
    c.set(xlabel="rho", ylabel="bits per frame (one dimension)",
          title="(c) FSQ[5]: entropy-rate bracket (upper solid, lower dotted)")
    c.legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # inside, it hid the curves
    d2 = d.twinx()
    for series, g in df[df.panel == "d"].groupby("series", sort=False):
        if "bits" in series:
            d2.plot(g.x, g.value, ":", color="0.3" if "X" in series else "0.6", label=series)
        else:
            d.plot(g.x, g.value, label=series)
    d.set(xlabel="rho", ylabel="next-token accuracy", ylim=(0, 1),
          title="(d) FSQ[8]: causal prediction from x_t-1")
    d2.set(ylabel="bits")
    d2.set_ylim(0, math.log2(8) * 1.05)
    h1, l1 = d.get_legend_handles_labels()
    h2, l2 = d2.get_legend_handles_labels()
    d.legend(h1 + h2, l1 + l2, fontsize=7, loc="center left")
    return fig
