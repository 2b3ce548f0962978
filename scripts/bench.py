#!/usr/bin/env python
"""Run every benchmark in benchmarks/ in turn (each prints its own table)."""
import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    for path in sorted((Path(__file__).resolve().parents[1] / "benchmarks").glob("bench_*.py")):
        print(f"\n===== {path.name} =====", flush=True)
        sys.argv = [str(path)]
        runpy.run_path(str(path), run_name="__main__")
