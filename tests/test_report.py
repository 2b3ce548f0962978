"""fsq_theory.report: strict JSON, consistent bounds, warnings, determinism, streaming, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from fsq_theory.cli import main
from fsq_theory.quantizer import FSQ
from fsq_theory.report import Report, report
from fsq_theory.report import _bounds, _search
from fsq_theory.report._stream import Rows, moments_pass
from fsq_theory.stats import stream_stats

KW = dict(progress=False, kmeans=False)


def _strict_load(path):
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name} in {path}")

    with open(path) as fh:
        return json.load(fh, parse_constant=refuse)


def _walk(obj, prefix=""):
    """Yield (path, value) for every leaf."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{prefix}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def _check_bounds(doc):
    """Lower bounds never exceed the upper bounds nor the tokenizer's own rate."""
    rd = doc["rate_distortion"]
    rates = [doc["tokens"]["rate_bits"]]
    if doc["tokens"].get("entropy_bits") is not None:
        rates.append(doc["tokens"]["entropy_bits"])
    points = rd["at_tokenizer"] + rd["curve"]
    assert points
    checked = 0
    for p in points:
        for lo in p["lower"]:
            if lo["bits"] is None:
                assert lo.get("bits_reason")
                continue
            assert lo["bits"] >= 0
            # a bound on the source and one on the empirical measure bound different functions
            ups = [b["bits"] for b in p["upper"]
                   if b["bits"] is not None and b.get("target") == lo.get("target")]
            for u in ups:
                assert lo["bits"] <= u + 1e-12, (p["distortion"], lo, u)
                checked += 1
    for row in rd["at_tokenizer"]:
        for lo in row["lower"]:
            if lo["bits"] is not None:
                assert all(lo["bits"] <= r + 1e-12 for r in rates), (lo, rates)
    return checked


def _null_has_reason(doc):
    for path, val in _walk(doc):
        if val is None:
            parent, key = path.rsplit(".", 1) if "." in path else ("", path)
            if "[" in key:  # list element (e.g. an undefined bound curve point)
                continue
            node = doc
            for part in [q for q in parent.replace("[", ".[").split(".") if q]:
                node = node[int(part[1:-1])] if part.startswith("[") else node[part]
            assert f"{key}_reason" in node, f"{path} is null without a reason"


@pytest.fixture(scope="module")
def gaussian_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gauss")
    x = np.random.default_rng(0).standard_normal((40_000, 4))
    x[:, 1] = 0.6 * x[:, 0] + 0.8 * x[:, 1]
    r = report(x, [8, 5, 5, 5], out=out, rng=1, progress=False)
    return x, r, out


def test_gaussian_control_files_and_strict_json(gaussian_run):
    _, r, out = gaussian_run
    assert isinstance(r, Report)
    for name in ("report.html", "report.json", "marginals.png", "correlation.png", "tokens.png",
                 "rate_distortion.png", "alternatives.png", "gains.png"):
        assert (out / name).stat().st_size > 1000, name
        if name.endswith(".png"):
            assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    doc = _strict_load(out / "report.json")
    assert doc == json.loads(json.dumps(r.document))
    assert _check_bounds(doc) > 10
    _null_has_reason(doc)
    # the Gaussian control raises none of the data warnings
    assert not {w["code"] for w in doc["warnings"]} & {"small_n", "saturation",
                                                      "constant_dimension"}
    assert doc["verdict"] and "bits" in doc["verdict"]


def test_gaussian_control_values(gaussian_run):
    x, r, _ = gaussian_run
    doc = r.document
    fsq = FSQ([8, 5, 5, 5])
    st = stream_stats(fsq, x, len(x), decoder="grid")
    d = doc["distortion"]
    assert d["mse_latent_grid"] == pytest.approx(st.mse_source, rel=1e-12)
    assert d["mse_latent_centroid"] == pytest.approx(st.mse_centroid, rel=1e-12)
    assert d["mse_code_grid"] == pytest.approx(st.mse_code, rel=1e-12)
    # W2 to the quantized measure equals the distortion of a monotone decoder (geometry._wasserstein)
    from fsq_theory.geometry import w2_quantization

    assert d["w2_latent_grid"] == pytest.approx(w2_quantization(fsq, x), rel=1e-9)
    assert d["w2_latent_centroid"] == pytest.approx(
        w2_quantization(fsq, x, decoder="centroid"), rel=1e-9)
    t = doc["tokens"]
    assert t["entropy_bits"] == pytest.approx(st.entropy_bits, rel=1e-12)
    # the interval is bias-corrected: it brackets Miller-Madow and lies above most of the plug-in
    lo, hi = t["entropy_ci95_bits"]
    assert lo <= t["entropy_miller_madow_bits"] <= hi
    assert hi > t["entropy_bits"]
    # correlated pair is detected, the rest is not
    assert doc["data"]["max_abs_correlation"]["dims"] in ([0, 1], [1, 0])
    assert doc["data"]["max_abs_correlation"]["value"] == pytest.approx(0.6, abs=0.02)
    assert doc["data"]["normality"]["gaussian_like_dimensions"] == 4
    # Gaussian data: the k-NN lower bound and the Gaussian upper bound nearly meet
    row = doc["rate_distortion"]["at_tokenizer"][0]
    assert row["upper"][0]["bits"] - row["lower"][0]["bits"] < 0.3
    # every suggested design is measured on all rows and never costs more bits
    for a in doc["alternatives"]["designs"]:
        assert a["rate_bits"] <= fsq.rate_bits + 1e-12
        assert a["evaluated_on"].startswith("all 40,000 rows")
    gains = [a for a in doc["alternatives"]["designs"] if a["name"] == "best_gain"][0]
    assert gains["mse_latent_centroid"] < d["mse_latent_centroid"]


