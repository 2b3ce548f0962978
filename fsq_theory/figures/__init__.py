"""Paper figures: one module per figure with ``compute(quick, seed) -> DataFrame`` and
``plot(df) -> Figure``. :func:`make_figure` writes ``<outdir>/<name>.png``, ``.pdf`` and ``.csv``.

A module in this package is a figure when it defines both ``compute`` and ``plot``; its name is
the figure's name. Same seed, same CSV -- also across machines and entry points: both
:func:`compute_figure` and :func:`make_figure` run with the BLAS thread pool pinned to one
thread, because the last digits of BLAS reductions (matrix products, ``multivariate_normal``)
depend on the thread count.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from pathlib import Path

__all__ = ["available_figures", "compute_figure", "make_figure"]


@contextlib.contextmanager
def _single_threaded_blas():
    # threadpoolctl reaches the BLAS already loaded by numpy/scipy, which OPENBLAS_NUM_THREADS
    # cannot do once the library is initialised (a notebook, the CLI without the Makefile)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def available_figures() -> list[str]:
    names = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):
            continue
        m = importlib.import_module(f"{__name__}.{mod.name}")
        if callable(getattr(m, "compute", None)) and callable(getattr(m, "plot", None)):
            names.append(mod.name)
    return sorted(names)


def compute_figure(name: str, *, quick: bool = False, seed: int = 0):
    """The data of figure ``name`` (the DataFrame written as its CSV), with BLAS pinned to one
    thread so that every entry point gives the same numbers."""
    names = available_figures()
    if name not in names:
        raise ValueError(f"name {name!r} is not a figure; available: {names}")
    m = importlib.import_module(f"{__name__}.{name}")
    with _single_threaded_blas():
        return m.compute(quick=quick, seed=seed)


def make_figure(name: str, *, outdir="figures", quick: bool = False, seed: int = 0) -> dict:
    """Compute and plot figure ``name``; write PNG, PDF and CSV into ``outdir``. Returns paths."""
    names = available_figures()
    if name not in names:
        raise ValueError(f"name {name!r} is not a figure; available: {names}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .._files import atomic_output

    out = Path(outdir)
    if out.exists() and not out.is_dir():  # refused before the computation, not after
        raise ValueError(f"outdir {str(out)!r} exists and is not a directory")
    m = importlib.import_module(f"{__name__}.{name}")
    with _single_threaded_blas():
        df = m.compute(quick=quick, seed=seed)
        fig = m.plot(df)
    out.mkdir(parents=True, exist_ok=True)
    paths = {ext: out / f"{name}.{ext}" for ext in ("png", "pdf", "csv")}
    with atomic_output(paths["csv"], "w") as fh:
        df.to_csv(fh, index=False, float_format="%.12g")
    with atomic_output(paths["png"]) as fh:
        fig.savefig(fh, format="png", dpi=150, bbox_inches="tight")
    # fixed metadata keeps the PDF byte-stable across runs
    with atomic_output(paths["pdf"]) as fh:
        fig.savefig(fh, format="pdf", bbox_inches="tight",
                    metadata={"CreationDate": None, "Producer": None})
    plt.close(fig)
    return paths
