"""Benchmark: certified Blahut-Arimoto (fsq_theory) against dit's Blahut-Arimoto.

Problem (issue 3): a 21-point R(D) curve of a 65-point discretized N(0, 1) (atoms on
linspace(-4, 4, 65), reproduction alphabet = atoms, squared error), slopes beta geometric in
[0.55, 200] nats per unit distortion. Same process, same machine, run side by side:

* ``fsq_theory.blahut_arimoto.rd_curve`` (tol = 1e-9 bit, certified);
* ``dit.rate_distortion.blahut_arimoto`` as users call it (defaults: 100 restarts, 100
  iterations, stop when the distortion changes by less than numpy.isclose); dit's slope is in
  bits (2^{-beta d}), so it is given beta / ln 2;
* dit's single-start inner loop ``_blahut_arimoto`` from the uniform channel with 2,000
  iterations, to see what plain iterations reach.

Accuracy is measured against the certified solution at the same slope by the Lagrangian
suboptimality  [R + beta' D]_method - [R_L + beta' D]_certified  (bits, beta' = beta / ln 2):
the certified lower bound of min_Q (I + beta' E d) makes this an upper bound on how far the
method is from the optimum at that slope.

Then a 4096 x 4096 curve (atoms on linspace(-5, 5, 4096)) at tol = 1e-6 bit is timed.

Run (dit installed in a separate venv, as the brief asks):
    OPENBLAS_NUM_THREADS=1 /tmp/rdvenv/bin/python benchmarks/bench_blahut_arimoto.py
OPENBLAS_NUM_THREADS=1 matters on a shared machine: the dense Newton systems use BLAS, and
oversubscribed OpenBLAS threads slowed them ~100x when other jobs were running.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy import stats

from fsq_theory.rate_distortion import blahut_arimoto, rd_curve

LN2 = np.log(2.0)


def gaussian_problem(n, span):
    x = np.linspace(-span, span, n)
    p = stats.norm.pdf(x)
    p /= p.sum()
    return p, (x[:, None] - x[None, :]) ** 2


def main(big: bool = True):
    import dit
    from dit.rate_distortion.blahut_arimoto import _blahut_arimoto
    from dit.rate_distortion.blahut_arimoto import blahut_arimoto as dit_blahut_arimoto

    p, d = gaussian_problem(65, 4.0)
    betas = np.geomspace(0.55, 200.0, 21)
    blahut_arimoto(p, d, 1.0)  # compile numba kernels outside the timing

    t0 = time.perf_counter()
    ours = rd_curve(p, d, betas, tol=1e-9)
    t_ours = time.perf_counter() - t0
    cert = ours.set_index("beta")

    def subopt(beta, rate, dist):
        b = beta / LN2
        row = cert.loc[beta]
        return (rate + b * dist) - (row.rate_lower + b * row.distortion)

    dist_fn = lambda p_x, q_y_x: d  # noqa: E731
    t0 = time.perf_counter()
    dit_default = []
    for beta in betas:
        res, _ = dit_blahut_arimoto(p, beta / LN2, distortion=dist_fn)
        dit_default.append(subopt(beta, res.rate, res.distortion))
    t_dit = time.perf_counter() - t0

    t0 = time.perf_counter()
    dit_single = []
    for beta in betas:
        res, _ = _blahut_arimoto(p, beta / LN2, np.full((65, 65), 1 / 65), dist_fn,
                                 max_iters=2000)
        dit_single.append(subopt(beta, res.rate, res.distortion))
    t_single = time.perf_counter() - t0

    print(f"65 x 65 Gaussian, 21 slopes in [0.55, 200] nats (dit {dit.__version__})")
    print(f"  fsq_theory rd_curve      : {t_ours:8.3f} s   max certified gap "
          f"{ours.gap.max():.2e} bit, all converged = {bool(ours.converged.all())}")
    print(f"  dit blahut_arimoto (dflt): {t_dit:8.3f} s   max Lagrangian suboptimality "
          f"{max(dit_default):.2e} bit   speed ratio {t_dit / t_ours:6.1f}x")
    print(f"  dit _blahut_arimoto (1 start, its np.isclose stop, <= 2000 it): {t_single:8.3f} s"
          f"   max Lagrangian suboptimality {max(dit_single):.2e} bit   "
          f"speed ratio {t_single / t_ours:6.1f}x")
    # plain Blahut-Arimoto without a stopping rule (dit's update, vectorized), slope 1 nat
    beta = float(betas[np.argmin(np.abs(betas - 1.0))])
    K = np.exp(-beta * d)
    q = np.full(65, 1 / 65)
    t0 = time.perf_counter()
    for _ in range(20_000):
        q = q * (K.T @ (p / (K @ q)))
    t_plain = time.perf_counter() - t0
    Q = K * q / (K @ q)[:, None]
    out = p @ Q
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.nansum(p[:, None] * Q * np.log2(Q / out))
    print(f"  plain BA, 20,000 iterations at beta = {beta:.3f}: {t_plain:8.3f} s   Lagrangian "
          f"suboptimality {subopt(beta, rate, float(p @ (Q * d).sum(axis=1))):.2e} bit "
          f"(fsq_theory at this slope: {cert.loc[beta].seconds:.4f} s, gap "
          f"{cert.loc[beta].gap:.1e} bit)")
    print(f"  fsq_theory max Lagrangian suboptimality (upper bound = gap): "
          f"{ours.gap.max():.2e} bit")

    if big:
        p4, d4 = gaussian_problem(4096, 5.0)
        b4 = np.geomspace(0.55, 200.0, 5)
        t0 = time.perf_counter()
        curve = rd_curve(p4, d4, b4, tol=1e-6)
        t4 = time.perf_counter() - t0
        print(f"4096 x 4096 Gaussian, 5 slopes in [0.55, 200] nats, tol 1e-6 bit: {t4:.1f} s")
        print(curve[["beta", "distortion", "rate", "gap", "converged", "newton_steps",
                     "support_size", "seconds"]].to_string(index=False))


if __name__ == "__main__":
    main(big="--small" not in sys.argv)
