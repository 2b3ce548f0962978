r"""One streaming pass over a source: histogram, entropy, usage and distortion of a quantizer.

:func:`stream_stats` quantizes ``n`` rows of a source with an :class:`~fsq_theory.FSQ` (or one
:class:`~fsq_theory.ScalarQuantizer` applied to every coordinate) in bounded memory and returns a
:class:`QuantizationStats`. Synthetic sources are generated inside the numba kernel; others are
streamed in chunks. Results depend only on ``rng`` — not on ``chunk_size`` nor on the thread
count (see :mod:`fsq_theory._kernels.accumulate`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import _measures
from . import _validation as v
from ._lazy import lazy_module
from .quantizer import FSQ, ScalarQuantizer
from .sources import EmpiricalSource, Source, stream_key

if TYPE_CHECKING:  # deferred: numba costs ~0.5-2 s to import; the edge stays visible
    import numba
    from ._kernels import accumulate as _acc
    from ._kernels import encode as _enc
else:
    numba = lazy_module("numba")
    _acc = lazy_module("fsq_theory._kernels.accumulate")
    _enc = lazy_module("fsq_theory._kernels.encode")

__all__ = ["QuantizationStats", "stream_stats", "plugin_entropy_bits"]

JOINT_LIMIT = 1 << 22
PART_LIMIT = 1 << 28  # bytes of per-chunk cell partials above which the chunk is shrunk


def plugin_entropy_bits(counts) -> float:
    r"""Entropy :math:`H = -\sum_k p_k \log_2 p_k` in bits of a histogram or a pmf.

    Parameters
    ----------
    counts : array_like
        Integer counts (the plug-in estimate :math:`\hat p_k = c_k/\sum c`) or probabilities;
        either is normalized by its sum; zero entries contribute nothing.

    Returns
    -------
    float
        Bits. ValueError for negative, non-finite, empty or all-zero input.

    See Also
    --------
    fsq_theory.geometry.entropy : bias-corrected estimators and other bases.

    Examples
    --------
    >>> plugin_entropy_bits([1, 1, 2])
    1.5
    """
    return _measures.plugin_entropy(counts, base=2)


# per-dimension column of ``QuantizationStats.to_frame`` -> its standard error in ``se``
_FRAME_SE = (("entropy_bits", "marginal_entropy_bits"), ("mse_code", "mse_code_per_dim"),
             ("mse_source", "mse_source_per_dim"), ("mse_centroid", "mse_centroid_per_dim"),
             ("mean", "mean"), ("var", "var"))


@dataclass(frozen=True)
class QuantizationStats:
    r"""Statistics of ``n`` source rows quantized by a ``d``-dimensional quantizer.

    Attributes
    ----------
    n : int
        Rows (vectors) processed.
    levels : tuple of int
        Cells per dimension.
    counts : ndarray of int64 or None
        Joint histogram over the codebook (index as in ``FSQ.encode``) when
        ``prod(levels) <= joint_limit``; otherwise None.
    marginal_counts : tuple of ndarray
        Per-dimension histograms (always).
    entropy_bits : float
        Plug-in entropy of the joint histogram, bits per vector (NaN without ``counts``).
    marginal_entropy_bits : ndarray
        Plug-in entropy per dimension, bits per scalar; their sum bounds ``entropy_bits`` above.
    usage : float
        Fraction of the codebook seen at least once (NaN without ``counts``).
    perplexity : float
        :math:`2^{H}` with :math:`H` = ``entropy_bits``.
    mse_code : float
        :math:`\frac1d\sum_k E[(b_k(z) - c_k)^2]`, per scalar, in code units, where ``b`` is the
        continuous bounded value (``FSQ.bound``) and ``c`` the code; for a ScalarQuantizer the
        code domain is the source domain.
    mse_code_per_dim : ndarray
        ``mse_code`` per dimension, shape (d,).
    mse_source : float
        :math:`\frac1d\sum_k E[(x_k - \hat x_k)^2]` per scalar with the given reconstruction in
        source units (NaN when none was given).
    mse_source_per_dim : ndarray
        ``mse_source`` per dimension, shape (d,), squared source units.
    mse_centroid : float
        :math:`\frac1d\sum_k \frac1n\sum_i (x_{ik} - \bar x_{k,c(i)})^2`: per scalar, the
        distortion of the best decoder for these cells, which reconstructs each cell by the
        empirical mean of its samples (in-sample, so optimistic by about
        :math:`\sigma^2 L/n` per dimension for small n).
    mse_centroid_per_dim : ndarray
        ``mse_centroid`` per dimension, shape (d,), squared source units.
    centroids : tuple of ndarray
        Empirical conditional mean of the source in each cell, per dimension (NaN if unused).
    mean, var : ndarray
        Per-dimension sample mean and unbiased variance of the source rows (source units and
        squared source units).
    se : dict
        Standard errors of the estimates as estimates of the source's values, under the same
        names: ``entropy_bits``, ``perplexity`` and ``marginal_entropy_bits`` by the delta
        method (Basharin 1959; the plug-in's bias, about :math:`-(K-1)/(2n\ln 2)` bits for K
        occupied cells, is not included), ``mean`` as :math:`\sqrt{\mathrm{var}/n}`, and
        ``mse_code``, ``mse_source``, ``mse_centroid`` (and their ``_per_dim`` arrays) and
        ``var`` by batch means over the blocks of 4096 rows (valid for i.i.d. rows, and for
        rows whose dependence is short against a block). NaN where the estimate is NaN, and for
        the batch-means entries when fewer than ``MIN_SE_BLOCKS`` = 16 full blocks (n < 65536)
        were seen. ``usage``
        has none: it counts the codes of this sample.

    Examples
    --------
    Returned by :func:`stream_stats`. The sign quantizer on N(0, 1) with centroid decoding:
    1 bit, and a distortion within one standard error (0.0019 at this n) of the exact
    :math:`1 - 2/\pi = 0.3634`:

    >>> from fsq_theory import ScalarQuantizer
    >>> from fsq_theory.sources import GaussianSource
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> st = stream_stats(sign, GaussianSource(), 100_000, rng=0, decoder="centroid")
    >>> round(st.entropy_bits, 4), st.usage, st.marginal_counts[0].tolist()
    (1.0, 1.0, [50097, 49903])
    >>> round(st.mse_source, 4), round(st.mse_centroid, 4)
    (0.3622, 0.3621)
    """

    n: int
    levels: tuple
    counts: np.ndarray | None = field(repr=False)
    marginal_counts: tuple = field(repr=False)
    entropy_bits: float
    marginal_entropy_bits: np.ndarray
    usage: float
    perplexity: float
    mse_code: float
    mse_code_per_dim: np.ndarray
    mse_source: float
    mse_source_per_dim: np.ndarray
    mse_centroid: float
    mse_centroid_per_dim: np.ndarray
    centroids: tuple = field(repr=False)
    mean: np.ndarray
    var: np.ndarray
    se: dict = field(default_factory=dict, repr=False)

    @property
    def codebook_size(self) -> int:
        """``prod(levels)``."""
        return math.prod(self.levels)

    def to_frame(self):
        """Per-dimension table (tidy: one row per dimension), each estimate followed by its
        standard error in a ``_se`` column."""
        import pandas as pd

        return pd.DataFrame({
            "dim": np.arange(len(self.levels)),
            "levels": list(self.levels),
            "entropy_bits": self.marginal_entropy_bits,
            "mse_code": self.mse_code_per_dim,
            "mse_source": self.mse_source_per_dim,
            "mse_centroid": self.mse_centroid_per_dim,
            "mean": self.mean,
            "var": self.var,
            **({f"{col}_se": self.se[key] for col, key in _FRAME_SE} if self.se else {}),
        })

    def summary(self) -> dict:
        """Scalar results as a JSON-serializable dict."""
        return {
            "n": self.n, "levels": list(self.levels), "codebook_size": self.codebook_size,
            "rate_bits": float(sum(math.log2(L) for L in self.levels)),
            "entropy_bits": self.entropy_bits, "usage": self.usage, "perplexity": self.perplexity,
            "mse_code": self.mse_code, "mse_source": self.mse_source,
            "mse_centroid": self.mse_centroid,
            "marginal_entropy_bits": self.marginal_entropy_bits.tolist(),
            "mean": self.mean.tolist(), "var": self.var.tolist(),
            "se": {k: (val.tolist() if isinstance(val, np.ndarray) else val)
                   for k, val in self.se.items()},
        }


def _quantizer_tables(quantizer, d, dtype):
    """(levels, thresholds, codes, bound_mode, bound constants) for the kernels.

    FSQ thresholds of ``dtype``: float32 thresholds compared in float64 with float32 data
    (converted exactly) reproduce ``FSQ.encode`` on the float32 array bit for bit.
    """
    if isinstance(quantizer, FSQ):
        if quantizer.dim != d:
            raise ValueError(f"quantizer has dim {quantizer.dim} but the source has dim {d}")
        thr, codes = quantizer._tables(dtype)
        thr = thr.astype(np.float64)
        mode = _acc.BOUND_SYM if quantizer.symmetric else _acc.BOUND_TANH
        # last column: 1 when the codes are exactly the levels (c - h) / h in float64, so the
        # kernel may measure the code-domain error in level units (float32 codes of odd h are not)
        bconst = np.array([[float(x.shift), float(x.half_l), float(x.offset), float(x.half_width),
                            float(np.array_equal(codes[k, :x.L].astype(np.float64),
                                                 (np.arange(x.L) - x.half_width) / x.half_width))]
                           for k, x in enumerate(quantizer._dims)])
        return quantizer.levels, thr, codes.astype(np.float64), mode, bconst
    if isinstance(quantizer, ScalarQuantizer):
        thr = _enc.pad_rows([quantizer.thresholds] * d, np.inf, np.float64)
        codes = np.tile(quantizer.points, (d, 1))
        return (quantizer.n_cells,) * d, thr, codes, _acc.BOUND_IDENTITY, np.zeros((d, 5))
    raise TypeError(f"quantizer must be an FSQ or a ScalarQuantizer, got {type(quantizer).__name__}")


def _quantizer_levels(quantizer) -> tuple:
    """Levels per dimension, read before any table is built (a ScalarQuantizer counts once)."""
    if isinstance(quantizer, FSQ):
        return tuple(quantizer.levels)
    if isinstance(quantizer, ScalarQuantizer):
        return (quantizer.n_cells,)
    raise TypeError(f"quantizer must be an FSQ or a ScalarQuantizer, got {type(quantizer).__name__}")


def _reconstruction_table(decoder, quantizer, source, levels, scale):
    d = len(levels)
    if decoder is None:
        return np.zeros((d, max(levels))), False
    if isinstance(decoder, str):
        if isinstance(quantizer, ScalarQuantizer):
            sqs = [quantizer] * d
        else:
            sqs = quantizer.scalar_quantizers(scale)
        if decoder == "grid":
            rows = [sq.points for sq in sqs]
        elif decoder == "centroid":
            from .cells import cell_moments

            try:
                margs = [source.marginal(k) for k in range(d)]
            except NotImplementedError:
                raise ValueError(
                    "decoder='centroid' needs a source with known marginals; "
                    f"{type(source).__name__} has none") from None
            rows = [cell_moments(sq, m).centroids for sq, m in zip(sqs, margs)]
        else:
            raise ValueError(f"decoder must be None, 'grid', 'centroid' or per-dimension arrays, got {decoder!r}")
    else:
        rows = [v.as_real_array(f"decoder[{k}]", r, finite=False) for k, r in enumerate(decoder)]
        if len(rows) != d or any(r.shape != (L,) for r, L in zip(rows, levels)):
            raise ValueError(f"decoder must hold {d} arrays with lengths {list(levels)}")
    return _enc.pad_rows(rows, np.nan, np.float64), True


def stream_stats(quantizer, source, n, *, rng=None, chunk_size=None, progress=False, scale=1.0,
                 decoder="grid", joint_limit=JOINT_LIMIT, max_memory=None, reconstruction=v._UNSET,
                 seed=v._UNSET) -> QuantizationStats:
    r"""Quantize ``n`` rows of ``source`` in one streaming pass and summarize them.

    The encoder feeds :math:`z = \text{scale}\cdot x` to ``quantizer``. Memory is bounded by the
    chunk (empirical sources) or by a few blocks per thread (synthetic sources, generated inside
    the kernel), plus the joint histogram when ``prod(levels) <= joint_limit``.

    Parameters
    ----------
    quantizer : FSQ or ScalarQuantizer
        A ScalarQuantizer is applied to every coordinate.
    source : Source, array_like or path
        Arrays and paths are wrapped in :class:`~fsq_theory.sources.EmpiricalSource`. float32
        data with ``scale == 1`` are binned exactly as ``FSQ.encode`` bins the float32 array
        (the reference's float32 semantics); everything else in float64.
    n : int
        Rows to process (``1e9`` is accepted).
    rng : None, int, SeedSequence or Generator, keyword-only
        Randomness of a synthetic source (SPEC 7; ignored for empirical data): the stream's key
        is derived from it once, so the same int gives the same result for any chunk size,
        thread count or backend.
    chunk_size : int, keyword-only
        Rows per chunk (rounded up to a multiple of 4096); default 2**20.
    progress : bool, keyword-only
        Show a tqdm progress bar.
    scale : float or array (d,), keyword-only
        Encoder gain.
    decoder : {"grid", "centroid"}, None or sequence of arrays, keyword-only
        Source-domain reconstruction per cell for ``mse_source`` (one rule for the package, see
        ``fsq_theory.quantizer``, "Decoders"): ``"grid"`` (default) the grid pulled back through
        the bound (``FSQ.scalar_quantizers(scale)`` points), ``"centroid"`` the exact conditional
        means under the source's marginals, explicit per-dimension values, or None (no
        ``mse_source``).
    joint_limit : int, keyword-only
        Largest codebook for which the joint histogram is kept.
    max_memory : int, keyword-only, optional
        Budget in bytes for the histograms and per-chunk partials (default: half the machine's
        physical memory). Checked before any work: the chunk is shrunk to fit (results do not
        depend on it), the joint histogram is dropped with a RuntimeWarning when it alone does
        not fit, and a ValueError giving the bytes needed is raised when even the per-dimension
        tables do not fit.
    reconstruction : {"grid", "centroid"} or None, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).
    seed : int, optional, keyword-only
        Deprecated name of ``rng`` (warns with ``DeprecationWarning``).

    Returns
    -------
    QuantizationStats
        Histograms, entropies (bits), usage and distortions of the ``n`` rows.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.sources import GaussianSource
    >>> st = stream_stats(FSQ([8, 5, 5, 5]), GaussianSource(dim=4), 100_000, rng=0)
    >>> round(st.entropy_bits, 2), st.usage, round(st.mse_code, 4)
    (9.88, 1.0, 0.0168)
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="stream_stats", allow_none=True,
                                allow_tables=True)
    rng = v.resolve_rng(rng, seed, owner="stream_stats")
    wrapped = not isinstance(source, Source)
    plan = _make_plan(quantizer, source, n, chunk_size, scale, decoder, joint_limit, max_memory)
    source, n, chunk = plan.source, plan.n, plan.chunk
    nt = numba.get_num_threads()
    counts_joint = np.zeros((nt, plan.size if plan.joint else 1), dtype=np.int64)
    counts_marg = np.zeros((nt, source.dim, max(plan.levels)), dtype=np.int64)
    totals, totals_cells, batch = _new_totals(plan)
    done = 0

    from tqdm.auto import tqdm

    # disable=None: a bar only on a terminal, so CI logs stay readable
    bar = tqdm(total=n, disable=None if progress else True, unit="row", unit_scale=True, desc="stream_stats")
    try:
        if source._affine is not None:
            key = stream_key(rng)
            for r0 in range(0, n, chunk):
                m = min(chunk, n - r0)
                part, part_cells = _synthetic_range(plan, key, r0, m, counts_joint, counts_marg)
                done = _merge(part, part_cells, m, totals, totals_cells, batch, done)
                bar.update(m)
        else:
            # data rows go to the kernel as stored (float32 is converted there, not copied),
            # unless a subclass reads its rows its own way
            raw = type(source)._chunks is EmpiricalSource._chunks
            chunks = (_raw_rows(source, n, chunk) if raw
                      else source.chunks(n, chunk_size=chunk, rng=rng))
            try:
                r0 = 0
                for x in chunks:
                    part, part_cells = _array_range(plan, x, counts_joint, counts_marg, r0)
                    done = _merge(part, part_cells, x.shape[0], totals, totals_cells, batch,
                                  done)
                    r0 += x.shape[0]
                    bar.update(x.shape[0])
            except ValueError as exc:  # non-finite rows of an array given as ``source``
                if wrapped:
                    raise ValueError(f"source: {exc}") from None
                raise
    finally:
        bar.close()
    return _finish(plan, counts_joint.sum(axis=0), counts_marg.sum(axis=0), totals, totals_cells,
                   batch)


