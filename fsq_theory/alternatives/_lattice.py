"""Lattice quantizers with Conway and Sloane's fast closest-point algorithms.

Every lattice here is a union of cosets of a diagonally scaled ``Z^n`` or ``D_n`` (the
checkerboard lattice), which is how Conway and Sloane decode them: ``Z^n`` by rounding, ``D_n``
by rounding plus one parity repair, ``A3* = Z^3 u (Z^3 + 1/2)`` (bcc), ``E8 = D8 u (D8 + 1/2)``,
and the hexagonal ``A2`` as the union of two cosets of ``Z x sqrt(3) Z``. The normalized
second moment is rotation- and scale-invariant, so these coordinates give the tabulated values.

References
----------
J. H. Conway, N. J. A. Sloane, "Fast quantizing and decoding algorithms for lattice quantizers
and codes", IEEE Trans. Inform. Theory 28(2):227-232, 1982; *Sphere Packings, Lattices and
Groups* (SPLAG), 3rd ed., Springer 1999, ch. 20 (algorithms) and Table 2.3 / ch. 21 (second
moments); "Voronoi regions of lattices, second moments of polytopes, and quantization", IEEE
Trans. Inform. Theory 28(2):211-226, 1982.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from .._kernels import lattice as _k
from ._base import Quantizer, as_rows
from ._vq import CodebookQuantizer

__all__ = ["LatticeQuantizer", "NSMEstimate", "NSM_TABLE", "normalized_second_moment",
           "TruncatedLattice", "EntropyCodedLattice", "LATTICES"]

_S3 = math.sqrt(3.0)

#: Exact normalized second moments G (SPLAG Table 2.3 and ch. 21; closed forms from Conway and
#: Sloane 1982 / Agrell and Eriksson 1998): Z 1/12, A2 5/(36 sqrt 3), A3 = D3 (fcc) 2^(1/3)/16,
#: A3* (bcc) 19/(192 2^(1/3)), D4 13/(120 sqrt 2), E8 929/12960.
NSM_TABLE = {
    "Z": 1.0 / 12.0,
    "A2": 5.0 / (36.0 * _S3),
    "D3": 2.0 ** (1.0 / 3.0) / 16.0,
    "A3": 2.0 ** (1.0 / 3.0) / 16.0,
    "A3*": 19.0 / (192.0 * 2.0 ** (1.0 / 3.0)),
    "D4": 13.0 / (120.0 * math.sqrt(2.0)),
    "E8": 929.0 / 12960.0,
}

# name -> (dim, diagonal scale, coset shifts (in scaled units), D-type parity, cell volume)
_SPECS = {
    "A2": (2, (1.0, _S3), ((0.0, 0.0), (0.5, 0.5)), False, _S3 / 2.0),
    "D3": (3, (1.0,) * 3, ((0.0,) * 3,), True, 2.0),
    "A3*": (3, (1.0,) * 3, ((0.0,) * 3, (0.5,) * 3), False, 0.5),
    "D4": (4, (1.0,) * 4, ((0.0,) * 4,), True, 2.0),
    "E8": (8, (1.0,) * 8, ((0.0,) * 8, (0.5,) * 8), True, 1.0),
}
LATTICES = ("Z", "A2", "D3", "A3", "A3*", "D4", "E8")
_MAX_DIM_Z = 64


class LatticeQuantizer:
    r"""Nearest-point quantizer of a scaled lattice :math:`s\Lambda`.

    :math:`Q(x) = \arg\min_{\lambda \in s\Lambda} \|x - \lambda\|`, computed by Conway and
    Sloane's fast algorithms (module docstring); ties are broken arbitrarily but always at a
    nearest point. The lattice is unbounded: for a finite codebook use
    :class:`TruncatedLattice`, for an entropy-coded quantizer :class:`EntropyCodedLattice`.

    Parameters
    ----------
    name : {"Z", "A2", "D3", "A3", "A3*", "D4", "E8"}
        ``"A3"`` is ``"D3"`` (face-centred cubic); ``"A3*"`` is body-centred cubic. ``"Z"``
        takes its dimension from ``dim``.
    scale : float
        :math:`s > 0`.
    dim : int, keyword-only
        Dimension of ``"Z"`` (default 1); must match the lattice for the others when given.

    Examples
    --------
    >>> q = LatticeQuantizer("E8")
    >>> q.dim, q.cell_volume
    (8, 1.0)
    >>> q.quantize([[0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]]).tolist()
    [[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]]
    """

    def __init__(self, name, scale=1.0, *, dim=None):
        if not isinstance(name, str) or name not in LATTICES:
            raise ValueError(f"name must be one of {list(LATTICES)}, got {name!r}")
        self._scale = v.check_real("scale", scale, minimum=0.0, strict_minimum=True)
        if name == "Z":
            n = 1 if dim is None else v.check_int("dim", dim, minimum=1)
            if n > _MAX_DIM_Z:
                raise ValueError(f"dim must be <= {_MAX_DIM_Z} for 'Z', got {n}")
            spec = (n, (1.0,) * n, ((0.0,) * n,), False, 1.0)
        else:
            spec = _SPECS["D3" if name == "A3" else name]
            if dim is not None and v.check_int("dim", dim, minimum=1) != spec[0]:
                raise ValueError(f"dim must be {spec[0]} for {name!r}, got {dim!r}")
        self._name = name
        n, diag, shifts, parity, vol = spec
        self.dim = n
        self._diag = np.asarray(diag, dtype=np.float64)
        self._shifts = np.asarray(shifts, dtype=np.float64)
        self._parity = parity
        self._base_volume = vol

    @property
    def name(self) -> str:
        return self._name

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def cell_volume(self) -> float:
        """Volume of the Voronoi cell, :math:`s^n \\det(\\Lambda)^{1/2}`."""
        return self._base_volume * self._scale ** self.dim

    @property
    def table_nsm(self) -> float:
        """Conway and Sloane's normalized second moment of this lattice (:data:`NSM_TABLE`)."""
        return NSM_TABLE[self._name]

    @property
    def period(self) -> np.ndarray:
        """Side lengths of a box whose translates by a sublattice tile space (for sampling)."""
        return self._scale * self._diag * (2.0 if self._parity else 1.0)

    def with_scale(self, scale) -> "LatticeQuantizer":
        return LatticeQuantizer(self._name, scale, dim=self.dim if self._name == "Z" else None)

    def __repr__(self) -> str:
        extra = f", dim={self.dim}" if self._name == "Z" else ""
        return f"LatticeQuantizer({self._name!r}, scale={self._scale!r}{extra})"

    def _rows(self, x, name="x"):
        return as_rows(x, self.dim, name)

    def _run(self, rows, want_int=False, want_dist=False):
        N = rows.shape[0]
        pts = np.empty_like(rows)
        ints = np.empty((N, self.dim) if want_int else (0, 0), np.int64)
        cos = np.empty(N if want_int else 0, np.int64)
        d2 = np.empty(N if want_dist else 0)
        _k.closest_points(rows, self._scale * self._diag, self._shifts, self._parity,
                          pts, ints, cos, d2)
        return pts, ints, cos, d2

    def quantize(self, x) -> np.ndarray:
        """Nearest lattice points of the rows of ``x`` (N, n), float64 (N, n)."""
        return self._run(self._rows(x))[0]

    def squared_error(self, x) -> np.ndarray:
        """:math:`\\|x - Q(x)\\|^2` per row, (N,)."""
        return self._run(self._rows(x), want_dist=True)[3]

    def coordinates(self, x):
        """Integer parts ``z`` (N, n) int64 and coset numbers (N,) of the nearest points.

        The point is ``scale * diag * (z + shifts[coset])`` in the internal coordinates.
        """
        _, ints, cos, _ = self._run(self._rows(x), want_int=True)
        return ints, cos

    def points_of(self, ints, cosets) -> np.ndarray:
        """Lattice points (N, n) of integer parts and coset numbers from :meth:`coordinates`."""
        z = v.as_index_array("ints", ints)
        c = v.as_index_array("cosets", cosets)
        return self._scale * self._diag * (z + self._shifts[c])

    def ball(self, radius, *, offset=None) -> np.ndarray:
        """All points of ``scale * (Lambda + offset)`` with norm <= ``radius``, (M, n)."""
        r = v.check_real("radius", radius, minimum=0.0)
        off = np.zeros(self.dim) if offset is None else v.per_dim("offset", offset, self.dim)
        s = self._scale * self._diag
        shifts = self._shifts + off / (self._scale * self._diag)
        # |s_i (z_i + shift_i)| <= r  =>  |z_i| <= r / s_i + |shift_i|
        kmax = int(math.ceil(r / float(s.min()) + float(np.abs(shifts).max()))) + 1
        # Refuse before the work: each point of the ball owns a Voronoi cell inside the ball of
        # radius r + |s|, since the lattice contains s * (2Z)^n, whose covering radius is |s|.
        n = self.dim
        points = (math.pi ** (n / 2) / math.gamma(n / 2 + 1) * (r + float(np.sqrt(s @ s))) ** n
                  / self.cell_volume)
        v.check_memory(f"the ball of radius {r} (at most {points:.3g} points)", points * n * 8,
                       None, hint="lower the radius or the codebook size")
        return _k.ball_points(self.dim, r, kmax, s, shifts, self._parity)


