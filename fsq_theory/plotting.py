"""Shared matplotlib style for the paper figures (never imported by ``fsq_theory/__init__``)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {
    "figure.figsize": (6.0, 3.8),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.4,
    "savefig.dpi": 150,
}


matplotlib.rcParams.update(STYLE)


def subplots(nrows: int = 1, ncols: int = 1, **kwargs):
    """``plt.subplots`` under the package style, with constrained layout."""
    return plt.subplots(nrows, ncols, constrained_layout=True, **kwargs)
