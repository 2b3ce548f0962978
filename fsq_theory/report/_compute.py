"""Everything the report states, computed in a few streaming passes plus searches on a sample.

Passes over all rows: moments and covariance; histograms, tails and saturation; the tokenizer
through ``stream_stats`` (the fused numba kernel); each suggested design through
``stream_stats`` again. Searches (gain, level list, PCA) and the estimates that need rows at once
(k-NN entropy, k-means) run on a random-block sample of at most ``sample_size`` rows.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as sstats

from .. import _validation as v
from ..geometry import entropy, entropy_estimate
from ..quantizer import FSQ
from ..stats import stream_stats
from . import _bounds, _search
from ._stream import CHUNK_ROWS, SAT_Z, Rows, moments_pass, shape_pass

SCHEMA = "fsq_theory.report/1"
SMALL_N_FACTOR = 10        # fewer than 10 rows per code: the histogram cannot resolve the pmf
SATURATION_WARN = 0.02     # share of a dimension beyond |tanh| = 0.99
CONSTANT_REL_SD = 1e-3     # sd below 1e-3 x the largest sd
CONSTANT_TOKEN_BITS = 0.05
KMEANS_MAX_CODES = 4096
KMEANS_ROWS_PER_CODE = 20
BOOTSTRAP_MAX_CODES = 1 << 16

# name -> (unit, one-line meaning); the JSON, the page and the CLI use these names
GLOSSARY = {
    "n": ("rows", "number of latent vectors analysed"),
    "d": ("dimensions", "latent dimensions, one FSQ level count each"),
    "rate_bits": ("bits/vector", "fixed rate log2 |C| of the codebook: what an index costs without entropy coding"),
    "entropy_bits": ("bits/vector", "plug-in entropy H(Z) of the token histogram: what an ideal entropy coder would spend"),
    "entropy_ci95_bits": ("bits/vector", "95% interval for the entropy of the token distribution (bias-corrected; see the method)"),
    "entropy_miller_madow_bits": ("bits/vector", "entropy with the Miller-Madow bias correction (K-1)/(2n ln 2)"),
    "entropy_grassberger_bits": ("bits/vector", "Grassberger's (2003) bias-corrected entropy estimate"),
    "entropy_cap_bits": ("bits/vector", "log2 n: no plug-in entropy of n tokens can exceed it"),
    "perplexity": ("codes", "2^H: the number of equally used codes with the same entropy"),
    "usage": ("fraction", "share of the codebook seen at least once"),
    "dead_codes": ("codes", "codes never emitted on these rows"),
    "top_code_share": ("fraction", "share of all tokens taken by the most frequent code (uniform use: 1/|C|)"),
    "mse_latent_grid": ("latent units² per scalar", "E(x - x̂)² with x̂ the code grid mapped back through the bound (the tokenizer's own reconstruction, latent domain)"),
    "mse_latent_centroid": ("latent units² per scalar", "E(x - E[x | cell])²: the best any decoder of these cells can do (latent domain, cell-mean decoder)"),
    "mse_code_grid": ("code units² per scalar", "E(b(z) - c)² between the bounded value b = FSQ.bound(z) and its code c (code domain, grid decoder): the rounding error the model's decoder sees"),
    "w2_latent_grid": ("latent units per vector", "W2 between the latents and their grid reconstruction = sqrt(d · mse_latent_grid) (monotone map: the coupling is optimal)"),
    "w2_latent_centroid": ("latent units per vector", "W2 between the latents and the cell-mean reconstruction = sqrt(d · mse_latent_centroid)"),
    "w2_code_grid": ("code units per vector", "W2 between the bounded latents and the codes = sqrt(d · mse_code_grid)"),
    "bits_above": ("bits/vector", "tokenizer rate minus the bound: how many bits the tokenizer spends beyond it"),
    "mse_saving_percent": ("%", "reduction of mse_latent_centroid against the current tokenizer"),
    "equivalent_bits_saved": ("bits/vector", "(d/2) log2(MSE ratio): the rate the MSE gain is worth at about 6 dB per bit per dimension"),
    "negentropy_bits": ("bits/vector", "h(Gaussian with the same covariance) - h(X) = KL divergence to that Gaussian; 0 for Gaussian latents"),
    "skewness": ("1", "third standardized moment; 0 for a Gaussian"),
    "excess_kurtosis": ("1", "fourth standardized moment - 3; 0 for a Gaussian, > 0 heavy tails"),
    "tail_3sd": ("fraction", "share of values beyond 3 sd of the mean (Gaussian: 0.27%)"),
    "saturated": ("fraction", f"share of values with |tanh(scale·x)| > 0.99 (|scale·x| > {SAT_Z:.2f}): the bound's gradient is below 0.02 there"),
}


def _f(x):
    """A float, or None for NaN/inf (the caller adds a reason)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _normality_label(skew, kurt):
    if not (math.isfinite(skew) and math.isfinite(kurt)):
        return "constant"
    if abs(skew) < 0.25 and abs(kurt) < 0.5:
        return "Gaussian-like"
    if kurt > 1:
        return "heavy-tailed"
    if kurt < -0.5:
        return "light-tailed (bounded)"
    if abs(skew) >= 0.5:
        return "skewed"
    return "mildly non-Gaussian"


