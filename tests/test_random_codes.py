"""Random-code Monte Carlo: kernel against its numpy twin, and the random-coding bound."""

import math

import numpy as np
import pytest

import naive
from fsq_theory._kernels.random_codes import random_code_outcomes
from fsq_theory.coding import bsc, fsq_awgn_channel, z_channel
from fsq_theory.coding import simulate_random_codes


@pytest.mark.parametrize("W, q, M, n", [
    (bsc(0.2).W, np.array([0.5, 0.5]), 8, 6),
    (z_channel(0.4).W, np.array([0.6, 0.4]), 5, 7),          # zeros in W: -inf log-likelihoods
    (fsq_awgn_channel([5], 2.0).W, np.full(5, 0.2), 6, 4),
])
def test_kernel_matches_twin(W, q, M, n):
    keys = np.random.SeedSequence(7).generate_state(4, dtype=np.uint64)
    T = 300
    out = np.empty(T, dtype=np.int8)
    cum_w = np.cumsum(W, axis=1)
    with np.errstate(divide="ignore"):
        log_w = np.log(W)
    random_code_outcomes(keys[0], keys[1], keys[2], keys[3], 11, M, n, np.cumsum(q), cum_w,
                         log_w, 1e-9, out)
    ref = naive.random_code_outcomes(keys, 11, T, M, n, q, W, 1e-9)
    np.testing.assert_array_equal(out, ref)
    assert len(set(out.tolist())) >= 2  # the case exercises more than one outcome


def test_simulation_within_gallager_bound():
    # BSC(0.1) at R = 0.2: the ensemble average must lie under the finite-n bound
    ch = bsc(0.1)
    for n in (10, 20, 30):
        r = simulate_random_codes(ch, n, 0.2, trials=4000, rng=1)
        assert r.codewords == math.ceil(2 ** (n * 0.2) - 1e-9)
        assert r.gallager_bound <= r.exponent_bound + 1e-15
        assert r.ci_low <= r.gallager_bound  # 99.9 % one-sided: fails w.p. < 1e-3 if correct
        assert r.strict_errors <= r.errors
        # not vacuous: the estimate is within a factor 20 of the bound at these n
        assert r.pe >= r.gallager_bound / 20


def test_simulation_exact_small_case():
    # n = 1, M = 2 on BSC(p): two random bits; error iff the other codeword is at least as likely
    # as the sent one: P(other == sent) (tie) + P(other != sent and y flipped) = 1/2 + p/2
    p = 0.2
    r = simulate_random_codes(bsc(p), 1, 1.0, trials=20000, rng=3)
    expect = 0.5 + 0.5 * p
    se = math.sqrt(expect * (1 - expect) / r.trials)
    assert abs(r.pe - expect) < 4 * se
    strict = 0.5 * p  # other != sent and flipped
    assert abs(r.strict_errors / r.trials - strict) < 4 * math.sqrt(strict * (1 - strict) / r.trials)


def test_seed_determinism():
    a = simulate_random_codes(bsc(0.1), 12, 0.3, trials=500, rng=5)
    b = simulate_random_codes(bsc(0.1), 12, 0.3, trials=500, rng=5)
    c = simulate_random_codes(bsc(0.1), 12, 0.3, trials=500, rng=6)
    assert (a.errors, a.strict_errors) == (b.errors, b.strict_errors)
    assert c.errors > 0 and a.errors > 0
    assert a.to_frame().shape[0] == 1
    # trial t depends on (seed, t) only: the first 250 trials of 500 are the 250-trial run
    d = simulate_random_codes(bsc(0.1), 12, 0.3, trials=250, rng=5)
    assert d.errors <= a.errors


def test_bad_input():
    with pytest.raises(ValueError, match="n must be >= 1"):
        simulate_random_codes(bsc(0.1), 0, 0.5)
    with pytest.raises(ValueError, match="R must be <= log"):
        simulate_random_codes(bsc(0.1), 10, 1.5)
    with pytest.raises(ValueError, match="exceeds"):
        simulate_random_codes(bsc(0.1), 200, 0.5, trials=10)
    with pytest.raises(ValueError, match="rng must be >= 0"):
        simulate_random_codes(bsc(0.1), 10, 0.5, rng=-1)
