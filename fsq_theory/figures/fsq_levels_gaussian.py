"""FSQ token entropy and distortion against the number of levels, unit Gaussian input.

Exact values from Gaussian cell integrals (one FSQ dimension fed z = x, x ~ N(0, 1)) with
Monte-Carlo points from ``stream_stats`` (mean +- 2 standard errors) on top.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import integrate, stats

from ..cells import cell_moments
from ..quantizer import FSQ
from ..sources import GaussianSource
from ..stats import plugin_entropy_bits, stream_stats


def _code_mse_exact(fsq: FSQ) -> float:
    """E[(bound(x) - code(x))^2] for x ~ N(0,1), integrated cell by cell (bound is smooth there)."""
    sq = fsq.scalar_quantizers()[0]
    edges = sq.cell_edges
    codes = fsq.code_values(np.float64)[0]
    total = 0.0
    for k in range(sq.n_cells):
        lo, hi = max(edges[k], -12.0), min(edges[k + 1], 12.0)
        f = lambda x: (fsq.bound(np.array([[x]]))[0, 0] - codes[k]) ** 2 * stats.norm.pdf(x)  # noqa: E731
        total += integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-10, limit=200)[0]
    return total


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    levels = list(range(3, 17)) if quick else list(range(3, 33))
    n_mc = 200_000 if quick else 4_000_000
    rows = []
    for symmetric in (False, True):
        mode = "symmetric" if symmetric else "default"
        for L in ([2] if symmetric else []) + levels:
            fsq = FSQ([L], symmetric=symmetric)
            sq = fsq.scalar_quantizers()[0]
            m = cell_moments(sq)
            exact = {
                "entropy_bits": plugin_entropy_bits(m.prob),
                "mse_centroid": m.mse(m.centroids),
                "mse_code": _code_mse_exact(fsq),
            }
            st = stream_stats(fsq, GaussianSource(dim=1), n_mc, rng=seed, decoder="centroid")
            mc = {"entropy_bits": st.entropy_bits, "mse_centroid": st.mse_source, "mse_code": st.mse_code}
            for q in exact:
                rows.append(dict(mode=mode, levels=L, quantity=q, method="exact", value=exact[q], n=np.nan))
                rows.append(dict(mode=mode, levels=L, quantity=q, method="monte_carlo", value=mc[q], n=n_mc))
            rows.append(dict(mode=mode, levels=L, quantity="log2_levels", method="exact",
                             value=float(np.log2(L)), n=np.nan))
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axes = subplots(1, 2, height=2.6)
    colors = {"default": "C0", "symmetric": "C1"}
    for mode, g in df.groupby("mode"):
        c = colors[mode]
        ex = g[g.method == "exact"]
        mc = g[g.method == "monte_carlo"]
        e = ex[ex.quantity == "entropy_bits"]
        axes[0].plot(e.levels, e.value, "-", color=c, label=f"H(Z) exact, {mode}")
        m = mc[mc.quantity == "entropy_bits"]
        axes[0].plot(m.levels, m.value, "o", ms=3, color=c, mfc="none", label=f"H(Z) Monte Carlo, {mode}")
        for q, ls in (("mse_centroid", "-"), ("mse_code", "--")):
            e = ex[ex.quantity == q]
            axes[1].semilogy(e.levels, e.value, ls, color=c,
                             label=f"{'source MSE, centroids' if q == 'mse_centroid' else 'code-domain MSE'} ({mode})")
            m = mc[mc.quantity == q]
            axes[1].semilogy(m.levels, m.value, "o", ms=3, color=c, mfc="none")
    lg = df[(df.quantity == "log2_levels") & (df["mode"] == "default")]
    axes[0].plot(lg.levels, lg.value, ":", color="k", label="log2 L (fixed rate)")
    axes[0].set_xlabel("levels L")
    axes[0].set_ylabel("bits per scalar")
    axes[0].set_title("token entropy, x ~ N(0,1), z = x")
    axes[0].legend()
    axes[1].set_xlabel("levels L")
    axes[1].set_ylabel("MSE per scalar")
    axes[1].set_title("distortion (markers: stream_stats)")
    axes[1].legend(fontsize=7)
    return fig
