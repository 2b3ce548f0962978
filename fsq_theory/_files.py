"""Safe output files: every file the package writes goes through here.

An output is written to a temporary file in the target directory, flushed to disk, then renamed
over the target with ``os.replace`` (atomic on POSIX), so a failed or interrupted run leaves the
previous output intact and never a half-written file. Strict JSON: NaN and infinities are refused
(:func:`json_safe` turns them into ``null`` with a reason).

Output paths are checked before any work starts (:func:`check_outputs`): the directory exists and
is writable, the path is not a directory, it is not the same file as an input or as another output
(compared by resolved path and by inode, so hard links and symlinks are caught), and an existing
file is replaced only with ``force=True``.
"""
from __future__ import annotations

import json
import math
import os
import signal
import tempfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np

# temporary files of outputs in progress; removed by the exception path of atomic_path, and by
# remove_temporaries() from a signal handler that ends the process without unwinding
_LIVE_TEMPS: set[str] = set()
# signals received inside exit_on_signals. The handler raises, but CPython can lose an exception
# raised from a signal handler while it compiles a module's source (a lazily imported kernel
# module, say): the run would then go on and replace its outputs. Recording the signal lets
# raise_if_interrupted() -- before every rename onto an output, and at the end of the block --
# end the run as the signal asked.
_RECEIVED: list[int] = []


class Interrupted(BaseException):
    """Raised by the handlers of :func:`exit_on_signals`; ``code`` is 128 + the signal number.

    A BaseException (like KeyboardInterrupt), so ``except Exception`` in library code does not
    swallow it and every ``atomic_path`` on the stack removes its temporary file.
    """

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
        self.code = 128 + signum
        self.name = signal.Signals(signum).name


@contextmanager
def exit_on_signals(signals=(signal.SIGINT, signal.SIGTERM)):
    """Turn SIGINT/SIGTERM into :class:`Interrupted` for the duration of the block.

    Only in the main thread (signal handlers cannot be set elsewhere); the previous handlers are
    restored on exit.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        _RECEIVED.append(signum)
        raise Interrupted(signum)

    _RECEIVED.clear()
    old = {s: signal.signal(s, handler) for s in signals}
    try:
        yield
        raise_if_interrupted()
    finally:
        _RECEIVED.clear()  # a signal belongs to its block: later writes are not refused
        for s, h in old.items():
            signal.signal(s, h)


def raise_if_interrupted() -> None:
    """Raise :class:`Interrupted` for a signal received (inside :func:`exit_on_signals`) whose
    exception was lost on the way; a no-op otherwise. Cheap enough for every chunk of a loop."""
    if _RECEIVED:
        raise Interrupted(_RECEIVED[0])


def remove_temporaries() -> None:
    """Remove every temporary output file still registered (last resort before exiting)."""
    for tmp in list(_LIVE_TEMPS):
        try:
            os.unlink(tmp)
        except OSError:
            pass
        _LIVE_TEMPS.discard(tmp)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
    except OSError:
        pass
    try:
        return os.path.samefile(a, b)  # same inode: hard links, bind mounts
    except OSError:
        return False  # one of them does not exist yet


def check_output_path(path, *, label: str = "output", force: bool = False) -> Path:
    """Validate one output path before any work starts and return it as a Path.

    Refuses (ValueError naming ``label`` and the path): an empty path, a directory, a missing or
    non-writable parent directory, and an existing file unless ``force``.
    """
    if path is None or str(path) == "":
        raise ValueError(f"{label} path must not be empty")
    p = Path(path)
    if p.is_dir():
        raise ValueError(f"{label} {str(p)!r} is a directory; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise ValueError(f"{label} {str(p)!r}: directory {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise ValueError(f"{label} {str(p)!r}: {str(parent)!r} is not a directory")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"{label} {str(p)!r}: directory {str(parent)!r} is not writable")
    if p.exists() or p.is_symlink():
        if not force:
            raise ValueError(f"{label} {str(p)!r} already exists; pass --force (force=True) to "
                             "replace it")
        if not p.is_file():
            raise ValueError(f"{label} {str(p)!r} exists and is not a regular file")
    return p


def check_outputs(outputs: dict, inputs: dict | None = None, *, force: bool = False) -> dict:
    """Validate several outputs at once: each by :func:`check_output_path`, none the same file
    as an input (even with ``force``) nor as another output.

    ``outputs`` and ``inputs`` map a label (e.g. ``"--out"``) to a path or None (absent).
    Returns ``{label: Path}`` of the outputs given.
    """
    inputs = {k: Path(p) for k, p in (inputs or {}).items() if p is not None}
    checked: dict[str, Path] = {}
    for label, path in outputs.items():
        if path is None:
            continue
        p = Path(path)
        for in_label, q in inputs.items():
            if _same_file(p, q):
                raise ValueError(f"{label} {str(p)!r} is the same file as the {in_label} "
                                 f"{str(q)!r}; refusing to overwrite an input")
        for other_label, q in checked.items():
            if _same_file(p, q):
                raise ValueError(f"{label} and {other_label} are the same file {str(p)!r}; give "
                                 "two different paths")
        checked[label] = check_output_path(p, label=label, force=force)
    return checked


def _target_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; on success fsync it and rename it onto ``path``.

    For writers that need a file name rather than a file object. On any exception
    (KeyboardInterrupt and :class:`Interrupted` included) the temporary file is removed and
    ``path`` is left as it was.
    """
    # the same checks as before a run (replacing is the caller's decision here, hence force)
    path = check_output_path(path, force=True)
    parent = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    _LIVE_TEMPS.add(tmp)
    try:
        # mkstemp makes 0600; give the result the mode a plain open() would (or the old file's)
        os.fchmod(fd, _target_mode(path))
    finally:
        os.close(fd)
    try:
        yield Path(tmp)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        raise_if_interrupted()  # never replace an output after a signal
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    finally:
        _LIVE_TEMPS.discard(tmp)


