"""The sphere-packing exponent at zero rate, as the limit rho -> infinity of max_q E0(rho, q)."""

from __future__ import annotations

import math

import numpy as np

from .._lazy import lazy_module

optimize = lazy_module("scipy.optimize")  # deferred: `import fsq_theory` stays light


def _e0_at_infinity(W: np.ndarray) -> tuple[float, np.ndarray]:
    r""":math:`\max_q -\log_2 \sum_{y \in Y} \prod_x W(y|x)^{q(x)}` and its maximizer, where
    :math:`Y` holds the outputs reachable from every input (nonempty when :math:`R_\infty = 0`).

    As :math:`s = 1/(1+\rho) \to 0`, :math:`(\sum_x q(x) W(y|x)^s)^{1/s}` tends to
    :math:`\prod_x W(y|x)^{q(x)}` for such outputs and to 0 for the others (full-support
    ``q``); the objective is concave in ``q`` (minus a log-sum-exp of linear functions), so the
    maximum over the closed simplex is the supremum over full-support ``q``.
    """
    n = W.shape[0]
    reach = (W > 0).all(axis=0)
    A = np.log(W[:, reach])  # inputs x outputs, all finite

    def g(q):  # log-sum-exp of A^T q (nats), and its gradient
        z = q @ A
        zmax = z.max()
        e = np.exp(z - zmax)
        return zmax + math.log(e.sum()), A @ (e / e.sum())

    best = None
    for q0 in (np.full(n, 1.0 / n), *np.eye(n)):
        res = optimize.minimize(g, q0, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * n,
                                constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1.0,
                                              "jac": lambda q: np.ones_like(q)}],
                                options={"ftol": 1e-15, "maxiter": 1000})
        q = np.clip(res.x, 0.0, None)
        q /= q.sum()
        val = g(q)[0]
        if best is None or val < best[0]:
            best = (val, q)
    return max(-best[0] / math.log(2.0), 0.0), best[1]
