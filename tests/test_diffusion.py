"""Tests of fsq_theory.diffusion: FSQ tokens under the forward diffusion process."""

import math

import numpy as np
import pytest
from scipy import integrate, special, stats

from fsq_theory import FSQ
from fsq_theory.temporal import (alpha_bar, beta_schedule, code_grid_pmfs, simulate_forward,
                                  snr, token_diffusion, token_loss_time)

LIN = beta_schedule("linear")
COS = beta_schedule("cosine")


def test_linear_schedule_is_ho_et_al():
    # Ho et al. 2020, sec. 4: beta_1 = 1e-4 to beta_T = 0.02 linearly, T = 1000
    assert LIN.shape == (1000,)
    assert LIN[0] == 1e-4 and LIN[-1] == pytest.approx(0.02, abs=1e-17)
    np.testing.assert_allclose(np.diff(LIN), (0.02 - 1e-4) / 999, rtol=1e-9)
    np.testing.assert_allclose(alpha_bar(LIN), np.cumprod(1 - LIN), rtol=1e-12)


def test_cosine_schedule_is_nichol_dhariwal():
    # Nichol & Dhariwal 2021, eq. 17: abar_t = f(t)/f(0), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2)
    T, s = 1000, 0.008
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * math.pi / 2) ** 2
    ab = alpha_bar(COS)
    unclipped = COS < 0.999
    np.testing.assert_allclose(ab[unclipped], (f[1:] / f[0])[unclipped], rtol=1e-9)
    assert COS.max() == 0.999 and unclipped[:-1].all()  # only the last step is clipped


def test_snr():
    ab = alpha_bar(LIN)
    np.testing.assert_allclose(snr(LIN), ab / (1 - ab), rtol=1e-12)
    assert np.all(np.diff(snr(COS)) < 0)


def test_binary_code_closed_form():
    # codes +-1, ML re-quantization: survival = Phi(sqrt(SNR)), I = 1 - h2(Phi(-sqrt(SNR)))
    fsq = FSQ([2], symmetric=True)
    r = token_diffusion(fsq, LIN, times=[1, 100, 300, 700])
    q = stats.norm.sf(np.sqrt(r.snr))
    np.testing.assert_allclose(r.survival, 1 - q, atol=1e-15)
    h2 = (special.entr(q) + special.entr(1 - q)) / math.log(2)
    np.testing.assert_allclose(r.mi, 1 - h2, atol=1e-12)
    assert r.h0 == pytest.approx(1.0)


def test_product_codebook_factorizes():
    ts = [10, 200, 500]
    both = token_diffusion(FSQ([5, 3]), COS, times=ts)
    a = token_diffusion(FSQ([5]), COS, times=ts)
    b = token_diffusion(FSQ([3]), COS, times=ts)
    np.testing.assert_allclose(both.survival, a.survival * b.survival, rtol=1e-14)
    np.testing.assert_allclose(both.mi, a.mi + b.mi, rtol=1e-14)
    np.testing.assert_allclose(both.mi_latent, a.mi_latent + b.mi_latent, rtol=1e-12)
    assert both.h0 == pytest.approx(math.log2(15))


def test_latent_mi_against_quad():
    # I(K0; Zt) for uniform codes of FSQ([5]) at one t, by scipy.quad on h(Y) - h(noise)
    fsq, t = FSQ([5]), 150
    r = token_diffusion(fsq, LIN, times=[t])
    c = fsq.code_values(np.float64)[0]
    sg = math.sqrt((1 - r.alpha_bar[0]) / r.alpha_bar[0])
    def f(y):
        return np.mean(stats.norm.pdf(y, c, sg))
    hy = integrate.quad(lambda y: -f(y) * math.log2(f(y)) if f(y) > 0 else 0.0, -1 - 12 * sg,
                        1 + 12 * sg, points=list(c), limit=400, epsabs=1e-13)[0]
    want = hy - 0.5 * math.log2(2 * math.pi * math.e * sg * sg)
    assert r.mi_latent[0] == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("rescale", [True, False])
