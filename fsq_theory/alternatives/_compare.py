"""Equal-rate comparison against R(D), and the high-resolution loss split into its causes."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, stats

from .. import _validation as v
from ..cells import _check_dist
from ..rate_distortion import differential_entropy, reverse_water_filling
from ..sources import GaussianSource, LaplaceSource
from ._empirical import (AffineQuantizer, best_fsq_on_data, empirical_rows, fsq_on_data,
                         pca_basis, reference_gaps, sandwich_reference, split_data)
from ._fsq import FSQQuantizer, ResidualFSQQuantizer, lfq
from ._lattice import NSM_TABLE, EntropyCodedLattice, TruncatedLattice
from ._base import Quantizer
from ._vq import CodebookQuantizer, ResidualVQ, kmeans_vq, residual_kmeans_vq

__all__ = ["RDReference", "rd_reference", "ar1_block_source", "compare_quantizers",
           "loss_decomposition", "renyi_entropy_bits", "compander_l2d", "DEFAULT_LATTICE"]

#: Lattice used for a block dimension in the comparison (the best known lattice quantizer).
DEFAULT_LATTICE = {1: "Z", 2: "A2", 3: "A3*", 4: "D4", 8: "E8"}
_DB_PER_BIT = 20.0 * math.log10(2.0)
#: Largest rate (bits per dimension) compare_quantizers accepts.
MAX_RATE = 24.0


@dataclass(frozen=True)
class RDReference:
    r"""Rate-distortion reference of a source, per dimension (bits, MSE per scalar).

    ``kind`` is ``"rd"`` when ``dr`` is the exact distortion-rate function of the i.i.d.
    vector source (Gaussian: reverse water-filling on the covariance eigenvalues) and
    ``"slb"`` when it is the Shannon lower bound :math:`2^{2(h - R)}/(2\pi e)` (a lower bound on
    D(R), so gaps against it are upper bounds on the true gaps).

    Attributes
    ----------
    kind : str
        ``"rd"`` (exact D(R)) or ``"slb"`` (Shannon lower bound).
    eigenvalues : ndarray or None
        Covariance eigenvalues of the Gaussian source (variance units); None for ``"slb"``.
    h_bits : float
        Mean differential entropy per coordinate, bits per dimension.

    Examples
    --------
    >>> ref = rd_reference(GaussianSource(dim=1))
    >>> ref.kind, ref.dr(1.0), ref.rd(0.25)  # D(R) = 2^(-2R) for N(0, 1)
    ('rd', 0.25, 1.0)
    """

    kind: str
    eigenvalues: np.ndarray | None
    h_bits: float

    def dr(self, rate) -> float:
        """D(R) (or its Shannon lower bound) at ``rate`` bits per dimension."""
        r = float(rate)
        if self.kind == "rd":
            return reverse_water_filling(self.eigenvalues, R=r * self.eigenvalues.size).mean_distortion
        return 4.0 ** (self.h_bits - r) / (2 * math.pi * math.e)

    def rd(self, mse) -> float:
        """R(D) (or the SLB, floored at 0) in bits per dimension at ``mse`` per scalar."""
        d = float(mse)
        if self.kind == "rd":
            lam = self.eigenvalues
            if d >= lam.mean():
                return 0.0
            return reverse_water_filling(lam, D=d).total_rate / lam.size
        return max(self.h_bits - 0.5 * math.log2(2 * math.pi * math.e * d), 0.0)


def rd_reference(source, *, rng=None, **options):
    r"""The R(D) reference of a source: exact (Gaussian), Shannon lower bound (Laplace), or the
    empirical sandwich (data).

    A :class:`~fsq_theory.sources.GaussianSource` gets the exact D(R), reverse water-filling
    over the eigenvalues of its covariance; a :class:`~fsq_theory.sources.LaplaceSource`
    (independent coordinates with a closed-form marginal) gets the Shannon lower bound with
    :math:`h = \frac1n\sum_i h(X_i)`; data (an array or an
    :class:`~fsq_theory.sources.EmpiricalSource`), whose R(D) has no closed form, get the
    bounds of :func:`fsq_theory.empirical.rd_sandwich` on their rows
    (:func:`sandwich_reference`): best upper bound and best lower estimate, with intervals.

    Parameters
    ----------
    source : GaussianSource, LaplaceSource, EmpiricalSource or array_like (n, d)
        The source whose R(D) the operational points are compared with.
    rng : keyword-only
        SPEC 7 randomness of the sandwich (data only).
    **options
        Keyword arguments of :func:`~fsq_theory.empirical.rd_sandwich` (data only).

    Returns
    -------
    RDReference or SandwichReference
        ``kind="rd"`` for a Gaussian source, ``"slb"`` for a Laplace source, ``"sandwich"``
        for data.

    Raises
    ------
    TypeError
        ``source`` is of another type.
    ValueError
        ``options`` given for a synthetic source.

    Examples
    --------
    >>> ref = rd_reference(GaussianSource(dim=2))
    >>> ref.kind, ref.dr(1.0)
    ('rd', 0.25)
    >>> x = np.random.default_rng(0).standard_normal((2000, 2))
    >>> rd_reference(x, bounds=("gaussian", "shannon"), rng=0).kind
    'sandwich'
    """
    if isinstance(source, (GaussianSource, LaplaceSource)) and options:
        raise ValueError(f"options {sorted(options)} apply to data (the sandwich) only, not to a "
                         f"{type(source).__name__}")
    if isinstance(source, GaussianSource):
        lam = np.clip(np.linalg.eigvalsh(source.cov), 1e-300, None)
        h = 0.5 * math.log2(2 * math.pi * math.e) + 0.5 * float(np.log2(lam).mean())
        return RDReference("rd", lam, h)
    if isinstance(source, LaplaceSource):
        h = float(np.mean([differential_entropy(source.marginal(k)) for k in range(source.dim)]))
        return RDReference("slb", None, h)
    if empirical_rows(source) is not None:
        return sandwich_reference(source, rng=rng, **options)
    raise TypeError(f"source must be a GaussianSource, a LaplaceSource, an EmpiricalSource or an "
                    f"array (n, d), got {type(source).__name__}")


def ar1_block_source(rho, n, *, variance=1.0) -> GaussianSource:
    r"""Blocks of ``n`` consecutive samples of a stationary AR(1) process, i.i.d. across blocks.

    Covariance :math:`\sigma^2\rho^{|i-j|}`: the law of ``n`` consecutive rows of
    :class:`~fsq_theory.sources.GaussMarkovSource` (``dim=1``), drawn independently per block
    so that Monte-Carlo standard errors are exact.

    Parameters
    ----------
    rho : float
        Lag-one correlation :math:`\rho`, in (-1, 1).
    n : int
        Block length (dimension of the returned source), ``n >= 1``.
    variance : float, keyword-only
        Stationary variance :math:`\sigma^2 > 0` of the process.

    Returns
    -------
    GaussianSource
        Zero-mean ``n``-dimensional Gaussian with covariance :math:`\sigma^2\rho^{|i-j|}`.

    Examples
    --------
    >>> ar1_block_source(0.9, 3).cov[0].round(2).tolist()
    [1.0, 0.9, 0.81]
    >>> ar1_block_source(0.5, 2, variance=2.0).cov.tolist()
    [[2.0, 1.0], [1.0, 2.0]]
    """
    rho = v.check_real("rho", rho)
    if not -1.0 < rho < 1.0:
        raise ValueError(f"rho must lie in (-1, 1), got {rho!r}")
    n = v.check_int("n", n, minimum=1)
    var = v.check_real("variance", variance, minimum=0.0, strict_minimum=True)
    i = np.arange(n)
    return GaussianSource(cov=var * rho ** np.abs(i[:, None] - i[None, :]))


def _mse(q, x, groups=None):
    """MSE per scalar of ``q`` on rows ``x`` and its standard error: i.i.d. rows, or (with
    ``groups``) the cluster (batch-means) SE over groups of dependent rows."""
    e = ((q.quantize(x) - x) ** 2).mean(1)
    if groups is None:
        return float(e.mean()), float(e.std(ddof=1) / math.sqrt(e.size))
    _, inv = np.unique(groups, return_inverse=True)
    sums, counts = np.bincount(inv, weights=e), np.bincount(inv)
    B, m = sums.size, float(e.mean())
    se = math.sqrt(B / (B - 1) * float(((sums - m * counts) ** 2).sum())) / e.size
    return m, se


def _joint_entropy(q, x, n_test):
    """Plug-in entropy of the joint index in bits per dimension, or nan when the codebook is
    too large for the plug-in estimate to be near unbiased (|C| > n/50)."""
    m = q.codebook_size
    if m is None or m > n_test / 50:
        return float("nan")
    return q.index_entropy_bits(x) / q.dim


def _product_entropy(q, x):
    """Sum of the per-dimension plug-in entropies (bits per dimension): the rate of coding each
    coordinate's index separately, an upper bound on the joint entropy."""
    from ..stats import plugin_entropy_bits

    if isinstance(q, AffineQuantizer):
        q, x = q.inner, q.to_inner(x)
    k = q.cells(x)
    return float(np.mean([plugin_entropy_bits(np.bincount(k[:, i])) for i in range(q.dim)]))


