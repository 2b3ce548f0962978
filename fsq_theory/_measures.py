"""Shannon entropy and relative entropy of discrete distributions: the one implementation.

Every module that needs :math:`-\\sum p \\log p` or :math:`\\sum p \\log(p/q)` calls these, which
wrap ``scipy.special.entr`` / ``rel_entr`` (exact 0 log 0 = 0, no warnings) after the package's
validation; the public faces are :func:`fsq_theory.stats.plugin_entropy_bits`,
:func:`fsq_theory.geometry.entropy` and :func:`fsq_theory.geometry.kl_divergence`.
"""
from __future__ import annotations

import numpy as np
from ._lazy import lazy_module
special = lazy_module("scipy.special")

from . import _validation as v


def entropy_nats(p, axis=None):
    """:math:`-\\sum p \\log p` in nats along ``axis`` of already-normalized pmf(s) (no checks)."""
    return special.entr(np.asarray(p, dtype=np.float64)).sum(axis=axis)


def kl_nats(p, q, axis=None):
    """:math:`\\sum p \\log(p/q)` in nats (inf where some q = 0 < p) of normalized pmfs (no checks)."""
    return special.rel_entr(np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)).sum(axis=axis)


def check_counts(name: str, counts) -> np.ndarray:
    """Counts or weights as a float64 array: finite, >= 0, not all zero (ValueError otherwise)."""
    c = v.as_real_array(name, counts).astype(np.float64, copy=False)
    if c.size == 0:
        raise ValueError(f"{name} must not be empty")
    if (c < 0).any():
        i = int(np.flatnonzero(c.ravel() < 0)[0])
        raise ValueError(f"{name} must be >= 0; {name}[{i}] = {c.ravel()[i].item()!r}")
    if not c.any():
        raise ValueError(f"{name} must not all be zero")
    return c


def plugin_entropy(counts, *, base=2, name: str = "counts") -> float:
    """Plug-in entropy :math:`-\\sum_k \\hat p_k \\log \\hat p_k`, :math:`\\hat p = c/\\sum c`."""
    c = check_counts(name, counts).ravel()
    return float(entropy_nats(c / c.sum())) / v.log_base(base)


def plugin_entropy_stderr(counts, *, base=2, name: str = "counts") -> float:
    r"""Delta-method standard error of the plug-in entropy of i.i.d. counts,
    :math:`\sqrt{(\sum_k \hat p_k \log^2 \hat p_k - \hat H^2)/n}` (Basharin 1959); it omits
    the plug-in's bias, about :math:`-(K - 1)/(2n)` nats for K occupied cells."""
    c = check_counts(name, counts).ravel()
    n = c.sum()
    p = c[c > 0] / n
    logp = np.log(p)
    h = -(p * logp).sum()
    var = max(float((p * logp * logp).sum() - h * h), 0.0) / n
    return float(np.sqrt(var)) / v.log_base(base)
