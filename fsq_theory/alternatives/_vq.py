"""Explicit-codebook vector quantizers: k-means VQ and residual VQ."""

from __future__ import annotations

import math

import numpy as np

from .. import _validation as v
from .._kernels import nearest as _k
from ._base import Quantizer

__all__ = ["CodebookQuantizer", "kmeans_vq", "ResidualVQ", "residual_kmeans_vq"]

_CHUNK = 1 << 18  # rows converted to float64 at a time: encoding memory stays bounded
_MAX_CODEBOOK = 1 << 22


class CodebookQuantizer(Quantizer):
    r"""Nearest-neighbour quantizer of an explicit codebook :math:`C = \{c_0..c_{M-1}\}`.

    :math:`\alpha(x) = \arg\min_j \|x - c_j\|^2` (lowest index on exact ties), by the
    package's numba kernel, in chunks of rows (memory independent of N beyond the output).

    Parameters
    ----------
    codebook : array_like (M, d)
        Finite codewords, ``1 <= M <= 2**22``.

    Examples
    --------
    >>> q = CodebookQuantizer([[0.0, 0.0], [1.0, 1.0]])
    >>> q.encode([[0.2, 0.1], [0.9, 0.6]]).tolist(), q.rate_bits
    ([0, 1], 1.0)
    """

    def __init__(self, codebook):
        c = v.as_real_array("codebook", codebook)
        if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
            raise ValueError(f"codebook must have shape (M, d) with M, d >= 1, got {c.shape}")
        if c.shape[0] > _MAX_CODEBOOK:
            raise ValueError(f"codebook must have at most {_MAX_CODEBOOK} rows, got {c.shape[0]}")
        c = np.array(c, dtype=np.float64)
        c.flags.writeable = False
        self._codebook = c
        self._ct = np.ascontiguousarray(c.T)
        self._norms = (c * c).sum(1)
        self.dim = c.shape[1]

    @property
    def codebook(self) -> np.ndarray:
        """Codewords (M, d), read-only."""
        return self._codebook

    @property
    def codebook_size(self) -> int:
        return self._codebook.shape[0]

    def __repr__(self) -> str:
        return f"CodebookQuantizer(M={self.codebook_size}, d={self.dim})"

    def nearest(self, x):
        """Indices (N,) int64 and exact squared distances (N,) of the nearest codewords."""
        arr = v.as_real_array("x", x)
        if arr.ndim == 1 and self.dim == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != self.dim:
            raise ValueError(f"x must have shape (N, {self.dim}), got shape {arr.shape}")
        N = arr.shape[0]
        idx = np.empty(N, np.int64)
        d2 = np.empty(N)
        for r0 in range(0, N, _CHUNK):
            r1 = min(N, r0 + _CHUNK)
            rows = np.ascontiguousarray(arr[r0:r1], dtype=np.float64)
            _k.nearest_codeword(rows, self._ct, self._norms, idx[r0:r1], d2[r0:r1])
        return idx, d2

    def encode(self, x) -> np.ndarray:
        return self.nearest(x)[0]

    def squared_error(self, x) -> np.ndarray:
        """:math:`\\min_j\\|x - c_j\\|^2` per row, (N,)."""
        return self.nearest(x)[1]

    def decode(self, indices) -> np.ndarray:
        return self._codebook[self._indices(indices)]


def _seed(gen: np.random.Generator) -> int:
    return int(gen.integers(0, 2 ** 31 - 1))


def kmeans_vq(data, size, *, n_init=10, max_iter=300, tol=1e-6, rng=None) -> CodebookQuantizer:
    r"""Vector quantizer with a k-means (generalized Lloyd) codebook trained on ``data``.

    Minimizes :math:`\frac1N\sum_i \min_j \|x_i - c_j\|^2` with scikit-learn's ``KMeans``
    (Lloyd iterations from k-means++ seeding, ``n_init`` restarts, the best kept); encoding
    afterwards uses the package's kernel (:class:`CodebookQuantizer`).

    Parameters
    ----------
    data : array_like (N, d)
        Training rows, N >= size.
    size : int
        Codebook size M >= 1.
    n_init, max_iter, tol : keyword-only
        As in ``sklearn.cluster.KMeans`` (``tol`` relative to the data variance).
    rng : keyword-only
        SPEC 7 randomness; an int gives a reproducible codebook.

    Returns
    -------
    CodebookQuantizer

    References
    ----------
    Y. Linde, A. Buzo, R. M. Gray, IEEE Trans. Commun. 28(1):84-95, 1980; D. Arthur,
    S. Vassilvitskii, "k-means++", SODA 2007.

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((4000, 1))
    >>> q = kmeans_vq(x, 2, n_init=2, rng=0)
    >>> np.round(np.sort(q.codebook.ravel()), 1).tolist()  # +-sqrt(2/pi) = +-0.80
    [-0.8, 0.8]
    """
    from sklearn.cluster import KMeans

    x = v.as_real_array("data", data)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise ValueError(f"data must be 2-D (N, d), got shape {x.shape}")
    m = v.check_int("size", size, minimum=1)
    if m > _MAX_CODEBOOK:
        raise ValueError(f"size must be <= {_MAX_CODEBOOK}, got {m}")
    if x.shape[0] < m:
        raise ValueError(f"data must have at least size = {m} rows, got {x.shape[0]}")
    n_init = v.check_int("n_init", n_init, minimum=1)
    max_iter = v.check_int("max_iter", max_iter, minimum=1)
    tol = v.check_real("tol", tol, minimum=0.0)
    gen = v.as_generator(rng)
    km = KMeans(n_clusters=m, init="k-means++", n_init=n_init, max_iter=max_iter, tol=tol,
                random_state=_seed(gen))
    km.fit(np.asarray(x, dtype=np.float64))
    return CodebookQuantizer(km.cluster_centers_)


