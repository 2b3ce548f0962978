r"""Cross-modal token information for a general Gaussian cross-covariance (small dimensions).

The canonical-pair model of ``_cross_modal`` covers every Gaussian pair of modalities up to
invertible maps of each; FSQ, however, quantizes coordinate by coordinate, so in any other basis
:math:`I(K_X;K_Y)` changes while :math:`I(X;Y)` does not. This module computes it for an arbitrary
joint covariance when one modality is a scalar and the other has one or two coordinates (the
joint token pmf is then a one-dimensional integral of bivariate normal rectangles):

.. math::

    P(K_X = i, K_Y = (j, k)) = \int_{a_i}^{b_i}\varphi(x)\,
        P\big(Y_1\in[c_j, d_j),\,Y_2\in[e_k, f_k)\mid X = x\big)\,dx,

with :math:`Y\mid X=x \sim \mathcal N(\beta x, C)` (:math:`x` standardized,
:math:`\beta = \Sigma_{YX}/\sigma_X`, :math:`C = \Sigma_{YY} - \Sigma_{YX}\Sigma_{XY}/\sigma_X^2`),
the conditional rectangle from :func:`fsq_theory.temporal.bivariate_normal_cdf`, and the integral
by composite Gauss--Legendre panels that break at :math:`X`'s thresholds and at the points
:math:`x = t/\beta_m` where a conditional mean crosses a threshold of :math:`Y_m` (the integrand is
analytic inside a panel), with panel widths below the conditional standard deviation over the
slope. The latent information is
:math:`I(X;Y) = \tfrac12\log(\det\Sigma_{XX}\det\Sigma_{YY}/\det\Sigma)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._lazy import lazy_module
special = lazy_module("scipy.special")

from .. import _validation as v
from .._measures import entropy_nats, kl_nats
from ._cross_modal import _check_fsq, _pair_pmf

__all__ = ["CrossModalGaussian", "cross_modal_information_cov"]

_GL_NODES = 20
_X_MAX = 10.0  # P(|X| > 10) = 1.5e-23: mass beyond is below the accuracy of the table
_MAX_PANELS = 20_000


@dataclass(frozen=True)
class CrossModalGaussian:
    r"""Token information of a scalar modality and a one- or two-coordinate modality under a
    general Gaussian cross-covariance.

    Returned by :func:`cross_modal_information_cov`; per vector, in the unit of ``base``.

    Attributes
    ----------
    mi_tokens : float
        :math:`I(K_X;K_Y)`.
    mi_latents : float
        :math:`I(X;Y)`.
    entropy_x, entropy_y : float
        :math:`H(K_X)`, :math:`H(K_Y)`.
    fraction : float
        :math:`I(K_X;K_Y)/I(X;Y)` (0 when :math:`I(X;Y) = 0`).
    canonical_correlation : float
        The single canonical correlation :math:`\rho_c`,
        :math:`I(X;Y) = -\tfrac12\log(1-\rho_c^2)`.
    joint_pmf : ndarray (L_x, |C_Y|)
        :math:`P(K_X = i, K_Y = j)`, :math:`K_Y` the FSQ index of ``fsq_y``.
    base : float
        Natural logarithm of the logarithm base.

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.geometry import cross_modal_information_cov
    >>> cov = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> r = cross_modal_information_cov(FSQ([5]), FSQ([5, 5]), cov)
    >>> round(r.mi_tokens, 6), round(r.canonical_correlation, 6)
    (0.879887, 0.9)
    """

    mi_tokens: float
    mi_latents: float
    entropy_x: float
    entropy_y: float
    fraction: float
    canonical_correlation: float
    joint_pmf: np.ndarray
    base: float


def _panels(breaks: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights over the union of [breaks[k], breaks[k+1]]."""
    t, w = np.polynomial.legendre.leggauss(_GL_NODES)
    lo, hi = [], []
    for a, b in zip(breaks[:-1], breaks[1:]):
        n = max(1, math.ceil((b - a) / width))
        e = np.linspace(a, b, n + 1)
        lo.append(e[:-1])
        hi.append(e[1:])
    lo, hi = np.concatenate(lo), np.concatenate(hi)
    half = 0.5 * (hi - lo)
    x = (0.5 * (hi + lo))[:, None] + half[:, None] * t[None, :]
    return x, half[:, None] * w[None, :]


