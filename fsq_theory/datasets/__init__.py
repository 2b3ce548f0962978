"""Real latents shipped with the package, for analyses on data rather than synthetic sources.

=========================  ==================================================================
:func:`load_image_latents`  pre-quantization latents (d = 4) of an FSQ(8,5,5,5) autoencoder
                            trained in this repository on 8x8 patches of matplotlib's sample
                            images, with its loss curve, seed and weights
:func:`load_eeg_latents`    whitened 4-D PCA scores of 16-sample windows of matplotlib's EEG
                            recording
:class:`LatentDataset`      what both return
=========================  ==================================================================

Both files are regenerated, byte for byte, by ``scripts/train_fsq_autoencoder.py``.
"""

from ._loaders import LatentDataset, load_eeg_latents, load_image_latents

__all__ = ["LatentDataset", "load_eeg_latents", "load_image_latents"]
