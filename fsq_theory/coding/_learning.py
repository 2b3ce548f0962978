r"""Generalization of empirical risk minimization over a class indexed by an FSQ codebook.

The seed's claim (sec. 2.1), :math:`\mathcal R(\hat f) - \mathcal R(f^*) \le O(\sqrt{\log|C|/n})`,
is the finite-class bound of statistical learning theory. The precise statement verified here:

**Theorem** (finite class, bounded loss; e.g. Shalev-Shwartz & Ben-David, *Understanding Machine
Learning*, 2014, Lemma 4.2 and Cor. 4.6, via Hoeffding's inequality). Let :math:`\mathcal H` be a
finite class with :math:`|\mathcal H| \le |C|`, :math:`\ell \in [0, 1]`, :math:`S` an i.i.d.
sample of size :math:`n`, and :math:`\hat h` any empirical risk minimizer. Then, with probability
at least :math:`1-\delta`,

.. math::

    \mathcal R(\hat h) - \min_{h\in\mathcal H}\mathcal R(h)
    \le 2\sqrt{\frac{\ln|C| + \ln(2/\delta)}{2n}}.

Proof: Hoeffding gives :math:`P(|\hat{\mathcal R}(h) - \mathcal R(h)| > \epsilon) \le 2e^{-2n\epsilon^2}`
for each :math:`h`; a union bound over :math:`|C|` hypotheses and :math:`\epsilon =
\sqrt{\ln(2|C|/\delta)/(2n)}` makes all deviations at most :math:`\epsilon` with probability
:math:`\ge 1-\delta`, and then :math:`\mathcal R(\hat h) \le \hat{\mathcal R}(\hat h) + \epsilon
\le \hat{\mathcal R}(h^*) + \epsilon \le \mathcal R(h^*) + 2\epsilon`. The logarithms are natural
(Hoeffding's exponent is in nats); the :math:`f^*` of the seed must be the best function *in the
class*, not the Bayes predictor (the approximation error is not controlled by the bound).

The synthetic task: :math:`x \sim N(0, I_d)`, label :math:`y = \operatorname{sign}\langle w, x\rangle`
flipped with probability :math:`\eta`; the class is :math:`h_c(x) = \operatorname{sign}\langle c, x\rangle`
for every code :math:`c` of an FSQ codebook (:math:`h_0 \equiv +1`), with 0-1 loss. Risks are exact:
:math:`\mathcal R(h_c) = \eta + (1-2\eta)\,\angle(c, w)/\pi` (Gaussian :math:`x` is rotation
invariant, so two half-spaces disagree with probability angle/:math:`\pi`), so the excess risk
of each ERM run is computed exactly, without a test set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import _validation as v
from ..quantizer import FSQ

__all__ = ["finite_class_bound", "GeneralizationResult", "generalization_experiment",
           "generalization_reference"]


def finite_class_bound(class_size, n, *, delta: float = 0.05) -> float:
    r"""Excess-risk bound :math:`2\sqrt{(\ln|C| + \ln(2/\delta))/(2n)}` of ERM over a finite class.

    Holds with probability :math:`\ge 1-\delta` for a loss in [0, 1] (see the module docstring).

    Parameters
    ----------
    class_size : int
        :math:`|C| \ge 1`.
    n : int
        Sample size, >= 1.
    delta : float, keyword-only
        Failure probability in (0, 1).

    Returns
    -------
    float
        The bound on the excess risk (loss units: a probability for the 0-1 loss).

    References
    ----------
    S. Shalev-Shwartz, S. Ben-David, *Understanding Machine Learning*, Cambridge 2014,
    Cor. 4.6.

    Examples
    --------
    A single hypothesis pays only the Hoeffding deviation, twice; an 8x8x8 FSQ codebook adds
    :math:`\ln 512` to the numerator:

    >>> round(finite_class_bound(1, 200), 6), round(2 * math.sqrt(math.log(40) / 400), 6)
    (0.192065, 0.192065)
    >>> round(finite_class_bound(8 ** 3, 1000, delta=0.01), 6)
    0.151899
    >>> round(2 * math.sqrt((math.log(512) + math.log(200)) / 2000), 6)
    0.151899
    """
    size = v.check_int("class_size", class_size, minimum=1)
    n = v.check_int("n", n, minimum=1)
    delta = _check_delta(delta)
    return 2.0 * math.sqrt((math.log(size) + math.log(2.0 / delta)) / (2.0 * n))


def _check_delta(delta) -> float:
    d = v.check_real("delta", delta, minimum=0.0, strict_minimum=True, maximum=1.0)
    if d >= 1.0:
        raise ValueError(f"delta must be < 1, got {d!r}")
    return d


def experiment_grid(levels_list, n_values, *, max_tokens=None):
    """The FSQs of ``levels_list`` and the sample sizes ``n_values`` of a generalization
    experiment, validated (neither empty, sizes >= 1, codebooks of at most ``max_tokens``)."""
    fsqs = [FSQ(lv) for lv in levels_list]
    if not fsqs:
        raise ValueError("levels_list must not be empty")
    for f in fsqs:
        if max_tokens is not None and f.codebook_size > max_tokens:
            raise ValueError(f"levels_list holds {list(f.levels)} with {f.codebook_size} tokens, "
                             f"more than {max_tokens}")
    ns = np.array([v.check_int(f"n_values[{i}]", n, minimum=1) for i, n in enumerate(n_values)])
    if ns.size == 0:
        raise ValueError("n_values must not be empty")
    return fsqs, ns


@dataclass(frozen=True)
class GeneralizationResult:
    r"""Excess risk of ERM over codebook-indexed classifiers, against the finite-class bound.

    Attributes
    ----------
    codebook_sizes : ndarray of int
        :math:`|C|` of each FSQ codebook.
    n_values : ndarray of int
        Sample sizes.
    excess : ndarray, shape (len(codebook_sizes), len(n_values), repetitions)
        Exact excess risk :math:`\mathcal R(\hat h) - \min_c \mathcal R(h_c)` of each run.
    bound : ndarray, shape (len(codebook_sizes), len(n_values))
        :func:`finite_class_bound` at ``delta``.
    delta : float
        Failure probability of the bound, in (0, 1).
    noise : float
        Label-flip probability :math:`\eta`.
    levels : tuple of tuple of int
        FSQ levels of each codebook.

    Notes
    -----
    Risks, excess risks and bounds are probabilities of misclassification (0-1 loss, unitless).
    ``delta`` is unitless too.

    Examples
    --------
    >>> r = generalization_experiment([(3, 3), (5, 5)], [10, 40], repetitions=20, rng=0)
    >>> r.codebook_sizes.tolist(), r.excess.shape
    ([9, 25], (2, 2, 20))
    >>> r.violation_rate.tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """

    codebook_sizes: np.ndarray
    n_values: np.ndarray
    excess: np.ndarray
    bound: np.ndarray
    delta: float
    noise: float
    levels: tuple

    @property
    def violation_rate(self) -> np.ndarray:
        """Fraction of runs with excess risk above the bound, shape (|sizes|, |n_values|)."""
        return (self.excess > self.bound[..., None]).mean(axis=-1)

    def to_frame(self):
        """Tidy table: one row per (|C|, n) with mean / quantile excess, bound and violations."""
        import pandas as pd
        from scipy import stats

        reps = self.excess.shape[-1]
        rows = []
        for i, size in enumerate(self.codebook_sizes):
            for j, n in enumerate(self.n_values):
                e = self.excess[i, j]
                k = int((e > self.bound[i, j]).sum())
                ci = stats.binomtest(k, reps).proportion_ci(confidence_level=0.99, method="exact")
                rows.append({
                    "codebook_size": int(size), "levels": "x".join(map(str, self.levels[i])),
                    "n": int(n), "mean_excess": float(e.mean()),
                    "se_excess": float(e.std(ddof=1) / math.sqrt(reps)) if reps > 1 else np.nan,
                    "quantile_excess": float(np.quantile(e, 1 - self.delta)),
                    "bound": float(self.bound[i, j]), "violations": k, "repetitions": reps,
                    "violation_rate": k / reps, "violation_ci_low": float(ci.low),
                    "violation_ci_high": float(ci.high), "delta": self.delta, "noise": self.noise,
                })
        return pd.DataFrame(rows)


def generalization_experiment(levels_list=((3, 3), (5, 5), (8, 8), (16, 16), (32, 32)),
                              n_values=(25, 50, 100, 200, 400, 800, 1600), *,
                              repetitions: int = 200, delta: float = 0.05, noise: float = 0.1,
                              angle: float = 0.3, rng=None, seed=v._UNSET) -> GeneralizationResult:
    r"""ERM over FSQ-codebook-indexed linear classifiers: exact excess risk vs the bound.

    For every codebook (FSQ ``levels``, all of the same dimension :math:`d`) and every repetition,
    one sample of size ``max(n_values)`` is drawn (:math:`x \sim N(0, I_d)`, :math:`y =
    \operatorname{sign}\langle w, x\rangle` flipped with probability ``noise``, :math:`w =
    (\cos\theta, \sin\theta, 0, \dots)`); the ERM over :math:`\{h_c : c \in C\}` (0-1 loss,
    ties to the lowest codebook index) is computed on the first :math:`n` points for each ``n``,
    and its exact excess risk recorded (see the module docstring).

    Parameters
    ----------
    levels_list : sequence of sequences of int
        FSQ levels of each codebook; all must have the same number of dimensions (>= 2).
    n_values : sequence of int
        Sample sizes (>= 1), nested prefixes of one sample per repetition.
    repetitions : int, keyword-only
        Independent samples per (codebook, n), >= 1.
    delta : float, keyword-only
        Failure probability of the bound, in (0, 1).
    noise : float, keyword-only
        Label-flip probability :math:`\eta \in [0, 1/2)`.
    angle : float, keyword-only
        Direction :math:`\theta` (radians) of the target :math:`w` in the first two coordinates.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness; repetition ``r`` uses ``SeedSequence(rng).spawn``'s ``r``-th child,
        shared by all codebooks (common random numbers). Same int, same result.
    seed : int, keyword-only
        Deprecated name of ``rng`` (DeprecationWarning).

    Returns
    -------
    GeneralizationResult
        Exact excess risk of every run and the bound, per codebook and sample size.

    References
    ----------
    Shalev-Shwartz & Ben-David (2014), Cor. 4.6 (see :func:`finite_class_bound`).

    Examples
    --------
    Two codebooks, 20 repetitions: the bound (the same for every repetition) is never exceeded,
    and the mean excess risk shrinks with ``n``:

    >>> r = generalization_experiment([(3, 3), (5, 5)], [10, 40], repetitions=20, rng=0)
    >>> np.round(r.bound, 6)
    array([[1.084998, 0.542499],
           [1.175394, 0.587697]])
    >>> bool((r.excess <= r.bound[..., None]).all())
    True
    >>> np.round(r.excess.mean(axis=-1), 4)
    array([[0.0365, 0.0165],
           [0.0696, 0.0128]])
    """
    rng = v.resolve_rng(rng, seed, owner="generalization_experiment")
    fsqs, ns = experiment_grid(levels_list, n_values)
    d = fsqs[0].dim
    if d < 2 or any(f.dim != d for f in fsqs):
        raise ValueError(f"levels_list must hold FSQ levels of one dimension >= 2, got "
                         f"{[list(f.levels) for f in fsqs]}")
    reps = v.check_int("repetitions", repetitions, minimum=1)
    delta = _check_delta(delta)
    eta = v.check_real("noise", noise, minimum=0.0, maximum=0.5)
    if eta >= 0.5:
        raise ValueError(f"noise must be < 0.5 (labels would carry no information), got {eta!r}")
    theta = v.check_real("angle", angle)
    w = np.zeros(d)
    w[0], w[1] = math.cos(theta), math.sin(theta)
    n_max = int(ns.max())

    books, risks = [], []
    for f in fsqs:
        C = f.codebook(dtype=np.float64)
        norms = np.linalg.norm(C, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            cos = np.clip((C @ w) / norms, -1.0, 1.0)
        risk = np.where(norms > 0, eta + (1 - 2 * eta) * np.arccos(cos) / math.pi, 0.5)
        books.append(C)
        risks.append(risk)

    ss = v.as_seed_sequence(rng)
    excess = np.empty((len(fsqs), ns.size, reps))
    for r, child in enumerate(ss.spawn(reps)):
        rng = np.random.default_rng(child)
        x = rng.standard_normal((n_max, d))
        y = np.where(x @ w >= 0, 1, -1) * np.where(rng.random(n_max) < eta, -1, 1)
        for i, (C, risk) in enumerate(zip(books, risks)):
            pred = np.where(x @ C.T >= 0, 1, -1)  # h_0 = +1 since 0 >= 0
            cum_err = np.cumsum(pred != y[:, None], axis=0, dtype=np.int32)
            emp = cum_err[ns - 1]  # (len(ns), |C|) training errors on the first n points
            chosen = np.argmin(emp, axis=1)  # first minimizer: ties to the lowest index
            excess[i, :, r] = risk[chosen] - risk.min()

    sizes = np.array([f.codebook_size for f in fsqs])
    bound = np.array([[finite_class_bound(s, n, delta=delta) for n in ns] for s in sizes])
    return GeneralizationResult(sizes, ns, excess, bound, delta, eta,
                                tuple(tuple(f.levels) for f in fsqs))


def _sector_model(C: np.ndarray, w: np.ndarray, eta: float):
    """Cells (angular sector x label flip) of the plane on which every h_c and the label are
    constant: probabilities (2S,), error indicators (2S, |C|)."""
    ang = [math.atan2(c[1], c[0]) + sign * math.pi / 2 for c in C if np.any(c != 0)
           for sign in (-1, 1)]
    ang += [math.atan2(w[1], w[0]) + sign * math.pi / 2 for sign in (-1, 1)]
    edges = np.sort(np.mod(ang, 2 * math.pi))
    # lines of parallel codes coincide up to rounding: merge them (no sector is that thin)
    edges = edges[np.r_[True, np.diff(edges) > 1e-12]]
    edges = np.r_[edges, edges[0] + 2 * math.pi]
    width = np.diff(edges)
    mid = edges[:-1] + width / 2
    u = np.stack([np.cos(mid), np.sin(mid)], axis=1)
    pred = np.where(u @ C.T >= 0, 1, -1)  # (S, |C|); c = 0 predicts +1
    truth = np.where(u @ w >= 0, 1, -1)
    prob = np.r_[width * (1 - eta), width * eta] / (2 * math.pi)
    err = np.r_[pred != truth[:, None], pred != -truth[:, None]].astype(np.float64)
    return prob, err


def generalization_reference(levels_list, n_values, *, repetitions: int = 2000,
                             noise: float = 0.1, angle: float = 0.3, rng=None) -> np.ndarray:
    r"""Excess risk of the ERM of :func:`generalization_experiment`, sampled another way.

    In two dimensions the classifiers :math:`h_c` and the label are constant on the angular
    sectors cut by the lines :math:`\langle c, x\rangle = 0` and :math:`\langle w, x\rangle = 0`,
    so a sample is summarized by multinomial counts over (sector, label flip) cells of
    probability :math:`\text{width}/(2\pi)\cdot(1-\eta)` or :math:`\cdot\,\eta`. The
    training errors are those counts times a 0/1 error matrix, the risks the cell probabilities
    times it (no arccos formula, no sample points), and ERM breaks ties to the lowest index as
    the experiment does. Same distribution, independent code path: a reference for the law of
    the experiment's excess risk.

    Parameters
    ----------
    levels_list : sequence of sequences of int
        FSQ levels of each codebook, two dimensions each.
    n_values : sequence of int
        Sample sizes (>= 1), nested prefixes of one sample per repetition.
    repetitions : int, keyword-only
        Independent samples, >= 1.
    noise : float, keyword-only
        Label-flip probability :math:`\eta \in [0, 1/2)`.
    angle : float, keyword-only
        Direction (radians) of the target :math:`w`.
    rng : None, int, SeedSequence or Generator, keyword-only
        SPEC 7 randomness. Same int, same result.

    Returns
    -------
    ndarray, shape (len(levels_list), len(n_values), repetitions)
        Excess risk of each run (0-1 loss).

    Examples
    --------
    The law matches the experiment's: mean excess risk (and its standard error) of a 3x3
    codebook at n = 40 over 4000 runs each:

    >>> ref = generalization_reference([(3, 3)], [40], repetitions=4000, rng=1)
    >>> round(float(ref.mean()), 4), round(float(ref.std() / math.sqrt(4000)), 4)
    (0.0115, 0.0004)
    >>> e = generalization_experiment([(3, 3)], [40], repetitions=4000, rng=1).excess
    >>> round(float(e.mean()), 4), round(float(e.std() / math.sqrt(4000)), 4)
    (0.0115, 0.0004)
    """
    fsqs, ns = experiment_grid(levels_list, n_values)
    if any(f.dim != 2 for f in fsqs):
        raise ValueError(f"levels_list must hold two-dimensional FSQ levels, got "
                         f"{[list(f.levels) for f in fsqs]}")
    order = np.argsort(ns, kind="stable")
    reps = v.check_int("repetitions", repetitions, minimum=1)
    eta = v.check_real("noise", noise, minimum=0.0, maximum=0.5)
    if eta >= 0.5:
        raise ValueError(f"noise must be < 0.5 (labels would carry no information), got {eta!r}")
    theta = v.check_real("angle", angle)
    w = np.array([math.cos(theta), math.sin(theta)])
    gen = v.as_generator(rng)
    out = np.empty((len(fsqs), ns.size, reps))
    for i, f in enumerate(fsqs):
        prob, err = _sector_model(f.codebook(dtype=np.float64), w, eta)
        risk = prob @ err
        counts = np.zeros((reps, prob.size))
        done = 0
        for j in order:
            counts += gen.multinomial(int(ns[j]) - done, prob, size=reps)
            done = int(ns[j])
            chosen = np.argmin(counts @ err, axis=1)  # first minimizer, as the experiment
            out[i, j] = risk[chosen] - risk.min()
    return out