class _Bar:
    """Progress over rows of all passes; None: a bar on a terminal only, True: always, False: none."""

    def __init__(self, progress, total):
        from tqdm.auto import tqdm

        self._bar = tqdm(total=total, unit="row", unit_scale=True, desc="report",
                         disable=None if progress is None else not progress)

    def stage(self, name):
        self._bar.set_description(f"report: {name}")

    def update(self, m):
        self._bar.update(m)

    def close(self):
        self._bar.close()


def _stream(fsq, src, n, scale, bar, name):
    bar.stage(name)
    st = stream_stats(fsq, src, n, scale=scale, decoder="grid", progress=False,
                      chunk_size=CHUNK_ROWS)
    bar.update(n)
    return st


def _tokens(st, fsq, n, gen, warnings):
    rate = fsq.rate_bits
    out = {"rate_bits": rate, "codebook_size": fsq.codebook_size}
    cap = math.log2(n)
    out["entropy_cap_bits"] = cap
    if st.counts is not None:
        counts = st.counts
        used = np.flatnonzero(counts)
        c = counts[used]
        out["entropy_bits"] = st.entropy_bits
        if used.size > 1:
            seed = int(gen.integers(2**63))
            if used.size <= BOOTSTRAP_MAX_CODES:
                est = entropy_estimate(c, method="bootstrap", n_bootstrap=200, rng=seed)
                h = st.entropy_bits
                # basic bootstrap: resamples are biased below H-hat as H-hat is below H, so
                # reflecting the percentiles about H-hat corrects the plug-in's bias
                out["entropy_ci95_bits"] = [2 * h - est.high, 2 * h - est.low]
                out["entropy_ci_method"] = "basic bootstrap of the plug-in estimate, 200 resamples"
            else:
                est = entropy_estimate(c, estimator="miller_madow", method="analytic")
                out["entropy_ci95_bits"] = [est.low, est.high]
                out["entropy_ci_method"] = "Miller-Madow estimate ± 1.96 analytic standard errors"
        else:
            out["entropy_ci95_bits"] = [st.entropy_bits, st.entropy_bits]
            out["entropy_ci_method"] = "one code used: no sampling variability"
        out["entropy_miller_madow_bits"] = entropy(c, estimator="miller_madow")
        out["entropy_grassberger_bits"] = entropy(c, estimator="grassberger")
        out["perplexity"] = st.perplexity
        out["usage"] = st.usage
        out["codes_used"] = int(used.size)
        out["dead_codes"] = int(fsq.codebook_size - used.size)
        top = np.sort(c)[::-1]
        out["top_code_share"] = float(top[0] / n)
    else:
        reason = (f"codebook of {fsq.codebook_size} codes is above the joint-histogram limit; "
                  "only per-dimension histograms were kept")
        for k in ("entropy_bits", "entropy_ci95_bits", "entropy_miller_madow_bits",
                  "entropy_grassberger_bits", "perplexity", "usage", "codes_used", "dead_codes",
                  "top_code_share"):
            out[k] = None
            out[f"{k}_reason"] = reason
        out["entropy_upper_bits"] = float(st.marginal_entropy_bits.sum())
    marg = []
    for k, (L, mc) in enumerate(zip(fsq.levels, st.marginal_counts)):
        marg.append({"dim": k, "levels": int(L), "entropy_bits": float(st.marginal_entropy_bits[k]),
                     "max_bits": math.log2(L), "level_share": (mc / n).tolist(),
                     "dead_levels": np.flatnonzero(mc == 0).tolist()})
    out["per_dimension"] = marg
    C = fsq.codebook_size
    if n < SMALL_N_FACTOR * C:
        h = out.get("entropy_bits")
        htxt = f"; the plug-in entropy {h:.2f} bits is close to that cap" if (
            h is not None and h > cap - 1) else ""
        warnings.append({"code": "small_n", "message": (
            f"n = {n:,} rows is small for a codebook of {C:,} codes (fewer than "
            f"{SMALL_N_FACTOR} rows per code): the plug-in entropy cannot exceed log2 n = "
            f"{cap:.2f} bits{htxt}, and usage, perplexity and dead codes describe the sample, "
            "not the tokenizer. Use more rows or read the bias-corrected estimates.")})
    dead = [(m["dim"], m["dead_levels"]) for m in marg if m["dead_levels"]]
    if dead and n >= SMALL_N_FACTOR * max(fsq.levels):
        txt = "; ".join(f"dim {k}: levels {lv}" for k, lv in dead[:6])
        warnings.append({"code": "dead_levels", "message": (
            f"some levels are never used ({txt}): those dimensions spend bits on codes that never "
            "occur; lower their level count or raise their gain.")})
    return out


