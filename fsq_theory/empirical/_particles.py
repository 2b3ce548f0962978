r"""R(D) of an empirical measure with a particle reproduction distribution (Wasserstein gradient
descent on the Blahut-Arimoto functional) and the Blahut-Arimoto dual lower bound.

For the empirical measure :math:`\mu_n = \frac1n\sum_i\delta_{x_i}` on :math:`\mathbb R^d`,
distortion :math:`\rho(x, y) = \lVert x-y\rVert^2/d` (MSE per scalar) and slope
:math:`\beta` (nats per unit of :math:`\rho`), a reproduction distribution
:math:`\nu = \sum_j w_j\delta_{y_j}` defines the test channel
:math:`Q(y_j\mid x_i) = w_j e^{-\beta\rho_{ij}}/Z_i`, :math:`Z_i = \sum_j w_j e^{-\beta\rho_{ij}}`,
and the Blahut-Arimoto functional (the Lagrangian)

.. math:: \mathcal L(\nu) = -\frac1n\sum_i \log Z_i .

With :math:`D_\nu = \frac1n\sum_{ij} Q(y_j\mid x_i)\rho_{ij}` and
:math:`c(y) = \frac1n\sum_i e^{-\beta\rho(x_i, y)}/Z_i`, every :math:`\nu` gives, in nats,

.. math::

    R_{\mu_n}(D_\nu) \le I(\mu_n, Q) = \mathcal L(\nu) - \beta D_\nu - \sum_j w_j c_j\log c_j
    \le \mathcal L(\nu) - \beta D_\nu ,

    R_{\mu_n}(D) \ge \mathcal L(\nu) - \beta D - \log\sup_{y\in\mathbb R^d} c(y)
    \quad\text{for every } D

(the first line because :math:`Q` is a channel achieving :math:`D_\nu`, the second the dual
bound of Blahut 1972, Thm 8, and Csiszar 1974, with :math:`\lambda_i = 1/(Z_i \sup c)`). Both
are statements about the *empirical measure*: how close :math:`R_{\mu_n}` is to the source's
R(D) is a finite-sample question (:math:`R_{\mu_n} \le \log n` for every D).
The supremum over :math:`y \in \mathbb R^d` is found numerically (mean-shift ascent from every
particle and from data points, which increases :math:`c` monotonically): a missed maximum
overstates the lower bound, so it is reported as not certified.

Particle updates (Yang, Eckstein, Nutz, Mandt 2023, Algorithm 1, the "hybrid" variant): the
Wasserstein gradient of :math:`\mathcal L` at a particle is
:math:`\nabla\psi(y) = 2\tfrac{\beta}{d}\,c(y)\,(y - m(y))` with
:math:`m(y) = \sum_i e^{-\beta\rho(x_i,y)}x_i/Z_i \big/ \sum_i e^{-\beta\rho(x_i,y)}/Z_i`; a step
of size :math:`\eta_j = \mathrm{lr}\,d/(2\beta c_j)` moves :math:`y_j` a fraction ``lr`` of the
way to :math:`m(y_j)`, then the weights take a Blahut-Arimoto step :math:`w_j \leftarrow w_j c_j`.
On the full data with ``lr`` in (0, 1] this is an EM (majorize-minimize) iteration for a
Gaussian mixture with fixed covariance :math:`d/(2\beta) I`, so :math:`\mathcal L` never
increases; on minibatches it is the stochastic version. Whatever the path, the bounds above are
evaluated on all n points at the final particles.

References
----------
Y. Yang, S. Eckstein, M. Nutz, S. Mandt, "Estimating the Rate-Distortion Function by Wasserstein
Gradient Descent", NeurIPS 2023 (code: github.com/yiboyang/wgd, ``bagd/wgd_example.py``,
``bahybrid/main.py``). R. E. Blahut, IEEE Trans. Inform. Theory 18(4):460-473, 1972.
I. Csiszar, IEEE Trans. Inform. Theory 20(1):122-124, 1974. K. Rose, "A mapping approach to
rate-distortion computation and analysis", IEEE Trans. Inform. Theory 40(6):1939-1952, 1994.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .._kernels import particles as _k

_LN2 = np.log(2.0)


def functional_pass(X, Y, logw, beta, *, centroids=False):
    r"""One pass over the rows of ``X`` against particles ``Y`` with log-weights ``logw``.

    Returns ``logZ`` (n,), ``c`` (m,), ``S`` (m, d) or None (:math:`\frac1n\sum_i
    e^{-\beta\rho_{ij}}x_i/Z_i`) and ``D`` (:math:`D_\nu`, MSE per scalar); ``beta`` in nats per
    unit of MSE per scalar.
    """
    n, d = X.shape
    m = Y.shape[0]
    logZ = np.empty(n)
    c = np.zeros(m)
    S = np.zeros((m, d) if centroids else (1, d))
    dsum = _k.gibbs_pass(X, np.ascontiguousarray(Y), logw, beta / d, centroids, logZ, c, S)
    c /= n
    S /= n
    return logZ, c, (S if centroids else None), dsum / (n * d)


def _bounds_nats(logZ, c, logw, D, beta):
    G = -float(logZ.mean())
    w = np.exp(logw)
    pos = w > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = float(np.sum(w[pos] * c[pos] * np.log(np.where(c[pos] > 0, c[pos], 1.0))))
    lagr = G - beta * D
    return G, lagr, lagr - kl


@dataclass(frozen=True)
class ParticleSlope:
    r"""Particle estimate at one slope (all rates in bits per vector, distortion per scalar).

    Attributes
    ----------
    beta : float
        Nats per unit of MSE per scalar.
    distortion : float
        :math:`D_\nu`.
    rate : float
        :math:`I(\mu_n, Q_\nu)`: an upper bound on :math:`R_{\mu_n}(D_\nu)`.
    lagrangian_rate : float
        :math:`\mathcal L(\nu) - \beta D_\nu` (>= ``rate``), the Lagrangian upper bound.
    lagrangian : float
        :math:`\mathcal L(\nu)` in bits.
    dual_intercept : float
        :math:`\mathcal L(\nu) - \log\sup c` in bits: :math:`R_{\mu_n}(D) \ge`
        ``dual_intercept - beta * D / ln 2`` for every D (not certified: numerical sup).
    sup_c : float
        Largest :math:`c(y)` found (>= 1).
    particles, weights : ndarray
    trace : ndarray
        Lagrangian (bits) of each iterate on the rows it used (all rows when full-batch).
    """

    beta: float
    distortion: float
    rate: float
    lagrangian_rate: float
    lagrangian: float
    dual_intercept: float
    sup_c: float
    particles: np.ndarray
    weights: np.ndarray
    trace: np.ndarray


def _step(Xb, Y, logw, beta, lr, ba_weights):
    logZ, c, S, _ = functional_pass(Xb, Y, logw, beta, centroids=True)
    live = c > 1e-300
    target = np.where(live[:, None], S / np.where(live, c, 1.0)[:, None], Y)
    Y = Y + lr * (target - Y)
    if ba_weights:
        with np.errstate(divide="ignore"):
            logw = logw + np.log(c)
        logw = logw - logsumexp(logw)
    return Y, logw, -float(logZ.mean())


def _sup_c(X, logZ, Y, c_y, beta, gen, *, n_starts, sub, iters):
    r"""Numerical :math:`\sup_y c(y)`: mean-shift ascent (monotone for the positive weights
    :math:`1/Z_i`) on a row subsample from the particles, from random data points and from the
    data points worst covered by the particles (largest :math:`1/Z_i`, where :math:`c` peaks),
    then exact evaluation on all rows at every start and end point. Returns the largest value
    and the point where it was found."""
    n, d = X.shape
    bs = beta / d
    k = min(n_starts, n)
    worst = np.argpartition(logZ, k - 1)[:k] if k < n else np.arange(n)
    # c peaks where the particles leave data uncovered (largest 1/Z_i); the particles with the
    # largest c and a few random data points complete the starts
    starts = np.vstack([X[worst], X[gen.choice(n, size=max(1, k // 4), replace=False)],
                        Y[np.argsort(c_y)[::-1][:max(1, k // 4)]]])
    rows = np.arange(n) if n <= sub else gen.choice(n, size=sub, replace=False)
    Xs = np.ascontiguousarray(X[rows])
    a_log = -logZ[rows]
    P = starts.copy()
    nxt = np.empty_like(P)
    for _ in range(iters):
        _k.mean_shift(Xs, a_log, P, bs, nxt)
        moved = float(np.abs(nxt - P).max())
        P, nxt = nxt, P
        if moved < 1e-6 * np.sqrt(d / beta):
            break
    cands = np.vstack([starts, P])
    cs = np.zeros(cands.shape[0])
    _k.c_at(X, logZ, cands, bs, cs)
    cs /= n
    j = int(np.argmax(cs))
    return float(cs[j]), cands[j]


def particle_slopes(X, betas, *, n_particles, n_steps, batch_size, lr, ba_weights, gen,
                    n_augment=2, sup_starts=32, sup_rows=10_000, sup_iters=12):
    """Particle estimates at ascending ``betas`` (warm-started along the slopes).

    After the descent, ``n_augment`` rounds add the points where c(y) > 1 most (KKT violations
    of the Blahut-Arimoto problem, found by the sup search) as new particles of small weight and
    continue the descent: this shrinks sup c, hence the dual gap, where the particles leave data
    uncovered.
    """
    n = X.shape[0]
    m = min(n_particles, n)
    Y = X[gen.choice(n, size=m, replace=False)].copy()
    logw = np.full(m, -np.log(m))
    full = batch_size is None or batch_size >= n
    out = []
    for beta in np.sort(betas):
        beta = float(beta)
        # particles that lost all weight at the previous slope restart at data points
        dead = logw < np.log(1e-12 / Y.shape[0])
        if dead.any():
            Y[dead] = X[gen.choice(n, size=int(dead.sum()), replace=False)]
            logw = np.logaddexp(logw, np.log(1e-3 / Y.shape[0]))
            logw -= logsumexp(logw)
        trace = []
        for rnd in range(n_augment + 1):
            steps = n_steps if rnd == 0 else max(1, n_steps // 4)
            for _ in range(steps):
                Xb = X if full else X[gen.choice(n, size=batch_size, replace=False)]
                Y, logw, G = _step(Xb, Y, logw, beta, lr, ba_weights)
                trace.append(G / _LN2)
            logZ, c, _, D = functional_pass(X, Y, logw, beta)
            sup_c, y_star = _sup_c(X, logZ, Y, c, beta, gen, n_starts=sup_starts, sub=sup_rows,
                                   iters=sup_iters)
            if rnd == n_augment or sup_c <= 1.0 + 1e-6:
                break
            # add the maximizer and the worst-covered data points (mean-shifted) as particles
            k = min(max(1, m // 8), n)
            worst = np.argpartition(logZ, k - 1)[:k] if k < n else np.arange(n)
            new = np.vstack([y_star[None, :], X[worst]])
            Y = np.vstack([Y, new])
            logw = np.concatenate([logw, np.full(new.shape[0], np.log(1e-2 / m))])
            logw -= logsumexp(logw)
        sup_c = max(sup_c, float(c.max()), 1.0)
        G, lagr, rate = _bounds_nats(logZ, c, logw, D, beta)
        out.append(ParticleSlope(beta=beta, distortion=D, rate=max(rate, 0.0) / _LN2,
                                 lagrangian_rate=lagr / _LN2, lagrangian=G / _LN2,
                                 dual_intercept=(G - np.log(sup_c)) / _LN2, sup_c=sup_c,
                                 particles=Y.copy(), weights=np.exp(logw),
                                 trace=np.array(trace)))
    return out
