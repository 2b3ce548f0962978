r"""FSQ tokens of correlated (video-like) latents: persistence and flip rate.

Model (seed sec. 6.1). Each latent coordinate is a stationary Gauss-Markov (AR(1))
sequence over frames,

.. math::

    X_t = \rho X_{t-1} + \sigma\sqrt{1-\rho^2}\,W_t,\qquad X_t \sim \mathcal N(0,\sigma^2),

and the token is the cell :math:`Z_t = Q(X_t)` of a scalar quantizer (one FSQ dimension:
``FSQ([L]).scalar_quantizers(scale)[0]``; coordinates are independent, so per-vector quantities
are sums (entropies) or products (persistence) over dimensions).

Exact quantities (no sampling):

* the joint pmf of consecutive tokens, :math:`P(Z_{t-1}=i, Z_t=j)`, a bivariate-normal rectangle
  probability evaluated through Owen's T function (Owen 1956), hence the **persistence**
  :math:`P(Z_t = Z_{t-1}) = \sum_k P(k, k)`, :math:`H(Z_t|Z_{t-1})` and :math:`I(Z_t;Z_{t-1})`
  (the entropy rate and causal prediction are in ``_entropy_rate``);
* **flip rate.** A token flips iff some threshold lies between :math:`X_{t-1}` and :math:`X_t`,
  so :math:`P(\text{flip}) \le \sum_b P(\text{b crossed}) = \sum_b 2[\Phi(\tau_b) -
  \Phi_2(\tau_b,\tau_b;\rho)]` (:math:`\tau_b = t_b/\sigma`), with equality when no step skips a
  cell, and as :math:`\rho\to1` (thresholds fixed)

  .. math::

      P(\text{flip}) = \frac{2}{\sqrt\pi}\sqrt{1-\rho}\;\sum_b \varphi(\tau_b)\,(1 + o(1)),

  because :math:`X_t - X_{t-1}` has standard deviation :math:`\sigma\sqrt{2(1-\rho)}`, so
  :math:`E|X_t-X_{t-1}| = 2\sigma\sqrt{(1-\rho)/\pi}`, and a short segment covers the threshold
  :math:`t_b` with probability :math:`\approx f_X(t_b)\,E|X_t - X_{t-1}|`. For a grid of step
  :math:`\Delta` (source units) in the bulk, :math:`\sum_b\varphi(\tau_b)\approx\sigma/\Delta`:
  the flip rate grows like (increment size)/(cell width). Finer grids (more levels, larger encoder
  gain) flip more tokens; "temporal consistency through shared quantization" holds only when
  :math:`\sigma\sqrt{2(1-\rho)} \ll \Delta`.

Entropies are in bits per scalar (one dimension's token) unless ``base=`` says otherwise.

References
----------
D. B. Owen, "Tables for computing bivariate normal probabilities", Ann. Math. Statist. 27 (1956).
W. F. Sheppard, "On the application of the theory of error to cases of normal distribution and
normal correlation", Phil. Trans. R. Soc. A 192 (1899) (orthant probability 1/4 + arcsin(rho)/2pi).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
special = lazy_module("scipy.special")

from .. import _validation as v
from .._measures import entropy_nats
from ..quantizer import FSQ, ScalarQuantizer

__all__ = [
    "bivariate_normal_cdf",
    "consecutive_token_pmf",
    "token_persistence",
    "vector_token_persistence",
    "FlipRate",
    "flip_rate",
    "TokenPersistenceMC",
    "simulate_token_persistence",
]

_LN2 = math.log(2.0)


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _check_rho(rho) -> float:
    r = v.check_real("rho", rho)
    if not -1.0 < r < 1.0:
        raise ValueError(f"rho must lie in (-1, 1), got {r!r}")
    return r


def _check_sq(sq) -> ScalarQuantizer:
    """A ScalarQuantizer, or a one-dimensional FSQ (its cells at scale 1)."""
    if isinstance(sq, FSQ):
        if sq.dim != 1:
            raise ValueError(f"sq must be a scalar quantizer or a 1-D FSQ, got FSQ{list(sq.levels)}"
                             "; use FSQ.scalar_quantizers(scale) per dimension")
        return sq.scalar_quantizers(1.0)[0]
    if not isinstance(sq, ScalarQuantizer):
        raise TypeError(f"sq must be a ScalarQuantizer, got {type(sq).__name__}")
    return sq


def _std_edges(sq: ScalarQuantizer, variance) -> np.ndarray:
    sd = math.sqrt(v.check_real("variance", variance, minimum=0.0, strict_minimum=True))
    return sq.cell_edges / sd


def _entropy_bits(p, axis=None, base=_LN2):
    """Entropy of pmf(s) along ``axis``; ``base`` is the natural log of the logarithm base."""
    return entropy_nats(p, axis=axis) / base


# ---------------------------------------------------------------------------------------------
# bivariate normal CDF (Owen's T)
# ---------------------------------------------------------------------------------------------
def bivariate_normal_cdf(h, k, rho) -> np.ndarray:
    r"""Standard bivariate normal CDF :math:`\Phi_2(h, k; \rho) = P(X \le h, Y \le k)`.

    Unit variances, correlation :math:`\rho`; evaluated with Owen's T function (Owen 1956):

    .. math::

        \Phi_2(h,k;\rho) = \tfrac12\Phi(h) + \tfrac12\Phi(k)
            - T\!\Big(h, \frac{k-\rho h}{h\sqrt{1-\rho^2}}\Big)
            - T\!\Big(k, \frac{h-\rho k}{k\sqrt{1-\rho^2}}\Big) - \beta,

    :math:`\beta = \tfrac12` if :math:`hk<0` or (:math:`hk=0` and :math:`h+k<0`), else 0; the
    limits :math:`h = 0` (:math:`T(0, \pm\infty) = \pm\tfrac14`), :math:`h=k=0` (Sheppard:
    :math:`\tfrac14 + \arcsin\rho/2\pi`) and infinite arguments are handled exactly. Absolute
    accuracy is that of ``scipy.special.owens_t`` (~1e-16).

    Parameters
    ----------
    h, k : array_like
        Upper limits (``-inf``/``+inf`` allowed, not NaN); broadcast together.
    rho : float in (-1, 1)
        Correlation of the two standard normal coordinates.

    Returns
    -------
    ndarray, shape ``np.broadcast(h, k).shape``, float64
        Probabilities in [0, 1].

    Examples
    --------
    Sheppard's orthant probability :math:`\tfrac14 + \arcsin(\tfrac12)/2\pi = \tfrac13`, and a
    value that ``scipy.stats.multivariate_normal`` also gives (0.296091):

    >>> import numpy as np
    >>> from fsq_theory.temporal import bivariate_normal_cdf
    >>> np.round(bivariate_normal_cdf([0.0, 1.0, np.inf], [0.0, -0.5, 0.3], 0.5), 6).tolist()
    [0.333333, 0.296091, 0.617911]
    """
    r = _check_rho(rho)
    h = v.as_real_array("h", h, finite=False).astype(np.float64)
    k = v.as_real_array("k", k, finite=False).astype(np.float64)
    if np.isnan(h).any() or np.isnan(k).any():
        raise ValueError("h and k must not be NaN")
    h, k = np.broadcast_arrays(h, k)
    s = math.sqrt((1.0 - r) * (1.0 + r))
    out = np.empty(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    # infinite limits: a -inf makes the event empty, a +inf drops that coordinate
    out[~fin] = np.where((h[~fin] == -np.inf) | (k[~fin] == -np.inf), 0.0,
                         np.where(h[~fin] == np.inf, special.ndtr(k[~fin]),
                                  special.ndtr(h[~fin])))
    hf, kf = h[fin], k[fin]
    with np.errstate(divide="ignore", invalid="ignore"):
        # a = (k - rho h) / (h s); when h = 0 its limit is sign(k) * inf, T(0, +-inf) = +-1/4
        ah = np.where(hf != 0, (kf - r * hf) / (hf * s), np.sign(kf) * np.inf)
        ak = np.where(kf != 0, (hf - r * kf) / (kf * s), np.sign(hf) * np.inf)
    ah = np.nan_to_num(ah, nan=0.0, posinf=np.inf, neginf=-np.inf)
    ak = np.nan_to_num(ak, nan=0.0, posinf=np.inf, neginf=-np.inf)
    beta = np.where((hf * kf < 0) | ((hf * kf == 0) & (hf + kf < 0)), 0.5, 0.0)
    val = (0.5 * special.ndtr(hf) + 0.5 * special.ndtr(kf)
           - special.owens_t(hf, ah) - special.owens_t(kf, ak) - beta)
    both0 = (hf == 0) & (kf == 0)
    val = np.where(both0, 0.25 + math.asin(r) / (2 * math.pi), val)
    out[fin] = np.clip(val, 0.0, 1.0)
    return out


# ---------------------------------------------------------------------------------------------
# consecutive tokens
# ---------------------------------------------------------------------------------------------
def consecutive_token_pmf(sq, rho, *, variance=1.0) -> np.ndarray:
    r"""Joint pmf of consecutive tokens, :math:`P[i, j] = P(Z_{t-1} = i,\, Z_t = j)`, exactly.

    .. math::

        P[i,j] = \Phi_2(b_i, b_j) - \Phi_2(a_i, b_j) - \Phi_2(b_i, a_j) + \Phi_2(a_i, a_j)

    for cells :math:`[a_i, b_i)` standardized by :math:`\sigma`, :math:`\Phi_2` at correlation
    ``rho`` (:func:`bivariate_normal_cdf`). Symmetric (the stationary AR(1) is reversible); its
    margins are the cell probabilities of :math:`\mathcal N(0,\sigma^2)`.

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units (``FSQ([L]).scalar_quantizers(scale)[0]`` for encoder gain ``scale``).
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    variance : float, keyword-only
        :math:`\sigma^2` of the latent.

    Returns
    -------
    ndarray, shape (n_cells, n_cells)
        :math:`P[i, j]`, rows indexed by the earlier token; entries sum to 1.

    Examples
    --------
    Sign quantizer at :math:`\rho = 1/2`: the diagonal holds Sheppard's
    :math:`\tfrac14 + \arcsin\rho/2\pi = \tfrac13`:

    >>> import numpy as np
    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import consecutive_token_pmf
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> np.round(consecutive_token_pmf(sign, 0.5), 6).tolist()
    [[0.333333, 0.166667], [0.166667, 0.333333]]
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    e = _std_edges(sq, variance)
    F = bivariate_normal_cdf(e[:, None], e[None, :], r)
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    return np.clip(P, 0.0, None)


