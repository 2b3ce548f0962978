"""Tests of fsq_theory.fisher against mpmath references, closed forms and Monte Carlo."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from fsq_theory import FSQ, ScalarQuantizer, lloyd_max
from fsq_theory.geometry import _fisher as F

REF = json.loads((Path(__file__).parent / "reference" / "geometry_reference.json").read_text())


def _ref_quantizer(r):
    if r["kind"] == "uniform":
        return ScalarQuantizer.uniform(r["n"], r["step"])
    lm = REF["lloyd_max"][str(r["n"])]
    return ScalarQuantizer(np.array(lm["thresholds"], float), np.array(lm["points"], float))


def test_sign_quantizer_two_over_pi():
    # Fisher information about the mean of N(mu, 1) through sign(x) at mu = 0:
    # p = (1/2, 1/2), dp/dmu = -+phi(0)  =>  I = 4 phi(0)^2 = 2/pi
    sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    I = F.fisher_information(sign, stats.norm, (0.0, 1.0)).matrix
    assert I[0, 0] == pytest.approx(2 / math.pi, rel=1e-14)
    assert abs(I[1, 1]) < 1e-15  # the sign carries no information about the scale at mu = 0


@pytest.mark.parametrize("i", range(len(REF["fisher"])))
def test_matches_mpmath_reference(i):
    # tests/reference/geometry_reference.py: mpmath (50 digits), gradient by mpmath.diff
    r = REF["fisher"][i]
    I = F.fisher_information(_ref_quantizer(r), getattr(stats, r["family"]),
                             (r["loc"], r["scale"])).matrix
    np.testing.assert_allclose(I, np.array(r["matrix"], float), rtol=0, atol=1e-9)


def test_lloyd_max_reference_matches_package_design():
    # scalar_design.lloyd_max (another module) against the mpmath Lloyd-Max of the reference
    pytest.importorskip("fsq_theory.scalar_design")
    for n, lm in REF["lloyd_max"].items():
        sq = lloyd_max(int(n))
        np.testing.assert_allclose(sq.thresholds, np.array(lm["thresholds"], float), atol=1e-9)


def test_gradients_match_finite_differences():
    sq = ScalarQuantizer.uniform(6, 0.7)
    for fam in (stats.norm, stats.logistic, stats.laplace):
        p, g = F._cell_gradients(sq, fam, 0.3, 1.2)
        h = 1e-6
        num_mu = (F.cell_probabilities(sq, fam(0.3 + h, 1.2))
                  - F.cell_probabilities(sq, fam(0.3 - h, 1.2))) / (2 * h)
        num_s = (F.cell_probabilities(sq, fam(0.3, 1.2 + h))
                 - F.cell_probabilities(sq, fam(0.3, 1.2 - h))) / (2 * h)
        np.testing.assert_allclose(g[:, 0], num_mu, atol=1e-8)
        np.testing.assert_allclose(g[:, 1], num_s, atol=1e-8)


def test_monte_carlo_score_estimator_agrees_within_stderr():
    f = FSQ([5, 8])
    theta = [[0.1, 1.0], [0.2, 0.8]]
    exact = F.fisher_information(f, stats.norm, theta).matrix
    est = F.fisher_information_mc(f, stats.norm, theta, n=200_000, rng=7)
    z = np.abs(est.matrix - exact) / est.stderr
    assert np.nanmax(z[est.stderr > 0]) < 4.5


def test_data_processing_loewner_order_and_fine_limit():
    for sq in (ScalarQuantizer.uniform(3, 1.0), ScalarQuantizer.uniform(16, 0.4),
               FSQ([7]).scalar_quantizers(1.0)[0]):
        for fam in (stats.norm, stats.logistic, stats.laplace):
            fi = F.fisher_information(sq, fam, (0.37, 1.1))
            assert fi.loewner_gap >= -1e-12
            eff = fi.efficiency
            assert eff.min() >= -1e-12 and eff.max() <= 1 + 1e-12
    # a very fine quantizer keeps almost all the information (quantized -> continuous)
    fine = F.fisher_information(ScalarQuantizer.uniform(400, 0.04), stats.norm, (0.1, 1.0))
    np.testing.assert_allclose(fine.ratio, 1.0, atol=1e-3)
    assert fine.ratio.max() <= 1.0


def test_fsq_theta_layouts_and_block_structure():
    f = FSQ([5, 6])
    a = F.fisher_information(f, stats.norm, [0.1, 1.0, -0.2, 2.0]).matrix
    b = F.fisher_information(f, stats.norm, [[0.1, 1.0], [-0.2, 2.0]]).matrix
    np.testing.assert_array_equal(a, b)
    assert np.all(a[:2, 2:] == 0)
    one = F.fisher_information(f.scalar_quantizers(1.0)[1], stats.norm, (-0.2, 2.0)).matrix
    np.testing.assert_allclose(a[2:, 2:], one, rtol=1e-14)


def test_continuous_numeric_path_matches_closed_forms():
    for fam in (stats.norm, stats.logistic, stats.laplace):
        np.testing.assert_allclose(F._standard_fisher_numeric(fam),
                                   F.continuous_fisher_information(fam, (0, 1)), atol=1e-7)
    g = math.pi**2 / 6 + (1 - np.euler_gamma) ** 2  # Gumbel scale information
    I = F.continuous_fisher_information(stats.gumbel_r, (0, 2.0))
    np.testing.assert_allclose(I * 4, [[1, np.euler_gamma - 1], [np.euler_gamma - 1, g]],
                               atol=1e-7)


def test_fisher_rao_distance_local_metric():
    sq = ScalarQuantizer.uniform(5, 0.8)
    theta = np.array([0.2, 1.1])
    I = F.fisher_information(sq, stats.norm, theta).matrix
    d = np.array([1e-4, -2e-4])
    p = F.cell_probabilities(sq, stats.norm(*theta))
    q = F.cell_probabilities(sq, stats.norm(*(theta + d)))
    assert F.fisher_rao_distance(p, q) ** 2 == pytest.approx(d @ I @ d, rel=1e-3)
    assert F.fisher_rao_distance([1, 0], [0, 1]) == pytest.approx(math.pi)


@pytest.mark.parametrize("theta, msg", [((0.0, 0.0), "scale must be > 0"),
                                        ((0.0, -1.0), "scale must be > 0"),
                                        ((0.0, 1.0, 2.0), "theta must hold")])
def test_bad_theta(theta, msg):
    with pytest.raises(ValueError, match=msg):
        F.fisher_information(ScalarQuantizer.uniform(3, 1.0), stats.norm, theta)


def test_bad_family_and_quantizer():
    sq = ScalarQuantizer.uniform(3, 1.0)
    with pytest.raises(TypeError, match="family"):
        F.fisher_information(sq, stats.norm(), (0, 1))
    with pytest.raises(ValueError, match="shape parameters"):
        F.fisher_information(sq, stats.t, (0, 1))
    with pytest.raises(TypeError, match="quantizer"):
        F.fisher_information([0.0], stats.norm, (0, 1))
    with pytest.raises(ValueError, match="sum to 1"):
        F.fisher_rao_distance([0.5, 0.6], [0.5, 0.5])


@pytest.mark.slow
def test_figure_fisher_loss_regenerates(tmp_path):
    from fsq_theory.figures import make_figure

    paths = make_figure("fisher_loss", outdir=tmp_path, quick=True, seed=0)
    assert all(p.stat().st_size > 0 for p in paths.values())