def _distortion(st, fsq, d, symmetric):
    out = {}
    grid = st.mse_source
    out["mse_latent_grid"] = _f(grid)
    if out["mse_latent_grid"] is None:
        out["mse_latent_grid_reason"] = (
            "symmetric FSQ's outer codes ±1 are reached by tanh only at ±infinity, so the grid "
            "mapped back to the latent domain has infinite outer points" if symmetric else
            "not finite")
    out["mse_latent_centroid"] = _f(st.mse_centroid)
    out["mse_code_grid"] = _f(st.mse_code)
    for name, val in (("w2_latent_grid", grid), ("w2_latent_centroid", st.mse_centroid),
                      ("w2_code_grid", st.mse_code)):
        out[name] = _f(math.sqrt(d * val)) if math.isfinite(val) else None
        if out[name] is None:
            out[f"{name}_reason"] = out.get("mse_latent_grid_reason", "not finite")
    per = []
    for k in range(d):
        row = {"dim": k, "mse_latent_grid": _f(st.mse_source_per_dim[k]),
               "mse_latent_centroid": _f(st.mse_centroid_per_dim[k]),
               "mse_code_grid": _f(st.mse_code_per_dim[k])}
        if row["mse_latent_grid"] is None:
            row["mse_latent_grid_reason"] = "outer grid point is infinite (symmetric mode)"
        per.append(row)
    out["per_dimension"] = per
    return out


def _data(rows, mom, shape, scale, warnings):
    n, d = rows.n, rows.d
    sd = np.sqrt(mom.var)
    skew, kurt = mom.skewness, mom.excess_kurtosis
    per = []
    for k in range(d):
        s, ku = float(skew[k]), float(kurt[k])
        jb = n / 6 * (s * s + ku * ku / 4) if math.isfinite(s) and math.isfinite(ku) else math.nan
        row = {"dim": k, "mean": float(mom.mean[k]), "sd": float(sd[k]), "skewness": _f(s),
               "excess_kurtosis": _f(ku), "min": float(mom.min[k]), "max": float(mom.max[k]),
               "tail_3sd": float(shape.tail3[k]), "tail_4sd": float(shape.tail4[k]),
               "saturated": float(shape.saturated[k]), "scale": float(scale[k]),
               "jarque_bera": _f(jb),
               "jarque_bera_p": _f(sstats.chi2.sf(jb, 2)) if math.isfinite(jb) else None,
               "normality": _normality_label(s, ku)}
        for key in ("skewness", "excess_kurtosis", "jarque_bera", "jarque_bera_p"):
            if row[key] is None:
                row[f"{key}_reason"] = "constant dimension (zero variance)"
        per.append(row)
    corr = mom.corr
    off = np.abs(corr - np.eye(d)) if d > 1 else np.zeros((1, 1))
    i, j = np.unravel_index(int(np.argmax(off)), off.shape)
    eig = np.sort(np.clip(np.linalg.eigvalsh(mom.cov), 0, None))[::-1]
    labels = [r["normality"] for r in per]
    gl = labels.count("Gaussian-like")
    verdict = (f"{gl} of {d} dimensions look Gaussian (|skewness| < 0.25 and |excess kurtosis| "
               "< 0.5)")
    others = sorted({lb for lb in labels if lb != "Gaussian-like"})
    if others:
        verdict += "; the others are " + ", ".join(
            f"{lb} ({labels.count(lb)})" for lb in others)
    out = {"n": n, "d": d, "total_variance": float(mom.var.sum()), "per_dimension": per,
           "correlation": corr.tolist(),
           "max_abs_correlation": {"value": float(off[i, j]) if d > 1 else 0.0,
                                   "dims": [int(i), int(j)]},
           "covariance_eigenvalues": eig.tolist(),
           "normality": {"verdict": verdict, "gaussian_like_dimensions": gl}}
    sat = [(k, float(shape.saturated[k])) for k in range(d) if shape.saturated[k] > SATURATION_WARN]
    if sat:
        txt = ", ".join(f"dim {k}: {f:.1%}" for k, f in sat[:8])
        warnings.append({"code": "saturation", "message": (
            f"latents saturate the tanh ({txt} of values have |tanh(scale·x)| > 0.99): the "
            "straight-through gradient vanishes there and the outer codes absorb the tails; "
            "lower the gain (see the suggested gains below).")})
    big = float(sd.max()) if d else 0.0
    const = [k for k in range(d) if sd[k] <= CONSTANT_REL_SD * big or sd[k] == 0]
    if const:
        warnings.append({"code": "constant_dimension", "message": (
            f"dimension(s) {const} are nearly constant (sd ≤ {CONSTANT_REL_SD:g} × the largest "
            "sd): they carry no information and their levels are wasted; drop them and spend "
            "their bits on the other dimensions.")})
    return out, const


