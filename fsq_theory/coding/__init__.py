"""Coding: FSQ tokens as channels and sources, error exponents, and learning bounds.

Discrete memoryless channels and the FSQ token channel, capacity, Gallager's random-coding,
sphere-packing and expurgated exponents, random-code simulation, source coding of tokens, and the
finite-class generalization bound for codebook-indexed classes and for a predictor behind an FSQ
bottleneck (a head learned on the tokens).

Private modules: ``_channels``, ``_exponents``, ``_source_coding``, ``_random_codes``, ``_learning``,
``_bottleneck``.
"""
from ._channels import (CapacityResult, DiscreteChannel, bec, binary_entropy, bsc, capacity,
                        capacity_result, fsq_awgn_channel, fsq_code_quantizers, log_base_factor,
                        z_channel)
from ._exponents import (ExponentResult, critical_rate, cutoff_rate, expurgated_exponent,
                         expurgated_exponent_result, gallager_e0, random_coding_exponent,
                         random_coding_exponent_result, sphere_packing_exponent,
                         sphere_packing_exponent_result, zero_rate_limit)
from ._source_coding import (TokenSourceCoding, source_coding_exponent, token_source_coding)
from ._random_codes import (RandomCodeSimulation, simulate_random_codes)
from ._learning import (GeneralizationResult, finite_class_bound, generalization_experiment,
                        generalization_reference)
from ._bottleneck import (BottleneckResult, bottleneck_cell_bound, bottleneck_experiment,
                          bottleneck_reference, bottleneck_union_bound, mixture_token_joint,
                          token_erm_expected_excess)

__all__ = ['CapacityResult', 'DiscreteChannel', 'bec', 'binary_entropy', 'bsc', 'capacity',
    'capacity_result', 'fsq_awgn_channel', 'fsq_code_quantizers', 'log_base_factor', 'z_channel',
    'ExponentResult', 'critical_rate', 'cutoff_rate', 'expurgated_exponent',
    'expurgated_exponent_result', 'gallager_e0', 'random_coding_exponent',
    'random_coding_exponent_result', 'sphere_packing_exponent', 'sphere_packing_exponent_result',
    'zero_rate_limit', 'TokenSourceCoding', 'source_coding_exponent', 'token_source_coding',
    'RandomCodeSimulation', 'simulate_random_codes', 'GeneralizationResult', 'finite_class_bound',
    'generalization_experiment', 'generalization_reference', 'BottleneckResult', 'bottleneck_cell_bound',
    'bottleneck_experiment', 'bottleneck_reference', 'bottleneck_union_bound', 'mixture_token_joint',
    'token_erm_expected_excess']
