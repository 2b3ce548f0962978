"""Planted-error twins of the ``fsq-theory check`` gate: every registered check must FAIL when the
quantity it checks is perturbed by about the resolution it states.

Each twin monkeypatches the package function the check evaluates (the attribute of the public
subpackage the check imports at call time) so that it returns a wrong value -- a bound halved, an
estimate biased by the check's stated resolution, a constant off by a little -- then runs that one
check and asserts it fails. ``monkeypatch`` undoes every patch after the test, so twins do not
leak state into each other or into the rest of the suite. A check registered without a twin fails
``test_every_check_has_a_twin``.
"""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pytest

import fsq_theory.coding as coding
import fsq_theory.coding._bottleneck as bottleneck
import fsq_theory.coding._learning as learning
import fsq_theory.dynamics as dynamics
import fsq_theory.geometry as geometry
import fsq_theory.geometry._information_flow as information_flow
import fsq_theory.geometry._wasserstein as wasserstein
import fsq_theory.hierarchical as hierarchical
import fsq_theory.rate_distortion as rate_distortion
import fsq_theory.stats as fstats
import fsq_theory.temporal as temporal
from fsq_theory.checks import _REGISTRY, available_checks, run_checks

# name -> list of (label, perturb(monkeypatch), slow)
TWINS: dict[str, list] = {}
# checks taking > ~5 s here: their twins are marked slow (run with -m slow)
SLOW = {"rd_blahut_arimoto_gaussian_closed_form", "rd_laplace_shannon_lower_bound",
        "dynamics_basins_equal_cells", "empirical_sandwich_real_latents",
        "alternatives_points_above_rd", "alternatives_real_latents_above_sandwich"}


def twin(name, label=""):
    def deco(fn):
        TWINS.setdefault(name, []).append((label or fn.__name__, fn))
        return fn

    return deco


def _wrap(monkeypatch, module, attr, post):
    """Replace ``module.attr`` by ``post(original(*args, **kw), *args, **kw)``."""
    orig = getattr(module, attr)

    def patched(*args, **kw):
        return post(orig(*args, **kw), *args, **kw)

    monkeypatch.setattr(module, attr, patched)


def _scaled(factor):
    return lambda value, *a, **k: value * factor


def _shifted(delta):
    return lambda value, *a, **k: value + delta


def _replace(**changes):
    """Post-processor replacing fields of a frozen dataclass result: field -> f(result)."""
    return lambda r, *a, **k: dataclasses.replace(r, **{f: g(r) for f, g in changes.items()})


# --- foundation ---------------------------------------------------------------------------------

def _fake_stream_stats(rel_shift):
    """A stream_stats stand-in: a multinomial histogram (same n, fixed seed) drawn from the exact
    cell probabilities with a fraction ``rel_shift`` of level 3's mass of dimension 0 moved to
    level 4 (what an FSQ threshold off by ~rel_shift * p/phi would do)."""
    from fsq_theory.cells import cell_probabilities

    def fake(fsq, source, n, *, rng=None, **kw):
        marg = [np.array(cell_probabilities(sq), dtype=float) for sq in fsq.scalar_quantizers()]
        moved = rel_shift * marg[0][3]
        marg[0][3] -= moved
        marg[0][4] += moved
        cells = fsq.indices_to_level_indices(np.arange(fsq.codebook_size))
        p = np.prod([marg[k][cells[:, k]] for k in range(fsq.dim)], axis=0)
        counts = np.random.default_rng(12345).multinomial(n, p / p.sum())
        return SimpleNamespace(counts=counts)

    return fake


@twin("stream_stats_chi2", "2 % of one level's mass moved to its neighbour")
def _(mp):
    mp.setattr(fstats, "stream_stats", _fake_stream_stats(0.02))


def test_stream_stats_fake_without_shift_passes(monkeypatch):
    # the stand-in itself is not what fails: unperturbed it passes
    monkeypatch.setattr(fstats, "stream_stats", _fake_stream_stats(0.0))
    (res,) = run_checks(["stream_stats_chi2"]).results
    assert res.passed, res.detail


# --- rate distortion ------------------------------------------------------------------------------