def _kmeans(sample, K, gen, d):
    try:
        from sklearn.cluster import MiniBatchKMeans
    except ImportError:
        return {"skipped": True, "reason": "scikit-learn is not installed"}
    if K > KMEANS_MAX_CODES:
        return {"skipped": True, "reason": f"codebook of {K} codes is above the k-means limit "
                                           f"of {KMEANS_MAX_CODES} (fitting would take too long)"}
    m = sample.shape[0]
    n_test = m // 4
    n_train = m - n_test
    if n_train < KMEANS_ROWS_PER_CODE * K:
        return {"skipped": True, "reason": (
            f"only {n_train} training rows for {K} centres (need {KMEANS_ROWS_PER_CODE} per "
            "centre for a meaningful fit)")}
    perm = gen.permutation(m)
    train = sample[perm[:min(n_train, 50 * K)]]
    test = sample[perm[n_train:]]
    km = MiniBatchKMeans(n_clusters=K, n_init=1, batch_size=max(2048, 2 * K), max_iter=20,
                         random_state=int(gen.integers(2**31)), compute_labels=False)
    km.fit(train)
    lab = km.predict(test)
    err = ((test - km.cluster_centers_[lab]) ** 2).sum(axis=1) / d
    counts = np.bincount(lab, minlength=K)
    return {"skipped": False, "codebook_size": K, "train_rows": int(train.shape[0]),
            "test_rows": int(test.shape[0]),
            "mse_latent_centroid": float(err.mean()),
            "mse_latent_centroid_stderr": float(err.std(ddof=1) / math.sqrt(err.size)),
            "entropy_bits": entropy(counts[counts > 0]),
            "evaluated_on": "held-out quarter of the sample (rows not used for fitting)"}


