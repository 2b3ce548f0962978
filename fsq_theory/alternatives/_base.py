"""The interface every quantizer of the comparison implements."""

from __future__ import annotations

import abc
import math

import numpy as np

from .. import _validation as v

__all__ = ["Quantizer"]


def as_rows(x, dim: int, name: str = "x") -> np.ndarray:
    """``x`` as a C-contiguous float64 (N, dim) array (a 1-D array is N rows when dim = 1);
    ValueError/TypeError naming ``name`` otherwise. Shared by every quantizer of this topic."""
    arr = v.as_real_array(name, x)
    if arr.ndim == 1 and dim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != dim:
        raise ValueError(f"{name} must have shape (N, {dim}), got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float64)


class Quantizer(abc.ABC):
    r"""A vector quantizer :math:`Q = \beta \circ \alpha` of ``dim``-dimensional rows.

    ``encode`` maps rows ``x`` (N, dim) to int64 indices (N,), ``decode`` maps indices to
    reconstructions (N, dim) float64, ``quantize = decode o encode``. A fixed-rate quantizer
    has a finite ``codebook_size`` and ``rate_bits = log2 |C|`` per vector; an entropy-coded
    (unbounded) one reports ``codebook_size = None`` and ``rate_bits = nan`` and is rated by
    the entropy of its indices (:meth:`index_entropy_bits`).

    Attributes
    ----------
    dim : int
        Dimension of the rows quantized.

    Examples
    --------
    >>> from fsq_theory.alternatives import lfq
    >>> q = lfq(2)  # the sign of each coordinate: 4 codewords
    >>> isinstance(q, Quantizer), q.codebook_size, q.rate_bits, q.rate_bits_per_dim
    (True, 4, 2.0, 1.0)
    >>> q.encode([[0.3, -2.0], [-1.0, 0.5]]).tolist()
    [1, 2]
    """

    dim: int

    @property
    @abc.abstractmethod
    def codebook_size(self) -> int | None:
        """``|C|`` (None when unbounded)."""

    @property
    def rate_bits(self) -> float:
        """Fixed rate :math:`\\log_2|C|` in bits per vector (nan when unbounded)."""
        m = self.codebook_size
        return float("nan") if m is None else math.log2(m)

    @property
    def rate_bits_per_dim(self) -> float:
        return self.rate_bits / self.dim

    @abc.abstractmethod
    def encode(self, x) -> np.ndarray:
        """Indices (int64, shape (N,)) of rows ``x`` (N, dim)."""

    @abc.abstractmethod
    def decode(self, indices) -> np.ndarray:
        """Reconstructions (N, dim) float64 of ``indices``."""

    def quantize(self, x) -> np.ndarray:
        """``decode(encode(x))``."""
        return self.decode(self.encode(x))

    def index_entropy_bits(self, x) -> float:
        """Plug-in entropy (bits per vector) of the indices of the rows ``x``."""
        from ..stats import plugin_entropy_bits

        _, counts = np.unique(self.encode(x), return_counts=True)
        return plugin_entropy_bits(counts)

    # --- shared validation -----------------------------------------------------------------
    def _rows(self, x, name="x") -> np.ndarray:
        return as_rows(x, self.dim, name)

    def _indices(self, indices, name="indices") -> np.ndarray:
        idx = v.as_index_array(name, indices)
        if idx.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {idx.shape}")
        m = self.codebook_size
        if m is not None and idx.size and (idx.min() < 0 or idx.max() >= m):
            bad = (idx < 0) | (idx >= m)
            pos = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name} must lie in [0, {m - 1}]; {int(bad.sum())} out of range, "
                             f"first at {pos}: {int(idx[pos])}")
        return idx
