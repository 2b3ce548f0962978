import json

import numpy as np
import pytest

from fsq_theory import FSQ
from fsq_theory.cli import main


def test_quantize_writes_indices_and_stats(tmp_path, capsys):
    z = (np.random.default_rng(0).standard_normal((5000, 4)) * 1.3).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    rc = main(["quantize", str(tmp_path / "z.npy"), "--levels", "8,5,5,5", "--out",
               str(tmp_path / "idx.npy"), "--stats", str(tmp_path / "s.json"), "--quiet",
               "--chunk-size", "1000"])
    assert rc == 0
    idx = np.load(tmp_path / "idx.npy")
    np.testing.assert_array_equal(idx, FSQ([8, 5, 5, 5]).encode(z))
    s = json.loads((tmp_path / "s.json").read_text())
    counts = np.bincount(idx, minlength=1000) / len(idx)
    p = counts[counts > 0]
    assert s["n"] == 5000 and s["entropy_bits"] == pytest.approx(-(p * np.log2(p)).sum(), rel=1e-12)


def test_stats_command_prints_table_and_json(tmp_path, capsys):
    rc = main(["stats", "--source", "gaussian", "--dim", "4", "--levels", "8,5,5,5", "-n", "2e4",
               "--seed", "3", "--quiet", "--json", str(tmp_path / "o.json")])
    out = capsys.readouterr().out
    assert rc == 0 and "entropy H(Z)" in out and "20,000" in out
    s = json.loads((tmp_path / "o.json").read_text())
    assert s["n"] == 20000 and 0 < s["entropy_bits"] < np.log2(1000)


@pytest.mark.parametrize("argv, match", [
    (["stats", "--levels", "8,1", "--quiet"], "levels"),
    (["stats", "--levels", "8,5", "--dim", "3", "--quiet"], "--dim 3"),
    (["quantize", "/nonexistent.npy", "--levels", "8,5"], "does not exist"),
])
def test_errors_exit_2_with_message(argv, match, capsys):
    assert main(argv) == 2
    assert match in capsys.readouterr().err


def test_bad_count_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit):
        main(["stats", "--levels", "8,5", "-n", "1.5"])
    assert "positive integer count" in capsys.readouterr().err


def test_check_only_and_figures_only(tmp_path, capsys):
    assert main(["check", "--only", "stream_stats_chi2", "--quiet"]) == 0
    assert "1/1 checks passed" in capsys.readouterr().out
    assert main(["figures", "--only", "fsq_levels_gaussian", "--quick", "--quiet", "--outdir", str(tmp_path)]) == 0
    assert {p.suffix for p in tmp_path.iterdir()} == {".png", ".pdf", ".csv"}
