"""The report's figures, rendered to PNG bytes (embedded in the page and written beside it)."""

from __future__ import annotations

import io
import math

import numpy as np

from ..plotting import plt, subplots

MAX_PANELS = 16
DPI = 110


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    plt.close(fig)
    return buf.getvalue()


def _grid(k):
    cols = min(4, k)
    return -(-k // cols), cols


def marginals(doc, extra) -> bytes:
    shape, mom, fsq, scale = extra["shape"], extra["mom"], extra["fsq"], extra["scale"]
    d = fsq.dim
    k = min(d, MAX_PANELS)
    r, c = _grid(k)
    fig, axes = subplots(r, c, figsize=(7.2, 1.7 * r + 0.4), squeeze=False)
    sqs = fsq.scalar_quantizers(scale)
    n = doc["data"]["n"]
    for i in range(r * c):
        ax = axes.flat[i]
        if i >= k:
            ax.axis("off")
            continue
        e = shape.edges[i]
        w = np.diff(e)
        dens = shape.hist[i] / (n * w)
        ax.stairs(dens, e, fill=True, color="C0", alpha=0.45, label="latents")
        sd = math.sqrt(mom.var[i])
        if sd > 0:
            xs = np.linspace(e[0], e[-1], 200)
            ax.plot(xs, np.exp(-0.5 * ((xs - mom.mean[i]) / sd) ** 2) / (sd * math.sqrt(2 * math.pi)),
                    color="C3", lw=1, label="Gaussian fit")
        for t in sqs[i].thresholds:
            if e[0] <= t <= e[-1]:
                ax.axvline(t, color="0.35", lw=0.6, ls=":")
        ax.set_title(f"dim {i} (L = {fsq.levels[i]})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    axes.flat[0].legend(fontsize=6, loc="upper left")
    title = "Marginals with FSQ cell boundaries (dotted)"
    if d > k:
        title += f" — first {k} of {d} dimensions"
    fig.suptitle(title, fontsize=9)
    return _png(fig)


def correlation(doc, extra) -> bytes:
    corr = np.asarray(doc["data"]["correlation"])
    d = corr.shape[0]
    fig, ax = subplots(figsize=(4.6, 3.8))
    im = ax.imshow(corr, cmap="RdBu_r", vmin=-1, vmax=1)
    fig.colorbar(im, ax=ax, shrink=0.85, label="correlation")
    if d <= 10:
        for i in range(d):
            for j in range(d):
                ax.text(j, i, f"{corr[i, j]:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if abs(corr[i, j]) > 0.6 else "black")
    ax.set_xlabel("dimension")
    ax.set_ylabel("dimension")
    ticks = np.arange(0, d, max(1, d // 8))
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)
    ax.grid(False)
    ax.set_title("Correlation matrix of the latents")
    return _png(fig)


def tokens(doc, extra) -> bytes:
    st, fsq = extra["stats"], extra["fsq"]
    t = doc["tokens"]
    fig, (a, b) = subplots(1, 2, figsize=(7.2, 3.0))
    if st.counts is not None:
        c = np.sort(st.counts[st.counts > 0])[::-1] / st.n
        rank = np.arange(1, c.size + 1)
        a.loglog(rank, c, color="C0", label="observed")
        a.axhline(1 / fsq.codebook_size, color="C3", ls="--", lw=1, label="uniform 1/|C|")
        a.set_xlabel("code rank")
        a.set_ylabel("frequency")
        a.set_title(f"Code usage ({t['codes_used']:,} of {fsq.codebook_size:,} used)")
        a.legend()
    else:
        a.text(0.5, 0.5, "codebook too large\nfor a joint histogram", ha="center", va="center",
               transform=a.transAxes)
        a.axis("off")
    dims = np.arange(fsq.dim)
    h = [m["entropy_bits"] for m in t["per_dimension"]]
    mx = [m["max_bits"] for m in t["per_dimension"]]
    b.bar(dims, mx, color="0.85", label="log2 L (max)")
    b.bar(dims, h, color="C0", width=0.55, label="H per dimension")
    b.set_xlabel("dimension")
    b.set_ylabel("bits")
    b.set_title("Per-dimension token entropy")
    b.legend()
    if fsq.dim > 20:
        b.set_xticks(dims[:: max(1, fsq.dim // 10)])
    return _png(fig)


def rate_distortion(doc, extra) -> bytes:
    rd = doc["rate_distortion"]
    fig, ax = subplots(figsize=(6.4, 3.9))
    curve = rd["curve"]
    if curve:
        D = np.array([p["distortion"] for p in curve])
        for key, style in (("upper", dict(color="C0", ls="-")), ("lower", dict(color="C2", ls="--"))):
            labels = [b["label"] for b in curve[0][key]]
            for j, lb in enumerate(labels):
                y = np.array([np.nan if p[key][j]["bits"] is None else p[key][j]["bits"]
                              for p in curve])
                if np.isfinite(y).any():
                    ax.plot(D, y, label=f"{key}: {lb.replace('_', ' ')}", **style)
        if len(curve) > 1 and all(p["upper"] and p["lower"] for p in curve):
            up = np.array([min([b["bits"] for b in p["upper"] if b["bits"] is not None] or [np.nan])
                           for p in curve])
            lo = np.array([max([b["bits"] for b in p["lower"] if b["bits"] is not None] or [np.nan])
                           for p in curve])
            ok = np.isfinite(up) & np.isfinite(lo)
            ax.fill_between(D[ok], lo[ok], up[ok], color="C0", alpha=0.12, label="R(D) lies here")
    t = doc["tokens"]
    for i, r in enumerate(doc["alternatives"]["designs"]):
        m = r["mse_latent_centroid"]
        if m is None or m <= 0:
            continue
        y = r["entropy_bits"] if r["entropy_bits"] is not None else r["rate_bits"]
        mk = "o" if r["name"] == "current" else "^"
        ax.plot([m], [y], mk, color="C3" if r["name"] == "current" else f"C{4 + i % 5}",
                ms=7 if r["name"] == "current" else 5,
                label="tokenizer H(Z), cell-mean decoder" if r["name"] == "current"
                else r["name"].replace("_", " "))
    cur = doc["alternatives"]["designs"][0]
    if cur["mse_latent_centroid"]:
        ax.plot([cur["mse_latent_centroid"]], [t["rate_bits"]], "s", color="C3", mfc="none",
                label="tokenizer log2|C|")
    km = doc["alternatives"]["kmeans"]
    if not km.get("skipped") and km.get("mse_latent_centroid"):
        ax.plot([km["mse_latent_centroid"]], [km["entropy_bits"]], "D", color="k", ms=5,
                label="k-means VQ, same |C|")
    ax.set_xscale("log")
    ax.set_xlabel("MSE per scalar (latent units²)")
    ax.set_ylabel("rate (bits per vector)")
    ax.set_title("Where the tokenizer sits against the R(D) bounds")
    ax.legend(fontsize=6.5, loc="upper right")
    ax.set_ylim(bottom=0)
    return _png(fig)


def alternatives(doc, extra) -> bytes:
    rows = [r for r in doc["alternatives"]["designs"] if r["mse_latent_centroid"] is not None]
    names = [r["name"].replace("_", " ") for r in rows]
    vals = [r["mse_latent_centroid"] for r in rows]
    km = doc["alternatives"]["kmeans"]
    if not km.get("skipped"):
        names.append("k-means VQ")
        vals.append(km["mse_latent_centroid"])
    fig, ax = subplots(figsize=(6.4, 0.45 * len(names) + 1.0))
    y = np.arange(len(names))[::-1]
    colors = ["C3"] + ["C0"] * (len(names) - 1)
    ax.barh(y, vals, color=colors)
    ax.set_yticks(y, names)
    base = vals[0]
    for yi, val in zip(y, vals):
        change = 100 * (val / base - 1) if base else 0.0
        ax.text(val, yi, f"  {val:.4g} ({change:+.0f}%)" if yi != y[0] else f"  {val:.4g}",
                va="center", fontsize=7)
    ax.set_xlim(0, max(vals) * 1.35 if max(vals) > 0 else 1)
    ax.set_xlabel("mse_latent_centroid (latent units² per scalar)")
    ax.set_title("What to change: distortion at the same bit budget")
    return _png(fig)


def gains(doc, extra) -> bytes:
    curves = extra["gain_curves"]
    k = min(len(curves), MAX_PANELS)
    r, c = _grid(k)
    fig, axes = subplots(r, c, figsize=(7.2, 1.6 * r + 0.5), squeeze=False)
    for i in range(r * c):
        ax = axes.flat[i]
        if i >= k or curves[i] is None:
            ax.axis("off")
            continue
        gs, m, cur, best = curves[i]
        ax.semilogx(gs, m, color="C0")
        ax.axvline(cur, color="C3", lw=1, label="current")
        ax.axvline(best, color="C2", lw=1, ls="--", label="best")
        ax.set_title(f"dim {i}", fontsize=8)
        ax.tick_params(labelsize=6)
    if curves and curves[0] is not None:
        axes.flat[0].legend(fontsize=6)
    fig.suptitle("mse_latent_centroid against the gain of each dimension (sample)", fontsize=9)
    return _png(fig)


FIGURES = {
    "marginals": marginals,
    "correlation": correlation,
    "tokens": tokens,
    "rate_distortion": rate_distortion,
    "alternatives": alternatives,
    "gains": gains,
}


def render(doc, extra) -> dict:
    """name -> PNG bytes for every figure."""
    return {name: fn(doc, extra) for name, fn in FIGURES.items()}
