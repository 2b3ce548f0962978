#!/usr/bin/env python
r"""Train a small FSQ autoencoder on real image patches and write the latents the package ships.

Produces the two data sets of :mod:`fsq_theory.datasets` (``fsq_theory/datasets/data/``):

``image_latents.npz`` -- pre-quantization latents of a trained FSQ autoencoder
    Data: the four raster images matplotlib ships in ``mpl-data/sample_data`` (read with
    ``matplotlib.cbook.get_sample_data``, so nothing is downloaded):

    ========================  ==================================================  ======
    file                      content, decoding                                    stride
    ========================  ==================================================  ======
    grace_hopper.jpg          photograph 600x512 RGB uint8; luminance               2
                              0.299 R + 0.587 G + 0.114 B (ITU-R BT.601)
    s1045.ima.gz              MRI slice, 256x256 uint16 little-endian (as in        2
                              matplotlib's ``mri_demo`` example)
    jacksboro_fault_dem.npz   elevation model 344x403 int16, key ``elevation``      2
    topobathy.npz             topography/bathymetry 91x120 float32, key ``topo``    1
    ========================  ==================================================  ======

    Each image is converted to float64 and standardized over the whole image (zero mean, unit
    variance), then cut into all 8x8 patches on a grid with the stride above (row-major, patches
    flattened row-major to 64 values). Constant patches are dropped (7649 of the MRI's, its
    empty background, and 4 saturated ones of the photograph), leaving 126067 patches in the
    order image, row, column: the order of the shipped latents. 8192 of them, drawn with the
    seed, are held out for validation (never trained on).

    Model (plain numpy, float64):

    * encoder  ``z = W2 relu(W1 x + b1) + b2``, 64 -> 128 -> 4; ``z`` is the pre-quantization
      latent (what a user feeds to FSQ; the last linear layer sets its gain, there is no
      separate scale);
    * bottleneck ``c = FSQ([8, 5, 5, 5]).quantize(z)`` (default mode, eps = 1e-3, 1000 codes);
      gradients pass through it with the STE Jacobian ``fsq_theory.dynamics.ste_jacobian`` (the
      derivative of the tanh bound, diagonal);
    * decoder  ``x_hat = V2 relu(V1 c + a1) + a2``, 4 -> 128 -> 64;
    * loss     mean squared error per pixel, ``mean((x - x_hat)^2)``, no other term;
    * optimizer Adam (beta1 0.9, beta2 0.999, eps 1e-8), written out below, learning rate
      ``2e-3`` with a cosine decay to ``2e-4``, minibatches of 512 drawn with replacement
      from the training patches, 6000 steps by default (about a minute on one core);
    * initialisation He-normal weights, zero biases, all from ``numpy.random.default_rng(seed)``.

    Per step the curve records the minibatch loss and the minibatch's plug-in token entropy and
    number of distinct codes; every 25 steps (and at the last step), on the fixed validation
    patches, the reconstruction MSE per pixel, the plug-in token entropy (bits), the codebook
    usage (fraction of the 1000 codes seen) and the perplexity ``2^H``. Reference point stored
    with the data: the MSE per pixel of the best rank-4 linear reconstruction (PCA, unquantized).

``eeg_latents.npz`` -- latents of a real EEG recording by a fixed linear transform
    Data: ``eeg.dat`` from the same folder: 800 samples x 4 channels (labelled PG3, PG5, PG7,
    PG9 in matplotlib's ``mri_with_eeg`` example, 10 s, hence 80 Hz), stored as little-endian
    float64, row-major (sample, channel). Verified here: read as float64 every channel has
    standard deviation ~1.0 and neighbouring samples differ by ~0.35 standard deviations; read
    as big-endian int16 the same bytes are white noise.

    Transform: each channel standardized (zero mean, unit variance over its 800 samples);
    every window of 16 consecutive samples (0.2 s) of every channel, stride 1, channel-major
    order (4 x 785 = 3140 windows of 16 values); the windows' mean vector is removed and they
    are projected on the 4 leading principal components of their covariance (``numpy.linalg.eigh``,
    each eigenvector's sign fixed so its largest-magnitude entry is positive); each score is
    divided by the square root of its eigenvalue, so every latent dimension has unit variance
    (gain 1 in whitened units). No training, no randomness.

Every file is written atomically, without pickle, with fixed zip timestamps: the same seed and
steps give the same bytes. Run ``python scripts/train_fsq_autoencoder.py`` (defaults: seed 0,
6000 steps, the package's data folder) to regenerate the shipped files and the figure
``figures/fsq_autoencoder_training.png`` (+ ``.csv``).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from fsq_theory._files import atomic_output, write_text  # noqa: E402
from fsq_theory.dynamics import ste_jacobian  # noqa: E402
from fsq_theory.quantizer import FSQ  # noqa: E402
from fsq_theory.stats import plugin_entropy_bits  # noqa: E402

LEVELS = (8, 5, 5, 5)
PATCH = 8
HIDDEN = 128
BATCH = 512
EVAL_EVERY = 25
N_VALIDATION = 8192
LR_MAX, LR_MIN = 2e-3, 2e-4
ADAM_B1, ADAM_B2, ADAM_EPS = 0.9, 0.999, 1e-8
#: (file, stride, decoder description)
IMAGES = (
    ("grace_hopper.jpg", 2, "JPEG photograph, luminance 0.299R+0.587G+0.114B"),
    ("s1045.ima.gz", 2, "gzip of 256x256 little-endian uint16 (MRI slice)"),
    ("jacksboro_fault_dem.npz", 2, "npz key 'elevation', int16 344x403 (elevation model)"),
    ("topobathy.npz", 1, "npz key 'topo', float32 91x120 (topography/bathymetry)"),
)
EEG_FILE, EEG_SHAPE, EEG_CHANNELS = "eeg.dat", (800, 4), ("PG3", "PG5", "PG7", "PG9")
EEG_WINDOW, EEG_DIM = 16, 4
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed member timestamps: same inputs, same bytes


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------
def _sample_path(name: str) -> Path:
    from matplotlib import cbook

    return Path(cbook.get_sample_data(name, asfileobj=False))


def read_image(name: str) -> np.ndarray:
    """The grayscale image ``name`` of matplotlib's sample data as float64 (rows, cols)."""
    path = _sample_path(name)
    if name == "grace_hopper.jpg":
        from matplotlib import image

        rgb = image.imread(path).astype(np.float64)
        return rgb[..., :3] @ np.array([0.299, 0.587, 0.114])
    if name == "s1045.ima.gz":
        with gzip.open(path) as fh:
            return np.frombuffer(fh.read(), "<u2").reshape(256, 256).astype(np.float64)
    key = {"jacksboro_fault_dem.npz": "elevation", "topobathy.npz": "topo"}[name]
    with np.load(path, allow_pickle=False) as npz:
        return npz[key].astype(np.float64)


