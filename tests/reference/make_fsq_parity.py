"""Generate ``fsq_parity.npz``: a bit-exact FSQ reference fixture.

The fixture records what the PyTorch reference implementation,
``vector_quantize_pytorch.FSQ`` (vector-quantize-pytorch==1.32.0 on
torch==2.13.0+cpu, numpy 2.4), returns for a fixed set of inputs.  The
test-suite only *loads* the ``.npz`` with numpy
(``np.load(path, allow_pickle=False)``); it does not need torch.  Only this
generator needs torch.

How to (re)generate -- use a venv OUTSIDE the repository::

    python3 -m venv /tmp/refvenv
    /tmp/refvenv/bin/pip install torch==2.13.0 numpy      # CPU wheel -- always pin torch
    /tmp/refvenv/bin/pip install torch==2.13.0 vector-quantize-pytorch==1.32.0
    /tmp/refvenv/bin/python tests/reference/make_fsq_parity.py                # writes the fixture (~20 s)
    /tmp/refvenv/bin/python tests/reference/make_fsq_parity.py --investigate  # + float-level facts (~40 s)
    /tmp/refvenv/bin/python tests/reference/make_fsq_parity.py --check-only   # numpy spec vs committed file

MKL / machine dependence -- read this.  torch's CPU float32 and float64
``tanh`` is Intel MKL VML ``v?Tanh`` (mode VML_HA, ~1 ulp, *not* correctly
rounded) and MKL chooses its code path from the CPU.  On an AVX-512 CPU the
default path gives different last bits than the AVX2/SSE/"COMPATIBLE" paths,
which moves 6 of the 56 decision boundaries of the fixture's scalar quantizers
by 1-3 ulp.  To make the fixture regenerable bit-for-bit on any x86 machine,
the main keys are produced with ``MKL_CBWR=COMPATIBLE`` (Intel's conditional
numerical reproducibility mode; this script sets it before importing torch).
The outputs of the *native* MKL path of the generating machine (AVX-512 Xeon)
are stored as a sparse diff (``__native_*`` keys), computed in a subprocess
without ``MKL_CBWR``.  The hard-case inputs include the boundaries of both.

Cases: ``{mode}_{levels joined by '-'}`` with mode ``default``
(``preserve_symmetry=False``) or ``symmetric`` (``preserve_symmetry=True``).
Keys per case (plain numeric / unicode arrays, no pickles):

* ``{case}__z``        float32 (N, d) inputs, fed as (1, N, d) to ``fsq(z)`` (eval mode)
* ``{case}__codes``    float32 (N, d) returned codes         [MKL_CBWR=COMPATIBLE]
* ``{case}__indices``  int64   (N,)   returned indices (torch gives int32)
* ``{case}__n_random`` int64 0-d: rows [0, n_random) are random, the rest hard cases
* ``{case}__z64``      float64 (M, d) the first M random rows cast to float64
* ``{case}__codes64``  float64 (M, d) ``fsq.quantize(z64)``
* ``{case}__indices64`` int64  (M,)   ``fsq.codes_to_indices(codes64)``
* ``{case}__boundaries``    float32: for each dim, every float32 z at which the
  torch output level changes (the first float32 of the higher level), dims
  concatenated in order; ``{case}__boundary_dims`` int64: dim of each entry
* ``{case}__ties``, ``{case}__tie_dims``: default mode only (empty for
  symmetric): z whose torch value right before ``round`` is exactly k + 0.5
* ``{case}__native_boundaries`` float32: same layout, native MKL path
* ``{case}__native_rows`` int64 (K,): rows whose native-path output differs,
  ``{case}__native_codes`` float32 (K, d), ``{case}__native_indices`` int64 (K,):
  the native outputs of those rows (same for ``__native_rows64`` /
  ``__native_codes64`` / ``__native_indices64`` of the float64 block)
* ``meta__torch_version``, ``meta__vqp_version``, ``meta__numpy_version``,
  ``meta__cpu_capability``, ``meta__mkl_cbwr``, ``meta__native_mkl``: 0-d unicode.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

EPS = 1e-3
LEVEL_SETS = [
    [8, 5, 5, 5],
    [7, 5, 5, 5, 5],
    [8, 8, 8, 6, 5],
    [8, 6, 5],
    [3],
    [5, 5, 5, 5, 5, 5, 5, 5],
]
# (levels, symmetric); default mode refuses L == 2
CASES = [(lv, False) for lv in LEVEL_SETS] + [(lv, True) for lv in LEVEL_SETS] + [([2, 2, 2], True)]

N_NORMAL = 8000        # rows of N(0, 1.5^2)  (fewer than ~20000 to keep the file ~3 MB)
N_UNIFORM = 1000       # rows of U[-4, 4]
N_FLOAT64 = 2000       # the first rows of the random block, cast to float64
SCAN_HALF_WIDTH = 1 << 16   # ulps scanned either side of each boundary (monotonicity check)
SEED = 20240607

SPECIAL_VALUES = np.array(
    [-0.0, 0.0, 1e6, -1e6, 3e38, -3e38, 1e-45, -1e-45, 1e-40, -1e-40, 1.17e-38, -1.17e-38],
    dtype=np.float32,
)


def case_name(levels, symmetric):
    return f"{'symmetric' if symmetric else 'default'}_{'-'.join(map(str, levels))}"


def distinct_scalar_quantizers():
    return sorted({(L, sym) for lv, sym in CASES for L in lv})


# --------------------------------------------------------------------------
# float32 <-> monotone integer ordering (-0.0 -> -1, +0.0 -> 0)

def f32_to_ord(x):
    b = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return np.where(b < 0, -(b & 0x7FFFFFFF) - 1, b)


def ord_to_f32(o):
    o = np.asarray(o, dtype=np.int64)
    bits = np.where(o < 0, (-o - 1) | 0x80000000, o).astype(np.uint32)
    return bits.view(np.float32)


# --------------------------------------------------------------------------
# pure-numpy specification (float32 path) -- checked against every fixture row

def numpy_spec_f32(z, levels, symmetric=False, eps=1e-3, tanh32=None):
    """Reproduce vector_quantize_pytorch 1.32 ``FSQ.forward`` for float32 z (..., d).

    Every op is one IEEE float32 op (numpy float32 arithmetic, no FMA), except
    tanh/atanh: float64 numpy results rounded once to float32.
    Returns (codes float32, indices int64).  ``tanh32`` (diagnostics only)
    replaces the float32 tanh, e.g. by torch's own.
    """
    f32 = np.float32
    z = np.asarray(z, dtype=f32)
    L = np.asarray(levels, dtype=np.int64)
    Lm1 = (L - 1).astype(f32)
    t32 = tanh32 or (lambda x: np.tanh(x.astype(np.float64)).astype(f32))  # noqa: E731
    if not symmetric:
        half_l = (Lm1 * f32(1.0 + eps)) / f32(2)           # 1+eps rounded to f32 first
        offset = np.where(L % 2 == 0, f32(0.5), f32(0.0)).astype(f32)
        shift = np.arctanh((offset / half_l).astype(np.float64)).astype(f32)
        bz = t32(z + shift) * half_l - offset               # f32 add, tanh, f32 mul, f32 sub
        r = np.rint(bz)                                     # round half to even
        hw = (L // 2).astype(f32)
        codes = (r + f32(0.0)) / hw                         # STE: round(-0.3) = -0.0 comes out +0.0
        level_idx = r.astype(np.int64) + L // 2
    else:
        scale = f32(2) / Lm1
        bracket = (Lm1 * (t32(z) + f32(1))) / f32(2) + f32(0.5)
        fl = np.floor(bracket)
        codes = scale * (fl + f32(0.0)) - f32(1)
        level_idx = fl.astype(np.int64)
    basis = np.cumprod(np.concatenate([[1], L[:-1]])).astype(np.int64)
    return codes.astype(f32), (level_idx * basis).sum(-1)


def numpy_table_spec_f32(z, levels, boundaries, boundary_dims, symmetric=False):
    """Emulate the *recorded* torch behaviour from a boundary table: level_j =
    number of boundaries of dim j that are <= z_j (the quantizer is monotone),
    then the reference's code lattice (+0.0 for the zero code)."""
    f32 = np.float32
    z = np.asarray(z, dtype=f32)
    L = np.asarray(levels, dtype=np.int64)
    lev = np.stack([np.searchsorted(np.sort(boundaries[boundary_dims == j]), z[..., j], side="right")
                    for j in range(len(L))], axis=-1).astype(np.int64)
    if not symmetric:
        hw = L // 2
        codes = (lev - hw).astype(f32) / hw.astype(f32) + f32(0.0)
    else:
        codes = (f32(2) / (L - 1).astype(f32)) * lev.astype(f32) - f32(1)
    basis = np.cumprod(np.concatenate([[1], L[:-1]])).astype(np.int64)
    return codes.astype(f32), (lev * basis).sum(-1)


