"""Fisher information kept by the tokens of a quantized Gaussian source.

Panels: (a) loss ratio I_tokens / I_source about the mean (solid) and the scale (dashed) of
N(0, 1) against the number of levels, for FSQ at encoder gains 0.5, 1, 2 and for the Lloyd-Max
quantizer; (b) the ripple: the mean's ratio against the offset of the mean relative to the
cells, for uniform quantizers of step Delta = 1..4 sigma (64 cells) and FSQ([8]); (c) Fisher-Rao
metric ellipses {d theta : d theta' I(theta) d theta = r^2} in the (mu, sigma) plane, tokens of FSQ([5])
(solid) against the unquantized source (dashed; smaller: more information); (d) the token
distributions of FSQ([3]) on the probability simplex as mu sweeps [-3, 3] for several sigma,
with markers every 0.5 in mu: their spacing is the Fisher-Rao distance
2 arccos sum sqrt(p q) (listed for sigma = 1).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..cells import cell_probabilities
from ..geometry import fisher_information, fisher_rao_distance
from ..rate_distortion import lloyd_max
from ..quantizer import FSQ, ScalarQuantizer

_TERNARY = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, math.sqrt(3) / 2]])


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    del seed  # deterministic: every value is an exact cell integral
    rows = []

    def add(panel, series, x, y, **kw):
        rows.append(dict(panel=panel, series=series, x=float(x), y=float(y), **kw))

    levels = [3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64] if not quick else [3, 5, 8, 16, 32]
    for L in levels:
        for s in (0.5, 1.0, 2.0):
            fi = fisher_information(FSQ([L]), stats.norm, (0.0, 1.0), scale=s)
            add("a", f"FSQ gain {s:g}", L, fi.ratio[0], param="loc")
            add("a", f"FSQ gain {s:g}", L, fi.ratio[1], param="scale")
        fi = fisher_information(lloyd_max(L), stats.norm, (0.0, 1.0))
        add("a", "Lloyd-Max", L, fi.ratio[0], param="loc")
        add("a", "Lloyd-Max", L, fi.ratio[1], param="scale")
    offsets = np.linspace(0, 2, 41 if quick else 161)
    for step in (1.0, 2.0, 3.0, 4.0):
        sq = ScalarQuantizer.uniform(64, step)
        for u in offsets:
            # mu/Delta = u: the mean moves across two cells (0 is a threshold, 64 cells even)
            add("b", f"uniform Delta={step:g}", u, fisher_information(sq, stats.norm,
                                                                      (u * step, 1.0)).ratio[0])
    f8 = FSQ([8]).scalar_quantizers(1.0)[0]
    width = float(np.diff(f8.thresholds).min())  # central cell width of FSQ([8]) at gain 1
    for u in offsets:
        add("b", "FSQ[8] gain 1 (Delta = central cell)", u,
            fisher_information(f8, stats.norm, (u * width, 1.0)).ratio[0])
    t = np.linspace(0, 2 * np.pi, 73)
    circle = np.stack([np.cos(t), np.sin(t)])
    r = 0.25
    for mu in (-1.5, 0.0, 1.5):
        for sg in (0.5, 1.0, 1.5):
            for kind in ("tokens", "source"):
                fi = fisher_information(FSQ([5]), stats.norm, (mu, sg))
                M = fi.matrix if kind == "tokens" else fi.continuous
                lam, V = np.linalg.eigh(M)
                lam = np.maximum(lam, 1e-6)  # a (near-)degenerate direction: cap the ellipse
                pts = V @ (circle * (r / np.sqrt(lam))[:, None])
                for k in range(t.size):
                    add("c", f"{kind} mu={mu:g} sigma={sg:g}", mu + pts[0, k], sg + pts[1, k],
                        kind=kind, k=k)
    sq3 = FSQ([3]).scalar_quantizers(1.0)[0]
    mus = np.linspace(-3, 3, 121 if not quick else 61)
    for sg in (0.3, 0.6, 1.0, 2.0):
        prev = None
        for mu in mus:
            p = cell_probabilities(sq3, stats.norm(mu, sg))
            xy = p @ _TERNARY
            marker = bool(np.isclose(mu * 2, round(mu * 2)))
            fr = fisher_rao_distance(prev, p) if (prev is not None and marker) else np.nan
            add("d", f"sigma={sg:g}", xy[0], xy[1], mu=mu, marker=marker, fr_step=fr)
            if marker:
                prev = p
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(2, 2, height=5.4)
    a, b, c, d = axes.ravel()
    sub = df[df.panel == "a"]
    for i, (series, g) in enumerate(sub.groupby("series", sort=False)):
        col = f"C{i}"
        for param, ls in (("loc", "-"), ("scale", "--")):
            h = g[g.param == param]
            a.plot(h.x, h.y, ls, color=col, marker=".",
                   label=f"{series.replace('FSQ ', '')} ({param})")
    a.axhline(2 / math.pi, color="0.5", lw=0.8, ls=":")
    ticks = [L for L in (3, 4, 6, 8, 16, 32, 64) if L <= sub.x.max()]
    a.set_xscale("log")
    a.set_xticks(ticks, [str(L) for L in ticks])
    a.minorticks_off()
    a.set(xlabel="levels L", ylabel="I_tokens / I_source",
          title="(a) N(0,1): kept fraction; dotted 2/pi (1 bit)", ylim=(-0.42, 1.02),
          yticks=[0, 0.2, 0.4, 0.6, 0.8, 1.0])
    a.legend(fontsize=7, ncol=2, loc="lower right", columnspacing=0.8, handlelength=1.5)
    for series, g in df[df.panel == "b"].groupby("series", sort=False):
        b.plot(g.x, g.y, label=series)
    b.set(xlabel="mean offset mu / Delta", ylabel="I_tokens / I_source (mean)",
          title="(b) ripple between cells (sigma = 1; period Delta)")
    b.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.22))
    sub = df[df.panel == "c"]
    for series, g in sub.groupby("series", sort=False):
        tok = g.kind.iloc[0] == "tokens"
        c.plot(g.x, g.y, "-" if tok else "--", color="C0" if tok else "C1", lw=1.0)
    c.plot([], [], "-", color="C0", label="tokens FSQ[5]")
    c.plot([], [], "--", color="C1", label="unquantized source")
    c.set(xlabel="mu", ylabel="sigma", title="(c) Fisher-Rao ellipses, radius 0.25")
    c.set_aspect("equal", adjustable="box")  # otherwise the ellipses' shapes are distorted
    c.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.25))
    tri = np.vstack([_TERNARY, _TERNARY[:1]])
    d.plot(tri[:, 0], tri[:, 1], color="0.3", lw=0.8)
    for lab, (x, y) in zip(("k=0", "k=1", "k=2"), _TERNARY):
        d.annotate(lab, (x, y), textcoords="offset points", xytext=(-4, -10 if y == 0 else 4))
    for i, (series, g) in enumerate(df[df.panel == "d"].groupby("series", sort=False)):
        d.plot(g.x, g.y, color=f"C{i}", lw=1.0, label=series)
        m = g[g.marker.astype(bool)]
        d.plot(m.x, m.y, "o", ms=2.5, color=f"C{i}")
    one = df[(df.panel == "d") & (df.series == "sigma=1")].dropna(subset=["fr_step"])
    v = [f"{x:.2f}" for x in one.fr_step]
    half = (len(v) + 1) // 2
    txt = "d_FR per 0.5 in mu (sigma=1):\n" + " ".join(v[:half]) + "\n" + " ".join(v[half:])
    d.text(0.0, -0.04, txt, fontsize=7, transform=d.transAxes, va="top")
    d.set(aspect="equal", title="(d) FSQ[3] tokens on the simplex, mu in [-3, 3]")
    d.axis("off")
    d.legend(fontsize=7, loc="upper left")
    return fig
