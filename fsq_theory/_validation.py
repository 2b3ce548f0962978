"""Input validation shared by the public functions.

Each public function validates once, up front, through these helpers, so every error names the
argument and the offending value the same way (ValueError for bad values, TypeError for bad types).
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

INT64_MAX = np.iinfo(np.int64).max


def _first_position(mask: np.ndarray) -> tuple[int, ...]:
    flat = int(np.flatnonzero(mask.ravel())[0])
    return tuple(int(i) for i in np.unravel_index(flat, mask.shape))


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise ValueError naming ``name`` with the count and first position of NaN/inf entries."""
    bad = ~np.isfinite(arr)
    if bad.any():
        count = int(bad.sum())
        pos = _first_position(bad)
        raise ValueError(
            f"{name} contains {count} non-finite value(s) (NaN or inf); first at index {pos}: "
            f"{arr[pos].item()!r}"
        )


def as_real_array(name: str, x, *, finite: bool = True) -> np.ndarray:
    """Return ``x`` as a float32 or float64 ndarray without copying when it already is one.

    float16 is promoted to float32 and integers to float64; bool, complex, object and string
    dtypes are refused. The input is never modified (the result may be a read-only view).
    """
    if isinstance(x, np.ndarray):
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be array-like of real numbers, got {type(x).__name__}") from exc
    if not arr.dtype.isnative:  # big-endian float32 must stay float32 (same bins as native)
        arr = arr.astype(arr.dtype.newbyteorder("="))
    kind = arr.dtype.kind
    if kind == "f":
        if arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float32 if arr.dtype.itemsize < 4 else np.float64)
    elif kind in "iu":
        arr = arr.astype(np.float64)
    else:
        raise TypeError(f"{name} must have a real numeric dtype, got dtype {arr.dtype}")
    if finite:
        check_finite(name, arr)
    return arr


def as_index_array(name: str, x) -> np.ndarray:
    """Return integer ``x`` as an int64 ndarray; float or bool dtypes are refused."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{name} must have an integer dtype, got dtype {arr.dtype}")
    if arr.dtype.kind == "u" and arr.size and int(arr.max()) > INT64_MAX:
        raise ValueError(f"{name} has values beyond int64: max {int(arr.max())}")
    return arr.astype(np.int64, copy=False)


def check_int(name: str, value, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int; refuse bools, non-integral floats, and values < minimum."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, numbers.Integral):
        out = int(value)
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        out = int(value)  # 1e9 from the command line is a legitimate count
    else:
        try:
            out = operator.index(value)
        except TypeError:
            raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    return out


def check_real(name: str, value, *, minimum: float | None = None, strict_minimum: bool = False,
               maximum: float | None = None) -> float:
    """Return ``value`` as a finite float within the given bounds, naming ``name`` otherwise."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {out!r}")
    if minimum is not None and (out <= minimum if strict_minimum else out < minimum):
        op = ">" if strict_minimum else ">="
        raise ValueError(f"{name} must be {op} {minimum}, got {out!r}")
    if maximum is not None and out > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {out!r}")
    return out


def check_levels(levels) -> tuple[int, ...]:
    """Validate an FSQ level list: a non-empty sequence of integers >= 2 whose product fits int64."""
    if isinstance(levels, (str, bytes)) or np.ndim(levels) != 1:
        raise TypeError(f"levels must be a 1-D sequence of integers, got {levels!r}")
    out = []
    for i, level in enumerate(levels):
        try:
            value = check_int(f"levels[{i}]", level)
        except TypeError:
            raise TypeError(f"levels must hold integers; levels[{i}] = {level!r}") from None
        if value < 2:
            raise ValueError(f"levels must be integers >= 2; levels[{i}] = {value}")
        out.append(value)
    if not out:
        raise ValueError("levels must not be empty")
    size = 1
    for value in out:
        size *= value
    if size > INT64_MAX:
        raise ValueError(
            f"levels {out} give a codebook of {size} codes, beyond int64 (max {INT64_MAX}); "
            "indices could not be represented"
        )
    return tuple(out)


def check_last_dim(name: str, arr: np.ndarray, dim: int) -> None:
    if arr.ndim == 0 or arr.shape[-1] != dim:
        raise ValueError(
            f"{name} must have last dimension {dim} (one entry per FSQ dimension), "
            f"got shape {arr.shape}"
        )


