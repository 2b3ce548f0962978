"""The alternatives checks pass, and fail on planted errors."""

from __future__ import annotations

import pytest

from fsq_theory.alternatives import NSM_TABLE
from fsq_theory.checks import alternatives as chk
from fsq_theory.checks import run_checks


@pytest.fixture(scope="module")
def points():
    return chk.operational_points(n_test=20_000, light=True)


def test_points_above_rd_pass(points):
    assert chk._worst_beat(points) <= chk.Z_MAX


def test_points_above_rd_planted_error(points):
    # planted error: a distortion-rate function off by a factor 2 (a bound halved in rate
    # terms) must be caught: the best quantizers then sit far "below" it
    assert chk._worst_beat(points, dr_factor=2.0) > chk.Z_MAX


def test_nsm_check_pass_and_planted_error():
    table = {k: NSM_TABLE[k] for k in ("A2", "E8")}
    z, d = chk.nsm_deviation(table, n=400_000)
    assert z <= chk.Z_MAX and d <= 3e-4
    bad = {k: g + 1e-3 for k, g in table.items()}  # a constant off by 1e-3
    z, d = chk.nsm_deviation(bad, n=400_000)
    assert z > chk.Z_MAX and d > 3e-4


@pytest.mark.slow
def test_registered_checks_pass():
    rep = run_checks(["alternatives_points_above_rd", "alternatives_lattice_nsm"])
    assert rep.passed, rep.to_frame().to_string()

# the planted-error twins of these checks live in tests/test_check_power.py


@pytest.mark.slow
def test_real_latents_check_margin_and_planted_error():
    df = chk.real_latent_points()
    margin, where = chk.below_lower_estimate(df)
    assert margin >= 0.0, where
    raised = df.assign(rd_lower_low=df.rd_lower_low + margin + 0.01)
    assert chk.below_lower_estimate(raised)[0] < 0.0
