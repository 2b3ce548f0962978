"""Discrete channels, the FSQ token channel and Blahut-Arimoto capacity."""

import math
from pathlib import Path

import numpy as np
import pytest

from fsq_theory import FSQ
from fsq_theory.coding import (DiscreteChannel, bec, bsc, capacity, capacity_result,
                                 fsq_awgn_channel, fsq_code_quantizers, z_channel)

REF = Path(__file__).parent / "reference"


def h2(p):
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


# --- closed forms (Gallager 1968, sec. 4.5: BSC C = 1 - h(p), BEC C = 1 - e; Z channel:
# C = log2(1 + (1-p) p^(p/(1-p))), e.g. Golomb, "The limiting behavior of the Z-channel",
# IEEE Trans. IT-26 (1980)) ---------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.01, 0.11, 0.3, 0.5, 0.77])
def test_bsc_capacity(p):
    assert capacity(bsc(p)) == pytest.approx(1 - h2(p), abs=1e-9)


@pytest.mark.parametrize("e", [0.0, 0.05, 0.5, 0.9, 1.0])
def test_bec_capacity(e):
    assert capacity(bec(e)) == pytest.approx(1 - e, abs=1e-9)


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_z_channel_capacity(p):
    r = capacity_result(z_channel(p))
    closed = math.log2(1 + (1 - p) * p ** (p / (1 - p)))
    assert r.capacity == pytest.approx(closed, abs=1e-9)
    assert 0 <= r.gap <= 1e-12 and r.capacity <= closed + 1e-12 <= r.upper_bound + 2e-12
    # optimal P(X=1) = 1 / ((1-p)(1 + 2^{h(p)/(1-p)}))  (ibid.)
    q1 = 1 / ((1 - p) * (1 + 2 ** (h2(p) / (1 - p))))
    assert r.input_distribution[1] == pytest.approx(q1, abs=1e-5)


def test_capacity_nats_and_certificate():
    ch = DiscreteChannel([[0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3]])
    r = capacity_result(ch)
    assert r.gap <= 1e-12
    assert capacity(ch, base="nats") == pytest.approx(r.capacity * math.log(2), abs=1e-12)
    # the certified value dominates I(q; W) of any input distribution
    rng = np.random.default_rng(0)
    for q in rng.dirichlet(np.ones(3), size=200):
        assert ch.mutual_information(q) <= r.upper_bound + 1e-12


def test_capacity_of_product_is_sum():
    a, b = z_channel(0.3), bsc(0.2)
    assert capacity(a.product(b)) == pytest.approx(capacity(a) + capacity(b), abs=1e-9)


# --- FSQ token channel -----------------------------------------------------------------------
@pytest.mark.parametrize("levels", [[5], [8], [7, 4], [6]])
def test_code_cells_are_fsq_cells_through_the_bound(levels):
    fsq = FSQ(levels)
    for i, (code_sq, z_sq) in enumerate(zip(fsq_code_quantizers(fsq), fsq.scalar_quantizers())):
        # the z-space thresholds mapped through FSQ's bound are the code-domain midpoints
        # FSQ's bound in real arithmetic (fsq.bound uses the reference's float32 constants)
        L = levels[i]
        half_l, off, hw = (L - 1) * (1 + fsq.eps) / 2, 0.5 * (L % 2 == 0), L // 2
        mapped = (np.tanh(z_sq.thresholds + np.arctanh(off / half_l)) * half_l - off) / hw
        np.testing.assert_allclose(mapped, code_sq.thresholds, atol=1e-12)
        # the points are the code grid, up to the float32 rounding of the reference's codes
        np.testing.assert_allclose(code_sq.points, fsq.code_values(np.float64)[i], atol=1e-7)


def test_code_cells_symmetric_mode():
    fsq = FSQ([4, 5], symmetric=True)
    for i, (code_sq, z_sq) in enumerate(zip(fsq_code_quantizers(fsq), fsq.scalar_quantizers())):
        np.testing.assert_allclose(np.tanh(z_sq.thresholds), code_sq.thresholds, atol=1e-12)


