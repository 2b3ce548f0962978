#!/usr/bin/env python
"""Write paper/generated/checks.tex: the table of theorem checks, as `fsq-theory check` runs them.

    python scripts/make_paper_tables.py [--only NAME ...] [--out PATH]

The paper's appendix inputs the table; `make paper` runs this script before LaTeX. The table is
typeset with T1 fonts (paper/main.tex), and every character LaTeX treats specially is written as
its text command, so `<`, `>`, `|`, `^` and `~` print as themselves.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

# order matters: the backslash first, so the commands inserted below are not escaped again
_TEXT_ESCAPES = (
    ("\\", r"\textbackslash{}"), ("{", r"\{"), ("}", r"\}"), ("_", r"\_"), ("%", r"\%"),
    ("&", r"\&"), ("#", r"\#"), ("$", r"\$"), ("^", r"\textasciicircum{}"),
    ("~", r"\textasciitilde{}"), ("<", r"\textless{}"), (">", r"\textgreater{}"),
    ("|", r"\textbar{}"),
)


def tex_escape(s: str) -> str:
    """``s`` as LaTeX text that prints exactly ``s``."""
    out = []
    for ch in s:
        for a, b in _TEXT_ESCAPES:
            if ch == a:
                out.append(b)
                break
        else:
            out.append(ch)
    return "".join(out)


def tex_name(name: str) -> str:
    """A check name in typewriter type that may break after its underscores."""
    return r"\texttt{" + tex_escape(name).replace(r"\_", r"\_\allowbreak{}") + "}"


def render_table(results) -> str:
    """The longtable of ``results`` (objects with name, statement, margin, passed)."""
    col = r">{\raggedright\arraybackslash}"
    lines = [r"\begingroup\small",
             rf"\begin{{longtable}}{{{col}p{{0.25\linewidth}}{col}p{{0.50\linewidth}}rl}}",
             r"\toprule", r"check & statement & margin & result \\", r"\midrule", r"\endhead",
             r"\bottomrule", r"\endfoot"]
    for r in results:
        verdict = "pass" if r.passed else r"\textbf{FAIL}"
        margin = "--" if r.margin is None or not math.isfinite(r.margin) else f"{r.margin:.3g}"
        lines.append(f"{tex_name(r.name)} & {tex_escape(r.statement)} & {margin} & {verdict} \\\\")
    lines += [r"\end{longtable}", r"\endgroup"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    from fsq_theory._files import write_text
    from fsq_theory.checks import run_checks

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these checks")
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parents[1] / "paper" / "generated" / "checks.tex")
    args = ap.parse_args(argv)
    report = run_checks(args.only, progress=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_text(args.out, render_table(report.results))
    n_pass = sum(r.passed for r in report.results)
    print(f"wrote {args.out} ({len(report.results)} checks, {n_pass} passed)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
