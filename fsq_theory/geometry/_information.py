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
from .._lazy import lazy_module
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

from .. import _validation as v
from .._measures import entropy_nats, kl_nats

__all__ = ['ENTROPY_ESTIMATORS', 'entropy', 'entropy_estimate', 'EntropyEstimate', 'mutual_information', 'kl_divergence', 'codebook_usage', 'expected_codebook_usage', 'perplexity']

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
    return float(entropy_nats(p))


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
        Entropy (or its estimate) in units of ``base``.

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
        Confidence interval (normal for ``"analytic"``, percentile for ``"bootstrap"``), units
        of ``base``.
    confidence : float
        Coverage of the interval, in (0, 1).
    method : str
        ``"analytic"`` or ``"bootstrap"``.
    estimator : str
        One of :data:`ENTROPY_ESTIMATORS`.
    n : int
        Number of observations.
    base : float
        Logarithm base of ``value``, ``stderr``, ``low`` and ``high`` (2: bits).

    Examples
    --------
    Returned by :func:`entropy_estimate`:

    >>> est = entropy_estimate(np.array([50, 30, 20]))
    >>> round(est.value, 4), round(est.stderr, 4), (round(est.low, 4), round(est.high, 4))
    (1.4855, 0.0526, (1.3824, 1.5886))
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
        """The estimate as a one-row table, one column per field."""
        import pandas as pd

        return pd.DataFrame([self.__dict__])


def entropy_estimate(counts, *, estimator: str = "plugin", base=2, confidence: float = 0.95,
                     method: str = "analytic", n_bootstrap: int = 2000,
                     rng=None, seed=v._UNSET) -> EntropyEstimate:
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
        Observed counts per symbol (integer dtype).
    estimator, base : as in :func:`entropy`
        Entropy estimator and logarithm base (default plug-in, bits).
    confidence : float in (0, 1), keyword-only
        Coverage of the interval (default 0.95).
    method : {"analytic", "bootstrap"}, keyword-only
        Interval construction (default analytic).
    n_bootstrap : int, keyword-only
        Bootstrap replicates (>= 10) for ``method="bootstrap"``.
    rng : None, int, SeedSequence or Generator, keyword-only
        Source of randomness for the bootstrap (SPEC 7); the same int gives the same result.
    seed : int, optional, keyword-only
        Deprecated name of ``rng`` (warns with ``DeprecationWarning``).

    Returns
    -------
    EntropyEstimate
        Estimate, standard error and interval in units of ``base``.

    References
    ----------
    G. P. Basharin, Theory Probab. Appl. 4 (1959).

    Examples
    --------
    100 tokens over 3 codes; the plug-in estimate is :math:`H(0.5, 0.3, 0.2) = 1.4855` bits:

    >>> est = entropy_estimate(np.array([50, 30, 20]))
    >>> round(est.value, 4), round(est.stderr, 4)
    (1.4855, 0.0526)
    >>> boot = entropy_estimate(np.array([50, 30, 20]), method="bootstrap", n_bootstrap=200,
    ...                         rng=0)
    >>> round(boot.stderr, 4), (round(boot.low, 4), round(boot.high, 4))
    (0.0613, (1.3105, 1.5527))
    """
    rng = v.resolve_rng(rng, seed, owner="entropy_estimate")
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
        rng = v.as_generator(rng)
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
        Joint pmf :math:`p(x, y)` (float dtype, sums to 1) or contingency table (integer dtype).
    estimator, base : as in :func:`entropy`
        Entropy estimator (counts only) and logarithm base (default plug-in, bits).

    Returns
    -------
    float
        :math:`I(X;Y)` in units of ``base``.

    Examples
    --------
    A noiseless binary channel carries 1 bit, independent variables none, and a binary
    symmetric channel with crossover 0.2 carries :math:`1 - h(0.2) = 0.278072` bit:

    >>> mutual_information([[0.5, 0.0], [0.0, 0.5]]), mutual_information([[0.25, 0.25], [0.25, 0.25]])
    (1.0, 0.0)
    >>> round(mutual_information([[0.4, 0.1], [0.1, 0.4]]), 6)
    0.278072
    >>> round(mutual_information(np.array([[40, 10], [10, 40]]), estimator="miller_madow"), 6)
    0.270858
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

    Parameters
    ----------
    p : array_like, 1-D
        Probability vector (sums to 1).
    q : array_like, 1-D
        Probability vector of the same length.
    base : float, keyword-only
        Logarithm base, positive and not 1 (default 2: bits).

    Returns
    -------
    float
        :math:`D(p\|q) \ge 0` in units of ``base``, possibly ``inf``.

    Examples
    --------
    :math:`D((\tfrac12, \tfrac12) \| (\tfrac14, \tfrac34)) = \tfrac12\log_2 2 +
    \tfrac12\log_2\tfrac23 = 0.207519` bit:

    >>> round(kl_divergence([0.5, 0.5], [0.25, 0.75]), 6)
    0.207519
    >>> kl_divergence([0.5, 0.5], [1.0, 0.0])
    inf
    """
    lb = _log_base(base)
    p = check_pmf("p", p)
    q = check_pmf("q", q)
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    return max(float(kl_nats(p, q)), 0.0) / lb


