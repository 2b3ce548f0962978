"""Convergence of STE training (fsq_theory.dynamics._convergence, _seed_study): the Lemma, the theorem, its
nonconvex counterexample and the multi-seed study."""

import numpy as np
import pytest
from scipy import optimize, stats

from fsq_theory.dynamics import _convergence as cv
from fsq_theory.dynamics import _seed_study as sst
from fsq_theory.dynamics import train_toy_autoencoder
from fsq_theory.quantizer import FSQ

FSQS = [FSQ([5]), FSQ([8, 5]), FSQ([7, 5, 5]), FSQ([5, 4, 3, 2], symmetric=True), FSQ([3, 3, 3]),
        FSQ([6, 4])]


def _instances(n, n_steps=200, seed=0):
    for j, ss in enumerate(np.random.SeedSequence(seed).spawn(n)):
        fsq = FSQS[j % len(FSQS)]
        H, t, u0 = cv.random_convex_instance(fsq, condition=(1.0, 10.0, 100.0)[j % 3], rng=ss)
        yield fsq, cv.quadratic_ste_descent(fsq, H, t, u0, n_steps=n_steps)


# --- the grid and the Lemma --------------------------------------------------------------------

@pytest.mark.parametrize("fsq", FSQS, ids=str)
def test_grid_rounding_is_fsq_on_bounded_latents(fsq):
    """Rounding u = b(z) to the grid in code units is FSQ's code of z (away from the thresholds,
    where the float32 reference and real arithmetic may disagree by an ulp)."""
    rng = np.random.default_rng(1)
    z = rng.standard_normal((20000, fsq.dim)) * 2
    u = fsq.real_bound(z)
    got = cv._Grid(fsq).round(u)
    want = fsq.quantize(z)
    step = fsq.real_bound.step
    frac = (u + 1) / step - np.floor((u + 1) / step)
    far = np.abs(frac - 0.5) > 1e-5
    # the reference's codes are float32: equal to ~1 ulp
    np.testing.assert_allclose(got[far], want[far], rtol=0, atol=2e-7)
    assert far.mean() > 0.99


@pytest.mark.parametrize("levels, symmetric, steps", [
    ([5], False, [0.5]), ([8], False, [0.25]), ([5], True, [0.5]), ([4], True, [2 / 3]),
    ([7, 6], False, [1 / 3, 1 / 3])])
def test_gradient_error_bound_constant(levels, symmetric, steps):
    # Delta = 1/floor(L/2) by default, 2/(L-1) symmetric (Mentzer et al. 2023, App. A.1)
    delta = cv.ste_gradient_error_bound(FSQ(levels, symmetric=symmetric), beta=3.0, phi_norm=2.0)
    assert delta == pytest.approx(3.0 * 2.0 * np.linalg.norm(steps) / 2, rel=1e-15)


@pytest.mark.parametrize("fsq", FSQS, ids=str)
def test_lemma_error_at_most_delta_and_nearly_attained(fsq):
    rng = np.random.default_rng(2)
    grid = cv._Grid(fsq)
    u = rng.uniform(grid.lo, grid.hi, (50000, fsq.dim))
    H, _, _ = cv.random_convex_instance(fsq, rng=3)
    err = np.linalg.norm((grid.round(u) - u) @ H, axis=-1)
    delta = cv.ste_gradient_error_bound(fsq, beta=1.0)
    assert err.max() <= delta * (1 + 1e-12)
    # the rounding error itself reaches ||Delta||/2 (midpoints of cells)
    rerr = np.linalg.norm(grid.round(u) - u, axis=-1)
    assert rerr.max() > 0.9 * delta if fsq.dim == 1 else rerr.max() > 0.7 * delta


# --- the theorem -------------------------------------------------------------------------------

def test_theorem_holds_on_every_seed():
    worst_prior = worst_obs = 0.0
    for fsq, run in _instances(60):
        gap = run.gap()
        assert np.all(gap >= -1e-15)
        assert np.all(gap <= run.bound(observed=True) * (1 + 1e-12))
        assert np.all(run.bound(observed=True) <= run.bound() * (1 + 1e-12))
        assert run.grad_error.max() <= run.delta * (1 + 1e-12)
        worst_prior = max(worst_prior, float((gap / run.bound()).max()))
        worst_obs = max(worst_obs, float((gap / run.bound(observed=True)).max()))
    # not vacuous: the a posteriori bound is within a factor ~10 on the worst seed
    assert 0.05 < worst_obs < 1 and worst_prior < worst_obs