@twin("rd_no_operational_point_below_rd", "R(D) raised by 0.16 bit")
def _(mp):
    _wrap(mp, rate_distortion, "gaussian_rd", _shifted(0.16))


@twin("rd_blahut_arimoto_gaussian_closed_form", "BA rates raised by 1e-3 bit")
def _(mp):
    def post(df, *a, **k):
        df = df.copy()
        df["rate"] += 1e-3
        df["rate_lower"] += 1e-3
        return df

    _wrap(mp, rate_distortion, "discretized_rd", post)


@twin("rd_gish_pierce_limit", "the constant 1/2 log2(pi e/6) off by 2e-6 bit")
def _(mp):
    mp.setattr(rate_distortion, "GISH_PIERCE_GAP", rate_distortion.GISH_PIERCE_GAP + 2e-6)


@twin("rd_fsq_tanh_compander_limits", "fixed-rate limit off by 0.005 bit")
def _(mp):
    _wrap(mp, rate_distortion, "tanh_compander_limits",
          _replace(fixed_gap_bits=lambda r: r.fixed_gap_bits - 0.005))


@twin("rd_fsq_tanh_compander_limits", "g* off by 2.5 %")
def _(mp):
    _wrap(mp, rate_distortion, "tanh_compander_limits", _replace(gain=lambda r: r.gain * 1.025))


@twin("rd_laplace_shannon_lower_bound", "Blahut-Arimoto lower rates 0.004 bit low")
def _(mp):
    def post(df, *a, **k):
        df = df.copy()
        df["rate_lower"] -= 0.004
        return df

    _wrap(mp, rate_distortion, "discretized_rd", post)


# --- coding ---------------------------------------------------------------------------------------

@twin("coding_er_le_esp", "Esp low by relative 1e-9")
def _(mp):
    _wrap(mp, coding, "sphere_packing_exponent", _scaled(1 - 1e-9))


@twin("coding_er_zero_at_capacity", "Er off by 2e-9 bit")
def _(mp):
    _wrap(mp, coding, "random_coding_exponent", _shifted(2e-9))


@twin("coding_er_straight_line", "cutoff rate off by 2e-9 bit")
def _(mp):
    _wrap(mp, coding, "cutoff_rate", _shifted(2e-9))


@twin("coding_bsc_closed_forms", "capacity off by 2e-9 bit")
def _(mp):
    _wrap(mp, coding, "capacity", _shifted(2e-9))


@twin("coding_bsc_closed_forms", "critical rate off by 2e-9 bit")
def _(mp):
    _wrap(mp, coding, "critical_rate", _shifted(2e-9))


@twin("coding_random_code_bound", "simulated error rate doubled")
def _(mp):
    _wrap(mp, coding, "simulate_random_codes",
          _replace(pe=lambda r: 2 * r.pe, errors=lambda r: 2 * r.errors,
                   strict_errors=lambda r: 2 * r.strict_errors))


@twin("coding_random_code_bound", "Gallager bound halved")
def _(mp):
    _wrap(mp, coding, "simulate_random_codes",
          _replace(gallager_bound=lambda r: r.gallager_bound / 2))


@twin("coding_random_code_bound", "bound off by relative 3e-9")
def _(mp):
    _wrap(mp, coding, "simulate_random_codes",
          _replace(gallager_bound=lambda r: r.gallager_bound * (1 + 3e-9)))


@twin("learning_generalization_bound", "excess-risk bound halved")
def _(mp):
    # generalization_experiment calls the module-level finite_class_bound
    _wrap(mp, learning, "finite_class_bound", _scaled(0.5))


@twin("learning_generalization_bound", "bound in log2 instead of ln")
def _(mp):
    def wrong(class_size, n, *, delta=0.05):
        return 2 * math.sqrt((math.log2(class_size) + math.log2(2 / delta)) / (2 * n))

    mp.setattr(learning, "finite_class_bound", wrong)


@twin("learning_generalization_bound", "excess-risk bound x 0.9")
def _(mp):
    _wrap(mp, learning, "finite_class_bound", _scaled(0.9))


@twin("learning_generalization_bound", "excess-risk bound x (1 + 1e-5)")
def _(mp):
    _wrap(mp, learning, "finite_class_bound", _scaled(1 + 1e-5))


