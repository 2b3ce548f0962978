"""STE Jacobians of FSQ, dithered means, STE descent and the toy autoencoder (fsq_theory.ste)."""

import mpmath
import numpy as np
import pytest
from scipy import stats

from fsq_theory.dynamics import _ste as ste
from fsq_theory.quantizer import FSQ

EPS = 1e-3


def _mp_bound_derivative(L, z, eps=EPS, symmetric=False):
    """d/dz of the reference bound in code units, by mpmath numerical differentiation at 30 digits
    (independent of the closed form under test)."""
    mpmath.mp.dps = 30
    if symmetric:
        return float(mpmath.diff(lambda x: mpmath.tanh(x), z))
    h = mpmath.mpf(L - 1) * (1 + mpmath.mpf(eps)) / 2
    o = mpmath.mpf(1) / 2 if L % 2 == 0 else mpmath.mpf(0)
    s = mpmath.atanh(o / h)
    return float(mpmath.diff(lambda x: (mpmath.tanh(x + s) * h - o) / (L // 2), z))


@pytest.mark.parametrize("L, symmetric", [(5, False), (8, False), (3, False), (4, True), (7, True)])
def test_jacobian_matches_mpmath(L, symmetric):
    fsq = FSQ([L], symmetric=symmetric)
    zs = [-4.0, -1.3, -0.2, 0.0, 0.37, 1.0, 2.5]
    got = ste.ste_jacobian(fsq, np.array(zs)[:, None])[:, 0]
    want = [_mp_bound_derivative(L, z, symmetric=symmetric) for z in zs]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_jacobian_matches_finite_difference_of_fsq_bound():
    rng = np.random.default_rng(0)
    for fsq in (FSQ([8, 5, 5, 5]), FSQ([6, 3], symmetric=True)):
        z = rng.standard_normal((1000, fsq.dim)) * 2
        h = 1e-5
        fd = (fsq.bound(z + h) - fsq.bound(z - h)) / (2 * h)
        # FSQ.bound uses the reference's float32-rounded constants: ~1e-7 relative
        assert np.abs(ste.ste_jacobian(fsq, z) - fd).max() < 1e-6


def test_jacobian_closed_form_values():
    # odd L: h/floor(L/2) = 1 + eps; symmetric: sech^2
    np.testing.assert_allclose(ste.ste_jacobian(FSQ([5]), [[0.0], [1.0]])[:, 0],
                               [(1 + EPS), (1 + EPS) / np.cosh(1.0) ** 2], rtol=1e-14)
    np.testing.assert_allclose(ste.ste_jacobian(FSQ([9], symmetric=True), [[0.5]])[0, 0],
                               1 / np.cosh(0.5) ** 2, rtol=1e-14)


def test_hard_clamp_jacobian_is_derivative_of_hard_clamp_bound():
    z = np.linspace(-3, 3, 6001)[:, None]
    for fsq in (FSQ([5]), FSQ([8]), FSQ([5], symmetric=True)):
        h = 1e-6
        fd = (ste.hard_clamp_bound(fsq, z + h) - ste.hard_clamp_bound(fsq, z - h)) / (2 * h)
        J = ste.ste_jacobian(fsq, z, hard_clamp=True)
        away = np.abs(fd - J) > 1e-6
        # the only disagreements are within h of the two kinks
        assert away.sum() <= 2 * 2


def test_seed_indicator_is_symmetric_hard_clamp_only():
    z = np.linspace(-3, 3, 601)[:, None]
    np.testing.assert_array_equal(ste.ste_jacobian(FSQ([5], symmetric=True), z, hard_clamp=True),
                                  ste.seed_indicator(z))
    # default-mode hard clamp, odd L: (1 + eps) times the indicator
    np.testing.assert_allclose(ste.ste_jacobian(FSQ([5]), z, hard_clamp=True),
                               (1 + EPS) * ste.seed_indicator(z), rtol=1e-15)
    # tanh STE: positive beyond |z| = 1 where the indicator is 0
    J = ste.ste_jacobian(FSQ([5]), z)
    outside = np.abs(z[:, 0]) > 1
    assert (J[outside, 0] > 0).all() and (ste.seed_indicator(z)[outside] == 0).all()
    gap = np.abs(J - ste.seed_indicator(z)).max()
    assert gap == pytest.approx(1 - (1 + EPS) / np.cosh(1.0) ** 2, abs=2e-3)


def test_dithered_mean_is_the_bound_and_its_derivative_the_ste():
    fsq = FSQ([8, 5])
    rng = np.random.default_rng(1)
    z = rng.standard_normal((500, 2))
    np.testing.assert_allclose(ste.dithered_code_mean(fsq, z), fsq.bound(z), atol=1e-6)
    h = 1e-5
    fd = (ste.dithered_code_mean(fsq, z + h) - ste.dithered_code_mean(fsq, z - h)) / (2 * h)
    np.testing.assert_allclose(fd, ste.ste_jacobian(fsq, z), atol=1e-7)


def test_dithered_mean_against_monte_carlo():
    fsq = FSQ([5])
    z = np.array([[0.1], [0.6], [-1.7]])
    rng = np.random.default_rng(2)
    n = 200_000
    level = fsq.bound(z)[:, 0] * 2  # level units, L=5: floor(L/2) = 2
    u = rng.uniform(-0.5, 0.5, size=(n, 3))
    codes = np.rint(level + u) / 2
    se = codes.std(0) / np.sqrt(n)
    assert (np.abs(codes.mean(0) - ste.dithered_code_mean(fsq, z)[:, 0]) < 4 * se).all()


def test_gaussian_log_likelihood_and_seed_sign():
    rng = np.random.default_rng(3)
    x, xh = rng.standard_normal((2, 50, 4))
    sigma = 0.7
    want = stats.multivariate_normal(np.zeros(4), sigma**2 * np.eye(4)).logpdf(x - xh)
    np.testing.assert_allclose(ste.gaussian_log_likelihood(x, xh, sigma=sigma), want, rtol=1e-12)
    # seed 4.1: L_recon + E log p with sigma^2 = 1/2 is constant (-n/2 log pi): the added term
    # cancels the reconstruction loss instead of being a likelihood term of the loss
    s = np.sqrt(0.5)
    seed_loss = ((x - xh) ** 2).sum(-1) + ste.gaussian_log_likelihood(x, xh, sigma=s)
    np.testing.assert_allclose(seed_loss, -2 * np.log(np.pi), rtol=1e-12)


def test_descent_true_gradient_never_moves_and_indicator_stalls_outside():
    fsq = FSQ([5])
    for jac in ("true", "indicator"):
        r = ste.ste_descent(fsq, [1.5], [0.5], step=0.1, n_steps=200, jacobian=jac)
        assert (r.z == 1.5).all() and r.loss[-1] == pytest.approx(0.25)
    r = ste.ste_descent(fsq, [1.5], [0.5], step=0.1, n_steps=200, jacobian="tanh")
    assert r.loss[-1] == 0.0 and r.codes[-1, 0] == np.float64(0.5)


def test_descent_dithers_with_time_average_at_target():
    fsq = FSQ([5])
    t = 0.3  # between codes 0 and 0.5: no fixed point
    r = ste.ste_descent(fsq, [0.0], [t], step=0.01, n_steps=4000)
    burn = 1000
    assert r.switches(burn) > 1000  # a limit cycle across the threshold
    thr = fsq.scalar_quantizers()[0].thresholds[2]
    assert np.abs(r.z[burn:, 0] - thr).max() < 0.02  # amplitude O(step)
    # zero net displacement of a bounded orbit: time-averaged code = target up to O(step)
    assert abs(r.codes[burn:, 0].mean() - t) < 1e-3
    df = r.to_frame()
    assert len(df) == 4001


def test_toy_autoencoder_deterministic_and_learns():
    fsq = FSQ([5, 5])
    var = [4.0, 2.0, 1.0, 0.5]
    a = ste.train_toy_autoencoder(fsq, var, n_samples=500, n_steps=150, rng=7)
    b = ste.train_toy_autoencoder(fsq, var, n_samples=500, n_steps=150, rng=7)
    np.testing.assert_array_equal(a.loss, b.loss)
    np.testing.assert_array_equal(a.encoder, b.encoder)
    c = ste.train_toy_autoencoder(fsq, var, n_samples=500, n_steps=150, rng=8)
    assert not np.array_equal(a.loss, c.loss)
    ref = ste.axis_aligned_reference_loss(fsq, var)
    assert 1.5 < ref < 2.5  # between PCA (1.5) and keeping nothing of 2 dims
    assert a.loss[-1] < 1.15 * ref and a.loss[-1] < a.loss[0] / 3
    frozen = ste.train_toy_autoencoder(fsq, var, n_samples=500, n_steps=150, rng=7,
                                       jacobian="true")
    assert frozen.loss[-1] > 1.5 * ref and (frozen.active_fraction == 0).all()
    assert len(a.to_frame()) == 151


def test_axis_aligned_reference_against_brute_force_gain_scan():
    # one Gaussian coordinate, FSQ [5]: scan the gain and integrate E[x Q], E[Q^2] by quadrature
    from scipy import integrate

    fsq = FSQ([5])
    best = np.inf
    for a in np.linspace(0.3, 1.2, 46):
        codes = lambda x, a=a: fsq.quantize(np.array([[a * x]]))[0, 0]  # noqa: E731
        edges = fsq.scalar_quantizers(scale=a)[0].cell_edges
        exq = eq2 = 0.0
        for lo, hi in zip(edges[:-1], edges[1:]):
            lo, hi = max(lo, -12), min(hi, 12)
            c = codes((lo + hi) / 2)
            exq += c * integrate.quad(lambda x: x * stats.norm.pdf(x), lo, hi)[0]
            eq2 += c * c * integrate.quad(stats.norm.pdf, lo, hi)[0]
        best = min(best, 1 - exq**2 / eq2)
    ref = ste.axis_aligned_reference_loss(FSQ([5]), [1.0])
    assert ref <= best + 1e-9 and ref == pytest.approx(best, abs=2e-4)


@pytest.mark.parametrize("call, exc, match", [
    (lambda f: ste.ste_jacobian(f, [[np.nan]]), ValueError, "z contains 1 non-finite"),
    (lambda f: ste.ste_jacobian(f, [[0.0, 1.0]]), ValueError, "last dimension 1"),
    (lambda f: ste.ste_jacobian(f, [[0.0]], hard_clamp=1), TypeError, "hard_clamp must be a bool"),
    (lambda f: ste.seed_indicator([np.inf]), ValueError, "non-finite"),
    (lambda f: ste.ste_descent(f, [0.0], [0.3], step=0.0, n_steps=3), ValueError, "step must be > 0"),
    (lambda f: ste.ste_descent(f, [0.0], [0.3], step=0.1, n_steps=0), ValueError, "n_steps must be"),
    (lambda f: ste.ste_descent(f, [[0.0]], [0.3], step=0.1, n_steps=2), ValueError, "shape \\(1,\\)"),
    (lambda f: ste.ste_descent(f, [0.0], [0.3], step=0.1, n_steps=2, jacobian="x"), ValueError,
     "jacobian must be one of"),
    (lambda f: ste.train_toy_autoencoder(f, [1.0, -1.0]), ValueError, "positive"),
    (lambda f: ste.train_toy_autoencoder(f, [1.0], step=-1), ValueError, "step must be > 0"),
    (lambda f: ste.gaussian_log_likelihood([1.0, 2.0], [1.0], sigma=1.0), ValueError, "same shape"),
    (lambda f: ste.gaussian_log_likelihood([1.0], [1.0], sigma=0.0), ValueError, "sigma must be > 0"),
    (lambda f: ste.axis_aligned_reference_loss(FSQ([5, 5]), [1.0]), ValueError, ">= 2 positive"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(FSQ([5]))


def test_code_table_equals_fsq_quantize():
    from fsq_theory.dynamics._ste import _CodeTable

    rng = np.random.default_rng(4)
    for fsq in (FSQ([8, 5, 3]), FSQ([4, 2], symmetric=True)):
        z = rng.standard_normal((5000, fsq.dim)) * 2
        thr = fsq.thresholds(np.float64)
        z[:len(thr[0]), 0] = thr[0]  # exactly on thresholds: upper cell
        np.testing.assert_array_equal(_CodeTable(fsq)(z), fsq.quantize(z))