def token_persistence(sq, rho, *, variance=1.0) -> float:
    r"""Probability that a token keeps its value between consecutive frames, exactly (per scalar).

    .. math::

        P(Z_t = Z_{t-1}) = \sum_k P[k, k]

    with :math:`P` from :func:`consecutive_token_pmf`. For the sign quantizer (one threshold at 0)
    it equals :math:`\tfrac12 + \arcsin(\rho)/\pi` (Sheppard 1899).

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).

    Returns
    -------
    float
        The persistence probability.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import token_persistence
    >>> round(token_persistence(ScalarQuantizer([0.0], [-1.0, 1.0]), 0.5), 6)  # 1/2 + 1/6
    0.666667
    >>> round(token_persistence(FSQ([5]), 0.9), 6)
    0.58132
    """
    return float(np.trace(consecutive_token_pmf(sq, rho, variance=variance)))


def vector_token_persistence(fsq, rho, *, scale=1.0, variance=1.0) -> float:
    r"""Persistence of the whole FSQ token between consecutive frames, exactly (per vector).

    .. math::

        P(K_t = K_{t-1}) = \prod_{i=1}^d P\big(Z^{(i)}_t = Z^{(i)}_{t-1}\big).

    The coordinates are independent AR(1) sequences with the common correlation ``rho`` and
    variances ``variance`` (scalar or per dimension), encoded as ``z = scale * x``; a token keeps
    its index only if every coordinate keeps its level, so persistence decays geometrically in
    the number of dimensions.

    Parameters
    ----------
    fsq : FSQ
        Quantizer of the whole token.
    rho : float in (-1, 1)
        Common lag-one correlation of the coordinates.
    scale : float or array_like (d,), keyword-only
        Encoder gain per dimension (``fsq.scalar_quantizers(scale)``).
    variance : float or array_like (d,), keyword-only
        :math:`\sigma_i^2` of each coordinate, > 0.

    Returns
    -------
    float
        :math:`P(K_t = K_{t-1})` for the whole token.

    Examples
    --------
    Two identical dimensions: the square of the scalar persistence 0.58132:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import vector_token_persistence
    >>> round(vector_token_persistence(FSQ([5, 5]), 0.9), 6)
    0.337933
    """
    if not isinstance(fsq, FSQ):
        raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
    r = _check_rho(rho)
    var = v.per_dim("variance", variance, fsq.dim, positive=True)
    return float(np.prod([token_persistence(q, r, variance=float(var[i]))
                          for i, q in enumerate(fsq.scalar_quantizers(scale))]))


