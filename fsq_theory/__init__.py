"""fsq_theory: rate-distortion and information-theory analysis of Finite Scalar Quantization.

The public API is re-exported here; nothing heavy (POT, matplotlib) is imported at package import.
"""
from .cells import CellMoments, cell_moments, cell_probabilities
from .quantizer import FSQ, ScalarQuantizer
from .sources import (EmpiricalSource, GaussianSource, GaussMarkovSource, LaplaceSource, Source,
                      UniformSource)
from .stats import QuantizationStats, plugin_entropy_bits, stream_stats

__all__ = [
    "FSQ", "ScalarQuantizer",
    "Source", "GaussianSource", "GaussMarkovSource", "LaplaceSource", "UniformSource", "EmpiricalSource",
    "QuantizationStats", "stream_stats", "plugin_entropy_bits",
    "CellMoments", "cell_moments", "cell_probabilities",
]
__version__ = "0.1.0"
