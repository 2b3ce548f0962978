import numpy as np
import pytest
from scipy import stats

import naive
from fsq_theory._kernels import rng as krng
from fsq_theory.sources import (EmpiricalSource, GaussianSource, GaussMarkovSource, LaplaceSource,
                                UniformSource, stream_key)


@pytest.mark.parametrize("kind", [krng.NOISE_NORMAL, krng.NOISE_LAPLACE, krng.NOISE_UNIFORM])
@pytest.mark.parametrize("start", [0, 1, 12345, 2**40 + 3])
def test_noise_kernel_matches_twin(kind, start):
    k0, k1 = stream_key(7)
    n = 5001
    out = np.empty(n)
    krng.fill_noise(kind, k0, k1, start, out)
    twin = naive.stream_noise(kind, k0, k1, start, n)
    if kind == krng.NOISE_UNIFORM:
        np.testing.assert_array_equal(out, twin)
    else:  # libm vs numpy log/sin/cos may differ in the last ulp
        np.testing.assert_allclose(out, twin, rtol=1e-13, atol=1e-15)
    par = np.empty(n)
    krng.fill_noise_parallel(kind, k0, k1, start, par)
    np.testing.assert_array_equal(par, out)


@pytest.mark.parametrize("source", [
    GaussianSource([1.0, 4.0, 0.25]),
    GaussianSource(cov=[[1.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 2.0]], mean=[1, 2, 3]),
    LaplaceSource([1.0, 2.0, 0.5]),
    UniformSource([-1, 0, 2], [1, 1, 5]),
    GaussMarkovSource(0.9, dim=3),
])
def test_chunks_do_not_depend_on_chunk_size(source):
    a = np.concatenate(list(source.chunks(20000, chunk_size=20000, rng=3)))
    b = np.concatenate(list(source.chunks(20000, chunk_size=777, rng=3)))
    np.testing.assert_array_equal(a, b)
    c = np.concatenate(list(source.chunks(20000, chunk_size=777, rng=4)))
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("source", [
    GaussianSource([1.0, 4.0]), LaplaceSource([1.0, 2.0]), UniformSource([-1, 0], [1, 3]),
    GaussMarkovSource(0.5, dim=2, variance=[1.0, 3.0]),
])
@pytest.mark.parametrize("via", ["chunks", "sample"])
def test_marginals_ks(source, via):
    n = 100_000
    x = next(source.chunks(n, chunk_size=n, rng=11)) if via == "chunks" else source.sample(n, rng=11)
    assert x.shape == (n, source.dim)
    for k in range(source.dim):
        data = x[:, k] if not isinstance(source, GaussMarkovSource) else x[::10, k]  # thin: rho^10 ~ 1e-3
        # Kolmogorov-Smirnov at level 1e-4 against the exact marginal (fixed seed)
        assert stats.kstest(data, source.marginal(k).cdf).pvalue > 1e-4


def test_full_covariance_and_gauss_markov_correlation():
    cov = np.array([[1.0, 0.8], [0.8, 2.0]])
    x = next(GaussianSource(cov=cov).chunks(200_000, rng=5))
    n = len(x)
    c = np.cov(x.T)
    # SE of a sample covariance entry: sqrt((s_ii s_jj + s_ij^2)/n)
    se = np.sqrt((np.outer(np.diag(cov), np.diag(cov)) + cov ** 2) / n)
    assert (np.abs(c - cov) < 5 * se).all()
    rho = 0.9
    y = np.concatenate(list(GaussMarkovSource(rho).chunks(200_000, chunk_size=30_000, rng=2)))[:, 0]
    r1 = np.corrcoef(y[:-1], y[1:])[0, 1]
    # large-sample SE of the lag-1 autocorrelation of an AR(1): sqrt((1 - rho^2)/n)
    assert abs(r1 - rho) < 5 * np.sqrt((1 - rho ** 2) / len(y))


def test_gauss_markov_twin():
    src = GaussMarkovSource(0.7, dim=1, variance=2.0)
    k0, k1 = stream_key(9)
    e = naive.stream_noise(0, k0, k1, 0, 1000)
    x = np.concatenate(list(src.chunks(1000, chunk_size=300, rng=9)))[:, 0]
    np.testing.assert_allclose(x, naive.ar1(e, 0.7, 2.0), rtol=1e-12, atol=1e-12)


