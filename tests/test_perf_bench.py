"""The ``bench`` subcommand is registered and formats its table (no timings asserted)."""

from fsq_theory import _bench
from fsq_theory.cli import build_parser


def test_bench_subcommand_registered():
    args = build_parser().parse_args(["bench", "--quick", "--repeat", "2"])
    assert args.quick and args.repeat == 2 and args.func is _bench._cmd_bench


def test_format_table_marks_unmet_targets_and_skipped_references():
    res = {"machine": "x", "load_average_before": [1.0, 1.0, 1.0],
           "load_average_after": [2.0, 2.0, 2.0], "rows": 16, "repeat": 1,
           "table": [_bench._row("a", 1.5, "M rows/s", "ref", 3.0, 0.5, ">= 2", False),
                     _bench._row("b", 2.0, "M rows/s", "torch not installed", None, None, ">= 2",
                                 None)]}
    text = _bench.format_table(res)
    lines = text.splitlines()
    assert lines[-2].endswith("| NO |") and lines[-1].endswith("| - |")
    assert "load average before 1.0, after 2.0" in lines[0]
