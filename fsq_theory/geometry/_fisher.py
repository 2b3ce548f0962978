r"""Fisher information metric of the token distribution of a quantized location-scale source.

The seed (sec. 1.1) writes the metric of "the FSQ transformation" with
:math:`\partial_\theta \log p(x|\theta)`, the score of the *continuous* source. The tokens only
carry the cell probabilities, so the metric FSQ induces on the probability simplex is that of the
token distribution

.. math::

    p_k(\theta) = F\Big(\frac{b_k-\mu}{\sigma}\Big) - F\Big(\frac{a_k-\mu}{\sigma}\Big),\qquad
    g_{ij}(\theta) = \sum_k \frac{\partial_i p_k\,\partial_j p_k}{p_k}
                   = E\big[\partial_i \log p_K\,\partial_j \log p_K\big],

with :math:`\partial_\mu p_k = (f(\alpha_k) - f(\beta_k))/\sigma`,
:math:`\partial_\sigma p_k = (\alpha_k f(\alpha_k) - \beta_k f(\beta_k))/\sigma` on the
standardized cell :math:`[\alpha_k, \beta_k)` (:math:`t f(t) \to 0` at :math:`\pm\infty`). It is
the pull-back of the Fisher-Rao metric of the simplex, :math:`ds^2 = \sum_k dp_k^2/p_k`, by
:math:`\theta \mapsto p(\theta)`. By the data-processing inequality for Fisher information
(Zamir 1998) the token metric is dominated by the source's in the Loewner order:
:math:`g^{\text{tokens}}(\theta) \preceq g^{\text{source}}(\theta)`.

References
----------
S. Amari, H. Nagaoka, *Methods of Information Geometry*, AMS 2000, ch. 2.
R. Zamir, "A proof of the Fisher information inequality via a data processing argument", IEEE
Trans. Inf. Theory 44(3), 1998. R. E. Kass, "The geometry of asymptotic inference", Statist.
Sci. 4(3), 1989 (Rao distance on the multinomial simplex).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
integrate = lazy_module("scipy.integrate")
stats = lazy_module("scipy.stats")

from .. import _validation as v
from ..cells import cell_probabilities
from ._information import check_pmf
from ..quantizer import ScalarQuantizer  # noqa: F401  (doctest namespace)
from ._wasserstein import _scalar_quantizers

__all__ = [
    "FisherInformation",
    "FisherEstimate",
    "fisher_information",
    "fisher_information_mc",
    "continuous_fisher_information",
    "fisher_rao_distance",
]


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _check_family(family):
    if isinstance(family, stats.rv_continuous) and family.numargs == 0:
        return family
    if isinstance(family, stats.rv_continuous):
        raise ValueError(f"family {family.name!r} has shape parameters {family.shapes!r}; only "
                         "pure location-scale families (no shapes) are supported")
    raise TypeError(f"family must be a scipy.stats continuous location-scale family such as "
                    f"scipy.stats.norm (not frozen), got {family!r}")


def _check_theta(theta, d: int) -> np.ndarray:
    """Return theta as (d, 2) rows of (loc, scale)."""
    th = v.as_real_array("theta", theta).astype(np.float64)
    if th.shape == (2,):
        th = np.tile(th, (d, 1))
    elif th.shape == (2 * d,):
        th = th.reshape(d, 2)
    elif th.shape != (d, 2):
        raise ValueError(f"theta must hold (loc, scale) per dimension: shape (2,), ({2 * d},) or "
                         f"({d}, 2), got shape {th.shape}")
    if (th[:, 1] <= 0).any():
        i = int(np.flatnonzero(th[:, 1] <= 0)[0])
        raise ValueError(f"theta: scale must be > 0, got scale = {float(th[i, 1])!r} in dimension {i}")
    return th


def _param_names(d: int) -> tuple[str, ...]:
    return tuple(f"{p}[{i}]" for i in range(d) for p in ("loc", "scale"))


# ---------------------------------------------------------------------------------------------
# exact token metric
# ---------------------------------------------------------------------------------------------
def _cell_gradients(sq: ScalarQuantizer, family, loc: float, scale: float):
    """(p, grad) with p of shape (n,) and grad of shape (n, 2): d p_k / d(loc, scale)."""
    p = cell_probabilities(sq, family(loc, scale))
    t = (sq.cell_edges - loc) / scale
    finite = np.isfinite(t)
    tf = np.where(finite, t, 0.0)
    f = np.where(finite, family.pdf(tf), 0.0)
    tf_f = tf * f  # t f(t) -> 0 at +-inf for every density with a finite mean
    grad = np.empty((sq.n_cells, 2))
    grad[:, 0] = (f[:-1] - f[1:]) / scale
    grad[:, 1] = (tf_f[:-1] - tf_f[1:]) / scale
    return p, grad


def _block(sq, family, loc, scale):
    p, g = _cell_gradients(sq, family, loc, scale)
    used = p > 0  # cells of probability 0 (underflow far in a tail) carry no information
    gu = g[used] / np.sqrt(p[used])[:, None]
    return gu.T @ gu, p


@dataclass(frozen=True)
class FisherInformation:
    r"""Fisher information of the token distribution and of the unquantized source.

    Parameters are ordered ``(loc[0], scale[0], loc[1], scale[1], ...)``; dimensions are
    independent, so both matrices are block diagonal.

    Attributes
    ----------
    matrix : ndarray, shape (2d, 2d)
        Token (quantized) Fisher information :math:`g^{\text{tokens}}(\theta)` (nats, i.e.
        per unit squared parameter; Fisher information has no bit/nat choice).
    continuous : ndarray, shape (2d, 2d)
        Fisher information of the unquantized source :math:`g^{\text{source}}(\theta)`.
    params : tuple of str
        Parameter names, ``("loc[0]", "scale[0]", ...)``, in matrix order.
    probabilities : tuple of ndarray
        Cell probabilities per dimension.

    Examples
    --------
    Returned by :func:`fisher_information`. Three cells :math:`(-\infty, -\tfrac12),
    [-\tfrac12, \tfrac12), [\tfrac12, \infty)` on N(0, 1) keep 80% of the information about
    the mean and 26% of that about the scale (source: diag(1, 2)):

    >>> from scipy import stats
    >>> q3 = ScalarQuantizer([-0.5, 0.5], [-1.0, 0.0, 1.0])
    >>> fi = fisher_information(q3, stats.norm, (0.0, 1.0))
    >>> np.round(np.diag(fi.matrix), 6).tolist(), np.diag(fi.continuous).tolist()
    ([0.803468, 0.52456], [1.0, 2.0])
    >>> np.round(fi.ratio, 4).tolist(), fi.loewner_gap >= 0
    ([0.8035, 0.2623], True)
    """

    matrix: np.ndarray
    continuous: np.ndarray
    params: tuple
    probabilities: tuple

    @property
    def ratio(self) -> np.ndarray:
        """Diagonal loss ratios
        :math:`g_{ii}^{\\text{tokens}} / g_{ii}^{\\text{source}}` in [0, 1]."""
        return np.diag(self.matrix) / np.diag(self.continuous)

    @property
    def efficiency(self) -> np.ndarray:
        r"""Generalized eigenvalues of :math:`(g^{\text{tokens}}, g^{\text{source}})`, ascending:
        the fraction of information kept along the extreme directions; all in [0, 1] by the
        data-processing inequality."""
        c = np.linalg.cholesky(self.continuous)
        ci = np.linalg.inv(c)
        return np.linalg.eigvalsh(ci @ self.matrix @ ci.T)

    @property
    def loewner_gap(self) -> float:
        """Smallest eigenvalue of ``continuous - matrix`` (>= 0 by data processing)."""
        return float(np.linalg.eigvalsh(self.continuous - self.matrix)[0])

    def to_frame(self):
        """Long table: one row per (``param_i``, ``param_j``) with ``tokens`` and ``continuous``."""
        import pandas as pd

        rows = []
        for i, a in enumerate(self.params):
            for j, b in enumerate(self.params):
                rows.append({"param_i": a, "param_j": b, "tokens": self.matrix[i, j],
                             "continuous": self.continuous[i, j]})
        return pd.DataFrame(rows)


def continuous_fisher_information(family, theta) -> np.ndarray:
    r"""Fisher information of the location-scale family :math:`\sigma^{-1} f((x-\mu)/\sigma)`.

    .. math::

        I = \frac{1}{\sigma^2}\begin{pmatrix} E\psi^2 & E\psi(T\psi-1)\\
            E\psi(T\psi-1) & E(T\psi-1)^2\end{pmatrix},\qquad \psi = -(\log f)'(T),\ T\sim f

    Closed forms for ``norm`` (diag(1, 2)/σ²), ``logistic`` (diag(1/3, (π²+3)/9)/σ²),
    ``laplace`` and ``cauchy``; other families by quadrature with a fourth-order central
    difference of ``logpdf``.

    Parameters
    ----------
    family : scipy.stats location-scale family (not frozen, no shape parameters)
        E.g. ``scipy.stats.norm``.
    theta : (loc, scale)
        Location :math:`\mu` and scale :math:`\sigma > 0`.

    Returns
    -------
    ndarray, shape (2, 2)
        Fisher information about :math:`(\mu, \sigma)`, per unit squared parameter.

    Examples
    --------
    >>> from scipy import stats
    >>> continuous_fisher_information(stats.norm, (0.0, 2.0)).tolist()  # diag(1, 2) / 4
    [[0.25, 0.0], [0.0, 0.5]]

    The Gumbel family has no closed form here and goes through quadrature; its known matrix
    is :math:`[[1, -(1-\gamma)], [-(1-\gamma), \pi^2/6 + (1-\gamma)^2]]`:

    >>> np.round(continuous_fisher_information(stats.gumbel_r, (0.0, 1.0)), 6).tolist()
    [[1.0, -0.422784], [-0.422784, 1.823681]]
    >>> round(float(np.pi ** 2 / 6 + (1 - np.euler_gamma) ** 2), 6)
    1.823681
    """
    family = _check_family(family)
    th = _check_theta(theta, 1)[0]
    s2 = th[1] ** 2
    closed = {"norm": (1.0, 2.0), "logistic": (1 / 3, (math.pi**2 + 3) / 9),
              "laplace": (1.0, 1.0), "cauchy": (0.5, 0.5)}
    if family.name in closed:
        a, b = closed[family.name]
        return np.diag([a, b]) / s2
    return _standard_fisher_numeric(family) / s2


def _standard_fisher_numeric(family) -> np.ndarray:
    """Fisher matrix of the standard member (loc 0, scale 1) by quadrature over its bulk."""
    h = 1e-3

    def psi(t):  # -(log f)'(t), fourth-order central difference
        lp = family.logpdf
        return -(-lp(t + 2 * h) + 8 * lp(t + h) - 8 * lp(t - h) + lp(t - 2 * h)) / (12 * h)

    # the tails beyond the 1e-13 quantiles carry < 1e-11 of these moments for the usual families;
    # there logpdf differences lose all precision
    qs = np.concatenate([family.ppf([1e-13, 1e-6, 1e-2, 0.5]), family.isf([1e-2, 1e-6, 1e-13])])
    edges = np.unique(qs)
    fns = [lambda t: psi(t) ** 2, lambda t: psi(t) * (t * psi(t) - 1),
           lambda t: (t * psi(t) - 1) ** 2]
    vals = [sum(integrate.quad(lambda t, fn=fn: fn(t) * family.pdf(t), a, b, limit=200)[0]
                for a, b in zip(edges[:-1], edges[1:])) for fn in fns]
    out = np.empty((2, 2))
    out[0, 0], out[0, 1], out[1, 1] = vals
    out[1, 0] = out[0, 1]
    return out


def fisher_information(quantizer, family, theta, *, scale=1.0) -> FisherInformation:
    r"""Exact Fisher information of the token distribution about (loc, scale) of the source.

    .. math::

        g_{ij}(\theta) = \sum_k \frac{\partial_i p_k(\theta)\,\partial_j p_k(\theta)}{p_k(\theta)}

    from the exact cell probabilities (:func:`~fsq_theory.cells.cell_probabilities`) and their
    closed-form derivatives (module docstring). For an :class:`FSQ` the source is a product of
    independent location-scale marginals, one (loc, scale) pair per dimension, and the encoder
    feeds ``z = scale * x``.

    Parameters
    ----------
    quantizer : ScalarQuantizer or FSQ
        Cells in latent units (for FSQ: ``scalar_quantizers(scale)``).
    family : scipy.stats location-scale family, e.g. ``scipy.stats.norm``
        Not frozen, no shape parameters.
    theta : array_like
        ``(loc, scale)``; for an FSQ also ``(d, 2)`` or flat ``(loc0, scale0, loc1, ...)``
        (a single pair is used for every dimension). ``scale > 0``.
    scale : float or array_like (d,), keyword-only
        Encoder gain (not the source's scale).

    Returns
    -------
    FisherInformation
        Token and source matrices, parameter names and cell probabilities.

    References
    ----------
    S. Amari, H. Nagaoka, *Methods of Information Geometry*, AMS 2000, ch. 2; R. Zamir, IEEE
    Trans. Inf. Theory 44(3), 1998.

    Examples
    --------
    The sign of :math:`X \sim N(\mu, 1)` at :math:`\mu = 0` carries
    :math:`g_{\mu\mu} = 4\varphi(0)^2 = 2/\pi` of the source's 1:

    >>> from scipy import stats
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> round(float(fisher_information(sign, stats.norm, (0.0, 1.0)).matrix[0, 0]), 12)  # 2/pi
    0.636619772368
    """
    family = _check_family(family)
    sqs = _scalar_quantizers(quantizer, scale)
    d = len(sqs)
    th = _check_theta(theta, d)
    M = np.zeros((2 * d, 2 * d))
    C = np.zeros((2 * d, 2 * d))
    probs = []
    for i, sq in enumerate(sqs):
        blk, p = _block(sq, family, th[i, 0], th[i, 1])
        M[2 * i:2 * i + 2, 2 * i:2 * i + 2] = blk
        C[2 * i:2 * i + 2, 2 * i:2 * i + 2] = continuous_fisher_information(family, th[i])
        p.flags.writeable = False
        probs.append(p)
    M.flags.writeable = False
    C.flags.writeable = False
    return FisherInformation(M, C, _param_names(d), tuple(probs))


@dataclass(frozen=True)
class FisherEstimate:
    r"""Monte-Carlo score estimate :math:`\hat g = \frac1n\sum_j s(K_j)s(K_j)^\top`.

    Attributes
    ----------
    matrix : ndarray, shape (2d, 2d)
        Estimated token Fisher information (per unit squared parameter), parameters ordered
        as in :class:`FisherInformation`.
    stderr : ndarray, shape (2d, 2d)
        Elementwise standard error (sample std of :math:`s_i s_j` over :math:`\sqrt n`).
    n : int
        Number of samples.

    Examples
    --------
    Returned by :func:`fisher_information_mc`:

    >>> from scipy import stats
    >>> q3 = ScalarQuantizer([-0.5, 0.5], [-1.0, 0.0, 1.0])
    >>> est = fisher_information_mc(q3, stats.norm, (0.0, 1.0), n=2000, rng=0)
    >>> est.n, est.matrix.shape
    (2000, (2, 2))
    """

    matrix: np.ndarray
    stderr: np.ndarray
    n: int


def fisher_information_mc(quantizer, family, theta, *, n: int = 100_000, scale=1.0,
                          rng=None, seed=v._UNSET) -> FisherEstimate:
    r"""Monte-Carlo estimate of the token Fisher information from sampled tokens.

    Draws :math:`X_j \sim` ``family(loc, scale)`` per dimension, encodes them, and averages the
    outer product of the token score :math:`s(k) = \nabla_\theta \log p_k(\theta)`
    (:math:`E[s s^\top] = g` since :math:`E[s] = 0`).

    Parameters
    ----------
    quantizer, family, theta, scale : as in :func:`fisher_information`
        Quantizer, location-scale family, source parameters and encoder gain.
    n : int, keyword-only
        Number of samples.
    rng : None, int, SeedSequence or Generator, keyword-only
        Source of randomness (SPEC 7); the same int gives the same result.
    seed : int, optional, keyword-only
        Deprecated name of ``rng`` (warns with ``DeprecationWarning``).

    Returns
    -------
    FisherEstimate
        Estimated matrix with its elementwise standard error.

    Examples
    --------
    Three cells on N(0, 1), exact diagonal (0.8035, 0.5246) (see :class:`FisherInformation`);
    the estimate from 20000 tokens is within 2.1 standard errors of it:

    >>> from scipy import stats
    >>> q3 = ScalarQuantizer([-0.5, 0.5], [-1.0, 0.0, 1.0])
    >>> est = fisher_information_mc(q3, stats.norm, (0.0, 1.0), n=20_000, rng=0)
    >>> np.round(np.diag(est.matrix), 4).tolist(), np.round(np.diag(est.stderr), 4).tolist()
    ([0.8127, 0.5209], [0.0045, 0.0018])
    """
    rng = v.resolve_rng(rng, seed, owner="fisher_information_mc")
    family = _check_family(family)
    sqs = _scalar_quantizers(quantizer, scale)
    d = len(sqs)
    th = _check_theta(theta, d)
    n = v.check_int("n", n, minimum=2)
    rng = v.as_generator(rng)
    S = np.empty((n, 2 * d))
    for i, sq in enumerate(sqs):
        x = family.rvs(loc=th[i, 0], scale=th[i, 1], size=n, random_state=rng)
        p, g = _cell_gradients(sq, family, th[i, 0], th[i, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(p[:, None] > 0, g / p[:, None], 0.0)
        S[:, 2 * i:2 * i + 2] = score[sq.encode(x)]
    prod = S[:, :, None] * S[:, None, :]
    return FisherEstimate(prod.mean(axis=0), prod.std(axis=0, ddof=1) / math.sqrt(n), n)


def fisher_rao_distance(p, q) -> float:
    r"""Fisher-Rao (Rao) geodesic distance between two distributions on a finite alphabet.

    .. math::  d_{FR}(p, q) = 2 \arccos \sum_k \sqrt{p_k q_k}

    (the simplex with metric :math:`\sum dp_k^2/p_k` is isometric to the positive orthant of the
    sphere of radius 2 via :math:`p \mapsto 2\sqrt p`; Kass 1989). Locally
    :math:`d_{FR}(p(\theta), p(\theta + d\theta))^2 \approx d\theta^\top g(\theta)\, d\theta`.

    Parameters
    ----------
    p, q : array_like, same shape
        Probability vectors (non-negative, summing to 1 within 1e-9).

    Returns
    -------
    float
        Distance in [0, pi].

    References
    ----------
    R. E. Kass, "The geometry of asymptotic inference", Statist. Sci. 4(3), 1989.

    Examples
    --------
    Disjoint supports are at the maximal distance :math:`\pi`; for (1/2, 1/2) and (1/4, 3/4)
    the Bhattacharyya coefficient is :math:`\cos(\pi/12)`, so the distance is :math:`\pi/6`:

    >>> round(fisher_rao_distance([1.0, 0.0], [0.0, 1.0]), 6), round(np.pi, 6)
    (3.141593, 3.141593)
    >>> round(fisher_rao_distance([0.5, 0.5], [0.25, 0.75]), 6), round(np.pi / 6, 6)
    (0.523599, 0.523599)
    """
    p = check_pmf("p", p)
    q = check_pmf("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    bc = float(np.sum(np.sqrt(p * q)))
    return 2.0 * math.acos(min(max(bc, 0.0), 1.0))