@dataclass(frozen=True)
class FlipRate:
    r"""Token flip probability :math:`P(Z_t \ne Z_{t-1})` and its threshold-crossing forms.

    Returned by :func:`flip_rate`; probabilities per scalar token and frame.

    Attributes
    ----------
    exact : float
        :math:`1 - P(Z_t = Z_{t-1})`.
    expected_crossings : float
        :math:`\sum_b P(t_b \text{ between } X_{t-1}, X_t) = \sum_b 2[\Phi(\tau_b) -
        \Phi_2(\tau_b,\tau_b;\rho)]`, an upper bound on ``exact`` (union bound), equal to it when
        no step crosses two thresholds.
    asymptotic : float
        :math:`\frac{2}{\sqrt\pi}\sqrt{1-\rho}\sum_b\varphi(\tau_b)`, the small-increment
        (:math:`\rho\to1`) limit of both.
    n_thresholds : int
        Number of finite thresholds :math:`t_b` of the quantizer.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import flip_rate
    >>> fr = flip_rate(FSQ([5]), 0.99)
    >>> round(fr.exact, 6), round(fr.expected_crossings, 6), round(fr.asymptotic, 6)
    (0.143391, 0.143396, 0.143325)
    >>> fr.n_thresholds
    4
    """

    exact: float
    expected_crossings: float
    asymptotic: float
    n_thresholds: int


