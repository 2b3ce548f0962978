r"""Operational rate-distortion of FSQ against R(D), and the tanh bound as a compander.

FSQ quantizes each latent dimension as :math:`\operatorname{round}(h \tanh(g x + s) - o)`: a
*compander* whose compressor is :math:`\tanh(g x)` and whose grid is uniform in the compressed
domain. Its exact cells in source units are ``FSQ(levels).scalar_quantizers(scale=g)``; this
module integrates them exactly against the source (no sampling) and compares with R(D), with
the optimal uniform quantizer, Lloyd-Max and the high-resolution asymptotes.

High-resolution limits of the tanh compander (derived here; checked in
``fsq_theory.checks.rate_distortion``). With :math:`L` levels the compressed cells have width
:math:`\delta = 2/((L-1)(1+\epsilon))`, so the cell at :math:`x` has width
:math:`\Delta(x) = \delta\cosh^2(gx)/g` (point density :math:`\propto \operatorname{sech}^2(gx)`).
Bennett's integral (Bennett 1948; Gersho & Gray 1992, sec. 6.5) and the high-resolution output
entropy :math:`H \approx h(X) - E\log_2\Delta(X)` give, for :math:`X \sim N(0, 1)`, using
:math:`E\cosh(aX) = e^{a^2/2}`,

.. math::

    L^2 D \to \frac{E\cosh^4(gX)}{3(1+\epsilon)^2 g^2},\qquad
    E\cosh^4(gX) = \tfrac18\bigl(3 + 4e^{2g^2} + e^{8g^2}\bigr),

so the fixed-rate gap :math:`\log_2 L - R(D) = \tfrac12\log_2(L^2 D)` tends to
:math:`\tfrac12\log_2\frac{E\cosh^4(gX)}{3(1+\epsilon)^2 g^2}`, minimized at the gain
:math:`g^*` solving :math:`u(8e^{2u} + 8e^{8u}) = 3 + 4e^{2u} + e^{8u}` with :math:`u = g^2`
(:math:`g^* = 0.49069`, limit :math:`0.74971` bit at :math:`\epsilon = 0` and :math:`0.74826` bit at
the default :math:`\epsilon = 10^{-3}`, vs. Panter-Dite's
:math:`\tfrac12\log_2(\sqrt3\pi/2) = 0.72199` bit for the optimal compander; values checked
with a 40-digit mpmath root of the equation above);
the overload of the outermost cells decays like :math:`e^{-(\ln 2L)^2/(8g^2)}`, faster than any
power of :math:`L`, so the MSE-optimal gain tends to :math:`g^*`. The entropy-coded gap tends to

.. math::

    H - R(D) \to \tfrac12\log_2\frac{\pi e}{6}
    + \tfrac12\Bigl(\log_2 E\cosh^4(gX) - E\log_2\cosh^4(gX)\Bigr),

Gish-Pierce's 0.2546 bit plus a Jensen penalty for the non-uniform cells (0 only as
:math:`g \to 0`; 0.2003 bit at :math:`g^*`, total 0.4549 bit); independent of :math:`L` and
:math:`\epsilon`. For a variance
:math:`\sigma^2` replace :math:`g` by :math:`g\sigma`.

References
----------
W. R. Bennett, "Spectra of quantized signals", Bell Syst. Tech. J. 27:446-472, 1948.
P. F. Panter, W. Dite, "Quantization distortion in pulse-count modulation with nonuniform
spacing of levels", Proc. IRE 39(1):44-48, 1951.
H. Gish, J. N. Pierce, IEEE Trans. Inform. Theory 14(5):676-683, 1968.
A. Gersho, R. M. Gray, *Vector Quantization and Signal Compression*, Kluwer 1992, ch. 6.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from .._lazy import lazy_module
integrate = lazy_module("scipy.integrate")
optimize = lazy_module("scipy.optimize")

from .. import _validation as v
from ..cells import _check_dist
from ..quantizer import FSQ, ScalarQuantizer
from ._closed_forms import differential_entropy, gaussian_rd, reverse_water_filling
from ._scalar_design import lloyd_max, optimal_uniform, quantizer_performance

__all__ = [
    "GISH_PIERCE_GAP",
    "PANTER_DITE_GAUSSIAN",
    "TanhCompanderLimits",
    "tanh_compander_limits",
    "fsq_scalar_performance",
    "fsq_operational_rd",
    "fsq_vector_rd",
]

#: :math:`\tfrac12\log_2(\pi e/6)`, bits: high-rate gap of entropy-coded uniform quantization.
GISH_PIERCE_GAP = 0.5 * np.log2(np.pi * np.e / 6)
#: :math:`\lim L^2 D` of Lloyd-Max for N(0,1): :math:`\tfrac1{12}(\int f^{1/3})^3 = \sqrt3\pi/2`.
PANTER_DITE_GAUSSIAN = np.sqrt(3) * np.pi / 2


def _e_cosh4(g):
    with np.errstate(over="ignore"):  # inf for large g: the caller refuses it
        return (3 + 4 * np.exp(2 * g * g) + np.exp(8 * g * g)) / 8


@dataclass(frozen=True)
class TanhCompanderLimits:
    r"""High-resolution limits of FSQ's tanh compander on N(0, 1) (module docstring).

    Attributes
    ----------
    gain : float
        Gain :math:`g` (per unit standard deviation) the limits are for.
    l2d : float
        :math:`\lim_{L\to\infty} L^2 D`.
    fixed_gap_bits : float
        :math:`\lim (\log_2 L - R(D))`, bits per scalar.
    entropy_gap_bits : float
        :math:`\lim (H(Q) - R(D))`, bits per scalar.

    Examples
    --------
    Returned by :func:`tanh_compander_limits`:

    >>> lim = tanh_compander_limits(eps=0.0)
    >>> round(lim.gain, 5), round(lim.l2d, 5), round(lim.fixed_gap_bits, 5)
    (0.49069, 2.82728, 0.74971)
    """

    gain: float
    l2d: float
    fixed_gap_bits: float
    entropy_gap_bits: float


@lru_cache(maxsize=64)
def _optimal_gain() -> float:
    f = lambda u: u * (8 * np.exp(2 * u) + 8 * np.exp(8 * u)) - (3 + 4 * np.exp(2 * u)  # noqa
                                                                 + np.exp(8 * u))
    return float(np.sqrt(optimize.brentq(f, 0.01, 2.0, xtol=1e-15, rtol=1e-15)))


def tanh_compander_limits(gain=None, *, eps: float = 1e-3) -> TanhCompanderLimits:
    r"""Limits as :math:`L\to\infty` of FSQ's distortion and rate gaps on a unit Gaussian.

    Parameters
    ----------
    gain : float, optional
        Encoder gain :math:`g` times the source standard deviation; default the Bennett-optimal
        :math:`g^*` (root of :math:`u(8e^{2u}+8e^{8u}) = 3+4e^{2u}+e^{8u}`, :math:`u=g^2`).
    eps : float, keyword-only
        FSQ's bound margin :math:`\epsilon` (enters the fixed-rate limit only).

    Returns
    -------
    TanhCompanderLimits
        :math:`\lim L^2 D` (squared units of the standard deviation) and the fixed-rate and
        entropy-coded gaps to :math:`R(D)` in bits per scalar, at ``gain``.

    References
    ----------
    W. R. Bennett, Bell Syst. Tech. J. 27:446-472, 1948; P. F. Panter, W. Dite, Proc. IRE
    39(1):44-48, 1951; H. Gish, J. N. Pierce, IEEE Trans. Inform. Theory 14(5):676-683, 1968.

    Examples
    --------
    At the Bennett-optimal gain :math:`g^* = 0.4907` and the default :math:`\epsilon = 10^{-3}`,
    FSQ's fixed rate stays 0.748 bit above :math:`R(D)` as :math:`L \to \infty`, 0.026 bit
    more than the optimal compander (Panter-Dite, :math:`\tfrac12\log_2(\sqrt3\pi/2)`);
    with entropy coding the gap tends to 0.4549 bit, Gish-Pierce's 0.2546 plus 0.2003:

    >>> lim = tanh_compander_limits()
    >>> round(lim.gain, 4), round(lim.fixed_gap_bits, 4), round(lim.entropy_gap_bits, 4)
    (0.4907, 0.7483, 0.4549)
    >>> round(float(np.log2(PANTER_DITE_GAUSSIAN)) / 2, 4), round(float(GISH_PIERCE_GAP), 4)
    (0.722, 0.2546)
    """
    eps = v.check_real("eps", eps, minimum=0.0)
    g = _optimal_gain() if gain is None else v.check_real("gain", gain, minimum=0.0,
                                                          strict_minimum=True)
    ec4 = _e_cosh4(g)
    if not np.isfinite(ec4):  # E[cosh^4(gX)] grows like exp(8 g^2): beyond float64 near g = 9.4
        raise ValueError(f"gain must be small enough for E[cosh^4(gain X)] to be finite in "
                         f"float64 (gain < about 9.4), got {g!r}")
    l2d = ec4 / (3 * (1 + eps) ** 2 * g * g)
    phi = lambda x: np.exp(-x * x / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    # log cosh(t) = |t| + log1p(exp(-2|t|)) - log 2, stable for large |t|
    lc = lambda x: abs(g * x) + np.log1p(np.exp(-2 * abs(g * x))) - np.log(2)  # noqa: E731
    e_log_cosh = 2 * integrate.quad(lambda x: lc(x) * phi(x), 0, np.inf, epsabs=0,
                                    epsrel=1e-13, limit=200)[0]
    jensen = 0.5 * (np.log2(ec4) - 4 * e_log_cosh / np.log(2))
    return TanhCompanderLimits(gain=float(g), l2d=float(l2d),
                               fixed_gap_bits=float(0.5 * np.log2(l2d)),
                               entropy_gap_bits=float(GISH_PIERCE_GAP + jensen))


@lru_cache(maxsize=1024)
def _unit_cells(L, eps, symmetric):
    # building an FSQ (exact float32 thresholds) costs more than the closed-form integrals:
    # gain searches evaluate one L at ~100 gains, so the unit-gain cells are made once
    sq = FSQ([L], eps=eps, symmetric=symmetric).scalar_quantizers(1.0)[0]
    t, p = sq.thresholds.copy(), sq.points.copy()
    t.flags.writeable = p.flags.writeable = False  # shared by every caller of the cache
    return t, p


def _fsq_sq(L, scale, eps, symmetric):
    # the same division scalar_quantizers(scale) does, so the cells are identical bit for bit
    t, p = _unit_cells(int(L), float(eps), bool(symmetric))
    s = v.check_real("scale", scale, minimum=0.0, strict_minimum=True)
    return ScalarQuantizer(t / s, p / s)


def fsq_scalar_performance(L: int, scale: float, dist=None, *, decoder="grid",
                           eps: float = 1e-3, symmetric: bool = False):
    r"""Exact performance of one FSQ dimension with ``L`` levels fed :math:`z = g x`.

    The cells are ``FSQ([L], eps=eps, symmetric=symmetric).scalar_quantizers(scale)[0]``, i.e.
    the thresholds of :math:`\operatorname{round}(h\tanh(g x + s) - o)` in source units, and
    the performance is integrated exactly against :math:`x \sim` ``dist``
    (:func:`~fsq_theory.rate_distortion.quantizer_performance`).

    Parameters
    ----------
    L : int
        Levels, >= 3 in default mode (2 needs ``symmetric=True``).
    scale : float
        Encoder gain :math:`g > 0` applied to the source before the bound.
    dist : frozen scipy.stats continuous distribution, optional
        Source distribution; default N(0, 1).
    decoder : {"grid", "centroid"}, keyword-only
        ``"grid"`` (default) FSQ's grid pulled back through the bound to source units,
        ``"centroid"`` the conditional mean of the source over each cell. The symmetric variant
        has infinite outer grid points, so it needs ``"centroid"``.
    eps : float, keyword-only
        FSQ's bound margin :math:`\epsilon` (default mode only).
    symmetric : bool, keyword-only
        Use the symmetry-preserving variant (see :class:`~fsq_theory.quantizer.FSQ`).

    Returns
    -------
    QuantizerPerformance
        Cell probabilities, points, MSE (per scalar) and entropy / fixed rate in bits.

    Examples
    --------
    At :math:`g = 1`, :math:`L = 3` the outer grid points sit where the bound saturates,
    :math:`\pm\operatorname{atanh}(1/(1+\epsilon)) = \pm3.80`, so the grid decoder is poor;
    the centroid decoder on the same cells is not:

    >>> perf = fsq_scalar_performance(3, 1.0)
    >>> np.round(perf.points, 4).tolist(), round(perf.mse, 4)
    ([-3.8007, 0.0, 3.8007], 4.2077)
    >>> round(fsq_scalar_performance(3, 1.0, decoder="centroid").mse, 4)
    0.1922
    """
    sq = _fsq_sq(L, scale, eps, symmetric)
    if decoder == "grid" and not np.isfinite(sq.points).all():
        raise ValueError("decoder='grid' is infinite for the outer cells of the "
                         "symmetric variant (tanh reaches +-1 only at infinity); use 'centroid'")
    return quantizer_performance(sq, dist, decoder=decoder)


def _optimal_scale(L, dist, decoder, eps, symmetric):
    sd = float(dist.std())

    def mse(log_g):
        return fsq_scalar_performance(L, float(np.exp(log_g)) / sd, dist,
                                      decoder=decoder, eps=eps,
                                      symmetric=symmetric).mse

    # D(g) is flat near 1 for small g and need not be unimodal at small L: locate the basin
    # on a log grid, then refine with bounded Brent inside it
    grid = np.linspace(np.log(0.01), np.log(20.0), 61)
    vals = [mse(x) for x in grid]
    k = int(np.argmin(vals))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    res = optimize.minimize_scalar(mse, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-10})
    return float(np.exp(res.x if res.fun <= vals[k] else grid[k])) / sd


def fsq_operational_rd(levels, *, dist=None, scale="optimal", decoder="grid",
                       eps: float = 1e-3, symmetric: bool = False, compare: bool = True, reconstruction=v._UNSET):
    r"""Operational rate-distortion points of single-dimension FSQ, exactly, against R(D).

    For each :math:`L` in ``levels``: the MSE :math:`D` of FSQ's cells fed :math:`z = g x`, its
    fixed rate :math:`\log_2 L` and entropy-coded rate :math:`H(Q)` (bits per scalar), and the
    gaps to the rate-distortion function at the same :math:`D` in bits and in dB of distortion
    (:math:`10\log_{10}(D/D(R))`, 6.02 dB per bit). For a Gaussian source the reference is the
    closed form :math:`R(D)`; otherwise the Shannon lower bound, so the reported gap is then an
    upper bound on the true gap.

    Parameters
    ----------
    levels : iterable of int
        Levels per dimension to evaluate (>= 3 in default mode; 2 needs ``symmetric=True``).
    dist : frozen scipy.stats continuous distribution, optional, keyword-only
        Default N(0, 1).
    scale : "optimal" or float, keyword-only
        Encoder gain :math:`g`; "optimal" minimizes the exact MSE for each :math:`L`
        (log-grid over [0.01, 20]/sigma, then bounded Brent on :math:`\log g`) and reports it.
    decoder : {"grid", "centroid"}, keyword-only
        Cell reconstruction (one rule for the package, see ``fsq_theory.quantizer``, "Decoders"):
        ``"grid"`` (default) the quantizer's own points (FSQ's grid pulled back through the bound),
        ``"centroid"`` the conditional mean of the source over the cell.
    eps : float, keyword-only
        FSQ's bound margin :math:`\epsilon`, as in :class:`~fsq_theory.quantizer.FSQ`.
    symmetric : bool, keyword-only
        Symmetry-preserving variant, as in :class:`~fsq_theory.quantizer.FSQ`.
    compare : bool, keyword-only
        Also report the optimal uniform quantizer and Lloyd-Max at the same :math:`L`, and the
        Panter-Dite / tanh-compander asymptotes (Gaussian only).
    reconstruction : {"grid", "centroid"}, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).

    Returns
    -------
    pandas.DataFrame
        One row per L: ``L``, ``scale``, ``mse``, ``fixed_rate``, ``entropy_rate``,
        ``rd_at_mse`` (R(D) or SLB, bits), ``reference`` ("gaussian_rd" or
        "shannon_lower_bound"), ``gap_fixed_bits``, ``gap_entropy_bits``, ``gap_fixed_db``,
        ``gap_entropy_db``; with ``compare``: ``uniform_mse``, ``uniform_entropy_rate``,
        ``lloyd_max_mse``, ``lloyd_max_entropy_rate``, ``panter_dite_mse``,
        ``compander_limit_mse``.

    Notes
    -----
    With the centroid decoder at the MSE-optimal gain on N(0, 1), FSQ's excess over Lloyd-Max,
    :math:`\tfrac12\log_2(D_{\mathrm{FSQ}}/D_{\mathrm{LM}})` bits, is 0 at :math:`L = 3`
    (one symmetric threshold pair: the gain reaches Lloyd-Max exactly), 0.1038 bit at
    :math:`L = 4` (the default-mode grid of even :math:`L` is asymmetric; with
    ``symmetric=True`` it is again 0), 0.0109 bit at :math:`L = 5`, 0.0721 at :math:`L = 6`,
    0.0424 at :math:`L = 7` and 0.0848 at :math:`L = 8`.

    References
    ----------
    P. F. Panter, W. Dite, Proc. IRE 39(1):44-48, 1951; J. Max, IRE Trans. Inform. Theory
    6(1):7-12, 1960; A. Gersho, R. M. Gray, *Vector Quantization and Signal Compression*,
    Kluwer 1992, ch. 6.

    Examples
    --------
    With the centroid decoder, 3-level FSQ at its best gain is the Lloyd-Max quantizer
    (MSE 0.1902, Max 1960); 4-level default-mode FSQ is not, because its grid is asymmetric:

    >>> df = fsq_operational_rd([3, 4], decoder="centroid")
    >>> df["mse"].round(4).tolist(), df["lloyd_max_mse"].round(4).tolist()
    ([0.1902, 0.1357], [0.1902, 0.1175])
    >>> df["gap_fixed_bits"].round(4).tolist()
    [0.3877, 0.559]

    A fixed gain and no comparison columns:

    >>> df = fsq_operational_rd([5], scale=0.8, decoder="centroid", compare=False)
    >>> round(float(df["mse"][0]), 4), round(float(df["gap_entropy_bits"][0]), 4)
    (0.0813, 0.4112)
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="fsq_operational_rd")
    import pandas as pd

    Ls = [v.check_int("levels", L, minimum=2) for L in np.atleast_1d(levels).tolist()]
    if not Ls:
        raise ValueError("levels must not be empty")
    dist = _check_dist(dist)
    fixed_scale = None
    if isinstance(scale, str):
        if scale != "optimal":
            raise ValueError(f"scale must be 'optimal' or a positive float, got {scale!r}")
    else:
        fixed_scale = v.check_real("scale", scale, minimum=0.0, strict_minimum=True)
    var = float(dist.var())
    gaussian = dist.dist.name == "norm"
    h = differential_entropy(dist)
    rows = []
    for L in Ls:
        g = fixed_scale if fixed_scale is not None else _optimal_scale(
            L, dist, decoder, eps, symmetric)
        perf = fsq_scalar_performance(L, g, dist, decoder=decoder, eps=eps,
                                      symmetric=symmetric)
        D = perf.mse
        if gaussian:
            rd = gaussian_rd(D, var)
            d_of_r = lambda r: var * 4.0 ** (-r)  # noqa: E731
        else:
            rd = max(h - 0.5 * np.log2(2 * np.pi * np.e * D), 0.0)
            d_of_r = lambda r: 4.0 ** (h - r) / (2 * np.pi * np.e)  # noqa: E731
        row = dict(L=L, scale=g, mse=D, fixed_rate=perf.fixed_rate_bits,
                   entropy_rate=perf.entropy_bits, rd_at_mse=rd,
                   reference="gaussian_rd" if gaussian else "shannon_lower_bound",
                   gap_fixed_bits=perf.fixed_rate_bits - rd,
                   gap_entropy_bits=perf.entropy_bits - rd,
                   gap_fixed_db=10 * np.log10(D / d_of_r(perf.fixed_rate_bits)),
                   gap_entropy_db=10 * np.log10(D / d_of_r(perf.entropy_bits)))
        if compare:
            u = quantizer_performance(optimal_uniform(L, dist), dist)
            lm = quantizer_performance(lloyd_max(L, dist), dist)
            row.update(uniform_mse=u.mse, uniform_entropy_rate=u.entropy_bits,
                       lloyd_max_mse=lm.mse, lloyd_max_entropy_rate=lm.entropy_bits,
                       panter_dite_mse=(PANTER_DITE_GAUSSIAN * var / L ** 2 if gaussian
                                        else np.nan),
                       compander_limit_mse=(tanh_compander_limits(g * np.sqrt(var), eps=eps).l2d
                                            * var / L ** 2 if gaussian else np.nan))
        rows.append(row)
    return pd.DataFrame(rows)


