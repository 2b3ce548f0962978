import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

import naive
from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory.cells import cell_moments, cell_probabilities
from fsq_theory.sources import GaussianSource, GaussMarkovSource, LaplaceSource
from fsq_theory.stats import stream_stats

N = 50_000


@pytest.mark.parametrize("fsq", [FSQ([8, 5, 5, 5]), FSQ([7, 4, 2, 9], symmetric=True)])
@pytest.mark.parametrize("source", [GaussianSource([1.0, 2.0, 0.5, 3.0]), LaplaceSource([1, 2, 1, 0.5]),
                                    GaussianSource(cov=np.eye(4) + 0.5)])
def test_stream_stats_matches_twin(fsq, source):
    scale = np.array([0.8, 1.0, 1.3, 0.6])
    st = stream_stats(fsq, source, N, rng=4, scale=scale, decoder="grid", chunk_size=10_000)
    x = np.concatenate(list(source.chunks(N, rng=4)))
    z = x * scale
    cells = fsq.level_indices(z)
    codes = fsq.quantize(z)
    recon = np.stack([sq.points[cells[:, k]] for k, sq in enumerate(fsq.scalar_quantizers(scale))], 1)
    ref = naive.quantization_stats(x, cells, codes, fsq.bound(z), recon)
    np.testing.assert_array_equal(st.counts, np.bincount(fsq.encode(z), minlength=fsq.codebook_size))
    for k in range(4):
        np.testing.assert_array_equal(st.marginal_counts[k], np.bincount(cells[:, k], minlength=fsq.levels[k]))
    np.testing.assert_allclose(st.mean, ref["mean"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(st.var, ref["var"], rtol=1e-10)
    # bound(): float32-rounded constants in float64 arithmetic vs the kernel's vectorised tanh
    np.testing.assert_allclose(st.mse_code_per_dim, ref["mse_code_per_dim"], rtol=1e-9)
    if np.isfinite(recon).all():
        np.testing.assert_allclose(st.mse_source_per_dim, ref["mse_source_per_dim"], rtol=1e-10)
    for k in range(4):  # empirical cell means and the within-cell spread around them
        cnt = np.bincount(cells[:, k], minlength=fsq.levels[k])
        sums = np.bincount(cells[:, k], weights=x[:, k], minlength=fsq.levels[k])
        with np.errstate(invalid="ignore"):
            means = sums / cnt
        np.testing.assert_allclose(st.centroids[k], means, rtol=1e-10, atol=1e-13)
        sse = ((x[:, k] - means[cells[:, k]]) ** 2).sum()
        assert st.mse_centroid_per_dim[k] == pytest.approx(sse / N, rel=1e-10)
    p = st.counts / N
    p = p[p > 0]
    assert st.entropy_bits == pytest.approx(-(p * np.log2(p)).sum(), rel=1e-12)
    assert st.usage == np.count_nonzero(st.counts) / fsq.codebook_size


def test_synthetic_kernel_equals_array_path():
    fsq = FSQ([8, 5, 5, 5])
    src = GaussianSource([1.0, 2.0, 0.5, 3.0])
    a = stream_stats(fsq, src, N, rng=1)
    x = np.concatenate(list(src.chunks(N, rng=1)))
    b = stream_stats(fsq, x, N)
    np.testing.assert_equal(a.summary(), b.summary())
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize("source", [GaussianSource(dim=4), GaussMarkovSource(0.8, dim=4)])
def test_chunk_size_does_not_change_results(source):
    fsq = FSQ([8, 5, 5, 5])
    runs = [stream_stats(fsq, source, 30_001, rng=2, chunk_size=c, decoder="centroid")
            for c in (4096, 10_000, 1 << 20)]
    for r in runs[1:]:
        np.testing.assert_equal(r.summary(), runs[0].summary())  # exact, floats included
        np.testing.assert_array_equal(r.counts, runs[0].counts)


_THREAD_SCRIPT = """
import json, numpy as np
from fsq_theory import FSQ
from fsq_theory.sources import GaussianSource
from fsq_theory.stats import stream_stats
s = stream_stats(FSQ([8, 5, 5, 5]), GaussianSource([1, 2, 3, 4]), 100_003, rng=5,
                 decoder="grid", chunk_size=20_000)
d = s.summary()
print(json.dumps({k: (float(v).hex() if isinstance(v, float) else v) for k, v in d.items()}
                 | {"counts": s.counts.tolist()}))
"""


def test_thread_count_does_not_change_results():
    outs = []
    for threads in ("1", "2"):
        env = dict(os.environ, NUMBA_NUM_THREADS=threads)
        r = subprocess.run([sys.executable, "-c", _THREAD_SCRIPT], env=env, capture_output=True,
                           text=True, check=True)
        outs.append(json.loads(r.stdout))
    assert outs[0] == outs[1]


def test_histogram_and_distortion_match_exact_gaussian_values():
    """Monte Carlo vs exact cell integrals: chi-square on the counts, 5 SE on the MSE."""
    fsq = FSQ([8, 5])
    var = np.array([1.0, 2.0])
    n = 400_000
    src = GaussianSource(var)
    st = stream_stats(fsq, src, n, rng=8, decoder="centroid")
    x = next(src.chunks(n, chunk_size=n, rng=8))  # the same rows, to estimate the standard error
    for k, sq in enumerate(fsq.scalar_quantizers()):
        dist = stats.norm(0, np.sqrt(var[k]))
        p = cell_probabilities(sq, dist)
        chi2 = ((st.marginal_counts[k] - n * p) ** 2 / (n * p)).sum()
        assert stats.chi2.sf(chi2, len(p) - 1) > 1e-4
        m = cell_moments(sq, dist)
        exact = m.mse(m.centroids)
        se = ((x[:, k] - m.centroids[sq.encode(x[:, k])]) ** 2).std() / np.sqrt(n)
        assert abs(st.mse_source_per_dim[k] - exact) < 4 * se


def test_scalar_quantizer_and_joint_limit():
    sq = ScalarQuantizer.uniform(6, 0.6)
    st = stream_stats(sq, GaussianSource(dim=3), 20_000, rng=0, decoder="grid")
    assert st.levels == (6, 6, 6) and st.counts.shape == (216,)
    assert st.mse_code == pytest.approx(st.mse_source, rel=1e-12)  # code domain = source domain
    big = stream_stats(FSQ([5] * 8), GaussianSource(dim=8), 10_000, rng=0, joint_limit=1000)
    assert big.counts is None and np.isnan(big.entropy_bits) and np.isnan(big.usage)
    assert big.marginal_entropy_bits.shape == (8,)


def test_bad_input():
    fsq = FSQ([8, 5, 5, 5])
    with pytest.raises(ValueError, match="n must be >= 1"):
        stream_stats(fsq, GaussianSource(dim=4), 0)
    with pytest.raises(ValueError, match="dim 4 but the source has dim 3"):
        stream_stats(fsq, GaussianSource(dim=3), 10)
    with pytest.raises(ValueError, match="decoder must"):
        stream_stats(fsq, GaussianSource(dim=4), 10, decoder="nearest")
    with pytest.raises(TypeError, match="quantizer must be"):
        stream_stats("fsq", GaussianSource(dim=4), 10)
    with pytest.raises(ValueError, match="exceeds"):
        stream_stats(fsq, np.zeros((5, 4)), 6)


def test_float32_data_binned_like_encode():
    fsq = FSQ([8, 5, 5, 5])
    z = (np.random.default_rng(3).standard_normal((20_000, 4)) * 1.5).astype(np.float32)
    # put every float32 threshold (where float64 and float32 semantics can disagree) in the data
    for k, thr in enumerate(fsq.thresholds(np.float32)):
        z[: len(thr), k] = thr
    st = stream_stats(fsq, z, len(z))
    np.testing.assert_array_equal(st.counts, np.bincount(fsq.encode(z), minlength=1000))
