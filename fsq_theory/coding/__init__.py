"""Coding: FSQ tokens as channels and sources, error exponents, and learning bounds.

Discrete memoryless channels and the FSQ token channel, capacity, Gallager's random-coding,
sphere-packing and expurgated exponents, random-code simulation, source coding of tokens, and the
finite-class generalization bound for an FSQ bottleneck.

Private modules: ``_channels``, ``_exponents``, ``_learning``.
"""
from ._channels import (CapacityResult, DiscreteChannel, bec, binary_entropy, bsc, capacity,
                        capacity_result, fsq_awgn_channel, fsq_code_quantizers, log_base_factor,
                        z_channel)
from ._exponents import (ExponentResult, RandomCodeSimulation, TokenSourceCoding, critical_rate,
                         cutoff_rate, expurgated_exponent, expurgated_exponent_result, gallager_e0,
                         random_coding_exponent, random_coding_exponent_result,
                         simulate_random_codes, source_coding_exponent, sphere_packing_exponent,
                         sphere_packing_exponent_result, token_source_coding, zero_rate_limit)
from ._learning import (GeneralizationResult, finite_class_bound, generalization_experiment)

__all__ = ['CapacityResult', 'DiscreteChannel', 'bec', 'binary_entropy', 'bsc', 'capacity',
    'capacity_result', 'fsq_awgn_channel', 'fsq_code_quantizers', 'log_base_factor', 'z_channel',
    'ExponentResult', 'RandomCodeSimulation', 'TokenSourceCoding', 'critical_rate', 'cutoff_rate',
    'expurgated_exponent', 'expurgated_exponent_result', 'gallager_e0', 'random_coding_exponent',
    'random_coding_exponent_result', 'simulate_random_codes', 'source_coding_exponent',
    'sphere_packing_exponent', 'sphere_packing_exponent_result', 'token_source_coding',
    'zero_rate_limit', 'GeneralizationResult', 'finite_class_bound', 'generalization_experiment']