# --------------------------------------------------------------------------
# torch side

def _torch():
    import torch
    from vector_quantize_pytorch import FSQ
    torch.set_grad_enabled(False)
    return torch, FSQ


def make_fsq(levels, symmetric):
    _, FSQ = _torch()
    fsq = FSQ(list(levels), preserve_symmetry=symmetric)
    fsq.eval()
    return fsq


def run_forward(fsq, z32):
    """fsq(z) on (1, N, d) float32; returns codes float32 (N, d), indices int64 (N,)."""
    torch, _ = _torch()
    zt = torch.from_numpy(np.ascontiguousarray(z32, dtype=np.float32))[None]
    codes, idx = fsq(zt)
    assert codes.dtype == torch.float32 and idx.dtype == torch.int32
    return codes[0].numpy().copy(), idx[0].numpy().astype(np.int64)


def run_float64(fsq, z64):
    torch, _ = _torch()
    zt = torch.from_numpy(np.ascontiguousarray(z64, dtype=np.float64))
    codes = fsq.quantize(zt)
    idx = fsq.codes_to_indices(codes)
    assert codes.dtype == torch.float64
    return codes.numpy().copy(), idx.numpy().astype(np.int64)


_ORACLES = {}


def level_oracle(L, symmetric):
    """1-D torch oracle: float32 array -> output level of FSQ([L]) (its index)."""
    key = (L, symmetric)
    if key not in _ORACLES:
        fsq = make_fsq([L], symmetric)

        def f(x, fsq=fsq):
            _, idx = run_forward(fsq, np.asarray(x, np.float32).reshape(-1, 1))
            return idx
        _ORACLES[key] = f
    return _ORACLES[key]


