"""Scale-out of :func:`~fsq_theory.stats.stream_stats` with Dask (``pip install fsq_theory[dask]``).

The row range is split into partitions that start on accumulation-block boundaries; each Dask
task runs the same numba kernels on its rows and returns its block partials and histograms, and the
client folds the partials in row order. The result is therefore bit-identical to
``stream_stats`` with the same arguments, whatever the partition size, scheduler or cluster.
Synthetic sources regenerate their rows from the counter-based stream on the worker; empirical
sources given by a path are re-opened (memory-mapped) on the worker, not shipped.
"""

from __future__ import annotations

import math
import os
import threading
from typing import TYPE_CHECKING

import numpy as np

from . import _validation as v
from ._lazy import lazy_module
from .sources import EmpiricalSource, stream_key
from .stats import (QuantizationStats, _array_range, _finish, _make_plan, _merge, _new_totals,
                    _synthetic_range)
from .stats import JOINT_LIMIT

if TYPE_CHECKING:  # deferred: numba costs ~0.5-2 s to import; the edge stays visible
    import numba
    from ._kernels import accumulate as _acc
else:
    numba = lazy_module("numba")
    _acc = lazy_module("fsq_theory._kernels.accumulate")

__all__ = ["stream_stats_dask"]

# numba's default (workqueue) threading layer refuses concurrent parallel launches from several
# threads of one process; Dask's threaded scheduler would do that, so kernel calls take turns.
_KERNEL_LOCK = threading.Lock()


