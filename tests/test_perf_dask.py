"""``stream_stats_dask`` on a real ``dask.distributed`` LocalCluster (2 worker processes)."""

import numpy as np
import pytest

from fsq_theory import FSQ
from fsq_theory.distributed import _worker_threads, stream_stats_dask
from fsq_theory.sources import GaussianSource
from fsq_theory.stats import stream_stats

distributed = pytest.importorskip("distributed")


def _numba_threads_on_worker(host_threads):
    import numba

    from fsq_theory.distributed import _worker_threads as wt

    t = wt(host_threads)
    if t is not None:
        numba.set_num_threads(t)
    return t, numba.get_num_threads()


@pytest.mark.slow
def test_local_cluster_bit_identical_and_threads_capped():
    fsq = FSQ([8, 5, 5, 5])
    src = GaussianSource([1.0, 2.0, 0.5, 3.0])
    local = stream_stats(fsq, src, 60_001, rng=3, chunk_size=8192)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dist = stream_stats_dask(fsq, src, 60_001, rng=3, partition_rows=16_384, chunk_size=8192,
                                 scheduler=client)
        from fsq_theory.distributed import _client_host_threads

        hosts = _client_host_threads(client)
        assert sum(hosts.values()) == 2
        per_worker = client.gather([
            client.submit(_numba_threads_on_worker, hosts, workers=[addr], pure=False)
            for addr in client.scheduler_info()["workers"]])
    np.testing.assert_equal(local.summary(), dist.summary())
    np.testing.assert_array_equal(local.counts, dist.counts)
    import os

    want = max(1, (os.cpu_count() or 1) // 2)  # 2 single-threaded workers share the cores
    assert sorted(per_worker) == [(want, want), (want, want)]


def test_worker_threads_outside_a_worker_is_none():
    assert _worker_threads({"127.0.0.1": 2}) is None
    assert _worker_threads(None) is None


@pytest.mark.slow
def test_cli_stats_scheduler_address(tmp_path):
    import json

    from fsq_theory.cli import main

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert main(["stats", "-n", "40000", "--levels", "8,5,5,5", "--seed", "1", "--quiet",
                     "--scheduler", cluster.scheduler_address,
                     "--json", str(tmp_path / "d.json")]) == 0
    assert main(["stats", "-n", "40000", "--levels", "8,5,5,5", "--seed", "1", "--quiet",
                 "--json", str(tmp_path / "l.json")]) == 0
    assert json.loads((tmp_path / "d.json").read_text()) == json.loads((tmp_path / "l.json").read_text())