def bounded_value_torch(L, symmetric, x):
    """The value right before round/floor, with the reference's own torch ops."""
    torch, _ = _torch()
    fsq = make_fsq([L], symmetric)
    z = torch.from_numpy(np.asarray(x, np.float32).reshape(-1, 1))
    lv = fsq._levels
    if not symmetric:  # as in FSQ.bound
        half_l = (lv - 1) * (1 + EPS) / 2
        offset = torch.where(lv % 2 == 0, 0.5, 0.0)
        shift = torch.atanh(offset / half_l)
        return (torch.tanh(z + shift) * half_l - offset)[:, 0].numpy()
    levels_minus_1 = lv - 1  # as in FSQ.symmetry_preserving_bound
    return ((levels_minus_1 * (torch.tanh(z) + 1) / 2.) + 0.5)[:, 0].numpy()


def bisect_boundaries(oracle, L):
    """For k = 1..L-1: ordinal of the smallest float32 z with oracle(z) >= k."""
    fmax = np.finfo(np.float32).max
    lo_o, hi_o = f32_to_ord(-fmax), f32_to_ord(fmax)
    assert oracle(np.array([-fmax], np.float32))[0] == 0 and oracle(np.array([fmax], np.float32))[0] == L - 1
    ks = np.arange(1, L)
    lo = np.full(ks.shape, lo_o, np.int64)   # level(lo) < k
    hi = np.full(ks.shape, hi_o, np.int64)   # level(hi) >= k
    while np.any(hi - lo > 1):
        mid = lo + (hi - lo) // 2
        up = oracle(ord_to_f32(mid)) >= ks
        hi = np.where(up, mid, hi)
        lo = np.where(up, lo, mid)
    return hi


def spec_level_oracle(L, symmetric):
    return lambda x: numpy_spec_f32(np.asarray(x, np.float32).reshape(-1, 1), [L], symmetric)[1]


_BOUNDARY_CACHE = {}


def find_boundaries(L, symmetric):
    """All float32 z where the torch output level of FSQ([L]) changes.

    Bisection over the ordered float32 values with torch as the oracle, then an
    exhaustive scan of +-SCAN_HALF_WIDTH ulps around each result: collects every
    transition, checks monotonicity, and (default mode) finds exact .5 ties.
    Returns dict(boundaries, ties, nonmono, spec_window_mismatch).
    """
    key = (L, symmetric)
    if key in _BOUNDARY_CACHE:
        return _BOUNDARY_CACHE[key]
    oracle = level_oracle(L, symmetric)
    spec = spec_level_oracle(L, symmetric)
    hi = bisect_boundaries(oracle, L)
    found, ties = set(), set()
    nonmono = spec_mism = 0
    for h in hi:
        o = np.arange(h - SCAN_HALF_WIDTH, h + SCAN_HALF_WIDTH + 1, dtype=np.int64)
        x = ord_to_f32(o)
        lev = oracle(x)
        spec_mism += int((lev != spec(x)).sum())
        d = np.diff(lev)
        nonmono += int((d < 0).sum())
        found.update(int(v) for v in o[1:][d != 0])
        if not symmetric:
            bv = bounded_value_torch(L, symmetric, x).astype(np.float64)
            ties.update(int(v) for v in o[(bv - np.floor(bv)) == 0.5])
        # symmetric mode: floor() has no ties.  Its argument is *exactly* an
        # integer on long runs of z (e.g. f32(tanh(z) + 1) == 1.0 for all
        # |z| < ~2^-25); each boundary is the first z of such a run.
    res = dict(boundaries=ord_to_f32(np.array(sorted(found), np.int64)),
               ties=ord_to_f32(np.array(sorted(ties), np.int64)),
               nonmono=nonmono, spec_window_mismatch=spec_mism)
    assert len(res["boundaries"]) == L - 1 and nonmono == 0, (key, res)
    _BOUNDARY_CACHE[key] = res
    return res


