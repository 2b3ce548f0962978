r"""Rate-distortion function of a discrete source by Blahut-Arimoto, with a certified gap.

At slope :math:`-\beta` (``beta`` in nats per unit distortion) the point of the R(D) curve is
reached by the test channel

.. math::

    Q(y\mid x) = \frac{q_y\, e^{-\beta d(x,y)}}{Z_x(q)},\qquad Z_x(q) = \sum_y q_y e^{-\beta d(x,y)},

where the reproduction marginal :math:`q` minimizes the convex function
:math:`G(q) = -\sum_x p_x \log Z_x(q)` over the simplex (Blahut 1972). With
:math:`c_y(q) = \sum_x p_x e^{-\beta d(x,y)}/Z_x(q)` (so :math:`\partial G/\partial q_y = -c_y`
and :math:`\sum_y q_y c_y = 1`), the optimum is characterized by the KKT conditions
:math:`c_y \le 1`, with equality where :math:`q_y > 0`, and every :math:`q` brackets the curve
(Blahut 1972, Theorem 8; Csiszar 1974):

.. math::

    \underbrace{-\beta D_q + G(q) - \log \max_y c_y}_{R_L}
    \;\le\; R(D_q) \;\le\;
    \underbrace{-\beta D_q + G(q) - \textstyle\sum_y q_y c_y \log c_y}_{R_U = I(p, Q)},

:math:`D_q` being the distortion of :math:`Q`. The gap
:math:`R_U - R_L = \log\max_y c_y - \sum_y q_y c_y\log c_y \ge 0` is the certificate; it is
evaluated on the whole reproduction alphabet whatever algorithm produced :math:`q`.

Algorithm. Plain Blahut-Arimoto (:math:`q_y \leftarrow q_y c_y`) converges sublinearly when the
optimal support is sparse: outputs leaving the support decay only like :math:`c_y^k` with
:math:`c_y \to 1`. Here up to 50 Blahut-Arimoto sweeps shrink the candidate outputs (those whose
mass falls below 1e-20 of the largest are dropped unless they violate KKT), then a primal-dual
interior-point Newton method minimizes :math:`G` on the candidates (Hessian
:math:`H = K_A^\top \operatorname{diag}(p/S^2) K_A`, barrier on :math:`q \ge 0`, Mehrotra
predictor-corrector, equilibrated Cholesky with iterative refinement; 10-20 steps). Each step
costs :math:`n|A|^2` flops for :math:`H`; above 1.2e11 (e.g. 4096 x 5000) the method falls back
to plain sweeps, which may end uncertified (``converged`` False). Measured with
single-threaded BLAS (``OPENBLAS_NUM_THREADS=1``; oversubscribed BLAS threads on a loaded
machine slowed the Newton systems up to 100x): 512 x 512 discretized Gaussian, 1e-9 bit in
0.01-0.5 s per slope; 4096 x 4096, 1e-6 bit in 12-49 s per slope (BENCHMARKS.md).
An active-set Newton method was tried first and stalls
when the optimal support is dense on a fine grid (nearly collinear kernel columns, hundreds of
outputs to drop one per step); the barrier handles both regimes. Outputs outside the candidates
that violate KKT (:math:`c_y > 1`) are added and the finish repeated.

Arithmetic is log-domain safe: the Gibbs kernel is stored row-scaled,
:math:`K_{xy} = e^{-\beta(d_{xy} - \min_{y'} d_{xy'})} \in [0, 1]` with a 1 in every row, so
:math:`\log Z_x = \log (Kq)_x - \beta \min_y d_{xy}` neither overflows nor underflows at any
:math:`\beta`; rows whose sum :math:`(Kq)_x` underflows are recomputed by a log-sum-exp.

References
----------
R. E. Blahut, "Computation of channel capacity and rate-distortion functions", IEEE Trans.
Inform. Theory 18(4):460-473, 1972.
S. Arimoto, "An algorithm for computing the capacity of arbitrary discrete memoryless channels",
IEEE Trans. Inform. Theory 18(1):14-20, 1972.
I. Csiszar, "On the computation of rate-distortion functions", IEEE Trans. Inform. Theory
20(1):122-124, 1974.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from .._lazy import lazy_module
linalg = lazy_module("scipy.linalg")
_blas = lazy_module("scipy.linalg.blas")

from .. import _validation as v

if TYPE_CHECKING:  # deferred: numba costs ~0.5-2 s to import; the edge stays visible
    from .._kernels import ba as _k
else:
    _k = lazy_module("fsq_theory._kernels.ba")

__all__ = ["BAResult", "blahut_arimoto", "rd_curve"]

_LN2 = np.log(2.0)
_TINY_ROW = 1e-280  # below this, (K q)_x is recomputed in log domain
_CHEAP_NEWTON = 2e9  # n * |A|^2 below which extra Newton steps cost well under a second
_MAX_DENSE_HESSIAN = 1.2e11  # n * |A|^2 flops of one dense Newton system (4096^3 ~ 7e10: ~2 s)


@dataclass(frozen=True)
class BAResult:
    r"""One certified point of the rate-distortion curve.

    Attributes
    ----------
    beta : float
        Slope parameter, nats per unit distortion (the curve's slope is :math:`-\beta` in nats).
    rate : float
        :math:`R_U = I(p, Q)`, bits per source symbol: achieved by ``conditional`` at
        ``distortion``, an upper bound on :math:`R(\text{distortion})`.
    rate_lower : float
        :math:`R_L`, Blahut's lower bound on :math:`R(\text{distortion})`, bits.
    gap : float
        ``rate - rate_lower`` in bits (>= 0): the certified accuracy of ``rate``.
    distortion : float
        :math:`D = \sum_{x,y} p_x Q(y\mid x) d(x,y)`.
    conditional : ndarray, shape (n, m)
        Test channel :math:`Q(y\mid x)`.
    output : ndarray, shape (m,)
        Reproduction marginal :math:`\sum_x p_x Q(y\mid x)`.
    iterations : int
        Blahut-Arimoto sweeps plus Newton steps.
    newton_steps : int
        Interior-point Newton steps among ``iterations``.
    support_size : int
        Number of outputs with positive mass in the reproduction marginal (outputs the
        interior-point finish left with a vanishing mass are zeroed when the certificate
        still holds without them).
    converged : bool
        ``gap <= tol``.

    Examples
    --------
    Returned by :func:`blahut_arimoto`; binary symmetric source, Hamming distortion, where
    :math:`D = 1/(1 + e^{\beta})` and :math:`R(D) = 1 - h(D)`:

    >>> r = blahut_arimoto([0.5, 0.5], [[0, 1], [1, 0]], 1.0)
    >>> round(r.distortion, 6), round(r.rate, 6), r.support_size, r.gap <= 1e-9
    (0.268941, 0.160058, 2, True)
    """

    beta: float
    rate: float
    rate_lower: float
    gap: float
    distortion: float
    conditional: np.ndarray
    output: np.ndarray
    iterations: int
    newton_steps: int
    support_size: int
    converged: bool


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _check_problem(p_x, distortion):
    p = v.as_real_array("p_x", p_x).astype(np.float64)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"p_x must be a non-empty 1-D probability vector, got shape {p.shape}")
    if (p < 0).any():
        i = int(np.flatnonzero(p < 0)[0])
        raise ValueError(f"p_x must be non-negative; p_x[{i}] = {p[i]!r}")
    s = float(p.sum())
    if abs(s - 1.0) > 1e-9:
        raise ValueError(f"p_x must sum to 1 (within 1e-9), got sum {s!r}")
    p = p / s
    d = v.as_real_array("distortion", distortion).astype(np.float64)
    if d.ndim != 2 or d.shape[0] != p.size or d.shape[1] == 0:
        raise ValueError(f"distortion must have shape ({p.size}, m) with m >= 1 (one row per "
                         f"source symbol), got shape {d.shape}")
    if (d < 0).any():
        pos = v._first_position(d < 0)
        raise ValueError(f"distortion must be non-negative; distortion{list(pos)} = {d[pos]!r}")
    return p, np.ascontiguousarray(d)


def _check_beta(beta, name="beta"):
    return v.check_real(name, beta, minimum=0.0)


# ---------------------------------------------------------------------------------------------
# the problem at one slope
# ---------------------------------------------------------------------------------------------
class _Slope:
    """Row-scaled kernel and the quantities of G at one beta."""

    def __init__(self, p, d, beta):
        self.p, self.d, self.beta = p, d, beta
        n, m = d.shape
        self.K = np.empty((n, m))
        self.dmin = np.empty(n)
        _k.scaled_kernel(d, beta, self.K, self.dmin)
        _flush_subnormal(self.K)

    def log_row_sums(self, q):
        """log (K q)_x, exact in log domain where the float sum underflows."""
        S = self.K @ q
        with np.errstate(divide="ignore"):
            logS = np.log(S)
        bad = np.flatnonzero(S < _TINY_ROW)
        if bad.size:
            with np.errstate(divide="ignore"):
                lq = np.log(q)
            out = np.empty(bad.size)
            _k.log_row_sums(lq, self.d, self.dmin, self.beta, bad.astype(np.int64), out)
            logS[bad] = out
        return logS

    def gradient(self, logS):
        """c_y = sum_x p_x K_xy / (K q)_x; also whether 1/(Kq) had to be clipped."""
        e = -logS
        clipped = bool((e > 700).any())
        w = self.p * np.exp(np.minimum(e, 700.0))
        return self.K.T @ w, w, clipped

    def bounds(self, q):
        """Distortion and Blahut's bound pair (nats) at q, on the whole alphabet."""
        logS = self.log_row_sums(q)
        c, w, clipped = self.gradient(logS)
        pos = self.p > 0
        G = -float((self.p[pos] * (logS[pos] - self.beta * self.dmin[pos])).sum())
        out = q * c
        # D = sum_xy p_x q_y K_xy d_xy / S_x
        D = float(_k.weighted_distortion(self.K, self.d, w, q))
        with np.errstate(divide="ignore", invalid="ignore"):
            logc = np.log(c)
            used = out > 0
            ent = float((out[used] * logc[used]).sum())
        lmax = float(np.max(logc))
        base = -self.beta * D + G
        return dict(D=D, upper=base - ent, lower=base - lmax, gap=lmax - ent, c=c, logS=logS,
                    clipped=clipped, out=out)


def _ba_sweeps(slope: _Slope, q, n_sweeps, gap_target):
    """Plain Blahut-Arimoto q <- q c; stops early once the certified gap reaches gap_target."""
    done = 0
    for done in range(1, n_sweeps + 1):
        logS = slope.log_row_sums(q)
        c, _, _ = slope.gradient(logS)
        q = q * c
        q /= q.sum()
        if done % 10 == 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                lc = np.log(c)
                gap = float(np.max(lc) - np.nansum(np.where(q > 0, q * lc, 0.0)))
            if gap < gap_target:
                break
    return q, done


def _restricted_kernel(slope: _Slope, idx):
    """exp(-beta (d[:, idx] - min over idx)): rescaled per row on the active set, so that
    (K_A q_A)_x cannot underflow even for source points far from every active output (the
    gradient and Hessian are invariant to this row scaling)."""
    dA = slope.d[:, idx]
    K = np.exp(-slope.beta * (dA - dA.min(axis=1, keepdims=True)))
    # the Hessian multiplies pairs of entries: below 1e-140 their products would be subnormal,
    # which slows BLAS ~5x; such entries move no row sum (every row holds a 1), and this kernel
    # only steers Newton -- the certificate uses the full one
    _flush_subnormal(K, 1e-140)
    return K


_FLUSH_H = 1e-150
_CORRECTORS = 4


def _flush_subnormal(K, floor=1e-300):
    """Zero kernel entries below ``floor`` in place (subnormal operands slow BLAS)."""
    K[K < floor] = 0.0


class _SPDFactor:
    """Factor symmetric positive semi-definite H once; solve with iterative refinement.

    ``H`` holds its lower triangle (upper ignored) and is overwritten. Jacobi-equilibrated
    Cholesky with the smallest ridge that factorizes (nearly collinear kernel columns make H
    numerically singular), then iterative refinement against the unridged H, so the ridge does
    not limit the accuracy of the Newton step.
    """

    def __init__(self, H):
        self.dg = np.sqrt(np.maximum(np.diag(H).copy(), np.finfo(float).tiny))
        inv = 1.0 / self.dg
        H *= inv[:, None]
        H *= inv[None, :]
        self.Hs = H
        self.cf = None
        diag = np.diag_indices_from(H)
        for r in (1e-14, 1e-12, 1e-10, 1e-8, 1e-6):
            A = np.array(H, order="F")
            # H >= 0 entrywise (a Gram matrix of non-negative columns plus a diagonal) with unit
            # diagonal here: entries below 1e-150 move no solve (the smallest ridge is 1e-14,
            # and the refinement below uses the unflushed H), but products of two of them are
            # subnormal inside the factorization, which slowed it 3.2x (measured at 4096
            # outputs: 1.99 s -> 0.62 s per Cholesky)
            _flush_subnormal(A, _FLUSH_H)
            A[diag] += r
            try:
                self.cf = linalg.cho_factor(A, lower=True, overwrite_a=True, check_finite=False)
                break
            except (linalg.LinAlgError, ValueError):
                continue

    def solve(self, rhs):
        bs = rhs / self.dg
        x = linalg.cho_solve(self.cf, bs, check_finite=False)
        for _ in range(3):
            x = x + linalg.cho_solve(self.cf, bs - _blas.dsymv(1.0, self.Hs, x, lower=1),
                                     check_finite=False)
        return x / self.dg


def _max_step(qa, dq, s, ds):
    alpha = 1.0
    for arr, da in ((qa, dq), (s, ds)):
        neg = da < 0
        if neg.any():
            alpha = min(alpha, float(np.min(-arr[neg] / da[neg])))
    return alpha


def _interior_point(slope: _Slope, q, idx, tol_nats, max_steps):
    """Primal-dual interior-point Newton for min G(q) on the outputs ``idx`` of the simplex.

    KKT of min G s.t. 1'q = 1, q >= 0: c(q) = nu - s, q*s = 0, s >= 0. Each step solves the
    Newton system of the barrier-perturbed KKT (q*s = sigma mu), reduced to
    (H + diag(s/q)) dq + dnu 1 = r, with Mehrotra's predictor-corrector choice of sigma (one
    factorization, three solves per step). The barrier keeps the outputs leaving the support
    from blocking the step (their mass decays like mu/s), which is what stalls active-set
    methods when the optimal support is dense and its kernel columns nearly collinear. Stops
    when the certified gap on the *whole* alphabet is below ``tol_nats``.
    """
    p = slope.p
    KA = _restricted_kernel(slope, idx)
    qa = q[idx] + 1e-300
    qa /= qa.sum()
    S = KA @ qa
    c = KA.T @ (p / S)
    m = idx.size
    # a centred start: nu = max c makes every slack s = nu - c >= 0, and s >= mu0 / q with mu0
    # the warm start's own gap per output puts every product q s at mu0 or above. The previous
    # start (nu = 1, s >= 1e-6) left products from 1e-22 to 1e-9 on warm starts, and the first
    # 6-7 Newton steps crept (step lengths 1e-5..1e-1); measured at 4096 x 4096, 5 slopes:
    # Newton steps [10, 11, 11, 19, 11] -> [4, 12, 12, 4, 4], 178 s -> 122 s
    nu = float(c.max())
    mu0 = max(nu - float(qa @ c), 1e-300) / m
    # mu0 / q capped at 1e200 q, so that s / q (the Hessian's diagonal) stays finite for an
    # output entering with q ~ 1e-300 (capping mu0 / q at 1 instead cost 60% more Newton steps)
    s = np.maximum(nu - c, np.minimum(mu0 / qa, 1e200 * qa))
    best = (np.inf, q, None)
    steps = 0
    reached = None
    for steps in range(1, max_steps + 1):
        S = KA @ qa
        w = p / S
        c = KA.T @ w
        mu = float(qa @ s) / m
        rd = -c + nu - s
        rp = qa.sum() - 1.0
        # H = K_A' diag(p / S^2) K_A: lower triangle by a rank-n update (half of a GEMM)
        B = KA * np.sqrt(w / S)[:, None]
        M = _blas.dsyrk(1.0, B.T, trans=0, lower=1)
        del B
        M[np.diag_indices_from(M)] += s / qa
        F = _SPDFactor(M)
        del M
        if F.cf is None:
            break
        v = F.solve(np.ones(m))

        def direction(rc):
            u = F.solve(-rd - rc / qa)
            dnu = (u.sum() + rp) / v.sum()
            dq = u - dnu * v
            return dq, (-rc - s * dq) / qa, dnu

        # predictor (affine scaling), then the centred corrector
        dq_a, ds_a, _ = direction(qa * s)
        a_aff = _max_step(qa, dq_a, s, ds_a)
        mu_aff = float((qa + a_aff * dq_a) @ (s + a_aff * ds_a)) / m
        sigma = min(1.0, (mu_aff / mu) ** 3) if mu > 0 else 0.0
        rc = qa * s + dq_a * ds_a - sigma * mu
        dq, ds, dnu = direction(rc)
        a_max = _max_step(qa, dq, s, ds)
        # Gondzio's centrality correctors: a solve costs ~1% of the factorization at 4096, so
        # push the products q s of a longer trial step back into [0.1, 10] sigma mu while
        # that lengthens the step
        for _ in range(_CORRECTORS):
            if a_max >= 1.0:
                break
            a_t = min(1.0, 1.5 * a_max + 0.1)
            prod = (qa + a_t * dq) * (s + a_t * ds)
            hi = 10.0 * sigma * mu
            corr = np.maximum(np.clip(prod, 0.1 * sigma * mu, hi) - prod, -hi)
            dq2, ds2, dnu2 = direction(rc - corr)
            a2 = _max_step(qa, dq2, s, ds2)
            if a2 < 1.01 * a_max:
                break
            rc, dq, ds, dnu, a_max = rc - corr, dq2, ds2, dnu2, a2
        alpha = min(1.0, 0.99 * a_max)
        qa = qa + alpha * dq
        s = s + alpha * ds
        nu = nu + alpha * dnu
        qa = np.maximum(qa, 1e-300)
        s = np.maximum(s, 1e-300)
        qf = np.zeros_like(q)
        qf[idx] = qa / qa.sum()
        b = slope.bounds(qf)
        if b["gap"] < best[0]:
            best = (b["gap"], qf, b)
        if b["gap"] <= tol_nats and not b["clipped"]:
            # certified; on small problems a few more (superlinear, cheap) steps shrink the
            # barrier's residual mass on off-support outputs so that the support can be read off
            reached = steps if reached is None else reached
            extra = 4 if KA.shape[0] * m * m < _CHEAP_NEWTON else 0
            if b["gap"] <= 1e-3 * tol_nats or steps - reached >= extra:
                break
    return best[1], best[2], steps


def _solve(slope: _Slope, q0, tol_bits, max_iter):
    """Certified point at one slope, from starting marginal q0 (full alphabet).

    Plain sweeps shrink the candidate outputs (mass decays like prod c_y for outputs off the
    support); an interior-point Newton method finishes on the candidates; outputs outside them
    that violate KKT (c_y > 1) are added and the finish repeated.
    """
    tol_nats = tol_bits * _LN2
    q, iters = _ba_sweeps(slope, q0.copy(), min(50, max_iter), 1e-3 * max(tol_nats, 1e-6))
    b = slope.bounds(q)
    newton = 0
    for _ in range(4):
        if (b["gap"] <= tol_nats and not b["clipped"]) or iters >= max_iter:
            break
        idx = np.flatnonzero((q > 1e-20 * q.max()) | (b["c"] > 1.0))
        if slope.K.shape[0] * idx.size ** 2 > _MAX_DENSE_HESSIAN:
            # too many candidates for a dense Newton system: plain sweeps only
            q, k = _ba_sweeps(slope, q, max_iter - iters, tol_nats)
            iters += k
            b = slope.bounds(q)
            break
        qn, bn, k = _interior_point(slope, q, idx, tol_nats, min(200, max_iter - iters))
        iters += k
        newton += k
        if bn is None or bn["gap"] >= b["gap"]:
            break
        q, b = qn, bn
    if b["gap"] <= tol_nats:
        # the barrier leaves off-support outputs a vanishing mass: drop it when the certificate
        # survives, so the reported support is the optimal one
        for cut in (1e-6, 1e-9, 1e-12):
            qc = np.where(q > cut * q.max(), q, 0.0)
            qc /= qc.sum()
            bc = slope.bounds(qc)
            if bc["gap"] <= tol_nats and not bc["clipped"]:
                return qc, bc, iters, newton
    return q, b, iters, newton


def _result(slope: _Slope, q, b, iters, newton, tol_bits, *, with_conditional=True):
    if with_conditional:
        logS = b["logS"]
        with np.errstate(divide="ignore"):
            cond = slope.K * q[None, :] * np.exp(-np.maximum(logS, -700.0))[:, None]
        cond /= cond.sum(axis=1, keepdims=True)
    else:
        cond = np.empty((0, 0))
    out = b["out"] / b["out"].sum()
    gap_bits = max(b["gap"], 0.0) / _LN2
    # plain floats: result fields print and serialize as Python numbers
    return BAResult(beta=float(slope.beta), rate=float(max(b["upper"], 0.0) / _LN2),
                    rate_lower=float(b["lower"] / _LN2), gap=float(gap_bits),
                    distortion=float(b["D"]),
                    conditional=cond, output=out, iterations=int(iters),
                    newton_steps=int(newton), support_size=int((q > 0).sum()),
                    converged=bool(gap_bits <= tol_bits and not b["clipped"]))


def _zero_slope(p, d):
    """beta = 0: all mass on the output of least expected distortion, rate 0 (D_max)."""
    ed = p @ d
    j = int(np.argmin(ed))
    q = np.zeros(d.shape[1])
    q[j] = 1.0
    cond = np.zeros_like(d)
    cond[:, j] = 1.0
    return BAResult(beta=0.0, rate=0.0, rate_lower=0.0, gap=0.0, distortion=float(ed[j]),
                    conditional=cond, output=q, iterations=0, newton_steps=0, support_size=1,
                    converged=True)


def blahut_arimoto(p_x, distortion, beta, *, tol: float = 1e-9, max_iter: int = 10_000,
                   q0=None) -> BAResult:
    r"""Certified point of the rate-distortion curve of a discrete source at slope ``beta``.

    Parameters
    ----------
    p_x : array_like, shape (n,)
        Source distribution (non-negative, sums to 1 within 1e-9).
    distortion : array_like, shape (n, m)
        Distortion :math:`d(x, y) \ge 0`.
    beta : float
        Slope parameter :math:`\beta \ge 0` in nats per unit distortion:
        :math:`Q(y\mid x) \propto q_y e^{-\beta d(x,y)}`. ``beta = 0`` gives :math:`D_{\max}`
        at rate 0.
    tol : float, keyword-only
        Target certified gap :math:`R_U - R_L` in bits.
    max_iter : int, keyword-only
        Cap on Blahut-Arimoto sweeps plus Newton steps.
    q0 : array_like, shape (m,), optional, keyword-only
        Starting reproduction marginal (warm start); default uniform.

    Returns
    -------
    BAResult
        Rates in bits per source symbol.

    Examples
    --------
    Binary symmetric source, Hamming distortion: :math:`R(D) = 1 - h(D)`,
    :math:`D = 1/(1 + e^{\beta})`.

    >>> r = blahut_arimoto([0.5, 0.5], [[0, 1], [1, 0]], 2.0)
    >>> round(r.distortion, 6), round(r.rate, 6), r.converged
    (0.119203, 0.472935, True)
    """
    p, d = _check_problem(p_x, distortion)
    beta = _check_beta(beta)
    tol = v.check_real("tol", tol, minimum=0.0, strict_minimum=True)
    max_iter = v.check_int("max_iter", max_iter, minimum=1)
    q = _check_q0(q0, d.shape[1])
    if beta == 0.0:
        return _zero_slope(p, d)
    slope = _Slope(p, d, beta)
    q, b, iters, newton = _solve(slope, q, tol, max_iter)
    return _result(slope, q, b, iters, newton, tol)


def _check_q0(q0, m):
    if q0 is None:
        return np.full(m, 1.0 / m)
    q = v.as_real_array("q0", q0).astype(np.float64)
    if q.shape != (m,):
        raise ValueError(f"q0 must have shape ({m},), got shape {q.shape}")
    if (q < 0).any() or q.sum() <= 0:
        raise ValueError(f"q0 must be non-negative with a positive sum, got {q.tolist()[:8]}...")
    # every output keeps a little mass so the sweeps can still find it
    q = q / q.sum() + 1e-12
    return q / q.sum()


def rd_curve(p_x, distortion, betas, *, tol: float = 1e-9, max_iter: int = 10_000):
    r"""Certified rate-distortion curve at the slopes ``betas``, warm-started along the curve.

    Slopes are solved in increasing order, each starting from the previous reproduction
    marginal mixed half and half with the uniform one.

    Parameters
    ----------
    p_x, distortion, tol, max_iter
        As in :func:`blahut_arimoto`.
    betas : array_like of float
        Slopes, nats per unit distortion, >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per slope (ascending ``beta``): ``beta``, ``distortion``, ``rate`` (bits),
        ``rate_lower`` (bits), ``gap`` (bits), ``iterations``, ``newton_steps``,
        ``support_size``, ``converged``, ``seconds``.

    Examples
    --------
    Binary symmetric source with Hamming distortion, where :math:`R(D) = 1 - h(D)` bits at
    :math:`D = 1/(1 + e^{\beta})`:

    >>> df = rd_curve([0.5, 0.5], [[0, 1], [1, 0]], [3.0, 1.0])
    >>> df[["beta", "distortion", "rate"]].round(6).values.tolist()
    [[1.0, 0.268941, 0.160058], [3.0, 0.047426, 0.72464]]
    >>> bool(df["converged"].all())
    True
    """
    import pandas as pd

    p, d = _check_problem(p_x, distortion)
    b = v.as_real_array("betas", betas).astype(np.float64).ravel()
    if b.size == 0:
        raise ValueError("betas must not be empty")
    if (b < 0).any():
        i = int(np.flatnonzero(b < 0)[0])
        raise ValueError(f"betas must be >= 0; betas[{i}] = {b[i]!r}")
    tol = v.check_real("tol", tol, minimum=0.0, strict_minimum=True)
    max_iter = v.check_int("max_iter", max_iter, minimum=1)
    rows = []
    q = np.full(d.shape[1], 1.0 / d.shape[1])
    for beta in np.sort(b):
        t0 = time.perf_counter()
        if beta == 0.0:
            r = _zero_slope(p, d)
        else:
            slope = _Slope(p, d, float(beta))
            # warm start, mixed with the uniform marginal: the interior-point finish leaves
            # off-support outputs with vanishing mass, which would slow the next slope's
            # sweeps from re-growing outputs that enter the support as beta increases
            q_start = 0.5 * q + 0.5 / d.shape[1]
            qs, bnd, iters, newton = _solve(slope, q_start, tol, max_iter)
            r = _result(slope, qs, bnd, iters, newton, tol, with_conditional=False)
            q = qs
        rows.append(dict(beta=float(beta), distortion=r.distortion, rate=r.rate,
                         rate_lower=r.rate_lower, gap=r.gap, iterations=r.iterations,
                         newton_steps=r.newton_steps, support_size=r.support_size,
                         converged=r.converged, seconds=time.perf_counter() - t0))
    return pd.DataFrame(rows)
