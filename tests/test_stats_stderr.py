"""Standard errors of ``stream_stats``: the batch-means kernel against its twin, the delta-method
entropy error against a direct formula, and every error against the spread of the estimates over
independent seeds (the property a standard error claims)."""
from __future__ import annotations

import numpy as np
import pytest

import naive_stream
from fsq_theory import FSQ
from fsq_theory._kernels import accumulate as acc
from fsq_theory._measures import plugin_entropy_stderr
from fsq_theory.sources import GaussianSource
from fsq_theory.stats import stream_stats


def test_batch_sums_matches_twin():
    rng = np.random.default_rng(0)
    d, L, nblk = 3, 5, 6
    part = rng.random((nblk, d, acc.N_PART))
    cells = rng.random((nblk, d, L, 3))
    for nrows in (nblk * acc.BLOCK, nblk * acc.BLOCK - 7, acc.BLOCK - 1):
        got = np.zeros((d + 1, acc.B_COUNT + 1))
        acc.batch_sums(part, cells, nrows, got)
        np.testing.assert_allclose(got, naive_stream.batch_sums(part, cells, nrows), rtol=1e-13)


def test_entropy_stderr_formula():
    c = np.array([5.0, 0.0, 17.0, 3.0, 75.0])
    p = c[c > 0] / c.sum()
    h = -(p * np.log2(p)).sum()
    want = np.sqrt(((p * np.log2(p) ** 2).sum() - h * h) / c.sum())
    assert plugin_entropy_stderr(c) == pytest.approx(want, rel=1e-12)
    assert plugin_entropy_stderr([4, 4, 4, 4]) == 0.0  # uniform: zero first-order variance
    with pytest.raises(ValueError, match="counts"):
        plugin_entropy_stderr([1, -1])


def test_standard_errors_match_the_spread_over_seeds():
    """Over 40 independent runs the sample standard deviation of each estimate agrees with the
    mean reported standard error: with 40 runs the ratio has a relative spread of about
    1/sqrt(78) = 11%, so |ratio - 1| < 0.4 fails with probability < 1e-3 for a right SE and
    catches an SE off by a factor 2 either way (or by the sqrt(BLOCK) of per-block for per-row)."""
    q, src, n = FSQ([8, 5, 5]), GaussianSource([1.0, 2.0, 0.5]), 1 << 16
    runs = [stream_stats(q, src, n, rng=seed, decoder="grid") for seed in range(40)]
    for name in ("mse_code", "mse_source", "mse_centroid", "entropy_bits"):
        values = np.array([getattr(r, name) for r in runs])
        se = np.mean([r.se[name] for r in runs])
        assert abs(values.std(ddof=1) / se - 1) < 0.4, (name, values.std(ddof=1), se)
    for name in ("var", "mean", "mse_code_per_dim"):
        values = np.array([getattr(r, name) for r in runs])
        se = np.mean([r.se[name] for r in runs], axis=0)
        assert np.all(np.abs(values.std(axis=0, ddof=1) / se - 1) < 0.4), (name, se)


def test_standard_errors_undefined_cases():
    st = stream_stats(FSQ([5, 5]), GaussianSource(dim=2), 5000, rng=0)
    assert np.isnan(st.se["mse_code"]) and np.isnan(st.se["var"]).all()  # < 16 full blocks
    assert np.isnan(st.se["mse_source"])  # no decoder
    assert np.isfinite(st.se["entropy_bits"]) and np.isfinite(st.se["mean"]).all()
    st = stream_stats(FSQ([5, 5]), GaussianSource(dim=2), 16 * acc.BLOCK - 1, rng=0,
                      decoder="grid")
    assert np.isnan(st.se["mse_source"])  # 15 full blocks
    st = stream_stats(FSQ([5, 5]), GaussianSource(dim=2), 16 * acc.BLOCK, rng=0, decoder="grid")
    assert np.isfinite(st.se["mse_source"]) and np.isfinite(st.se["var"]).all()


def test_standard_errors_do_not_depend_on_chunking():
    q, src = FSQ([7, 5]), GaussianSource(dim=2)
    a = stream_stats(q, src, 100_000, rng=3, chunk_size=4096, decoder="grid")
    b = stream_stats(q, src, 100_000, rng=3, chunk_size=1 << 20, decoder="grid")
    for k in a.se:
        np.testing.assert_array_equal(a.se[k], b.se[k])