@dataclass(frozen=True)
class NSMEstimate:
    r"""Monte-Carlo normalized second moment of a lattice.

    Attributes
    ----------
    lattice : str
    dim : int
    value : float
        :math:`\hat G = \frac{1}{N}\sum_i \|u_i - Q(u_i)\|^2 / (n V^{2/n})`.
    se : float
        Its standard error (sample standard deviation / sqrt N).
    n_samples : int
    table : float
        Conway and Sloane's value (:data:`NSM_TABLE`).

    Examples
    --------
    >>> est = normalized_second_moment("Z", 20_000, dim=1, rng=0)  # the cube: G = 1/12
    >>> est.lattice, est.dim, est.n_samples, round(est.table, 6)
    ('Z', 1, 20000, 0.083333)
    >>> bool(abs(est.z) < 4)
    True
    """

    lattice: str
    dim: int
    value: float
    se: float
    n_samples: int
    table: float

    @property
    def z(self) -> float:
        """(value - table) / se."""
        return (self.value - self.table) / self.se


def normalized_second_moment(lattice, n, *, dim=None, rng=None, chunk=1 << 20) -> NSMEstimate:
    r"""Normalized second moment of a lattice, by Monte Carlo with a standard error.

    .. math:: G(\Lambda) = \frac{1}{n}\,\frac{\int_{V} \|x\|^2\,dx}{V^{1 + 2/n}}
              = \frac{E\|U - Q(U)\|^2}{n\,V^{2/n}}

    with :math:`U` uniform on a fundamental region of a sublattice (here a box tiling space by
    a sublattice), so that :math:`U - Q(U)` is uniform on the Voronoi cell.

    Parameters
    ----------
    lattice : str or LatticeQuantizer
    n : int
        Number of samples (>= 2).
    dim : int, keyword-only
        Dimension, for ``"Z"`` given by name.
    rng : keyword-only
        SPEC 7 randomness (None, int, SeedSequence, Generator).
    chunk : int, keyword-only
        Samples per batch (bounds memory).

    Returns
    -------
    NSMEstimate

    References
    ----------
    Conway and Sloane, SPLAG ch. 2 sec. 3 and ch. 21, Table 2.3.

    Examples
    --------
    >>> est = normalized_second_moment("A2", 200_000, rng=0)
    >>> abs(est.value - 0.0801875) < 4 * est.se
    True
    """
    q = lattice if isinstance(lattice, LatticeQuantizer) else LatticeQuantizer(lattice, dim=dim)
    n = v.check_int("n", n, minimum=2)
    chunk = v.check_int("chunk", chunk, minimum=1)
    gen = v.as_generator(rng)
    period = q.period
    norm = q.dim * q.cell_volume ** (2.0 / q.dim)
    s1 = s2 = 0.0
    done = 0
    while done < n:
        m = min(chunk, n - done)
        u = gen.random((m, q.dim)) * period
        e = q._run(u, want_dist=True)[3] / norm
        s1 += float(e.sum())
        s2 += float((e * e).sum())
        done += m
    mean = s1 / n
    var = max(s2 / n - mean * mean, 0.0) * n / (n - 1)
    return NSMEstimate(q.name, q.dim, mean, math.sqrt(var / n), n, q.table_nsm)


