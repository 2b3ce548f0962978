import pickle

import numpy as np
import pytest

from fsq_theory import FSQ
from fsq_theory.distributed import stream_stats_dask
from fsq_theory.sources import EmpiricalSource, GaussianSource, GaussMarkovSource, LaplaceSource
from fsq_theory.stats import stream_stats


def _same(a, b):
    np.testing.assert_equal(a.summary(), b.summary())
    np.testing.assert_array_equal(a.counts, b.counts)
    for x, y in zip(a.marginal_counts, b.marginal_counts):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("scheduler", ["sync", "threads"])
@pytest.mark.parametrize("source", [GaussianSource([1, 2, 3, 4]), LaplaceSource(dim=4)])
def test_dask_equals_local(source, scheduler):
    fsq = FSQ([8, 5, 5, 5])
    local = stream_stats(fsq, source, 70_001, rng=9, decoder="grid")
    dist = stream_stats_dask(fsq, source, 70_001, rng=9, decoder="grid",
                             partition_rows=20_000, chunk_size=8192, scheduler=scheduler)
    _same(local, dist)


def test_dask_file_source_travels_as_path(tmp_path):
    x = np.random.default_rng(0).standard_normal((30_000, 4)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    src = EmpiricalSource(tmp_path / "x.npy")
    clone = pickle.loads(pickle.dumps(src))
    assert clone.path == src.path and len(pickle.dumps(src)) < 1000
    fsq = FSQ([8, 5, 5, 5])
    _same(stream_stats(fsq, src, 30_000), stream_stats_dask(fsq, src, 30_000, partition_rows=10_000,
                                                            scheduler="processes"))


def test_dask_refuses_sequential_source():
    with pytest.raises(ValueError, match="GaussMarkovSource has no random access"):
        stream_stats_dask(FSQ([5]), GaussMarkovSource(0.5), 100, scheduler="sync")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_dask_array_source_block_by_block(tmp_path, dtype):
    """A Dask array (here over a memory-mapped .npy) is read block by block on the workers and
    gives exactly stream_stats of the same rows; chunks not aligned to the accumulation block
    are re-chunked first."""
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(3).standard_normal((50_000, 3)).astype(dtype)
    path = tmp_path / "z.npy"
    np.save(path, x)
    darr = da.from_array(np.load(path, mmap_mode="r"), chunks=(7_777, 3))
    q = FSQ([7, 5, 3])
    a = stream_stats_dask(q, darr, partition_rows=8192, scheduler="sync")
    b = stream_stats(q, x, x.shape[0])
    assert np.array_equal(a.counts, b.counts)
    assert a.mse_code == b.mse_code and a.mse_centroid == b.mse_centroid
    assert np.array_equal(a.mean, b.mean) and np.array_equal(a.var, b.var)
    # n < rows: the first n rows
    c = stream_stats_dask(q, darr, 20_000, partition_rows=4096, scheduler="threads")
    d = stream_stats(q, x, 20_000)
    assert np.array_equal(c.counts, d.counts) and c.mse_code == d.mse_code


def test_dask_array_source_errors():
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(0).standard_normal((10_000, 2))
    x[6_000, 1] = np.nan
    with pytest.raises(ValueError, match="row 6000, column 1"):
        stream_stats_dask(FSQ([5, 5]), da.from_array(x, chunks=3000), scheduler="sync")
    with pytest.raises(ValueError, match="exceeds"):
        stream_stats_dask(FSQ([5, 5]), da.from_array(np.ones((100, 2))), 200, scheduler="sync")
    with pytest.raises(ValueError, match="2-D"):
        stream_stats_dask(FSQ([5, 5]), da.ones((10, 2, 2)), scheduler="sync")
    with pytest.raises(TypeError, match="n is required"):
        stream_stats_dask(FSQ([5, 5]), np.ones((100, 2)), scheduler="sync")


def test_dask_array_one_column():
    da = pytest.importorskip("dask.array")
    x = np.random.default_rng(5).standard_normal(20_000)
    a = stream_stats_dask(FSQ([7]), da.from_array(x, chunks=5000), scheduler="sync")
    b = stream_stats(FSQ([7]), x[:, None], x.size)
    assert np.array_equal(a.counts, b.counts) and a.mse_code == b.mse_code
