"""Finite Scalar Quantization (reference-exact) and general scalar quantizers.

``FSQ`` reproduces the ``FSQ`` module of vector-quantize-pytorch 1.32 (default mode and
``preserve_symmetry=True``) bit for bit in float32; ``ScalarQuantizer`` is the cell/point object
every closed-form analysis in the package works on.

References
----------
F. Mentzer, D. Minnen, E. Agustsson, M. Tschannen, "Finite Scalar Quantization: VQ-VAE Made
Simple", ICLR 2024, arXiv:2309.15505.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

from . import _validation as v
from ._lazy import lazy_module

if TYPE_CHECKING:  # deferred: numba costs ~0.5-2 s to import; the edge stays visible
    from ._kernels import encode as _k
    from ._kernels import encode_flat as _kf
else:
    _k = lazy_module("fsq_theory._kernels.encode")
    _kf = lazy_module("fsq_theory._kernels.encode_flat")

__all__ = ["FSQ", "ScalarQuantizer", "RealBound"]

_CODEBOOK_ROWS_MAX = 1 << 26  # codebook() materializes |C| x d codes; beyond this it would not fit


# ---------------------------------------------------------------------------------------------
# Ordered-integer view of floats: bisection over representable values finds exact thresholds.
# ---------------------------------------------------------------------------------------------
def _ordered(x: np.ndarray) -> np.ndarray:
    if x.dtype == np.float32:
        u = x.view(np.uint32).astype(np.int64)
        mag = u & 0x7FFFFFFF
        return np.where(u >> 31, -mag, mag)
    u = x.view(np.uint64)
    mag = (u & np.uint64(0x7FFFFFFFFFFFFFFF)).astype(np.int64)
    return np.where((u >> np.uint64(63)).astype(bool), -mag, mag)


def _from_ordered(o: np.ndarray, dtype) -> np.ndarray:
    o = np.asarray(o, dtype=np.int64)
    if np.dtype(dtype) == np.float32:
        bits = np.where(o >= 0, o, (-o) | 0x80000000).astype(np.uint32)
        return bits.view(np.float32)
    mag = np.abs(o).astype(np.uint64)
    bits = np.where(o >= 0, mag, mag | np.uint64(0x8000000000000000))
    return bits.view(np.float64)


def _tanh(x: np.ndarray, dtype) -> np.ndarray:
    # Evaluate in float64 and round once: correctly rounded for float32 (numpy's own float32
    # tanh is 1 ulp off on ~20% of inputs, which flips decision-boundary cases).
    return np.tanh(x.astype(np.float64)).astype(dtype)


class _Dim:
    """Constants of one FSQ dimension, in the reference's float32 arithmetic."""

    def __init__(self, L: int, eps: float, symmetric: bool):
        f32 = np.float32
        self.L = L
        self._eps = eps
        self.half_width = L // 2
        self.symmetric = symmetric
        # torch: (levels - 1) * (1 + eps) / 2 on an int32 tensor -> float32, scalar cast to float32
        self.half_l = f32(f32(f32(L) - f32(1)) * f32(1 + eps)) / f32(2)
        self.offset = f32(0.5) if L % 2 == 0 else f32(0.0)
        self.shift = f32(np.arctanh(np.float64(f32(self.offset / self.half_l))))
        self.sym_scale = f32(2.0) / f32(L - 1)

    def bounded(self, z: np.ndarray) -> np.ndarray:
        """Pre-rounding value in level units (default) or (L-1)(tanh+1)/2 + 1/2 (symmetric)."""
        T = z.dtype.type
        if self.symmetric:
            s = _tanh(z, z.dtype) + T(1)
            s = (T(self.L - 1) * s).astype(z.dtype)
            return ((s / T(2)).astype(z.dtype) + T(0.5)).astype(z.dtype)
        t = (z + T(self.shift)).astype(z.dtype)
        b = (_tanh(t, z.dtype) * T(self.half_l)).astype(z.dtype)
        return (b - T(self.offset)).astype(z.dtype)

    def cells(self, z: np.ndarray) -> np.ndarray:
        """Cell index 0..L-1 by the reference formula (round half to even / floor)."""
        b = self.bounded(z)
        if self.symmetric:
            return np.floor(b).astype(np.int64)
        return np.rint(b).astype(np.int64) + self.half_width

    def codes(self, dtype) -> np.ndarray:
        """Code value of each cell, computed in ``dtype`` exactly as the reference does."""
        T = np.dtype(dtype).type
        k = np.arange(self.L, dtype=dtype)
        if self.symmetric:
            return (T(self.sym_scale) * k).astype(dtype) - T(1)
        level = k - T(self.half_width)
        # +0.0 for the centre level: rint never yields -0.0 from a level index
        return (level / T(self.half_width)).astype(dtype)

    def thresholds(self, dtype) -> np.ndarray:
        """Smallest representable z (in ``dtype``) at which the cell index reaches 1..L-1."""
        dtype = np.dtype(dtype)
        big = np.finfo(dtype).max
        targets = np.arange(1, self.L)
        lo = np.full(targets.shape, _ordered(np.array([-big], dtype))[0])
        hi = np.full(targets.shape, _ordered(np.array([big], dtype))[0])
        reach_hi = self.cells(_from_ordered(hi, dtype)) >= targets
        # invariant: cells(lo) < target <= cells(hi)  (checked where it can fail)
        while True:
            # hi - lo overflows int64 for float64 ranges; the uint64 difference does not
            gap = hi.astype(np.uint64) - lo.astype(np.uint64)
            if (gap <= 1).all():
                break
            mid = (lo >> 1) + (hi >> 1) + (lo & hi & 1)
            ok = self.cells(_from_ordered(mid, dtype)) >= targets
            hi = np.where(ok, mid, hi)
            lo = np.where(ok, lo, mid)
        out = _from_ordered(hi, dtype).copy()
        out[~reach_hi] = np.inf  # a cell the bound never reaches (only possible with eps = 0)
        return out

    # real-arithmetic cells for analysis (source units z)
    def real_thresholds(self) -> np.ndarray:
        if self.symmetric:
            j = np.arange(1, self.L)
            return np.arctanh((2 * j - 1) / (self.L - 1) - 1.0)
        half_l, offset, shift = self._real_constants()
        m = np.arange(-self.half_width, self.L - self.half_width - 1)
        return np.arctanh((m + 0.5 + offset) / half_l) - shift

    def real_points(self) -> np.ndarray:
        if self.symmetric:
            c = 2 * np.arange(self.L) / (self.L - 1) - 1.0
            with np.errstate(divide="ignore"):
                return np.arctanh(c)  # +-inf at the outer codes: tanh reaches +-1 only at infinity
        half_l, offset, shift = self._real_constants()
        m = np.arange(-self.half_width, self.L - self.half_width)
        return np.arctanh((m + offset) / half_l) - shift

    def _real_constants(self):
        return _real_constants(self.L, self._eps)


