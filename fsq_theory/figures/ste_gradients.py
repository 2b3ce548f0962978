"""STE gradients of FSQ (seed sec. 4.2): true vs correct STE vs the seed's indicator; STE training.

Panels: (a) Jacobians d zhat/dz: the correct STE (derivative of the tanh bound) for FSQ [5], [8]
and symmetric [5], the seed's 1{|z|<=1}, the default-mode hard clamp, and the true derivative
(0 a.e., Dirac masses at the thresholds); (b) STE descent on (zhat(z) - t)^2, t = 0.3 between
the codes 0 and 0.5 of FSQ [5]: the code dithers and its running mean tends to t, with the
time-average error against the step size in the inset data; (c) full-batch training of a linear
autoencoder with an FSQ [5, 5] bottleneck on Gaussian data (variances 4, 2, 1, 0.5) with the
three Jacobians, against the exact loss of the best axis-aligned design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..quantizer import FSQ
from ..dynamics import (JACOBIANS, axis_aligned_reference_loss, seed_indicator, ste_descent,
                   ste_jacobian, train_toy_autoencoder)

VARIANCES = (4.0, 2.0, 1.0, 0.5)


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []
    z = np.linspace(-4.0, 4.0, 401 if quick else 1601)[:, None]
    curves = {
        "STE tanh, FSQ [5] (= 1.001 x symmetric)": ste_jacobian(FSQ([5]), z),
        "STE tanh, FSQ [8]": ste_jacobian(FSQ([8]), z),
        "STE tanh, FSQ [5] symmetric": ste_jacobian(FSQ([5], symmetric=True), z),
        "hard clamp, FSQ [5]": ste_jacobian(FSQ([5]), z, hard_clamp=True),
        "seed: 1{|z|<=1}": seed_indicator(z),
        "true (a.e.)": np.zeros_like(z),
    }
    for label, J in curves.items():
        rows += [dict(panel="jacobian", label=label, x=float(a), y=float(b)) for a, b in zip(z[:, 0], J[:, 0])]
    for thr in FSQ([5]).scalar_quantizers()[0].thresholds:
        rows.append(dict(panel="threshold", label="FSQ [5]", x=float(thr), y=np.nan))

    fsq = FSQ([5])
    target = 0.3
    n_steps = 1000 if quick else 6000
    r = ste_descent(fsq, [0.0], [target], step=0.02, n_steps=n_steps)
    running = np.cumsum(r.codes[:, 0]) / np.arange(1, n_steps + 2)
    keep = np.unique(np.r_[np.arange(0, 300), np.geomspace(300, n_steps, 200).astype(int)])
    rows += [dict(panel="dither", label="code", x=float(i), y=float(r.codes[i, 0])) for i in keep]
    rows += [dict(panel="dither", label="running mean", x=float(i), y=float(running[i])) for i in keep]
    burn = n_steps // 4
    for eta in (0.2, 0.05, 0.01) if quick else (0.2, 0.1, 0.05, 0.02, 0.01, 0.005):
        rr = ste_descent(fsq, [0.0], [target], step=eta, n_steps=n_steps)
        rows.append(dict(panel="dither_error", label="|mean code - t|", x=eta,
                         y=float(abs(rr.codes[burn:, 0].mean() - target)),
                         switches=rr.switches(burn)))

    ref = axis_aligned_reference_loss(FSQ([5, 5]), VARIANCES)
    n_train = 100 if quick else 1500
    every = 1 if quick else 5  # keeps the CSV small
    for init in (0.5, 3.0):
        for jac in JACOBIANS:
            tr = train_toy_autoencoder(FSQ([5, 5]), VARIANCES, n_samples=500 if quick else 2000,
                                       step=0.05,
                                       n_steps=n_train, jacobian=jac, init_scale=init, rng=seed)
            rows += [dict(panel="training", label=jac, init_scale=init, x=float(i), y=float(v),
                          active=float(a))
                     for i, (v, a) in enumerate(zip(tr.loss, tr.active_fraction))
                     if i % every == 0 or i < 50]
    rows.append(dict(panel="training_reference", label="best axis-aligned (exact)", x=np.nan, y=ref))
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axs = subplots(2, 2, height=5.0)
    ax = [axs[0, 0], axs[0, 1], axs[1, 0], axs[1, 1]]
    jac = df[df.panel == "jacobian"]
    styles = {"seed: 1{|z|<=1}": dict(color="k", ls="--"), "true (a.e.)": dict(color="0.5", ls=":"),
              "hard clamp, FSQ [5]": dict(color="C3", ls="-.", lw=0.9)}
    for label, g in jac.groupby("label", sort=False):
        ax[0].plot(g.x, g.y, label=label, **styles.get(label, {}))
    for i, thr in enumerate(df[df.panel == "threshold"].x):
        ax[0].axvline(thr, color="0.7", lw=0.6, ls=":",
                      label="true: Dirac masses (FSQ [5] thresholds)" if i == 0 else None)
    ax[0].set_xlabel("latent z")
    ax[0].set_ylabel(r"$\partial \hat z / \partial z$")
    ax[0].set_title("(a) STE Jacobians")
    ax[0].legend(fontsize=7, loc="upper left")
    ax[0].set_ylim(-0.05, 2.7)  # room for the legend above the curves

    d = df[df.panel == "dither"]
    c = d[d.label == "code"]
    m = d[d.label == "running mean"]
    ax[1].plot(c.x, c.y, ".", ms=1.5, color="C0", label="code (STE tanh, step 0.02)")
    ax[1].plot(m.x, m.y, color="C1", label="running mean of the code")
    ax[1].axhline(0.3, color="k", ls=":", lw=0.8, label="target t = 0.3")
    ax[1].set_xscale("symlog", linthresh=300)
    ax[1].set_xlabel("iteration")
    ax[1].set_ylabel("code")
    ax[1].set_title("(b) dithering between codes 0 and 0.5")
    ax[1].legend(fontsize=7, loc="upper right", bbox_to_anchor=(1.0, 0.9))
    # a panel of its own: as an inset it covered the dithering codes of (b)
    e = df[df.panel == "dither_error"]
    ax[3].loglog(e.x, e.y, "o-", ms=3, label="|time-averaged code - t|")
    ax[3].loglog(e.x, 0.03 * e.x, "k:", lw=0.8, label="0.03 x step")
    ax[3].set_xlabel("step size")
    ax[3].set_ylabel("|mean code - t|")
    ax[3].set_title("(d) dithering error against the step")
    ax[3].legend(loc="upper left")
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    # under two decades: label 1, 2, 5 x 10^k so that more than one y tick carries a label
    ax[3].yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax[3].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax[3].yaxis.set_minor_formatter(NullFormatter())
    ax[3].xaxis.set_minor_formatter(NullFormatter())

    tr = df[df.panel == "training"]
    for (init, label), g in tr.groupby(["init_scale", "label"]):
        ls = "-" if init == 0.5 else "--"
        color = {"tanh": "C0", "indicator": "k", "true": "0.5"}[label]
        ax[2].semilogy(g.x, g.y, ls=ls, color=color, label=f"{label}, init {init:g}")
    ref = float(df[df.panel == "training_reference"].y.iloc[0])
    ax[2].axhline(ref, color="C3", lw=0.8, ls=":", label=f"best axis-aligned = {ref:.3f}")
    ax[2].set_xlabel("iteration")
    ax[2].set_ylabel("training loss (per vector)")
    ax[2].set_title("(c) linear autoencoder, FSQ [5,5] bottleneck")
    ax[2].set_ylim(1.8, 400)  # room for the legend above the curves
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax[2].yaxis.set_major_locator(FixedLocator([2, 3, 4, 6, 10, 30, 100]))
    ax[2].yaxis.set_major_formatter(ScalarFormatter())
    ax[2].yaxis.set_minor_formatter(NullFormatter())
    ax[2].legend(fontsize=7, loc="upper right")
    return fig