class ResidualVQ(Quantizer):
    r"""Multi-stage (residual) quantizer: stage ``s`` quantizes the residual of stages < s.

    :math:`\hat x = \sum_s Q_s(r_s)`, :math:`r_0 = x`, :math:`r_{s+1} = r_s - Q_s(r_s)`;
    greedy stage-by-stage encoding. The index is mixed-radix over the stages (stage 0 least
    significant); the rate is the sum of the stage rates.

    Parameters
    ----------
    stages : sequence of Quantizer
        Fixed-rate quantizers of equal ``dim``; the product of their sizes must fit in int64.

    Examples
    --------
    >>> rvq = ResidualVQ([CodebookQuantizer([[-1.0], [1.0]]),
    ...                   CodebookQuantizer([[-0.5], [0.5]])])
    >>> rvq.codebook_size, rvq.rate_bits
    (4, 2.0)
    >>> x = [[1.4], [-0.6]]  # 1.4 -> 1 + 0.5 (index 1 + 2*1); -0.6 -> -1 + 0.5 (index 0 + 2*1)
    >>> rvq.encode(x).tolist(), rvq.quantize(x).ravel().tolist()
    ([3, 2], [1.5, -0.5])
    """

    def __init__(self, stages):
        stages = tuple(stages)
        if not stages or not all(isinstance(s, Quantizer) for s in stages):
            raise TypeError("stages must be a non-empty sequence of Quantizer objects")
        dims = {s.dim for s in stages}
        if len(dims) != 1:
            raise ValueError(f"stages must share one dim, got dims {sorted(dims)}")
        sizes = [s.codebook_size for s in stages]
        if any(m is None for m in sizes):
            raise ValueError("stages must be fixed-rate (finite codebook_size)")
        if math.prod(sizes) > v.INT64_MAX:
            raise ValueError(f"stage sizes {sizes} give more codes than int64 can index")
        self._stages = stages
        self._sizes = np.asarray(sizes, dtype=np.int64)
        self._basis = np.cumprod(np.concatenate([[1], self._sizes[:-1]])).astype(np.int64)
        self.dim = dims.pop()

    @property
    def stages(self):
        return self._stages

    @property
    def codebook_size(self) -> int:
        return math.prod(int(m) for m in self._sizes)

    def __repr__(self) -> str:
        return f"ResidualVQ(sizes={self._sizes.tolist()}, d={self.dim})"

    def stage_indices(self, x) -> np.ndarray:
        """Per-stage indices (N, S)."""
        r = self._rows(x).copy()
        out = np.empty((r.shape[0], len(self._stages)), np.int64)
        for s, q in enumerate(self._stages):
            out[:, s] = q.encode(r)
            r -= q.decode(out[:, s])
        return out

    def encode(self, x) -> np.ndarray:
        return self.stage_indices(x) @ self._basis

    def decode(self, indices) -> np.ndarray:
        idx = self._indices(indices)
        out = np.zeros((idx.shape[0], self.dim))
        for s, q in enumerate(self._stages):
            out += q.decode((idx // self._basis[s]) % self._sizes[s])
        return out


def residual_kmeans_vq(data, sizes, *, n_init=4, rng=None) -> ResidualVQ:
    r"""Residual VQ trained greedily: k-means on the data, then on each stage's residuals.

    Parameters
    ----------
    data : array_like (N, d)
    sizes : sequence of int
        Codebook size of each stage; total rate ``sum log2 sizes`` bits per vector.
    n_init, rng : keyword-only
        Passed to :func:`kmeans_vq` (one child stream per stage).

    Returns
    -------
    ResidualVQ

    Examples
    --------
    >>> x = np.random.default_rng(0).standard_normal((3000, 2))
    >>> rvq = residual_kmeans_vq(x, [4, 4], n_init=1, rng=0)
    >>> rvq.codebook_size, rvq.rate_bits
    (16, 4.0)
    """
    x = v.as_real_array("data", data)
    if x.ndim == 1:
        x = x[:, None]
    sizes = [v.check_int("sizes", m, minimum=1) for m in np.atleast_1d(sizes).tolist()]
    if not sizes:
        raise ValueError("sizes must not be empty")
    gen = v.as_generator(rng)
    r = np.array(x, dtype=np.float64)
    stages = []
    for m in sizes:
        q = kmeans_vq(r, m, n_init=n_init, rng=gen)
        r -= q.quantize(r)
        stages.append(q)
    return ResidualVQ(stages)
