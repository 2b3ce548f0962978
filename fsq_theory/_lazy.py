"""Deferred imports of heavy dependencies, so that ``import fsq_theory`` stays fast.

``stats = lazy_module("scipy.stats")`` binds a stand-in that imports ``scipy.stats`` on its first
attribute access and forwards every access to it afterwards; modules keep writing
``stats.norm.cdf(x)``. scipy's submodules cost ~1-2 s to import, most of ``import fsq_theory``
before this; only the analyses that call them pay for them.
"""

from __future__ import annotations

import importlib

__all__ = ["lazy_module"]


class _LazyModule:
    def __init__(self, name: str):
        object.__setattr__(self, "_lazy_name", name)
        object.__setattr__(self, "_lazy_mod", None)

    def _load(self):
        mod = self._lazy_mod
        if mod is None:
            mod = importlib.import_module(self._lazy_name)
            object.__setattr__(self, "_lazy_mod", mod)
        return mod

    def __getattr__(self, attr):
        value = getattr(self._load(), attr)
        # cache it on the stand-in: later accesses are plain attribute look-ups (a closed-form
        # evaluation reads special.ndtr & co. a dozen times; ~2.5 us each through this method)
        object.__setattr__(self, attr, value)
        return value

    def __dir__(self):
        return dir(self._load())

    def __repr__(self):
        state = "loaded" if self._lazy_mod is not None else "not loaded"
        return f"<lazy module {self._lazy_name!r} ({state})>"


def lazy_module(name: str):
    """A stand-in for module ``name`` that imports it on first attribute access."""
    return _LazyModule(name)
