"""Loaders of the latent data sets shipped in ``fsq_theory/datasets/data``.

The files are written by ``scripts/train_fsq_autoencoder.py`` (which documents the data, the
model, the transform and the seed) as ``.npz`` archives without pickled objects; the metadata is
one JSON string entry. They are read with ``np.load(..., allow_pickle=False)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Mapping

import numpy as np

from ..quantizer import FSQ

__all__ = ["LatentDataset", "load_image_latents", "load_eeg_latents"]


def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a)  # own copy: the archive's buffer is closed with the file
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class LatentDataset:
    r"""Real ``d``-dimensional latents, the FSQ level list they go with, and their history.

    Attributes
    ----------
    name : str
        File stem in ``fsq_theory/datasets/data`` (``"image_latents"``, ``"eeg_latents"``).
    latents : ndarray, shape (n, d), float32, read-only
        Pre-quantization latents: quantize them with ``FSQ(levels)`` (default mode) to get the
        tokens, e.g. ``dataset.fsq().encode(dataset.latents)``.
    levels : tuple of int
        The FSQ levels the latents were made for.
    description : str
        One sentence on what the latents are.
    provenance : mapping
        Source files, how they were decoded, the script and the library versions.
    training : mapping or None
        Seed, steps, optimizer, architecture and final losses (None without training).
    metadata : mapping
        The whole JSON metadata; ``metadata["tokens"]`` holds the plug-in token entropy
        (bits), usage, perplexity and number of used codes of ``FSQ(levels)`` on ``latents``.
    arrays : mapping of str to ndarray
        Every other array of the archive (read-only), e.g. ``token_counts``; for the image set
        ``image_id``, ``is_validation``, the loss curve (``curve_*``, ``eval_*``) and the trained
        weights (``param_*``); for the EEG set ``channel`` and the PCA (``pca_*``).

    Examples
    --------
    >>> from fsq_theory.datasets import load_image_latents
    >>> ds = load_image_latents()
    >>> ds.n, ds.dim, ds.fsq()
    (126067, 4, FSQ([8, 5, 5, 5], eps=0.001))
    >>> curve = ds.loss_curve
    >>> list(curve.columns[:4])
    ['step', 'train_loss', 'batch_entropy_bits', 'batch_codes_used']
    >>> bool(curve.val_mse.dropna().iloc[-1] < 0.1 * curve.val_mse.iloc[0])
    True
    """

    name: str
    latents: np.ndarray = field(repr=False)
    levels: tuple
    description: str
    provenance: Mapping = field(repr=False)
    training: Mapping | None = field(repr=False)
    metadata: Mapping = field(repr=False)
    arrays: Mapping = field(repr=False)

    @property
    def n(self) -> int:
        """Number of latent vectors."""
        return int(self.latents.shape[0])

    @property
    def dim(self) -> int:
        """Latent dimension ``d``."""
        return int(self.latents.shape[1])

    def fsq(self) -> FSQ:
        """``FSQ(levels)`` in default mode, the quantizer the latents are meant for."""
        return FSQ(self.levels)

    @property
    def loss_curve(self):
        """Training history as a DataFrame, one row per optimizer step (None without training).

        Columns ``step``, ``train_loss`` (minibatch objective), ``batch_entropy_bits`` and
        ``batch_codes_used`` (tokens of the minibatch) at every step; ``val_mse``,
        ``val_entropy_bits``, ``val_usage`` and ``val_perplexity`` (held-out patches) at the
        evaluation steps and NaN between them.
        """
        if "curve_step" not in self.arrays:
            return None
        import pandas as pd

        curve = {k[len("curve_"):]: self.arrays[k] for k in self.arrays if k.startswith("curve_")}
        df = pd.DataFrame(curve)
        pos = np.searchsorted(curve["step"], self.arrays["eval_step"])
        for key in self.arrays:
            if key.startswith("eval_") and key != "eval_step":
                col = np.full(df.shape[0], np.nan)
                col[pos] = self.arrays[key]
                df[key[len("eval_"):]] = col
        return df


def _load(name: str) -> LatentDataset:
    ref = resources.files(__package__).joinpath("data", f"{name}.npz")
    with resources.as_file(ref) as path, np.load(path, allow_pickle=False) as npz:
        arrays = {k: _read_only(npz[k]) for k in npz.files}
    meta = json.loads(str(arrays.pop("metadata")[()]))
    latents = arrays.pop("latents")
    levels = tuple(int(L) for L in arrays.pop("levels"))
    if latents.dtype != np.float32 or latents.ndim != 2 or latents.shape[1] != len(levels):
        raise ValueError(f"{name}.npz is damaged: latents {latents.dtype} {latents.shape}, "
                         f"levels {levels}")
    return LatentDataset(
        name=name, latents=latents, levels=levels, description=meta["description"],
        provenance=MappingProxyType(meta["provenance"]),
        training=MappingProxyType(meta["training"]) if "training" in meta else None,
        metadata=MappingProxyType(meta), arrays=MappingProxyType(arrays))


def load_image_latents() -> LatentDataset:
    r"""Latents of an FSQ autoencoder trained in this repository on real image patches.

    Data: all 8x8 patches (stride 2; 1 for the smallest image) of the four raster images of
    matplotlib's sample data -- the photograph ``grace_hopper.jpg`` (luminance), the MRI slice
    ``s1045.ima.gz``, the elevation models ``jacksboro_fault_dem.npz`` and ``topobathy.npz`` --
    each image standardized to mean 0 and variance 1, constant patches (MRI background)
    dropped; ``arrays["image_id"]`` says which image a row comes from (0..3 in that order).

    Model, trained with numpy and Adam (seed 0, ``scripts/train_fsq_autoencoder.py``):

    .. math::

        z = W_2\,\mathrm{relu}(W_1 x + b_1) + b_2,\quad c = Q_{\rm FSQ}(z),\quad
        \hat x = V_2\,\mathrm{relu}(V_1 c + a_1) + a_2,\quad
        \mathcal L = \tfrac{1}{64}\lVert x - \hat x\rVert^2,

    64 -> 128 -> 4 -> FSQ(8, 5, 5, 5) -> 128 -> 64, gradients through :math:`Q_{\rm FSQ}` by the
    STE Jacobian :func:`fsq_theory.dynamics.ste_jacobian`. ``latents`` is :math:`z` of every
    patch (float32), the input FSQ sees; the weights are ``arrays["param_*"]`` (float64) and
    ``arrays["is_validation"]`` marks the 8192 held-out patches.

    Returns
    -------
    LatentDataset
        ``latents`` shape (126067, 4); ``levels`` (8, 5, 5, 5); ``loss_curve`` the training
        history; ``metadata["reconstruction_mse_per_pixel"]`` the image-domain MSE of
        the decoder on the quantized latents (train, validation, all) next to the data variance
        and the unquantized rank-4 PCA reference.

    References
    ----------
    F. Mentzer, D. Minnen, E. Agustsson, M. Tschannen, "Finite Scalar Quantization: VQ-VAE Made
    Simple", ICLR 2024, arXiv:2309.15505.

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory.datasets import load_image_latents
    >>> ds = load_image_latents()
    >>> ds.latents.shape, ds.latents.dtype, ds.levels
    ((126067, 4), dtype('float32'), (8, 5, 5, 5))
    >>> ds.latents.flags.writeable
    False
    >>> tokens = ds.fsq().encode(ds.latents)
    >>> int((np.bincount(tokens, minlength=1000) > 0).sum()) == ds.metadata["tokens"]["n_used"]
    True
    >>> ds.training["seed"], ds.training["steps"]
    (0, 6000)
    """
    return _load("image_latents")


def load_eeg_latents() -> LatentDataset:
    r"""Whitened PCA latents of sliding windows of a real EEG recording.

    Data: ``eeg.dat`` of matplotlib's sample data, 800 samples x 4 channels (PG3, PG5, PG7,
    PG9; 10 s at 80 Hz), little-endian float64 in (sample, channel) order.

    Transform (deterministic, no training): each channel :math:`s_c` is standardized; every
    window :math:`w = (s_c[t], \dots, s_c[t+15])` of every channel (stride 1, channel-major:
    :math:`4 \times 785 = 3140` windows) is centred by the windows' mean :math:`\mu` and mapped to

    .. math::

        z_k = \frac{u_k^\top (w - \mu)}{\sqrt{\lambda_k}},\qquad k = 1..4,

    with :math:`(\lambda_k, u_k)` the four leading eigenpairs of the windows' covariance (each
    :math:`u_k` signed so its largest-magnitude entry is positive). Every latent dimension has
    unit variance. :math:`\mu`, :math:`u_k` and all eigenvalues are ``arrays["pca_mean"]``,
    ``arrays["pca_components"]`` and ``arrays["pca_eigenvalues"]``; ``arrays["channel"]`` is
    the channel of each row.

    Returns
    -------
    LatentDataset
        ``latents`` shape (3140, 4), float32; ``levels`` (8, 5, 5, 5) (a suggestion: the same
        list as the image set); ``training`` and ``loss_curve`` None.

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory.datasets import load_eeg_latents
    >>> ds = load_eeg_latents()
    >>> ds.latents.shape, ds.latents.dtype
    ((3140, 4), dtype('float32'))
    >>> np.allclose(ds.latents.var(axis=0, dtype=np.float64), 1.0, atol=1e-3)
    True
    >>> ds.provenance["file"], ds.loss_curve is None
    ('eeg.dat', True)
    """
    return _load("eeg_latents")
