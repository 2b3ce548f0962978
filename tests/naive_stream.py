"""Plain-numpy twins of the stream_stats kernel helpers (``_kernels.accumulate``)."""

import numpy as np


def lane_sum(a):
    """Twin of ``_kernels.accumulate.lane_sum``: eight running sums over a[j::8] (full groups of
    eight only), added pairwise, then the trailing ``len(a) % 8`` values in order."""
    a = np.asarray(a, dtype=np.float64)
    m = len(a) - len(a) % 8
    lanes = np.zeros(8)
    for row in a[:m].reshape(-1, 8):
        lanes = lanes + row
    s = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]))
    for v in a[m:]:
        s = s + v
    return float(s)