@contextmanager
def atomic_output(path, mode: str = "wb"):
    """Open a temporary file beside ``path``; on success fsync and rename it onto ``path``.

    On any exception (KeyboardInterrupt included) the temporary file is removed and ``path``
    is left as it was.
    """
    with atomic_path(path) as tmp:
        with open(tmp, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_bytes(path, data: bytes) -> None:
    """Atomically write ``data`` to ``path``."""
    with atomic_output(path, "wb") as fh:
        fh.write(data)


def write_text(path, text: str) -> None:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    write_bytes(path, text.encode("utf-8"))


def json_safe(obj, reasons: dict | None = None):
    """A copy of ``obj`` valid as strict JSON: numpy scalars/arrays become Python values and
    every NaN/inf becomes ``None``.

    When a non-finite value was replaced, the returned dict (``obj`` must then be a dict) gains a
    ``"reason"`` entry mapping each replaced top-level key to ``reasons[key]`` (or a generic
    sentence naming the value), so a ``null`` always says why.
    """
    replaced: dict[str, str] = {}

    def convert(x, top):
        if isinstance(x, dict):
            return {str(k): convert(val, top if top is not None else str(k)) for k, val in x.items()}
        if isinstance(x, (list, tuple)):
            return [convert(val, top) for val in x]
        if isinstance(x, np.ndarray):
            return convert(x.tolist(), top)
        if isinstance(x, (np.bool_, bool)):
            return bool(x)
        if isinstance(x, np.integer):
            return int(x)
        if isinstance(x, (float, np.floating)):
            f = float(x)
            if math.isfinite(f):
                return f
            if top is not None and top not in replaced:
                replaced[top] = (reasons or {}).get(top) or f"not finite ({f!r})"
            return None
        return x

    out = convert(obj, None)
    if replaced:
        if not isinstance(out, dict):
            raise ValueError("json_safe: non-finite values outside a dict cannot carry a reason")
        out["reason"] = {**out.get("reason", {}), **replaced}
    return out


def write_json(path, obj, *, indent: int = 2) -> None:
    """Atomically write strict JSON (``allow_nan=False``: NaN/inf raise ValueError)."""
    write_text(path, json.dumps(obj, indent=indent, allow_nan=False) + "\n")


def write_npy_stream(fh, dtype, shape) -> None:
    """Write the ``.npy`` header of a C-ordered array of ``dtype`` and ``shape`` to ``fh``.

    The data follow as raw bytes (``fh.write(chunk.tobytes())``): streamed writes report a full
    disk as an OSError, where a memory map would die of SIGBUS.
    """
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": tuple(int(s) for s in shape)}
    np.lib.format.write_array_header_2_0(fh, header) if _needs_v2(header) else \
        np.lib.format.write_array_header_1_0(fh, header)


def _needs_v2(header) -> bool:
    return len(repr(header)) > 65000
