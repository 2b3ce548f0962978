r"""Discrete memoryless channels and their capacity.

A discrete memoryless channel (DMC) is a row-stochastic matrix :math:`W(y|x)` (rows: inputs,
columns: outputs). This module builds the textbook channels (binary symmetric, binary erasure, Z)
and the **FSQ token channel** — an FSQ code sent through additive white Gaussian noise and
re-quantized by the same FSQ — and computes capacity by Blahut–Arimoto with a certified gap.

References
----------
R. G. Gallager, *Information Theory and Reliable Communication*, Wiley 1968, ch. 4–5.
R. E. Blahut, "Computation of channel capacity and rate-distortion functions", IEEE Trans. IT-18
(1972) 460–473. S. Arimoto, "An algorithm for computing the capacity of arbitrary discrete
memoryless channels", IEEE Trans. IT-18 (1972) 14–20.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

from .. import _validation as v
from ..cells import cell_probabilities
from ..quantizer import FSQ, ScalarQuantizer

__all__ = [
    "DiscreteChannel", "bsc", "bec", "z_channel", "fsq_awgn_channel", "fsq_code_quantizers",
    "CapacityResult", "capacity", "capacity_result", "log_base_factor", "binary_entropy",
]

_ROW_SUM_TOL = 1e-9
_PRODUCT_ENTRIES_MAX = 1 << 24  # |X| * |Y| of a materialized product channel (128 MiB float64)


def log_base_factor(base) -> float:
    r"""Factor converting bits to ``base`` units: ``value_in_base = value_bits * factor``.

    .. math::

        f(b) = \frac{\ln 2}{\ln b} = \log_b 2

    Parameters
    ----------
    base : float or str
        Logarithm base, following the package's one rule
        (:func:`fsq_theory._validation.log_base`): a real > 0 and != 1, or
        ``"bits"``/``"nats"``/``"e"``.

    Returns
    -------
    float
        :math:`\log_b 2`; 1.0 for bits.

    Examples
    --------
    >>> log_base_factor(2)
    1.0
    >>> round(log_base_factor("nats"), 6)   # ln 2
    0.693147
    >>> round(log_base_factor(10), 6)       # log10 2
    0.30103
    """
    return math.log(2.0) / v.log_base(base)


class DiscreteChannel:
    r"""Discrete memoryless channel :math:`W(y|x)`.

    Parameters
    ----------
    W : array_like, shape (n_inputs, n_outputs)
        Transition matrix: non-negative, finite, each row summing to 1 within 1e-9 (rows are then
        renormalized exactly). Copied; the stored matrix is read-only.
    name : str, keyword-only
        Label used in tables and figures.

    Examples
    --------
    >>> ch = DiscreteChannel([[0.9, 0.1], [0.1, 0.9]], name="BSC(0.1)")
    >>> ch.n_inputs, ch.n_outputs
    (2, 2)
    """

    __slots__ = ("_W", "_name")

    def __init__(self, W, *, name: str = "DMC"):
        arr = v.as_real_array("W", W).astype(np.float64, copy=True)
        if arr.ndim != 2 or arr.shape[0] < 1 or arr.shape[1] < 1:
            raise ValueError(f"W must be a non-empty 2-D matrix (inputs x outputs), got shape {arr.shape}")
        if (arr < 0).any():
            pos = v._first_position(arr < 0)
            raise ValueError(f"W must be non-negative; W{list(pos)} = {arr[pos]!r}")
        sums = arr.sum(axis=1)
        bad = np.abs(sums - 1.0) > _ROW_SUM_TOL
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"W must be row-stochastic (rows summing to 1 within {_ROW_SUM_TOL}); "
                f"{int(bad.sum())} row(s) do not, first row {i} sums to {sums[i]!r}"
            )
        arr /= sums[:, None]
        arr.flags.writeable = False
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {name!r}")
        self._W, self._name = arr, name

    @property
    def W(self) -> np.ndarray:
        """Transition matrix (read-only), rows = inputs."""
        return self._W

    @property
    def name(self) -> str:
        """Label used in tables and figures."""
        return self._name

    @property
    def n_inputs(self) -> int:
        """Size of the input alphabet (rows of ``W``)."""
        return self._W.shape[0]

    @property
    def n_outputs(self) -> int:
        """Size of the output alphabet (columns of ``W``)."""
        return self._W.shape[1]

    def __repr__(self) -> str:
        return f"DiscreteChannel(name={self._name!r}, n_inputs={self.n_inputs}, n_outputs={self.n_outputs})"

    def __eq__(self, other):
        return isinstance(other, DiscreteChannel) and np.array_equal(self._W, other._W)

    __hash__ = None

    def output_distribution(self, q) -> np.ndarray:
        """Output distribution :math:`(qW)(y) = \\sum_x q(x) W(y|x)`.

        Parameters
        ----------
        q : array_like, shape (n_inputs,)
            Input distribution (non-negative, summing to 1).

        Returns
        -------
        ndarray, shape (n_outputs,)
            The output distribution :math:`qW`.

        Examples
        --------
        >>> bec(0.25).output_distribution([0.5, 0.5])
        array([0.375, 0.25 , 0.375])
        """
        return check_input_distribution(q, self.n_inputs) @ self._W

    def mutual_information(self, q, *, base=2) -> float:
        r"""Mutual information between input and output for the input distribution ``q``.

        .. math::

            I(q; W) = \sum_{x,y} q(x) W(y|x) \log \frac{W(y|x)}{(qW)(y)}

        Parameters
        ----------
        q : array_like, shape (n_inputs,)
            Input distribution (non-negative, summing to 1).
        base : float or str, keyword-only
            2 (bits, default) or ``"nats"``.

        Returns
        -------
        float
            :math:`I(q; W)` in ``base`` units per channel use.

        Examples
        --------
        >>> round(bsc(0.11).mutual_information([0.5, 0.5]), 6)   # 1 - h(0.11)
        0.500084
        """
        q = check_input_distribution(q, self.n_inputs)
        return float(q @ _row_divergences_bits(self._W, q @ self._W)) * log_base_factor(base)

    def product(self, other: "DiscreteChannel") -> "DiscreteChannel":
        r"""Parallel use of ``self`` and ``other``: :math:`W((y_1,y_2)|(x_1,x_2)) = W_1 W_2`.

        Index convention: the pair ``(x_1, x_2)`` has index ``x_1 + n_1 x_2`` (``self`` least
        significant), the same mixed-radix order as FSQ codebook indices.

        Parameters
        ----------
        other : DiscreteChannel
            The second channel (at most 2**24 entries in the product matrix).

        Returns
        -------
        DiscreteChannel
            The product channel, ``n_inputs * other.n_inputs`` inputs.

        Examples
        --------
        Capacity adds over parallel channels:

        >>> ch = bsc(0.11).product(bec(0.25))
        >>> ch.n_inputs, ch.n_outputs
        (4, 6)
        >>> round(capacity(ch), 6), round(capacity(bsc(0.11)) + 0.75, 6)
        (1.250084, 1.250084)
        """
        if not isinstance(other, DiscreteChannel):
            raise TypeError(f"other must be a DiscreteChannel, got {type(other).__name__}")
        size = self.n_inputs * other.n_inputs * self.n_outputs * other.n_outputs
        if size > _PRODUCT_ENTRIES_MAX:
            raise ValueError(f"product channel would have {size} entries (limit {_PRODUCT_ENTRIES_MAX})")
        return DiscreteChannel(np.kron(other._W, self._W), name=f"{self._name} x {other._name}")


def check_channel(W) -> DiscreteChannel:
    """Return ``W`` as a :class:`DiscreteChannel` (a matrix is validated and wrapped)."""
    return W if isinstance(W, DiscreteChannel) else DiscreteChannel(W)


def check_input_distribution(q, n: int, name: str = "q") -> np.ndarray:
    """Validate a probability vector of length ``n`` (non-negative, sums to 1 within 1e-9)."""
    from ..geometry._information import check_pmf

    arr = check_pmf(name, q)
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got shape {arr.shape}")
    return arr / arr.sum()


def _row_divergences_bits(W: np.ndarray, out: np.ndarray) -> np.ndarray:
    r""":math:`D(W(\cdot|x) \| out)` in bits for every row (0 log 0 = 0; +inf if out misses W's support)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(W > 0, W * (np.log2(W) - np.log2(out)[None, :]), 0.0)
    return terms.sum(axis=1)


# ---------------------------------------------------------------------------------------------
# Textbook channels
# ---------------------------------------------------------------------------------------------
def _check_probability(name: str, p) -> float:
    return v.check_real(name, p, minimum=0.0, maximum=1.0)


def bsc(p) -> DiscreteChannel:
    r"""Binary symmetric channel with crossover probability ``p``.

    .. math::

        W = \begin{pmatrix} 1-p & p \\ p & 1-p \end{pmatrix},
        \qquad C = 1 - h(p) \text{ bits}

    Parameters
    ----------
    p : float
        Crossover probability, in [0, 1].

    Returns
    -------
    DiscreteChannel
        Two inputs, two outputs, named ``"BSC(p)"``.

    Examples
    --------
    >>> bsc(0.1).W
    array([[0.9, 0.1],
           [0.1, 0.9]])
    >>> round(capacity(bsc(0.11)), 6), round(1 - binary_entropy(0.11), 6)
    (0.500084, 0.500084)
    """
    p = _check_probability("p", p)
    return DiscreteChannel([[1 - p, p], [p, 1 - p]], name=f"BSC({p:g})")


def bec(e) -> DiscreteChannel:
    r"""Binary erasure channel with erasure probability ``e``; outputs (0, erasure, 1).

    .. math::

        W = \begin{pmatrix} 1-e & e & 0 \\ 0 & e & 1-e \end{pmatrix},
        \qquad C = 1 - e \text{ bits}

    Parameters
    ----------
    e : float
        Erasure probability, in [0, 1].

    Returns
    -------
    DiscreteChannel
        Two inputs, three outputs (0, erasure, 1), named ``"BEC(e)"``.

    Examples
    --------
    >>> bec(0.25).W
    array([[0.75, 0.25, 0.  ],
           [0.  , 0.25, 0.75]])
    >>> round(capacity(bec(0.25)), 6)
    0.75
    """
    e = _check_probability("e", e)
    return DiscreteChannel([[1 - e, e, 0.0], [0.0, e, 1 - e]], name=f"BEC({e:g})")


def z_channel(p) -> DiscreteChannel:
    r"""Z channel: input 0 is received perfectly, input 1 flips to 0 with probability ``p``.

    .. math::

        W = \begin{pmatrix} 1 & 0 \\ p & 1-p \end{pmatrix},
        \qquad C = \log_2\bigl(1 + (1-p)\,p^{p/(1-p)}\bigr) \text{ bits}

    Parameters
    ----------
    p : float
        Probability that input 1 is received as 0, in [0, 1].

    Returns
    -------
    DiscreteChannel
        Two inputs, two outputs, named ``"Z(p)"``.

    Examples
    --------
    >>> z_channel(0.5).W
    array([[1. , 0. ],
           [0.5, 0.5]])
    >>> round(capacity(z_channel(0.5)), 6), round(math.log2(1.25), 6)   # C = log2(5/4)
    (0.321928, 0.321928)
    """
    p = _check_probability("p", p)
    return DiscreteChannel([[1.0, 0.0], [p, 1 - p]], name=f"Z({p:g})")


# ---------------------------------------------------------------------------------------------
# FSQ token channel
# ---------------------------------------------------------------------------------------------
def fsq_code_quantizers(fsq: FSQ) -> tuple[ScalarQuantizer, ...]:
    r"""FSQ's decision cells expressed in the code domain, one :class:`ScalarQuantizer` per dimension.

    FSQ rounds the bounded value :math:`b(z)` to the nearest grid level, so in code units its
    cells are the nearest-neighbour cells of the code values :math:`c_0 < \dots < c_{L-1}`:
    thresholds at the midpoints :math:`(c_k + c_{k+1})/2`, the outer cells extending to
    :math:`\pm\infty` (saturation). These are exactly the z-space thresholds of
    ``fsq.scalar_quantizers()`` mapped through the bound (tested), extended beyond the bound's
    range, where ``bound^{-1}`` does not exist, by saturating to the outer code.

    Parameters
    ----------
    fsq : FSQ
        The quantizer; its ``levels`` and ``symmetric`` mode fix the code grid
        :math:`c_k = (k - \lfloor L/2\rfloor)/\lfloor L/2\rfloor` (default) or
        :math:`c_k = 2k/(L-1) - 1` (symmetric), :math:`k = 0..L-1`.

    Returns
    -------
    tuple of ScalarQuantizer
        One per FSQ dimension: thresholds at the midpoints, points the code values (code units).

    Examples
    --------
    >>> from fsq_theory.quantizer import FSQ
    >>> q3, q5 = fsq_code_quantizers(FSQ([3, 5]))
    >>> q3.thresholds, q3.points
    (array([-0.5,  0.5]), array([-1.,  0.,  1.]))
    >>> q5.thresholds
    array([-0.75, -0.25,  0.25,  0.75])
    """
    return tuple(ScalarQuantizer((c[:-1] + c[1:]) / 2, c) for c in _real_codes(fsq))


def _real_codes(fsq: FSQ) -> tuple[np.ndarray, ...]:
    """The code grid per dimension in real arithmetic: ``(k - L//2)/(L//2)`` (default mode) or
    ``2k/(L-1) - 1`` (symmetric). ``fsq.code_values(float64)`` differs from it by float32
    rounding of the reference's constants (e.g. 1.00000006), which the analysis should not see."""
    out = []
    for L in fsq.levels:
        k = np.arange(L, dtype=np.float64)
        out.append(2 * k / (L - 1) - 1 if fsq.symmetric else (k - L // 2) / (L // 2))
    return tuple(out)


def _code_power(codes: tuple[np.ndarray, ...]) -> float:
    """Mean energy per scalar of a codeword drawn uniformly from the product codebook."""
    return float(np.mean([np.mean(c * c) for c in codes]))


def fsq_awgn_channel(levels, snr_db, *, dim=None, eps: float = 1e-3, symmetric: bool = False,
                     ) -> DiscreteChannel:
    r"""FSQ token channel: code :math:`c` plus Gaussian noise, re-quantized by the same FSQ.

    Per dimension :math:`i` the sender transmits the code value :math:`c_{i,k}` (code units, in
    [-1, 1]); the receiver observes :math:`y_i = c_{i,k} + \sigma N_i` with :math:`N_i` i.i.d.
    standard normal and decides with FSQ's own decision cells taken in the code domain
    (:func:`fsq_code_quantizers`: nearest code value, saturating at the ends). The transition
    probabilities are exact Gaussian cell integrals:

    .. math::

        W_i(j|k) = \Phi\!\left(\frac{t_{j} - c_{i,k}}{\sigma}\right)
                 - \Phi\!\left(\frac{t_{j-1} - c_{i,k}}{\sigma}\right),

    :math:`t_j` the midpoints between consecutive code values, :math:`t_{-1}=-\infty`,
    :math:`t_{L-1}=+\infty`. Dimensions are independent, so the full token channel is the product
    :math:`W(\mathbf j|\mathbf k) = \prod_i W_i(j_i|k_i)` indexed like FSQ codebook indices.

    Why code-domain cells: re-encoding :math:`y` with ``FSQ.encode`` would need
    :math:`b^{-1}(y) = \operatorname{atanh}(\cdot)` which does not exist once noise pushes
    :math:`y` outside the bound's open range; on that range FSQ's cells pulled through the bound
    are exactly the midpoint cells, and saturation is their natural extension. The midpoint rule is
    also the minimum-distance (maximum-likelihood for equiprobable inputs) detector of PAM in
    Gaussian noise, so this is the channel a token experiences when its latent is perturbed.

    **SNR.** :math:`\mathrm{SNR} = \bar P/\sigma^2` with :math:`\bar P` the mean code energy per
    scalar of a codeword drawn uniformly from the whole product codebook,
    :math:`\bar P = \frac1d\sum_i \frac1{L_i}\sum_k c_{i,k}^2`, and one noise level
    :math:`\sigma` common to all dimensions (isotropic latent noise); ``snr_db`` is
    :math:`10\log_{10}\mathrm{SNR}`. With ``dim`` given, :math:`\bar P` is still the codebook
    average, so a per-dimension channel is exactly a factor of the full channel at the same
    ``snr_db``.

    Parameters
    ----------
    levels : sequence of int
        FSQ levels per dimension.
    snr_db : float
        SNR in dB, finite.
    dim : int or None, keyword-only
        ``None`` (default): the full product channel over the codebook (at most 4096 codes);
        an integer: the channel of that dimension only (``levels[dim]`` inputs and outputs).
    eps, symmetric : keyword-only
        FSQ options (see :class:`~fsq_theory.quantizer.FSQ`).

    Returns
    -------
    DiscreteChannel
        Square channel (inputs and outputs are token indices).

    References
    ----------
    J. G. Proakis, *Digital Communications*, 4th ed., sec. 5.2.8 (symbol error of PAM); Gallager
    (1968) sec. 4.2 (discrete memoryless channels).

    Examples
    --------
    Three levels at 10 dB: codes (-1, 0, 1), mean energy 2/3, :math:`\sigma^2 = 1/15`; a
    neighbour is reached with probability :math:`\Phi(-0.5/\sigma)`, the other end never
    (to 6 decimals):

    >>> from scipy.stats import norm
    >>> ch = fsq_awgn_channel([3], 10.0)
    >>> ch
    DiscreteChannel(name='FSQ[3] @ 10 dB', n_inputs=3, n_outputs=3)
    >>> np.round(ch.W, 6)
    array([[0.973596, 0.026404, 0.      ],
           [0.026404, 0.947192, 0.026404],
           [0.      , 0.026404, 0.973596]])
    >>> round(float(norm.cdf(-0.5 * math.sqrt(15))), 6)
    0.026404
    >>> fsq_awgn_channel([3, 4], 10.0).n_inputs     # the product channel over 12 tokens
    12
    """
    fsq = FSQ(levels, eps=eps, symmetric=symmetric)
    # beyond +-3000 dB the noise power under- or overflows float64
    snr_db = v.check_real("snr_db", snr_db, minimum=-3000.0, maximum=3000.0)
    codes = _real_codes(fsq)
    sigma = math.sqrt(_code_power(codes) / 10.0 ** (snr_db / 10.0))
    sqs = fsq_code_quantizers(fsq)
    dims = range(fsq.dim)
    if dim is not None:
        k = v.check_int("dim", dim, minimum=0)
        if k >= fsq.dim:
            raise ValueError(f"dim must be < {fsq.dim} (the number of FSQ dimensions), got {k}")
        dims = [k]
    elif fsq.codebook_size > 4096:
        raise ValueError(
            f"the product channel of levels {list(fsq.levels)} has {fsq.codebook_size} codes "
            "(limit 4096); pass dim= for one dimension"
        )
    W = None
    for i in dims:
        Wi = np.stack([cell_probabilities(sqs[i], stats.norm(loc=c, scale=sigma)) for c in codes[i]])
        # mixed radix: dimension 0 least significant -> later dimensions are outer Kronecker factors
        W = Wi if W is None else np.kron(Wi, W)
    label = f"FSQ{list(fsq.levels)}" + ("" if dim is None else f"[dim {dim}]")
    return DiscreteChannel(W, name=f"{label} @ {snr_db:g} dB")


# ---------------------------------------------------------------------------------------------
# Capacity: Blahut-Arimoto with a certified gap
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CapacityResult:
    r"""Capacity of a DMC with a certificate (returned by :func:`capacity_result`).

    Attributes
    ----------
    capacity : float
        Lower bound :math:`I(q; W)` at the returned ``input_distribution`` (in ``base`` units
        per channel use); the true capacity lies in ``[capacity, upper_bound]``.
    upper_bound : float
        :math:`\max_x D(W(\cdot|x) \| qW) \ge C` (Gallager 1968, Thm 4.5.1 / the dual bound),
        ``base`` units per channel use.
    gap : float
        ``upper_bound - capacity`` (>= 0), the certified accuracy, ``base`` units per channel use.
    input_distribution : ndarray, shape (n_inputs,)
        Capacity-achieving input distribution (approximately; probabilities).
    output_distribution : ndarray, shape (n_outputs,)
        :math:`qW` (probabilities).
    iterations : int
        Blahut–Arimoto iterations used (count).
    base : float
        Logarithm base of the units: 2.0 for bits, :math:`e` for nats.

    Examples
    --------
    >>> r = capacity_result(z_channel(0.5))
    >>> round(r.capacity, 6), r.gap <= 1e-12, np.round(r.input_distribution, 6)
    (0.321928, True, array([0.6, 0.4]))
    >>> r.base
    2.0
    """

    capacity: float
    upper_bound: float
    gap: float
    input_distribution: np.ndarray
    output_distribution: np.ndarray
    iterations: int
    base: float

    def to_frame(self):
        """Table of the input distribution: columns ``input`` (index) and ``q``."""
        import pandas as pd

        return pd.DataFrame({"input": np.arange(len(self.input_distribution)),
                             "q": self.input_distribution})


def capacity_result(W, *, tol: float = 1e-12, max_iter: int = 100_000, base=2) -> CapacityResult:
    r"""Channel capacity :math:`C = \max_q I(q;W)` by Blahut–Arimoto, with a certified gap.

    Iteration (Blahut 1972, Thm 4): :math:`q_{t+1}(x) \propto q_t(x)\, 2^{D(W(\cdot|x)\|q_tW)}`.
    At every step :math:`I(q_t;W) \le C \le \max_x D(W(\cdot|x)\|q_tW)` (Gallager 1968,
    Thm 4.5.1), and iteration stops when the gap between the two is at most ``tol`` (bits).

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    tol : float, keyword-only
        Certified gap to reach, in bits (> 0).
    max_iter : int, keyword-only
        Iteration limit: RuntimeError (reporting the gap obtained) if the gap is not reached.
    base : float or str, keyword-only
        Units of the result (2: bits per channel use, default; ``"nats"``).

    Returns
    -------
    CapacityResult
        Capacity, its certified upper bound and gap, and the optimizing input distribution.

    References
    ----------
    Blahut (1972); Arimoto (1972); Gallager (1968), Thm 4.5.1 (see the module docstring).

    Examples
    --------
    The Z channel with :math:`p = 1/2` has :math:`C = \log_2(5/4)` bits at
    :math:`q = (3/5, 2/5)`:

    >>> r = capacity_result(z_channel(0.5))
    >>> round(r.capacity, 6), round(math.log2(5 / 4), 6)
    (0.321928, 0.321928)
    >>> np.round(r.input_distribution, 6), bool(r.capacity <= r.upper_bound)
    (array([0.6, 0.4]), True)
    >>> round(capacity_result(bsc(0.5), base="nats").capacity, 6)   # a useless channel
    0.0
    """
    ch = check_channel(W)
    tol = v.check_real("tol", tol, minimum=0.0, strict_minimum=True)
    max_iter = v.check_int("max_iter", max_iter, minimum=1)
    factor = log_base_factor(base)
    Wm = ch.W
    # inputs whose rows coincide carry the same information; BA handles them, no dedup needed
    q = np.full(ch.n_inputs, 1.0 / ch.n_inputs)
    step = 1.0
    out = q @ Wm
    d = _row_divergences_bits(Wm, out)
    for it in range(1, max_iter + 1):
        lower = float(q @ d)
        upper = float(d.max())
        if upper - lower <= tol:
            break
        # Blahut's step (exponent 1) never decreases I(q; W); a longer step (exponent > 1, as in
        # Matz & Duhamel, ITW 2004) is taken only when it does better, so convergence at low SNR,
        # where the plain step is slow, is accelerated without losing monotonicity.
        # Shift by the max before exponentiating: 2^(d - max) in (0, 1].
        q_new = _ba_step(q, d - upper, 1.0)
        out_new = q_new @ Wm
        d_new = _row_divergences_bits(Wm, out_new)
        if step > 1.0:
            q_acc = _ba_step(q, d - upper, step)
            out_acc = q_acc @ Wm
            d_acc = _row_divergences_bits(Wm, out_acc)
            if float(q_acc @ d_acc) >= float(q_new @ d_new):
                q_new, out_new, d_new = q_acc, out_acc, d_acc
                step *= 2.0
            else:
                step = max(1.0, step / 4.0)
        else:
            step = 2.0
        q, out, d = q_new, out_new, d_new
    else:
        raise RuntimeError(f"Blahut-Arimoto did not reach gap {tol} in {max_iter} iterations "
                           f"(gap {upper - lower:.3g} bits)")
    return CapacityResult(lower * factor, upper * factor, (upper - lower) * factor, q, out, it,
                          2.0 if factor == 1.0 else math.exp(math.log(2.0) / factor))


def _ba_step(q: np.ndarray, d_shifted: np.ndarray, step: float) -> np.ndarray:
    q = q * np.exp2(step * d_shifted)
    return q / q.sum()


def capacity(W, *, tol: float = 1e-12, base=2) -> float:
    r"""Capacity :math:`C = \max_q I(q; W)` of ``W`` in ``base`` units per channel use.

    The lower end of the certified bracket of :func:`capacity_result` (Blahut–Arimoto).

    Parameters
    ----------
    W : DiscreteChannel or array_like
        The channel, or its row-stochastic matrix (rows: inputs, columns: outputs).
    tol : float, keyword-only
        Certified gap, in bits (> 0).
    base : float or str, keyword-only
        Units of the result (2: bits per channel use, default; ``"nats"``).

    Returns
    -------
    float
        Capacity, within ``tol`` bits below the true value.

    Examples
    --------
    >>> round(capacity(bsc(0.11)), 6), round(1 - binary_entropy(0.11), 6)   # C = 1 - h(p)
    (0.500084, 0.500084)
    >>> round(capacity(bec(0.25)), 6)                                         # C = 1 - e
    0.75
    >>> round(capacity(np.eye(4), base="nats"), 6), round(math.log(4), 6)     # noiseless
    (1.386294, 1.386294)
    """
    return capacity_result(W, tol=tol, base=base).capacity


def binary_entropy(p, *, base=2) -> float:
    r"""Binary entropy function.

    .. math::

        h(p) = -p\log p - (1-p)\log(1-p)

    with :math:`0 \log 0 = 0` (so :math:`h(0) = h(1) = 0`).

    Parameters
    ----------
    p : float
        Probability, in [0, 1].
    base : float or str, keyword-only
        Logarithm base (2: bits, default; ``"nats"``).

    Returns
    -------
    float
        :math:`h(p)` in ``base`` units.

    Examples
    --------
    >>> binary_entropy(0.5), binary_entropy(0.0)
    (1.0, 0.0)
    >>> round(binary_entropy(0.11), 6)
    0.499916
    >>> round(binary_entropy(0.5, base="nats"), 6)   # ln 2
    0.693147
    """
    p = _check_probability("p", p)
    return float(special.entr(p) + special.entr(1 - p)) / math.log(2.0) * log_base_factor(base)
