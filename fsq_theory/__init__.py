"""fsq_theory: rate-distortion and information-theory analysis of Finite Scalar Quantization.

The public API is re-exported here; nothing heavy (POT, matplotlib) is imported at package import.
"""
from .cells import (cell_moments, cell_probabilities, CellMoments)
from .coding import (bec, bsc, capacity, capacity_result, CapacityResult, critical_rate,
                     cutoff_rate, DiscreteChannel, ExponentResult, expurgated_exponent,
                     expurgated_exponent_result, finite_class_bound, fsq_awgn_channel, gallager_e0,
                     generalization_experiment, GeneralizationResult, random_coding_exponent,
                     random_coding_exponent_result, RandomCodeSimulation, simulate_random_codes,
                     source_coding_exponent, sphere_packing_exponent,
                     sphere_packing_exponent_result, token_source_coding, TokenSourceCoding,
                     z_channel, zero_rate_limit)
from .dynamics import (axis_aligned_reference_loss, code_potential_derivatives, dithered_code_mean,
                       euler_map, exact_code_flow, flow_limit_codes, gaussian_log_likelihood,
                       gradient_flow, GradientFlow, hard_clamp_bound, potential,
                       potential_gradient, potential_hessian, seed_indicator, stability_table,
                       StabilityTable, ste_descent, ste_jacobian, STEDescent, ToyTraining,
                       train_toy_autoencoder)
from .geometry import (codebook_usage, continuous_fisher_information, entropy, entropy_estimate,
                       ENTROPY_ESTIMATORS, EntropyEstimate, expected_codebook_usage,
                       fisher_information, fisher_information_mc, fisher_rao_distance,
                       FisherEstimate, FisherInformation, information_flow,
                       information_flow_empirical, InformationFlow, kl_divergence,
                       mutual_information, perplexity, w2_1d, w2_gaussian, w2_quantization,
                       w2_quantization_pot, W2Estimate)
from .geometry import (CodebookComparison, compare_codebooks, cross_modal_information,
                       cross_modal_information_cov, cross_token_pmf, CrossModalGaussian,
                       CrossModalInformation, CrossModalMC, joint_decoder_mse,
                       simulate_cross_modal)
from .hierarchical import (best_gain, composite_cells, CompositeCells, hierarchy_rate_distortion,
                           HierarchyRD, HierarchySimulation, optimize_stage_scales, ResidualFSQ,
                           simulate_hierarchy, StageScaleFit)
from .quantizer import (FSQ, RealBound, ScalarQuantizer)
from .rate_distortion import (BAResult, blahut_arimoto, differential_entropy, discretized_rd,
                              entropy_constrained_uniform, fsq_operational_rd, FSQ_PAPER_LEVELS,
                              fsq_vector_rd, gauss_markov_rd, gaussian_dr, gaussian_rd,
                              GISH_PIERCE_GAP, level_table, lloyd_max, optimal_levels,
                              optimal_uniform, PANTER_DITE_GAUSSIAN, paper_levels_comparison,
                              quantizer_performance, QuantizerPerformance, rd_curve,
                              reverse_water_filling, shannon_lower_bound, tanh_compander_limits,
                              TanhCompanderLimits, uniform_threshold_quantizer, WaterFilling)
from .sources import (EmpiricalSource, GaussianSource, GaussMarkovSource, LaplaceSource, Source,
                      UniformSource)
from .stats import (plugin_entropy_bits, QuantizationStats, stream_stats)
from .temporal import (alpha_bar, beta_schedule, bivariate_normal_cdf, causal_prediction,
                       CausalPrediction, code_grid_pmfs, consecutive_token_pmf,
                       entropy_rate_bounds, EntropyRateBounds, flip_rate, FlipRate,
                       ForwardSimulation, predictive_token_distribution, simulate_forward,
                       simulate_token_persistence, token_diffusion, token_loss_time,
                       token_persistence, token_sequence_pmf, TokenDiffusion, TokenPersistenceMC,
                       vector_token_persistence)
from .temporal import snr as diffusion_snr

