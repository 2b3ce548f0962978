"""Scaling of ``stream_stats`` (time and peak RSS against n and codebook size) and the overhead of
``stream_stats_dask`` on a ``dask.distributed`` LocalCluster with 2 worker processes.

Every configuration runs in a fresh interpreter so that its peak RSS (VmHWM) is its own.
Run: python benchmarks/bench_scaling.py [--n 1e6,1e7,1e8,1e9] [--codebook 4,8,...] [--dask-n 1e8]
Prints markdown tables for BENCHMARKS.md, with the load average next to each.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# log2 codebook size -> level list (default-mode FSQ needs L >= 3; the joint histogram stops at
# stats.JOINT_LIMIT = 2**22 and marginals take over)
CODEBOOKS = {4: [4, 4], 8: [4, 4, 4, 4], 12: [8, 8, 8, 8], 16: [16, 16, 16, 16],
             20: [32, 32, 32, 32], 22: [32, 32, 64, 64], 23: [32, 64, 64, 64],
             24: [64, 64, 64, 64]}

_ONE = r"""
import json, sys, time
import numpy as np
from fsq_theory import FSQ
from fsq_theory.sources import GaussianSource
from fsq_theory.stats import stream_stats
levels, n, mode = json.loads(sys.argv[1]), int(float(sys.argv[2])), sys.argv[3]
fsq = FSQ(levels)
src = GaussianSource(dim=len(levels))
stream_stats(fsq, src, 4096, rng=0)  # numba cache load, outside the timing
t = time.perf_counter()
if mode == "local":
    s = stream_stats(fsq, src, n, rng=0)
else:
    from distributed import Client, LocalCluster
    from fsq_theory.distributed import stream_stats_dask
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        stream_stats_dask(fsq, src, 4096, rng=0, scheduler=client)  # workers load the cache
        t = time.perf_counter()
        s = stream_stats_dask(fsq, src, n, rng=0, scheduler=client, partition_rows=1 << 24)
dt = time.perf_counter() - t
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({"seconds": dt, "rss_mb": int(hwm) / 1024, "entropy_bits": s.entropy_bits,
                  "joint": s.counts is not None, "mse_code": s.mse_code}))
"""


def one(levels, n, mode="local"):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", _ONE, json.dumps(list(levels)), str(n), mode],
                         capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def load():
    return "load average %.1f" % os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", default="1e6,1e7,1e8", help="BENCHMARKS.md adds 1e9")
    ap.add_argument("--codebook", default="4,8,12,16,20,22,23,24", help="log2 codebook sizes")
    ap.add_argument("--codebook-n", type=float, default=1e7)
    ap.add_argument("--dask-n", default="1e7", help="BENCHMARKS.md: 1e8")
    a = ap.parse_args()
    if a.n:
        print(f"\n### time and peak RSS against n (FSQ [8,5,5,5], Gaussian d=4; {load()} at start)\n")
        print("| n | seconds | M rows/s | peak RSS (MB) | H (bits) |\n|---:|---:|---:|---:|---:|")
        for n in a.n.split(","):
            r = one([8, 5, 5, 5], n)
            print(f"| {float(n):.0e} | {r['seconds']:.2f} | {float(n) / r['seconds'] / 1e6:.1f} | "
                  f"{r['rss_mb']:.0f} | {r['entropy_bits']:.6f} |", flush=True)
        print(f"\n({load()} at the end)")
    if a.codebook:
        n = a.codebook_n
        print(f"\n### against codebook size (n = {n:.0e}, Gaussian; {load()})\n")
        print("| log2 codebook | levels | joint histogram | seconds | M rows/s | peak RSS (MB) |\n"
              "|---:|---|---|---:|---:|---:|")
        for b in map(int, a.codebook.split(",")):
            levels = CODEBOOKS[b]
            r = one(levels, n)
            print(f"| {b} | {levels} | {'yes' if r['joint'] else 'no (marginals)'} | "
                  f"{r['seconds']:.2f} | {n / r['seconds'] / 1e6:.1f} | {r['rss_mb']:.0f} |", flush=True)
        print(f"\n({load()} at the end)")
    if a.dask_n:
        print(f"\n### stream_stats_dask on a LocalCluster (2 worker processes x 1 thread) ({load()})\n")
        print("| n | stream_stats s | LocalCluster s | overhead | bit-identical H |\n|---:|---:|---:|---:|---|")
        for n in a.dask_n.split(","):
            loc = one([8, 5, 5, 5], n)
            dist = one([8, 5, 5, 5], n, mode="dask")
            print(f"| {float(n):.0e} | {loc['seconds']:.2f} | {dist['seconds']:.2f} | "
                  f"{dist['seconds'] / loc['seconds'] - 1:+.0%} | "
                  f"{loc['entropy_bits'] == dist['entropy_bits']} |", flush=True)
        print(f"\n({load()} at the end)")


if __name__ == "__main__":
    main()
