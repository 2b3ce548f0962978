"""Benchmark: encoding 10^7 x 8 rows with the E8 lattice and with a 4096-entry VQ codebook.

E8: the package's numba Conway-Sloane decoder vs the straightforward numpy implementation of
the same algorithm (round each coset, repair D8 parity, keep the closer coset; chunked).
VQ: the package's numba nearest-codeword kernel vs numpy (chunked ``|c|^2 - 2 x C^T`` and
argmin, BLAS matmul) and scikit-learn's ``KMeans.predict`` on the same codebook.
Best of 3 wall-clock runs each; results must agree (checked). Usage:
    python benchmarks/bench_alternatives.py [--n 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from fsq_theory.alternatives import CodebookQuantizer, LatticeQuantizer


def numpy_e8(x, chunk=1 << 20):
    out = np.empty_like(x)
    for r0 in range(0, len(x), chunk):
        xx = x[r0:r0 + chunk]
        best, bestd = None, None
        for shift in (0.0, 0.5):
            y = xx - shift
            k = np.floor(y + 0.5)
            e = y - k
            odd = (k.sum(1) % 2) != 0
            i = np.abs(e).argmax(1)
            rows = np.flatnonzero(odd)
            k[rows, i[rows]] += np.where(e[rows, i[rows]] >= 0, 1.0, -1.0)
            p = k + shift
            d = ((xx - p) ** 2).sum(1)
            if best is None:
                best, bestd = p, d
            else:
                take = d < bestd
                best[take] = p[take]
                bestd = np.minimum(d, bestd)
        out[r0:r0 + chunk] = best
    return out


def numpy_vq(x, cb, chunk=1 << 15):
    norms = (cb * cb).sum(1)
    out = np.empty(len(x), np.int64)
    for r0 in range(0, len(x), chunk):
        s = norms - 2.0 * (x[r0:r0 + chunk] @ cb.T)
        out[r0:r0 + chunk] = s.argmin(1)
    return out


def best_of(fn, repeat):
    times, res = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return min(times), res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--vq-n", type=int, default=None, help="rows for the VQ part (default --n)")
    ap.add_argument("--only", choices=("e8", "vq"), default=None)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((args.n, 8))
    print(f"rows {args.n} x 8 float64, cores {os.cpu_count()}, load {os.getloadavg()}")

    if args.only != "vq":
        bench_e8(x, args.repeat)
    if args.only != "e8":
        bench_vq(x[: args.vq_n or args.n], args.repeat, rng)


def bench_e8(x, repeat):
    e8 = LatticeQuantizer("E8", 0.5)
    e8.quantize(x[:1000])  # JIT warm-up
    t_k, p_k = best_of(lambda: e8.quantize(x), repeat)
    t_n, p_n = best_of(lambda: numpy_e8(x / 0.5) * 0.5, repeat)
    dk, dn = ((x - p_k) ** 2).sum(1), ((x - p_n) ** 2).sum(1)
    assert np.allclose(dk, dn, rtol=1e-12, atol=1e-12)
    print(f"E8    numba {t_k:8.2f} s   numpy {t_n:8.2f} s   ratio numpy/numba {t_n / t_k:6.1f}")


def bench_vq(x, repeat, rng):
    from sklearn.cluster import KMeans

    print(f"VQ rows {len(x)}")
    cb = rng.standard_normal((4096, 8))
    q = CodebookQuantizer(cb)
    q.encode(x[:1000])
    km = KMeans(n_clusters=4096, n_init=1, max_iter=1).fit(cb)  # fitted object, then
    km.cluster_centers_ = cb.copy()  # predict with exactly this codebook
    t_k, i_k = best_of(lambda: q.encode(x), repeat)
    t_n, i_n = best_of(lambda: numpy_vq(x, cb), repeat)
    t_s, i_s = best_of(lambda: km.predict(x), repeat)
    for other in (i_n, i_s):
        agree = (other == i_k).mean()
        assert agree > 0.9999, agree  # float rounding may flip exact near-ties
    print(f"VQ4096 numba {t_k:8.2f} s   numpy {t_n:8.2f} s   sklearn {t_s:8.2f} s   "
          f"ratios numpy/numba {t_n / t_k:5.2f}  sklearn/numba {t_s / t_k:5.2f}")


if __name__ == "__main__":
    main()
