"""Cross-modal FSQ tokens: how much of I(X;Y) separate tokenizers keep, and what a shared or
joint codebook changes (seed 7.2.3).

Panels: (a) the fraction I(K_X;K_Y)/I(X;Y) kept by two FSQ[L] tokenizers (gain 1) of a
bivariate normal pair against rho (exact; at rho = 0 the limit eta^4, eta^2 = 1 - D_centroid;
markers: Monte Carlo, +-2 SE); (b) I(K_X;K_Y) against I(X;Y): the data-processing bound (the
diagonal) and the cap H(K) (dotted); (c) the fraction against the encoder gain at rho = 0.9
(markers: the MSE-optimal gain of each L); (d) basis dependence: X correlated (0.9) with Y_1,
Y = (Y_1, Y_2) rotated by theta before FSQ[L, L] (I(X;Y) is the same at every theta);
(e) MSE per scalar at 2 log2 5 = 4.64 bits per pair against rho: separate codebooks (= one shared
codebook, equal variances), the joint decoder E[X|K_X,K_Y], a decorrelating joint FSQ on the
principal components, and the Gaussian D(R); (f) what one shared codebook costs when the
modalities' scales differ and no per-modality gain normalizes them: the relative distortion
(D_X/sigma_X^2 + D_Y/sigma_Y^2)/2 of the shared codebook over that of separate codebooks, against
sigma_Y / sigma_X (rho = 0.5).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..geometry import (compare_codebooks, cross_modal_information, cross_modal_information_cov,
                        simulate_cross_modal)
from ..quantizer import FSQ

_LEVELS = (3, 5, 8, 16, 64)


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []

    def add(panel, series, x, value, stderr=np.nan):
        rows.append(dict(panel=panel, series=series, x=float(x), value=float(value),
                         stderr=float(stderr)))

    mc_rhos = (0.3, 0.6, 0.9)
    rhos = np.union1d(np.linspace(0.0, 0.999, 20 if quick else 60), mc_rhos)
    for L in _LEVELS:
        f = FSQ([L])
        for r in rhos:
            add("a", f"L={L}", r, cross_modal_information(f, f, r).fraction)
        if L in (3, 8):
            for j, r in enumerate(mc_rhos):
                ex = cross_modal_information(f, f, r)
                mc = simulate_cross_modal(f, f, r, 50_000 if quick else 400_000,
                                          rng=seed * 1000 + 10 * L + j)
                add("a", f"L={L} MC", r, mc.mi_tokens / ex.mi_latents,
                    mc.mi_stderr / ex.mi_latents)
    one_minus = np.geomspace(0.999, 1e-5, 25 if quick else 70)
    for L in _LEVELS:
        f = FSQ([L])
        for e in one_minus:
            r = cross_modal_information(f, f, 1 - e)
            add("b", f"L={L}", r.mi_latents, r.mi_tokens)
        add("b", f"H(K) L={L}", 0.0, r.entropy_x)
    gains = np.geomspace(0.1, 10.0, 25 if quick else 70)
    for L in _LEVELS:
        f = FSQ([L])
        for g in gains:
            add("c", f"L={L}", g, cross_modal_information(f, f, 0.9, scale_x=g,
                                                          scale_y=g).fraction)
        if L <= 16:
            g = compare_codebooks(0.9, L).gains[0][0]
            add("c", f"L={L} optimal gain", g, cross_modal_information(f, f, 0.9, scale_x=g,
                                                                       scale_y=g).fraction)
    cov = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    for L in (3, 5, 8, 16):
        for th in np.linspace(0.0, 90.0, 7 if quick else 19):
            c, s = math.cos(math.radians(th)), math.sin(math.radians(th))
            R = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
            add("d", f"L={L}", th, cross_modal_information_cov(FSQ([L]), FSQ([L, L]),
                                                               R @ cov @ R.T).fraction)
    for r in np.linspace(0.0, 0.99, 12 if quick else 34):
        cb = compare_codebooks(r, 5)
        for name, m in zip(cb.schemes, cb.mse):
            if name != "shared":  # identical to separate at equal variances
                add("e", name, r, m)
        add("e", "Gaussian D(R)", r, cb.rd_mse_fixed)
    for L in (3, 5, 8):
        for ratio in np.geomspace(1.0, 10.0, 6 if quick else 16):
            cb = compare_codebooks(0.5, L, variance_y=ratio ** 2, distortion="relative")
            add("f", f"L={L}", ratio, cb.mse[1] / cb.mse[0])
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(3, 2, height=8.4)
    a, b, c, d, e, f = axes.ravel()
    colors = {}
    for series, g in df[df.panel == "a"].groupby("series", sort=False):
        if series.endswith("MC"):
            a.errorbar(g.x, g.value, yerr=2 * g.stderr, fmt="o", ms=3, capsize=2,
                       color=colors[series[:-3]])
        else:
            (line,) = a.plot(g.x, g.value, label=f"FSQ[{series[2:]}]")
            colors[series] = line.get_color()
    a.set(xlabel="correlation rho", ylabel="I(K_X;K_Y) / I(X;Y)", ylim=(0, 1.02),
          title="(a) fraction kept, gain 1 (markers: MC +-2 SE)")
    a.legend(fontsize=7, ncol=2, loc="lower left")
    top = 0.0
    for series, g in df[df.panel == "b"].groupby("series", sort=False):
        if series.startswith("H(K)"):
            b.axhline(float(g.value.iloc[0]), ls=":", lw=0.9, color=colors[series[5:]])
        else:
            b.plot(g.x, g.value, color=colors[series], label=f"FSQ[{series[2:]}]")
            top = max(top, float(g.x.max()))
    b.plot([0, top], [0, top], "k--", lw=0.8, label="I(X;Y) (bound)")
    b.set(xlabel="I(X;Y) [bits]", ylabel="I(K_X;K_Y) [bits]", ylim=(0, 6.5),
          title="(b) token information; dotted: H(K)")
    b.legend(fontsize=7, loc="upper left")
    for series, g in df[df.panel == "c"].groupby("series", sort=False):
        if series.endswith("optimal gain"):
            c.plot(g.x, g.value, "o", ms=4, color=colors[series[: -len(" optimal gain")]])
        else:
            c.plot(g.x, g.value, color=colors[series], label=f"FSQ[{series[2:]}]")
    c.set(xscale="log", xlabel="encoder gain g (both modalities)", ylabel="fraction kept",
          ylim=(0, 1.02), title="(c) rho = 0.9; dots: MSE-optimal gain")
    c.legend(fontsize=7, ncol=2, loc="lower right")
    for series, g in df[df.panel == "d"].groupby("series", sort=False):
        d.plot(g.x, g.value, "-o", ms=2.5, color=colors[series], label=f"FSQ[{series[2:]}]")
    d.set(xlabel="rotation of Y's basis [degrees]", ylabel="fraction kept", ylim=(0, 1.02),
          xticks=[0, 15, 30, 45, 60, 75, 90],
          title="(d) rho(X, Y_1) = 0.9, Y rotated; FSQ[L, L]")
    d.legend(fontsize=7, ncol=2, loc="lower center")
    styles = {"separate": "-", "joint_decoder": "--", "decorrelated": "-.",
              "Gaussian D(R)": ":"}
    labels = {"separate": "separate = shared codebook", "joint_decoder": "joint decoder",
              "decorrelated": "decorrelated joint FSQ", "Gaussian D(R)": "Gaussian D(R)"}
    for series, g in df[df.panel == "e"].groupby("series", sort=False):
        e.plot(g.x, g.value, styles[series], color="k" if "D(R)" in series else None,
               label=labels[series])
    e.set(yscale="log", xlabel="correlation rho", ylabel="MSE per scalar",
          title="(e) L = 5: equal fixed rate (<= 4.64 bits/pair)")
    e.legend(fontsize=7, loc="lower left")
    for series, g in df[df.panel == "f"].groupby("series", sort=False):
        f.plot(g.x, g.value, "-o", ms=2.5, color=colors[series], label=f"FSQ[{series[2:]}]")
    f.set(xscale="log", xlabel="sigma_Y / sigma_X", ylabel="relative MSE shared / separate",
          title="(f) shared codebook, no per-modality gain")
    f.legend(fontsize=7, loc="upper left", title="rho = 0.5", title_fontsize=7)
    return fig