def _new_totals(plan):
    """Running totals, per-cell totals and the batch-means sums (``_acc.batch_sums``)."""
    d = plan.source.dim
    return (np.zeros((d, _acc.N_PART)), np.zeros((d, max(plan.levels), 3)),
            np.zeros((d + 1, _acc.B_COUNT + 1)))


def _merge(part, part_cells, m, totals, totals_cells, batch, done):
    """Fold the block partials of ``m`` rows into the totals and the batch sums, in row order."""
    _acc.batch_sums(part, part_cells, m, batch)
    return _acc.merge_blocks(part, part_cells, m, totals, totals_cells, done)


#: Full 4096-row blocks needed for a batch-means standard error: with B blocks the estimate has
#: B - 1 degrees of freedom and a relative spread of about 1/sqrt(2(B - 1)) (18% at 16; with 2
#: blocks it could be off by a factor 10).
MIN_SE_BLOCKS = 16


def _batch_se(batch, row, j, n):
    """Standard error of a mean over ``n`` rows from the spread of its full-block means."""
    b = batch[row, _acc.B_COUNT]
    if b < MIN_SE_BLOCKS:
        return float("nan")
    s, s2 = batch[row, 2 * j], batch[row, 2 * j + 1]
    var_block = max(s2 - s * s / b, 0.0) / (b - 1)  # variance of one block's mean
    return math.sqrt(var_block * _acc.BLOCK / n)