def image_patches():
    """All standardized 8x8 patches of the four images: (x (n, 64) float64, image_id (n,) uint8)."""
    xs, ids = [], []
    for k, (name, stride, _) in enumerate(IMAGES):
        img = read_image(name)
        img = (img - img.mean()) / img.std()
        win = np.lib.stride_tricks.sliding_window_view(img, (PATCH, PATCH))[::stride, ::stride]
        p = win.reshape(-1, PATCH * PATCH)
        # constant patches (the MRI's empty background); ptp is exactly 0 for equal values,
        # where the std of a standardized constant is a rounding residue, not always 0
        p = p[np.ptp(p, axis=1) > 0]
        xs.append(p)
        ids.append(np.full(p.shape[0], k, np.uint8))
    return np.concatenate(xs), np.concatenate(ids)


def eeg_windows():
    """The EEG's standardized windows (n, 16) and their channel (n,), channel-major."""
    raw = np.fromfile(_sample_path(EEG_FILE), dtype="<f8")
    if raw.size != EEG_SHAPE[0] * EEG_SHAPE[1]:
        raise ValueError(f"{EEG_FILE} holds {raw.size} float64 values, expected 800 x 4")
    data = raw.reshape(EEG_SHAPE)
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    wins = [np.lib.stride_tricks.sliding_window_view(data[:, c], EEG_WINDOW)
            for c in range(EEG_SHAPE[1])]
    chan = np.repeat(np.arange(EEG_SHAPE[1], dtype=np.uint8), [w.shape[0] for w in wins])
    return np.concatenate(wins), chan


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------
def init_params(rng: np.random.Generator, n_in: int, d: int) -> dict:
    def he(fan_in, fan_out):
        return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)

    return {"W1": he(n_in, HIDDEN), "b1": np.zeros(HIDDEN), "W2": he(HIDDEN, d), "b2": np.zeros(d),
            "V1": he(d, HIDDEN), "a1": np.zeros(HIDDEN),
            "V2": he(HIDDEN, n_in), "a2": np.zeros(n_in)}