def hard_values_1d(L, symmetric, native):
    """Hard scalar inputs for one dim: boundaries (this MKL mode and native)
    and their float32 neighbours, ties and neighbours, special values."""
    r = find_boundaries(L, symmetric)
    b = np.unique(np.concatenate([r["boundaries"], native[(L, symmetric)]["boundaries"]]))
    t = np.unique(np.concatenate([r["ties"], native[(L, symmetric)]["ties"]]))
    dn = lambda v: np.nextafter(v, np.float32(-np.inf), dtype=np.float32)  # noqa: E731
    up = lambda v: np.nextafter(v, np.float32(np.inf), dtype=np.float32)   # noqa: E731
    trip = np.stack([dn(b), b, up(b)], axis=1).reshape(-1)
    tie_nb = np.setdiff1d(np.concatenate([dn(t), t, up(t)]), trip)
    return np.concatenate([trip, SPECIAL_VALUES, tie_nb]).astype(np.float32)


def build_case(levels, symmetric, case_index, native):
    name = case_name(levels, symmetric)
    d = len(levels)
    fsq = make_fsq(levels, symmetric)
    rng = np.random.default_rng(SEED + case_index)
    zr = np.concatenate([
        (rng.standard_normal((N_NORMAL, d)) * 1.5).astype(np.float32),
        rng.uniform(-4.0, 4.0, (N_UNIFORM, d)).astype(np.float32),
    ])
    # hard block: one column of hard values per dim, padded to a common length
    # by repetition (rotated per dim so equal-L columns don't form equal rows),
    # plus a second copy with the columns in another alignment
    cols = [np.roll(hard_values_1d(L, symmetric, native), 7 * j) for j, L in enumerate(levels)]
    n = max(len(c) for c in cols)
    hard = np.stack([np.resize(c, n) for c in cols], axis=1)
    hard2 = np.stack([np.roll(hard[:, j], 3 * j + 1) for j in range(d)], axis=1)
    z = np.concatenate([zr, hard, hard2]).astype(np.float32)
    codes, idx = run_forward(fsq, z)
    z64 = zr[:N_FLOAT64].astype(np.float64)
    codes64, idx64 = run_float64(fsq, z64)
    res = [find_boundaries(L, symmetric) for L in levels]
    out = {
        f"{name}__z": z, f"{name}__codes": codes, f"{name}__indices": idx,
        f"{name}__n_random": np.array(len(zr), np.int64),
        f"{name}__z64": z64, f"{name}__codes64": codes64, f"{name}__indices64": idx64,
        f"{name}__boundaries": np.concatenate([r["boundaries"] for r in res]).astype(np.float32),
        f"{name}__boundary_dims": np.concatenate([np.full(len(r["boundaries"]), j, np.int64) for j, r in enumerate(res)]),
        f"{name}__ties": np.concatenate([r["ties"] for r in res]).astype(np.float32),
        f"{name}__tie_dims": np.concatenate([np.full(len(r["ties"]), j, np.int64) for j, r in enumerate(res)]),
        f"{name}__native_boundaries": np.concatenate([native[(L, symmetric)]["boundaries"] for L in levels]).astype(np.float32),
    }
    # sanity: each boundary flips the level in the full d-dim module as well
    for j, r in enumerate(res):
        b = r["boundaries"]
        zz = np.zeros((2 * len(b), d), np.float32)
        zz[: len(b), j] = np.nextafter(b, np.float32(-np.inf), dtype=np.float32)
        zz[len(b):, j] = b
        c, _ = run_forward(fsq, zz)
        assert np.all(c[: len(b), j] < c[len(b):, j]), (name, j)
    return out


# --------------------------------------------------------------------------
# native-MKL worker (subprocess without MKL_CBWR)

def native_env():
    env = dict(os.environ)
    env.pop("MKL_CBWR", None)
    return env


