"""Residual FSQ: reference parity, exact composite cells, exact rate-distortion vs Monte Carlo."""

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import naive
from fsq_theory.hierarchical import (
    ResidualFSQ,
    best_gain,
    composite_cells,
    hierarchy_rate_distortion,
    optimize_stage_scales,
    simulate_hierarchy,
)

FIXTURE = Path(__file__).parent / "reference" / "hier_residual_fsq.npz"

CONFIGS = [
    ([5], 3, {}),
    ([4], 3, {}),
    ([8, 5, 3], 2, {}),
    ([2, 3], 4, {}),
    ([5, 3], 3, dict(bound_hard_clamp=False)),
    ([7], 2, dict(bound_hard_clamp=False, soft_clamp_input_value=1.5)),
    ([6, 4], 3, dict(bound_hard_clamp=False)),
]


def _inputs(d, dtype, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * rng.choice([0.05, 0.5, 1.5, 6.0], size=(n, 1))
    special = np.array([0.0, -0.0, 1e6, -1e6, 1e-40, 0.2, -0.2, 1.0, -1.0])
    return np.concatenate([x, np.repeat(special[:, None], d, axis=1)]).astype(dtype)


def _twin_kwargs(kw):
    return dict(bound_hard_clamp=kw.get("bound_hard_clamp", True),
                soft_clamp=kw.get("soft_clamp_input_value"))


# --- forward pass ---------------------------------------------------------------------------
@pytest.mark.parametrize("levels,stages,kw", CONFIGS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_forward_matches_plain_numpy_twin(levels, stages, kw, dtype):
    rq = ResidualFSQ(levels, stages, **kw)
    x = _inputs(len(levels), dtype)
    out, idx = naive.residual_fsq_twin(x, levels, stages, **_twin_kwargs(kw))
    got = rq.quantize(x)
    assert got.dtype == dtype and got.shape == x.shape
    np.testing.assert_array_equal(got, out)
    np.testing.assert_array_equal(rq.encode(x), idx)


@pytest.mark.parametrize("levels,stages,kw", CONFIGS)
def test_decode_inverts_encode_and_shapes(levels, stages, kw):
    rq = ResidualFSQ(levels, stages, **kw)
    x = _inputs(len(levels), np.float32, n=600).reshape(-1, 3, len(levels))
    idx = rq.encode(x)
    assert idx.shape == (*x.shape[:-1], stages) and idx.dtype == np.int64
    assert idx.min() >= 0 and idx.max() < rq.stage_codebook_size
    # sequential sum in the forward's order: equal to the forward output bit for bit
    np.testing.assert_array_equal(rq.decode(idx), rq.quantize(x))


def test_input_not_modified_and_read_only_ok():
    rq = ResidualFSQ([5, 3], 2)
    x = _inputs(2, np.float32, n=100)
    x.flags.writeable = False
    before = x.copy()
    rq.quantize(x)
    rq.encode(x)
    np.testing.assert_array_equal(x, before)


@pytest.mark.skipif(not FIXTURE.exists(), reason="reference fixture not generated")
def test_matches_pytorch_reference_fixture():
    # torch 2.13 + vector-quantize-pytorch 1.32 under MKL_CBWR=COMPATIBLE
    # (tests/reference/hier_make_fixture.py): exact equality, no tolerance
    f = np.load(FIXTURE, allow_pickle=False)
    names = sorted({k.split("__")[0] for k in f.files if not k.startswith("meta")})
    assert len(names) == 7
    for name in names:
        sc = f[f"{name}__soft_clamp"]
        rq = ResidualFSQ(f[f"{name}__levels"].tolist(), int(f[f"{name}__stages"]),
                         bound_hard_clamp=bool(f[f"{name}__hard"]),
                         soft_clamp_input_value=float(sc[0]) if sc.size else None)
        np.testing.assert_array_equal(rq.scales, f[f"{name}__scales"], err_msg=name)
        cb = f[f"{name}__clamp_buffer"]
        if cb.size:
            np.testing.assert_array_equal(rq.soft_clamp_value, cb, err_msg=name)
        else:
            assert rq.soft_clamp_value is None
        x = f[f"{name}__x"]
        np.testing.assert_array_equal(rq.quantize(x), f[f"{name}__out"], err_msg=name)
        np.testing.assert_array_equal(rq.encode(x), f[f"{name}__indices"], err_msg=name)
        np.testing.assert_array_equal(rq.decode(f[f"{name}__indices"]), f[f"{name}__decoded"])
        x64 = f[f"{name}__x64"]
        np.testing.assert_array_equal(rq.quantize(x64), f[f"{name}__out64"], err_msg=name)
        np.testing.assert_array_equal(rq.encode(x64), f[f"{name}__indices64"], err_msg=name)


@pytest.mark.skipif(not FIXTURE.exists(), reason="reference fixture not generated")
def test_fixture_edge_cases_straddle_composite_edges():
    # the +-3 ulp neighbourhoods of the predicted edges must actually change the composite
    # index (otherwise the "hard cases" would test nothing) and the index is monotone in x
    f = np.load(FIXTURE, allow_pickle=False)
    for name in ("hard_5x3", "hard_3x4", "hard_4x3"):
        L, S = int(f[f"{name}__levels"][0]), int(f[f"{name}__stages"])
        x = f[f"{name}__x"][:, 0]
        comp = f[f"{name}__indices"] @ (L ** np.arange(S - 1, -1, -1))
        edge = comp[int(f[f"{name}__n_random"]):]
        groups = edge[: len(edge) // 7 * 7].reshape(-1, 7)
        # most of them do: where |x| is large the float32 rounding of u moves the float32 edge
        # more than 3 ulp of x away from the real-arithmetic one (measured: 79-100 %)
        assert (groups.min(1) != groups.max(1)).mean() > 0.75
        o = np.argsort(x, kind="stable")
        step = np.diff(comp[o])[np.diff(x[o]) > 0]
        assert (step >= 0).all()
        assert len(np.unique(comp)) == L ** S


# --- exact composite structure --------------------------------------------------------------
@pytest.mark.parametrize("L,S", [(2, 5), (3, 4), (4, 3), (5, 3), (8, 2)])
def test_hard_clamp_composite_is_uniform_midpoint_quantizer(L, S):
    """Exact statement: with the reference's scales L^-s and soft clamp c = L/(L-1), the
    composite of S hard-clamp stages is the uniform quantizer of u = c tanh(x/c) with L^S equal
    cells on (-c, c) and midpoint reconstruction: every index tuple is reachable."""
    rq = ResidualFSQ([L], S)
    comps = composite_cells(rq)
    c = L / (L - 1)
    for s, cc in enumerate(comps, start=1):
        n = L ** s
        assert cc.reachable == cc.possible == n and cc.unreachable == 0
        u_edges = c * np.tanh(cc.edges[1:-1] / c)
        np.testing.assert_allclose(u_edges, -c + 2 * c * np.arange(1, n) / n, rtol=0, atol=1e-13)
        np.testing.assert_allclose(cc.points, -c + c * (2 * np.arange(n) + 1) / n, atol=1e-15)
        assert cc.min_width_u == pytest.approx(2 * c / n, rel=1e-15)
        # nested refinement: the first s-1 stage indices of each cell are its parent's
        if s > 1:
            parent = comps[s - 2].stage_cells
            np.testing.assert_array_equal(cc.stage_cells[:, : s - 1], np.repeat(parent, L, axis=0))


def test_tanh_stages_waste_codes_exact_counts():
    # tanh stages without soft clamp: stage-0 outer cells hold residuals the next stage cannot
    # split into all L cells. Counts by the enumeration, cross-checked by a dense float64 scan
    rq = ResidualFSQ([5], 3, bound_hard_clamp=False)
    comps = composite_cells(rq)
    assert [c.reachable for c in comps] == [5, 21, 87]
    x = np.linspace(-40, 40, 2_000_001)
    idx = rq.encode(x[:, None])
    seen = len(np.unique(idx @ (5 ** np.arange(2, -1, -1))))
    assert seen == 87


def test_float32_forward_cells_are_the_exact_cells():
    # every index tuple the float32 forward produces on a dense grid is an enumerated cell,
    # and all enumerated cells are hit
    for kw in ({}, dict(bound_hard_clamp=False)):
        rq = ResidualFSQ([3], 4, **kw)
        cc = composite_cells(rq)[-1]
        radix = 3 ** np.arange(3, -1, -1)
        x = np.linspace(-12, 12, 400_001, dtype=np.float32)[:, None]
        got = np.unique(rq.encode(x) @ radix)
        np.testing.assert_array_equal(got, np.unique(cc.stage_cells @ radix))


def test_hard_clamp_exact_rational_enumeration():
    # hard clamp: the enumeration is done in Fractions; the edges in u are exact multiples
    L, S = 3, 3
    rq = ResidualFSQ([L], S)
    thr, codes = rq._stage_table(0)
    assert all(isinstance(t, Fraction) for t in thr + codes)


# --- rate-distortion: exact vs Monte Carlo ---------------------------------------------------
@pytest.mark.parametrize("levels,stages,kw,gain", [
    ([5], 3, {}, 0.6),
    ([4], 3, {}, 0.25),
    ([3], 4, dict(bound_hard_clamp=False), 0.5),
    ([7], 2, dict(bound_hard_clamp=False, soft_clamp_input_value=1.5), 1.0),
])
def test_exact_rate_distortion_matches_monte_carlo(levels, stages, kw, gain):
    rq = ResidualFSQ(levels, stages, **kw)
    ex = hierarchy_rate_distortion(rq, gain=gain, variance=2.0)
    mc = simulate_hierarchy(rq, 200_000, gain=gain, variance=2.0, rng=7)
    assert mc.unmatched == 0
    # 4 standard errors per stage (fixed seed)
    assert (np.abs(mc.mse_reference - ex.mse_reference) < 4 * mc.mse_reference_se).all()
    assert (np.abs(mc.mse_centroid - ex.mse_centroid) < 4 * mc.mse_centroid_se).all()
    # cell frequencies: chi-square against the exact probabilities, p > 1e-3
    from scipy import stats

    from fsq_theory.cells import cell_probabilities

    for cc, cnt in zip(composite_cells(rq), mc.counts):
        p = cell_probabilities(cc.scalar_quantizer(gain * np.sqrt(2.0)))  # X / sqrt(2) ~ N(0, 1)
        keep = p * mc.n > 5
        obs = np.append(cnt[keep], cnt[~keep].sum())
        exp = np.append(p[keep], p[~keep].sum()) * mc.n
        if exp[-1] == 0:
            obs, exp = obs[:-1], exp[:-1]
        chi2 = ((obs - exp) ** 2 / exp).sum()
        assert stats.chi2.sf(chi2, len(obs) - 1) > 1e-3


def test_variance_scaling_identity():
    # D(g; v) = v D(g sqrt(v); 1) and H(g; v) = H(g sqrt(v); 1)
    rq = ResidualFSQ([5], 2)
    a = hierarchy_rate_distortion(rq, gain=0.3, variance=4.0)
    b = hierarchy_rate_distortion(rq, gain=0.6, variance=1.0)
    np.testing.assert_allclose(a.mse_centroid, 4 * b.mse_centroid, rtol=1e-12)
    np.testing.assert_allclose(a.mse_reference, 4 * b.mse_reference, rtol=1e-12)
    np.testing.assert_allclose(a.entropy, b.entropy, rtol=1e-12)


def test_residual_equals_flat_hard_clamp_fsq_at_rescaled_gain():
    # composite of S stages of L levels == one stage of L^S levels, gain scaled by c_M / c_L
    # (both are uniform quantizers of the companded input; only c/g matters)
    for L, S in [(3, 3), (4, 2), (2, 4)]:
        M = L ** S
        res = hierarchy_rate_distortion(ResidualFSQ([L], S), gain=0.5)
        g_flat = 0.5 * (M / (M - 1)) / (L / (L - 1))
        flat = hierarchy_rate_distortion(ResidualFSQ([M], 1), gain=g_flat)
        assert res.mse_centroid[-1] == pytest.approx(flat.mse_centroid[0], rel=1e-12)
        assert res.mse_reference[-1] == pytest.approx(flat.mse_reference[0], rel=1e-12)
        assert res.entropy[-1] == pytest.approx(flat.entropy[0], rel=1e-12)


def test_centroid_mse_non_increasing_and_above_rd():
    for kw in ({}, dict(bound_hard_clamp=False)):
        for L in (2, 3, 4, 5, 8):
            rq = ResidualFSQ([L], 3, **kw)
            for g in (0.05, 0.4, 2.0):
                r = hierarchy_rate_distortion(rq, gain=g)
                assert (np.diff(r.mse_centroid) <= 1e-15).all()
                # Shannon: D >= 2^(-2 H) >= 2^(-2 R) for a unit Gaussian
                assert (r.mse_centroid >= 2.0 ** (-2 * r.entropy) * (1 - 1e-12)).all()
                assert (r.entropy <= r.fixed_rate + 1e-12).all()


def test_reference_decoder_can_get_worse_with_more_stages():
    # counterexample for even L: an input at a stage-0 code point (u = 1/3 for L = 4) is
    # reconstructed exactly by stage 0; stage 1 then adds sigma_1 * 1/3 = 1/12 (k = 2 of 4)
    rq1, rq2 = ResidualFSQ([4], 1), ResidualFSQ([4], 2)
    c = 4 / 3
    x = np.array([[c * np.arctanh((1 / 3) / c)]])
    u = rq1.soft_clamp(x)
    e1 = abs((rq1.quantize(x) - u).item())
    e2 = abs((rq2.quantize(x) - u).item())
    # (the float64 forward uses float32 constants: stage-0 error ~4e-8, not 0)
    assert e1 < 1e-6 and e2 == pytest.approx(1 / 12, rel=1e-5)
    assert e2 > 1000 * e1


@pytest.mark.parametrize("name", [
    "hier_exact_vs_monte_carlo", "hier_centroid_mse_nonincreasing",
    "hier_reference_error_nonincreasing_odd_L", "hier_above_gaussian_rd",
    "hier_hard_clamp_uniform_composite",
])
def test_registered_checks_pass(name):
    from fsq_theory.checks import run_checks

    (res,) = run_checks([name]).results
    assert res.passed, (res.lhs, res.rhs, res.detail)


def test_reference_decoder_gaussian_mse_non_increasing_on_grid():
    # observed (not a theorem, see the even-L counterexample above): zero-mean Gaussian
    for hard in (True, False):
        for L in (2, 3, 4, 5, 8):
            rq = ResidualFSQ([L], 3, bound_hard_clamp=hard)
            for g in np.geomspace(0.01, 30, 9):
                d = hierarchy_rate_distortion(rq, gain=g).mse_reference
                assert (np.diff(d) <= 1e-15).all()


def test_best_gain_and_stage_scale_fit():
    rq = ResidualFSQ([3], 2)
    g = best_gain(rq, decoder="centroid")
    d = hierarchy_rate_distortion(rq, gain=g).mse_centroid[-1]
    for f in (0.97, 1.03):
        assert hierarchy_rate_distortion(rq, gain=g * f).mse_centroid[-1] > d
    fit = optimize_stage_scales(rq, decoder="centroid", maxiter=200)
    assert fit.reference_scales_mse == pytest.approx(d, rel=1e-9)
    assert fit.mse <= d
    again = hierarchy_rate_distortion(rq, gain=fit.gain, stage_scales=fit.stage_scales)
    assert again.mse_centroid[-1] == pytest.approx(fit.mse, rel=1e-12)


def test_docstring_examples():
    import doctest

    import fsq_theory.hierarchical._residual as mod

    res = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted >= 4


# --- validation -----------------------------------------------------------------------------
@pytest.mark.parametrize("args,kw,exc,match", [
    (([5], 0), {}, ValueError, "num_stages"),
    (([5], 1.5), {}, TypeError, "num_stages"),
    (([1], 2), {}, ValueError, "levels"),
    (([5], 2), dict(soft_clamp_input_value=1.5), ValueError, "soft_clamp_input_value"),
    (([5], 2), dict(bound_hard_clamp=False, soft_clamp_input_value=-1.0), ValueError,
     "soft_clamp_input_value"),
    (([5], 2), dict(bound_hard_clamp="yes"), TypeError, "bound_hard_clamp"),
])
def test_constructor_validation(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        ResidualFSQ(*args, **kw)


def test_call_validation():
    rq = ResidualFSQ([5, 3], 2)
    with pytest.raises(ValueError, match="x must have last dimension 2"):
        rq.quantize(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        rq.encode(np.array([[np.nan, 0.0]]))
    with pytest.raises(TypeError, match="x must have a real numeric dtype"):
        rq.quantize(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="indices must have last dimension num_stages = 2"):
        rq.decode(np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 14\]"):
        rq.decode(np.array([[0, 15]]))
    with pytest.raises(TypeError, match="indices must have an integer dtype"):
        rq.decode(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="gain must be > 0"):
        hierarchy_rate_distortion(rq, gain=0.0)
    with pytest.raises(ValueError, match="dim must be < 2"):
        composite_cells(rq, dim=2)
    with pytest.raises(ValueError, match="stage_scales must have shape"):
        composite_cells(rq, stage_scales=[1.0])
    with pytest.raises(ValueError, match="decoder must be one of"):
        best_gain(rq, decoder="mean")
    with pytest.raises(TypeError, match="rq must be a ResidualFSQ"):
        composite_cells("rq")
