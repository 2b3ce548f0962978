"""FSQ tokens under the forward diffusion process (seed 6.2).

Panels: (a) survival P(K_t = K_0) of one FSQ dimension (uniform clean codes, ML re-quantization
of z_t / sqrt(abar_t) to the nearest code) against t for L in {3, 5, 8, 16} under the linear
(solid) and cosine (dashed) schedules, Monte-Carlo markers from the step-by-step chain (+-2 SE);
(b) I(K_0;K_t) in bits against t, with I(Z_0;Z_t) = 1/2 log2(1 + SNR/3) of a Gaussian latent
with the variance of the uniform code law on [-1, 1] (black) and, for L = 16, I(K_0;Z_t) of the
unquantized noisy latent (dotted); (c) the step t* at which I(K_0;K_t) falls below half of
H(K_0) = log2 L, against L, for both schedules and with the same threshold applied to the
Gaussian latent's I(Z_0;Z_t) = 1/2 log2(1 + SNR Var c_L); (d) SNR(t) of both schedules.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..temporal import (beta_schedule, simulate_forward, snr, token_diffusion, token_loss_time)
from ..quantizer import FSQ

_LEVELS = (3, 5, 8, 16)
_KINDS = ("linear", "cosine")


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []

    def add(panel, x, series, value, stderr=np.nan):
        rows.append(dict(panel=panel, x=float(x), series=series, value=float(value),
                         stderr=float(stderr)))

    times = np.arange(1, 1001, 20 if quick else 4)
    mc_times = [50, 150, 300, 500, 700]
    n_mc = 4_000 if quick else 40_000
    for kind in _KINDS:
        b = beta_schedule(kind)
        for L in _LEVELS:
            r = token_diffusion(FSQ([L]), b, times=times, latent_mi=(L == 16))
            for t, s, mi in zip(r.times, r.survival, r.mi):
                add("a", t, f"L={L} {kind}", s)
                add("b", t, f"L={L} {kind}", mi)
            if L == 16:
                for t, mil in zip(r.times, r.mi_latent):
                    add("b", t, f"I(K0;Zt) L=16 {kind}", mil)
            mc = simulate_forward(FSQ([L]), b, n_mc, times=mc_times,
                                  rng=seed * 100 + 10 * L + (kind == "cosine"))
            for t, s, se in zip(mc.times, mc.survival, mc.survival_stderr):
                add("a", t, f"L={L} {kind} MC", s, se)
        ab_snr = snr(b)[times - 1]
        for t, q in zip(times, ab_snr):
            add("b", t, f"Gaussian latent {kind}", 0.5 * math.log2(1 + q / 3))
            add("d", t, kind, q)
        for L in range(2, 33) if not quick else (2, 3, 5, 8, 16, 32):
            fsq = FSQ([L], symmetric=(L == 2))
            r = token_diffusion(fsq, b, latent_mi=False)
            add("c", L, f"FSQ tokens {kind}", token_loss_time(r, 0.5))
            add("c", L, f"Gaussian latent {kind}", token_loss_time(r, 0.5, which="mi_gaussian"))
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=5.2)
    a, b, c, d = axes.ravel()
    colors = {}
    for L in _LEVELS:
        for kind, ls in zip(_KINDS, ("-", "--")):
            g = df[(df.panel == "a") & (df.series == f"L={L} {kind}")]
            (line,) = a.plot(g.x, g.value, ls, color=colors.get(L),
                             label=f"L={L}" if kind == "linear" else None)
            colors[L] = line.get_color()
            m = df[(df.panel == "a") & (df.series == f"L={L} {kind} MC")]
            a.errorbar(m.x, m.value, yerr=2 * m.stderr, fmt="o" if kind == "linear" else "s",
                       ms=3, capsize=2, color=colors[L], mfc="none" if kind == "cosine" else None)
            g = df[(df.panel == "b") & (df.series == f"L={L} {kind}")]
            b.plot(g.x, g.value, ls, color=colors[L],
                   label=f"I(K0;Kt) L={L}" if kind == "linear" else None)
    for kind, ls in zip(_KINDS, ("-", "--")):
        g = df[(df.panel == "b") & (df.series == f"Gaussian latent {kind}")]
        b.plot(g.x, g.value, ls, color="k", lw=1.0,
               label="Gaussian latent I(Z0;Zt), var 1/3" if kind == "linear" else None)
        g = df[(df.panel == "b") & (df.series == f"I(K0;Zt) L=16 {kind}")]
        b.plot(g.x, g.value, ":", color=colors[16], lw=1.4,
               label="I(K0;Zt) L=16 (unquantized)" if kind == "linear" else None)
    a.set(xlabel="diffusion step t", ylabel="P(K_t = K_0)", ylim=(0, 1.02),
          title="(a) token survival (solid linear, dashed cosine; MC +-2 SE)")
    a.legend(fontsize=7)
    b.set(xlabel="diffusion step t", ylabel="bits per dimension", ylim=(0, 4.2),
          title="(b) I(K0;Kt) (solid linear, dashed cosine)")
    b.legend(fontsize=7)
    for series, g in df[df.panel == "c"].groupby("series", sort=False):
        c.plot(g.x, g.value, "-o" if "FSQ" in series else "--", ms=3, label=series)
    c.set(xscale="log", xlabel="levels L", ylabel="t* : I < H(K0)/2",
          title="(c) step where half the token information is lost")
    c.set_xticks([2, 3, 5, 8, 16, 32], labels=["2", "3", "5", "8", "16", "32"])
    c.minorticks_off()
    c.legend(fontsize=7)
    for series, g in df[df.panel == "d"].groupby("series", sort=False):
        d.plot(g.x, g.value, label=series)
    d.set(yscale="log", xlabel="diffusion step t", ylabel="SNR = abar / (1 - abar)",
          title="(d) signal-to-noise ratio")
    d.legend()
    return fig