def run_native_worker(*args):
    cmd = [sys.executable, os.path.abspath(__file__), *args]
    subprocess.run(cmd, env=native_env(), check=True)


def worker_boundaries(out):
    arrs = {}
    for L, sym in distinct_scalar_quantizers():
        r = find_boundaries(L, sym)
        arrs[f"{L}_{int(sym)}__b"] = r["boundaries"]
        arrs[f"{L}_{int(sym)}__t"] = r["ties"]
    torch, _ = _torch()
    arrs["cpu"] = np.array(torch.backends.cpu.get_cpu_capability())
    np.savez(out, **arrs)


def load_native_boundaries(path):
    a = np.load(path, allow_pickle=False)
    nat = {(L, sym): dict(boundaries=a[f"{L}_{int(sym)}__b"], ties=a[f"{L}_{int(sym)}__t"])
           for L, sym in distinct_scalar_quantizers()}
    return nat, str(a["cpu"])


def worker_forward(fixture, out):
    data = np.load(fixture, allow_pickle=False)
    arrs = {}
    for c, levels, sym in _cases(data):
        fsq = make_fsq(levels, sym)
        arrs[f"{c}__codes"], arrs[f"{c}__indices"] = run_forward(fsq, data[f"{c}__z"])
        arrs[f"{c}__codes64"], arrs[f"{c}__indices64"] = run_float64(fsq, data[f"{c}__z64"])
    np.savez(out, **arrs)


def native_diff(data, nat):
    """Sparse diff of native-path outputs vs the main (COMPATIBLE) outputs."""
    out = {}
    for c, _, _ in _cases(data):
        for sfx, view in (("", np.uint32), ("64", np.uint64)):
            a, b = data[f"{c}__codes{sfx}"], nat[f"{c}__codes{sfx}"]
            ia, ib = data[f"{c}__indices{sfx}"], nat[f"{c}__indices{sfx}"]
            rows = np.nonzero(np.any(a.view(view) != b.view(view), axis=1) | (ia != ib))[0].astype(np.int64)
            out[f"{c}__native_rows{sfx}"] = rows
            out[f"{c}__native_codes{sfx}"] = b[rows]
            out[f"{c}__native_indices{sfx}"] = ib[rows]
    return out


def native_view(data, c, sfx=""):
    """Full native-path (codes, indices) of a case, rebuilt from the sparse diff."""
    codes = data[f"{c}__codes{sfx}"].copy()
    idx = data[f"{c}__indices{sfx}"].copy()
    rows = data[f"{c}__native_rows{sfx}"]
    codes[rows] = data[f"{c}__native_codes{sfx}"]
    idx[rows] = data[f"{c}__native_indices{sfx}"]
    return codes, idx


# --------------------------------------------------------------------------
# checks of the numpy spec against a fixture

def _cases(data):
    out = []
    for k in sorted(getattr(data, "files", None) or data.keys()):
        if k.endswith("__z"):
            c = k[: -len("__z")]
            mode, lv = c.split("_", 1)
            out.append((c, [int(v) for v in lv.split("-")], mode == "symmetric"))
    return out


def compare_spec(data, spec="cr", target="main", verbose=True):
    """Rows where a numpy spec differs from the fixture (codes compared as bits).

    spec: "cr" = numpy_spec_f32 (float64 tanh rounded once), "torch_tanh" =
    same op sequence with torch's float32 tanh (this process' MKL mode),
    "table" = numpy_table_spec_f32 with the target's boundary table.
    target: "main" (MKL_CBWR=COMPATIBLE keys) or "native" (native MKL path).
    Returns list of (case, row, dim, z, torch_code, spec_code).
    """
    mism = []
    for c, levels, sym in _cases(data):
        z = data[f"{c}__z"]
        ref, ref_idx = (data[f"{c}__codes"], data[f"{c}__indices"]) if target == "main" else native_view(data, c)
        if spec == "table":
            bkey = f"{c}__boundaries" if target == "main" else f"{c}__native_boundaries"
            codes, idx = numpy_table_spec_f32(z, levels, data[bkey], data[f"{c}__boundary_dims"], sym)
        elif spec == "torch_tanh":
            torch, _ = _torch()
            codes, idx = numpy_spec_f32(z, levels, sym, tanh32=lambda x: torch.tanh(torch.from_numpy(np.ascontiguousarray(x))).numpy())
        else:
            codes, idx = numpy_spec_f32(z, levels, sym)
        bad = codes.view(np.uint32) != ref.view(np.uint32)
        for r in np.nonzero(bad.any(axis=1) | (idx != ref_idx))[0]:
            for j in np.nonzero(bad[r])[0]:
                mism.append((c, int(r), int(j), float(z[r, j]), float(ref[r, j]), float(codes[r, j])))
            if not bad[r].any():
                mism.append((c, int(r), -1, float("nan"), float(ref_idx[r]), float(idx[r])))
    if verbose:
        rows = sorted({(m[0], m[1]) for m in mism})
        total = sum(data[f"{c}__z"].shape[0] for c, _, _ in _cases(data))
        print(f"[spec={spec} vs {target}] mismatching rows: {len(rows)} of {total}")
        per_case = {}
        for c, r in rows:
            per_case.setdefault(c, []).append(r)
        for c, rs in per_case.items():
            nr = int(data[f"{c}__n_random"])
            print(f"  {c}: {len(rs)} rows ({sum(r < nr for r in rs)} random, {sum(r >= nr for r in rs)} hard): {rs}")
        for c, j, zv, tc, sc in sorted({(m[0], m[2], m[3], m[4], m[5]) for m in mism}):
            print(f"    distinct: {c} dim {j} z={np.float32(zv)!r} torch_code={tc!r} spec_code={sc!r}")
    return mism


