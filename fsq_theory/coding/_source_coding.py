"""Lossless source coding of tokens: the optimal fixed-rate error exponent, and what FSQ tokens need."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
optimize = lazy_module("scipy.optimize")

from .. import _validation as v
from ..stats import plugin_entropy_bits as _entropy_bits
from ._channels import log_base_factor

__all__ = ['source_coding_exponent', 'TokenSourceCoding', 'token_source_coding']


# ---------------------------------------------------------------------------------------------
# Source coding
# ---------------------------------------------------------------------------------------------
def _check_pmf(name, p) -> np.ndarray:
    """A pmf (floats summing to 1) or integer counts, as a normalized float64 vector."""
    from ..geometry._information import _counts_or_pmf

    _, arr = _counts_or_pmf(name, p)
    return arr / arr.sum()



def _tilted(p: np.ndarray, lam: float) -> np.ndarray:
    lp = lam * np.log(p)
    w = np.exp(lp - lp.max())
    return w / w.sum()


def source_coding_exponent(P, R, *, base=2) -> float:
    r"""Error exponent of fixed-rate lossless block coding of an i.i.d. source :math:`P`.

    .. math::

        e(R) = \min_{Q:\ H(Q) \ge R} D(Q \| P)

    (bits per source symbol by default; ``R`` in bits per symbol). It is 0 for
    :math:`R \le H(P)`, increases for :math:`H(P) < R \le \log|\mathrm{supp}\,P|`, and is
    ``inf`` beyond (every sequence of the support can then be given its own index: no error).
    The minimizer is the tilted distribution :math:`Q_\lambda \propto P^\lambda`,
    :math:`\lambda \in [0, 1]` solving :math:`H(Q_\lambda) = R`, found by Brent's method. The
    dual form :math:`\sup_{\rho\ge0}[\rho R - (1+\rho)\log\sum_x P(x)^{1/(1+\rho)}]` (Gallager
    1968, problem 5.16; Jelinek 1968) is used in the tests as an independent check.

    Parameters
    ----------
    P : array_like
        Probabilities (floats summing to 1) or integer counts; zeros allowed.
    R : float
        Rate, >= 0, in ``base`` units per symbol.
    base : float or str, keyword-only
        2 (bits, default) or ``"nats"``; applies to ``R`` and the result.

    Returns
    -------
    float
        :math:`e(R)` in ``base`` units per source symbol (0 for :math:`R \le H(P)`, ``inf``
        above :math:`\log|\mathrm{supp}\,P|`).

    References
    ----------
    I. Csiszár, J. Körner, *Information Theory*, 2nd ed., Cambridge 2011, Thm 2.15 (fixed-length
    source coding, the exponent of the error probability); F. Jelinek, *Probabilistic
    Information Theory*, 1968.

    Examples
    --------
    A Bernoulli(0.1) source coded at :math:`R = h(0.2)`: the dominant error type is
    Bernoulli(0.2), so :math:`e(R) = D(0.2\|0.1) = 0.2 + 0.8\log_2(8/9)`:

    >>> from fsq_theory.coding import binary_entropy
    >>> R = binary_entropy(0.2)
    >>> round(source_coding_exponent([0.9, 0.1], R), 6), round(0.2 + 0.8 * math.log2(8 / 9), 6)
    (0.06406, 0.06406)
    >>> source_coding_exponent([0.9, 0.1], 0.3), source_coding_exponent([0.9, 0.1], 1.5)
    (0.0, inf)
    >>> round(source_coding_exponent([0.5, 0.25, 0.25], math.log2(3)), 6)  # D(uniform || P)
    0.081704
    """
    p = _check_pmf("P", P)
    factor = log_base_factor(base)
    r = v.check_real("R", R, minimum=0.0) / factor
    p = p[p > 0]
    h = _entropy_bits(p)
    top = math.log2(p.size)
    if r <= h:
        return 0.0
    if r > top + 1e-12:
        return math.inf
    if r >= top:
        lam = 0.0
    else:
        lam = optimize.brentq(lambda t: _entropy_bits(_tilted(p, t)) - r, 0.0, 1.0,
                              xtol=1e-15, rtol=4 * np.finfo(float).eps)
    Q = _tilted(p, lam)
    pos = Q > 0
    return float(np.sum(Q[pos] * (np.log2(Q[pos]) - np.log2(p[pos])))) * factor


@dataclass(frozen=True)
class TokenSourceCoding:
    r"""Source-coding view of FSQ tokens.

    Attributes
    ----------
    codebook_size : int
        :math:`|C|`.
    dim : int
        Scalars per token (FSQ dimension :math:`d`).
    fixed_rate_per_vector : float
        :math:`\log_2|C|` bits per token (the fixed-length index).
    fixed_rate_per_scalar : float
        :math:`\log_2|C|/d` bits per latent scalar: the seed's :math:`\frac1n\log_2|C|` with
        :math:`n = d` the number of scalars a token describes.
    entropy_per_vector : float
        Plug-in :math:`H(Z)` of the token distribution, bits per token.
    entropy_saving : float
        :math:`\log_2|C| - H(Z)` (bits per token): what an ideal entropy coder of i.i.d. tokens
        saves over fixed-length indices.
    rates, exponents : ndarray
        Block-coding rates (bits per token) and the optimal error exponents
        :math:`\min_{H(Q)\ge R} D(Q\|P)` (bits per token) at those rates.

    Examples
    --------
    >>> t = token_source_coding([0.5, 0.25, 0.125, 0.125], codebook_size=4, dim=2)
    >>> t.fixed_rate_per_vector, t.entropy_per_vector, t.entropy_saving
    (2.0, 1.75, 0.25)
    """

    codebook_size: int
    dim: int
    fixed_rate_per_vector: float
    fixed_rate_per_scalar: float
    entropy_per_vector: float
    entropy_saving: float
    rates: np.ndarray
    exponents: np.ndarray

    def to_frame(self):
        """Table with columns ``rate_bits_per_token`` and ``exponent_bits``."""
        import pandas as pd

        return pd.DataFrame({"rate_bits_per_token": self.rates, "exponent_bits": self.exponents})


def token_source_coding(token_distribution, *, codebook_size: int, dim: int, rates=None) -> TokenSourceCoding:
    r"""Rates and source-coding exponents of FSQ tokens.

    Fixed-length indices cost :math:`\log_2|C|` bits per token, an ideal entropy coder of
    i.i.d. tokens :math:`H(Z)`; between the two, a block code of rate :math:`R` errs with
    exponent :math:`e(R) = \min_{H(Q)\ge R} D(Q\|P_Z)` (:func:`source_coding_exponent`).

    Parameters
    ----------
    token_distribution : array_like, shape (|C|,)
        Token probabilities (floats summing to 1) or integer counts (e.g.
        ``stream_stats(...).counts``).
    codebook_size : int, keyword-only
        :math:`|C|` (must equal the length of ``token_distribution``).
    dim : int, keyword-only
        FSQ dimension :math:`d` (scalars per token).
    rates : array_like, optional
        Rates (bits per token) at which to evaluate the exponent; default 21 points from
        :math:`H(Z)` to :math:`\log_2|C|`.

    Returns
    -------
    TokenSourceCoding
        Fixed-length and entropy rates, and the exponents at ``rates``.

    References
    ----------
    Csiszár & Körner (2011), Thm 2.15 (see :func:`source_coding_exponent`).

    Examples
    --------
    A dyadic token distribution over 4 codes of a 2-dimensional FSQ: 2 bits per token fixed
    (1 bit per scalar), 1.75 bits entropy; at :math:`R = \log_2|C|` the exponent is
    :math:`D(U\|P) = 2 - 1.75`:

    >>> t = token_source_coding([0.5, 0.25, 0.125, 0.125], codebook_size=4, dim=2)
    >>> t.fixed_rate_per_scalar, t.entropy_per_vector, t.entropy_saving
    (1.0, 1.75, 0.25)
    >>> t.rates[[0, -1]], np.round(t.exponents[[0, -1]], 6)
    (array([1.75, 2.  ]), array([0.  , 0.25]))
    """
    size = v.check_int("codebook_size", codebook_size, minimum=1)
    d = v.check_int("dim", dim, minimum=1)
    p = _check_pmf("token_distribution", token_distribution)
    if p.size != size:
        raise ValueError(f"token_distribution must have codebook_size = {size} entries, got {p.size}")
    h = _entropy_bits(p)
    top = math.log2(size)
    if rates is None:
        rates = np.linspace(h, top, 21)
    rates = v.as_real_array("rates", rates).astype(np.float64).ravel()
    ex = np.array([source_coding_exponent(p, r) for r in rates])
    return TokenSourceCoding(size, d, top, top / d, h, top - h, rates, ex)


