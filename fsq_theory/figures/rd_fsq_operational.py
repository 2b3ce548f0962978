"""FSQ's operational rate-distortion points against the Gaussian R(D).

Panels: (a) rate (bits per scalar) against SNR = 10 log10(1/D) for N(0, 1): R(D); FSQ([L]) at
its MSE-optimal gain, fixed rate log2 L and entropy-coded rate H(Q), grid points and centroids;
Lloyd-Max and the optimal uniform quantizer (fixed rate); the entropy-coded uniform quantizer
(ECSQ); Monte-Carlo points from ``stream_stats`` (1e6 samples, +-2 SE). (b) gap to R(D) in bits
against L, with the high-resolution limits: Panter-Dite 1/2 log2(sqrt3 pi/2), Gish-Pierce
1/2 log2(pi e/6) and the tanh-compander limits derived in :mod:`fsq_theory.fsq_operational`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import integrate, stats

from ..rate_distortion import (GISH_PIERCE_GAP, PANTER_DITE_GAUSSIAN, fsq_operational_rd,
                               tanh_compander_limits)
from ..quantizer import FSQ
from ..rate_distortion import gaussian_rd
from ..rate_distortion import entropy_constrained_uniform, quantizer_performance


def _error_fourth_moment(sq) -> float:
    """E[(X - Q(X))^4] for N(0,1), cell by cell (for the Monte-Carlo standard error)."""
    e, y = sq.cell_edges, sq.points
    return sum(integrate.quad(lambda x, yk=yk: (x - yk) ** 4 * stats.norm.pdf(x),
                              max(e[k], -40.0), min(e[k + 1], 40.0), epsabs=0, epsrel=1e-10,
                              limit=200)[0] for k, yk in enumerate(y))


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    Ls = [3, 4, 5, 7, 8, 11, 16, 23, 32, 64, 128, 256] if quick else (
        list(range(3, 33)) + [40, 48, 64, 96, 128, 192, 256])
    rows = []

    def add(method, L, D, rate, kind, stderr=np.nan, rate_stderr=np.nan):
        rows.append(dict(method=method, L=L, mse=D, snr_db=10 * np.log10(1 / D), rate=rate,
                         kind=kind, gap_bits=rate - gaussian_rd(D), mse_stderr=stderr,
                         rate_stderr=rate_stderr))

    pts = fsq_operational_rd(Ls, decoder="grid")
    cen = fsq_operational_rd(Ls, decoder="centroid", compare=False)
    for _, r in pts.iterrows():
        add("FSQ points", r.L, r.mse, r.fixed_rate, "fixed")
        add("FSQ points", r.L, r.mse, r.entropy_rate, "entropy")
        add("Lloyd-Max", r.L, r.lloyd_max_mse, np.log2(r.L), "fixed")
        add("optimal uniform", r.L, r.uniform_mse, np.log2(r.L), "fixed")
    for _, r in cen.iterrows():
        add("FSQ centroid", r.L, r.mse, r.fixed_rate, "fixed")
        add("FSQ centroid", r.L, r.mse, r.entropy_rate, "entropy")
    for rate in np.linspace(0.25, 8, 8 if quick else 32):
        p = quantizer_performance(entropy_constrained_uniform(float(rate)))
        add("ECSQ uniform", np.nan, p.mse, p.entropy_bits, "entropy")
    for D in np.geomspace(1.0, 1e-5, 60):
        add("R(D)", np.nan, D, gaussian_rd(D), "bound")
    lim = tanh_compander_limits()
    for L in (3, 256):
        D = 1.0 / L ** 2
        rows.append(dict(method="limit Panter-Dite", L=L, gap_bits=0.5 * np.log2(
            PANTER_DITE_GAUSSIAN), kind="fixed"))
        rows.append(dict(method="limit tanh compander", L=L, gap_bits=lim.fixed_gap_bits,
                         kind="fixed"))
        rows.append(dict(method="limit tanh compander", L=L, gap_bits=lim.entropy_gap_bits,
                         kind="entropy"))
        rows.append(dict(method="limit Gish-Pierce", L=L, gap_bits=GISH_PIERCE_GAP,
                         kind="entropy"))
        del D
    # Monte-Carlo points through the reference-exact FSQ, streamed
    from ..sources import GaussianSource
    from ..stats import stream_stats

    n = 200_000 if quick else 1_000_000
    for L in (5, 8, 16):
        g = float(pts.loc[pts.L == L, "scale"].iloc[0]) if L in Ls else None
        if g is None:
            continue
        st = stream_stats(FSQ([L]), GaussianSource(1.0), n, rng=seed, scale=g,
                          decoder="grid")
        sq = FSQ([L]).scalar_quantizers(g)[0]
        perf = quantizer_performance(sq)
        se_d = np.sqrt((_error_fourth_moment(sq) - perf.mse ** 2) / n)
        p = perf.prob[perf.prob > 0]
        se_h = np.sqrt(((np.log2(p) ** 2 * p).sum() - perf.entropy_bits ** 2) / n)
        add("FSQ points (Monte Carlo)", L, st.mse_source, float(np.log2(L)), "fixed", se_d)
        add("FSQ points (Monte Carlo)", L, st.mse_source, st.entropy_bits, "entropy", se_d,
            se_h)
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, (ax, bx) = subplots(1, 2, height=3.6)
    style = {"FSQ points": "C0", "FSQ centroid": "C1", "Lloyd-Max": "C2",
             "optimal uniform": "C3", "ECSQ uniform": "C4"}
    rd = df[df.method == "R(D)"]
    ax.plot(rd.snr_db, rd.rate, "k-", label="R(D) = 1/2 log2(1/D)")
    for m, c in style.items():
        for kind, ls in (("fixed", "-"), ("entropy", "--")):
            s = df[(df.method == m) & (df.kind == kind)].sort_values("snr_db")
            if len(s):
                ax.plot(s.snr_db, s.rate, ls, color=c, marker=".", ms=3,
                        label=f"{m} ({'log2 L' if kind == 'fixed' else 'H(Q)'})")
    mc = df[df.method == "FSQ points (Monte Carlo)"]
    ax.errorbar(mc.snr_db, mc.rate, xerr=2 * 10 / np.log(10) * mc.mse_stderr / mc.mse,
                yerr=2 * mc.rate_stderr.fillna(0), fmt="kx", ms=6, label="Monte Carlo (+-2 SE)")
    ax.set_xlabel("SNR = 10 log10(sigma^2 / D)  [dB]")
    ax.set_ylabel("rate [bits / scalar]")
    ax.set_xlim(0, 50)
    ax.set_ylim(0, 9)
    ax.set_title("(a) N(0,1): operational points vs R(D)")
    # inside the panels the legends hid points: panel (a)'s goes below the figure
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=7)
    for m, c in style.items():
        for kind, ls in (("fixed", "-"), ("entropy", "--")):
            s = df[(df.method == m) & (df.kind == kind) & df.L.notna()].sort_values("L")
            if len(s):
                bx.plot(s.L, s.gap_bits, ls, color=c, marker=".", ms=3)
    for m, c in (("limit Panter-Dite", "C2"), ("limit tanh compander", "C0"),
                 ("limit Gish-Pierce", "C4")):
        for kind, ls in (("fixed", ":"), ("entropy", "-.")):
            s = df[(df.method == m) & (df.kind == kind)]
            if len(s):
                bx.axhline(s.gap_bits.iloc[0], color=c, ls=ls, lw=1,
                           label=f"{m} ({kind}) = {s.gap_bits.iloc[0]:.4f}")
    bx.set_xscale("log", base=2)
    bx.set_xlabel("levels L")
    bx.set_ylabel("rate - R(D)  [bits]")
    bx.set_ylim(0, 2.1)  # room for the legend above the curves
    bx.set_title("(b) gap to R(D); solid: log2 L, dashed: H(Q)")
    bx.legend(fontsize=7, loc="upper right")
    return fig
