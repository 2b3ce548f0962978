"""Measured FSQ operating points (rate, distortion) of data, to set against the sandwich."""

from __future__ import annotations

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ
from ..stats import plugin_entropy_bits
from ._common import check_data
from ._levels import best_gain_per_dimension

__all__ = ["fsq_operating_points"]


def fsq_operating_points(x, level_lists, *, gains="optimal", symmetric: bool = False,
                         decoder: str = "grid", eps: float = 1e-3):
    r"""Rate and distortion of FSQ on the data, per level list: the points to compare with R(D).

    Each dimension k is fed :math:`g_k x_k`; cells are FSQ's in real arithmetic
    (``FSQ.scalar_quantizers``), the token is the mixed-radix index of the cells, and

    * ``fixed_rate`` = :math:`\log_2|C|`, ``entropy_rate`` = plug-in entropy of the tokens on
      the rows (bits per vector; the rate of an ideal entropy coder for the empirical measure);
    * ``distortion`` = :math:`\frac1{nd}\sum_i\lVert x_i - \hat x_i\rVert^2` (MSE per scalar),
      :math:`\hat x` the grid points pulled back to the data's units or the cell centroids.

    Parameters
    ----------
    x : array_like, shape (n, d)
    level_lists : sequence of sequences of int
        Each accepted by ``FSQ(levels, symmetric=symmetric)``, of length d.
    gains : "optimal", "unit" or array_like of shape (d,), keyword-only
        ``"optimal"``: :func:`best_gain_per_dimension` per list; ``"unit"``: g = 1 (the
        latents as the model emits them).
    symmetric, decoder, eps : keyword-only
        As in :func:`best_gain_per_dimension`.

    Returns
    -------
    pandas.DataFrame
        ``levels``, ``gains`` (tuple), ``codebook_size``, ``fixed_rate``, ``entropy_rate``,
        ``distortion``, ``decoder``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).standard_normal((2000, 2))
    >>> df = fsq_operating_points(x, [(5, 5), (7, 7)])
    >>> df.codebook_size.tolist(), bool(df.distortion.is_monotonic_decreasing)
    ([25, 49], True)
    """
    import pandas as pd

    x = check_data(x, min_rows=2)
    n, d = x.shape
    decoder = v.check_decoder(decoder)
    rows = []
    for levels in level_lists:
        fsq = FSQ(levels, eps=eps, symmetric=symmetric)
        if fsq.dim != d:
            raise ValueError(f"level_lists entry {tuple(levels)} has {fsq.dim} entries but x has "
                             f"{d} columns")
        if isinstance(gains, str):
            if gains == "optimal":
                g = best_gain_per_dimension(x, fsq.levels, symmetric=symmetric,
                                            decoder=decoder, eps=eps).gains
            elif gains == "unit":
                g = np.ones(d)
            else:
                raise ValueError(f"gains must be 'optimal', 'unit' or an array, got {gains!r}")
        else:
            g = v.per_dim("gains", gains, d, positive=True)
        sqs = fsq.scalar_quantizers(g)
        token = np.zeros(n, dtype=np.int64)
        sse = 0.0
        for k, sq in enumerate(sqs):
            cells = sq.encode(x[:, k])
            token += cells * fsq.basis[k]
            if decoder == "centroid":
                cnt = np.bincount(cells, minlength=sq.n_cells)
                mean = np.bincount(cells, weights=x[:, k], minlength=sq.n_cells) / np.maximum(cnt, 1)
                xh = mean[cells]
            else:
                xh = sq.points[cells]
                if not np.isfinite(xh).all():
                    raise ValueError("decoder='grid' is infinite for the outer cells of the "
                                     "symmetric variant; use decoder='centroid'")
            sse += float(((x[:, k] - xh) ** 2).sum())
        _, counts = np.unique(token, return_counts=True)
        rows.append(dict(levels=fsq.levels, gains=tuple(float(t) for t in g),
                         codebook_size=fsq.codebook_size, fixed_rate=float(fsq.rate_bits),
                         entropy_rate=plugin_entropy_bits(counts), distortion=sse / (n * d),
                         decoder=decoder))
    return pd.DataFrame(rows)
