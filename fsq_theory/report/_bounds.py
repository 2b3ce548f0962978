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


DEFAULT_BOUNDS = ("gaussian", "shannon")
DEDUP_MAX = 0.01  # repeated rows dropped before the k-NN entropy when they are this rare


def _dedup_note(dropped, n):
    return (f"k-NN entropy on the distinct rows: {dropped} repeated row(s) of {n:,} dropped. "
            "Repeated rows are atoms, which have no density; this bounds the continuous part, "
            "which carries all but a negligible share of the mass")
SANDWICH_ROWS = 50_000      # rows handed to fsq_theory.empirical.rd_sandwich
SANDWICH_QUERIES = 20_000   # k-NN queries of its entropy estimate
MEANINGS = {
    "gaussian": "R(D) of the Gaussian with the latents' covariance (reverse water-filling on the "
                "covariance eigenvalues): an upper bound on R(D) for any source with that covariance",
    "shannon": "Shannon lower bound h(X) - (d/2) log2(2 pi e D) with h(X) from a k-nearest-neighbour "
               "(Kozachenko-Leonenko) estimate",
}


def _entropy_block(cov, method, bits=None, stderr=None, rows=None, reason=None, low=None,
                   high=None):
    h_gauss = gaussian_entropy_bits(cov)
    ent = {"method": method, "bits": bits, "stderr_bits": stderr, "rows": rows,
           "gaussian_bits": h_gauss}
    if low is not None:
        ent["low_bits"], ent["high_bits"] = low, high
    if bits is None:
        ent["bits_reason"] = reason or "not computed"
        ent["stderr_bits_reason"] = ent["rows_reason"] = ent["bits_reason"]
    if h_gauss is None:
        ent["gaussian_bits_reason"] = "singular covariance (a constant or collinear dimension)"
    return ent


def _internal(sample, cov, distortions, rng, bounds):
    d = cov.shape[0]
    eig = np.clip(np.linalg.eigvalsh(cov), 0.0, None)
    est, reason = knn_entropy_bits(sample, rng=rng)
    dropped = 0
    if est is None and "duplicates" in reason:
        su = np.unique(sample, axis=0)
        dropped = sample.shape[0] - su.shape[0]
        if dropped <= DEDUP_MAX * sample.shape[0]:
            est, reason = knn_entropy_bits(su, rng=rng)
    h = None
    if est is None:
        entropy = _entropy_block(cov, f"Kozachenko-Leonenko, k = {KNN_K}", reason=reason)
    else:
        h, se, rows = est
        entropy = _entropy_block(cov, f"Kozachenko-Leonenko, k = {KNN_K}", h, se, rows)
        if entropy["gaussian_bits"] is not None and h > entropy["gaussian_bits"]:
            entropy["capped_at_gaussian"] = True
            h = entropy["gaussian_bits"]
    points = []
    for D in distortions:
        up, lo = [], []
        if "gaussian" in bounds:
            up.append({"label": "gaussian", "target": "source", "certified": True,
                       "bits": gaussian_upper_bits(eig, D)})
        if "shannon" in bounds:
            if h is None:
                lo.append({"label": "shannon", "target": "source", "certified": False,
                           "bits": None, "bits_reason": entropy["bits_reason"]})
            else:
                lo.append({"label": "shannon", "target": "source", "certified": False,
                       "bits": slb_bits(h, d, D),
                       **({"note": _dedup_note(dropped, sample.shape[0])} if dropped else {})})
        points.append({"distortion": float(D), "upper": up, "lower": lo})
    out = {"provider": "fsq_theory.report._bounds (Gaussian upper bound, k-NN Shannon lower "
                       "bound)", "entropy": entropy, "points": points,
           "meanings": {k: MEANINGS[k] for k in bounds if k in MEANINGS}}
    missing = [b for b in bounds if b not in MEANINGS]
    if missing:
        out["note"] = f"bounds {missing} need fsq_theory.empirical, which is not available"
    return out


