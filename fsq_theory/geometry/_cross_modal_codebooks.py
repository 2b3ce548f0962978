r"""Shared against separate FSQ codebooks for two correlated Gaussian modalities (seed 7.2.3).

One coordinate pair :math:`(X, Y)`, bivariate normal with variances :math:`\sigma_X^2,
\sigma_Y^2` and correlation :math:`\rho` (a vector latent in canonical form is a sum of
independent such pairs, see ``_cross_modal``). Every scheme below spends the same fixed rate, at
most :math:`2\log_2 L` bits per pair (the length of the index it emits), and uses the MSE-optimal
decoder for its cells; distortion is MSE per scalar, :math:`\tfrac12(D_X + D_Y)`.

``separate``
    Two codebooks: FSQ([L]) on :math:`X` at gain :math:`g^*_L/\sigma_X` and FSQ([L]) on
    :math:`Y` at gain :math:`g^*_L/\sigma_Y` (:math:`g^*_L` the MSE-optimal gain for a unit
    Gaussian); decoders :math:`E[X\mid K_X]`, :math:`E[Y\mid K_Y]`. A *joint* FSQ of the
    concatenated latent, FSQ([L, L]) on :math:`(X, Y)` with those gains, has exactly these cells
    (FSQ is a product quantizer), so it is not a separate scheme.
``shared``
    One codebook: one FSQ([L]) at one gain :math:`g` applied to both raw latents, and one
    reconstruction point per token, the centroid of the token's cell under the even mixture of
    the two modalities; :math:`g` minimizes the mean MSE. With :math:`\sigma_X = \sigma_Y` it is
    the ``separate`` scheme exactly; otherwise it pays for the mismatched scale.
``joint_decoder``
    The ``separate`` tokens, decoded by a model that sees both:
    :math:`E[X\mid K_X, K_Y]`, :math:`E[Y\mid K_X, K_Y]`. The rectangle moments are closed form:
    :math:`E[X;\,X\le h, Y\le k] = -\varphi(h)\Phi(\tfrac{k-\rho h}{s}) -
    \rho\varphi(k)\Phi(\tfrac{h-\rho k}{s})`, :math:`s = \sqrt{1-\rho^2}` (standardized units).
``decorrelated``
    A joint quantizer: FSQ([L_U, L_V]) on the principal components :math:`(U, V)` of
    :math:`(X, Y)` (eigenvalues :math:`\lambda_1\ge\lambda_2`), each at its MSE-optimal gain, with
    the best split :math:`L_U L_V \le L^2` (for each :math:`L_V \in \{1, 3, \dots, L\}` the
    largest :math:`L_U`; :math:`L_V = 1` drops :math:`V`); the rotation is
    orthogonal, so the MSE is the same in both coordinate systems.

The rates an entropy coder needs for the same tokens are reported too: per modality
:math:`H(K_X) + H(K_Y)`, or jointly :math:`H(K_X, K_Y)`, smaller by exactly the redundancy
:math:`I(K_X;K_Y)` (for ``decorrelated`` the two tokens are independent and both are equal). The
Gaussian rate-distortion bound of the pair, reverse water-filling on :math:`(\lambda_1,
\lambda_2)`, gives the smallest MSE any scheme can reach at each rate.

References
----------
T. M. Cover and J. A. Thomas, Elements of Information Theory, 2nd ed., Wiley (2006), Sec. 10.3.3
(reverse water-filling).
V. K. Goyal, "Theoretical foundations of transform coding", IEEE Signal Process. Mag. 18 (2001).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from .._lazy import lazy_module
special = lazy_module("scipy.special")
optimize = lazy_module("scipy.optimize")

from .. import _validation as v
from .._measures import entropy_nats
from ..quantizer import FSQ
from ._cross_modal import _pair_pmf

__all__ = ["CodebookComparison", "compare_codebooks", "joint_decoder_mse"]

SCHEMES = ("separate", "shared", "joint_decoder", "decorrelated")
_MAX_LEVELS = 64


def _phi(e: np.ndarray) -> np.ndarray:
    fin = np.isfinite(e)
    return np.where(fin, np.exp(-0.5 * np.where(fin, e, 0.0) ** 2) / math.sqrt(2 * math.pi), 0.0)


def _moments(edges: np.ndarray):
    """Cell probabilities and first moments E[X; cell] of N(0, 1) for standardized edges."""
    return np.diff(special.ndtr(edges)), _phi(edges[:-1]) - _phi(edges[1:])


def _centroid_mse(edges: np.ndarray) -> float:
    p, m = _moments(edges)
    ok = p > 0
    return float(max(1.0 - np.sum(m[ok] ** 2 / p[ok]), 0.0))


def _rect_first_moment(ex: np.ndarray, ey: np.ndarray, r: float) -> np.ndarray:
    """E[X; X in [ex_i, ex_i+1), Y in [ey_j, ey_j+1)] of the standard pair at correlation r."""
    s = math.sqrt((1.0 - r) * (1.0 + r))
    h, k = ex[:, None], ey[None, :]
    with np.errstate(invalid="ignore"):
        a = special.ndtr(np.nan_to_num((k - r * h) / s, nan=0.0))
        b = special.ndtr(np.nan_to_num((h - r * k) / s, nan=0.0))
    # phi(+-inf) = 0 kills the terms whose ndtr argument is undefined
    G = -_phi(h) * a - r * _phi(k) * b
    return G[1:, 1:] - G[:-1, 1:] - G[1:, :-1] + G[:-1, :-1]


def joint_decoder_mse(sq_x, sq_y, rho, *, variance_x=1.0, variance_y=1.0) -> tuple[float, float]:
    r"""MSE of decoding each modality from both tokens, :math:`E[X\mid K_X, K_Y]`, exactly.

    .. math::

        D_X = \sigma_X^2\Big(1 - \sum_{i,j}\frac{M_{ij}^2}{P_{ij}}\Big),\qquad
        M_{ij} = E[\tilde X;\ \tilde X\in[a_i,b_i),\ \tilde Y\in[c_j,d_j)],

    in standardized units :math:`\tilde X = X/\sigma_X`, with :math:`P_{ij}` from
    :func:`cross_token_pmf` and :math:`M_{ij}` by inclusion--exclusion of
    :math:`E[\tilde X;\tilde X\le h,\tilde Y\le k] = -\varphi(h)\Phi((k-\rho h)/s) -
    \rho\varphi(k)\Phi((h-\rho k)/s)`, :math:`s=\sqrt{1-\rho^2}` (and symmetrically for
    :math:`Y`). At :math:`\rho = 0` it is the centroid MSE of each tokenizer alone.

    Parameters
    ----------
    sq_x, sq_y : ScalarQuantizer or 1-D FSQ
        Cells in source units.
    rho : float in (-1, 1)
        Correlation of :math:`X` and :math:`Y`.
    variance_x, variance_y : float, keyword-only
        :math:`\sigma_X^2, \sigma_Y^2 > 0`.

    Returns
    -------
    tuple of float
        :math:`(D_X, D_Y)`, MSE per scalar of each modality in its own squared units.

    Examples
    --------
    Sign quantizers: alone each keeps :math:`2/\pi` of the variance (MSE :math:`1 - 2/\pi =
    0.36338`); the other modality's sign helps once :math:`\rho \ne 0`:

    >>> from fsq_theory.quantizer import ScalarQuantizer
    >>> from fsq_theory.geometry import joint_decoder_mse
    >>> sign = ScalarQuantizer([0.0], [-1.0, 1.0])
    >>> [round(d, 5) for d in joint_decoder_mse(sign, sign, 0.0)]
    [0.36338, 0.36338]
    >>> [round(d, 5) for d in joint_decoder_mse(sign, sign, 0.9)]
    [0.31805, 0.31805]
    """
    from ._cross_modal import _check_rho, _check_sq, _std_edges, cross_token_pmf

    P = cross_token_pmf(sq_x, sq_y, rho, variance_x=variance_x, variance_y=variance_y)
    r = _check_rho(rho)
    ex = _std_edges(_check_sq("sq_x", sq_x), float(variance_x))
    ey = _std_edges(_check_sq("sq_y", sq_y), float(variance_y))
    ok = P > 0
    Pz = np.where(ok, P, 1.0)
    # a conditional mean lies in its cell: clipping it there bounds the error of cells whose
    # mass (~1e-17, far off the diagonal at rho near 1) is below the absolute accuracy
    cx = np.clip(_rect_first_moment(ex, ey, r) / Pz, ex[:-1, None], ex[1:, None])
    cy = np.clip(_rect_first_moment(ey, ex, r).T / Pz, ey[None, :-1], ey[None, 1:])
    dx = max(1.0 - float(np.sum(P[ok] * cx[ok] ** 2)), 0.0) * float(variance_x)
    dy = max(1.0 - float(np.sum(P[ok] * cy[ok] ** 2)), 0.0) * float(variance_y)
    return dx, dy


@functools.lru_cache(maxsize=256)
def _unit_fsq(L: int) -> tuple[float, float, float]:
    """(optimal gain, centroid MSE, entropy in nats) of FSQ([L]) on N(0, 1); L = 1 sends nothing."""
    if L == 1:
        return 1.0, 1.0, 0.0
    from ..rate_distortion import fsq_operational_rd

    g = float(fsq_operational_rd([L], decoder="centroid", compare=False)["scale"].iloc[0])
    e = FSQ([L]).scalar_quantizers(g)[0].cell_edges
    return g, _centroid_mse(e), float(entropy_nats(np.diff(special.ndtr(e))))


def _shared_mse_xy(L: int, g: float, sx: float, sy: float, wx: float = 1.0,
                   wy: float = 1.0) -> tuple[float, float]:
    """MSEs of one FSQ([L]) at gain g on N(0, sx^2) and N(0, sy^2), one point per token (the
    minimizer of wx D_X + wy D_Y: the weighted centroid of the two modalities in the cell)."""
    t = FSQ([L]).scalar_quantizers(g)[0].cell_edges
    px, mx = _moments(t / sx)
    py, my = _moments(t / sy)
    mx, my = sx * mx, sy * my
    w = wx * px + wy * py
    ok = w > 0
    point = np.where(ok, (wx * mx + wy * my) / np.where(ok, w, 1.0), 0.0)
    # E (X - y_k)^2 summed over cells = var - 2 sum y m + sum y^2 p, for each modality
    dx = sx * sx - 2 * np.sum(point * mx) + np.sum(point ** 2 * px)
    dy = sy * sy - 2 * np.sum(point * my) + np.sum(point ** 2 * py)
    return float(dx), float(dy)


def _shared_mse(L: int, g: float, sx: float, sy: float, wx: float, wy: float) -> float:
    dx, dy = _shared_mse_xy(L, g, sx, sy, wx, wy)
    return 0.5 * (wx * dx + wy * dy)


def _best_shared_gain(L: int, sx: float, sy: float, wx: float, wy: float) -> float:
    # the optimum lies between the two modalities' own optimal gains
    g0 = _unit_fsq(L)[0]
    lo, hi = math.log(g0 / max(sx, sy)) - 0.5, math.log(g0 / min(sx, sy)) + 0.5
    grid = np.linspace(lo, hi, 41)
    vals = [_shared_mse(L, math.exp(x), sx, sy, wx, wy) for x in grid]
    k = int(np.argmin(vals))
    res = optimize.minimize_scalar(lambda x: _shared_mse(L, math.exp(x), sx, sy, wx, wy),
                                   bounds=(grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]),
                                   method="bounded", options={"xatol": 1e-10})
    return math.exp(res.x if res.fun <= vals[k] else grid[k])


@dataclass(frozen=True)
class CodebookComparison:
    r"""Separate, shared, jointly decoded and decorrelated FSQ codebooks at equal fixed rate.

    Returned by :func:`compare_codebooks`; one entry per scheme (see the ``_cross_modal_codebooks``
    module notes for the definitions), rates per coordinate pair in the unit of ``base``, MSE per
    scalar.

    Attributes
    ----------
    schemes : tuple of str
        ``("separate", "shared", "joint_decoder", "decorrelated")``.
    levels : tuple of tuple of int
        Levels of the FSQ(s) of each scheme (``decorrelated``: :math:`(L_U, L_V)`).
    gains : tuple of tuple of float
        Encoder gain per quantized coordinate (X, Y; or U, V; 0 for a component that is dropped,
        :math:`L_V = 1`).
    fixed_rate : ndarray (4,)
        :math:`\log` of the number of index pairs the scheme can emit.
    entropy_joint : ndarray (4,)
        Entropy of the pair of tokens (one entropy coder for both).
    entropy_separate : ndarray (4,)
        Sum of the two tokens' entropies (one entropy coder per token).
    mse : ndarray (4,)
        :math:`\tfrac12(D_X + D_Y)`, or :math:`\tfrac12(D_X/\sigma_X^2 + D_Y/\sigma_Y^2)` with
        ``distortion="relative"``.
    mse_x, mse_y : ndarray (4,)
        :math:`D_X`, :math:`D_Y` (for ``decorrelated`` the MSE of the rotated reconstruction in
        X and Y coordinates).
    mi_latents : float
        :math:`I(X;Y)`.
    mi_tokens : float
        :math:`I(K_X;K_Y)` of the ``separate`` tokens: what a joint entropy coder saves.
    rd_mse_fixed : float
        Gaussian bound: the smallest distortion (in the unit of ``mse``) at rate
        ``fixed_rate[0]`` per pair.
    rho : float
        Correlation of the pair.
    variances : tuple of float
        :math:`(\sigma_X^2, \sigma_Y^2)`.
    base : float
        Natural logarithm of the logarithm base.

    Examples
    --------
    >>> from fsq_theory.geometry import compare_codebooks
    >>> c = compare_codebooks(0.9, 5)
    >>> c.schemes[int(c.mse.argmin())], c.levels[3]
    ('decorrelated', (8, 3))
    """

    schemes: tuple
    levels: tuple
    gains: tuple
    fixed_rate: np.ndarray
    entropy_joint: np.ndarray
    entropy_separate: np.ndarray
    mse: np.ndarray
    mse_x: np.ndarray
    mse_y: np.ndarray
    mi_latents: float
    mi_tokens: float
    rd_mse_fixed: float
    rho: float
    variances: tuple
    base: float

    def to_frame(self):
        """One row per scheme.

        Returns
        -------
        pandas.DataFrame
            Columns ``scheme``, ``levels``, ``fixed_rate``, ``entropy_joint``,
            ``entropy_separate``, ``mse``, ``mse_x``, ``mse_y``.
        """
        import pandas as pd

        return pd.DataFrame({"scheme": self.schemes, "levels": [str(x) for x in self.levels],
                             "fixed_rate": self.fixed_rate, "entropy_joint": self.entropy_joint,
                             "entropy_separate": self.entropy_separate, "mse": self.mse,
                             "mse_x": self.mse_x, "mse_y": self.mse_y})


def _decorrelated(L: int, lam: np.ndarray):
    """Best (L_U, L_V) with L_U L_V <= L^2 for independent N(0, lam_i): for each L_V in
    {1, 3, ..., L} the largest L_U (default-mode FSQ needs L >= 3; one level sends nothing)."""
    best = None
    for lv in [1] + list(range(3, L + 1)):
        lu = (L * L) // lv
        d = lam[0] * _unit_fsq(lu)[1] + lam[1] * _unit_fsq(lv)[1]
        if best is None or d < best[0] - 1e-15:
            best = (d, lu, lv)
    return best


def compare_codebooks(rho, levels, *, variance_x=1.0, variance_y=1.0, distortion="mse",
                      base="bits") -> CodebookComparison:
    r"""Shared against separate FSQ codebooks for a correlated Gaussian pair, at equal fixed rate.

    Four schemes spend at most :math:`2\log_2 L` bits per pair (definitions in the module notes):
    ``separate`` codebooks, one ``shared`` codebook, the separate tokens with a
    ``joint_decoder``, and a ``decorrelated`` joint FSQ on the principal components. Each is
    evaluated exactly: its MSE per scalar, and the entropy-coded rates of its tokens, jointly
    :math:`H(K_X, K_Y)` and per token :math:`H(K_X) + H(K_Y)`; their difference is the redundancy
    :math:`I(K_X;K_Y) \le I(X;Y)` a joint entropy coder removes. The Gaussian bound at the same
    rate, :math:`D(R)` by reverse water-filling on the eigenvalues of the covariance, is reported
    with them.

    Parameters
    ----------
    rho : float in (-1, 1)
        Correlation of :math:`X` and :math:`Y`.
    levels : int
        Levels :math:`L` per modality, 3 <= L <= 64.
    variance_x, variance_y : float, keyword-only
        :math:`\sigma_X^2, \sigma_Y^2 > 0`.
    distortion : {"mse", "relative"}, keyword-only
        ``"mse"`` (default): :math:`\tfrac12(D_X + D_Y)` in squared source units.
        ``"relative"``: :math:`\tfrac12(D_X/\sigma_X^2 + D_Y/\sigma_Y^2)`, each modality in its
        own scale; this is the MSE problem of the standardized pair, so ``decorrelated`` then
        rotates the standardized latents, :math:`D(R)` water-fills the eigenvalues
        :math:`1\pm\rho` of the correlation matrix, and the ``shared`` gain and points minimize
        the weighted sum. ``mse_x``, ``mse_y`` are then relative too.
    base : float or {"bits", "nats"}, keyword-only
        Logarithm base of the rates (default bits).

    Returns
    -------
    CodebookComparison
        Per scheme: levels, gains, rates, MSE; and :math:`I(X;Y)`, :math:`I(K_X;K_Y)`,
        :math:`D(R)`.

    References
    ----------
    Cover & Thomas (2006), Sec. 10.3.3; Goyal (2001).

    Examples
    --------
    At :math:`\rho = 0.9` the shared codebook equals the separate ones (equal variances); a
    joint decoder lowers the MSE at the same 4.64 bits, and a decorrelating joint quantizer
    (FSQ[8, 3] on the principal components, 4.58 bits) lowers it further:

    >>> from fsq_theory.geometry import compare_codebooks
    >>> c = compare_codebooks(0.9, 5)
    >>> [round(float(x), 4) for x in c.mse]
    [0.0812, 0.0812, 0.0687, 0.0464]
    >>> round(float(c.fixed_rate[0]), 3), round(c.mi_tokens, 3), round(c.rd_mse_fixed, 4)
    (4.644, 0.87, 0.0174)
    """
    from ..rate_distortion import reverse_water_filling
    from ._cross_modal import _check_rho

    r = _check_rho(rho)
    L = v.check_int("levels", levels, minimum=3)
    if L > _MAX_LEVELS:
        raise ValueError(f"levels must be <= {_MAX_LEVELS}, got {L}")
    vx = v.check_real("variance_x", variance_x, minimum=0.0, strict_minimum=True)
    vy = v.check_real("variance_y", variance_y, minimum=0.0, strict_minimum=True)
    for name, val in (("variance_x", vx), ("variance_y", vy)):
        if not math.isfinite(val) or not 1e-150 < val < 1e150:
            raise ValueError(f"{name} must be finite and within 1e-150 .. 1e150, got {val!r}")
    if distortion not in ("mse", "relative"):
        raise ValueError(f"distortion must be 'mse' or 'relative', got {distortion!r}")
    rel = distortion == "relative"
    lb = v.log_base(base)
    sx, sy = math.sqrt(vx), math.sqrt(vy)
    wx, wy = (1.0 / vx, 1.0 / vy) if rel else (1.0, 1.0)
    g0, d0, h0 = _unit_fsq(L)
    # separate: each modality at its own optimal gain (scale invariance of the Gaussian)
    sqx, sqy = (FSQ([L]).scalar_quantizers(g0 / s)[0] for s in (sx, sy))
    P = _pair_pmf(sqx.cell_edges / sx, sqy.cell_edges / sy, r)
    h_joint_sep = float(entropy_nats(P))
    mi_k = max(2 * h0 - h_joint_sep, 0.0)
    jx, jy = joint_decoder_mse(sqx, sqy, r, variance_x=vx, variance_y=vy)
    # shared: one gain, one point per token
    gs = g0 / sx if vx == vy else _best_shared_gain(L, sx, sy, wx, wy)
    tq = FSQ([L]).scalar_quantizers(gs)[0].cell_edges
    Ps = _pair_pmf(tq / sx, tq / sy, r)
    hs = (float(entropy_nats(Ps.sum(axis=1))), float(entropy_nats(Ps.sum(axis=0))))
    shx, shy = (vx * d0, vy * d0) if vx == vy else _shared_mse_xy(L, gs, sx, sy, wx, wy)
    # decorrelated: principal components of the 2 x 2 covariance (of the correlation matrix for
    # the relative distortion, whose MSE problem is that of the standardized pair)
    cvx, cvy = (1.0, 1.0) if rel else (vx, vy)
    c = r * math.sqrt(cvx * cvy)
    lam = np.linalg.eigvalsh(np.array([[cvx, c], [c, cvy]]))[::-1].clip(min=0.0)
    d_dec, lu, lv = _decorrelated(L, lam)
    h_dec = _unit_fsq(lu)[2] + _unit_fsq(lv)[2]
    # per-coordinate MSE of the rotated reconstruction: D_X = cos^2 D_U + sin^2 D_V
    vecs = np.linalg.eigh(np.array([[cvx, c], [c, cvy]]))[1][:, ::-1]
    du, dv = lam[0] * _unit_fsq(lu)[1], lam[1] * _unit_fsq(lv)[1]
    dec_x = float(vecs[0, 0] ** 2 * du + vecs[0, 1] ** 2 * dv)
    dec_y = float(vecs[1, 0] ** 2 * du + vecs[1, 1] ** 2 * dv)
    fixed = np.full(4, 2 * math.log(L))
    fixed[3] = math.log(lu * lv)
    ent_joint = np.array([h_joint_sep, float(entropy_nats(Ps)), h_joint_sep, h_dec])
    ent_sep = np.array([2 * h0, sum(hs), 2 * h0, h_dec])
    if rel:
        dec_x, dec_y = dec_x * vx, dec_y * vy  # back to source units, weighted below
    mse_x = np.array([vx * d0, shx, jx, dec_x]) * wx
    mse_y = np.array([vy * d0, shy, jy, dec_y]) * wy
    gains = ((g0 / sx, g0 / sy), (gs, gs), (g0 / sx, g0 / sy),
             (_unit_fsq(lu)[0] / math.sqrt(lam[0]) if lam[0] > 0 else 0.0,
              _unit_fsq(lv)[0] / math.sqrt(lam[1]) if lam[1] > 0 and lv > 1 else 0.0))
    rd = reverse_water_filling(np.maximum(lam, 1e-300), R=2 * math.log2(L)).mean_distortion
    return CodebookComparison(SCHEMES, ((L, L), (L, L), (L, L), (lu, lv)), gains, fixed / lb,
                              ent_joint / lb, ent_sep / lb, 0.5 * (mse_x + mse_y), mse_x, mse_y,
                              -0.5 * math.log1p(-r * r) / lb, mi_k / lb, float(rd), r,
                              (vx, vy), lb)
