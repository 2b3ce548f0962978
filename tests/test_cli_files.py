"""The command line never loses data: atomic outputs, refused paths, signals, exit codes."""
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fsq_theory import FSQ
from fsq_theory.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _temps(d):
    return sorted(p.name for p in Path(d).iterdir() if p.name.endswith(".tmp"))


@pytest.fixture
def z(tmp_path):
    arr = (np.random.default_rng(0).standard_normal((3000, 2)) * 1.3).astype(np.float32)
    np.save(tmp_path / "in.npy", arr)
    return arr


def _quantize(tmp_path, *extra):
    return main(["quantize", str(tmp_path / "in.npy"), "--levels", "8,5", "--quiet", *extra])


# --- outputs never clobber inputs --------------------------------------------------------------

@pytest.mark.parametrize("flag", ["--out", "--stats"])
def test_output_on_the_input_is_refused(tmp_path, z, capsys, flag):
    before = (tmp_path / "in.npy").read_bytes()
    target = str(tmp_path / "in.npy") if flag == "--out" else str(tmp_path / "." / "in.npy")
    assert _quantize(tmp_path, flag, target, "--force") == 2
    assert "same file as the input" in capsys.readouterr().err
    assert (tmp_path / "in.npy").read_bytes() == before


def test_output_hard_link_to_the_input_is_refused(tmp_path, z, capsys):
    os.link(tmp_path / "in.npy", tmp_path / "alias.npy")
    assert _quantize(tmp_path, "--out", str(tmp_path / "alias.npy"), "--force") == 2
    np.testing.assert_array_equal(np.load(tmp_path / "in.npy"), z)


def test_out_on_csv_input_is_refused(tmp_path, capsys):
    np.savetxt(tmp_path / "in.csv", np.zeros((5, 2)), delimiter=",")
    before = (tmp_path / "in.csv").read_text()
    rc = main(["quantize", str(tmp_path / "in.csv"), "--levels", "8,5", "--out",
               str(tmp_path / "in.csv"), "--force", "--quiet"])
    assert rc == 2 and (tmp_path / "in.csv").read_text() == before


def test_out_and_stats_same_path_refused(tmp_path, z, capsys):
    assert _quantize(tmp_path, "--out", str(tmp_path / "x.npy"), "--stats",
                     str(tmp_path / "x.npy")) == 2
    assert "same file" in capsys.readouterr().err and not (tmp_path / "x.npy").exists()


def test_existing_output_needs_force(tmp_path, z, capsys):
    (tmp_path / "o.npy").write_bytes(b"previous")
    assert _quantize(tmp_path, "--out", str(tmp_path / "o.npy")) == 2
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "o.npy").read_bytes() == b"previous"
    assert _quantize(tmp_path, "--out", str(tmp_path / "o.npy"), "--force") == 0
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), FSQ([8, 5]).encode(z))


def test_failed_run_leaves_previous_output_and_no_temp(tmp_path, capsys):
    bad = np.zeros((5000, 2), dtype=np.float32)
    bad[4000, 1] = np.nan  # found in the second chunk, after the first was written
    np.save(tmp_path / "in.npy", bad)
    np.save(tmp_path / "o.npy", np.arange(7))
    assert _quantize(tmp_path, "--out", str(tmp_path / "o.npy"), "--force",
                     "--chunk-size", "1000") == 2
    assert "row 4000" in capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), np.arange(7))
    assert _temps(tmp_path) == []


