"""Hostile-input sweep over every public callable in ``fsq_theory.__all__`` and in the
``__all__`` of the subpackages it does not re-export (``empirical``, ``alternatives``,
``datasets``, ``report``).

Each callable has a strategy in ``STRATEGIES``: a valid call (keyword arguments) and the argument
to attack (its first data argument). The sweep replaces that argument with hostile values —
NaN, +-inf, empty and zero-size arrays, wrong ranks, wrong dtypes (bool, complex, object, str,
float16, int), big-endian, non-contiguous and read-only views, extreme scalars — and requires
that each call either

* raises ValueError or TypeError (for an invalid value, the message names the argument), or
* returns finite values (``inf`` only where the strategy says the function may return it),

that a *benign* variant (same values, other memory layout or byte order) gives the same result
as the plain array, and that no input is modified. A new public callable without a strategy fails
``test_every_public_callable_has_a_strategy``: add one here. Result dataclasses and constants are
exempt (they are not called with user data).

The default run attacks with the main cases; ``-m slow`` adds the rest and hypothesis-drawn
arrays.
"""
from __future__ import annotations

import copy
import dataclasses
import math
from functools import lru_cache

import numpy as np
import pytest
from scipy import stats

import fsq_theory as F


@lru_cache(maxsize=None)
def _fsq():
    return F.FSQ([5, 4])


@lru_cache(maxsize=None)
def _sq():
    return F.FSQ([5]).scalar_quantizers()[0]


@lru_cache(maxsize=None)
def _rq():
    return F.ResidualFSQ([3], 2)


@lru_cache(maxsize=None)
def _diffusion():
    return F.token_diffusion(F.FSQ([3]), F.beta_schedule("linear", 20))


CH = [[0.9, 0.1], [0.2, 0.8]]
Z2 = np.array([[0.3, -0.7], [1.1, 0.2], [-0.4, 0.05]])


@dataclasses.dataclass(frozen=True)
class S:
    """Strategy: ``call()`` returns valid kwargs; ``target`` is attacked; ``inf_ok`` allows
    infinite outputs (documented, e.g. an exponent below R_inf); ``slow`` runs it only with
    ``-m slow``."""

    call: object
    target: str
    inf_ok: bool = False
    slow: bool = False
    count: bool = False  # the target is a work count (run time grows with it): no "huge" case
    nan_ok: tuple = ()  # result fields documented as NaN when undefined (e.g. unused cells)
    key: object = None  # maps a result to what benign variants must reproduce (default: all of it)