def test_same_rng_same_json():
    x = np.random.default_rng(5).standard_normal((6_000, 3)) * [1.0, 0.5, 2.0]
    a = report(x, [5, 5, 5], rng=7, **KW)
    b = report(x, [5, 5, 5], rng=7, **KW)
    assert json.dumps(a.document, sort_keys=True) == json.dumps(b.document, sort_keys=True)
    assert a.html == b.html


def test_npy_path_streams_like_the_array(tmp_path, monkeypatch):
    x = np.random.default_rng(2).standard_normal((9_000, 3)).astype(np.float32)
    path = tmp_path / "z.npy"
    np.save(path, x)
    # many small chunks: exercises the merges and the chunked kernel input
    import fsq_theory.report._stream as s

    monkeypatch.setattr(s, "CHUNK_ROWS", 4096)
    monkeypatch.setattr(s.Rows.chunks, "__defaults__", (4096,))
    a = report(path, [5, 5, 5], rng=0, **KW).document
    b = report(x, [5, 5, 5], rng=0, **KW).document
    a["input"].pop("latents")
    b["input"].pop("latents")
    assert a["distortion"] == b["distortion"]
    assert a["tokens"] == b["tokens"]
    for ra, rb in zip(a["data"]["per_dimension"], b["data"]["per_dimension"]):
        for k in ("mean", "sd", "skewness", "excess_kurtosis"):
            assert ra[k] == pytest.approx(rb[k], rel=1e-9, abs=1e-12)


def test_moments_pass_against_scipy():
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.standard_normal(10_001), rng.exponential(size=10_001) + 5,
                         rng.standard_t(4, size=10_001)])
    m = moments_pass(Rows(x), chunk_rows=777)
    np.testing.assert_allclose(m.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.cov, np.cov(x.T), rtol=1e-10)
    np.testing.assert_allclose(m.skewness, stats.skew(x), rtol=1e-9)
    np.testing.assert_allclose(m.excess_kurtosis, stats.kurtosis(x), rtol=1e-9)
    np.testing.assert_array_equal(m.min, x.min(axis=0))
    np.testing.assert_array_equal(m.max, x.max(axis=0))


@pytest.mark.parametrize("symmetric", [False, True])
def test_prefix_sum_search_matches_the_kernel(symmetric):
    x = np.random.default_rng(4).standard_normal((20_000, 2)) * [1.0, 3.0]
    levels, gains = [7, 4], [0.8, 0.3]
    st = stream_stats(FSQ(levels, symmetric=symmetric), x, len(x), scale=gains,
                      decoder="grid")
    cols = [_search.Column(x[:, k]) for k in range(2)]
    c, g = _search.sample_mse(cols, levels, gains, eps=1e-3, symmetric=symmetric)
    np.testing.assert_allclose(c, st.mse_centroid_per_dim, rtol=1e-9)
    np.testing.assert_allclose(g, st.mse_source_per_dim, rtol=1e-9)
    many = cols[0].mse_many(7, np.array([0.5, 0.8, 1.3]), eps=1e-3, symmetric=symmetric)
    assert many[1] == pytest.approx(c[0], rel=1e-12)


def test_best_level_list_is_the_exhaustive_optimum():
    import itertools

    rng = np.random.default_rng(6)
    lr = list(range(3, 12))
    D = rng.uniform(0.01, 1, size=(3, len(lr)))
    D.sort(axis=1)
    D = D[:, ::-1].copy()  # decreasing in L, as distortions are
    lv, _, cost = _search.best_level_list(D, lr, 200)
    best = min((sum(D[k, j] for k, j in enumerate(js)), js)
               for js in itertools.product(range(len(lr)), repeat=3)
               if math.prod(lr[j] for j in js) <= 200)
    assert cost == pytest.approx(best[0] / 3)
    assert math.prod(lv) <= 200


