r"""Synthetic and empirical sources, sampled in seeded chunks.

Every source yields rows of ``dim`` real values. ``sample(n, *, rng)`` draws with a numpy
``Generator`` (any ``np.random.default_rng`` argument); ``chunks(n, *, chunk_size, rng)``
streams the first ``n`` rows of a fixed sequence determined by ``rng`` alone: synthetic sources
use a counter-based stream (:mod:`fsq_theory._kernels.rng`) keyed by
``SeedSequence(rng).generate_state(2, uint64)``, so row ``i`` is the same whatever the chunk
size, and :func:`fsq_theory.stats.stream_stats` regenerates exactly these rows inside its kernel.

Marginals (``marginal(k)``, a frozen scipy.stats distribution) are exact for the synthetic
sources; closed-form analysis uses them.

Examples
--------
>>> src = GaussianSource([1.0, 4.0])
>>> a = np.concatenate(list(src.chunks(10_000, chunk_size=3_000, rng=1)))
>>> b = next(src.chunks(10_000, chunk_size=10_000, rng=1))
>>> bool((a == b).all()), a.shape
(True, (10000, 2))
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import numpy as np
from ._lazy import lazy_module
stats = lazy_module("scipy.stats")

from . import _validation as v
from ._readers import load_array

if TYPE_CHECKING:  # deferred: numba costs ~0.5-2 s to import; the edge stays visible
    from ._kernels import rng as _rng
else:
    _rng = lazy_module("fsq_theory._kernels.rng")

__all__ = [
    "Source", "GaussianSource", "GaussMarkovSource", "LaplaceSource", "UniformSource",
    "EmpiricalSource", "stream_key",
]

DEFAULT_CHUNK = 1 << 20


def stream_key(rng) -> tuple[np.uint64, np.uint64]:
    """Two uint64 key words of the counter-based stream for ``rng`` (SPEC 7: None, int,
    SeedSequence or Generator); ``SeedSequence(rng).generate_state(2, uint64)`` for an int.

    Parameters
    ----------
    rng : None, int, SeedSequence or Generator
        Randomness argument; an int or a SeedSequence gives a fixed key.

    Returns
    -------
    tuple of two numpy.uint64
        The key of :meth:`Source.chunks`'s stream.

    Examples
    --------
    >>> k = stream_key(1)
    >>> k == tuple(np.random.SeedSequence(1).generate_state(2, np.uint64))
    True
    """
    return v.rng_key(rng)


def _check_chunk(chunk_size) -> int:
    return DEFAULT_CHUNK if chunk_size is None else v.check_int("chunk_size", chunk_size, minimum=1)


class Source:
    """Base class: a stream of ``dim``-dimensional real rows.

    Subclasses provide ``sample`` (i.i.d. draws from a ``Generator``), ``chunks`` (a fixed,
    chunk-size independent sequence keyed by ``rng``) and, for synthetic sources, exact
    ``marginal`` distributions.

    Attributes
    ----------
    dim : int
        Number of coordinates per row.

    Examples
    --------
    >>> src = GaussianSource([1.0, 4.0])
    >>> isinstance(src, Source), src.dim, src.sample(5, rng=0).shape
    (True, 2, (5, 2))
    >>> [c.shape for c in src.chunks(5, chunk_size=2, rng=0)]
    [(2, 2), (2, 2), (1, 2)]
    """

    dim: int

    def sample(self, n, *, rng=None) -> np.ndarray:
        """``n`` rows drawn with ``np.random.default_rng(rng)``, shape ``(n, dim)``, float64.

        Parameters
        ----------
        n : int
            Number of rows, >= 0.
        rng : None, int, SeedSequence or Generator, keyword-only
            Source of randomness (SPEC 7); the same int gives the same rows.

        Returns
        -------
        ndarray, shape (n, dim)
            The rows.
        """
        n = v.check_int("n", n, minimum=0)
        return self._sample(n, v.as_generator(rng))

    def chunks(self, n, *, chunk_size=None, rng=None, seed=v._UNSET) -> Iterator[np.ndarray]:
        """Rows ``0..n-1`` of the stream keyed by ``rng``, in arrays of at most ``chunk_size`` rows.

        Parameters
        ----------
        n : int
            Number of rows, >= 0.
        chunk_size : int, optional, keyword-only
            Rows per array (default 2**20); the rows do not depend on it.
        rng : None, int, SeedSequence or Generator, keyword-only
            Key of the counter-based stream (SPEC 7); ignored by :class:`EmpiricalSource`.
        seed : int, optional, keyword-only
            Deprecated name of ``rng`` (warns with ``DeprecationWarning``).

        Returns
        -------
        iterator of ndarray
            Arrays of shape ``(m, dim)``, ``m <= chunk_size``, together ``n`` rows.
        """
        rng = v.resolve_rng(rng, seed, owner="chunks")
        n = v.check_int("n", n, minimum=0)
        chunk_size = _check_chunk(chunk_size)
        return self._chunks(n, chunk_size, None if self._keyless else stream_key(rng))

    def marginal(self, k: int = 0):
        """Frozen scipy.stats distribution of coordinate ``k``.

        Parameters
        ----------
        k : int
            Coordinate, ``0 <= k < dim``.

        Returns
        -------
        scipy.stats frozen distribution
            Exact marginal law of coordinate ``k``; :class:`EmpiricalSource` has none
            (``NotImplementedError``).
        """
        raise NotImplementedError(f"{type(self).__name__} has no closed-form marginal")

    # synthetic sources: (noise kind, mean, matrix, full) with x = mean + M e
    _affine = None

    def _sample(self, n, gen):  # pragma: no cover - overridden
        raise NotImplementedError

    # empirical data is read in order: no random key is drawn (a Generator is not advanced)
    _keyless = False

    def _chunks(self, n, chunk_size, key):
        for r0 in range(0, n, chunk_size):
            yield self._rows(key, r0, min(chunk_size, n - r0))

    def _rows(self, key, r0, m):
        """Rows ``[r0, r0 + m)`` of the counter-based stream with ``key``."""
        kind, mean, mat, full = self._affine
        d = self.dim
        e = np.empty(m * d)
        _rng.fill_noise_parallel(kind, key[0], key[1], r0 * d, e)
        e = e.reshape(m, d)
        x = e @ mat.T if full else e * np.diag(mat)
        return x + mean

    def _check_marginal_index(self, k):
        k = v.check_int("k", k, minimum=0)
        if k >= self.dim:
            raise ValueError(f"k must be < dim = {self.dim}, got {k}")
        return k


class GaussianSource(Source):
    r"""Gaussian source :math:`X \sim \mathcal N(\mu, \Sigma)`.

    Parameters
    ----------
    variances : float or array_like of shape (d,), optional
        Per-dimension variances of an independent source (default 1).
    dim : int, keyword-only, optional
        Dimension when ``variances`` (and ``mean``) are scalars.
    cov : array_like of shape (d, d), keyword-only, optional
        Full covariance (symmetric positive semi-definite); excludes ``variances``.
    mean : float or array_like of shape (d,), keyword-only
        Mean :math:`\mu` (default 0).

    Examples
    --------
    Independent coordinates with variances 1 and 4; marginals are exact:

    >>> src = GaussianSource([1.0, 4.0])
    >>> src.dim, float(src.marginal(1).std()), src.variances.tolist()
    (2, 2.0, [1.0, 4.0])

    Correlated coordinates from a full covariance; the sample correlation of 20000 rows is
    within 1.3 standard errors (:math:`(1-\rho^2)/\sqrt n = 0.0025`) of 0.8:

    >>> src = GaussianSource(cov=[[1.0, 0.8], [0.8, 1.0]])
    >>> x = src.sample(20_000, rng=0)
    >>> round(float(np.corrcoef(x.T)[0, 1]), 4)
    0.7969
    """

    def __init__(self, variances=None, *, dim=None, cov=None, mean=0.0):
        if cov is not None:
            if variances is not None:
                raise ValueError("give either variances or cov, not both")
            c = v.as_real_array("cov", cov).astype(np.float64)
            if c.ndim != 2 or c.shape[0] != c.shape[1]:
                raise ValueError(f"cov must be a square matrix, got shape {c.shape}")
            if not np.allclose(c, c.T, rtol=1e-12, atol=1e-12 * np.abs(c).max()):
                raise ValueError("cov must be symmetric")
            w, q = np.linalg.eigh(c)
            if w.min() < -1e-10 * max(w.max(), 1e-300):
                raise ValueError(f"cov must be positive semi-definite; smallest eigenvalue {w.min()!r}")
            self.dim = c.shape[0]
            self.cov = c
            # symmetric square root handles singular covariances, where Cholesky fails
            self._mat = (q * np.sqrt(np.clip(w, 0, None))) @ q.T
            full = True
        else:
            dim = None if dim is None else v.check_int("dim", dim, minimum=1)
            var = v.as_real_array("variances", 1.0 if variances is None else variances)
            if var.ndim == 0:
                var = np.full(dim or 1, float(var))
            if var.ndim != 1 or (dim is not None and var.shape[0] != dim):
                raise ValueError(f"variances must be a scalar or have shape ({dim or 'd'},), got shape {var.shape}")
            if (var <= 0).any():
                raise ValueError(f"variances must be > 0, got {var.tolist()}")
            self.dim = var.shape[0]
            self.cov = np.diag(var.astype(np.float64))
            self._mat = np.diag(np.sqrt(var.astype(np.float64)))
            full = False
        self.mean = v.per_dim("mean", mean, self.dim)
        self.cov.flags.writeable = False
        self._affine = (_rng.NOISE_NORMAL, self.mean, self._mat, full)

    @property
    def variances(self) -> np.ndarray:
        """Per-coordinate variances, the diagonal of ``cov`` (a copy)."""
        return np.diag(self.cov).copy()

    def __repr__(self):
        return f"GaussianSource(dim={self.dim}, variances={self.variances.tolist()})"

    def _sample(self, n, gen):
        e = gen.standard_normal((n, self.dim))
        return e @ self._mat.T + self.mean

    def marginal(self, k=0):
        k = self._check_marginal_index(k)
        return stats.norm(self.mean[k], np.sqrt(self.cov[k, k]))


class LaplaceSource(Source):
    r"""Independent Laplace coordinates, density :math:`\frac{1}{2b}e^{-|x-\mu|/b}`.

    Parameters
    ----------
    scale : float or array_like (d,)
        :math:`b > 0` (variance :math:`2b^2`).
    dim : int, keyword-only
        Dimension when ``scale`` (and ``loc``) are scalars.
    loc : float or array_like (d,), keyword-only
        Location :math:`\mu` (default 0).

    Examples
    --------
    >>> src = LaplaceSource(0.5, dim=2)
    >>> src.dim, float(src.marginal(0).var())  # 2 b^2
    (2, 0.5)
    """

    def __init__(self, scale=1.0, *, dim=None, loc=0.0):
        s = v.as_real_array("scale", scale)
        d = v.check_int("dim", dim, minimum=1) if dim is not None else (s.shape[0] if s.ndim else 1)
        self.dim = d
        self.scale = v.per_dim("scale", scale, d, positive=True)
        self.loc = v.per_dim("loc", loc, d)
        self._affine = (_rng.NOISE_LAPLACE, self.loc, np.diag(self.scale), False)

    def __repr__(self):
        return f"LaplaceSource(scale={self.scale.tolist()}, loc={self.loc.tolist()})"

    def _sample(self, n, gen):
        return gen.laplace(self.loc, self.scale, size=(n, self.dim))

    def marginal(self, k=0):
        k = self._check_marginal_index(k)
        return stats.laplace(self.loc[k], self.scale[k])


class UniformSource(Source):
    """Independent coordinates uniform on ``[low, high)``.

    Parameters
    ----------
    low, high : float or array_like (d,)
        Bounds per coordinate, ``high > low`` (default [-1, 1)).
    dim : int, keyword-only
        Dimension when ``low`` and ``high`` are scalars.

    Examples
    --------
    >>> src = UniformSource(0.0, [1.0, 2.0])
    >>> src.dim, float(src.marginal(1).mean()), round(float(src.marginal(1).var()), 6)  # 4 / 12
    (2, 1.0, 0.333333)
    >>> x = src.sample(1000, rng=0)
    >>> bool((x >= 0).all() and (x[:, 0] < 1).all() and (x[:, 1] < 2).all())
    True
    """

    def __init__(self, low=-1.0, high=1.0, *, dim=None):
        lo, hi = v.as_real_array("low", low), v.as_real_array("high", high)
        d = dim if dim is not None else max(lo.shape[0] if lo.ndim else 1, hi.shape[0] if hi.ndim else 1)
        d = v.check_int("dim", d, minimum=1)
        self.dim = d
        self.low = v.per_dim("low", low, d)
        self.high = v.per_dim("high", high, d)
        if (self.high <= self.low).any():
            raise ValueError(f"high must exceed low in every dimension, got low={self.low.tolist()}, high={self.high.tolist()}")
        self._affine = (_rng.NOISE_UNIFORM, self.low, np.diag(self.high - self.low), False)

    def __repr__(self):
        return f"UniformSource(low={self.low.tolist()}, high={self.high.tolist()})"

    def _sample(self, n, gen):
        return gen.uniform(self.low, self.high, size=(n, self.dim))

    def marginal(self, k=0):
        k = self._check_marginal_index(k)
        return stats.uniform(self.low[k], self.high[k] - self.low[k])


class GaussMarkovSource(Source):
    r"""Stationary Gauss-Markov (AR(1)) sequences along the row (time) axis.

    :math:`X_t = \rho X_{t-1} + \sigma\sqrt{1-\rho^2}\,W_t`, :math:`X_0 \sim \mathcal N(0,\sigma^2)`,
    independently in each of ``dim`` coordinates, so every coordinate is :math:`\mathcal N(0,
    \sigma^2)` with lag-:math:`k` correlation :math:`\rho^k` — a model of a video latent whose
    frames are rows. ``chunks`` continues one sequence across chunks; rows are not i.i.d.

    Parameters
    ----------
    rho : float in (-1, 1)
        Lag-1 correlation :math:`\rho`.
    dim : int, keyword-only
        Number of independent coordinates (default 1).
    variance : float or array_like (d,), keyword-only
        Stationary variance :math:`\sigma^2` per coordinate (default 1).

    Examples
    --------
    The lag-1 sample correlation of 20000 frames is within one standard error
    (:math:`\sqrt{(1-\rho^2)/n} = 0.0031`, Bartlett) of :math:`\rho = 0.9`:

    >>> src = GaussMarkovSource(0.9)
    >>> x = next(src.chunks(20_000, rng=0))[:, 0]
    >>> round(float(np.corrcoef(x[:-1], x[1:])[0, 1]), 4)
    0.8974
    >>> float(src.marginal(0).std())
    1.0
    """

    def __init__(self, rho, *, dim=1, variance=1.0):
        self.rho = v.check_real("rho", rho)
        if not -1.0 < self.rho < 1.0:
            raise ValueError(f"rho must lie in (-1, 1), got {self.rho!r}")
        self.dim = v.check_int("dim", dim, minimum=1)
        self.variance = v.per_dim("variance", variance, self.dim, positive=True)
        self._innov = np.sqrt(self.variance * (1.0 - self.rho ** 2))

    def __repr__(self):
        return f"GaussMarkovSource(rho={self.rho}, dim={self.dim}, variance={self.variance.tolist()})"

    def _filter(self, e, state):
        out = np.empty_like(e)
        _rng.ar1_filter(e, self.rho, self._innov, state, out)
        return out

    def _sample(self, n, gen):
        return self._filter(gen.standard_normal((n, self.dim)), np.full(self.dim, np.nan))

    def _chunks(self, n, chunk_size, key):
        state = np.full(self.dim, np.nan)
        for r0 in range(0, n, chunk_size):
            m = min(chunk_size, n - r0)
            e = np.empty(m * self.dim)
            _rng.fill_noise_parallel(_rng.NOISE_NORMAL, key[0], key[1], r0 * self.dim, e)
            yield self._filter(e.reshape(m, self.dim), state)

    def marginal(self, k=0):
        k = self._check_marginal_index(k)
        return stats.norm(0.0, np.sqrt(self.variance[k]))


class EmpiricalSource(Source):
    """Rows of a given array or file, streamed in order.

    Parameters
    ----------
    data : array_like or path
        A 2-D array ``(n_rows, d)`` (1-D is one column), or a path to ``.npy`` (memory-mapped:
        files larger than RAM work), ``.npz`` (without pickle; give ``key`` when it holds several
        arrays) or ``.csv`` (comma-separated numbers, optional header line).
    key : str, keyword-only, optional
        Array name inside an ``.npz``.
    header : bool or None, keyword-only
        Whether the first line of a ``.csv`` is a header. None (default) detects it: a first row
        with a field that is not a number, or whose values are exactly ``0, 1, ..., d-1`` (the
        column names ``pandas.DataFrame.to_csv`` writes), is a header.
    max_memory : int, keyword-only, optional
        Bytes a file may take in memory once read (default: half the physical memory); checked
        from the file's header before reading it.

    Notes
    -----
    Files are read without pickle; object arrays are refused, and every unreadable file (bad or
    truncated header, zip bomb, random bytes) is a ValueError naming it; see
    :mod:`fsq_theory._readers`. Big-endian data are converted to native byte order. A masked
    array is refused when any entry is masked (its data would be used silently otherwise). Non-finite values are reported
    with their row when streamed. ``sample`` draws rows uniformly with replacement (bootstrap);
    ``chunks`` returns rows in file order and ignores ``rng``.

    Examples
    --------
    >>> src = EmpiricalSource(np.arange(10.0).reshape(5, 2))
    >>> src.n_rows, src.dim
    (5, 2)
    >>> [c.tolist() for c in src.chunks(5, chunk_size=2)]
    [[[0.0, 1.0], [2.0, 3.0]], [[4.0, 5.0], [6.0, 7.0]], [[8.0, 9.0]]]
    """

    def __init__(self, data, *, key=None, header=None, max_memory=None):
        self.path = None
        self._key = key
        self._header = header
        if isinstance(data, (str, Path)):
            self.path = Path(data)
            arr = load_array(self.path, key=key, header=header, max_memory=max_memory)
        else:
            if isinstance(data, np.ma.MaskedArray):
                masked = int(np.ma.count_masked(data))
                if masked:
                    raise ValueError(f"data is a masked array with {masked} masked entries; "
                                     "drop or fill them first (e.g. data.filled(value) or "
                                     "data[~data.mask.any(axis=1)])")
                data = data.data
            arr = np.asarray(data)
            if arr.dtype.byteorder not in ("=", "|") and arr.dtype.kind in "fiu":
                arr = arr.astype(arr.dtype.newbyteorder("="))
        if arr.dtype.kind not in "fiu":
            raise TypeError(f"data must hold real numbers, got dtype {arr.dtype}")
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(f"data must be 1-D or 2-D (rows x dims), got shape {arr.shape}")
        if arr.shape[0] == 0:
            raise ValueError("data has no rows")
        self._data = arr
        self.dim = arr.shape[1]

    def __reduce__(self):
        # a file-backed source travels (e.g. to a Dask worker) as its path, not as its data
        if self.path is not None:
            return (_reopen, (str(self.path), self._key, self._header))
        return (EmpiricalSource, (np.asarray(self._data),))

    @property
    def n_rows(self) -> int:
        """Number of rows of the data."""
        return self._data.shape[0]

    def __repr__(self):
        where = f"path={str(self.path)!r}" if self.path else "array"
        return f"EmpiricalSource({where}, n_rows={self.n_rows}, dim={self.dim})"

    def _finite(self, x, r0):
        bad = ~np.isfinite(x)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValueError(
                f"data contains non-finite values ({int(bad.sum())} in rows {r0}..{r0 + len(x) - 1}); "
                f"first at row {r0 + int(r)}, column {int(c)}: {x[r, c]!r}"
            )
        return x

    def _sample(self, n, gen):
        idx = np.sort(gen.integers(0, self.n_rows, size=n))  # sorted: sequential reads of a memmap
        x = np.asarray(self._data[idx], dtype=np.float64)
        return self._finite(gen.permutation(x), 0)

    _keyless = True

    def _chunks(self, n, chunk_size, key):
        if n > self.n_rows:
            raise ValueError(f"n = {n} exceeds the {self.n_rows} rows of the data")
        for r0 in range(0, n, chunk_size):
            x = np.asarray(self._data[r0: min(n, r0 + chunk_size)], dtype=np.float64)
            yield self._finite(x, r0)


def _reopen(path, key, header=None):
    return EmpiricalSource(path, key=key, header=header)
