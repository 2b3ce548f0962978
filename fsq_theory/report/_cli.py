"""``fsq-theory report LATENTS --levels 8,5,5,5 [--symmetric] [--scale S | --fit-scale] [--out DIR]``.

Registered by :mod:`fsq_theory.cli` through :func:`add_parser`; bad input prints one line on
stderr and exits with status 2 (no traceback).
"""

from __future__ import annotations

import argparse
import sys

from .. import _cli_args as args_t

PROG = "fsq-theory report"


def _one_line_error(parser):
    def error(message):
        print(f"{PROG}: error: {message}", file=sys.stderr)
        sys.exit(2)

    parser.error = error
    return parser


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``report`` subcommand to an argparse ``subparsers`` object."""
    p = subparsers.add_parser(
        "report", help="one-page report on FSQ tokens of your latents (HTML + JSON + PNG)",
        description="Stream LATENTS (.npy of shape (n, d), memory-mapped files larger than RAM "
                    "work) through FSQ and write DIR/report.html (self-contained), "
                    "DIR/report.json (strict JSON) and the figures as PNG: data, tokens, "
                    "distortion (mse_latent_grid, mse_latent_centroid, mse_code_grid), the R(D) "
                    "sandwich and what to change.")
    p.add_argument("latents", help="latents file: .npy (streamed), .npz or .csv, shape (n, d)")
    p.add_argument("--key", default=None, help="array name inside an .npz holding several arrays")
    p.add_argument("--levels", type=args_t.levels, required=True, help="levels per dimension, e.g. 8,5,5,5")
    p.add_argument("--symmetric", action="store_true", help="symmetry-preserving FSQ variant")
    p.add_argument("--eps", type=float, default=1e-3, help="bound margin of the default mode (1e-3)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--scale", type=args_t.floats, default=None,
                   help="encoder gain z = scale * x: one number or one per dimension (default 1)")
    g.add_argument("--fit-scale", action="store_true",
                   help="fit one gain minimizing mse_latent_centroid instead")
    p.add_argument("--out", default="fsq-report", help="output directory (default ./fsq-report)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sample, bootstrap and k-means")
    p.add_argument("--sample-size", type=args_t.count, default=1 << 18,
                   help="rows sampled for the searches and estimators (262144)")
    p.add_argument("--no-kmeans", action="store_true", help="skip the k-means VQ baseline")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return _one_line_error(p)


def run(args) -> int:
    """Run the report for parsed ``args``; 0 on success, 2 on bad input."""
    from . import report

    try:
        r = report(args.latents, args.levels, symmetric=args.symmetric, eps=args.eps,
                   scale=args.scale, fit_scale=args.fit_scale, out=args.out,
                   progress=False if args.quiet else None, rng=args.seed,
                   sample_size=args.sample_size, kmeans=not args.no_kmeans, key=args.key)
    except (ValueError, TypeError, FileNotFoundError, OSError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    _print(r)
    return 0


def _print(r, out=None):
    out = out or sys.stdout
    doc = r.document
    t, dist = doc["tokens"], doc["distortion"]

    def f(x, fmt="{:.6g}"):
        return "n/a" if x is None else fmt.format(x)

    rows = [("n (rows)", f"{doc['input']['n']:,}"), ("levels", ",".join(map(str, doc["input"]["levels"]))),
            ("rate_bits (bits/vector)", f(t["rate_bits"])),
            ("entropy_bits (bits/vector)", f(t.get("entropy_bits"))),
            ("usage", f(t.get("usage"))),
            ("mse_latent_grid (latent units^2/scalar)", f(dist["mse_latent_grid"])),
            ("mse_latent_centroid (latent units^2/scalar)", f(dist["mse_latent_centroid"])),
            ("mse_code_grid (code units^2/scalar)", f(dist["mse_code_grid"]))]
    for row in doc["rate_distortion"]["at_tokenizer"][:1]:
        for b in row["upper"] + row["lower"]:
            rows.append((f"R(D) {b['label']} (bits/vector)", f(b["bits"])))
    width = max(len(k) for k, _ in rows)
    print(doc["verdict"], file=out)
    print(file=out)
    for k, val in rows:
        print(f"{k:<{width}}  {val}", file=out)
    for w in r.warnings:
        print(f"warning [{w['code']}]: {w['message']}", file=out)
    if r.paths:
        print(f"\nwrote {r.paths['html']}, {r.paths['json']} and {len(r.paths) - 2} figures",
              file=out)
