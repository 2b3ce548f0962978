"""FSQ as a gradient flow (seed sec. 3): potentials, trajectories into the cells, curvature.

Panels: (a) the two potentials V(z) = W(b(z)) of one FSQ [5] dimension in latent space, with
the decision thresholds (unstable equilibria); (b) exact code-space trajectories u(t) from a grid
of latents, coloured by the FSQ code of the start, and the fraction of random latents whose flow
limit is their FSQ code (solve_ivp); (c) Hessian eigenvalue at each code in latent space,
lambda_z = b'(z*)^2, against the code position, showing the collapse at the outer levels
(W'' = 1 in code space).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dynamics import POTENTIALS, exact_code_flow, flow_limit_codes, potential, stability_table
from ..quantizer import FSQ


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []
    fsq = FSQ([5])
    z = np.linspace(-4.5, 4.5, 901 if quick else 3601)[:, None]
    for kind in POTENTIALS:
        V = potential(fsq, z, kind=kind)
        rows += [dict(panel="potential", kind=kind, x=float(a), y=float(b)) for a, b in zip(z[:, 0], V)]
    for thr in fsq.scalar_quantizers()[0].thresholds:
        rows.append(dict(panel="threshold", kind="", x=float(thr), y=np.nan))
    for pt in fsq.scalar_quantizers()[0].points:
        rows.append(dict(panel="minimum", kind="", x=float(pt), y=0.0))

    # trajectories: exact code-space solution from a grid of starting latents
    z0 = np.linspace(-2.5, 2.5, 21 if quick else 41)[:, None]
    t = np.linspace(0.0, 8.0, 81)
    u = exact_code_flow(fsq, z0, t, kind="cosine")[:, :, 0]
    start_code = fsq.quantize(z0)[:, 0]
    for j in range(z0.shape[0]):
        rows += [dict(panel="trajectory", kind="cosine", x=float(tt), y=float(uu), traj=j,
                      code=float(start_code[j])) for tt, uu in zip(t, u[:, j])]

    # basins: flow limit (solve_ivp) vs FSQ code on random latents
    rng = np.random.default_rng(seed)
    n = 2000 if quick else 20000
    for levels, sym in (([8, 5, 5, 5], False), ([7, 6], False), ([5, 4, 3], True)):
        q = FSQ(levels, symmetric=sym)
        zz = rng.standard_normal((n, q.dim)) * 1.5
        for kind in POTENTIALS:
            lim = flow_limit_codes(q, zz, kind=kind)
            agree = float((np.abs(lim - q.quantize(zz)) < 1e-6).mean())
            rows.append(dict(panel="basins", kind=kind, label=f"{levels}{' sym' if sym else ''}",
                             x=float(zz.size), y=agree))

    # curvature at the codes in latent space
    for L in (5, 8, 16):
        for sym in (False, True):
            tab = stability_table(FSQ([L], symmetric=sym))
            c = tab.point == "code"
            for uu, lz, zs in zip(tab.u[c], tab.lambda_z[c], tab.z[c]):
                rows.append(dict(panel="curvature", kind="symmetric" if sym else "default",
                                 label=f"L={L}", x=float(uu), y=float(lz), z_star=float(zs)))
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axs = subplots(2, 2, height=4.8)
    ax = [axs[0, 0], axs[0, 1], axs[1, 0]]
    info = axs[1, 1]
    info.axis("off")
    p = df[df.panel == "potential"]
    for kind, ls in (("quadratic", "-"), ("cosine", "--")):
        g = p[p.kind == kind]
        ax[0].plot(g.x, g.y, ls, label=f"{kind}: W(b(z))")
    for i, thr in enumerate(df[df.panel == "threshold"].x):
        ax[0].axvline(thr, color="0.6", lw=0.8, ls=":", label="FSQ thresholds (unstable)" if i == 0 else None)
    m = df[df.panel == "minimum"]
    ax[0].plot(m.x, m.y, "k^", ms=4, label="codes pulled back (stable)")
    ax[0].set_xlabel("latent z (FSQ [5])")
    ax[0].set_ylabel("potential V (code units$^2$)")
    ax[0].set_title("(a) potentials, minima at the codes")
    ax[0].legend(fontsize=7, loc="upper left")

    tr = df[df.panel == "trajectory"]
    codes = np.sort(tr.code.unique())
    cmap = {c: f"C{i}" for i, c in enumerate(codes)}
    for _, g in tr.groupby("traj"):
        ax[1].plot(g.x, g.y, color=cmap[g.code.iloc[0]], lw=0.9)
    b = df[df.panel == "basins"]
    txt = "\n".join(f"{r.label} {r.kind}: {100 * r.y:.2f}% of {int(r.x)}" for r in b.itertuples())
    info.text(0.0, 1.05, "(b) flow limit = FSQ code of the start:\n" + txt, transform=info.transAxes,
              ha="left", va="top")
    ax[1].set_xlabel("time t")
    ax[1].set_ylabel("u = b(z(t)) (code units)")
    ax[1].set_title("(b) trajectories, colour: FSQ code of start")

    cu = df[df.panel == "curvature"]
    for (kind, label), g in cu.groupby(["kind", "label"], sort=False):
        g = g[g.y > 0]
        ax[2].semilogy(g.x, g.y, "o-" if kind == "default" else "s--", ms=3,
                       label=f"{label} {kind}")
    ax[2].axhline(1.0, color="k", lw=0.8, ls=":", label="code space: W'' = 1")
    ax[2].set_xlabel("code c")
    ax[2].set_ylabel(r"$\lambda_z = b'(z^*)^2$")
    ax[2].set_title("(c) latent-space curvature at the codes")
    info.legend(*ax[2].get_legend_handles_labels(), loc="lower left", ncol=2, bbox_to_anchor=(0, -0.05),
                title="(c) not shown: symmetric outer codes\n(z* = +-inf, lambda_z = 0)")
    return fig