@twin("learning_generalization_bound", "excess risks x (1 + 1e-5): violation counts alone")
def _(mp):
    _wrap(mp, coding, "generalization_experiment",
          _replace(excess=lambda r: r.excess * (1 + 1e-5)))


@twin("learning_bottleneck_bound", "per-token bound halved")
def _(mp):
    # bottleneck_experiment calls the module-level bound functions
    _wrap(mp, bottleneck, "bottleneck_cell_bound", _scaled(0.5))


@twin("learning_bottleneck_bound", "per-token bound x (1 + 1e-5)")
def _(mp):
    _wrap(mp, bottleneck, "bottleneck_cell_bound", _scaled(1 + 1e-5))


@twin("learning_bottleneck_bound", "excess risks x (1 - 1e-5): violation counts alone")
def _(mp):
    _wrap(mp, coding, "bottleneck_experiment", _replace(excess=lambda r: r.excess * (1 - 1e-5)))


@twin("learning_bottleneck_bound", "union bound x 0.9")
def _(mp):
    _wrap(mp, bottleneck, "bottleneck_union_bound", _scaled(0.9))


@twin("learning_bottleneck_bound", "excess risks x 1.03")
def _(mp):
    _wrap(mp, coding, "bottleneck_experiment", _replace(excess=lambda r: r.excess * 1.03))


# --- dynamics and the STE -------------------------------------------------------------------------

