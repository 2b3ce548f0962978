r"""Optimal FSQ level lists under a codebook budget (seed sec. 7.1.1, "optimal grid structure").

The seed asks for :math:`\min_{L_1..L_d} \mathcal{L}(L)` subject to :math:`\prod_i L_i = |C|`.
For independent Gaussian latent dimensions (variances :math:`\sigma_i^2`) every dimension is a
scalar quantizer, so with each gain set to minimize its own MSE

.. math::

    D(L) = \frac1d\sum_i \sigma_i^2\, D_1(L_i),\qquad H(L) = \sum_i H_1(L_i),

where :math:`D_1(L)` and :math:`H_1(L)` are the exact MSE and output entropy of one FSQ
dimension with :math:`L` levels on N(0, 1) at its MSE-optimal gain (the gain scales with
:math:`\sigma_i`, so :math:`D` scales with :math:`\sigma_i^2` exactly and :math:`H` not at all).
The search is exact and cheap: one table of :math:`D_1, H_1` per level, then an enumeration of
non-increasing level lists with :math:`\prod L_i \le |C|` (by the rearrangement inequality the
largest levels go to the largest variances, so only multisets need enumerating).

The FSQ paper (Mentzer et al. 2023, sec. 4.1/table) recommends
:data:`FSQ_PAPER_LEVELS`; :func:`paper_levels_comparison` ranks them.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .. import _validation as v

__all__ = ["FSQ_PAPER_LEVELS", "level_table", "optimal_levels", "paper_levels_comparison"]

#: Levels recommended by Mentzer et al. (2023), arXiv:2309.15505, for codebook sizes 2^8..2^16.
FSQ_PAPER_LEVELS = {
    2 ** 8: (8, 6, 5),
    2 ** 10: (8, 5, 5, 5),
    2 ** 12: (7, 5, 5, 5, 5),
    2 ** 14: (8, 8, 8, 6, 5),
    2 ** 16: (8, 8, 8, 5, 5, 5),
}


@lru_cache(maxsize=32)
def _table(max_level: int, decoder: str, eps: float):
    from scipy import stats

    from ._fsq_operational import _optimal_scale, fsq_scalar_performance

    dist = stats.norm()
    D = np.full(max_level + 1, np.nan)
    H = np.full(max_level + 1, np.nan)
    G = np.full(max_level + 1, np.nan)
    for L in range(2, max_level + 1):
        # L = 2 exists only in the symmetric variant (the sign quantizer, centroid points)
        sym = L == 2
        rec = "centroid" if sym else decoder
        g = _optimal_scale(L, dist, rec, eps, sym)
        perf = fsq_scalar_performance(L, g, dist, decoder=rec, eps=eps, symmetric=sym)
        D[L], H[L], G[L] = perf.mse, perf.entropy_bits, g
    for arr in (D, H, G):
        arr.flags.writeable = False
    return D, H, G


def level_table(max_level: int = 64, *, decoder: str = "grid", eps: float = 1e-3, reconstruction=v._UNSET):
    r"""Per-level exact :math:`D_1(L)`, :math:`H_1(L)` (bits) and MSE-optimal gain on N(0, 1).

    :math:`D_1(L) = \min_g E[(X - Q_{L,g}(X))^2]` for one FSQ dimension with :math:`L` levels
    fed :math:`z = g X`, :math:`X \sim N(0, 1)`, and :math:`H_1(L)` its output entropy at that
    gain (module docstring). :math:`L = 2` exists only in the symmetric variant: that row is the
    sign quantizer with centroid points, whatever ``decoder``.

    Parameters
    ----------
    max_level : int
        Largest :math:`L` tabulated (>= 2). Each level costs one gain search (tenths of a
        second); tables are cached per (``max_level``, ``decoder``, ``eps``).
    decoder : {"grid", "centroid"}, keyword-only
        Cell reconstruction (one rule for the package, see ``fsq_theory.quantizer``, "Decoders"):
        ``"grid"`` (default) the quantizer's own points (FSQ's grid pulled back through the bound),
        ``"centroid"`` the conditional mean of the source over the cell.
    eps : float, keyword-only
        FSQ bound margin :math:`\epsilon` (default 1e-3).
    reconstruction : {"grid", "centroid"}, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).

    Returns
    -------
    pandas.DataFrame
        Columns ``L`` (2..max_level), ``mse``, ``entropy_bits``, ``gain``, ``fixed_rate``.

    Examples
    --------
    With centroid points the 2- and 3-level rows are Lloyd-Max's quantizers (MSE
    :math:`1 - 2/\pi = 0.3634` and 0.1902, Max 1960):

    >>> df = level_table(5, decoder="centroid")
    >>> df["L"].tolist(), df["mse"].round(4).tolist()
    ([2, 3, 4, 5], [0.3634, 0.1902, 0.1357, 0.0812])
    >>> df["entropy_bits"].round(4).tolist()
    [1.0, 1.5358, 1.8492, 2.2084]
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="level_table")
    import pandas as pd

    max_level = v.check_size("max_level", v.check_int("max_level", max_level, minimum=2), 512)
    D, H, G = _table(max_level, decoder, float(eps))
    Ls = np.arange(2, max_level + 1)
    return pd.DataFrame({"L": Ls, "mse": D[2:], "entropy_bits": H[2:], "gain": G[2:],
                         "fixed_rate": np.log2(Ls)})