def codebook_usage(counts) -> float:
    """Fraction of codebook entries observed at least once: ``mean(counts > 0)``.

    Parameters
    ----------
    counts : array_like of int, 1-D, length = codebook size
        Occurrences of each code (integer dtype).

    Returns
    -------
    float
        Fraction in [0, 1].

    Examples
    --------
    >>> codebook_usage(np.array([3, 0, 1, 0]))
    0.5
    """
    kind, c = _counts_or_pmf("counts", counts)
    if kind != "counts":
        raise TypeError("counts must have an integer dtype")
    return float(np.count_nonzero(c) / c.size)


def expected_codebook_usage(pmf, n: int) -> float:
    r"""Expected fraction of codes seen in ``n`` i.i.d. tokens.

    .. math:: E[\text{usage}] = \frac1{|C|}\sum_k \bigl(1 - (1-p_k)^n\bigr)

    Saturates (-> 1) only when every :math:`p_k \gg 1/n`.

    Parameters
    ----------
    pmf : array_like, 1-D
        Token distribution over the whole codebook (length :math:`|C|`, sums to 1).
    n : int
        Number of i.i.d. tokens, >= 0.

    Returns
    -------
    float
        Expected fraction of codes observed at least once, in [0, 1].

    Examples
    --------
    Four equally likely codes and four tokens: :math:`1 - (3/4)^4 = 0.683594`.

    >>> round(expected_codebook_usage(np.full(4, 0.25), 4), 6)
    0.683594
    """
    p = check_pmf("pmf", pmf)
    n = v.check_int("n", n, minimum=0)
    return float(np.mean(-np.expm1(n * np.log1p(-np.minimum(p, 1.0)))))


def perplexity(counts_or_pmf, *, estimator: str = "plugin") -> float:
    r"""Perplexity :math:`e^{H}` (base-free: the effective number of equally likely codes).

    .. math:: \mathrm{PPL} = e^{H_{\mathrm{nats}}} = 2^{H_{\mathrm{bits}}}

    Parameters
    ----------
    counts_or_pmf : array_like, 1-D
        Integer counts or a float probability vector, as in :func:`entropy`.
    estimator : str, keyword-only
        Entropy estimator, as in :func:`entropy` (pmf: ``"plugin"`` only).

    Returns
    -------
    float
        Perplexity, between 1 and the number of codes for the plug-in estimator.

    Examples
    --------
    :math:`H(\tfrac12, \tfrac14, \tfrac14) = 1.5` bits, so the perplexity is
    :math:`2^{1.5} = 2.828427`:

    >>> round(perplexity([0.25, 0.25, 0.25, 0.25]), 6), round(perplexity([0.5, 0.25, 0.25]), 6)
    (4.0, 2.828427)
    """
    return math.exp(entropy(counts_or_pmf, estimator=estimator, base=math.e))
