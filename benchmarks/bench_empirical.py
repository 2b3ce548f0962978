"""Cost of the empirical R(D) sandwich (run: OPENBLAS_NUM_THREADS=1 python benchmarks/bench_empirical.py).

Gaussian data with a random covariance, n rows in d dimensions, 8 distortions (default grid of
``rd_sandwich``), default settings (256 particles, 30 descent steps on minibatches of 16,384,
particle bounds on at most 200,000 rows; k-NN entropy on at most 200,000 rows and 20,000
queries; 256 bins and 24 slopes per component; 8 batches for the intervals). Each bound is timed
alone (one run each), then ``empirical_optimal_levels`` at |C| <= 2^16. Each cell is
"CPU s / wall s": on the shared machine the wall clock includes waiting for a core, CPU time
(``time.process_time``, all threads of the process) is the work.

``--quick`` runs the small grid only.
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np

from fsq_theory.empirical import empirical_optimal_levels, rd_sandwich

BOUNDS = (("gaussian",), ("separable",), ("shannon",), ("particles", "dual"))


def data(n, d, seed):
    gen = np.random.default_rng(seed)
    A = gen.standard_normal((d, d))
    cov = A @ A.T / d + 0.1 * np.eye(d)
    return gen.multivariate_normal(np.zeros(d), cov, size=n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--case", action="append", default=None, metavar="N,D",
                    help="run only this (n, d), e.g. --case 1e6,16 (repeatable)")
    args = ap.parse_args()
    grid = [(10_000, 4), (100_000, 4), (100_000, 16)] if args.quick else [
        (10_000, 4), (100_000, 4), (1_000_000, 4), (100_000, 16), (1_000_000, 16)]
    if args.case:
        grid = [(int(float(c.split(",")[0])), int(c.split(",")[1])) for c in args.case]
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
    print("| n | d | " + " | ".join("+".join(b) for b in BOUNDS) + " | total | levels 2^16 |")
    print("| ---: | ---: |" + " ---: |" * (len(BOUNDS) + 2))
    for n, d in grid:
        x = data(n, d, args.seed)
        cells, cpu_tot, wall_tot = [], 0.0, 0.0
        for b in BOUNDS:
            c0, t0 = time.process_time(), time.perf_counter()
            rd_sandwich(x, bounds=b, rng=args.seed)
            c, t = time.process_time() - c0, time.perf_counter() - t0
            cpu_tot, wall_tot = cpu_tot + c, wall_tot + t
            cells.append(f"{c:.1f} / {t:.1f}")
        if 3 ** d <= 2 ** 16:
            c0, t0 = time.process_time(), time.perf_counter()
            empirical_optimal_levels(x, bits=16, rng=args.seed)
            tl = f"{time.process_time() - c0:.1f} / {time.perf_counter() - t0:.1f}"
        else:
            tl = "n/a (3^d > 2^16)"
        print(f"| {n:,} | {d} | " + " | ".join(cells)
              + f" | {cpu_tot:.1f} / {wall_tot:.1f} | {tl} |", flush=True)


if __name__ == "__main__":
    main()
