r"""Entropy rate and causal prediction of FSQ tokens of correlated (video-like) latents.

Same model as ``_persistence`` (seed sec. 6.1 and 7.1.3): each latent coordinate is a stationary
AR(1) sequence :math:`X_t = \rho X_{t-1} + \sigma\sqrt{1-\rho^2}\,W_t` and the token is the cell
:math:`Z_t = Q(X_t)` of a scalar quantizer.

**Entropy rate.** The token process is a *function of a Markov process*, not a Markov chain, so
its entropy rate :math:`\bar H` is only bracketed (Cover & Thomas 2006, Thm 4.5.1):

.. math::

    H(Z_t\mid Z_{t-1..t-m}, X_{t-m-1}) \;\le\; \bar H \;\le\; H(Z_t\mid Z_{t-1..t-m}),

the upper bounds non-increasing and the lower bounds non-decreasing in :math:`m`. Both are
computed from joint token pmfs of :math:`m+1` frames, obtained by a Nystrom discretization of
the Gaussian transition kernel with composite Gauss-Legendre rules whose panels break at the
cell thresholds (the integrands are analytic inside each panel, so the rule converges
geometrically; panels are no wider than the kernel's standard deviation). :math:`m = 1` agrees
with the Owen's-T values to ~1e-13 (tested).

**Causal structure (7.1.3).** The seed's :math:`P(z_t|z_{<t}) = \mathrm{FSQ}(f_\theta(z_{<t}))`
is type-confused: FSQ returns a token, not a distribution. A deterministic predictor gives the
point mass :math:`P(z_t = k\mid z_{<t}) = 1\{k = \mathrm{FSQ}(f_\theta(z_{<t}))\}`; a
stochastic one with predictive noise gives :math:`p(k\mid z_{<t}) = P(\mathrm{FSQ}(f_\theta(z_{<t})
+ \nu) = k)`. For the AR(1) latent the Bayes predictor from the continuous past is
:math:`f(x_{<t}) = \rho x_{t-1}` with Gaussian residual, so the exact predictive token law is
the cell probabilities of :math:`\mathcal N(\rho x_{t-1}, (1-\rho^2)\sigma^2)`
(:func:`predictive_token_distribution`); :func:`causal_prediction` reports its expected entropy
and the accuracy of the point prediction :math:`Q(\rho x_{t-1})`.

Entropies are in bits per scalar (one dimension's token) unless ``base=`` says otherwise.

References
----------
T. M. Cover, J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006, sec. 4.5.
D. B. Owen, "Tables for computing bivariate normal probabilities", Ann. Math. Statist. 27 (1956).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
optimize = lazy_module("scipy.optimize")
special = lazy_module("scipy.special")

from .. import _validation as v
from ..quantizer import ScalarQuantizer
from ._persistence import (_check_rho, _check_sq, _entropy_bits, _std_edges,
                           consecutive_token_pmf, token_persistence)

__all__ = [
    "token_sequence_pmf",
    "EntropyRateBounds",
    "entropy_rate_bounds",
    "predictive_token_distribution",
    "CausalPrediction",
    "causal_prediction",
]

_R = 9.0  # standardized truncation of the Gaussian support: mass beyond is 2.3e-19
_GL_NODES = 12  # Gauss-Legendre nodes per panel
_GL_X, _GL_W = np.polynomial.legendre.leggauss(_GL_NODES)


# ---------------------------------------------------------------------------------------------
# Nystrom discretization of the AR(1) kernel
# ---------------------------------------------------------------------------------------------
def _grid(breaks, width):
    """Composite Gauss-Legendre nodes/weights on [-R, R], panels breaking at ``breaks`` and no
    wider than ``width``."""
    b = np.unique(np.concatenate([[-_R, _R], np.asarray(breaks)[np.abs(breaks) < _R]]))
    xs, ws = [], []
    for lo, hi in zip(b[:-1], b[1:]):
        m = max(1, math.ceil((hi - lo) / width))
        e = np.linspace(lo, hi, m + 1)
        c, hw = (e[1:] + e[:-1]) / 2, (e[1:] - e[:-1]) / 2
        xs.append((c[:, None] + hw[:, None] * _GL_X).ravel())
        ws.append((hw[:, None] * _GL_W).ravel())
    return np.concatenate(xs), np.concatenate(ws)


class _Kernel:
    """Standardized AR(1) on a node grid: nodes x, weights w, cell masks, transition density,
    and the closed-form next-cell probabilities C[x, k] = P(X' in cell k | X = x)."""

    _BLOCK = 1024  # rows of the transition matrix generated at a time (bounded memory)

    def __init__(self, edges, rho):
        self.rho = rho
        self.s = math.sqrt((1 - rho) * (1 + rho))
        tau = edges[1:-1]
        self.x, self.w = _grid(tau, min(1.0, self.s))
        self.n = len(edges) - 1
        cell = np.searchsorted(tau, self.x, side="right")
        self.mask = (cell[None, :] == np.arange(self.n)[:, None]).astype(np.float64)
        self.phi = np.exp(-0.5 * self.x**2) / math.sqrt(2 * math.pi)
        self.C = _cell_probs_given(edges, rho * self.x, self.s)

    def density(self, x_from):
        """p(y | x) at all nodes y for each x in ``x_from``: shape (len(x_from), N)."""
        d = (self.x[None, :] - self.rho * np.asarray(x_from)[:, None]) / self.s
        return np.exp(-0.5 * d * d) / (self.s * math.sqrt(2 * math.pi))

    def extend(self, G):
        """Sequence densities G (P, N) -> (P * n, N): one more frame, every next token."""
        Gw = G * self.w
        H = np.zeros_like(G)
        for b in range(0, len(self.x), self._BLOCK):
            H += Gw[:, b:b + self._BLOCK] @ self.density(self.x[b:b + self._BLOCK])
        return (H[:, None, :] * self.mask[None, :, :]).reshape(-1, H.shape[1])

    def close_next(self, G):
        """Probabilities of every sequence of G followed by every next token: (P, N) -> (P * n,),
        the last integral in closed form."""
        return np.clip(((G * self.w) @ self.C).ravel(), 0.0, None)


def token_sequence_pmf(sq, rho, order, *, variance=1.0) -> np.ndarray:
    r"""Joint pmf of ``order + 1`` consecutive tokens :math:`P(Z_0 = k_0, \dots, Z_m = k_m)`.

    .. math::

        P(k_0..k_m) = \int_{C_{k_0}}\!\!\cdots\int_{C_{k_m}} \varphi(x_0)
            \prod_{i=1}^m p(x_i\mid x_{i-1})\,dx_0\cdots dx_m,

    evaluated by the forward recursion :math:`g_i(y) = 1_{C_{k_i}}(y)\int g_{i-1}(x)p(y|x)dx`
    discretized with composite Gauss-Legendre panels (12 nodes) breaking at the thresholds and
    no wider than :math:`\min(1, \sqrt{1-\rho^2})` (standardized), on :math:`[-9, 9]`; the
    innermost integral (the last cell probability) is closed form, so ``order = 1`` is exact up
    to the outer quadrature. Cost grows like :math:`n^m N^2` with :math:`N \approx 216/\min(1,
    \sqrt{1-\rho^2})` nodes.

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    order : int >= 0
        :math:`m`; memory grows like :math:`n^{m+1}` times the node count (at most 65536
        sequences).
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).

    Returns
    -------
    ndarray, shape ``(n_cells,) * (order + 1)``
        The joint pmf, axis i the token of frame i; entries sum to 1.

    Examples
    --------
    Sign quantizer: :math:`P(+,+,+)` is the trivariate orthant probability
    :math:`\tfrac18 + (2\arcsin\rho + \arcsin\rho^2)/4\pi = 0.228441` at :math:`\rho = 1/2`:

    >>> import numpy as np
    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import token_sequence_pmf
    >>> P = token_sequence_pmf(ScalarQuantizer([0.0], [-1.0, 1.0]), 0.5, 2)
    >>> P.shape, round(float(P[1, 1, 1]), 6), round(float(P.sum()), 6)
    ((2, 2, 2), 0.228441, 1.0)
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    m = v.check_int("order", order, minimum=0)
    e = _std_edges(sq, variance)
    n = len(e) - 1
    if n ** (m + 1) > 2**16:
        raise ValueError(f"order = {m} with {n} cells gives {n ** (m + 1)} sequences (> 65536)")
    if m == 0:
        from ..cells import cell_probabilities

        return cell_probabilities(ScalarQuantizer(e[1:-1], np.zeros(n)))
    ker = _Kernel(e, r)
    G = ker.mask * ker.phi
    for _ in range(m - 1):
        G = ker.extend(G)
    P = ker.close_next(G)
    return (P / P.sum()).reshape((n,) * (m + 1))


@dataclass(frozen=True)
class EntropyRateBounds:
    r"""Bounds on the entropy rate :math:`\bar H` of the token process (bits per scalar per frame).

    Returned by :func:`entropy_rate_bounds`; entropies in the base asked for there (bits by
    default). ``to_frame()`` gives one row per order and bound.

    Attributes
    ----------
    rho : float
        Lag-one correlation of the latent.
    upper : ndarray (max_order + 1,)
        ``upper[m]`` :math:`= H(Z_t\mid Z_{t-1},\dots,Z_{t-m})` (``upper[0]`` :math:`= H(Z_t)`),
        non-increasing in m, each :math:`\ge \bar H`.
    lower : ndarray (max_lower + 1,)
        ``lower[m]`` :math:`= H(Z_t\mid Z_{t-1},\dots,Z_{t-m}, X_{t-m-1})` (``lower[0]``
        :math:`= H(Z_t\mid X_{t-1})`), non-decreasing in m, each :math:`\le \bar H` (Cover &
        Thomas 2006, Thm 4.5.1).
    mutual_information : float
        :math:`I(Z_t; Z_{t-1}) = H(Z_t) - H(Z_t\mid Z_{t-1})`.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import entropy_rate_bounds
    >>> b = entropy_rate_bounds(FSQ([5]), 0.9, max_order=2)
    >>> b.upper.round(6).tolist(), b.lower.round(6).tolist()
    ([2.305191, 1.425304, 1.411402], [1.317363, 1.398549])
    """

    rho: float
    upper: np.ndarray
    lower: np.ndarray
    mutual_information: float

    def to_frame(self):
        """Table with columns order, bound ("upper"/"lower"), bits, rho (a pandas DataFrame)."""
        import pandas as pd

        rows = [dict(order=m, bound="upper", bits=float(b)) for m, b in enumerate(self.upper)]
        rows += [dict(order=m, bound="lower", bits=float(b)) for m, b in enumerate(self.lower)]
        return pd.DataFrame(rows).assign(rho=self.rho)


def _cell_probs_given(edges, mean, s):
    """Cell probabilities of N(mean, s^2) for each mean: shape (len(mean), n)."""
    z = (edges[None, :] - np.asarray(mean)[:, None]) / s
    upper = z[:, :-1] >= 0
    return np.clip(np.where(upper, special.ndtr(-z[:, :-1]) - special.ndtr(-z[:, 1:]),
                            special.ndtr(z[:, 1:]) - special.ndtr(z[:, :-1])), 0.0, None)


def entropy_rate_bounds(sq, rho, *, max_order=3, max_lower=1, variance=1.0,
                        base=2) -> EntropyRateBounds:
    r"""Upper and lower bounds on the token entropy rate, exactly (see :class:`EntropyRateBounds`).

    ``upper[1]`` uses the Owen's-T pmf (:func:`consecutive_token_pmf`); higher orders use
    :func:`token_sequence_pmf`: :math:`H(Z_t|Z_{t-1..t-m}) = H(Z_{0..m}) - H(Z_{0..m-1})`.
    ``lower[m]`` is :math:`\int\varphi(x)[H(Z_{1..m+1}|x) - H(Z_{1..m}|x)]dx` with the
    conditional sequence laws from the same recursion started at :math:`X_0 = x` (``lower[0]`` is
    the entropy of the exact one-step predictive law, :func:`predictive_token_distribution`).

    .. math::

        H(Z_t\mid Z_{t-1..t-m}, X_{t-m-1}) \;\le\; \bar H \;\le\; H(Z_t\mid Z_{t-1..t-m}).

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    max_order : int >= 1, keyword-only
        Largest :math:`m` of the upper bounds.
    max_lower : int >= 0, keyword-only
        Largest :math:`m` of the lower bounds.
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).
    base : float, keyword-only
        Logarithm base (2: bits), positive and not 1.

    Returns
    -------
    EntropyRateBounds
        ``upper[0..max_order]``, ``lower[0..max_lower]`` and :math:`I(Z_t; Z_{t-1})`.

    Examples
    --------
    Sign quantizer at :math:`\rho = 1/2`: :math:`H(Z_t) = 1` bit and
    :math:`H(Z_t\mid Z_{t-1}) = h(1/3) = 0.918296` bits (persistence 2/3); the entropy rate
    lies between 0.913837 and 0.915934:

    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import entropy_rate_bounds
    >>> b = entropy_rate_bounds(ScalarQuantizer([0.0], [-1.0, 1.0]), 0.5)
    >>> b.upper.round(6).tolist()
    [1.0, 0.918296, 0.916055, 0.915934]
    >>> b.lower.round(6).tolist()
    [0.874805, 0.913837]
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    mo = v.check_int("max_order", max_order, minimum=1)
    ml = v.check_int("max_lower", max_lower, minimum=0)
    lb = v.log_base(base)
    e = _std_edges(sq, variance)
    n = len(e) - 1
    for name, m in (("max_order", mo), ("max_lower", ml + 1)):
        if n ** (m + 1) > 2**16:
            raise ValueError(f"{name} = {m} with {n} cells gives {n ** (m + 1)} sequences "
                             "(> 65536)")
    P1 = consecutive_token_pmf(sq, r, variance=variance)
    joint_h = [0.0, _entropy_bits(P1.sum(axis=0), base=lb), _entropy_bits(P1, base=lb)]
    ker = _Kernel(e, r)
    G = ker.mask * ker.phi  # densities of the length-1 sequences at the last frame
    for m in range(2, mo + 1):
        G = ker.extend(G)
        joint_h.append(_entropy_bits(ker.close_next(G), base=lb))
    upper = np.diff(np.asarray(joint_h[: mo + 2]))
    # lower bounds: condition on X_0 = x at every node, integrate the entropy difference
    lower = np.zeros(ml + 1)
    weights = ker.w * ker.phi
    for start in range(0, len(ker.x), 64):
        x0 = ker.x[start:start + 64]
        wx = weights[start:start + 64]
        h_prev = _entropy_bits(ker.C[start:start + 64], axis=1, base=lb)  # H(Z_1 | x0), exact
        lower[0] += wx @ h_prev
        G = ker.density(x0)[:, None, :] * ker.mask[None, :, :]  # (B, n, N): Z_1 and x_1
        for m in range(1, ml + 1):
            B, P, N = G.shape
            probs = ker.close_next(G.reshape(B * P, N)).reshape(B, P * ker.n)
            h = _entropy_bits(probs / probs.sum(axis=1, keepdims=True), axis=1, base=lb)
            lower[m] += wx @ (h - h_prev)
            h_prev = h
            if m < ml:
                G = ker.extend(G.reshape(B * P, N)).reshape(B, P * ker.n, N)
    lower /= weights.sum()
    return EntropyRateBounds(r, upper, lower, float(upper[0] - upper[1]))


