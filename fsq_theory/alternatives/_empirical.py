r"""The comparison on data (real latents): a held-out split, quantizers fitted to the training
rows, and the empirical R(D) sandwich as the reference.

Real data have no closed-form R(D). The reference is :func:`fsq_theory.empirical.rd_sandwich`
computed on the held-out rows: its best (smallest) upper bound and its best (largest) lower
estimate bracket R(D), so a quantizer's gap against the lower estimate is an upper bound on its
true gap (up to the estimate's interval) and its gap against the upper bound a lower bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..sources import EmpiricalSource
from ._base import Quantizer, as_rows

__all__ = ["AffineQuantizer", "SandwichReference", "held_out_split", "sandwich_reference"]

#: Options of :func:`sandwich_reference` when none are given: every bound of the sandwich, with
#: the particle estimate on at most 20,000 rows (its cost grows with the rows, its target is
#: then the empirical measure of that subsample).
SANDWICH_DEFAULTS = dict(n_particles=128, n_steps=20, n_bins=128, n_slopes=16, n_batches=4,
                         max_particle_rows=20_000)


def held_out_split(n, *, test_fraction=0.5, block=1, rng=None):
    r"""Disjoint training and held-out row indices, drawn by blocks of consecutive rows.

    The rows ``0 .. n-1`` are cut into :math:`\lceil n/b\rceil` blocks of ``block`` = :math:`b`
    consecutive rows; a random :math:`\lceil f B\rceil` of the :math:`B` blocks (``f`` =
    ``test_fraction``) are held out. Blocks keep neighbouring rows that share information (e.g.
    overlapping image patches, consecutive time steps) on one side of the split; ``block=1``
    is a random split of rows.

    Parameters
    ----------
    n : int
        Number of rows, ``n >= 2``.
    test_fraction : float, keyword-only
        Fraction of the blocks held out, in (0, 1).
    block : int, keyword-only
        Rows per block, ``1 <= block <= n / 2``.
    rng : keyword-only
        SPEC 7 randomness (which blocks are held out).

    Returns
    -------
    train, test : ndarray of int64
        Sorted row indices; disjoint, together ``0 .. n-1``, both non-empty.

    Examples
    --------
    >>> train, test = held_out_split(10, test_fraction=0.4, block=2, rng=0)
    >>> train.tolist(), test.tolist()
    ([0, 1, 2, 3, 6, 7], [4, 5, 8, 9])
    >>> sorted(set(train) | set(test)) == list(range(10)), set(train) & set(test)
    (True, set())
    """
    n = v.check_int("n", n, minimum=2)
    f = v.check_real("test_fraction", test_fraction, minimum=0.0, strict_minimum=True)
    if f >= 1.0:
        raise ValueError(f"test_fraction must lie in (0, 1), got {f!r}")
    block = v.check_int("block", block, minimum=1)
    if block > n // 2:
        raise ValueError(f"block must be <= n / 2 = {n // 2} (two blocks at least), got {block}")
    n_blocks = -(-n // block)
    n_test = min(max(math.ceil(f * n_blocks), 1), n_blocks - 1)
    held = np.zeros(n_blocks, dtype=bool)
    held[v.as_generator(rng).permutation(n_blocks)[:n_test]] = True
    is_test = np.repeat(held, block)[:n]
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


class AffineQuantizer(Quantizer):
    r"""A quantizer of centred (and rotated) rows: :math:`Q(x) = \mu + R\,Q_0(R^\top(x - \mu))`.

    The affine map is what a learned encoder's last linear layer can do for free; it lets a
    quantizer built for zero-mean (or decorrelated) inputs run on data with a mean (or
    correlated coordinates). Indices and codebook size are those of the inner quantizer.

    Parameters
    ----------
    inner : Quantizer
        :math:`Q_0`, of the same ``dim``.
    mean : array_like (dim,)
        :math:`\mu`.
    rotation : array_like (dim, dim), optional
        Orthogonal :math:`R` (columns: the directions fed to ``inner``); default identity.

    Examples
    --------
    >>> from fsq_theory.alternatives import lfq
    >>> q = AffineQuantizer(lfq(2), mean=[10.0, 0.0])
    >>> q.codebook_size, q.quantize([[10.5, -3.0]]).round(4).tolist()
    (4, [[10.7979, -0.7979]])
    """

    def __init__(self, inner, *, mean, rotation=None):
        if not isinstance(inner, Quantizer):
            raise TypeError(f"inner must be a Quantizer, got {type(inner).__name__}")
        self.inner = inner
        self.dim = inner.dim
        self._mean = v.per_dim("mean", mean, self.dim)
        if rotation is None:
            self._rot = None
        else:
            r = v.as_real_array("rotation", rotation).astype(np.float64)
            if r.shape != (self.dim, self.dim):
                raise ValueError(f"rotation must have shape ({self.dim}, {self.dim}), got "
                                 f"{r.shape}")
            if not np.allclose(r.T @ r, np.eye(self.dim), atol=1e-9):
                raise ValueError("rotation must be orthogonal (R^T R = I within 1e-9)")
            self._rot = np.ascontiguousarray(r)

    @property
    def codebook_size(self):
        return self.inner.codebook_size

    def __repr__(self) -> str:
        return f"AffineQuantizer({self.inner!r}, rotated={self._rot is not None})"

    def to_inner(self, x) -> np.ndarray:
        """:math:`R^\\top(x - \\mu)`: the rows as ``inner`` sees them."""
        z = self._rows(x) - self._mean
        return z if self._rot is None else z @ self._rot

    def _back(self, z):
        return (z if self._rot is None else z @ self._rot.T) + self._mean

    def encode(self, x) -> np.ndarray:
        return self.inner.encode(self.to_inner(x))

    def decode(self, indices) -> np.ndarray:
        return self._back(self.inner.decode(indices))

    def quantize(self, x) -> np.ndarray:
        return self._back(self.inner.quantize(self.to_inner(x)))


@dataclass(frozen=True)
class SandwichReference:
    r"""R(D) reference of data without a closed form: the empirical sandwich, per dimension.

    At a distortion :math:`D` (MSE per scalar) the best upper bound is the smallest of the
    sandwich's upper bounds and the best lower estimate the largest of its lower bounds, so

    .. math:: R_L(D) \le R(D) \le R_U(D),\qquad D_L(R) \le D(R) \le D_U(R)

    (:math:`D_{L,U}` the inverses). Each comes with the interval of the bound attaining it
    (the max/min of the bounds' interval ends, so the interval holds whenever every bound's
    does). Rates in bits per dimension.

    Attributes
    ----------
    kind : str
        ``"sandwich"``.
    sandwich : RDSandwich
        The :func:`fsq_theory.empirical.rd_sandwich` result (bits per vector).
    dim : int
        Dimension d of the rows.
    h_bits : float
        k-NN differential entropy per dimension (nan when not computed).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((4000, 2))
    >>> ref = sandwich_reference(x, bounds=("gaussian", "shannon"), rng=0)
    >>> lo, up = ref.rd_lower(0.25), ref.rd_upper(0.25)  # exact R(1/4) = 1 bit per dimension
    >>> lo["bound"], up["bound"], bool(lo["value"] < 1.05 and up["value"] > 0.95)
    ('shannon', 'gaussian', True)
    >>> round(ref.dr(1.0), 2), round(ref.dr_upper(1.0), 2)  # D(1) = 1/4
    (0.25, 0.25)
    """

    kind: str
    sandwich: object
    dim: int
    h_bits: float

    def _best(self, mse, kind):
        D = np.asarray(mse, dtype=np.float64)
        pick = np.argmin if kind == "upper" else np.argmax
        curves = [b for b in self.sandwich.bounds if b.kind == kind]
        if not curves:
            nan = np.full(D.shape, np.nan)
            return dict(value=nan, low=nan, high=nan.copy(), bound=None)
        with np.errstate(invalid="ignore"):  # inf - inf where an upper bound has no point
            vals = np.array([b.at(D) for b in curves]) / self.dim  # (bounds, 3, ...)
        # an interval end that was not computed (nan) is the value itself
        vals[:, 1:] = np.where(np.isnan(vals[:, 1:]), vals[:, :1], vals[:, 1:])
        agg = np.min if kind == "upper" else np.max
        k = pick(vals[:, 0], axis=0)
        names = np.array([b.name for b in curves])[k]
        return dict(value=agg(vals[:, 0], axis=0), low=agg(vals[:, 1], axis=0),
                    high=agg(vals[:, 2], axis=0),
                    bound=names.item() if np.ndim(names) == 0 else names)

    def rd_lower(self, mse) -> dict:
        """Best lower estimate at ``mse``: ``value``, ``low``, ``high`` (bits/dim), ``bound``."""
        return self._best(mse, "lower")

    def rd_upper(self, mse) -> dict:
        """Best upper bound at ``mse``: ``value``, ``low``, ``high`` (bits/dim; +inf where no
        upper bound has an achievable point), ``bound``."""
        return self._best(mse, "upper")

    def rd(self, mse) -> float:
        """:math:`R_L(D)`, the best lower estimate (bits per dimension)."""
        return float(self.rd_lower(float(mse))["value"])

    def _inverse(self, rate, kind, end="value"):
        r = float(rate)
        f = (lambda D: float(self._best(D, kind)[end]))  # noqa: E731
        hi = float(self.sandwich.variance) * 4.0
        lo = hi * 1e-12
        if f(lo) <= r:
            return lo
        if not f(hi) <= r:
            return float("nan")
        for _ in range(100):  # bisection in log D: the bounds are non-increasing, maybe flat
            mid = math.sqrt(lo * hi)
            if f(mid) <= r:
                hi = mid
            else:
                lo = mid
            if hi / lo < 1 + 1e-10:
                break
        return hi

    def dr(self, rate, *, end="value") -> float:
        """:math:`D_L(R) \\le D(R)`: where the best lower estimate falls to ``rate`` bits/dim
        (``end="low"`` / ``"high"``: where the ends of its interval do)."""
        return self._inverse(rate, "lower", _check_end(end))

    def dr_upper(self, rate, *, end="value") -> float:
        """:math:`D_U(R) \\ge D(R)`: where the best upper bound falls to ``rate`` bits/dim
        (``end="low"`` / ``"high"``: where the ends of its interval do)."""
        return self._inverse(rate, "upper", _check_end(end))


def _check_end(end):
    if end not in ("value", "low", "high"):
        raise ValueError(f"end must be 'value', 'low' or 'high', got {end!r}")
    return end


def empirical_rows(source, name="source"):
    """All rows of an array or :class:`EmpiricalSource` as float64 (n, d), in order; None for
    any other object (a synthetic source)."""
    if isinstance(source, EmpiricalSource):
        return np.concatenate(list(source.chunks(source.n_rows)))
    if isinstance(source, (np.ndarray, list, tuple)):
        arr = v.as_real_array(name, source)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
            raise ValueError(f"{name} must have shape (n, d) with n >= 2 rows, got {arr.shape}")
        return np.ascontiguousarray(arr, dtype=np.float64)
    return None


def sandwich_reference(x, *, rng=None, **options) -> SandwichReference:
    r"""The empirical R(D) sandwich of rows ``x`` as a comparison reference.

    Runs :func:`fsq_theory.empirical.rd_sandwich` on ``x`` (every bound by default, with
    :data:`SANDWICH_DEFAULTS` for the options not given) at distortions spanning 1% to 90%
    of the mean variance, which sets the slopes of the particle and dual bounds; the bounds are
    then evaluated at any D.

    Parameters
    ----------
    x : array_like (n, d) or EmpiricalSource
        The rows (for a comparison: the held-out rows the quantizers are measured on, so the
        bounds of their empirical measure apply to the measured points exactly).
    rng : keyword-only
        SPEC 7 randomness.
    **options
        Keyword arguments of :func:`~fsq_theory.empirical.rd_sandwich` (``bounds``,
        ``n_particles``, ``distortions``, ...).

    Returns
    -------
    SandwichReference

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).standard_normal((2000, 2)) * [1.0, 0.5]
    >>> ref = sandwich_reference(x, bounds=("gaussian", "shannon"), rng=0)
    >>> ref.kind, ref.dim, sorted(b.name for b in ref.sandwich.bounds)
    ('sandwich', 2, ['gaussian', 'shannon'])
    """
    from ..empirical import rd_sandwich

    rows = empirical_rows(x, "x")
    if rows is None:
        raise TypeError(f"x must be an array (n, d) or an EmpiricalSource, got "
                        f"{type(x).__name__}")
    opts = dict(SANDWICH_DEFAULTS)
    opts.update(options)
    if "distortions" not in opts:
        opts["distortions"] = float(rows.var(axis=0).mean()) * np.geomspace(0.01, 0.9, 10)
    s = rd_sandwich(rows, rng=rng, **opts)
    h = s.entropy.value / s.dim if s.entropy is not None else float("nan")
    return SandwichReference("sandwich", s, s.dim, float(h))


def split_data(data, n_train, n_test, test_fraction, split_block, gen):
    """Training rows, held-out rows and the held-out rows' block ids (disjoint by
    construction: one index split, then random subsets of each side)."""
    N = data.shape[0]
    f = 0.5 if test_fraction is None else test_fraction
    block = 1 if split_block is None else split_block
    if N < 200:
        raise ValueError(f"source must hold at least 200 rows (100 to train, 100 to test), got {N}")
    tr, te = held_out_split(N, test_fraction=f, block=block, rng=gen)
    if min(tr.size, te.size) < 100 or np.unique(te // block).size < 2:
        raise ValueError(f"test_fraction = {f!r} with split_block = {block} leaves {tr.size} "
                         f"training and {te.size} held-out rows in "
                         f"{np.unique(te // block).size} block(s); each side needs >= 100 rows "
                         "and the standard error >= 2 held-out blocks")
    if tr.size > n_train:
        tr = np.sort(gen.choice(tr, size=n_train, replace=False))
    if te.size > n_test:
        te = np.sort(gen.choice(te, size=n_test, replace=False))
    return data[tr], data[te], te // block


def reference_gaps(ref, rate, mse, entropy):
    """The gap columns of one point against ``ref`` (see :func:`compare_quantizers`)."""
    nan = float("nan")
    if ref.kind == "sandwich":
        lo, up = ref.rd_lower(mse), ref.rd_upper(mse)
        dr, dr_up = ref.dr(rate), ref.dr_upper(rate)
        up_v = float(up["value"])
        lo_v, lo_l, lo_h = (float(lo["value"]), float(lo["low"]), float(lo["high"]))
        lower_name, upper_name = lo["bound"], up["bound"]
    else:
        dr = ref.dr(rate)
        lo_v = lo_l = lo_h = ref.rd(mse)
        if ref.kind == "rd":
            dr_up, up_v, lower_name, upper_name = dr, lo_v, "rd", "rd"
        else:
            dr_up, up_v, lower_name, upper_name = nan, nan, "slb", None
    db = lambda d: 10 * math.log10(mse / d) if d > 0 and np.isfinite(d) else nan  # noqa: E731
    ent_dr = ref.dr(entropy) if np.isfinite(entropy) else nan
    return dict(dr=dr, gap_db=db(dr), rd_at_mse=lo_v, gap_bits=rate - lo_v,
                entropy_rate=entropy, entropy_gap_db=db(ent_dr),
                gap_db_vs_lower=db(dr), gap_bits_vs_lower=rate - lo_v, lower_bound=lower_name,
                rd_lower_low=lo_l, rd_lower_high=lo_h,
                dr_upper=dr_up, gap_db_vs_upper=db(dr_up), gap_bits_vs_upper=rate - up_v,
                rd_upper=up_v, upper_bound=upper_name)


# --- FSQ fitted to data ---------------------------------------------------------------------

def fsq_on_data(train, levels, *, symmetric=False, rotation=None):
    r"""FSQ fitted to training rows: centred on their mean (optionally rotated), the
    MSE-optimal gain per dimension and the cell centroids, both from ``train``."""
    from ..empirical import best_gain_per_dimension
    from ._fsq import FSQQuantizer

    train = as_rows(train, train.shape[1], "train")
    mean = train.mean(axis=0)
    z = train - mean if rotation is None else (train - mean) @ rotation
    fit = best_gain_per_dimension(z, levels, symmetric=symmetric, decoder="centroid")
    zeros = [np.zeros(L) for L in fit.levels]
    inner = FSQQuantizer(fit.levels, gain=fit.gains, symmetric=symmetric, points=zeros)
    return AffineQuantizer(inner.with_data_centroids(z), mean=mean, rotation=rotation)


def best_fsq_on_data(train, budget, *, rotation=None):
    """FSQ with the best level list of product <= ``budget`` for ``train`` (default or symmetric
    mode, whichever has the lower training MSE; at most 32 levels per dimension), fitted by
    :func:`fsq_on_data`; None when no list fits the budget."""
    from ..empirical import empirical_optimal_levels

    mean = train.mean(axis=0)
    z = train - mean if rotation is None else (train - mean) @ rotation
    d = z.shape[1]
    best = None
    for sym in (False, True):
        if (2 if sym else 3) ** d > budget:
            continue
        df = empirical_optimal_levels(z, codebook_size=budget, symmetric=sym, decoder="centroid",
                                      top=1, max_level=min(budget, 32), max_rows=None)
        cand = (float(df.mse.iloc[0]), tuple(df.levels.iloc[0]), sym)
        if best is None or cand[0] < best[0]:
            best = cand
    if best is None:
        return None
    return fsq_on_data(train, best[1], symmetric=best[2], rotation=rotation)


def pca_basis(train) -> np.ndarray:
    """Eigenvectors of the training covariance, columns by descending variance."""
    lam, vec = np.linalg.eigh(np.cov(train, rowvar=False).reshape(train.shape[1], -1))
    vec = vec[:, np.argsort(lam)[::-1]]
    return np.ascontiguousarray(vec * np.where(vec[np.abs(vec).argmax(axis=0),
                                                    np.arange(vec.shape[1])] < 0, -1.0, 1.0))
