r"""Information measures of FSQ tokens: entropy estimators, mutual information, divergence,
codebook usage, perplexity, and the information flow :math:`I(X;Z) = H(Z) - H(Z|X)`.

Units are bits unless ``base=`` says otherwise (``base=np.e`` for nats). Entropies of a
codebook index are *per vector*; for a :class:`~fsq_theory.quantizer.ScalarQuantizer` the vector
is one scalar.

**Information flow (seed sec. 7.1.2).** A deterministic quantizer has :math:`H(Z|X)=0`, so
:math:`I(X;Z) = H(Z)`. With encoder noise (``z = scale * x + nu``, Gaussian or uniform
"dither" :math:`\nu`) the token is a noisy channel output,

.. math::

    p(k\mid x) = F_\nu(t_k - s x) - F_\nu(t_{k-1} - s x),\qquad
    H(Z\mid X) = E_X\, h\big(p(\cdot\mid X)\big) > 0,

and :math:`I(X;Z) = H(Z) - H(Z|X) = E_X\,D\big(p(\cdot|X)\,\|\,p_Z\big)`, with
:math:`0 \le I \le \min(H(Z), \log|C|)` and, for Gaussian noise, the data-processing bound
:math:`I(X;Z) \le I(X; sX+\nu) \le \tfrac12\log(1 + s^2\operatorname{Var}X/\sigma^2)` per
dimension (Cover & Thomas 2006, Thm. 9.1.1 and 2.8.1). For continuous :math:`X`,
:math:`H(X) = \infty`, so the seed's :math:`\min(H(X), H(Z))` reduces to :math:`H(Z)`.

References
----------
T. M. Cover, J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006.
G. A. Miller, "Note on the bias of information estimates", 1955. P. Grassberger, "Finite sample
corrections to entropy and dimension estimates", Phys. Lett. A 128 (1988); "Entropy estimates
from insufficient samplings", arXiv:physics/0307138 (2003). A. Chao, T.-J. Shen, "Nonparametric
estimation of Shannon's index of diversity when there are unseen species in sample", Environ.
Ecol. Stat. 10 (2003). S. Zahl, "Jackknifing an index of diversity", Ecology 58 (1977).
G. P. Basharin, "On a statistical estimate for the entropy of a sequence of independent random
variables", Theory Probab. Appl. 4 (1959).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, special, stats

from .. import _validation as v
from ..cells import cell_probabilities
from ..quantizer import FSQ, ScalarQuantizer
from ._wasserstein import _scalar_quantizers, fsq_constants

__all__ = [
    "ENTROPY_ESTIMATORS",
    "entropy",
    "entropy_estimate",
    "EntropyEstimate",
    "mutual_information",
    "kl_divergence",
    "codebook_usage",
    "expected_codebook_usage",
    "perplexity",
    "InformationFlow",
    "information_flow",
    "information_flow_empirical",
]

ENTROPY_ESTIMATORS = ("plugin", "miller_madow", "grassberger", "grassberger1988", "chao_shen",
                      "jackknife")


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
_log_base = v.log_base


def _check_estimator(estimator) -> str:
    if estimator not in ENTROPY_ESTIMATORS:
        raise ValueError(f"estimator must be one of {ENTROPY_ESTIMATORS}, got {estimator!r}")
    return estimator


check_pmf = v.check_pmf  # public name kept: other modules import it from here


def _counts_or_pmf(name: str, x, ndim: int = 1):
    """('counts', int64 array) for integer input, ('pmf', float64 array) for float input."""
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        c = v.as_index_array(name, arr)
        if c.ndim != ndim or c.size == 0:
            raise ValueError(f"{name} must be a non-empty {ndim}-D array, got shape {c.shape}")
        if (c < 0).any():
            pos = v._first_position(c < 0)
            raise ValueError(f"{name} counts must be >= 0; {name}[{pos}] = {int(c[pos])}")
        if c.sum() == 0:
            raise ValueError(f"{name} counts must not all be zero")
        return "counts", c
    if arr.dtype.kind == "f":
        return "pmf", check_pmf(name, arr, ndim=ndim)
    raise TypeError(f"{name} must be integer counts or a float probability array, got dtype "
                    f"{arr.dtype}")


# ---------------------------------------------------------------------------------------------
# entropy estimators (nats, from counts)
# ---------------------------------------------------------------------------------------------
def _plugin_nats(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-np.sum(p * np.log(p)))


def _grassberger_G(n: np.ndarray) -> np.ndarray:
    # Grassberger 2003, eq. (35): G_n = psi(n) + (-1)^n / 2 (psi((n+1)/2) - psi(n/2))
    sign = np.where(n % 2 == 0, 1.0, -1.0)
    return special.digamma(n) + 0.5 * sign * (special.digamma((n + 1) / 2) - special.digamma(n / 2))


def _estimate_nats(c: np.ndarray, estimator: str) -> float:
    return float(_estimate_nats_raw(c, estimator))


def _estimate_nats_raw(c: np.ndarray, estimator: str):
    c = c[c > 0].astype(np.float64)
    N = c.sum()
    p = c / N
    if estimator == "plugin":
        return _plugin_nats(p)
    if estimator == "miller_madow":
        return _plugin_nats(p) + (c.size - 1) / (2 * N)
    if estimator == "grassberger":
        return float(math.log(N) - np.sum(c * _grassberger_G(c)) / N)
    if estimator == "grassberger1988":
        sign = np.where(c % 2 == 0, 1.0, -1.0)
        return float(np.sum(c * (math.log(N) - special.digamma(c) - sign / (c + 1))) / N)
    if estimator == "chao_shen":
        f1 = np.sum(c == 1)
        if f1 == N:  # all singletons: coverage 0; the usual fix (Chao & Shen 2003)
            f1 = N - 1
        pa = (1 - f1 / N) * p
        la = -np.expm1(N * np.log1p(-pa))  # 1 - (1 - pa)^N, inclusion probability
        return float(-np.sum(pa * np.log(pa) / la))
    if estimator == "jackknife":
        # leave-one-out over each observed symbol class (Zahl 1977), O(K)
        if N < 2:
            return _plugin_nats(p)
        h_full = _plugin_nats(p)
        t = np.sum(c * np.log(c))
        cm = c - 1
        # removing one sample of class k: H_k = log(N-1) - (t - c log c + (c-1) log(c-1)) / (N-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            cml = np.where(cm > 0, cm * np.log(np.where(cm > 0, cm, 1)), 0.0)
        h_loo = math.log(N - 1) - (t - c * np.log(c) + cml) / (N - 1)
        return float(N * h_full - (N - 1) * np.sum(c * h_loo) / N)
    raise AssertionError(estimator)  # unreachable: validated by the caller


def entropy(counts_or_pmf, *, estimator: str = "plugin", base=2) -> float:
    r"""Shannon entropy of a token distribution, exactly (pmf) or estimated (counts).

    .. math::  H = -\sum_k p_k \log p_k

    For integer ``counts`` (:math:`n_k`, :math:`N=\sum n_k`, :math:`\hat p_k = n_k/N`,
    :math:`K` observed symbols):

    * ``"plugin"``: :math:`H(\hat p)` (negatively biased, bias :math:`\approx -(K-1)/2N`);
    * ``"miller_madow"``: :math:`H(\hat p) + (K-1)/(2N)` (Miller 1955);
    * ``"grassberger"``: :math:`\log N - \frac1N\sum n_k G(n_k)`,
      :math:`G(n) = \psi(n) + \frac{(-1)^n}{2}(\psi(\frac{n+1}2) - \psi(\frac n2))`
      (Grassberger 2003, eq. 35);
    * ``"grassberger1988"``: :math:`\frac1N\sum n_k(\log N - \psi(n_k) - (-1)^{n_k}/(n_k+1))`;
    * ``"chao_shen"``: coverage-adjusted Horvitz-Thompson, :math:`C = 1 - f_1/N`,
      :math:`-\sum C\hat p_k\log(C\hat p_k)/(1-(1-C\hat p_k)^N)` (Chao & Shen 2003);
    * ``"jackknife"``: :math:`N H - \frac{N-1}{N}\sum_j H_{-j}` (Zahl 1977).

    Parameters
    ----------
    counts_or_pmf : array_like, 1-D
        Integer dtype: counts. Float dtype: a probability vector (summing to 1), for which only
        ``estimator="plugin"`` (the exact entropy) is defined.
    estimator : str, keyword-only
        One of :data:`ENTROPY_ESTIMATORS`.
    base : float, keyword-only
        Logarithm base (2: bits, per symbol of the given alphabet).

    Returns
    -------
    float

    Examples
    --------
    >>> entropy([0.5, 0.25, 0.25])
    1.5
    >>> round(entropy(np.array([5, 3, 1, 1]), estimator="miller_madow", base=np.e), 6)
    1.318282
    """
    lb = _log_base(base)
    estimator = _check_estimator(estimator)
    kind, arr = _counts_or_pmf("counts_or_pmf", counts_or_pmf)
    if kind == "pmf":
        if estimator != "plugin":
            raise ValueError(f"estimator {estimator!r} needs integer counts; a probability vector "
                             "only admits estimator='plugin'")
        return _plugin_nats(arr) / lb
    return _estimate_nats(arr, estimator) / lb


@dataclass(frozen=True)
class EntropyEstimate:
    """Entropy estimate from counts with a confidence interval.

    Attributes
    ----------
    value : float
        The estimate (units of ``base``).
    stderr : float
        Standard error: analytic (Basharin 1959:
        :math:`\\sqrt{(\\sum \\hat p_k \\log^2 \\hat p_k - \\hat H^2)/N}`) or bootstrap std.
    low, high : float
        Confidence interval (normal for ``"analytic"``, percentile for ``"bootstrap"``).
    confidence : float
    method, estimator : str
    n : int
        Number of observations.
    base : float
    """

    value: float
    stderr: float
    low: float
    high: float
    confidence: float
    method: str
    estimator: str
    n: int
    base: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def entropy_estimate(counts, *, estimator: str = "plugin", base=2, confidence: float = 0.95,
                     method: str = "analytic", n_bootstrap: int = 2000,
                     seed=None) -> EntropyEstimate:
    r"""Entropy estimate from counts with an analytic or bootstrap confidence interval.

    ``method="analytic"`` uses the asymptotic normality of every estimator listed in
    :func:`entropy` (they differ by :math:`O(1/N)`), with variance
    :math:`(\sum_k p_k\log^2 p_k - H^2)/N` (Basharin 1959) evaluated at :math:`\hat p`: the
    interval is :math:`\hat H \pm z_{(1+c)/2}\,\mathrm{se}`. It degenerates (zero width) when
    :math:`\hat p` is uniform on its support or a point mass; use the bootstrap there.
    ``method="bootstrap"`` resamples multinomial counts from :math:`\hat p` ``n_bootstrap``
    times (percentile interval, standard error = bootstrap std).

    Parameters
    ----------
    counts : array_like of int, 1-D
    estimator, base : as in :func:`entropy`
    confidence : float in (0, 1), keyword-only
    method : {"analytic", "bootstrap"}, keyword-only
    n_bootstrap : int, keyword-only
    seed : keyword-only, anything ``np.random.default_rng`` accepts

    Returns
    -------
    EntropyEstimate
    """
    lb = _log_base(base)
    estimator = _check_estimator(estimator)
    kind, c = _counts_or_pmf("counts", counts)
    if kind != "counts":
        raise TypeError("counts must have an integer dtype (observed counts)")
    conf = v.check_real("confidence", confidence, minimum=0.0, strict_minimum=True)
    if conf >= 1:
        raise ValueError(f"confidence must be < 1, got {conf!r}")
    if method not in ("analytic", "bootstrap"):
        raise ValueError(f"method must be 'analytic' or 'bootstrap', got {method!r}")
    n_bootstrap = v.check_int("n_bootstrap", n_bootstrap, minimum=10)
    N = int(c.sum())
    value = _estimate_nats(c, estimator)
    p = c[c > 0] / N
    if method == "analytic":
        lp = np.log(p)
        var = max(float(np.sum(p * lp * lp) - _plugin_nats(p) ** 2), 0.0) / N
        se = math.sqrt(var)
        zq = stats.norm.isf((1 - conf) / 2)
        low, high = value - zq * se, value + zq * se
    else:
        rng = np.random.default_rng(seed)
        draws = rng.multinomial(N, p, size=n_bootstrap)
        boots = np.array([_estimate_nats(d, estimator) for d in draws])
        se = float(boots.std(ddof=1))
        low, high = np.quantile(boots, [(1 - conf) / 2, (1 + conf) / 2])
    return EntropyEstimate(value / lb, se / lb, float(low) / lb, float(high) / lb, conf, method,
                           estimator, N, math.exp(lb))


def mutual_information(joint, *, estimator: str = "plugin", base=2) -> float:
    r"""Mutual information of a 2-D joint distribution (pmf) or contingency table (counts).

    .. math::  I(X;Y) = \sum_{x,y} p(x,y)\log\frac{p(x,y)}{p(x)p(y)} = H(X) + H(Y) - H(X,Y)

    A pmf (float) gives the exact value (``estimator="plugin"`` only). For counts, ``"plugin"``
    is the empirical MI and the other estimators apply :func:`entropy`'s corrections to the three
    entropies (the corrected MI may be slightly negative when :math:`I \approx 0`).

    Parameters
    ----------
    joint : array_like, 2-D
    estimator, base : as in :func:`entropy`

    Returns
    -------
    float
    """
    lb = _log_base(base)
    estimator = _check_estimator(estimator)
    kind, arr = _counts_or_pmf("joint", joint, ndim=2)
    if kind == "pmf" and estimator != "plugin":
        raise ValueError(f"estimator {estimator!r} needs integer counts; a joint pmf only admits "
                         "estimator='plugin'")
    if estimator == "plugin":
        p = arr / arr.sum()
        px, py = p.sum(1, keepdims=True), p.sum(0, keepdims=True)
        nz = p > 0
        mi = float(np.sum(p[nz] * np.log(p[nz] / (px @ py)[nz])))
        return max(mi, 0.0) / lb
    hx = _estimate_nats(arr.sum(1), estimator)
    hy = _estimate_nats(arr.sum(0), estimator)
    hxy = _estimate_nats(arr.ravel(), estimator)
    return (hx + hy - hxy) / lb


def kl_divergence(p, q, *, base=2) -> float:
    r"""Kullback-Leibler divergence :math:`D(p\|q) = \sum_k p_k \log(p_k/q_k)`.

    ``inf`` when some :math:`q_k = 0 < p_k`. Both arguments are probability vectors of the same
    length (use ``counts / counts.sum()`` for data).
    """
    lb = _log_base(base)
    p = check_pmf("p", p)
    q = check_pmf("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    nz = p > 0
    if (q[nz] == 0).any():
        return math.inf
    return max(float(np.sum(p[nz] * np.log(p[nz] / q[nz]))), 0.0) / lb


def codebook_usage(counts) -> float:
    """Fraction of codebook entries observed at least once: ``mean(counts > 0)``.

    Parameters
    ----------
    counts : array_like of int, 1-D, length = codebook size
    """
    kind, c = _counts_or_pmf("counts", counts)
    if kind != "counts":
        raise TypeError("counts must have an integer dtype")
    return float(np.count_nonzero(c) / c.size)


def expected_codebook_usage(pmf, n: int) -> float:
    r"""Expected fraction of codes seen in ``n`` i.i.d. tokens: :math:`\frac1{|C|}\sum_k
    (1 - (1-p_k)^n)`. Saturates (-> 1) only when every :math:`p_k \gg 1/n`."""
    p = check_pmf("pmf", pmf)
    n = v.check_int("n", n, minimum=0)
    return float(np.mean(-np.expm1(n * np.log1p(-np.minimum(p, 1.0)))))


def perplexity(counts_or_pmf, *, estimator: str = "plugin") -> float:
    r"""Perplexity :math:`e^{H}` (base-free: the effective number of equally likely codes).

    ``counts_or_pmf`` and ``estimator`` as in :func:`entropy`."""
    return math.exp(entropy(counts_or_pmf, estimator=estimator, base=math.e))


# ---------------------------------------------------------------------------------------------
# information flow through a noisy encoder
# ---------------------------------------------------------------------------------------------
_NOISES = (None, "gaussian", "uniform")


def _check_noise(noise, noise_scale):
    if noise not in _NOISES:
        raise ValueError(f"noise must be one of {_NOISES}, got {noise!r}")
    sigma = v.check_real("noise_scale", noise_scale, minimum=0.0)
    if noise is None or sigma == 0.0:
        return None, 0.0
    return noise, sigma


_NOISE_DOMAINS = ("latent", "bounded")


@dataclass(frozen=True)
class _Channel:
    """One dimension of the noisy encoder: ``k = cell of pre(x) + nu`` for the cells of ``sq``.

    ``sq``: cells in the domain where the noise is added; ``pre``: x -> value in that domain;
    ``inv``: its inverse (for the kinks of uniform noise); ``xbreaks``: thresholds in x;
    ``gain``: the linear gain when ``pre(x) = gain * x`` (enables closed forms), else None.
    """

    sq: ScalarQuantizer
    pre: object
    inv: object
    xbreaks: np.ndarray
    gain: float | None
    noise: str | None
    sigma: float


def _channels(quantizer, scale, noise, sigma, noise_domain) -> list[_Channel]:
    if noise_domain not in _NOISE_DOMAINS:
        raise ValueError(f"noise_domain must be one of {_NOISE_DOMAINS}, got {noise_domain!r}")
    latent = _scalar_quantizers(quantizer, 1.0)
    s = v.per_dim("scale", scale, len(latent), positive=True)
    if noise_domain == "latent":
        return [_Channel(sq, lambda x, g=g: g * x, lambda t, g=g: t / g, sq.thresholds / g, g,
                         noise, sigma) for sq, g in zip(latent, s)]
    if not isinstance(quantizer, FSQ):
        raise ValueError("noise_domain='bounded' needs an FSQ quantizer")
    out = []
    for i, L in enumerate(quantizer.levels):
        # level units: the rounding step has width 1 and its edges are half-integers
        if quantizer.symmetric:
            def pre(x, g=s[i], L=L):
                return (L - 1) * (np.tanh(g * x) + 1) / 2

            def inv(t, g=s[i], L=L):
                return np.arctanh(np.clip(2 * np.asarray(t) / (L - 1) - 1, -1, 1)) / g

            edges = np.arange(1, L) - 0.5
        else:
            h, o, c = fsq_constants(quantizer, i)

            def pre(x, g=s[i], h=h, o=o, c=c):
                return np.tanh(g * x + c) * h - o

            def inv(t, g=s[i], h=h, o=o, c=c):
                return (np.arctanh(np.clip((np.asarray(t) + o) / h, -1, 1)) - c) / g

            edges = np.arange(-(L // 2), L - L // 2 - 1) + 0.5
        xb = quantizer.scalar_quantizers(s)[i].thresholds
        out.append(_Channel(ScalarQuantizer(edges, np.arange(L, dtype=float)), pre, inv, xb,
                            None, noise, sigma))
    return out


def _noise_cdf(noise: str, sigma: float):
    if noise == "gaussian":
        return lambda t: special.ndtr(t / sigma)
    a = math.sqrt(3.0) * sigma  # uniform on [-a, a] has standard deviation sigma
    return lambda t: np.clip((t + a) / (2 * a), 0.0, 1.0)


def _conditional(ch: _Channel, x) -> np.ndarray:
    r""":math:`p(k\mid x)`, shape ``x.shape + (n_cells,)``, for ``k = cell(pre(x) + nu)``."""
    u = ch.pre(np.asarray(x, dtype=np.float64))
    if ch.noise is None:
        out = np.zeros(u.shape + (ch.sq.n_cells,))
        np.put_along_axis(out, ch.sq.encode(u)[..., None], 1.0, axis=-1)
        return out
    F = _noise_cdf(ch.noise, ch.sigma)(ch.sq.cell_edges - u[..., None])  # +-inf edges: 0, 1
    return np.clip(np.diff(F, axis=-1), 0.0, 1.0)


def _h_rows(P: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.sum(np.where(P > 0, P * np.log(P), 0.0), axis=-1)


def _x_edges(ch: _Channel, dist) -> np.ndarray:
    """Integration edges in x: the bulk of ``dist`` split where p(.|x) has kinks or steps."""
    lo, hi = dist.ppf(1e-15), dist.isf(1e-15)
    t = ch.xbreaks
    if ch.noise == "uniform":
        a = math.sqrt(3.0) * ch.sigma
        with np.errstate(invalid="ignore", divide="ignore"):  # kinks beyond the bound: +-inf
            t = np.concatenate([t, ch.inv(ch.sq.thresholds - a), ch.inv(ch.sq.thresholds + a)])
    t = t[np.isfinite(t) & (t > lo) & (t < hi)]
    return np.concatenate([[lo], np.unique(t), [hi]])


def _flow_dim(ch: _Channel, dist):
    """(p_Z, H(Z|X) in nats) for one dimension."""
    if ch.noise is None:
        return cell_probabilities(ScalarQuantizer(ch.xbreaks, ch.sq.points), dist), 0.0

    def vec(x):
        P = _conditional(ch, x)
        return np.concatenate([P, [_h_rows(P)]]) * dist.pdf(x)

    edges = _x_edges(ch, dist)
    tot = np.zeros(ch.sq.n_cells + 1)
    for a, b in zip(edges[:-1], edges[1:]):
        tot += integrate.quad_vec(vec, a, b, epsabs=1e-14, epsrel=1e-12)[0]
    pz, hzx = tot[:-1], float(tot[-1])
    if ch.noise == "gaussian" and ch.gain is not None and getattr(dist.dist, "name", "") == "norm":
        # exact: s X + nu ~ N(s m, s^2 v + sigma^2), its cell probabilities in closed form
        g = ch.gain
        y = stats.norm(g * dist.mean(), math.sqrt(g * g * dist.var() + ch.sigma**2))
        pz = cell_probabilities(ch.sq, y)
    pz = np.clip(pz, 0.0, None)
    pz /= pz.sum()
    return pz, hzx


def _pre_var(ch: _Channel, dist) -> float:
    """Variance of the pre-noise value ``pre(X)`` (bounds I(X;Z) through the Gaussian channel)."""
    if ch.gain is not None:
        return ch.gain**2 * float(dist.var())
    edges = _x_edges(ch, dist)
    m1 = m2 = 0.0
    for a, b in zip(edges[:-1], edges[1:]):
        m1 += integrate.quad(lambda x: ch.pre(x) * dist.pdf(x), a, b, limit=200)[0]
        m2 += integrate.quad(lambda x: ch.pre(x) ** 2 * dist.pdf(x), a, b, limit=200)[0]
    return max(m2 - m1 * m1, 0.0)


def _mi_kl_form(ch: _Channel, dist, pz) -> float:
    r""":math:`\int f(x) D(p(\cdot|x)\|p_Z) dx` in nats (independent of the H(Z) - H(Z|X) route)."""
    logpz = np.log(np.where(pz > 0, pz, 1.0))

    def kl(x):
        P = _conditional(ch, np.array([x]))[0]
        nz = P > 0
        return float(np.sum(P[nz] * (np.log(P[nz]) - logpz[nz]))) * dist.pdf(x)

    edges = _x_edges(ch, dist)
    return sum(integrate.quad(kl, a, b, epsabs=1e-14, epsrel=1e-11, limit=400)[0]
               for a, b in zip(edges[:-1], edges[1:]))


@dataclass(frozen=True)
class InformationFlow:
    r"""Information carried by the tokens of a (possibly noisy) encoder.

    All values per vector in the units of ``base`` (per-dimension values in the ``*_dims``
    arrays); dimensions are independent so they add.

    Attributes
    ----------
    h_z : float
        :math:`H(Z)`.
    h_z_given_x : float
        :math:`H(Z\mid X)` (0 without noise).
    mutual_information : float
        :math:`I(X;Z) = H(Z) - H(Z\mid X)`.
    rate : float
        :math:`\log|C|`, the fixed rate.
    capacity_bound : float
        :math:`\sum_i \frac12\log(1 + s_i^2\operatorname{Var}X_i/\sigma^2)` for Gaussian noise
        (an upper bound on :math:`I` by data processing), ``inf`` otherwise.
    perplexity : float
        :math:`e^{H(Z)}` in nats, i.e. the effective number of codes.
    stderr : float
        Standard error of ``mutual_information`` (0 for the exact Gaussian-source computation).
    h_z_dims, h_z_given_x_dims : ndarray
    pmfs : tuple of ndarray
        Token marginal :math:`p_Z` per dimension.
    base : float
    """

    h_z: float
    h_z_given_x: float
    mutual_information: float
    rate: float
    capacity_bound: float
    perplexity: float
    stderr: float
    h_z_dims: np.ndarray
    h_z_given_x_dims: np.ndarray
    pmfs: tuple
    base: float

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({"dim": np.arange(len(self.h_z_dims)), "h_z": self.h_z_dims,
                             "h_z_given_x": self.h_z_given_x_dims,
                             "mutual_information": self.h_z_dims - self.h_z_given_x_dims})


def _source_marginals(source, d):
    if hasattr(source, "marginal") and hasattr(source, "dim"):  # fsq_theory.sources.Source
        if source.dim != d:
            raise ValueError(f"source has dim {source.dim}, quantizer has {d} dimensions")
        cov = getattr(source, "cov", None)
        if cov is not None and np.count_nonzero(cov - np.diag(np.diag(cov))):
            raise ValueError("source must have independent dimensions (diagonal covariance): "
                             "H(Z) of correlated dimensions is not additive; use "
                             "information_flow_empirical on samples")
        try:
            return [source.marginal(i) for i in range(d)]
        except NotImplementedError:
            raise TypeError(f"source {source!r} has no closed-form marginals; use "
                            "information_flow_empirical(quantizer, source.sample(n, rng=seed))"
                            ) from None
    if isinstance(source, (list, tuple)):
        if len(source) != d:
            raise ValueError(f"source lists {len(source)} distributions, quantizer has {d} dims")
        margs = list(source)
    else:
        margs = [source] * d
    for i, m in enumerate(margs):
        if not (hasattr(m, "dist") and isinstance(m.dist, stats.rv_continuous)):
            raise TypeError(f"source must be a frozen continuous scipy.stats distribution (or one "
                            f"per dimension); entry {i} is {m!r}")
    return margs


def information_flow(quantizer, source, *, noise=None, noise_scale: float = 0.0, scale=1.0,
                     noise_domain: str = "latent", base=2) -> InformationFlow:
    r"""Exact :math:`I(X;Z) = H(Z) - H(Z|X)` for an encoder ``z = scale * x`` with noise.

    The source has independent dimensions with known marginals (a frozen continuous distribution
    used for every dimension, one per dimension, or a ``fsq_theory.sources.Source`` with diagonal
    covariance). Per dimension, :math:`p_Z` and :math:`H(Z|X) = E\,h(p(\cdot|X))` are integrals
    over :math:`x` evaluated by adaptive quadrature split at the (noise-shifted) thresholds to
    ~1e-12; for a Gaussian source with Gaussian noise :math:`p_Z` is closed form
    (:math:`sX+\nu` is Gaussian). Without noise :math:`H(Z|X)=0` and :math:`p_Z` is the exact cell
    probability vector.

    Parameters
    ----------
    quantizer : FSQ or ScalarQuantizer
        Thresholds in latent units ``z`` (for FSQ: ``scalar_quantizers(1.0)``).
    source : see above
    noise : {None, "gaussian", "uniform"}, keyword-only
        Noise added before rounding ("uniform" = dither).
    noise_scale : float, keyword-only
        Standard deviation :math:`\sigma` of the noise (uniform: half-width
        :math:`\sqrt3\sigma`), in the units of ``noise_domain``.
    scale : float or array_like (d,), keyword-only
        Encoder gain :math:`s`.
    noise_domain : {"latent", "bounded"}, keyword-only
        ``"latent"``: added to ``z`` before the bound (encoder noise). ``"bounded"`` (FSQ
        only): added to the bounded value in level units, where one rounding step is 1, as in
        noise-substitution training (uniform noise of ``noise_scale = 1/sqrt(12)`` spans one
        step); the bound is ``tanh(z + s) h - o`` (default mode) or ``(L-1)(tanh z + 1)/2``
        (symmetric mode).
    base : float, keyword-only

    Returns
    -------
    InformationFlow
    """
    lb = _log_base(base)
    noise, sigma = _check_noise(noise, noise_scale)
    chans = _channels(quantizer, scale, noise, sigma, noise_domain)
    d = len(chans)
    margs = _source_marginals(source, d)
    hz, hzx, pmfs, cap = np.empty(d), np.empty(d), [], 0.0
    for i, (ch, dist) in enumerate(zip(chans, margs)):
        pz, hzx[i] = _flow_dim(ch, dist)
        hz[i] = _plugin_nats(pz)
        pz.flags.writeable = False
        pmfs.append(pz)
        if noise == "gaussian":
            cap += 0.5 * math.log1p(_pre_var(ch, dist) / sigma**2)
    if noise != "gaussian":
        cap = math.inf
    rate = sum(math.log(ch.sq.n_cells) for ch in chans)
    mi = float(np.sum(hz - hzx))
    return InformationFlow(float(hz.sum()) / lb, float(hzx.sum()) / lb, max(mi, 0.0) / lb,
                           rate / lb, cap / lb, math.exp(hz.sum()), 0.0, hz / lb, hzx / lb,
                           tuple(pmfs), math.exp(lb))


def information_flow_empirical(quantizer, x, *, noise=None, noise_scale: float = 0.0, scale=1.0,
                               noise_domain: str = "latent", base=2,
                               chunk_size: int = 4096) -> InformationFlow:
    r""":math:`I(X;Z)` for an empirical source (samples ``x``), with a standard error.

    For the empirical measure :math:`\mu_n` of ``x`` the result is exact:
    :math:`p_Z = \frac1n\sum_j p(\cdot\mid x_j)` over the whole codebook (product of the
    per-dimension channels, so correlated dimensions are handled), :math:`H(Z|X) = \frac1n\sum_j
    h(p(\cdot|x_j))` and :math:`I = \frac1n\sum_j D(p(\cdot|x_j)\|p_Z)`. As an estimate of the
    population :math:`I(X;Z)` (``x`` drawn i.i.d. from the source) its standard error is
    :math:`\operatorname{sd}_j D(p(\cdot|x_j)\|p_Z)/\sqrt n` (delta method: the influence function
    of :math:`I` is :math:`D(p(\cdot|x)\|p_Z) - I`). Cost :math:`O(n|C|)`.

    Parameters
    ----------
    quantizer : FSQ or ScalarQuantizer
    x : array_like, shape (n, d) (or (n,) for a ScalarQuantizer)
    noise, noise_scale, scale, noise_domain, base : as in :func:`information_flow`
    chunk_size : int, keyword-only
        Rows per block (memory ``chunk_size * |C|`` floats).

    Returns
    -------
    InformationFlow
        ``capacity_bound`` uses the sample variance per dimension.
    """
    lb = _log_base(base)
    noise, sigma = _check_noise(noise, noise_scale)
    chans = _channels(quantizer, scale, noise, sigma, noise_domain)
    d = len(chans)
    chunk_size = v.check_int("chunk_size", chunk_size, minimum=1)
    arr = v.as_real_array("x", x).astype(np.float64, copy=False)
    if d == 1 and arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != d or arr.shape[0] < 2:
        raise ValueError(f"x must have shape (n, {d}) with n >= 2, got shape {arr.shape}")
    n = arr.shape[0]

    def joint(rows):  # p(z | x) over the codebook, index = sum k_i prod_{j<i} L_j
        P = np.ones((rows.shape[0], 1))
        for i, ch in enumerate(chans):
            Pi = _conditional(ch, rows[:, i])
            P = (Pi[:, :, None] * P[:, None, :]).reshape(rows.shape[0], -1)
        return P

    pz = np.zeros(int(np.prod([ch.sq.n_cells for ch in chans])))
    h_rows = np.empty(n)
    for r0 in range(0, n, chunk_size):
        P = joint(arr[r0:r0 + chunk_size])
        pz += P.sum(axis=0)
        h_rows[r0:r0 + chunk_size] = _h_rows(P)
    pz /= n
    logpz = np.log(np.where(pz > 0, pz, 1.0))
    kl = np.empty(n)
    for r0 in range(0, n, chunk_size):
        P = joint(arr[r0:r0 + chunk_size])
        kl[r0:r0 + chunk_size] = -(P @ logpz) - h_rows[r0:r0 + chunk_size]
    hz = _plugin_nats(pz)
    hzx = float(h_rows.mean())
    # per-dimension marginals (for reporting)
    hz_dims, hzx_dims, pmfs = np.empty(d), np.empty(d), []
    for i, ch in enumerate(chans):
        Pi = _conditional(ch, arr[:, i])
        pi = Pi.mean(axis=0)
        hz_dims[i], hzx_dims[i] = _plugin_nats(pi), float(_h_rows(Pi).mean())
        pi.flags.writeable = False
        pmfs.append(pi)
    cap = math.inf
    if noise == "gaussian":
        var = np.array([ch.pre(arr[:, i]).var() for i, ch in enumerate(chans)])
        cap = float(np.sum(0.5 * np.log1p(var / sigma**2)))
    rate = sum(math.log(ch.sq.n_cells) for ch in chans)
    se = float(kl.std(ddof=1) / math.sqrt(n))
    return InformationFlow(hz / lb, hzx / lb, max(float(kl.mean()), 0.0) / lb, rate / lb,
                           cap / lb, math.exp(hz), se / lb, hz_dims / lb, hzx_dims / lb,
                           tuple(pmfs), math.exp(lb))
