"""argparse value types shared by every ``fsq-theory`` subcommand (one parser per kind of value).

Each raises ``argparse.ArgumentTypeError`` with the offending text, which the command line turns
into one line on stderr and exit status 2.
"""
from __future__ import annotations

import argparse
import math

INT64_MAX = 2 ** 63 - 1


def levels(text: str) -> list[int]:
    tokens = [t.strip() for t in text.split(",")]
    if any(t == "" for t in tokens):
        raise argparse.ArgumentTypeError(
            f"--levels must be comma-separated integers without empty entries, got {text!r}")
    try:
        return [int(t) for t in tokens]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--levels must be comma-separated integers, got {text!r}") from None


def count(text: str) -> int:
    try:
        value = float(text)
        exact = int(text) if text.strip().lstrip("+").isdigit() else None
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count like 1000000 or 1e9, got {text!r}") from None
    if not math.isfinite(value) or not value.is_integer() or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer count, got {text!r}")
    out = exact if exact is not None else int(value)
    if out > INT64_MAX:
        raise argparse.ArgumentTypeError(f"count {text!r} is beyond int64 (max {INT64_MAX})")
    return out


def floats(text: str) -> list[float] | float:
    try:
        vals = [float(t) for t in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    return vals[0] if len(vals) == 1 else vals


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
