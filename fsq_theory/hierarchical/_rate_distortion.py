"""Exact rate-distortion of residual FSQ: composite cells, the optimal gain and stage scales, simulation."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from .. import _validation as v
from ..quantizer import ScalarQuantizer
from ..stats import plugin_entropy_bits
from ._residual import ResidualFSQ

__all__ = ['CompositeCells', 'HierarchyRD', 'composite_cells', 'hierarchy_rate_distortion', 'best_gain', 'StageScaleFit', 'optimize_stage_scales', 'HierarchySimulation', 'simulate_hierarchy']


@dataclass(frozen=True)
class CompositeCells:
    r"""Cells of the composite quantizer of stages ``1..s`` of a residual FSQ, one dimension.

    In exact (real) arithmetic with the exact constants :math:`c = L/(L-1)` and
    :math:`\sigma_s = L^{-s}`, in the units of the encoder input ``x``.

    Attributes
    ----------
    stages : int
        Number of stages ``s`` composed.
    edges : ndarray, shape (n + 1,)
        Increasing cell edges in ``x`` (``-inf`` and ``+inf`` at the ends).
    points : ndarray, shape (n,)
        Reference reconstruction :math:`\hat u = \sum_t q_t` of each cell (reference units).
    stage_cells : ndarray of int64, shape (n, s)
        Per-stage cell index ``K_t`` in ``0..L-1`` of each composite cell (rows increase
        lexicographically with ``x``).
    possible : int
        :math:`L^s`, the number of index tuples.
    min_width_u : float
        Smallest cell width in the soft-clamped domain (a cell narrower than float64 resolution
        would be a numerical artefact; with the hard clamp the enumeration is exact rational).

    Notes
    -----
    ``edges`` are in units of the encoder input ``x``; ``points`` and ``min_width_u`` in the
    reference's output units (those of :math:`u = c\tanh(x/c)`); counts are unitless.

    Examples
    --------
    Three levels, two stages: the first stage's cells split at :math:`u = \pm 1/2`, i.e.
    :math:`x = \pm c\operatorname{atanh}(1/(2c))` with :math:`c = 3/2`; after two stages the
    9 reconstructions are the multiples of 1/3 in :math:`[-4/3, 4/3]`:

    >>> first, second = composite_cells(ResidualFSQ([3], 2))
    >>> np.round(first.edges, 6).tolist(), round(1.5 * math.atanh(1 / 3), 6)
    ([-inf, -0.51986, 0.51986, inf], 0.51986)
    >>> second.possible, second.reachable, np.round(3 * second.points, 6).tolist()
    (9, 9, [-4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    """

    stages: int
    edges: np.ndarray
    points: np.ndarray
    stage_cells: np.ndarray
    possible: int
    min_width_u: float

    @property
    def reachable(self) -> int:
        """Number of index tuples some input reaches (cells of positive width)."""
        return int(self.points.shape[0])

    @property
    def unreachable(self) -> int:
        """Index tuples no input reaches: codes the hierarchy wastes."""
        return self.possible - self.reachable

    def scalar_quantizer(self, gain: float = 1.0) -> ScalarQuantizer:
        """The composite as a ``ScalarQuantizer`` in source units for ``x = gain * X``.

        Thresholds ``edges[1:-1] / gain``, points the reference reconstruction
        ``points / gain``.
        """
        return ScalarQuantizer(self.edges[1:-1] / gain, self.points / gain)


def composite_cells(rq: ResidualFSQ, *, dim: int = 0,
                    stage_scales=None) -> tuple[CompositeCells, ...]:
    r"""Enumerate the composite cells of stages ``1..s``, for every ``s = 1..S``, exactly.

    The residual law within a composite cell is the source law restricted to the cell and
    shifted by the cell's reconstruction; stage ``s+1`` splits the cell at the points where the
    residual crosses a stage threshold, :math:`u = \hat u + \sigma_{s} \theta_j`. Cells are
    tracked in the soft-clamped domain :math:`u = c\tanh(x/c)` (:math:`|u| < c`) and mapped back
    by :math:`x = c\,\operatorname{atanh}(u/c)`. With ``bound_hard_clamp=True`` and the
    reference's scales every constant is rational and the enumeration is done in exact rational
    arithmetic, so the reachable count is exact; otherwise it is float64 (see ``min_width_u``).

    Parameters
    ----------
    rq : ResidualFSQ
        The residual quantizer (levels, number of stages :math:`S`, clamp mode).
    dim : int, keyword-only
        Dimension to analyse (the dimensions are independent).
    stage_scales : array_like of shape (S,), keyword-only, optional
        Replace the reference's scales :math:`\sigma_s = L^{-s}` by these (> 0), for the
        analysis of adapted per-stage gains; None: the reference's, in exact arithmetic.

    Returns
    -------
    tuple of CompositeCells
        Entry ``s - 1`` is the composite of the first ``s`` stages.

    Examples
    --------
    With the reference's hard clamp every index tuple is reached; with a ``tanh`` bound
    (``bound_hard_clamp=False``) residual FSQ wastes codes (38 of 125 for 5 levels, 3 stages):

    >>> [c.reachable for c in composite_cells(ResidualFSQ([5], 3))]
    [5, 25, 125]
    >>> cells = composite_cells(ResidualFSQ([5], 3, bound_hard_clamp=False))
    >>> [(c.possible, c.reachable, c.unreachable) for c in cells]
    [(5, 5, 0), (25, 21, 4), (125, 87, 38)]
    """
    if not isinstance(rq, ResidualFSQ):
        raise TypeError(f"rq must be a ResidualFSQ, got {type(rq).__name__}")
    dim = v.check_int("dim", dim, minimum=0)
    if dim >= rq.dim:
        raise ValueError(f"dim must be < {rq.dim}, got {dim}")
    L = rq.levels[dim]
    exact = rq.bound_hard_clamp and stage_scales is None
    if stage_scales is None:
        sigmas = [Fraction(1, L ** s) if exact else 1.0 / L ** s for s in range(rq.num_stages)]
    else:
        arr = v.as_real_array("stage_scales", stage_scales).astype(np.float64)
        if arr.shape != (rq.num_stages,):
            raise ValueError(f"stage_scales must have shape ({rq.num_stages},), "
                             f"got shape {arr.shape}")
        if (arr <= 0).any():
            raise ValueError(f"stage_scales must be > 0, got {arr.tolist()}")
        sigmas = [float(s) for s in arr]
    thr, codes = rq._stage_table(dim)
    if not exact:
        thr, codes = [float(t) for t in thr], [float(q) for q in codes]
    c = None if rq._exact_clamp is None else rq._exact_clamp[dim]
    zero = Fraction(0) if exact else 0.0
    if c is None:
        cells = [(-math.inf, math.inf, zero, ())]
    else:
        cu = c if exact else float(c)
        cells = [(-cu, cu, zero, ())]
    out = []
    for s, sigma in enumerate(sigmas):
        new = []
        for a, b, y, ks in cells:
            for k in range(L):
                lo = a if k == 0 else max(a, y + sigma * thr[k - 1])
                hi = b if k == L - 1 else min(b, y + sigma * thr[k])
                if lo < hi:
                    new.append((lo, hi, y + sigma * codes[k], ks + (k,)))
        cells = new
        out.append(_finish_cells(cells, s + 1, L ** (s + 1), c))
    return tuple(out)


def _finish_cells(cells, stages, possible, c) -> CompositeCells:
    u_lo = np.array([float(a) for a, _, _, _ in cells])
    u_hi = np.array([float(b) for _, b, _, _ in cells])
    widths = [b - a for a, b, _, _ in cells]
    min_w = float(min(widths))
    if c is None:
        edges = np.concatenate([u_lo, u_hi[-1:]])
    else:
        cf = float(c)
        # exact edges are rational; map the interior ones through atanh once
        inner = np.array([float(Fraction(a) / Fraction(c)) for a, _, _, _ in cells[1:]])
        edges = np.concatenate([[-np.inf], cf * np.arctanh(inner), [np.inf]])
    points = np.array([float(y) for _, _, y, _ in cells])
    ks = np.array([k for _, _, _, k in cells], dtype=np.int64).reshape(len(cells), stages)
    for arr in (edges, points, ks):
        arr.flags.writeable = False
    return CompositeCells(stages, edges, points, ks, possible, min_w)


@dataclass(frozen=True)
class HierarchyRD:
    r"""Exact per-stage rate and distortion of a residual FSQ on a Gaussian scalar source.

    Source :math:`X \sim N(0, \text{variance})`, encoder input :math:`x = gX`; all distortions
    are per scalar in the units of :math:`X`.

    Attributes
    ----------
    gain : float
        Encoder gain :math:`g` (``x = gX``).
    variance : float
        Source variance :math:`v` (squared source units).
    stages : ndarray of int
        ``1..S``.
    possible, reachable : ndarray of int
        :math:`L^s` index tuples and the number of composite cells of positive width.
    used : ndarray of int
        Composite cells of positive probability (equals ``reachable`` for a Gaussian).
    fixed_rate : ndarray
        :math:`s \log_2 L` bits per scalar.
    entropy : ndarray
        :math:`H(K_1, \dots, K_s)` in bits per scalar (entropy of the composite cell).
    mse_reference : ndarray
        :math:`E[(X - \hat u(gX)/g)^2]`: the reference output rescaled to source units.
    mse_centroid : ndarray
        :math:`E[\operatorname{Var}(X \mid K_1..K_s)]`: the best decoder of the same tokens.

    Notes
    -----
    ``gain`` is unitless (encoder input per source unit), ``variance`` and both MSEs are in
    squared source units per scalar, ``fixed_rate`` and ``entropy`` in bits per scalar; every
    array is indexed by stage (entry ``s - 1`` after ``s`` stages).

    Examples
    --------
    >>> r = hierarchy_rate_distortion(ResidualFSQ([3], 2), gain=1.0)
    >>> np.round(r.fixed_rate, 6), np.round(r.entropy, 6)          # s log2 3 >= H(K_1..K_s)
    (array([1.584963, 3.169925]), array([1.572232, 3.116277]))
    >>> np.round(r.mse_reference, 6), np.round(r.mse_centroid, 6)  # centroid decoding is better
    (array([0.20909 , 0.093902]), array([0.194479, 0.03189 ]))
    """

    gain: float
    variance: float
    stages: np.ndarray
    possible: np.ndarray
    reachable: np.ndarray
    used: np.ndarray
    fixed_rate: np.ndarray
    entropy: np.ndarray
    mse_reference: np.ndarray
    mse_centroid: np.ndarray

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({
            "stages": self.stages, "possible": self.possible, "reachable": self.reachable,
            "used": self.used, "fixed_rate": self.fixed_rate, "entropy": self.entropy,
            "mse_reference": self.mse_reference, "mse_centroid": self.mse_centroid,
            "gain": self.gain, "variance": self.variance,
        })


def _cell_stats(sq: ScalarQuantizer, variance: float):
    from scipy import stats

    from ..cells import cell_moments

    m = cell_moments(sq, stats.norm(0.0, math.sqrt(variance)))
    used = m.prob > 0
    h = plugin_entropy_bits(m.prob)
    cond_var = m.second[used] - m.first[used] ** 2 / m.prob[used]
    return m, int(used.sum()), h, float(max(cond_var.sum(), 0.0))


def _rd_rows(comps, gain, variance, L):
    rows = []
    for cc in comps:
        sq = cc.scalar_quantizer(gain)
        m, used, h, d_cen = _cell_stats(sq, variance)
        rows.append((cc.stages, cc.possible, cc.reachable, used, cc.stages * math.log2(L), h,
                     m.mse(sq.points), d_cen))
    return rows


def hierarchy_rate_distortion(rq: ResidualFSQ, *, gain: float = 1.0, variance: float = 1.0,
                              dim: int = 0, stage_scales=None) -> HierarchyRD:
    r"""Exact MSE and joint token entropy after each stage, Gaussian source.

    For :math:`X \sim N(0, v)` fed as :math:`x = gX`, each composite cell :math:`k` of stages
    ``1..s`` (from :func:`composite_cells`) is an interval :math:`[e_k, e_{k+1})` of :math:`X`;
    the residual law restricted to it is a (soft-clamp-transformed) truncated normal, and

    .. math::

        D_s^{\mathrm{ref}} = \sum_k \int_{e_k}^{e_{k+1}} (x - y_k/g)^2 \varphi_v(x)\,dx,\quad
        D_s^{\mathrm{cen}} = \sum_k \bigl(m_2(k) - m_1(k)^2/P_k\bigr),\quad
        H_s = -\sum_k P_k \log_2 P_k

    with the closed-form truncated-normal moments of :func:`fsq_theory.cells.cell_moments`.
    Rates in bits per scalar, distortions per scalar in units of :math:`X`.

    Parameters
    ----------
    rq : ResidualFSQ
        The residual quantizer (levels, number of stages :math:`S`, clamp mode).
    gain : float, keyword-only
        Encoder gain :math:`g > 0`.
    variance : float, keyword-only
        Source variance :math:`v > 0`.
    dim : int, keyword-only
        Dimension to analyse (the dimensions are independent).
    stage_scales : array_like of shape (S,), keyword-only, optional
        See :func:`composite_cells`.

    Returns
    -------
    HierarchyRD

    Examples
    --------
    >>> r = hierarchy_rate_distortion(ResidualFSQ([3], 2), gain=1.0)
    >>> r.reachable.tolist(), np.round(r.mse_centroid, 4).tolist()
    ([3, 9], [0.1945, 0.0319])
    """
    gain = v.check_real("gain", gain, minimum=0.0, strict_minimum=True)
    variance = v.check_real("variance", variance, minimum=0.0, strict_minimum=True)
    comps = composite_cells(rq, dim=dim, stage_scales=stage_scales)
    cols = list(zip(*_rd_rows(comps, gain, variance, rq.levels[dim])))
    return HierarchyRD(gain, variance, *(np.array(c) for c in cols))


def _check_decoder(decoder, owner):
    if decoder == "reference":  # this module's name for the grid decoder before 0.2
        import warnings

        warnings.warn(f"{owner}(): decoder='reference' is deprecated; use decoder='grid' (the "
                      "reference's own reconstruction)", DeprecationWarning, stacklevel=3)
        return "grid"
    return v.check_decoder(decoder)


def _final_mse(comps, log_gain, decoder):
    g = math.exp(log_gain)
    sq = comps[-1].scalar_quantizer(g)
    m, _, _, d_cen = _cell_stats(sq, 1.0)
    return d_cen if decoder == "centroid" else m.mse(sq.points)


def _argmin_log_gain(fun, lo=-6.0, hi=4.0, n=41):
    from scipy import optimize

    grid = np.linspace(lo, hi, n)
    vals = [fun(t) for t in grid]
    i = int(np.argmin(vals))
    a, b = grid[max(i - 1, 0)], grid[min(i + 1, n - 1)]
    res = optimize.minimize_scalar(fun, bounds=(a, b), method="bounded",
                                   options={"xatol": 1e-7})
    return (res.x, res.fun) if res.fun <= vals[i] else (grid[i], vals[i])


def best_gain(rq: ResidualFSQ, *, decoder: str = "grid", dim: int = 0,
              stage_scales=None) -> float:
    r"""Encoder gain :math:`g` minimizing the final-stage MSE for a unit Gaussian source.

    .. math::

        g^* = \operatorname*{arg\,min}_{\log g \in [-6, 4]} D_S(g)

    with :math:`D_S(g)` the final-stage MSE of :func:`hierarchy_rate_distortion` under the
    ``decoder`` reconstruction: a grid of 41 points in :math:`\log g`, then bounded Brent
    refinement around the best one. For variance :math:`v` use :math:`g/\sqrt v`.

    Parameters
    ----------
    rq : ResidualFSQ
        The residual quantizer (levels, number of stages :math:`S`, clamp mode).
    decoder : {"grid", "centroid"}, keyword-only
        ``"grid"`` (default): the reference's sum of stage codes; ``"centroid"``: the
        conditional mean of the composite cell. ``"reference"`` is a deprecated name of
        ``"grid"``.
    dim : int, keyword-only
        Dimension to analyse (the dimensions are independent).
    stage_scales : array_like of shape (S,), keyword-only, optional
        Stage scales replacing the reference's :math:`L^{-s}` (see :func:`composite_cells`).

    Returns
    -------
    float
        The optimal gain :math:`g^* > 0` (encoder input per unit of a unit-variance source).

    Examples
    --------
    One stage of 3 levels at its best gain comes within 0.3 % of the 3-level Lloyd–Max
    quantizer (MSE 0.1902, Max 1960); two stages want a smaller gain:

    >>> one, two = ResidualFSQ([3], 1), ResidualFSQ([3], 2)
    >>> g1 = best_gain(one)
    >>> round(g1, 4), np.round(hierarchy_rate_distortion(one, gain=g1).mse_reference, 4)
    (0.818, array([0.1906]))
    >>> round(best_gain(two), 4), round(best_gain(two, decoder="centroid"), 4)
    (0.5732, 0.8232)
    """
    decoder = _check_decoder(decoder, "best_gain")
    comps = composite_cells(rq, dim=dim, stage_scales=stage_scales)
    t, _ = _argmin_log_gain(lambda t: _final_mse(comps, t, decoder))
    return float(math.exp(t))


@dataclass(frozen=True)
class StageScaleFit:
    r"""Per-stage scales adapted to a unit Gaussian source (see :func:`optimize_stage_scales`).

    Attributes
    ----------
    stage_scales : ndarray, shape (S,)
        Optimized :math:`\sigma_s` (:math:`\sigma_0 = 1`; the overall scale is the gain).
    gain : float
        Optimized encoder gain.
    mse : float
        Final-stage MSE with the optimized scales and gain.
    reference_scales_mse : float
        Final-stage MSE with the reference scales :math:`L^{-s}` at their best gain.
    reference_gain : float
        Best gain for the reference scales (:func:`best_gain`).
    decoder : str
        ``"grid"`` or ``"centroid"``: the reconstruction whose MSE was minimized.

    Notes
    -----
    Scales and gains are unitless; MSEs are per scalar for a unit-variance Gaussian source.

    Examples
    --------
    >>> fit = optimize_stage_scales(ResidualFSQ([3], 2))
    >>> np.round(fit.stage_scales, 4), fit.decoder
    (array([1.    , 0.3284]), 'grid')
    """

    stage_scales: np.ndarray
    gain: float
    mse: float
    reference_scales_mse: float
    reference_gain: float
    decoder: str


def optimize_stage_scales(rq: ResidualFSQ, *, decoder: str = "grid", dim: int = 0,
                          maxiter: int = 400) -> StageScaleFit:
    r"""Adapt the per-stage scales :math:`\sigma_1..\sigma_{S-1}` and the gain to a Gaussian.

    Minimizes the exact final-stage MSE (:func:`hierarchy_rate_distortion`, unit variance) over
    :math:`(\log g, \log\sigma_1, \dots, \log\sigma_{S-1})` by Nelder-Mead started from
    the reference's scales :math:`L^{-s}` and their best gain. A local optimum: the objective
    is piecewise smooth in the scales (the set of reachable cells changes with them).

    .. math::

        (g^*, \sigma^*) = \operatorname*{arg\,min}_{g,\ \sigma_1..\sigma_{S-1}}
        D_S(g; 1, \sigma_1, \dots, \sigma_{S-1})

    Parameters
    ----------
    rq : ResidualFSQ
        The residual quantizer (levels, number of stages :math:`S`, clamp mode).
    decoder : {"grid", "centroid"}, keyword-only
        Reconstruction whose MSE is minimized (see :func:`best_gain`); ``"reference"`` is a
        deprecated name of ``"grid"``.
    dim : int, keyword-only
        Dimension to analyse (the dimensions are independent).
    maxiter : int, keyword-only
        Nelder–Mead iteration limit (>= 1).

    Returns
    -------
    StageScaleFit
        The adapted scales and gain, their MSE, and the reference scales' MSE at their best gain
        (never worse than the reference: the start point is kept if Nelder–Mead does not improve).

    Examples
    --------
    For 3 levels, 2 stages the second scale moves from 1/3 to about 0.328, a small gain:

    >>> fit = optimize_stage_scales(ResidualFSQ([3], 2))
    >>> round(float(fit.stage_scales[1]), 4), round(fit.gain, 4), round(fit.reference_gain, 4)
    (0.3284, 0.5736, 0.5732)
    >>> round(fit.mse, 6), round(fit.reference_scales_mse, 6)
    (0.047288, 0.047323)
    """
    from scipy import optimize

    decoder = _check_decoder(decoder, "optimize_stage_scales")
    maxiter = v.check_int("maxiter", maxiter, minimum=1)
    L, S = rq.levels[dim], rq.num_stages
    g0 = best_gain(rq, decoder=decoder, dim=dim)
    d0 = _final_mse(composite_cells(rq, dim=dim), math.log(g0), decoder)
    if S == 1:
        return StageScaleFit(np.ones(1), g0, d0, d0, g0, decoder)

    def objective(p):
        scales = np.concatenate([[1.0], np.exp(p[1:])])
        return _final_mse(composite_cells(rq, dim=dim, stage_scales=scales), p[0], decoder)

    p0 = np.concatenate([[math.log(g0)], -np.arange(1, S) * math.log(L)])
    res = optimize.minimize(objective, p0, method="Nelder-Mead",
                            options={"maxiter": maxiter, "xatol": 1e-6, "fatol": 1e-12})
    best = res.x if res.fun < d0 else p0
    return StageScaleFit(np.concatenate([[1.0], np.exp(best[1:])]), float(math.exp(best[0])),
                         float(min(res.fun, d0)), float(d0), float(g0), decoder)


@dataclass(frozen=True)
class HierarchySimulation:
    r"""Monte-Carlo counterpart of :class:`HierarchyRD` (see :func:`simulate_hierarchy`).

    Attributes
    ----------
    n : int
        Number of samples.
    stages : ndarray of int
        ``1..S``.
    mse_reference, mse_reference_se : ndarray
        Sample mean of :math:`(X - \hat u_s(gX)/g)^2` through the forward pass and its
        standard error (sample std / sqrt(n)).
    mse_centroid, mse_centroid_se : ndarray
        Same with the exact conditional-mean reconstruction of the observed composite cell.
    entropy_plugin : ndarray
        Plug-in entropy (bits) of the observed composite cells.
    counts : tuple of ndarray of int64
        Per stage, counts of the exact composite cells (order of :func:`composite_cells`).
    unmatched : int
        Samples whose index tuple is not an enumerated cell (0 unless float rounding creates a
        cell the real-arithmetic analysis does not have).

    Notes
    -----
    MSEs and their standard errors are in squared source units per scalar, entropies in bits
    per scalar; arrays are indexed by stage.

    Examples
    --------
    >>> sim = simulate_hierarchy(ResidualFSQ([3], 2), 2000, rng=0)
    >>> sim.n, sim.stages.tolist(), sim.unmatched, [int(c.sum()) for c in sim.counts]
    (2000, [1, 2], 0, [2000, 2000])
    """

    n: int
    stages: np.ndarray
    mse_reference: np.ndarray
    mse_reference_se: np.ndarray
    mse_centroid: np.ndarray
    mse_centroid_se: np.ndarray
    entropy_plugin: np.ndarray
    counts: tuple
    unmatched: int

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame({
            "stages": self.stages, "n": self.n,
            "mse_reference": self.mse_reference, "mse_reference_se": self.mse_reference_se,
            "mse_centroid": self.mse_centroid, "mse_centroid_se": self.mse_centroid_se,
            "entropy_plugin": self.entropy_plugin,
        })


def simulate_hierarchy(rq: ResidualFSQ, n: int, *, gain: float = 1.0, variance: float = 1.0,
                       dim: int = 0, rng=None, seed=v._UNSET) -> HierarchySimulation:
    r"""Monte-Carlo per-stage MSE and token entropy through the float64 forward pass.

    Draws :math:`X \sim N(0, v)` (``n`` rows, every dimension, ``np.random.default_rng(rng)``),
    runs :meth:`ResidualFSQ.encode` / :meth:`ResidualFSQ.quantize` on :math:`gX` in float64
    (which uses the reference's float32-rounded constants, so boundaries differ from the exact
    analysis by ~1e-8 relative) and measures dimension ``dim`` after each stage ``s`` (a
    residual FSQ with ``s`` stages has the same first ``s`` stages). Units as
    :func:`hierarchy_rate_distortion`.

    .. math::

        \hat D_s = \frac1n\sum_{i=1}^n \bigl(X_i - \hat u_s(gX_i)/g\bigr)^2,\qquad
        \mathrm{se} = \frac{\operatorname{std}_i(\cdot)}{\sqrt n}

    Parameters
    ----------
    rq : ResidualFSQ
        The residual quantizer (levels, number of stages :math:`S`, clamp mode).
    n : int
        Number of samples (>= 2).
    gain : float, keyword-only
        Encoder gain :math:`g > 0`.
    variance : float, keyword-only
        Source variance :math:`v > 0`.
    dim : int, keyword-only
        Dimension measured (all dimensions are drawn and quantized).
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness of the source samples; same int, same result.
    seed : int, keyword-only
        Deprecated name of ``rng`` (DeprecationWarning).

    Returns
    -------
    HierarchySimulation
        Per-stage MSEs (reference and centroid decoders) with standard errors, plug-in entropies
        and cell counts.

    Examples
    --------
    The Monte-Carlo MSEs agree with the exact :func:`hierarchy_rate_distortion` within their
    standard errors (exact: 0.2091, 0.0939 for the reference decoder):

    >>> rq = ResidualFSQ([3], 2)
    >>> sim = simulate_hierarchy(rq, 2000, rng=0)
    >>> np.round(sim.mse_reference, 4), np.round(sim.mse_reference_se, 4)
    (array([0.2085, 0.0954]), array([0.0115, 0.0077]))
    >>> np.round(hierarchy_rate_distortion(rq).mse_reference, 4)
    array([0.2091, 0.0939])
    >>> np.round(sim.entropy_plugin, 4)
    array([1.5747, 3.11  ])
    """
    rng = v.resolve_rng(rng, seed, owner="simulate_hierarchy")
    n = v.check_int("n", n, minimum=2)
    gain = v.check_real("gain", gain, minimum=0.0, strict_minimum=True)
    variance = v.check_real("variance", variance, minimum=0.0, strict_minimum=True)
    comps = composite_cells(rq, dim=dim)
    L = rq.levels[dim]
    x = math.sqrt(variance) * v.as_generator(rng).standard_normal((n, rq.dim))
    idx = rq.encode(gain * x)
    cells = rq.stage_quantizer.indices_to_level_indices(idx)[..., dim]  # (n, S)
    xd = x[:, dim]
    kw = dict(bound_hard_clamp=rq.bound_hard_clamp)
    if not rq.bound_hard_clamp and rq.soft_clamp_value is not None:
        kw["soft_clamp_input_value"] = rq.soft_clamp_value.astype(np.float64)
    rows, counts, unmatched = [], [], 0
    for s, cc in enumerate(comps, start=1):
        out = ResidualFSQ(rq.levels, s, **kw).quantize(gain * x)[:, dim] / gain
        e_ref = (xd - out) ** 2
        radix = L ** np.arange(s - 1, -1, -1)
        key = cells[:, :s] @ radix
        table = cc.stage_cells @ radix  # increasing: rows are lexicographic
        pos = np.clip(np.searchsorted(table, key), 0, len(table) - 1)
        ok = table[pos] == key
        unmatched = max(unmatched, int((~ok).sum()))
        sq = cc.scalar_quantizer(gain)
        m, _, _, _ = _cell_stats(sq, variance)
        with np.errstate(invalid="ignore", divide="ignore"):
            cent = np.where(m.prob > 0, m.first / np.where(m.prob > 0, m.prob, 1.0), 0.0)
        e_cen = (xd[ok] - cent[pos[ok]]) ** 2
        cnt = np.bincount(pos[ok], minlength=len(table)).astype(np.int64)
        rows.append((s, e_ref.mean(), e_ref.std(ddof=1) / math.sqrt(n), e_cen.mean(),
                     e_cen.std(ddof=1) / math.sqrt(len(e_cen)), plugin_entropy_bits(cnt)))
        counts.append(cnt)
    cols = [np.array(c) for c in zip(*rows)]
    return HierarchySimulation(n, *cols, tuple(counts), unmatched)
