"""``FSQ.encode`` before and after the flat-stream kernels, in one process (issue 13, item 1).

"Before" is the tiled kernel ``_kernels.encode.quantize_tiles`` with the separate finiteness
pass over the input, which is what ``FSQ.encode`` ran until the flat kernels; "after" is
``FSQ.encode`` itself. Every configuration is timed in interleaved rounds (best of ``--repeat``),
next to ``np.copyto`` of 32 B per row (the copy reference of ``fsq-theory bench``), so that the
shared machine's load shifts all of them alike. Set ``NUMBA_NUM_THREADS=1`` for per-core
numbers, which a loaded machine distorts far less than two-thread ones.

Run: PYTHONPATH=. python benchmarks/bench_encode_flat.py [--repeat 25]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

CASES = [([8, 5, 5, 5], 1 << 22)] + [([L] * 3, 1 << 21) for L in (3, 8, 64, 256, 1024, 65536)]


def _old_encode(fsq, z):
    from fsq_theory._kernels import encode as k
    from fsq_theory._validation import check_finite

    check_finite("z", z)
    out = np.empty((z.shape[0], 1), np.int64)
    k.quantize_tiles(z, *fsq._cells32, fsq._nthr, k.OUT_INDEX, fsq._basis, fsq._tables32[1], out,
                     np.empty((0, 0), np.float32))
    return out[:, 0]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=25)
    args = p.parse_args(argv)
    import numba

    from fsq_theory import FSQ

    print(f"numba threads {numba.get_num_threads()}; load average before "
          f"{os.getloadavg()[0]:.1f}")
    n = CASES[0][1]
    src = np.ones(n * 8, np.float32)
    dst = np.empty_like(src)
    data, best = {}, {"copy": float("inf")}
    for levels, rows in CASES:
        z = np.random.default_rng(1).standard_normal((rows, len(levels))).astype(np.float32)
        fsq = FSQ(levels)
        assert np.array_equal(fsq.encode(z), _old_encode(fsq, z))  # also the warm-up
        data[str(levels)] = (fsq, z, rows)
        best[str(levels)] = [float("inf")] * 2

    def t1(fn):
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    for _ in range(args.repeat):
        best["copy"] = min(best["copy"], t1(lambda: np.copyto(dst, src)))
        for key, (fsq, z, _) in data.items():
            best[key][0] = min(best[key][0], t1(lambda f=fsq, z=z: _old_encode(f, z)))
            best[key][1] = min(best[key][1], t1(lambda f=fsq, z=z: f.encode(z)))
    copy_gbs = 2 * src.nbytes / best["copy"] / 1e9
    print(f"np.copyto {copy_gbs:.1f} GB/s (read + write); load average after "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| levels | rows | path | before (M rows/s) | after (M rows/s) | speed-up | "
          "after / copy (4d + 8 B per row) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for key, (fsq, _, rows) in data.items():
        old, new = best[key]
        frac = rows * (4 * fsq.dim + 8) / new / 1e9 / copy_gbs
        path = fsq._flat32[0] if fsq._flat32 else "tiled"
        print(f"| {key} | 2^{rows.bit_length() - 1} | {path} | {rows / old / 1e6:.0f} | "
              f"{rows / new / 1e6:.0f} | {old / new:.2f}x | {frac:.3f} |")
    sweep = [k for k in data if k != str(CASES[0][0])]
    for i, name in ((0, "before"), (1, "after")):
        rates = [data[k][2] / best[k][i] for k in sweep]
        print(f"\nL-cost ratio [L,L,L], L = 3..65536 (slowest / fastest), {name}: "
              f"{max(rates) / min(rates):.2f}")


if __name__ == "__main__":
    main()
