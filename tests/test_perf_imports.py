"""``import fsq_theory`` leaves the heavy dependencies unimported until an analysis needs them.

Checked in a fresh interpreter by module names, not by timing (no timed assertions).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ["scipy.stats", "scipy.integrate", "scipy.optimize", "scipy.special", "scipy.linalg",
         "scipy.interpolate", "numba", "ot", "matplotlib", "pandas", "dask", "distributed",
         "tqdm", "sklearn", "torch"]


def _modules_after(code):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True, env=env, cwd=ROOT)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_import_fsq_theory_imports_no_heavy_module():
    loaded = _modules_after("import fsq_theory")
    assert sorted(m for m in HEAVY if m in loaded) == []


def test_heavy_modules_load_on_first_use():
    # the deferred imports are real: using an analysis brings in what it needs
    loaded = _modules_after(
        "import numpy as np, fsq_theory as f\n"
        "f.FSQ([5, 3]).encode(np.zeros((1, 2), np.float32))\n"
        "f.cell_probabilities(f.FSQ([5]).scalar_quantizers()[0])")
    assert {"numba", "scipy.stats"} <= loaded
    assert "matplotlib" not in loaded and "ot" not in loaded