STRATEGIES = {
    "FSQ": S(lambda: dict(levels=[5, 4]), "levels"),
    "ScalarQuantizer": S(lambda: dict(thresholds=np.array([-0.5, 0.5]), points=np.array([-1.0, 0.0, 1.0])), "thresholds"),
    "Source": S(lambda: dict(), ""),
    "GaussianSource": S(lambda: dict(variances=np.array([1.0, 2.0])), "variances"),
    "GaussMarkovSource": S(lambda: dict(rho=0.5), "rho"),
    "LaplaceSource": S(lambda: dict(scale=np.array([1.0, 2.0])), "scale"),
    "UniformSource": S(lambda: dict(low=np.array([-1.0, 0.0]), high=np.array([1.0, 2.0])), "low"),
    "EmpiricalSource": S(lambda: dict(data=Z2), "data"),
    "stream_stats": S(lambda: dict(quantizer=_fsq(), source=Z2, n=3, decoder="grid"), "source",
                      nan_ok=("centroids", "se")),  # documented: batch-means SEs need 65536 rows
    "plugin_entropy_bits": S(lambda: dict(counts=np.array([5.0, 1.0, 3.0])), "counts"),
    "cell_moments": S(lambda: dict(sq=_sq(), dist=stats.norm()), "dist"),
    "cell_probabilities": S(lambda: dict(sq=_sq(), dist=stats.norm()), "dist"),
    "gaussian_rd": S(lambda: dict(D=np.array([0.1, 0.5])), "D", inf_ok=True),
    "gaussian_dr": S(lambda: dict(R=np.array([0.5, 1.0])), "R"),
    "reverse_water_filling": S(lambda: dict(variances=np.array([1.0, 0.5, 0.1]), D=0.3), "variances"),
    "gauss_markov_rd": S(lambda: dict(D=0.1, rho=0.5), "D", inf_ok=True),
    "differential_entropy": S(lambda: dict(dist=stats.norm()), "dist"),
    "shannon_lower_bound": S(lambda: dict(h=1.5, D=0.1), "h"),
    "discretized_rd": S(lambda: dict(source=stats.norm(), n_points=33, betas=np.array([1.0, 4.0])), "betas", slow=True),
    "blahut_arimoto": S(lambda: dict(p_x=np.array([0.5, 0.5]), distortion=np.array([[0.0, 1.0], [1.0, 0.0]]), beta=2.0), "p_x"),
    "rd_curve": S(lambda: dict(p_x=np.array([0.5, 0.5]), distortion=np.array([[0.0, 1.0], [1.0, 0.0]]), betas=np.array([1.0, 2.0])), "p_x"),
    "quantizer_performance": S(lambda: dict(sq=_sq(), dist=stats.norm()), "dist"),
    "lloyd_max": S(lambda: dict(n=4), "n"),
    "optimal_uniform": S(lambda: dict(n=4), "n"),
    "uniform_threshold_quantizer": S(lambda: dict(step=0.5), "step"),
    "entropy_constrained_uniform": S(lambda: dict(rate=1.5), "rate"),
    "fsq_operational_rd": S(lambda: dict(levels=[5], compare=False), "levels"),
    "fsq_vector_rd": S(lambda: dict(levels=[5, 4], variances=np.array([1.0, 0.5])), "variances"),
    "tanh_compander_limits": S(lambda: dict(gain=1.0), "gain"),
    "optimal_levels": S(lambda: dict(codebook_size=64, variances=np.array([1.0, 0.5])), "variances", slow=True),
    "paper_levels_comparison": S(lambda: dict(), "", slow=True),
    "level_table": S(lambda: dict(max_level=6), "max_level", slow=True),
    "w2_1d": S(lambda: dict(x=np.array([0.1, 0.5, -1.0]), y=np.array([0.0, 0.3])), "x"),
    "w2_gaussian": S(lambda: dict(m1=np.zeros(2), S1=np.eye(2), m2=np.ones(2), S2=2 * np.eye(2)), "S1"),
    "w2_quantization": S(lambda: dict(quantizer=_sq(), source=stats.norm()), "source"),
    "w2_quantization_pot": S(lambda: dict(quantizer=_fsq(), x=np.random.default_rng(0).standard_normal((60, 2)), n_sub=30, repeats=2, rng=0), "x", slow=True),
    "entropy": S(lambda: dict(counts_or_pmf=np.array([5, 3, 1, 1])), "counts_or_pmf"),
    "entropy_estimate": S(lambda: dict(counts=np.array([5, 3, 1, 1])), "counts"),
    "mutual_information": S(lambda: dict(joint=np.array([[5, 1], [2, 7]])), "joint"),
    "kl_divergence": S(lambda: dict(p=np.array([0.5, 0.5]), q=np.array([0.25, 0.75])), "p"),
    "codebook_usage": S(lambda: dict(counts=np.array([5, 0, 1, 1])), "counts"),
    "expected_codebook_usage": S(lambda: dict(pmf=np.array([0.5, 0.25, 0.25]), n=10), "pmf"),
    "perplexity": S(lambda: dict(counts_or_pmf=np.array([5, 3, 1, 1])), "counts_or_pmf"),
    "information_flow": S(lambda: dict(quantizer=_sq(), source=stats.norm(), noise_scale=0.1), "noise_scale", inf_ok=True),  # no noise: capacity bound inf
    "information_flow_empirical": S(lambda: dict(quantizer=_fsq(), x=Z2), "x", inf_ok=True),
    "fisher_information": S(lambda: dict(quantizer=_sq(), family=stats.norm, theta=np.array([0.0, 1.0])), "theta"),
    "fisher_information_mc": S(lambda: dict(quantizer=_sq(), family=stats.norm, theta=np.array([0.0, 1.0]), n=2000, rng=0), "theta"),
    "continuous_fisher_information": S(lambda: dict(family=stats.norm, theta=np.array([0.0, 1.0])), "theta"),
    "fisher_rao_distance": S(lambda: dict(p=np.array([0.5, 0.5]), q=np.array([0.25, 0.75])), "p"),
    "DiscreteChannel": S(lambda: dict(W=np.array(CH)), "W"),
    "bsc": S(lambda: dict(p=0.11), "p"),
    "bec": S(lambda: dict(e=0.3), "e"),
    "z_channel": S(lambda: dict(p=0.2), "p"),
    "fsq_awgn_channel": S(lambda: dict(levels=[3], snr_db=5.0), "snr_db"),
    "capacity": S(lambda: dict(W=np.array(CH)), "W"),
    "capacity_result": S(lambda: dict(W=np.array(CH)), "W"),
    "gallager_e0": S(lambda: dict(W=np.array(CH), rho=0.5), "W"),
    "random_coding_exponent": S(lambda: dict(W=np.array(CH), R=0.1), "W"),
    "random_coding_exponent_result": S(lambda: dict(W=np.array(CH), R=0.1), "W"),
    "sphere_packing_exponent": S(lambda: dict(W=np.array(CH), R=0.1), "W", inf_ok=True),
    "sphere_packing_exponent_result": S(lambda: dict(W=np.array(CH), R=0.1), "W", inf_ok=True),
    "expurgated_exponent": S(lambda: dict(W=np.array(CH), R=0.05), "W", inf_ok=True),
    "expurgated_exponent_result": S(lambda: dict(W=np.array(CH), R=0.05), "W", inf_ok=True),
    "critical_rate": S(lambda: dict(W=np.array(CH)), "W"),
    "cutoff_rate": S(lambda: dict(W=np.array(CH)), "W"),
    "zero_rate_limit": S(lambda: dict(W=np.array(CH)), "W"),
    "source_coding_exponent": S(lambda: dict(P=np.array([0.7, 0.2, 0.1]), R=1.0), "P", inf_ok=True),
    "token_source_coding": S(lambda: dict(token_distribution=np.array([0.7, 0.2, 0.1]), codebook_size=3, dim=2), "token_distribution", inf_ok=True),
    "simulate_random_codes": S(lambda: dict(W=np.array(CH), n=8, R=0.25, trials=50, rng=0), "W", slow=True),
    "finite_class_bound": S(lambda: dict(class_size=100, n=50), "n"),
    "generalization_experiment": S(lambda: dict(levels_list=((3, 3),), n_values=(25,), repetitions=3), "levels_list", slow=True),
    "generalization_reference": S(lambda: dict(levels_list=((3, 3),), n_values=(25,), repetitions=3), "levels_list", slow=True),
    "bottleneck_union_bound": S(lambda: dict(n_tokens=16, n=50), "n"),
    "bottleneck_cell_bound": S(lambda: dict(joint=np.full((4, 2), 1 / 8), n=50), "joint"),
    "mixture_token_joint": S(lambda: dict(levels=[3, 3]), "levels"),
    "token_erm_expected_excess": S(lambda: dict(joint=np.array([[0.3, 0.2], [0.1, 0.4]]), n=20), "joint"),
    "bottleneck_experiment": S(lambda: dict(levels_list=((3, 3),), n_values=(25,), repetitions=3), "levels_list", slow=True),
    "bottleneck_reference": S(lambda: dict(levels_list=((3, 3),), n_values=(25,), repetitions=3), "levels_list", slow=True),
    "potential": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "potential_gradient": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "potential_hessian": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "code_potential_derivatives": S(lambda: dict(fsq=_fsq(), u=Z2 / 4), "u"),
    "gradient_flow": S(lambda: dict(fsq=_fsq(), z0=np.array([0.3, -0.2]), t=np.array([0.0, 1.0])), "z0"),
    "exact_code_flow": S(lambda: dict(fsq=_fsq(), z0=np.array([0.3, -0.2]), t=np.array([0.0, 1.0])), "z0"),
    "flow_limit_codes": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "euler_map": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "stability_table": S(lambda: dict(fsq=_fsq()), "fsq"),
    "ste_jacobian": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "hard_clamp_bound": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "seed_indicator": S(lambda: dict(z=Z2), "z"),
    "dithered_code_mean": S(lambda: dict(fsq=_fsq(), z=Z2), "z"),
    "gaussian_log_likelihood": S(lambda: dict(x=Z2, x_hat=Z2 * 0.9, sigma=0.5), "x"),
    "ste_descent": S(lambda: dict(fsq=_fsq(), z0=np.array([0.3, -0.2]), target=np.array([0.5, 0.5]), step=0.1, n_steps=5), "z0"),
    "train_toy_autoencoder": S(lambda: dict(fsq=_fsq(), variances=np.array([1.0, 0.5]), n_samples=50, n_steps=5), "variances", slow=True),
    "axis_aligned_reference_loss": S(lambda: dict(fsq=_fsq(), variances=np.array([1.0, 0.5])), "variances"),
    "bivariate_normal_cdf": S(lambda: dict(h=np.array([0.1, -0.5]), k=np.array([0.2, 0.3]), rho=0.5), "h"),
    "consecutive_token_pmf": S(lambda: dict(sq=_sq(), rho=0.5), "rho"),
    "token_persistence": S(lambda: dict(sq=_sq(), rho=0.5), "rho"),
    "vector_token_persistence": S(lambda: dict(fsq=_fsq(), rho=0.5), "rho"),
    "flip_rate": S(lambda: dict(sq=_sq(), rho=0.5), "rho"),
    "token_sequence_pmf": S(lambda: dict(sq=_sq(), rho=0.5, order=2), "rho"),
    "entropy_rate_bounds": S(lambda: dict(sq=_sq(), rho=0.5, max_order=2), "rho"),
    "predictive_token_distribution": S(lambda: dict(sq=_sq(), rho=0.5, x_prev=np.array([0.1, -0.3])), "x_prev"),
    "causal_prediction": S(lambda: dict(sq=_sq(), rho=0.5), "rho"),
    "simulate_token_persistence": S(lambda: dict(sq=_sq(), source=F.GaussMarkovSource(0.5), n=4096 * 4, n_batches=4), "n", count=True),
    "beta_schedule": S(lambda: dict(kind="linear", T=20), "T"),
    "alpha_bar": S(lambda: dict(betas=np.array([0.1, 0.2, 0.3])), "betas"),
    "diffusion_snr": S(lambda: dict(betas=np.array([0.1, 0.2, 0.3])), "betas", inf_ok=True),
    "code_grid_pmfs": S(lambda: dict(fsq=F.FSQ([3])), "scale"),
    "token_diffusion": S(lambda: dict(fsq=F.FSQ([3]), betas=np.array([0.1, 0.2, 0.3])), "betas"),
    "token_loss_time": S(lambda: dict(result=_diffusion(), fraction=0.5), "fraction",
                         nan_ok=("*",)),  # documented: NaN when the level is never reached
    "simulate_forward": S(lambda: dict(fsq=F.FSQ([3]), betas=np.array([0.1, 0.2, 0.3]), n=200), "betas"),
    "ResidualFSQ": S(lambda: dict(levels=[3], num_stages=2), "levels"),
    "composite_cells": S(lambda: dict(rq=_rq()), "stage_scales", inf_ok=True),  # outer edges
    "hierarchy_rate_distortion": S(lambda: dict(rq=_rq(), gain=1.0), "gain"),
    "simulate_hierarchy": S(lambda: dict(rq=_rq(), n=1000), "n", count=True),
    "best_gain": S(lambda: dict(rq=_rq()), "dim"),
    "optimize_stage_scales": S(lambda: dict(rq=_rq(), maxiter=20), "dim", slow=True),
    "cross_token_pmf": S(lambda: dict(sq_x=_sq(), sq_y=_sq(), rho=0.5), "rho"),
    "cross_modal_information": S(lambda: dict(fsq_x=_fsq(), fsq_y=_fsq(), rho=np.array([0.5, 0.9])), "rho"),
    "simulate_cross_modal": S(lambda: dict(fsq_x=_fsq(), fsq_y=_fsq(), rho=0.5, n=2000, rng=0), "n", count=True),
    "compare_codebooks": S(lambda: dict(rho=0.5, levels=5), "rho"),
    "joint_decoder_mse": S(lambda: dict(sq_x=_sq(), sq_y=_sq(), rho=0.5), "rho"),
    "cross_modal_information_cov": S(lambda: dict(fsq_x=F.FSQ([5]), fsq_y=_fsq(), cov=np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.1], [0.2, 0.1, 1.0]])), "cov"),
}


