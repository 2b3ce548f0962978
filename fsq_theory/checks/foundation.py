"""Checks of the streaming pipeline against exact Gaussian cell integrals."""

from __future__ import annotations

import numpy as np
from scipy import stats

from . import Outcome, register

ALPHA = 1e-3


@register(
    "stream_stats_chi2",
    statement=("The joint FSQ [8,5,5,5] histogram that stream_stats measures on 2e6 unit-Gaussian "
               "vectors (seed 0) is consistent with the exact cell probabilities prod_i P_i(k_i) "
               "(Gaussian cell integrals): Pearson's chi-square p-value > 1e-3."),
    source="Pearson (1900) chi-square goodness-of-fit test, chi2(|C|-1) null distribution",
    resolution=("2 % of one level's probability moved to its neighbour in one dimension "
                "(non-centrality ~ 200 against the 999-dof chi-square at n = 2e6)"),
)
def stream_stats_chi2() -> Outcome:
    from ..cells import cell_probabilities
    from ..quantizer import FSQ
    from ..sources import GaussianSource
    from ..stats import stream_stats

    fsq = FSQ([8, 5, 5, 5])
    n = 2_000_000
    st = stream_stats(fsq, GaussianSource(dim=4), n, rng=0)
    marg = [cell_probabilities(sq) for sq in fsq.scalar_quantizers()]
    cells = fsq.indices_to_level_indices(np.arange(fsq.codebook_size))
    p = np.prod([marg[k][cells[:, k]] for k in range(fsq.dim)], axis=0)
    expected = n * p
    chi2 = float(((st.counts - expected) ** 2 / expected).sum())
    dof = fsq.codebook_size - 1
    pval = float(stats.chi2.sf(chi2, dof))
    return Outcome(lhs=pval, rhs=ALPHA, margin=pval - ALPHA, passed=pval > ALPHA,
                   detail=f"chi2 = {chi2:.1f} on {dof} dof, n = {n}, min expected count {expected.min():.0f}")
