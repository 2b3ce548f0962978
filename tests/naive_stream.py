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


def batch_sums(part, part_cells, nrows, block=4096):
    """Twin of ``_kernels.accumulate.batch_sums`` on fresh sums: per full block, the mean squared
    errors, the within-cell spread and the unbiased variance, per dimension and averaged."""
    nblk, d = part.shape[:2]
    vals = []
    for b in range(nblk):
        if nrows - b * block < block:
            continue
        v = np.stack([part[b, :, 2] / block, part[b, :, 3] / block,
                      part_cells[b, :, :, 2].sum(axis=1) / block, part[b, :, 1] / (block - 1)],
                     axis=1)  # (d, 4)
        vals.append(np.vstack([v, v.mean(axis=0)]))
    out = np.zeros((d + 1, 9))
    if vals:
        vals = np.array(vals)
        out[:, 0:8:2] = vals.sum(axis=0)
        out[:, 1:8:2] = (vals ** 2).sum(axis=0)
        out[:, 8] = len(vals)
    return out