def compare_spec64(data, target="main"):
    """float64 block vs a numpy float64 spec (np.tanh float64, f32-rounded constants)."""
    bad = tot = 0
    for c, levels, sym in _cases(data):
        levels = np.array(levels)
        z64 = data[f"{c}__z64"]
        ref = data[f"{c}__codes64"] if target == "main" else native_view(data, c, "64")[0]
        Lf = (levels - 1).astype(np.float32)
        if not sym:
            h = (Lf * np.float32(1 + EPS)) / np.float32(2)
            off = np.where(levels % 2 == 0, np.float32(.5), np.float32(0)).astype(np.float32)
            sh = np.arctanh((off / h).astype(np.float64)).astype(np.float32)
            bz = np.tanh(z64 + sh.astype(np.float64)) * h.astype(np.float64) - off.astype(np.float64)
            cc = (np.rint(bz) + 0.0) / (levels // 2).astype(np.float64)
        else:
            sc = (np.float32(2) / Lf).astype(np.float64)
            br = ((levels - 1) * (np.tanh(z64) + 1)) / 2. + 0.5
            cc = sc * (np.floor(br) + 0.0) - 1.
        m = np.any(cc.view(np.uint64) != ref.view(np.uint64), axis=1)
        bad += int(m.sum())
        tot += m.size
    print(f"[float64 spec vs {target}] mismatching rows: {bad} of {tot}")
    return bad


# --------------------------------------------------------------------------
# investigation of the float-level facts (printed; summarised in README.md)

def investigate(data, label):
    torch, _ = _torch()
    print(f"######## investigation, MKL mode: {label}, cpu capability {torch.backends.cpu.get_cpu_capability()}")
    for L, sym in distinct_scalar_quantizers():
        find_boundaries(L, sym)
    print("== a. torch float32 tanh vs CR := float32(np.tanh(float64 x)) ==")
    rng = np.random.default_rng(12345)
    for lo, hi in ((-10, 10), (-1, 1)):
        x = rng.uniform(lo, hi, 10_000_000).astype(np.float32)
        tt = torch.tanh(torch.from_numpy(x)).numpy()
        cr = np.tanh(x.astype(np.float64)).astype(np.float32)
        ulp = np.abs(tt.view(np.int32).astype(np.int64) - cr.view(np.int32).astype(np.int64))
        npt = np.tanh(x)
        print(f"  U[{lo},{hi}] n={x.size}: torch != CR: {(ulp != 0).sum()} (max {ulp.max()} ulp);"
              f" b. np.tanh(float32) != torch: {(npt.view(np.uint32) != tt.view(np.uint32)).sum()},"
              f" np.tanh(float32) != CR: {(npt.view(np.uint32) != cr.view(np.uint32)).sum()}")
    tot = bad = 0
    for (L, sym), r in sorted(_BOUNDARY_CACHE.items()):
        o = (f32_to_ord(r["boundaries"])[:, None] + np.arange(-4096, 4097)[None]).reshape(-1)
        zz = ord_to_f32(o)
        if not sym:
            h = (np.float32(L - 1) * np.float32(1 + EPS)) / np.float32(2)
            off = np.float32(0.5 if L % 2 == 0 else 0.0)
            sh = torch.atanh(torch.tensor([off / h])).numpy()[0]
            zz = (zz + sh).astype(np.float32)
        t1 = torch.tanh(torch.from_numpy(zz)).numpy()
        t2 = np.tanh(zz.astype(np.float64)).astype(np.float32)
        tot += zz.size
        bad += int((t1.view(np.uint32) != t2.view(np.uint32)).sum())
    print(f"  tanh arguments within +-4096 ulp of every boundary: {bad}/{tot} differ from CR")
    x64 = rng.uniform(-10, 10, 2_000_000)
    print(f"  float64: torch.tanh != np.tanh on U[-10,10] n=2e6: {(torch.tanh(torch.from_numpy(x64)).numpy() != np.tanh(x64)).sum()}")
    print("== boundary tables: torch vs numpy_spec_f32 (complete: both are monotone step functions) ==")
    nd = 0
    for (L, sym), r in sorted(_BOUNDARY_CACHE.items()):
        b = r["boundaries"]
        sb = ord_to_f32(bisect_boundaries(spec_level_oracle(L, sym), L))
        diff = f32_to_ord(b) - f32_to_ord(sb)
        nd += int((diff != 0).sum())
        extra = f"; torch-minus-spec ulps {diff.tolist()}; torch {b[diff != 0].tolist()} spec {sb[diff != 0].tolist()}" if (diff != 0).any() else ""
        print(f"  {case_name([L], sym)}: {len(b)} boundaries, {int((diff != 0).sum())} differ;"
              f" level mismatches in the +-{SCAN_HALF_WIDTH}-ulp windows: {r['spec_window_mismatch']}{extra}")
    print(f"  total differing boundaries: {nd}")
    print("== a'. atanh on the shift constants offset/half_l, even L in 2..256 ==")
    Ls = np.arange(2, 257, 2)
    h = ((Ls - 1).astype(np.float32) * np.float32(1 + EPS)) / np.float32(2)
    q = (np.float32(0.5) / h).astype(np.float32)
    crs = np.arctanh(q.astype(np.float64)).astype(np.float32)
    single = np.array([torch.atanh(torch.from_numpy(q[i:i + 1])).numpy()[0] for i in range(len(q))], np.float32)
    whole = torch.atanh(torch.from_numpy(q)).numpy()
    bs = single.view(np.uint32) != crs.view(np.uint32)
    bw = whole.view(np.uint32) != crs.view(np.uint32)
    print(f"  1-element tensors (scalar libm atanhf path, as for any FSQ with d < 2*SIMD width): "
          f"{bs.sum()}/{len(Ls)} differ from CR (1 ulp); L = {Ls[bs].tolist()}")
    print(f"  one 128-element tensor (SIMD path): {bw.sum()}/{len(Ls)} differ from CR; L = {Ls[bw].tolist()}")
    for L in (2, 6, 8):
        i = int(np.nonzero(Ls == L)[0][0])
        print(f"  L={L}: half_l={h[i]!r} offset/half_l={q[i]!r} torch shift={single[i]!r} CR={crs[i]!r}")
    print("== c. signed zeros ==")
    for lv, sym in [([5], False), ([5], True), ([8], False), ([3], False), ([7], True)]:
        zz = np.array([[-1e-3], [-0.0], [0.0], [1e-3], [-1e-45]], np.float32)
        c, _ = run_forward(make_fsq(lv, sym), zz)
        print(f"  {case_name(lv, sym)} z={zz[:, 0].tolist()} codes={c[:, 0].tolist()} signbits={(c[:, 0].view(np.uint32) >> 31).tolist()}")
    neg0 = sum(int(np.sum((data[k] == 0) & np.signbit(data[k]))) for k in data.files
               if k.endswith("__codes") or k.endswith("__codes64") or "__native_codes" in k)
    print(f"  -0.0 codes anywhere in the fixture: {neg0}")
    print("== d. torch.round ==")
    print("  torch.round([0.5,1.5,2.5,-0.5,-1.5,-2.5,3.5]) =",
          torch.round(torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5])).tolist())
    for (L, sym), r in sorted(_BOUNDARY_CACHE.items()):
        t = r["ties"]
        if len(t):
            c, idx = run_forward(make_fsq([L], sym), t.reshape(-1, 1))
            bv = bounded_value_torch(L, sym, t)
            print(f"  ties {case_name([L], sym)}: z={t.tolist()} bounded={bv.tolist()} -> torch.round={torch.round(torch.from_numpy(bv)).tolist()} codes={c[:, 0].tolist()}")
    print("== e. default-mode constants (L = 3..256) ==")
    Ls = np.arange(3, 257)
    lv = make_fsq(Ls.tolist(), False)._levels
    half_l = (lv - 1) * (1 + EPS) / 2
    A = ((Ls - 1).astype(np.float32) * np.float32(1 + EPS)) / np.float32(2)
    B = np.float32((Ls - 1) * (1 + EPS)) / np.float32(2)
    print(f"  half_l dtype {half_l.dtype}; != f32(L-1)*f32(1+eps)/2 (f32 ops): {(half_l.numpy().view(np.uint32) != A.view(np.uint32)).sum()};"
          f" != f32((L-1)*(1+eps) in double)/2: {(half_l.numpy().view(np.uint32) != B.view(np.uint32)).sum()}")
    off = torch.where(lv % 2 == 0, 0.5, 0.0)
    qq = off / half_l
    print(f"  offset dtype {off.dtype}; offset/half_l dtype {qq.dtype}, equal to numpy f32 division: "
          f"{np.array_equal(qq.numpy().view(np.uint32), (np.where(Ls % 2 == 0, np.float32(.5), np.float32(0)) / A).astype(np.float32).view(np.uint32))}")
    sc = 2. / (lv - 1)
    print(f"  symmetric scale 2./(L-1) dtype {sc.dtype}, equal to f32(2)/f32(L-1): "
          f"{np.array_equal(sc.numpy().view(np.uint32), (np.float32(2) / (Ls - 1).astype(np.float32)).view(np.uint32))}")