def cross_modal_information_cov(fsq_x, fsq_y, cov, *, scale_x=1.0, scale_y=1.0,
                                base="bits") -> CrossModalGaussian:
    r"""Exact :math:`I(K_X;K_Y)` for a general joint covariance of a scalar :math:`X` and a
    :math:`Y` with one or two coordinates.

    .. math::

        I(K_X;K_Y) = \sum_{i,j} P_{ij}\log\frac{P_{ij}}{p_i q_j}
        \;\le\; \tfrac12\log\frac{\det\Sigma_{XX}\det\Sigma_{YY}}{\det\Sigma},

    :math:`P_{ij}` the joint token pmf (module notes: a one-dimensional integral of conditional
    bivariate normal rectangles, or the rectangles themselves when :math:`Y` is a scalar).
    Unlike :math:`I(X;Y)`, :math:`I(K_X;K_Y)` depends on the coordinate system in which FSQ
    quantizes: rotating :math:`Y` changes it.

    Parameters
    ----------
    fsq_x : FSQ
        One-dimensional tokenizer of :math:`X`.
    fsq_y : FSQ
        Tokenizer of :math:`Y`, one or two dimensions.
    cov : array_like, shape (1 + d_y, 1 + d_y)
        Covariance of :math:`(X, Y)`, symmetric positive definite.
    scale_x, scale_y : float or array_like, keyword-only
        Encoder gains (``scale_y`` scalar or per dimension of :math:`Y`, > 0).
    base : float or {"bits", "nats"}, keyword-only
        Logarithm base (default bits).

    Returns
    -------
    CrossModalGaussian
        Token and latent information, entropies, the fraction kept and the joint token pmf.

    Examples
    --------
    :math:`X` correlated (0.9) with :math:`Y_1` only, then the same :math:`Y` rotated by 45
    degrees: :math:`I(X;Y)` = 1.198 bits in both bases, the tokens keep less after rotation:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.geometry import cross_modal_information_cov
    >>> c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
    >>> R = np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    >>> cov = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]])
    >>> a = cross_modal_information_cov(FSQ([5]), FSQ([5, 5]), cov)
    >>> b = cross_modal_information_cov(FSQ([5]), FSQ([5, 5]), R @ cov @ R.T)
    >>> round(a.mi_latents, 4), round(b.mi_latents, 4), round(a.fraction, 4), round(b.fraction, 4)
    (1.198, 1.198, 0.7345, 0.7076)
    """
    fx, fy = _check_fsq("fsq_x", fsq_x), _check_fsq("fsq_y", fsq_y)
    if fx.dim != 1:
        raise ValueError(f"fsq_x must be one-dimensional, got FSQ{list(fx.levels)}")
    if fy.dim not in (1, 2):
        raise ValueError(f"fsq_y must have one or two dimensions, got FSQ{list(fy.levels)}")
    S = v.as_real_array("cov", cov).astype(np.float64)
    d = 1 + fy.dim
    if S.shape != (d, d):
        raise ValueError(f"cov must have shape ({d}, {d}), got {S.shape}")
    if not np.allclose(S, S.T, rtol=1e-12, atol=0.0):
        raise ValueError("cov must be symmetric")
    try:
        np.linalg.cholesky(S)
    except np.linalg.LinAlgError:
        raise ValueError(f"cov must be positive definite, got {S.tolist()}") from None
    lb = v.log_base(base)
    sqx = fx.scalar_quantizers(scale_x)[0]
    sqy = fy.scalar_quantizers(scale_y)
    if sqx.n_cells * int(np.prod([q.n_cells for q in sqy])) > 1 << 16:
        raise ValueError("fsq_x and fsq_y give a joint token table of more than 65536 cells")
    sx = math.sqrt(S[0, 0])
    ex = sqx.cell_edges / sx
    beta = S[1:, 0] / sx
    C = S[1:, 1:] - np.outer(beta, beta)
    sd = np.sqrt(np.diag(C))
    if fy.dim == 1:
        ey0 = sqy[0].cell_edges / math.sqrt(S[1, 1])
        P = _pair_pmf(ex, ey0, float(S[0, 1] / (sx * math.sqrt(S[1, 1]))))
        Py = np.diff(special.ndtr(ey0))
    else:
        from ..temporal import bivariate_normal_cdf

        c = float(C[0, 1] / (sd[0] * sd[1]))
        ey = [q.cell_edges for q in sqy]
        breaks = [ex[np.isfinite(ex)]]
        for m in range(2):
            if beta[m] != 0:
                breaks.append(ey[m][np.isfinite(ey[m])] / beta[m])
        breaks = np.unique(np.clip(np.concatenate(breaks + [[-_X_MAX, _X_MAX]]), -_X_MAX, _X_MAX))
        slope = np.abs(beta) / sd
        width = min(0.5, 1.0 / max(float(slope.max()), 1e-12))
        if (breaks[-1] - breaks[0]) / width > _MAX_PANELS:
            raise ValueError("cov makes Y nearly a deterministic function of X (conditional "
                             f"standard deviations {sd.tolist()}); the quadrature would need more "
                             f"than {_MAX_PANELS} panels")
        xs, ws = _panels(breaks, width)
        xs, ws = xs.ravel(), ws.ravel()
        h = (ey[0][None, :] - beta[0] * xs[:, None]) / sd[0]
        k = (ey[1][None, :] - beta[1] * xs[:, None]) / sd[1]
        F = bivariate_normal_cdf(h[:, :, None], k[:, None, :], c)
        R = F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]
        wphi = ws * np.exp(-0.5 * xs * xs) / math.sqrt(2 * math.pi)
        cell = np.searchsorted(ex, xs, side="right") - 1
        # FSQ's index is level_0 + L_0 level_1 (first dimension least significant): transpose
        R = R.transpose(0, 2, 1).reshape(len(xs), -1)
        P = np.zeros((sqx.n_cells, R.shape[1]))
        np.add.at(P, cell, wphi[:, None] * R)
        sy = np.sqrt(np.diag(S[1:, 1:]))
        Py = _pair_pmf(ey[0] / sy[0], ey[1] / sy[1], float(S[1, 2] / (sy[0] * sy[1]))).T.ravel()
    P = np.clip(P, 0.0, None).reshape(sqx.n_cells, -1)
    px = np.diff(special.ndtr(ex))
    mi = max(float(kl_nats(P, np.outer(P.sum(axis=1), P.sum(axis=0)))), 0.0) / lb
    # determinants of the correlation matrix: the covariance's own may overflow
    sdall = np.sqrt(np.diag(S))
    corr = S / np.outer(sdall, sdall)
    ml = 0.5 * (np.linalg.slogdet(corr[1:, 1:])[1] - np.linalg.slogdet(corr)[1]) / lb
    rho_c = math.sqrt(max(0.0, 1.0 - math.exp(-2.0 * ml * lb)))
    ml = max(float(ml), 0.0)
    return CrossModalGaussian(mi, ml, float(entropy_nats(px)) / lb,
                              float(entropy_nats(Py)) / lb, mi / ml if ml > 0 else 0.0, rho_c,
                              P, lb)
