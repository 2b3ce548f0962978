"""Maximum-likelihood decoding of random block codes (kernel of ``exponents.simulate_random_codes``).

Codeword symbols and channel outputs are generated inside the kernel from counter-based streams
(``_kernels.rng.uniform_at``), so a codeword is never materialized: a competing codeword is
abandoned as soon as its partial log-likelihood falls below the sent one's, which is after a few
symbols for most of them. Every value is a pure function of (key, trial, position), so outcomes do
not depend on chunking or thread count.

Stream layout, for global trial ``t``, codeword ``m`` in ``[0, M)``, symbol ``i`` in ``[0, n)``:
symbol ``x[t, m, i] = icdf(cum_q, U_code((t * M + m) * n + i))``;
output ``y[t, i] = icdf(cum_w[x[t, 0, i]], U_noise(t * n + i))``,
where ``icdf(c, u) = #{k : c[k] < u}`` (clipped to the last index with positive probability).

Plain arrays in; validation is done by the public wrapper. Plain-numpy twin:
``tests/naive.py::random_code_outcomes``.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from .rng import uniform_at

CORRECT = 0
TIE = 1  # no codeword strictly more likely than the sent one, but at least one as likely
ERROR = 2  # some other codeword strictly more likely


@nb.njit(cache=True, inline="always")
def _icdf(cum, u):
    k = 0
    for j in range(cum.shape[0] - 1):
        k += cum[j] < u
    return k


@nb.njit(parallel=True, cache=True)
def random_code_outcomes(code_key0, code_key1, noise_key0, noise_key1, trial_start, M, n,
                         cum_q, cum_w, log_w, tol, out):
    """out[t] = CORRECT / TIE / ERROR for global trial ``trial_start + t``, codeword 0 sent.

    cum_q : float64 (|X|,) cumulative input distribution
    cum_w : float64 (|X|, |Y|) cumulative rows of W
    log_w : float64 (|X|, |Y|) log W(y|x), -inf where W = 0
    tol   : float64, log-likelihoods within tol of the sent one count as ties
    out   : int8 (T,)
    """
    T = out.shape[0]
    for t in nb.prange(T):
        tg = trial_start + t
        y = np.empty(n, dtype=np.int64)
        ll0 = 0.0
        for i in range(n):
            x = _icdf(cum_q, uniform_at(code_key0, code_key1, (tg * M) * n + i))
            k = _icdf(cum_w[x], uniform_at(noise_key0, noise_key1, tg * n + i))
            while log_w[x, k] == -np.inf:  # rounding at u ~ 1: fall back to a possible output
                k -= 1
            y[i] = k
            ll0 += log_w[x, k]
        res = CORRECT
        for m in range(1, M):
            base = (tg * M + m) * n
            ll = 0.0
            for i in range(n):
                x = _icdf(cum_q, uniform_at(code_key0, code_key1, base + i))
                ll += log_w[x, y[i]]
                if ll < ll0 - tol:  # log-likelihoods only decrease: this codeword cannot win
                    break
            if ll > ll0 + tol:
                res = ERROR
                break
            if ll >= ll0 - tol:
                res = TIE
        out[t] = res
