"""Tests of fsq_theory.alternatives: lattice decoders and kernels against brute force, NSMs
against Conway and Sloane's table, the common quantizer interface, and the comparison."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import naive_alternatives as naive
from fsq_theory._kernels import lattice as klat
from fsq_theory._kernels import nearest as knear
from fsq_theory.alternatives import (NSM_TABLE, CodebookQuantizer,
                                     EntropyCodedLattice, FSQQuantizer, LatticeQuantizer,
                                     Quantizer, ResidualFSQQuantizer, ResidualVQ,
                                     TruncatedLattice, ar1_block_source, compander_l2d,
                                     compare_quantizers, kmeans_vq, lfq, loss_decomposition,
                                     normalized_second_moment, rd_reference, renyi_entropy_bits,
                                     residual_kmeans_vq)
from fsq_theory.quantizer import FSQ
from fsq_theory.sources import GaussianSource, GaussMarkovSource, LaplaceSource

REF = Path(__file__).parent / "reference"
NAMES = ["Z", "A2", "D3", "A3*", "D4", "E8"]


def _spec(q: LatticeQuantizer):
    return q._scale * q._diag, q._shifts, q._parity


def _tieish(q, rng, m):
    """Points on or next to Voronoi boundaries: midpoints of pairs of nearby lattice points,
    deep holes (half-integer vectors) and their 1-ulp neighbours."""
    scale, shifts, _ = _spec(q)
    pts = q.ball(2.5 * float(scale.max()))
    i = rng.integers(0, len(pts), m)
    j = rng.integers(0, len(pts), m)
    mid = 0.5 * (pts[i] + pts[j])
    half = (rng.integers(-3, 4, (m, q.dim)) + 0.5) * scale
    both = np.concatenate([mid, half, np.nextafter(mid, np.inf), np.nextafter(half, -np.inf)])
    return both


@pytest.mark.parametrize("name", [*NAMES[:-1], pytest.param("E8", marks=pytest.mark.slow)])
@pytest.mark.parametrize("scale", [1.0, 0.37])
def test_closest_point_matches_brute_force(name, scale):
    q = LatticeQuantizer(name, scale, dim=3 if name == "Z" else None)
    rng = np.random.default_rng(1)
    m = 60 if q.dim == 8 else 300
    x = np.concatenate([rng.normal(0, 2.0 * scale, (m, q.dim)), _tieish(q, rng, m // 4)])
    p, d2 = naive.closest_lattice_point(x, *_spec(q))
    got = q.quantize(x)
    got_d = ((got - x) ** 2).sum(1)
    np.testing.assert_allclose(got_d, d2, rtol=1e-12, atol=1e-12 * scale ** 2)
    np.testing.assert_allclose(q.squared_error(x), got_d, rtol=1e-12, atol=1e-15)
    # the output is a lattice point: it is its own nearest point
    np.testing.assert_allclose(naive.closest_lattice_point(got, *_spec(q))[1], 0, atol=1e-20)


def test_closest_point_e8_brute_force_small():
    # the fast twin of the slow E8 case above: fewer rows, tie-ish inputs included
    q = LatticeQuantizer("E8", 0.6)
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(size=(12, 8)), _tieish(q, rng, 3)])
    np.testing.assert_allclose(q.squared_error(x), naive.closest_lattice_point(x, *_spec(q))[1],
                               rtol=1e-12, atol=1e-13)


def test_closest_point_kernel_outputs_consistent():
    q = LatticeQuantizer("E8", 0.5)
    x = np.random.default_rng(3).normal(size=(1000, 8))
    ints, cos = q.coordinates(x)
    np.testing.assert_array_equal(q.points_of(ints, cos), q.quantize(x))
    assert ((ints.sum(1) % 2) == 0).all()  # D8 parity of the integer parts


@pytest.mark.parametrize("name,radius", [("A2", 3.1), ("D4", 2.1), ("E8", 2.01), ("A3*", 2.0)])
def test_ball_points_match_naive(name, radius):
    q = LatticeQuantizer(name)
    s, sh, par = _spec(q)
    kmax = int(math.ceil(radius / s.min()))
    a = klat.ball_points(q.dim, radius, kmax, s, sh, par)
    b = naive.ball_points(q.dim, radius, kmax, s, sh, par)
    key = lambda p: sorted(map(tuple, np.round(p, 9)))  # noqa: E731
    assert key(a) == key(b)


def test_e8_shells():
    # theta series of E8 = Eisenstein E4: 240 sigma_3(m) vectors of squared norm 2m (SPLAG ch. 4,
    # eq. (104)); up to norm 16 the ball holds 340321 points
    n2 = np.round((LatticeQuantizer("E8").ball(4.0) ** 2).sum(1), 9)
    sigma3 = [sum(k ** 3 for k in range(1, m + 1) if m % k == 0) for m in range(1, 9)]
    assert [int((n2 == 2 * m).sum()) for m in range(9)] == [1] + [240 * s for s in sigma3]
    assert len(n2) == 340321


def test_ball_refuses_before_the_work():
    with pytest.raises(ValueError, match="radius 40.0.*max_memory"):
        LatticeQuantizer("E8").ball(40.0)


@pytest.mark.parametrize("M,d", [(1, 3), (7, 1), (64, 2), (300, 8)])
def test_nearest_codeword_kernel_matches_naive(M, d):
    rng = np.random.default_rng(M)
    cb = rng.normal(size=(M, d))
    x = np.concatenate([rng.normal(size=(500, d)), cb[:5] + 0.0])
    idx = np.empty(len(x), np.int64)
    d2 = np.empty(len(x))
    knear.nearest_codeword(x, np.ascontiguousarray(cb.T), (cb ** 2).sum(1), idx, d2)
    ni, nd = naive.nearest_codeword(x, cb)
    np.testing.assert_allclose(d2, nd, rtol=1e-12, atol=1e-12)
    # same winner except on numerical near-ties of the ranking score
    true_gap = ((x[:, None] - cb[None]) ** 2).sum(-1)
    np.testing.assert_allclose(true_gap[np.arange(len(x)), idx], nd, rtol=1e-9, atol=1e-12)
    assert (idx == ni).mean() > 0.999


def test_nearest_ties_lowest_index():
    cb = np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]])
    assert CodebookQuantizer(cb).encode([[0.9, 0.1], [0.0, 0.0]]).tolist() == [0, 0]


def test_codebook_quantizer_chunks(monkeypatch):
    from fsq_theory.alternatives import _vq

    monkeypatch.setattr(_vq, "_CHUNK", 7)
    cb = np.random.default_rng(0).normal(size=(10, 3))
    x = np.random.default_rng(1).normal(size=(50, 3)).astype(np.float32)
    assert np.array_equal(CodebookQuantizer(cb).encode(x),
                          naive.nearest_codeword(x.astype(np.float64), cb)[0])


# --- normalized second moments -----------------------------------------------------------

def test_nsm_table_is_reference():
    ref = json.loads((REF / "alternatives_nsm.json").read_text())
    for k, val in ref.items():
        assert NSM_TABLE[k] == pytest.approx(float(val["closed_form"]), rel=1e-14)
        assert round(NSM_TABLE[k], 7) == float(val["table_2_3"])
    assert NSM_TABLE["A3"] == NSM_TABLE["D3"]


@pytest.mark.parametrize("name", NAMES)
def test_nsm_matches_conway_sloane(name):
    # n chosen so that 3 SE <= 1e-4 for every lattice (Z has the largest spread, sd 0.075)
    est = normalized_second_moment(name, 5_000_000, dim=4 if name == "Z" else None, rng=11)
    assert 3 * est.se <= 1e-4
    assert abs(est.value - NSM_TABLE[name]) <= 3 * est.se
    assert abs(est.value - NSM_TABLE[name]) <= 1e-4


def test_nsm_scale_invariant_and_cell_volume():
    a = normalized_second_moment(LatticeQuantizer("D4", 0.3), 200_000, rng=5)
    b = normalized_second_moment(LatticeQuantizer("D4", 3.0), 200_000, rng=5)
    assert a.value == pytest.approx(b.value, rel=1e-9)
    assert LatticeQuantizer("A2", 2.0).cell_volume == pytest.approx(4 * math.sqrt(3) / 2)
    assert LatticeQuantizer("A3*", 2.0).cell_volume == pytest.approx(4.0)


def test_nsm_detects_wrong_volume():
    # planted error: a wrong cell volume moves the estimate far beyond 3 SE
    q = LatticeQuantizer("E8")
    q._base_volume = 1.01
    est = normalized_second_moment(q, 1_000_000, rng=1)
    assert abs(est.value - NSM_TABLE["E8"]) > 3 * est.se


def test_lattice_validation():
    with pytest.raises(ValueError, match="name"):
        LatticeQuantizer("E7")
    with pytest.raises(ValueError, match="scale"):
        LatticeQuantizer("E8", -1.0)
    with pytest.raises(ValueError, match="dim must be 8"):
        LatticeQuantizer("E8", dim=4)
    with pytest.raises(ValueError, match="shape"):
        LatticeQuantizer("A2").quantize(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        LatticeQuantizer("A2").quantize([[np.nan, 0.0]])


# --- truncated and entropy-coded lattices ------------------------------------------------

@pytest.mark.parametrize("name,M", [("A2", 16), ("E8", 256), ("Z", 4), ("D4", 100)])
def test_truncated_lattice_size_and_encoding(name, M):
    t = TruncatedLattice(name, M, scale=0.7, dim=2 if name == "Z" else None)
    assert t.codebook_size == M and t.rate_bits == pytest.approx(math.log2(M))
    norms = (t.codebook ** 2).sum(1)
    assert np.all(np.diff(np.round(norms, 9)) >= 0)  # ball shaping: shells in order
    assert len(np.unique(np.round(t.codebook, 9), axis=0)) == M
    x = np.random.default_rng(0).normal(size=(400, t.dim))
    np.testing.assert_array_equal(t.encode(x), naive.nearest_codeword(x, t.codebook)[0])


def test_truncated_z_is_centred_cube():
    t = TruncatedLattice("Z", 4, dim=1)
    assert sorted(t.codebook.ravel().tolist()) == [-1.5, -0.5, 0.5, 1.5]


def test_truncated_fit_scale_lowers_mse():
    x = np.random.default_rng(0).normal(size=(20_000, 2))
    t = TruncatedLattice("A2", 16)
    f = t.fit_scale(x)
    assert f.squared_error(x).mean() < t.squared_error(x).mean()


def test_entropy_coded_lattice_roundtrip_and_entropy():
    q = EntropyCodedLattice("E8", 0.4)
    x = np.random.default_rng(0).normal(size=(5000, 8))
    np.testing.assert_array_equal(q.decode(q.encode(x)), q.quantize(x))
    assert q.codebook_size is None and math.isnan(q.rate_bits)
    h = q.index_entropy_bits(x)
    _, c = np.unique(q.encode(x), return_counts=True)
    assert h == pytest.approx(-(c / c.sum() * np.log2(c / c.sum())).sum())
    with pytest.raises(ValueError, match="packable"):
        EntropyCodedLattice("E8", 1e-3).encode(x[:2])


# --- one interface for all quantizers ----------------------------------------------------

def _all_quantizers(x2):
    return [
        FSQQuantizer.for_distribution([5, 5]),
        FSQQuantizer([4, 4], gain=0.7),
        lfq(2),
        kmeans_vq(x2, 8, n_init=2, rng=0),
        residual_kmeans_vq(x2, [4, 4], n_init=1, rng=0),
        ResidualFSQQuantizer([2, 2], 2, gain=0.8),
        TruncatedLattice("A2", 16, scale=0.6),
        EntropyCodedLattice("A2", 0.5),
    ]


def test_common_interface():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 2))
    for q in _all_quantizers(x):
        assert isinstance(q, Quantizer)
        idx = q.encode(x[:200])
        assert idx.dtype == np.int64 and idx.shape == (200,)
        np.testing.assert_allclose(q.decode(idx), q.quantize(x[:200]), rtol=0, atol=1e-6)
        if q.codebook_size is not None:
            assert q.rate_bits == pytest.approx(math.log2(q.codebook_size))
            assert idx.min() >= 0 and idx.max() < q.codebook_size
            with pytest.raises(ValueError, match="indices"):
                q.decode([q.codebook_size])


def test_fsq_wrapper_uses_fsq_encoder():
    x = np.random.default_rng(0).normal(size=(1000, 3))
    q = FSQQuantizer([7, 5, 8], gain=[0.5, 0.6, 0.7])
    assert np.array_equal(q.encode(x), FSQ([7, 5, 8]).encode(x * [0.5, 0.6, 0.7]))


def test_fsq_for_distribution_matches_exact_mse():
    from fsq_theory.rate_distortion import fsq_operational_rd

    exact = float(fsq_operational_rd([8], decoder="centroid", compare=False).mse.iloc[0])
    q = FSQQuantizer.for_distribution([8, 8])
    x = np.random.default_rng(2).normal(size=(400_000, 2))
    e = ((q.quantize(x) - x) ** 2).mean(1)
    assert abs(e.mean() - exact) < 4 * e.std() / math.sqrt(e.size)


def test_lfq_is_sign_quantizer():
    q = lfq(3)
    assert q.fsq.levels == (2, 2, 2) and q.fsq.symmetric
    np.testing.assert_allclose(q.points[0], [-math.sqrt(2 / math.pi), math.sqrt(2 / math.pi)])
    x = np.random.default_rng(0).normal(size=(300_000, 3))
    e = ((q.quantize(x) - x) ** 2).mean(1)
    assert abs(e.mean() - (1 - 2 / math.pi)) < 4 * e.std() / math.sqrt(e.size)
    assert np.array_equal(q.cells(x), (x >= 0).astype(np.int64))


def test_residual_fsq_wrapper_matches_reference_units():
    from fsq_theory.hierarchical import ResidualFSQ

    x = np.random.default_rng(0).normal(size=(500, 2))
    q = ResidualFSQQuantizer([3, 3], 3, gain=0.5)
    np.testing.assert_allclose(q.quantize(x), ResidualFSQ([3, 3], 3).quantize(x * 0.5) / 0.5)
    np.testing.assert_allclose(q.decode(q.encode(x)), q.quantize(x), atol=1e-12)


def test_residual_vq_greedy_stages():
    x = np.random.default_rng(0).normal(size=(4000, 2))
    rvq = residual_kmeans_vq(x, [4, 4], n_init=1, rng=1)
    s0, s1 = rvq.stages
    r = x - s0.quantize(x)
    np.testing.assert_allclose(rvq.quantize(x), s0.quantize(x) + s1.quantize(r))
    with pytest.raises(TypeError):
        ResidualVQ([1, 2])


def test_kmeans_reproducible_and_validated():
    x = np.random.default_rng(0).normal(size=(2000, 2))
    a = kmeans_vq(x, 8, n_init=2, rng=5).codebook
    b = kmeans_vq(x, 8, n_init=2, rng=5).codebook
    assert np.array_equal(a, b)
    with pytest.raises(ValueError, match="size"):
        kmeans_vq(x[:5], 8)


# --- acceptance: k-means VQ on the 2-D Gaussian ------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("bits", [1, 2])
def test_kmeans_2d_gaussian_near_reference(bits):
    ref = json.loads((REF / "alternatives_vq2d.json").read_text())
    M = 4 ** bits
    d_ref = ref[str(M)]["mse_per_dim"]
    rng = np.random.default_rng(bits)
    q = kmeans_vq(rng.normal(size=(200_000, 2)), M, n_init=10, rng=bits)
    x = rng.normal(size=(1_000_000, 2))
    e = q.squared_error(x) / 2
    d, se = e.mean(), e.std() / math.sqrt(e.size)
    assert abs(d - d_ref) / d_ref < 0.01
    assert d + 4 * se > 4.0 ** -bits  # never beats D(R) = 2^(-2R)


# --- R(D) reference, sources, decomposition ----------------------------------------------

def test_ar1_blocks_are_gauss_markov_marginals():
    src = ar1_block_source(0.8, 4)
    gm = GaussMarkovSource(0.8, dim=1).sample(400_000, rng=0)[:, 0].reshape(-1, 4)
    np.testing.assert_allclose(np.cov(gm.T), src.cov, atol=0.02)


def test_rd_reference_gaussian_and_laplace():
    ref = rd_reference(ar1_block_source(0.9, 8))
    assert ref.kind == "rd"
    assert ref.rd(ref.dr(3.0)) == pytest.approx(3.0)
    from fsq_theory.rate_distortion import gauss_markov_rd

    # the block R(D) lies above the process R(D) (blocks ignore the correlation across them)
    assert ref.rd(0.01) > gauss_markov_rd(0.01, 0.9)
    lap = rd_reference(LaplaceSource(2 ** -0.5, dim=2))
    assert lap.kind == "slb"
    assert lap.rd(0.1) == pytest.approx(math.log2(2 * math.e * 2 ** -0.5)
                                        - 0.5 * math.log2(2 * math.pi * math.e * 0.1))


def test_renyi_and_compander_against_closed_forms():
    from fsq_theory.rate_distortion import tanh_compander_limits

    # Panter-Dite: (1/12) (int phi^(1/3))^3 = sqrt(3) pi / 2 and 9/2 for the unit Laplace
    assert 2 ** (2 * renyi_entropy_bits(stats.norm(), 1 / 3)) / 12 == pytest.approx(
        math.sqrt(3) * math.pi / 2, rel=1e-12)
    assert 2 ** (2 * renyi_entropy_bits(stats.laplace(scale=2 ** -0.5), 1 / 3)) / 12 == \
        pytest.approx(4.5, rel=1e-12)
    q = renyi_entropy_bits(stats.logistic(), 0.5)
    assert q > renyi_entropy_bits(stats.logistic(), 1.0)  # h_alpha decreasing in alpha
    assert compander_l2d(stats.norm())[0] == pytest.approx(tanh_compander_limits().l2d, rel=1e-8)


def test_loss_decomposition_known_values():
    df = loss_decomposition(dim=8, rho=0.9).set_index(["quantizer", "component"]).db
    assert df["fsq", "space_filling"] == pytest.approx(10 * math.log10(2 * math.pi * math.e / 12))
    assert df["fsq", "shape"] == pytest.approx(2.8139, abs=1e-4)  # Lookabaugh-Gray: 2.81 dB
    assert df["scalar_optimal", "total"] - df["fsq", "memory"] == pytest.approx(
        10 * math.log10(math.sqrt(3) * math.pi / 2))  # Panter-Dite gap 4.35 dB
    assert df["fsq", "memory"] == pytest.approx(10 * math.log10(1 / 0.19))
    assert df["lattice_E8", "space_filling"] == pytest.approx(
        10 * math.log10(2 * math.pi * math.e * 929 / 12960))
    lap = loss_decomposition(stats.laplace(scale=2 ** -0.5), dim=1, lattice="Z")
    assert lap.set_index(["quantizer", "component"]).db["fsq", "shape"] == pytest.approx(
        5.6277, abs=1e-4)  # Laplace: 20 log10(2) (3/2 ln 3 - 1)/ln 2


@pytest.mark.slow
def test_compare_quantizers_small():
    df = compare_quantizers(GaussianSource(dim=2), [1.0, 2.0], n_train=4000, n_test=20_000,
                            n_init=2, rng=0)
    assert {"fsq", "lfq", "vq", "rvq", "rfsq", "lattice_A2", "ec_Z", "ec_A2"} <= set(df.quantizer)
    # nothing beats D(R) beyond Monte-Carlo error
    assert (df.mse + 4 * df.mse_se >= df.dr).all()
    again = compare_quantizers(GaussianSource(dim=2), [1.0, 2.0], n_train=4000, n_test=20_000,
                               n_init=2, rng=0)
    assert df.equals(again)
    with pytest.raises(ValueError, match="quantizers"):
        compare_quantizers(GaussianSource(dim=2), [1.0], quantizers=("pq",))


@pytest.mark.parametrize("module", ["_lattice", "_vq", "_fsq", "_compare"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"fsq_theory.alternatives.{module}")
    result = doctest.testmod(mod, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("bad", [np.zeros(3), "normal", 2.0])
def test_compander_l2d_refuses_what_is_not_a_distribution(bad):
    from fsq_theory.alternatives import compander_l2d

    with pytest.raises(TypeError, match="dist must be a frozen scipy.stats"):
        compander_l2d(bad)


@pytest.mark.parametrize("name,scale", [("E8", 0.3), ("A2", 0.5), ("Z", 0.01), ("E8", 1e-6)])
def test_index_entropy_matches_row_unique(name, scale):
    # the packed-key count against np.unique over rows (the last case overflows 62 bits of key
    # and takes the row path itself): the same counts in the same order, so the same bits
    from fsq_theory.stats import plugin_entropy_bits

    q = EntropyCodedLattice(name, scale, dim=3 if name == "Z" else None)
    x = np.random.default_rng(5).normal(size=(3000, q.dim))
    ints, cos = q.lattice.coordinates(x)
    ref = plugin_entropy_bits(np.unique(np.column_stack([ints, cos]), axis=0,
                                        return_counts=True)[1])
    assert q.index_entropy_bits(x) == ref