@dataclass(frozen=True)
class _Plan:
    """Everything a range of rows needs: validated inputs and the kernel tables."""

    source: Source
    n: int
    chunk: int
    levels: tuple
    size: int
    joint: bool
    # (scale, *cell_tables(thr, nthr), nthr, codes, recon, has_recon, mode, bconst, basis, joint)
    kernel_args: tuple


def _memory_estimate(levels, *, chunk: int, joint: bool, empirical: bool = False,
                    threads: int | None = None) -> dict:
    """Bytes :func:`stream_stats` allocates, by item, for ``levels`` (before any work).

    Per thread: the joint histogram (``prod(levels)`` int64), the marginal histograms
    (``d * max(levels)``) and the kernel's scratch (one block of values, cells and indices, and
    ``SUB`` interleaved per-cell sums); per chunk: block partials of the cell sums
    (``chunk / BLOCK`` blocks of ``d * max(levels) * 3`` float64) and, for array data, the chunk
    itself in float64.
    """
    nt = numba.get_num_threads() if threads is None else threads
    d, top = len(levels), max(levels)
    nblk = -(-chunk // _acc.BLOCK)
    out = {
        "joint histogram": nt * math.prod(levels) * 8 if joint else 0,
        "marginal histograms": nt * d * top * 8,
        "per-cell block partials": (nblk + 1) * d * top * 3 * 8,
        "quantizer tables": 4 * d * top * 8,
        # the buffers each thread of the accumulate kernels allocates (_kernels/accumulate.py)
        "per-thread scratch": nt * (_acc.BLOCK * (20 * d + 24) + top * _acc.SUB * 3 * 8),
        "chunk data": 2 * chunk * d * 8 if empirical else 0,
    }
    return out


def _fit_memory(levels, chunk, joint, empirical, max_memory):
    """(chunk, joint) that fit ``max_memory``: shrink the chunk, then drop the joint histogram."""
    budget = v.check_max_memory(max_memory)

    def total(c, j):
        return sum(_memory_estimate(levels, chunk=c, joint=j, empirical=empirical).values())

    # per-chunk partials cost O(chunk / BLOCK * d * max(levels)) whatever the chunk, but one huge
    # allocation per chunk is slow (page faults): keep them under PART_LIMIT as well
    def part(c):
        return _memory_estimate(levels, chunk=c, joint=False)["per-cell block partials"]

    while chunk > _acc.BLOCK and (total(chunk, joint) > budget or part(chunk) > PART_LIMIT):
        chunk = max(_acc.BLOCK, (chunk // 2) // _acc.BLOCK * _acc.BLOCK)
    if joint and total(chunk, joint) > budget and total(chunk, False) <= budget:
        import warnings

        need = _memory_estimate(levels, chunk=chunk, joint=True)["joint histogram"]
        warnings.warn(f"the joint histogram of {math.prod(levels)} codes needs "
                      f"{v.format_bytes(need)} over the max_memory budget "
                      f"{v.format_bytes(budget)}; computing marginal statistics only "
                      "(entropy_bits, usage and perplexity will be NaN)", RuntimeWarning,
                      stacklevel=4)
        joint = False
    est = _memory_estimate(levels, chunk=chunk, joint=joint, empirical=empirical)
    if sum(est.values()) > budget:
        worst = max(est, key=est.get)
        v.check_memory(f"stream_stats with levels up to {max(levels)}", sum(est.values()),
                       budget, hint=f"the largest item is the {worst} ({v.format_bytes(est[worst])}); "
                       "use fewer levels per dimension")
    return chunk, joint


def _make_plan(quantizer, source, n, chunk_size, scale, decoder, joint_limit,
               max_memory=None) -> _Plan:
    n = v.check_int("n", n, minimum=1)
    if n > v.INT64_MAX:
        raise ValueError(f"n = {n} is beyond int64 (max {v.INT64_MAX}); counts could not be kept")
    chunk = v.check_int("chunk_size", chunk_size, minimum=1) if chunk_size is not None else 1 << 20
    chunk = -(-chunk // _acc.BLOCK) * _acc.BLOCK
    joint_limit = v.check_int("joint_limit", joint_limit, minimum=1)
    budget = v.check_max_memory(max_memory)
    qlevels = _quantizer_levels(quantizer)
    # refuse before a data file is read; the joint histogram is decided below
    _fit_memory(qlevels, chunk, False, not isinstance(source, Source) or source._affine is None,
                budget)
    if not isinstance(source, Source):
        try:
            source = EmpiricalSource(source)
        except (ValueError, TypeError) as exc:  # name the argument of this function
            raise type(exc)(f"source: {exc}") from None
    d = source.dim
    scale_v = v.per_dim("scale", scale, d, positive=True)
    exact32 = (isinstance(source, EmpiricalSource) and source._data.dtype == np.float32
               and (scale_v == 1.0).all())
    levels, thr, codes, mode, bconst = _quantizer_tables(
        quantizer, d, np.float32 if exact32 else np.float64)
    recon, has_recon = _reconstruction_table(decoder, quantizer, source, levels, scale_v)
    if isinstance(source, EmpiricalSource) and n > source.n_rows:
        raise ValueError(f"n = {n} exceeds the {source.n_rows} rows of the data")
    size = math.prod(levels)
    chunk, joint = _fit_memory(tuple(levels), chunk, size <= joint_limit,
                               source._affine is None, budget)
    basis = np.cumprod([1, *levels[:-1]], dtype=np.int64)
    nthr = np.array([L - 1 for L in levels], dtype=np.int64)
    args = (scale_v, *_enc.cell_tables(thr, nthr), nthr, codes, recon, has_recon, mode, bconst,
            basis, joint)
    return _Plan(source, n, chunk, tuple(levels), size, joint, args)


def _new_part(plan, m):
    nblk = (m + _acc.BLOCK - 1) // _acc.BLOCK
    d = plan.source.dim
    return np.zeros((nblk, d, _acc.N_PART)), np.zeros((nblk, d, max(plan.levels), 3))


def _synthetic_range(plan, key, r0, m, counts_joint, counts_marg):
    """Block partials of rows [r0, r0+m) generated in the kernel (r0 a multiple of BLOCK)."""
    kind, mean, mat, full = plan.source._affine
    part, part_cells = _new_part(plan, m)
    if not _acc.stats_synthetic(kind, key[0], key[1], r0, m, mean, mat, full, *plan.kernel_args,
                                counts_joint, counts_marg, part, part_cells):
        raise ValueError(f"source: {type(plan.source).__name__} generated non-finite values in "
                         f"rows {r0}..{r0 + m - 1} (its parameters overflow float64)")
    return part, part_cells


def _raw_rows(source, n, chunk):
    """Rows ``[0, n)`` of an EmpiricalSource's data in chunks, as stored (no conversion)."""
    if n > source.n_rows:
        raise ValueError(f"n = {n} exceeds the {source.n_rows} rows of the data")
    for r0 in range(0, n, chunk):
        yield source._data[r0: min(n, r0 + chunk)]


def _array_range(plan, x, counts_joint, counts_marg, r0=0):
    """Block partials of the data rows ``x`` (rows ``r0 ..`` of the source, r0 a multiple of
    BLOCK); float32 and float64 go to the kernel as they are, which also checks finiteness."""
    x = np.asarray(x)
    x = np.ascontiguousarray(x if x.dtype in (np.float32, np.float64) else x.astype(np.float64))
    part, part_cells = _new_part(plan, x.shape[0])
    if _acc.stats_array(x, *plan.kernel_args, counts_joint, counts_marg, part, part_cells) >= 0:
        x64 = np.asarray(x, dtype=np.float64)
        if isinstance(plan.source, EmpiricalSource):
            plan.source._finite(x64, r0)  # raises, naming the first bad row and column
        bad = int((~np.isfinite(x64)).sum())
        raise ValueError(f"data contains non-finite values ({bad} in rows {r0}..{r0 + len(x) - 1})")
    return part, part_cells


def _standard_errors(plan, counts, marginal_counts, h, batch, mse_s, var) -> dict:
    n, d = plan.n, plan.source.dim
    nan = float("nan")
    se_h = _measures.plugin_entropy_stderr(counts) if plan.joint else nan
    out = {"entropy_bits": se_h,
           "perplexity": math.log(2.0) * 2.0 ** h * se_h,
           "marginal_entropy_bits": np.array([_measures.plugin_entropy_stderr(c)
                                              for c in marginal_counts])}
    for name, j in (("mse_code", _acc.B_CODE), ("mse_source", _acc.B_SRC),
                    ("mse_centroid", _acc.B_CELL)):
        defined = name != "mse_source" or bool(np.isfinite(mse_s).all())  # no decoder: NaN
        out[name] = _batch_se(batch, d, j, n) if defined else nan
        out[name + "_per_dim"] = np.array([_batch_se(batch, k, j, n) if defined else nan
                                           for k in range(d)])
    out["mean"] = np.sqrt(var / n)
    out["var"] = np.array([_batch_se(batch, k, _acc.B_VAR, n) for k in range(d)])
    return out


def _finish(plan, counts, marg, totals, totals_cells, batch) -> QuantizationStats:
    n, levels, d = plan.n, plan.levels, plan.source.dim
    has_recon = plan.kernel_args[10]
    marginal_counts = tuple(marg[k, :L].copy() for k, L in enumerate(levels))
    counts = counts if plan.joint else None
    h = plugin_entropy_bits(counts) if plan.joint else float("nan")
    mse_c = totals[:, _acc.P_SSE_CODE] / n
    mse_s = totals[:, _acc.P_SSE_SRC] / n if has_recon else np.full(d, np.nan)
    # within-cell spread around the empirical cell means: the MSE of the best decoder per cell
    mse_cm = totals_cells[:, :, 2].sum(axis=1) / n
    centroids = tuple(np.where(totals_cells[k, :L, 0] > 0, totals_cells[k, :L, 1], np.nan)
                      for k, L in enumerate(levels))
    var = totals[:, _acc.P_M2] / (n - 1) if n > 1 else np.full(d, np.nan)
    se = _standard_errors(plan, counts, marginal_counts, h, batch, mse_s, var)
    return QuantizationStats(
        n=n, levels=tuple(levels), counts=counts, marginal_counts=marginal_counts,
        entropy_bits=h,
        marginal_entropy_bits=np.array([plugin_entropy_bits(c) for c in marginal_counts]),
        usage=float(np.count_nonzero(counts) / plan.size) if plan.joint else float("nan"),
        perplexity=float(2.0 ** h), mse_code=float(mse_c.mean()), mse_code_per_dim=mse_c,
        mse_source=float(mse_s.mean()), mse_source_per_dim=mse_s,
        mse_centroid=float(mse_cm.mean()), mse_centroid_per_dim=mse_cm, centroids=centroids,
        mean=totals[:, _acc.P_MEAN].copy(), var=var, se=se,
    )