def test_proof_step_inequality_holds_at_every_iteration():
    """f(u_{t+1}) - f* <= beta/2 (r_t^2 - r_{t+1}^2) - <e_t, u_{t+1} - u*>, the inequality the sum
    telescopes, with e_t the STE gradient error computed from the iterates."""
    for j, ss in enumerate(np.random.SeedSequence(5).spawn(20)):
        fsq = FSQS[j % len(FSQS)]
        H, t, u0 = cv.random_convex_instance(fsq, condition=(1.0, 10.0, 100.0)[j % 3], rng=ss)
        run = cv.quadratic_ste_descent(fsq, H, t, u0, n_steps=100)
        e = (run.codes[:-1] - run.u[:-1]) @ H
        r2 = run.distance**2
        lhs = run.loss[1:] - run.f_star
        rhs = run.beta / 2 * (r2[:-1] - r2[1:]) - np.einsum("ti,ti->t", e, run.u[1:] - run.minimizer)
        assert np.all(lhs <= rhs + 1e-12)


def test_diagonal_target_outside_hull_minimizer_matches_scipy():
    fsq = FSQ([5, 8, 3])
    H = np.diag([2.0, 0.5, 1.0])
    t = np.array([1.7, -0.2, -3.0])
    run = cv.quadratic_ste_descent(fsq, H, t, [0.0, 0.0, 0.0], n_steps=300)
    grid = cv._Grid(fsq)
    res = optimize.minimize(lambda u: 0.5 * (u - t) @ H @ (u - t), np.zeros(3),
                            jac=lambda u: H @ (u - t), bounds=list(zip(grid.lo, grid.hi)),
                            method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12})
    assert run.f_star == pytest.approx(res.fun, rel=1e-9)
    assert np.all(run.gap() <= run.bound(observed=True) * (1 + 1e-12))


def test_stuck_instance_attains_half_of_the_error_term():
    """t on a code, u0 just inside that code's cell: the STE gradient is 0 and the surrogate gap
    beta r^2/2 stays while the bound tends to delta r: ratio -> 1/2 (the delta term is within a
    factor 2 of tight); 0.45 x delta is exceeded."""
    fsq = FSQ([5, 5])
    step = fsq.real_bound.step
    u0 = 0.5 - 0.499 * step
    run = cv.quadratic_ste_descent(fsq, np.eye(2), [0.5, 0.5], u0, n_steps=1000)
    assert np.all(run.u == u0) and np.all(run.quantized_loss == 0)
    ratio = run.gap() / run.bound(observed=True)
    assert ratio.max() <= 0.5 and ratio[-1] > 0.498
    shrunk = cv.ste_convergence_bound(1000, beta=run.beta, delta=0.45 * run.delta,
                                      r0=run.distance[0], radius=run.mean_distance())
    assert (run.gap() > shrunk).any()


def test_quantized_loss_corollary():
    for fsq, run in _instances(30, seed=7):
        eps = run.loss - run.f_star
        rhs = (np.sqrt(eps) + np.sqrt(run.beta / 8) * np.linalg.norm(fsq.real_bound.step)) ** 2
        assert np.all(run.quantized_loss - run.f_star <= rhs * (1 + 1e-12))


def test_bound_without_error_term_fails():
    broken = 0
    for fsq, run in _instances(30, n_steps=300):
        b0 = cv.ste_convergence_bound(run.n_steps, beta=run.beta, delta=0.0, r0=run.distance[0],
                                      radius=run.radius)
        broken += bool((run.gap() > b0).any())
    assert broken >= 5