__all__ = [
    "FSQ", "ScalarQuantizer", "RealBound",
    "Source", "GaussianSource", "GaussMarkovSource", "LaplaceSource", "UniformSource", "EmpiricalSource",
    "QuantizationStats", "stream_stats", "plugin_entropy_bits",
    "CellMoments", "cell_moments", "cell_probabilities",
    # rate_distortion/
    "gaussian_rd", "gaussian_dr", "WaterFilling", "reverse_water_filling", "gauss_markov_rd",
    "differential_entropy", "shannon_lower_bound", "discretized_rd", "BAResult", "blahut_arimoto",
    "rd_curve", "QuantizerPerformance", "quantizer_performance", "lloyd_max", "optimal_uniform",
    "uniform_threshold_quantizer", "entropy_constrained_uniform", "fsq_operational_rd",
    "fsq_vector_rd", "tanh_compander_limits", "TanhCompanderLimits", "GISH_PIERCE_GAP",
    "PANTER_DITE_GAUSSIAN", "optimal_levels", "paper_levels_comparison", "level_table",
    "FSQ_PAPER_LEVELS",
    # geometry/
    "w2_1d", "w2_gaussian", "w2_quantization", "w2_quantization_pot", "W2Estimate",
    "entropy", "entropy_estimate", "EntropyEstimate", "ENTROPY_ESTIMATORS", "mutual_information",
    "kl_divergence", "codebook_usage", "expected_codebook_usage", "perplexity",
    "information_flow", "information_flow_empirical", "InformationFlow",
    "fisher_information", "fisher_information_mc", "continuous_fisher_information",
    "fisher_rao_distance", "FisherInformation", "FisherEstimate",
    "cross_token_pmf", "cross_modal_information", "CrossModalInformation", "simulate_cross_modal",
    "CrossModalMC", "compare_codebooks", "CodebookComparison", "joint_decoder_mse",
    "cross_modal_information_cov", "CrossModalGaussian",
    # coding/
    "DiscreteChannel", "bsc", "bec", "z_channel", "fsq_awgn_channel", "capacity",
    "capacity_result", "CapacityResult", "gallager_e0", "random_coding_exponent",
    "random_coding_exponent_result", "sphere_packing_exponent", "sphere_packing_exponent_result",
    "expurgated_exponent", "expurgated_exponent_result", "ExponentResult", "critical_rate",
    "cutoff_rate", "zero_rate_limit", "source_coding_exponent", "token_source_coding",
    "TokenSourceCoding", "simulate_random_codes", "RandomCodeSimulation",
    "finite_class_bound", "generalization_experiment", "GeneralizationResult",
    # dynamics/ (gradient flow and the straight-through estimator)
    "potential", "potential_gradient", "potential_hessian", "code_potential_derivatives",
    "gradient_flow", "GradientFlow", "exact_code_flow", "flow_limit_codes", "euler_map",
    "stability_table", "StabilityTable",
    "ste_jacobian", "hard_clamp_bound", "seed_indicator", "dithered_code_mean",
    "gaussian_log_likelihood", "ste_descent", "STEDescent", "train_toy_autoencoder", "ToyTraining",
    "axis_aligned_reference_loss",
    # temporal/ (video latents and diffusion)
    "bivariate_normal_cdf", "consecutive_token_pmf", "token_persistence", "vector_token_persistence",
    "FlipRate", "flip_rate", "token_sequence_pmf", "EntropyRateBounds", "entropy_rate_bounds",
    "predictive_token_distribution", "CausalPrediction", "causal_prediction", "TokenPersistenceMC",
    "simulate_token_persistence",
    "beta_schedule", "alpha_bar", "diffusion_snr", "code_grid_pmfs", "TokenDiffusion",
    "token_diffusion", "token_loss_time", "ForwardSimulation", "simulate_forward",
    # hierarchical/ (residual FSQ)
    "ResidualFSQ", "CompositeCells", "HierarchyRD", "HierarchySimulation", "StageScaleFit",
    "composite_cells", "hierarchy_rate_distortion", "simulate_hierarchy", "best_gain",
    "optimize_stage_scales",
]
__version__ = "0.1.0"
