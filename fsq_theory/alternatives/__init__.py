"""FSQ against the alternatives at equal rate: k-means VQ, LFQ, residual quantizers, lattices.

All quantizers share one interface (:class:`Quantizer`: ``encode`` to int64 indices,
``decode``, ``quantize``, ``codebook_size``, ``rate_bits``); :func:`compare_quantizers`
measures them against R(D) on the same source (on data such as real latents: trained on one
split, measured on a held-out split, against the empirical R(D) sandwich), and :func:`loss_decomposition` splits the
high-resolution gap into Lookabaugh and Gray's space-filling, shape and memory parts.
"""

from ._base import Quantizer
from ._empirical import AffineQuantizer, SandwichReference, held_out_split, sandwich_reference
from ._compare import (DEFAULT_LATTICE, RDReference, ar1_block_source, compander_l2d,
                       compare_quantizers, loss_decomposition, rd_reference, renyi_entropy_bits)
from ._fsq import FSQQuantizer, ResidualFSQQuantizer, lfq
from ._lattice import (LATTICES, NSM_TABLE, EntropyCodedLattice, LatticeQuantizer, NSMEstimate,
                       TruncatedLattice, normalized_second_moment)
from ._vq import CodebookQuantizer, ResidualVQ, kmeans_vq, residual_kmeans_vq

__all__ = [
    "Quantizer", "CodebookQuantizer", "kmeans_vq", "ResidualVQ", "residual_kmeans_vq",
    "FSQQuantizer", "lfq", "ResidualFSQQuantizer",
    "LatticeQuantizer", "TruncatedLattice", "EntropyCodedLattice", "LATTICES", "NSM_TABLE",
    "NSMEstimate", "normalized_second_moment",
    "compare_quantizers", "rd_reference", "RDReference", "ar1_block_source",
    "loss_decomposition", "renyi_entropy_bits", "compander_l2d", "DEFAULT_LATTICE",
    "AffineQuantizer", "SandwichReference", "sandwich_reference", "held_out_split",
]
