r"""Exact per-dimension distortion of any FSQ cell layout on a sample, for design searches.

Each column of the sample is sorted once and its prefix sums :math:`S_1, S_2` kept; the cells of
``FSQ([L])`` at gain ``g`` are intervals of ``x`` (thresholds from
:meth:`FSQ.scalar_quantizers`), so the within-cell sums follow from two ``searchsorted`` calls
and the distortion of a layout costs :math:`O(L \log n)` instead of a pass over the data:

.. math::

    n\,D_{\text{centroid}} = \sum_k \Big(S_2^{(k)} - \frac{(S_1^{(k)})^2}{n_k}\Big),\qquad
    n\,D_{\text{grid}} = \sum_k \big(S_2^{(k)} - 2 p_k S_1^{(k)} + n_k p_k^2\big).

The searches below (gain per dimension, level list for a bit budget) use this; the designs they
pick are then re-measured on every row by the streaming kernel (``stream_stats``).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..quantizer import FSQ

GAIN_GRID = np.exp(np.linspace(np.log(1 / 16), np.log(16), 97))


@lru_cache(maxsize=4096)
def _unit_cells(L: int, eps: float, symmetric: bool):
    """Thresholds and grid points of FSQ([L]) at gain 1, in z units."""
    sq = FSQ([L], eps=eps, symmetric=symmetric).scalar_quantizers(1.0)[0]
    return sq.thresholds.copy(), sq.points.copy()


class Column:
    """One sorted, centred sample column with prefix sums."""

    def __init__(self, col: np.ndarray):
        self.center = float(np.mean(col))
        xs = np.sort(col - self.center)
        self.xs = xs
        self.n = xs.size
        self.s1 = np.concatenate([[0.0], np.cumsum(xs)])
        self.s2 = np.concatenate([[0.0], np.cumsum(xs * xs)])
        self.var = float(np.var(col))

    def mse(self, L: int, gain: float, *, eps: float, symmetric: bool):
        """(centroid MSE, grid MSE, counts) of FSQ([L]) at ``gain`` on this column."""
        t, p = _unit_cells(L, eps, symmetric)
        # x >= t belongs to the upper cell: the boundary index is the count of values < t
        idx = np.searchsorted(self.xs, t / gain - self.center, side="left")
        b = np.concatenate([[0], idx, [self.n]])
        cnt = np.diff(b).astype(np.float64)
        s1 = np.diff(self.s1[b])
        s2 = np.diff(self.s2[b])
        used = cnt > 0
        sse_c = float(np.sum(s2[used] - s1[used] ** 2 / cnt[used]))
        pts = p / gain - self.center
        if not np.isfinite(pts[used]).all():
            sse_g = math.inf
        else:
            sse_g = float(np.sum(s2[used] - 2 * pts[used] * s1[used] + cnt[used] * pts[used] ** 2))
        return max(sse_c, 0.0) / self.n, max(sse_g, 0.0) / self.n, cnt

    def mse_many(self, L: int, gains: np.ndarray, *, eps: float, symmetric: bool) -> np.ndarray:
        """Centroid MSE of FSQ([L]) at each of ``gains`` (vectorized over gains)."""
        t, _ = _unit_cells(L, eps, symmetric)
        g = np.asarray(gains, dtype=np.float64)
        idx = np.searchsorted(self.xs, (t[None, :] / g[:, None] - self.center).ravel(),
                              side="left").reshape(g.size, t.size)
        b = np.concatenate([np.zeros((g.size, 1), np.int64), idx,
                            np.full((g.size, 1), self.n, np.int64)], axis=1)
        cnt = np.diff(b, axis=1).astype(np.float64)
        s1 = np.diff(self.s1[b], axis=1)
        s2 = np.diff(self.s2[b], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            within = np.where(cnt > 0, s2 - s1 * s1 / np.maximum(cnt, 1), 0.0)
        return np.maximum(within.sum(axis=1), 0.0) / self.n

    def best_gain(self, L: int, *, eps: float, symmetric: bool):
        """Gain minimizing the centroid MSE: a log grid over (1/16..16)/sd, then a finer one."""
        if self.var <= 0:
            return 1.0, 0.0
        grid = GAIN_GRID / math.sqrt(self.var)
        vals = self.mse_many(L, grid, eps=eps, symmetric=symmetric)
        i = int(np.argmin(vals))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        fine = np.exp(np.linspace(math.log(lo), math.log(hi), 33))
        fv = self.mse_many(L, fine, eps=eps, symmetric=symmetric)
        j = int(np.argmin(fv))
        if fv[j] < vals[i]:
            return float(fine[j]), float(fv[j])
        return float(grid[i]), float(vals[i])


def sample_mse(cols, levels, gains, *, eps, symmetric):
    """Per-dimension (centroid, grid) MSE of FSQ(levels) at per-dimension ``gains``."""
    out = np.array([c.mse(L, g, eps=eps, symmetric=symmetric)[:2]
                    for c, L, g in zip(cols, levels, gains)])
    return out[:, 0], out[:, 1]


def best_gains(cols, levels, *, eps, symmetric):
    """Per-dimension gain minimizing the centroid MSE, and that MSE."""
    res = [c.best_gain(L, eps=eps, symmetric=symmetric) for c, L in zip(cols, levels)]
    return np.array([g for g, _ in res]), np.array([m for _, m in res])


def best_common_gain(cols, levels, *, eps, symmetric):
    """One gain for all dimensions minimizing the mean centroid MSE (``fit_scale``)."""
    sd = math.sqrt(max(np.mean([c.var for c in cols]), 1e-300))

    def total(gs):
        return np.mean([c.mse_many(L, gs, eps=eps, symmetric=symmetric)
                        for c, L in zip(cols, levels)], axis=0)

    grid = GAIN_GRID / sd
    vals = total(grid)
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    fine = np.exp(np.linspace(math.log(lo), math.log(hi), 33))
    fv = total(fine)
    j = int(np.argmin(fv))
    return float(fine[j]) if fv[j] < vals[i] else float(grid[i])


def level_table(cols, level_range, *, eps, symmetric):
    """``D[k, j]``, ``G[k, j]``: best centroid MSE and its gain of dimension k with level_range[j]."""
    D = np.empty((len(cols), len(level_range)))
    G = np.empty_like(D)
    for k, c in enumerate(cols):
        for j, L in enumerate(level_range):
            G[k, j], D[k, j] = c.best_gain(L, eps=eps, symmetric=symmetric)
    return D, G


def best_level_list(D: np.ndarray, level_range, budget: int):
    r"""Level list minimizing :math:`\sum_k D_k(L_k)` subject to :math:`\prod_k L_k \le` budget.

    Exact dynamic programme over dimensions on the Pareto front of (product, cost): a state
    with a larger product and no smaller cost can never help, so it is dropped.
    """
    front = {1: (0.0, ())}
    d = D.shape[0]
    for k in range(d):
        new = {}
        rest_min = min(level_range) ** (d - k - 1)
        for prod, (cost, picks) in front.items():
            for j, L in enumerate(level_range):
                p = prod * L
                if p * rest_min > budget:
                    break
                c = cost + D[k, j]
                if p not in new or c < new[p][0]:
                    new[p] = (c, picks + (j,))
        items = sorted(new.items())
        front, best = {}, math.inf
        for p, (c, picks) in items:
            if c < best:
                front[p] = (c, picks)
                best = c
    if not front:
        return None
    p, (c, picks) = min(front.items(), key=lambda kv: kv[1][0])
    return [int(level_range[j]) for j in picks], list(picks), c / d