def compute(latents, levels, *, symmetric=False, eps=1e-3, scale=None, fit_scale=False,
            sample_size=1 << 18, kmeans=True, bounds=_bounds.DEFAULT_BOUNDS, progress=None,
            rng=None, key=None):
    """The report document (a JSON-ready dict) and the arrays its figures need."""
    gen = v.as_generator(rng)
    rows = Rows(latents, key=key)
    fsq = FSQ(levels, eps=eps, symmetric=symmetric)
    n, d = rows.n, rows.d
    if fsq.dim != d:
        raise ValueError(f"levels has {fsq.dim} entries but the latents have {d} dimensions")
    if fit_scale and scale is not None:
        raise ValueError("give either scale or fit_scale=True, not both")
    sample_size = v.check_int("sample_size", sample_size, minimum=1000)
    warnings = []
    seeds = gen.integers(2**63, size=4)
    sample, _ = rows.sample(sample_size, np.random.default_rng(seeds[0]))
    cols = [_search.Column(sample[:, k]) for k in range(d)]
    if fit_scale:
        scale_v = np.full(d, _search.best_common_gain(cols, fsq.levels, eps=eps,
                                                      symmetric=symmetric))
        scale_src = "fitted (one gain minimizing mse_latent_centroid on the sample)"
    elif scale is None:
        scale_v, scale_src = np.ones(d), "default (1: the latents are the encoder outputs z)"
    else:
        scale_v, scale_src = v.per_dim("scale", scale, d, positive=True), "given"
    n_alt = 4
    bar = _Bar(progress, n * (3 + n_alt))
    try:
        bar.stage("moments")
        mom = moments_pass(rows, bar.update)
        bar.stage("histograms")
        shape = shape_pass(rows, mom, scale_v, on_chunk=bar.update)
        src = rows.source()
        st = _stream(fsq, src, n, scale_v, bar, "tokens")
        data, const_dims = _data(rows, mom, shape, scale_v, warnings)
        tokens = _tokens(st, fsq, n, gen, warnings)
        if const_dims == [] and any(m["entropy_bits"] < CONSTANT_TOKEN_BITS
                                    for m in tokens["per_dimension"]):
            low = [m["dim"] for m in tokens["per_dimension"]
                   if m["entropy_bits"] < CONSTANT_TOKEN_BITS]
            warnings.append({"code": "constant_dimension", "message": (
                f"dimension(s) {low} put almost every value in one cell (token entropy < "
                f"{CONSTANT_TOKEN_BITS} bits): at this gain they carry no information; raise "
                "their gain or give their levels to other dimensions.")})
        dist = _distortion(st, fsq, d, symmetric)
        if symmetric and dist["mse_latent_grid"] is None:
            warnings.append({"code": "grid_decoder_infinite", "message": (
                "with symmetric=True the grid decoder in the latent domain is infinite (tanh "
                "reaches the outer codes ±1 only at infinity); compare mse_latent_centroid and "
                "mse_code_grid instead.")})
        alts, alt_extra = _alternatives(rows, fsq, cols, sample, mom, scale_v, st, eps,
                                        symmetric, bar, kmeans, gen)
    finally:
        bar.close()
    rd = _rate_distortion(sample, mom, fsq, tokens, dist, alts, seeds[1], bounds)
    doc = {
        "schema": SCHEMA,
        "input": {"latents": rows.describe(), "n": n, "d": d, "dtype": str(rows.dtype),
                  "levels": list(fsq.levels), "symmetric": bool(symmetric), "eps": float(eps),
                  "scale": scale_v.tolist(), "scale_source": scale_src,
                  "codebook_size": fsq.codebook_size, "rate_bits": fsq.rate_bits,
                  "sample_rows": int(sample.shape[0])},
        "verdict": None, "warnings": warnings, "data": data, "tokens": tokens,
        "distortion": dist, "rate_distortion": rd, "alternatives": alts,
        "glossary": {k: {"unit": u, "meaning": m} for k, (u, m) in GLOSSARY.items()},
    }
    for name, meaning in rd.get("meanings", {}).items():
        doc["glossary"][name] = {"unit": "bits/vector", "meaning": meaning}
    ent = rd.get("entropy") or {}
    if ent.get("bits") is not None and ent.get("gaussian_bits") is not None:
        doc["data"]["negentropy_bits"] = max(0.0, ent["gaussian_bits"] - ent["bits"])
    else:
        doc["data"]["negentropy_bits"] = None
        doc["data"]["negentropy_bits_reason"] = ent.get("bits_reason") or ent.get(
            "gaussian_bits_reason") or "no differential-entropy estimate"
    doc["verdict"] = _verdict(doc)
    extra = {"shape": shape, "mom": mom, "stats": st, "fsq": fsq, "scale": scale_v,
             "cols": cols, **alt_extra}
    return doc, extra


def _alt_row(name, description, st, base, d, *, levels, scale, rotation, evaluated_on):
    row = {"name": name, "description": description, "levels": list(levels),
           "scale": [float(s) for s in scale], "rotation": rotation,
           "rate_bits": float(sum(math.log2(L) for L in levels)),
           "entropy_bits": _f(st.entropy_bits) if st is not None else None,
           "mse_latent_centroid": _f(st.mse_centroid),
           "mse_latent_grid": _f(st.mse_source), "mse_code_grid": _f(st.mse_code),
           "evaluated_on": evaluated_on}
    if row["mse_latent_grid"] is None:
        row["mse_latent_grid_reason"] = "infinite outer grid point (symmetric mode)"
    if row["entropy_bits"] is None:
        row["entropy_bits_reason"] = "codebook above the joint-histogram limit"
    m = row["mse_latent_centroid"]
    if base and m is not None and m > 0:
        row["mse_saving_percent"] = 100 * (1 - m / base)
        row["equivalent_bits_saved"] = d / 2 * math.log2(base / m)
    else:
        row["mse_saving_percent"] = 0.0 if m == base else None
        row["equivalent_bits_saved"] = 0.0 if m == base else None
        if row["mse_saving_percent"] is None:
            row["mse_saving_percent_reason"] = row["equivalent_bits_saved_reason"] = (
                "zero distortion")
    return row


