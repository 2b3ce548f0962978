"""Check of the convergence theorem for STE training (seed sec. 7.2.4, answered by a theorem)."""

from __future__ import annotations

import numpy as np

from . import Outcome, register

_LEVELS = (([5], False), ([8, 5], False), ([7, 5, 5], False), ([5, 4, 3, 2], True), ([3, 3, 3], False),
           ([6, 4], False))
N_SEEDS = 60
N_STEPS = 300


@register(
    "dynamics_ste_convergence_bound",
    statement=("Projected STE descent with step 1/beta on a convex beta-smooth quadratic f in the "
               "latent (bound's coordinates, the hull of FSQ's grid) has gradient error "
               "<= delta = beta ||Delta||_2/2 and min_{t<=T} f(u_t) - f* <= beta r_0^2/(2T) + "
               "delta (1/T) sum_{t<=T} ||u_t - u*|| <= beta r_0^2/(2T) + delta R for every T <= 300, "
               "on 60 random instances (seeds) and 4 stuck instances. lhs = worst ratio of the gap "
               "to the a posteriori bound (also of the error to delta, and to the a priori bound), "
               "rhs = 1."),
    source=("theorem in fsq_theory.dynamics._convergence (inexact-gradient descent: Devolder, "
            "Glineur, Nesterov 2014; d'Aspremont 2008); seed sec. 7.2.4"),
    resolution=("the bound's error term dropped (fails on 8 of 60 seeds) or scaled by 0.45 (the "
                "stuck instances reach 0.4995 of the bound: the delta term is tight within a factor 2)"),
)
def ste_convergence_bound() -> Outcome:
    from ..dynamics import quadratic_ste_descent, random_convex_instance
    from ..dynamics import ste_convergence_bound as bound_fn
    from ..quantizer import FSQ

    runs = []
    for j, ss in enumerate(np.random.SeedSequence(20240724).spawn(N_SEEDS)):
        levels, sym = _LEVELS[j % len(_LEVELS)]
        fsq = FSQ(levels, symmetric=sym)
        H, t, u0 = random_convex_instance(fsq, condition=(1.0, 10.0, 100.0)[j % 3], rng=ss)
        runs.append(quadratic_ste_descent(fsq, H, t, u0, n_steps=N_STEPS))
    # stuck: the target on a code and the start just inside its cell (STE gradient 0)
    for levels in ([5], [8, 5], [3, 3, 3], [7, 7, 7, 7]):
        fsq = FSQ(levels)
        t = np.array([fsq.real_bound.codes(i)[1] for i in range(fsq.dim)])
        u0 = t + 0.499 * fsq.real_bound.step
        runs.append(quadratic_ste_descent(fsq, np.eye(fsq.dim), t, u0, n_steps=N_STEPS))
    worst = worst_prior = worst_err = 0.0
    for run in runs:
        gap = run.gap()
        r0 = float(run.distance[0])
        obs = bound_fn(N_STEPS, beta=run.beta, delta=run.delta, r0=r0, radius=run.mean_distance())
        prior = bound_fn(N_STEPS, beta=run.beta, delta=run.delta, r0=r0, radius=run.radius)
        worst = max(worst, float((gap / obs).max()))
        worst_prior = max(worst_prior, float((gap / prior).max()))
        worst_err = max(worst_err, float(run.grad_error.max() / run.delta))
    lhs = max(worst, worst_prior, worst_err)
    return Outcome.at_most(lhs, 1.0 + 1e-12,
                           detail=(f"{N_SEEDS} random quadratics (condition 1, 10, 100; 6 FSQs incl. "
                                   f"symmetric) + 4 stuck instances, T <= {N_STEPS}: worst gap / "
                                   f"a posteriori bound {worst:.4f}, / a priori bound "
                                   f"{worst_prior:.4f}, gradient error / delta {worst_err:.4f}"))
