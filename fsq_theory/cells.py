r"""Exact partial moments of a continuous distribution over the cells of a scalar quantizer.

For cell :math:`k = [a_k, b_k)` of a :class:`~fsq_theory.quantizer.ScalarQuantizer` and a
density :math:`f`,

.. math::

    m_j(k) = \int_{a_k}^{b_k} x^j f(x)\,dx, \qquad j = 0, 1, 2,

so :math:`P_k = m_0`, the conditional mean (centroid) is :math:`m_1/m_0` and the MSE of
reconstruction points :math:`y_k` is :math:`\sum_k m_2 - 2 y_k m_1 + y_k^2 m_0`.

For the normal family the moments are closed-form (truncated-normal moments, e.g. Johnson, Kotz &
Balakrishnan, *Continuous Univariate Distributions* vol. 1, 13.10.1):
:math:`m_0 = \Phi(\beta)-\Phi(\alpha)`, :math:`m_1 = \varphi(\alpha)-\varphi(\beta)`,
:math:`m_2 = m_0 + \alpha\varphi(\alpha) - \beta\varphi(\beta)` on the standardized cell
:math:`[\alpha, \beta)`; probabilities of upper-tail cells use survival-function differences so
small cells keep their relative precision. Other frozen ``scipy.stats`` distributions are
integrated with adaptive quadrature (``scipy.integrate.quad``) cell by cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ._lazy import lazy_module
integrate = lazy_module("scipy.integrate")
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

from .quantizer import ScalarQuantizer

__all__ = ["CellMoments", "cell_moments", "cell_probabilities"]


@dataclass(frozen=True)
class CellMoments:
    """Partial moments per cell (arrays of length ``n_cells``).

    Attributes
    ----------
    prob : ndarray
        :math:`P_k = m_0(k)`.
    first : ndarray
        :math:`m_1(k) = \\int_k x f(x) dx`.
    second : ndarray
        :math:`m_2(k) = \\int_k x^2 f(x) dx` (squared source units).

    Examples
    --------
    Returned by :func:`cell_moments`; the halves of N(0, 1) have :math:`m_1 = \\pm\\varphi(0)`,
    centroids :math:`\\pm\\sqrt{2/\\pi}` and centroid MSE :math:`1 - 2/\\pi`:

    >>> m = cell_moments(ScalarQuantizer([0.0], [-1.0, 1.0]))
    >>> m.prob.tolist(), np.round(m.first, 6).tolist(), m.second.tolist()
    ([0.5, 0.5], [-0.398942, 0.398942], [0.5, 0.5])
    >>> np.round(m.centroids, 6).tolist(), round(m.mse(m.centroids), 6)
    ([-0.797885, 0.797885], 0.36338)
    """

    prob: np.ndarray
    first: np.ndarray
    second: np.ndarray

    @property
    def centroids(self) -> np.ndarray:
        """Conditional means :math:`E[X | X \\in k]` (NaN for cells of probability 0).

        Raises ValueError when an unbounded cell has no conditional mean (a law without a
        finite mean, e.g. Cauchy: its first moment there is infinite).
        """
        bad = np.flatnonzero(~np.isfinite(self.first))
        if bad.size:
            raise ValueError(f"cell {int(bad[0])} has no conditional mean (its first moment is "
                             f"{self.first[bad[0]]!r}): the law has no finite mean, so centroids "
                             "do not exist")
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.prob > 0, self.first / self.prob, np.nan)

    def mse(self, points) -> float:
        """:math:`E[(X - y_{k(X)})^2]` for reconstruction ``points`` (cells with P = 0 ignored)."""
        y = np.asarray(points, dtype=np.float64)
        used = self.prob > 0
        if np.isinf(self.second[used]).any():
            return float("inf")  # a law without a finite variance, in an unbounded cell
        y = y[used]
        terms = self.second[used] - 2 * y * self.first[used] + y * y * self.prob[used]
        return float(max(terms.sum(), 0.0))


def _check_dist(dist):
    if dist is None:
        return stats.norm()
    if not hasattr(dist, "dist") or not hasattr(dist, "cdf"):
        raise TypeError(f"dist must be a frozen scipy.stats continuous distribution, got {dist!r}")
    if not isinstance(dist.dist, stats.rv_continuous):
        raise TypeError(f"dist must be continuous, got {dist.dist.name}")
    return dist


def _pointwise_pdf(dist):
    """``dist.pdf`` for quad's scalar calls, without scipy's per-call argument handling.

    A frozen distribution's ``pdf`` spends about 0.1 ms per scalar call checking and broadcasting
    its arguments, and quad calls it about 10^2 times per cell. Inside the support, scipy computes
    ``pdf(x)`` as ``_pdf((x - loc) / scale, *shapes) / scale`` on 1-element arrays; this does the
    same arithmetic on the same arrays, so the values are the same bits. It is used only after it
    agrees with ``dist.pdf`` bit for bit at probe points across the support; otherwise (a
    distribution that overrides ``pdf``, a future scipy) ``dist.pdf`` itself is returned.
    """
    gen = dist.dist
    try:
        shapes, loc, scale = gen._parse_args(*dist.args, **dist.kwds)
        shapes = tuple(np.atleast_1d(np.asarray(a)) for a in shapes)

        def pdf(x):
            return (gen._pdf(np.asarray([(x - loc) / scale], dtype=np.float64), *shapes)
                    / scale)[0]

        probes = dist.ppf([1e-9, 0.01, 0.2, 0.37, 0.5, 0.63, 0.8, 0.99, 1 - 1e-9])
        probes = probes[np.isfinite(probes)]
        if len(probes) and all(float(pdf(float(x))) == float(dist.pdf(float(x)))
                               for x in probes):
            return pdf
    except Exception:  # noqa: BLE001 - any failure of the private path means: use the public one
        pass
    return dist.pdf


def _edges(sq: ScalarQuantizer) -> np.ndarray:
    if not isinstance(sq, ScalarQuantizer):
        raise TypeError(f"sq must be a ScalarQuantizer, got {type(sq).__name__}")
    return sq.cell_edges


def _norm_loc_scale(dist) -> tuple[float, float]:
    """loc and scale of a frozen normal, read from its arguments: ``dist.mean()``/``.std()``
    cost ~90 us per call (argument broadcasting), most of an exact closed-form evaluation."""
    try:
        _, loc, scale = dist.dist._parse_args(*dist.args, **dist.kwds)
        return float(loc), float(scale)
    except Exception:  # a scipy without the (private) parser: the public, slower route
        return float(dist.mean()), float(dist.std())


def _normal_std_moments(alpha: np.ndarray, beta: np.ndarray):
    def phi_and_tphi(t):
        # phi(t) and t*phi(t), both 0 at t = +-inf
        finite = np.isfinite(t)
        tf = np.where(finite, t, 0.0)
        ph = np.where(finite, np.exp(-0.5 * tf * tf) / np.sqrt(2 * np.pi), 0.0)
        return ph, tf * ph

    phi_a, tphi_a = phi_and_tphi(alpha)
    phi_b, tphi_b = phi_and_tphi(beta)
    upper = alpha >= 0
    # ndtr differences for lower cells, survival differences (ndtr(-x)) for upper ones
    m0 = np.where(upper, special.ndtr(-alpha) - special.ndtr(-beta),
                  special.ndtr(beta) - special.ndtr(alpha))
    m1 = phi_a - phi_b
    m2 = m0 + tphi_a - tphi_b
    return m0, m1, m2


def cell_moments(sq: ScalarQuantizer, dist=None) -> CellMoments:
    r"""Exact partial moments of ``dist`` (default N(0, 1)) over the cells of ``sq``.

    .. math:: m_j(k) = \int_{a_k}^{b_k} x^j f(x)\,dx, \qquad j = 0, 1, 2

    closed-form for the normal family, adaptive quadrature otherwise (module docstring).

    Parameters
    ----------
    sq : ScalarQuantizer
        The cells :math:`[a_k, b_k)`; its points are not used.
    dist : frozen scipy.stats continuous distribution, optional
        Default ``scipy.stats.norm()``.

    Returns
    -------
    CellMoments
        :math:`m_0, m_1, m_2` per cell, with the centroids and the MSE of any points.

    References
    ----------
    N. L. Johnson, S. Kotz, N. Balakrishnan, *Continuous Univariate Distributions*, vol. 1,
    2nd ed., Wiley 1994, sec. 13.10.1 (truncated-normal moments).

    Examples
    --------
    Sign quantizer with points :math:`\pm1` on N(0, 1): MSE :math:`2 - 2\sqrt{2/\pi}`.

    >>> m = cell_moments(ScalarQuantizer([0.0], [-1.0, 1.0]))
    >>> round(m.mse([-1.0, 1.0]), 6), round(float(2 - 2 * np.sqrt(2 / np.pi)), 6)
    (0.404231, 0.404231)

    Other distributions go through quadrature, e.g. U(-1, 1) with centroids :math:`\pm 1/2`:

    >>> from scipy import stats
    >>> m = cell_moments(ScalarQuantizer([0.0], [-1.0, 1.0]), stats.uniform(-1, 2))
    >>> np.round(m.centroids, 12).tolist(), np.round(m.second, 6).tolist()
    ([-0.5, 0.5], [0.166667, 0.166667])
    """
    edges = _edges(sq)
    dist = _check_dist(dist)
    a, b = edges[:-1], edges[1:]
    if dist.dist.name == "norm":
        loc, scale = _norm_loc_scale(dist)
        m0, m1, m2 = _normal_std_moments((a - loc) / scale, (b - loc) / scale)
        first = loc * m0 + scale * m1
        second = loc * loc * m0 + 2 * loc * scale * m1 + scale * scale * m2
        return CellMoments(m0, first, second)
    m0 = np.empty(len(a))
    first = np.empty(len(a))
    second = np.empty(len(a))
    # integrate over the support only: quadrature over an infinite range misses a narrow
    # density of bounded support (a uniform's outer cell would come out as 0)
    s_lo, s_hi = dist.support()
    # quad returns finite garbage for divergent integrals: the moments of an unbounded cell are
    # infinite exactly when the law's moments are (Cauchy: no mean; Student t, df <= 2: no variance)
    has_mean, has_var = (bool(np.isfinite(m)) for m in dist.stats("mv"))
    pdf = _pointwise_pdf(dist)
    for k, (lo, hi) in enumerate(zip(np.clip(a, s_lo, s_hi), np.clip(b, s_lo, s_hi))):
        if not lo < hi:
            m0[k] = first[k] = second[k] = 0.0
            continue
        pa = dist.sf(lo) if np.isfinite(lo) else 1.0
        pb = dist.sf(hi) if np.isfinite(hi) else 0.0
        ca = dist.cdf(lo) if np.isfinite(lo) else 0.0
        cb = dist.cdf(hi) if np.isfinite(hi) else 1.0
        m0[k] = pa - pb if lo >= dist.median() else cb - ca
        # absolute 1e-14: a first moment that cancels to ~0 (a cell straddling the mean) cannot
        # be resolved below roundoff, and asking for it only makes quad warn
        opts = dict(epsabs=1e-14, epsrel=1e-13, limit=200)
        bounded = bool(np.isfinite(lo) and np.isfinite(hi))
        if bounded or has_mean:
            first[k] = integrate.quad(lambda x: x * pdf(x), lo, hi, **opts)[0]
        else:
            first[k] = np.inf if np.isfinite(lo) else -np.inf
        if bounded or has_var:
            second[k] = integrate.quad(lambda x: x * x * pdf(x), lo, hi, **opts)[0]
        else:
            second[k] = np.inf
    return CellMoments(m0, first, second)


def cell_probabilities(sq: ScalarQuantizer, dist=None) -> np.ndarray:
    r"""Probability of each cell of ``sq`` under ``dist`` (default N(0, 1)), exactly.

    .. math:: P_k = F(b_k) - F(a_k) = \bar F(a_k) - \bar F(b_k)

    with the survival-function form for cells above the median, so that far-tail cells keep
    their relative precision.

    Parameters
    ----------
    sq : ScalarQuantizer
        The cells :math:`[a_k, b_k)`; its points are not used.
    dist : frozen scipy.stats continuous distribution, optional
        Default ``scipy.stats.norm()``.

    Returns
    -------
    ndarray, shape (n_cells,)
        Cell probabilities, summing to 1.

    Examples
    --------
    The one-sigma cells of N(0, 1) and of the standard Laplace (outer mass :math:`e^{-1}/2`):

    >>> sq = ScalarQuantizer([-1.0, 1.0], [-2.0, 0.0, 2.0])
    >>> np.round(cell_probabilities(sq), 6).tolist()
    [0.158655, 0.682689, 0.158655]
    >>> from scipy import stats
    >>> np.round(cell_probabilities(sq, stats.laplace()), 6).tolist()
    [0.18394, 0.632121, 0.18394]

    A cell ten standard deviations out is not lost to cancellation:

    >>> f"{cell_probabilities(ScalarQuantizer([10.0], [0.0, 20.0]))[1]:.6e}"
    '7.619853e-24'
    """
    edges = _edges(sq)
    dist = _check_dist(dist)
    a, b = edges[:-1], edges[1:]
    upper = a >= dist.median()
    return np.where(upper, dist.sf(a) - dist.sf(b), dist.cdf(b) - dist.cdf(a))
