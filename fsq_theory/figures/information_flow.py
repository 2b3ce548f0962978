"""Information flow I(X;Z) = H(Z) - H(Z|X) through FSQ, and codebook usage.

Panels: (a) deterministic FSQ([L]) on N(0,1): I = H(Z) against the encoder gain s (log2 L
dashed); (b) Gaussian (solid) and uniform-dither (dotted) latent noise z = s x + nu at s = 1:
I(X;Z), H(Z|X), and the data-processing bound 1/2 log2(1 + s^2/sigma^2); (c) FSQ [8,5,5,5]
on i.i.d. N(0,1): perplexity 2^H / |C| and the expected fraction of codes seen in n tokens
against s (usage saturates only when every code has p >> 1/n); (d) Monte Carlo for empirical
sources: a Laplace sample through FSQ([8]) (estimate +- 2 SE against the exact quadrature on the
Laplace law) and a correlated (rho = 0.9) Gaussian sample through FSQ([5, 5]) (below the
independent-dimension value: correlated tokens are redundant).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..geometry import (expected_codebook_usage, information_flow,
                           information_flow_empirical)
from ..quantizer import FSQ


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []

    def add(panel, x, series, value, stderr=np.nan, **kw):
        rows.append(dict(panel=panel, x=float(x), series=series, value=float(value),
                         stderr=float(stderr), **kw))

    n01 = stats.norm()
    gains = np.geomspace(0.05, 20, 16 if quick else 41)
    for L in (3, 5, 8, 16):
        for s in gains:
            add("a", s, f"L={L}", information_flow(FSQ([L]), n01, scale=s).mutual_information)
        add("a", gains[0], f"log2 {L}", math.log2(L))
    sigmas = np.geomspace(0.01, 3, 8 if quick else 15)
    for L in (5, 16):
        for noise in ("gaussian", "uniform"):
            for sg in sigmas:
                f = information_flow(FSQ([L]), n01, noise=noise, noise_scale=sg, scale=1.0)
                add("b", sg, f"L={L} {noise} I(X;Z)", f.mutual_information)
                add("b", sg, f"L={L} {noise} H(Z|X)", f.h_z_given_x)
    for sg in sigmas:  # once: the bound does not depend on L
        add("b", sg, "bound 1/2 log2(1+s^2/sigma^2)", 0.5 * math.log2(1 + 1 / sg**2))
    big = FSQ([8, 5, 5, 5])
    cells = big.indices_to_level_indices(np.arange(big.codebook_size))
    for s in gains:
        f = information_flow(big, n01, scale=s)
        p = np.prod([f.pmfs[k][cells[:, k]] for k in range(big.dim)], axis=0)
        p /= p.sum()
        add("c", s, "perplexity / |C|", 2 ** f.h_z / big.codebook_size)
        for n in (10**3, 10**4, 10**5):
            add("c", s, f"expected usage, n={n:g}", expected_codebook_usage(p, n))
    rng = np.random.default_rng(seed)
    n = 2000 if quick else 8000
    lap = stats.laplace(scale=1 / math.sqrt(2))  # unit variance
    x_lap = lap.rvs(size=n, random_state=rng)
    x_cor = rng.multivariate_normal([0, 0], [[1, 0.9], [0.9, 1]], size=n)
    for sg in sigmas:
        e = information_flow_empirical(FSQ([8]), x_lap, noise="gaussian", noise_scale=sg)
        add("d", sg, "Laplace, FSQ[8]: empirical", e.mutual_information, e.stderr, n=n)
        t = information_flow(FSQ([8]), lap, noise="gaussian", noise_scale=sg)
        add("d", sg, "Laplace, FSQ[8]: exact", t.mutual_information)
        e2 = information_flow_empirical(FSQ([5, 5]), x_cor, noise="gaussian", noise_scale=sg)
        add("d", sg, "rho=0.9 Gaussian, FSQ[5,5]: empirical", e2.mutual_information, e2.stderr,
            n=n)
        t2 = information_flow(FSQ([5, 5]), n01, noise="gaussian", noise_scale=sg)
        add("d", sg, "independent N(0,1) dims, FSQ[5,5]: exact", t2.mutual_information)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=7.0)
    a, b, c, d = axes.ravel()
    for series, g in df[df.panel == "a"].groupby("series", sort=False):
        if series.startswith("log2"):
            a.axhline(g.value.iloc[0], ls="--", lw=0.8, color="0.5")
        else:
            a.plot(g.x, g.value, label=series)
    a.set(xscale="log", xlabel="encoder gain s", ylabel="I(X;Z) = H(Z)  [bits]",
          title="(a) deterministic FSQ: I = H(Z); dashed: log2 L")
    for series, g in df[df.panel == "b"].groupby("series", sort=False):
        style = ":" if "uniform" in series else "-"
        if series.startswith("bound"):
            b.plot(g.x, g.value, "--", color="0.4", label=series)
        elif "H(Z|X)" in series:
            b.plot(g.x, g.value, style, alpha=0.6, lw=1.0, label=series)
        else:
            b.plot(g.x, g.value, style, lw=1.8, label=series)
    b.set(xscale="log", xlabel="noise std sigma (latent units)", ylabel="bits", ylim=(0, 6.2),
          title="(b) encoder noise, s = 1: I(X;Z) and H(Z|X)")
    b.legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # inside, it hid the curves
    for series, g in df[df.panel == "c"].groupby("series", sort=False):
        c.plot(g.x, g.value, label=series)
    c.set(xscale="log", xlabel="encoder gain s", ylabel="fraction of |C| = 1000",
          title="(c) FSQ [8,5,5,5]: perplexity and usage")
    c.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    for series, g in df[df.panel == "d"].groupby("series", sort=False):
        if "empirical" in series:
            d.errorbar(g.x, g.value, yerr=2 * g.stderr, fmt="o", ms=3, capsize=2, label=series)
        else:
            d.plot(g.x, g.value, "-", label=series)
    d.set(xscale="log", xlabel="noise std sigma", ylabel="I(X;Z) [bits]",
          title="(d) empirical sources (+-2 SE) vs exact")
    d.legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    a.legend(ncol=2, loc="lower right")  # below the curves, right of the rise
    return fig