# ---------------------------------------------------------------------------------------------
# causal structure (7.1.3)
# ---------------------------------------------------------------------------------------------
def predictive_token_distribution(sq, rho, x_prev, *, variance=1.0) -> np.ndarray:
    r"""Exact predictive token law :math:`p(k\mid x_{t-1}) = P(Q(X_t) = k\mid X_{t-1}=x_{t-1})`.

    .. math::

        p(k\mid x) = \Phi\Big(\frac{b_k - \rho x}{\sigma\sqrt{1-\rho^2}}\Big)
                   - \Phi\Big(\frac{a_k - \rho x}{\sigma\sqrt{1-\rho^2}}\Big)

    i.e. the cell probabilities of :math:`\mathcal N(\rho x, (1-\rho^2)\sigma^2)`: the corrected
    form of seed 7.1.3 for the Bayes predictor :math:`f(x_{<t}) = \rho x_{t-1}` with its Gaussian
    residual (:math:`X_{<t-1}` adds nothing: the latent is Markov).

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    x_prev : array_like
        Previous latent values (source units, finite).
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).

    Returns
    -------
    ndarray, shape ``np.shape(x_prev) + (n_cells,)``
        :math:`p(k\mid x)`, rows summing to 1.

    Examples
    --------
    Sign quantizer, :math:`\rho = 1/2`: from :math:`x = 1` the next token is positive with
    probability :math:`\Phi(0.5/\sqrt{0.75}) = 0.718149`:

    >>> import numpy as np
    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import predictive_token_distribution
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> np.round(predictive_token_distribution(sign, 0.5, [0.0, 1.0]), 6).tolist()
    [[0.5, 0.5], [0.281851, 0.718149]]
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    x = v.as_real_array("x_prev", x_prev).astype(np.float64)
    sd = math.sqrt(v.check_real("variance", variance, minimum=0.0, strict_minimum=True))
    p = _cell_probs_given(sq.cell_edges / sd, r * x.ravel() / sd, math.sqrt((1 - r) * (1 + r)))
    return p.reshape(x.shape + (sq.n_cells,))


@dataclass(frozen=True)
class CausalPrediction:
    r"""Next-token prediction for the AR(1) latent (per scalar).

    Returned by :func:`causal_prediction`; entropies in the base asked for there (bits by
    default), accuracies are probabilities.

    Attributes
    ----------
    rho : float
        Lag-one correlation of the latent.
    h_marginal : float
        :math:`H(Z_t)` (bits).
    h_predictive : float
        :math:`H(Z_t\mid X_{t-1}) = E\,H(p(\cdot\mid X_{t-1}))`: expected entropy of the exact
        predictive law (bits); 0 only in the deterministic limit.
    accuracy_point : float
        :math:`P(Q(\rho X_{t-1}) = Z_t)`: the deterministic "FSQ of the prediction".
    accuracy_bayes : float
        :math:`E\max_k p(k\mid X_{t-1})`: the best possible from :math:`X_{t-1}` (>= point).
    accuracy_persistence : float
        :math:`P(Z_t = Z_{t-1})`: predicting "no change" from the token alone.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import causal_prediction
    >>> c = causal_prediction(FSQ([5]), 0.9)
    >>> round(c.h_marginal, 6), round(c.h_predictive, 6)
    (2.305191, 1.317363)
    >>> round(c.accuracy_point, 6), round(c.accuracy_bayes, 6), round(c.accuracy_persistence, 6)
    (0.581451, 0.58376, 0.58132)
    """

    rho: float
    h_marginal: float
    h_predictive: float
    accuracy_point: float
    accuracy_bayes: float
    accuracy_persistence: float


def _argmax_breaks(edges, r, s, xs):
    """x where argmax_k p(k | x) changes, refined by brentq (the integrand of the Bayes
    accuracy has a kink there)."""
    am = np.argmax(_cell_probs_given(edges, r * xs, s), axis=1)
    out = []
    for i in np.flatnonzero(np.diff(am)):
        a, b = am[i], am[i + 1]

        def diff(x, a=a, b=b):
            p = _cell_probs_given(edges, np.array([r * x]), s)[0]
            return p[a] - p[b]

        out.append(optimize.brentq(diff, xs[i], xs[i + 1], xtol=1e-14))
    return np.asarray(out)


def causal_prediction(sq, rho, *, variance=1.0, base=2) -> CausalPrediction:
    r"""Entropy of the exact predictive token law and accuracies of point predictions.

    .. math::

        H(Z_t\mid X_{t-1}) = E_{X_{t-1}}\Big[-\sum_k p(k\mid X_{t-1})\log p(k\mid X_{t-1})\Big],
        \qquad \text{accuracy}_{\rm Bayes} = E\max_k p(k\mid X_{t-1}),

    with :math:`p(k\mid x)` from :func:`predictive_token_distribution`, evaluated by composite
    Gauss-Legendre quadrature over :math:`X_{t-1}` with panels broken at every kink of the
    integrands; see :class:`CausalPrediction`.

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).
    base : float, keyword-only
        Logarithm base of the entropies (2: bits), positive and not 1.

    Returns
    -------
    CausalPrediction
        Marginal and predictive entropies, point, Bayes and persistence accuracies.

    Examples
    --------
    Sign quantizer at :math:`\rho = 1/2`: all three predictors agree with persistence, 2/3, and
    :math:`H(Z_t\mid X_{t-1}) = 0.874805` bits is ``lower[0]`` of :func:`entropy_rate_bounds`:

    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import causal_prediction
    >>> c = causal_prediction(ScalarQuantizer([0.0], [-1.0, 1.0]), 0.5)
    >>> round(c.h_marginal, 6), round(c.h_predictive, 6)
    (1.0, 0.874805)
    >>> round(c.accuracy_point, 6), round(c.accuracy_bayes, 6), round(c.accuracy_persistence, 6)
    (0.666667, 0.666667, 0.666667)
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    lb = v.log_base(base)
    e = _std_edges(sq, variance)
    s = math.sqrt((1 - r) * (1 + r))
    tau = e[1:-1]
    coarse = np.linspace(-_R, _R, 4001)
    breaks = np.concatenate([tau, tau / r if r != 0 else [], _argmax_breaks(e, r, s, coarse)])
    x, w = _grid(breaks, min(1.0, s))
    wphi = w * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
    wphi /= wphi.sum()
    p = _cell_probs_given(e, r * x, s)
    point = np.searchsorted(tau, r * x, side="right")
    pz = (wphi[:, None] * p).sum(axis=0)
    return CausalPrediction(
        r, float(_entropy_bits(pz, base=lb)), float(wphi @ _entropy_bits(p, axis=1, base=lb)),
        float(wphi @ p[np.arange(len(x)), point]), float(wphi @ p.max(axis=1)),
        token_persistence(sq, r, variance=variance))
