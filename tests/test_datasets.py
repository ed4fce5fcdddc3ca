"""Tests for dlcore.datasets: the offline digit sets and the IDX reader."""

import gzip

import numpy as np
import pytest

from dlcore import datasets


def test_digits8x8_shapes_range_and_counts():
    X, y = datasets.load_digits8x8()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).sum() == 1797 and set(y.tolist()) == set(range(10))
    Xf, _ = datasets.load_digits8x8(flatten=True, dtype=np.float32)
    assert Xf.shape == (1797, 64) and Xf.dtype == np.float32


def test_digits8x8_split_is_fixed_and_stratified():
    s = datasets.load_digits8x8(flatten=True, split=True)
    assert isinstance(s, datasets.Split)
    assert s.X_train.shape == (1437, 64) and s.X_test.shape == (360, 64)
    again = datasets.load_digits8x8(flatten=True, split=True)
    np.testing.assert_array_equal(s.y_test, again.y_test)
    share = np.bincount(s.y_test) / np.bincount(np.concatenate([s.y_train, s.y_test]))
    assert np.all(np.abs(share - 0.2) < 0.01)


def test_mnist5000_fixed_split():
    s = datasets.load_mnist5000()
    X_train, y_train, X_test, y_test = s  # unpacks in this order
    assert X_train.shape == (4000, 1, 28, 28) and X_test.shape == (1000, 1, 28, 28)
    assert y_train.dtype == np.int64 and X_train.dtype == np.float64
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert 0.0 <= X_train.min() and X_train.max() == 1.0
    flat = datasets.load_mnist5000(flatten=True, dtype=np.float32)
    assert flat.X_train.shape == (4000, 784) and flat.X_train.dtype == np.float32
    np.testing.assert_array_equal(flat.y_test, y_test)  # the same split every time
    np.testing.assert_allclose(flat.X_test, X_test.reshape(1000, 784), rtol=1e-6)
    X, y = datasets.load_mnist5000(split=False)
    assert X.shape == (5000, 1, 28, 28) and y.shape == (5000,)
    assert "X_train=(4000, 1, 28, 28)" in repr(s)


def test_different_package_data_fails_loudly(monkeypatch):
    monkeypatch.setattr(datasets, "_DIGITS_SHA256", "0" * 64)
    with pytest.raises(RuntimeError, match="load_digits8x8: .*fingerprint mismatch"):
        datasets.load_digits8x8()
    X, _ = datasets.load_digits8x8(verify=False)
    assert X.shape == (1797, 1, 8, 8)
    monkeypatch.setattr(datasets, "_DIGITS_COUNTS", (1,) * 10)
    with pytest.raises(RuntimeError, match="load_digits8x8: expected class counts"):
        datasets.load_digits8x8(verify=False)


def test_bad_dtype():
    with pytest.raises(ValueError, match="load_digits8x8: expected a floating dtype, got"):
        datasets.load_digits8x8(dtype=np.int32)


def _write_idx(path, array, magic_type=0x08):
    header = bytes([0, 0, magic_type, array.ndim])
    header += np.asarray(array.shape, dtype=">i4").tobytes()
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    _write_idx(tmp_path / "a.gz", images)
    out = datasets.read_idx(tmp_path / "a.gz")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, images)
    _write_idx(tmp_path / "bad.gz", images, magic_type=0x0D)  # float data: not supported
    with pytest.raises(ValueError, match="read_idx: expected an IDX file of unsigned bytes"):
        datasets.read_idx(tmp_path / "bad.gz")
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + np.array([5], ">i4").tobytes() + b"abc")
    with pytest.raises(ValueError, match="read_idx: expected 5 data bytes .* got 3"):
        datasets.read_idx(tmp_path / "short.gz")
