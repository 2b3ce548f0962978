"""One owner per shared concept: the public API, randomness (SPEC 7), the decoder, base, entropy."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

import fsq_theory as ft
from fsq_theory import FSQ, GaussianSource

# fsq_theory.__all__ of release 0.1 (before the regrouping into subpackages): every name must
# still import from the top level
API_0_1 = [
    'FSQ', 'ScalarQuantizer', 'Source', 'GaussianSource', 'GaussMarkovSource', 'LaplaceSource',
    'UniformSource', 'EmpiricalSource', 'QuantizationStats', 'stream_stats',
    'plugin_entropy_bits', 'CellMoments', 'cell_moments', 'cell_probabilities', 'gaussian_rd',
    'gaussian_dr', 'WaterFilling', 'reverse_water_filling', 'gauss_markov_rd',
    'differential_entropy', 'shannon_lower_bound', 'discretized_rd', 'BAResult',
    'blahut_arimoto', 'rd_curve', 'QuantizerPerformance', 'quantizer_performance', 'lloyd_max',
    'optimal_uniform', 'uniform_threshold_quantizer', 'entropy_constrained_uniform',
    'fsq_operational_rd', 'fsq_vector_rd', 'tanh_compander_limits', 'TanhCompanderLimits',
    'GISH_PIERCE_GAP', 'PANTER_DITE_GAUSSIAN', 'optimal_levels', 'paper_levels_comparison',
    'level_table', 'FSQ_PAPER_LEVELS', 'w2_1d', 'w2_gaussian', 'w2_quantization',
    'w2_quantization_pot', 'W2Estimate', 'entropy', 'entropy_estimate', 'EntropyEstimate',
    'ENTROPY_ESTIMATORS', 'mutual_information', 'kl_divergence', 'codebook_usage',
    'expected_codebook_usage', 'perplexity', 'information_flow', 'information_flow_empirical',
    'InformationFlow', 'fisher_information', 'fisher_information_mc',
    'continuous_fisher_information', 'fisher_rao_distance', 'FisherInformation',
    'FisherEstimate', 'DiscreteChannel', 'bsc', 'bec', 'z_channel', 'fsq_awgn_channel',
    'capacity', 'capacity_result', 'CapacityResult', 'gallager_e0', 'random_coding_exponent',
    'random_coding_exponent_result', 'sphere_packing_exponent',
    'sphere_packing_exponent_result', 'expurgated_exponent', 'expurgated_exponent_result',
    'ExponentResult', 'critical_rate', 'cutoff_rate', 'zero_rate_limit',
    'source_coding_exponent', 'token_source_coding', 'TokenSourceCoding',
    'simulate_random_codes', 'RandomCodeSimulation', 'finite_class_bound',
    'generalization_experiment', 'GeneralizationResult', 'potential', 'potential_gradient',
    'potential_hessian', 'code_potential_derivatives', 'gradient_flow', 'GradientFlow',
    'exact_code_flow', 'flow_limit_codes', 'euler_map', 'stability_table', 'StabilityTable',
    'ste_jacobian', 'hard_clamp_bound', 'seed_indicator', 'dithered_code_mean',
    'gaussian_log_likelihood', 'ste_descent', 'STEDescent', 'train_toy_autoencoder',
    'ToyTraining', 'axis_aligned_reference_loss', 'bivariate_normal_cdf',
    'consecutive_token_pmf', 'token_persistence', 'vector_token_persistence', 'FlipRate',
    'flip_rate', 'token_sequence_pmf', 'EntropyRateBounds', 'entropy_rate_bounds',
    'predictive_token_distribution', 'CausalPrediction', 'causal_prediction',
    'TokenPersistenceMC', 'simulate_token_persistence', 'beta_schedule', 'alpha_bar',
    'diffusion_snr', 'code_grid_pmfs', 'TokenDiffusion', 'token_diffusion', 'token_loss_time',
    'ForwardSimulation', 'simulate_forward', 'ResidualFSQ', 'CompositeCells', 'HierarchyRD',
    'HierarchySimulation', 'StageScaleFit', 'composite_cells', 'hierarchy_rate_distortion',
    'simulate_hierarchy', 'best_gain', 'optimize_stage_scales'
]


def test_every_0_1_name_still_imports_from_the_top_level():
    missing = [n for n in API_0_1 if not hasattr(ft, n)]
    assert missing == []
    assert set(API_0_1) <= set(ft.__all__)


def test_subpackages_are_the_documented_homes():
    homes = {"rate_distortion": ["blahut_arimoto", "gaussian_rd", "lloyd_max", "optimal_levels"],
             "geometry": ["w2_quantization", "entropy", "fisher_information"],
             "coding": ["capacity", "gallager_e0", "finite_class_bound"],
             "dynamics": ["gradient_flow", "ste_jacobian"],
             "temporal": ["token_persistence", "token_diffusion"],
             "hierarchical": ["ResidualFSQ"]}
    import importlib

    for pkg, names in homes.items():
        mod = importlib.import_module(f"fsq_theory.{pkg}")
        for n in names:
            assert getattr(mod, n) is getattr(ft, n), (pkg, n)
    # the function no longer shadows a module of the same name
    assert callable(ft.blahut_arimoto) and callable(ft.rate_distortion.blahut_arimoto)


# --- randomness -------------------------------------------------------------------------------

RNG_FUNCS = [
    lambda **kw: ft.stream_stats(FSQ([5, 3]), GaussianSource(dim=2), 5000, **kw).counts,
    lambda **kw: ft.simulate_random_codes(ft.bsc(0.1), 6, 0.3, trials=200, **kw).errors,
    lambda **kw: ft.simulate_hierarchy(ft.ResidualFSQ([5], 2), 2000, **kw).mse_centroid,
    lambda **kw: ft.fisher_information_mc(FSQ([5]), stats.norm, (0.0, 1.0), n=2000, **kw).matrix,
    lambda **kw: ft.generalization_experiment([(3, 3)], [20], repetitions=2, **kw).to_frame().to_numpy(),
]


@pytest.mark.parametrize("f", RNG_FUNCS)
def test_rng_int_seedsequence_generator_and_deprecated_seed(f):
    a = np.asarray(f(rng=7))
    np.testing.assert_array_equal(a, np.asarray(f(rng=7)))
    np.testing.assert_array_equal(a, np.asarray(f(rng=np.random.SeedSequence(7))))
    g = np.asarray(f(rng=np.random.default_rng(7)))  # a Generator is accepted (its own stream)
    assert g.shape == a.shape
    with pytest.warns(DeprecationWarning, match="'seed' is deprecated"):
        old = np.asarray(f(seed=7))
    np.testing.assert_array_equal(a, old)
    with pytest.raises(TypeError, match="both 'seed' and 'rng'"):
        f(rng=1, seed=7)
    with pytest.raises(TypeError, match="rng must be"):
        f(rng=np.random.RandomState(0))
    with pytest.raises(TypeError, match="rng must be"):
        f(rng=1.5)


def test_same_int_same_stream_everywhere():
    src = GaussianSource(dim=3)
    x = next(src.chunks(1000, rng=5))
    y = next(src.chunks(1000, rng=np.random.SeedSequence(5)))
    np.testing.assert_array_equal(x, y)


# --- decoder ------------------------------------------------------------------------------------

DECODER_FUNCS = [
    lambda **kw: ft.stream_stats(FSQ([5, 3]), GaussianSource(dim=2), 5000, rng=0, **kw).mse_source,
    lambda **kw: ft.quantizer_performance(ft.ScalarQuantizer.uniform(4, 0.5), **kw).mse,
    lambda **kw: ft.fsq_operational_rd([3, 5], **kw)["mse"].to_numpy(),
    lambda **kw: ft.w2_quantization(FSQ([5]), stats.norm(), **kw),
    lambda **kw: ft.level_table(6, **kw)["mse"].to_numpy(),
]


@pytest.mark.parametrize("f", DECODER_FUNCS)
def test_one_decoder_keyword_one_default(f):
    grid, cen = np.asarray(f(decoder="grid")), np.asarray(f(decoder="centroid"))
    np.testing.assert_array_equal(np.asarray(f()), grid)  # the default is "grid" everywhere
    assert np.all(cen <= grid + 1e-12)  # the centroid decoder is MSE-optimal for the cells
    with pytest.warns(DeprecationWarning, match="'reconstruction' is deprecated"):
        np.testing.assert_array_equal(np.asarray(f(reconstruction="points")), grid)
    with pytest.raises(ValueError, match="decoder must be one of"):
        f(decoder="nearest")


def test_hierarchical_reference_decoder_is_the_grid_decoder():
    rq = ft.ResidualFSQ([5], 2, bound_hard_clamp=True)
    with pytest.warns(DeprecationWarning, match="decoder='reference'"):
        old = ft.best_gain(rq, decoder="reference")
    assert old == ft.best_gain(rq, decoder="grid") == ft.best_gain(rq)


# --- base and entropy ------------------------------------------------------------------------

BASE_FUNCS = [
    lambda b: ft.entropy([0.25, 0.75], base=b),
    lambda b: ft.capacity(ft.bsc(0.1), base=b),
    lambda b: ft.gallager_e0(ft.bsc(0.1).W, 0.5, base=b),
    lambda b: ft.mutual_information([[0.3, 0.2], [0.1, 0.4]], base=b),
    lambda b: ft.kl_divergence([0.5, 0.5], [0.9, 0.1], base=b),
    lambda b: ft.gaussian_rd(0.25, base=b),
]


@pytest.mark.parametrize("f", BASE_FUNCS)
def test_one_rule_for_base(f):
    bits = f(2)
    # any positive base other than 1 is a change of unit: value_b = value_bits / log2(b)
    for b in (math.e, 10, 0.5):
        assert f(b) == pytest.approx(bits / math.log2(b), rel=1e-9, abs=1e-12)
    for bad in (1, 0, -2, float("nan")):
        with pytest.raises(ValueError, match="base"):
            f(bad)


def test_plugin_entropy_refuses_what_is_not_a_histogram():
    assert ft.plugin_entropy_bits([1, 1, 2]) == 1.5
    assert ft.plugin_entropy_bits(np.array([0.5, 0.5])) == 1.0
    for bad, msg in (([5, -1, 3], "counts must be >= 0"), ([0, 0], "must not all be zero"),
                     ([], "must not be empty"), ([1, np.nan], "non-finite")):
        with pytest.raises(ValueError, match=msg):
            ft.plugin_entropy_bits(bad)
    # the same number as scipy.stats.entropy (the reference implementation)
    c = np.random.default_rng(0).integers(0, 50, 100)
    assert ft.plugin_entropy_bits(c) == pytest.approx(stats.entropy(c, base=2), rel=1e-13)
    assert ft.entropy(c) == pytest.approx(stats.entropy(c, base=2), rel=1e-13)


def test_kl_matches_scipy():
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(7)), rng.dirichlet(np.ones(7))
    assert ft.kl_divergence(p, q) == pytest.approx(stats.entropy(p, q, base=2), rel=1e-12)


def test_real_bound_has_one_owner():
    f = FSQ([8, 5, 4])
    z = np.random.default_rng(2).standard_normal((100, 3))
    np.testing.assert_allclose(f.real_bound(z), f.bound(z), atol=1e-6)
    np.testing.assert_allclose(f.real_bound.inverse(f.real_bound(z)), z, rtol=1e-9, atol=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert ft.RealBound.of(f) is f.real_bound


def test_a_learned_decoder_is_a_table_of_points():
    # the path ARCHITECTURE.md describes: explicit per-cell points stream through the kernels and
    # give the same MSE as the closed form on the same points
    fsq = FSQ([5])
    sq = fsq.scalar_quantizers()[0]
    pts = 0.9 * sq.points  # some "learned" reconstruction
    st = ft.stream_stats(fsq, GaussianSource(dim=1), 400_000, rng=3, decoder=[pts])
    exact = ft.quantizer_performance(sq.with_points(pts), stats.norm(), decoder="grid").mse
    x = next(GaussianSource(dim=1).chunks(400_000, rng=3))[:, 0]
    se = np.std((x - pts[sq.encode(x)]) ** 2) / np.sqrt(x.size)
    assert abs(st.mse_source - exact) < 4 * se
