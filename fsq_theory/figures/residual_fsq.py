"""Residual (hierarchical) FSQ vs flat FSQ vs the Gaussian R(D), at equal rate.

Unit Gaussian source, one dimension. For each stage count S, a residual FSQ with S stages of L
levels (``fsq_theory.hierarchical.ResidualFSQ``; the reference defaults = hard clamp, and tanh
stages) at its MSE-optimal encoder gain, exact MSE from the enumerated composite cells; a flat
FSQ (default mode) with L^S levels at its optimal gain; Lloyd-Max with L^S cells; the hard-clamp
hierarchy with per-stage scales adapted to the source (``optimize_stage_scales``); R(D) =
2^(-2R). Monte-Carlo markers (mean +- 2 SE) run the forward pass at the same gains.

Panels: (a) MSE vs fixed rate S log2 L (conditional-mean decoder, plus the reference decoder
for the hard-clamp hierarchy); (b) MSE vs token entropy H(K_1..K_S) with the entropy-coded
uniform limit (pi e / 6) 2^(-2H); (c) fraction of the L^S index tuples that any input reaches.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..cells import cell_moments
from ..hierarchical._rate_distortion import (
    ResidualFSQ,
    _argmin_log_gain,
    _cell_stats,
    best_gain,
    hierarchy_rate_distortion,
    optimize_stage_scales,
    simulate_hierarchy,
)
from ..quantizer import FSQ
from ..rate_distortion import lloyd_max
from ..stats import plugin_entropy_bits

CONFIGS = ((3, 6), (5, 4), (8, 3))  # (L, max stages): up to 729, 625, 512 composite cells


def _row(**kw):
    base = dict(scheme="", decoder="", method="exact", L=0, stages=0, cells=0, reachable=0,
                fixed_rate=np.nan, entropy=np.nan, mse=np.nan, stderr=np.nan, gain=np.nan)
    base.update(kw)
    return base


def _flat_fsq(M: int):
    fsq = FSQ([M])

    def mse(t):
        return _cell_stats(fsq.scalar_quantizers(math.exp(t))[0], 1.0)[3]

    t, d = _argmin_log_gain(mse)
    _, _, h, _ = _cell_stats(fsq.scalar_quantizers(math.exp(t))[0], 1.0)
    return math.exp(t), d, h


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    n_mc = 50_000 if quick else 400_000
    configs = ((3, 4), (5, 3), (8, 2)) if quick else CONFIGS
    rows = []
    for L, smax in configs:
        for S in range(1, smax + 1):
            M = L ** S
            R = S * math.log2(L)
            common = dict(L=L, stages=S, cells=M, fixed_rate=R)
            for hard, name in ((True, "residual FSQ (hard clamp, reference)"),
                               (False, "residual FSQ (tanh stages)")):
                rq = ResidualFSQ([L], S, bound_hard_clamp=hard)
                decoders = ("centroid", "grid") if hard else ("centroid",)
                for dec in decoders:
                    g = best_gain(rq, decoder=dec)
                    r = hierarchy_rate_distortion(rq, gain=g)
                    d = r.mse_centroid[-1] if dec == "centroid" else r.mse_reference[-1]
                    rows.append(_row(scheme=name, decoder=dec, reachable=int(r.reachable[-1]),
                                     entropy=r.entropy[-1], mse=d, gain=g, **common))
                    mc = simulate_hierarchy(rq, n_mc, gain=g, rng=seed + 1000 * L + S)
                    col = "mse_centroid" if dec == "centroid" else "mse_reference"
                    rows.append(_row(scheme=name, decoder=dec, method="monte carlo",
                                     reachable=int(r.reachable[-1]),
                                     entropy=mc.entropy_plugin[-1], mse=getattr(mc, col)[-1],
                                     stderr=getattr(mc, col + "_se")[-1], gain=g, **common))
                if hard and S > 1:
                    fit = optimize_stage_scales(rq, decoder="centroid", maxiter=150 if quick else 400)
                    ra = hierarchy_rate_distortion(rq, gain=fit.gain, stage_scales=fit.stage_scales)
                    rows.append(_row(scheme="residual FSQ (hard clamp, adapted scales)",
                                     decoder="centroid", reachable=int(ra.reachable[-1]),
                                     entropy=ra.entropy[-1], mse=fit.mse, gain=fit.gain, **common))
            g, d, h = _flat_fsq(M)
            rows.append(_row(scheme="flat FSQ (L^S levels)", decoder="centroid", reachable=M,
                             entropy=h, mse=d, gain=g, **common))
            lm = lloyd_max(M)
            m = cell_moments(lm)
            rows.append(_row(scheme="Lloyd-Max (L^S cells)", decoder="centroid", reachable=M,
                             entropy=plugin_entropy_bits(m.prob), mse=m.mse(lm.points),
                             gain=1.0, **common))
            rows.append(_row(scheme="R(D) = 2^(-2R)", decoder="", reachable=M, entropy=R,
                             mse=2.0 ** (-2 * R), **common))
    return pd.DataFrame(rows)


_STYLE = {
    "residual FSQ (hard clamp, reference)": dict(color="C0", marker="o"),
    "residual FSQ (tanh stages)": dict(color="C1", marker="s"),
    "residual FSQ (hard clamp, adapted scales)": dict(color="C4", marker="v"),
    "flat FSQ (L^S levels)": dict(color="C2", marker="^"),
    "Lloyd-Max (L^S cells)": dict(color="C3", marker="x"),
}


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=7.0)
    axes = axes.ravel()
    ex = df[df.method == "exact"]
    mc = df[df.method == "monte carlo"]
    ls = {3: "-", 5: "--", 8: ":"}
    r = np.linspace(0.0, df.fixed_rate.max() + 0.3, 100)

    def y_of(g, panel):
        d = g.mse.to_numpy()
        if panel == 0:
            return 10 * np.log10(d)
        rate = g.fixed_rate if panel == 1 else g.entropy
        return 10 * np.log10(d * 2.0 ** (2 * rate.to_numpy()))  # dB above 2^(-2R)

    axes[0].plot(r, 10 * np.log10(2.0 ** (-2 * r)), "k-", lw=1.0, label="R(D): D = 2^(-2R)")
    axes[1].axhline(0.0, color="k", lw=1.0, label="R(D)")
    axes[2].axhline(0.0, color="k", lw=1.0, label="R(D)")
    axes[2].axhline(10 * np.log10(math.pi * math.e / 6), color="k", ls=":", lw=1.0,
                    label="entropy-coded uniform, high rate (pi e/6: 1.53 dB)")
    for panel in range(3):
        ax = axes[panel]
        xcol = "entropy" if panel == 2 else "fixed_rate"
        for (scheme, dec, L), g in ex[ex.scheme.isin(list(_STYLE))].groupby(
                ["scheme", "decoder", "L"], sort=False):
            st = dict(_STYLE[scheme])
            label = f"{scheme}{', grid decoder' if dec == 'grid' else ''}"
            if dec == "grid":
                st["color"] = "C9"
            ax.plot(g[xcol], y_of(g, panel), ls=ls[L], ms=3.5, lw=1.0, fillstyle="none",
                    label=label if L == 3 else None, **st)
        for (scheme, dec), g in mc.groupby(["scheme", "decoder"], sort=False):
            y = y_of(g, panel)
            lo = y - y_of(g.assign(mse=g.mse - 2 * g.stderr), panel)
            hi = y_of(g.assign(mse=g.mse + 2 * g.stderr), panel) - y
            ax.errorbar(g[xcol], y, yerr=[lo, hi], fmt=".", color="k", ms=2.5, lw=0.8,
                        label="Monte Carlo (+-2 SE)" if scheme.endswith("reference)")
                        and dec == "centroid" else None)
        ax.set_xlabel("token entropy H(K_1..K_S) (bits/scalar)" if xcol == "entropy"
                      else "fixed rate S log2 L (bits/scalar)")
    axes[0].set_ylabel("MSE (dB)")
    axes[1].set_ylabel("MSE / 2^(-2R) (dB)")
    axes[2].set_ylabel("MSE / 2^(-2H) (dB)")
    axes[0].set_title("(a) MSE at equal fixed rate (line style: L = 3, 5, 8)")
    axes[1].set_title("(b) gap to R(D) at equal fixed rate")
    axes[2].set_title("(c) gap to R(D) at equal token entropy")
    axes[1].set_ylim(-0.5, 12)
    axes[2].set_ylim(-0.5, 8)
    axes[0].legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.2))  # inside, it hid the curves
    axes[2].legend(handles=axes[2].get_lines()[:2], loc="upper left", fontsize=7)
    ax = axes[3]
    for (scheme, L), g in ex[ex.scheme.str.startswith("residual FSQ (")
                             & (ex.decoder == "centroid")].groupby(["scheme", "L"], sort=False):
        if "adapted" in scheme:
            continue
        ax.plot(g.stages, g.reachable / g.cells, ls=ls[L], lw=1.0, ms=4, fillstyle="none",
                label=f"{scheme.split('(')[1][:-1]}, L = {L}", **_STYLE[scheme])
    ax.set_xlabel("stages S")
    ax.set_ylabel("reachable index tuples / L^S")
    ax.set_ylim(0, 1.05)
    ax.set_title("(d) codes the hierarchy can emit (exact count)")
    ax.legend(fontsize=7, ncol=1, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    return fig
