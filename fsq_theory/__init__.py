"""fsq_theory: rate-distortion and information-theory analysis of Finite Scalar Quantization.

The public API is re-exported here; nothing heavy (POT, matplotlib) is imported at package import.
"""
from .cells import CellMoments, cell_moments, cell_probabilities
from .coding import (CapacityResult, DiscreteChannel, bec, bsc, capacity, capacity_result,
                       fsq_awgn_channel, z_channel)
from .temporal import (ForwardSimulation, TokenDiffusion, alpha_bar, beta_schedule, code_grid_pmfs,
                        simulate_forward, token_diffusion, token_loss_time)
from .temporal import snr as diffusion_snr
from .dynamics import (GradientFlow, StabilityTable, code_potential_derivatives, euler_map,
                       exact_code_flow, flow_limit_codes, gradient_flow, potential,
                       potential_gradient, potential_hessian, stability_table)
from .coding import (ExponentResult, RandomCodeSimulation, TokenSourceCoding, critical_rate,
                        cutoff_rate, expurgated_exponent, expurgated_exponent_result, gallager_e0,
                        random_coding_exponent, random_coding_exponent_result,
                        simulate_random_codes, source_coding_exponent, sphere_packing_exponent,
                        sphere_packing_exponent_result, token_source_coding, zero_rate_limit)
from .geometry import (FisherEstimate, FisherInformation, continuous_fisher_information,
                     fisher_information, fisher_information_mc, fisher_rao_distance)
from .hierarchical import (CompositeCells, HierarchyRD, HierarchySimulation, ResidualFSQ,
                           StageScaleFit, best_gain, composite_cells, hierarchy_rate_distortion,
                           optimize_stage_scales, simulate_hierarchy)
from .rate_distortion import BAResult, blahut_arimoto, rd_curve
from .rate_distortion import (GISH_PIERCE_GAP, PANTER_DITE_GAUSSIAN, TanhCompanderLimits,
                              fsq_operational_rd, fsq_vector_rd, tanh_compander_limits)
from .geometry import (ENTROPY_ESTIMATORS, EntropyEstimate, InformationFlow, codebook_usage,
                          entropy, entropy_estimate, expected_codebook_usage, information_flow,
                          information_flow_empirical, kl_divergence, mutual_information, perplexity)
from .rate_distortion import FSQ_PAPER_LEVELS, level_table, optimal_levels, paper_levels_comparison
from .coding import GeneralizationResult, finite_class_bound, generalization_experiment
from .quantizer import FSQ, RealBound, ScalarQuantizer
from .rate_distortion import (WaterFilling, differential_entropy, discretized_rd, gauss_markov_rd,
                              gaussian_dr, gaussian_rd, reverse_water_filling, shannon_lower_bound)
from .rate_distortion import (QuantizerPerformance, entropy_constrained_uniform, lloyd_max,
                            optimal_uniform, quantizer_performance, uniform_threshold_quantizer)
from .sources import (EmpiricalSource, GaussianSource, GaussMarkovSource, LaplaceSource, Source,
                      UniformSource)
from .stats import QuantizationStats, plugin_entropy_bits, stream_stats
from .dynamics import (STEDescent, ToyTraining, axis_aligned_reference_loss, dithered_code_mean,
                  gaussian_log_likelihood, hard_clamp_bound, seed_indicator, ste_descent,
                  ste_jacobian, train_toy_autoencoder)
from .temporal import (CausalPrediction, EntropyRateBounds, FlipRate, TokenPersistenceMC,
                       bivariate_normal_cdf, causal_prediction, consecutive_token_pmf,
                       entropy_rate_bounds, flip_rate, predictive_token_distribution,
                       simulate_token_persistence, token_persistence, token_sequence_pmf,
                       vector_token_persistence)
from .geometry import W2Estimate, w2_1d, w2_gaussian, w2_quantization, w2_quantization_pot

