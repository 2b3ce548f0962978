"""Content of the committed figures, not only their determinism.

* no figure CSV holds the same point twice: for each registered figure, the columns that identify
  a point of a plotted series (panel, series, x; y as well for parametric curves) are unique;
* every figure is readable where it is printed: drawn from its committed CSV, no text is smaller
  than 7 pt once the figure is scaled to the paper's line width, and every axis labels at least
  two ticks;
* BLAS threads do not change the numbers: a figure computed with and without
  OPENBLAS_NUM_THREADS=1 gives the same CSV bytes (the package pins BLAS itself).
"""
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from fsq_theory.figures import available_figures

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"
LINEWIDTH_IN = 472.03 / 72  # \linewidth of paper/main.tex (11pt article, 2.5 cm margins)

# the columns that identify one plotted point; a duplicate is a series appended twice
POINT_KEYS = {
    "alternatives": ["table", "source", "quantizer", "rate", "dim", "kind", "reference",
                     "component"],
    "cross_modal": ["panel", "series", "x"],
    "diffusion_tokens": ["panel", "series", "x"],
    "dynamics_flow": ["panel", "kind", "label", "traj", "x", "y"],
    "error_exponents": ["channel", "snr_db", "kind", "rate"],
    "fisher_loss": None,  # closed parametric curves (ellipses) repeat their first point
    "fsq_levels_gaussian": ["mode", "levels", "quantity", "method"],
    "generalization": ["noise", "codebook_size", "n"],
    "bottleneck_generalization": ["codebook_size", "n"],
    "information_flow": ["panel", "series", "x"],
    "random_code_simulation": ["case", "n"],
    "rd_blahut_arimoto": ["source", "grid", "beta"],
    "rd_fsq_operational": ["method", "kind", "L", "rate"],
    "rd_sandwich": ["section", "bound", "distortion", "n", "label", "levels", "rate_kind"],
    "rd_level_allocation": ["panel", "reconstruction", "budget", "choice", "component", "L"],
    "residual_fsq": ["scheme", "decoder", "method", "L", "stages"],
    "ste_gradients": ["panel", "label", "init_scale", "x"],
    "ste_convergence": ["panel", "series", "x"],
    "temporal_persistence": ["panel", "series", "x"],
    "w2_levels": ["panel", "method", "levels"],
}


@pytest.mark.parametrize("name", available_figures())
def test_no_duplicated_points(name):
    df = pd.read_csv(FIGURES / f"{name}.csv")
    assert not df.duplicated().any(), f"{name}: {int(df.duplicated().sum())} repeated rows"
    key = POINT_KEYS[name]
    if key:
        dup = df.duplicated(subset=key, keep=False)
        assert not dup.any(), f"{name}: same point twice\n{df[dup].head()}"


def test_every_figure_has_point_keys():
    assert set(available_figures()) <= set(POINT_KEYS)


def test_duplicate_detector_catches_a_series_appended_twice():
    df = pd.read_csv(FIGURES / "information_flow.csv")
    b = df[df.panel == "b"].iloc[:3]
    bad = pd.concat([df, b], ignore_index=True)
    assert bad.duplicated(subset=POINT_KEYS["information_flow"]).any()


def _few_tick_labels(fig):
    """Axes whose x or y axis shows fewer than two tick labels (a log axis over a short range)."""
    def shown(axis):  # labelled ticks inside the view limits
        lo, hi = sorted(axis.get_view_interval())
        eps = 1e-9 * (abs(hi) + abs(lo))
        return sum(1 for t in axis.get_major_ticks() + axis.get_minor_ticks()
                   if lo - eps <= t.get_loc() <= hi + eps
                   and any(lab.get_visible() and lab.get_text().strip()
                           for lab in (t.label1, t.label2)))

    bad = []
    for ax in fig.axes:
        if not ax.axison:
            continue
        for which, axis, shared in (("x", ax.xaxis, ax.get_shared_x_axes()),
                                    ("y", ax.yaxis, ax.get_shared_y_axes())):
            # shared axes (sharey=True) label the ticks once, on one of the siblings
            siblings = [getattr(a, f"{which}axis") for a in shared.get_siblings(ax)]
            if axis.get_majorticklocs().size and max(shown(a) for a in siblings) < 2:
                bad.append((ax.get_title()[:40], which))
    return bad


def _printed_font_sizes(name):
    import importlib

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    m = importlib.import_module(f"fsq_theory.figures.{name}")
    fig = m.plot(pd.read_csv(FIGURES / f"{name}.csv"))
    try:
        fig.canvas.draw()
        width = fig.get_tightbbox(fig.canvas.get_renderer()).width  # as saved (bbox tight)
        scale = LINEWIDTH_IN / width
        sizes = [(t.get_fontsize() * scale, t.get_text()) for t in fig.findobj(Text)
                 if t.get_visible() and t.get_text().strip()]
        return sizes, _few_tick_labels(fig)
    finally:
        plt.close(fig)


@pytest.mark.parametrize("name", available_figures())
def test_text_readable_at_printed_width(name):
    sizes, few_ticks = _printed_font_sizes(name)
    small = [(round(s, 2), t) for s, t in sizes if s < 7.0]
    assert not small, f"{name}: text under 7 pt when printed at \\linewidth: {small[:5]}"
    assert not few_ticks, f"{name}: axes with fewer than two labelled ticks: {few_ticks}"


_COMPUTE = ("import sys; from fsq_theory.figures import compute_figure; "
            "sys.stdout.write(compute_figure('rd_blahut_arimoto', quick=True, seed=3)"
            ".to_csv(index=False, float_format='%.17g'))")


def test_same_numbers_with_and_without_blas_pinned_in_the_environment():
    # certified Blahut-Arimoto is matrix-vector products and Newton solves (BLAS/LAPACK) on a
    # kernel matrix, whose last digits depend on the thread count unless the package pins it
    outs = []
    for pin in (True, False):
        env = {k: v for k, v in os.environ.items()
               if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
        if pin:
            env["OPENBLAS_NUM_THREADS"] = "1"
        env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
        r = subprocess.run([sys.executable, "-c", _COMPUTE], env=env, capture_output=True,
                           text=True, check=True, timeout=600)
        outs.append(r.stdout)
    assert outs[0] and outs[0] == outs[1]
