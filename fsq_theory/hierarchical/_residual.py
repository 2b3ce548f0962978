r"""Hierarchical (residual, multi-stage) FSQ: the reference forward pass and its exact analysis.

``ResidualFSQ`` reproduces the forward pass of ``vector_quantize_pytorch.ResidualFSQ`` 1.32
(evaluation mode, no projections, no quantize dropout) in numpy. With levels :math:`L_i` per
dimension and :math:`S` stages, per dimension:

.. math::

    u = c\,\tanh(x/c),\quad c = 1 + \tfrac{1}{L-1}\quad\text{(soft clamp)},\qquad
    r_0 = u,\quad
    q_s = \sigma_s\,Q(r_s/\sigma_s),\quad r_{s+1} = r_s - q_s,\qquad
    \hat u = \sum_{s<S} q_s ,

with stage scales :math:`\sigma_s = L^{-s}` (the reference's ``levels.float() ** -s``; not
:math:`(L-1)^{-s}`) and :math:`Q` the symmetry-preserving FSQ
:math:`Q(z) = \tfrac{2}{L-1}k - 1`, :math:`k = \lfloor (L-1)(b(z)+1)/2 + \tfrac12 \rfloor`,
whose bound :math:`b` is a hard clamp to :math:`[-1, 1]` (the reference default
``bound_hard_clamp=True``) or :math:`\tanh` (``bound_hard_clamp=False``, where the soft clamp
is off unless ``soft_clamp_input_value`` is given).

Every operation is monotone, so the composite of the stages is a scalar quantizer per dimension
whose cells (the sets of equal index tuples :math:`(K_1, \dots, K_S)`) are intervals nested in the
cells of the earlier stages. :func:`composite_cells` enumerates them exactly and
:func:`hierarchy_rate_distortion` integrates a Gaussian source over them: per stage, the MSE of
the reference reconstruction and of the conditional-mean reconstruction, and the joint token
entropy :math:`H(K_1, \dots, K_s)`.

References
----------
N. Zeghidour et al., "SoundStream: An End-to-End Neural Audio Codec", IEEE/ACM TASLP 30, 2022,
arXiv:2107.03312, Algorithm 1 (residual vector quantization).
F. Mentzer et al., "Finite Scalar Quantization: VQ-VAE Made Simple", ICLR 2024, arXiv:2309.15505.
P. Wang et al., arXiv:2411.19842, sec. 3.2 (symmetry-preserving FSQ).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ

__all__ = ['ResidualFSQ']


def _float32_of_fraction(q: Fraction) -> np.float32:
    """Correctly rounded float32 of an exact rational (no double rounding through float64)."""
    f = np.float32(float(q))
    cands = [np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))]
    errs = [abs(Fraction(float(c)) - q) for c in cands]
    best = min(errs)
    ties = [c for c, e in zip(cands, errs) if e == best]
    # ties to even mantissa, as IEEE round-to-nearest
    return min(ties, key=lambda c: int(np.float32(c).view(np.uint32)) & 1)


def _tanh(x: np.ndarray) -> np.ndarray:
    # correctly rounded for float32 (evaluate in float64, round once), as fsq_theory.FSQ does
    return np.tanh(x.astype(np.float64)).astype(x.dtype)


class ResidualFSQ:
    r"""Residual FSQ, numpy twin of ``vector_quantize_pytorch.ResidualFSQ`` 1.32 (eval mode).

    Stage :math:`s = 0..S-1` quantizes the residual :math:`r_s` divided by the scale
    :math:`\sigma_s = L^{-s}` with a symmetry-preserving FSQ of the same ``levels`` and adds back
    :math:`\sigma_s Q(r_s/\sigma_s)`; the output is the sum of the stage codes in the reference's
    units (those of the soft-clamped input :math:`u = c\tanh(x/c)`, :math:`|u| < c`).

    Float32 input is computed in the reference's float32 arithmetic and order (``x / c``,
    ``tanh``, ``* c``; per stage ``r / sigma``, clamp or tanh, ``(L-1)*(b+1)``, ``/2``, ``+0.5``,
    floor, ``code * sigma``, ``r - q``, ``out + q``) with float32 constants
    :math:`c = \mathrm{fl}(1 + \mathrm{fl}(1/(L-1)))` and :math:`\sigma_s = \mathrm{fl}(L^{-s})`,
    and with tanh correctly rounded. Parity with torch is therefore exact wherever torch's tanh
    is correctly rounded (its CPU tanh is MKL's: use ``MKL_CBWR=COMPATIBLE``; the default AVX-512
    path is up to a few ulp off, see ``tests/reference/README.md``); with
    ``bound_hard_clamp=True`` tanh occurs only in the soft clamp. float64 input is computed in
    float64 with the same float32-rounded constants, as torch promotes the float32 buffers;
    torch's float64 tanh is not guaranteed correctly rounded, so float64 parity is not
    guaranteed to the last bit. Measured (``tests/reference/hier_make_fixture.py``, torch 2.13
    CPU, ``MKL_CBWR=COMPATIBLE``): outputs, indices, ``decode`` and the scale / soft-clamp
    buffers are bit-identical in all 7 configurations (both bounds, L = 2..8, multi-dimensional;
    float32 rows including +-3 ulp of the composite cell edges, and float64 rows).

    Parameters
    ----------
    levels : sequence of int
        Levels per dimension (each >= 2), shared by all stages as in the reference.
    num_stages : int
        Number of residual stages ``S >= 1`` (``num_quantizers``).
    bound_hard_clamp : bool, keyword-only
        Reference default True: each stage bounds by ``clamp(z, -1, 1)`` and the input is
        soft-clamped to ``c = 1 + 1/(L-1)``. False: each stage bounds by ``tanh``.
    soft_clamp_input_value : float or sequence of float, keyword-only, optional
        Only with ``bound_hard_clamp=False`` (the reference refuses it otherwise): soft clamp
        ``c tanh(x/c)`` with this ``c > 0`` (scalar or per dimension). None: no soft clamp.

    Examples
    --------
    >>> rq = ResidualFSQ([5], 2)
    >>> rq.scales.ravel().tolist()
    [1.0, 0.20000000298023224]
    >>> x = np.array([[0.3]], dtype=np.float32)
    >>> rq.encode(x).tolist(), rq.quantize(x).tolist()
    ([[3, 0]], [[0.30000001192092896]])
    """

    def __init__(self, levels, num_stages, *, bound_hard_clamp: bool = True,
                 soft_clamp_input_value=None):
        self._fsq = FSQ(levels, symmetric=True)
        self._levels = self._fsq.levels
        self._S = v.check_int("num_stages", num_stages, minimum=1)
        if not isinstance(bound_hard_clamp, (bool, np.bool_)):
            raise TypeError(f"bound_hard_clamp must be a bool, got {bound_hard_clamp!r}")
        self._hard = bool(bound_hard_clamp)
        d = len(self._levels)
        if self._hard:
            if soft_clamp_input_value is not None:
                raise ValueError(
                    "soft_clamp_input_value must be None when bound_hard_clamp=True (the reference "
                    f"sets it to 1 + 1/(L-1)), got {soft_clamp_input_value!r}")
            exact_c = [1 + Fraction(1, L - 1) for L in self._levels]
            # torch: 1 + (1 / (levels - 1)): the quotient is rounded to float32, then the sum
            clamp = np.array([np.float32(1) + _float32_of_fraction(Fraction(1, L - 1))
                              for L in self._levels], dtype=np.float32)
        elif soft_clamp_input_value is None:
            exact_c, clamp = None, None
        else:
            c64 = v.per_dim("soft_clamp_input_value", soft_clamp_input_value, d, positive=True)
            clamp = c64.astype(np.float32)
            exact_c = [Fraction(float(c)) for c in clamp]
        self._clamp = clamp
        self._exact_clamp = exact_c
        if clamp is not None:
            clamp.flags.writeable = False
        scales = np.array([[_float32_of_fraction(Fraction(1, L ** s)) for L in self._levels]
                           for s in range(self._S)], dtype=np.float32)
        scales.flags.writeable = False
        self._scales = scales

    # --- descriptive properties --------------------------------------------------------------
    @property
    def levels(self) -> tuple[int, ...]:
        return self._levels

    @property
    def num_stages(self) -> int:
        return self._S

    @property
    def dim(self) -> int:
        return len(self._levels)

    @property
    def bound_hard_clamp(self) -> bool:
        return self._hard

    @property
    def stage_quantizer(self) -> FSQ:
        """The symmetric FSQ every stage applies (its codes, index basis and tanh bound)."""
        return self._fsq

    @property
    def scales(self) -> np.ndarray:
        """Stage scales :math:`\\sigma_s = \\mathrm{fl}_{32}(L_i^{-s})`, shape (S, d), read-only."""
        return self._scales

    @property
    def soft_clamp_value(self):
        """float32 soft-clamp constants per dimension (read-only), or None when off."""
        return self._clamp

    @property
    def stage_codebook_size(self) -> int:
        return self._fsq.codebook_size

    @property
    def rate_bits(self) -> float:
        """Fixed rate ``S * log2 prod(levels)`` in bits per vector."""
        return self._S * self._fsq.rate_bits

    def __repr__(self) -> str:
        extra = "" if self._hard else ", bound_hard_clamp=False"
        if not self._hard and self._clamp is not None:
            extra += f", soft_clamp_input_value={self._clamp.tolist()}"
        return f"ResidualFSQ({list(self._levels)}, {self._S}{extra})"

    # --- forward pass ------------------------------------------------------------------------
    def soft_clamp(self, x) -> np.ndarray:
        """The soft-clamped input :math:`u = c\\tanh(x/c)` (``x`` itself when off), dtype of x."""
        arr, rows = self._rows(x)
        return self._soft_clamp(rows).reshape(arr.shape)

    def _rows(self, x, name="x"):
        arr = v.as_real_array(name, x)
        v.check_last_dim(name, arr, self.dim)
        return arr, np.asarray(arr).reshape(-1, self.dim)

    def _soft_clamp(self, rows):
        if self._clamp is None:
            return rows.copy()
        c = self._clamp.astype(rows.dtype)
        return _tanh(rows / c) * c

    def _stage_cells(self, z):
        """Per-dimension cell index k in 0..L-1 of the symmetric FSQ on ``z`` (rows, d)."""
        if not self._hard:
            return self._fsq.level_indices(z)
        T = z.dtype.type
        lm1 = np.asarray([L - 1 for L in self._levels], dtype=z.dtype)
        # torch: levels_minus_1 * (clamp(z) + 1) / 2. + 0.5, each op rounded in z's dtype
        b = np.clip(z, T(-1), T(1)) + T(1)
        b = (lm1 * b) / T(2) + T(0.5)
        return np.floor(b).astype(np.int64)

    def _forward(self, x, name="x"):
        arr, rows = self._rows(x, name)
        dt = rows.dtype
        codes = self._fsq._tables(dt)[1]  # (d, Lmax) code values in dt, padded with NaN
        dims = np.arange(self.dim)
        residual = self._soft_clamp(rows)
        out = np.zeros_like(residual)
        cells = np.empty((rows.shape[0], self._S, self.dim), dtype=np.int64)
        for s in range(self._S):
            scale = self._scales[s].astype(dt)
            k = self._stage_cells(residual / scale)
            cells[:, s] = k
            q = codes[dims, k] * scale
            residual = residual - q
            out = out + q  # the reference starts from 0. + q: the same value
        return arr, out, cells

    def quantize(self, x) -> np.ndarray:
        """Sum of the stage codes (reference units), same shape and float dtype as ``x``.

        Parameters
        ----------
        x : array_like, shape (..., d)
            Encoder output; float32 (reference parity) or float64.
        """
        arr, out, _ = self._forward(x)
        return out.reshape(arr.shape)

    def encode(self, x) -> np.ndarray:
        """Stage indices ``sum_i k_{s,i} prod_{j<i} L_j``, int64 of shape ``(..., S)``."""
        arr, _, cells = self._forward(x)
        return (cells @ self._fsq.basis).reshape(*arr.shape[:-1], self._S)

    def decode(self, indices, *, dtype=np.float32) -> np.ndarray:
        """Sum of the scaled stage codes of ``indices`` (``(..., S)`` int), shape ``(..., d)``.

        Summed stage by stage in order, as the forward pass accumulates (torch's
        ``get_output_from_indices`` sums with ``reduce``, which may associate differently: equal
        to the forward output up to float32 rounding of the sum).
        """
        idx = v.as_index_array("indices", indices)
        if idx.ndim == 0 or idx.shape[-1] != self._S:
            raise ValueError(f"indices must have last dimension num_stages = {self._S}, "
                             f"got shape {idx.shape}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise TypeError(f"dtype must be float32 or float64, got {dtype}")
        out = np.zeros((*idx.shape[:-1], self.dim), dtype=dtype)
        for s in range(self._S):
            q = self._fsq.decode(idx[..., s], dtype=dtype) * self._scales[s].astype(dtype)
            out = out + q
        return out

    # --- exact cell structure ----------------------------------------------------------------
    def _stage_table(self, i: int):
        """Stage thresholds (in z) and codes of dimension ``i``: exact Fractions under the hard
        clamp (all constants rational), float64 under tanh."""
        L = self._levels[i]
        if self._hard:
            thr = [Fraction(2 * j - 1, L - 1) - 1 for j in range(1, L)]
            codes = [Fraction(2 * k, L - 1) - 1 for k in range(L)]
        else:
            thr = [float(t) for t in self._fsq.scalar_quantizers()[i].thresholds]
            codes = [2 * k / (L - 1) - 1.0 for k in range(L)]
        return thr, codes
