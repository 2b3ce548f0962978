r"""Straight-through estimator (STE) Jacobians of FSQ and the loss landscape it induces.

The reference FSQ (vector-quantize-pytorch 1.32) returns, per dimension with :math:`L` levels,

.. math::

    \hat z = \frac{\operatorname{round\_ste}(b(z))}{\lfloor L/2 \rfloor},\qquad
    b(z) = \tanh(z+s)\,h - o,\qquad
    \operatorname{round\_ste}(y) = y + \operatorname{sg}[\operatorname{round}(y) - y],

with :math:`h = (L-1)(1+\epsilon)/2`, :math:`o = \tfrac12[L\text{ even}]`,
:math:`s = \operatorname{atanh}(o/h)` and sg the stop-gradient. The rounding is applied *after*
the tanh bound, so the STE Jacobian of the code with respect to the pre-bound latent is the
derivative of the bound itself (diagonal):

.. math::

    \frac{\partial \hat z}{\partial z}\Big|_{\rm STE} = \frac{h\,\operatorname{sech}^2(z+s)}
    {\lfloor L/2\rfloor}\quad\text{(default)},\qquad
    \operatorname{sech}^2 z \quad\text{(symmetric: } \tfrac{2}{L-1}\cdot\tfrac{L-1}{2} = 1\text{)}.

With ``bound_hard_clamp=True`` the reference replaces tanh by ``clamp(., -1, 1)`` and atanh by the
identity, giving :math:`(h/\lfloor L/2\rfloor)\,\mathbb 1\{|z + o/h| \le 1\}` (default) and
:math:`\mathbb 1\{|z|\le 1\}` (symmetric). The seed document's
:math:`\partial\hat z/\partial z = \mathbb 1\{|z|\le 1\}` is therefore the Jacobian of the
*symmetric hard-clamp* variant only; for the tanh bound FSQ actually uses it is wrong twice: it
ignores the :math:`\operatorname{sech}^2` attenuation inside :math:`|z|\le 1` and it is zero for
:math:`|z| > 1`, where the tanh Jacobian is still positive and where the outer cells of FSQ lie.

The true derivative of the piecewise-constant code is zero almost everywhere (a Dirac comb at the
decision thresholds). The STE Jacobian is the exact derivative of the *dithered* code mean:
with :math:`U \sim \mathcal U(-\tfrac12, \tfrac12)` in level units,
:math:`E_U[\operatorname{round}(y + U)] = y` for every real :math:`y`, so
:math:`\tfrac{d}{dz}E_U[\operatorname{round}(b(z)+U)]/\lfloor L/2\rfloor` equals the STE Jacobian
(:func:`dithered_code_mean`).

References
----------
Y. Bengio, N. Leonard, A. Courville, "Estimating or Propagating Gradients Through Stochastic
Neurons for Conditional Computation", arXiv:1308.3432 (2013).
F. Mentzer et al., "Finite Scalar Quantization: VQ-VAE Made Simple", arXiv:2309.15505, App. A.1.
L. Roberts, "Picture coding using pseudo-random noise", IRE Trans. Inf. Theory 8 (1962)
(non-subtractive dither: the mean of the dithered quantizer is the identity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ, RealBound

__all__ = [
    "JACOBIANS",
    "ste_jacobian",
    "hard_clamp_bound",
    "seed_indicator",
    "dithered_code_mean",
    "gaussian_log_likelihood",
    "STEDescent",
    "ste_descent",
    "ToyTraining",
    "train_toy_autoencoder",
    "axis_aligned_reference_loss",
]

#: Names of the Jacobians the descent routines accept.
JACOBIANS = ("tanh", "indicator", "true")


# ---------------------------------------------------------------------------------------------
# The bound and its derivatives, in code units, per dimension (real arithmetic).
# ---------------------------------------------------------------------------------------------
class _CodeTable:
    """``fsq.quantize`` for float64 input from the public threshold tables, without the per-call
    overhead (~1 ms) that dominates iterations on a single latent; identical results."""

    def __init__(self, fsq: FSQ):
        self.thr = fsq.thresholds(np.float64)
        self.codes = fsq.code_values(np.float64)

    def __call__(self, z: np.ndarray) -> np.ndarray:
        out = np.empty_like(z)
        for i, (t, c) in enumerate(zip(self.thr, self.codes)):
            # a value equal to a threshold belongs to the upper cell
            out[..., i] = c[np.searchsorted(t, z[..., i], side="right")]
        return out


def _latents(fsq: FSQ, z, name: str = "z") -> np.ndarray:
    if not isinstance(fsq, FSQ):
        raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
    arr = v.as_real_array(name, z).astype(np.float64)
    v.check_last_dim(name, arr, fsq.dim)
    return arr


def ste_jacobian(fsq: FSQ, z, *, hard_clamp: bool = False) -> np.ndarray:
    r"""Diagonal STE Jacobian :math:`\partial \hat z_i / \partial z_i` of the FSQ code.

    Default mode :math:`h\,\operatorname{sech}^2(z+s)/\lfloor L/2\rfloor`, symmetric mode
    :math:`\operatorname{sech}^2 z`; with ``hard_clamp=True`` (the reference's
    ``bound_hard_clamp``) :math:`(h/\lfloor L/2\rfloor)\mathbb 1\{|z+o/h|\le 1\}` and
    :math:`\mathbb 1\{|z|\le 1\}` (torch's clamp passes the gradient on the closed interval).

    Parameters
    ----------
    fsq : FSQ
        Quantizer (its levels, :math:`\epsilon` and mode fix :math:`h, o, s`).
    z : array_like, shape (..., d)
        Pre-bound latents (finite).
    hard_clamp : bool, keyword-only
        Jacobian of the ``bound_hard_clamp`` variant instead of the tanh bound (default False).

    Returns
    -------
    ndarray, shape (..., d), float64
        Code units per unit of ``z`` (dimensionless).

    Examples
    --------
    Symmetric mode: :math:`\operatorname{sech}^2 z` (:math:`\operatorname{sech}^2 1 =
    0.419974`), still positive at ``z = 3`` where the seed's indicator is 0; the default mode
    scales it by :math:`h/\lfloor L/2\rfloor = 1 + \epsilon` for odd :math:`L`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_jacobian
    >>> z = [[0.0], [1.0], [3.0]]
    >>> np.round(ste_jacobian(FSQ([5], symmetric=True), z), 6).ravel().tolist()
    [1.0, 0.419974, 0.009866]
    >>> np.round(ste_jacobian(FSQ([5]), z), 6).ravel().tolist()
    [1.001, 0.420394, 0.009876]
    >>> ste_jacobian(FSQ([5], symmetric=True), z, hard_clamp=True).ravel().tolist()
    [1.0, 1.0, 0.0]
    """
    arr = _latents(fsq, z)
    if not isinstance(hard_clamp, (bool, np.bool_)):
        raise TypeError(f"hard_clamp must be a bool, got {hard_clamp!r}")
    bm = RealBound.of(fsq)
    if not hard_clamp:
        return bm.derivatives(arr)[1]
    if bm.symmetric:
        return (np.abs(arr) <= 1).astype(np.float64)
    return (bm.h / bm.hw) * (np.abs(arr + bm.o / bm.h) <= 1)


def hard_clamp_bound(fsq: FSQ, z) -> np.ndarray:
    r"""The reference's ``bound_hard_clamp=True`` bound, in code units.

    .. math::

        b_{\rm hard}(z) = \frac{\operatorname{clip}(z + o/h, -1, 1)\,h - o}{\lfloor L/2\rfloor}
        \quad\text{(default)},\qquad
        b_{\rm hard}(z) = \operatorname{clip}(z, -1, 1)\quad\text{(symmetric)}.

    Parameters
    ----------
    fsq : FSQ
        Quantizer (its levels, :math:`\epsilon` and mode fix :math:`h` and :math:`o`).
    z : array_like, shape (..., d)
        Pre-bound latents (finite).

    Returns
    -------
    ndarray, shape (..., d), float64
        Bounded values in code units.

    Examples
    --------
    In default mode the clamp reaches :math:`\pm h/\lfloor L/2\rfloor = \pm(1 + \epsilon)`
    for odd :math:`L`:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import hard_clamp_bound
    >>> z = [[-2.0], [0.3], [1.5]]
    >>> np.round(hard_clamp_bound(FSQ([5], symmetric=True), z), 6).ravel().tolist()
    [-1.0, 0.3, 1.0]
    >>> np.round(hard_clamp_bound(FSQ([5]), z), 6).ravel().tolist()
    [-1.001, 0.3003, 1.001]
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    if bm.symmetric:
        return np.clip(arr, -1.0, 1.0)
    return (np.clip(arr + bm.o / bm.h, -1.0, 1.0) * bm.h - bm.o) / bm.hw


def seed_indicator(z) -> np.ndarray:
    r"""The seed document's STE Jacobian :math:`\mathbb 1\{|z| \le 1\}`.

    .. math::

        J_{\rm seed}(z) = \mathbb 1\{|z| \le 1\},

    the exact STE Jacobian of the symmetric hard-clamp variant only (see the module notes).

    Parameters
    ----------
    z : array_like
        Latents (finite), any shape.

    Returns
    -------
    ndarray, shape of ``z``, float64
        1.0 where :math:`|z| \le 1`, else 0.0.

    Examples
    --------
    >>> from fsq_theory.dynamics import seed_indicator
    >>> seed_indicator([-2.0, -1.0, 0.5, 1.0, 1.5]).tolist()
    [0.0, 1.0, 1.0, 1.0, 0.0]
    """
    arr = v.as_real_array("z", z)
    return (np.abs(arr) <= 1).astype(np.float64)


def dithered_code_mean(fsq: FSQ, z) -> np.ndarray:
    r"""Exact :math:`E_U[\operatorname{code}(b(z) + U)]` with one level step of uniform dither.

    :math:`U \sim \mathcal U(-\tfrac12,\tfrac12)` in level units is added to the bounded value
    before rounding (non-subtractive dither; some versions of the reference's ``noise_dropout``
    do this with probability ``noise_dropout``, others add the noise after rounding). With :math:`y` the bounded value in level units,
    :math:`m = \lfloor y \rfloor` and :math:`g = y - m`, the rounded value is
    :math:`m` with probability :math:`1-g` and :math:`m+1` with probability :math:`g`; the mean is
    evaluated from these two probabilities (not from the identity it satisfies,
    :math:`E = y`). The dithered value may round one level beyond the grid at the outer cells; it
    is not clipped, as in the reference.

    .. math::

        E_U[\operatorname{round}(y + U)] = m(1 - g) + (m + 1)g = y.

    Parameters
    ----------
    fsq : FSQ
        Quantizer defining the bound and the code grid.
    z : array_like, shape (..., d)
        Pre-bound latents (finite).

    Returns
    -------
    ndarray, shape (..., d), float64
        The dithered code mean in code units.

    Examples
    --------
    The mean equals the bounded value itself, whose derivative is the STE Jacobian:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import dithered_code_mean
    >>> fsq = FSQ([5])
    >>> z = np.linspace(-3.0, 3.0, 7)[:, None]
    >>> bool(np.allclose(dithered_code_mean(fsq, z), fsq.real_bound(z), rtol=0, atol=1e-12))
    True
    >>> np.round(dithered_code_mean(fsq, [[0.3]]), 6).tolist()
    [[0.291604]]
    """
    arr = _latents(fsq, z)
    bm = RealBound.of(fsq)
    b = bm.derivatives(arr)[0]
    y = (b + 1) / bm.step  # level position, codes at integers 0..L-1
    # y + U covers [m + g - 1/2, m + g + 1/2) with m = floor(y), g = y - m: the part below
    # m + 1/2 (length 1 - g) rounds to m, the rest (length g) to m + 1.
    m = np.floor(y)
    g = y - m
    mean_level = m * (1 - g) + (m + 1) * g
    return -1 + mean_level * bm.step


def gaussian_log_likelihood(x, x_hat, *, sigma: float) -> np.ndarray:
    r"""Gaussian decoder log-likelihood :math:`\log p(x|z)` in nats per vector.

    .. math::

        \log \mathcal N(x; \hat x, \sigma^2 I) = -\frac{\|x-\hat x\|^2}{2\sigma^2}
        - \frac n2 \log(2\pi\sigma^2),\qquad n = \texttt{x.shape[-1]}.

    Parameters
    ----------
    x : array_like, shape (..., n)
        Data vectors.
    x_hat : array_like, shape (..., n)
        Decoder means, same shape as ``x``.
    sigma : float, keyword-only
        Decoder standard deviation, > 0 (data units).

    Returns
    -------
    ndarray, shape (...)
        Log-likelihood in nats per vector.

    Examples
    --------
    A perfect reconstruction at :math:`\sigma = 1` gives :math:`-\tfrac12\log 2\pi =
    -0.918939`; a unit error costs another 1/2 nat:

    >>> import numpy as np
    >>> from fsq_theory.dynamics import gaussian_log_likelihood
    >>> ll = gaussian_log_likelihood([[0.0], [1.0]], [[0.0], [0.0]], sigma=1.0)
    >>> np.round(ll, 6).tolist()
    [-0.918939, -1.418939]
    """
    xa = v.as_real_array("x", x).astype(np.float64)
    xh = v.as_real_array("x_hat", x_hat).astype(np.float64)
    if xa.shape != xh.shape or xa.ndim == 0:
        raise ValueError(f"x and x_hat must have the same shape (..., n), got {xa.shape} and {xh.shape}")
    sigma = v.check_real("sigma", sigma, minimum=0.0, strict_minimum=True)
    n = xa.shape[-1]
    return -((xa - xh) ** 2).sum(-1) / (2 * sigma**2) - 0.5 * n * np.log(2 * np.pi * sigma**2)


# ---------------------------------------------------------------------------------------------
# STE gradient descent
# ---------------------------------------------------------------------------------------------
def _jacobian_fn(fsq: FSQ, jacobian: str):
    if jacobian not in JACOBIANS:
        raise ValueError(f"jacobian must be one of {JACOBIANS}, got {jacobian!r}")
    if jacobian == "tanh":
        return lambda z: ste_jacobian(fsq, z)
    if jacobian == "indicator":
        return seed_indicator
    return np.zeros_like  # the true derivative of the code, almost everywhere


def _descent_args(step, n_steps):
    step = v.check_real("step", step, minimum=0.0, strict_minimum=True)
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    return step, n_steps


@dataclass(frozen=True)
class STEDescent:
    """Trajectory of STE gradient descent on :math:`\\|\\hat z(z) - t\\|^2` (see :func:`ste_descent`).

    Returned by :func:`ste_descent`; ``switches()`` counts the iterations at which a code changed
    and ``to_frame()`` gives one row per iteration and dimension.

    Attributes
    ----------
    z : ndarray, shape (n_steps + 1, d)
        Latents, row 0 the start.
    codes : ndarray, shape (n_steps + 1, d)
        FSQ codes of the latents.
    loss : ndarray, shape (n_steps + 1,)
        :math:`\\|\\hat z - t\\|^2` (code units squared, per vector).
    target : ndarray, shape (d,)
        The target :math:`t` in code units.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_descent
    >>> run = ste_descent(FSQ([5]), [0.0], [0.5], step=0.1, n_steps=50)
    >>> run.z.shape, run.codes[-1].tolist(), float(run.loss[-1]), run.switches()
    ((51, 1), [0.5], 0.0, 1)
    """

    z: np.ndarray
    codes: np.ndarray
    loss: np.ndarray
    target: np.ndarray

    def switches(self, start: int = 0) -> int:
        """Number of iterations (from ``start``, an int) at which some code changed (an int)."""
        c = self.codes[start:]
        return int(np.any(c[1:] != c[:-1], axis=-1).sum())

    def to_frame(self):
        """Long table with columns iteration, dim, z, code, target, loss (a pandas DataFrame)."""
        import pandas as pd

        n, d = self.z.shape
        return pd.DataFrame({
            "iteration": np.repeat(np.arange(n), d), "dim": np.tile(np.arange(d), n),
            "z": self.z.ravel(), "code": self.codes.ravel(),
            "target": np.tile(self.target, n), "loss": np.repeat(self.loss, d),
        })


def ste_descent(fsq: FSQ, z0, target, *, step: float, n_steps: int,
                jacobian: str = "tanh") -> STEDescent:
    r"""Gradient descent on :math:`f(z) = \|\hat z(z) - t\|^2` with an STE Jacobian.

    :math:`z_{n+1} = z_n - \eta\,2(\hat z(z_n) - t)\odot J(z_n)`, where ``jacobian`` is ``"tanh"``
    (:func:`ste_jacobian`, the correct STE of FSQ), ``"indicator"`` (the seed's
    :math:`\mathbb 1\{|z|\le1\}`) or ``"true"`` (the a.e. derivative, 0: nothing moves). When
    :math:`t` lies strictly between two codes the iteration cannot converge; it dithers across
    the threshold and, since a bounded orbit has zero net displacement, the time-averaged code
    tends to :math:`t` (the Filippov sliding mode of the continuous flow).

    Parameters
    ----------
    fsq : FSQ
        Quantizer of the forward pass.
    z0 : array_like, shape (d,)
        Starting latent (pre-bound, finite).
    target : array_like, shape (d,)
        Target in code units.
    step : float, keyword-only
        Step size :math:`\eta > 0`.
    n_steps : int, keyword-only
        Number of iterations, >= 1.
    jacobian : {"tanh", "indicator", "true"}, keyword-only
        Backward Jacobian :math:`J` (default ``"tanh"``); see :data:`JACOBIANS`.

    Returns
    -------
    STEDescent
        Latents, codes and losses of every iterate.

    Examples
    --------
    A target on a code is reached; a target between the codes 0 and 0.5 makes the code switch
    at almost every step, with time-averaged code near 0.25; the true (zero) Jacobian never moves:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_descent
    >>> fsq = FSQ([5])
    >>> ste_descent(fsq, [0.0], [0.5], step=0.1, n_steps=50).codes[-1].tolist()
    [0.5]
    >>> run = ste_descent(fsq, [0.0], [0.25], step=0.1, n_steps=200)
    >>> run.switches(), round(float(run.codes[100:].mean()), 6)
    (192, 0.252475)
    >>> ste_descent(fsq, [0.0], [0.5], step=0.1, n_steps=50, jacobian="true").codes[-1].tolist()
    [0.0]
    """
    z = _latents(fsq, z0, "z0")
    t = _latents(fsq, target, "target")
    if z.ndim != 1 or t.ndim != 1:
        raise ValueError(f"z0 and target must have shape ({fsq.dim},), got {z.shape} and {t.shape}")
    step, n_steps = _descent_args(step, n_steps)
    jac = _jacobian_fn(fsq, jacobian)
    quantize = _CodeTable(fsq)
    zs = np.empty((n_steps + 1, fsq.dim))
    zs[0] = z
    for n in range(n_steps):
        c = quantize(zs[n])
        zs[n + 1] = zs[n] - step * 2 * (c - t) * jac(zs[n])
    codes = fsq.quantize(zs)
    loss = ((codes - t) ** 2).sum(-1)
    return STEDescent(zs, codes, loss, t)


@dataclass(frozen=True)
class ToyTraining:
    r"""Loss curve of the linear FSQ autoencoder (see :func:`train_toy_autoencoder`).

    Returned by :func:`train_toy_autoencoder`; ``to_frame()`` gives one row per iteration.

    Attributes
    ----------
    loss : ndarray, shape (n_steps + 1,)
        Training loss :math:`\frac1N\sum\|x - B\,Q(Ax)\|^2` (per vector, data units squared).
    active_fraction : ndarray, shape (n_steps + 1,)
        Fraction of latent coordinates whose Jacobian is non-zero (> 1e-12).
    encoder : ndarray, shape (d, n)
        Final encoder :math:`A` (code units per data unit).
    decoder : ndarray, shape (n, d)
        Final decoder :math:`B` (data units per code unit).
    jacobian : str
        The backward Jacobian used, one of :data:`JACOBIANS`.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import train_toy_autoencoder
    >>> run = train_toy_autoencoder(FSQ([5, 5]), [4.0, 1.0, 0.25], n_samples=100, n_steps=10,
    ...                             rng=0)
    >>> run.loss.shape, run.encoder.shape, run.decoder.shape, run.jacobian
    ((11,), (2, 3), (3, 2), 'tanh')
    """

    loss: np.ndarray
    active_fraction: np.ndarray
    encoder: np.ndarray
    decoder: np.ndarray
    jacobian: str

    def to_frame(self):
        """Table with columns iteration, loss, active_fraction, jacobian (a pandas DataFrame)."""
        import pandas as pd

        n = self.loss.shape[0]
        return pd.DataFrame({"iteration": np.arange(n), "loss": self.loss,
                             "active_fraction": self.active_fraction, "jacobian": self.jacobian})


def train_toy_autoencoder(fsq: FSQ, variances, *, n_samples: int = 2000, step: float = 0.05,
                          n_steps: int = 500, jacobian: str = "tanh", init_scale: float = 1.0,
                          rng=None, seed=v._UNSET) -> ToyTraining:
    r"""Full-batch STE gradient descent on a linear autoencoder with an FSQ bottleneck.

    Data :math:`x \sim \mathcal N(0, \operatorname{diag}(\sigma^2))` (``n_samples`` draws,
    fixed), latents :math:`z = A x` (:math:`A \in \mathbb R^{d\times n}`), codes
    :math:`\hat z = Q(z)`, reconstruction :math:`B\hat z`. The loss
    :math:`\frac1N\sum\|x - B\hat z\|^2` is differentiated exactly in :math:`B` and through
    the chosen Jacobian in :math:`A`: :math:`\nabla_A = \frac1N\sum
    (-2B^\top r \odot J(z))x^\top`, :math:`r = x - B\hat z`. With ``jacobian="true"`` the encoder
    never moves (its exact gradient is zero almost everywhere).

    Parameters
    ----------
    fsq : FSQ
        Bottleneck, ``d = fsq.dim``.
    variances : array_like, shape (n,)
        Data variances, > 0.
    n_samples : int, keyword-only
        Number of training vectors :math:`N`, >= 1 (drawn once).
    step : float, keyword-only
        Learning rate :math:`\eta > 0` (same for :math:`A` and :math:`B`).
    n_steps : int, keyword-only
        Number of full-batch gradient steps, >= 1.
    jacobian : {"tanh", "indicator", "true"}, keyword-only
        Backward Jacobian :math:`J` (default ``"tanh"``); see :data:`JACOBIANS`.
    init_scale : float, keyword-only
        :math:`A_0, B_0` have i.i.d. :math:`\mathcal N(0, \text{init\_scale}^2/n)` and
        :math:`\mathcal N(0, 1/d)` entries.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness; the data and the initialisation depend on it only.
    seed : None, int, SeedSequence or Generator, keyword-only
        Deprecated name of ``rng`` (warns with a ``DeprecationWarning``).

    Returns
    -------
    ToyTraining
        Loss and active fraction per iteration, final encoder and decoder.

    Examples
    --------
    With the STE of the tanh bound every latent coordinate passes gradient and the loss falls:

    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import train_toy_autoencoder
    >>> run = train_toy_autoencoder(FSQ([5, 5]), [4.0, 1.0, 0.25], n_samples=100, n_steps=10,
    ...                             rng=0)
    >>> np.round(run.loss[[0, -1]], 4).tolist(), float(run.active_fraction[-1])
    ([4.9859, 2.2315], 1.0)
    """
    rng = v.resolve_rng(rng, seed, owner="train_toy_autoencoder")
    var = v.as_real_array("variances", variances).astype(np.float64)
    if var.ndim != 1 or var.size < 1 or (var <= 0).any():
        raise ValueError(f"variances must be a non-empty 1-D array of positive values, got {var!r}")
    n_samples = v.check_int("n_samples", n_samples, minimum=1)
    step, n_steps = _descent_args(step, n_steps)
    init_scale = v.check_real("init_scale", init_scale, minimum=0.0, strict_minimum=True)
    jac = _jacobian_fn(fsq, jacobian)
    rng = v.as_generator(rng)
    n, d = var.size, fsq.dim
    x = rng.standard_normal((n_samples, n)) * np.sqrt(var)
    A = rng.standard_normal((d, n)) * init_scale / np.sqrt(n)
    B = rng.standard_normal((n, d)) / np.sqrt(d)
    losses = np.empty(n_steps + 1)
    active = np.empty(n_steps + 1)
    for it in range(n_steps + 1):
        z = x @ A.T
        c = fsq.quantize(z)
        r = x - c @ B.T
        losses[it] = (r * r).sum(-1).mean()
        J = jac(z)
        active[it] = float((np.abs(J) > 1e-12).mean())
        if it == n_steps:
            break
        grad_B = -2 * r.T @ c / n_samples
        grad_z = (-2 * r @ B) * J
        grad_A = grad_z.T @ x / n_samples
        A = A - step * grad_A
        B = B - step * grad_B
    return ToyTraining(losses, active, A, B, jacobian)


def axis_aligned_reference_loss(fsq: FSQ, variances, *, gains=None) -> float:
    r"""Exact population loss of the best axis-aligned linear FSQ autoencoder.

    The ``d`` largest-variance coordinates are encoded one per FSQ dimension with a scalar gain
    :math:`a_i` and decoded linearly with :math:`b_i = E[xQ]/E[Q^2]`; the others are dropped:
    :math:`\sum_{i\le d}\min_{a}(\sigma_i^2 - E[x\,\hat z]^2/E[\hat z^2]) + \sum_{i>d}\sigma_i^2`,
    with the Gaussian cell moments of :func:`fsq_theory.cells.cell_moments` (exact) and the
    gain minimised over a log-spaced grid refined by bounded scalar minimisation. A benchmark for
    :func:`train_toy_autoencoder`.

    Parameters
    ----------
    fsq : FSQ
        Bottleneck; dimension :math:`i` (sorted by decreasing variance) encodes coordinate
        :math:`i`.
    variances : array_like, shape (n,)
        Data variances :math:`\sigma_i^2 > 0`, at least ``fsq.dim`` of them.
    gains : None, keyword-only
        Ignored: the gains are always optimised (accepted for compatibility only).

    Returns
    -------
    float
        Population loss :math:`E\|x - B\hat z\|^2` in data units squared, per vector.

    Examples
    --------
    A coordinate that gets no FSQ dimension adds its whole variance:

    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import axis_aligned_reference_loss
    >>> round(axis_aligned_reference_loss(FSQ([5]), [1.0]), 6)
    0.086439
    >>> round(axis_aligned_reference_loss(FSQ([5]), [1.0, 0.5]), 6)
    0.586439
    """
    from scipy import optimize, stats

    from ..cells import cell_moments

    var = np.sort(v.as_real_array("variances", variances).astype(np.float64))[::-1]
    if var.ndim != 1 or (var <= 0).any() or var.size < fsq.dim:
        raise ValueError(f"variances must hold >= {fsq.dim} positive values, got {var!r}")
    total = float(var[fsq.dim:].sum())
    codes = fsq.code_values(np.float64)
    for i in range(fsq.dim):
        sd = float(np.sqrt(var[i]))

        def loss(log_a, i=i, sd=sd):
            sq = fsq.scalar_quantizers(scale=float(np.exp(log_a)))[i]
            m = cell_moments(sq, stats.norm(0, sd))
            exq, eq2 = float(codes[i] @ m.first), float(codes[i] ** 2 @ m.prob)
            return var[i] - exq**2 / eq2

        grid = np.linspace(np.log(0.05 / sd), np.log(20 / sd), 60)
        vals = [loss(g) for g in grid]
        j = int(np.argmin(vals))
        lo, hi = grid[max(j - 1, 0)], grid[min(j + 1, grid.size - 1)]
        res = optimize.minimize_scalar(loss, bounds=(lo, hi), method="bounded",
                                       options={"xatol": 1e-8})
        total += float(min(res.fun, vals[j]))
    return total