def per_dim(name: str, value, dim: int, *, positive: bool = False) -> np.ndarray:
    """Broadcast a scalar or length-``dim`` vector to a float64 vector of length ``dim``."""
    arr = as_real_array(name, value).astype(np.float64)
    if arr.ndim == 0:
        arr = np.full(dim, float(arr))
    if arr.shape != (dim,):
        raise ValueError(f"{name} must be a scalar or have shape ({dim},), got shape {arr.shape}")
    if positive and (arr <= 0).any():
        raise ValueError(f"{name} must be > 0, got {arr.tolist()}")
    return arr


PMF_TOL = 1e-9


def check_pmf(name: str, p, *, ndim: int | None = 1) -> np.ndarray:
    """Validate a probability array: non-negative, finite, summing to 1 within 1e-9."""
    p = as_real_array(name, p).astype(np.float64)
    if ndim is not None and p.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {p.shape}")
    if p.size == 0:
        raise ValueError(f"{name} must not be empty")
    if (p < 0).any():
        pos = _first_position(p < 0)
        raise ValueError(f"{name} must be >= 0; {name}[{pos}] = {p[pos].item()!r}")
    total = float(p.sum())
    if abs(total - 1.0) > PMF_TOL:
        raise ValueError(f"{name} must sum to 1 (within {PMF_TOL}), got sum {total!r}; pass "
                         "integer counts to estimate from data")
    return p


def log_base(base) -> float:
    """Natural log of a logarithm base: a real > 0 and != 1, or 'bits' (2) / 'nats' or 'e' (e)."""
    if isinstance(base, str):
        if base in ("e", "nat", "nats"):
            return 1.0
        if base in ("bit", "bits"):
            return float(np.log(2.0))
        raise ValueError(f"base must be a real > 0 and != 1, or one of 'bits', 'nats', 'e'; got {base!r}")
    b = check_real("base", base, minimum=0.0, strict_minimum=True)
    if b == 1.0:
        raise ValueError("base must be != 1, got 1.0")
    return float(np.log(b))


# --- one rule per shared concept: randomness, decoder, deprecated keywords -------------------

_UNSET = object()  # sentinel for "keyword not passed" (None is a legitimate rng)


def renamed_keyword(old: str, new: str, old_value, new_value, *, owner: str, default=None):
    """Resolve a keyword renamed from ``old`` to ``new`` (kept for one release).

    Returns the value to use: ``new_value`` unless only ``old`` was passed, in which case a
    DeprecationWarning names both keywords and ``old_value`` is returned. Passing both is a
    TypeError. ``old_value`` is ``_UNSET`` when the caller did not pass the old keyword.
    """
    if old_value is _UNSET:
        return new_value
    import warnings

    if new_value is not default:
        raise TypeError(f"{owner}() got both {old!r} and {new!r}; pass only {new!r}")
    warnings.warn(f"{owner}(): the keyword {old!r} is deprecated and will be removed in the next "
                  f"release; use {new!r}", DeprecationWarning, stacklevel=3)
    return old_value


def check_rng(rng):
    """Validate a SPEC 7 randomness argument: None, an int >= 0, a SeedSequence or a Generator.

    Returns it unchanged; ``np.random.RandomState``, floats and bools are refused (TypeError).
    """
    if rng is None or isinstance(rng, (np.random.SeedSequence, np.random.Generator)):
        return rng
    if isinstance(rng, (bool, np.bool_)) or not isinstance(rng, numbers.Integral):
        raise TypeError(f"rng must be None, an int, a numpy SeedSequence or a numpy Generator, "
                        f"got {rng!r}")
    if int(rng) < 0:
        raise ValueError(f"rng must be >= 0 when an int, got {int(rng)}")
    return int(rng)


def as_generator(rng) -> np.random.Generator:
    """``numpy.random.default_rng`` after :func:`check_rng` (a Generator is used as it is)."""
    return np.random.default_rng(check_rng(rng))


def rng_key(rng) -> tuple[np.uint64, np.uint64]:
    """Two uint64 key words for the package's counter-based streams, derived from ``rng``.

    An int ``s`` and ``SeedSequence(s)`` give the same key (so the same int gives the same
    stream everywhere); a Generator contributes two draws (its state advances); None takes
    fresh entropy from the operating system.
    """
    rng = check_rng(rng)
    if isinstance(rng, np.random.Generator):
        k = rng.integers(0, np.iinfo(np.uint64).max, size=2, dtype=np.uint64, endpoint=True)
    else:
        ss = rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)
        k = ss.generate_state(2, np.uint64)
    return np.uint64(k[0]), np.uint64(k[1])


