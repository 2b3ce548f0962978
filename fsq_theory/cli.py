"""The ``fsq-theory`` command: quantize arrays, stream statistics, figures and the check gate."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

__all__ = ["main"]


def _levels(text: str) -> list[int]:
    try:
        return [int(t) for t in text.split(",") if t.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--levels must be comma-separated integers, got {text!r}") from None


def _count(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count like 1000000 or 1e9, got {text!r}") from None
    if not value.is_integer() or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer count, got {text!r}")
    return int(value)


def _floats(text: str) -> list[float] | float:
    vals = [float(t) for t in text.split(",")]
    return vals[0] if len(vals) == 1 else vals


def _add_fsq_args(p):
    p.add_argument("--levels", type=_levels, required=True, help="levels per dimension, e.g. 8,5,5,5")
    p.add_argument("--symmetric", action="store_true", help="symmetry-preserving FSQ variant")
    p.add_argument("--eps", type=float, default=1e-3, help="bound margin of the default mode (1e-3)")
    p.add_argument("--chunk-size", type=_count, default=1 << 20, help="rows per chunk (2**20)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _print_stats(st, out=None):
    out = out or sys.stdout
    s = st.summary()
    rows = [("n", f"{s['n']:,}"), ("levels", ",".join(map(str, s["levels"]))),
            ("codebook size", f"{s['codebook_size']:,}"),
            ("rate log2|C| (bits/vector)", f"{s['rate_bits']:.6f}"),
            ("entropy H(Z) (bits/vector)", f"{s['entropy_bits']:.6f}"),
            ("perplexity", f"{s['perplexity']:.3f}"), ("usage", f"{s['usage']:.6f}"),
            ("mse (code domain, per scalar)", f"{s['mse_code']:.6g}"),
            ("mse, grid points decoder (per scalar)", f"{s['mse_source']:.6g}"),
            ("mse, cell-mean decoder (per scalar)", f"{s['mse_centroid']:.6g}")]
    width = max(len(k) for k, _ in rows)
    for k, val in rows:
        print(f"{k:<{width}}  {val}", file=out)
    print(file=out)
    print(st.to_frame().to_string(index=False, float_format=lambda x: f"{x:.6g}"), file=out)


def _cmd_quantize(args) -> int:
    from .quantizer import FSQ
    from .sources import EmpiricalSource
    from .stats import stream_stats
    from tqdm.auto import tqdm

    fsq = FSQ(args.levels, eps=args.eps, symmetric=args.symmetric)
    src = EmpiricalSource(args.input)
    if src.dim != fsq.dim:
        raise ValueError(f"{args.input}: last dimension {src.dim} does not match --levels ({fsq.dim} dims)")
    data = src._data
    n = src.n_rows
    out = None
    if args.out:
        out = np.lib.format.open_memmap(args.out, mode="w+", dtype=np.int64, shape=(n,))
    bar_off = True if args.quiet else None  # None: a bar only on a terminal
    for r0 in tqdm(range(0, n, args.chunk_size), disable=bar_off, desc="quantize", unit="chunk"):
        chunk = np.asarray(data[r0:r0 + args.chunk_size])
        idx = fsq.encode(chunk)
        if out is not None:
            out[r0:r0 + len(idx)] = idx
    if out is not None:
        out.flush()
        del out
    if args.stats or not args.out:
        st = stream_stats(fsq, src, n, chunk_size=args.chunk_size, progress=not args.quiet,
                          decoder="grid")
        if args.stats:
            Path(args.stats).write_text(json.dumps(st.summary(), indent=2))
        if not args.quiet or not args.stats:
            _print_stats(st)
    return 0


_SOURCES = ("gaussian", "laplace", "uniform", "gauss-markov")


def _make_source(args):
    from . import sources

    if args.source == "gaussian":
        return sources.GaussianSource(args.variance, dim=args.dim)
    if args.source == "laplace":
        scale = np.sqrt(np.asarray(args.variance, dtype=float) / 2)  # variance 2 b^2
        return sources.LaplaceSource(scale, dim=args.dim)
    if args.source == "uniform":
        half = np.sqrt(3 * np.asarray(args.variance, dtype=float))
        return sources.UniformSource(-half, half, dim=args.dim)
    return sources.GaussMarkovSource(args.rho, dim=args.dim, variance=args.variance)


def _cmd_stats(args) -> int:
    from .quantizer import FSQ
    from .stats import stream_stats

    fsq = FSQ(args.levels, eps=args.eps, symmetric=args.symmetric)
    dim = args.dim if args.dim is not None else fsq.dim
    if dim != fsq.dim:
        raise ValueError(f"--dim {dim} does not match --levels ({fsq.dim} dims)")
    args.dim = dim
    src = _make_source(args)
    if args.scheduler:  # an existing dask.distributed cluster (same result, bit for bit)
        from ._bench import stats_on_cluster

        st = stats_on_cluster(args.scheduler, fsq, src, args.n, rng=args.seed,
                              chunk_size=args.chunk_size, scale=args.scale, decoder="grid")
    else:
        st = stream_stats(fsq, src, args.n, rng=args.seed, chunk_size=args.chunk_size,
                          progress=not args.quiet, scale=args.scale, decoder="grid")
    _print_stats(st)
    if args.json:
        Path(args.json).write_text(json.dumps(st.summary(), indent=2))
    return 0


def _cmd_figures(args) -> int:
    from .figures import available_figures, make_figure
    from tqdm.auto import tqdm

    names = args.only or available_figures()
    for name in tqdm(names, disable=True if args.quiet else None, desc="figures", unit="figure"):
        paths = make_figure(name, outdir=args.outdir, quick=args.quick, seed=args.seed)
        if not args.quiet:
            tqdm.write(f"{name}: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _cmd_check(args) -> int:
    from .checks import run_checks

    report = run_checks(args.only, progress=not args.quiet)
    df = report.to_frame()
    df["sanity"] = df["sanity"].map({True: "yes", False: ""})
    with_cols = df[["name", "passed", "sanity", "lhs", "rhs", "margin", "seconds", "detail"]]
    import pandas as pd

    with pd.option_context("display.max_colwidth", 90, "display.width", 250):
        print(with_cols.to_string(index=False, float_format=lambda x: f"{x:.6g}"))
    failed = df.loc[~df["passed"], "name"].tolist()
    print(f"\n{len(df) - len(failed)}/{len(df)} checks passed" + (f"; FAILED: {failed}" if failed else ""))
    if args.verbose:
        for r in report.results:
            print(f"\n[{r.name}]{' (sanity check)' if r.sanity else ''} {r.statement}\n"
                  f"  source: {r.source}\n  resolution: {r.resolution or 'not stated'}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fsq-theory",
        description="Rate-distortion and information-theory analysis of Finite Scalar Quantization.")
    sub = parser.add_subparsers(dest="command", required=True)

    q = sub.add_parser("quantize", help="FSQ-encode an .npy array (rows x dims) to int64 indices",
                       description="Encode IN.npy (float32 input is bit-exact with the reference) "
                                   "in chunks; optionally write indices and statistics.")
    q.add_argument("input", help="input .npy/.npz/.csv of shape (n, d)")
    _add_fsq_args(q)
    q.add_argument("--out", help="output .npy of int64 indices")
    q.add_argument("--stats", help="write statistics as JSON here")
    q.set_defaults(func=_cmd_quantize)

    s = sub.add_parser("stats", help="stream statistics of FSQ on a synthetic source",
                       description="One streaming pass over n samples of a synthetic source: "
                                   "histogram entropy, usage, perplexity, distortion.")
    s.add_argument("--source", choices=_SOURCES, default="gaussian")
    s.add_argument("--dim", type=int, default=None, help="source dimension (default: len(levels))")
    s.add_argument("-n", type=_count, default=10**6, help="number of vectors (1e9 accepted)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--variance", type=_floats, default=1.0, help="per-dimension variance (v or v1,v2,..)")
    s.add_argument("--scale", type=_floats, default=1.0, help="encoder gain: z = scale * x")
    s.add_argument("--rho", type=float, default=0.9, help="AR(1) correlation for gauss-markov")
    s.add_argument("--json", help="write the statistics as JSON here")
    s.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler")
    _add_fsq_args(s)
    s.set_defaults(func=_cmd_stats)

    f = sub.add_parser("figures", help="regenerate the paper figures (PNG, PDF, CSV)")
    f.add_argument("--quick", action="store_true", help="small sample sizes (for CI)")
    f.add_argument("--only", nargs="+", metavar="NAME", help="only these figures")
    f.add_argument("--outdir", default="figures")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--quiet", action="store_true")
    f.set_defaults(func=_cmd_figures)

    c = sub.add_parser("check", help="run the theoretical-bound checks; exit 1 on any failure")
    c.add_argument("--only", nargs="+", metavar="NAME")
    c.add_argument("--verbose", action="store_true", help="print each theorem and its source")
    c.add_argument("--quiet", action="store_true", help="no progress bar")
    c.set_defaults(func=_cmd_check)

    from .report._cli import add_parser as _add_report_parser

    _add_report_parser(sub)

    from ._bench import add_parser as _add_bench_parser

    _add_bench_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TypeError, FileNotFoundError) as exc:
        print(f"fsq-theory {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
