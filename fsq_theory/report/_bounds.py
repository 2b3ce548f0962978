r"""Bounds on the rate-distortion function of the latents, in bits per vector at MSE distortions.

``sandwich`` prefers :func:`fsq_theory.empirical.rd_sandwich` when that subpackage exists and
otherwise computes, from what the package has:

* upper bound: the Gaussian with the same covariance (Berger 1971, Thm 4.6.5: it has the largest
  :math:`R(D)` of all sources with that covariance), by reverse water-filling on the covariance
  eigenvalues (:func:`~fsq_theory.rate_distortion.reverse_water_filling`);
* lower bound: the Shannon lower bound :math:`h(X) - \tfrac d2\log_2(2\pi e D)` with
  :math:`h(X)` from the Kozachenko-Leonenko :math:`k`-nearest-neighbour estimate on a sample,
  :math:`\hat h = \psi(N) - \psi(k) + \log V_d + \frac dN\sum_i \log\varepsilon_i`
  (:math:`\varepsilon_i` the distance to the :math:`k`-th neighbour, :math:`V_d` the unit-ball
  volume), capped by the Gaussian entropy :math:`\tfrac12\log_2((2\pi e)^d\det\Sigma)` which
  bounds every :math:`h(X)` with covariance :math:`\Sigma`.

Every lower bound is finally capped by the smallest upper bound at the same distortion (each is
a valid bound, so the cap only removes estimator noise); a capped value says so.

References
----------
T. Berger, *Rate Distortion Theory*, Prentice-Hall 1971. L. F. Kozachenko, N. N. Leonenko,
"Sample estimate of the entropy of a random vector", Probl. Inf. Transm. 23 (1987).
A. Kraskov, H. Stögbauer, P. Grassberger, "Estimating mutual information", PRE 69 (2004).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special
from scipy.spatial import cKDTree

from ..rate_distortion import reverse_water_filling, shannon_lower_bound

KNN_K = 4
KNN_ROWS = 20_000


def gaussian_entropy_bits(cov: np.ndarray) -> float | None:
    """:math:`\\tfrac12\\log_2((2\\pi e)^d \\det\\Sigma)`, None for a singular covariance."""
    d = cov.shape[0]
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0 or not np.isfinite(logdet):
        return None
    return float(0.5 * (d * math.log(2 * math.pi * math.e) + logdet) / math.log(2))


def knn_entropy_bits(x: np.ndarray, *, k: int = KNN_K, rng=None):
    """(estimate, approximate standard error, rows used) in bits per vector, or (None, reason)."""
    gen = np.random.default_rng(rng)
    if x.shape[0] > KNN_ROWS:
        x = x[np.sort(gen.choice(x.shape[0], KNN_ROWS, replace=False))]
    n, d = x.shape
    if n <= k + 1:
        return None, f"only {n} rows: too few for a {k}-nearest-neighbour entropy estimate"
    dist, _ = cKDTree(x).query(x, k=k + 1)
    eps = dist[:, k]
    if (eps <= 0).any():
        frac = float(np.mean(eps <= 0))
        return None, (f"{frac:.1%} of the rows have {k} exact duplicates: the latents are (partly) "
                      "discrete, their differential entropy is not finite and the Shannon lower "
                      "bound does not apply")
    log_vd = (d / 2) * math.log(math.pi) - special.gammaln(d / 2 + 1)
    terms = d * np.log(eps)
    h = special.digamma(n) - special.digamma(k) + log_vd + terms.mean()
    se = terms.std(ddof=1) / math.sqrt(n)
    return (float(h / math.log(2)), float(se / math.log(2)), n), None


def gaussian_upper_bits(eigvals: np.ndarray, D: float) -> float:
    """:math:`R(D)` of the Gaussian with covariance eigenvalues ``eigvals`` (bits per vector)."""
    d = eigvals.size
    active = eigvals[eigvals > 1e-12 * max(float(eigvals.max()), 1e-300)]
    if active.size == 0 or D >= eigvals.sum() / d:
        return 0.0
    # zero-variance components cost nothing and take no distortion: the rest share d * D
    return float(reverse_water_filling(active, D=D * d / active.size).total_rate)


def slb_bits(h_bits: float, d: int, D: float) -> float:
    """Shannon lower bound :math:`\\max(0, h - \\tfrac d2\\log_2(2\\pi e D))` per vector."""
    return max(0.0, d * float(shannon_lower_bound(h_bits / d, D)))


def _internal(sample, cov, distortions, rng):
    d = cov.shape[0]
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    h_gauss = gaussian_entropy_bits(cov)
    est, reason = knn_entropy_bits(sample, rng=rng)
    entropy = {"method": f"Kozachenko-Leonenko, k = {KNN_K}", "bits": None, "stderr_bits": None,
               "rows": None, "gaussian_bits": h_gauss}
    h = None
    if est is None:
        entropy["bits_reason"] = reason
    else:
        h, se, rows = est
        entropy.update(bits=h, stderr_bits=se, rows=rows)
        if h_gauss is not None and h > h_gauss:
            entropy["capped_at_gaussian"] = True
            h = h_gauss
    if h_gauss is None:
        entropy["gaussian_bits_reason"] = "singular covariance (a constant or collinear dimension)"
    points = []
    for D in distortions:
        up = [{"label": "gaussian_same_covariance", "bits": gaussian_upper_bits(eig, D)}]
        if h is None:
            lo = [{"label": "shannon_lower_bound_knn", "bits": None, "bits_reason":
                   entropy.get("bits_reason", "no entropy estimate")}]
        else:
            lo = [{"label": "shannon_lower_bound_knn", "bits": slb_bits(h, d, D)}]
        points.append({"distortion": float(D), "upper": up, "lower": lo})
    return {"provider": "fsq_theory.report._bounds (Gaussian upper bound, k-NN Shannon lower "
                        "bound)", "entropy": entropy, "points": points}


def _from_empirical(rd_sandwich, sample, distortions, rng):
    res = rd_sandwich(sample, np.asarray(distortions, dtype=float), rng=rng)
    upper = getattr(res, "upper")
    lower = getattr(res, "lower")
    points = []
    for i, D in enumerate(distortions):
        up = [{"label": str(k), "bits": float(np.atleast_1d(v)[i])} for k, v in dict(upper).items()]
        lo = [{"label": str(k), "bits": float(np.atleast_1d(v)[i])} for k, v in dict(lower).items()]
        points.append({"distortion": float(D), "upper": up, "lower": lo})
    return {"provider": "fsq_theory.empirical.rd_sandwich", "entropy": None, "points": points}


def sandwich(sample: np.ndarray, cov: np.ndarray, distortions, *, rng=None) -> dict:
    """Upper and lower bounds on R(D) (bits per vector) at each MSE-per-scalar distortion.

    Returns a JSON-ready dict: ``provider``, ``entropy`` (the differential-entropy estimate
    behind the lower bound) and ``points``: for each distortion, labelled ``upper`` and
    ``lower`` bounds; ``lower_capped`` marks a lower bound lowered to the smallest upper bound.
    """
    distortions = [float(D) for D in distortions]
    out = None
    try:
        from ..empirical import rd_sandwich  # noqa: F401  (another branch provides it)
    except ImportError:
        rd_sandwich = None
    if rd_sandwich is not None:
        try:
            out = _from_empirical(rd_sandwich, sample, distortions, rng)
        except Exception as exc:  # an interface mismatch must not sink the report
            note = f"fsq_theory.empirical.rd_sandwich failed ({type(exc).__name__}: {exc})"
            out = None
    if out is None:
        out = _internal(sample, cov, distortions, rng)
        if rd_sandwich is not None:
            out["note"] = note
    for p in out["points"]:
        ups = [u["bits"] for u in p["upper"] if u["bits"] is not None]
        cap = min(ups) if ups else math.inf
        for lo in p["lower"]:
            if lo["bits"] is not None and lo["bits"] > cap:
                lo["bits"] = cap
                lo["capped"] = True
    return out