def _real_constants(L: int, eps: float) -> tuple[float, float, float]:
    """``(h, o, s)`` of the default-mode bound in real arithmetic: the one place they are derived."""
    half_l = (L - 1) * (1 + eps) / 2
    offset = 0.5 if L % 2 == 0 else 0.0
    return half_l, offset, math.atanh(offset / half_l)


@dataclass(frozen=True, eq=False)
class RealBound:
    r"""FSQ's bound in real (float64) arithmetic, per dimension, in code units.

    Default mode: :math:`b(z) = (\tanh(z + s)\,h - o)/\lfloor L/2\rfloor` with
    :math:`h = (L-1)(1+\epsilon)/2`, :math:`o = \tfrac12[L \text{ even}]`,
    :math:`s = \operatorname{atanh}(o/h)`; symmetric mode: :math:`b(z) = \tanh z`. The code grid
    is :math:`c_k = -1 + k\,\Delta`, :math:`k = 0..L-1`, with :math:`\Delta = 1/\lfloor L/2\rfloor`
    (default) or :math:`2/(L-1)` (symmetric). These are the real constants behind
    :meth:`FSQ.scalar_quantizers`; :meth:`FSQ.bound` evaluates the same map in the reference's
    float32 arithmetic, which differs from this one by a few ulps. Every analysis that needs the
    bound in closed form takes it from here.

    Attributes
    ----------
    levels : ndarray of int, shape (d,)
    symmetric : bool
    h, o, s : ndarray, shape (d,)
        Half-width, offset and shift of the default mode (unused in symmetric mode).
    hw : ndarray, shape (d,)
        :math:`\lfloor L/2 \rfloor`, the code-unit divisor.
    step : ndarray, shape (d,)
        Code spacing :math:`\Delta`.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> rb = FSQ([5, 4]).real_bound
    >>> rb([[0.0, 0.0]]).round(6).tolist()
    [[0.0, 0.0]]
    >>> rb.codes(1).tolist()
    [-1.0, -0.5, 0.0, 0.5]
    """

    levels: np.ndarray
    symmetric: bool
    h: np.ndarray
    o: np.ndarray
    s: np.ndarray
    hw: np.ndarray
    step: np.ndarray

    @classmethod
    def of(cls, fsq: "FSQ") -> "RealBound":
        """The real bound of ``fsq`` (TypeError unless it is an :class:`FSQ`)."""
        if not isinstance(fsq, FSQ):
            raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
        return fsq.real_bound

    def __call__(self, z) -> np.ndarray:
        """:math:`b(z)` in code units for ``z`` of shape (..., d), float64."""
        return self.derivatives(np.asarray(z, dtype=np.float64))[0]

    def derivatives(self, z: np.ndarray):
        """:math:`(b, b', b'')` in code units at ``z`` (shape (..., d))."""
        if self.symmetric:
            t = np.tanh(z)
            d1 = 1 - t * t
            return t, d1, -2 * t * d1
        t = np.tanh(z + self.s)
        sech2 = 1 - t * t
        return (t * self.h - self.o) / self.hw, self.h * sech2 / self.hw, -2 * self.h * t * sech2 / self.hw

    def inverse(self, u) -> np.ndarray:
        """:math:`b^{-1}(u)` for code-unit ``u`` (shape (..., d)); +-inf where the bound saturates."""
        u = np.asarray(u, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.symmetric:
                return np.arctanh(np.clip(u, -1.0, 1.0))
            return np.arctanh((u * self.hw + self.o) / self.h) - self.s

    def jacobian_at_code(self, c: np.ndarray) -> np.ndarray:
        """:math:`b'(z)` at the z whose bound is the code ``c`` (closed form in ``c``)."""
        if self.symmetric:
            return 1 - c * c
        t = (c * self.hw + self.o) / self.h
        return self.h * (1 - t * t) / self.hw

    def codes(self, i: int) -> np.ndarray:
        """The code grid of dimension ``i``."""
        return -1 + np.arange(self.levels[i]) * self.step[i]


@lru_cache(maxsize=1024)
def _dim_tables(L: int, eps: float, symmetric: bool, dtype: str):
    """Thresholds and code values of one dimension (bisection costs ~0.1 ms; FSQ objects are
    often rebuilt in loops, so they are shared)."""
    dim = _Dim(L, eps, symmetric)
    thr, codes = dim.thresholds(dtype), dim.codes(dtype)
    thr.flags.writeable = False
    codes.flags.writeable = False
    return thr, codes


class FSQ:
    r"""Finite Scalar Quantization, bit-exact with vector-quantize-pytorch 1.32.

    Each of the ``d = len(levels)`` dimensions is bounded and rounded independently.

    Default mode, dimension with :math:`L` levels (``eps`` :math:`=\epsilon`):

    .. math::

        h = \tfrac{(L-1)(1+\epsilon)}{2},\quad o = \tfrac12[L \text{ even}],\quad
        s = \operatorname{atanh}(o/h),\quad
        \ell = \operatorname{round}(\tanh(z+s)\,h - o),\quad c = \ell / \lfloor L/2 \rfloor

    with round-half-to-even; even :math:`L` gives the asymmetric grid
    :math:`\{-L/2,\dots,L/2-1\}/(L/2)`. ``symmetric=True`` (``preserve_symmetry``):
    :math:`k = \lfloor (L-1)(\tanh z + 1)/2 + 1/2 \rfloor`, :math:`c = \tfrac{2}{L-1}k - 1`.

    The codebook index is :math:`\sum_i k_i \prod_{j<i} L_j` with :math:`k_i \in \{0..L_i-1\}` the
    cell of dimension ``i`` (dimension 0 least significant), as int64.

    float32 input is computed in the reference's float32 arithmetic with tanh and atanh correctly
    rounded; float64 input in float64 with the reference's float32-rounded constants, as torch
    promotes them. Internally every dimension is evaluated in threshold form (the exact
    representable ``z`` where the cell changes, found by bisection on the formula), which needs
    no transcendental calls per sample.

    Parity, measured (``tests/reference/README.md``): codes, indices and every decision boundary
    equal torch 2.13 CPU's output under ``MKL_CBWR=COMPATIBLE`` (and MKL's AVX2/SSE4.2 paths)
    for all tested level lists, and agree on every float32 in [-10, 10] for L in {2, 3, 5, 6, 7,
    8}. torch's tanh is MKL's, which is not correctly rounded: on its default AVX-512 path 6 of
    56 tested boundaries move by 1-3 ulp, so inputs within 3 ulp of those boundaries can get the
    neighbouring code there. For dimensions < 32 torch's float32 atanh is glibc's, 1 ulp off the
    correctly rounded shift for 27 even L in 12..248 (e.g. L = 12, 30, 34); GPUs use yet other
    approximations. Correct rounding is the platform-independent reference this class follows.

    Parameters
    ----------
    levels : sequence of int
        Levels per dimension, each >= 2; the codebook size ``prod(levels)`` must fit in int64.
        ``L = 2`` needs ``symmetric=True`` (the reference refuses it in default mode, where the
        grid {-1, 0} has its only boundary at z = -atanh(1/(1+eps)) ~ -3.8).
    eps : float, keyword-only
        Margin of the bound in default mode (ignored when ``symmetric``). Default 1e-3.
    symmetric : bool, keyword-only
        Use the symmetry-preserving variant (arXiv:2411.19842, sec. 3.2).

    Examples
    --------
    >>> fsq = FSQ([8, 5, 5, 5])
    >>> fsq.codebook_size, round(fsq.rate_bits, 4)
    (1000, 9.9658)
    >>> fsq.encode(np.zeros((2, 4), dtype=np.float32)).tolist()
    [500, 500]
    """

    def __init__(self, levels, *, eps: float = 1e-3, symmetric: bool = False):
        self._levels = v.check_levels(levels)
        self._eps = v.check_real("eps", eps, minimum=0.0)
        if not isinstance(symmetric, (bool, np.bool_)):
            raise TypeError(f"symmetric must be a bool, got {symmetric!r}")
        self._symmetric = bool(symmetric)
        if not self._symmetric and 2 in self._levels:
            i = self._levels.index(2)
            raise ValueError(
                f"levels[{i}] = 2 is not supported in default mode (as in the reference): its grid "
                "{-1, 0} is asymmetric with a single boundary near z = -3.8; use symmetric=True"
            )
        self._dims = tuple(_Dim(L, self._eps, self._symmetric) for L in self._levels)
        basis = np.cumprod([1, *self._levels[:-1]], dtype=np.int64)
        basis.flags.writeable = False
        self._basis = basis
        self._nthr = np.array([L - 1 for L in self._levels], dtype=np.int64)

    # --- descriptive properties ------------------------------------------------------------
    @property
    def levels(self) -> tuple[int, ...]:
        """Levels per dimension."""
        return self._levels

    @property
    def dim(self) -> int:
        """Number of dimensions ``d``."""
        return len(self._levels)

    @property
    def eps(self) -> float:
        r"""Margin :math:`\epsilon` of the bound (default mode)."""
        return self._eps

    @property
    def symmetric(self) -> bool:
        """Whether the symmetry-preserving variant is used."""
        return self._symmetric

    @property
    def codebook_size(self) -> int:
        """``|C| = prod(levels)``."""
        return math.prod(self._levels)

    @property
    def rate_bits(self) -> float:
        """Fixed rate ``log2 |C|`` in bits per vector (divide by ``dim`` for bits per scalar)."""
        return float(sum(math.log2(L) for L in self._levels))

    @property
    def basis(self) -> np.ndarray:
        """Mixed-radix place values ``prod_{j<i} L_j`` (int64, read-only)."""
        return self._basis

    def __repr__(self) -> str:
        sym = ", symmetric=True" if self._symmetric else ""
        return f"FSQ({list(self._levels)}, eps={self._eps!r}{sym})"

    def __eq__(self, other):
        return isinstance(other, FSQ) and (self._levels, self._eps, self._symmetric) == (
            other._levels, other._eps, other._symmetric)

    def __hash__(self):
        return hash((self._levels, self._eps, self._symmetric))

    # --- tables ------------------------------------------------------------------------------
    def thresholds(self, dtype=np.float32) -> tuple[np.ndarray, ...]:
        """Exact decision thresholds per dimension in ``dtype`` (float32 or float64).

        ``thresholds(dtype)[i][j]`` is the smallest representable ``z`` whose cell index in
        dimension ``i`` is ``>= j + 1``; a value equal to it belongs to the upper cell.
        """
        return tuple(row[: L - 1].copy() for row, L in zip(self._tables(dtype)[0], self._levels))

    def code_values(self, dtype=np.float32) -> tuple[np.ndarray, ...]:
        """Code value of every cell, per dimension, in ``dtype``."""
        return tuple(row[:L].copy() for row, L in zip(self._tables(dtype)[1], self._levels))

    def _tables(self, dtype):
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        return self._tables32 if dtype == np.float32 else self._tables64

    @cached_property
    def _tables32(self):
        return self._build_tables(np.float32)

    @cached_property
    def _tables64(self):
        return self._build_tables(np.float64)

    def _build_tables(self, dtype):
        per_dim = [_dim_tables(L, self._eps, self._symmetric, np.dtype(dtype).name) for L in self._levels]
        thr = _k.pad_rows([t for t, _ in per_dim], np.inf, dtype)
        codes = _k.pad_rows([c for _, c in per_dim], np.nan, dtype)
        thr.flags.writeable = False
        codes.flags.writeable = False
        return thr, codes

    @cached_property
    def _cells32(self):
        return _k.cell_tables(self._tables32[0], self._nthr)

    @cached_property
    def _cells64(self):
        return _k.cell_tables(self._tables64[0], self._nthr)

    @cached_property
    def _flat32(self):
        return _kf.flat_tables(self._tables32[0], self._nthr, self._basis)

    @cached_property
    def _flat64(self):
        return _kf.flat_tables(self._tables64[0], self._nthr, self._basis)

    # --- array entry points ----------------------------------------------------------------
    def _rows(self, z, name="z", *, finite=True):
        arr = v.as_real_array(name, z, finite=finite)
        v.check_last_dim(name, arr, self.dim)
        rows = np.ascontiguousarray(np.asarray(arr).reshape(-1, self.dim))
        return arr, rows

    @cached_property
    def real_bound(self) -> RealBound:
        """The bound in real arithmetic (:class:`RealBound`), for closed-form analyses."""
        L = np.asarray(self._levels, dtype=np.float64)
        hos = np.array([_real_constants(int(n), self._eps) for n in self._levels]).reshape(-1, 3)
        hw = np.floor(L / 2)
        step = 2 / (L - 1) if self._symmetric else 1 / hw
        for a in (hos, hw, step):
            a.flags.writeable = False
        return RealBound(np.asarray(self._levels), self._symmetric, hos[:, 0], hos[:, 1],
                         hos[:, 2], hw, step)

    def bound(self, z) -> np.ndarray:
        r"""Continuous bounded value, in code units, that the rounding step approximates.

        Default mode: :math:`(\tanh(z+s)\,h - o)/\lfloor L/2\rfloor`; symmetric mode:
        :math:`\tanh z`. Same shape and float dtype as ``z``.
        """
        arr, rows = self._rows(z)
        out = np.empty_like(rows)
        for i, d in enumerate(self._dims):
            col = rows[:, i]
            if d.symmetric:
                out[:, i] = _tanh(col, rows.dtype)
            else:
                out[:, i] = d.bounded(col) / rows.dtype.type(d.half_width)
        return out.reshape(arr.shape)

    def _run(self, z, what):
        arr, rows = self._rows(z)
        codes = self._tables(rows.dtype)[1]
        cells = self._cells32 if rows.dtype == np.float32 else self._cells64
        if what == _k.OUT_CODES:
            out_int, out_codes = np.empty((0, 0), np.int64), np.empty_like(rows)
        else:
            width = 1 if what == _k.OUT_INDEX else self.dim
            out_int, out_codes = np.empty((rows.shape[0], width), np.int64), np.empty((0, 0), rows.dtype)
        _k.quantize_tiles(rows, *cells, self._nthr, what, self._basis,
                          codes, out_int, out_codes)
        if what == _k.OUT_CODES:
            return out_codes.reshape(arr.shape)
        return out_int.reshape(arr.shape[:-1] if what == _k.OUT_INDEX else arr.shape)

    def level_indices(self, z) -> np.ndarray:
        """Cell index ``k_i in {0..L_i-1}`` per dimension (int64, same shape as ``z``)."""
        return self._run(z, _k.OUT_CELLS)

    def quantize(self, z) -> np.ndarray:
        """Codes in [-1, 1], same shape and float dtype as ``z`` (the reference's forward codes)."""
        return self._run(z, _k.OUT_CODES)

    def encode(self, z) -> np.ndarray:
        """Codebook indices (int64, shape ``z.shape[:-1]``)."""
        arr, rows = self._rows(z, finite=False)  # checked in the kernel's pass instead
        flat = self._flat32 if rows.dtype == np.float32 else self._flat64
        if flat is None:
            v.check_finite("z", arr)
            return self._run(arr, _k.OUT_INDEX)
        out, nonfinite = _kf.encode(rows, flat, self._basis)
        if nonfinite:
            v.check_finite("z", arr)  # raises, naming the first bad entry
        return out.reshape(arr.shape[:-1])

    def _check_indices(self, indices, name="indices"):
        idx = v.as_index_array(name, indices)
        if idx.size:
            lo, hi = int(idx.min()), int(idx.max())
            if lo < 0 or hi >= self.codebook_size:
                bad = (idx < 0) | (idx >= self.codebook_size)
                pos = v._first_position(bad)
                raise ValueError(
                    f"{name} must lie in [0, {self.codebook_size - 1}]; {int(bad.sum())} out of "
                    f"range, first at {pos}: {int(idx[pos])}"
                )
        return idx

    def indices_to_level_indices(self, indices) -> np.ndarray:
        """Per-dimension cell indices ``(..., d)`` of codebook ``indices``."""
        idx = self._check_indices(indices)
        return (idx[..., None] // self._basis) % np.asarray(self._levels, dtype=np.int64)

    def decode(self, indices, *, dtype=np.float32) -> np.ndarray:
        """Codes ``(..., d)`` of codebook ``indices`` (float32 by default, as the reference)."""
        cells = self.indices_to_level_indices(indices)
        table = self._tables(dtype)[1]
        return table[np.arange(self.dim), cells]

    indices_to_codes = decode

    def codes_to_indices(self, codes) -> np.ndarray:
        """Codebook indices (int64) of codes lying on the grid; off-grid codes are refused."""
        arr = v.as_real_array("codes", codes)
        v.check_last_dim("codes", arr, self.dim)
        cells = np.empty(arr.shape, dtype=np.int64)
        for i, d in enumerate(self._dims):
            table = d.codes(arr.dtype)
            col = arr[..., i]
            k = np.clip(np.searchsorted(table, col), 0, d.L - 1)
            k_left = np.clip(k - 1, 0, d.L - 1)
            k = np.where(np.abs(table[k_left] - col) < np.abs(table[k] - col), k_left, k)
            off = np.abs(table[k] - col) > 1e-6
            if off.any():
                pos = v._first_position(off)
                raise ValueError(
                    f"codes[..., {i}] must lie on the grid of {d.L} levels; {int(off.sum())} "
                    f"values do not, first at {pos}: {float(col[pos])!r}"
                )
            cells[..., i] = k
        return cells @ self._basis

    def codebook(self, *, dtype=np.float32) -> np.ndarray:
        """All codes, ``(|C|, d)``, row ``i`` being the code of index ``i``."""
        if self.codebook_size > _CODEBOOK_ROWS_MAX:
            raise ValueError(
                f"codebook of {self.codebook_size} codes is too large to materialize "
                f"(limit {_CODEBOOK_ROWS_MAX}); use decode() on the indices you need"
            )
        return self.decode(np.arange(self.codebook_size), dtype=dtype)

    def scalar_quantizers(self, scale=1.0) -> tuple["ScalarQuantizer", ...]:
        """Per-dimension cells as ``ScalarQuantizer``s in source units, for ``z = scale * x``.

        Thresholds are the real-arithmetic values of ``x`` where the bounded value crosses a
        rounding boundary; points are the ``x`` whose bounded value is exactly the level
        (the grid pulled back through the bound). In symmetric mode the outer codes +-1 are
        reached by tanh only at infinity, so their points are -inf and +inf: use a centroid
        reconstruction there. Float32 thresholds (``thresholds()``) differ from these by a few
        ulp.

        Parameters
        ----------
        scale : float or array of shape (d,)
            Encoder gain, > 0.
        """
        s = v.per_dim("scale", scale, self.dim, positive=True)
        return tuple(
            ScalarQuantizer(d.real_thresholds() / s[i], d.real_points() / s[i])
            for i, d in enumerate(self._dims)
        )


class ScalarQuantizer:
    r"""Scalar quantizer given by decision thresholds and reconstruction points.

    Cell :math:`k` is :math:`[t_{k-1}, t_k)` with :math:`t_{-1} = -\infty`,
    :math:`t_{n-1} = +\infty`; :math:`Q(x) = y_k` for :math:`x` in cell :math:`k`. A value equal
    to a threshold belongs to the upper cell (as in FSQ's threshold form).

    Parameters
    ----------
    thresholds : array_like, shape (n-1,)
        Strictly increasing, finite.
    points : array_like, shape (n,)
        Reconstruction points (not NaN; +-inf allowed only for the outer cells).

    Examples
    --------
    Four cells of width 1/2, mid-rise (0 is a threshold and belongs to the upper cell):

    >>> q = ScalarQuantizer.uniform(4, 0.5)
    >>> q.thresholds.tolist(), q.points.tolist()
    ([-0.5, 0.0, 0.5], [-0.75, -0.25, 0.25, 0.75])
    >>> x = [-1.0, -0.25, 0.0, 0.3, 2.0]
    >>> q.encode(x).tolist(), q.quantize(x).tolist()
    ([0, 1, 2, 2, 3], [-0.75, -0.25, 0.25, 0.25, 0.75])

    FSQ's cells in source units: 3 levels pull back to thresholds
    :math:`\pm\operatorname{atanh}(1/(2h))`, :math:`h = 1.001`, and outer points
    :math:`\pm\operatorname{atanh}(1/h)`:

    >>> q3 = FSQ([3]).scalar_quantizers()[0]
    >>> np.round(q3.thresholds, 6).tolist(), np.round(q3.points, 6).tolist()
    ([-0.54864, 0.54864], [-3.800701, 0.0, 3.800701])
    """

    __slots__ = ("_thresholds", "_points")

    def __init__(self, thresholds, points):
        t = v.as_real_array("thresholds", thresholds).astype(np.float64)
        p = v.as_real_array("points", points, finite=False).astype(np.float64)
        if t.ndim != 1:
            raise ValueError(f"thresholds must be 1-D, got shape {t.shape}")
        if p.ndim != 1 or p.shape[0] != t.shape[0] + 1:
            raise ValueError(
                f"points must be 1-D with len(thresholds) + 1 = {t.shape[0] + 1} entries, "
                f"got shape {p.shape}"
            )
        if t.size > 1 and not (np.diff(t) > 0).all():
            i = int(np.flatnonzero(np.diff(t) <= 0)[0])
            raise ValueError(
                f"thresholds must be strictly increasing; thresholds[{i}] = {t[i]!r} >= "
                f"thresholds[{i + 1}] = {t[i + 1]!r}"
            )
        if np.isnan(p).any() or (p.size > 2 and not np.isfinite(p[1:-1]).all()):
            raise ValueError(f"points must be finite (+-inf only at the ends), got {p.tolist()}")
        t.flags.writeable = False
        p.flags.writeable = False
        self._thresholds, self._points = t, p

    @property
    def thresholds(self) -> np.ndarray:
        """Decision thresholds ``(n-1,)``, float64, read-only."""
        return self._thresholds

    @property
    def points(self) -> np.ndarray:
        """Reconstruction points ``(n,)``, float64, read-only."""
        return self._points

    @property
    def n_cells(self) -> int:
        """Number of cells ``n``."""
        return self._points.shape[0]

    @property
    def cell_edges(self) -> np.ndarray:
        """``(n+1,)`` edges ``[-inf, t_0, ..., t_{n-2}, +inf]``."""
        return np.concatenate([[-np.inf], self._thresholds, [np.inf]])

    def __repr__(self) -> str:
        return f"ScalarQuantizer(n_cells={self.n_cells}, thresholds={self._thresholds!r}, points={self._points!r})"

    def __eq__(self, other):
        return (isinstance(other, ScalarQuantizer)
                and np.array_equal(self._thresholds, other._thresholds)
                and np.array_equal(self._points, other._points))

    __hash__ = None

    def encode(self, x) -> np.ndarray:
        """Cell index (int64, same shape as ``x``)."""
        arr = v.as_real_array("x", x)
        return np.searchsorted(self._thresholds, arr, side="right").astype(np.int64)

    def decode(self, cells) -> np.ndarray:
        """Reconstruction point of each cell index."""
        k = v.as_index_array("cells", cells)
        if k.size and (k.min() < 0 or k.max() >= self.n_cells):
            bad = (k < 0) | (k >= self.n_cells)
            pos = v._first_position(bad)
            raise ValueError(f"cells must lie in [0, {self.n_cells - 1}], got {int(k[pos])} at {pos}")
        return self._points[k]

    def quantize(self, x) -> np.ndarray:
        """``Q(x)``: the reconstruction point of the cell of each ``x``."""
        return self._points[self.encode(x)]

    def with_points(self, points) -> "ScalarQuantizer":
        """Same cells, other reconstruction points (e.g. conditional means)."""
        return ScalarQuantizer(self._thresholds, points)

    @classmethod
    def uniform(cls, n: int, step: float) -> "ScalarQuantizer":
        r"""Uniform quantizer with ``n`` cells of width ``step`` centred on 0.

        Points :math:`y_k = (k - (n-1)/2)\,\Delta`, thresholds halfway between; odd ``n`` is
        mid-tread (0 is a point), even ``n`` mid-rise (0 is a threshold).
        """
        n = v.check_int("n", n, minimum=1)
        step = v.check_real("step", step, minimum=0.0, strict_minimum=True)
        points = (np.arange(n) - (n - 1) / 2) * step
        return cls((points[:-1] + points[1:]) / 2, points)
