r"""Empirical R(D) of d-dimensional data under MSE: a sandwich of labelled bounds, finite-sample
diagnostics and FSQ level advice from the data.

* :func:`rd_sandwich` -- upper bounds (Gaussian with the same covariance; separate coding of
  PCA components by certified Blahut-Arimoto; particle / Wasserstein-gradient-descent estimate
  for the empirical measure) and lower bounds (Shannon lower bound with a k-NN entropy; the
  Blahut-Arimoto dual bound of the empirical measure), each labelled upper/lower, source or
  empirical measure, certified or not. :meth:`RDSandwich.gap` gives the bits of an operating
  point above each bound.
* :func:`sample_size_curve` -- the sandwich on nested subsamples n/8 .. n.
* :func:`knn_entropy` -- Kozachenko-Leonenko differential entropy with a batch-means interval.
* :func:`empirical_optimal_levels`, :func:`best_gain_per_dimension` -- FSQ level lists and
  gains from the empirical marginals (only lists FSQ accepts in the chosen mode).
* :func:`fsq_operating_points` -- measured (rate, distortion) of FSQ on the data.

Units: bits per vector unless a name says per dimension; distortion = MSE per scalar.
"""

from ._knn import KNNEntropy, knn_entropy
from ._levels import GainFit, best_gain_per_dimension, empirical_optimal_levels
from ._operating import fsq_operating_points
from ._sandwich import BOUNDS, BoundCurve, RDSandwich, rd_sandwich, sample_size_curve

__all__ = [
           "BOUNDS",
           "BoundCurve",
           "GainFit",
           "KNNEntropy",
           "RDSandwich",
           "best_gain_per_dimension",
           "empirical_optimal_levels",
           "fsq_operating_points",
           "knn_entropy",
           "rd_sandwich",
           "sample_size_curve",
]
