"""fsq_theory._readers and EmpiricalSource on hostile files: each failure names the file."""
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from fsq_theory import FSQ, EmpiricalSource
from fsq_theory._readers import load_array

DATA = np.random.default_rng(0).standard_normal((20, 4))


# --- CSV --------------------------------------------------------------------------------------

def test_csv_pandas_range_header_is_a_header(tmp_path):
    # DataFrame(array).to_csv(index=False) writes the column names 0,1,2,3 as the first line
    pd.DataFrame(DATA).to_csv(tmp_path / "a.csv", index=False)
    got = load_array(tmp_path / "a.csv")
    assert got.shape == (20, 4)
    np.testing.assert_allclose(got, DATA, rtol=1e-15)
    # --no-header reads it as data
    assert load_array(tmp_path / "a.csv", header=False).shape == (21, 4)


def test_csv_pandas_index_column_is_dropped(tmp_path):
    pd.DataFrame(DATA).to_csv(tmp_path / "a.csv")  # default: index column, header ",0,1,2,3"
    np.testing.assert_allclose(load_array(tmp_path / "a.csv"), DATA, rtol=1e-15)


def test_csv_bom_without_header_keeps_first_row(tmp_path):
    text = "\n".join(",".join(repr(float(x)) for x in row) for row in DATA) + "\n"
    (tmp_path / "a.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    got = load_array(tmp_path / "a.csv")
    assert got.shape == (20, 4)
    np.testing.assert_array_equal(got, DATA)


def test_csv_named_header_and_bom(tmp_path):
    text = "a,b,c,d\n" + "\n".join(",".join(repr(float(x)) for x in row) for row in DATA)
    (tmp_path / "a.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    np.testing.assert_array_equal(load_array(tmp_path / "a.csv"), DATA)


def test_csv_bad_cell_names_file_line_and_column(tmp_path):
    (tmp_path / "a.csv").write_text("1,2\n3,x\n")
    with pytest.raises(ValueError, match=r"a\.csv.*line 2, column 2 holds 'x'"):
        load_array(tmp_path / "a.csv")


@pytest.mark.parametrize("content, match", [
    ("", "no data"), ("\n\n", "no data"), ("a,b\n", "header but no data"),
    ("1,2\n3,4,5\n", "not a rectangular"),
])
def test_csv_degenerate(tmp_path, content, match):
    (tmp_path / "a.csv").write_text(content)
    with pytest.raises(ValueError, match=match):
        load_array(tmp_path / "a.csv")


def test_csv_binary_content(tmp_path):
    (tmp_path / "a.csv").write_bytes(np.random.default_rng(1).bytes(300))
    with pytest.raises(ValueError, match=r"a\.csv"):
        load_array(tmp_path / "a.csv")


# --- .npy -------------------------------------------------------------------------------------

@pytest.mark.parametrize("content, match", [
    (b"", "is empty"),
    (b"\x93NUMPY\x01\x00\x40\x00{'descr': '<f8',", "truncated"),
    (b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f8', 'shape': oops}  \n", "cannot be parsed"),
    (b"PK\x03\x04 this is a zip, not npy", "magic"),
])
def test_npy_bad_header(tmp_path, content, match):
    (tmp_path / "a.npy").write_bytes(content)
    with pytest.raises(ValueError, match=match) as info:
        load_array(tmp_path / "a.npy")
    assert "a.npy" in str(info.value)


def test_npy_random_bytes_are_not_called_pickles(tmp_path):
    (tmp_path / "a.npy").write_bytes(np.random.default_rng(2).bytes(1000))
    with pytest.raises(ValueError, match="not a .npy file") as info:
        load_array(tmp_path / "a.npy")
    assert "pickle" not in str(info.value)


def test_npy_truncated_and_trailing(tmp_path):
    np.save(tmp_path / "a.npy", DATA)
    raw = (tmp_path / "a.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(raw[:-5])
    with pytest.raises(ValueError, match="truncated"):
        load_array(tmp_path / "t.npy")
    (tmp_path / "x.npy").write_bytes(raw + b"junk")
    with pytest.raises(ValueError, match="4 bytes after the data"):
        load_array(tmp_path / "x.npy")


def test_npy_big_endian_is_converted_and_bins_like_native(tmp_path):
    fsq = FSQ([8, 5, 5, 5])
    # rows on the float32 cell boundaries: where float64 re-binning disagrees with float32
    thr = fsq.thresholds(np.float32)
    z = np.stack([np.repeat(t[: 3], 7)[:21] for t in thr], axis=1).astype(np.float32)
    np.save(tmp_path / "be.npy", z.astype(">f4"))
    src = EmpiricalSource(tmp_path / "be.npy")
    assert src._data.dtype == np.float32 and src._data.dtype.isnative
    from fsq_theory import stream_stats

    st = stream_stats(fsq, src, len(z))
    ref = np.bincount(fsq.encode(z), minlength=fsq.codebook_size)
    np.testing.assert_array_equal(st.counts, ref)
    np.testing.assert_array_equal(fsq.encode(z.astype(">f4")), fsq.encode(z))


def test_npy_structured_and_object_refused(tmp_path):
    rec = np.zeros(3, dtype=[("a", "f8"), ("b", "f8")])
    np.save(tmp_path / "r.npy", rec)
    with pytest.raises(ValueError, match=r"structured.*\['a', 'b'\]"):
        load_array(tmp_path / "r.npy")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="pickle"):
        load_array(tmp_path / "o.npy")


def test_npy_memory_budget(tmp_path):
    np.save(tmp_path / "a.npy", DATA.astype(">f8"))
    with pytest.raises(ValueError, match="more than the budget"):
        load_array(tmp_path / "a.npy", max_memory=100)


def test_masked_array_refused_when_masked():
    m = np.ma.masked_invalid(np.array([[1.0, np.nan], [2.0, 3.0]]))
    with pytest.raises(ValueError, match="masked array with 1 masked"):
        EmpiricalSource(m)
    assert EmpiricalSource(np.ma.array(DATA)).n_rows == 20  # nothing masked: fine


# --- .npz -------------------------------------------------------------------------------------

def test_npz_zip_bomb_refused_before_decompression(tmp_path):
    np.savez_compressed(tmp_path / "bomb.npz", x=np.zeros((4096, 1024)))  # 32 MiB of zeros
    assert (tmp_path / "bomb.npz").stat().st_size < 200_000
    with pytest.raises(ValueError, match="declared uncompressed size") as info:
        load_array(tmp_path / "bomb.npz", max_memory=1 << 20)
    assert "bomb.npz" in str(info.value)


def test_npz_lying_member_header(tmp_path):
    # header declares 10**6 rows but the member holds 160 bytes
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False,
                                               "shape": (10**6, 2)})
    with zipfile.ZipFile(tmp_path / "a.npz", "w") as zf:
        zf.writestr("x.npy", buf.getvalue() + DATA.tobytes())
    with pytest.raises(ValueError, match="header declares"):
        load_array(tmp_path / "a.npz")


def test_npz_roundtrip_random_bytes_and_keys(tmp_path):
    np.savez(tmp_path / "a.npz", x=DATA.astype(">f4"))
    got = load_array(tmp_path / "a.npz")
    assert got.dtype == np.float32 and got.dtype.isnative
    np.testing.assert_array_equal(got, DATA.astype(np.float32))
    (tmp_path / "r.npz").write_bytes(np.random.default_rng(3).bytes(500))
    with pytest.raises(ValueError, match=r"r\.npz.*not a valid \.npz"):
        load_array(tmp_path / "r.npz")
    np.savez(tmp_path / "two.npz", a=DATA, b=DATA)
    with pytest.raises(ValueError, match="choose one with key"):
        load_array(tmp_path / "two.npz")
    np.testing.assert_array_equal(load_array(tmp_path / "two.npz", key="b"), DATA)


def test_directory_and_suffix(tmp_path):
    (tmp_path / "d.npy").mkdir()
    with pytest.raises(ValueError, match="is a directory"):
        load_array(tmp_path / "d.npy")
    (tmp_path / "a.pkl").write_bytes(b"x")
    with pytest.raises(ValueError, match="must be .npy, .npz or .csv"):
        load_array(tmp_path / "a.pkl")
