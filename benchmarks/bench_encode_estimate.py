"""A design tried for issue 13 and not adopted: the cell from the real-arithmetic formula, corrected
by the exact thresholds (``FSQ.encode`` keeps its bucket table for L > 21).

The issue suggested computing the cell from the bound in real arithmetic and correcting it by one
comparison with the exact float32 thresholds. This is that design, exact and vectorised:

* an estimate ``c = floor(A tanh(z + s) + B)`` in float32, 16 lanes (``tanh`` from a degree-6
  ``exp`` polynomial; ``A, s, B`` the reference's own float32 constants:
  default mode ``A = half_l, s = shift, B = L // 2 - offset + 1/2``, symmetric mode
  ``A = (L - 1) / 2, s = 0, B = L / 2``), clamped to ``[0, L - 1]`` (NaN to 0);
* the estimate is within one cell of the reference's (the float32 tanh and roundings move it by
  a few float32 ulps of ``A <= 32768``, far below half a cell for L <= 2^16, and the reference's
  own rounding error is as small), so with ``t[-1] = -inf, t[L - 1] = +inf`` the exact cell is
  ``c - 1 + [z >= t[c - 1]] + [z >= t[c]]``: one 64-bit gather of the adjacent pair of float32
  thresholds (a table of L + 1 float32, 256 KB at L = 2^16, a third of the bucket table).

The script checks the result against ``FSQ.encode`` on Gaussian rows at four scales and on every
threshold and its float neighbours, then times it against ``FSQ.encode`` (compare path at L = 3,
bucket path above) in interleaved rounds. Measured on the 2-core Intel VM of BENCHMARKS.md
(issue 13): exact, but slower than the bucket path at every L (the float32 tanh costs more than the
bucket table's division, and at L = 2^16 the smaller table does not make up for it).

The same run times a *floor* (:func:`floor_cells16`): what any design that reads one table entry
per value must do at least, an index from one multiply-add, one 32-bit read from a table of the
L - 1 float32 thresholds (the smallest exact table: 256 KB at L = 2^16, beyond the 48 KB L1
cache), one comparison, the same radix and store. It is not a quantizer; if even it costs more
than 1.5x the L = 3 compare path, no such design meets issue 13's L-cost ratio on this machine.

Run: PYTHONPATH=. python benchmarks/bench_encode_estimate.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import time

import numba as nb
import numpy as np
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

from fsq_theory import FSQ
from fsq_theory._kernels.encode_flat import _radix

W = 16
LOG2E = 1.4426950408889634
LN2_HI = 0.693145751953125  # ln 2 split so that n * LN2_HI is exact in float32
LN2_LO = 1.428606765330187e-06
EXP_C = [1.0, 1.0, 0.5, 1 / 6, 1 / 24, 1 / 120, 1 / 720]  # e^r on |r| <= ln(2)/2, Taylor


@intrinsic
def estimate_cells16(typingctx, x, start, a, s, b, cmax, off, tab, w):
    """Cells of the 16 float32 values ``x[start:start + 16]`` (see the module docstring)."""
    sig = types.int32(x, start, a, s, b, cmax, off, tab, w)

    def codegen(context, builder, sig, args):
        st = context.cast(builder, args[1], sig.args[1], types.intp)
        data = {}
        for name, i in (("x", 0), ("a", 2), ("s", 3), ("b", 4), ("cmax", 5), ("off", 6),
                        ("tab", 7), ("w", 8)):
            data[name] = context.make_array(sig.args[i])(context, builder, args[i]).data
        vf = ir.VectorType(ir.FloatType(), W)
        vi = ir.VectorType(ir.IntType(32), W)
        vq = ir.VectorType(ir.IntType(64), W)

        def load(name, vt):
            return builder.load(builder.bitcast(builder.gep(data[name], [st]), vt.as_pointer()),
                                align=4)

        def cf(v):
            return ir.Constant(vf, [float(np.float32(v))] * W)

        def ci(v):
            return ir.Constant(vi, [v] * W)

        def fn(name, nargs):
            return cgutils.get_or_insert_function(builder.module,
                                                  ir.FunctionType(vf, [vf] * nargs), name)

        fabs = fn(f"llvm.fabs.v{W}f32", 1)
        fma = fn(f"llvm.fma.v{W}f32", 3)
        rint = fn(f"llvm.rint.v{W}f32", 1)
        xv = load("x", vf)
        ax = builder.call(fabs, [xv])
        finite = builder.fcmp_ordered("<", ax, cf(np.inf))
        u = builder.fadd(xv, load("s", vf))
        au = builder.call(fabs, [u])
        # y = -2|u| clamped to [-20, 0]: e^y then tanh|u| = (1 - e^y) / (1 + e^y)
        y = builder.fmul(au, cf(-2.0))
        y = builder.select(builder.fcmp_ordered(">", y, cf(-20.0)), y, cf(-20.0))  # NaN -> -20
        n = builder.call(rint, [builder.fmul(y, cf(LOG2E))])
        r = builder.call(fma, [n, cf(-LN2_HI), y])
        r = builder.call(fma, [n, cf(-LN2_LO), r])
        p = cf(EXP_C[6])
        for c in EXP_C[5::-1]:
            p = builder.call(fma, [p, r, cf(c)])
        expo = builder.add(builder.fptosi(n, vi), ci(127))
        two_n = builder.bitcast(builder.shl(expo, ci(23)), vf)
        m = builder.fmul(p, two_n)
        t = builder.fdiv(builder.fsub(cf(1.0), m), builder.fadd(cf(1.0), m))
        t = builder.select(builder.fcmp_ordered("<", u, cf(0.0)), builder.fneg(t), t)
        f = builder.call(fma, [t, load("a", vf), load("b", vf)])
        f = builder.select(builder.fcmp_ordered(">=", f, cf(0.0)), f, cf(0.0))  # NaN -> 0
        cm = load("cmax", vf)
        f = builder.select(builder.fcmp_ordered("<", f, cm), f, cm)
        c = builder.fptosi(f, vi)
        idx = builder.add(c, load("off", vi))
        gep = ir.GEPInstr(builder.block, data["tab"], [idx], True, "thr_ptrs",
                          source_etype=ir.FloatType())
        gep.type = ir.VectorType(ir.FloatType().as_pointer(), W)
        builder._insert(gep)
        pq = builder.bitcast(gep, ir.VectorType(ir.IntType(64).as_pointer(), W))
        mask = ir.Constant(ir.VectorType(ir.IntType(1), W), [1] * W)
        fnty = ir.FunctionType(vq, [pq.type, ir.IntType(32), mask.type, vq])
        gfn = cgutils.get_or_insert_function(builder.module, fnty,
                                             f"llvm.masked.gather.v{W}i64.v{W}p0")
        pair = builder.call(gfn, [pq, ir.Constant(ir.IntType(32), 4), mask, ir.Constant(vq, None)])
        lo_t = builder.bitcast(builder.trunc(pair, vi), vf)
        hi_t = builder.bitcast(builder.trunc(builder.lshr(pair, ir.Constant(vq, [32] * W)), vi), vf)
        cell = builder.sub(c, ci(1))
        cell = builder.add(cell, builder.zext(builder.fcmp_ordered(">=", xv, lo_t), vi))
        cell = builder.add(cell, builder.zext(builder.fcmp_ordered(">=", xv, hi_t), vi))
        builder.store(cell, builder.bitcast(builder.gep(data["w"], [st]), vi.as_pointer()), align=4)
        notfin = builder.bitcast(builder.not_(finite), ir.IntType(W))
        pop = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(W), [ir.IntType(W)]), f"llvm.ctpop.i{W}")
        return builder.zext(builder.call(pop, [notfin]), ir.IntType(32))

    return sig, codegen


@intrinsic
def floor_cells16(typingctx, x, start, a, b, cmax, unused, off, tab, w):
    """The least a table-reading encode does for 16 float32 values: an index from one multiply and
    add, clamped (``i = int(clamp(a x + b, 0, cmax))``), one 32-bit read ``t = tab[off + i]`` and one
    comparison, ``w = i + [x >= t]``. Not a quantizer (``i`` is not the cell): a lower bound on the
    time of any design that reads one table entry per value."""
    sig = types.int32(x, start, a, b, cmax, unused, off, tab, w)

    def codegen(context, builder, sig, args):
        st = context.cast(builder, args[1], sig.args[1], types.intp)
        data = {}
        for name, i in (("x", 0), ("a", 2), ("b", 3), ("cmax", 4), ("off", 6), ("tab", 7),
                        ("w", 8)):
            data[name] = context.make_array(sig.args[i])(context, builder, args[i]).data
        vf = ir.VectorType(ir.FloatType(), W)
        vi = ir.VectorType(ir.IntType(32), W)

        def load(name, vt):
            return builder.load(builder.bitcast(builder.gep(data[name], [st]), vt.as_pointer()),
                                align=4)

        xv = load("x", vf)
        f = builder.fadd(builder.fmul(xv, load("a", vf)), load("b", vf))
        f = builder.select(builder.fcmp_ordered(">=", f, ir.Constant(vf, [0.0] * W)), f,
                           ir.Constant(vf, [0.0] * W))
        cm = load("cmax", vf)
        f = builder.select(builder.fcmp_ordered("<", f, cm), f, cm)
        c = builder.fptosi(f, vi)
        gep = ir.GEPInstr(builder.block, data["tab"], [builder.add(c, load("off", vi))], True,
                          "thr_ptrs", source_etype=ir.FloatType())
        gep.type = ir.VectorType(ir.FloatType().as_pointer(), W)
        builder._insert(gep)
        mask = ir.Constant(ir.VectorType(ir.IntType(1), W), [1] * W)
        fnty = ir.FunctionType(vf, [gep.type, ir.IntType(32), mask.type, vf])
        gfn = cgutils.get_or_insert_function(builder.module, fnty,
                                             f"llvm.masked.gather.v{W}f32.v{W}p0")
        t = builder.call(gfn, [gep, ir.Constant(ir.IntType(32), 4), mask, ir.Constant(vf, None)])
        cell = builder.add(c, builder.zext(builder.fcmp_ordered(">=", xv, t), vi))
        builder.store(cell, builder.bitcast(builder.gep(data["w"], [st]), vi.as_pointer()), align=4)
        return ir.Constant(ir.IntType(32), 0)

    return sig, codegen


def _kernel(cells16):
    """The flat-stream loop of ``_kernels.encode_flat.encode_bucket32`` around ``cells16``."""

    @nb.njit(parallel=True)
    def kernel(zf, n, d, p0, p1, p2, p3, off_pat, tab, basis, out, bad):
        P = p0.shape[0]
        R = P // d
        ntask = bad.shape[0]
        per = ((n + ntask - 1) // ntask + R - 1) // R * R
        for t in nb.prange(ntask):
            w = np.empty(P, np.int32)
            xs = np.zeros(P, np.float32)
            a0 = t * per
            a1 = min(n, a0 + per)
            nbad = np.int32(0)
            for r0 in range(a0, a1, R):
                m = min(a1, r0 + R) - r0
                q = m * d
                x = zf[r0 * d: r0 * d + q]
                q16 = q // W * W
                for p in range(0, q16, W):
                    nbad += cells16(x, p, p0, p1, p2, p3, off_pat, tab, w)
                if q16 < q:
                    for p in range(q - q16):
                        xs[q16 + p] = x[q16 + p]
                    for p in range(q, q16 + W):
                        xs[p] = 0
                    nbad += cells16(xs, q16, p0, p1, p2, p3, off_pat, tab, w)
                _radix(w, m, d, basis, out[r0:r0 + m])
            bad[t] = nbad

    return kernel


encode_estimate32 = _kernel(estimate_cells16)
encode_floor32 = _kernel(floor_cells16)


def floor_tables(L, d=3, R=256):
    """Patterns and table of :func:`floor_cells16` for L levels: the index spreads N(0, 1) values
    over the L - 1 float32 thresholds of that many levels (a 4 (L - 1)-byte table, the smallest an
    exact method can read), as an FSQ's cell index does."""
    thr = FSQ([L]).thresholds(np.float32)[0]
    a, b = (L - 1) / 6.0, (L - 1) / 2.0
    pats = [np.full(R * d, v, np.float32) for v in (a, b, L - 2, 0.0)]
    return pats, np.zeros(R * d, np.int32), np.ascontiguousarray(thr)