X64 = np.random.default_rng(0).standard_normal((64, 2))
X1024 = np.random.default_rng(1).standard_normal((1024, 2))

# Public names of the subpackages that fsq_theory does not re-export, keyed "subpackage.name".
STRATEGIES.update({
    "empirical.best_gain_per_dimension": S(lambda: dict(x=X64, levels=[5, 4]), "x"),
    "empirical.empirical_optimal_levels": S(lambda: dict(x=X64, codebook_size=20), "x"),
    "empirical.fsq_operating_points": S(lambda: dict(x=X64, level_lists=[[5, 4]]), "x"),
    "empirical.knn_entropy": S(lambda: dict(x=X64), "x"),
    "empirical.rd_sandwich": S(lambda: dict(x=X1024, bounds=("gaussian", "separable")), "x"),
    "empirical.sample_size_curve": S(lambda: dict(x=X1024, fractions=(0.5, 1.0), bounds=("gaussian",)), "x"),
    "alternatives.CodebookQuantizer": S(lambda: dict(codebook=Z2), "codebook"),
    "alternatives.kmeans_vq": S(lambda: dict(data=X64, size=4, n_init=1), "data"),
    "alternatives.ResidualVQ": S(lambda: dict(stages=(_resolve("alternatives.CodebookQuantizer")(Z2),) * 2), "stages"),
    "alternatives.residual_kmeans_vq": S(lambda: dict(data=X64, sizes=[2, 2], n_init=1), "data"),
    "alternatives.FSQQuantizer": S(lambda: dict(levels=[5, 4]), "levels"),
    "alternatives.lfq": S(lambda: dict(dim=2), "dim", count=True),
    "alternatives.ResidualFSQQuantizer": S(lambda: dict(levels=[5], num_stages=2), "levels"),
    "alternatives.LatticeQuantizer": S(lambda: dict(name="D4", scale=1.0), "scale"),
    "alternatives.TruncatedLattice": S(lambda: dict(name="A2", size=16), "size", count=True),
    "alternatives.EntropyCodedLattice": S(lambda: dict(name="A2", scale=0.5), "scale"),
    "alternatives.normalized_second_moment": S(lambda: dict(lattice="A2", n=1000), "n", count=True),
    "alternatives.compare_quantizers": S(lambda: dict(source=F.GaussianSource(dim=2), rates=[1.0],
                                                      quantizers=("fsq",), n_train=2000,
                                                      n_test=5000), "rates"),
    "alternatives.rd_reference": S(lambda: dict(source=F.GaussianSource(dim=2)), "source"),
    "alternatives.ar1_block_source": S(lambda: dict(rho=0.5, n=4), "rho"),
    "alternatives.loss_decomposition": S(lambda: dict(dim=2, rho=0.5), "rho"),
    "alternatives.renyi_entropy_bits": S(lambda: dict(dist=stats.norm(), alpha=2.0), "alpha"),
    "alternatives.compander_l2d": S(lambda: dict(dist=stats.norm()), "dist"),
    "alternatives.held_out_split": S(lambda: dict(n=100, block=10), "n", count=True),
    "alternatives.AffineQuantizer": S(lambda: dict(inner=_resolve("alternatives.CodebookQuantizer")(Z2),
                                                   mean=np.array([0.1, -0.2])), "mean"),
    "alternatives.sandwich_reference": S(lambda: dict(x=X1024, bounds=("gaussian", "separable")),
                                         "x", nan_ok=("h_bits",)),  # documented: no k-NN bound
    "datasets.load_eeg_latents": S(lambda: dict(), ""),
    "datasets.load_image_latents": S(lambda: dict(), ""),
    "report.report": S(lambda: dict(latents=X1024, levels=[5, 4], kmeans=False, sample_size=1000,
                                    progress=False), "latents",
                      # the report records the input's dtype (e.g. >f8): the rest must agree
                      key=lambda r: {k: v for k, v in r.document.items() if k != "input"}),
})
SUBPACKAGES = ("empirical", "alternatives", "datasets", "report")


