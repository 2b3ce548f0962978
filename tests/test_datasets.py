"""The shipped real latents: shapes, provenance, token statistics, and the script that made them.

The strongest checks rebuild the inputs from matplotlib's sample data (outside this project)
and recompute the shipped latents from them: the trained encoder for the image set, the PCA
transform for the EEG set.
"""

import doctest
import importlib.util
import math
import tomllib
from pathlib import Path

import numpy as np
import pytest

import fsq_theory.datasets._loaders as loaders
from fsq_theory.datasets import LatentDataset, load_eeg_latents, load_image_latents
from fsq_theory.quantizer import FSQ
from fsq_theory.stats import plugin_entropy_bits

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "train_fsq_autoencoder.py"
IMAGE_FILES = ["grace_hopper.jpg", "s1045.ima.gz", "jacksboro_fault_dem.npz", "topobathy.npz"]


def _script():
    spec = importlib.util.spec_from_file_location("train_fsq_autoencoder", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def script():
    return _script()


@pytest.fixture(scope="module")
def image():
    return load_image_latents()


@pytest.fixture(scope="module")
def eeg():
    return load_eeg_latents()


@pytest.fixture(scope="module")
def patches(script):
    return script.image_patches()


# --- shapes, dtypes, immutability -----------------------------------------------------------
@pytest.mark.parametrize("loader, n", [(load_image_latents, 126067), (load_eeg_latents, 3140)])
def test_shapes_dtypes_read_only(loader, n):
    ds = loader()
    assert isinstance(ds, LatentDataset)
    assert ds.latents.shape == (n, 4) and ds.latents.dtype == np.float32
    assert (ds.n, ds.dim) == (n, 4)
    assert ds.levels == (8, 5, 5, 5) and ds.fsq() == FSQ([8, 5, 5, 5])
    assert np.isfinite(ds.latents).all()
    assert not ds.latents.flags.writeable
    assert all(not a.flags.writeable for a in ds.arrays.values())
    with pytest.raises(ValueError):
        ds.latents[0, 0] = 1.0
    with pytest.raises(AttributeError):
        ds.latents = None  # frozen dataclass
    assert ds.metadata["n"] == n and ds.metadata["levels"] == [8, 5, 5, 5]


def test_files_are_small_and_package_data():
    data = ROOT / "fsq_theory" / "datasets" / "data"
    sizes = {p.name: p.stat().st_size for p in data.glob("*.npz")}
    assert set(sizes) == {"image_latents.npz", "eeg_latents.npz"}
    assert max(sizes.values()) < 4_000_000
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "data/*.npz" in cfg["tool"]["setuptools"]["package-data"]["fsq_theory.datasets"]


def test_archives_hold_no_pickled_objects():
    # np.load with allow_pickle=False raises on object arrays; every entry must load
    for name in ("image_latents", "eeg_latents"):
        with np.load(ROOT / "fsq_theory" / "datasets" / "data" / f"{name}.npz",
                     allow_pickle=False) as npz:
            for key in npz.files:
                assert npz[key].dtype != object, key


# --- provenance -----------------------------------------------------------------------------
def test_image_provenance(image):
    prov = image.provenance
    assert [im["file"] for im in prov["images"]] == IMAGE_FILES
    assert prov["script"] == "scripts/train_fsq_autoencoder.py"
    counts = np.bincount(image.arrays["image_id"], minlength=4)
    assert counts.tolist() == [im["n_patches"] for im in prov["images"]]
    assert counts.sum() == image.n
    assert int(image.arrays["is_validation"].sum()) == image.training["n_validation"] == 8192
    # patch counts from the raw images alone: 8x8 windows on the stride grid, less the constant
    # ones (the MRI's all-zero background, a few saturated ones in the photograph)
    import gzip

    from matplotlib import cbook, image as mpimg

    def sample(name):
        return cbook.get_sample_data(name, asfileobj=False)

    with gzip.open(sample("s1045.ima.gz")) as fh:
        mri = np.frombuffer(fh.read(), "<u2").reshape(256, 256)
    with np.load(sample("jacksboro_fault_dem.npz")) as a, np.load(sample("topobathy.npz")) as b:
        dem, topo = a["elevation"], b["topo"]
    photo = mpimg.imread(sample("grace_hopper.jpg")).astype(float) @ [0.299, 0.587, 0.114]
    expected = []
    for img, stride in [(photo, 2), (mri, 2), (dem, 2), (topo, 1)]:
        win = np.lib.stride_tricks.sliding_window_view(img, (8, 8))[::stride, ::stride]
        win = win.reshape(-1, 64)
        expected.append(int((win.min(1) < win.max(1)).sum()))
    assert expected[1] == 125 * 125 - 7649  # the MRI's background
    assert counts.tolist() == expected
    assert image.training["seed"] == 0 and image.training["steps"] == 6000


def test_eeg_provenance(eeg):
    assert eeg.provenance["file"] == "eeg.dat"
    assert eeg.provenance["channels"] == ["PG3", "PG5", "PG7", "PG9"]
    assert np.bincount(eeg.arrays["channel"]).tolist() == [785] * 4
    assert eeg.training is None and eeg.loss_curve is None


def test_image_latents_are_the_encoder_of_matplotlib_patches(image, script, patches):
    """Re-extract the patches from matplotlib and run the shipped encoder weights on them."""
    x, image_id = patches
    assert np.array_equal(image_id, image.arrays["image_id"])
    p = {k[len("param_"):]: image.arrays[k] for k in image.arrays if k.startswith("param_")}
    _, z = script.encode(p, x)
    # float32 rounding of the shipped values plus BLAS summation order
    assert np.abs(z - image.latents).max() <= 1e-5 * max(1.0, np.abs(z).max())
    # image-domain MSE of the decoder on the quantized shipped latents, as recorded
    _, xh = script.decode(p, image.fsq().quantize(image.latents).astype(np.float64))
    err = ((xh - x) ** 2).mean(axis=1)
    rec = image.metadata["reconstruction_mse_per_pixel"]
    val = image.arrays["is_validation"]
    assert err.mean() == pytest.approx(rec["all"], rel=1e-9)
    assert err[val].mean() == pytest.approx(rec["validation"], rel=1e-9)
    assert err[~val].mean() == pytest.approx(rec["train"], rel=1e-9)
    # the autoencoder must beat predicting zero by far, and cannot beat the unquantized PCA
    assert rec["pca_rank4_unquantized"] < rec["all"] < 0.1 * rec["data_variance_per_pixel"]


def test_eeg_latents_are_the_documented_transform(eeg, script):
    """Recompute the PCA of the windows independently of the script's own PCA code."""
    raw = np.fromfile(script._sample_path("eeg.dat"), dtype="<f8").reshape(800, 4)
    s = (raw - raw.mean(0)) / raw.std(0)
    w = np.array([s[t:t + 16, c] for c in range(4) for t in range(785)])
    wc = w - w.mean(0)
    # right singular vectors = covariance eigenvectors; sign convention as documented
    _, sv, vt = np.linalg.svd(wc, full_matrices=False)
    u = vt[:4].T
    u = u * np.sign(u[np.abs(u).argmax(0), np.arange(4)])
    lam = sv[:4] ** 2 / (w.shape[0] - 1)
    z = wc @ u / np.sqrt(lam)
    assert np.abs(z - eeg.latents).max() < 1e-5
    assert np.allclose(eeg.latents.var(0, ddof=1, dtype=np.float64), 1.0, atol=1e-6)


# --- token statistics recorded in the metadata ----------------------------------------------
@pytest.mark.parametrize("loader", [load_image_latents, load_eeg_latents])
def test_token_statistics_recompute_exactly(loader):
    ds = loader()
    fsq = FSQ(ds.levels)
    counts = np.bincount(fsq.encode(ds.latents), minlength=fsq.codebook_size)
    assert np.array_equal(counts, ds.arrays["token_counts"])
    tok = ds.metadata["tokens"]
    h = plugin_entropy_bits(counts)
    assert h == tok["entropy_bits"]
    assert float((counts > 0).mean()) == tok["usage"]
    assert float(2.0 ** h) == tok["perplexity"]
    assert int((counts > 0).sum()) == tok["n_used"]
    assert tok["codebook_size"] == 1000 and counts.sum() == ds.n
    # rounding error per dimension, in code units, against the uniform-error value 1/12 step^2
    e = fsq.bound(ds.latents).astype(np.float64) - fsq.quantize(ds.latents).astype(np.float64)
    assert np.allclose((e * e).mean(0), ds.metadata["latent_rounding_mse_code_units"],
                       rtol=1e-12, atol=0)
    # the package's streaming statistics reach the same numbers by another code path
    from fsq_theory.stats import stream_stats

    st = stream_stats(fsq, np.array(ds.latents), ds.n)
    assert np.array_equal(st.counts, counts) and st.entropy_bits == pytest.approx(h, abs=1e-12)
    # (another summation order over float32 bound values: agreement to ~1e-9, not bits)
    assert np.allclose(st.mse_code_per_dim, ds.metadata["latent_rounding_mse_code_units"],
                       rtol=1e-7, atol=0)
    step = np.array([1 / (L // 2) for L in ds.levels])
    assert ((e * e).mean(0) < step**2 / 4).all()


# --- the loss curve -------------------------------------------------------------------------
def test_loss_curve_shape_and_decrease(image):
    df = image.loss_curve
    assert len(df) == 6001 and df["step"].tolist() == list(range(6001))
    assert {"train_loss", "batch_entropy_bits", "batch_codes_used", "val_mse",
            "val_entropy_bits", "val_usage", "val_perplexity"} <= set(df.columns)
    ev = df.dropna()
    assert ev["step"].tolist() == list(range(0, 6001, 25))
    # stated margin: the final held-out MSE is below 10% of the initial one (measured: 3.3%)
    assert ev["val_mse"].iloc[-1] < 0.1 * ev["val_mse"].iloc[0]
    # the minibatch loss over the last 500 steps vs the first 10, same margin
    assert df["train_loss"].iloc[-500:].mean() < 0.1 * df["train_loss"].iloc[:10].mean()
    assert ev["val_mse"].iloc[-1] == image.training["final_val_mse"]
    assert df["train_loss"].iloc[-1] == image.training["final_train_loss"]
    assert ((ev["val_usage"] > 0) & (ev["val_usage"] <= 1)).all()
    assert np.allclose(ev["val_perplexity"], 2.0 ** ev["val_entropy_bits"], rtol=1e-12)
    assert (ev["val_entropy_bits"] <= math.log2(8192)).all()


# --- the training script --------------------------------------------------------------------
def test_script_tiny_run_is_deterministic_and_matches_the_shipped_start(tmp_path, image):
    mod = _script()
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        assert mod.main(["--steps", "3", "--seed", "0", "--out", str(out), "--figdir", str(out),
                         "--quiet"]) == 0
        outs.append(out)
    for name in ("image_latents.npz", "eeg_latents.npz", "fsq_autoencoder_training.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    assert (outs[0] / "fsq_autoencoder_training.png").stat().st_size > 0
    # the EEG set involves no training: the tiny run reproduces the shipped file exactly
    shipped = ROOT / "fsq_theory" / "datasets" / "data" / "eeg_latents.npz"
    with np.load(shipped, allow_pickle=False) as a, \
            np.load(outs[0] / "eeg_latents.npz", allow_pickle=False) as b:
        assert np.array_equal(a["latents"], b["latents"])
        assert np.array_equal(a["token_counts"], b["token_counts"])
    # the first update uses the peak learning rate whatever --steps is, so the first two
    # rows of the shipped curve are reproduced by the same seed
    with np.load(outs[0] / "image_latents.npz", allow_pickle=False) as b:
        tiny = b["curve_train_loss"]
        assert np.allclose(tiny[:2], image.arrays["curve_train_loss"][:2], rtol=1e-10, atol=0)
        assert b["eval_val_mse"][0] == pytest.approx(image.arrays["eval_val_mse"][0], rel=1e-10)
        assert tiny.shape == (4,)


def test_script_seed_drives_split_init_and_batches(script, patches):
    x = patches[0][:20000]
    runs = [script.train(x, seed=seed, steps=2, log=lambda *a: None) for seed in (0, 0, 1)]
    (p0, v0, c0, _), (p0b, v0b, c0b, _), (p1, v1, c1, _) = runs
    assert np.array_equal(v0, v0b) and np.array_equal(c0["train_loss"], c0b["train_loss"])
    assert all(np.array_equal(p0[k], p0b[k]) for k in p0)
    assert not np.array_equal(v0, v1)
    assert not np.array_equal(p0["W1"], p1["W1"])
    assert not np.array_equal(c0["train_loss"], c1["train_loss"])


@pytest.mark.parametrize("argv", [["--steps", "0"], ["--seed", "-1"]])
def test_script_refuses_bad_arguments(script, argv, tmp_path):
    with pytest.raises(SystemExit):
        script.main([*argv, "--out", str(tmp_path), "--figdir", str(tmp_path), "--quiet"])


def test_ste_gradient_of_the_script_matches_finite_differences(script):
    """The script's hand-written backward pass, checked where the quantizer is locally constant.

    Perturbing only decoder weights leaves the codes fixed, so the loss is smooth there and
    central differences must match; for the encoder the STE gradient is by construction not
    the derivative of the (piecewise-constant) loss, so it is checked against the surrogate
    in which Q is replaced by its bound (whose derivative the STE uses) at the same point.
    """
    rng = np.random.default_rng(3)
    fsq = FSQ(script.LEVELS)
    x = rng.standard_normal((32, 64))
    p = script.init_params(rng, 64, 4)
    loss, grads, _ = script.loss_and_grads(p, fsq, x)
    for key in ("V1", "a1", "V2", "a2"):
        idx = (0,) * p[key].ndim
        h = 1e-6
        plus, minus = {**p, key: p[key].copy()}, {**p, key: p[key].copy()}
        plus[key][idx] += h
        minus[key][idx] -= h
        fd = (script.loss_and_grads(plus, fsq, x)[0]
              - script.loss_and_grads(minus, fsq, x)[0]) / (2 * h)
        assert fd == pytest.approx(grads[key][idx], rel=1e-5, abs=1e-10), key

    def surrogate(q):
        _, z = script.encode(q, x)
        c = fsq.quantize(z) + (fsq.bound(z) - fsq.bound(script.encode(p, x)[1]))
        _, xh = script.decode(q, c)
        return ((xh - x) ** 2).mean()

    for key in ("W1", "b1", "W2", "b2"):
        idx = np.unravel_index(int(np.argmax(np.abs(grads[key]))), p[key].shape)
        h = 1e-6
        plus, minus = {**p, key: p[key].copy()}, {**p, key: p[key].copy()}
        plus[key][idx] += h
        minus[key][idx] -= h
        fd = (surrogate(plus) - surrogate(minus)) / (2 * h)
        assert fd == pytest.approx(grads[key][idx], rel=1e-5), key


def test_docstring_examples():
    result = doctest.testmod(loaders, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
