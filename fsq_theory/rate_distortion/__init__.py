"""Rate-distortion: what the closed forms, Blahut-Arimoto and scalar quantizer design say about FSQ.

Closed forms for Gaussian sources (:func:`gaussian_rd`, :func:`reverse_water_filling`,
:func:`gauss_markov_rd`), the Shannon lower bound, the certified Blahut-Arimoto algorithm
(:func:`blahut_arimoto`, :func:`rd_curve`), scalar quantizer design (Lloyd-Max, the optimal uniform
quantizer, entropy-coded uniform quantization), FSQ's operational rate-distortion and the choice
of FSQ levels. Distortion is MSE per scalar; rates are bits unless a docstring says otherwise.

Private modules: ``_closed_forms``, ``_blahut_arimoto``, ``_scalar_design``, ``_fsq_operational``,
``_level_allocation``.
"""
from ._closed_forms import (WaterFilling, differential_entropy, discretized_rd, gauss_markov_rd,
                            gaussian_dr, gaussian_rd, reverse_water_filling, shannon_lower_bound)
from ._blahut_arimoto import (BAResult, blahut_arimoto, rd_curve)
from ._scalar_design import (QuantizerPerformance, entropy_constrained_uniform, lloyd_max,
                             optimal_uniform, quantizer_performance, uniform_threshold_quantizer)
from ._fsq_operational import (GISH_PIERCE_GAP, PANTER_DITE_GAUSSIAN, TanhCompanderLimits,
                               fsq_operational_rd, fsq_scalar_performance, fsq_vector_rd,
                               tanh_compander_limits)
from ._level_allocation import (FSQ_PAPER_LEVELS, level_table, optimal_levels,
                                paper_levels_comparison)

__all__ = ['WaterFilling', 'differential_entropy', 'discretized_rd', 'gauss_markov_rd',
    'gaussian_dr', 'gaussian_rd', 'reverse_water_filling', 'shannon_lower_bound', 'BAResult',
    'blahut_arimoto', 'rd_curve', 'QuantizerPerformance', 'entropy_constrained_uniform',
    'lloyd_max', 'optimal_uniform', 'quantizer_performance', 'uniform_threshold_quantizer',
    'GISH_PIERCE_GAP', 'PANTER_DITE_GAUSSIAN', 'TanhCompanderLimits', 'fsq_operational_rd',
    'fsq_scalar_performance', 'fsq_vector_rd', 'tanh_compander_limits', 'FSQ_PAPER_LEVELS',
    'level_table', 'optimal_levels', 'paper_levels_comparison']