__all__ = [
    "FSQ", "ScalarQuantizer", "RealBound",
    "Source", "GaussianSource", "GaussMarkovSource", "LaplaceSource", "UniformSource", "EmpiricalSource",
    "QuantizationStats", "stream_stats", "plugin_entropy_bits",
    "CellMoments", "cell_moments", "cell_probabilities",
    # rate-distortion (rate_distortion, blahut_arimoto, scalar_design, fsq_operational, level_allocation)
    "gaussian_rd", "gaussian_dr", "WaterFilling", "reverse_water_filling", "gauss_markov_rd",
    "differential_entropy", "shannon_lower_bound", "discretized_rd", "BAResult", "blahut_arimoto",
    "rd_curve", "QuantizerPerformance", "quantizer_performance", "lloyd_max", "optimal_uniform",
    "uniform_threshold_quantizer", "entropy_constrained_uniform", "fsq_operational_rd",
    "fsq_vector_rd", "tanh_compander_limits", "TanhCompanderLimits", "GISH_PIERCE_GAP",
    "PANTER_DITE_GAUSSIAN", "optimal_levels", "paper_levels_comparison", "level_table",
    "FSQ_PAPER_LEVELS",
    # geometry and information (wasserstein, information, fisher)
    "w2_1d", "w2_gaussian", "w2_quantization", "w2_quantization_pot", "W2Estimate",
    "entropy", "entropy_estimate", "EntropyEstimate", "ENTROPY_ESTIMATORS", "mutual_information",
    "kl_divergence", "codebook_usage", "expected_codebook_usage", "perplexity",
    "information_flow", "information_flow_empirical", "InformationFlow",
    "fisher_information", "fisher_information_mc", "continuous_fisher_information",
    "fisher_rao_distance", "FisherInformation", "FisherEstimate",
    # coding and learning (channels, exponents, learning)
    "DiscreteChannel", "bsc", "bec", "z_channel", "fsq_awgn_channel", "capacity",
    "capacity_result", "CapacityResult", "gallager_e0", "random_coding_exponent",
    "random_coding_exponent_result", "sphere_packing_exponent", "sphere_packing_exponent_result",
    "expurgated_exponent", "expurgated_exponent_result", "ExponentResult", "critical_rate",
    "cutoff_rate", "zero_rate_limit", "source_coding_exponent", "token_source_coding",
    "TokenSourceCoding", "simulate_random_codes", "RandomCodeSimulation",
    "finite_class_bound", "generalization_experiment", "GeneralizationResult",
    # dynamics and the straight-through estimator (dynamics, ste)
    "potential", "potential_gradient", "potential_hessian", "code_potential_derivatives",
    "gradient_flow", "GradientFlow", "exact_code_flow", "flow_limit_codes", "euler_map",
    "stability_table", "StabilityTable",
    "ste_jacobian", "hard_clamp_bound", "seed_indicator", "dithered_code_mean",
    "gaussian_log_likelihood", "ste_descent", "STEDescent", "train_toy_autoencoder", "ToyTraining",
    "axis_aligned_reference_loss",
    # video latents and diffusion (temporal, diffusion)
    "bivariate_normal_cdf", "consecutive_token_pmf", "token_persistence", "vector_token_persistence",
    "FlipRate", "flip_rate", "token_sequence_pmf", "EntropyRateBounds", "entropy_rate_bounds",
    "predictive_token_distribution", "CausalPrediction", "causal_prediction", "TokenPersistenceMC",
    "simulate_token_persistence",
    "beta_schedule", "alpha_bar", "diffusion_snr", "code_grid_pmfs", "TokenDiffusion",
    "token_diffusion", "token_loss_time", "ForwardSimulation", "simulate_forward",
    # hierarchical (residual) FSQ
    "ResidualFSQ", "CompositeCells", "HierarchyRD", "HierarchySimulation", "StageScaleFit",
    "composite_cells", "hierarchy_rate_distortion", "simulate_hierarchy", "best_gain",
    "optimize_stage_scales",
]
__version__ = "0.1.0"
