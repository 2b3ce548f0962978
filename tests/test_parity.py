"""Bit-for-bit parity with the PyTorch reference (vector-quantize-pytorch 1.32 FSQ).

The fixture tests/reference/fsq_parity.npz is produced by tests/reference/make_fsq_parity.py,
which runs the reference library itself (see tests/reference/README.md); these tests need no torch.
"""

from pathlib import Path

import numpy as np
import pytest

from fsq_theory import FSQ

FIXTURE = Path(__file__).parent / "reference" / "fsq_parity.npz"
CASES = [(mode, levels) for levels in ([8, 5, 5, 5], [7, 5, 5, 5, 5], [8, 8, 8, 6, 5], [8, 6, 5], [3],
                                       [5] * 8) for mode in ("default", "symmetric")]
CASES.append(("symmetric", [2, 2, 2]))


@pytest.fixture(scope="module")
def ref():
    with np.load(FIXTURE, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def _case(mode, levels):
    return f"{mode}_{'-'.join(map(str, levels))}"


@pytest.mark.parametrize("mode, levels", CASES, ids=[_case(*c) for c in CASES])
def test_float32_codes_and_indices_bit_exact(ref, mode, levels):
    name = _case(mode, levels)
    fsq = FSQ(levels, symmetric=(mode == "symmetric"))
    z = ref[f"{name}__z"]
    assert z.dtype == np.float32 and len(z) > 2000
    codes = fsq.quantize(z)
    # compare bit patterns: signed zeros count
    np.testing.assert_array_equal(codes.view(np.uint32), ref[f"{name}__codes"].view(np.uint32))
    np.testing.assert_array_equal(fsq.encode(z), ref[f"{name}__indices"])
    np.testing.assert_array_equal(fsq.decode(ref[f"{name}__indices"]).view(np.uint32),
                                  ref[f"{name}__codes"].view(np.uint32))


@pytest.mark.parametrize("mode, levels", CASES, ids=[_case(*c) for c in CASES])
def test_decision_boundaries_equal_reference_bisection(ref, mode, levels):
    """The reference's own decision boundaries (bisection over float32 with torch as the oracle)."""
    name = _case(mode, levels)
    fsq = FSQ(levels, symmetric=(mode == "symmetric"))
    bnd, dims = ref[f"{name}__boundaries"], ref[f"{name}__boundary_dims"]
    ours = fsq.thresholds(np.float32)
    for k in range(fsq.dim):
        np.testing.assert_array_equal(np.sort(bnd[dims == k]), ours[k])


@pytest.mark.parametrize("mode, levels", CASES, ids=[_case(*c) for c in CASES])
def test_float64_codes_and_indices(ref, mode, levels):
    name = _case(mode, levels)
    fsq = FSQ(levels, symmetric=(mode == "symmetric"))
    z = ref[f"{name}__z64"]
    assert z.dtype == np.float64
    np.testing.assert_array_equal(fsq.quantize(z), ref[f"{name}__codes64"])
    np.testing.assert_array_equal(fsq.encode(z), ref[f"{name}__indices64"])


def _ulps(a, b):
    from fsq_theory.quantizer import _ordered

    return np.abs(_ordered(np.asarray(a, np.float32)) - _ordered(np.asarray(b, np.float32)))


@pytest.mark.parametrize("mode, levels", CASES, ids=[_case(*c) for c in CASES])
def test_native_avx512_mkl_differs_only_within_3_ulp_of_boundaries(ref, mode, levels):
    """torch's default MKL tanh on AVX-512 is not correctly rounded: the fixture records where its
    output differs (``__native_*``). State exactly how: only boundaries move, by <= 3 ulp, and
    only inputs within 3 ulp of one of our thresholds change."""
    name = _case(mode, levels)
    fsq = FSQ(levels, symmetric=(mode == "symmetric"))
    ours = fsq.thresholds(np.float32)
    nb, dims = ref[f"{name}__native_boundaries"], ref[f"{name}__boundary_dims"]
    for k in range(fsq.dim):
        assert _ulps(np.sort(nb[dims == k]), ours[k]).max() <= 3
    rows = ref[f"{name}__native_rows"]
    z = ref[f"{name}__z"][rows]
    ours_idx = fsq.encode(z)
    changed = ours_idx != ref[f"{name}__native_indices"]
    assert changed.all()  # the recorded rows are exactly the differing ones
    for zr in z:
        near = min(_ulps(zr[k], ours[k]).min() for k in range(fsq.dim))
        assert near <= 3