@pytest.mark.parametrize("prior", ["uniform", "gaussian"])
def test_information_bounds_and_monotonicity(rescale, prior):
    r = token_diffusion(FSQ([8, 5]), COS, times=np.arange(1, 1001, 7), prior=prior,
                        rescale=rescale)
    assert np.all(r.mi <= r.mi_latent + 1e-9)  # data processing K0 -> Zt -> Kt
    assert np.all(r.mi_latent <= np.minimum(r.h0, r.mi_gaussian) + 1e-9)  # AWGN capacity
    assert np.all(np.diff(r.mi_latent) <= 1e-9)  # K0 -> Zt -> Zt+1
    assert np.all(np.diff(r.mi) <= 1e-12)  # observed (not a DPI theorem), see module notes
    assert np.all((r.survival >= 0) & (r.survival <= 1))


def test_gaussian_prior_is_fsq_token_law():
    (c, p), = code_grid_pmfs(FSQ([5]), "gaussian", scale=1.0)
    # FSQ([5]) at gain 1: cells of N(0,1) at thresholds atanh(+-0.5/2.002), atanh(+-1.5/2.002)
    t = np.arctanh(np.array([-1.5, -0.5, 0.5, 1.5]) / 2.002)
    np.testing.assert_allclose(p, np.diff(stats.norm.cdf(np.r_[-np.inf, t, np.inf])), atol=1e-15)


def test_token_loss_time():
    r = token_diffusion(FSQ([8]), LIN, latent_mi=False)
    t_star = token_loss_time(r, 0.5)
    i = int(t_star) - 1
    assert r.mi[i] < 0.5 * r.h0 <= r.mi[i - 1]
    assert token_loss_time(r, 0.5, which="mi_gaussian") >= t_star
    assert math.isnan(token_loss_time(token_diffusion(FSQ([8]), LIN, times=[1]), 0.5))


def test_monte_carlo_chain_matches_closed_form():
    ts = [40, 250, 600]
    fsq = FSQ([5, 4])
    mc = simulate_forward(fsq, COS, 20_000, times=ts, rng=7)
    ex = token_diffusion(fsq, COS, times=ts, latent_mi=False)
    assert np.all(np.abs(mc.survival - ex.survival) < 4 * mc.survival_stderr)
    assert np.all(np.abs(mc.residual_var - 1) < 4 * mc.residual_var_stderr)
    assert np.all(np.abs(mc.residual_mean) < 4 / math.sqrt(mc.n * fsq.dim))
    raw = simulate_forward(fsq, COS, 20_000, times=ts, rng=8, rescale=False)
    ex_raw = token_diffusion(fsq, COS, times=ts, rescale=False, latent_mi=False)
    assert np.all(np.abs(raw.survival - ex_raw.survival) < 4 * raw.survival_stderr)
    # determinism at a fixed seed
    again = simulate_forward(fsq, COS, 20_000, times=ts, rng=7)
    np.testing.assert_array_equal(again.survival, mc.survival)


@pytest.mark.parametrize("betas", [[0.1, 0.0], [0.5, 1.0], [0.1, -0.2], [0.1, np.nan],
                                   [[0.1, 0.2]], []])
def test_bad_betas(betas):
    with pytest.raises(ValueError, match="betas"):
        alpha_bar(betas)


def test_bad_inputs():
    with pytest.raises(ValueError, match="times"):
        token_diffusion(FSQ([5]), LIN, times=[0])
    with pytest.raises(ValueError, match="times"):
        token_diffusion(FSQ([5]), LIN, times=[1001])
    with pytest.raises(TypeError, match="times"):
        token_diffusion(FSQ([5]), LIN, times=[1.5])
    with pytest.raises(ValueError, match="kind"):
        beta_schedule("quadratic")
    with pytest.raises(ValueError, match="T"):
        beta_schedule("linear", 0)
    with pytest.raises(ValueError, match="beta_end"):
        beta_schedule("linear", beta_end=1.5)
    with pytest.raises(ValueError, match="prior"):
        token_diffusion(FSQ([5]), LIN, prior="laplace")
    with pytest.raises(TypeError, match="fsq"):
        token_diffusion([5], LIN)
    with pytest.raises(ValueError, match="fraction"):
        token_loss_time(token_diffusion(FSQ([3]), LIN, times=[1]), 1.5)
    with pytest.raises(ValueError, match="n"):
        simulate_forward(FSQ([3]), LIN, 1)