@twin("dynamics_basins_equal_cells", "one coordinate's limit moved to the next code")
def _(mp):
    def post(lim, fsq, z, **kw):
        lim = lim.copy()
        L = fsq.levels[0]
        step = 2 / (L - 1) if fsq.symmetric else 1 / (L // 2)
        lim[0, 0] += step if lim[0, 0] < 0 else -step
        return lim

    _wrap(mp, dynamics, "flow_limit_codes", post)


@twin("dynamics_hessian_positive_at_codes", "potential off by relative 1e-5")
def _(mp):
    _wrap(mp, dynamics, "code_potential_derivatives",
          lambda out, *a, **k: (out[0] * (1 + 1e-5),) + tuple(out[1:]))


@twin("dynamics_hessian_positive_at_codes", "latent Hessian off by relative 1e-5")
def _(mp):
    _wrap(mp, dynamics, "potential_hessian", _scaled(1 + 1e-5))


@twin("ste_jacobian_is_bound_derivative", "Jacobian off by factor 1 + 3e-6")
def _(mp):
    _wrap(mp, dynamics, "ste_jacobian", _scaled(1 + 3e-6))


@twin("ste_seed_indicator_corrected", "Jacobian off by factor 1.001")
def _(mp):
    _wrap(mp, dynamics, "ste_jacobian", _scaled(1.001))


@twin("ste_seed_indicator_corrected", "Jacobian off by factor 1 + 1e-8")
def _(mp):
    _wrap(mp, dynamics, "ste_jacobian", _scaled(1 + 1e-8))


def _convergence_bound_with_delta(factor):
    def perturb(mp):
        orig = dynamics.ste_convergence_bound

        def patched(n_steps, *, delta, **kw):
            return orig(n_steps, delta=delta * factor, **kw)

        mp.setattr(dynamics, "ste_convergence_bound", patched)

    return perturb


twin("dynamics_ste_convergence_bound", "error term dropped")(_convergence_bound_with_delta(0.0))
twin("dynamics_ste_convergence_bound", "error term x 0.45")(_convergence_bound_with_delta(0.45))


# --- geometry -------------------------------------------------------------------------------------

@twin("w2_squared_le_mse", "W2^2 overestimated by relative 1e-9")
def _(mp):
    _wrap(mp, geometry, "w2_quantization", _scaled(1 + 1e-9))


@twin("w2_squared_equals_mse_monotone", "exact 1-D W2^2 off by relative 3e-9")
def _(mp):
    _wrap(mp, wasserstein, "w2_1d", _scaled(1 + 3e-9))


@twin("w2_normal_uniform_closed_form", "W2^2 off by 2e-9")
def _(mp):
    _wrap(mp, geometry, "w2_1d", _shifted(2e-9))


@twin("w2_1d_equals_pot", "exact 1-D W2 off by relative 1e-9")
def _(mp):
    _wrap(mp, geometry, "w2_1d", _scaled(1 + 1e-9))


@twin("w2_1d_equals_pot", "exact W2^2 of the quantized Gaussian 2.1e-3 high")
def _(mp):
    # SE of the mean of the 20 POT estimates 3.4e-4, seed's z = +1.9: 4 SE + |z| = 2.0e-3
    _wrap(mp, geometry, "w2_quantization", _shifted(2.1e-3))


@twin("bures_equals_pot", "Bures-Wasserstein off by relative 3e-9")
def _(mp):
    _wrap(mp, geometry, "w2_gaussian", _scaled(1 + 3e-9))


@twin("information_flow_identity", "I(X;Z) off by 2e-9 bit")
def _(mp):
    _wrap(mp, information_flow, "information_flow",
          _replace(mutual_information=lambda r: r.mutual_information + 2e-9))


@twin("fisher_data_processing", "token Fisher information 0.1 % high")
def _(mp):
    _wrap(mp, geometry, "fisher_information", _replace(matrix=lambda r: r.matrix * 1.001))


@twin("fisher_sign_quantizer", "Fisher information off by relative 1e-9")
def _(mp):
    _wrap(mp, geometry, "fisher_information", _replace(matrix=lambda r: r.matrix * (1 + 1e-9)))


# --- hierarchical ---------------------------------------------------------------------------------

@twin("hier_exact_vs_monte_carlo", "exact centroid MSE biased by +3 %")
def _(mp):
    _wrap(mp, hierarchical, "hierarchy_rate_distortion",
          _replace(mse_centroid=lambda r: r.mse_centroid * 1.03))


@twin("hier_centroid_mse_nonincreasing", "stage s MSE inflated by relative 1e-9 s")
def _(mp):
    _wrap(mp, hierarchical, "hierarchy_rate_distortion",
          _replace(mse_centroid=lambda r: r.mse_centroid
                   * (1 + 1e-9 * np.arange(len(r.mse_centroid)))))


@twin("hier_reference_error_nonincreasing_odd_L", "last stage scale off by relative 1e-3")
def _(mp):
    class Wrong(hierarchical.ResidualFSQ):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            scales = self._scales.copy()
            scales[-1] *= np.float32(1 + 1e-3)
            self._scales = scales

    mp.setattr(hierarchical, "ResidualFSQ", Wrong)


@twin("hier_above_gaussian_rd", "distortion underestimated by 30 %")
def _(mp):
    _wrap(mp, hierarchical, "hierarchy_rate_distortion",
          _replace(mse_centroid=lambda r: r.mse_centroid * 0.7))


@twin("hier_hard_clamp_uniform_composite", "multi-stage MSE off by relative 1e-9")
def _(mp):
    def post(r, rq, **kw):
        return dataclasses.replace(r, mse_reference=r.mse_reference * (1 + 1e-9)) \
            if rq.num_stages > 1 else r

    _wrap(mp, hierarchical, "hierarchy_rate_distortion", post)


# --- temporal and diffusion -----------------------------------------------------------------------

@twin("temporal_persistence_mc", "persistence biased by +0.002")
def _(mp):
    _wrap(mp, temporal, "simulate_token_persistence",
          _replace(persistence=lambda r: r.persistence + 0.002))


@twin("temporal_persistence_mc", "persistence biased by -0.0015")
def _(mp):
    _wrap(mp, temporal, "simulate_token_persistence",
          _replace(persistence=lambda r: r.persistence - 0.0015))


@twin("temporal_entropy_rate_sandwich", "lower bounds 2e-5 bit high")
def _(mp):
    _wrap(mp, temporal, "entropy_rate_bounds", _replace(lower=lambda r: r.lower + 2e-5))


@twin("temporal_sign_persistence", "persistence off by 1e-12")
def _(mp):
    _wrap(mp, temporal, "token_persistence", _shifted(1e-12))


@twin("temporal_flip_rate", "asymptotic constant off by relative 2e-3")
def _(mp):
    _wrap(mp, temporal, "flip_rate", _replace(asymptotic=lambda r: r.asymptotic * (1 + 2e-3)))


@twin("temporal_flip_rate", "union bound 1e-5 low")
def _(mp):
    _wrap(mp, temporal, "flip_rate",
          _replace(expected_crossings=lambda r: r.expected_crossings - 1e-5))


@twin("diffusion_token_mi_bounds", "I(K0;Kt) relative 1e-6 high")
def _(mp):
    _wrap(mp, temporal, "token_diffusion", _replace(mi=lambda r: r.mi * (1 + 1e-6)))


@twin("diffusion_token_mi_bounds", "Gaussian-channel bound halved")
def _(mp):
    _wrap(mp, temporal, "token_diffusion", _replace(mi_gaussian=lambda r: r.mi_gaussian / 2))


@twin("diffusion_token_mi_nonincreasing", "a 1e-9 bit rise at the second step")
def _(mp):
    def bump(r):
        mi = r.mi.copy()
        mi[1] += 1e-9  # at small t, I(K0;Kt) = H(K0) is flat to 1e-15
        return mi

    _wrap(mp, temporal, "token_diffusion", _replace(mi=bump))


@twin("diffusion_chain_mc", "token survival biased by 7 SE")
def _(mp):
    _wrap(mp, temporal, "simulate_forward",
          _replace(survival=lambda r: r.survival + 7 * r.survival_stderr))


# --- cross-modal tokens (geometry/_cross_modal*.py) ---------------------------------------------

@twin("crossmodal_mi_independent_reference", "I(K_X;K_Y) off by +2e-9 bit")
def _(mp):
    _wrap(mp, geometry, "cross_modal_information",
          _replace(mi_tokens=lambda r: r.mi_tokens + 2e-9))


@twin("crossmodal_data_processing", "I(K_X;K_Y) overstated by 0.5 %")
def _(mp):
    _wrap(mp, geometry, "cross_modal_information",
          _replace(mi_tokens=lambda r: r.mi_tokens * 1.005))


@twin("crossmodal_small_rho_limit", "fraction kept off by relative 1e-5")
def _(mp):
    _wrap(mp, geometry, "cross_modal_information",
          _replace(fraction=lambda r: r.fraction * (1 + 1e-5)))


@twin("crossmodal_exact_vs_monte_carlo", "Monte-Carlo I(K_X;K_Y) biased by +6 SE")
def _(mp):
    _wrap(mp, geometry, "simulate_cross_modal",
          _replace(mi_tokens=lambda r: r.mi_tokens + 6 * r.mi_stderr))


@twin("crossmodal_joint_decoder_mse", "joint-decoder MSE off by relative 1e-8")
def _(mp):
    _wrap(mp, geometry, "joint_decoder_mse",
          lambda d, *a, **k: (d[0] * (1 + 1e-8), d[1] * (1 + 1e-8)))


@twin("crossmodal_codebooks_above_rd", "every scheme's MSE under-reported by 1.7x")
def _(mp):
    _wrap(mp, geometry, "compare_codebooks",
          _replace(mse=lambda r: r.mse / 1.7))


@twin("crossmodal_codebooks_above_rd", "joint decoder 1e-9 relative worse than separate")
def _(mp):
    def worse(r):
        m = r.mse.copy()
        m[2] = m[0] * (1 + 1e-9)
        return m

    _wrap(mp, geometry, "compare_codebooks", _replace(mse=worse))


# --- the tests ------------------------------------------------------------------------------------

def _cases():
    for name in sorted(TWINS):
        for label, fn in TWINS[name]:
            marks = [pytest.mark.slow] if name in SLOW else []
            yield pytest.param(name, fn, id=f"{name}[{label}]", marks=marks)


@twin("alternatives_lattice_nsm", "tabulated G off by 1e-4")
def _twin_nsm_table_off(monkeypatch):
    import fsq_theory.alternatives as alt

    monkeypatch.setattr(alt, "NSM_TABLE", {k: g + 1e-4 for k, g in alt.NSM_TABLE.items()})


@twin("alternatives_points_above_rd", "operational MSE under-reported by 1.6x")
def _twin_mse_underreported(monkeypatch):
    import fsq_theory.alternatives as alt

    orig = alt.compare_quantizers

    def patched(*a, **k):
        df = orig(*a, **k).copy()
        df["mse"] = df["mse"] / 1.6
        df["mse_se"] = df["mse_se"] / 1.6
        return df

    monkeypatch.setattr(alt, "compare_quantizers", patched)


@twin("alternatives_real_latents_above_sandwich", "lower estimate raised by 0.5 bit/dim")
def _twin_real_lower_raised(monkeypatch):
    import fsq_theory.alternatives as alt

    orig = alt.compare_quantizers

    def patched(*a, **k):
        df = orig(*a, **k).copy()
        df["rd_lower_low"] = df["rd_lower_low"] + 0.5
        return df

    monkeypatch.setattr(alt, "compare_quantizers", patched)


@twin("empirical_sandwich_real_latents", "FSQ distortions under-reported by a factor of 100")
def _empirical_distortion_underreported(monkeypatch):
    import fsq_theory.empirical as empirical

    def post(df, *a, **k):
        df = df.copy()
        df["distortion"] = df["distortion"] / 100.0
        return df

    _wrap(monkeypatch, empirical, "fsq_operating_points", post)


@pytest.mark.parametrize("name, perturb", list(_cases()))
def test_check_fails_on_planted_error(name, perturb, monkeypatch):
    perturb(monkeypatch)
    (res,) = run_checks([name]).results
    assert not res.passed, (f"{name} passed a planted error: lhs={res.lhs}, rhs={res.rhs}, "
                            f"margin={res.margin}; {res.detail}")
    assert not res.detail.startswith("error:"), f"the planted error crashed the check: {res.detail}"


def test_every_check_has_a_twin():
    missing = sorted(set(available_checks()) - set(TWINS))
    assert not missing, f"checks without a planted-error twin in {__file__}: {missing}"
    assert not set(TWINS) - set(available_checks()), "twins of unknown checks"


def test_every_check_states_its_resolution():
    available_checks()
    vague = sorted(n for n, c in _REGISTRY.items() if len(c.resolution) < 10)
    assert not vague, f"checks without a stated resolution: {vague}"


def test_register_without_resolution_still_works(monkeypatch):
    import fsq_theory.checks as checks

    available_checks()
    monkeypatch.setattr(checks, "_REGISTRY", dict(checks._REGISTRY))

    @checks.register("zz_legacy_check", statement="1 <= 2", source="arithmetic")
    def legacy():
        return checks.Outcome.at_most(1.0, 2.0)

    (res,) = checks.run_checks(["zz_legacy_check"]).results
    assert res.passed and res.resolution == "" and res.sanity is False


def test_cli_check_table_shows_sanity_and_verbose_resolution(capsys):
    from fsq_theory.cli import main

    assert main(["check", "--only", "temporal_sign_persistence", "dynamics_hessian_positive_at_codes",
                 "--verbose", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "sanity" in out.splitlines()[0]
    assert "[dynamics_hessian_positive_at_codes] (sanity check)" in out
    assert "resolution: 1e-14 in the persistence" in out


@pytest.mark.parametrize("n, M", [(3, 2), (4, 3), (5, 2)])
def test_exact_bsc_ensemble_error_matches_enumeration(n, M):
    # the exact reference of coding_random_code_bound against brute force over every codebook of
    # M i.i.d. uniform words and every noise pattern (ties counted as errors, and strict)
    import itertools

    from fsq_theory.checks.coding import _bsc_ensemble_error

    p = 0.1
    words = np.array(list(itertools.product([0, 1], repeat=n)))
    w_e = words.sum(axis=1)
    p_e = p ** w_e * (1 - p) ** (n - w_e)
    ties = strict = 0.0
    for book in itertools.product(range(len(words)), repeat=M):
        y = (words[book[0]] + words) % 2  # every noise pattern at once
        d = np.array([(y != words[j]).sum(axis=1) for j in book[1:]])
        ties += p_e[(d <= w_e).any(axis=0)].sum()
        strict += p_e[(d < w_e).any(axis=0)].sum()
    total = len(words) ** M
    got = _bsc_ensemble_error(p, n, M)
    assert got == pytest.approx((ties / total, strict / total), rel=1e-12, abs=1e-15)
