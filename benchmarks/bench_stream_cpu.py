"""The two ``stream_stats`` ratios of issue 13 in CPU time, for a machine shared with other jobs.

Wall-clock best-of swings by 2x between runs when other processes compete for the cores;
the CPU time of this process (``time.process_time``) does not count the time it waits. Run it with
one numba thread so that CPU time is also the kernel's time:

    NUMBA_NUM_THREADS=1 python benchmarks/bench_stream_cpu.py [--rows 2097152] [--rounds 5]

Every measure is timed in interleaved rounds (best of ``--rounds``): the noise generator alone
(``fill_noise_parallel``, the same chunks), ``stream_stats`` on the Gaussian source d=4,
``FSQ.encode`` on a float32 array (n, 4) and ``stream_stats`` on that array; levels [8, 5, 5, 5].
To compare with an older version, run the same file with ``PYTHONPATH`` pointing at its
checkout (e.g. ``git archive <commit> fsq_theory | tar -x -C /tmp/old``).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1 << 21)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)

    import numba

    from fsq_theory import FSQ
    from fsq_theory._kernels import rng as krng
    from fsq_theory.sources import GaussianSource, stream_key
    from fsq_theory.stats import stream_stats

    rows, d, chunk = args.rows, 4, 1 << 20
    fsq = FSQ([8, 5, 5, 5])
    key = stream_key(0)
    buf = np.empty(chunk * d)

    def gen():
        for r0 in range(0, rows, chunk):
            m = min(chunk, rows - r0)
            krng.fill_noise_parallel(krng.NOISE_NORMAL, key[0], key[1], r0 * d, buf[: m * d])

    src = GaussianSource(dim=d)
    x = np.random.default_rng(2).standard_normal((rows, d)).astype(np.float32)
    fns = {"generator alone": gen,
           "stream_stats Gaussian": lambda: stream_stats(fsq, src, rows, rng=0, chunk_size=chunk),
           "FSQ.encode float32": lambda: fsq.encode(x),
           "stream_stats float32": lambda: stream_stats(fsq, x, rows, chunk_size=chunk)}
    load = os.getloadavg()[0]
    for fn in fns.values():
        fn()  # compile / load the numba cache
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(args.rounds):
        for name, fn in fns.items():
            t = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t)
    rate = {name: rows / t / 1e6 for name, t in best.items()}
    print(f"numba threads {numba.get_num_threads()}, {rows:,} rows, best of {args.rounds}, "
          f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after")
    for name, r in rate.items():
        print(f"| {name} | {r:.1f} M rows/s of CPU time |")
    print(f"| (a) stream_stats / generator | {rate['stream_stats Gaussian'] / rate['generator alone']:.3f} |")
    print(f"| (b) stream_stats / encode | {rate['stream_stats float32'] / rate['FSQ.encode float32']:.3f} |")


if __name__ == "__main__":
    main()