def test_fsq_channel_matches_mpmath_reference():
    ref = np.load(REF / "coding_fsq_channel.npz")
    for n in range(3):
        levels = [int(x) for x in ref[f"case{n}_levels"]]
        snr = float(ref[f"case{n}_snr_db"])
        for i in range(len(levels)):
            W = fsq_awgn_channel(levels, snr, dim=i).W
            np.testing.assert_allclose(W, ref[f"case{n}_dim{i}"], rtol=1e-10, atol=1e-15)


def test_fsq_channel_product_order_matches_fsq_indices():
    levels, snr = [3, 4], 2.0
    full = fsq_awgn_channel(levels, snr).W
    w0, w1 = (fsq_awgn_channel(levels, snr, dim=i).W for i in range(2))
    fsq = FSQ(levels)
    cells = fsq.indices_to_level_indices(np.arange(fsq.codebook_size))
    for a in range(12):
        for b in range(12):
            expect = w0[cells[a, 0], cells[b, 0]] * w1[cells[a, 1], cells[b, 1]]
            assert full[a, b] == pytest.approx(expect, rel=1e-14)


def test_fsq_channel_monte_carlo():
    # simulate: code + noise, then decide with FSQ itself via the bound's inverse where it exists
    levels, snr = [5], 6.0
    W = fsq_awgn_channel(levels, snr).W
    fsq = FSQ(levels)
    codes = fsq.code_values(np.float64)[0]
    sigma = math.sqrt(np.mean(codes ** 2) / 10 ** (snr / 10))
    rng = np.random.default_rng(1)
    n = 200_000
    k = 1
    y = codes[k] + sigma * rng.standard_normal(n)
    # nearest code value == re-quantization in the code domain
    j = np.abs(y[:, None] - codes[None, :]).argmin(axis=1)
    freq = np.bincount(j, minlength=5) / n
    se = np.sqrt(W[k] * (1 - W[k]) / n)
    assert np.all(np.abs(freq - W[k]) <= 5 * se + 1e-12)


def test_fsq_channel_capacity_limits():
    levels = [5, 3]
    caps = [capacity(fsq_awgn_channel(levels, s)) for s in (-40, 0, 15, 40)]
    assert caps[0] < 1e-3  # -> 0 as SNR falls
    assert abs(caps[-1] - math.log2(15)) < 1e-9  # -> log2|C| as SNR grows
    assert all(a < b for a, b in zip(caps, caps[1:]))
    # independent dimensions: capacity of the product = sum of per-dimension capacities
    per_dim = sum(capacity(fsq_awgn_channel(levels, 0, dim=i)) for i in range(2))
    assert caps[1] == pytest.approx(per_dim, abs=1e-9)


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize("W, match", [
    ([[0.5, 0.6], [0.5, 0.5]], "row-stochastic"),
    ([[1.2, -0.2], [0.5, 0.5]], "non-negative"),
    ([[np.nan, 1.0], [0.5, 0.5]], "non-finite"),
    ([0.5, 0.5], "2-D"),
])
def test_bad_matrix(W, match):
    with pytest.raises(ValueError, match=match):
        DiscreteChannel(W)


def test_bad_parameters():
    with pytest.raises(ValueError, match="p must be <= 1"):
        bsc(1.5)
    with pytest.raises(ValueError, match="e must be >= 0"):
        bec(-0.1)
    with pytest.raises(ValueError, match="snr_db must be finite"):
        fsq_awgn_channel([5], float("inf"))
    with pytest.raises(ValueError, match="dim must be < 1"):
        fsq_awgn_channel([5], 0.0, dim=1)
    with pytest.raises(ValueError, match="limit 4096"):
        fsq_awgn_channel([8, 8, 8, 8, 8], 0.0)
    with pytest.raises(TypeError, match="W must have a real numeric dtype"):
        DiscreteChannel([["a", "b"]])


def test_input_not_modified():
    W = np.array([[0.9, 0.1], [0.2, 0.8]])
    W.flags.writeable = False
    ch = DiscreteChannel(W)
    assert ch.W is not W and not ch.W.flags.writeable