def _resolve(name):
    """The callable a strategy key names: ``fsq_theory.NAME`` or ``fsq_theory.SUB.NAME``."""
    import importlib

    if "." in name:
        sub, attr = name.split(".")
        return getattr(importlib.import_module(f"fsq_theory.{sub}"), attr)
    return getattr(F, name)


def _public_callables():
    import importlib
    import inspect

    names = list(F.__all__)
    for sub in SUBPACKAGES:
        mod = importlib.import_module(f"fsq_theory.{sub}")
        names += [f"{sub}.{n}" for n in mod.__all__ if n not in F.__all__]
    out = []
    for name in names:
        obj = _resolve(name)
        if not callable(obj) or dataclasses.is_dataclass(obj) or inspect.isabstract(obj):
            continue  # constants, result records and abstract interfaces
        out.append(name)
    return out


def test_every_public_callable_has_a_strategy():
    missing = [n for n in _public_callables() if n not in STRATEGIES]
    assert not missing, (f"public callables without a hostile-input strategy: {missing}; add an "
                         "entry to STRATEGIES in tests/test_hostile.py (a valid call and the "
                         "argument to attack)")
    stale = [n for n in STRATEGIES if n not in _public_callables()]
    assert not stale, f"strategies for names no longer public: {stale}"


# --- hostile values -----------------------------------------------------------------------------

