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
