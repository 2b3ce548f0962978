"""Shared helpers of the empirical sandwich: data validation, batch-means intervals and the
convex envelope of achievable rate-distortion points."""

from __future__ import annotations

import numpy as np
from scipy import stats

from .. import _validation as v

#: Largest n * d accepted (checked before any work): 2.7e8 float64 entries, ~2 GB per copy.
MAX_ENTRIES = 1 << 28
#: Largest magnitude accepted: squared distances, variances and their sums over MAX_ENTRIES
#: entries stay finite in float64 (1e200 * 2.7e8 << 1.8e308), so no estimate turns into inf - inf.
MAX_ABS = 1e100


def check_data(x, *, name: str = "x", min_rows: int = 16) -> np.ndarray:
    """``x`` as a C-contiguous float64 array of shape (n, d); 1-D input is one column."""
    arr = v.as_real_array(name, x)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n, d) (one row per vector), got shape {arr.shape}")
    n, d = arr.shape
    if d == 0:
        raise ValueError(f"{name} must have at least one column, got shape {arr.shape}")
    if n < min_rows:
        raise ValueError(f"{name} must hold at least {min_rows} rows, got {n}")
    if n * d > MAX_ENTRIES:
        raise ValueError(f"{name} has {n} x {d} = {n * d} entries, beyond the limit {MAX_ENTRIES}; "
                         "pass a subsample")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    big = float(np.abs(arr).max()) if arr.size else 0.0
    if big > MAX_ABS:
        raise ValueError(f"{name} has an entry of magnitude {big:.3g}, beyond {MAX_ABS:.0e}: squared "
                         "distortions would overflow float64; rescale the data")
    return arr


def check_confidence(confidence) -> float:
    c = v.check_real("confidence", confidence, minimum=0.0, strict_minimum=True)
    if c >= 1.0:
        raise ValueError(f"confidence must be < 1, got {c!r}")
    return c


def batch_halfwidth(batch_values: np.ndarray, confidence: float) -> np.ndarray:
    r"""Half-width of the batch-means interval for an estimate computed on all the data.

    With :math:`B` disjoint batches of :math:`n/B` rows and estimates :math:`\hat\theta_b`, the
    full-data estimate has standard error about :math:`s_B / \sqrt B` (:math:`s_B` the standard
    deviation of the :math:`\hat\theta_b`, assuming the usual :math:`1/\sqrt n` rate); the
    half-width is :math:`t_{B-1,(1+c)/2}\, s_B/\sqrt B`. ``batch_values`` has the batches along
    axis 0.
    """
    b = np.asarray(batch_values, dtype=np.float64)
    B = b.shape[0]
    sd = b.std(axis=0, ddof=1)
    return stats.t.ppf((1 + confidence) / 2, B - 1) * sd / np.sqrt(B)


def batches(n: int, n_batches: int, gen: np.random.Generator) -> list[np.ndarray]:
    """Random partition of ``range(n)`` into ``n_batches`` index arrays of near-equal size."""
    return np.array_split(gen.permutation(n), n_batches)


def lower_hull(D, R, d_max: float):
    r"""Lower convex envelope of achievable points ``(D_k, R_k)`` and ``(d_max, 0)``.

    Every point is achievable for the measure considered, so by time sharing (convexity of
    R(D)) and monotonicity every point of the envelope is too:
    :math:`R(D) \le \operatorname{env}(D)`. Returns the hull vertices (ascending D, descending
    R); the envelope is +inf left of the first vertex and 0 right of ``d_max``.
    """
    D = np.asarray(D, dtype=np.float64).ravel()
    R = np.asarray(R, dtype=np.float64).ravel()
    ok = np.isfinite(D) & np.isfinite(R)
    pts = sorted(zip(np.append(D[ok], d_max), np.append(R[ok], 0.0)))
    hull: list[tuple[float, float]] = []
    for p in pts:
        # keep only points below everything to their left (non-increasing envelope)
        if hull and p[1] >= hull[-1][1]:
            continue
        while len(hull) >= 2:
            (x1, y1), (x2, y2) = hull[-2], hull[-1]
            if (x2 - x1) * (p[1] - y1) - (y2 - y1) * (p[0] - x1) <= 0:
                hull.pop()  # hull[-1] lies on or above the chord from hull[-2] to p
            else:
                break
        hull.append(p)
    hx = np.array([h[0] for h in hull])
    hy = np.array([h[1] for h in hull])
    return hx, hy


def eval_hull(hx: np.ndarray, hy: np.ndarray, D) -> np.ndarray:
    """Envelope from :func:`lower_hull` at ``D``: +inf left of the first vertex."""
    D = np.asarray(D, dtype=np.float64)
    out = np.interp(D, hx, hy, right=0.0)
    return np.where(D < hx[0], np.inf, out)


def eval_lines(intercepts: np.ndarray, slopes: np.ndarray, D) -> np.ndarray:
    r"""Max over lines :math:`a_j - s_j D` and 0 (a lower bound from dual points)."""
    D = np.asarray(D, dtype=np.float64)
    vals = intercepts[:, None] - slopes[:, None] * D.ravel()[None, :]
    return np.maximum(vals.max(axis=0), 0.0).reshape(D.shape)
