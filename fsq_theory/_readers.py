r"""Reading data files into arrays, safely: every failure is a ValueError naming the file.

Formats (chosen by the suffix):

``.npy``
    The header is parsed first (magic string, format version, dtype, shape); the declared data
    size is compared with the file size (truncated files and trailing bytes are refused) and with
    the memory budget. Native byte order is memory-mapped (files larger than RAM work);
    big-endian data are converted to native order in memory, so float32 stays float32 and bins
    exactly as ``FSQ.encode`` bins it. Object arrays (pickles) are refused, never unpickled;
    structured (record) arrays are refused with their field names.
``.npz``
    Opened as a zip archive; the declared uncompressed size of the member and its ``.npy``
    header are checked against the memory budget *before* decompression (a small archive can
    expand to gigabytes). ``key`` selects the member when there are several.
``.csv``
    Read with pandas (UTF-8, a byte-order mark is ignored). The first row is a **header** when
    one of its fields does not parse as a number, or when its values are exactly
    ``0, 1, ..., d-1`` (what ``pandas.DataFrame(array).to_csv(index=False)`` writes); override
    with ``header=True``/``False`` (``--header``/``--no-header`` on the command line). A header
    whose first field is empty or ``Unnamed: 0`` marks an **index column** (pandas' default
    ``to_csv``), which is dropped. Any other non-numeric cell is refused with its row and column.
"""

from __future__ import annotations

import ast
import math
import os
import re
import zipfile
from pathlib import Path

import numpy as np

from . import _validation as v

SUFFIXES = (".npy", ".npz", ".csv")


def _name(path) -> str:
    return repr(str(path))