def encode(p: dict, x: np.ndarray):
    h = np.maximum(x @ p["W1"] + p["b1"], 0.0)
    return h, h @ p["W2"] + p["b2"]


def decode(p: dict, c: np.ndarray):
    g = np.maximum(c @ p["V1"] + p["a1"], 0.0)
    return g, g @ p["V2"] + p["a2"]


def loss_and_grads(p: dict, fsq: FSQ, x: np.ndarray):
    """Per-pixel MSE through the quantized bottleneck and its STE gradients."""
    h, z = encode(p, x)
    c = fsq.quantize(z)
    g, xh = decode(p, c)
    r = xh - x
    loss = float((r * r).mean())
    dxh = 2.0 * r / r.size
    grads = {"V2": g.T @ dxh, "a2": dxh.sum(0)}
    dg = (dxh @ p["V2"].T) * (g > 0)
    grads["V1"], grads["a1"] = c.T @ dg, dg.sum(0)
    # straight-through: d c / d z is the derivative of FSQ's tanh bound (diagonal)
    dz = (dg @ p["V1"].T) * ste_jacobian(fsq, z)
    grads["W2"], grads["b2"] = h.T @ dz, dz.sum(0)
    dh = (dz @ p["W2"].T) * (h > 0)
    grads["W1"], grads["b1"] = x.T @ dh, dh.sum(0)
    return loss, grads, fsq.encode(z).ravel()


def token_stats(fsq: FSQ, z) -> dict:
    """Plug-in entropy (bits), usage, perplexity and counts of the tokens of ``z``."""
    counts = np.bincount(fsq.encode(z).ravel(), minlength=fsq.codebook_size)
    h = plugin_entropy_bits(counts)
    return {"entropy_bits": h, "usage": float((counts > 0).mean()), "perplexity": float(2.0**h),
            "n_used": int((counts > 0).sum()), "counts": counts}