def _big_endian(a):
    return a.astype(a.dtype.newbyteorder(">" if np.little_endian else "<"))


def _non_contiguous(a):
    return np.repeat(a, 2, axis=-1)[..., ::2] if a.ndim else a


def _read_only(a):
    b = a.copy()
    b.flags.writeable = False
    return b


def _with(a, value):
    b = a.astype(np.float64).copy()
    b.flat[0] = value
    return b


# (case name, builder from the valid value, kind): kind "bad" must raise naming the argument or
# return finite values; "benign" must give the baseline result; "any" must raise or be finite;
# "extreme" (finite values whose results overflow) may also return +-inf, never NaN
ARRAY_CASES = [
    ("nan", lambda a: _with(a, np.nan), "bad"),
    ("inf", lambda a: _with(a, np.inf), "bad"),
    ("-inf", lambda a: _with(a, -np.inf), "bad"),
    ("empty", lambda a: np.array([]), "bad"),
    ("zero_size_2d", lambda a: np.empty((0,) + a.shape[1:]) if a.ndim > 1 else np.empty((0, 2)), "bad"),
    ("rank_up", lambda a: a[None, None], "bad"),
    ("scalar", lambda a: a.ravel()[0] if a.size else 0.0, "any"),
    ("bool", lambda a: a.astype(bool), "any"),
    ("complex", lambda a: a + 1j, "bad"),
    ("object", lambda a: a.astype(object), "any"),
    ("str", lambda a: "abc", "bad"),
    ("none", lambda a: None, "any"),
    ("big_endian", _big_endian, "benign"),
    ("non_contiguous", _non_contiguous, "benign"),
    ("read_only", _read_only, "benign"),
    ("float16", lambda a: a.astype(np.float16), "any"),
    ("int", lambda a: np.round(a).astype(np.int64), "any"),
    ("huge", lambda a: a * 1e300, "extreme"),
]
SCALAR_CASES = [
    ("nan", lambda x: math.nan, "bad"), ("inf", lambda x: math.inf, "any"),
    ("-inf", lambda x: -math.inf, "any"), ("zero", lambda x: 0 * x, "any"),
    ("negative", lambda x: -abs(x) - 1, "any"), ("huge", lambda x: 10 ** 18 if isinstance(x, int) else 1e300, "extreme"),
    ("tiny", lambda x: 5e-324, "extreme"), ("bool", lambda x: True, "any"),
    ("str", lambda x: "1", "bad"), ("complex", lambda x: 1j, "bad"), ("none", lambda x: None, "any"),
    ("list", lambda x: [x, x], "any"), ("beyond_int64", lambda x: 2 ** 64, "extreme"),
]
QUICK = {"nan", "empty", "rank_up", "complex", "object", "str", "big_endian", "read_only",
         "negative", "huge", "bool", "zero"}


