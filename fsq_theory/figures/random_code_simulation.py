"""Figure: simulated ensemble-average ML error probability of random codes against block length,
with Gallager's finite-n bound and the exponential bound 2^(-n Er(R))."""

from __future__ import annotations

import numpy as np
import pandas as pd

# (label, channel factory args, rate, block lengths); M = 2^(nR) <= 4096 keeps ML decoding fast
CASES = [
    ("BSC(0.1), R = 0.2", ("bsc", 0.1), 0.2, list(range(5, 61, 5))),
    ("FSQ[5] token channel 0 dB, R = 0.25", ("fsq", [5], 0.0), 0.25, list(range(4, 45, 4))),
]


def _channel(spec):
    from ..coding import bsc, fsq_awgn_channel

    return bsc(spec[1]) if spec[0] == "bsc" else fsq_awgn_channel(spec[1], spec[2])


def compute(quick: bool = False, seed: int = 0) -> pd.DataFrame:
    from ..coding import simulate_random_codes

    trials = 2000 if quick else 20000
    frames = []
    for k, (label, spec, R, ns) in enumerate(CASES):
        ch = _channel(spec)
        for n in ns[::2] if quick else ns:
            r = simulate_random_codes(ch, n, R, trials=trials, rng=np.random.SeedSequence([seed, k, n]))
            df = r.to_frame()
            df.insert(0, "case", label)
            frames.append(df)
    return pd.concat(frames, ignore_index=True)


def plot(df: pd.DataFrame):
    from ..plotting import subplots

    cases = list(dict.fromkeys(df.case))
    fig, axes = subplots(1, len(cases), height=2.7)
    for ax, case in zip(np.atleast_1d(axes), cases):
        g = df[df.case == case]
        lo = np.maximum(g.pe - g.ci_low, 0)
        hi = np.maximum(g.ci_high - g.pe, 0)
        ok = g.errors > 0
        ax.errorbar(g.n[ok], g.pe[ok], yerr=[lo[ok], hi[ok]], fmt="o", ms=3, capsize=2,
                    label="simulated $\\bar P_e$ (99.9 % CI, ties = errors)")
        ax.plot(g.n, g.strict_errors / g.trials, "x", ms=3, color="C0", alpha=0.5,
                label="strict errors only")
        ax.plot(g.n, g.gallager_bound, "-", color="C3", label="$\\min_\\rho (M-1)^\\rho 2^{-nE_0(\\rho)}$")
        ax.plot(g.n, g.exponent_bound, "--", color="C1", label="$2^{-nE_r(R)}$")
        ax.set_yscale("log")
        ax.set_xlabel("block length n")
        ax.set_ylabel("block error probability")
        ax.set_title(case)
        ax.legend(fontsize=7)
    return fig
