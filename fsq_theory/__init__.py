"""fsq_theory: rate-distortion and information-theory analysis of Finite Scalar Quantization."""
from .quantizer import FSQ, ScalarQuantizer

__all__ = ["FSQ", "ScalarQuantizer"]
__version__ = "0.1.0"
