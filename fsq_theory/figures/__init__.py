"""Paper figures: one module per figure with ``compute(quick, seed) -> DataFrame`` and
``plot(df) -> Figure``. :func:`make_figure` writes ``<outdir>/<name>.png``, ``.pdf`` and ``.csv``.

A module in this package is a figure when it defines both ``compute`` and ``plot``; its name is
the figure's name. Same seed, same CSV.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

__all__ = ["available_figures", "make_figure"]


def available_figures() -> list[str]:
    names = []
    for mod in pkgutil.iter_modules(__path__):
        if mod.name.startswith("_"):
            continue
        m = importlib.import_module(f"{__name__}.{mod.name}")
        if callable(getattr(m, "compute", None)) and callable(getattr(m, "plot", None)):
            names.append(mod.name)
    return sorted(names)


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
