"""Optimal FSQ level lists: exhaustive check, paper comparison, water-filling agreement."""

import itertools
import math

import numpy as np
import pytest

from fsq_theory.rate_distortion import (FSQ_PAPER_LEVELS, level_table, optimal_levels,
                                         paper_levels_comparison)
from fsq_theory.rate_distortion import fsq_vector_rd, reverse_water_filling


def test_enumeration_matches_brute_force():
    var = np.array([3.0, 1.0, 0.4])
    best = optimal_levels(200, var, max_level=20, top=3, decoder="centroid")
    tab = level_table(20, decoder="centroid")
    D1 = dict(zip(tab["L"], tab["mse"]))
    scores = sorted(
        (float(np.mean(var * np.array([D1[L] for L in ls]))), ls)
        for ls in itertools.product(range(2, 21), repeat=3) if math.prod(ls) <= 200)
    assert best["levels"].iloc[0] == scores[0][1]
    np.testing.assert_allclose(best["mse"].to_numpy(), [s[0] for s in scores[:3]], rtol=1e-12)


def test_table_agrees_with_vector_fsq():
    row = optimal_levels(1000, [1.0, 1.0, 1.0], top=1, decoder="centroid").iloc[0]
    direct = fsq_vector_rd(list(row["levels"]), [1.0, 1.0, 1.0], decoder="centroid")
    assert row["mse"] == pytest.approx(direct["mse"], rel=1e-9)


def test_paper_levels_comparison_shape_and_verdicts():
    df = paper_levels_comparison(decoder="centroid")
    assert set(df["codebook_budget"]) == set(FSQ_PAPER_LEVELS)
    opt = df[df["choice"] == "optimal"].set_index("codebook_budget")
    paper = df[df["choice"] == "paper"].set_index("codebook_budget")
    for budget in FSQ_PAPER_LEVELS:
        if math.prod(FSQ_PAPER_LEVELS[budget]) <= budget:
            # the optimum over lists within the budget can only be as good or better
            assert opt.loc[budget, "mse"] <= paper.loc[budget, "mse"] + 1e-15
    # 2^10: the paper's (8, 5, 5, 5) is exactly optimal for unit-variance dimensions
    assert tuple(opt.loc[1024, "levels"]) == (8, 5, 5, 5)


def test_anisotropic_allocation_follows_water_filling():
    # decaying PCA spectrum: more levels where water-filling gives more rate
    var = 1.0 / np.arange(1, 7) ** 2
    row = optimal_levels(4096, var, top=1, decoder="centroid").iloc[0]
    levels = np.array(row["levels"])
    assert (np.diff(levels) <= 0).all()  # non-increasing along the decaying spectrum
    wf = reverse_water_filling(var, R=float(np.log2(levels).sum()))
    assert np.corrcoef(np.log2(levels), wf.rate)[0, 1] > 0.9


@pytest.mark.parametrize("kw, match", [
    (dict(codebook_size=10, variances=[1, 1, 1, 1]), "cannot hold"),
    (dict(codebook_size=100, variances=[1, -1]), "variances"),
    (dict(codebook_size=100, variances=[1, 1], objective="rate"), "objective"),
    (dict(codebook_size=100, variances=[1, 1], min_level=1), "min_level"),
])
def test_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        optimal_levels(**kw)
