"""Potentials, gradient flows and stability of FSQ (fsq_theory.dynamics)."""

import numpy as np
import pytest

from fsq_theory.dynamics import _gradient_flow as dy
from fsq_theory.quantizer import FSQ

EPS = 1e-3


@pytest.fixture(params=[([8, 5, 5], False), ([7, 4], False), ([5, 4, 3], True)],
                ids=["8-5-5", "7-4", "sym-5-4-3"])
def fsq(request):
    levels, sym = request.param
    return FSQ(levels, symmetric=sym)


def _latents(fsq, n=400, seed=0, scale=1.5):
    return np.random.default_rng(seed).standard_normal((n, fsq.dim)) * scale


@pytest.mark.parametrize("kind", dy.POTENTIALS)
def test_exact_flow_matches_solve_ivp(fsq, kind):
    z = _latents(fsq, 100)
    t = [0.0, 0.3, 2.0, 10.0]
    exact = dy.exact_code_flow(fsq, z, t, kind=kind)
    num = dy.gradient_flow(fsq, z, t, kind=kind)
    assert np.abs(exact - num.u).max() < 1e-8
    np.testing.assert_allclose(exact[0], fsq.bound(z), atol=1e-15)


@pytest.mark.parametrize("kind", dy.POTENTIALS)
def test_basins_are_fsq_cells(fsq, kind):
    z = _latents(fsq, 500, seed=3)
    lim = dy.flow_limit_codes(fsq, z, kind=kind)
    # FSQ's symmetric codes are float32(2/(L-1))*k - 1: equal to the real grid to ~6e-8
    np.testing.assert_allclose(lim, fsq.quantize(z), atol=2e-7, rtol=0)


def test_flow_started_on_threshold_does_not_converge():
    fsq = FSQ([5])
    t = fsq.scalar_quantizers()[0].thresholds  # real-arithmetic thresholds: b(t) is a midpoint
    lim = dy.flow_limit_codes(fsq, t[:, None], kind="cosine", t_final=5.0)
    assert np.isnan(lim).all()


def test_one_euler_step_of_quadratic_potential_is_fsq(fsq):
    z = _latents(fsq, 2000, seed=1, scale=3.0)
    np.testing.assert_allclose(dy.euler_map(fsq, z, step=1.0), fsq.quantize(z), atol=2e-7, rtol=0)


@pytest.mark.parametrize("step", [0.3, 1.7])
def test_euler_converges_for_steps_below_two(fsq, step):
    z = _latents(fsq, 300, seed=2)
    u = dy.euler_map(fsq, z, step=step, n_steps=80)
    np.testing.assert_allclose(u, fsq.quantize(z), atol=2e-7, rtol=0)


def test_euler_with_step_above_two_leaves_the_cell():
    fsq = FSQ([7])
    z = _latents(fsq, 300, seed=4, scale=0.5)
    u = dy.euler_map(fsq, z, step=2.5, n_steps=6)
    assert np.abs(u - fsq.quantize(z)).max() > 1 / 3  # beyond a half step: another cell


def test_gradient_and_hessian_match_finite_differences(fsq):
    z = _latents(fsq, 50, seed=5)
    h = 1e-5
    for kind in dy.POTENTIALS:
        g = dy.potential_gradient(fsq, z, kind=kind)
        H = dy.potential_hessian(fsq, z, kind=kind)
        for i in range(fsq.dim):
            e = np.eye(fsq.dim)[i] * h
            fd = (dy.potential(fsq, z + e, kind=kind) - dy.potential(fsq, z - e, kind=kind)) / (2 * h)
            np.testing.assert_allclose(g[:, i], fd, atol=1e-8)
            if kind == "cosine":  # the quadratic one has kinks: compare away from them only
                fd2 = (dy.potential_gradient(fsq, z + e, kind=kind)[:, i]
                       - dy.potential_gradient(fsq, z - e, kind=kind)[:, i]) / (2 * h)
                np.testing.assert_allclose(H[:, i], fd2, atol=1e-7)