def fsq_vector_rd(levels, variances, *, scale="optimal", decoder="grid",
                  eps: float = 1e-3, symmetric: bool = False, reconstruction=v._UNSET):
    r"""Exact operational point of a multi-dimensional FSQ on independent Gaussian components.

    Dimension :math:`i` (variance :math:`\sigma_i^2`, :math:`L_i` levels) is an independent
    scalar quantizer, so :math:`D = \frac1d\sum_i D_i` (MSE per scalar), fixed rate
    :math:`\sum_i\log_2 L_i` and entropy-coded rate :math:`\sum_i H(Q_i)` (bits per vector).
    The reference is reverse water-filling at the same mean distortion.

    Parameters
    ----------
    levels : sequence of int
        Levels :math:`L_i` per dimension (>= 3 in default mode).
    variances : array_like, shape (d,)
        Component variances :math:`\sigma_i^2 > 0`.
    scale : "optimal" or float or array_like, keyword-only
        Gain per dimension; "optimal" minimizes each :math:`D_i` separately.
    decoder : {"grid", "centroid"}, keyword-only
        Cell reconstruction, as in :func:`fsq_operational_rd`.
    eps : float, keyword-only
        FSQ's bound margin :math:`\epsilon`, as in :class:`~fsq_theory.quantizer.FSQ`.
    symmetric : bool, keyword-only
        Symmetry-preserving variant, as in :class:`~fsq_theory.quantizer.FSQ`.
    reconstruction : {"grid", "centroid"}, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).

    Returns
    -------
    dict
        ``mse`` (per scalar), ``fixed_rate``, ``entropy_rate``, ``rd_at_mse`` (bits per
        vector), ``gap_fixed_bits``, ``gap_entropy_bits``, ``scale`` (per dimension),
        ``mse_per_dim``.

    Examples
    --------
    Two unit-variance dimensions of 3 levels with centroid decoding: each is the 3-level
    Lloyd-Max quantizer (MSE 0.1902), so the rate :math:`2\log_2 3` exceeds
    :math:`R(D) = \log_2(1/D)` per vector by twice the scalar gap:

    >>> r = fsq_vector_rd([3, 3], [1.0, 1.0], decoder="centroid")
    >>> round(r["mse"], 4), round(r["fixed_rate"], 4), round(r["gap_fixed_bits"], 4)
    (0.1902, 3.1699, 0.7753)
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="fsq_vector_rd")
    from scipy import stats

    lv = v.check_levels(levels)
    var = v.per_dim("variances", variances, len(lv), positive=True)
    if isinstance(scale, str):
        if scale != "optimal":
            raise ValueError(f"scale must be 'optimal' or positive floats, got {scale!r}")
        gains = None
    else:
        gains = v.per_dim("scale", scale, len(lv), positive=True)
    d_i, h_i, g_i = [], [], []
    for i, (L, s2) in enumerate(zip(lv, var)):
        dist = stats.norm(scale=np.sqrt(s2))
        g = (_optimal_scale(L, dist, decoder, eps, symmetric) if gains is None
             else float(gains[i]))
        perf = fsq_scalar_performance(L, g, dist, decoder=decoder, eps=eps,
                                      symmetric=symmetric)
        d_i.append(perf.mse)
        h_i.append(perf.entropy_bits)
        g_i.append(g)
    D = float(np.mean(d_i))
    rd = reverse_water_filling(var, D=D).total_rate
    fixed = float(sum(np.log2(L) for L in lv))
    H = float(sum(h_i))
    return dict(mse=D, fixed_rate=fixed, entropy_rate=H, rd_at_mse=rd,
                gap_fixed_bits=fixed - rd, gap_entropy_bits=H - rd, scale=np.array(g_i),
                mse_per_dim=np.array(d_i))
