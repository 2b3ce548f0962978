"""Bounded-memory access to the latents: chunked reads, one-pass moments, random-block samples.

A ``.npy`` path is read with plain file reads into a reused buffer instead of through a memory
map: pages of a mapping count towards the resident set size while they stay cached, so scanning
a 3 GB memmap would show a 3 GB RSS even though nothing is held; file reads leave them in the
page cache only. In-memory arrays are sliced directly.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._readers import npy_layout
from ..sources import EmpiricalSource

CHUNK_ROWS = 1 << 18
SAMPLE_BLOCK = 512  # rows per randomly placed block of the subsample


class Rows:
    """The ``(n, d)`` latents, from an array or an ``.npy`` file, streamed in row chunks."""

    def __init__(self, latents, *, key=None):
        self.path = None
        self._array = None
        if isinstance(latents, (str, os.PathLike)):
            self.path = Path(latents)
            if not self.path.exists():
                raise FileNotFoundError(f"latents file {str(self.path)!r} does not exist")
            if self.path.suffix.lower() != ".npy":
                # .npz/.csv are read whole by EmpiricalSource; only .npy can be streamed
                self._array = EmpiricalSource(self.path, key=key)._data
            else:
                self._open_npy()
        else:
            arr = latents if isinstance(latents, np.ndarray) else np.asarray(latents)
            if arr.dtype.kind not in "fiu":
                raise TypeError(f"latents must hold real numbers, got dtype {arr.dtype}")
            if arr.ndim != 2:
                raise ValueError(f"latents must be a 2-D array (rows x dims), got shape {arr.shape}")
            self._array = arr
        if self._array is not None:
            self.n, self.d = self._array.shape
            self.dtype = self._array.dtype
        if self.n < 2:
            raise ValueError(f"latents must have at least 2 rows, got {self.n}")
        if self.d < 1:
            raise ValueError("latents must have at least one column")

    def _open_npy(self):
        # the package's .npy checks (no pickle, real dtype, size = header + data), then our own
        # streaming reads: a memory map would count every page read towards the resident set
        dtype, shape, fortran, offset = npy_layout(self.path, f"latents file {str(self.path)!r}")
        if len(shape) != 2:
            raise ValueError(f"latents file {str(self.path)!r} must hold a 2-D array (rows x dims), "
                             f"got shape {shape}")
        self.n, self.d = shape
        self.dtype = dtype
        if fortran:
            # column-major rows are not contiguous on disk; a memmap is the only sane reader
            self._array = np.load(self.path, mmap_mode="r", allow_pickle=False)
            return
        self._offset = offset

    def describe(self) -> str:
        where = str(self.path) if self.path is not None else "in-memory array"
        return f"{where} ({self.n} x {self.d}, {self.dtype})"

    def read(self, r0: int, m: int) -> np.ndarray:
        """Rows ``[r0, r0+m)`` as float64 (a fresh array), non-finite values refused."""
        if self._array is not None:
            x = np.array(self._array[r0:r0 + m], dtype=np.float64)
        else:
            rowbytes = self.d * self.dtype.itemsize
            buf = np.empty(m * self.d, dtype=self.dtype)
            with open(self.path, "rb") as fh:
                fh.seek(self._offset + r0 * rowbytes)
                got = fh.readinto(memoryview(buf).cast("B"))
            if got != m * rowbytes:
                raise ValueError(f"latents file {str(self.path)!r}: short read at row {r0}")
            x = buf.reshape(m, self.d).astype(np.float64)
        bad = ~np.isfinite(x)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise ValueError(f"latents contain non-finite values; first at row {r0 + int(r)}, "
                             f"column {int(c)}: {x[r, c]!r}")
        return x

    def chunks(self, chunk_rows: int = CHUNK_ROWS):
        for r0 in range(0, self.n, chunk_rows):
            yield r0, self.read(r0, min(chunk_rows, self.n - r0))

    def source(self, transform=None) -> EmpiricalSource:
        """An :class:`EmpiricalSource` that ``stream_stats`` can consume, reading through here."""
        return _StreamSource(self, transform)

    def sample(self, size: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(rows, their indices): all rows when ``n <= size``, else randomly placed blocks.

        Blocks of contiguous rows keep reads sequential (one seek per block) while spreading
        the sample over the whole file.
        """
        if self.n <= size:
            return self.read(0, self.n), np.arange(self.n)
        nblocks = -(-self.n // SAMPLE_BLOCK)
        take = min(nblocks, -(-size // SAMPLE_BLOCK))
        picks = np.sort(gen.choice(nblocks, size=take, replace=False))
        parts, idx = [], []
        for b in picks:
            r0 = int(b) * SAMPLE_BLOCK
            m = min(SAMPLE_BLOCK, self.n - r0)
            parts.append(self.read(r0, m))
            idx.append(np.arange(r0, r0 + m))
        return np.concatenate(parts), np.concatenate(idx)


class _StreamSource(EmpiricalSource):
    """EmpiricalSource whose chunks come from :class:`Rows` (optionally transformed)."""

    def __init__(self, rows: Rows, transform=None):
        self.path = None
        self._key = None
        self._rows = rows
        self._transform = transform
        # stream_stats reads only the shape and dtype of _data: a zero-stride stand-in costs
        # nothing; float32 keeps the float32-exact binning for untransformed float32 data
        dtype = rows.dtype if (transform is None and rows.dtype == np.float32) else np.float64
        self._data = np.broadcast_to(np.zeros((1, 1), dtype=dtype), (rows.n, rows.d))
        self.dim = rows.d

    def __reduce__(self):  # pragma: no cover - never shipped to workers
        raise TypeError("a report stream source cannot be pickled")

    def _chunks(self, n, chunk_size, key):
        for r0 in range(0, n, chunk_size):
            x = self._rows.read(r0, min(chunk_size, n - r0))
            yield x if self._transform is None else self._transform(x)


@dataclass(frozen=True)
class Moments:
    """Per-dimension central moments and the covariance of all rows (float64)."""

    n: int
    mean: np.ndarray
    cov: np.ndarray        # unbiased
    m3: np.ndarray         # central third moment E[(x-mu)^3]
    m4: np.ndarray         # central fourth moment
    min: np.ndarray
    max: np.ndarray

    @property
    def var(self):
        return np.diag(self.cov).copy()

    @property
    def skewness(self):
        m2 = self.var * (self.n - 1) / self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(m2 > 0, self.m3 / m2 ** 1.5, np.nan)

    @property
    def excess_kurtosis(self):
        m2 = self.var * (self.n - 1) / self.n
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(m2 > 0, self.m4 / m2 ** 2 - 3.0, np.nan)

    @property
    def corr(self):
        sd = np.sqrt(np.diag(self.cov))
        with np.errstate(invalid="ignore", divide="ignore"):
            c = self.cov / np.outer(sd, sd)
        c[~np.isfinite(c)] = 0.0
        np.fill_diagonal(c, np.where(sd > 0, 1.0, 0.0))
        return c


def moments_pass(rows: Rows, on_chunk=None, *, chunk_rows: int = CHUNK_ROWS) -> Moments:
    r"""Mean, covariance, third and fourth central moments in one pass (Pébay's pairwise merge).

    For two parts with counts :math:`n_a, n_b`, :math:`\delta = \bar x_b - \bar x_a`,
    :math:`n = n_a + n_b` and central sums :math:`M_p`:
    :math:`M_3 = M_{3a} + M_{3b} + \delta^3 n_a n_b (n_a - n_b)/n^2 + 3\delta(n_a M_{2b} - n_b M_{2a})/n`,
    :math:`M_4 = M_{4a} + M_{4b} + \delta^4 n_a n_b (n_a^2 - n_a n_b + n_b^2)/n^3
    + 6\delta^2 (n_a^2 M_{2b} + n_b^2 M_{2a})/n^2 + 4\delta(n_a M_{3b} - n_b M_{3a})/n`
    (P. Pébay, Sandia report SAND2008-6212).
    """
    d = rows.d
    na = 0
    mean = np.zeros(d)
    C = np.zeros((d, d))
    M3 = np.zeros(d)
    M4 = np.zeros(d)
    lo = np.full(d, np.inf)
    hi = np.full(d, -np.inf)
    for _, x in rows.chunks(chunk_rows):
        nb = x.shape[0]
        mb = x.mean(axis=0)
        xc = x - mb
        Cb = xc.T @ xc
        sq = xc * xc
        M2b = sq.sum(axis=0)
        M3b = (sq * xc).sum(axis=0)
        M4b = (sq * sq).sum(axis=0)
        lo = np.minimum(lo, x.min(axis=0))
        hi = np.maximum(hi, x.max(axis=0))
        if na == 0:
            na, mean, C, M3, M4 = nb, mb, Cb, M3b, M4b
        else:
            n = na + nb
            delta = mb - mean
            M2a = np.diag(C).copy()
            M4 = (M4 + M4b + delta ** 4 * na * nb * (na * na - na * nb + nb * nb) / n ** 3
                  + 6 * delta ** 2 * (na * na * M2b + nb * nb * M2a) / n ** 2
                  + 4 * delta * (na * M3b - nb * M3) / n)
            M3 = (M3 + M3b + delta ** 3 * na * nb * (na - nb) / n ** 2
                  + 3 * delta * (na * M2b - nb * M2a) / n)
            C = C + Cb + np.outer(delta, delta) * (na * nb / n)
            mean = mean + delta * (nb / n)
            na = n
        if on_chunk is not None:
            on_chunk(nb)
    return Moments(n=na, mean=mean, cov=C / (na - 1), m3=M3 / na, m4=M4 / na, min=lo, max=hi)


@dataclass(frozen=True)
class Shape:
    """Histograms and tail counts of every dimension (second pass, after the moments)."""

    edges: np.ndarray      # (d, bins + 1)
    hist: np.ndarray       # (d, bins) counts inside the edges
    tail3: np.ndarray      # fraction with |x - mean| > 3 sd
    tail4: np.ndarray      # fraction with |x - mean| > 4 sd
    saturated: np.ndarray  # fraction with |tanh(scale * x)| > SAT_TANH


SAT_TANH = 0.99
SAT_Z = math.atanh(SAT_TANH)  # |z| beyond which tanh' = 1 - tanh^2 < 0.02: the gradient is gone


def shape_pass(rows: Rows, mom: Moments, scale: np.ndarray, *, bins: int | None = None,
               on_chunk=None) -> Shape:
    d = rows.d
    if bins is None:  # ~sqrt(n) bins: a histogram of 2,000 rows is not 80 bins of noise
        bins = int(np.clip(math.sqrt(rows.n), 20, 80))
    sd = np.sqrt(mom.var)
    lo = np.maximum(mom.min, mom.mean - 6 * sd)
    hi = np.minimum(mom.max, mom.mean + 6 * sd)
    hi = np.where(hi > lo, hi, lo + 1.0)  # a constant column still gets a valid bin range
    edges = np.linspace(lo, hi, bins + 1).T
    hist = np.zeros((d, bins), dtype=np.int64)
    t3 = np.zeros(d, dtype=np.int64)
    t4 = np.zeros(d, dtype=np.int64)
    sat = np.zeros(d, dtype=np.int64)
    for _, x in rows.chunks():
        z = np.abs(x - mom.mean)
        t3 += (z > 3 * sd).sum(axis=0)
        t4 += (z > 4 * sd).sum(axis=0)
        sat += (np.abs(x * scale) > SAT_Z).sum(axis=0)
        for k in range(d):
            hist[k] += np.histogram(x[:, k], bins=edges[k])[0]
        if on_chunk is not None:
            on_chunk(x.shape[0])
    n = rows.n
    return Shape(edges=edges, hist=hist, tail3=t3 / n, tail4=t4 / n, saturated=sat / n)