def test_stability_closed_forms_odd_levels():
    # Hand derivation: odd L, codes c = l/((L-1)/2), b'(z*) = (1+eps)(1 - (c/(1+eps))^2)
    fsq = FSQ([5])
    tab = dy.stability_table(fsq, kind="cosine")
    codes = tab.point == "code"
    np.testing.assert_allclose(tab.u[codes], [-1, -0.5, 0, 0.5, 1], atol=1e-15)
    np.testing.assert_allclose(tab.lambda_code[codes], 1.0)
    outer = EPS * (2 + EPS) / (1 + EPS)  # ~ 2 eps
    np.testing.assert_allclose(tab.b_prime[codes], [outer, (1 + EPS) * (1 - 0.25 / (1 + EPS) ** 2),
                                                    1 + EPS, (1 + EPS) * (1 - 0.25 / (1 + EPS) ** 2),
                                                    outer], rtol=1e-12)
    np.testing.assert_allclose(tab.lambda_z[codes], tab.b_prime[codes] ** 2, rtol=1e-12)
    # the latent positions are FSQ's pulled-back points
    np.testing.assert_allclose(tab.z[codes], fsq.scalar_quantizers()[0].points, rtol=1e-12)
    thr = tab.point == "threshold"
    np.testing.assert_allclose(tab.lambda_code[thr], -1.0)
    assert (tab.lambda_z[thr] < 0).all()
    np.testing.assert_allclose(tab.z[thr], fsq.scalar_quantizers()[0].thresholds, rtol=1e-12)
    quad = dy.stability_table(fsq, kind="quadratic")
    assert np.isneginf(quad.lambda_code[quad.point == "threshold"]).all()


def test_symmetric_outer_codes_are_at_infinity():
    fsq = FSQ([5], symmetric=True)
    tab = dy.stability_table(fsq)
    codes = tab.point == "code"
    np.testing.assert_array_equal(tab.z[codes][[0, -1]], [-np.inf, np.inf])
    np.testing.assert_array_equal(tab.lambda_z[codes][[0, -1]], [0.0, 0.0])
    np.testing.assert_allclose(tab.b_prime[codes], 1 - tab.u[codes] ** 2)


def test_hessian_at_codes_equals_table(fsq):
    tab = dy.stability_table(fsq)
    sel = np.isfinite(tab.z)
    for i in range(fsq.dim):
        s = sel & (tab.dim == i)
        z = np.zeros((s.sum(), fsq.dim))
        z[:, i] = tab.z[s]
        np.testing.assert_allclose(dy.potential_hessian(fsq, z)[:, i], tab.lambda_z[s], atol=1e-7)
        np.testing.assert_allclose(dy.potential_gradient(fsq, z)[:, i], 0.0, atol=1e-8)


def test_latent_flow_relaxes_at_rate_lambda_z_near_outer_code():
    # linearisation z(t) - z* ~ delta exp(-lambda_z t) with lambda_z = b'(z*)^2 ~ 4 eps^2
    fsq = FSQ([5])
    tab = dy.stability_table(fsq)
    zs, lam = tab.z[4], tab.lambda_z[4]  # outer code +1
    delta = 1e-3
    t = 2e5
    fl = dy.gradient_flow(fsq, [[zs + delta]], [0.0, t], space="z", rtol=1e-10, atol=1e-14)
    ratio = (fl.z[-1, 0, 0] - zs) / delta
    assert ratio == pytest.approx(np.exp(-lam * t), rel=2e-3)
    assert lam == pytest.approx(4 * EPS**2, rel=5e-3)


def test_symmetric_outer_code_converges_algebraically():
    # 1 - u obeys e' = -(1-u^2)^2 W'(u) ~ -4 e^3, so e(t) ~ 1/sqrt(8 t + e0^-2)
    fsq = FSQ([5], symmetric=True)
    z0 = np.arctanh(0.9)
    t = np.array([0.0, 1e3, 1e4])
    fl = dy.gradient_flow(fsq, [[z0]], t, space="z", kind="quadratic", rtol=1e-10, atol=1e-14)
    e = 1 - fl.u[:, 0, 0]
    np.testing.assert_allclose(e[1:] * np.sqrt(8 * t[1:] + e[0] ** -2), 1.0, rtol=2e-2)


