r"""Elementary functions that LLVM can vectorise (the installed llvmlite has no SVML).

A loop calling ``math.exp`` or ``math.tanh`` stays scalar: LLVM has no vector version of the libm
call without a vector maths library. The functions here are straight-line float arithmetic
(no calls, no branches, no raising division) so that a loop over them compiles to SIMD code when
the calling kernel uses ``error_model="numpy"``.

``expm1_neg(x)`` = :math:`e^x - 1` for :math:`x \le 0`: Cody-Waite reduction
:math:`x = n \ln 2 + r`, :math:`|r| \le \ln 2 / 2` (``ln 2`` split in a 32-bit head, so
``n * LN2_HI`` is exact, and a tail; the fdlibm constants), the Taylor polynomial of
:math:`e^r - 1` to degree 13 (truncation below :math:`2^{-56}` relative on that interval) in Horner
form, and :math:`e^x - 1 = 2^n (e^r - 1) + (2^n - 1)` with :math:`2^n` built from its exponent
bits. ``tanh(u) = sign(u) * (-m) / (2 + m)`` with :math:`m = e^{-2|u|} - 1` keeps full relative
accuracy near 0, unlike :math:`(1 - e^{-2|u|}) / (1 + e^{-2|u|})`. Both are within a few ulp of the
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
# 1 / k! for k = 13 .. 2 (Horner order)
_C13 = 1.0 / 6227020800.0
_C12 = 1.0 / 479001600.0
_C11 = 1.0 / 39916800.0
_C10 = 1.0 / 3628800.0
_C9 = 1.0 / 362880.0
_C8 = 1.0 / 40320.0
_C7 = 1.0 / 5040.0
_C6 = 1.0 / 720.0
_C5 = 1.0 / 120.0
_C4 = 1.0 / 24.0
_C3 = 1.0 / 6.0
_C2 = 0.5


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
    """:math:`e^x - 1` for ``x <= 0`` (``x > 0`` is not supported; NaN gives NaN or -1)."""
    x = x if x > X_MIN else X_MIN
    n = math.floor(x * INV_LN2 + 0.5)
    r = (x - n * LN2_HI) - n * LN2_LO
    p = _C13 * r + _C12
    p = p * r + _C11
    p = p * r + _C10
    p = p * r + _C9
    p = p * r + _C8
    p = p * r + _C7
    p = p * r + _C6
    p = p * r + _C5
    p = p * r + _C4
    p = p * r + _C3
    p = p * r + _C2
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
