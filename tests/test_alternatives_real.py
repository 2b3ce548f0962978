"""The equal-rate comparison on data (real latents): the held-out split, quantizers fitted to the
training rows only, the empirical sandwich as the reference and its two labelled gaps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fsq_theory.alternatives import (AffineQuantizer, SandwichReference, compare_quantizers,
                                     held_out_split, lfq, rd_reference, sandwich_reference)
from fsq_theory.alternatives import _compare
from fsq_theory.sources import EmpiricalSource, GaussianSource

FAST = dict(bounds=("gaussian", "shannon"))  # the sandwich without Blahut-Arimoto or particles


@pytest.fixture(scope="module")
def gauss2():
    return np.random.default_rng(7).standard_normal((6000, 2))


# --- the split ------------------------------------------------------------------------------

@pytest.mark.parametrize("n,f,block", [(10, 0.4, 2), (1001, 0.5, 1), (1001, 0.3, 64),
                                       (50, 0.99, 25)])
def test_split_disjoint_complete_by_blocks(n, f, block):
    tr, te = held_out_split(n, test_fraction=f, block=block, rng=3)
    assert tr.size and te.size
    assert np.intersect1d(tr, te).size == 0
    assert np.array_equal(np.union1d(tr, te), np.arange(n))
    assert np.all(np.diff(tr) > 0) and np.all(np.diff(te) > 0)
    # a block lies wholly on one side
    assert np.intersect1d(tr // block, te // block).size == 0
    n_blocks = -(-n // block)
    assert np.unique(te // block).size == min(max(math.ceil(f * n_blocks), 1), n_blocks - 1)


def test_split_reproducible_and_random():
    a = held_out_split(500, rng=1)
    assert all(np.array_equal(x, y) for x, y in zip(a, held_out_split(500, rng=1)))
    assert not np.array_equal(a[1], held_out_split(500, rng=2)[1])


@pytest.mark.parametrize("kw,name", [(dict(n=1), "n"), (dict(n=10, test_fraction=0.0),
                                                          "test_fraction"),
                                      (dict(n=10, test_fraction=1.0), "test_fraction"),
                                      (dict(n=10, block=0), "block"),
                                      (dict(n=10, block=6), "block")])
def test_split_bad_input_names_argument(kw, name):
    n = kw.pop("n")
    with pytest.raises(ValueError, match=name):
        held_out_split(n, **kw)


def test_compare_never_measures_on_training_rows(monkeypatch, gauss2):
    """Every row the quantizers are fitted on is outside the rows they are measured on and the
    rows the sandwich is computed on; the two sides together are the data."""
    seen = {"fit": [], "measure": [], "ref": []}
    real_kmeans, real_mse, real_ref = _compare.kmeans_vq, _compare._mse, _compare.sandwich_reference

    def kmeans(data, *a, **k):
        seen["fit"].append(np.array(data))
        return real_kmeans(data, *a, **k)

    def mse(q, x, groups=None):
        seen["measure"].append(np.array(x))
        return real_mse(q, x, groups)

    def ref(x, **k):
        seen["ref"].append(np.array(x))
        return real_ref(x, **k)

    monkeypatch.setattr(_compare, "kmeans_vq", kmeans)
    monkeypatch.setattr(_compare, "_mse", mse)
    monkeypatch.setattr(_compare, "sandwich_reference", ref)
    fits = []
    df = compare_quantizers(gauss2, [1.0, 2.0], quantizers=("vq", "fsq", "lattice"), n_init=1,
                            split_block=50, rng=0, sandwich_options=FAST,
                            extra={"mine": lambda tr: fits.append(tr) or lfq(2)})
    assert len(df) == 6 and len(seen["fit"]) == 2 and len(fits) == 1
    key = lambda a: {r.tobytes() for r in a}  # noqa: E731  (rows are distinct reals)
    train = key(seen["fit"][0])
    test = key(seen["measure"][0])
    assert all(key(m) == test for m in seen["measure"]) and key(seen["ref"][0]) == test
    assert key(fits[0]) == train and key(seen["fit"][1]) == train
    assert not train & test
    assert len(train | test) == len(gauss2)
    # whole blocks of 50 consecutive rows on each side
    pos = {r.tobytes(): i // 50 for i, r in enumerate(gauss2)}
    assert not {pos[r] for r in train} & {pos[r] for r in test}


def test_caps_take_subsets_of_each_side(gauss2):
    df, ref = compare_quantizers(gauss2, [1.0], quantizers=("lfq",), n_train=500, n_test=700,
                                 rng=1, sandwich_options=FAST, return_reference=True)
    assert ref.sandwich.n == 700 and len(df) == 1
    # the frames concatenate (a reference kept in DataFrame.attrs would break pd.concat)
    import pandas as pd

    assert len(pd.concat([df, df])) == 2
    df2, ref2 = compare_quantizers(GaussianSource(dim=2), [1.0], quantizers=("lfq",),
                                   n_test=1000, rng=0, return_reference=True)
    assert ref2.kind == "rd" and len(df2) == 1


def test_empirical_source_equals_array(gauss2):
    kw = dict(quantizers=("lfq", "fsq"), rng=4, sandwich_options=FAST)
    a = compare_quantizers(gauss2, [1.0, 2.0], **kw)
    b = compare_quantizers(EmpiricalSource(gauss2), [1.0, 2.0], **kw)
    assert a.equals(b)
    assert a.equals(compare_quantizers(gauss2, [1.0, 2.0], **kw))  # same int, same table


# --- the reference and the two gaps -------------------------------------------------------

@pytest.fixture(scope="module")
def gauss_table(gauss2):
    return compare_quantizers(gauss2, [1.0, 2.0, 3.0],
                              quantizers=("fsq", "lfq", "vq", "lattice", "ec_lattice"),
                              n_init=1, rng=0, sandwich_options=FAST)


def test_gap_sign_conventions(gauss_table):
    df = gauss_table
    assert set(df.reference) == {"sandwich"}
    assert set(df.lower_bound) == {"shannon"} and set(df.upper_bound) == {"gaussian"}
    # the upper bound lies above the lower estimate, so the gap against it is the smaller one
    assert (df.gap_bits_vs_upper <= df.gap_bits_vs_lower + 1e-12).all()
    assert (df.gap_db_vs_upper <= df.gap_db_vs_lower + 1e-9).all()
    assert (df.dr <= df.dr_upper).all()
    np.testing.assert_array_equal(df.gap_db, df.gap_db_vs_lower)
    np.testing.assert_array_equal(df.gap_bits, df.gap_bits_vs_lower)
    np.testing.assert_allclose(df.gap_bits_vs_lower, df.rate - df.rd_at_mse)
    np.testing.assert_allclose(df.gap_bits_vs_upper, df.rate - df.rd_upper)
    # positive = the point lies above the reference: a quantizer worse than R(D) (every one)
    assert (df.gap_db_vs_lower > 0).all() and (df.gap_bits_vs_lower > 0).all()
    assert (df.rd_lower_low <= df.rd_at_mse).all() and (df.rd_at_mse <= df.rd_lower_high).all()


def test_true_gap_lies_between_the_two(gauss_table):
    """N(0, I_2) data: the exact gap 10 log10(D / 2^(-2R)) lies between the gap against the
    upper bound and the gap against the lower estimate (allowing for the intervals and the SE
    of D)."""
    df = gauss_table[gauss_table.kind == "fixed"]
    exact_db = 10 * np.log10(df.mse / 4.0 ** -df.rate)
    exact_bits = df.rate - np.maximum(0.5 * np.log2(1 / df.mse), 0)
    slack_db = 0.1 + 4 * df.gap_db_se  # Gaussian upper: sample covariance eigenvalues
    assert (df.gap_db_vs_upper - slack_db <= exact_db).all()
    assert (exact_db <= df.gap_db_vs_lower + slack_db).all()
    assert (df.rate - df.rd_lower_low >= exact_bits - 0.03).all()
    assert (exact_bits >= df.gap_bits_vs_upper - 0.03).all()


def test_sandwich_reference_inverses(gauss2):
    ref = sandwich_reference(gauss2, rng=0, **FAST)
    assert isinstance(ref, SandwichReference) and ref.kind == "sandwich" and ref.dim == 2
    for R in (0.5, 1.0, 2.5):
        d_lo, d_up = ref.dr(R), ref.dr_upper(R)
        assert d_lo <= d_up
        assert float(ref.rd_lower(d_lo)["value"]) == pytest.approx(R, abs=1e-6)
        assert float(ref.rd_upper(d_up)["value"]) == pytest.approx(R, abs=1e-6)
        # the interval of the lower estimate moves D_L the right way
        assert ref.dr(R, end="low") <= d_lo <= ref.dr(R, end="high")
        assert d_up == pytest.approx(4.0 ** -R, rel=0.05)
    lo = ref.rd_lower(np.array([0.1, 0.2]))
    assert lo["value"].shape == (2,) and list(lo["bound"]) == ["shannon", "shannon"]
    with pytest.raises(ValueError, match="end"):
        ref.dr(1.0, end="middle")


def test_only_upper_bounds_give_nan_lower(gauss2):
    ref = sandwich_reference(gauss2, rng=0, bounds=("gaussian",))
    assert math.isnan(ref.dr(1.0)) and ref.rd_lower(0.1)["bound"] is None


def test_rd_reference_dispatches_data(gauss2):
    assert rd_reference(gauss2, rng=0, **FAST).kind == "sandwich"
    assert rd_reference(EmpiricalSource(gauss2), rng=0, **FAST).kind == "sandwich"


def test_block_standard_error():
    """Rows in blocks sharing an offset: the batch-means SE over the held-out blocks sees the
    dependence the i.i.d. SE misses; with blocks of one row both are the same."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8000, 2)) * 0.3 + np.repeat(rng.standard_normal((80, 2)), 100, 0)
    q = AffineQuantizer(lfq(2), mean=[0.0, 0.0])
    iid = _compare._mse(q, x)
    same = _compare._mse(q, x, np.arange(8000))
    assert same[0] == pytest.approx(iid[0]) and same[1] == pytest.approx(iid[1], rel=1e-3)
    blocked = _compare._mse(q, x, np.arange(8000) // 100)
    assert blocked[0] == pytest.approx(iid[0]) and blocked[1] > 3 * iid[1]


# --- quantizers fitted to the data --------------------------------------------------------

def test_affine_quantizer():
    rng = np.random.default_rng(1)
    rot = np.linalg.qr(rng.standard_normal((2, 2)))[0]
    q = AffineQuantizer(lfq(2), mean=[3.0, -1.0], rotation=rot)
    x = rng.standard_normal((500, 2)) + [3.0, -1.0]
    np.testing.assert_allclose(q.decode(q.encode(x)), q.quantize(x))
    np.testing.assert_array_equal(q.encode(x), lfq(2).encode((x - [3.0, -1.0]) @ rot))
    assert q.codebook_size == 4 and q.rate_bits == 2.0
    with pytest.raises(TypeError, match="inner"):
        AffineQuantizer("lfq", mean=[0.0])
    with pytest.raises(ValueError, match="mean"):
        AffineQuantizer(lfq(2), mean=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="rotation"):
        AffineQuantizer(lfq(2), mean=0.0, rotation=np.ones((2, 2)))


def test_fsq_on_data_uses_training_centroids():
    from fsq_theory.alternatives._empirical import fsq_on_data

    rng = np.random.default_rng(2)
    train = rng.laplace(size=(4000, 2)) + [5.0, 0.0]
    q = fsq_on_data(train, [5, 5])
    k = q.inner.cells(q.to_inner(train))
    for i in range(2):
        means = [train[k[:, i] == c, i].mean() - train[:, i].mean() for c in range(5)]
        np.testing.assert_allclose(q.inner.points[i], means, atol=1e-12)


def test_data_quantizers_and_rates(gauss2):
    df = compare_quantizers(gauss2 + 4.0, [1.5, 2.0],
                            quantizers=("fsq", "fsq_levels", "fsq_pca", "rvq", "rfsq"),
                            n_init=1, rng=0, sandwich_options=FAST)
    got = set(zip(df.quantizer, df.target_rate))
    assert {("fsq", 2.0), ("fsq_levels", 1.5), ("fsq_pca", 2.0), ("rvq", 2.0)} <= got
    assert (df.rate <= df.target_rate + 1e-12).all()
    # centring makes the offset harmless: FSQ on x + 4 is as good as on x
    plain = compare_quantizers(gauss2, [2.0], quantizers=("fsq",), rng=0, sandwich_options=FAST)
    fsq = df[df.quantizer == "fsq"].mse.item()
    assert fsq == pytest.approx(plain.mse.item(), rel=0.05)


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("kw,exc,name", [
    (dict(test_fraction=0.3), ValueError, "test_fraction"),
    (dict(split_block=10), ValueError, "split_block"),
    (dict(sandwich_options={}), ValueError, "sandwich_options"),
])
def test_data_options_refused_for_synthetic_source(kw, exc, name):
    with pytest.raises(exc, match=name):
        compare_quantizers(GaussianSource(dim=2), [1.0], quantizers=("lfq",), **kw)


@pytest.mark.parametrize("kw,exc,name", [
    (dict(sandwich_options=[("bounds", "x")]), TypeError, "sandwich_options"),
    (dict(extra={"a": 3}), TypeError, "extra"),
    (dict(extra={"a": lambda tr: "q"}), TypeError, "extra"),
    (dict(quantizers="fsq"), TypeError, "quantizers"),
    (dict(return_reference=1), TypeError, "return_reference"),
    (dict(test_fraction=1.5), ValueError, "test_fraction"),
    (dict(split_block=0), ValueError, "block"),
    (dict(test_fraction=0.01, split_block=1000), ValueError, "test_fraction"),
])
def test_bad_input_names_argument(gauss2, kw, exc, name):
    kw = {"sandwich_options": FAST, **kw}
    with pytest.raises(exc, match=name):
        compare_quantizers(gauss2, [1.0], quantizers=("lfq",), rng=0, **kw)


def test_bad_source_names_argument():
    with pytest.raises(ValueError, match="source"):
        compare_quantizers(np.zeros((150, 2)) + np.arange(150)[:, None], [1.0])
    with pytest.raises(TypeError, match="source"):
        rd_reference("normal")
    with pytest.raises(TypeError, match="x must be"):
        sandwich_reference(GaussianSource(dim=2))
    with pytest.raises(ValueError, match="options"):
        rd_reference(GaussianSource(dim=2), bounds=("gaussian",))
    with pytest.raises(ValueError, match="source"):
        compare_quantizers(np.zeros((5, 2, 2)), [1.0])


def test_docstring_examples():
    import doctest

    from fsq_theory.alternatives import _empirical

    res = doctest.testmod(_empirical, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.failed == 0 and res.attempted > 5