def test_latent_and_code_flows_share_orbits():
    fsq = FSQ([8, 5])
    z = _latents(fsq, 30, seed=6, scale=0.8)
    zf = dy.gradient_flow(fsq, z, np.linspace(0, 400, 11), space="z")
    d = np.diff(zf.u, axis=0) * (zf.u[-1] - zf.u[0])  # monotone towards the limit
    assert (d >= -1e-12).all()
    cf = dy.gradient_flow(fsq, z, [0.0, 40.0])
    inner = np.abs(fsq.quantize(z)) < 0.7  # outer levels relax ~1e5 times slower in z
    np.testing.assert_allclose(zf.u[-1][inner], cf.u[-1][inner], atol=1e-6)


def test_deterministic_and_to_frame():
    fsq = FSQ([5, 4])
    z = _latents(fsq, 5)
    a = dy.gradient_flow(fsq, z, [0.0, 1.0, 2.0])
    b = dy.gradient_flow(fsq, z, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(a.u, b.u)
    df = a.to_frame()
    assert len(df) == 3 * 5 * 2 and set(df.columns) >= {"t", "trajectory", "dim", "z", "u"}
    assert len(dy.stability_table(fsq).to_frame()) == (5 + 4) + (4 + 3)


def test_inputs_not_modified():
    fsq = FSQ([5, 4])
    z = _latents(fsq, 10)
    z.flags.writeable = False
    dy.gradient_flow(fsq, z, [0.0, 1.0])
    dy.euler_map(fsq, z, step=0.5, n_steps=3)
    dy.potential_hessian(fsq, z)


@pytest.mark.parametrize("call, exc, match", [
    (lambda f: dy.potential(f, [[np.nan, 0.0]]), ValueError, "z contains 1 non-finite"),
    (lambda f: dy.potential(f, [[0.0, 0.0, 0.0]]), ValueError, "last dimension 2"),
    (lambda f: dy.potential(f, [[0.0, 0.0]], kind="quartic"), ValueError, "kind must be one of"),
    (lambda f: dy.gradient_flow(f, [[0.0, 0.0]], [1.0, 0.5]), ValueError, "strictly increasing"),
    (lambda f: dy.gradient_flow(f, [[0.0, 0.0]], [-1.0]), ValueError, "non-negative"),
    (lambda f: dy.gradient_flow(f, [[0.0, 0.0]], [1.0], space="x"), ValueError, "space must be"),
    (lambda f: dy.gradient_flow(f, [[0.0, 0.0]], [1.0], rtol=0.0), ValueError, "rtol must be > 0"),
    (lambda f: dy.euler_map(f, [[0.0, 0.0]], step=0.0), ValueError, "step must be > 0"),
    (lambda f: dy.euler_map(f, [[0.0, 0.0]], step=-1.0), ValueError, "step must be > 0"),
    (lambda f: dy.euler_map(f, [[0.0, 0.0]], n_steps=0), ValueError, "n_steps must be >= 1"),
    (lambda f: dy.euler_map(f, [["a", "b"]]), TypeError, "z must have a real numeric dtype"),
    (lambda f: dy.flow_limit_codes(f, [[0.0, 0.0]], tol=0.0), ValueError, "tol must be > 0"),
    (lambda f: dy.potential("fsq", [[0.0, 0.0]]), TypeError, "fsq must be an FSQ"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(FSQ([5, 4]))


def test_cosine_potential_of_huge_u_is_finite():
    # found by the hostile hypothesis sweep: (u + 1)/step overflowed and cos(inf) gave NaN
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the overflow is handled, so it is not warned either
        out = dy.code_potential_derivatives(FSQ([5]), [[1.4e307], [-1.7e308], [0.25]])
    assert all(np.isfinite(a).all() for a in out)
    np.testing.assert_allclose([a[2, 0] for a in out], [0.5**2 / (2 * np.pi**2), 0, -1], atol=1e-15)
