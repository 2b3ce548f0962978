"""Figure: random-coding, sphere-packing and expurgated exponents of the BSC and of the FSQ token
channel at several SNRs, with capacity and critical rate marked."""

from __future__ import annotations

import numpy as np
import pandas as pd

BSC_P = 0.05
FSQ_LEVELS = [5]
SNRS_DB = (0.0, 5.0, 10.0)


def _channels():
    from ..coding import bsc, fsq_awgn_channel

    out = [("BSC(0.05)", np.nan, bsc(BSC_P))]
    out += [(f"FSQ{FSQ_LEVELS} token channel, {s:g} dB", s, fsq_awgn_channel(FSQ_LEVELS, s))
            for s in SNRS_DB]
    return out


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    """Exponents (bits per channel use) on a rate grid; deterministic (``seed`` unused)."""
    from ..coding import capacity
    from ..coding import (critical_rate, cutoff_rate, expurgated_exponent_result,
                             random_coding_exponent, sphere_packing_exponent)

    n_rates = 8 if quick else 24
    rows = []
    for label, snr, ch in _channels():
        C, Rc, R0 = capacity(ch), critical_rate(ch), cutoff_rate(ch)
        for R in np.linspace(0.04, 1.0, n_rates) * C:
            common = dict(channel=label, snr_db=snr, rate=R, capacity=C, critical_rate=Rc,
                          cutoff_rate=R0)
            rows.append({**common, "kind": "random_coding", "exponent": random_coding_exponent(ch, R),
                         "certified": True})
            rows.append({**common, "kind": "sphere_packing",
                         "exponent": sphere_packing_exponent(ch, R), "certified": True})
            if R <= Rc:  # above R_crit the expurgated exponent is below Er and not used
                ex = expurgated_exponent_result(ch, R)
                rows.append({**common, "kind": "expurgated", "exponent": ex.exponent,
                             "certified": ex.certified})
    return pd.DataFrame(rows)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    labels = list(dict.fromkeys(df.channel))
    fig, axes = subplots(1, 2, height=2.8)
    styles = {"random_coding": ("-", "$E_r$"), "sphere_packing": (":", "$E_{sp}$"),
              "expurgated": ("--", "$E_{ex}$")}
    for ax, group in zip(axes, (labels[:1], labels[1:])):
        for k, label in enumerate(group):
            g = df[df.channel == label]
            color = f"C{k}"
            for kind, (ls, name) in styles.items():
                h = g[g.kind == kind]
                ax.plot(h.rate, h.exponent, ls, color=color,
                        label=f"{name}" + ("" if len(group) == 1 else f", {h.snr_db.iloc[0]:g} dB"))
            C, Rc = g.capacity.iloc[0], g.critical_rate.iloc[0]
            ax.axvline(C, color=color, lw=0.8, alpha=0.6)
            ax.plot([Rc], [g[(g.kind == "random_coding")].pipe(
                lambda h: np.interp(Rc, h.rate, h.exponent))], "o", color=color, ms=4)
        top = df[df.channel.isin(group) & (df.kind == "random_coding")].exponent.max()
        ax.set_ylim(0, 1.6 * top)
        ax.set_xlabel("rate R (bits / channel use)")
        ax.set_ylabel("exponent (bits / channel use)")
        ax.set_title(group[0] if len(group) == 1 else f"FSQ{FSQ_LEVELS} token channel (AWGN + re-quantization)")
        ax.legend(ncol=1 if len(group) == 1 else 3, fontsize=7)
    fig.suptitle("Error exponents; vertical lines: capacity, dots: critical rate", fontsize=9)
    return fig