def test_convergence_bound_values():
    b = cv.ste_convergence_bound(3, beta=4.0, delta=0.25, r0=2.0, radius=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(b, [8 + 0.25, 4 + 0.5, 8 / 3 + 0.75], rtol=1e-15)


# --- the nonconvex counterexample --------------------------------------------------------------

@pytest.mark.parametrize("fsq", [FSQ([65], symmetric=True), FSQ([33]), FSQ([33], symmetric=True)],
                         ids=str)
def test_double_well_stuck_while_exact_descent_converges(fsq):
    run = cv.double_well_ste_descent(fsq, 0.3 * fsq.real_bound.step[0], n_steps=400)
    assert np.all(run.u == run.u[0])
    assert run.exact_loss[-1] < 1e-12 and run.loss[-1] > 0.98
    assert run.violated()[-1]


def test_double_well_coarse_grid_stuck_but_within_the_loose_bound():
    """L = 9: Delta = 1/4 and delta R = 8 Delta = 2 > 1: stuck, yet the bound is not exceeded."""
    run = cv.double_well_ste_descent(FSQ([9]), 0.05, n_steps=400)
    assert np.all(run.u == 0.05) and not run.violated().any()


def test_double_well_outside_zero_cell_converges():
    run = cv.double_well_ste_descent(FSQ([65], symmetric=True), 0.2, n_steps=400)
    assert run.loss[-1] < 1e-3 and not run.violated().any()


# --- multi-seed study --------------------------------------------------------------------------

def test_seed_study_matches_independent_runs_and_scipy_intervals():
    fsq = FSQ([5, 5])
    var = [4.0, 1.0, 0.25]
    s = sst.ste_seed_study(fsq, var, n_seeds=5, n_samples=150, n_steps=30, n_test=500, rng=11)
    kids = np.random.SeedSequence(11).spawn(5)
    for j, kid in enumerate(kids):
        run = train_toy_autoencoder(fsq, var, n_samples=150, n_steps=30, rng=kid.spawn(2)[0])
        np.testing.assert_array_equal(s.losses[j], run.loss)
    assert len({float(x) for x in s.final}) == 5
    lo, hi = stats.t.interval(0.95, 4, loc=s.losses.mean(0), scale=stats.sem(s.losses, axis=0))
    np.testing.assert_allclose(s.lower, lo, rtol=1e-12)
    np.testing.assert_allclose(s.upper, hi, rtol=1e-12)
    m, a, b = s.interval(s.gap())
    assert a < m < b and m == pytest.approx(s.test_loss.mean() - s.achievable)
    again = sst.ste_seed_study(fsq, var, n_seeds=5, n_samples=150, n_steps=30, n_test=500, rng=11)
    np.testing.assert_array_equal(again.losses, s.losses)
    np.testing.assert_array_equal(again.test_loss, s.test_loss)


def test_seed_study_shannon_bound_by_hand():
    """n D(R) at R = 2 log2 5 bits for variances 4, 1, 0.25: reverse water-filling solved with
    brentq here (independent of the package's solver)."""
    var = np.array([4.0, 1.0, 0.25])
    R = 2 * np.log2(5)
    theta = optimize.brentq(lambda th: np.maximum(0, 0.5 * np.log2(var / th)).sum() - R, 1e-9, 4)
    s = sst.ste_seed_study(FSQ([5, 5]), var, n_seeds=2, n_samples=20, n_steps=1, n_test=20, rng=0)
    assert s.shannon == pytest.approx(np.minimum(theta, var).sum(), rel=1e-9)
    assert s.shannon < s.lloyd_max < s.achievable
    # Max (1960), Table I: 5-level Gaussian quantizer, MSE 0.07994 per unit variance
    assert s.lloyd_max == pytest.approx(0.07994 * (4.0 + 1.0) + 0.25, abs=5e-5 * 5)


def test_lloyd_max_axis_pairs_most_levels_with_largest_variance():
    # Max (1960): MSE 0.1902 (3 levels) and 0.07994 (5 levels) per unit variance
    got = sst._lloyd_max_axis((3, 5), np.array([0.5, 4.0, 1.0]))
    assert got == pytest.approx(4.0 * 0.07994 + 1.0 * 0.1902 + 0.5, abs=5e-4)


def test_seed_study_trained_runs_are_near_the_achievable_loss():
    s = sst.ste_seed_study(FSQ([5, 5]), [4.0, 2.0, 1.0, 0.5], n_seeds=6, n_samples=1000,
                          n_steps=300, n_test=20000, rng=3)
    m, _, _ = s.interval(s.gap())
    # the held-out loss sits above the Shannon bound and within 10% of the axis-aligned design
    assert np.all(s.test_loss > s.shannon)
    assert s.interval(s.test_loss - s.lloyd_max)[1] > 0
    assert abs(m) < 0.1 * s.achievable
    assert s.mean[-1] < 0.5 * s.mean[0]


# --- argument checks ---------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda: sst.ste_seed_study(FSQ([5]), [1.0], n_seeds=1), "n_seeds"),
    (lambda: sst.ste_seed_study(FSQ([5]), [1.0], confidence=1.0), "confidence"),
    (lambda: sst.ste_seed_study(FSQ([5]), [1.0], jacobian="x"), "jacobian"),
    (lambda: sst.ste_seed_study(FSQ([5, 5]), [1.0]), "variances"),
    (lambda: cv.quadratic_ste_descent(FSQ([5]), [[-1.0]], [0.0], [0.0], n_steps=2), "hessian"),
    (lambda: cv.quadratic_ste_descent(FSQ([5]), [[1.0]], [0.0], [1.5], n_steps=2), "u0"),
    (lambda: cv.quadratic_ste_descent(FSQ([5, 5]), [[1.0, 0.5], [0.5, 1.0]], [2.0, 0.0],
                                      [0.0, 0.0], n_steps=2), "target"),
    (lambda: cv.quadratic_ste_descent(FSQ([5]), [[2.0]], [0.0], [0.0], n_steps=2, beta=1.0),
     "beta"),
    (lambda: cv.double_well_ste_descent(FSQ([4]), 0.0, n_steps=2), "fsq"),
    (lambda: cv.double_well_ste_descent(FSQ([5]), 1.5, n_steps=2), "u0"),
    (lambda: cv.ste_convergence_bound(3, beta=1.0, delta=0.1, r0=1.0, radius=[1.0, 2.0]),
     "radius"),
    (lambda: cv.ste_gradient_error_bound(FSQ([5]), beta=0.0), "beta"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_fsq_type_checked():
    with pytest.raises(TypeError, match="fsq"):
        cv.ste_gradient_error_bound([5], beta=1.0)


def test_rng_conventions():
    fsq = FSQ([5, 4])
    a = cv.random_convex_instance(fsq, rng=4)
    b = cv.random_convex_instance(fsq, rng=np.random.SeedSequence(4))
    c = cv.random_convex_instance(fsq, rng=np.random.default_rng(4))
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        np.testing.assert_array_equal(x, z)
    s1 = sst.ste_seed_study(fsq, [1.0, 0.5], n_seeds=2, n_samples=20, n_steps=2, n_test=20, rng=4)
    s2 = sst.ste_seed_study(fsq, [1.0, 0.5], n_seeds=2, n_samples=20, n_steps=2, n_test=20,
                            rng=np.random.SeedSequence(4))
    np.testing.assert_array_equal(s1.losses, s2.losses)
    with pytest.raises(TypeError, match="rng"):
        cv.random_convex_instance(fsq, rng=1.5)


@pytest.mark.parametrize("seed", range(8))
def test_theorem_with_affine_parameterisation(seed):
    """The general statement: w in a ball X of radius rho, u = Phi w with ||Phi|| rho <= 1 (so u
    stays in the symmetric hull [-1, 1]^d), f(w) = g(Phi w), beta = beta_g ||Phi||^2,
    delta = beta_g ||Phi|| ||Delta|| / 2; w* from scipy's constrained minimiser (the bound holds
    for any w* in X). Written independently of quadratic_ste_descent."""
    rng = np.random.default_rng(seed)
    fsq = FSQ([5, 3, 4], symmetric=True)
    d, p = fsq.dim, 5
    grid = cv._Grid(fsq)
    Phi = rng.standard_normal((d, p))
    nphi = np.linalg.norm(Phi, 2)
    rho = 1.0 / nphi
    Hg, t, _ = cv.random_convex_instance(fsq, condition=10.0, rng=seed)
    beta_g = np.linalg.eigvalsh(Hg)[-1]
    beta = beta_g * nphi**2
    delta = cv.ste_gradient_error_bound(fsq, beta=beta_g, phi_norm=nphi)
    f = lambda w: 0.5 * (Phi @ w - t) @ Hg @ (Phi @ w - t)
    proj = lambda w: w if np.linalg.norm(w) <= rho else w * rho / np.linalg.norm(w)
    res = optimize.minimize(f, np.zeros(p), jac=lambda w: Phi.T @ Hg @ (Phi @ w - t),
                            constraints=[{"type": "ineq", "fun": lambda w: rho**2 - w @ w}],
                            method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
    w_star = proj(res.x)
    w = proj(rng.standard_normal(p))
    r0 = np.linalg.norm(w - w_star)
    T = 300
    vals, dist = [], []
    for _ in range(T):
        u = Phi @ w
        assert np.all(np.abs(u) <= 1 + 1e-12)
        ste = Phi.T @ Hg @ (grid.round(u) - t)
        assert np.linalg.norm(ste - Phi.T @ Hg @ (u - t)) <= delta * (1 + 1e-12)
        w = proj(w - ste / beta)
        vals.append(f(w))
        dist.append(np.linalg.norm(w - w_star))
    gap = np.minimum.accumulate(vals) - f(w_star)
    bound = cv.ste_convergence_bound(T, beta=beta, delta=delta, r0=r0,
                                     radius=np.cumsum(dist) / np.arange(1, T + 1))
    assert np.all(gap <= bound * (1 + 1e-12))
    assert np.all(gap <= cv.ste_convergence_bound(T, beta=beta, delta=delta, r0=r0,
                                                  radius=2 * rho) * (1 + 1e-12))
