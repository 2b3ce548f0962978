r"""FSQ tokens under the forward diffusion process (seed sec. 6.2).

The seed's kernel :math:`q(z_t\mid z_{t-1}) = \mathcal N(\sqrt{1-\beta_t}\,z_{t-1}, \beta_t I)`
composes to the closed form (Ho et al. 2020, eq. 4)

.. math::

    z_t = \sqrt{\bar\alpha_t}\,z_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon,\qquad
    \bar\alpha_t = \prod_{s\le t}(1-\beta_s),\qquad
    \mathrm{SNR}(t) = \bar\alpha_t/(1-\bar\alpha_t).

Here :math:`z_0` is an FSQ code (a point of the code grid, per dimension the values
``FSQ.code_values()``), the clean token :math:`K_0` drawn uniformly or from a given pmf per
dimension. The noisy latent is **re-quantized in code space**: :math:`K_t` is the code nearest
to :math:`z_t/\sqrt{\bar\alpha_t}` (``rescale=True``, default) or to :math:`z_t` itself
(``rescale=False``). Code space because :math:`z_0` and the diffusion live there (FSQ's encoder
cells live in the pre-tanh space and are not a partition of code values); the rescaled
nearest-code rule is the maximum-likelihood detector for equiprobable codes (the Gaussian
likelihood of code :math:`c` is monotone in :math:`|z_t - \sqrt{\bar\alpha_t}c|`), while the raw
rule adds the deterministic shrinkage :math:`\sqrt{\bar\alpha_t}` that moves outer codes inward
even without noise.

Per dimension the channel :math:`K_0\to K_t` is

.. math::

    W_t[i, j] = \Phi\Big(\frac{u_j - \sqrt{\bar\alpha_t}c_i}{\sqrt{1-\bar\alpha_t}}\Big)
              - \Phi\Big(\frac{l_j - \sqrt{\bar\alpha_t}c_i}{\sqrt{1-\bar\alpha_t}}\Big)

with :math:`[l_j, u_j)` the (scaled) Voronoi cell of code :math:`c_j`. Coordinates are noised
independently and re-quantized separately, so for a product prior the vector channel is the
product of the per-dimension ones: token survival :math:`P(K_t = K_0) = \prod_i s_i(t)` and
:math:`I(K_0;K_t) = \sum_i I_i(t)`, exactly.

Bounds (per dimension, bits). :math:`K_0 \leftrightarrow Z_0` is a bijection and
:math:`K_0 \to Z_0 \to Z_t \to K_t` is Markov, so by data processing and the AWGN capacity
(Cover & Thomas 2006, Thm 2.8.1, 9.1.1)

.. math::

    I(K_0;K_t) \le I(K_0;Z_t) \le \min\big(H(K_0),\ \tfrac12\log_2(1 + \mathrm{SNR}(t)\,
    \operatorname{Var} c)\big),

the last term being exactly :math:`I(Z_0;Z_t)` of a *Gaussian* latent of the same variance.
:math:`I(K_0;Z_t)` is non-increasing in :math:`t` (:math:`K_0\to Z_t\to Z_{t+1}`).
:math:`I(K_0;K_t)` is *not* covered by that argument (:math:`K_t\to K_{t+1}` is not a channel:
:math:`Z_{t+1}` depends on :math:`Z_t`, not only on :math:`K_t`); its monotonicity is a property
of these Gaussian channels that we observe, not a data-processing theorem.

References
----------
J. Ho, A. Jain, P. Abbeel, "Denoising Diffusion Probabilistic Models", NeurIPS 2020.
A. Nichol, P. Dhariwal, "Improved Denoising Diffusion Probabilistic Models", ICML 2021, eq. 17.
T. M. Cover, J. A. Thomas, *Elements of Information Theory*, 2nd ed., Wiley 2006.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from .._lazy import lazy_module
special = lazy_module("scipy.special")

from .. import _validation as v
from ..quantizer import FSQ
from ..stats import plugin_entropy_bits

__all__ = [
    "beta_schedule",
    "alpha_bar",
    "snr",
    "code_grid_pmfs",
    "TokenDiffusion",
    "token_diffusion",
    "token_loss_time",
    "ForwardSimulation",
    "simulate_forward",
]

_LN2 = math.log(2.0)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(16)


# ---------------------------------------------------------------------------------------------
# schedules
# ---------------------------------------------------------------------------------------------
def beta_schedule(kind: str = "linear", T: int = 1000, *, beta_start: float = 1e-4,
                  beta_end: float = 0.02, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    r"""Noise schedule :math:`\beta_1..\beta_T` (array of length ``T``; index ``t-1`` is step t).

    * ``"linear"`` (Ho et al. 2020): :math:`\beta_t` linear from ``beta_start`` (1e-4) to
      ``beta_end`` (0.02), T = 1000 in the paper;
    * ``"cosine"`` (Nichol & Dhariwal 2021, eq. 17): :math:`\bar\alpha_t = f(t)/f(0)`,
      :math:`f(t) = \cos^2\big(\frac{t/T + s}{1+s}\frac\pi2\big)`,
      :math:`\beta_t = \min(1 - \bar\alpha_t/\bar\alpha_{t-1}, \text{max\_beta})`, s = 0.008.

    Parameters
    ----------
    kind : {"linear", "cosine"}
        Schedule family (default ``"linear"``).
    T : int
        Number of steps, >= 1 (default 1000).
    beta_start : float, keyword-only
        First :math:`\beta` of the linear schedule, in (0, 1].
    beta_end : float, keyword-only
        Last :math:`\beta` of the linear schedule, in (0, 1].
    s : float, keyword-only
        Offset of the cosine schedule, >= 0.
    max_beta : float, keyword-only
        Cap on :math:`\beta_t` of the cosine schedule, in (0, 1].

    Returns
    -------
    ndarray, shape (T,), float64
        :math:`\beta_1, \dots, \beta_T`, each in (0, 1).

    Examples
    --------
    The cosine schedule reproduces :math:`\bar\alpha_t = f(t)/f(0)` (here
    :math:`\bar\alpha_1 = 0.847012` for T = 4) until the cap bites at the last step:

    >>> import numpy as np
    >>> from fsq_theory.temporal import alpha_bar, beta_schedule
    >>> beta_schedule("linear", 5).round(6).tolist()
    [0.0001, 0.005075, 0.01005, 0.015025, 0.02]
    >>> betas = beta_schedule("cosine", 4)
    >>> betas.round(6).tolist()
    [0.152988, 0.416958, 0.707859, 0.999]
    >>> alpha_bar(betas).round(6).tolist()
    [0.847012, 0.493844, 0.144272, 0.000144]
    """
    if kind not in ("linear", "cosine"):
        raise ValueError(f"kind must be 'linear' or 'cosine', got {kind!r}")
    T = v.check_size("T", v.check_int("T", T, minimum=1), 64)
    if kind == "linear":
        b0 = v.check_real("beta_start", beta_start, minimum=0.0, strict_minimum=True,
                          maximum=1.0)
        b1 = v.check_real("beta_end", beta_end, minimum=0.0, strict_minimum=True, maximum=1.0)
        betas = np.linspace(b0, b1, T)
    else:
        s = v.check_real("s", s, minimum=0.0)
        mb = v.check_real("max_beta", max_beta, minimum=0.0, strict_minimum=True, maximum=1.0)
        f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * math.pi / 2) ** 2
        betas = np.minimum(1 - f[1:] / f[:-1], mb)
    return _check_betas(betas)


def _check_betas(betas) -> np.ndarray:
    b = v.as_real_array("betas", betas).astype(np.float64)
    if b.ndim != 1 or b.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {b.shape}")
    bad = (b <= 0) | (b >= 1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"betas must lie in (0, 1); betas[{i}] = {b[i]!r}")
    return b


def alpha_bar(betas) -> np.ndarray:
    r"""Cumulative signal fraction :math:`\bar\alpha_t` of a noise schedule, t = 1..T.

    .. math::

        \bar\alpha_t = \prod_{s=1}^t (1-\beta_s),

    computed as ``exp(cumsum(log1p(-beta)))`` to keep relative precision at large t.

    Parameters
    ----------
    betas : array_like, shape (T,)
        Schedule :math:`\beta_1..\beta_T`, each in (0, 1).

    Returns
    -------
    ndarray, shape (T,), float64
        :math:`\bar\alpha_1, \dots, \bar\alpha_T`.

    Examples
    --------
    >>> from fsq_theory.temporal import alpha_bar
    >>> alpha_bar([0.5, 0.5]).tolist()
    [0.5, 0.25]
    """
    return np.exp(np.cumsum(np.log1p(-_check_betas(betas))))


def snr(betas) -> np.ndarray:
    r"""Signal-to-noise ratio of the forward process at every step, t = 1..T.

    .. math::

        \mathrm{SNR}(t) = \frac{\bar\alpha_t}{1-\bar\alpha_t}.

    Parameters
    ----------
    betas : array_like, shape (T,)
        Schedule :math:`\beta_1..\beta_T`, each in (0, 1).

    Returns
    -------
    ndarray, shape (T,), float64
        :math:`\mathrm{SNR}(1), \dots, \mathrm{SNR}(T)` (dimensionless power ratio).

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory.temporal import snr
    >>> np.round(snr([0.5, 0.5]), 6).tolist()  # 0.5/0.5 and 0.25/0.75
    [1.0, 0.333333]
    """
    ab = alpha_bar(betas)
    return ab / -np.expm1(np.cumsum(np.log1p(-_check_betas(betas))))


def _check_times(times, T) -> np.ndarray:
    if times is None:
        return np.arange(1, T + 1)
    t = v.as_index_array("times", times).ravel()
    if t.size and (t.min() < 1 or t.max() > T):
        bad = t[(t < 1) | (t > T)][0]
        raise ValueError(f"times must lie in [1, T = {T}], got {int(bad)}")
    return t


# ---------------------------------------------------------------------------------------------
# exact token channel
# ---------------------------------------------------------------------------------------------
def code_grid_pmfs(fsq: FSQ, prior="uniform", *, scale=1.0, variance=1.0):
    r"""Per-dimension code values and pmf of the clean token :math:`K_0`.

    ``prior="uniform"``: :math:`P(K_0 = k) = 1/L`; ``prior="gaussian"``: the FSQ token law of a
    latent :math:`\mathcal N(0, \text{variance})` at encoder gain ``scale``, the exact cell
    probabilities

    .. math::

        P(K_0 = k) = P\big(\text{scale}\cdot X \in \text{cell}_k\big),\qquad
        X \sim \mathcal N(0, \text{variance}).

    Parameters
    ----------
    fsq : FSQ
        Quantizer whose code grid is the clean latent's support.
    prior : {"uniform", "gaussian"}
        Law of the clean token (default ``"uniform"``).
    scale : float or array_like (d,), keyword-only
        Encoder gain (``fsq.scalar_quantizers(scale)``); used by ``"gaussian"`` only.
    variance : float, keyword-only
        Variance of the latent, > 0; used by ``"gaussian"`` only.

    Returns
    -------
    list of (ndarray, ndarray)
        One ``(codes, pmf)`` pair per dimension: the code values (code units, float64) and their
        probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import code_grid_pmfs
    >>> [(c.tolist(), np.round(p, 6).tolist()) for c, p in code_grid_pmfs(FSQ([3]))]
    [([-1.0, 0.0, 1.0], [0.333333, 0.333333, 0.333333])]
    >>> [np.round(p, 6).tolist() for _, p in code_grid_pmfs(FSQ([3]), "gaussian")]
    [[0.291626, 0.416748, 0.291626]]
    """
    if not isinstance(fsq, FSQ):
        raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
    codes = fsq.code_values(np.float64)
    if prior == "uniform":
        return [(c, np.full(c.size, 1.0 / c.size)) for c in codes]
    if prior == "gaussian":
        from scipy import stats

        from ..cells import cell_probabilities

        sd = math.sqrt(v.check_real("variance", variance, minimum=0.0, strict_minimum=True))
        sqs = fsq.scalar_quantizers(scale)
        return [(c, cell_probabilities(q, stats.norm(0.0, sd))) for c, q in zip(codes, sqs)]
    raise ValueError(f"prior must be 'uniform' or 'gaussian', got {prior!r}")


def _channel(c, a, sig, rescale):
    """W[t, i, j] for codes c (sorted), signal gains a (T,), noise sds sig (T,)."""
    mids = (c[1:] + c[:-1]) / 2
    edges = np.concatenate([[-np.inf], mids, [np.inf]])
    # cell of the *received* value: nearest code to z/a (rescale) or to z
    lo = edges[:-1][None, None, :] * (a[:, None, None] if rescale else 1.0)
    hi = edges[1:][None, None, :] * (a[:, None, None] if rescale else 1.0)
    mean = a[:, None, None] * c[None, :, None]
    zl = (lo - mean) / sig[:, None, None]
    zh = (hi - mean) / sig[:, None, None]
    upper = zl >= 0
    W = np.where(upper, special.ndtr(-zl) - special.ndtr(-zh), special.ndtr(zh) - special.ndtr(zl))
    return np.clip(W, 0.0, None)


def _mi_rows(p, W):
    """I(K0;Kt) in bits for prior p (n,) and channels W (T, n, n)."""
    q = np.einsum("i,tij->tj", p, W)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(W > 0, W / q[:, None, :], 1.0)
        terms = np.where(W > 0, W * np.log(ratio), 0.0)
    return np.einsum("i,tij->t", p, terms) / _LN2


def _mi_awgn_discrete(c, p, sig):
    r"""I(C; C + sig N) in bits for discrete C (values c, pmf p), each sig: composite
    Gauss-Legendre in the noise variable over [-12, 12] (0.25-wide panels, 16 nodes), on
    :math:`E_i E_N \log[p(y|i)/f(y)]`, whose integrand is a smooth log-sum-exp."""
    e = np.linspace(-12, 12, 97)
    u = ((e[1:] + e[:-1]) / 2)[:, None] + ((e[1:] - e[:-1]) / 2)[:, None] * _GL_X
    wu = (((e[1:] - e[:-1]) / 2)[:, None] * _GL_W).ravel() * np.exp(-0.5 * u.ravel() ** 2) \
        / math.sqrt(2 * math.pi)
    u = u.ravel()
    out = np.empty(len(sig))
    used = p > 0
    c, p = c[used], p[used]
    for k, sg in enumerate(sig):
        # y = c_i + sg u;  log p(y|i)/f(y) = -log sum_j p_j exp(-((y-c_j)^2 - (y-c_i)^2)/2 sg^2)
        d = (c[None, :] - c[:, None]) / sg  # (i, j)
        expo = -0.5 * d[:, None, :] ** 2 + d[:, None, :] * u[None, :, None]  # (i, u, j)
        lse = special.logsumexp(expo, axis=2, b=p[None, None, :])
        out[k] = -(p @ (lse @ wu))
    return np.maximum(out, 0.0) / _LN2


@dataclass(frozen=True)
class TokenDiffusion:
    r"""FSQ token identity under the forward diffusion, exactly (see module notes).

    Returned by :func:`token_diffusion`; ``to_frame()`` gives one row per step.

    Attributes
    ----------
    times : ndarray (m,) int
        Steps t (1-based).
    alpha_bar : ndarray (m,)
        :math:`\bar\alpha_t` (dimensionless).
    snr : ndarray (m,)
        :math:`\bar\alpha_t/(1-\bar\alpha_t)` (dimensionless).
    survival : ndarray (m,)
        :math:`P(K_t = K_0)` for the whole token (product over dimensions).
    survival_per_dim : ndarray (m, d)
        :math:`P(K^{(i)}_t = K^{(i)}_0)` per dimension.
    mi : ndarray (m,)
        :math:`I(K_0;K_t)` in bits per vector (sum over dimensions).
    mi_latent : ndarray (m,)
        :math:`I(K_0;Z_t)` in bits per vector: the noisy *unquantized* latent.
    mi_gaussian : ndarray (m,)
        :math:`\sum_i\tfrac12\log_2(1+\mathrm{SNR}\operatorname{Var}c_i)`: :math:`I(Z_0;Z_t)` for
        a Gaussian latent with the codes' variance per dimension (an upper bound on ``mi_latent``).
    h0 : float
        :math:`H(K_0)` in bits per vector.
    rescale : bool
        Whether :math:`z_t/\sqrt{\bar\alpha_t}` (True) or :math:`z_t` was re-quantized.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import beta_schedule, token_diffusion
    >>> r = token_diffusion(FSQ([5, 5]), beta_schedule("linear", 100), times=[10, 100])
    >>> r.survival.round(6).tolist(), round(r.h0, 6)  # h0 = 2 log2(5) bits, uniform prior
    ([0.979508, 0.102333], 4.643856)
    """

    times: np.ndarray
    alpha_bar: np.ndarray
    snr: np.ndarray
    survival: np.ndarray
    survival_per_dim: np.ndarray
    mi: np.ndarray
    mi_latent: np.ndarray
    mi_gaussian: np.ndarray
    h0: float
    rescale: bool

    def to_frame(self):
        """Table with columns t, alpha_bar, snr, survival, mi, mi_latent, mi_gaussian, h0."""
        import pandas as pd

        return pd.DataFrame(dict(t=self.times, alpha_bar=self.alpha_bar, snr=self.snr,
                                 survival=self.survival, mi=self.mi, mi_latent=self.mi_latent,
                                 mi_gaussian=self.mi_gaussian, h0=self.h0))


def token_diffusion(fsq: FSQ, betas, *, times=None, prior="uniform", scale=1.0,
                    rescale: bool = True, latent_mi: bool = True) -> TokenDiffusion:
    r"""Exact token survival and :math:`I(K_0;K_t)` of FSQ codes under the forward process.

    .. math::

        W_t[i, j] = \Phi\Big(\frac{u_j - \sqrt{\bar\alpha_t}c_i}{\sqrt{1-\bar\alpha_t}}\Big)
                  - \Phi\Big(\frac{l_j - \sqrt{\bar\alpha_t}c_i}{\sqrt{1-\bar\alpha_t}}\Big),
        \qquad P(K_t = K_0) = \prod_i \sum_k p_i(k)\,W^{(i)}_t[k, k],

    and :math:`I(K_0;K_t) = \sum_i I(p_i, W^{(i)}_t)` (see the module notes).

    Parameters
    ----------
    fsq : FSQ
        Its code grid per dimension is the clean latent's support.
    betas : array_like (T,)
        Schedule in (0, 1), e.g. :func:`beta_schedule`.
    times : array_like of int in [1, T], keyword-only
        Steps to evaluate (default all).
    prior : ``"uniform"`` or ``"gaussian"``, keyword-only
        Law of the clean token (:func:`code_grid_pmfs`).
    scale : float or array_like (d,), keyword-only
        Encoder gain of the ``"gaussian"`` prior (ignored for ``"uniform"``).
    rescale : bool, keyword-only
        Re-quantize :math:`z_t/\sqrt{\bar\alpha_t}` (ML detector, default) or :math:`z_t`.
    latent_mi : bool, keyword-only
        Also compute :math:`I(K_0;Z_t)` by quadrature (otherwise NaN).

    Returns
    -------
    TokenDiffusion
        Survival, :math:`I(K_0;K_t)`, :math:`I(K_0;Z_t)` and the Gaussian bound per step.

    Examples
    --------
    Two codes :math:`\pm1` at :math:`\mathrm{SNR} = 1`: the token survives with probability
    :math:`\Phi(1) = 0.841345`, :math:`I(K_0;K_t) = 1 - h(\Phi(-1)) = 0.368917` bits (a binary
    symmetric channel), below the BPSK capacity :math:`I(K_0;Z_t) = 0.485944` and the Gaussian
    bound :math:`\tfrac12\log_2 2 = 0.5`:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import token_diffusion
    >>> r = token_diffusion(FSQ([2], symmetric=True), [0.5])
    >>> round(float(r.survival[0]), 6), round(float(r.mi[0]), 6)
    (0.841345, 0.368917)
    >>> round(float(r.mi_latent[0]), 6), round(float(r.mi_gaussian[0]), 6)
    (0.485944, 0.5)
    """
    b = _check_betas(betas)
    t = _check_times(times, b.size)
    if not isinstance(rescale, (bool, np.bool_)):
        raise TypeError(f"rescale must be a bool, got {rescale!r}")
    ab = alpha_bar(b)[t - 1]
    one_minus = -np.expm1(np.cumsum(np.log1p(-b)))[t - 1]
    a, sig = np.sqrt(ab), np.sqrt(one_minus)
    grids = code_grid_pmfs(fsq, prior, scale=scale)
    surv, mi, mil, mig, h0 = [], np.zeros(t.size), np.zeros(t.size), np.zeros(t.size), 0.0
    for c, p in grids:
        W = _channel(c, a, sig, bool(rescale))
        surv.append(np.einsum("i,tii->t", p, W))
        mi += _mi_rows(p, W)
        var_c = float(p @ c**2 - (p @ c) ** 2)
        mig += 0.5 * np.log2(1 + ab / one_minus * var_c)
        mil += _mi_awgn_discrete(c, p, sig / a) if latent_mi else np.nan
        h0 += plugin_entropy_bits(p)
    sp = np.stack(surv, axis=1)
    return TokenDiffusion(t, ab, ab / one_minus, sp.prod(axis=1), sp, mi, mil, mig, h0,
                          bool(rescale))


def token_loss_time(result: TokenDiffusion, fraction: float = 0.5, *, which: str = "mi") -> float:
    r"""First step at which an information curve falls below a fraction of :math:`H(K_0)`.

    .. math::

        t^* = \min\{t \in \texttt{result.times} : I(t) < \text{fraction}\cdot H(K_0)\},

    with :math:`I` the curve ``which``; NaN if there is no such step (also when the curve is
    NaN, e.g. ``"mi_latent"`` computed with ``latent_mi=False``).

    Parameters
    ----------
    result : TokenDiffusion
        Output of :func:`token_diffusion`.
    fraction : float
        In (0, 1] (default 1/2).
    which : {"mi", "mi_latent", "mi_gaussian"}, keyword-only
        The curve: :math:`I(K_0;K_t)` (default), :math:`I(K_0;Z_t)` or the Gaussian bound.

    Returns
    -------
    float
        :math:`t^*` (a step number) or NaN.

    Examples
    --------
    ``L = 5`` under the linear schedule of Ho et al. (T = 1000): half the token's information
    is gone at step 89, 90 % at step 272:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import beta_schedule, token_diffusion, token_loss_time
    >>> r = token_diffusion(FSQ([5]), beta_schedule(), latent_mi=False)
    >>> token_loss_time(r), token_loss_time(r, 0.1), token_loss_time(r, which="mi_gaussian")
    (89.0, 272.0, 105.0)
    """
    f = v.check_real("fraction", fraction, minimum=0.0, strict_minimum=True, maximum=1.0)
    if which not in ("mi", "mi_latent", "mi_gaussian"):
        raise ValueError(f"which must be 'mi', 'mi_latent' or 'mi_gaussian', got {which!r}")
    below = np.flatnonzero(getattr(result, which) < f * result.h0)
    return float(result.times[below[0]]) if below.size else float("nan")


# ---------------------------------------------------------------------------------------------
# Monte Carlo of the step-by-step chain
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForwardSimulation:
    r"""Step-by-step simulation of the forward chain (see :func:`simulate_forward`).

    The chain is :math:`z_t = \sqrt{1-\beta_t}z_{t-1} + \sqrt{\beta_t}\varepsilon_t`;
    survivals are fractions of chains.

    Attributes
    ----------
    times : ndarray (m,)
        Steps t (1-based) at which the chains were recorded.
    n : int
        Independent chains (each of ``d`` dimensions).
    survival, survival_stderr : ndarray (m,)
        Fraction of chains whose re-quantized token equals the clean token (whole vector), and
        its binomial standard error :math:`\sqrt{p(1-p)/n}`.
    survival_per_dim : ndarray (m, d)
        Fraction of chains whose token survives, per dimension.
    residual_var, residual_var_stderr : ndarray (m,)
        Sample variance of :math:`(z_t - \sqrt{\bar\alpha_t}z_0)/\sqrt{1-\bar\alpha_t}` over all
        coordinates (1 if the closed form holds) and its standard error
        :math:`\sqrt{2/(nd)}`.
    residual_mean : ndarray (m,)
        Sample mean of the same residual (0 if the closed form holds; SE :math:`1/\sqrt{nd}`).

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import beta_schedule, simulate_forward
    >>> sim = simulate_forward(FSQ([5, 5]), beta_schedule("linear", 100), 2000, times=[10, 100],
    ...                        rng=0)
    >>> sim.times.tolist(), sim.n, sim.survival_per_dim.shape
    ([10, 100], 2000, (2, 2))
    """

    times: np.ndarray
    n: int
    survival: np.ndarray
    survival_stderr: np.ndarray
    survival_per_dim: np.ndarray
    residual_var: np.ndarray
    residual_var_stderr: np.ndarray
    residual_mean: np.ndarray


def simulate_forward(fsq: FSQ, betas, n: int, *, times=None, prior="uniform", scale=1.0,
                     rescale: bool = True, rng=None, seed=v._UNSET) -> ForwardSimulation:
    r"""Monte-Carlo check of the forward process: token survival and the closed-form residual.

    Simulates ``n`` chains of the per-step kernel

    .. math::

        z_t = \sqrt{1-\beta_t}\,z_{t-1} + \sqrt{\beta_t}\,\varepsilon_t,\qquad
        \varepsilon_t \sim \mathcal N(0, I),

    from clean codes drawn from ``prior``, and records at ``times`` the fraction of surviving
    tokens and the residual :math:`(z_t - \sqrt{\bar\alpha_t}z_0)/\sqrt{1-\bar\alpha_t}`
    (standard normal if the closed form holds); see :class:`ForwardSimulation`.

    Parameters
    ----------
    fsq : FSQ
        Its code grid per dimension is the clean latent's support.
    betas : array_like (T,)
        Schedule in (0, 1), e.g. :func:`beta_schedule`.
    n : int
        Number of independent chains, >= 2.
    times : array_like of int in [1, T], keyword-only
        Steps to record (default all).
    prior : ``"uniform"`` or ``"gaussian"``, keyword-only
        Law of the clean token (:func:`code_grid_pmfs`).
    scale : float or array_like (d,), keyword-only
        Encoder gain of the ``"gaussian"`` prior (ignored for ``"uniform"``).
    rescale : bool, keyword-only
        Re-quantize :math:`z_t/\sqrt{\bar\alpha_t}` (default) or :math:`z_t`.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness (one generator for codes and noise); the same int gives the same
        result.
    seed : None, int, SeedSequence or Generator, keyword-only
        Deprecated name of ``rng`` (warns with a ``DeprecationWarning``).

    Returns
    -------
    ForwardSimulation
        Survival with binomial standard errors and residual moments per recorded step.

    Examples
    --------
    Two codes :math:`\pm1` at :math:`\mathrm{SNR} = 1`: the simulated survival is within three
    standard errors of the exact :math:`\Phi(1) = 0.841345` (:func:`token_diffusion`):

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.temporal import simulate_forward
    >>> sim = simulate_forward(FSQ([2], symmetric=True), [0.5], 4000, rng=0)
    >>> round(float(sim.survival[0]), 4), round(float(sim.survival_stderr[0]), 4)
    (0.8385, 0.0058)
    >>> bool(abs(sim.survival[0] - 0.841345) < 3 * sim.survival_stderr[0])
    True
    """
    rng = v.resolve_rng(rng, seed, owner="simulate_forward")
    b = _check_betas(betas)
    t = _check_times(times, b.size)
    n = v.check_int("n", n, minimum=2)
    rng = v.as_generator(rng)
    grids = code_grid_pmfs(fsq, prior, scale=scale)
    d = len(grids)
    k0 = np.stack([rng.choice(c.size, size=n, p=p) for c, p in grids], axis=1)
    z0 = np.stack([grids[i][0][k0[:, i]] for i in range(d)], axis=1)
    ab_all = alpha_bar(b)
    want = np.zeros(b.size + 1, dtype=bool)
    want[t] = True
    order = {int(s): j for j, s in enumerate(t)}
    m = t.size
    surv, spd = np.zeros(m), np.zeros((m, d))
    rvar, rmean = np.zeros(m), np.zeros(m)
    z = z0.copy()
    sqrt_keep, sqrt_b = np.sqrt(1 - b), np.sqrt(b)
    for step in range(1, int(t.max()) + 1):
        z = sqrt_keep[step - 1] * z + sqrt_b[step - 1] * rng.standard_normal((n, d))
        if not want[step]:
            continue
        j = order[step]
        ab = ab_all[step - 1]
        y = z / math.sqrt(ab) if rescale else z
        same = np.stack([np.argmin(np.abs(y[:, i, None] - grids[i][0][None, :]), axis=1)
                         == k0[:, i] for i in range(d)], axis=1)
        surv[j] = same.all(axis=1).mean()
        spd[j] = same.mean(axis=0)
        res = (z - math.sqrt(ab) * z0) / math.sqrt(-math.expm1(np.log1p(-b[:step]).sum()))
        rvar[j] = res.var()
        rmean[j] = res.mean()
    return ForwardSimulation(t, n, surv, np.sqrt(surv * (1 - surv) / n), spd, rvar,
                             np.full(m, math.sqrt(2.0 / (n * d))), rmean)
