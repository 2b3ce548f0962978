r"""Upper bound on R(D) by separate coding of decorrelated components, each by certified
Blahut-Arimoto on its (discretized) empirical marginal, with the equal-slope split."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..rate_distortion import rd_curve
from ._common import lower_hull

__all__ = ["SeparableCurve", "pca_rotation", "separable_curve"]


def pca_rotation(x: np.ndarray):
    """Mean, eigenvalues (descending) and orthonormal eigenvectors of the sample covariance."""
    mean = x.mean(axis=0)
    xc = x - mean
    cov = xc.T @ xc / x.shape[0]
    lam, vec = np.linalg.eigh(cov)
    order = np.argsort(lam)[::-1]
    return mean, np.maximum(lam[order], 0.0), vec[:, order]


def discretize(z: np.ndarray, n_bins: int):
    r"""Bins of one column: atoms (bin centroids), probabilities and within-bin variance.

    A uniform grid between the 0.05% and 99.95% quantiles plus one bin for each tail. With the
    atoms at the centroids, any channel from the bin to a reproduction y gives
    :math:`E(z - y)^2 = W + E(a - y)^2` (the cross term vanishes) and, by data processing,
    :math:`I(z; y) \le I(a; y)`: BA on the atoms is an upper bound for the column's empirical
    measure with distortion shifted by the within-bin variance :math:`W`.
    """
    lo, hi = np.quantile(z, [5e-4, 1 - 5e-4])
    if not hi > lo:
        lo, hi = float(z.min()), float(z.max())
    if not hi > lo:  # constant column
        return np.array([float(z.mean())]), np.array([1.0]), 0.0
    edges = np.linspace(lo, hi, max(n_bins - 1, 2))
    idx = np.searchsorted(edges, z, side="right")
    nb = edges.size + 1
    cnt = np.bincount(idx, minlength=nb).astype(np.float64)
    s1 = np.bincount(idx, weights=z, minlength=nb)
    used = cnt > 0
    atoms = s1[used] / cnt[used]
    p = cnt[used] / z.size
    within = float(np.mean((z - (s1 / np.maximum(cnt, 1))[idx]) ** 2))
    return atoms, p, within


@dataclass(frozen=True)
class SeparableCurve:
    r"""Separate coding of decorrelated components at common slopes.

    Attributes
    ----------
    betas : ndarray
        Slopes, nats per unit MSE of one component (equal for all: the optimal split).
    distortion : ndarray
        :math:`\frac1d\sum_k (D_k(\beta) + W_k)`, MSE per scalar, achieved.
    rate : ndarray
        :math:`\sum_k R_{U,k}(\beta)`, bits per vector, achieved (upper bound on the empirical
        measure's R at ``distortion``).
    gap : ndarray
        Sum of the certified Blahut-Arimoto gaps (bits per vector).
    component_distortion, component_rate : ndarray, shape (d, n_betas)
    within_bin : ndarray, shape (d,)
        Discretization variance :math:`W_k` (included in ``distortion``).
    d_max : float
        Rate-0 distortion: mean variance per scalar.
    converged : bool
        Every Blahut-Arimoto point certified within its tolerance.
    """

    betas: np.ndarray
    distortion: np.ndarray
    rate: np.ndarray
    gap: np.ndarray
    component_distortion: np.ndarray
    component_rate: np.ndarray
    within_bin: np.ndarray
    d_max: float
    converged: bool

    def hull(self):
        return lower_hull(self.distortion, self.rate, self.d_max)


def separable_curve(z: np.ndarray, betas: np.ndarray, *, n_bins: int = 256,
                    tol: float = 1e-6) -> SeparableCurve:
    """Curve of separate coding of the columns of ``z`` (already rotated) at ``betas``."""
    d = z.shape[1]
    nb = betas.size
    Dk = np.empty((d, nb))
    Rk = np.empty((d, nb))
    gap = np.zeros(nb)
    W = np.empty(d)
    ok = True
    order = np.argsort(betas)
    for k in range(d):
        atoms, p, W[k] = discretize(z[:, k], n_bins)
        if atoms.size == 1:
            Dk[k] = 0.0
            Rk[k] = 0.0
            continue
        dist = (atoms[:, None] - atoms[None, :]) ** 2
        df = rd_curve(p, dist, betas[order], tol=tol)
        Dk[k, order] = df["distortion"].to_numpy()
        Rk[k, order] = df["rate"].to_numpy()
        gap[order] += df["gap"].to_numpy()
        ok = ok and bool(df["converged"].all())
    D = (Dk + W[:, None]).mean(axis=0)
    R = Rk.sum(axis=0)
    d_max = float(z.var(axis=0).mean())
    return SeparableCurve(betas=betas.copy(), distortion=D, rate=R, gap=gap,
                          component_distortion=Dk, component_rate=Rk, within_bin=W,
                          d_max=d_max, converged=ok)