def tables(fsq, R=256):
    """Patterns of (A, s, B, L - 1), table offsets and the (L + 1)-entry threshold tables."""
    d = fsq.dim
    thr = fsq.thresholds(np.float32)
    par = np.zeros((4, d), np.float32)
    offs = np.zeros(d, np.int32)
    chunks, tot = [], 0
    for k, dim in enumerate(fsq._dims):
        L = dim.L
        ext = np.concatenate([[-np.inf], thr[k], [np.inf]]).astype(np.float32)
        offs[k] = tot
        tot += ext.size
        chunks.append(ext)
        if dim.symmetric:
            par[:, k] = [(L - 1) / 2, 0.0, L / 2, L - 1]
        else:
            par[:, k] = [dim.half_l, dim.shift, dim.half_width - dim.offset + 0.5, L - 1]
    pats = [np.tile(par[i], R) for i in range(4)]
    return pats, np.tile(offs, R), np.concatenate(chunks)


def encode(fsq, z, R=256):
    pats, off, tab = tables(fsq, R)
    n, d = z.shape
    out = np.empty(n, np.int64)
    ntask = max(1, min(16 * nb.get_num_threads(), -(-n // R)))
    bad = np.zeros(ntask, np.int32)
    encode_estimate32(z.reshape(-1), n, d, *pats, off, tab, fsq._basis, out, bad)
    return out


def check_exact(rng):
    for L in (33, 64, 256, 1000, 4097, 65536):
        for sym in (False, True):
            f = FSQ([L, L, L], symmetric=sym)
            z = (rng.standard_normal((300000, 3))
                 * rng.choice([0.01, 1, 3, 10], (300000, 1))).astype(np.float32)
            t = f.thresholds(np.float32)[0]
            near = [t]
            for direction in (-np.inf, np.inf):
                v = t
                for _ in range(2):
                    v = np.nextafter(v, np.float32(direction))
                    near.append(v)
            near = np.concatenate(near).astype(np.float32)
            near = near[: near.size // 3 * 3].reshape(-1, 3)
            zz = np.concatenate([z, near])
            assert np.array_equal(encode(f, zz), f.encode(zz)), (L, sym)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeat", type=int, default=15)
    args = p.parse_args(argv)
    check_exact(np.random.default_rng(0))
    print("exact: Gaussian rows at 4 scales and every threshold +-2 ulp, L = 33..65536, both modes")
    rows = 1 << 21
    z = np.random.default_rng(1).standard_normal((rows, 3)).astype(np.float32)
    f3 = FSQ([3] * 3)
    cases = {"[3]*3 FSQ.encode (compare)": lambda: f3.encode(z)}
    for L in (64, 1024, 65536):
        f = FSQ([L] * 3)
        pats, off, tab = tables(f)
        out = np.empty(rows, np.int64)
        bad = np.zeros(16 * nb.get_num_threads(), np.int32)
        cases[f"[{L}]*3 FSQ.encode (bucket)"] = (lambda f=f: f.encode(z))
        cases[f"[{L}]*3 estimate + correction"] = (
            lambda f=f, pats=pats, off=off, tab=tab, out=out, bad=bad: encode_estimate32(
                z.reshape(-1), rows, 3, *pats, off, tab, f._basis, out, bad))
        fp, foff, ftab = floor_tables(L)
        cases[f"[{L}]*3 floor: one 32-bit read per value (not exact)"] = (
            lambda f=f, fp=fp, foff=foff, ftab=ftab, out=out, bad=bad: encode_floor32(
                z.reshape(-1), rows, 3, *fp, foff, ftab, f._basis, out, bad))
    for fn in cases.values():
        fn()
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(args.repeat):
        for k, fn in cases.items():
            t = time.perf_counter()
            fn()
            best[k] = min(best[k], time.perf_counter() - t)
    base = best["[3]*3 FSQ.encode (compare)"]
    print(f"numba threads {nb.get_num_threads()}, 2^21 rows of d = 3, best of {args.repeat}\n")
    print("| levels, path | M rows/s | cost / L = 3 |\n|---|---:|---:|")
    for k, v in best.items():
        print(f"| {k} | {rows / v / 1e6:.0f} | {v / base:.2f} |")


if __name__ == "__main__":
    main()