def test_empirical_files(tmp_path):
    data = np.random.default_rng(0).standard_normal((1000, 3))
    np.save(tmp_path / "a.npy", data)
    np.savez(tmp_path / "b.npz", x=data)
    np.savetxt(tmp_path / "c.csv", data, delimiter=",", header="a,b,c", comments="")
    for name in ("a.npy", "b.npz", "c.csv"):
        src = EmpiricalSource(tmp_path / name)
        got = np.concatenate(list(src.chunks(1000, chunk_size=300)))
        np.testing.assert_allclose(got, data, rtol=1e-15 if name != "c.csv" else 1e-12)
    assert isinstance(EmpiricalSource(tmp_path / "a.npy")._data, np.memmap)
    assert EmpiricalSource(data).sample(10, rng=0).shape == (10, 3)


def test_empirical_bad_input(tmp_path):
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickled"):
        EmpiricalSource(tmp_path / "obj.npy")
    with pytest.raises(FileNotFoundError, match="missing.npy"):
        EmpiricalSource(tmp_path / "missing.npy")
    (tmp_path / "x.pkl").write_bytes(b"\x80\x04")
    with pytest.raises(ValueError, match=r"must be \.npy, \.npz or \.csv"):
        EmpiricalSource(tmp_path / "x.pkl")
    np.savez(tmp_path / "two.npz", a=np.zeros(3), b=np.zeros(3))
    with pytest.raises(ValueError, match="key="):
        EmpiricalSource(tmp_path / "two.npz")
    bad = np.zeros((10, 2))
    bad[7, 1] = np.nan
    with pytest.raises(ValueError, match="row 7, column 1"):
        list(EmpiricalSource(bad).chunks(10, chunk_size=4))
    with pytest.raises(ValueError, match="exceeds"):
        list(EmpiricalSource(bad).chunks(11))


def test_source_bad_parameters():
    with pytest.raises(ValueError, match="variances must be > 0"):
        GaussianSource([1.0, -1.0])
    with pytest.raises(ValueError, match="positive semi-definite"):
        GaussianSource(cov=[[1, 2], [2, 1]])
    with pytest.raises(ValueError, match="symmetric"):
        GaussianSource(cov=[[1, 0.5], [0.1, 1]])
    with pytest.raises(ValueError, match=r"rho must lie in \(-1, 1\)"):
        GaussMarkovSource(1.0)
    with pytest.raises(ValueError, match="high must exceed low"):
        UniformSource(1, 0)
    with pytest.raises(ValueError, match="n must be >= 0"):
        GaussianSource().sample(-1)
    with pytest.raises(TypeError, match="rng"):
        next(GaussianSource().chunks(10, rng=1.5))


def test_singular_covariance_is_accepted():
    x = next(GaussianSource(cov=[[1.0, 1.0], [1.0, 1.0]]).chunks(1000, rng=0))
    np.testing.assert_allclose(x[:, 0], x[:, 1], atol=1e-12)


def test_ziggurat_tables_have_equal_layer_areas():
    """Marsaglia & Tsang (2000): every layer of the 256-layer ziggurat has area v = 4.92867323399e-3."""
    k, w, f = krng._ZK, krng._ZW, krng._ZF
    x = w * 2.0 ** 52
    v, r = 4.92867323399e-3, 3.6541528853610088
    areas = x[1:] * (f[:-1] - f[1:])  # layers 1..255: width x_i, height f_{i-1} - f_i
    np.testing.assert_allclose(areas, v, rtol=1e-9)
    # base: rectangle r * f(r) plus the tail integral beyond r equals v; x_0 = v / f(r)
    tail = np.sqrt(np.pi / 2) * stats.norm.sf(r) * 2
    assert r * np.exp(-r * r / 2) + tail == pytest.approx(v, rel=1e-9)
    assert x[0] == pytest.approx(v / np.exp(-r * r / 2), rel=1e-15)
    np.testing.assert_array_equal(k[2:], np.floor(x[1:-1] / x[2:] * 2.0 ** 52).astype(np.uint64))


def test_normal_stream_tails_and_moments():
    """Tail masses beyond the ziggurat base (r = 3.654) and deep in the tail, against exact values."""
    n = 4_000_000
    k0, k1 = stream_key(123)
    e = np.empty(n)
    krng.fill_noise_parallel(krng.NOISE_NORMAL, k0, k1, 0, e)
    for c in (1.0, 2.5, 3.6541528853610088, 4.5):
        p = 2 * stats.norm.sf(c)
        frac = np.mean(np.abs(e) > c)
        assert abs(frac - p) < 5 * np.sqrt(p * (1 - p) / n), c
    assert abs(e.mean()) < 5 / np.sqrt(n)
    assert abs(e.var() - 1) < 5 * np.sqrt(2 / n)
    # kurtosis 3 (SE sqrt(96/n))
    assert abs(np.mean(e ** 4) - 3) < 5 * np.sqrt(96 / n)
