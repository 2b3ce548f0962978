"""W2 between a Gaussian source and its FSQ-quantized distribution against the number of levels.

Panels: (a) source units, N(0, 1) through FSQ([L]) at encoder gain 1: exact W2 for the grid
points and the cell centroids, against the best W2 any L-atom measure reaches (Lloyd-Max,
Graf & Luschgy 2000 Lemma 3.4), the optimal uniform quantizer, the Panter-Dite law
sqrt(sqrt3 pi / 2) / L, FSQ's own high-resolution law (Bennett's integral + the overload
beyond the eps margin, :func:`high_resolution_law`) and POT's exact LP (ot.emd2) on subsamples
(mean +- 2 SE);
(b) code units (domain="bounded"): exact W2 against the Delta^2/12 law, Delta = 1/floor(L/2);
(c) a correlated 2-D Gaussian sample through FSQ([L, L]): exact W2 (= distortion), ot.emd2 on
subsamples and sqrt(d) x sliced W2 (a lower bound); (d) the gap W2_FSQ / W2_optimal.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import integrate, stats

from ..quantizer import FSQ
from ..geometry import w2_quantization, w2_quantization_pot
from ..rate_distortion import lloyd_max, optimal_uniform

_COV = np.array([[1.0, 0.8], [0.8, 1.0]])


def high_resolution_law(L: int, *, eps: float = 1e-3) -> tuple[float, float]:
    """(W2 of Bennett's granular integral + overload, overload floor) for FSQ([L]) at gain 1.

    Granular part: (1/12) int_{|x|<t*} Delta(x)^2 phi(x) dx with the local cell width
    Delta(x) = cosh^2(x + c) / h (the Delta^2/12 law pulled back through the tanh bound;
    h = (L-1)(1+eps)/2, c = atanh(o/h)); overload: the variance of N(0,1) beyond
    t* = atanh(1/(1+eps)), where the bound reaches its outer level, on both sides. As L -> oo the
    granular part vanishes and W2 -> sqrt(overload): eps caps the bound at |x| < t* ~ 3.8.
    """
    h = (L - 1) * (1 + eps) / 2
    c = math.atanh((0.5 if L % 2 == 0 else 0.0) / h)
    tstar = math.atanh(1 / (1 + eps))
    gran = integrate.quad(lambda x: (math.cosh(x + c) ** 2 / h) ** 2 * stats.norm.pdf(x) / 12,
                          -tstar, tstar)[0]
    m0, m1 = stats.norm.sf(tstar), stats.norm.pdf(tstar)
    over = 2 * (m0 + tstar * m1 - m1 * m1 / m0)
    return math.sqrt(gran + over), math.sqrt(over)


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    levels = [3, 4, 5, 6, 8, 11, 16, 23, 32] if quick else list(range(3, 17)) + [20, 24, 32, 48,
                                                                                    64]
    pot_levels = [3, 5, 8, 16] if quick else [3, 4, 5, 8, 11, 16, 32]
    n_sub, repeats = (600, 4) if quick else (1500, 8)
    n01 = stats.norm()
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=(50_000, 1))
    x2 = rng.multivariate_normal([0, 0], _COV, size=50_000)
    rows = []

    def add(panel, L, method, value, stderr=np.nan):
        rows.append(dict(panel=panel, levels=L, method=method, value=float(value),
                         stderr=float(stderr)))

    for L in levels:
        f = FSQ([L])
        sq = f.scalar_quantizers(1.0)[0]
        add("source", L, "FSQ points (exact)", w2_quantization(sq, n01))
        add("source", L, "FSQ centroids (exact)", w2_quantization(sq, n01,
                                                                  decoder="centroid"))
        lm = lloyd_max(L)
        add("source", L, "optimal L-atom measure (Lloyd-Max)", w2_quantization(lm, n01))
        add("source", L, "optimal uniform", w2_quantization(optimal_uniform(L),
                                                            n01))
        add("source", L, "Panter-Dite law", math.sqrt(math.sqrt(3) * math.pi / 2) / L)
        law, floor = high_resolution_law(L)
        add("source", L, "FSQ Bennett law + overload", law)
        add("source", L, "FSQ eps-overload floor", floor)
        add("bounded", L, "FSQ exact (code units)", w2_quantization(f, n01, domain="bounded"))
        add("bounded", L, "Delta^2/12 law", (1 / (L // 2)) / math.sqrt(12))
        f2 = FSQ([L, L])
        add("2d", L, "exact (= distortion)", w2_quantization(f2, x2))
        if L in pot_levels:
            for panel, q, x, dom in (("source", f, x1, "source"), ("bounded", f, x1, "bounded"),
                                     ("2d", f2, x2, "source")):
                e = w2_quantization_pot(q, x, method="emd", n_sub=n_sub, repeats=repeats,
                                        domain=dom, rng=rng)
                add(panel, L, "POT emd2 (subsamples)", e.w2, e.stderr)
            s = w2_quantization_pot(f2, x2, method="sliced", n_sub=n_sub, repeats=repeats,
                                    n_projections=100, rng=rng)
            add("2d", L, "sqrt(d) x sliced W2 (POT)", math.sqrt(2) * s.w2, math.sqrt(2) * s.stderr)
    df = pd.DataFrame(rows)
    src = df[df.panel == "source"].pivot_table(index="levels", columns="method", values="value")
    opt = src["optimal L-atom measure (Lloyd-Max)"]
    for col in ("FSQ points (exact)", "FSQ centroids (exact)", "optimal uniform"):
        for L, val in (src[col] / opt).items():
            add("gap", int(L), col, val)
    return pd.DataFrame(rows)


_SHORT = {"FSQ points (exact)": "FSQ points", "FSQ centroids (exact)": "FSQ centroids",
          "optimal L-atom measure (Lloyd-Max)": "Lloyd-Max (best)",
          "FSQ Bennett law + overload": "Bennett + overload",
          "FSQ eps-overload floor": "eps-overload floor", "POT emd2 (subsamples)": "POT emd2"}


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=5.0)
    titles = {"source": "(a) N(0,1), source units", "bounded": "(b) code units (bounded domain)",
              "2d": "(c) correlated 2-D sample, FSQ[L, L]",
              "gap": "(d) W2 / best W2 of any L-atom measure"}
    for ax, panel in zip(axes.ravel(), ("source", "bounded", "2d", "gap")):
        sub = df[df.panel == panel]
        for method, g in sub.groupby("method", sort=False):
            g = g.sort_values("levels")
            if g.stderr.notna().any():
                ax.errorbar(g.levels, g.value, yerr=2 * g.stderr, fmt="o", ms=3.5, capsize=2,
                            label=method)
            elif "floor" in method:
                ax.plot(g.levels, g.value, "-.", color="0.6", label=method)
            elif "law" in method:
                ls = ":" if "Bennett" in method else "--"
                ax.plot(g.levels, g.value, ls, color="0.3", label=method)
            else:
                ax.plot(g.levels, g.value, "-", marker=".", label=method)
        ax.set_xscale("log")
        ax.set_yscale("linear" if panel == "gap" else "log")
        ticks = [L for L in (3, 4, 6, 8, 16, 32, 64) if L <= df.levels.max()]
        ax.set_xticks(ticks, [str(L) for L in ticks])
        ax.minorticks_off()
        if panel != "gap":
            lo, hi = ax.get_ylim()
            if hi / lo < 30:  # under ~1.5 decades a log axis labels one tick at most
                from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

                ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
                ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("levels L")
        ax.set_ylabel("W2 / W2*" if panel == "gap" else "W2")
        ax.set_title(titles[panel])
        if panel == "source":  # eight series: two columns of short labels below the curves
            ax.set_ylim(1e-5, 8)
            h, lab = ax.get_legend_handles_labels()
            ax.legend(h, [_SHORT.get(x, x) for x in lab], ncol=2, loc="lower left",
                      columnspacing=0.8, handlelength=1.5)
        else:
            ax.legend(fontsize=7)
    return fig