class TruncatedLattice(CodebookQuantizer):
    r"""A finite lattice codebook: the ``size`` points of :math:`s(\Lambda + o)` nearest 0.

    The points are ordered by norm (ties by coordinates, deterministically), so the codebook is
    the lattice inside a ball (a spherical shaping region) with the last shell cut to exactly
    ``size`` points; encoding is nearest-codeword within the codebook (points beyond the ball
    map to the nearest boundary point), by the package's nearest-codeword kernel.

    Parameters
    ----------
    name : str
        As in :class:`LatticeQuantizer`.
    size : int
        Codebook size ``M >= 1`` (at most 2**20).
    scale : float, keyword-only
    offset : array_like (n,), keyword-only
        Translation ``o`` in unscaled lattice units; default ``1/2`` per coordinate for ``"Z"``
        (a centred grid) and 0 otherwise.
    dim : int, keyword-only
        For ``"Z"``.

    Examples
    --------
    >>> t = TruncatedLattice("E8", 241)
    >>> t.codebook_size, sorted(set(np.round((t.codebook ** 2).sum(1), 6).tolist()))
    (241, [0.0, 2.0])
    """

    _MAX = 1 << 20

    def __init__(self, name, size, *, scale=1.0, offset=None, dim=None):
        lat = LatticeQuantizer(name, 1.0, dim=dim)
        m = v.check_int("size", size, minimum=1)
        if m > self._MAX:
            raise ValueError(f"size must be <= {self._MAX}, got {m}")
        if offset is None:
            offset = np.full(lat.dim, 0.5 if name == "Z" else 0.0)
        off = v.per_dim("offset", offset, lat.dim)
        s = v.check_real("scale", scale, minimum=0.0, strict_minimum=True)
        # radius of a ball holding ~m points, grown until it holds at least m
        unit_ball = math.pi ** (lat.dim / 2) / math.gamma(lat.dim / 2 + 1)
        r = (m * lat.cell_volume / unit_ball) ** (1.0 / lat.dim) + 0.5
        while True:
            pts = lat.ball(r, offset=off)
            if len(pts) >= m:
                break
            r *= 1.25
        key = np.round((pts ** 2).sum(1), 9)
        order = np.lexsort((*pts.T[::-1], key))
        super().__init__(s * pts[order[:m]])
        self._name, self._scale, self._offset = name, s, off
        self._lattice = lat

    @property
    def name(self) -> str:
        return self._name

    @property
    def scale(self) -> float:
        return self._scale

    def with_scale(self, scale) -> "TruncatedLattice":
        return TruncatedLattice(self._name, self.codebook_size, scale=scale, offset=self._offset,
                                dim=self.dim if self._name == "Z" else None)

    def fit_scale(self, x, *, bounds=(1e-3, 1e3)) -> "TruncatedLattice":
        """The same codebook with the scale minimizing the MSE on rows ``x`` (bounded Brent on
        log scale, starting from a log grid)."""
        from scipy import optimize

        rows = self._rows(x)
        base = self.codebook / self._scale

        def mse(logs):
            cq = CodebookQuantizer(np.exp(logs) * base)
            return float(cq.squared_error(rows).mean())

        grid = np.linspace(np.log(bounds[0]), np.log(bounds[1]), 49)
        vals = [mse(g) for g in grid]
        k = int(np.argmin(vals))
        lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
        res = optimize.minimize_scalar(mse, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-4})
        best = res.x if res.fun <= vals[k] else grid[k]
        return self.with_scale(float(np.exp(best)))

    def __repr__(self) -> str:
        return f"TruncatedLattice({self._name!r}, {self.codebook_size}, scale={self._scale!r})"


