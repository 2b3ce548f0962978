r"""The sandwich of bounds on R(D) of d-dimensional data under MSE: one entry point.

Units: rates in bits per vector (``/ d`` for bits per scalar), distortion D = MSE per scalar,
:math:`\frac1d E\lVert X - \hat X\rVert^2`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import _validation as v
from ..rate_distortion import reverse_water_filling, shannon_lower_bound
from ._common import (
    batch_halfwidth,
    batches,
    check_confidence,
    check_data,
    eval_hull,
    eval_lines,
    lower_hull,
)
from ._knn import knn_entropy
from ._particles import particle_slopes
from ._separable import pca_rotation, separable_curve

__all__ = ["BOUNDS", "BoundCurve", "RDSandwich", "rd_sandwich", "sample_size_curve"]

#: Bound names, what each is, and whose R(D) it bounds.
BOUNDS = {
    "gaussian": ("upper", "source",
                 ("Gaussian with the same covariance: reverse water-filling on the covariance "
                 "eigenvalues (R(D) <= R_G(D) under MSE); exact for the empirical measure "
                 "(sample covariance), an estimate with interval for the source")),
    "separable": ("upper", "source",
                  ("decorrelated (PCA) components coded separately, each by certified "
                  "Blahut-Arimoto on its empirical marginal (centroid bins), equal-slope split; "
                  "exact for the empirical measure, a plug-in estimate for the source")),
    "particles": ("upper", "empirical",
                  ("mutual information of the particle test channel (Wasserstein gradient "
                  "descent on the Blahut-Arimoto functional): an upper bound on R(D) of the "
                  "empirical measure (of the rows used), not of the source")),
    "shannon": ("lower", "source",
                ("Shannon lower bound h(X) - d/2 log2(2 pi e D) with the Kozachenko-Leonenko "
                "k-NN entropy: bounds the source's R(D); the empirical measure has no density")),
    "dual": ("lower", "empirical",
             ("Blahut-Arimoto dual bound of the empirical measure at each slope with the "
             "particle reproduction distribution; sup over y found numerically (not certified)")),
}


@dataclass(frozen=True)
class BoundCurve:
    r"""One bound as a function of D (bits per vector).

    Attributes
    ----------
    name, kind, target : str
        Name (a key of :data:`BOUNDS`), ``"upper"``/``"lower"``, and whose R(D) it bounds:
        ``"source"`` (the distribution the rows were drawn from; estimated, with an interval)
        or ``"empirical"`` (the empirical measure of the rows used; exact up to the
        ``certified`` flag).
    certified : bool
        True: the value is a proven bound on R(D) of the empirical measure of the rows used, up
        to floating point (for a "source" target it is at the same time an estimate of the
        source's bound, whose sampling error the interval states). False: it relies on a
        numerical search (``"dual"``) or is only a statistical estimate (``"shannon"``).
    note : str
    form : str
        ``"water"`` (eigenvalues), ``"hull"`` (achievable points), ``"slb"``, ``"lines"``.
    data : tuple of ndarray
        Parameters of ``form``; the last entry holds the per-batch parameters (or is empty).
    confidence : float
    n_rows : int
        Rows the bound was computed on.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((1000, 2))
    >>> b = rd_sandwich(x, [0.25], bounds=("gaussian",), rng=0).bound("gaussian")
    >>> b.kind, b.target, b.certified, b.form, b.n_rows
    ('upper', 'source', True, 'water', 1000)
    >>> # N(0, I_2) at D = 1/4: R(D) = 2 bits per vector; value, low, high of the estimate
    >>> [round(float(t), 3) for t in b.at(0.25)]
    [1.999, 1.929, 2.069]
    """

    name: str
    kind: str
    target: str
    certified: bool
    note: str
    form: str
    data: tuple
    confidence: float
    n_rows: int

    def _eval(self, D, params):
        D = np.asarray(D, dtype=np.float64)
        if self.form == "water":
            lam = params[0]
            return np.array([reverse_water_filling(lam, D=float(t)).total_rate for t in D.ravel()]
                            ).reshape(D.shape)
        if self.form == "hull":
            return eval_hull(params[0], params[1], D)
        if self.form == "slb":
            h, d = float(params[0]), int(params[1])
            return np.maximum(d * shannon_lower_bound(h / d, np.maximum(D, 1e-300)), 0.0)
        if self.form == "lines":
            return eval_lines(params[0], params[1], D)
        raise AssertionError(self.form)

    def at(self, D):
        """``(value, low, high)`` in bits per vector at distortion(s) ``D`` (MSE per scalar).

        ``low``/``high`` is the batch-means interval for ``"source"`` targets (NaN when none was
        computed); for ``"empirical"`` targets both equal ``value``. +inf where an upper bound
        has no achievable point at or below ``D``.
        """
        D = np.asarray(D, dtype=np.float64)
        val = self._eval(D, self.data[:-1])
        per_batch = self.data[-1]
        if self.target == "empirical":
            return val, val.copy(), val.copy()
        if self.form == "slb":
            lo = self._eval(D, (per_batch[0], self.data[1]))
            hi = self._eval(D, (per_batch[1], self.data[1]))
            return val, lo, hi
        if not len(per_batch):
            nan = np.full(val.shape, np.nan)
            return val, nan, nan.copy()
        vals = np.array([self._eval(D, p) for p in per_batch])
        with np.errstate(invalid="ignore"):
            half = batch_halfwidth(vals, self.confidence)
        half = np.where(np.isfinite(half), half, np.inf)
        return val, val - half, val + half


@dataclass(frozen=True)
class RDSandwich:
    r"""Bounds on R(D) of d-dimensional data under MSE (see :func:`rd_sandwich`).

    Attributes
    ----------
    distortions : ndarray
        The D (MSE per scalar) the table is evaluated at.
    bounds : tuple of BoundCurve
    n, dim : int
        Rows and dimension of the data.
    variance : float
        Mean variance per scalar (D_max: the rate-0 distortion).
    eigenvalues : ndarray
        Sample covariance eigenvalues, descending.
    entropy : object
        The :class:`KNNEntropy` behind ``"shannon"`` (None if not computed).
    particle_slopes : tuple
        The :class:`ParticleSlope` results (empty if not computed).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((1000, 2))
    >>> s = rd_sandwich(x, [0.25], bounds=("gaussian",), rng=0)
    >>> s.n, s.dim, round(s.variance, 4), s.eigenvalues.round(3).tolist()
    (1000, 2, 1.0004, [1.044, 0.957])
    >>> s.to_frame()[["bound", "kind", "value_bits"]].round(3).values.tolist()
    [['gaussian', 'upper', 1.999]]
    """

    distortions: np.ndarray
    bounds: tuple
    n: int
    dim: int
    variance: float
    eigenvalues: np.ndarray
    entropy: object = None
    particle_slopes: tuple = field(default_factory=tuple)

    def bound(self, name: str) -> BoundCurve:
        for b in self.bounds:
            if b.name == name:
                return b
        raise ValueError(f"name {name!r} is not among the computed bounds "
                         f"{[b.name for b in self.bounds]}")

    def to_frame(self):
        """One row per (distortion, bound): ``distortion`` (MSE per scalar), ``bound``, ``kind``
        (upper/lower), ``target`` (source/empirical), ``value_bits`` (per vector),
        ``value_bits_per_dim``, ``low_bits``, ``high_bits`` (interval, per vector),
        ``certified``, ``n_rows``."""
        import pandas as pd

        rows = []
        for b in self.bounds:
            val, lo, hi = b.at(self.distortions)
            for D, x, l_, h_ in zip(self.distortions, val, lo, hi):
                rows.append(dict(distortion=float(D), bound=b.name, kind=b.kind, target=b.target,
                                 value_bits=float(x), value_bits_per_dim=float(x) / self.dim,
                                 low_bits=float(l_), high_bits=float(h_),
                                 certified=b.certified, n_rows=b.n_rows))
        return pd.DataFrame(rows)

    def gap(self, rate, distortion):
        r"""Bits above each bound of operating point(s) ``(rate, distortion)``.

        Parameters
        ----------
        rate : float or array_like
            Bits per vector (e.g. ``log2 |C|`` or the measured token entropy).
        distortion : float or array_like
            Measured MSE per scalar (same shape as ``rate``).

        Returns
        -------
        pandas.DataFrame
            One row per (point, bound): ``point``, ``rate_bits``, ``distortion``, ``bound``,
            ``kind``, ``target``, ``bound_bits``, ``bits_above`` (= rate - bound; >= 0 is
            required against every lower bound), ``bits_above_low`` / ``bits_above_high``
            (against the interval ends: rate - high, rate - low), ``certified``.
        """
        import pandas as pd

        r = np.atleast_1d(v.as_real_array("rate", rate).astype(np.float64))
        D = np.atleast_1d(v.as_real_array("distortion", distortion).astype(np.float64))
        if r.shape != D.shape or r.ndim != 1:
            raise ValueError(f"rate and distortion must have the same 1-D shape, got {r.shape} "
                             f"and {D.shape}")
        if (D <= 0).any():
            raise ValueError(f"distortion must be > 0, got {D.tolist()}")
        rows = []
        for b in self.bounds:
            val, lo, hi = b.at(D)
            for i in range(r.size):
                rows.append(dict(point=i, rate_bits=float(r[i]), distortion=float(D[i]),
                                 bound=b.name, kind=b.kind, target=b.target,
                                 bound_bits=float(val[i]), bits_above=float(r[i] - val[i]),
                                 bits_above_low=float(r[i] - hi[i]),
                                 bits_above_high=float(r[i] - lo[i]), certified=b.certified))
        return pd.DataFrame(rows)


def _default_distortions(variance: float) -> np.ndarray:
    return variance * np.geomspace(0.05, 0.8, 8)


def _gaussian_bound(x, parts, conf):
    _, lam, _ = pca_rotation(x)
    floor = 1e-12 * max(float(lam.max()), 1e-300)
    per = tuple((np.maximum(pca_rotation(x[p])[1], floor),) for p in parts)
    return BoundCurve("gaussian", "upper", "source", True, BOUNDS["gaussian"][2], "water",
                      (np.maximum(lam, floor), per), conf, x.shape[0])


def _separable_bound(z, betas, parts, conf, n_bins, tol):
    c = separable_curve(z, betas, n_bins=n_bins, tol=tol)
    hx, hy = c.hull()
    per = []
    for p in parts:
        cb = separable_curve(z[p], betas, n_bins=n_bins, tol=tol)
        per.append(cb.hull())
    return BoundCurve("separable", "upper", "source", bool(c.converged), BOUNDS["separable"][2],
                      "hull", (hx, hy, tuple(per)), conf, z.shape[0]), c


def _threads(n):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional: BLAS as configured by the environment
        from contextlib import nullcontext

        return nullcontext()
    return threadpool_limits(n)


def rd_sandwich(x, distortions=None, *, bounds=("gaussian", "separable", "particles", "shannon",
                                                 "dual"),
                n_particles: int = 256, n_steps: int = 30, batch_size: int | None = 16_384,
                max_particle_rows: int | None = 200_000, n_bins: int = 256, n_slopes: int = 24,
                k: int = 3,
                entropy_bias: str = "none", max_queries: int | None = 20_000,
                n_batches: int = 8, confidence: float = 0.95, rng=None,
                blas_threads: int | None = 1) -> RDSandwich:
    r"""Upper and lower bounds on the rate-distortion function of d-dimensional data under MSE.

    For data :math:`x_1..x_n \in \mathbb R^d` and distortion
    :math:`D = \frac1d E\lVert X - \hat X\rVert^2` (MSE per scalar), rates in bits per vector:

    * ``"gaussian"`` (upper, source): :math:`R(D) \le R_G(D) = \sum_k \max(0, \tfrac12\log_2
      (\lambda_k/\theta))`, :math:`\frac1d\sum_k\min(\theta,\lambda_k) = D`, the Gaussian with
      the same covariance (eigenvalues :math:`\lambda_k`) -- reverse water-filling;
    * ``"separable"`` (upper, source): rotate to the PCA basis, code each component separately
      at a common slope :math:`\beta` (the equal-slope condition of the optimal split of D),
      :math:`R(D) \le \sum_k R_k(D_k)`, :math:`R_k` by certified Blahut-Arimoto on the
      component's empirical marginal (centroid bins; the within-bin variance is added to D);
    * ``"particles"`` (upper, empirical): :math:`I(\mu_n, Q_\nu)` of a particle reproduction
      distribution optimized by Wasserstein gradient descent (see
      :mod:`fsq_theory.empirical._particles`): bounds R(D) of the empirical measure
      :math:`\mu_n`; :math:`R_{\mu_n} \le \log_2 n` (and this estimate
      :math:`\le \log_2` particles), so it falls below the source's R(D) at small D;
    * ``"shannon"`` (lower, source): :math:`R(D) \ge \hat h(X) - \tfrac d2\log_2(2\pi e D)`,
      :math:`\hat h` the Kozachenko-Leonenko k-NN estimate (interval: its batch-means
      interval; the estimator's bias is not included -- see :func:`sample_size_curve`);
    * ``"dual"`` (lower, empirical): :math:`R_{\mu_n}(D) \ge \max_\beta [\mathcal L(\nu_\beta)
      - \beta D - \log\sup_y c_\beta(y)]` with the particle solutions; not certified (the sup
      over :math:`y \in \mathbb R^d` is numerical).

    Upper bounds from achievable points are extended by time sharing (lower convex envelope).
    "source" intervals are batch means over ``n_batches`` disjoint random batches.

    Parameters
    ----------
    x : array_like, shape (n, d)
        Data, one row per vector.
    distortions : array_like, optional
        MSE per scalar at which the table is evaluated; default 8 values from 0.05 to 0.8 times
        the mean variance.
    bounds : sequence of str, keyword-only
        Which bounds to compute (keys of :data:`BOUNDS`; ``"dual"`` needs ``"particles"``).
    n_particles, n_steps, batch_size : keyword-only
        Particle count, descent steps per slope (full batch when ``batch_size`` is None or
        >= the rows used) and minibatch size.
    max_particle_rows : int or None, keyword-only
        The particle bounds use a random subsample of this many rows (their target is then the
        empirical measure of that subsample; ``n_rows`` says so).
    n_bins, n_slopes : int, keyword-only
        Bins per component and common slopes for ``"separable"`` (each Blahut-Arimoto point is
        solved to a certified gap of 1e-4 bit; its rate is achievable whatever the gap).
    k, entropy_bias, max_queries : keyword-only
        k-NN order, ``bias_correction`` and query cap of :func:`knn_entropy`.
    n_batches : int, keyword-only
        Batches for the "source" intervals (>= 2; 0 skips the Gaussian and separable intervals).
    confidence : float, keyword-only
    rng : keyword-only
        SPEC 7 randomness (batches, subsamples, particle initialization).
    blas_threads : int or None, keyword-only
        BLAS threads during the call (threadpoolctl); None leaves the environment's setting.
        Oversubscribed BLAS slows Blahut-Arimoto's Newton systems up to 100x on a busy machine.

    Returns
    -------
    RDSandwich

    References
    ----------
    T. Berger, *Rate Distortion Theory*, 1971 (sec. 4.3, 4.5); T. M. Cover, J. A. Thomas,
    *Elements of Information Theory*, 2nd ed., Thm 10.3.3 and Problem 10.8 (Gaussian is the
    worst case for a given covariance); R. E. Blahut 1972; Y. Yang, S. Eckstein, M. Nutz,
    S. Mandt, NeurIPS 2023; L. F. Kozachenko, N. N. Leonenko 1987.

    Examples
    --------
    >>> import numpy as np
    >>> cov = np.array([[1.0, 0.6], [0.6, 0.5]])
    >>> x = np.random.default_rng(0).multivariate_normal([0, 0], cov, size=2000)
    >>> s = rd_sandwich(x, [0.2], bounds=("gaussian", "shannon"), rng=0)
    >>> df = s.to_frame()
    >>> lo = df.loc[df.bound == "shannon", "low_bits"].item()
    >>> hi = df.loc[df.bound == "gaussian", "high_bits"].item()
    >>> from fsq_theory.rate_distortion import reverse_water_filling
    >>> exact = reverse_water_filling(np.linalg.eigvalsh(cov), D=0.2).total_rate
    >>> bool(lo - 0.05 <= exact <= hi), round(exact, 3)
    (True, 1.111)
    """
    x = check_data(x)
    n, d = x.shape
    names = tuple(bounds)
    for b in names:
        if b not in BOUNDS:
            raise ValueError(f"bounds must name entries of {list(BOUNDS)}, got {b!r}")
    if "dual" in names and "particles" not in names:
        raise ValueError("bounds: 'dual' needs 'particles' (it uses the particle solutions)")
    n_particles = v.check_int("n_particles", n_particles, minimum=1)
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    if batch_size is not None:
        batch_size = v.check_int("batch_size", batch_size, minimum=1)
    if max_particle_rows is not None:
        max_particle_rows = v.check_int("max_particle_rows", max_particle_rows, minimum=16)
    n_bins = v.check_int("n_bins", n_bins, minimum=4)
    n_slopes = v.check_int("n_slopes", n_slopes, minimum=2)
    n_batches = v.check_int("n_batches", n_batches, minimum=0)
    if n_batches == 1:
        raise ValueError("n_batches must be 0 (no intervals) or >= 2, got 1")
    if n_batches and n // n_batches < 16:
        raise ValueError(f"n_batches = {n_batches} leaves fewer than 16 rows per batch (n = {n})")
    conf = check_confidence(confidence)
    if blas_threads is not None:
        blas_threads = v.check_int("blas_threads", blas_threads, minimum=1)
    gen = v.as_generator(rng)
    mean, lam, vec = pca_rotation(x)
    variance = float(lam.sum() / d)
    if not variance > 0:
        raise ValueError("x has zero variance: every rate is 0")
    if distortions is None:
        Ds = _default_distortions(variance)
    else:
        Ds = np.atleast_1d(v.as_real_array("distortions", distortions).astype(np.float64)).ravel()
        if Ds.size == 0 or (Ds <= 0).any():
            raise ValueError(f"distortions must be a non-empty list of values > 0, got "
                             f"{Ds.tolist()}")
    parts = batches(n, n_batches, gen) if n_batches else []
    out = []
    ent = None
    slopes: list = []
    from contextlib import nullcontext

    with (_threads(blas_threads) if blas_threads is not None else nullcontext()):
        if "gaussian" in names:
            out.append(_gaussian_bound(x, parts, conf))
        if "separable" in names:
            z = (x - mean) @ vec
            # common slopes spanning rate 0 of the largest component to below the smallest D
            lo_b = 0.25 / float(lam.max())
            hi_b = 2.0 / float(Ds.min())
            betas = np.geomspace(lo_b, hi_b, n_slopes)
            bc, _ = _separable_bound(z, betas, parts, conf, n_bins, 1e-4)
            out.append(bc)
        if "shannon" in names:
            # repeated rows (atoms) are jittered: that lowers the entropy estimate, the safe side
            ent = knn_entropy(x, k=k, confidence=conf, max_queries=max_queries,
                              bias_correction=entropy_bias, duplicates="jitter", rng=gen)
            h_bits = ent.value
            out.append(BoundCurve("shannon", "lower", "source", False, BOUNDS["shannon"][2],
                                  "slb", (np.float64(h_bits), np.int64(d),
                                          (np.float64(ent.low), np.float64(ent.high))),
                                  conf, n))
        if "particles" in names:
            xp = x
            if max_particle_rows is not None and n > max_particle_rows:
                xp = x[np.sort(gen.choice(n, size=max_particle_rows, replace=False))]
            xp = np.ascontiguousarray(xp - mean)
            # slopes of the Gaussian curve at the requested D: beta = d / (2 D) nats per unit
            # (one extra, steeper slope: the particle curve lies left of the Gaussian one)
            betas = d / (2.0 * np.append(np.sort(Ds)[::-1], 0.5 * Ds.min()))
            slopes = particle_slopes(xp, betas, n_particles=n_particles, n_steps=n_steps,
                                     batch_size=batch_size, lr=1.0, ba_weights=True, gen=gen)
            d_max = float(xp.var(axis=0).sum() / d)
            Dp = np.array([s.distortion for s in slopes])
            Rp = np.array([s.rate for s in slopes])
            hx, hy = lower_hull(Dp, Rp, d_max)
            out.append(BoundCurve("particles", "upper", "empirical", True,
                                  BOUNDS["particles"][2], "hull", (hx, hy, ()), conf,
                                  xp.shape[0]))
            if "dual" in names:
                a = np.array([s.dual_intercept for s in slopes])
                sl = np.array([s.beta for s in slopes]) / np.log(2.0)
                out.append(BoundCurve("dual", "lower", "empirical", False, BOUNDS["dual"][2],
                                      "lines", (a, sl, ()), conf, xp.shape[0]))
    order = {name: i for i, name in enumerate(BOUNDS)}
    out.sort(key=lambda b: order[b.name])
    return RDSandwich(distortions=Ds, bounds=tuple(out), n=n, dim=d, variance=variance,
                      eigenvalues=lam, entropy=ent, particle_slopes=tuple(slopes))


def sample_size_curve(x, distortions=None, *, fractions=(0.125, 0.25, 0.5, 1.0), rng=None,
                      **kwargs):
    r"""How the sandwich moves with the sample size: :func:`rd_sandwich` on nested subsamples.

    The rows are shuffled once and the first :math:`\lceil f n\rceil` used for each fraction
    :math:`f`, so the subsamples are nested. Estimates that still move between n/2 and n (beyond
    their intervals) say the data set is too small for that bound at that D.

    Parameters
    ----------
    x : array_like, shape (n, d)
    distortions : array_like, optional
        As in :func:`rd_sandwich`; default from the full data's variance.
    fractions : sequence of float in (0, 1], keyword-only
    rng : keyword-only
    **kwargs
        Passed to :func:`rd_sandwich` (e.g. ``bounds``).

    Returns
    -------
    pandas.DataFrame
        :meth:`RDSandwich.to_frame` rows with a leading column ``n``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((4000, 2))
    >>> df = sample_size_curve(x, [0.25], bounds=("gaussian",), rng=0)
    >>> df["n"].tolist()
    [500, 1000, 2000, 4000]
    """
    import pandas as pd

    x = check_data(x)
    fr = np.atleast_1d(v.as_real_array("fractions", fractions).astype(np.float64)).ravel()
    if fr.size == 0 or (fr <= 0).any() or (fr > 1).any():
        raise ValueError(f"fractions must lie in (0, 1], got {fr.tolist()}")
    gen = v.as_generator(rng)
    if distortions is None:
        distortions = _default_distortions(float(np.var(x, axis=0).mean()))
    perm = gen.permutation(x.shape[0])
    frames = []
    for f in np.sort(fr):
        m = int(np.ceil(f * x.shape[0]))
        s = rd_sandwich(x[perm[:m]], distortions, rng=gen, **kwargs)
        df = s.to_frame()
        df.insert(0, "n", m)
        frames.append(df)
    return pd.DataFrame(pd.concat(frames, ignore_index=True))
