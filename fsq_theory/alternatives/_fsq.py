"""FSQ, LFQ and residual FSQ behind the common :class:`Quantizer` interface.

These wrap :class:`fsq_theory.quantizer.FSQ` and :class:`fsq_theory.hierarchical.ResidualFSQ`
(their encoders are used as they are) and add what a comparison in source units needs: an
encoder gain ``g`` (the encoder feeds ``z = g x``) and a reconstruction table per dimension
(FSQ's grid pulled back through the bound, or cell centroids: an ideal per-dimension decoder).
"""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..hierarchical import ResidualFSQ
from ..quantizer import FSQ
from ._base import Quantizer

__all__ = ["FSQQuantizer", "lfq", "ResidualFSQQuantizer"]


class FSQQuantizer(Quantizer):
    r"""FSQ in source units: :math:`\alpha(x) = \mathrm{FSQ.encode}(g \odot x)`, reconstruction
    :math:`\hat x_i = y_i[k_i]` from a table per dimension.

    Parameters
    ----------
    levels : sequence of int
        As in :class:`~fsq_theory.quantizer.FSQ`.
    gain : float or array_like (d,), keyword-only
        Encoder gain :math:`g > 0`.
    symmetric, eps : keyword-only
        As in FSQ (``L = 2`` needs ``symmetric=True``).
    points : sequence of array_like, keyword-only
        Reconstruction value of every cell per dimension; default FSQ's grid pulled back
        through the bound (``FSQ.scalar_quantizers(gain)``), which is infinite for the outer
        cells of the symmetric variant: pass centroids then (:meth:`for_distribution`,
        :meth:`with_data_centroids`).

    Examples
    --------
    >>> q = FSQQuantizer.for_distribution([5, 5])
    >>> q.codebook_size, round(q.rate_bits, 4)
    (25, 4.6439)
    """

    def __init__(self, levels, *, gain=1.0, symmetric=False, eps=1e-3, points=None):
        self.fsq = FSQ(levels, eps=eps, symmetric=symmetric)
        self.dim = self.fsq.dim
        self._gain = v.per_dim("gain", gain, self.dim, positive=True)
        if points is None:
            points = [sq.points for sq in self.fsq.scalar_quantizers(self._gain)]
        if len(points) != self.dim:
            raise ValueError(f"points must hold {self.dim} tables, got {len(points)}")
        width = max(self.fsq.levels)
        table = np.full((self.dim, width), np.nan)
        for i, (p, L) in enumerate(zip(points, self.fsq.levels)):
            p = v.as_real_array(f"points[{i}]", p, finite=False).astype(np.float64)
            if p.shape != (L,):
                raise ValueError(f"points[{i}] must have {L} entries, got shape {p.shape}")
            if not np.isfinite(p).all():
                raise ValueError(f"points[{i}] must be finite, got {p.tolist()} (the symmetric "
                                 "grid is infinite at the outer cells: use centroids)")
            table[i, :L] = p
        table.flags.writeable = False
        self._table = table

    @property
    def gain(self) -> np.ndarray:
        return self._gain

    @property
    def levels(self):
        return self.fsq.levels

    @property
    def codebook_size(self) -> int:
        return self.fsq.codebook_size

    @property
    def rate_bits(self) -> float:
        return self.fsq.rate_bits

    @property
    def points(self) -> tuple[np.ndarray, ...]:
        return tuple(self._table[i, :L].copy() for i, L in enumerate(self.fsq.levels))

    def __repr__(self) -> str:
        return (f"FSQQuantizer({list(self.fsq.levels)}, gain={self._gain.tolist()}, "
                f"symmetric={self.fsq.symmetric})")

    def encode(self, x) -> np.ndarray:
        return self.fsq.encode(self._rows(x) * self._gain)

    def cells(self, x) -> np.ndarray:
        """Cell index per dimension (N, d)."""
        return self.fsq.level_indices(self._rows(x) * self._gain)

    def decode(self, indices) -> np.ndarray:
        cells = self.fsq.indices_to_level_indices(self._indices(indices))
        return self._table[np.arange(self.dim), cells]

    def quantize(self, x) -> np.ndarray:
        return self._table[np.arange(self.dim), self.cells(x)]

    def with_data_centroids(self, x) -> "FSQQuantizer":
        """The same cells with per-dimension conditional means estimated from rows ``x``
        (the grid point is kept for a cell no row falls in)."""
        rows = self._rows(x)
        k = self.cells(rows)
        pts = []
        for i, L in enumerate(self.fsq.levels):
            cnt = np.bincount(k[:, i], minlength=L)
            s = np.bincount(k[:, i], weights=rows[:, i], minlength=L)
            old = self._table[i, :L]
            fallback = np.where(np.isfinite(old), old, 0.0)
            pts.append(np.where(cnt > 0, s / np.maximum(cnt, 1), fallback))
        return FSQQuantizer(self.fsq.levels, gain=self._gain, symmetric=self.fsq.symmetric,
                            eps=self.fsq.eps, points=pts)

    @classmethod
    def for_distribution(cls, levels, dist=None, *, decoder="centroid", symmetric=False,
                         eps=1e-3) -> "FSQQuantizer":
        r"""FSQ with the MSE-optimal gain per dimension for i.i.d. coordinates ``~ dist``.

        The gain and the exact MSE come from :func:`fsq_theory.rate_distortion.fsq_operational_rd`
        (exact cell integrals); the centroids from :func:`fsq_theory.cells.cell_moments`.

        Parameters
        ----------
        levels : sequence of int
        dist : frozen scipy.stats distribution, optional
            Marginal of every coordinate (default N(0, 1)).
        decoder : {"grid", "centroid"}, keyword-only
        symmetric, eps : keyword-only
        """
        from ..cells import cell_moments
        from ..rate_distortion import fsq_operational_rd

        decoder = v.check_decoder(decoder)
        levels = v.check_levels(levels)
        gains, pts = [], []
        cache = {}
        for L in levels:
            if L not in cache:
                g = float(fsq_operational_rd([L], dist=dist, decoder=decoder, eps=eps,
                                             symmetric=symmetric, compare=False)["scale"].iloc[0])
                sq = FSQ([L], eps=eps, symmetric=symmetric).scalar_quantizers(g)[0]
                if decoder == "centroid":
                    c = cell_moments(sq, dist).centroids
                    p = np.where(np.isfinite(c), c, 0.0)  # a cell of probability 0 is unused
                else:
                    p = sq.points
                cache[L] = (g, np.asarray(p, dtype=np.float64))
            gains.append(cache[L][0])
            pts.append(cache[L][1])
        return cls(levels, gain=gains, symmetric=symmetric, eps=eps, points=pts)