class EntropyCodedLattice(Quantizer):
    r"""The unbounded lattice quantizer, rated by the entropy of its output.

    ``encode`` packs the integer coordinates and coset of the nearest point into one int64
    (coordinates must lie within :math:`\pm 2^{b-1}` with :math:`b = \lfloor (63 - c)/n
    \rfloor` bits, ``c`` the coset bits; otherwise ValueError); ``codebook_size`` is None and
    the rate is :meth:`index_entropy_bits` on data (computed from the points themselves, so it
    never needs the packing).

    Parameters
    ----------
    name, scale, dim :
        As in :class:`LatticeQuantizer`.

    Examples
    --------
    >>> q = EntropyCodedLattice("Z", 0.5)
    >>> q.encode([[0.3], [-1.2]]).tolist(), q.decode(q.encode([[0.3], [-1.2]])).ravel().tolist()
    ([1, -2], [0.5, -1.0])
    """

    def __init__(self, name, scale=1.0, *, dim=None):
        self.lattice = LatticeQuantizer(name, scale, dim=dim)
        self.dim = self.lattice.dim
        ncos = len(self.lattice._shifts)
        self._cbits = int(math.ceil(math.log2(ncos))) if ncos > 1 else 0
        self._bits = (63 - self._cbits) // self.dim
        self._half = 1 << (self._bits - 1)

    @property
    def codebook_size(self):
        return None

    def __repr__(self) -> str:
        return f"EntropyCodedLattice({self.lattice.name!r}, {self.lattice.scale!r})"

    def encode(self, x) -> np.ndarray:
        ints, cos = self.lattice.coordinates(self._rows(x))
        if self.dim == 1 and self._cbits == 0:
            return ints[:, 0].copy()
        if ints.size and np.abs(ints).max() >= self._half:
            raise ValueError(f"x has points beyond the packable range of {self._bits}-bit "
                             f"coordinates (|z| < {self._half}); raise the scale")
        key = cos.copy()
        shift = self._cbits
        for i in range(self.dim):
            key |= (ints[:, i] + self._half) << shift
            shift += self._bits
        return key

    def decode(self, indices) -> np.ndarray:
        idx = self._indices(indices)
        if self.dim == 1 and self._cbits == 0:
            return self.lattice.points_of(idx[:, None], np.zeros(len(idx), np.int64))
        cos = idx & ((1 << self._cbits) - 1)
        ints = np.empty((len(idx), self.dim), np.int64)
        shift = self._cbits
        for i in range(self.dim):
            ints[:, i] = ((idx >> shift) & ((1 << self._bits) - 1)) - self._half
            shift += self._bits
        return self.lattice.points_of(ints, cos)

    def quantize(self, x) -> np.ndarray:
        return self.lattice.quantize(self._rows(x))

    def index_entropy_bits(self, x) -> float:
        from ..stats import plugin_entropy_bits

        ints, cos = self.lattice.coordinates(self._rows(x))
        rows = np.column_stack([ints, cos])
        if not len(rows):  # no key range to take: empty counts, refused as before
            return plugin_entropy_bits(np.zeros(0, np.int64))
        # one int64 key per row, mixed radix over the observed ranges with the first column most
        # significant: the same counts in the same order as np.unique(rows, axis=0), whose sort of
        # row records is ~10x slower than sorting int64
        lo = rows.min(axis=0)
        span = [int(h) - int(l) + 1 for l, h in zip(lo, rows.max(axis=0))]
        if math.prod(span) < 2 ** 62:
            key = np.zeros(len(rows), np.int64)
            for j, sp in enumerate(span):
                key = key * sp + (rows[:, j] - lo[j])
            counts = np.unique(key, return_counts=True)[1]
        else:
            counts = np.unique(rows, axis=0, return_counts=True)[1]
        return plugin_entropy_bits(counts)