def _worker_threads(host_threads):
    """numba threads for a task on a ``distributed`` worker: the host's cores shared among the
    Dask threads of every worker on that host (``host_threads``: host -> their total), so that
    worker processes do not oversubscribe the cores; None outside a distributed worker."""
    if not host_threads:
        return None
    try:
        from distributed import get_worker

        w = get_worker()
    except (ImportError, ValueError):
        return None
    host = w.address.split("://")[-1].rsplit(":", 1)[0]
    busy = host_threads.get(host, 1)
    return max(1, min(numba.config.NUMBA_NUM_THREADS, (os.cpu_count() or 1) // busy))


def _client_host_threads(scheduler):
    """host -> total Dask worker threads, when ``scheduler`` is a ``distributed.Client``."""
    info = getattr(scheduler, "scheduler_info", None)
    if info is None:
        return None
    out = {}
    for w in info()["workers"].values():
        host = w.get("host") or w["id"]
        out[host] = out.get(host, 0) + int(w.get("nthreads", 1))
    return out


def _partition_task(plan, key, r0, m, host_threads=None):
    threads = _worker_threads(host_threads)
    if threads is not None:
        numba.set_num_threads(threads)  # per calling thread, so set in the task itself
    nt = numba.get_num_threads()
    src = plan.source
    counts_joint = np.zeros((nt, plan.size if plan.joint else 1), dtype=np.int64)
    counts_marg = np.zeros((nt, src.dim, max(plan.levels)), dtype=np.int64)
    parts, parts_cells = [], []
    key = key if src._affine is not None else None
    for c0 in range(r0, r0 + m, plan.chunk):
        cm = min(plan.chunk, r0 + m - c0)
        with _KERNEL_LOCK:
            if key is not None:
                part, part_cells = _synthetic_range(plan, key, c0, cm, counts_joint, counts_marg)
            else:
                part, part_cells = _array_range(plan, src._data[c0:c0 + cm], counts_joint,
                                                counts_marg, c0)
        parts.append(part)
        parts_cells.append(part_cells)
    return (np.concatenate(parts), np.concatenate(parts_cells), counts_joint.sum(axis=0),
            counts_marg.sum(axis=0))


def _dask_array_task(plan, x, r0, host_threads=None):
    """Block partials of one row block of a Dask array (``x``: that block, computed on the
    worker; ``r0``: its first row, a multiple of the accumulation block)."""
    threads = _worker_threads(host_threads)
    if threads is not None:
        numba.set_num_threads(threads)
    nt = numba.get_num_threads()
    src = plan.source
    counts_joint = np.zeros((nt, plan.size if plan.joint else 1), dtype=np.int64)
    counts_marg = np.zeros((nt, src.dim, max(plan.levels)), dtype=np.int64)
    parts, parts_cells = [], []
    x = np.asarray(x)
    for c0 in range(0, x.shape[0], plan.chunk):
        with _KERNEL_LOCK:
            part, part_cells = _array_range(plan, x[c0:c0 + plan.chunk], counts_joint,
                                            counts_marg, r0 + c0)
        parts.append(part)
        parts_cells.append(part_cells)
    return (np.concatenate(parts), np.concatenate(parts_cells), counts_joint.sum(axis=0),
            counts_marg.sum(axis=0))


def _is_dask_array(obj) -> bool:
    mod = type(obj).__module__ or ""
    return mod.startswith("dask.array") and hasattr(obj, "to_delayed")


def _check_dask_array(darr):
    """``darr`` as a 2-D Dask array of known shape and real dtype (1-D is one column)."""
    if darr.ndim == 1:
        darr = darr[:, None]
    if darr.ndim != 2:
        raise ValueError(f"source must be a 2-D Dask array (rows, d), got shape {darr.shape}")
    if any(math.isnan(s) for s in darr.shape):
        raise ValueError("source is a Dask array of unknown shape (NaN chunk sizes); call "
                         "compute_chunk_sizes() first")
    if darr.dtype.kind not in "fiu" or darr.dtype.itemsize > 8:
        raise TypeError(f"source must hold real numbers, got a Dask array of dtype {darr.dtype}")
    return darr


def _dask_array_blocks(darr, n, part_rows):
    """(first row, delayed block) for rows [0, n) of ``darr``, re-chunked to ``part_rows`` rows
    (a multiple of the accumulation block: block partials then fold exactly as in one process)."""
    blocks = darr[:n].rechunk((part_rows, darr.shape[1])).to_delayed().ravel()
    return [(k * part_rows, b) for k, b in enumerate(blocks)]


def stream_stats_dask(quantizer, source, n=None, *, rng=None, partition_rows=1 << 24, chunk_size=None,
                      scale=1.0, decoder="grid", joint_limit=JOINT_LIMIT,
                      scheduler=None, reconstruction=v._UNSET, seed=v._UNSET) -> QuantizationStats:
    """:func:`~fsq_theory.stats.stream_stats` computed as Dask tasks; same arguments, same result.

    Parameters
    ----------
    quantizer, source, n, rng, chunk_size, scale, decoder, joint_limit
        As in :func:`~fsq_theory.stats.stream_stats` (quantizer, source, number of rows,
        randomness, rows per chunk, encoder gain, source-domain decoder, joint-histogram
        limit). The source must allow random access to
        its rows: i.i.d. synthetic sources and empirical data (not ``GaussMarkovSource``, whose
        rows form one sequential chain). ``source`` may also be a 2-D ``dask.array`` (e.g.
        ``da.from_zarr(...)`` or ``da.from_array(np.load(path, mmap_mode="r"))``): its rows are
        read block by block on the workers, never gathered on the client, and the result equals
        ``stream_stats`` of the same rows as a numpy array. ``n`` defaults to all its rows
        (required for other sources).
    partition_rows : int, keyword-only
        Rows per Dask task (rounded up to a multiple of 4096).
    scheduler : optional, keyword-only
        Passed to ``dask.compute`` (e.g. ``"threads"``, ``"processes"``, ``"sync"``, or a
        ``distributed.Client``); default: Dask's current scheduler. With a Client, each task
        runs its numba kernels on ``cores // (Dask threads of all workers on its host)``
        threads, so that worker processes on one machine do not oversubscribe it.
    reconstruction : {"grid", "centroid"} or None, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).
    seed : int, optional, keyword-only
        Deprecated name of ``rng`` (warns with ``DeprecationWarning``).

    Returns
    -------
    QuantizationStats
        Bit-identical to ``stream_stats`` with the same arguments.

    Examples
    --------
    Three partitions of at most 8192 rows give exactly the single-process result:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.sources import GaussianSource
    >>> from fsq_theory.stats import stream_stats
    >>> args = (FSQ([5, 5]), GaussianSource(dim=2), 20_000)
    >>> a = stream_stats_dask(*args, rng=0, partition_rows=8192, scheduler="sync")
    >>> b = stream_stats(*args, rng=0)
    >>> bool(np.array_equal(a.counts, b.counts)), a.mse_code == b.mse_code
    (True, True)
    >>> round(a.entropy_bits, 4)
    4.6101
    """
    rng = v.resolve_rng(rng, seed, owner="stream_stats_dask")
    decoder = v.resolve_decoder(decoder, reconstruction, owner="stream_stats_dask", allow_none=True,
                                allow_tables=True)
    try:
        import dask
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("stream_stats_dask needs dask: pip install 'fsq_theory[dask]'") from None
    darr = _check_dask_array(source) if _is_dask_array(source) else None
    if darr is not None:
        n = darr.shape[0] if n is None else n
        # the plan sees a zero-stride stand-in with the array's shape and dtype (no memory):
        # float32 data keep the exact float32 thresholds, as in stream_stats
        source = EmpiricalSource(np.broadcast_to(np.zeros((1, darr.shape[1]), dtype=darr.dtype),
                                                 darr.shape))
    elif n is None:
        raise TypeError("n is required unless source is a Dask array")
    plan = _make_plan(quantizer, source, n, chunk_size, scale, decoder, joint_limit)
    src = plan.source
    if src._affine is None and not isinstance(src, EmpiricalSource):
        raise ValueError(
            f"source {type(src).__name__} has no random access to its rows (a sequential chain); "
            "use stream_stats")
    part_rows = v.check_int("partition_rows", partition_rows, minimum=1)
    part_rows = -(-part_rows // _acc.BLOCK) * _acc.BLOCK
    plan_d = dask.delayed(plan, traverse=False)
    hosts = _client_host_threads(scheduler)
    if darr is not None:
        blocks = _dask_array_blocks(darr, plan.n, part_rows)
        task = dask.delayed(_dask_array_task, pure=True)
        results = dask.compute(*[task(plan_d, b, r0, hosts) for r0, b in blocks],
                               scheduler=scheduler)
    else:
        task = dask.delayed(_partition_task, pure=True)
        key = stream_key(rng) if src._affine is not None else None  # once: a Generator advances
        results = dask.compute(*[task(plan_d, key, r0, min(part_rows, plan.n - r0), hosts)
                                 for r0 in range(0, plan.n, part_rows)], scheduler=scheduler)
    totals, totals_cells, batch = _new_totals(plan)
    done = 0
    counts = np.zeros(plan.size if plan.joint else 1, dtype=np.int64)
    marg = np.zeros((src.dim, max(plan.levels)), dtype=np.int64)
    for r0, (part, part_cells, cj, cm) in zip(range(0, plan.n, part_rows), results):
        done = _merge(part, part_cells, min(part_rows, plan.n - r0), totals, totals_cells,
                      batch, done)
        counts += cj
        marg += cm
    return _finish(plan, counts, marg, totals, totals_cells, batch)