DECODERS = ("grid", "centroid")
DECODER_DEFAULT = "grid"
DECODER_DOC = """decoder : {"grid", "centroid"}, keyword-only
        How a cell is reconstructed. ``"grid"`` (default): the quantizer's own reconstruction
        point (for FSQ, the code grid mapped back to the latent domain), what the tokenizer
        emits. ``"centroid"``: the conditional mean of the source over the cell, the MSE-optimal
        decoder for the cells (what an ideal learned decoder attains)."""

_DECODER_ALIASES = {"points": "grid", "grid": "grid", "centroid": "centroid"}


def check_decoder(decoder) -> str:
    """Validate a decoder choice (see ``DECODER_DOC``); the old name ``"points"`` means ``"grid"``."""
    if not isinstance(decoder, str) or decoder not in _DECODER_ALIASES:
        raise ValueError(f"decoder must be one of {list(DECODERS)}, got {decoder!r}")
    return _DECODER_ALIASES[decoder]


def resolve_decoder(decoder, reconstruction, *, owner: str, allow_none: bool = False,
                    allow_tables: bool = False):
    """The decoder to use, from ``decoder`` and the deprecated keyword ``reconstruction``.

    ``allow_tables``: explicit per-dimension reconstruction tables (a sequence of arrays, e.g. a
    learned decoder's points) pass through for the caller to validate.
    """
    decoder = renamed_keyword("reconstruction", "decoder", reconstruction, decoder, owner=owner,
                              default=DECODER_DEFAULT)
    if decoder is None and allow_none:
        return None
    if allow_tables and not isinstance(decoder, str) and decoder is not None:
        return decoder
    return check_decoder(decoder)


def resolve_rng(rng, seed, *, owner: str):
    """The SPEC 7 ``rng`` to use, from ``rng`` and the deprecated keyword ``seed``."""
    return check_rng(renamed_keyword("seed", "rng", seed, rng, owner=owner, default=None))


def as_seed_sequence(rng) -> np.random.SeedSequence:
    """A SeedSequence from a SPEC 7 ``rng`` (an int ``s`` gives ``SeedSequence(s)``; a Generator
    contributes one draw)."""
    rng = check_rng(rng)
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63)))
    return np.random.SeedSequence(rng)


RNG_DOC = """rng : None, int, numpy.random.SeedSequence or numpy.random.Generator, keyword-only
        Source of randomness (SPEC 7); the same int gives the same result. ``seed`` is its
        deprecated name."""


# --- memory budget of functions that allocate O(|C|) or O(n |C|) ----------------------------

MEMORY_FRACTION = 0.5  # default budget: this fraction of the machine's physical memory


def physical_memory() -> int:
    """Bytes of physical memory (``os.sysconf``); 8 GiB when the platform does not say."""
    import os

    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        if pages > 0 and size > 0:
            return int(pages) * int(size)
    except (ValueError, OSError, AttributeError):
        pass
    return 8 << 30


def format_bytes(n: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} B" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} EiB"  # pragma: no cover


def check_max_memory(max_memory) -> int:
    """Validate a ``max_memory`` keyword (bytes, int > 0); None means the default budget."""
    if max_memory is None:
        return int(physical_memory() * MEMORY_FRACTION)
    return check_int("max_memory", max_memory, minimum=1)


def check_memory(what: str, nbytes: float, max_memory, *, hint: str = "") -> None:
    """Refuse (ValueError) work whose estimated allocation ``nbytes`` exceeds the budget."""
    budget = check_max_memory(max_memory)
    if nbytes > budget:
        raise ValueError(f"{what} would need about {format_bytes(nbytes)} ({int(nbytes)} bytes), "
                         f"more than max_memory = {format_bytes(budget)}"
                         + (f"; {hint}" if hint else ""))


def check_size(name: str, count: int, bytes_per_item: int, max_memory=None) -> int:
    """Refuse a size argument (cells, steps) whose arrays would exceed the memory budget."""
    check_memory(f"{name} = {count}", float(count) * bytes_per_item, max_memory,
                 hint=f"{name} sets the length of the arrays allocated")
    return count
