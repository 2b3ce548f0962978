"""Information flow through FSQ: I(X; K) for noisy and noiseless quantization, exactly, and its bounds."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
integrate = lazy_module("scipy.integrate")
special = lazy_module("scipy.special")
stats = lazy_module("scipy.stats")

from .. import _validation as v
from .._measures import entropy_nats
from ..cells import cell_probabilities
from ..quantizer import FSQ, ScalarQuantizer
from ._information import _log_base, _plugin_nats
from ._wasserstein import _scalar_quantizers

__all__ = ['InformationFlow', 'information_flow', 'information_flow_empirical']


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
            rb = quantizer.real_bound
            h, o, c = rb.h[i], rb.o[i], rb.s[i]

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
    return entropy_nats(P, axis=-1)


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
        :math:`H(Z_i)` and :math:`H(Z_i\mid X_i)` per dimension, units of ``base``.
    pmfs : tuple of ndarray
        Token marginal :math:`p_Z` per dimension.
    base : float
        Logarithm base of every entropy above (2: bits).

    Examples
    --------
    Returned by :func:`information_flow`; a noiseless 1-bit quantizer of a symmetric source
    carries exactly 1 bit:

    >>> from scipy import stats
    >>> from fsq_theory import ScalarQuantizer
    >>> flow = information_flow(ScalarQuantizer([0.0], [-1.0, 1.0]), stats.norm())
    >>> flow.h_z, flow.h_z_given_x, flow.mutual_information, flow.rate
    (1.0, 0.0, 1.0, 1.0)
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
        """One row per dimension: ``dim``, ``h_z``, ``h_z_given_x``, ``mutual_information``."""
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
    source : frozen scipy.stats distribution, sequence of them, or Source
        Independent marginals, as described above.
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
        Logarithm base, positive and not 1 (default 2: bits).

    Returns
    -------
    InformationFlow
        Exact entropies and :math:`I(X;Z)` per vector (``stderr`` 0).

    References
    ----------
    T. M. Cover, J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006,
    Thm. 2.8.1 (data processing) and Thm. 9.1.1 (Gaussian channel).

    Examples
    --------
    Sign quantizer, :math:`X \sim N(0, 1)`, unit Gaussian encoder noise: :math:`p(Z=1\mid x) =
    \Phi(x)` and :math:`\Phi(X)` is uniform, so :math:`H(Z\mid X) = E\,h_b(U) = 1/(2\ln 2)`
    bit and :math:`I = 1 - 1/(2\ln 2) = 0.278652` bit, below the Gaussian-channel bound
    :math:`\tfrac12\log_2 2 = 0.5`:

    >>> from scipy import stats
    >>> from fsq_theory import ScalarQuantizer
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> flow = information_flow(sign, stats.norm(), noise="gaussian", noise_scale=1.0)
    >>> round(flow.h_z_given_x, 6), round(flow.mutual_information, 6), flow.capacity_bound
    (0.721348, 0.278652, 0.5)

    One FSQ dimension with 5 levels and noise of standard deviation 1/2:

    >>> flow = information_flow(FSQ([5]), stats.norm(), noise="gaussian", noise_scale=0.5)
    >>> round(flow.h_z, 4), round(flow.mutual_information, 4), round(flow.rate, 4)
    (2.318, 0.9475, 2.3219)
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
                               chunk_size: int = 4096, max_memory=None) -> InformationFlow:
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
        Thresholds in latent units ``z`` (for FSQ: ``scalar_quantizers(1.0)``).
    x : array_like, shape (n, d) (or (n,) for a ScalarQuantizer)
        Source samples, ``n >= 2``.
    noise, noise_scale, scale, noise_domain, base : as in :func:`information_flow`
        Encoder noise, its scale and domain, encoder gain and logarithm base.
    chunk_size : int, keyword-only
        Rows per block (memory ``chunk_size * |C|`` floats).
    max_memory : int, keyword-only, optional
        Budget in bytes (default: half the physical memory): ``chunk_size`` is reduced to fit
        (the result does not depend on it), and a codebook whose single row does not fit is
        refused with the bytes needed, before any work.

    Returns
    -------
    InformationFlow
        ``capacity_bound`` uses the sample variance per dimension; ``stderr`` is the standard
        error of ``mutual_information`` as an estimate of the population value.

    Examples
    --------
    The sign quantizer with unit Gaussian noise on 2000 draws of N(0, 1): the estimate covers
    the exact :math:`1 - 1/(2\ln 2) = 0.278652` bit (see :func:`information_flow`) within one
    standard error:

    >>> from fsq_theory import ScalarQuantizer
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> flow = information_flow_empirical(ScalarQuantizer([0.0], [-1.0, 1.0]), x,
    ...                                   noise="gaussian", noise_scale=1.0)
    >>> round(flow.mutual_information, 4), round(flow.stderr, 4)
    (0.2792, 0.006)
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

    size = math.prod(ch.sq.n_cells for ch in chans)
    budget = v.check_max_memory(max_memory)
    per_row = 3 * size * 8  # p(z|x) of a row, its product intermediate and the KL terms
    v.check_memory(f"information_flow_empirical with a codebook of {size} codes",
                   per_row + 2 * size * 8, budget, hint="use a smaller quantizer")
    chunk_size = max(1, min(chunk_size, (budget - 2 * size * 8) // per_row))
    pz = np.zeros(size)
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
