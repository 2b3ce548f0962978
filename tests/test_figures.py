import pandas as pd
import pytest

from fsq_theory.figures import available_figures, make_figure


def test_registry_lists_figure_modules():
    names = available_figures()
    assert "fsq_levels_gaussian" in names
    with pytest.raises(ValueError, match="not a figure"):
        make_figure("no_such_figure")


def _csv_twice(name, tmp_path):
    a = make_figure(name, outdir=tmp_path / "a", quick=True, seed=0)
    b = make_figure(name, outdir=tmp_path / "b", quick=True, seed=0)
    assert all(p.stat().st_size > 0 for p in a.values())
    return a["csv"].read_bytes(), b["csv"].read_bytes(), pd.read_csv(a["csv"])


def test_same_seed_same_csv(tmp_path):
    a, b, df = _csv_twice("fsq_levels_gaussian", tmp_path)
    assert a == b
    assert set(df["method"]) == {"exact", "monte_carlo"} and len(df) > 50


@pytest.mark.slow
@pytest.mark.parametrize("name", available_figures())
def test_every_figure_is_deterministic(name, tmp_path):
    a, b, df = _csv_twice(name, tmp_path)
    assert a == b and len(df) > 0