def main():
    ap = argparse.ArgumentParser(description="Generate tests/reference/fsq_parity.npz")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "fsq_parity.npz"))
    ap.add_argument("--investigate", action="store_true", help="also print the float-level facts")
    ap.add_argument("--check-only", action="store_true", help="only check the numpy spec against --out")
    ap.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:                      # native-MKL subprocess
        kind, *rest = args.worker
        if kind == "boundaries":
            worker_boundaries(*rest)
        elif kind == "forward":
            worker_forward(*rest)
        elif kind == "investigate":
            investigate(np.load(rest[0], allow_pickle=False), "native (no MKL_CBWR)")
        return

    if not args.check_only:
        assert "torch" not in sys.modules
        os.environ["MKL_CBWR"] = "COMPATIBLE"   # must precede MKL initialisation
        torch, _ = _torch()
        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        from importlib.metadata import version
        if torch.__version__.split("+")[0] != "2.13.0" or version("vector-quantize-pytorch") != "1.32.0":
            print("WARNING: versions differ from the committed fixture:", torch.__version__,
                  version("vector-quantize-pytorch"), file=sys.stderr)
        with tempfile.TemporaryDirectory() as tmp:
            run_native_worker("--worker", "boundaries", os.path.join(tmp, "nb.npz"))
            native, native_cpu = load_native_boundaries(os.path.join(tmp, "nb.npz"))
            data = {}
            for i, (levels, sym) in enumerate(CASES):
                data.update(build_case(levels, sym, i, native))
                n = case_name(levels, sym)
                print(f"{n}: z {data[n + '__z'].shape}, boundaries {data[n + '__boundaries'].size}, ties {data[n + '__ties'].size}")
            np.savez(os.path.join(tmp, "main.npz"), **data)
            run_native_worker("--worker", "forward", os.path.join(tmp, "main.npz"), os.path.join(tmp, "nf.npz"))
            data.update(native_diff(data, np.load(os.path.join(tmp, "nf.npz"), allow_pickle=False)))
        data["meta__torch_version"] = np.array(torch.__version__.split("+")[0])
        data["meta__vqp_version"] = np.array(version("vector-quantize-pytorch"))
        data["meta__numpy_version"] = np.array(np.__version__)
        data["meta__cpu_capability"] = np.array(torch.backends.cpu.get_cpu_capability())
        data["meta__mkl_cbwr"] = np.array("COMPATIBLE")
        data["meta__native_mkl"] = np.array(f"default MKL dispatch, torch cpu capability {native_cpu}")
        np.savez_compressed(args.out, **data)
        print("wrote", args.out, os.path.getsize(args.out), "bytes")

    data = np.load(args.out, allow_pickle=False)
    compare_spec(data, "cr", "main")
    compare_spec(data, "table", "main")
    compare_spec(data, "cr", "native")
    compare_spec(data, "table", "native")
    compare_spec64(data, "main")
    compare_spec64(data, "native")
    for c, _, _ in _cases(data):
        k = data[f"{c}__native_rows"].size
        if k:
            print(f"  native-path rows differing from main: {c}: {k} rows {data[f'{c}__native_rows'].tolist()}")
    if args.investigate:
        if "torch" not in sys.modules:
            os.environ["MKL_CBWR"] = "COMPATIBLE"
        compare_spec(data, "torch_tanh", "main")
        investigate(data, "MKL_CBWR=" + os.environ.get("MKL_CBWR", ""))
        sys.stdout.flush()
        run_native_worker("--worker", "investigate", args.out)


if __name__ == "__main__":
    main()
