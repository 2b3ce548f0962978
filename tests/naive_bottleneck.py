"""Naive twins of the bottleneck module (brute-force enumeration, no truncation)."""

from __future__ import annotations

import itertools
import math

import numpy as np


def compositions(n, parts):
    """All tuples of ``parts`` non-negative integers summing to ``n``."""
    for cuts in itertools.combinations(range(n + parts - 1), parts - 1):
        prev, out = -1, []
        for c in cuts + (n + parts - 1,):
            out.append(c - prev - 1)
            prev = c
        yield tuple(out)


def expected_excess(joint, n):
    """E[R(g_hat)] - min_g R(g) of the majority head (ties -> label 0) by summing over every
    multinomial outcome of the 2|C| (token, label) counts."""
    joint = np.asarray(joint, dtype=float)
    flat = joint.ravel()
    best = joint.max(1).sum()
    total = 0.0
    for counts in compositions(n, flat.size):
        c = np.array(counts).reshape(joint.shape)
        logp = math.lgamma(n + 1) - sum(math.lgamma(k + 1) for k in counts)
        if np.any((flat == 0) & (np.array(counts) > 0)):
            continue
        logp += sum(k * math.log(p) for k, p in zip(counts, flat) if k)
        head = (c[:, 1] > c[:, 0]).astype(int)
        risk_gap = best - joint[np.arange(len(joint)), head].sum()
        total += math.exp(logp) * risk_gap
    return total
