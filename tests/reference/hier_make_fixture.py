"""Generate ``hier_residual_fsq.npz``: outputs of the PyTorch reference ``ResidualFSQ``.

Records what ``vector_quantize_pytorch.ResidualFSQ`` (vector-quantize-pytorch==1.32.0 on
torch==2.13.0+cpu) returns in eval mode for fixed inputs, so that ``tests/test_hierarchical.py``
can compare ``fsq_theory.hierarchical.ResidualFSQ`` with it using numpy only.

    python3 -m venv /tmp/hiervenv                      # outside the repository
    /tmp/hiervenv/bin/pip install torch==2.13.0 vector-quantize-pytorch==1.32.0 numpy
    /tmp/hiervenv/bin/python tests/reference/hier_make_fixture.py      # ~10 s

``MKL_CBWR=COMPATIBLE`` is set before torch is imported: torch's CPU tanh is MKL's, whose default
AVX-512 path is not correctly rounded (see ``tests/reference/README.md``); the COMPATIBLE path
agrees with the correctly rounded tanh that fsq_theory follows on the inputs tested there.

Cases ``{name}``; keys per case:

* ``{name}__levels`` int64 (d,), ``{name}__stages`` int64 0-d, ``{name}__hard`` bool 0-d,
  ``{name}__soft_clamp`` float32 (d,) or empty when the reference has none
* ``{name}__scales`` float32 (S, d): the reference's ``scales`` buffer
* ``{name}__clamp_buffer`` float32 (d,) or empty: the reference's ``soft_clamp_input_value``
* ``{name}__x`` float32 (N, d): inputs, fed as (1, N, d); the first ``n_random`` rows are
  N(0, 1.5^2) draws (numpy seed 20261127), the rest are float32 neighbours (+-3 ulp) of the
  composite cell edges predicted by the uniform-refinement formula (hard-clamp cases only)
* ``{name}__out`` float32 (N, d), ``{name}__indices`` int64 (N, S) (torch returns int32)
* ``{name}__decoded`` float32 (N, d): ``get_output_from_indices(indices)``
* ``{name}__x64`` float64 (M, d), ``{name}__out64``, ``{name}__indices64``: float64 inputs
* ``meta__*``: versions.
"""

from __future__ import annotations

import os

os.environ["MKL_CBWR"] = "COMPATIBLE"  # before torch is imported

from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import vector_quantize_pytorch  # noqa: E402
from vector_quantize_pytorch import ResidualFSQ  # noqa: E402

OUT = Path(__file__).with_name("hier_residual_fsq.npz")

CASES = {
    # name: (levels, stages, bound_hard_clamp, soft_clamp_input_value)
    "hard_5x3": ([5], 3, True, None),
    "hard_3x4": ([3], 4, True, None),
    "hard_4x3": ([4], 3, True, None),
    "hard_8-5-3x2": ([8, 5, 3], 2, True, None),
    "hard_2-3x4": ([2, 3], 4, True, None),
    "tanh_5-3x3": ([5, 3], 3, False, None),
    "tanh_7x2_clamp1.5": ([7], 2, False, 1.5),
}


def edge_neighbours(levels, stages):
    """float32 +-3 ulp around the predicted composite edges (1-D uniform refinement)."""
    L = levels[0]
    c = 1 + 1 / (L - 1)
    n = L ** stages
    u = -c + 2 * c * np.arange(1, n) / n
    x = (c * np.arctanh(u / c)).astype(np.float32)
    steps = np.arange(-3, 4, dtype=np.int32)
    out = x[:, None].view(np.int32) + steps  # ulp steps (x != 0 except at the centre)
    out = out.view(np.float32).ravel()
    return out[np.isfinite(out)].reshape(-1, 1)


def main():
    torch.set_num_threads(1)
    rng = np.random.default_rng(20261127)
    data = {
        "meta__torch_version": np.array(torch.__version__),
        "meta__vqp_version": np.array(vector_quantize_pytorch.__version__
                                      if hasattr(vector_quantize_pytorch, "__version__")
                                      else "1.32.0"),
        "meta__numpy_version": np.array(np.__version__),
        "meta__mkl_cbwr": np.array(os.environ["MKL_CBWR"]),
    }
    for name, (levels, stages, hard, clamp) in CASES.items():
        kw = dict(levels=levels, num_quantizers=stages, bound_hard_clamp=hard)
        if clamp is not None:
            kw["soft_clamp_input_value"] = clamp
        rq = ResidualFSQ(**kw).eval()
        d = len(levels)
        x = (1.5 * rng.standard_normal((2000, d))).astype(np.float32)
        n_random = x.shape[0]
        if hard and d == 1:
            x = np.concatenate([x, edge_neighbours(levels, stages)])
        with torch.no_grad():
            out, idx = rq(torch.from_numpy(x)[None])
            dec = rq.get_output_from_indices(idx)
            x64 = x[:500].astype(np.float64)
            out64, idx64 = rq(torch.from_numpy(x64)[None])
        cb = rq.soft_clamp_input_value
        data.update({
            f"{name}__levels": np.array(levels, dtype=np.int64),
            f"{name}__stages": np.array(stages, dtype=np.int64),
            f"{name}__hard": np.array(hard),
            f"{name}__soft_clamp": np.array([] if clamp is None else [clamp] * d, dtype=np.float32),
            f"{name}__scales": rq.scales.numpy().astype(np.float32),
            f"{name}__clamp_buffer": (np.zeros(0, np.float32) if cb is None
                                      else np.broadcast_to(cb.numpy(), (d,)).astype(np.float32)),
            f"{name}__x": x,
            f"{name}__n_random": np.array(n_random, dtype=np.int64),
            f"{name}__out": out[0].numpy(),
            f"{name}__indices": idx[0].numpy().astype(np.int64),
            f"{name}__decoded": dec[0].numpy(),
            f"{name}__x64": x64,
            f"{name}__out64": out64[0].numpy(),
            f"{name}__indices64": idx64[0].numpy().astype(np.int64),
        })
        print(name, x.shape, out.dtype, idx.dtype, out64.dtype)
    np.savez_compressed(OUT, **data)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
