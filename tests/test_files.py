"""fsq_theory._files: atomic outputs, output-path checks, strict JSON with reasons."""
import json
import math
import os
import signal

import numpy as np
import pytest

from fsq_theory import _files as f


def _temps(d):
    return [p.name for p in d.iterdir() if p.name.endswith(".tmp")]


def test_atomic_output_keeps_previous_file_on_error(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("previous")
    with pytest.raises(RuntimeError):
        with f.atomic_output(out) as fh:
            fh.write(b"half")
            raise RuntimeError("boom")
    assert out.read_text() == "previous" and _temps(tmp_path) == []


def test_atomic_output_keeps_previous_file_on_interrupt(tmp_path):
    out = tmp_path / "o.txt"
    out.write_text("previous")
    with pytest.raises(f.Interrupted):
        with f.atomic_output(out) as fh:
            fh.write(b"half")
            raise f.Interrupted(signal.SIGTERM)
    assert out.read_text() == "previous" and _temps(tmp_path) == []


def test_atomic_output_mode_is_not_0600(tmp_path):
    out = tmp_path / "o.txt"
    f.write_text(out, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask
    out.chmod(0o640)
    f.write_text(out, "y")
    assert out.stat().st_mode & 0o777 == 0o640  # a replaced file keeps its mode


def test_exit_on_signals_turns_sigterm_into_interrupted():
    with pytest.raises(f.Interrupted) as info:
        with f.exit_on_signals():
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10**6):  # the handler runs between bytecodes
                pass
    assert info.value.code == 143 and info.value.name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_check_outputs_refuses_input_by_path_symlink_and_inode(tmp_path):
    inp = tmp_path / "in.npy"
    np.save(inp, np.zeros(3))
    (tmp_path / "link.npy").symlink_to(inp)
    os.link(inp, tmp_path / "hard.npy")
    for name in ("in.npy", "link.npy", "hard.npy", "./in.npy"):
        path = tmp_path / name
        with pytest.raises(ValueError, match="same file as the input"):
            f.check_outputs({"--out": path}, {"input": inp}, force=True)
    with pytest.raises(ValueError, match="--stats and --out are the same file"):
        f.check_outputs({"--out": tmp_path / "x", "--stats": tmp_path / "x"})


def test_check_output_path_refusals(tmp_path):
    (tmp_path / "old").write_text("1")
    with pytest.raises(ValueError, match="already exists; pass --force"):
        f.check_output_path(tmp_path / "old")
    assert f.check_output_path(tmp_path / "old", force=True) == tmp_path / "old"
    with pytest.raises(ValueError, match="is a directory"):
        f.check_output_path(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        f.check_output_path(tmp_path / "nope" / "x.json")
    with pytest.raises(ValueError, match="is not a directory"):
        f.check_output_path(tmp_path / "old" / "x.json")
    with pytest.raises(ValueError, match="must not be empty"):
        f.check_output_path("")


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_check_output_path_refuses_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ValueError, match="not writable"):
            f.check_output_path(ro / "x.json")
    finally:
        ro.chmod(0o700)


def test_json_safe_replaces_non_finite_with_null_and_reason(tmp_path):
    obj = {"a": float("nan"), "b": [1.0, np.inf], "c": np.float32(2.5), "d": np.int64(3),
           "e": np.array([1.0, 2.0])}
    out = f.json_safe(obj, {"a": "no joint histogram"})
    assert out["a"] is None and out["b"] == [1.0, None] and out["c"] == 2.5 and out["d"] == 3
    assert out["reason"] == {"a": "no joint histogram", "b": "not finite (inf)"}
    f.write_json(tmp_path / "o.json", out)
    text = (tmp_path / "o.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))


def test_write_json_is_strict(tmp_path):
    with pytest.raises(ValueError):
        f.write_json(tmp_path / "o.json", {"x": math.nan})
    assert not (tmp_path / "o.json").exists() and _temps(tmp_path) == []


def test_write_npy_stream_roundtrip(tmp_path):
    idx = np.arange(10, dtype=np.int64)
    with f.atomic_output(tmp_path / "i.npy") as fh:
        f.write_npy_stream(fh, np.int64, idx.shape)
        fh.write(idx.tobytes())
    np.testing.assert_array_equal(np.load(tmp_path / "i.npy"), idx)


def test_signal_whose_exception_was_lost_still_stops_the_run(tmp_path):
    """CPython can drop the exception a signal handler raises while it compiles a module's
    source (seen with a lazily imported kernel module); the recorded signal must still keep
    outputs from being replaced and end the block with Interrupted."""
    import os
    import signal
    import time

    from fsq_theory._files import Interrupted, atomic_output, exit_on_signals

    out = tmp_path / "o.bin"
    out.write_bytes(b"old")
    with pytest.raises(Interrupted) as info:
        with exit_on_signals():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(1)
            except Interrupted:
                pass  # the lost exception
            with atomic_output(out) as fh:
                fh.write(b"new")
    assert info.value.code == 128 + signal.SIGTERM
    assert out.read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["o.bin"]
    with atomic_output(out) as fh:  # the signal belonged to its block: later writes go ahead
        fh.write(b"new")
    assert out.read_bytes() == b"new"