@pytest.mark.parametrize("argv, match", [
    (["stats", "--levels", "8,5", "-n", "1e4", "--json", "{d}"], "is a directory"),
    (["stats", "--levels", "8,5", "-n", "1e4", "--json", "{d}/no/x.json"], "does not exist"),
    (["quantize", "{d}/in.npy", "--levels", "8,5", "--out", "{d}"], "must end in .npy"),
    (["quantize", "{d}/in.npy", "--levels", "8,5", "--out", "{d}/sub.npy"], "is a directory"),
    (["quantize", "{d}/in.npy", "--levels", "8,5", "--stats", "{d}/no/s.json"], "does not exist"),
    (["figures", "--only", "w2_levels", "--quick", "--outdir", "{d}/in.npy"], "not a directory"),
])
def test_bad_output_path_reported_before_any_work(tmp_path, z, capsys, monkeypatch, argv, match):
    (tmp_path / "sub.npy").mkdir()
    import fsq_theory.stats as stats_mod

    def no_work(*a, **k):
        raise AssertionError("computation started before the output path was checked")

    monkeypatch.setattr(stats_mod, "stream_stats", no_work)
    monkeypatch.setattr("fsq_theory.figures.make_figure", no_work)
    assert main([a.format(d=tmp_path) for a in argv]) == 2
    assert match in capsys.readouterr().err


# --- honest numbers: strict JSON, limits, parsing ------------------------------------------------

def test_json_is_strict_with_reasons_above_joint_limit(tmp_path, capsys):
    # 2^23 codes: no joint histogram, so entropy and usage are unknown
    rc = main(["stats", "--levels", "2048,4096", "-n", "2e4", "--quiet", "--json",
               str(tmp_path / "o.json")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "nan" not in out.lower().replace("n/a", "")
    text = (tmp_path / "o.json").read_text()
    s = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert s["entropy_bits"] is None and s["usage"] is None
    assert "joint-histogram limit" in s["reason"]["entropy_bits"]


def test_levels_with_empty_entry_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["stats", "--levels", "8,,5", "-n", "100"])
    assert info.value.code == 2 and "empty entries" in capsys.readouterr().err


def test_n_beyond_int64_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["stats", "--levels", "8,5", "-n", "1e30"])
    assert info.value.code == 2 and "beyond int64" in capsys.readouterr().err


def test_huge_levels_refused_up_front_with_bytes(capsys):
    assert main(["stats", "--levels", "2147483648", "-n", "100", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "would need about" in err and "bytes" in err


def test_long_run_refused_by_max_seconds(capsys):
    assert main(["stats", "--levels", "8,5,5,5", "-n", "1e13", "--quiet",
                 "--max-seconds", "5"]) == 2
    assert "would take about" in capsys.readouterr().err


def test_csv_header_flags(tmp_path, capsys):
    data = np.random.default_rng(1).standard_normal((50, 2))
    pd.DataFrame(data).to_csv(tmp_path / "in.csv", index=False)  # header "0,1"
    rc = main(["quantize", str(tmp_path / "in.csv"), "--levels", "8,5", "--quiet",
               "--out", str(tmp_path / "a.npy")])
    assert rc == 0 and np.load(tmp_path / "a.npy").shape == (50,)
    rc = main(["quantize", str(tmp_path / "in.csv"), "--levels", "8,5", "--quiet", "--no-header",
               "--out", str(tmp_path / "b.npy")])
    assert rc == 0 and np.load(tmp_path / "b.npy").shape == (51,)


# --- exit codes ---------------------------------------------------------------------------------

def test_exit_codes_documented_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for code in ("0", "1", "2", "130", "143"):
        assert f"\n  {code} " in out


def test_exit_1_when_a_check_fails(monkeypatch, capsys):
    import fsq_theory.checks as checks

    real = checks.run_checks

    def failing(*a, **k):
        rep = real(["stream_stats_chi2"], progress=False)
        from dataclasses import replace

        return type(rep)([replace(r, passed=False) for r in rep.results])

    monkeypatch.setattr(checks, "run_checks", failing)
    assert main(["check", "--only", "stream_stats_chi2", "--quiet"]) == 1


# --- signals and write errors (subprocesses) ----------------------------------------------------

def _cli(args, **kw):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "fsq_theory.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _wait_for(pred, timeout=120.0):
    t0 = time.monotonic()
    while not pred():
        if time.monotonic() - t0 > timeout:
            raise AssertionError("timed out")
        time.sleep(0.01)


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_quantize_interrupted_keeps_previous_output(tmp_path, sig, code):
    np.save(tmp_path / "in.npy", np.zeros((4_000_000, 1), dtype=np.float32))
    np.save(tmp_path / "o.npy", np.arange(5))
    (tmp_path / "s.json").write_text('{"previous": true}')
    # chunks of one row: the run lasts long enough to be interrupted while writing (~10 us per
    # one-row chunk since the flat encode: 400,000 rows took 4 s, too short under load)
    p = _cli(["quantize", str(tmp_path / "in.npy"), "--levels", "8", "--out",
              str(tmp_path / "o.npy"), "--stats", str(tmp_path / "s.json"), "--force",
              "--quiet", "--chunk-size", "1"])
    _wait_for(lambda: _temps(tmp_path) or p.poll() is not None)
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "interrupted" in err
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), np.arange(5))
    assert (tmp_path / "s.json").read_text() == '{"previous": true}'
    assert _temps(tmp_path) == []


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_stats_interrupted_keeps_previous_output(tmp_path, sig, code):
    (tmp_path / "o.json").write_text('{"previous": true}')
    p = _cli(["stats", "--levels", "8,5,5,5", "-n", "1e13", "--json", str(tmp_path / "o.json"),
              "--force", "--quiet"])
    line = p.stderr.readline()  # the time-estimate notice: the long run has started
    assert "will take about" in line
    time.sleep(0.5)
    p.send_signal(sig)
    out, err = p.communicate(timeout=120)
    assert p.returncode == code, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert (tmp_path / "o.json").read_text() == '{"previous": true}'
    assert _temps(tmp_path) == []


