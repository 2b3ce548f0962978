"""Error exponents against closed forms (Gallager 1968, ch. 5) and independent computations."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

from fsq_theory.coding import DiscreteChannel, bec, bsc, capacity, fsq_awgn_channel, z_channel
from fsq_theory.coding import (critical_rate, cutoff_rate, expurgated_exponent,
                                  expurgated_exponent_result, gallager_e0,
                                  random_coding_exponent, random_coding_exponent_result,
                                  source_coding_exponent, sphere_packing_exponent,
                                  token_source_coding, zero_rate_limit)

TOL = 1e-9


def h2(p):
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def d2(a, b):
    """Binary divergence D(a || b) in bits."""
    out = 0.0
    for x, y in ((a, b), (1 - a, 1 - b)):
        if x > 0:
            out += x * math.log2(x / y)
    return out


def inv_h2(y):
    """delta in [0, 1/2] with h(delta) = y."""
    if y <= 0:
        return 0.0
    return brentq(lambda t: h2(t) - y, 1e-300, 0.5, xtol=1e-16, rtol=1e-15)


# ---------------------------------------------------------------------------------------------
# BSC(p), Gallager (1968) sec. 5.6, example on pp. 146-147 and eqs. (5.6.41)-(5.6.45):
#   E0(rho) = rho - (1+rho) log2(p^{1/(1+rho)} + (1-p)^{1/(1+rho)})   (uniform inputs)
#   R0 = 1 - log2(1 + 2 sqrt(p(1-p)))
#   delta_crit = sqrt(p) / (sqrt(p) + sqrt(1-p)),  R_crit = 1 - h(delta_crit)
#   Er(R) = D(delta || p) with 1 - h(delta) = R for R_crit <= R <= C;  R0 - R below R_crit
#   Esp(R) = D(delta || p) for 0 < R <= C
# Expurgated (sec. 5.7, eq. (5.7.20) and the BSC example): with z = 2 sqrt(p(1-p)),
#   Eex(R) = -delta_GV log2 z,  h(delta_GV) = 1 - R, for R <= R_x = 1 - h(z/(1+z));
#   Eex(R) = R0 - R for R_x <= R <= R_crit.
# ---------------------------------------------------------------------------------------------
class BSC:
    def __init__(self, p):
        self.p = p
        self.C = 1 - h2(p)
        self.R0 = 1 - math.log2(1 + 2 * math.sqrt(p * (1 - p)))
        dc = math.sqrt(p) / (math.sqrt(p) + math.sqrt(1 - p))
        self.Rcrit = 1 - h2(dc)
        self.z = 2 * math.sqrt(p * (1 - p))
        self.Rx = 1 - h2(self.z / (1 + self.z))

    def e0(self, rho):
        a = 1 / (1 + rho)
        return rho - (1 + rho) * math.log2(self.p ** a + (1 - self.p) ** a)

    def esp(self, R):
        return 0.0 if R >= self.C else d2(inv_h2(1 - R), self.p)

    def er(self, R):
        return self.R0 - R if R < self.Rcrit else self.esp(R)

    def eex(self, R):
        return -inv_h2(1 - R) * math.log2(self.z) if R <= self.Rx else self.R0 - R


@pytest.mark.parametrize("p", [0.01, 0.05, 0.11, 0.25])
def test_bsc_rates(p):
    ref = BSC(p)
    ch = bsc(p)
    assert cutoff_rate(ch) == pytest.approx(ref.R0, abs=TOL)
    assert critical_rate(ch) == pytest.approx(ref.Rcrit, abs=TOL)
    assert capacity(ch) == pytest.approx(ref.C, abs=TOL)


@pytest.mark.parametrize("rho", [0.0, 0.2, 0.5, 1.0])
def test_bsc_e0(rho):
    ref = BSC(0.08)
    assert gallager_e0(bsc(0.08), rho) == pytest.approx(ref.e0(rho), abs=1e-12)
    assert gallager_e0(bsc(0.08), rho, [0.5, 0.5], base="nats") == pytest.approx(
        ref.e0(rho) * math.log(2), abs=1e-12)


@pytest.mark.parametrize("p", [0.02, 0.11])
def test_bsc_exponents(p):
    ref = BSC(p)
    ch = bsc(p)
    rates = [0.5 * ref.Rcrit, 0.99 * ref.Rcrit, 0.5 * (ref.Rcrit + ref.C), 0.9 * ref.C, ref.C]
    for R in rates:
        assert random_coding_exponent(ch, R) == pytest.approx(ref.er(R), abs=TOL), R
        assert sphere_packing_exponent(ch, R) == pytest.approx(ref.esp(R), abs=TOL), R
    for R in [0.3 * ref.Rx, 0.8 * ref.Rx, 0.5 * (ref.Rx + ref.Rcrit)]:
        assert expurgated_exponent(ch, R) == pytest.approx(ref.eex(R), abs=TOL), R
    # nats: exponent and rate both converted
    R = 0.5 * ref.C
    assert random_coding_exponent(ch, R * math.log(2), base="nats") == pytest.approx(
        ref.er(R) * math.log(2), abs=TOL)


def test_bsc_exponent_result_fields():
    ref = BSC(0.05)
    R = 0.5 * (ref.Rcrit + ref.C)
    r = random_coding_exponent_result(bsc(0.05), R)
    # at R >= Rcrit the optimal rho solves R = E0'(rho): the tilted crossover equals delta(R)
    delta = inv_h2(1 - R)
    a = 1 / (1 + r.rho)
    assert 0 < r.rho < 1
    assert ref.p ** a / (ref.p ** a + (1 - ref.p) ** a) == pytest.approx(delta, abs=1e-6)
    np.testing.assert_allclose(r.input_distribution, [0.5, 0.5], atol=1e-12)
    assert expurgated_exponent_result(bsc(0.05), 0.1).certified


# ---------------------------------------------------------------------------------------------
# BEC(e), uniform inputs (Gallager 1968, problem 5.x; the derivation is one line):
#   E0(rho) = -log2(e + (1-e) 2^{-rho}),  R0 = log2(2/(1+e)),  R_crit = (1-e)/(1+e),
#   Esp(R) = D(1-R || e)  (erasure fraction exceeding 1-R),  Er = Esp above R_crit,
#   R0 - R below. Bhattacharyya distance of the two inputs is e, so the expurgated exponent has
#   the BSC form with z = e.
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("e", [0.1, 0.3, 0.6])
def test_bec_closed_forms(e):
    ch = bec(e)
    C, R0, Rc = 1 - e, math.log2(2 / (1 + e)), (1 - e) / (1 + e)
    assert cutoff_rate(ch) == pytest.approx(R0, abs=TOL)
    assert critical_rate(ch) == pytest.approx(Rc, abs=TOL)
    for rho in (0.3, 1.0):
        assert gallager_e0(ch, rho) == pytest.approx(-math.log2(e + (1 - e) * 2 ** -rho), abs=1e-12)
    for R in [0.3 * Rc, 0.9 * Rc, 0.5 * (Rc + C), 0.95 * C]:
        esp = d2(1 - R, e)
        er = R0 - R if R < Rc else esp
        assert random_coding_exponent(ch, R) == pytest.approx(er, abs=TOL)
        assert sphere_packing_exponent(ch, R) == pytest.approx(esp, abs=TOL)
    Rx = 1 - h2(e / (1 + e))
    for R in [0.2 * Rx, 0.7 * Rx]:
        assert expurgated_exponent(ch, R) == pytest.approx(-inv_h2(1 - R) * math.log2(e), abs=TOL)


# ---------------------------------------------------------------------------------------------
# Channels without closed forms: independent brute force over (rho, q) and structural facts
# ---------------------------------------------------------------------------------------------
def brute_er(W, R, n_rho=401, n_q=4001):
    """Er for a binary-input channel by exhaustive grid over rho and q (independent of the
    package's Arimoto iteration)."""
    W = np.asarray(W)
    rhos = np.linspace(0, 1, n_rho)[:, None, None]
    q1 = np.linspace(0, 1, n_q)[None, :, None]
    a = 1 / (1 + rhos)
    alpha = (1 - q1) * W[0][None, None, :] ** a + q1 * W[1][None, None, :] ** a
    e0 = -np.log2(np.sum(alpha ** (1 + rhos), axis=2))
    return float(np.max(e0 - rhos[:, :, 0] * R))


@pytest.mark.parametrize("R", [0.05, 0.2, 0.35])
def test_z_channel_er_against_brute_force(R):
    ch = z_channel(0.3)
    got = random_coding_exponent(ch, R)
    brute = brute_er(ch.W, R)
    # the grid can only undershoot the true maximum, by O(grid step^2)
    assert brute - 1e-9 <= got <= brute + 1e-5


def test_general_channel_structure():
    ch = fsq_awgn_channel([5], 3.0)
    C, R0, Rc = capacity(ch), cutoff_rate(ch), critical_rate(ch)
    assert 0 < Rc < R0 < C
    assert random_coding_exponent(ch, C) == pytest.approx(0.0, abs=1e-9)
    for R in np.linspace(0.05, 0.95, 5) * C:
        er, esp = random_coding_exponent(ch, R), sphere_packing_exponent(ch, R)
        assert 0 < er <= esp + 1e-12
        if R < Rc:
            assert er == pytest.approx(R0 - R, abs=1e-9)
        else:
            assert er == pytest.approx(esp, abs=1e-9)
    # Eex >= Er below R_crit, Eex = R0 - R on [R_x, R_crit] so Eex >= Er there too
    for R in [0.1 * Rc, 0.5 * Rc]:
        assert expurgated_exponent(ch, R) >= random_coding_exponent(ch, R) - 1e-12


def test_zero_rate_limit():
    assert zero_rate_limit(bsc(0.1)) == 0.0
    # noiseless ternary: every output reachable from one input only -> R_inf = log2 3 = C
    assert zero_rate_limit(np.eye(3)) == pytest.approx(math.log2(3), abs=1e-12)
    # typewriter-like channel on 4 letters: each output from 2 inputs -> R_inf = 1 bit
    W = 0.5 * (np.eye(4) + np.roll(np.eye(4), 1, axis=1))
    assert zero_rate_limit(W) == pytest.approx(1.0, abs=1e-9)
    assert sphere_packing_exponent(DiscreteChannel(W), 0.9) == math.inf


# ---------------------------------------------------------------------------------------------
# Source coding exponent: primal (tilted family) against the dual form
#   e(R) = sup_{rho >= 0} [rho R - (1+rho) log2 sum_x P(x)^{1/(1+rho)}]   (Gallager 1968, prob.
#   5.16; Jelinek 1968), computed here by a fine grid + bounded maximization.
# ---------------------------------------------------------------------------------------------
def dual_source_exponent(P, R):
    from scipy.optimize import minimize_scalar

    P = np.asarray(P, dtype=float)
    P = P[P > 0] / P.sum()
    f = lambda r: -(r * R - (1 + r) * math.log2(np.sum(P ** (1 / (1 + r)))))  # noqa: E731
    grid = np.geomspace(1e-6, 1e4, 400)
    k = int(np.argmin([f(r) for r in grid]))
    res = minimize_scalar(f, bounds=(grid[max(k - 1, 0)], grid[min(k + 1, 399)]), method="bounded",
                          options={"xatol": 1e-12})
    return max(-res.fun, 0.0)


@pytest.mark.parametrize("P", [[0.7, 0.2, 0.1], [0.5, 0.25, 0.125, 0.125], [0.9, 0.05, 0.05, 0.0]])
def test_source_exponent_primal_dual(P):
    H = -sum(p * math.log2(p) for p in P if p > 0)
    top = math.log2(sum(p > 0 for p in P))
    assert source_coding_exponent(P, 0.5 * H) == 0.0
    for t in (0.2, 0.6, 0.9):
        R = H + t * (top - H)
        assert source_coding_exponent(P, R) == pytest.approx(dual_source_exponent(P, R), abs=1e-8)
    assert source_coding_exponent(P, top + 0.01) == math.inf


def test_source_exponent_binary_closed_form():
    # binary source: the minimizing Q is Bernoulli(q) with h(q) = R, e(R) = D(q || p)
    p, R = 0.1, 0.7
    q = inv_h2(R)
    assert source_coding_exponent([1 - p, p], R) == pytest.approx(d2(q, p), abs=1e-12)


def test_token_source_coding():
    P = np.array([40, 30, 20, 10, 0, 0, 0, 0, 0])  # counts
    r = token_source_coding(P, codebook_size=9, dim=2)
    H = -sum(p * math.log2(p) for p in P[:4] / 100)
    assert r.fixed_rate_per_vector == pytest.approx(math.log2(9))
    assert r.fixed_rate_per_scalar == pytest.approx(math.log2(9) / 2)
    assert r.entropy_saving == pytest.approx(math.log2(9) - H)
    assert r.exponents[0] == 0.0 and r.exponents[-1] == math.inf  # unused codes: R > log2 4
    assert len(r.to_frame()) == 21


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def test_bad_input():
    ch = bsc(0.1)
    with pytest.raises(ValueError, match="rho must be <= 1"):
        gallager_e0(ch, 1.5)
    with pytest.raises(ValueError, match="rho must be >= 0"):
        gallager_e0(ch, -0.1)
    with pytest.raises(ValueError, match="R must be >= 0"):
        random_coding_exponent(ch, -0.1)
    with pytest.raises(ValueError, match="R must be <= log"):
        sphere_packing_exponent(ch, 1.5)
    with pytest.raises(ValueError, match="q must sum to 1"):
        gallager_e0(ch, 0.5, [0.5, 0.6])
    with pytest.raises(ValueError, match="row-stochastic"):
        random_coding_exponent([[0.5, 0.4], [0.5, 0.5]], 0.1)
    with pytest.raises(ValueError, match="P must be >= 0"):
        source_coding_exponent([0.5, -0.5, 1.0], 0.2)


def test_token_source_coding_from_stream_stats():
    # empirical FSQ token distribution of Gaussian latents: plug-in entropy against the exact
    # entropy of the product of Gaussian cell probabilities (Miller-Madow bias + 5 se margin)
    from fsq_theory import FSQ
    from fsq_theory.cells import cell_probabilities
    from fsq_theory.sources import GaussianSource
    from fsq_theory.stats import stream_stats

    fsq = FSQ([8, 5, 5, 5])
    n = 400_000
    st = stream_stats(fsq, GaussianSource(dim=4), n, rng=0)
    r = token_source_coding(st.counts, codebook_size=fsq.codebook_size, dim=fsq.dim)
    exact = sum(-(p * np.log2(p)).sum() for p in map(cell_probabilities, fsq.scalar_quantizers()))
    bias = (np.count_nonzero(st.counts) - 1) / (2 * n * math.log(2))
    p = st.counts / n
    se = math.sqrt(max(np.sum(p * np.log2(np.where(p > 0, p, 1)) ** 2) - r.entropy_per_vector ** 2, 0) / n)
    assert abs(r.entropy_per_vector + bias - exact) < 5 * se + 1e-3
    assert r.fixed_rate_per_vector == pytest.approx(fsq.rate_bits)
    assert r.entropy_saving == pytest.approx(fsq.rate_bits - r.entropy_per_vector)
    assert np.all(np.diff(r.exponents[:-1]) >= 0)  # exponent increases with the rate


def _slsqp_max(fun, x0, bounds, n_q):
    """Maximize fun(x) with x = (extra..., q) and q on the simplex, by SLSQP (an algorithm
    independent of the package's Blahut-Arimoto / Arimoto iterations)."""
    from scipy.optimize import minimize

    cons = [{"type": "eq", "fun": lambda x: x[-n_q:].sum() - 1.0}]
    res = minimize(lambda x: -fun(x), x0, method="SLSQP", bounds=bounds, constraints=cons,
                   options={"ftol": 1e-15, "maxiter": 2000})
    return -res.fun


def test_fsq_channel_against_direct_optimization():
    # 5-level FSQ token channel at 3 dB: the optimal input is not uniform (outer codes are
    # more reliable), so this exercises the maximization over q
    ch = fsq_awgn_channel([5], 3.0)
    W = ch.W
    n = W.shape[0]
    q0 = np.full(n, 1 / n)

    def mi(q):
        q = np.clip(q, 0, None)
        out = q @ W
        return float(np.sum(q[:, None] * W * np.log2(W / out[None, :])))

    assert capacity(ch) == pytest.approx(_slsqp_max(mi, q0, [(0, 1)] * n, n), abs=1e-8)

    def e0(x):
        rho, q = x[0], np.clip(x[1:], 0, None)
        return -math.log2(np.sum((q @ W ** (1 / (1 + rho))) ** (1 + rho)))

    for R in (0.2, 0.5, 0.75):  # Er well above SLSQP's resolution (not next to C = 0.92)
        direct = _slsqp_max(lambda x: e0(x) - x[0] * R, np.r_[0.5, q0], [(0, 1)] + [(0, 1)] * n, n)
        assert random_coding_exponent(ch, R) == pytest.approx(direct, abs=1e-8)
    R0 = _slsqp_max(lambda x: e0(np.r_[1.0, x]), q0, [(0, 1)] * n, n)
    assert cutoff_rate(ch) == pytest.approx(R0, abs=1e-9)
