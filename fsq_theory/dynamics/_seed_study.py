r"""Multi-seed straight-through (STE) training of the toy FSQ autoencoder, with intervals.

Runs :func:`~fsq_theory.dynamics.train_toy_autoencoder` over independent seeds
(``SeedSequence.spawn``) and summarises the loss curves by Student-t confidence intervals, the
held-out losses of the trained models, and the gap to the best axis-aligned design (exact),
between which and the Shannon bound the best achievable loss lies. The training is bilinear in
encoder and decoder, outside the convex theorem of ``_convergence``: these runs measure it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ
from ._ste import JACOBIANS, axis_aligned_reference_loss, train_toy_autoencoder

__all__ = ["SeedStudy", "ste_seed_study"]


def _t_interval(x: np.ndarray, confidence: float):
    """Mean and Student-t interval over axis 0: mean +- t_{(1+c)/2, n-1} SE."""
    from scipy import stats

    n = x.shape[0]
    mean = x.mean(0)
    se = x.std(0, ddof=1) / np.sqrt(n)
    q = stats.t.ppf((1 + confidence) / 2, n - 1)
    return mean, mean - q * se, mean + q * se


@dataclass(frozen=True)
class SeedStudy:
    r"""STE training of the linear FSQ autoencoder over independent seeds (see :func:`ste_seed_study`).

    Attributes
    ----------
    losses : ndarray, shape (n_seeds, n_steps + 1)
        Training loss per seed and iteration (per vector, data units squared).
    mean, lower, upper : ndarray, shape (n_steps + 1,)
        Mean over seeds and its Student-t confidence interval, mean :math:`\pm
        t_{(1+c)/2,\,n-1}\,\mathrm{SE}`.
    test_loss : ndarray, shape (n_seeds,)
        Loss of each final autoencoder on a fresh sample of ``n_test`` vectors (population-loss
        estimate).
    test_se : ndarray, shape (n_seeds,)
        Standard error of each ``test_loss`` (over its ``n_test`` vectors).
    achievable : float
        Exact population loss of the best axis-aligned design
        (:func:`~fsq_theory.dynamics.axis_aligned_reference_loss`): attained by this architecture,
        so an upper bound on the best achievable loss.
    shannon : float
        :math:`n\,D(R)` at :math:`R = \sum_i\log_2 L_i` bits (reverse water-filling): no
        autoencoder with :math:`\prod_i L_i` codes does better, a lower bound.
    lloyd_max : float
        :math:`\sum_{i\le d}D_{\rm LM}(L_{(i)};\sigma_{(i)}^2) + \sum_{i>d}\sigma_{(i)}^2`, levels
        and variances both sorted in decreasing order: the Lloyd-Max quantizers (exact), the
        least loss of any axis-aligned design with these level counts (any gains, any
        decoder).
    confidence : float
        Level :math:`c` of the intervals.
    jacobian : str
        Backward Jacobian used.

    Examples
    --------
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_seed_study
    >>> s = ste_seed_study(FSQ([5, 5]), [4.0, 1.0, 0.25], n_seeds=3, n_samples=100, n_steps=5,
    ...                    n_test=200, rng=0)
    >>> s.losses.shape, s.mean.shape, s.test_loss.shape, s.shannon < s.lloyd_max < s.achievable
    ((3, 6), (6,), (3,), True)
    """

    losses: np.ndarray
    mean: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    test_loss: np.ndarray
    test_se: np.ndarray
    achievable: float
    shannon: float
    lloyd_max: float
    confidence: float
    jacobian: str

    @property
    def final(self) -> np.ndarray:
        """Final training loss per seed (shape (n_seeds,))."""
        return self.losses[:, -1]

    def gap(self) -> np.ndarray:
        """Held-out loss minus the best axis-aligned design's loss, per seed (shape (n_seeds,))."""
        return self.test_loss - self.achievable

    def interval(self, values) -> tuple[float, float, float]:
        """Mean and Student-t interval of per-seed ``values`` (array_like, shape (n_seeds,)) at
        the study's confidence: a tuple ``(mean, lower, upper)`` of floats."""
        arr = v.as_real_array("values", values).astype(np.float64)
        if arr.shape != (self.losses.shape[0],):
            raise ValueError(f"values must have shape ({self.losses.shape[0]},), got {arr.shape}")
        m, lo, hi = _t_interval(arr, self.confidence)
        return float(m), float(lo), float(hi)

    def to_frame(self):
        """One row per iteration: iteration, mean, lower, upper, min, max (a pandas DataFrame)."""
        import pandas as pd

        return pd.DataFrame({"iteration": np.arange(self.losses.shape[1]), "mean": self.mean,
                             "lower": self.lower, "upper": self.upper,
                             "min": self.losses.min(0), "max": self.losses.max(0)})


