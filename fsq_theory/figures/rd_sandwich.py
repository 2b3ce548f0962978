"""The R(D) sandwich of real FSQ latents with FSQ's operating points.

Data: the shipped image-autoencoder latents (``fsq_theory.datasets.load_image_latents``, d = 4,
trained with levels 8,5,5,5), a fixed random subsample (40,000 rows; 10,000 in quick mode).
Panel (a): rate in bits per vector against D (MSE per scalar, log axis): upper bounds (Gaussian
with the same covariance, separate coding of PCA components by certified Blahut-Arimoto, the
particle / WGD estimate of the empirical measure) and lower bounds (Shannon lower bound with a
k-NN entropy, the Blahut-Arimoto dual bound of the empirical measure), 95% batch-means bands for
the "source" estimates; FSQ points: the trained model (gain 1, centroid decoder) and four level
lists at their MSE-optimal gains (grid and centroid decoders), at rate log2|C| (open) and token
entropy (filled). Panel (b): how the bounds at one D move with n (n/8 .. n).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LEVELS = ((8, 5, 5, 5), (5, 5, 5, 5), (3, 3, 3, 3), (8, 8, 8, 8), (16, 16, 8, 8))


def _data(rows: int, seed: int):
    from ..datasets import load_image_latents

    ds = load_image_latents()
    x = np.asarray(ds.latents, dtype=np.float64)
    gen = np.random.default_rng(seed)
    return ds, x[np.sort(gen.choice(x.shape[0], size=min(rows, x.shape[0]), replace=False))]


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    from ..empirical import fsq_operating_points, rd_sandwich, sample_size_curve

    ds, x = _data(10_000 if quick else 40_000, seed)
    var = float(x.var(axis=0).mean())
    Ds = var * np.geomspace(0.01, 0.9, 8 if quick else 16)
    kw = dict(n_particles=128 if quick else 256, n_steps=20 if quick else 30,
              n_bins=128 if quick else 256, n_slopes=16 if quick else 24,
              n_batches=4 if quick else 8)
    s = rd_sandwich(x, Ds, rng=seed, **kw)
    df = s.to_frame().assign(section="bound", n=x.shape[0])
    pts = pd.concat([
        fsq_operating_points(x, [ds.levels], gains="unit", decoder="centroid").assign(
            label="trained (gain 1), centroid"),
        fsq_operating_points(x, LEVELS, decoder="centroid").assign(label="optimal gain, centroid"),
        fsq_operating_points(x, LEVELS, decoder="grid").assign(label="optimal gain, grid"),
    ], ignore_index=True)
    prow = []
    for _, p in pts.iterrows():
        for kind, rate in (("fixed", p.fixed_rate), ("entropy", p.entropy_rate)):
            prow.append(dict(section="point", label=p.label, levels=str(p.levels),
                             rate_kind=kind, value_bits=rate, distortion=p.distortion,
                             n=x.shape[0]))
    curve = sample_size_curve(x, [var * 0.1], rng=seed,
                              bounds=("gaussian", "separable", "shannon"), n_bins=128,
                              n_slopes=16, n_batches=kw["n_batches"])
    curve = curve.assign(section="n_curve")
    return pd.concat([df, pd.DataFrame(prow), curve], ignore_index=True)


STYLE = {"gaussian": ("C0", "-"), "separable": ("C2", "-"), "particles": ("C1", "-"),
         "shannon": ("C3", "--"), "dual": ("C4", "--")}


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, (ax, bx) = subplots(2, 1, height=8.6, gridspec_kw={"height_ratios": [2.2, 1]})
    b = df[df.section == "bound"]
    for name, (c, ls) in STYLE.items():
        s = b[b.bound == name].sort_values("distortion")
        if not len(s):
            continue
        kind, target = s.kind.iloc[0], s.target.iloc[0]
        ok = np.isfinite(s.value_bits)
        ax.plot(s.distortion[ok], s.value_bits[ok], ls, color=c, marker=".", ms=3,
                label=f"{name} ({kind}, {target}{'' if s.certified.iloc[0] else ', not cert.'})")
        if target == "source":
            ax.fill_between(s.distortion, s.low_bits, s.high_bits, color=c, alpha=0.2, lw=0)
    p = df[df.section == "point"]
    marks = {"trained (gain 1), centroid": "s", "optimal gain, centroid": "o",
             "optimal gain, grid": "^"}
    for lab, mk in marks.items():
        for kind, fill in (("fixed", "none"), ("entropy", "k")):
            s = p[(p.label == lab) & (p.rate_kind == kind)]
            ax.scatter(s.distortion, s.value_bits, marker=mk, facecolors=fill, edgecolors="k",
                       s=22, zorder=5,
                       label=f"FSQ {lab}, {'log2|C|' if kind == 'fixed' else 'token entropy'}")
    t = p[(p.label == "optimal gain, centroid") & (p.rate_kind == "fixed")]
    for _, r in t.iterrows():
        ax.annotate(r.levels.replace(" ", ""), (r.distortion, r.value_bits), fontsize=7,
                    xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("D = MSE per scalar (latent units)")
    ax.set_ylabel("rate [bits / vector]")
    n = int(b.n.iloc[0])
    ax.set_title(f"(a) R(D) sandwich of real FSQ latents (d = 4, n = {n})")
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    c = df[df.section == "n_curve"]
    for name, (col, ls) in STYLE.items():
        s = c[c.bound == name].sort_values("n")
        if len(s):
            bx.errorbar(s.n, s.value_bits, yerr=[s.value_bits - s.low_bits,
                                                 s.high_bits - s.value_bits],
                        fmt=ls, color=col, marker="o", ms=3, capsize=2, label=name)
    bx.set_xscale("log")
    bx.set_xlabel("rows used n (nested subsamples)")
    bx.set_ylabel("bound at D = 0.1 var [bits/vector]")
    bx.set_title("(b) finite-sample drift (95% intervals)")
    bx.legend(fontsize=7, ncol=3)
    return fig
