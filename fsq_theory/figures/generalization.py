"""Figure: excess risk of ERM over FSQ-codebook-indexed classifiers against the finite-class
bound 2 sqrt((ln|C| + ln(2/delta))/(2n)), for several codebook sizes and two label-noise levels."""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ((3, 3), (5, 5), (8, 8), (16, 16), (32, 32))
NOISES = (0.1, 0.4)
DELTA = 0.05


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    from ..coding import generalization_experiment

    levels = LEVELS[::2] if quick else LEVELS
    ns = (25, 100, 400, 1600) if quick else (25, 50, 100, 200, 400, 800, 1600)
    reps = 40 if quick else 200
    frames = [generalization_experiment(levels, ns, repetitions=reps, delta=DELTA, noise=eta,
                                        rng=np.random.SeedSequence([seed, k])).to_frame()
              for k, eta in enumerate(NOISES)]
    return pd.concat(frames, ignore_index=True)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    noises = sorted(df.noise.unique())
    fig, axes = subplots(1, len(noises), height=2.8, sharey=True)
    for ax, eta in zip(np.atleast_1d(axes), noises):
        g = df[df.noise == eta]
        for k, (size, h) in enumerate(g.groupby("codebook_size")):
            c = f"C{k}"
            ax.plot(h.n, h.bound, "--", color=c, lw=1)
            ax.errorbar(h.n, h.mean_excess.clip(lower=1e-5), yerr=2 * h.se_excess, fmt="o-",
                        color=c, ms=3, capsize=2, label=f"|C| = {size} ({h.levels.iloc[0]})")
            ax.plot(h.n, h.quantile_excess.clip(lower=1e-5), "^", color=c, ms=3, alpha=0.6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sample size n")
        ax.set_title(f"label noise $\\eta$ = {eta:g}")

    fig.suptitle(f"ERM over sign<c, x>, c in an FSQ codebook: dashed = bound at delta = {DELTA:g},\n"
                 f"o = mean (+-2 se), ^ = {1 - DELTA:g}-quantile of the excess risk", fontsize=8)
    h, lab = np.atleast_1d(axes)[0].get_legend_handles_labels()
    fig.legend(h, lab, loc="outside lower center", ncol=5, fontsize=7)  # inside, it hid points
    np.atleast_1d(axes)[0].set_ylabel("excess risk $R(\\hat h) - \\min_c R(h_c)$")
    return fig
