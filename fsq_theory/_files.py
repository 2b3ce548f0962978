"""Safe output files: every file the package writes goes through here.

An output is written to a temporary file in the target directory, flushed to disk, then renamed
over the target with ``os.replace`` (atomic on POSIX), so a failed or interrupted run leaves the
previous output intact and never a half-written file. Strict JSON: NaN and infinities are refused.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output(path, mode: str = "wb"):
    """Open a temporary file beside ``path``; on success fsync and rename it onto ``path``.

    On any exception (KeyboardInterrupt included) the temporary file is removed and ``path``
    is left as it was.
    """
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"output path {str(path)!r} is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"output directory {str(parent)!r} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    try:
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def write_bytes(path, data: bytes) -> None:
    """Atomically write ``data`` to ``path``."""
    with atomic_output(path, "wb") as fh:
        fh.write(data)


def write_text(path, text: str) -> None:
    """Atomically write ``text`` (UTF-8) to ``path``."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj, *, indent: int = 2) -> None:
    """Atomically write strict JSON (``allow_nan=False``: NaN/inf raise ValueError)."""
    write_text(path, json.dumps(obj, indent=indent, allow_nan=False) + "\n")
