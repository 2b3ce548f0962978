"""The ``fsq-theory`` command: quantize arrays, stream statistics, figures and the check gate.

Exit codes: 0 success; 1 a theorem check failed (``check``); 2 usage or input/output error (bad
arguments, unreadable input, refused output path, a full disk); 130 interrupted by SIGINT
(Ctrl-C); 143 terminated by SIGTERM. Outputs are written atomically (see
:mod:`fsq_theory._files`): an error or a signal leaves previous outputs as they were.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

from . import _cli_args as args_t

__all__ = ["main"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_CODES = """exit status:
  0    success
  1    a theorem check failed (fsq-theory check)
  2    usage or input/output error (bad arguments, unreadable input, refused output path,
       disk full); nothing is written
  130  interrupted (SIGINT, Ctrl-C); previous outputs are left as they were
  143  terminated (SIGTERM); previous outputs are left as they were"""

LONG_RUN_SECONDS = 60.0  # print a time estimate when a run is expected to take longer


def _err(args, message: str) -> None:
    command = getattr(args, "command", None)
    print(f"fsq-theory {command}: {message}" if command else f"fsq-theory: {message}",
          file=sys.stderr)


def _add_fsq_args(p):
    p.add_argument("--levels", type=args_t.levels, required=True, help="levels per dimension, e.g. 8,5,5,5")
    p.add_argument("--symmetric", action="store_true", help="symmetry-preserving FSQ variant")
    p.add_argument("--eps", type=float, default=1e-3, help="bound margin of the default mode (1e-3)")
    p.add_argument("--chunk-size", type=args_t.count, default=1 << 20, help="rows per chunk (2**20)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--force", action="store_true", help="replace existing output files")


def _reasons(st) -> dict:
    """Why a statistic is not a number, for the strict JSON (null plus a reason)."""
    size = st.codebook_size
    no_joint = (f"the codebook has {size} codes, more than the joint-histogram limit "
                f"(2^22 = {1 << 22} or the memory budget): only per-dimension histograms were "
                "kept; sum(marginal_entropy_bits) bounds the joint entropy from above")
    return {"entropy_bits": no_joint, "usage": no_joint, "perplexity": no_joint,
            "mse_source": "no decoder was given",
            "var": "fewer than 2 rows: the unbiased variance is undefined",
            "mse_centroid": "undefined for these cells",
            "se": "batch-means standard errors need at least 16 full blocks of 4096 rows "
                  "(n >= 65536); NaN estimates have none"}


def _summary_json(st) -> dict:
    from ._files import json_safe

    return json_safe(st.summary(), _reasons(st))


def _fmt(value, spec, reason, se=None):
    if not math.isfinite(value):
        return f"n/a ({reason})"
    text = format(value, spec)
    if se is None:
        return text
    # every Monte-Carlo number printed carries its standard error
    return f"{text} ± {format(se, '.2g')}" if math.isfinite(se) else f"{text} ± n/a (n < 65536)"


def _print_stats(st, out=None):
    out = out or sys.stdout
    s = st.summary()
    no_joint = (f"codebook of {st.codebook_size:,} codes > joint-histogram limit; sum of "
                f"marginal entropies {float(np.sum(st.marginal_entropy_bits)):.6f} bounds H(Z)")
    rows = [("n", f"{s['n']:,}"), ("levels", ",".join(map(str, s["levels"]))),
            ("codebook size", f"{s['codebook_size']:,}"),
            ("rate log2|C| (bits/vector)", f"{s['rate_bits']:.6f}"),
            ("entropy H(Z) (bits/vector)", _fmt(s["entropy_bits"], ".6f", no_joint,
                                                st.se["entropy_bits"])),
            ("perplexity", _fmt(s["perplexity"], ".3f", no_joint, st.se["perplexity"])),
            ("usage (of this sample)", _fmt(s["usage"], ".6f", no_joint)),
            ("mse (code domain, per scalar)", _fmt(s["mse_code"], ".6g", "", st.se["mse_code"])),
            ("mse, grid points decoder (per scalar)",
             _fmt(s["mse_source"], ".6g", "no decoder", st.se["mse_source"])),
            ("mse, cell-mean decoder (per scalar)",
             _fmt(s["mse_centroid"], ".6g", "", st.se["mse_centroid"]))]
    width = max(len(k) for k, _ in rows)
    for k, val in rows:
        print(f"{k:<{width}}  {val}", file=out)
    print("(± one standard error: delta method for entropies, batch means over 4096-row "
          "blocks for distortions)", file=out)
    print(file=out)
    print(st.to_frame().to_string(index=False, na_rep="n/a",
                                  float_format=lambda x: f"{x:.6g}"), file=out)


def _check_fsq_limits(args):
    """Refuse, before any work, levels whose tables and histograms exceed the memory budget."""
    from . import _validation as v
    from .stats import _fit_memory

    levels = v.check_levels(args.levels)
    _fit_memory(tuple(levels), max(args.chunk_size, 4096) // 4096 * 4096, False, True, None)
    return levels


def _quiet_warnings(args):
    """Library RuntimeWarnings (a dropped joint histogram) as one plain notice line each."""
    import warnings

    def show(message, category, filename, lineno, file=None, line=None):
        _err(args, f"notice: {message}")

    warnings.showwarning = show


def _cmd_quantize(args) -> int:
    from ._files import (atomic_output, check_outputs, raise_if_interrupted, write_json,
                         write_npy_stream)
    from .quantizer import FSQ
    from .sources import EmpiricalSource
    from .stats import stream_stats
    from tqdm.auto import tqdm

    # every refusal comes before the input is read or anything is computed
    if args.out is not None and not str(args.out).lower().endswith(".npy"):
        raise ValueError(f"--out {args.out!r} must end in .npy (it receives an int64 .npy array)")
    outs = check_outputs({"--out": args.out, "--stats": args.stats}, {"input": args.input},
                         force=args.force)
    _check_fsq_limits(args)
    fsq = FSQ(args.levels, eps=args.eps, symmetric=args.symmetric)
    src = EmpiricalSource(args.input, header=args.header)
    if src.dim != fsq.dim:
        raise ValueError(f"{args.input}: last dimension {src.dim} does not match --levels ({fsq.dim} dims)")
    n = src.n_rows
    bar_off = True if args.quiet else None  # None: a bar only on a terminal

    def stats_pass():
        st = stream_stats(fsq, src, n, chunk_size=args.chunk_size, progress=not args.quiet,
                          decoder="grid")
        if "--stats" in outs:
            write_json(outs["--stats"], _summary_json(st))
        if not args.quiet or "--stats" not in outs:
            _print_stats(st)

    if "--out" not in outs:
        stats_pass()
        return EXIT_OK
    # indices stream into a temporary file beside --out, renamed over it only when complete
    with atomic_output(outs["--out"]) as fh:
        write_npy_stream(fh, np.int64, (n,))
        for r0 in tqdm(range(0, n, args.chunk_size), disable=bar_off, desc="quantize", unit="chunk"):
            chunk = src._finite(np.asarray(src._data[r0:r0 + args.chunk_size]), r0)
            fh.write(np.ascontiguousarray(fsq.encode(chunk), dtype="<i8").tobytes())
            raise_if_interrupted()
        if "--stats" in outs:
            stats_pass()
    return EXIT_OK


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


def _estimate_seconds(fsq, src, args) -> float | None:
    """Seconds the full run should take, from a timed sample of rows (None for short runs)."""
    import time

    from .stats import stream_stats

    # binning scans the thresholds: the work is about n * sum(levels); probe only when that is
    # large, on a sample small enough to stay cheap itself
    work = sum(args.levels) * args.dim
    if args.n * work <= 2e10:
        return None
    probe = max(4096, min(1 << 20, int(2e9 // work) // 4096 * 4096))
    if probe >= args.n:
        return None
    kw = dict(rng=args.seed, chunk_size=args.chunk_size, scale=args.scale, decoder="grid")
    stream_stats(fsq, src, 64, **kw)  # compiles the kernels outside the timing
    t0 = time.perf_counter()
    stream_stats(fsq, src, probe, **kw)
    return (time.perf_counter() - t0) * args.n / probe


def _fmt_seconds(t: float) -> str:
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60)):
        if t >= size:
            return f"{t / size:.1f} {unit}"
    return f"{t:.0f} s"


def _cmd_stats(args) -> int:
    from ._files import check_outputs, write_json
    from .quantizer import FSQ
    from .stats import stream_stats

    outs = check_outputs({"--json": args.json}, force=args.force)
    _check_fsq_limits(args)
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
        est = _estimate_seconds(fsq, src, args)
        if est is not None and args.max_seconds is not None and est > args.max_seconds:
            raise ValueError(f"-n {args.n} would take about {_fmt_seconds(est)} here, more "
                             f"than --max-seconds {args.max_seconds:g}")
        if est is not None and est > LONG_RUN_SECONDS:
            _err(args, f"notice: -n {args.n:.3g} will take about {_fmt_seconds(est)} here "
                       "(extrapolated from a timed sample); Ctrl-C stops it cleanly")
        st = stream_stats(fsq, src, args.n, rng=args.seed, chunk_size=args.chunk_size,
                          progress=not args.quiet, scale=args.scale, decoder="grid")
    _print_stats(st)
    if "--json" in outs:
        write_json(outs["--json"], _summary_json(st))
    return EXIT_OK


def _cmd_figures(args) -> int:
    from .figures import available_figures, make_figure
    from tqdm.auto import tqdm

    out = Path(args.outdir)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--outdir {args.outdir!r} exists and is not a directory")
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
    return EXIT_CHECK_FAILED if failed else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="fsq-theory", formatter_class=fmt, epilog=EXIT_CODES,
        description="Rate-distortion and information-theory analysis of Finite Scalar Quantization.")
    sub = parser.add_subparsers(dest="command", required=True)

    q = sub.add_parser("quantize", help="FSQ-encode an .npy array (rows x dims) to int64 indices",
                       formatter_class=fmt, epilog=EXIT_CODES,
                       description="Encode IN.npy (float32 input is bit-exact with the reference) "
                                   "in chunks; optionally write indices and statistics.\n"
                                   "Outputs are written atomically and never replace an input; "
                                   "an existing output is replaced only with --force.\n"
                                   "CSV input: the first row is a header when a field is not a "
                                   "number or the row is exactly 0,1,...,d-1; an empty first "
                                   "header field marks an index column (dropped).")
    q.add_argument("input", help="input .npy/.npz/.csv of shape (n, d)")
    _add_fsq_args(q)
    q.add_argument("--out", help="output .npy of int64 indices")
    q.add_argument("--stats", help="write statistics as JSON here (strict JSON: null + reason)")
    hdr = q.add_mutually_exclusive_group()
    hdr.add_argument("--header", dest="header", action="store_const", const=True, default=None,
                     help="the CSV's first row is a header")
    hdr.add_argument("--no-header", dest="header", action="store_const", const=False,
                     help="the CSV's first row is data")
    q.set_defaults(func=_cmd_quantize)

    s = sub.add_parser("stats", help="stream statistics of FSQ on a synthetic source",
                       formatter_class=fmt, epilog=EXIT_CODES,
                       description="One streaming pass over n samples of a synthetic source: "
                                   "histogram entropy, usage, perplexity, distortion.")
    s.add_argument("--source", choices=_SOURCES, default="gaussian")
    s.add_argument("--dim", type=int, default=None, help="source dimension (default: len(levels))")
    s.add_argument("-n", type=args_t.count, default=10**6, help="number of vectors (1e9 accepted)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--variance", type=args_t.floats, default=1.0, help="per-dimension variance (v or v1,v2,..)")
    s.add_argument("--scale", type=args_t.floats, default=1.0, help="encoder gain: z = scale * x")
    s.add_argument("--rho", type=float, default=0.9, help="AR(1) correlation for gauss-markov")
    s.add_argument("--json", help="write the statistics as JSON here (strict JSON: null + reason)")
    s.add_argument("--scheduler", metavar="ADDRESS", help="run on this dask.distributed scheduler")
    s.add_argument("--max-seconds", type=args_t.seconds, default=None,
                   help="refuse a run estimated to take longer (estimated when n * sum(levels) "
                        "* dim > 2e10)")
    _add_fsq_args(s)
    s.set_defaults(func=_cmd_stats)

    f = sub.add_parser("figures", help="regenerate the paper figures (PNG, PDF, CSV)",
                       formatter_class=fmt, epilog=EXIT_CODES)
    f.add_argument("--quick", action="store_true", help="small sample sizes (for CI)")
    f.add_argument("--only", nargs="+", metavar="NAME", help="only these figures")
    f.add_argument("--outdir", default="figures")
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--quiet", action="store_true")
    f.set_defaults(func=_cmd_figures)

    c = sub.add_parser("check", help="run the theoretical-bound checks; exit 1 on any failure",
                       formatter_class=fmt, epilog=EXIT_CODES)
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
    """Run the command line; returns the exit status (see ``EXIT_CODES``)."""
    from ._files import Interrupted, exit_on_signals, remove_temporaries

    args = None
    try:
        with exit_on_signals():
            parser = build_parser()
            args = parser.parse_args(argv)
            _quiet_warnings(args)
            return args.func(args)
    except BrokenPipeError:  # output piped into e.g. `head`
        try:
            sys.stdout = None
            sys.stderr.close()
        except Exception:
            pass
        return EXIT_OK
    except (ValueError, TypeError, OSError, MemoryError) as exc:
        if isinstance(exc, MemoryError):
            exc = "out of memory"
        _err(args, f"error: {exc}")
        return EXIT_USAGE
    except (KeyboardInterrupt, Interrupted) as exc:
        code = exc.code if isinstance(exc, Interrupted) else 130
        name = exc.name if isinstance(exc, Interrupted) else "SIGINT"
        remove_temporaries()
        _err(args, f"interrupted by {name}; no output was written or replaced")
        return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