def _from_empirical(emp, sample, cov, distortions, rng, bounds):
    gen = np.random.default_rng(rng)
    x = sample
    if x.shape[0] > SANDWICH_ROWS:
        x = x[np.sort(gen.choice(x.shape[0], SANDWICH_ROWS, replace=False))]
    Ds = np.asarray(distortions, dtype=float)
    curves, failed, entropy = [], {}, None
    dedup = {}
    for name in bounds:
        # one call per bound: a bound that cannot be computed (e.g. the k-NN entropy of
        # repeated rows) must not take the others down
        seed = int(gen.integers(2**63))
        try:
            s = emp.rd_sandwich(x, Ds, bounds=(name,), rng=seed, max_queries=SANDWICH_QUERIES)
        except ValueError as exc:
            xu = np.unique(x, axis=0) if "duplicate" in str(exc) else x
            if name != "shannon" or x.shape[0] - xu.shape[0] > DEDUP_MAX * x.shape[0]:
                failed[name] = str(exc)
                continue
            try:
                s = emp.rd_sandwich(xu, Ds, bounds=(name,), rng=seed,
                                    max_queries=SANDWICH_QUERIES)
            except ValueError as exc2:
                failed[name] = str(exc2)
                continue
            dedup[name] = x.shape[0] - xu.shape[0]
        curves.extend(s.bounds)
        if s.entropy is not None:
            e = s.entropy
            entropy = _entropy_block(cov, f"Kozachenko-Leonenko, k = {e.k} "
                                          "(fsq_theory.empirical.knn_entropy)",
                                     float(e.value), float(e.stderr), int(e.n_queries),
                                     low=float(e.low), high=float(e.high))
    if entropy is None:
        entropy = _entropy_block(cov, "Kozachenko-Leonenko (fsq_theory.empirical.knn_entropy)",
                                 reason=failed.get("shannon", "not requested"))
    evals = [(c, *c.at(Ds)) for c in curves]
    points = []
    for i, D in enumerate(distortions):
        p = {"distortion": float(D), "upper": [], "lower": []}
        for c, val, lo, hi in evals:
            b = {"label": c.name, "target": c.target, "certified": bool(c.certified),
                 "bits": float(val[i]), "low_bits": float(lo[i]), "high_bits": float(hi[i]),
                 "rows": int(c.n_rows)}
            if c.name in dedup:
                b["note"] = _dedup_note(dedup[c.name], x.shape[0])
            if not np.isfinite(b["bits"]):
                b["bits"] = None
                b["bits_reason"] = "no achievable point at or below this distortion"
            for key in ("low_bits", "high_bits"):
                if not np.isfinite(b[key]):
                    b[key] = None
                    b[f"{key}_reason"] = "no interval for this bound"
            p[c.kind].append(b)
        for name, reason in failed.items():
            kind = emp.BOUNDS[name][0]
            p[kind].append({"label": name, "target": emp.BOUNDS[name][1], "bits": None,
                            "bits_reason": reason})
        points.append(p)
    out = {"provider": f"fsq_theory.empirical.rd_sandwich on {x.shape[0]:,} sampled rows",
           "entropy": entropy, "points": points,
           "meanings": {k: emp.BOUNDS[k][2] for k in bounds}}
    return out


def _empirical_module():
    """(module or None, note): fsq_theory.empirical when it is importable."""
    try:
        from .. import empirical
    except ModuleNotFoundError as exc:
        if exc.name in ("fsq_theory.empirical", f"{__package__.rsplit('.', 1)[0]}.empirical"):
            return None, None
        return None, f"fsq_theory.empirical could not be imported ({exc}); internal bounds used"
    except ImportError as exc:
        return None, f"fsq_theory.empirical could not be imported ({exc}); internal bounds used"
    if not hasattr(empirical, "rd_sandwich"):
        return None, "fsq_theory.empirical has no rd_sandwich; internal bounds used"
    return empirical, None


def sandwich(sample: np.ndarray, cov: np.ndarray, distortions, *, rng=None,
             bounds=DEFAULT_BOUNDS) -> dict:
    """Upper and lower bounds on R(D) (bits per vector) at each MSE-per-scalar distortion.

    Returns a JSON-ready dict: ``provider``, ``entropy`` (the differential-entropy estimate
    behind the Shannon bound), ``meanings`` (one line per bound) and ``points``: for each
    distortion, labelled ``upper`` and ``lower`` bounds with their ``target`` ("source": the
    distribution the rows come from; "empirical": the rows themselves). A lower bound above the
    smallest upper bound of the same target is lowered to it and marked ``capped``.
    """
    distortions = [float(D) for D in distortions]
    bounds = tuple(bounds)
    emp, note = _empirical_module()
    out = None
    if emp is not None:
        try:
            out = _from_empirical(emp, sample, cov, distortions, rng, bounds)
        except Exception as exc:  # an interface change must not sink the report
            note = (f"fsq_theory.empirical.rd_sandwich failed ({type(exc).__name__}: {exc}); "
                    "internal bounds used")
    if out is None:
        out = _internal(sample, cov, distortions, rng, bounds)
    if note:
        out["note"] = (out.get("note", "") + " " + note).strip()
    for p in out["points"]:
        for lo in p["lower"]:
            ups = [u["bits"] for u in p["upper"]
                   if u["bits"] is not None and u.get("target") == lo.get("target")]
            if lo["bits"] is not None and ups and lo["bits"] > min(ups):
                lo["bits"] = min(ups)
                lo["capped"] = True
                lo["capped_reason"] = ("the estimate exceeded a valid upper bound of the same "
                                       "target (estimator noise); shown at that upper bound")
    return out