def _level_range(fsq, symmetric):
    lo = 2 if symmetric else 3
    d = fsq.dim
    hi = max(min(64, fsq.codebook_size // lo ** (d - 1)), max(fsq.levels))
    return list(range(lo, hi + 1))


def _alternatives(rows, fsq, cols, sample, mom, scale_v, st, eps, symmetric, bar, kmeans, gen):
    n, d = rows.n, rows.d
    base = st.mse_centroid
    everyone = f"all {n:,} rows (streaming kernel)"
    out = [_alt_row("current", "the tokenizer as given", st, base, d, levels=fsq.levels,
                    scale=scale_v, rotation=False, evaluated_on=everyone)]
    extra = {}
    src = rows.source()
    notes = set()
    # 1. best gain per dimension, same levels; 2. best level list for the same bit budget
    g, best = _design_search(sample, cols, fsq, fsq.levels, eps=eps, symmetric=symmetric,
                             gen=gen, notes=notes)
    st_g = _stream(fsq, src, n, g, bar, "best gains")
    out.append(_alt_row("best_gain", "same levels, the gain of each dimension chosen to minimize "
                        "mse_latent_centroid", st_g, base, d, levels=fsq.levels, scale=g,
                        rotation=False, evaluated_on=everyone))
    extra["best_gains"] = g
    if best is not None:
        lv, gl = best
        st_l = _stream(FSQ(lv, eps=eps, symmetric=symmetric), src, n, gl, bar, "best levels")
        out.append(_alt_row("best_levels", f"level list with at most {fsq.codebook_size:,} codes "
                            "(same bit budget) and per-dimension gains, chosen from the empirical "
                            "marginals", st_l, base, d, levels=lv, scale=gl, rotation=False,
                            evaluated_on=everyone))
    else:
        bar.update(n)
    # 3. PCA rotation: centre, rotate onto the covariance eigenvectors, levels by variance
    w, V = np.linalg.eigh(mom.cov)
    order = np.argsort(w)[::-1]
    V = V[:, order]
    mu = mom.mean.copy()

    def rotate(x, V=V, mu=mu):
        # einsum: OpenBLAS is slow on (n x d) @ (d x d) with a tiny d
        return np.einsum("ij,jk->ik", x - mu, V, optimize=False)

    rs = rotate(sample)
    rcols = [_search.Column(rs[:, k]) for k in range(d)]
    lv_sorted = sorted(fsq.levels, reverse=True)
    gp, bp = _design_search(rs, rcols, fsq, lv_sorted, eps=eps, symmetric=symmetric, gen=gen,
                            notes=notes)
    fp = FSQ(lv_sorted, eps=eps, symmetric=symmetric)
    st_p = _stream(fp, rows.source(rotate), n, gp, bar, "PCA rotation")
    out.append(_alt_row("pca_rotation", "centre and rotate onto the principal axes (recompute "
                        "distortion after rotating; orthogonal, so latent MSE is preserved), "
                        "levels sorted by component variance, per-component gains", st_p, base,
                        d, levels=lv_sorted, scale=gp, rotation=True, evaluated_on=everyone))
    if bp is not None:
        lvp, gpl = bp
        st_pl = _stream(FSQ(lvp, eps=eps, symmetric=symmetric), rows.source(rotate), n, gpl,
                        bar, "PCA + levels")
        out.append(_alt_row("pca_best_levels", "PCA rotation with the best level list and gains "
                            "for the rotated components", st_pl, base, d, levels=lvp, scale=gpl,
                            rotation=True, evaluated_on=everyone))
    else:
        bar.update(n)
    extra["rotation"] = V
    km = _kmeans(sample, fsq.codebook_size, gen, d) if kmeans else {
        "skipped": True, "reason": "disabled (kmeans=False)"}
    if not km["skipped"]:
        m = km["mse_latent_centroid"]
        km["mse_saving_percent"] = 100 * (1 - m / base) if base > 0 else None
        km["equivalent_bits_saved"] = d / 2 * math.log2(base / m) if base > 0 and m > 0 else None
        for k in ("mse_saving_percent", "equivalent_bits_saved"):
            if km[k] is None:
                km[f"{k}_reason"] = "zero distortion"
    km["name"] = "kmeans_vq"
    km["description"] = (f"k-means vector quantizer with {fsq.codebook_size:,} codewords (same "
                         "fixed rate), fitted on the sample")
    km["rate_bits"] = fsq.rate_bits
    extra["gain_curves"] = _gain_curves(cols, fsq, scale_v, g, eps, symmetric)
    return {"designs": out, "kmeans": km, "baseline_mse_latent_centroid": _f(base),
            "search_provider": "; ".join(sorted(notes))}, extra


EMPIRICAL_LEVELS_MAX = 1 << 22  # budget limit of fsq_theory.empirical.empirical_optimal_levels
LEVEL_SEARCH_ROWS = 1 << 16     # rows for the level-list search (a per-dimension MSE table)


def _design_search(x, cols, fsq, levels, *, eps, symmetric, gen, notes):
    """(gains for ``levels``, (best level list, its gains) or None), chosen on the sample.

    fsq_theory.empirical's searches when available, the prefix-sum search of
    :mod:`._search` otherwise (the same exact per-dimension MSE on the sample).
    """
    budget = fsq.codebook_size
    emp, _ = _bounds._empirical_module()
    if emp is not None and hasattr(emp, "best_gain_per_dimension"):
        try:
            g = np.asarray(emp.best_gain_per_dimension(
                x, list(levels), symmetric=symmetric, decoder="centroid", eps=eps).gains,
                dtype=float)
            best = None
            if budget <= EMPIRICAL_LEVELS_MAX:
                df = emp.empirical_optimal_levels(
                    x, codebook_size=budget, symmetric=symmetric, decoder="centroid", top=1,
                    eps=eps, max_rows=LEVEL_SEARCH_ROWS, rng=int(gen.integers(2**63)))
                best = ([int(L) for L in df.loc[0, "levels"]],
                        np.asarray(df.loc[0, "gains"], dtype=float))
                notes.add("fsq_theory.empirical (best_gain_per_dimension, "
                          "empirical_optimal_levels)")
                return g, best
            notes.add("fsq_theory.empirical (best_gain_per_dimension); level lists by the "
                      f"report's own search (codebook above {EMPIRICAL_LEVELS_MAX})")
            return g, _internal_levels(cols, fsq, eps, symmetric)
        except Exception as exc:  # an interface change must not sink the report
            notes.add(f"the report's own search (fsq_theory.empirical failed: "
                      f"{type(exc).__name__}: {exc})")
    else:
        notes.add("the report's own prefix-sum search (fsq_theory.report._search)")
    g, _ = _search.best_gains(cols, levels, eps=eps, symmetric=symmetric)
    return g, _internal_levels(cols, fsq, eps, symmetric)


def _internal_levels(cols, fsq, eps, symmetric):
    lr = _level_range(fsq, symmetric)
    D, G = _search.level_table(cols, lr, eps=eps, symmetric=symmetric)
    best = _search.best_level_list(D, lr, fsq.codebook_size)
    if best is None:
        return None
    lv, js, _ = best
    return lv, np.array([G[k, j] for k, j in enumerate(js)])


def _gain_curves(cols, fsq, scale_v, best, eps, symmetric):
    curves = []
    for k, (c, L) in enumerate(zip(cols, fsq.levels)):
        if c.var <= 0:
            curves.append(None)
            continue
        gs = _search.GAIN_GRID / math.sqrt(c.var)
        m = c.mse_many(L, gs, eps=eps, symmetric=symmetric)
        curves.append((gs, m, float(scale_v[k]), float(best[k])))
    return curves


def _rate_distortion(sample, mom, fsq, tokens, dist, alts, seed, bounds):
    H = tokens.get("entropy_bits")
    R = fsq.rate_bits
    at = [("tokenizer, cell-mean decoder (mse_latent_centroid)", dist["mse_latent_centroid"])]
    if dist["mse_latent_grid"] is not None:
        at.append(("tokenizer, grid decoder (mse_latent_grid)", dist["mse_latent_grid"]))
    at = [(lb, D) for lb, D in at if D is not None and D > 0]
    tv = float(mom.var.mean())
    lo = min([D for _, D in at] + [tv]) / 8
    curve = np.geomspace(max(lo, 1e-12 * max(tv, 1e-300)), max(tv, 1e-300), 48)
    Ds = [D for _, D in at] + curve.tolist()
    sw = _bounds.sandwich(sample, mom.cov, Ds, rng=int(seed), bounds=bounds) if Ds else {
        "provider": None, "entropy": None, "points": []}
    pts = sw["points"]
    rows = []
    for (label, D), p in zip(at, pts[:len(at)]):
        own = min(R, H) if H is not None else R
        for b in p["lower"]:
            # the tokenizer itself reaches D at its own rate: no lower bound can lie above it
            if b["bits"] is not None and b["bits"] > own:
                b["bits"] = own
                b["capped"] = True
                b["capped_reason"] = ("the estimate exceeded the tokenizer's own rate at this "
                                      "distortion (estimator noise, or a plug-in entropy capped "
                                      "by log2 n); shown at that rate")
        row = {"label": label, "distortion": D, "upper": p["upper"], "lower": p["lower"],
               "rate_bits": R, "entropy_bits": H}
        gaps = {}
        for b in p["upper"] + p["lower"]:
            if b["bits"] is None:
                continue
            gaps[b["label"]] = {"fixed_rate": R - b["bits"],
                                "entropy": (H - b["bits"]) if H is not None else None}
        row["bits_above"] = gaps
        rows.append(row)
    if not at:
        reason = "the tokenizer's distortion is zero or undefined"
    out = {"provider": sw["provider"], "entropy": sw.get("entropy"), "at_tokenizer": rows,
           "curve": pts[len(at):], "meanings": sw.get("meanings", {}),
           "bounds_requested": list(bounds)}
    if sw.get("note"):
        out["note"] = sw["note"]
    if out["entropy"] is None:
        out["entropy_reason"] = "the bounds provider reports no entropy estimate"
    if not at:
        out["at_tokenizer_reason"] = reason
    return out


def _fmt_bits(x):
    return f"{x:.2f}"


def _verdict(doc):
    t, dist, rd, alts = doc["tokens"], doc["distortion"], doc["rate_distortion"], doc["alternatives"]
    parts = []
    H, R = t.get("entropy_bits"), t["rate_bits"]
    if H is not None:
        parts.append(f"The tokens carry {H:.2f} of the {R:.2f} bits an index costs "
                     f"(usage {t['usage']:.0%} of {t['codebook_size']:,} codes)")
    else:
        parts.append(f"The codebook has {t['codebook_size']:,} codes ({R:.2f} bits)")
    D = dist["mse_latent_centroid"]
    if D is not None:
        parts[-1] += f", at an MSE of {D:.4g} latent units² per scalar with the best decoder."
    else:
        parts[-1] += "."
    if rd["at_tokenizer"]:
        row = rd["at_tokenizer"][0]
        ups = [u["bits"] for u in row["upper"] if u["bits"] is not None]
        los = [u["bits"] for u in row["lower"] if u["bits"] is not None]
        rate = H if H is not None else R
        if H is None:
            parts.append("(The entropy needs a joint histogram, which this codebook is too large "
                         "for: the gaps below use the fixed rate.)")
        if ups and los:
            parts.append(f"At that distortion the best possible code needs between "
                         f"{max(los):.2f} and {min(ups):.2f} bits per vector, so the tokenizer "
                         f"spends {rate - min(ups):.2f} to {rate - max(los):.2f} bits more than "
                         "necessary.")
        elif ups:
            parts.append(f"At that distortion a code for Gaussian latents with the same "
                         f"covariance would need {min(ups):.2f} bits per vector "
                         f"({rate - min(ups):.2f} fewer than the tokenizer).")
    cands = [r for r in alts["designs"][1:] if r.get("mse_saving_percent") is not None]
    best = None
    if cands:
        top = max(r["mse_saving_percent"] for r in cands)
        # the simplest design (list order) within one point of the largest saving
        best = next(r for r in cands if r["mse_saving_percent"] >= top - 1.0)
    if best is not None and best["mse_saving_percent"] > 1:
        parts.append(f"Biggest easy win: {best['name'].replace('_', ' ')} — {best['description']} "
                     f"— lowers that MSE by {best['mse_saving_percent']:.0f}% at the same or lower "
                     f"rate (worth about {best['equivalent_bits_saved']:.1f} bits per vector).")
    elif best is not None:
        parts.append("None of the suggested changes lowers the distortion by more than 1%"
                     + ("." if doc["warnings"] else ": the layout already suits these latents."))
    if doc["warnings"]:
        codes = sorted({w["code"].replace("_", " ") for w in doc["warnings"]})
        parts.append("Read the warnings first: " + ", ".join(codes) + ".")
    return " ".join(parts)
