"""FSQ against the alternatives at equal rate, and its loss split into causes.

Panels: (a) seed 7.1.1, exactly: gap to the Gaussian D(R) in dB at fixed rates 1-8 bits/dim of
FSQ (L = 2^R levels at the MSE-optimal gain, centroid and grid decoders; R = 1 is LFQ), of the
best scalar product grid (Lloyd-Max) and the high-resolution predictions of the E8 lattice
with scalar shaping and of an 8-dimensional VQ; (b) Monte-Carlo gaps (mean +- 2 SE) of FSQ,
LFQ, k-means VQ, residual VQ, residual FSQ, truncated lattices and entropy-coded lattices on the
i.i.d. Gaussian, AR(1) blocks (rho = 0.9) and Laplace sources in 2 dimensions, and at 1
bit/dim in 8 dimensions; (c) Lookabaugh-Gray decomposition (space-filling, shape, memory,
compander) of the high-resolution gap for each source, 8-dimensional blocks.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..alternatives import ar1_block_source, compare_quantizers, loss_decomposition
from ..alternatives._compare import _DB_PER_BIT
from ..rate_distortion import fsq_operational_rd
from ..sources import GaussianSource, LaplaceSource

LAPLACE = stats.laplace(scale=2 ** -0.5)  # unit variance


def _verdict_rows():
    rows = []
    for R in range(1, 9):
        L = 2 ** R
        for dec in ("centroid", "grid"):
            if L == 2 and dec == "grid":
                continue
            df = fsq_operational_rd([L], decoder=dec, symmetric=(L == 2), compare=True)
            r = df.iloc[0]
            rows.append(dict(table="verdict", source="gaussian", quantizer=f"fsq_{dec}", rate=R,
                             mse=r.mse, gap_db=r.gap_fixed_db, gap_bits=r.gap_fixed_db / _DB_PER_BIT))
            if dec == "centroid":
                g = 10 * math.log10(r.lloyd_max_mse * 4.0 ** R)
                rows.append(dict(table="verdict", source="gaussian", quantizer="lloyd_max",
                                 rate=R, mse=r.lloyd_max_mse, gap_db=g, gap_bits=g / _DB_PER_BIT))
    dec = loss_decomposition(dim=8).set_index(["quantizer", "component"]).db
    for q in ("lattice_E8", "vq_8d"):
        for R in range(1, 9):
            g = float(dec[q, "total"])
            rows.append(dict(table="verdict", source="gaussian", quantizer=f"{q}_high_rate",
                             rate=R, mse=4.0 ** -R * 10 ** (g / 10), gap_db=g,
                             gap_bits=g / _DB_PER_BIT))
    return rows


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = _verdict_rows()
    n_train, n_test = (8_000, 40_000) if quick else (20_000, 200_000)
    cases = [("gaussian", GaussianSource(dim=2), [1.0, 2.0, 3.0]),
             ("ar1_0.9", ar1_block_source(0.9, 2), [1.0, 2.0, 3.0]),
             ("laplace", LaplaceSource(2 ** -0.5, dim=2), [1.0, 2.0, 3.0]),
             ("gaussian", GaussianSource(dim=8), [1.0]),
             ("ar1_0.9", ar1_block_source(0.9, 8), [1.0])]
    for k, (name, src, rates) in enumerate(cases):
        df = compare_quantizers(src, rates, n_train=n_train, n_test=n_test,
                                n_init=2 if quick else 3, rng=seed * 100 + k)
        for r in df.itertuples():
            rows.append(dict(table="measured", source=name, quantizer=r.quantizer, dim=r.dim,
                             kind=r.kind, rate=r.rate, mse=r.mse, mse_se=r.mse_se, dr=r.dr,
                             gap_db=r.gap_db, gap_db_se=r.gap_db_se, gap_bits=r.gap_bits,
                             entropy_rate=r.entropy_rate, entropy_gap_db=r.entropy_gap_db,
                             reference=r.reference))
    for name, dist, rho in (("gaussian", stats.norm(), 0.0), ("ar1_0.9", stats.norm(), 0.9),
                            ("laplace", LAPLACE, 0.0)):
        d = loss_decomposition(dist, dim=8, rho=rho)
        for r in d.itertuples():
            rows.append(dict(table="decomposition", source=name, quantizer=r.quantizer,
                             component=r.component, gap_db=r.db, gap_bits=r.bits, dim=8))
    return pd.DataFrame(rows)


_STYLE = {"fsq": ("C0", "o"), "fsq_centroid": ("C0", "o"), "fsq_grid": ("C0", "x"),
          "lfq": ("C9", "v"), "vq": ("C3", "s"), "rvq": ("C1", "D"), "rfsq": ("C2", "^"),
          "lattice_A2": ("C8", "h"), "lattice_E8": ("C5", "h"),
          "lloyd_max": ("C4", "d"), "lattice_E8_high_rate": ("C5", None),
          "vq_8d_high_rate": ("C3", None)}


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(3, 1, height=10.5, gridspec_kw=dict(height_ratios=[1, 1.1, 1]))
    ax = axes[0]
    ver = df[df.table == "verdict"]
    for q, g in ver.groupby("quantizer", sort=False):
        c, m = _STYLE.get(q, ("k", "."))
        ls = "--" if m is None else "-"
        ax.plot(g.rate, g.gap_db, ls, color=c, marker=m, label=q.replace("_", " "))
    ax.axhline(10 * math.log10(2 * math.pi * math.e / 12), color="0.5", lw=0.8, ls=":")
    ax.text(8, 1.6, "cube space-filling 1.53 dB", ha="right", fontsize=7, color="0.4")
    ax.set(xlabel="fixed rate (bits/dim)", ylabel="10 log10(D / D(R))  [dB]",
           title="(a) Gaussian, exact: price of the product grid")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)

    ax = axes[1]
    mea = df[(df.table == "measured") & (df.kind == "fixed")]
    groups = list(dict.fromkeys(zip(mea.source, mea.dim, mea.rate)))
    qs = list(dict.fromkeys(mea.quantizer))
    width = 0.8 / len(qs)
    for j, q in enumerate(qs):
        xs, ys, es = [], [], []
        for i, key in enumerate(groups):
            s = mea[(mea.source == key[0]) & (mea.dim == key[1]) & (mea.rate == key[2])
                    & (mea.quantizer == q)]
            if len(s):
                xs.append(i + (j - len(qs) / 2 + 0.5) * width)
                ys.append(float(s.gap_db.iloc[0]))
                es.append(2 * float(s.gap_db_se.iloc[0]))
        c = _STYLE.get(q, (f"C{(j + 5) % 10}", "o"))[0]
        ax.bar(xs, ys, width, yerr=es, color=c, label=q.replace("_", " "))
    ax.set_xticks(range(len(groups)))
    short = {"gaussian": "Gauss", "laplace": "Laplace", "ar1_0.9": "AR(1)"}
    ax.set_xticklabels([f"{short.get(s, s)}\nn={int(d)}\nR={r:g}" for s, d, r in groups],
                       fontsize=7)
    ax.set(ylabel="gap to D(R) [dB] (Laplace: to the SLB)",
           title="(b) measured, equal fixed rate (mean +- 2 SE)")
    ax.legend(fontsize=7, ncol=4)
    ax.grid(alpha=0.3, axis="y")

    ax = axes[2]
    dec = df[(df.table == "decomposition") & (df.component != "total")]
    comps = ["space_filling", "shape", "compander", "memory"]
    bars = []
    for s in ("gaussian", "ar1_0.9", "laplace"):
        for q in ("fsq", "lattice_E8", "vq_8d"):
            bars.append((s, q))
    bottom = np.zeros(len(bars))
    for k, c in enumerate(comps):
        vals = np.array([float(dec[(dec.source == s) & (dec.quantizer == q)
                                   & (dec.component == c)].gap_db.iloc[0]) for s, q in bars])
        ax.bar(range(len(bars)), vals, bottom=bottom, color=f"C{k}", label=c.replace("_", " "))
        bottom += vals
    ax.set_xticks(range(len(bars)))
    ax.set_xticklabels([f"{q.replace('lattice_', '')}\n{s}" for s, q in bars], fontsize=7)
    ax.set(ylabel="high-resolution gap to D(R) [dB]", title="(c) the loss, split (n = 8)")
    ax.legend(fontsize=7, ncol=2, loc="upper right")
    ax.grid(alpha=0.3, axis="y")
    return fig
