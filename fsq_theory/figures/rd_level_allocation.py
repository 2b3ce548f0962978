"""Optimal FSQ level allocation against the FSQ paper's recommendations and water-filling.

Panels: (a) MSE per scalar (unit-variance Gaussian dimensions, centroid decoder, MSE-optimal
gains) of the paper's level lists, the exact optimum within the budget and the optimum under the
paper's rule L_i >= 5, for |C| = 2^8 .. 2^16; (b) a decaying PCA spectrum sigma_i^2 = i^-2
(d = 6, |C| = 2^12): log2 L_i of the optimal list against reverse water-filling's rates R_i at
the same total rate; (c) the per-level table D_1(L) * L^2 showing the odd/even effect of FSQ's
asymmetric even grids.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rate_distortion import level_table, optimal_levels, paper_levels_comparison
from ..rate_distortion import reverse_water_filling


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []
    for rec in ("centroid",) if quick else ("centroid", "grid"):
        for _, r in paper_levels_comparison(decoder=rec).iterrows():
            rows.append(dict(panel="paper", reconstruction=rec, budget=r.codebook_budget,
                             choice=r.choice, levels=str(tuple(r.levels)), mse=r.mse,
                             fixed_rate=r.fixed_rate, entropy_rate=r.entropy_rate))
    var = 1.0 / np.arange(1, 7) ** 2.0
    best = optimal_levels(2 ** 12, var, top=1, decoder="centroid").iloc[0]
    wf = reverse_water_filling(var, R=best.fixed_rate)
    for i, (L, s2, r) in enumerate(zip(best.levels, var, wf.rate)):
        rows.append(dict(panel="spectrum", reconstruction="centroid", budget=2 ** 12,
                         choice="optimal", component=i, variance=s2, levels=str(L),
                         log2_level=float(np.log2(L)), water_filling_rate=r))
    tab = level_table(32 if quick else 64, decoder="centroid")
    for _, r in tab.iterrows():
        rows.append(dict(panel="table", reconstruction="centroid", L=r.L, mse=r.mse,
                         entropy_rate=r.entropy_bits, gain=r.gain))
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axs = subplots(2, 2, height=5.0)
    gs = axs[0, 0].get_gridspec()
    axs[0, 0].remove()
    axs[0, 1].remove()
    ax = fig.add_subplot(gs[0, :])  # the bar labels need the full width
    bx, cx = axs[1]
    p = df[(df.panel == "paper") & (df.reconstruction == "centroid")]
    budgets = sorted(p.budget.unique())
    w = 0.27
    for j, (choice, c) in enumerate((("paper", "C0"), ("optimal", "C1"),
                                     ("optimal_min5", "C2"))):
        s = p[p.choice == choice].set_index("budget").loc[budgets]
        xs = np.arange(len(budgets)) + (j - 1) * w
        ax.bar(xs, s.mse, w, color=c, label=choice)
        for x, lv, m in zip(xs, s.levels, s.mse):
            ax.text(x, m, lv.replace(" ", ""), rotation=90, fontsize=7, ha="center", va="bottom")
    ax.set_xticks(np.arange(len(budgets)), [f"2^{int(np.log2(b))}" for b in budgets])
    ax.set_ylabel("MSE per scalar (unit variance)")
    ax.set_ylim(0, p.mse.max() * 1.6)
    ax.set_title("(a) paper's levels vs exact optimum")
    ax.legend(fontsize=7, ncol=3, loc="upper left")
    s = df[df.panel == "spectrum"]
    bx.plot(s.component, s.log2_level, "o-", label="log2 L_i (optimal FSQ)")
    bx.plot(s.component, s.water_filling_rate, "s--", label="R_i (reverse water-filling)")
    bx.set_xlabel("component i (variance i^-2)")
    bx.set_ylabel("bits")
    bx.set_title("(b) decaying spectrum, |C| = 2^12")
    bx.legend(fontsize=7)
    t = df[df.panel == "table"].sort_values("L")
    odd = t[t.L % 2 == 1]
    even = t[t.L % 2 == 0]
    cx.plot(odd.L, odd.mse * odd.L ** 2, "o-", ms=3, label="odd L")
    cx.plot(even.L, even.mse * even.L ** 2, "s-", ms=3, label="even L (asymmetric grid)")
    cx.axhline(np.sqrt(3) * np.pi / 2, color="k", ls=":", label="Panter-Dite")
    cx.set_xlabel("levels L")
    cx.set_ylabel("L^2 D_1(L)")
    cx.set_title("(c) one dimension, centroid decoder")
    cx.legend(fontsize=7)
    return fig