def _ec_lattice_at(name, dim, target_bits, train, test):
    """Entropy-coded lattice whose plug-in index entropy on ``train`` is ``target_bits`` per
    dimension (bisection on log scale); None when the entropy cannot be estimated reliably."""
    n = dim
    if 2.0 ** (n * target_bits) > train.shape[0] / 50:
        return None

    def h(logs):
        return EntropyCodedLattice(name, float(np.exp(logs)), dim=dim if name == "Z" else None
                                   ).index_entropy_bits(train) / n - target_bits

    lo, hi = np.log(1e-3), np.log(1e2)
    try:
        ls = optimize.brentq(h, lo, hi, xtol=1e-6)
    except ValueError:
        return None
    return EntropyCodedLattice(name, float(np.exp(ls)), dim=dim if name == "Z" else None)


def compare_quantizers(source, rates, *, quantizers=("fsq", "lfq", "vq", "rvq", "rfsq",
                                                      "lattice", "ec_lattice"),
                       n_train=20_000, n_test=100_000, n_init=4, max_codebook=4096,
                       test_fraction=None, split_block=None, sandwich_options=None, extra=None,
                       return_reference=False, rng=None):
    r"""Operational points of FSQ and its alternatives on one source, against R(D).

    For each rate :math:`R` (bits per dimension) and quantizer of block dimension ``n`` (the
    source's dimension) with :math:`|C| = 2^{nR}` (fixed rate) the MSE per scalar
    :math:`\hat D` is measured on ``n_test`` rows never used for training (with its standard
    error) and compared with the distortion-rate function at the same rate,

    .. math:: \text{gap} = 10\log_{10}\frac{\hat D}{D(R)}\ \text{dB},\qquad
              R - R(\hat D)\ \text{bits/dim},

    and, where it can be estimated (|C| <= n_test/50, or per coordinate for product
    quantizers), at the entropy of its index. Positive gaps: the point lies above the reference.

    **Sources.** A Gaussian source has the exact D(R); a Laplace source the Shannon lower
    bound (gaps against it are upper bounds on the true gaps); **data** (an array or an
    :class:`~fsq_theory.sources.EmpiricalSource`, e.g. real latents) are split by
    :func:`held_out_split` into training and held-out rows; every quantizer is fitted on (at
    most ``n_train`` of) the training rows only and measured on (at most ``n_test`` of) the
    held-out rows, and the reference is the empirical sandwich of the held-out rows
    (:func:`sandwich_reference`): each point gets its gap against the best **upper** bound
    (``*_vs_upper``: a lower bound on the true gap) and against the best **lower** estimate
    (``*_vs_lower`` = ``gap_db``, ``gap_bits``: an upper bound on the true gap, subject to the
    estimate's interval ``rd_lower_low`` .. ``rd_lower_high``). The standard error of
    :math:`\hat D` is then the batch-means SE over the held-out blocks (rows of one block may
    be dependent). Structured quantizers (FSQ, LFQ, residual FSQ, lattices) are fed the rows
    centred on the training mean (:class:`AffineQuantizer`), FSQ with the MSE-optimal gain per
    dimension and the training centroids.

    Quantizers (skipped at rates where they do not exist):

    - ``"fsq"``: FSQ (default mode, :math:`L = 2^R \ge 3` per dimension) at the MSE-optimal
      gain for the marginal, with centroid (ideal per-dimension) decoder;
    - ``"lfq"``: sign quantizer (R = 1);
    - ``"vq"``: k-means codebook trained on ``n_train`` samples (|C| <= max_codebook and
      <= n_train / 10);
    - ``"rvq"``: two-stage residual k-means, :math:`2^{nR/2}` codewords each (nR even);
    - ``"rfsq"``: residual FSQ, two stages of :math:`L = 2^{R/2}` levels (R even), gain fitted;
    - ``"lattice"``: the truncated lattice :data:`DEFAULT_LATTICE` of dimension n (|C|
      codewords nearest the origin, scale fitted);
    - ``"ec_lattice"``: entropy-coded (unbounded) lattice and uniform scalar quantizer
      (``"Z"``), scale set so the index entropy equals R (rows of kind "entropy");
    - ``"fsq_levels"`` (not in the default list): FSQ with the best level list of product
      :math:`\le 2^{nR}` on the training rows (default or symmetric mode), gains and centroids
      fitted; its rate is :math:`\log_2\prod L_i / n \le R`;
    - ``"fsq_pca"`` (not in the default list): the same after rotating the centred rows to the
      principal axes of the training rows (decorrelation before FSQ).

    Parameters
    ----------
    source : GaussianSource, LaplaceSource, EmpiricalSource or array_like (N, n)
        Zero-mean synthetic source, or data; its dimension is the block dimension.
    rates : sequence of float
        Bits per dimension, in (0, 24].
    quantizers : sequence of str, keyword-only
    n_train, n_test, n_init, max_codebook : int, keyword-only
        Training and test rows (for data: at most that many of each split, a random subset),
        k-means restarts, largest codebook of an explicit (VQ) codebook.
    test_fraction : float, keyword-only
        Data only: fraction of the blocks held out (default 0.5).
    split_block : int, keyword-only
        Data only: rows per block of the split (default 1: a random split of rows); consecutive
        rows that share information (overlapping patches, time series) need larger blocks.
    sandwich_options : dict, keyword-only
        Data only: keyword arguments of :func:`~fsq_theory.empirical.rd_sandwich` (default
        :data:`~fsq_theory.alternatives._empirical.SANDWICH_DEFAULTS`).
    extra : mapping of str to callable, keyword-only
        More quantizers, each ``name: fit(train) -> Quantizer`` fitted on the training rows
        and measured once at its own rate :math:`\log_2|C|/n`.
    return_reference : bool, keyword-only
        Also return the reference (:class:`RDReference` or :class:`SandwichReference`).
    rng : keyword-only
        SPEC 7 randomness; an int makes the table reproducible.

    Returns
    -------
    pandas.DataFrame
        One row per (quantizer, rate): ``quantizer``, ``kind`` ("fixed" or "entropy"),
        ``dim``, ``codebook_size``, ``target_rate`` (the R asked for), ``rate`` (bits/dim:
        log2|C|/n, or the entropy for kind "entropy"), ``mse``, ``mse_se``, ``dr`` (D(R), or
        its lower side, at ``rate``), ``gap_db``, ``gap_db_se``, ``rd_at_mse`` (bits/dim),
        ``gap_bits``, ``entropy_rate`` (bits/dim, nan when not estimable),
        ``entropy_gap_db``, ``reference`` ("rd", "slb" or "sandwich"), and the two labelled
        gaps: ``gap_db_vs_lower``, ``gap_bits_vs_lower`` (against the exact R(D), the SLB or
        the best lower estimate; its bound ``lower_bound`` and interval ``rd_lower_low``,
        ``rd_lower_high`` in bits/dim at :math:`\hat D`), ``dr_upper``, ``gap_db_vs_upper``,
        ``gap_bits_vs_upper`` (against the exact R(D) or the best upper bound
        ``upper_bound``, ``rd_upper`` bits/dim; nan without an upper bound). A point may lie
        below an upper bound (negative ``*_vs_upper``), never below R(D): the true gap lies in
        ``[max(0, gap_*_vs_upper), gap_*_vs_lower]``.
    reference : RDReference or SandwichReference
        Only with ``return_reference=True``: the reference the gaps are measured against.

    Examples
    --------
    >>> df = compare_quantizers(GaussianSource(dim=2), [1.0], quantizers=("lfq",),
    ...                         n_test=20_000, rng=0)
    >>> round(float(df.gap_db.iloc[0]), 1)  # sign quantizer: D = 1 - 2/pi vs D(1) = 1/4
    1.6
    >>> x = np.random.default_rng(0).standard_normal((4000, 2))  # data: split, sandwich
    >>> df = compare_quantizers(x, [1.0], quantizers=("lfq",), rng=0,
    ...                         sandwich_options=dict(bounds=("gaussian", "shannon")))
    >>> df[["reference", "lower_bound", "upper_bound"]].values.tolist()
    [['sandwich', 'shannon', 'gaussian']]
    >>> bool(df.gap_db_vs_upper.iloc[0] <= df.gap_db_vs_lower.iloc[0])
    True
    """
    import pandas as pd

    # 24 bits/dim = 2^24 levels per dimension, beyond any quantizer built here (and 2^(nR)
    # would overflow a float for absurd rates): refused before any work
    rates = [v.check_real("rates", r, minimum=0.0, strict_minimum=True, maximum=MAX_RATE)
             for r in np.atleast_1d(rates).tolist()]
    known = {"fsq", "lfq", "vq", "rvq", "rfsq", "lattice", "ec_lattice", "fsq_levels",
             "fsq_pca"}
    if isinstance(quantizers, str):
        raise TypeError(f"quantizers must be a sequence of names, got {quantizers!r}")
    quantizers = tuple(quantizers)
    bad = [q for q in quantizers if q not in known]
    if bad:
        raise ValueError(f"quantizers must be among {sorted(known)}, got {bad}")
    n_train = v.check_int("n_train", n_train, minimum=100)
    n_test = v.check_int("n_test", n_test, minimum=100)
    n_init = v.check_int("n_init", n_init, minimum=1)
    max_codebook = v.check_int("max_codebook", max_codebook, minimum=2)
    if not isinstance(return_reference, (bool, np.bool_)):
        raise TypeError(f"return_reference must be a bool, got {return_reference!r}")
    extra = {} if extra is None else dict(extra)
    for name, fit in extra.items():
        if not isinstance(name, str) or not callable(fit):
            raise TypeError(f"extra must map names to callables fit(train) -> Quantizer, got "
                            f"{name!r}: {fit!r}")
    gen = v.as_generator(rng)
    data = empirical_rows(source)
    if data is None:
        given = [k for k, val in (("test_fraction", test_fraction), ("split_block", split_block),
                                  ("sandwich_options", sandwich_options)) if val is not None]
        if given:
            raise ValueError(f"{given[0]} applies to data (an array or EmpiricalSource) only, "
                             f"not to a {type(source).__name__}")
        ref = rd_reference(source)
        n = source.dim
        train = source.sample(n_train, rng=gen)
        test = source.sample(n_test, rng=gen)
        dist, groups = source.marginal(0), None
    else:
        train, test, groups = split_data(data, n_train, n_test, test_fraction, split_block, gen)
        if sandwich_options is not None and not isinstance(sandwich_options, dict):
            raise TypeError(f"sandwich_options must be a dict of rd_sandwich arguments, got "
                            f"{sandwich_options!r}")
        ref = sandwich_reference(test, rng=gen, **(sandwich_options or {}))
        n, dist = data.shape[1], None
    n_test = test.shape[0]
    mean = train.mean(axis=0) if dist is None else np.zeros(n)
    centred = train - mean
    rows = []

    def add(name, kind, q, rate, target, *, entropy=float("nan")):
        if dist is None and not isinstance(q, (AffineQuantizer, CodebookQuantizer, ResidualVQ)):
            q = AffineQuantizer(q, mean=mean)
        mse, se = _mse(q, test, groups)
        rows.append(dict(quantizer=name, kind=kind, dim=n,
                         codebook_size=q.codebook_size if q.codebook_size is not None else -1,
                         target_rate=target, rate=rate, mse=mse, mse_se=se,
                         gap_db_se=10 / math.log(10) * se / mse, reference=ref.kind,
                         **reference_gaps(ref, rate, mse, entropy)))

    def entropy_of(q, product=False):
        if dist is None and not isinstance(q, (AffineQuantizer, CodebookQuantizer, ResidualVQ)):
            q = AffineQuantizer(q, mean=mean)
        return _product_entropy(q, test) if product else _joint_entropy(q, test, n_test)

    for R in rates:
        M = 2.0 ** (n * R)
        L = 2.0 ** R
        int_L = abs(L - round(L)) < 1e-9
        Mi = int(round(M))
        integral = abs(M - Mi) < 1e-6
        if "fsq" in quantizers and int_L and round(L) >= 3:
            q = (FSQQuantizer.for_distribution([int(round(L))] * n, dist) if dist is not None
                 else fsq_on_data(train, [int(round(L))] * n))
            add("fsq", "fixed", q, R, R, entropy=entropy_of(q, True))
        if "lfq" in quantizers and abs(R - 1.0) < 1e-12:
            q = lfq(n, dist) if dist is not None else fsq_on_data(train, [2] * n, symmetric=True)
            add("lfq", "fixed", q, R, R, entropy=entropy_of(q, True))
        for name in ("fsq_levels", "fsq_pca"):
            if name in quantizers and integral and Mi <= 1 << 22:
                rot = pca_basis(train) if name == "fsq_pca" else None
                q = best_fsq_on_data(train, Mi, rotation=rot)
                if q is not None:
                    add(name, "fixed", q, q.rate_bits / n, R, entropy=entropy_of(q, True))
        small = integral and Mi <= max_codebook
        if "vq" in quantizers and small and Mi <= n_train // 10 and Mi <= train.shape[0] // 10:
            q = kmeans_vq(train, Mi, n_init=n_init, rng=gen)
            add("vq", "fixed", q, R, R, entropy=entropy_of(q))
        half = n * R / 2
        if ("rvq" in quantizers and abs(half - round(half)) < 1e-9 and round(half) >= 1
                and 2 ** round(half) <= min(max_codebook, n_train // 10, train.shape[0] // 10)):
            q = residual_kmeans_vq(train, [2 ** int(round(half))] * 2, n_init=n_init, rng=gen)
            add("rvq", "fixed", q, R, R, entropy=entropy_of(q))
        L2 = 2.0 ** (R / 2)
        if "rfsq" in quantizers and abs(L2 - round(L2)) < 1e-9 and round(L2) >= 2:
            q = ResidualFSQQuantizer([int(round(L2))] * n, 2).fit_gain(centred)
            add("rfsq", "fixed", q, R, R, entropy=entropy_of(q))
        name = DEFAULT_LATTICE.get(n)
        if "lattice" in quantizers and name is not None and small:
            q = TruncatedLattice(name, Mi, dim=n if name == "Z" else None).fit_scale(centred)
            add(f"lattice_{name}", "fixed", q, R, R, entropy=entropy_of(q))
        if "ec_lattice" in quantizers:
            for nm in dict.fromkeys(["Z", name or "Z"]):
                q = _ec_lattice_at(nm, n, R, centred, test)
                if q is not None:
                    if dist is None:
                        q = AffineQuantizer(q, mean=mean)
                    h = q.index_entropy_bits(test) / n
                    add(f"ec_{nm}", "entropy", q, h, R, entropy=h)
    for name, fit in extra.items():
        q = fit(train.copy())
        if not isinstance(q, Quantizer) or q.dim != n or q.codebook_size is None:
            raise TypeError(f"extra[{name!r}] must return a fixed-rate Quantizer of dim {n}, got "
                            f"{q!r}")
        add(name, "fixed", q, q.rate_bits / n, q.rate_bits / n, entropy=entropy_of(q))
    out = pd.DataFrame(rows)
    return (out, ref) if return_reference else out


def renyi_entropy_bits(dist, alpha) -> float:
    r"""Rényi differential entropy :math:`h_\alpha(f) = \frac{1}{1-\alpha}\log_2\int f^\alpha`
    of a scalar density (closed form for the normal and Laplace, quadrature otherwise);
    :math:`\alpha = 1` gives the Shannon differential entropy.

    Parameters
    ----------
    dist : frozen scipy.stats distribution
        Scalar density :math:`f` (normal and Laplace in closed form, any other by quadrature
        over its support).
    alpha : float
        Order :math:`\alpha > 0`.

    Returns
    -------
    float
        :math:`h_\alpha(f)` in bits.

    Examples
    --------
    >>> round(renyi_entropy_bits(stats.norm(), 1/3) - renyi_entropy_bits(stats.norm(), 1), 4)
    0.4674
    >>> # N(0, 1), alpha = 2: h_2 = log2(2 sqrt(pi)) = 1.825748
    >>> round(renyi_entropy_bits(stats.norm(), 2), 6)
    1.825748
    """
    a = v.check_real("alpha", alpha, minimum=0.0, strict_minimum=True)
    if a == 1.0:
        return differential_entropy(dist)
    name, sd = dist.dist.name, float(dist.std())
    if name == "norm":
        log_int = 0.5 * (1 - a) * math.log(2 * math.pi * sd * sd) - 0.5 * math.log(a)
    elif name == "laplace":
        b = sd / math.sqrt(2)
        log_int = (1 - a) * math.log(2 * b) - math.log(a)
    else:
        lo, hi = dist.support()
        val = integrate.quad(lambda x: dist.pdf(x) ** a, lo, hi, limit=200)[0]
        log_int = math.log(val)
    return log_int / (1 - a) / math.log(2)


def compander_l2d(dist=None, *, eps=1e-3) -> tuple[float, float]:
    r"""High-resolution :math:`\lim L^2 D` of FSQ's tanh compander on ``dist``, at the best gain.

    Bennett's integral for the compander :math:`c(x) = \tanh(g x)` onto :math:`(-1, 1)` with
    :math:`L` cells of width :math:`2/((1+\epsilon)L)`:
    :math:`L^2 D \to E[\cosh^4(gX)] / (3 g^2 (1+\epsilon)^2)`, minimized over :math:`g`
    (finite only where :math:`E\cosh^4(gX)` is).

    Parameters
    ----------
    dist : frozen scipy.stats distribution, optional
        Scalar source density (default N(0, 1)).
    eps : float, keyword-only
        FSQ bound margin :math:`\epsilon \ge 0` (default 1e-3, FSQ's default).

    Returns
    -------
    l2d : float
        :math:`\lim_{L\to\infty} L^2 D` at the best gain, in units of ``dist``'s variance
        times :math:`L^2`.
    g : float
        The minimizing gain :math:`g` (inverse units of ``dist``).

    Examples
    --------
    >>> l2d, g = compander_l2d(stats.norm())
    >>> round(l2d, 4)  # = tanh_compander_limits().l2d
    2.8216
    >>> l2d0, g0 = compander_l2d(stats.norm(), eps=0.0)  # same gain, (1 + eps)^2 larger
    >>> round(g0, 4) == round(g, 4), round(l2d0 / l2d, 6)
    (True, 1.002001)
    """
    dist = _check_dist(dist)
    eps = v.check_real("eps", eps, minimum=0.0)
    sd = float(dist.std())

    def e_cosh4(g):
        f = lambda x: np.cosh(g * x) ** 4 * dist.pdf(x)  # noqa: E731
        lo, hi = dist.support()
        return integrate.quad(f, max(lo, -60 * sd), min(hi, 60 * sd), limit=400,
                              epsrel=1e-11)[0]

    obj = lambda lg: math.log(e_cosh4(math.exp(lg)) / (3 * math.exp(2 * lg) * (1 + eps) ** 2))  # noqa: E731
    # Laplace: E cosh^4(gX) is finite only for g < 1/(4b) = sqrt(2)/(4 sd)
    upper = 0.999 * math.sqrt(2) / (4 * sd) if dist.dist.name == "laplace" else 2.0 / sd
    res = optimize.minimize_scalar(obj, bounds=(math.log(0.01 / sd), math.log(upper)),
                                   method="bounded", options={"xatol": 1e-10})
    return float(math.exp(res.fun)), float(math.exp(res.x))


def loss_decomposition(dist=None, *, dim=8, rho=0.0, lattice=None, eps=1e-3):
    r"""High-resolution gap of fixed-rate quantizers to D(R), split into its causes (dB).

    Zador / Lookabaugh-Gray: an optimal ``n``-dimensional fixed-rate quantizer of i.i.d.
    coordinates with density :math:`f` has :math:`D \approx G_n 2^{2h_{n/(n+2)}(f)} 2^{-2R}`
    (:math:`h_\alpha` the Rényi entropy, :func:`renyi_entropy_bits`), while
    :math:`D(R) \approx 2^{2h(f)}2^{-2R}/(2\pi e)`. The gap of a quantizer is then the sum of

    - **space-filling** loss :math:`10\log_{10}(2\pi e\,G)`: the cube (:math:`G = 1/12`,
      1.53 dB), a lattice cell :math:`G_\Lambda`;
    - **shape** loss :math:`20\log_{10}2\,(h_{n/(n+2)} - h)`: the cells' point density
      adapted to :math:`f` in ``n`` dimensions (product/scalar: ``n = 1``);
    - **memory** loss: for Gaussian blocks with AR(1) correlation ``rho``, coding each
      coordinate alone costs :math:`10\log_{10}(\sigma^2/|K_n|^{1/n})` against the block and
      :math:`10\log_{10}(1/(1-\rho^2))` against the process;
    - for FSQ the **compander** loss: tanh's point density against the optimal
      :math:`f^{1/3}` (:func:`compander_l2d` over Panter-Dite).

    Parameters
    ----------
    dist : frozen scipy.stats distribution, optional
        Marginal (default N(0, 1)).
    dim : int, keyword-only
        Block dimension ``n`` of the vector quantizers compared.
    rho : float, keyword-only
        AR(1) correlation of the blocks (Gaussian only).
    lattice : str, keyword-only
        Lattice of dimension ``dim`` (default :data:`DEFAULT_LATTICE`).
    eps : float, keyword-only
        FSQ bound margin of the compander (see :func:`compander_l2d`).

    Returns
    -------
    pandas.DataFrame
        One row per (quantizer, component): ``quantizer``, ``component``, ``db``, ``bits``
        (``db / 6.02``). Components add up to the row ``total``.

    References
    ----------
    T. D. Lookabaugh, R. M. Gray, "High-resolution quantization theory and the vector
    quantizer advantage", IEEE Trans. Inform. Theory 35(5):1020-1033, 1989; P. L. Zador,
    IEEE Trans. Inform. Theory 28(2):139-149, 1982.

    Examples
    --------
    >>> df = loss_decomposition(dim=8)
    >>> df[(df.quantizer == "fsq") & (df.component == "space_filling")].db.round(2).tolist()
    [1.53]
    """
    import pandas as pd

    dist = stats.norm() if dist is None else dist
    n = v.check_int("dim", dim, minimum=1)
    rho = v.check_real("rho", rho)
    if rho != 0.0 and dist.dist.name != "norm":
        raise ValueError(f"rho must be 0 for a non-Gaussian marginal, got {rho!r}")
    name = lattice if lattice is not None else DEFAULT_LATTICE.get(n)
    if name is None or (name in NSM_TABLE and name != "Z" and _lattice_dim(name) != n):
        raise ValueError(f"lattice must be a lattice of dimension {n}, got {name!r}")
    h = differential_entropy(dist)
    sf = lambda G: 10 * math.log10(2 * math.pi * math.e * G)  # noqa: E731
    shape = lambda m: _DB_PER_BIT * (renyi_entropy_bits(dist, m / (m + 2)) - h)  # noqa: E731
    var = float(dist.var())
    if rho:
        i = np.arange(n)
        lam = np.linalg.eigvalsh(var * rho ** np.abs(i[:, None] - i[None, :]))
        mem_block = 10 * math.log10(var / math.exp(np.log(lam).mean()))
        mem_process = 10 * math.log10(1 / (1 - rho * rho))
    else:
        mem_block = mem_process = 0.0
    l2d, _ = compander_l2d(dist, eps=eps)
    pd_l2d = (2 ** (2 * renyi_entropy_bits(dist, 1 / 3))) / 12  # Panter-Dite: (1/12)(int f^1/3)^3
    comp = 10 * math.log10(l2d / pd_l2d)
    G_lat = NSM_TABLE[name]
    parts = {
        "fsq": dict(space_filling=sf(1 / 12), shape=shape(1), compander=comp,
                    memory=mem_process),
        "scalar_optimal": dict(space_filling=sf(1 / 12), shape=shape(1), compander=0.0,
                               memory=mem_process),
        f"lattice_{name}": dict(space_filling=sf(G_lat), shape=shape(1), compander=0.0,
                                memory=mem_process),
        f"vq_{n}d": dict(space_filling=sf(G_lat), shape=shape(n), compander=0.0,
                         memory=mem_process - mem_block),
        "vq_infinite": dict(space_filling=0.0, shape=0.0, compander=0.0, memory=0.0),
    }
    rows = []
    for q, comps in parts.items():
        for c, db in comps.items():
            rows.append(dict(quantizer=q, component=c, db=db, bits=db / _DB_PER_BIT))
        tot = sum(comps.values())
        rows.append(dict(quantizer=q, component="total", db=tot, bits=tot / _DB_PER_BIT))
    return pd.DataFrame(rows)


def _lattice_dim(name):
    from ._lattice import LatticeQuantizer

    return LatticeQuantizer(name).dim