def test_knn_entropy_of_a_gaussian():
    cov = np.array([[1.0, 0.5, 0.0], [0.5, 2.0, 0.3], [0.0, 0.3, 0.5]])
    x = np.random.default_rng(8).multivariate_normal(np.zeros(3), cov, size=20_000)
    (h, se, n), reason = _bounds.knn_entropy_bits(x, rng=0)
    exact = _bounds.gaussian_entropy_bits(cov)
    assert reason is None and n == 20_000
    # Kozachenko-Leonenko is consistent; its finite-n bias here is far below 0.03 bits
    assert abs(h - exact) < 5 * se + 0.03
    # the Gaussian upper bound at D equals reverse water-filling on the eigenvalues
    eig = np.linalg.eigvalsh(cov)
    D = 0.05
    assert _bounds.gaussian_upper_bits(eig, D) == pytest.approx(
        0.5 * np.log2(eig / D).sum(), rel=1e-12)


def _digits_latents():
    sklearn = pytest.importorskip("sklearn")  # noqa: F841
    from sklearn.datasets import load_digits

    x = load_digits().data.astype(np.float64)
    x -= x.mean(axis=0)
    u, s, vt = np.linalg.svd(x, full_matrices=False)
    z = x @ vt[:4].T
    return z / z.std(axis=0)


def test_real_digits_latents_warn_small_n(tmp_path):
    z = _digits_latents()
    r = report(z, [8, 5, 5, 5], out=tmp_path, rng=0, progress=False)
    doc = _strict_load(tmp_path / "report.json")
    codes = {w["code"] for w in doc["warnings"]}
    assert "small_n" in codes
    t = doc["tokens"]
    assert t["entropy_bits"] <= t["entropy_cap_bits"] == pytest.approx(math.log2(1797))
    assert "log2 n" in [w for w in doc["warnings"] if w["code"] == "small_n"][0]["message"]
    _check_bounds(doc)
    _null_has_reason(doc)
    # 1,347 training rows cannot fit 1,000 centres: skipped with a reason
    assert doc["alternatives"]["kmeans"]["skipped"] and doc["alternatives"]["kmeans"]["reason"]
    assert r.html.count("<img") == 6


def test_saturation_and_constant_dimension_warn():
    x = np.random.default_rng(9).standard_normal((30_000, 4))
    x[:, 0] *= 6.0          # far beyond the tanh's range
    x[:, 3] = 0.25          # constant
    doc = report(x, [5, 5, 5, 5], rng=0, **KW).document
    codes = {w["code"] for w in doc["warnings"]}
    assert {"saturation", "constant_dimension"} <= codes
    sat = [w for w in doc["warnings"] if w["code"] == "saturation"][0]["message"]
    assert "dim 0" in sat and "dim 1" not in sat
    assert "[3]" in [w for w in doc["warnings"] if w["code"] == "constant_dimension"][0]["message"]
    json.dumps(doc, allow_nan=False)
    _null_has_reason(doc)
    _check_bounds(doc)


def test_symmetric_grid_decoder_is_null_with_reason():
    x = np.random.default_rng(10).standard_normal((20_000, 3)) * 2
    doc = report(x, [4, 4, 2], symmetric=True, rng=0, **KW).document
    d = doc["distortion"]
    assert d["mse_latent_grid"] is None and "infinity" in d["mse_latent_grid_reason"]
    assert d["mse_latent_centroid"] > 0 and d["mse_code_grid"] > 0
    json.dumps(doc, allow_nan=False)
    _null_has_reason(doc)


def test_scale_and_fit_scale():
    x = np.random.default_rng(11).standard_normal((20_000, 2)) * 4
    a = report(x, [5, 5], scale=0.25, rng=0, **KW).document
    b = report(x, [5, 5], fit_scale=True, rng=0, **KW).document
    assert a["input"]["scale"] == [0.25, 0.25]
    assert b["input"]["scale_source"].startswith("fitted")
    assert b["distortion"]["mse_latent_centroid"] <= a["distortion"]["mse_latent_centroid"] * 1.01
    with pytest.raises(ValueError, match="scale"):
        report(x, [5, 5], scale=1.0, fit_scale=True, **KW)


@pytest.mark.parametrize("bad, match", [
    (np.zeros(10), "2-D"),
    (np.full((10, 2), np.nan), "non-finite"),
    (np.zeros((1, 2)), "at least 2 rows"),
])
def test_bad_latents(bad, match):
    with pytest.raises(ValueError, match=match):
        report(bad, [5, 5], **KW)


def test_levels_must_match_dimensions():
    with pytest.raises(ValueError, match="3 entries but the latents have 2"):
        report(np.zeros((100, 2)), [5, 5, 5], **KW)


