"""The paper's table generator (scripts/make_paper_tables.py) runs and escapes LaTeX, without TeX."""
import importlib.util
import re
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("make_paper_tables",
                                                  ROOT / "scripts" / "make_paper_tables.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_escape_prints_specials_as_themselves():
    m = _load()
    s = m.tex_escape(r"a<b>c|d^2_x ~ 5% & #1 $ {x} \n")
    # no raw special character survives outside the commands inserted for them
    stripped = re.sub(r"\\(textless|textgreater|textbar|textasciicircum|textasciitilde|"
                      r"textbackslash)\{\}|\\[_%&#${}]", "", s)
    assert not set(stripped) & set("<>|^_~%&#${}\\"), stripped
    assert s.count(r"\textless{}") == 1 and s.count(r"\textgreater{}") == 1
    assert s.count(r"\textbar{}") == 1 and s.count(r"\textasciicircum{}") == 1
    assert r"\textbackslash{}n" in s


def test_long_check_names_may_break():
    m = _load()
    t = m.tex_name("hier_reference_error_nonincreasing_odd_L")
    assert t.count(r"\allowbreak") == 5


def test_render_table_rows_and_failures():
    m = _load()
    rows = [SimpleNamespace(name="a_b", statement="x <= y | z^2", margin=0.5, passed=True),
            SimpleNamespace(name="c", statement="bad", margin=float("nan"), passed=False)]
    t = m.render_table(rows)
    assert t.count(r"\\" + "\n") == 3  # header and two rows
    assert r"\textbf{FAIL}" in t and "& -- &" in t
    assert t.count(r"\begin{longtable}") == t.count(r"\end{longtable}") == 1


def test_generator_runs_on_a_registered_check(tmp_path):
    m = _load()
    out = tmp_path / "checks.tex"
    assert m.main(["--only", "w2_normal_uniform_closed_form", "--out", str(out)]) == 0
    text = out.read_text()
    assert r"\texttt{w2\_\allowbreak{}normal" in text and "& pass \\\\" in text


def test_every_input_of_the_paper_exists():
    main = (ROOT / "paper" / "main.tex").read_text()
    for name in re.findall(r"\\input\{(sections/[^}]+)\}", main):
        assert (ROOT / "paper" / f"{name}.tex").exists(), name
    assert (ROOT / "paper" / "refs.bib").exists()