def _limit_file_size(nbytes):
    def pre():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes beyond the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return pre


def test_quantize_write_error_keeps_previous_output(tmp_path):
    np.save(tmp_path / "in.npy", np.zeros((200_000, 1), dtype=np.float32))
    np.save(tmp_path / "o.npy", np.arange(5))
    p = _cli(["quantize", str(tmp_path / "in.npy"), "--levels", "8", "--out",
              str(tmp_path / "o.npy"), "--force", "--quiet"], preexec_fn=_limit_file_size(1 << 20))
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2 and "Traceback" not in err
    assert "error" in err and len(err.strip().splitlines()) == 1
    np.testing.assert_array_equal(np.load(tmp_path / "o.npy"), np.arange(5))
    assert _temps(tmp_path) == []


def test_stats_write_error_keeps_previous_output(tmp_path):
    (tmp_path / "o.json").write_text('{"previous": true}')
    p = _cli(["stats", "--levels", "8,5", "-n", "1e4", "--json", str(tmp_path / "o.json"),
              "--force", "--quiet"], preexec_fn=_limit_file_size(100))
    out, err = p.communicate(timeout=300)
    assert p.returncode == 2 and "Traceback" not in err, err
    assert (tmp_path / "o.json").read_text() == '{"previous": true}'
    assert _temps(tmp_path) == []


def test_failed_run_creates_no_output(tmp_path, capsys):
    bad = np.zeros((5000, 2), dtype=np.float32)
    bad[4000, 1] = np.inf
    np.save(tmp_path / "in.npy", bad)
    assert _quantize(tmp_path, "--out", str(tmp_path / "o.npy"), "--chunk-size", "1000") == 2
    assert not (tmp_path / "o.npy").exists() and _temps(tmp_path) == []


@pytest.mark.parametrize("content, match", [
    (b"", "is empty"), (b"\x93NUMPY\x01\x00\xff\x00{'descr'", "truncated"),
    (bytes(range(256)) * 4, "not a .npy file"),
])
def test_unreadable_input_is_exit_2_naming_the_file(tmp_path, capsys, content, match):
    (tmp_path / "in.npy").write_bytes(content)
    assert _quantize(tmp_path, "--out", str(tmp_path / "o.npy")) == 2
    err = capsys.readouterr().err
    assert match in err and "in.npy" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