def _cases(value):
    if isinstance(value, np.ndarray):
        return ARRAY_CASES
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float)) for v in value):
        return ARRAY_CASES
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return SCALAR_CASES
    return [("none", lambda x: None, "any"), ("str", lambda x: "abc", "bad"),
            ("float", lambda x: 1.5, "any"), ("array", lambda x: Z2, "any")]


def _params():
    out = []
    for name, strat in STRATEGIES.items():
        kwargs = strat.call()
        if strat.target and strat.target not in kwargs:
            value = None
        elif strat.target:
            value = kwargs[strat.target]
        else:
            continue
        for case, build, kind in _cases(np.asarray(value) if isinstance(value, list) and name not in ("FSQ", "ResidualFSQ", "fsq_operational_rd") else value):
            marks = []
            if strat.count and case in ("huge", "beyond_int64"):
                continue
            if strat.slow or case not in QUICK:
                marks.append(pytest.mark.slow)
            out.append(pytest.param(name, case, id=f"{name}-{case}", marks=marks))
    return out


def _finite(x, path="result"):
    """Yield paths of non-finite floats in a result (recursing into records and containers)."""
    if isinstance(x, (bool, np.bool_, str, bytes, type(None))):
        return
    if isinstance(x, (float, np.floating, complex, np.complexfloating)):
        if not np.isfinite(x):
            yield path, bool(np.isnan(x))
        return
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "fc" and not np.isfinite(x).all():
            yield path, bool(np.isnan(x).any())
        elif x.dtype == object:
            for i, v in enumerate(x.ravel()[:50]):
                yield from _finite(v, f"{path}[{i}]")
        return
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        for fld in dataclasses.fields(x):
            yield from _finite(getattr(x, fld.name), f"{path}.{fld.name}")
        return
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _finite(v, f"{path}[{k!r}]")
        return
    if isinstance(x, (list, tuple)):
        for i, v in enumerate(x):
            yield from _finite(v, f"{path}[{i}]")
        return
    try:
        import pandas as pd

        if isinstance(x, pd.DataFrame):
            num = x.select_dtypes("number").to_numpy(dtype=float)
            if not np.isfinite(num).all():
                yield path, bool(np.isnan(num).any())
    except ImportError:  # pragma: no cover
        pass


