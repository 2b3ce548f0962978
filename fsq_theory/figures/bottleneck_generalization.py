"""Figure: excess risk of an ERM token head behind an FSQ bottleneck (seed 2.1, bottleneck form):
Monte-Carlo mean and exact expectation against the per-token and union bounds, its growth with
the number of tokens |C|, and the trade-off with the token-limited Bayes risk."""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ((3, 3), (5, 5), (8, 8), (16, 16), (32, 32))
NS = (25, 50, 100, 200, 400, 800, 1600, 3200)
DELTA = 0.05
MEAN = 1.0


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    from ..coding import bottleneck_experiment

    levels = LEVELS[::2] if quick else LEVELS
    ns = NS[::2] if quick else NS
    r = bottleneck_experiment(levels, ns, repetitions=40 if quick else 300, delta=DELTA,
                              mean=MEAN, rng=np.random.SeedSequence([seed, 21]))
    return r.to_frame()


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, (a, b, c) = subplots(1, 3, height=2.9)
    sizes = sorted(df.codebook_size.unique())
    for k, size in enumerate(sizes):
        g = df[df.codebook_size == size].sort_values("n")
        col = f"C{k}"
        a.plot(g.n, g.cell_bound, "--", color=col, lw=0.8)
        a.plot(g.n, g.expected_excess.clip(lower=1e-5), "-", color=col, lw=1)
        a.errorbar(g.n, g.mean_excess.clip(lower=1e-5), yerr=2 * g.se_excess, fmt="o", ms=2.5,
                   color=col, capsize=1.5, label=f"|C| = {size}")
    a.set(xscale="log", yscale="log", ylim=(1e-4, 10), xlabel="sample size n",
          ylabel="excess risk", title="(a) o mean (±2 se), — exact E,\n-- per-token bound")
    a.legend(fontsize=7, loc="lower left", handletextpad=0.3, borderaxespad=0.2)

    show = [n for n in (100, 400, 1600, 3200) if n in set(df.n)]
    for k, n in enumerate(show):
        g = df[df.n == n].sort_values("codebook_size")
        col = f"C{k + 5}"
        b.plot(g.codebook_size, g.expected_excess.clip(lower=1e-5), "o-", ms=2.5, color=col,
               label=f"n = {n}")
        c.plot(g.codebook_size, g.token_bayes_risk + g.expected_excess, "o-", ms=2.5,
               color=col, label=f"n = {n}")
    # guides through the last point of the largest n: the seed's sqrt(ln|C|) and sqrt(|C|)
    g = df[df.n == show[-1]].sort_values("codebook_size")
    x = g.codebook_size.to_numpy(float)
    y0, x0 = float(g.expected_excess.iloc[-1]), x[-1]
    b.plot(x, y0 * np.sqrt(x / x0), ":", color="0.3", lw=1, label=r"$\propto\sqrt{|C|}$")
    b.plot(x, y0 * np.sqrt(np.log(x) / np.log(x0)), "-.", color="0.5", lw=1,
           label=r"$\propto\sqrt{\ln|C|}$")
    b.set(xscale="log", yscale="log", ylim=(1e-4, 1), xlabel="tokens |C|",
          ylabel="exact E[excess risk]", title="(b) growth with |C|")
    b.legend(fontsize=7, loc="lower right", handletextpad=0.3, borderaxespad=0.2)

    tb = df.drop_duplicates("codebook_size").sort_values("codebook_size")
    c.plot(tb.codebook_size, tb.token_bayes_risk, "s-", ms=2.5, color="k",
           label="token Bayes risk")
    c.axhline(float(df.bayes_risk.iloc[0]), color="0.5", lw=0.8, ls="--")
    c.set(xscale="log", ylim=(0.15, 0.5), xlabel="tokens |C|",
          ylabel="risk of the head (exact E)", title="(c) Bayes risk + E[excess]\n(-- latent Bayes)")
    c.legend(fontsize=7, loc="upper left", handletextpad=0.3, borderaxespad=0.2)
    return fig