MAX_CANDIDATES = 1_000_000  # level lists optimal_levels enumerates before refusing (seconds)


def _multisets(d, budget, lo, hi, limit=MAX_CANDIDATES):
    """Non-increasing integer lists of length d in [lo, hi] with product <= budget."""
    out = []
    cur = []

    def rec(k, cap, rem):
        if k == d:
            out.append(tuple(cur))
            if len(out) > limit:
                raise ValueError(f"codebook_size = {budget} with {d} dimensions and levels in "
                                 f"[{lo}, {hi}] has more than {limit:,} level lists to compare; "
                                 "give a smaller codebook_size, max_level or fewer dimensions")
            return
        # the remaining d - k - 1 entries need at least lo each
        top = min(cap, rem // lo ** (d - k - 1))
        for L in range(top, lo - 1, -1):
            cur.append(L)
            rec(k + 1, L, rem // L)
            cur.pop()

    rec(0, hi, budget)
    return out


def optimal_levels(codebook_size: int, variances, *, min_level: int = 2, max_level=None,
                   objective: str = "mse", top: int = 5, decoder: str = "grid",
                   eps: float = 1e-3, reconstruction=v._UNSET):
    r"""Best FSQ level lists with :math:`\prod_i L_i \le |C|` for Gaussian latent dimensions.

    Parameters
    ----------
    codebook_size : int
        Budget :math:`|C|`.
    variances : array_like, shape (d,)
        Per-dimension variances :math:`\sigma_i^2 > 0` (the number of dimensions is fixed).
    min_level, max_level : int, keyword-only
        Range of levels per dimension; ``max_level`` defaults to ``min(codebook_size, 256)``.
    objective : {"mse", "entropy"}, keyword-only
        ``"mse"``: minimize :math:`D = \frac1d\sum_i\sigma_i^2 D_1(L_i)` (MSE per scalar);
        ``"entropy"``: maximize the token entropy :math:`\sum_i H_1(L_i)` (bits per vector,
        i.e. codebook usage), ties broken by MSE.
    top : int, keyword-only
        Number of lists returned.
    decoder : {"grid", "centroid"}, keyword-only
        Cell reconstruction (one rule for the package, see ``fsq_theory.quantizer``, "Decoders"):
        ``"grid"`` (default) the quantizer's own points (FSQ's grid pulled back through the bound),
        ``"centroid"`` the conditional mean of the source over the cell.
    eps : float, keyword-only
        FSQ bound margin :math:`\epsilon` (default 1e-3).
    reconstruction : {"grid", "centroid"}, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).

    Returns
    -------
    pandas.DataFrame
        ``rank``, ``levels`` (tuple, aligned with ``variances``), ``codebook_size``, ``mse``
        (per scalar), ``fixed_rate`` and ``entropy_rate`` (bits per vector).

    Raises
    ------
    ValueError
        If ``min_level ** d > codebook_size`` (no list meets the budget).

    Examples
    --------
    A budget of 64 codes over three dimensions of variances 4, 1 and 1/4: the levels follow
    the variances.

    >>> df = optimal_levels(64, [4.0, 1.0, 0.25], max_level=8, top=2, decoder="centroid")
    >>> df["levels"].tolist(), df["mse"].round(4).tolist()
    ([(8, 4, 2), (7, 4, 2)], [0.1273, 0.1377])
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="optimal_levels")
    import pandas as pd

    budget = v.check_int("codebook_size", codebook_size, minimum=2)
    var = v.as_real_array("variances", variances).astype(np.float64).ravel()
    if var.size == 0 or (var <= 0).any():
        raise ValueError(f"variances must be a non-empty array of values > 0, got {var.tolist()}")
    d = var.size
    lo = v.check_int("min_level", min_level, minimum=2)
    hi = min(budget, 256) if max_level is None else v.check_int("max_level", max_level,
                                                                  minimum=lo)
    if lo ** d > budget:
        raise ValueError(f"codebook_size = {budget} cannot hold {d} dimensions of at least "
                         f"min_level = {lo} levels ({lo}^{d} = {lo ** d})")
    if objective not in ("mse", "entropy"):
        raise ValueError(f"objective must be 'mse' or 'entropy', got {objective!r}")
    top = v.check_int("top", top, minimum=1)
    D1, H1, _ = _table(hi, decoder, float(eps))
    cands = _multisets(d, budget, lo, hi)
    order = np.argsort(-var, kind="stable")
    rows = []
    for ms in cands:
        levels = np.empty(d, dtype=np.int64)
        levels[order] = ms  # largest levels to the largest variances
        mse = float((var * D1[levels]).mean())
        rows.append((ms, levels, mse, float(H1[levels].sum())))
    if objective == "mse":
        rows.sort(key=lambda r: r[2])
    else:
        rows.sort(key=lambda r: (-r[3], r[2]))
    out = [dict(rank=k + 1, levels=tuple(int(x) for x in r[1]), codebook_size=math.prod(r[0]),
                mse=r[2], fixed_rate=float(np.log2(r[1]).sum()), entropy_rate=r[3])
           for k, r in enumerate(rows[:top])]
    return pd.DataFrame(out)


def paper_levels_comparison(*, decoder: str = "grid", eps: float = 1e-3, reconstruction=v._UNSET):
    r"""The FSQ paper's level lists against the exact optimum, for unit-variance dimensions.

    For each budget in :data:`FSQ_PAPER_LEVELS` and the paper's number of dimensions, the
    paper's list and the MSE-optimal list (unconstrained ``min_level = 2`` and with the paper's
    rule ``L_i >= 5``) with their MSE per scalar and rates.

    Parameters
    ----------
    decoder : {"grid", "centroid"}, keyword-only
        Cell reconstruction (one rule for the package, see ``fsq_theory.quantizer``, "Decoders"):
        ``"grid"`` (default) the quantizer's own points (FSQ's grid pulled back through the bound),
        ``"centroid"`` the conditional mean of the source over the cell.
    eps : float, keyword-only
        FSQ bound margin :math:`\epsilon` (default 1e-3).
    reconstruction : {"grid", "centroid"}, keyword-only
        Deprecated name of ``decoder`` (warns with ``DeprecationWarning``).

    Returns
    -------
    pandas.DataFrame
        One row per (budget, choice): ``codebook_budget``, ``choice`` ("paper", "optimal",
        "optimal_min5"), ``levels``, ``mse``, ``fixed_rate``, ``entropy_rate``,
        ``mse_ratio_to_optimal``.

    References
    ----------
    F. Mentzer, D. Minnen, E. Agustsson, M. Tschannen, "Finite Scalar Quantization: VQ-VAE
    Made Simple", ICLR 2024, arXiv:2309.15505.

    Examples
    --------
    The paper's lists:

    >>> FSQ_PAPER_LEVELS[2 ** 10]
    (8, 5, 5, 5)

    The full comparison tabulates every level up to 256 (about 15 s), so it is not run here;
    with the grid decoder the paper's lists cost 1.24-1.36 times the optimal MSE:

    >>> df = paper_levels_comparison()  # doctest: +SKIP
    >>> df[df.codebook_budget == 2 ** 10][["choice", "levels"]].values.tolist()  # doctest: +SKIP
    [['paper', (8, 5, 5, 5)], ['optimal', (9, 8, 7, 2)], ['optimal_min5', (8, 5, 5, 5)]]
    >>> paper = df[df.choice == "paper"]  # doctest: +SKIP
    >>> paper["mse_ratio_to_optimal"].round(4).tolist()  # doctest: +SKIP
    [1.3633, 1.2922, 1.2771, 1.3341, 1.241]
    """
    decoder = v.resolve_decoder(decoder, reconstruction, owner="paper_levels_comparison")
    import pandas as pd

    rows = []
    for budget, paper in FSQ_PAPER_LEVELS.items():
        d = len(paper)
        var = np.ones(d)
        D1, H1, _ = _table(min(budget, 256), decoder, float(eps))
        best = optimal_levels(budget, var, objective="mse", top=1, decoder=decoder,
                              eps=eps).iloc[0]
        best5 = optimal_levels(budget, var, min_level=5, objective="mse", top=1,
                               decoder=decoder, eps=eps).iloc[0]
        lv = np.array(paper)
        for choice, levels, mse, H in (
                ("paper", tuple(paper), float(D1[lv].mean()), float(H1[lv].sum())),
                ("optimal", best["levels"], best["mse"], best["entropy_rate"]),
                ("optimal_min5", best5["levels"], best5["mse"], best5["entropy_rate"])):
            rows.append(dict(codebook_budget=budget, choice=choice, levels=levels, mse=mse,
                             fixed_rate=float(np.log2(levels).sum()), entropy_rate=H,
                             mse_ratio_to_optimal=mse / best["mse"]))
    return pd.DataFrame(rows)
