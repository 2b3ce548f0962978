"""Shared matplotlib style for the paper figures (never imported by ``fsq_theory/__init__``).

Every figure is drawn at the width it is printed (``TEXTWIDTH``: the paper's ``\\linewidth``,
A4/letter with 2.5 cm margins) so that no text is smaller than ``MIN_FONT_PT`` on paper;
``tests/test_figures_content.py`` checks this for every registered figure.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: printed width of a full-width figure in inches (paper/main.tex: 472 pt = 6.53 in)
TEXTWIDTH = 6.5
#: smallest font size (points, as printed) any figure may use
MIN_FONT_PT = 7.0

STYLE = {
    "figure.figsize": (TEXTWIDTH, 2.8),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 8,
    "legend.frameon": False,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "savefig.dpi": 150,
}


matplotlib.rcParams.update(STYLE)


def subplots(nrows: int = 1, ncols: int = 1, *, height: float | None = None, **kwargs):
    """``plt.subplots`` under the package style, with constrained layout, at the printed width.

    ``height`` (inches) defaults to 2.6 per row of panels; the width is always ``TEXTWIDTH``.
    """
    kwargs.pop("figsize", None)
    h = height if height is not None else 2.6 * nrows
    return plt.subplots(nrows, ncols, constrained_layout=True, figsize=(TEXTWIDTH, h), **kwargs)
