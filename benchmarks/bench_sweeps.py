"""Closed-form analyses in sweeps (run: python benchmarks/bench_sweeps.py).

Issue 13 asks that the exact (closed-form) analyses cost microseconds per quantizer, so that a
sweep over thousands of level lists and gains runs in seconds. Measured here, each on N(0, 1):

* ``quantizer_performance`` over a grid of (L, gain) scalar FSQ quantizers (grid and centroid
  decoders): cell probabilities, MSE, entropy -- microseconds per quantizer;
* ``fsq_operational_rd`` of a 4-dimensional level list at a fixed gain and at the MSE-optimal gain
  (a bounded scalar search per distinct L);
* ``optimal_levels`` for codebook sizes 2^8..2^16 over 4 unit-variance dimensions: the number of
  candidate level lists ranked exactly, cold (building the per-L table of optimal gains) and warm.

Prints a markdown table (best of ``--repeat``).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from scipy import stats

from fsq_theory import FSQ
from fsq_theory.quantizer import ScalarQuantizer
from fsq_theory.rate_distortion import fsq_operational_rd, optimal_levels, quantizer_performance
from fsq_theory.rate_distortion._level_allocation import _multisets, _table


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    dist = stats.norm()
    levels = range(3, 67)
    gains = np.linspace(0.5, 4.0, 16)
    # the FSQ scalar quantizers of the sweep, built once: the sweep measures the analysis
    sqs = [FSQ([L]).scalar_quantizers()[0] for L in levels]
    sqs = [ScalarQuantizer(sq.thresholds * g, sq.points * g) for sq in sqs for g in gains]
    rows = []
    for decoder in ("grid", "centroid"):
        t = best_of(lambda: [quantizer_performance(sq, dist, decoder=decoder) for sq in sqs],
                    args.repeat)
        rows.append((f"`quantizer_performance`, {decoder} decoder, {len(sqs)} (L, gain) pairs, "
                     f"L = 3..66", t, len(sqs)))
    t = best_of(lambda: fsq_operational_rd([8, 5, 5, 5], scale=1.0, compare=False), args.repeat)
    rows.append(("`fsq_operational_rd([8,5,5,5], scale=1)`", t, 1))
    t = best_of(lambda: fsq_operational_rd([8, 5, 5, 5], compare=False), args.repeat)
    rows.append(("`fsq_operational_rd([8,5,5,5])`, MSE-optimal gain per L", t, 1))
    _table.cache_clear()
    t0 = time.perf_counter()
    optimal_levels(2 ** 16, [1.0] * 4)
    cold = time.perf_counter() - t0
    rows.append(("`optimal_levels` cold: table of optimal gains for L = 2..256 (once per "
                 "process)", cold, 255))
    for k in (8, 12, 16):
        n = len(_multisets(4, 2 ** k, 2, min(2 ** k, 256)))
        t = best_of(lambda: optimal_levels(2 ** k, [1.0] * 4), args.repeat)
        rows.append((f"`optimal_levels(2^{k}, d=4)` warm, {n} level lists ranked", t, n))
    print(f"load average before/after: {os.getloadavg()[0]:.1f}")
    print("| analysis | seconds | items | us per item |")
    print("|---|---:|---:|---:|")
    for name, t, n in rows:
        print(f"| {name} | {t:.4f} | {n} | {t / n * 1e6:.1f} |")


if __name__ == "__main__":
    main()
