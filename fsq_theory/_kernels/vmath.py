r"""Elementary functions that LLVM can vectorise (the installed llvmlite has no SVML).

A loop calling ``math.exp`` or ``math.tanh`` stays scalar: LLVM has no vector version of the libm
call without a vector maths library. The functions here are straight-line float arithmetic
(no calls, no branches, no raising division) so that a loop over them compiles to SIMD code when
the calling kernel uses ``error_model="numpy"``.

``expm1_neg(x)`` = :math:`e^x - 1` for :math:`x \le 0`: Cody-Waite reduction
:math:`x = n \ln 2 + r`, :math:`|r| \le \ln 2 / 2` (``ln 2`` split in a 32-bit head, so
``n * LN2_HI`` is exact, and a tail; the fdlibm constants), a degree-11 polynomial
:math:`r + r^2 p(r)` (``p`` the Chebyshev interpolant of :math:`(e^r - 1 - r)/r^2`, relative
error below :math:`4 \cdot 10^{-17}` on that interval) in Horner form, and
:math:`e^x - 1 = 2^n (e^r - 1) + (2^n - 1)` with :math:`2^n` built from its exponent bits.
``tanh(u) = sign(u) * (-m) / (2 + m)`` with :math:`m = e^{-2|u|} - 1` keeps full relative accuracy
near 0, unlike :math:`(1 - e^{-2|u|}) / (1 + e^{-2|u|})`. Both are within a few ulp of the
correctly rounded values (``tests/test_vmath.py`` measures it against mpmath).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

INV_LN2 = 1.44269504088896338700e+00
LN2_HI = 6.93147180369123816490e-01  # trailing zero bits: n * LN2_HI is exact for the |n| <= 65 met here
LN2_LO = 1.90821492927058770002e-10
# below this e^x - 1 rounds to -1 (e^-45 < 2**-64): the clamp keeps 2**n a normal number
X_MIN = -45.0
# p(r) ~ (e^r - 1 - r) / r^2 on |r| <= ln(2)/2, degree 9, highest power first: the Chebyshev
# interpolant (near-minimax; relative error of r + r^2 p(r) below 4e-17, a third of an ulp),
# made with mpmath 1.3 at 40 digits:
#   f = lambda r: (mp.expm1(r) - r) / r**2 if r != 0 else mp.mpf(1) / 2
#   mp.chebyfit(f, [-mp.log(2) / 2, mp.log(2) / 2], 10)
_P = (2.5100375832561234e-08, 2.7620075879983367e-07, 2.7557268480310024e-06,
      2.4801521322368692e-05, 0.00019841269863040545, 0.0013888888917196719,
      0.008333333333330065, 0.041666666666624164, 0.16666666666666669, 0.5000000000000001)
_P9, _P8, _P7, _P6, _P5, _P4, _P3, _P2, _P1, _P0 = _P


@intrinsic
def _bits_as_float64(typingctx, x):
    """Reinterpret the bits of an int64 as a float64 (an LLVM bitcast, which vectorises)."""
    if not isinstance(x, types.Integer) or x.bitwidth != 64:
        return None

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(x), codegen


@nb.njit(cache=True, inline="always")
def pow2(n):
    """``2.0 ** n`` for an integer-valued float ``n`` in [-1022, 1023]."""
    return _bits_as_float64((np.int64(n) + 1023) << 52)


@nb.njit(cache=True, inline="always")
def expm1_neg(x):
    """:math:`e^x - 1` for ``x <= 0`` (``x > 0`` is not supported; NaN gives -1)."""
    x = x if x > X_MIN else X_MIN  # noqa: FURB136 - a select; numba's max() tests for NaN
    n = math.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    p = _P9 * r + _P8
    p = p * r + _P7
    p = p * r + _P6
    p = p * r + _P5
    p = p * r + _P4
    p = p * r + _P3
    p = p * r + _P2
    p = p * r + _P1
    p = p * r + _P0
    p = r + (r * r) * p
    s = pow2(n)
    return s * p + (s - 1.0)


@nb.njit(cache=True, inline="always")
def tanh(u):
    r""":math:`\tanh u` for finite or infinite ``u``, within a few ulp (vectorisable)."""
    m = expm1_neg(-2.0 * abs(u))
    return math.copysign(-m / (2.0 + m), u)


@nb.njit(cache=True, error_model="numpy")
def tanh_many(x, out):
    """``out[i] = tanh(x[i])`` (for tests and benchmarks)."""
    for i in range(x.shape[0]):
        out[i] = tanh(x[i])


@nb.njit(cache=True, error_model="numpy")
def expm1_neg_many(x, out):
    """``out[i] = expm1_neg(x[i])`` (for tests)."""
    for i in range(x.shape[0]):
        out[i] = expm1_neg(x[i])
