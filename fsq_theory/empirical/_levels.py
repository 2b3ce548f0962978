r"""FSQ level lists and gains from the empirical marginals of the data (not a Gaussian model).

Each FSQ dimension is a scalar quantizer of its own latent coordinate, so with the gain
:math:`g_k` of dimension :math:`k` chosen to minimize its own MSE,

.. math::

    D(L_1..L_d) = \frac1d\sum_k D_k(L_k),\qquad
    D_k(L) = \min_{g > 0} \frac1n\sum_i \bigl(x_{ik} - \hat x_{L,g}(x_{ik})\bigr)^2 ,

with :math:`\hat x_{L,g}` the FSQ dimension with :math:`L` levels fed :math:`g x` and decoded by
its grid points pulled back to the data's units (``decoder="grid"``) or by the cell means of the
data (``"centroid"``). :math:`D_k(L)` is exact on the sample: the column is sorted once and each
cell's count, sum and sum of squares come from cumulative sums, :math:`O(L\log n)` per gain.
The best list under :math:`\prod_k L_k \le |C|` is found exactly by dynamic programming over the
product (:math:`O(|C| \log L_{\max})` per dimension).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize

from .. import _validation as v
from ..quantizer import FSQ
from ._common import check_data

__all__ = ["GainFit", "best_gain_per_dimension", "empirical_optimal_levels"]

_MAX_BUDGET = 1 << 22  # the DP holds d arrays of |C| + 1 back-pointers


class _Column:
    """Sorted column with cumulative sums: exact MSE and cell counts of any scalar quantizer."""

    def __init__(self, z):
        self.mean = float(z.mean())
        self.xs = np.sort(z - self.mean)
        self.n = self.xs.size
        self.c1 = np.concatenate([[0.0], np.cumsum(self.xs)])
        self.c2 = np.concatenate([[0.0], np.cumsum(self.xs * self.xs)])
        self.sd = float(np.sqrt(max(self.c2[-1] / self.n - (self.c1[-1] / self.n) ** 2, 0.0)))

    def cells(self, thresholds):
        # thresholds in the data's units; a value equal to a threshold is in the upper cell
        b = np.concatenate([[0], np.searchsorted(self.xs, thresholds - self.mean, "left"),
                            [self.n]])
        N = np.diff(b).astype(np.float64)
        return N, np.diff(self.c1[b]), np.diff(self.c2[b])

    def mse(self, thresholds, points, decoder):
        N, S1, S2 = self.cells(thresholds)
        used = N > 0
        if decoder == "centroid":
            err = S2[used] - S1[used] ** 2 / N[used]
        else:
            p = points[used] - self.mean
            if not np.isfinite(p).all():
                return np.inf
            err = S2[used] - 2 * p * S1[used] + p * p * N[used]
        return float(max(err.sum(), 0.0) / self.n)


@lru_cache(maxsize=512)
def _unit_cells(L, eps, symmetric):
    sq = FSQ([L], eps=eps, symmetric=symmetric).scalar_quantizers(1.0)[0]
    return sq.thresholds, sq.points


class _Cells:
    """Thresholds and points of one FSQ dimension at gain g (the unit-gain ones over g, as
    ``FSQ.scalar_quantizers(g)`` computes them)."""

    def __init__(self, L, g, eps, symmetric):
        t, p = _unit_cells(L, eps, symmetric)
        self.thresholds = t / g
        self.points = p / g


def _quantizer(L, g, eps, symmetric):
    return _Cells(L, g, eps, symmetric)


def _best_gain(col: _Column, L, eps, symmetric, decoder):
    """MSE-optimal gain of one FSQ dimension on one column: log grid, then bounded Brent."""
    sd = col.sd if col.sd > 0 else 1.0

    def mse(log_g):
        sq = _quantizer(L, float(np.exp(log_g)) / sd, eps, symmetric)
        return col.mse(sq.thresholds, sq.points, decoder)

    # the empirical D(g) is piecewise smooth and need not be unimodal: a grid finds the basin
    grid = np.linspace(np.log(0.01), np.log(20.0), 49)
    vals = np.array([mse(t) for t in grid])
    k = int(np.argmin(vals))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = optimize.minimize_scalar(mse, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-6})
    best = res.x if res.fun <= vals[k] else grid[k]
    g = float(np.exp(best)) / sd
    sq = _quantizer(L, g, eps, symmetric)
    N, _, _ = col.cells(sq.thresholds)
    p = N[N > 0] / col.n
    return g, col.mse(sq.thresholds, sq.points, decoder), float(-(p * np.log2(p)).sum())


@dataclass(frozen=True)
class GainFit:
    r"""MSE-optimal gain of each FSQ dimension on the data.

    Feed FSQ :math:`z_k = g_k x_k` (``FSQ(levels).quantize(x * gains)``).

    Attributes
    ----------
    levels : tuple of int
    gains : ndarray, shape (d,)
    mse : ndarray, shape (d,)
        Per-dimension MSE in the data's units at that gain.
    entropy_bits : ndarray, shape (d,)
        Plug-in entropy of each dimension's cell on the data, bits.
    mean_mse : float
        MSE per scalar (mean of ``mse``).
    entropy_rate : float
        Sum of ``entropy_bits``: an upper bound on the token entropy, bits per vector.
    fixed_rate : float
        ``log2 prod(levels)``, bits per vector.
    decoder : str
    symmetric : bool

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((2000, 2))
    >>> fit = best_gain_per_dimension(x, [3, 3])
    >>> fit.levels, round(fit.fixed_rate, 4), fit.decoder  # log2(9) bits per vector
    ((3, 3), 3.1699, 'grid')
    >>> fit.gains.round(3).tolist(), round(fit.mean_mse, 4), round(fit.entropy_rate, 3)
    ([4.135, 4.128], 0.298, 2.717)
    """

    levels: tuple
    gains: np.ndarray
    mse: np.ndarray
    entropy_bits: np.ndarray
    mean_mse: float
    entropy_rate: float
    fixed_rate: float
    decoder: str
    symmetric: bool


def _check_mode(symmetric, decoder):
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError(f"symmetric must be a bool, got {symmetric!r}")
    decoder = v.check_decoder(decoder)
    if symmetric and decoder == "grid":
        raise ValueError("decoder='grid' is infinite for the outer cells of the symmetric variant "
                         "(tanh reaches +-1 only at infinity); use decoder='centroid' with "
                         "symmetric=True")
    return bool(symmetric), decoder


def best_gain_per_dimension(x, levels, *, symmetric: bool = False, decoder: str = "grid",
                            eps: float = 1e-3) -> GainFit:
    r"""Gain of each FSQ dimension that minimizes its MSE on the data.

    .. math:: g_k = \arg\min_{g>0} \frac1n\sum_i (x_{ik} - \hat x_{L_k, g}(x_{ik}))^2

    exactly on the sample (sorted column, cumulative sums), by a log grid over
    :math:`g\,\hat\sigma_k \in [0.01, 20]` and bounded Brent in the best grid cell.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Latents, one row per vector, one column per FSQ dimension.
    levels : sequence of int, length d
        Must be accepted by ``FSQ(levels, symmetric=symmetric)``.
    symmetric : bool, keyword-only
    decoder : {"grid", "centroid"}, keyword-only
        ``"grid"``: FSQ's own points pulled back to the data's units; ``"centroid"``: the cell
        means of the data (symmetric mode needs ``"centroid"``).
    eps : float, keyword-only
        FSQ bound margin.

    Returns
    -------
    GainFit

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).laplace(size=(5000, 2))
    >>> fit = best_gain_per_dimension(x, [5, 5])
    >>> fit.levels, bool(fit.mean_mse < x.var())
    ((5, 5), True)
    """
    x = check_data(x, min_rows=2)
    symmetric, decoder = _check_mode(symmetric, decoder)
    eps = v.check_real("eps", eps, minimum=0.0)
    fsq = FSQ(levels, eps=eps, symmetric=symmetric)  # refuses what FSQ refuses
    if fsq.dim != x.shape[1]:
        raise ValueError(f"levels has {fsq.dim} entries but x has {x.shape[1]} columns")
    g = np.empty(fsq.dim)
    m = np.empty(fsq.dim)
    h = np.empty(fsq.dim)
    for k, L in enumerate(fsq.levels):
        g[k], m[k], h[k] = _best_gain(_Column(x[:, k]), L, eps, symmetric, decoder)
    return GainFit(levels=fsq.levels, gains=g, mse=m, entropy_bits=h, mean_mse=float(m.mean()),
                   entropy_rate=float(h.sum()), fixed_rate=float(np.log2(fsq.codebook_size)),
                   decoder=decoder, symmetric=symmetric)


def empirical_optimal_levels(x, *, codebook_size: int | None = None, bits: float | None = None,
                             symmetric: bool = False, decoder: str = "grid",
                             min_level: int | None = None, max_level: int | None = None,
                             top: int = 5, eps: float = 1e-3, max_rows: int | None = 200_000,
                             rng=None):
    r"""Best FSQ level lists for a codebook budget from the EMPIRICAL marginals of the data.

    Minimizes the MSE per scalar :math:`\frac1d\sum_k D_k(L_k)` over lists with
    :math:`\prod_k L_k \le |C|`, :math:`D_k(L)` the exact MSE of dimension k with L levels at
    its MSE-optimal gain on the data (see :func:`best_gain_per_dimension`). Unlike
    :func:`fsq_theory.rate_distortion.optimal_levels`, no Gaussian model is assumed, the
    columns keep their order (each column is one FSQ dimension), and only lists that
    ``FSQ(levels, symmetric=symmetric)`` accepts are considered: L >= 3 in default mode (the
    reference refuses L = 2 there), L >= 2 in symmetric mode.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Latents, one column per FSQ dimension.
    codebook_size, bits : keyword-only
        The budget: give exactly one (``bits`` means :math:`|C| \le 2^{\text{bits}}`);
        at most 2**22.
    symmetric : bool, keyword-only
    decoder : {"grid", "centroid"}, keyword-only
    min_level, max_level : int, keyword-only
        Range per dimension; default the smallest level FSQ accepts in the mode, and
        ``min(|C|, 64)``.
    top : int, keyword-only
        Number of lists returned (the best list of each distinct codebook size, best first).
    eps : float, keyword-only
    max_rows : int or None, keyword-only
        Rows used (a random subsample beyond it).
    rng : keyword-only
        SPEC 7, for the subsample.

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``levels`` (tuple, aligned with the columns), ``gains`` (tuple),
        ``codebook_size``, ``mse`` (per scalar, on the data), ``fixed_rate``, ``entropy_rate``
        (bits per vector; the sum of the per-dimension plug-in entropies).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).laplace(size=(4000, 3)) * [2.0, 1.0, 0.5]
    >>> df = empirical_optimal_levels(x, codebook_size=125)
    >>> df.loc[0, "levels"], bool(df.loc[0, "codebook_size"] <= 125)
    ((13, 3, 3), True)
    """
    import pandas as pd

    x = check_data(x, min_rows=2)
    n, d = x.shape
    symmetric, decoder = _check_mode(symmetric, decoder)
    if (codebook_size is None) == (bits is None):
        raise ValueError("give exactly one of codebook_size and bits")
    if bits is not None:
        b = v.check_real("bits", bits, minimum=1.0)
        budget = int(np.floor(2.0 ** b + 1e-9))
    else:
        budget = v.check_int("codebook_size", codebook_size, minimum=2)
    if budget > _MAX_BUDGET:
        raise ValueError(f"codebook budget {budget} is beyond the limit {_MAX_BUDGET} (2**22) of "
                         "the exact search")
    floor = 2 if symmetric else 3
    lo = floor if min_level is None else v.check_int("min_level", min_level, minimum=2)
    if lo < floor:
        raise ValueError(f"min_level = {lo} gives lists FSQ refuses in default mode (L = 2 "
                         "needs symmetric=True); use min_level >= 3 or symmetric=True")
    hi = min(budget, 64) if max_level is None else v.check_int("max_level", max_level,
                                                                 minimum=lo)
    if lo ** d > budget:
        raise ValueError(f"codebook budget {budget} cannot hold {d} dimensions of at least "
                         f"{lo} levels ({lo}^{d} = {lo ** d})")
    top = v.check_int("top", top, minimum=1)
    eps = v.check_real("eps", eps, minimum=0.0)
    if max_rows is not None:
        max_rows = v.check_int("max_rows", max_rows, minimum=2)
        if n > max_rows:
            x = x[v.as_generator(rng).choice(n, size=max_rows, replace=False)]
    Ls = np.arange(lo, hi + 1)
    cols = [_Column(x[:, k]) for k in range(d)]
    table = np.empty((d, Ls.size))
    for k in range(d):
        for j, L in enumerate(Ls):
            table[k, j] = _best_gain(cols[k], int(L), eps, symmetric, decoder)[1]
    # exact DP over the product of the levels: best[p] = min sum of D_k with prod L = p
    best = np.full(budget + 1, np.inf)
    best[1] = 0.0
    back = []
    for k in range(d):
        new = np.full(budget + 1, np.inf)
        arg = np.zeros(budget + 1, dtype=np.uint8)
        for j, L in enumerate(Ls):
            m = budget // L
            if m < 1:
                break
            cand = best[1:m + 1] + table[k, j]
            tgt = new[L:L * m + 1:L]
            better = cand < tgt
            tgt[better] = cand[better]
            arg[L:L * m + 1:L][better] = L
        best = new
        back.append(arg)
    finite = np.flatnonzero(np.isfinite(best))
    order = finite[np.argsort(best[finite], kind="stable")][:top]
    rows = []
    for rank, p in enumerate(order, start=1):
        levels = []
        q = int(p)
        for k in range(d - 1, -1, -1):
            L = int(back[k][q])
            levels.append(L)
            q //= L
        levels = tuple(levels[::-1])
        fit = best_gain_per_dimension(x, levels, symmetric=symmetric, decoder=decoder, eps=eps)
        rows.append(dict(rank=rank, levels=levels, gains=tuple(float(t) for t in fit.gains),
                         codebook_size=int(p), mse=fit.mean_mse, fixed_rate=fit.fixed_rate,
                         entropy_rate=fit.entropy_rate))
    return pd.DataFrame(rows)
