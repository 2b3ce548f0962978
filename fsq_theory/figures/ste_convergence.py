"""Convergence of STE training (seed sec. 7.2.4): multi-seed curves, the theorem, its counterexample.

Panels: (a) full-batch STE training (tanh Jacobian) of the linear autoencoder with an FSQ [5, 5]
bottleneck on N(0, diag(4, 2, 1, 0.5)) data, mean training loss over seeds with its 95%
Student-t band, from two initial scales, against the exact loss of the best axis-aligned design
(achievable), the Lloyd-Max quantizers of the two largest-variance coordinates (the least loss of
any axis-aligned design with these levels) and the Shannon bound n D(2 log2 5) (no autoencoder
with 25 codes does better);
(b) the theorem on random convex quadratics in the latent (FSQ [8, 5], condition 10): mean over
seeds of min_{t<=T} f(u_t) - f* with its 95% band, and of the a priori and a posteriori bounds;
(c) worst and median ratio gap / a posteriori bound over all seeds, and the stuck instance whose
ratio tends to 1/2; (d) the nonconvex double well (u^2 - 1)^2: the STE stuck at the local
maximum 0 against exact descent and the convex bound it exceeds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..dynamics import (
    double_well_ste_descent,
    quadratic_ste_descent,
    random_convex_instance,
    ste_seed_study,
)
from ..quantizer import FSQ

VARIANCES = (4.0, 2.0, 1.0, 0.5)
THEOREM_LEVELS = ([5], [8, 5], [7, 5, 5], [3, 3, 3])


def _t_band(x: np.ndarray):
    from scipy import stats

    n = x.shape[0]
    m = x.mean(0)
    h = stats.t.ppf(0.975, n - 1) * x.std(0, ddof=1) / np.sqrt(n)
    return m, m - h, m + h


def _rows(panel, series, x, y, lower=None, upper=None, **extra):
    lo = np.full_like(y, np.nan) if lower is None else lower
    hi = np.full_like(y, np.nan) if upper is None else upper
    return [dict(panel=panel, series=series, x=float(a), y=float(b), lower=float(c),
                 upper=float(d), **extra) for a, b, c, d in zip(x, y, lo, hi)]


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    rows = []
    ss = np.random.SeedSequence(seed)
    train_ss, theorem_ss = ss.spawn(2)
    n_seeds, n_steps, n_samples = (3, 40, 200) if quick else (10, 300, 1000)
    for init, child in zip((1.0, 3.0), train_ss.spawn(2)):
        s = ste_seed_study(FSQ([5, 5]), VARIANCES, n_seeds=n_seeds, n_samples=n_samples,
                           n_steps=n_steps, init_scale=init, n_test=2000 if quick else 10000,
                           rng=child)
        it = np.arange(n_steps + 1)
        rows += _rows("a", f"STE tanh, init {init:g}", it, s.mean, s.lower, s.upper,
                      n_seeds=n_seeds)
        m, lo, hi = s.interval(s.gap())
        rows.append(dict(panel="a_gap", series=f"STE tanh, init {init:g}", x=float(n_steps), y=m,
                         lower=lo, upper=hi, n_seeds=n_seeds))
        fm, flo, fhi = s.interval(s.final)
        rows.append(dict(panel="a_final", series=f"STE tanh, init {init:g}", x=float(n_steps),
                         y=fm, lower=flo, upper=fhi, n_seeds=n_seeds))
    rows.append(dict(panel="a_ref", series="best axis-aligned (exact)", x=np.nan, y=s.achievable))
    rows.append(dict(panel="a_ref", series="Shannon bound n D(R)", x=np.nan, y=s.shannon))
    rows.append(dict(panel="a_ref", series="Lloyd-Max, axis-aligned", x=np.nan, y=s.lloyd_max))
    for init in (1.0, 3.0):
        g = next(r for r in rows if r["panel"] == "a_gap" and r["series"].endswith(f"{init:g}"))
        g["lloyd_max_gap"] = g["y"] + s.achievable - s.lloyd_max

    n_inst, T = (12, 100) if quick else (60, 1000)
    T_axis = np.arange(1, T + 1)
    gaps, prior, post = [], [], []
    ratios = []
    for j, child in enumerate(theorem_ss.spawn(n_inst)):
        fsq = FSQ(THEOREM_LEVELS[1] if j % 2 == 0 else THEOREM_LEVELS[(j // 2) % 4])
        H, t, u0 = random_convex_instance(fsq, condition=10.0, rng=child)
        run = quadratic_ste_descent(fsq, H, t, u0, n_steps=T)
        ratios.append(run.gap() / run.bound(observed=True))
        if fsq.levels == (8, 5) or list(fsq.levels) == [8, 5]:
            gaps.append(run.gap())
            prior.append(run.bound())
            post.append(run.bound(observed=True))
    keep = np.unique(np.geomspace(1, T, 120).astype(int)) - 1
    for name, arr in (("gap", gaps), ("a priori bound", prior), ("a posteriori bound", post)):
        m, lo, hi = _t_band(np.array(arr))
        rows += _rows("b", name, T_axis[keep], m[keep], lo[keep], hi[keep], n_seeds=len(arr))
    ratios = np.array(ratios)
    rows += _rows("c", "worst seed", T_axis[keep], ratios.max(0)[keep], n_seeds=n_inst)
    rows += _rows("c", "median seed", T_axis[keep], np.median(ratios, 0)[keep], n_seeds=n_inst)
    fsq = FSQ([8, 5])
    code = np.array([fsq.real_bound.codes(i)[2] for i in range(2)])
    stuck = quadratic_ste_descent(fsq, np.eye(2), code, code + 0.499 * fsq.real_bound.step,
                                  n_steps=T)
    rows += _rows("c", "stuck instance", T_axis[keep],
                  (stuck.gap() / stuck.bound(observed=True))[keep])

    dw = double_well_ste_descent(FSQ([65], symmetric=True), 0.01, n_steps=T)
    keep0 = np.r_[0, keep + 1]
    it = np.arange(T + 1)
    rows += _rows("d", "STE", it[keep0], dw.loss[keep0])
    rows += _rows("d", "exact gradient", it[keep0], dw.exact_loss[keep0])
    rows += _rows("d", "convex bound", T_axis[keep], dw.bound[keep])
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    fig, axs = subplots(2, 2, height=5.0)
    ax = [axs[0, 0], axs[0, 1], axs[1, 0], axs[1, 1]]

    a = df[df.panel == "a"]
    for k, (series, g) in enumerate(a.groupby("series", sort=False)):
        n = int(g.n_seeds.iloc[0])
        ax[0].plot(g.x, g.y, color=f"C{k}", label=f"{series} (mean, {n} seeds)")
        ax[0].fill_between(g.x, g.lower, g.upper, color=f"C{k}", alpha=0.25, lw=0)
    ref = df[df.panel == "a_ref"].set_index("series").y
    ax[0].axhline(ref["best axis-aligned (exact)"], color="C3", ls=":", lw=0.9,
                  label=f"best axis-aligned = {ref['best axis-aligned (exact)']:.3f}")
    ax[0].axhline(ref["Lloyd-Max, axis-aligned"], color="C2", ls="-.", lw=0.8,
                  label=f"Lloyd-Max, axis-aligned = {ref['Lloyd-Max, axis-aligned']:.3f}")
    ax[0].axhline(ref["Shannon bound n D(R)"], color="k", ls="--", lw=0.8,
                  label=f"Shannon bound = {ref['Shannon bound n D(R)']:.3f}")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("iteration")
    ax[0].set_ylabel("training loss (per vector)")
    ax[0].set_title("(a) FSQ [5,5] autoencoder, 95% bands")
    ax[0].legend(fontsize=7, loc="upper right")
    from matplotlib.ticker import FixedLocator, NullFormatter, ScalarFormatter

    ax[0].yaxis.set_major_locator(FixedLocator([1, 2, 3, 5, 10, 20]))
    ax[0].yaxis.set_major_formatter(ScalarFormatter())
    ax[0].yaxis.set_minor_formatter(NullFormatter())
    ax[0].set_ylim(1.0, 40)

    b = df[df.panel == "b"]
    styles = {"gap": dict(color="C0"), "a priori bound": dict(color="k", ls="--"),
              "a posteriori bound": dict(color="C1", ls="-.")}
    for series, g in b.groupby("series", sort=False):
        lab = r"$\min_{t\leq T} f(u_t)-f^*$" if series == "gap" else series
        ax[1].loglog(g.x, g.y, label=f"{lab} (mean)", **styles[series])
        ax[1].fill_between(g.x, g.lower, g.upper, color=styles[series]["color"], alpha=0.2, lw=0)
    n = int(b.n_seeds.iloc[0])
    ax[1].set_xlabel("iterations T")
    ax[1].set_ylabel("loss gap")
    ax[1].set_title(f"(b) theorem, FSQ [8,5], {n} convex quadratics")
    ax[1].legend(fontsize=7, loc="lower left")

    c = df[df.panel == "c"]
    cstyle = {"worst seed": dict(color="C3"), "median seed": dict(color="C0"),
              "stuck instance": dict(color="k", ls="--")}
    for series, g in c.groupby("series", sort=False):
        ax[2].semilogx(g.x, g.y, label=series, **cstyle[series])
    ax[2].axhline(0.5, color="0.5", lw=0.6, ls=":")
    ax[2].set_ylim(0, 1.05)
    ax[2].set_xlabel("iterations T")
    ax[2].set_ylabel("gap / a posteriori bound")
    ax[2].set_title("(c) tightness: the bound holds (ratio < 1)")
    ax[2].legend(fontsize=7, loc="upper left")

    d = df[df.panel == "d"]
    dstyle = {"STE": dict(color="C0"), "exact gradient": dict(color="C2"),
              "convex bound": dict(color="k", ls="--")}
    for series, g in d.groupby("series", sort=False):
        ax[3].semilogx(g.x + 1, g.y, label=series, **dstyle[series])
    ax[3].set_ylim(-0.05, 1.5)
    ax[3].set_xlabel("iteration + 1")
    ax[3].set_ylabel(r"$(u_t^2-1)^2$")
    ax[3].set_title("(d) nonconvex: STE stuck at u = 0, FSQ [65]")
    ax[3].legend(fontsize=7, loc="upper right")
    return fig
