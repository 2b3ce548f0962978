"""``fsq-theory bench``: the kernel ratio table of issue 13, every reference measured in this process.

Each row times one of the package's kernels and, in the same run, the reference it is compared
with (a memory copy, ``torch.compile`` of the same formula when torch is importable, the same
noise generator alone, ``FSQ.encode`` on the same array); the claims are the ratios, which the
shared load of the machine affects far less than absolute rates. Timings are best of ``repeat``.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time

import numpy as np

__all__ = ["run", "add_parser", "stats_on_cluster"]

LEVELS = (8, 5, 5, 5)


def _best(fn, repeat):
    fn()  # warm-up: numba compile / cache load, page faults of fresh outputs
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def _copy_kernel():
    import numba as nb

    @nb.njit(parallel=True, cache=False)
    def copy(src, dst):
        n = src.shape[0]
        step = 1 << 16
        for t in nb.prange((n + step - 1) // step):
            for i in range(t * step, min(n, (t + 1) * step)):
                dst[i] = src[i]

    return copy


def torch_formula(levels):
    """The reference FSQ formula (vector-quantize-pytorch, default mode, eps = 1e-3) as an eager
    torch function of a float tensor (n, d) -> int64 indices; None when torch is absent."""
    try:
        import torch
    except ImportError:
        return None
    L = torch.tensor(levels, dtype=torch.int32)
    basis = torch.cumprod(torch.tensor([1, *levels[:-1]]), 0)

    def formula(x):
        half_l = (L - 1) * (1 + 1e-3) / 2
        offset = torch.where(L % 2 == 0, 0.5, 0.0)
        shift = torch.atanh(offset / half_l)
        level = torch.round(torch.tanh(x + shift) * half_l - offset)
        return ((level + L // 2) * basis).sum(-1).round().long()

    return formula


def _torch_encode(levels):
    """torch.compile of :func:`torch_formula`, or a reason string when torch or its compiler is
    unavailable."""
    formula = torch_formula(levels)
    if formula is None:
        return None, "torch not installed"
    import torch

    try:
        comp = torch.compile(formula)
        comp(torch.zeros((64, len(levels))))
    except Exception as exc:  # inductor needs a C++ toolchain; report rather than fail
        return None, f"torch.compile unavailable: {type(exc).__name__}"
    return (lambda z: comp(torch.from_numpy(z))), f"torch {torch.__version__}"


def _row(measure, value, unit, reference, ref_value, ratio, target, met):
    return {"measure": measure, "value": value, "unit": unit, "reference": reference,
            "reference_value": ref_value, "ratio": ratio, "target": target, "met": met}


def bench_encode(rows, repeat):
    from .quantizer import FSQ

    z = np.random.default_rng(0).standard_normal((rows, len(LEVELS))).astype(np.float32)
    fsq = FSQ(LEVELS)
    t_enc = _best(lambda: fsq.encode(z), repeat)
    rate = rows / t_enc / 1e6
    out = []
    src = np.ones(z.size * 2, np.float32)  # 2x the input: 32 B copied per row, like 16 in + 8 out
    dst = np.empty_like(src)
    copy = _copy_kernel()
    t_copy = min(_best(lambda: copy(src, dst), repeat), _best(lambda: np.copyto(dst, src), repeat))
    copy_gbs = 2 * src.nbytes / t_copy / 1e9
    enc_gbs = rows * (16 + 8) / t_enc / 1e9
    out.append(_row(f"FSQ.encode {list(LEVELS)}, float32 (16 B in + 8 B out per row)", enc_gbs,
                    "GB/s", "memory copy (read + write)", copy_gbs, enc_gbs / copy_gbs, ">= 0.35",
                    enc_gbs / copy_gbs >= 0.35))
    fn, label = _torch_encode(list(LEVELS))
    if fn is None:
        out.append(_row(f"FSQ.encode {list(LEVELS)}", rate, "M rows/s", label, None, None,
                        ">= 2", None))
    else:
        same = float((fn(z).numpy() == fsq.encode(z)).mean())
        t_tc = _best(lambda: fn(z), repeat)
        out.append(_row(f"FSQ.encode {list(LEVELS)} (agreement with torch {same:.7f})", rate,
                        "M rows/s", f"{label} torch.compile, same formula", rows / t_tc / 1e6,
                        t_tc / t_enc, ">= 2", t_tc / t_enc >= 2))
    return out, rate


def bench_levels(rows, repeat, levels_list=(3, 8, 64, 256, 1024, 65536)):
    """FSQ.encode at d = 3 for growing L: the cost must not grow with L."""
    from .quantizer import FSQ

    z = np.random.default_rng(1).standard_normal((rows, 3)).astype(np.float32)
    rates = {}
    for L in levels_list:
        fsq = FSQ([L] * 3)
        rates[L] = rows / _best(lambda: fsq.encode(z), repeat) / 1e6
    lo, hi = min(rates.values()), max(rates.values())
    desc = ", ".join(f"L={L}: {r:.0f}" for L, r in rates.items())
    return [_row("FSQ.encode [L, L, L], slowest L", lo, "M rows/s", f"fastest L ({desc})", hi,
                 hi / lo, "<= 1.5 (cost ratio)", hi / lo <= 1.5)], rates


def bench_stream(rows, repeat, encode_rate):
    from ._kernels import rng as krng
    from .quantizer import FSQ
    from .sources import GaussianSource, stream_key
    from .stats import stream_stats

    fsq = FSQ(LEVELS)
    d = len(LEVELS)
    chunk = 1 << 20
    key = stream_key(0)
    buf = np.empty(chunk * d)

    def gen_only():
        for r0 in range(0, rows, chunk):
            m = min(chunk, rows - r0)
            krng.fill_noise_parallel(krng.NOISE_NORMAL, key[0], key[1], r0 * d, buf[: m * d])

    t_gen = _best(gen_only, repeat)
    src = GaussianSource(dim=d)
    t_st = _best(lambda: stream_stats(fsq, src, rows, rng=0, chunk_size=chunk), repeat)
    out = [_row(f"stream_stats, Gaussian d={d}", rows / t_st / 1e6, "M rows/s",
                "same in-kernel generator alone (fill_noise_parallel)", rows / t_gen / 1e6,
                t_gen / t_st, ">= 0.5", t_gen / t_st >= 0.5)]
    x = np.random.default_rng(2).standard_normal((rows, d)).astype(np.float32)
    t_enc = _best(lambda: fsq.encode(x), repeat)
    t_arr = _best(lambda: stream_stats(fsq, x, rows, chunk_size=chunk), repeat)
    out.append(_row(f"stream_stats, float32 array d={d}", rows / t_arr / 1e6, "M rows/s",
                    "FSQ.encode on the same array", rows / t_enc / 1e6, t_enc / t_arr, ">= 0.5",
                    t_enc / t_arr >= 0.5))
    t_tanh = _best(_tanh_pass(x), repeat)
    out.append(_row("bound: numpy's SIMD float64 tanh alone, one per value (the code-domain error)",
                    rows / t_tanh / 1e6, "M rows/s", "FSQ.encode on the same array",
                    rows / t_enc / 1e6, t_enc / t_tanh, "ceiling of the ratio above", None))
    return out


def _tanh_pass(x):
    """numpy's SIMD tanh over every value of ``x`` (in float64, converted beforehand) on as many
    threads as numba uses: the part of ``stream_stats`` that its code-domain error cannot avoid,
    done by the fastest vectorised tanh at hand, so ``encode time / this time`` bounds the
    array-pass ratio from above (any pass that also finds cells and sums is slower)."""
    from concurrent.futures import ThreadPoolExecutor

    import numba

    flat = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    out = np.empty_like(flat)
    nt = numba.get_num_threads()
    step = 1 << 16  # numpy releases the GIL inside the ufunc; pieces of 512 KB stay in cache
    bounds = np.linspace(0, flat.size, nt + 1).astype(np.int64)

    def part(i):
        for a in range(int(bounds[i]), int(bounds[i + 1]), step):
            b = min(int(bounds[i + 1]), a + step)
            np.tanh(flat[a:b], out=out[a:b])

    def run():
        with ThreadPoolExecutor(nt) as pool:
            list(pool.map(part, range(nt)))

    return run


def bench_import(repeat):
    code = "import time; t = time.perf_counter(); import fsq_theory; print(time.perf_counter() - t)"
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout) for _ in range(repeat)]
    t = min(times)
    return [_row("import fsq_theory (fresh interpreter)", t, "s", None, None, None, "< 1 s", t < 1)]


def run(*, quick=False, repeat=None, torch=True):
    """Measure every row of the table; returns a dict with the machine state and the rows."""
    repeat = repeat or (3 if quick else 5)
    rows = 1 << (22 if quick else 24)
    load_before = os.getloadavg()
    table, enc_rate = bench_encode(rows, repeat)
    lv, _ = bench_levels(rows // 2, repeat)
    table += lv
    table += bench_stream(rows // 2 if quick else rows, max(2, repeat - 2), enc_rate)
    table += bench_import(repeat)
    import numba

    return {"machine": f"{platform.machine()}, {os.cpu_count()} cpus, numba threads "
                       f"{numba.get_num_threads()}, python {platform.python_version()}",
            "load_average_before": list(load_before), "load_average_after": list(os.getloadavg()),
            "rows": rows, "repeat": repeat, "table": table}


def _fmt(v):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "NO"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 10 else f"{v:.1f}"
    return str(v)


def format_table(res) -> str:
    lines = [f"machine: {res['machine']}; load average before {res['load_average_before'][0]:.1f}, "
             f"after {res['load_average_after'][0]:.1f}; {res['rows']:,} rows, best of "
             f"{res['repeat']}", "",
             "| measure | now | reference in the same run | reference | ratio | target | met |",
             "|---|---:|---|---:|---:|---|---|"]
    for r in res["table"]:
        lines.append(f"| {r['measure']} | {_fmt(r['value'])} {r['unit']} | {r['reference'] or '-'} | "
                     f"{_fmt(r['reference_value'])} | {_fmt(r['ratio'])} | {r['target']} | "
                     f"{_fmt(r['met'])} |")
    return "\n".join(lines)


def _cmd_bench(args) -> int:
    res = run(quick=args.quick, repeat=args.repeat)
    print(format_table(res))
    if args.json:
        from ._files import write_json

        write_json(args.json, res)
    return 0


def add_parser(sub):
    """Register the ``bench`` subcommand on the CLI's subparsers."""
    b = sub.add_parser("bench", help="kernel ratio table (issue 13), references in the same run")
    b.add_argument("--quick", action="store_true", help="2**22 rows, best of 3")
    b.add_argument("--repeat", type=int, default=None, help="best of this many runs")
    b.add_argument("--json", help="write the measurements as JSON here")
    b.set_defaults(func=_cmd_bench)
    return b


def stats_on_cluster(address, quantizer, source, n, **kwargs):
    """``stream_stats_dask`` on the ``dask.distributed`` scheduler at ``address`` (for the CLI)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("--scheduler needs dask.distributed: pip install 'fsq_theory[dask]'") from None
    from .distributed import stream_stats_dask

    with Client(address) as client:
        return stream_stats_dask(quantizer, source, n, scheduler=client, **kwargs)