def train(x: np.ndarray, *, seed: int, steps: int, log=print):
    """Adam on the autoencoder; returns (params, validation mask, per-step curve, eval curve)."""
    fsq = FSQ(LEVELS)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    val = np.zeros(n, bool)
    val[rng.choice(n, size=min(N_VALIDATION, n // 2), replace=False)] = True
    x_tr, x_val = x[~val], x[val]
    p = init_params(rng, x.shape[1], fsq.dim)
    m = {k: np.zeros_like(w) for k, w in p.items()}
    s = {k: np.zeros_like(w) for k, w in p.items()}
    curve = {"step": np.arange(steps + 1), "train_loss": np.empty(steps + 1),
             "batch_entropy_bits": np.empty(steps + 1),
             "batch_codes_used": np.empty(steps + 1, np.int64)}
    eval_steps = np.unique(np.r_[np.arange(0, steps + 1, EVAL_EVERY), steps])
    ev = {"step": eval_steps, **{k: np.empty(eval_steps.size) for k in
                                 ("val_mse", "val_entropy_bits", "val_usage", "val_perplexity")}}
    j = 0
    for t in range(steps + 1):
        batch = x_tr[rng.integers(0, x_tr.shape[0], BATCH)]
        loss, grads, tokens = loss_and_grads(p, fsq, batch)
        counts = np.bincount(tokens, minlength=fsq.codebook_size)
        curve["train_loss"][t] = loss
        curve["batch_entropy_bits"][t] = plugin_entropy_bits(counts)
        curve["batch_codes_used"][t] = int((counts > 0).sum())
        if j < eval_steps.size and t == eval_steps[j]:
            _, z_val = encode(p, x_val)
            _, xh_val = decode(p, fsq.quantize(z_val))
            ts = token_stats(fsq, z_val)
            ev["val_mse"][j] = float(((xh_val - x_val) ** 2).mean())
            for k in ("entropy_bits", "usage", "perplexity"):
                ev["val_" + k][j] = ts[k]
            if t % (20 * EVAL_EVERY) == 0 or t == steps:
                log(f"step {t:5d}  loss {loss:.4f}  val mse {ev['val_mse'][j]:.4f}  "
                    f"val H {ts['entropy_bits']:.3f} bits  usage {ts['usage']:.3f}")
            j += 1
        if t == steps:
            break  # the last row records the final parameters; no update after it
        lr = LR_MIN + 0.5 * (LR_MAX - LR_MIN) * (1 + np.cos(np.pi * t / max(steps, 1)))
        for k in p:
            m[k] = ADAM_B1 * m[k] + (1 - ADAM_B1) * grads[k]
            s[k] = ADAM_B2 * s[k] + (1 - ADAM_B2) * grads[k] ** 2
            mhat = m[k] / (1 - ADAM_B1 ** (t + 1))
            shat = s[k] / (1 - ADAM_B2 ** (t + 1))
            p[k] = p[k] - lr * mhat / (np.sqrt(shat) + ADAM_EPS)
    return p, val, curve, ev


def pca_rank4_mse(x: np.ndarray) -> float:
    """MSE per pixel of the best rank-4 affine reconstruction (sum of the trailing eigenvalues)."""
    ev = np.linalg.eigvalsh(np.cov(x, rowvar=False, bias=True))
    return float(np.sort(ev)[:-len(LEVELS)].sum() / x.shape[1])


def latent_mse_code(fsq: FSQ, z) -> list[float]:
    """Per dimension ``mean((bound(z) - code(z))^2)`` in code units (the rounding error)."""
    e = fsq.bound(z).astype(np.float64) - fsq.quantize(z).astype(np.float64)
    return [float(v) for v in (e * e).mean(axis=0)]


# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------
def write_npz(path: Path, arrays: dict) -> None:
    """np.savez_compressed without pickle and with fixed member timestamps (reproducible bytes)."""
    with atomic_output(path, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def _json_array(meta: dict) -> np.ndarray:
    return np.array(json.dumps(meta, indent=1, allow_nan=False, sort_keys=True))


def _versions() -> dict:
    import matplotlib

    return {"numpy": np.__version__, "matplotlib": matplotlib.__version__,
            "python": ".".join(map(str, sys.version_info[:3]))}


def build_image_dataset(seed: int, steps: int, log=print) -> tuple[dict, dict]:
    x, image_id = image_patches()
    fsq = FSQ(LEVELS)
    t0 = time.perf_counter()
    p, val, curve, ev = train(x, seed=seed, steps=steps, log=log)
    seconds = time.perf_counter() - t0
    _, z = encode(p, x)
    z32 = z.astype(np.float32)
    # every statistic below is of the shipped float32 latents, as a user would quantize them
    ts = token_stats(fsq, z32)
    _, xh = decode(p, fsq.quantize(z32).astype(np.float64))
    err = ((xh - x) ** 2).mean(axis=1)
    meta = {
        "name": "image_latents",
        "description": ("Pre-quantization latents z (d=4) of an FSQ autoencoder (levels 8,5,5,5) "
                        "trained in numpy on standardized 8x8 patches of the four raster images "
                        "in matplotlib's sample data."),
        "provenance": {
            "source": "matplotlib mpl-data/sample_data (matplotlib.cbook.get_sample_data)",
            "images": [{"id": k, "file": f, "stride": s, "decoding": dsc,
                        "n_patches": int((image_id == k).sum())}
                       for k, (f, s, dsc) in enumerate(IMAGES)],
            "patch": f"{PATCH}x{PATCH}, image standardized to mean 0 / variance 1, row-major, "
                     "constant patches dropped",
            "script": "scripts/train_fsq_autoencoder.py",
            "versions": _versions(),
        },
        "training": {
            "seed": seed, "steps": steps, "batch": BATCH, "optimizer": "Adam",
            "adam": {"beta1": ADAM_B1, "beta2": ADAM_B2, "eps": ADAM_EPS},
            "learning_rate": {"max": LR_MAX, "min": LR_MIN, "schedule": "cosine"},
            "architecture": (f"encoder 64-{HIDDEN}(relu)-4 linear; FSQ(levels=[8,5,5,5], "
                             "eps=1e-3) with STE Jacobian fsq_theory.dynamics.ste_jacobian; "
                             f"decoder 4-{HIDDEN}(relu)-64 linear"),
            "loss": "mean squared error per pixel of the standardized patch",
            "gain": "none: the encoder's last linear layer sets the scale of z",
            "n_validation": int(val.sum()),
            "final_train_loss": float(curve["train_loss"][-1]),
            "final_val_mse": float(ev["val_mse"][-1]),
            "eval_every": EVAL_EVERY,
        },
        "levels": list(LEVELS),
        "n": int(x.shape[0]),
        "dim": len(LEVELS),
        "reconstruction_mse_per_pixel": {
            "all": float(err.mean()), "train": float(err[~val].mean()),
            "validation": float(err[val].mean()),
            "data_variance_per_pixel": float(x.var(axis=0).mean()),
            "pca_rank4_unquantized": pca_rank4_mse(x)},
        "latent_rounding_mse_code_units": latent_mse_code(fsq, z32),
        "tokens": {k: ts[k] for k in ("entropy_bits", "usage", "perplexity", "n_used")}
        | {"codebook_size": fsq.codebook_size, "estimator": "plug-in over all n latents"},
    }
    arrays = {"latents": z32, "image_id": image_id, "is_validation": val,
              "levels": np.array(LEVELS, np.int64), "token_counts": ts["counts"].astype(np.int64),
              **{f"curve_{k}": v for k, v in curve.items()},
              **{f"eval_{k}": v for k, v in ev.items()},
              **{f"param_{k}": w for k, w in p.items()}, "metadata": _json_array(meta)}
    return arrays, {"meta": meta, "frame": curve_frame(curve, ev), "seconds": seconds}


def build_eeg_dataset() -> dict:
    w, chan = eeg_windows()
    mean = w.mean(axis=0)
    cov = np.cov(w - mean, rowvar=False)
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    evals, evecs = evals[order], evecs[:, order]
    idx = np.abs(evecs).argmax(axis=0)
    evecs = evecs * np.sign(evecs[idx, np.arange(evecs.shape[1])])
    comps, lam = evecs[:, :EEG_DIM], evals[:EEG_DIM]
    z32 = (((w - mean) @ comps) / np.sqrt(lam)).astype(np.float32)
    fsq = FSQ(LEVELS)
    ts = token_stats(fsq, z32)
    meta = {
        "name": "eeg_latents",
        "description": ("Whitened 4-D PCA scores of 16-sample (0.2 s) sliding windows of the "
                        "4-channel EEG recording in matplotlib's sample data."),
        "provenance": {
            "source": "matplotlib mpl-data/sample_data (matplotlib.cbook.get_sample_data)",
            "file": EEG_FILE, "format": "little-endian float64, 800 samples x 4 channels, "
                                        "row-major (sample, channel)",
            "channels": list(EEG_CHANNELS), "sampling_rate_hz": 80.0,
            "script": "scripts/train_fsq_autoencoder.py", "versions": _versions(),
        },
        "transform": {
            "steps": ["standardize each channel", f"windows of {EEG_WINDOW} samples, stride 1, "
                      "channel-major", "subtract the windows' mean vector",
                      f"project on the {EEG_DIM} leading eigenvectors of the window covariance "
                      "(sign: largest-magnitude entry positive)",
                      "divide each score by the square root of its eigenvalue"],
            "window": EEG_WINDOW,
            "explained_variance_fraction": float(lam.sum() / evals.sum()),
        },
        "levels": list(LEVELS),
        "n": int(z32.shape[0]),
        "dim": EEG_DIM,
        "latent_rounding_mse_code_units": latent_mse_code(fsq, z32),
        "tokens": {k: ts[k] for k in ("entropy_bits", "usage", "perplexity", "n_used")}
        | {"codebook_size": fsq.codebook_size, "estimator": "plug-in over all n latents"},
    }
    return {"latents": z32, "channel": chan, "levels": np.array(LEVELS, np.int64),
            "token_counts": ts["counts"].astype(np.int64), "pca_mean": mean,
            "pca_components": comps, "pca_eigenvalues": evals, "metadata": _json_array(meta)}


def curve_frame(curve: dict, ev: dict):
    """One row per step; the validation columns are NaN between evaluations."""
    import pandas as pd

    df = pd.DataFrame(curve)
    pos = np.searchsorted(curve["step"], ev["step"])
    for k, col in ev.items():
        if k != "step":
            full = np.full(df.shape[0], np.nan)
            full[pos] = col
            df[k] = full
    return df


def write_curve(df, csv_path: Path, png_path: Path, *, pca_mse: float | None = None) -> None:
    write_text(csv_path, df.to_csv(index=False, float_format="%.10g"))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), constrained_layout=True)
    ax = axes[0]
    ax.plot(df.step, df.train_loss, lw=0.5, alpha=0.5, color="C0",
            label="training loss (minibatch)")
    dv = df.dropna()
    ax.plot(dv.step, dv.val_mse, lw=1.5, color="C1", label="validation reconstruction MSE")
    if pca_mse is not None:
        ax.axhline(pca_mse, color="k", ls="--", lw=1,
                   label=f"rank-4 PCA, unquantized ({pca_mse:.4f})")
    ax.set(yscale="log", xlabel="Adam step", ylabel="MSE per pixel (standardized units)",
           title="Loss")
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(df.step, df.batch_entropy_bits, lw=0.5, alpha=0.4, color="C7",
            label=f"minibatch of {BATCH} (plug-in, biased low)")
    ax.plot(dv.step, dv.val_entropy_bits, color="C2", label=f"validation ({N_VALIDATION} patches)")
    ax.axhline(np.log2(np.prod(LEVELS)), color="k", ls="--", lw=1, label="log2 1000 (capacity)")
    ax.set(xlabel="Adam step", ylabel="bits per token", title="Validation token entropy")
    ax.legend(fontsize=8, loc="lower right")
    ax = axes[2]
    ax.plot(dv.step, dv.val_usage, color="C3")
    ax.set(xlabel="Adam step", ylabel="fraction of the 1000 codes used", ylim=(0, 1.02),
           title="Validation codebook usage")
    fig.suptitle("FSQ autoencoder (levels 8,5,5,5) on 8x8 patches of matplotlib's sample images",
                 fontsize=10)
    with atomic_output(png_path, "wb") as fh:
        fig.savefig(fh, format="png", dpi=130, metadata={"Software": None})
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0, help="seed of the split, init and batches (0)")
    ap.add_argument("--steps", type=int, default=6000, help="Adam steps (6000)")
    ap.add_argument("--out", type=Path, default=ROOT / "fsq_theory" / "datasets" / "data",
                    help="directory of the .npz files (the package's data folder)")
    ap.add_argument("--figdir", type=Path, default=ROOT / "figures",
                    help="directory of fsq_autoencoder_training.png/.csv (figures/)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if args.seed < 0 or args.steps < 1:
        ap.error(f"--seed must be >= 0 and --steps >= 1, got {args.seed} and {args.steps}")
    log = (lambda *a: None) if args.quiet else print
    for d in (args.out, args.figdir):
        d.mkdir(parents=True, exist_ok=True)
    arrays, info = build_image_dataset(args.seed, args.steps, log=log)
    write_npz(args.out / "image_latents.npz", arrays)
    write_npz(args.out / "eeg_latents.npz", build_eeg_dataset())
    write_curve(info["frame"], args.figdir / "fsq_autoencoder_training.csv",
                args.figdir / "fsq_autoencoder_training.png",
                pca_mse=info["meta"]["reconstruction_mse_per_pixel"]["pca_rank4_unquantized"])
    meta = info["meta"]
    log(f"n = {meta['n']} patches, trained {info['seconds']:.1f} s; recon MSE "
        f"{meta['reconstruction_mse_per_pixel']}; tokens {meta['tokens']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
