"""Plain-numpy twins of the numba kernels, each written the straightforward way.

Sections are appended per module; each twin names the kernel it mirrors.
"""

# ============================== foundation: FSQ, rng, stream_stats ==============================
import math as _math

import numpy as _np


def fsq_formula(z, levels, *, eps=1e-3, symmetric=False):
    """Reference FSQ formula on an array ``z`` (..., d): returns (codes, cell indices per dim).

    Straight transcription of vector-quantize-pytorch 1.32 ``FSQ.bound`` /
    ``symmetry_preserving_bound`` (forward values of the straight-through round/floor) in the dtype
    of ``z`` with float32 constants, tanh evaluated in float64 and rounded once. Twin of ``_kernels.encode`` (threshold form).
    """
    z = _np.asarray(z)
    T = z.dtype.type
    f32 = _np.float32
    L = _np.asarray(levels)
    Lf = L.astype(f32)
    tanh = lambda t: _np.tanh(t.astype(_np.float64)).astype(z.dtype)  # noqa: E731
    if symmetric:
        s = (tanh(z) + T(1)).astype(z.dtype)
        s = ((Lf - f32(1)).astype(z.dtype) * s).astype(z.dtype)
        s = ((s / T(2)).astype(z.dtype) + T(0.5)).astype(z.dtype)
        k = (s + (_np.floor(s) - s)).astype(z.dtype)  # floor_ste's forward value, as torch computes it
        scale = (f32(2) / (Lf - f32(1))).astype(f32)
        codes = (scale.astype(z.dtype) * k).astype(z.dtype) - T(1)
        return codes.astype(z.dtype), k.astype(_np.int64)
    half_l = ((Lf - f32(1)) * f32(1 + eps)).astype(f32) / f32(2)
    offset = _np.where(L % 2 == 0, f32(0.5), f32(0.0)).astype(f32)
    shift = _np.arctanh((offset / half_l).astype(f32).astype(_np.float64)).astype(f32)
    t = (z + shift.astype(z.dtype)).astype(z.dtype)
    b = (tanh(t) * half_l.astype(z.dtype)).astype(z.dtype)
    b = (b - offset.astype(z.dtype)).astype(z.dtype)
    # round_ste's forward value b + (round(b) - b): equals round(b) except that a zero comes out
    # +0.0 (b + (-b) = +0 in round-to-nearest), which is why the reference never emits -0.0
    level = (b + (_np.rint(b) - b)).astype(z.dtype)
    hw = (L // 2)
    codes = (level / hw.astype(z.dtype)).astype(z.dtype)
    return codes, (level + hw).astype(_np.int64)


def fsq_indices(cells, levels):
    basis = _np.cumprod([1] + list(levels[:-1]))
    return (cells * basis).sum(axis=-1).astype(_np.int64)


def splitmix_uniform(key0, key1, j):
    """Twin of ``_kernels.rng.uniform_at`` on an int64 array ``j``."""
    return ((_bits(key0, key1, j)[0] >> _np.uint64(11)).astype(_np.float64) + 0.5) * 2.0 ** -53


def _bits(key0, key1, j):
    """64 random bits at positions ``j`` (uint64 arithmetic, vectorised)."""
    M = _np.uint64(0xFFFFFFFFFFFFFFFF)

    def mix(z):
        z = ((z ^ (z >> _np.uint64(30))) * _np.uint64(0xBF58476D1CE4E5B9)) & M
        z = ((z ^ (z >> _np.uint64(27))) * _np.uint64(0x94D049BB133111EB)) & M
        return z ^ (z >> _np.uint64(31))

    with _np.errstate(over="ignore"):
        j = _np.asarray(j).astype(_np.uint64)
        return mix(mix(_np.uint64(key0) + (j + _np.uint64(1)) * _np.uint64(0x9E3779B97F4A7C15)) ^ _np.uint64(key1)), mix


def _ziggurat_normal(key0, key1, j, tables):
    """One ziggurat normal at position ``j``, written as Marsaglia & Tsang's loop in plain Python."""
    zk, zw, zf = tables
    r = 3.6541528853610088
    h, mix = _bits(key0, key1, j)
    h = int(h)
    t = 0

    def draw():
        nonlocal t
        t += 1
        with _np.errstate(over="ignore"):
            salt = int(mix(_np.uint64(t)))
        return int(_bits(key0, int(key1) ^ salt, j)[0])

    uni = lambda b: ((b >> 11) + 0.5) * 2.0 ** -53  # noqa: E731
    while True:
        idx = h & 0xFF
        h >>= 8
        neg = h & 1
        rabs = (h >> 1) & 0x000FFFFFFFFFFFFF
        x = rabs * zw[idx] * (-1 if neg else 1)
        if rabs < int(zk[idx]):
            return x
        if idx == 0:
            while True:
                xx = -_math.log(uni(draw())) / r
                yy = -_math.log(uni(draw()))
                if 2 * yy > xx * xx:
                    return -(r + xx) if neg else r + xx
        if (zf[idx - 1] - zf[idx]) * uni(draw()) + zf[idx] < _math.exp(-0.5 * x * x):
            return x
        h = draw()


def stream_noise(kind, key0, key1, start, n):
    """Twin of ``_kernels.rng.fill_noise``: 0 normal (ziggurat), 1 Laplace, 2 uniform."""
    j = _np.arange(start, start + n, dtype=_np.int64)
    if kind == 0:
        from fsq_theory._kernels.rng import _ZF, _ZK, _ZW  # the tables are data, tested on their own

        return _np.array([_ziggurat_normal(key0, key1, int(i), (_ZK, _ZW, _ZF)) for i in j])
    u = splitmix_uniform(key0, key1, j)
    if kind == 1:
        return _np.where(u < 0.5, _np.log(2 * u), -_np.log(2 * (1 - u)))
    return u


def ar1(e, rho, variance):
    """Twin of ``_kernels.rng.ar1_filter`` from a stationary start."""
    e = _np.asarray(e, dtype=_np.float64)
    x = _np.empty_like(e)
    sd = _np.sqrt(variance)
    x[0] = sd * e[0]
    for t in range(1, len(e)):
        x[t] = rho * x[t - 1] + sd * _np.sqrt(1 - rho ** 2) * e[t]
    return x


def quantization_stats(x, cells, codes_of_cells, bound_values, recon=None):
    """Twin of ``_kernels.accumulate``: direct histogram / error / moment computation.

    ``x`` (n, d) source rows, ``cells`` (n, d) cell indices, ``codes_of_cells`` (n, d) code values,
    ``bound_values`` (n, d) continuous bounded values, ``recon`` (n, d) source-domain
    reconstructions or None.
    """
    out = {
        "mean": x.mean(axis=0),
        "var": x.var(axis=0, ddof=1),
        "mse_code_per_dim": ((bound_values - codes_of_cells) ** 2).mean(axis=0),
    }
    if recon is not None:
        out["mse_source_per_dim"] = ((x - recon) ** 2).mean(axis=0)
    return out


# ============================== issue 5: random codes (exponents) ==============================
def random_code_outcomes(keys, trial_start, T, M, n, q, W, tol):
    """Twin of ``_kernels.random_codes.random_code_outcomes``: materialize every codebook and
    output from the same counter-based streams, then full ML log-likelihoods.
    Returns int8 outcomes (0 correct, 1 tie, 2 error), codeword 0 sent."""
    W = _np.asarray(W, dtype=_np.float64)
    cum_q = _np.cumsum(q)
    cum_w = _np.cumsum(W, axis=1)
    with _np.errstate(divide="ignore"):
        log_w = _np.log(W)
    out = _np.empty(T, dtype=_np.int8)
    for t in range(T):
        tg = trial_start + t
        pos = (tg * M + _np.arange(M)[:, None]) * n + _np.arange(n)[None, :]
        u = splitmix_uniform(keys[0], keys[1], pos)
        book = (u[..., None] > cum_q[None, None, :-1]).sum(-1)
        un = splitmix_uniform(keys[2], keys[3], tg * n + _np.arange(n))
        y = (un[:, None] > cum_w[book[0], :-1]).sum(-1)
        for i in range(n):
            while W[book[0, i], y[i]] == 0:
                y[i] -= 1
        ll = _np.array([sum(log_w[book[m, i], y[i]] for i in range(n)) for m in range(M)])
        others = ll[1:]
        if (others > ll[0] + tol).any():
            out[t] = 2
        elif (others >= ll[0] - tol).any():
            out[t] = 1
        else:
            out[t] = 0
    return out


# --- geometry (fsq_theory._kernels.w2) ------------------------------------------------------
def quantization_sse(x, thresholds, points):
    """Plain-numpy twin of _kernels.w2.sse_blocks summed: sum_{r,k} (x[r,k] - Q_k(x[r,k]))^2.

    ``thresholds`` and ``points`` are per-dimension lists; a value equal to a threshold belongs
    to the upper cell.
    """
    import numpy as np

    x = np.asarray(x, dtype=np.float64)
    total = 0.0
    for k in range(x.shape[1]):
        cell = np.searchsorted(np.asarray(thresholds[k]), x[:, k], side="right")
        e = x[:, k] - np.asarray(points[k])[cell]
        total += float(np.dot(e, e))
    return total


# --- Blahut-Arimoto (fsq_theory._kernels.ba) ------------------------------------------------
def ba_scaled_kernel(d, beta):
    """Plain-numpy twin of _kernels.ba.scaled_kernel: (exp(-beta (d - rowmin)), rowmin)."""
    import numpy as np

    d = np.asarray(d, dtype=np.float64)
    dmin = d.min(axis=1)
    return np.exp(-beta * (d - dmin[:, None])), dmin


def ba_log_row_sums(lq, d, dmin, beta, rows):
    """Plain-numpy twin of _kernels.ba.log_row_sums (scipy logsumexp per row)."""
    import numpy as np
    from scipy.special import logsumexp

    d = np.asarray(d, dtype=np.float64)
    return np.array([logsumexp(lq - beta * (d[i] - dmin[i])) for i in rows])


def ba_weighted_distortion(K, d, w, q):
    """Plain-numpy twin of _kernels.ba.weighted_distortion: sum w_x K_xy d_xy q_y."""
    import numpy as np

    return float(np.asarray(w) @ (np.asarray(K) * np.asarray(d)) @ np.asarray(q))


# --- Residual FSQ (fsq_theory.hierarchical.ResidualFSQ) ------------------------------------
def residual_fsq_twin(x, levels, num_stages, *, bound_hard_clamp=True, soft_clamp=None):
    """Plain transcription of vector_quantize_pytorch.ResidualFSQ.forward (eval mode) in numpy.

    Line by line as the reference: soft clamp ``(x / c).tanh() * c``, then per stage
    ``layer(residual / scale)`` with the symmetry-preserving FSQ bound (clamp or tanh), codes
    ``scale * floor(...) - 1`` with ``scale = 2 / (L - 1)`` in float32, ``codes_to_indices``
    through ``(codes + 1) / (2 / (L - 1))`` rounded, ``quantized * scale``. tanh is evaluated
    in float64 and rounded once (correct rounding). Returns (out, indices (n, S) int64).
    """
    import numpy as np

    x = np.asarray(x)
    T = x.dtype.type
    f32 = np.float32
    lv = np.asarray(levels, dtype=np.int64)
    lm1 = (lv - 1).astype(x.dtype)
    if bound_hard_clamp:
        c = (f32(1) + (f32(1) / (lv - 1).astype(f32))).astype(f32)  # 1 + (1 / (levels - 1))
    elif soft_clamp is not None:
        c = np.broadcast_to(np.asarray(soft_clamp, dtype=f32), lv.shape)
    else:
        c = None

    def tanh(a):
        return np.tanh(a.astype(np.float64)).astype(a.dtype)

    if c is not None:
        x = tanh(x / c.astype(x.dtype)) * c.astype(x.dtype)
    # levels.float() ** -s: 1/L^s is exact in the integers here, so one rounding of the quotient
    scales = [np.array([f32(1) / f32(L) ** s for L in lv], dtype=f32)
              for s in range(num_stages)]
    code_scale = (f32(2) / (lv - 1).astype(f32)).astype(f32)
    basis = np.cumprod(np.concatenate([[1], lv[:-1]]))
    residual, out, idx = x, np.zeros_like(x), []
    for s in range(num_stages):
        sc = scales[s].astype(x.dtype)
        z = residual / sc
        b = np.clip(z, T(-1), T(1)) if bound_hard_clamp else tanh(z)
        bracket = np.floor(lm1 * (b + T(1)) / T(2) + T(0.5))
        codes = code_scale.astype(x.dtype) * bracket - T(1)
        k = (codes + T(1)) / code_scale.astype(x.dtype)
        idx.append(np.round((k * basis).sum(-1)).astype(np.int64))
        q = codes * sc
        residual = residual - q
        out = out + q
    return out, np.stack(idx, axis=-1)


# --- O(1) cell look-up (fsq_theory._kernels.encode.cell_tables / tile_cells) ----------------------
def cells_by_search(z, thresholds):
    """Twin of the bucket look-up in ``_kernels.encode``: the number of thresholds ``<= z`` per
    dimension, by binary search (``thresholds`` one sorted array per dimension, dtype of ``z``)."""
    z = _np.asarray(z)
    return _np.stack([_np.searchsorted(t, z[..., k], side="right")
                      for k, t in enumerate(thresholds)], axis=-1).astype(_np.int64)
