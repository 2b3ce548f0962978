import numpy as np
import pytest
from scipy import stats

from fsq_theory import FSQ, ScalarQuantizer
from fsq_theory.cells import cell_moments, cell_probabilities


def _truncnorm_moments(a, b):
    """Independent reference: scipy's truncnorm gives the conditional moments on [a, b)."""
    p = stats.norm.cdf(b) - stats.norm.cdf(a)
    t = stats.truncnorm(a, b)
    return p, p * t.mean(), p * (t.var() + t.mean() ** 2)


def test_normal_closed_form_against_truncnorm():
    sq = ScalarQuantizer([-1.5, -0.3, 0.2, 2.0], [-2, -1, 0, 1, 3])
    m = cell_moments(sq)
    edges = sq.cell_edges
    for k in range(sq.n_cells):
        p, m1, m2 = _truncnorm_moments(edges[k], edges[k + 1])
        assert m.prob[k] == pytest.approx(p, rel=1e-12)
        assert m.first[k] == pytest.approx(m1, rel=1e-9, abs=1e-15)
        assert m.second[k] == pytest.approx(m2, rel=1e-9)
    assert m.prob.sum() == pytest.approx(1, abs=1e-15)
    assert m.first.sum() == pytest.approx(0, abs=1e-15)
    assert m.second.sum() == pytest.approx(1, abs=1e-14)


def test_location_scale_and_tail_precision():
    sq = ScalarQuantizer([6.0, 7.0], [0, 6.5, 8])
    m = cell_moments(sq, stats.norm(0, 1))
    # upper-tail cells keep relative precision (survival differences, not 1 - cdf)
    assert m.prob[2] == pytest.approx(stats.norm.sf(7.0), rel=1e-13)
    assert m.prob[1] == pytest.approx(stats.norm.sf(6) - stats.norm.sf(7), rel=1e-12)
    m2 = cell_moments(ScalarQuantizer([2.0 * 0.5 + 1], [0, 3]), stats.norm(1, 2))
    ref = cell_moments(ScalarQuantizer([0.5], [-0.5, 1]))
    np.testing.assert_allclose(m2.prob, ref.prob, rtol=1e-14)
    np.testing.assert_allclose(m2.first, 1 * ref.prob + 2 * ref.first, rtol=1e-13)


def test_bounded_support_outer_cells():
    """Uniform(-1, 1) through cells with infinite outer edges: closed forms on the support."""
    sq = ScalarQuantizer([-0.5, 0.5], [-0.75, 0, 0.75])
    m = cell_moments(sq, stats.uniform(-1, 2))
    np.testing.assert_allclose(m.prob, [0.25, 0.5, 0.25], rtol=1e-12)
    # int_{-1}^{-0.5} x/2 dx = -3/16, int x^2/2 dx = 7/48
    np.testing.assert_allclose(m.first, [-3 / 16, 0, 3 / 16], rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(m.second, [7 / 48, 1 / 24, 7 / 48], rtol=1e-10)
    np.testing.assert_allclose(m.centroids, [-0.75, 0, 0.75], rtol=1e-10, atol=1e-15)
    # a cell outside the support has zero moments
    far = cell_moments(ScalarQuantizer([2.0], [0, 3]), stats.uniform(-1, 2))
    assert far.prob[1] == 0 and far.first[1] == 0


def test_fsq_cells_probabilities_sum_to_one():
    for sq in FSQ([8, 5, 7], symmetric=True).scalar_quantizers(0.8):
        assert cell_probabilities(sq).sum() == pytest.approx(1, abs=1e-14)
        assert cell_probabilities(sq, stats.laplace()).sum() == pytest.approx(1, abs=1e-12)


def test_bad_input():
    with pytest.raises(TypeError, match="sq must be a ScalarQuantizer"):
        cell_moments([0.0, 1.0])
    with pytest.raises(TypeError, match="frozen scipy.stats"):
        cell_moments(ScalarQuantizer.uniform(3, 1), stats.norm)
    with pytest.raises(TypeError, match="continuous"):
        cell_probabilities(ScalarQuantizer.uniform(3, 1), stats.poisson(3))


@pytest.mark.parametrize("dist", [stats.laplace(0.2, 0.7), stats.t(3), stats.t(2.5, 1, 2),
                                  stats.uniform(-1, 2), stats.gennorm(1.5), stats.logistic(),
                                  stats.cauchy(), stats.beta(2, 3, loc=-1, scale=2)])
def test_pointwise_pdf_is_scipy_pdf_bit_for_bit(dist):
    # the fast pdf used inside quad must be the same function, to the bit, as dist.pdf
    from fsq_theory.cells import _pointwise_pdf

    f = _pointwise_pdf(dist)
    assert f is not dist.pdf  # the fast path was taken
    lo, hi = dist.support()
    x = np.random.default_rng(0).uniform(max(lo, -30), min(hi, 30), 500)
    assert all(f(float(t)) == dist.pdf(float(t)) for t in x)


def test_pointwise_pdf_falls_back_when_the_probe_disagrees():
    from fsq_theory.cells import _pointwise_pdf

    class _Odd(stats.rv_continuous):  # pdf overridden: its _pdf is not what pdf returns
        def _pdf(self, x):
            return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)

        def pdf(self, x, *args, **kwds):
            return 0.5 * super().pdf(x, *args, **kwds)

    d = _Odd(name="odd")()
    assert _pointwise_pdf(d) == d.pdf
