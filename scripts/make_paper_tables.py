#!/usr/bin/env python
"""Write paper/generated/checks.tex: the table of theorem checks, as `fsq-theory check` runs them."""
from pathlib import Path

from fsq_theory.checks import run_checks


def _tex(s: str) -> str:
    for a, b in (("_", r"\_"), ("%", r"\%"), ("&", r"\&"), ("#", r"\#"),
                 ("^", r"\^{}"), ("$", r"\$"), ("{", r"\{"), ("}", r"\}")):
        s = s.replace(a, b)
    return s


def main():
    report = run_checks(progress=True)
    out = Path(__file__).resolve().parents[1] / "paper" / "generated" / "checks.tex"
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = [r"\begin{longtable}{p{0.27\linewidth}p{0.48\linewidth}rl}", r"\toprule",
             r"check & statement & margin & result \\", r"\midrule", r"\endhead"]
    for r in report.results:
        verdict = "pass" if r.passed else "\\textbf{FAIL}"  # no backslash inside an f-string expression before 3.12
        lines.append(f"\\texttt{{{_tex(r.name)}}} & {_tex(r.statement)} & {r.margin:.3g} & "
                     f"{verdict} \\\\")
    lines += [r"\bottomrule", r"\end{longtable}"]
    out.write_text("\n".join(lines) + "\n")
    print(f"wrote {out} ({len(report.results)} checks, {sum(r.passed for r in report.results)} passed)")


if __name__ == "__main__":
    main()
