"""Registry of theoretical-bound checks: the CI gate ``fsq-theory check``.

Each check states a theorem (an inequality or identity, with its source), computes both sides and
reports the margin. Checks live in one module per topic inside this package and register
themselves with :func:`register`; :func:`run_checks` imports every module of the package, runs
the checks in name order and returns a :class:`CheckReport`.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from dataclasses import dataclass, field
from typing import Callable

__all__ = ["Outcome", "CheckResult", "CheckReport", "register", "run_checks", "available_checks"]


@dataclass(frozen=True)
class Outcome:
    """What a check function returns.

    Attributes
    ----------
    lhs, rhs : float
        The two sides of the stated relation (e.g. measured value and bound).
    margin : float
        Signed slack, positive when the relation holds (e.g. ``rhs - lhs`` for ``lhs <= rhs``,
        ``tol - |lhs - rhs|`` for an identity within a tolerance).
    passed : bool
    detail : str
        One line on what was computed (sizes, seed, tolerances).
    """

    lhs: float
    rhs: float
    margin: float
    passed: bool
    detail: str = ""

    @classmethod
    def at_most(cls, value: float, bound: float, detail: str = "", ok: bool = True) -> "Outcome":
        """The outcome of ``value <= bound`` (and any extra condition ``ok``); margin bound - value."""
        return cls(lhs=value, rhs=bound, margin=bound - value, passed=value <= bound and ok,
                   detail=detail)


@dataclass(frozen=True)
class CheckResult:
    name: str
    statement: str
    source: str
    lhs: float
    rhs: float
    margin: float
    passed: bool
    detail: str
    seconds: float
    resolution: str = ""
    sanity: bool = False


@dataclass(frozen=True)
class CheckReport:
    results: tuple[CheckResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame([r.__dict__ for r in self.results])


@dataclass(frozen=True)
class _Check:
    name: str
    statement: str
    source: str
    fn: Callable[[], Outcome]
    resolution: str = ""
    sanity: bool = False


_REGISTRY: dict[str, _Check] = {}


def register(name: str, *, statement: str, source: str, resolution: str = "",
             sanity: bool = False):
    """Decorator registering ``fn() -> Outcome`` as the check ``name``.

    ``resolution`` states the smallest error of the checked quantity the check is built to detect
    (its planted-error twin in tests/test_check_power.py perturbs by about that much);
    ``sanity=True`` marks a check that can only catch gross errors (a true-by-construction
    relation, or an inequality with a wide slack), shown as such in the check table.
    """

    def deco(fn):
        if name in _REGISTRY and _REGISTRY[name].fn.__module__ != fn.__module__:
            raise ValueError(f"check name {name!r} registered twice")
        _REGISTRY[name] = _Check(name, statement, source, fn, resolution, bool(sanity))
        return fn

    return deco


def _load_all() -> None:
    for mod in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{mod.name}")


def available_checks() -> list[str]:
    _load_all()
    return sorted(_REGISTRY)


def run_checks(only=None, *, progress: bool = False) -> CheckReport:
    """Run the registered checks (all, or the names in ``only``); a check that raises fails."""
    names = available_checks()
    if only is not None:
        only = [only] if isinstance(only, str) else list(only)
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise ValueError(f"only names unknown checks {unknown}; available: {names}")
        names = [n for n in names if n in only]
    from tqdm.auto import tqdm

    results = []
    for name in tqdm(names, disable=None if progress else True, desc="checks", unit="check"):
        c = _REGISTRY[name]
        t0 = time.perf_counter()
        try:
            o = c.fn()
        except Exception as exc:  # a crashing check is a failing check, reported as such
            o = Outcome(float("nan"), float("nan"), float("nan"), False, f"error: {exc!r}")
        results.append(CheckResult(c.name, c.statement, c.source, float(o.lhs), float(o.rhs),
                                   float(o.margin), bool(o.passed), o.detail,
                                   time.perf_counter() - t0, c.resolution, c.sanity))
    return CheckReport(tuple(results))
