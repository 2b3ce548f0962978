"""Side-by-side benchmarks of the foundation kernels (run: python benchmarks/bench_quantize.py).

1. ``FSQ.encode`` on a float32 array of 2**24 x 4 (levels 8,5,5,5) against
   (a) a straightforward numpy implementation of the formula (float32 np.tanh, as users write it),
   (b) the parity-exact numpy twin in tests/naive.py (float64 tanh rounded once),
   (c) torch eager / torch.compile of the same formula, when torch is importable.
2. ``stream_stats`` on a 4-d Gaussian source against numpy's generator alone producing the same
   number of samples (default_rng().standard_normal in the same chunks).
3. Peak resident memory of ``stream_stats`` for n = 1e9 (d = 4), in a fresh subprocess.
Prints a table of rates and ratios; numbers for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import naive  # noqa: E402
from fsq_theory import FSQ  # noqa: E402
from fsq_theory.sources import GaussianSource  # noqa: E402
from fsq_theory.stats import stream_stats  # noqa: E402

LEVELS = [8, 5, 5, 5]


def numpy_straightforward(z, levels, eps=1e-3):
    L = np.asarray(levels)
    Lf = L.astype(np.float32)
    half_l = (Lf - 1) * np.float32(1 + eps) / 2
    offset = np.where(L % 2 == 0, np.float32(0.5), np.float32(0.0))
    shift = np.arctanh(offset / half_l)
    level = np.round(np.tanh(z + shift) * half_l - offset)
    basis = np.cumprod([1] + list(levels[:-1]))
    return ((level + L // 2).astype(np.int64) * basis).sum(-1)


def best_of(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def bench_encode(rows, repeat):
    z = np.random.default_rng(0).standard_normal((rows, 4)).astype(np.float32)
    fsq = FSQ(LEVELS)
    fsq.encode(z[:10])  # compile / load cache
    t_k, idx = best_of(lambda: fsq.encode(z), repeat)
    res = [("FSQ.encode (numba, threshold form)", t_k, 1.0, True)]
    t_np, idx_np = best_of(lambda: numpy_straightforward(z, LEVELS), 1)
    res.append(("numpy straightforward (float32 tanh)", t_np, t_np / t_k, float((idx_np == idx).mean())))
    sub = z[: rows // 8]
    t_tw, (_, cells) = best_of(lambda: naive.fsq_formula(sub, LEVELS), 1)
    t_tw *= 8
    res.append(("numpy parity-exact twin (float64 tanh)", t_tw, t_tw / t_k,
                bool((naive.fsq_indices(cells, LEVELS) == idx[: rows // 8]).all())))
    from fsq_theory._bench import torch_formula  # the one torch transcription of the formula

    formula = torch_formula(LEVELS)
    if formula is None:
        res.append(("torch not installed (skipped)", float("nan"), float("nan"), ""))
    else:
        import torch

        zt = torch.from_numpy(z)
        t_te, it = best_of(lambda: formula(zt), repeat)
        res.append((f"torch {torch.__version__} eager", t_te, t_te / t_k, float((it.numpy() == idx).mean())))
        try:
            comp = torch.compile(formula)
            comp(zt)
            t_tc, ic = best_of(lambda: comp(zt), repeat)
            res.append(("torch.compile", t_tc, t_tc / t_k, float((ic.numpy() == idx).mean())))
        except Exception as exc:  # inductor needs a C++ toolchain; report rather than fail
            res.append((f"torch.compile unavailable: {type(exc).__name__}", float("nan"), float("nan"), ""))
    print(f"\nencode: {rows:,} x 4 float32, levels {LEVELS}, {os.cpu_count()} cpus")
    print(f"{'implementation':<42}{'M rows/s':>10}{'kernel speed-up':>17}  agreement with reference")
    for name, t, ratio, agree in res:
        print(f"{name:<42}{rows / t / 1e6:>10.1f}{ratio:>16.1f}x  {agree}")
    return res


def bench_stream(rows, chunk):
    fsq = FSQ(LEVELS)
    src = GaussianSource(dim=4)
    stream_stats(fsq, src, 10_000, rng=0)

    def gen_only():
        g = np.random.default_rng(0)
        for r0 in range(0, rows, chunk):
            g.standard_normal((min(chunk, rows - r0), 4))

    t_gen, _ = best_of(gen_only, 2)
    t_st, _ = best_of(lambda: stream_stats(fsq, src, rows, rng=0, chunk_size=chunk), 2)
    print(f"\nstream_stats: {rows:,} x 4 Gaussian, levels {LEVELS}")
    print(f"numpy default_rng().standard_normal alone : {rows / t_gen / 1e6:8.1f} M rows/s")
    print(f"stream_stats generate+quantize+accumulate : {rows / t_st / 1e6:8.1f} M rows/s"
          f"  ({t_gen / t_st:.2f}x the speed of generation alone)")
    return t_gen, t_st


_MEM_SCRIPT = """
import sys, time
from fsq_theory import FSQ
from fsq_theory.sources import GaussianSource
from fsq_theory.stats import stream_stats
n = int(float(sys.argv[1]))
t = time.perf_counter()
s = stream_stats(FSQ([8, 5, 5, 5]), GaussianSource(dim=4), n, rng=0, decoder="grid")
dt = time.perf_counter() - t
# VmHWM (peak RSS of this process image): ru_maxrss would include the parent's peak at fork
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(int(hwm) / 1024, dt, s.entropy_bits, s.mse_code)
"""


def bench_memory(n):
    out = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, str(n)], capture_output=True, text=True, check=True)
    rss_mb, dt, h, mse = map(float, out.stdout.split())
    print(f"\nstream_stats n = {n:.3g} (d = 4): peak RSS {rss_mb:.0f} MB, {dt:.1f} s "
          f"({n / dt / 1e6:.1f} M rows/s), H = {h:.6f} bits, code MSE = {mse:.6g}")
    return rss_mb, dt


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--encode-rows", type=int, default=1 << 24)
    ap.add_argument("--stream-rows", type=int, default=1 << 25)
    ap.add_argument("--memory-n", type=float, default=1e9, help="0 skips the memory run")
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
          f"numba threads {os.environ.get('NUMBA_NUM_THREADS', 'default')}, python {platform.python_version()}")
    bench_encode(a.encode_rows, a.repeat)
    bench_stream(a.stream_rows, 1 << 20)
    if a.memory_n:
        bench_memory(a.memory_n)
    print(f"\nbenchmark process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
