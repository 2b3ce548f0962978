"""Bounded memory: the report of a 10^8 x 8 float32 memory-mapped file (3.2 GB) stays under 1 GB RSS.

Slow (minutes, 3.2 GB of disk): run with ``pytest -m slow tests/test_report_memory.py``. The
report runs in a child process through the CLI so that its peak resident set size (VmHWM,
Linux) is measured alone; pages of the input file are read with plain
file reads and stay in the page cache, which is not part of the RSS.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

ROWS = 10**8
DIM = 8
LIMIT_BYTES = 1 << 30


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_report_of_a_1e8_memmap_runs_in_bounded_memory(tmp_path):
    need = ROWS * DIM * 4 + (1 << 30)
    if shutil.disk_usage(tmp_path).free < need:
        pytest.skip(f"needs {need / 1e9:.1f} GB of free disk in {tmp_path}")
    path = tmp_path / "latents.npy"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(os.path.abspath(__file__)))]
        + os.environ.get("PYTHONPATH", "").split(os.pathsep)))
    # the file is written by its own process: pages of a written memmap would otherwise sit
    # in this process and in every child forked from it
    make = ("import numpy as np, sys; rows, dim = int(sys.argv[2]), int(sys.argv[3]); "
            "mm = np.lib.format.open_memmap(sys.argv[1], mode='w+', dtype=np.float32, "
            "shape=(rows, dim)); rng = np.random.default_rng(0); "
            "sc = np.linspace(0.5, 1.5, dim, dtype=np.float32); step = 1 << 22\n"
            "for r0 in range(0, rows, step):\n"
            "    m = min(step, rows - r0); mm[r0:r0 + m] = rng.standard_normal((m, dim), "
            "dtype=np.float32) * sc\n"
            "mm.flush()")
    subprocess.run([sys.executable, "-c", make, str(path), str(ROWS), str(DIM)], check=True,
                   env=env, timeout=3600)
    out = tmp_path / "rep"
    # VmHWM is the peak RSS of this process image only (ru_maxrss would also carry the peak of
    # the forked parent image across exec)
    code = ("import sys; from fsq_theory.cli import main; rc = main(sys.argv[1:]); "
            "hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]; "
            "print('MAXRSS_KB', hwm[0], file=sys.stderr); sys.exit(rc)")
    res = subprocess.run([sys.executable, "-c", code, "report", str(path), "--levels",
                          "8,5,5,5,8,5,5,5", "--out", str(out), "--no-kmeans"],
                         capture_output=True, text=True, env=env, timeout=3600)
    assert res.returncode == 0, res.stderr[-3000:]
    rss_kb = int(res.stderr.rsplit("MAXRSS_KB", 1)[1].split()[0])
    print(f"peak RSS {rss_kb / 1024:.0f} MiB for {ROWS:.0e} x {DIM} float32 "
          f"({ROWS * DIM * 4 / 2**30:.1f} GiB file)")
    assert rss_kb * 1024 < LIMIT_BYTES, f"peak RSS {rss_kb / 1024:.0f} MiB"
    doc = json.loads((out / "report.json").read_text(),
                     parse_constant=lambda c: pytest.fail(f"non-strict JSON {c}"))
    assert doc["input"]["n"] == ROWS
    # the streamed moments are those of the generated data
    sd = [r["sd"] for r in doc["data"]["per_dimension"]]
    np.testing.assert_allclose(sd, np.linspace(0.5, 1.5, DIM), rtol=1e-3)