def lfq(dim, dist=None) -> FSQQuantizer:
    r"""Lookup-free quantization: the sign of each coordinate, ``FSQ([2] * dim, symmetric=True)``.

    Decision threshold 0 (any gain gives the same cells); reconstruction by the centroids of
    the half-lines under ``dist`` (default N(0, 1): :math:`\pm\sqrt{2/\pi}`).

    Parameters
    ----------
    dim : int
        Number of coordinates (one bit each), ``dim >= 1``.
    dist : frozen scipy.stats distribution, optional
        Marginal of every coordinate, for the centroids (default N(0, 1)).

    Returns
    -------
    FSQQuantizer
        ``2**dim`` codewords, rate ``dim`` bits per vector.

    References
    ----------
    L. Yu et al., "Language model beats diffusion - tokenizer is key to visual generation"
    (MAGVIT-v2), ICLR 2024, arXiv:2310.05737.

    Examples
    --------
    >>> q = lfq(2)
    >>> q.quantize([[0.3, -2.0]]).round(4).tolist()
    [[0.7979, -0.7979]]
    >>> lfq(3).codebook_size, lfq(3).rate_bits
    (8, 3.0)
    """
    dim = v.check_int("dim", dim, minimum=1)
    return FSQQuantizer.for_distribution([2] * dim, dist, symmetric=True)


class ResidualFSQQuantizer(Quantizer):
    r"""Residual FSQ (:class:`~fsq_theory.hierarchical.ResidualFSQ`) in source units.

    :math:`\hat x = \mathrm{RFSQ}(g x) / g`: the reference's own output (sum of the stage codes)
    scaled back; the index is mixed-radix over the stages, rate ``S log2 prod(levels)``.

    Parameters
    ----------
    levels : sequence of int
    num_stages : int
    gain : float, keyword-only
    bound_hard_clamp : bool, keyword-only

    Examples
    --------
    >>> q = ResidualFSQQuantizer([4], 2, gain=0.5)
    >>> q.codebook_size, q.rate_bits
    (16, 4.0)
    """

    def __init__(self, levels, num_stages, *, gain=1.0, bound_hard_clamp=True):
        self.rq = ResidualFSQ(levels, num_stages, bound_hard_clamp=bound_hard_clamp)
        self.dim = self.rq.dim
        self._gain = v.check_real("gain", gain, minimum=0.0, strict_minimum=True)
        self._m = self.rq.stage_codebook_size
        self._basis = self._m ** np.arange(self.rq.num_stages, dtype=np.int64)

    @property
    def gain(self) -> float:
        return self._gain

    @property
    def codebook_size(self) -> int:
        return self._m ** self.rq.num_stages

    @property
    def rate_bits(self) -> float:
        return self.rq.rate_bits

    def __repr__(self) -> str:
        return f"ResidualFSQQuantizer({list(self.rq.levels)}, {self.rq.num_stages}, gain={self._gain!r})"

    def encode(self, x) -> np.ndarray:
        return self.rq.encode(self._rows(x) * self._gain) @ self._basis

    def decode(self, indices) -> np.ndarray:
        idx = self._indices(indices)
        st = (idx[:, None] // self._basis) % self._m
        return self.rq.decode(st, dtype=np.float64) / self._gain

    def quantize(self, x) -> np.ndarray:
        return self.rq.quantize(self._rows(x) * self._gain) / self._gain

    def fit_gain(self, x, *, bounds=(1e-2, 1e2)) -> "ResidualFSQQuantizer":
        """The same quantizer with the gain minimizing the MSE on rows ``x`` (log grid, then
        bounded Brent)."""
        from scipy import optimize

        rows = self._rows(x)

        def mse(lg):
            q = ResidualFSQQuantizer(self.rq.levels, self.rq.num_stages, gain=float(np.exp(lg)),
                                     bound_hard_clamp=self.rq.bound_hard_clamp)
            return float(((q.quantize(rows) - rows) ** 2).mean())

        grid = np.linspace(np.log(bounds[0]), np.log(bounds[1]), 41)
        vals = [mse(g) for g in grid]
        k = int(np.argmin(vals))
        res = optimize.minimize_scalar(mse, bounds=(grid[max(k - 1, 0)],
                                                    grid[min(k + 1, len(grid) - 1)]),
                                       method="bounded", options={"xatol": 1e-4})
        g = float(np.exp(res.x if res.fun <= vals[k] else grid[k]))
        return ResidualFSQQuantizer(self.rq.levels, self.rq.num_stages, gain=g,
                                    bound_hard_clamp=self.rq.bound_hard_clamp)