def load_array(path, *, key=None, header=None, max_memory=None) -> np.ndarray:
    """The array stored in ``path`` (see the module docstring for the rules per format).

    Raises FileNotFoundError for a missing file and ValueError (naming the file) for anything
    else that cannot be read as real numbers.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data file {_name(path)} does not exist")
    if path.is_dir():
        raise ValueError(f"data file {_name(path)} is a directory")
    if header is not None and not isinstance(header, (bool, np.bool_)):
        raise TypeError(f"header must be None, True or False, got {header!r}")
    budget = v.check_max_memory(max_memory)
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return _load_npy(path, budget)
        if suffix == ".npz":
            return _load_npz(path, key, budget)
        if suffix == ".csv":
            return _load_csv(path, header, budget)
    except OSError as exc:
        raise ValueError(f"data file {_name(path)} could not be read: {exc.strerror or exc}") from None
    raise ValueError(f"data file {_name(path)} must be .npy, .npz or .csv (pickles are not read)")


# --- .npy ---------------------------------------------------------------------------------------

def _read_npy_header(fh, where: str):
    """(dtype, shape, fortran_order, data offset) from an open .npy stream, or ValueError."""
    magic = fh.read(6)
    if magic != b"\x93NUMPY":
        shown = magic[:6]
        what = "is empty" if not magic else f"does not start with the .npy magic string (starts {shown!r})"
        raise ValueError(f"{where} is not a .npy file: it {what}")
    version = fh.read(2)
    if len(version) < 2 or version[0] not in (1, 2, 3):
        raise ValueError(f"{where}: unsupported or truncated .npy format version {tuple(version)}")
    size_bytes = 2 if version[0] == 1 else 4
    raw = fh.read(size_bytes)
    if len(raw) < size_bytes:
        raise ValueError(f"{where}: truncated .npy header")
    hlen = int.from_bytes(raw, "little")
    text = fh.read(hlen)
    if len(text) < hlen:
        raise ValueError(f"{where}: truncated .npy header ({len(text)} of {hlen} bytes)")
    try:
        d = ast.literal_eval(text.decode("latin1" if version[0] < 3 else "utf8"))
        if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
            raise ValueError("keys")
        shape = tuple(d["shape"])
        if not all(isinstance(s, int) and s >= 0 for s in shape):
            raise ValueError("shape")
        dtype = np.lib.format.descr_to_dtype(d["descr"])
        fortran = bool(d["fortran_order"])
    except Exception:
        raise ValueError(f"{where}: the .npy header cannot be parsed: {text[:120]!r}") from None
    return dtype, shape, fortran, 6 + 2 + size_bytes + hlen


def _check_dtype(dtype: np.dtype, where: str) -> None:
    if dtype.hasobject:
        raise ValueError(f"{where} holds pickled Python objects; refusing to load it "
                         "(pickles can run code)")
    if dtype.names is not None:
        raise ValueError(f"{where} holds a structured (record) array with fields "
                         f"{list(dtype.names)}; save a plain 2-D numeric array, e.g. "
                         "np.column_stack([a[f] for f in a.dtype.names])")
    if dtype.subdtype is not None or dtype.kind not in "fiu":
        raise ValueError(f"{where} must hold real numbers, got dtype {dtype}")


def _check_budget(nbytes: int, budget: int, where: str) -> None:
    if nbytes > budget:
        raise ValueError(f"{where} would take {v.format_bytes(nbytes)} ({nbytes} bytes) in "
                         f"memory, more than the budget of {v.format_bytes(budget)}")


def _native(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.byteorder not in ("=", "|") and arr.dtype.byteorder != _NATIVE:
        return arr.astype(arr.dtype.newbyteorder("="))
    return arr


_NATIVE = "<" if np.little_endian else ">"


def npy_layout(path, where: str):
    """``(dtype, shape, fortran_order, data offset)`` of a .npy file, checked without reading
    the data: header parsed by hand (never unpickled), object/structured/non-real dtypes
    refused, and the file size must equal header + data (truncation, trailing bytes).

    For readers that stream the rows themselves (the report); ValueError naming ``where``.
    """
    with open(path, "rb") as fh:
        dtype, shape, fortran, offset = _read_npy_header(fh, where)
    _check_dtype(dtype, where)
    nbytes = math.prod(shape) * dtype.itemsize
    have = os.path.getsize(path) - offset
    if have < nbytes:
        raise ValueError(f"{where} is truncated: its header declares shape {shape} of {dtype} "
                         f"({nbytes} bytes of data) but the file holds {have}")
    if have > nbytes:
        raise ValueError(f"{where} has {have - nbytes} bytes after the data its header declares "
                         f"(shape {shape} of {dtype}); it is not a valid .npy file")
    return dtype, shape, fortran, offset


def _load_npy(path: Path, budget: int) -> np.ndarray:
    where = f"data file {_name(path)}"
    dtype, shape, fortran, offset = npy_layout(path, where)
    nbytes = math.prod(shape) * dtype.itemsize
    if math.prod(shape) == 0:
        return np.zeros(shape, dtype=dtype.newbyteorder("="))
    arr = np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape,
                    order="F" if fortran else "C")
    if arr.dtype.byteorder not in ("=", "|", _NATIVE):
        _check_budget(nbytes, budget, where + " (non-native byte order is converted in memory)")
        return _native(np.asarray(arr))
    return arr


# --- .npz ---------------------------------------------------------------------------------------

def _load_npz(path: Path, key, budget: int) -> np.ndarray:
    where = f"data file {_name(path)}"
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"{where} is not a valid .npz (zip) archive: {exc}") from None
    with zf:
        members = {n[:-4] if n.endswith(".npy") else n: n for n in zf.namelist()}
        names = list(members)
        if key is None:
            if len(names) != 1:
                raise ValueError(f"{where} holds arrays {names}; choose one with key=")
            key = names[0]
        if key not in members:
            raise ValueError(f"key {key!r} not in {where} (arrays: {names})")
        info = zf.getinfo(members[key])
        _check_budget(info.file_size, budget, f"{where}[{key!r}] (declared uncompressed size)")
        try:
            with zf.open(info) as fh:
                mwhere = f"{where}[{key!r}]"
                dtype, shape, fortran, offset = _read_npy_header(fh, mwhere)
                _check_dtype(dtype, mwhere)
                nbytes = math.prod(shape) * dtype.itemsize
                _check_budget(nbytes, budget, mwhere)
                if info.file_size - offset != nbytes:
                    raise ValueError(f"{mwhere}: its header declares {nbytes} bytes of data "
                                     f"(shape {shape} of {dtype}) but the member holds "
                                     f"{info.file_size - offset}")
                buf = bytearray(nbytes)
                view = memoryview(buf)
                got = 0
                while got < nbytes:
                    k = fh.readinto(view[got:])
                    if not k:
                        break
                    got += k
                if got != nbytes:
                    raise ValueError(f"{mwhere} is truncated ({got} of {nbytes} bytes)")
        except (zipfile.BadZipFile, EOFError, NotImplementedError) as exc:
            raise ValueError(f"{where}[{key!r}] cannot be decompressed: {exc}") from None
        arr = np.frombuffer(buf, dtype=dtype).reshape(shape, order="F" if fortran else "C")
        return _native(arr)


# --- .csv ---------------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?|nan|inf|infinity)\s*$",
                     re.IGNORECASE)


def _is_number(field: str) -> bool:
    return bool(_NUMBER.match(field))


def _load_csv(path: Path, header, budget: int) -> np.ndarray:
    import pandas as pd

    where = f"data file {_name(path)}"
    # each value takes >= 2 bytes of text (digit and comma) and 8 as float64, plus pandas'
    # string column while parsing: about 4 bytes of memory per byte of text at most
    _check_budget(os.path.getsize(path) * 4, budget, where + " (parsed CSV)")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        try:
            first = fh.readline()
        except UnicodeDecodeError:
            raise ValueError(f"{where} is not UTF-8 text (is it a binary file with a .csv "
                             "suffix?)") from None
    if not first.strip():
        raise ValueError(f"{where} holds no data (the first line is empty)")
    fields = [f.strip() for f in first.rstrip("\r\n").split(",")]
    numeric = all(_is_number(f) for f in fields)
    looks_like_names = not numeric or _is_range_header(fields)
    has_header = looks_like_names if header is None else bool(header)
    index_col = has_header and fields[0] in ("", "Unnamed: 0")
    try:
        df = pd.read_csv(path, header=0 if has_header else None, encoding="utf-8-sig",
                         skip_blank_lines=True, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{where} holds no data") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise ValueError(f"{where} is not a rectangular comma-separated table: "
                         f"{str(exc).strip()}") from None
    if index_col:
        df = df.iloc[:, 1:]
    if df.shape[0] == 0:
        raise ValueError(f"{where} holds a header but no data rows")
    if df.shape[1] == 0:
        raise ValueError(f"{where} holds no data columns")
    try:
        return df.to_numpy().astype(np.float64)
    except ValueError:
        pass
    row0 = 2 if has_header else 1
    for c in range(df.shape[1]):
        col = df.iloc[:, c]
        bad = ~col.map(_is_number).to_numpy()
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            hint = (" (the first row was read as a header; pass header=False / --no-header "
                    "if it is data)" if has_header else "")
            raise ValueError(f"{where}: line {r + row0}, column {c + 1 + int(index_col)} holds "
                             f"{col.iloc[r]!r}, not a number{hint}")
    raise ValueError(f"{where} could not be converted to numbers")  # pragma: no cover


def _is_range_header(fields) -> bool:
    """Whether a numeric first row is ``0, 1, ..., d-1`` (column names written by pandas)."""
    try:
        vals = [float(f) for f in fields]
    except ValueError:
        return False
    return vals == [float(i) for i in range(len(vals))] and \
        all(re.fullmatch(r"\d+", f) for f in fields)
