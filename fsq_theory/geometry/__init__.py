"""Geometry of the quantized measure: Wasserstein distance, entropy and information, Fisher metric.

W2 between a source and its quantized measure (exact in 1-D, Bures for Gaussians, POT in general),
entropy and mutual-information estimators, the information flow through FSQ, and the Fisher
information the tokens keep about the source's parameters.

Private modules: ``_wasserstein``, ``_information``, ``_information_flow``, ``_fisher``,
``_cross_modal`` (token information of two correlated modalities), ``_cross_modal_general``
(the same for a general cross-covariance in small dimensions), ``_cross_modal_codebooks`` (shared
against separate codebooks).
"""
from ._wasserstein import (W2Estimate, w2_1d, w2_gaussian,
                           w2_quantization, w2_quantization_pot)
from ._information import (ENTROPY_ESTIMATORS, EntropyEstimate, codebook_usage, entropy,
                           entropy_estimate, expected_codebook_usage, kl_divergence,
                           mutual_information, perplexity)
from ._information_flow import (InformationFlow, information_flow, information_flow_empirical)
from ._fisher import (FisherEstimate, FisherInformation, continuous_fisher_information,
                      fisher_information, fisher_information_mc, fisher_rao_distance)
from ._cross_modal import (CrossModalInformation, CrossModalMC, cross_modal_information,
                           cross_token_pmf, simulate_cross_modal)
from ._cross_modal_codebooks import CodebookComparison, compare_codebooks, joint_decoder_mse
from ._cross_modal_general import CrossModalGaussian, cross_modal_information_cov

__all__ = ['W2Estimate', 'w2_1d', 'w2_gaussian',
    'w2_quantization', 'w2_quantization_pot', 'ENTROPY_ESTIMATORS', 'EntropyEstimate',
    'codebook_usage', 'entropy', 'entropy_estimate', 'expected_codebook_usage', 'kl_divergence',
    'mutual_information', 'perplexity', 'InformationFlow', 'information_flow',
    'information_flow_empirical', 'FisherEstimate', 'FisherInformation',
    'continuous_fisher_information', 'fisher_information', 'fisher_information_mc',
    'fisher_rao_distance', 'CrossModalInformation', 'CrossModalMC', 'cross_modal_information',
    'cross_token_pmf', 'simulate_cross_modal', 'CodebookComparison', 'compare_codebooks',
    'joint_decoder_mse', 'CrossModalGaussian', 'cross_modal_information_cov']