def _same(a, b):
    """Whether two results agree (arrays to 1e-12 relative, records field by field)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, float, int, np.floating, np.integer)):
        a, b = np.asarray(a), np.asarray(b)
        if a.dtype.kind in "fciub" and b.dtype.kind in "fciub":
            return a.shape == b.shape and np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True)
    if hasattr(a, "__dict__") and type(a) is type(b):
        return _same(vars(a), vars(b))
    try:
        return bool(a == b)
    except Exception:
        return True


def _snapshot(kwargs):
    return {k: copy.deepcopy(v) for k, v in kwargs.items()
            if isinstance(v, (np.ndarray, list))}


CALL_SECONDS = 30  # a hostile input must be refused or answered, not run for hours


class _Timeout(Exception):
    pass


def _run(name, kwargs):
    import signal

    def alarm(signum, frame):
        raise _Timeout(f"{name} did not return within {CALL_SECONDS} s")

    import inspect

    fn = _resolve(name)
    try:
        if "rng" in inspect.signature(fn).parameters and "rng" not in kwargs:
            kwargs = {**kwargs, "rng": 0}  # reproducible: benign variants compare results
    except (TypeError, ValueError):
        pass
    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CALL_SECONDS)
    try:
        with np.errstate(all="ignore"):
            return fn(**kwargs)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name, case", _params())
def test_hostile_first_argument(name, case):
    strat = STRATEGIES[name]
    kwargs = strat.call()
    valid = kwargs.get(strat.target)
    cases = {c: (b, k) for c, b, k in _cases(np.asarray(valid) if isinstance(valid, list) and name not in ("FSQ", "ResidualFSQ", "fsq_operational_rd") else valid)}
    build, kind = cases[case]
    base_value = np.asarray(valid) if isinstance(valid, list) else valid
    hostile = build(base_value)
    kwargs[strat.target] = hostile
    before = _snapshot(kwargs)
    try:
        result = _run(name, kwargs)
    except FileNotFoundError:
        assert case == "str", f"{name}: FileNotFoundError for {strat.target}=<{case}>"
        return  # a string is a path for data arguments; a missing file is the right answer
    except (ValueError, TypeError) as exc:
        if kind == "benign":
            pytest.fail(f"{name}({strat.target}=<{case}>) refused an input with valid values: {exc}")
        msg = str(exc)
        if kind == "bad":
            assert strat.target.lower() in msg.lower() or case in ("str", "none"), \
                f"{name}: the error for {strat.target}=<{case}> does not name the argument: {msg!r}"
        return
    except Exception as exc:  # anything else escapes the documented contract
        pytest.fail(f"{name}({strat.target}=<{case}>) raised {type(exc).__name__}: {exc}")
    finally:
        for k, v in before.items():
            now = kwargs[k]
            if isinstance(v, np.ndarray):
                assert isinstance(now, np.ndarray) and now.shape == v.shape and \
                    (np.array_equal(now, v, equal_nan=True) if v.dtype.kind in "fc"
                     else np.array_equal(now, v)), f"{name} modified its input {k}"
    bad = [(p, isnan) for p, isnan in _finite(result)
           if "*" not in strat.nan_ok and not any(p.startswith(f"result.{n}") for n in strat.nan_ok)]
    if bad and (strat.inf_ok or kind == "extreme"):
        nans = [p for p, isnan in bad if isnan]
        assert not nans, f"{name}({strat.target}=<{case}>) returned NaN at {nans[:3]}"
    elif bad:
        pytest.fail(f"{name}({strat.target}=<{case}>) returned non-finite values at {bad[:3]}")
    if kind == "benign":
        kwargs[strat.target] = np.ascontiguousarray(np.asarray(base_value).astype(
            np.asarray(base_value).dtype.newbyteorder("=")))
        key = strat.key or (lambda r: r)
        assert _same(key(result), key(_run(name, kwargs))), \
            f"{name}({strat.target}=<{case}>) differs from the result on the plain array"


# gaps the sweep found in other owners' code, left for them; strict=False so a fix does not break
KNOWN: dict = {}
KNOWN[("stream_stats", "huge")] = "stream_stats: var and mse_centroid NaN for |x| ~ 1e300 " \
    "(inf - inf in the accumulate kernel's sums of squares)"
KNOWN[("w2_quantization_pot", "huge")] = "w2_quantization_pot: stderr NaN for |x| ~ 1e300 (overflow)"
for _n in ("fisher_information", "continuous_fisher_information"):
    KNOWN[(_n, "hypothesis")] = f"{_n}: NaN for a scale below ~1e-150 (1/scale^2 overflows; fisher)"
KNOWN[("stream_stats", "hypothesis")] = KNOWN[("stream_stats", "huge")]


@pytest.fixture(autouse=True)
def _known_gaps(request):
    spec = getattr(request.node, "callspec", None)
    if spec is not None:
        key = (spec.params.get("name"), spec.params.get("case"))
        if key in KNOWN:
            request.node.add_marker(pytest.mark.xfail(reason=KNOWN[key], strict=False))


# --- property-based: hypothesis-drawn arrays for every array argument (-m slow) -----------------

def _array_targets():
    out = []
    for name, strat in STRATEGIES.items():
        if not strat.target:
            continue
        value = strat.call().get(strat.target)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f" and not strat.slow:
            out.append(name)
    return out


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("name", _array_targets())
@pytest.mark.parametrize("case", ["hypothesis"])
def test_hostile_hypothesis_arrays(name, case):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp

    strat = STRATEGIES[name]
    shape = strat.call()[strat.target].shape
    elements = st.floats(allow_nan=True, allow_infinity=True, width=64)
    arrays = hnp.arrays(np.float64, st.sampled_from([shape, (0,) + shape[1:], shape[:1]]),
                        elements=elements)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(arrays)
    def check(arr):
        kwargs = strat.call()
        kwargs[strat.target] = arr
        before = arr.copy()
        try:
            result = _run(name, kwargs)
        except (ValueError, TypeError):
            return
        finally:
            assert np.array_equal(arr, before, equal_nan=True), f"{name} modified its input"
        if strat.inf_ok or "*" in strat.nan_ok:
            return
        bad = [(p, isnan) for p, isnan in _finite(result)
               if not any(p.startswith(f"result.{n}") for n in strat.nan_ok)]
        mag = np.abs(arr[np.isfinite(arr) & (arr != 0)])
        # values beyond 1e150 or below 1e-150 in magnitude may overflow to inf, never to NaN
        extreme = mag.size and (mag.max() > 1e150 or mag.min() < 1e-150)
        if extreme:
            bad = [(p, isnan) for p, isnan in bad if isnan]
        assert not bad, f"{name}({strat.target}={arr!r}) returned non-finite values at {bad[:3]}"

    check()