def flip_rate(sq, rho, *, variance=1.0) -> FlipRate:
    r"""Flip probability of a token between consecutive frames, exact and asymptotic (per scalar).

    .. math::

        P(Z_t \ne Z_{t-1}) \le \sum_b 2\big[\Phi(\tau_b) - \Phi_2(\tau_b, \tau_b; \rho)\big]
        \approx \frac{2}{\sqrt\pi}\sqrt{1-\rho}\sum_b\varphi(\tau_b),\qquad
        \tau_b = t_b/\sigma;

    see :class:`FlipRate` and the module notes.

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Lag-one correlation of the latent.
    variance : float, keyword-only
        :math:`\sigma^2` of the latent (default 1).

    Returns
    -------
    FlipRate
        Exact flip probability, expected threshold crossings and the :math:`\rho\to1` limit.

    Examples
    --------
    One threshold: no step can cross two, so the union bound is exact (:math:`1 - 2/3`):

    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.temporal import flip_rate
    >>> fr = flip_rate(ScalarQuantizer([0.0], [-1.0, 1.0]), 0.5)
    >>> round(fr.exact, 6), round(fr.expected_crossings, 6), round(fr.asymptotic, 6)
    (0.333333, 0.333333, 0.31831)
    """
    sq = _check_sq(sq)
    r = _check_rho(rho)
    tau = _std_edges(sq, variance)[1:-1]
    crossings = 2.0 * (special.ndtr(tau) - bivariate_normal_cdf(tau, tau, r))
    phi = np.exp(-0.5 * tau * tau) / math.sqrt(2 * math.pi)
    return FlipRate(1.0 - token_persistence(sq, r, variance=variance), float(crossings.sum()),
                    float(2 / math.sqrt(math.pi) * math.sqrt(1 - r) * phi.sum()), int(tau.size))


# ---------------------------------------------------------------------------------------------
# Monte Carlo along one GaussMarkovSource stream
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TokenPersistenceMC:
    r"""Token statistics of simulated AR(1) sequences (each source dimension one replica).

    Returned by :func:`simulate_token_persistence`.

    Attributes
    ----------
    n_pairs : int
        Consecutive-frame pairs per dimension.
    persistence : float
        Fraction of pairs with :math:`Z_t = Z_{t-1}` (all dimensions pooled).
    stderr : float
        Batch-means standard error of ``persistence``: the stream is cut into ``n_batches``
        contiguous time blocks (much longer than the correlation time), whose means are close to
        independent.
    pair_counts : ndarray (n, n) int64
        Counts of :math:`(Z_{t-1}, Z_t)`.
    h_conditional : float
        Plug-in :math:`H(Z_t\mid Z_{t-1})` from ``pair_counts`` (bits).

    Examples
    --------
    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.sources import GaussMarkovSource
    >>> from fsq_theory.temporal import simulate_token_persistence
    >>> mc = simulate_token_persistence(ScalarQuantizer([0.0], [-1.0, 1.0]),
    ...                                 GaussMarkovSource(0.5), 2000, rng=0)
    >>> mc.n_pairs, mc.pair_counts.shape, int(mc.pair_counts.sum())
    (1999, (2, 2), 1999)
    """

    n_pairs: int
    persistence: float
    stderr: float
    pair_counts: np.ndarray
    h_conditional: float