def test_cli_report(tmp_path, capsys):
    x = np.random.default_rng(12).standard_normal((8_000, 3)).astype(np.float32)
    np.save(tmp_path / "z.npy", x)
    out = tmp_path / "rep"
    rc = main(["report", str(tmp_path / "z.npy"), "--levels", "5,5,5", "--out", str(out),
               "--quiet", "--no-kmeans"])
    assert rc == 0
    text = capsys.readouterr().out
    for name in ("mse_latent_grid", "mse_latent_centroid", "mse_code_grid", "entropy_bits"):
        assert name in text
        assert name in (out / "report.json").read_text()
        assert name in (out / "report.html").read_text()
    _strict_load(out / "report.json")


@pytest.mark.parametrize("argv, match", [
    (["--levels", "5,x"], "--levels"),
    (["--levels", "5,,5"], "without empty entries"),  # the same parser as the other subcommands
    (["--levels", "5,5,5", "--sample-size", "1e30"], "beyond int64"),
    (["--levels", "5,5"], "levels has 2 entries"),
    (["--levels", "5,5,5", "--scale", "1", "--fit-scale"], "not allowed"),
    (["--levels", "5,5,5", "--scale", "-1"], "scale"),
])
def test_cli_bad_input_one_line_exit_2(tmp_path, capsys, argv, match):
    np.save(tmp_path / "z.npy", np.zeros((100, 3)))
    try:
        rc = main(["report", str(tmp_path / "z.npy"), *argv, "--out", str(tmp_path / "o"),
                   "--quiet"])
    except SystemExit as exc:
        rc = exc.code
    assert rc == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and match in err


def test_cli_missing_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.npy"), "--levels", "5,5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not exist" in err


def test_bounds_provider_fsq_theory_empirical_when_importable():
    from fsq_theory.report._bounds import _empirical_module

    emp, note = _empirical_module()
    if emp is None:
        pytest.skip(f"fsq_theory.empirical not usable here: {note}")
    x = np.random.default_rng(13).standard_normal((6_000, 3)) * [1.0, 0.7, 0.4]
    doc = report(x, [5, 5, 5], rng=0, **KW).document
    rd = doc["rate_distortion"]
    assert rd["provider"].startswith("fsq_theory.empirical.rd_sandwich")
    row = rd["at_tokenizer"][0]
    assert {b["label"] for b in row["upper"]} == {"gaussian"}
    assert {b["label"] for b in row["lower"]} == {"shannon"}
    assert "gaussian" in doc["glossary"] and "shannon" in doc["glossary"]
    _check_bounds(doc)
    json.dumps(doc, allow_nan=False)
    _null_has_reason(doc)


def test_cli_on_the_shipped_image_latents(tmp_path, capsys):
    datasets = pytest.importorskip("fsq_theory.datasets")
    ds = datasets.load_image_latents()
    path = tmp_path / "image_latents.npy"
    np.save(path, np.asarray(ds.latents))
    out = tmp_path / "rep"
    rc = main(["report", str(path), "--levels", ",".join(map(str, ds.levels)), "--out", str(out),
               "--quiet", "--no-kmeans", "--sample-size", "65536"])
    assert rc == 0
    doc = _strict_load(out / "report.json")
    assert doc["input"]["n"] == ds.n
    assert _check_bounds(doc) > 0
    _null_has_reason(doc)
    # trained latents are far from Gaussian and correlated: the report must see it
    assert doc["data"]["normality"]["gaussian_like_dimensions"] < 4
    assert doc["data"]["max_abs_correlation"]["value"] > 0.3
    pca = [a for a in doc["alternatives"]["designs"] if a["name"] == "pca_rotation"][0]
    assert pca["mse_latent_centroid"] < doc["distortion"]["mse_latent_centroid"]


def test_docstring_example_runs():
    import doctest

    import fsq_theory.report

    result = doctest.testmod(fsq_theory.report, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_progress_bar_over_all_passes(capsys):
    x = np.random.default_rng(14).standard_normal((3_000, 2))
    report(x, [5, 5], rng=0, progress=True, kmeans=False)
    err = capsys.readouterr().err
    assert "report:" in err and "row" in err
    report(x, [5, 5], rng=0, progress=False, kmeans=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("content, match", [
    (b"garbage", "is not a .npy file"),
    (None, "pickled Python objects"),  # an object array: refused, never unpickled
])
def test_cli_refuses_bad_npy_through_the_package_reader(tmp_path, capsys, content, match):
    path = tmp_path / "bad.npy"
    if content is None:
        np.save(path, np.array([[1, "a"]], dtype=object), allow_pickle=True)
    else:
        path.write_bytes(content)
    assert main(["report", str(path), "--levels", "5,5", "--out", str(tmp_path / "o"),
                 "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and match in err
