"""Reference values of discrete entropy estimators from an independent library.

Provenance: infomeasure 0.6.3 (PyPI), run in a separate venv:
    python3 -m venv /tmp/geovenv && /tmp/geovenv/bin/pip install infomeasure==0.6.3
    /tmp/geovenv/bin/python tests/reference/geometry_entropy_estimators.py
Writes geometry_entropy_estimators.json: for each count vector, estimates in nats of the
approaches "discrete" (plug-in), "miller_madow", "grassberger" (Grassberger 1988 form),
"chao_shen".
"""

import json
from pathlib import Path

import infomeasure as im
import numpy as np

COUNTS = [
    [5, 3, 1, 1],
    [10, 0, 7, 2, 1, 1, 1],
    [1, 1, 1, 1, 1, 2],
    [40, 30, 20, 5, 3, 1, 1],
    [2, 2, 3, 7, 11, 1, 1, 1, 4],
]
APPROACHES = ["discrete", "miller_madow", "grassberger", "chao_shen"]


def main():
    rows = []
    for c in COUNTS:
        data = np.repeat(np.arange(len(c)), c)
        row = {"counts": c, "infomeasure": im.__version__}
        for a in APPROACHES:
            row[a] = float(im.entropy(data, approach=a, base="e"))
        rows.append(row)
    path = Path(__file__).with_name("geometry_entropy_estimators.json")
    path.write_text(json.dumps(rows, indent=1))
    print("wrote", path)


if __name__ == "__main__":
    main()