def simulate_token_persistence(sq, source, n, *, rng=None, chunk_size=None,
                               n_batches: int = 40, seed=v._UNSET) -> TokenPersistenceMC:
    r"""Monte-Carlo token persistence along one simulated AR(1) stream.

    Streams ``n`` frames of ``source`` (a :class:`~fsq_theory.sources.GaussMarkovSource`),
    tokenizes every dimension with ``sq`` and counts consecutive pairs; the estimate of

    .. math::

        P(Z_t = Z_{t-1}) \approx \frac{1}{d(n-1)}\sum_{i=1}^d\sum_{t=1}^{n-1}
        \mathbb 1\{Z^{(i)}_t = Z^{(i)}_{t-1}\}

    carries a batch-means standard error (see :class:`TokenPersistenceMC`). The result depends on
    ``rng`` only, not on ``chunk_size``.

    Parameters
    ----------
    sq : ScalarQuantizer or 1-D FSQ
        Cells in source units, applied to every dimension of the source.
    source : GaussMarkovSource
        The AR(1) latent (its ``rho``, ``dim`` and ``variance``).
    n : int
        Number of frames, >= 2.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness (key of the source's counter-based stream); the same int gives the
        same result.
    chunk_size : int or None, keyword-only
        Frames per streamed chunk (memory only; ``None``: the source's default).
    n_batches : int, keyword-only
        Contiguous time blocks of the batch-means standard error, 2 <= ``n_batches`` <= n - 1.
    seed : None, int, SeedSequence or Generator, keyword-only
        Deprecated name of ``rng`` (warns with a ``DeprecationWarning``).

    Returns
    -------
    TokenPersistenceMC
        Persistence with its standard error, pair counts and plug-in conditional entropy.

    Examples
    --------
    Sign quantizer at :math:`\rho = 1/2`: the estimate is within its standard error range of
    the exact :math:`2/3` (:func:`token_persistence`):

    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.sources import GaussMarkovSource
    >>> from fsq_theory.temporal import simulate_token_persistence
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> mc = simulate_token_persistence(sign, GaussMarkovSource(0.5), 20000, rng=0)
    >>> round(mc.persistence, 4), round(mc.stderr, 4)
    (0.6606, 0.0043)
    >>> abs(mc.persistence - 2 / 3) < 3 * mc.stderr
    True
    """
    rng = v.resolve_rng(rng, seed, owner="simulate_token_persistence")
    from ..sources import GaussMarkovSource

    sq = _check_sq(sq)
    if not isinstance(source, GaussMarkovSource):
        raise TypeError(f"source must be a GaussMarkovSource, got {type(source).__name__}")
    n = v.check_int("n", n, minimum=2)
    nb = v.check_int("n_batches", n_batches, minimum=2)
    if nb > n - 1:
        raise ValueError(f"n_batches must be <= n - 1 = {n - 1}, got {nb}")
    c = sq.n_cells
    counts = np.zeros(c * c, dtype=np.int64)
    same = np.zeros(nb)
    size = np.zeros(nb)
    prev = None
    t0 = 0  # global frame index of the chunk's first row
    for chunk in source.chunks(n, chunk_size=chunk_size, rng=rng):
        z = sq.encode(chunk)
        if prev is not None:
            z = np.vstack([prev, z])
            t_first = t0  # pair index of the first pair (frames t0-1, t0) is t0 - 1 + 1
        else:
            t_first = 1
        a, b = z[:-1], z[1:]
        counts += np.bincount((a * c + b).ravel(), minlength=c * c)
        pair_t = t_first + np.arange(len(b)) - 1  # pair index 0..n-2
        batch = pair_t * nb // (n - 1)
        same += np.bincount(batch, weights=(a == b).mean(axis=1), minlength=nb)
        size += np.bincount(batch, minlength=nb)
        prev = z[-1:]
        t0 += len(chunk)
    means = same / size
    pairs = counts.reshape(c, c)
    total = pairs.sum()
    h_joint = _entropy_bits(pairs / total)
    h_prev = _entropy_bits(pairs.sum(axis=1) / total)
    return TokenPersistenceMC(n - 1, float(same.sum() / size.sum()),
                              float(means.std(ddof=1) / math.sqrt(nb)), pairs,
                              float(h_joint - h_prev))