def ste_seed_study(fsq: FSQ, variances, *, n_seeds: int = 20, n_samples: int = 2000,
                   step: float = 0.05, n_steps: int = 500, jacobian: str = "tanh",
                   init_scale: float = 1.0, n_test: int = 20000, confidence: float = 0.95,
                   rng=None) -> SeedStudy:
    r"""STE training of the toy FSQ autoencoder over independent seeds, with intervals and gaps.

    Seed :math:`j` runs :func:`~fsq_theory.dynamics.train_toy_autoencoder` with the child
    :math:`j` of ``SeedSequence.spawn`` (data and initialisation), then evaluates the final
    encoder and decoder on ``n_test`` fresh vectors. Curves are summarised by

    .. math::

        \bar\ell_t \pm t_{(1+c)/2,\,n-1}\,\frac{s_t}{\sqrt n},\qquad
        \text{gap}_j = \hat\ell^{\rm test}_j - \ell_{\rm axis},\qquad
        n\,D\Big(\sum_i\log_2 L_i\Big) \le \ell^\star \le \ell_{\rm axis},\qquad
        \ell_{\rm LM} \le \ell_{\rm axis},

    where :math:`\ell^\star` is the best population loss of any autoencoder with this codebook
    size, :math:`D(R)` Gaussian reverse water-filling and :math:`\ell_{\rm axis}` the exact loss
    of the best axis-aligned linear design; :math:`\ell_{\rm LM}` (Lloyd-Max per coordinate)
    is the least loss of any axis-aligned design with these level counts. The STE on this
    bilinear, quantized loss is not covered by the convex theorem of ``_convergence``; the study
    measures it.

    Parameters
    ----------
    fsq : FSQ
        Bottleneck.
    variances : array_like, shape (n,)
        Data variances, > 0, at least ``fsq.dim`` of them.
    n_seeds : int, keyword-only
        Number of independent runs, >= 2.
    n_samples : int, keyword-only
        Training vectors per run, >= 1.
    step : float, keyword-only
        Learning rate, > 0.
    n_steps : int, keyword-only
        Full-batch steps per run, >= 1.
    jacobian : {"tanh", "indicator", "true"}, keyword-only
        Backward Jacobian (default ``"tanh"``).
    init_scale : float, keyword-only
        Encoder initial scale, > 0.
    n_test : int, keyword-only
        Held-out vectors per run, >= 2.
    confidence : float, keyword-only
        Interval level in (0, 1) (default 0.95).
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness; spawned into ``n_seeds`` independent children.

    Returns
    -------
    SeedStudy
        Curves, intervals, held-out losses, the achievable loss and the Shannon bound.

    Examples
    --------
    >>> import numpy as np
    >>> from fsq_theory import FSQ
    >>> from fsq_theory.dynamics import ste_seed_study
    >>> s = ste_seed_study(FSQ([5, 5]), [4.0, 1.0, 0.25], n_seeds=4, n_samples=200, n_steps=60,
    ...                    n_test=2000, rng=0)
    >>> round(s.achievable, 4), round(s.lloyd_max, 4), round(s.shannon, 4)
    (0.6822, 0.6497, 0.3509)
    >>> m, lo, hi = s.interval(s.final)
    >>> bool(lo < m < hi), bool(s.mean[-1] < s.mean[0])
    (True, True)
    """
    from ..rate_distortion import reverse_water_filling

    if not isinstance(fsq, FSQ):
        raise TypeError(f"fsq must be an FSQ, got {type(fsq).__name__}")
    var = v.as_real_array("variances", variances).astype(np.float64)
    if var.ndim != 1 or var.size < fsq.dim or (var <= 0).any():
        raise ValueError(f"variances must hold >= {fsq.dim} positive values, got {var!r}")
    n_seeds = v.check_int("n_seeds", n_seeds, minimum=2)
    n_samples = v.check_int("n_samples", n_samples, minimum=1)
    n_steps = v.check_int("n_steps", n_steps, minimum=1)
    n_test = v.check_int("n_test", n_test, minimum=2)
    if jacobian not in JACOBIANS:
        raise ValueError(f"jacobian must be one of {JACOBIANS}, got {jacobian!r}")
    confidence = v.check_real("confidence", confidence, minimum=0.0, strict_minimum=True)
    if confidence >= 1:
        raise ValueError(f"confidence must be < 1, got {confidence!r}")
    size = n_seeds * (n_steps + 1) + max(n_samples, n_test) * var.size
    v.check_size("n_seeds * n_steps + n_test * n", size, 8)
    children = v.as_seed_sequence(rng).spawn(n_seeds)
    losses = np.empty((n_seeds, n_steps + 1))
    test = np.empty(n_seeds)
    test_se = np.empty(n_seeds)
    for j, child in enumerate(children):
        train_ss, test_ss = child.spawn(2)
        run = train_toy_autoencoder(fsq, var, n_samples=n_samples, step=step, n_steps=n_steps,
                                    jacobian=jacobian, init_scale=init_scale, rng=train_ss)
        losses[j] = run.loss
        x = np.random.default_rng(test_ss).standard_normal((n_test, var.size)) * np.sqrt(var)
        err = ((x - fsq.quantize(x @ run.encoder.T) @ run.decoder.T) ** 2).sum(-1)
        test[j] = err.mean()
        test_se[j] = err.std(ddof=1) / np.sqrt(n_test)
    mean, lo, hi = _t_interval(losses, confidence)
    rate = float(np.sum(np.log2(fsq.levels)))
    shannon = reverse_water_filling(var, R=rate).mean_distortion * var.size
    return SeedStudy(losses, mean, lo, hi, test, test_se,
                     float(axis_aligned_reference_loss(fsq, var)), float(shannon),
                     _lloyd_max_axis(fsq.levels, var), confidence, jacobian)


def _lloyd_max_axis(levels, var) -> float:
    from scipy import stats

    from ..rate_distortion import lloyd_max, quantizer_performance

    sd = np.sqrt(np.sort(var)[::-1])
    total = float(np.sum(sd[len(levels):] ** 2))
    for L, s in zip(sorted(levels, reverse=True), sd):
        dist = stats.norm(0.0, s)
        total += quantizer_performance(lloyd_max(int(L), dist), dist).mse
    return total
