"""Tests for dlcore.io: atomic .npz checkpoints, strict loading."""

import os

import numpy as np
import pytest

from dlcore import io
from dlcore.layers import BatchNorm1d, Linear
from dlcore.module import Sequential


def net(seed=0, hidden=5):
    return Sequential(Linear(3, hidden, seed=seed), BatchNorm1d(hidden), Linear(hidden, 2,
                                                                              seed=seed + 1))


def test_save_load_round_trip_with_buffers(tmp_path):
    a = net(seed=0)
    a.layers[1].running_mean[...] = np.arange(5.0)   # a buffer, not a parameter
    path = io.save(a, tmp_path / "model.npz")
    assert path.exists() and os.listdir(tmp_path) == ["model.npz"]  # no temp file left
    b = net(seed=10)
    assert not np.array_equal(a.layers[0].weight.data, b.layers[0].weight.data)
    assert io.load(b, path) is b
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert ka == kb
        np.testing.assert_array_equal(va, vb)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(a.eval()(x), b.eval()(x))


def test_checkpoint_is_plain_npz_without_pickles(tmp_path):
    path = io.save(net(), tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == sorted(net().state_dict())
    state = io.load_state(path)
    assert all(isinstance(v, np.ndarray) and v.dtype != object for v in state.values())


def test_overwrite_is_atomic_and_keeps_folder_clean(tmp_path):
    path = tmp_path / "sub" / "m.npz"
    io.save(net(seed=0), path)
    io.save(net(seed=3), path)
    assert os.listdir(path.parent) == ["m.npz"]
    np.testing.assert_array_equal(io.load_state(path)["layers.0.weight"],
                                  net(seed=3).layers[0].weight.data)


def test_failed_save_leaves_no_partial_file(tmp_path):
    with pytest.raises(ValueError, match="save_state: expected numeric arrays"):
        io.save_state({"w": np.array([None, 1], dtype=object)}, tmp_path / "bad.npz")
    assert os.listdir(tmp_path) == []


def test_shape_mismatch_names_key_and_shapes(tmp_path):
    path = io.save(net(hidden=5), tmp_path / "m.npz")
    with pytest.raises(ValueError) as info:
        io.load(net(hidden=6), path)
    msg = str(info.value)
    assert msg.startswith("load:") and "layers.0.weight" in msg
    assert "of shape (6, 3), got (5, 3)" in msg


def test_missing_and_unexpected_keys(tmp_path):
    path = io.save(net(), tmp_path / "m.npz")
    small = Sequential(Linear(3, 5, seed=0))
    with pytest.raises(ValueError) as info:
        io.load(small, path)
    msg = str(info.value)
    assert msg.startswith("load:") and "unexpected keys" in msg and "layers.2.weight" in msg
    path2 = io.save(small, tmp_path / "small.npz")
    with pytest.raises(ValueError, match=r"missing keys \[.*layers.1.running_mean"):
        io.load(net(), path2)


def test_bad_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match="load: no checkpoint"):
        io.load(net(), tmp_path / "nothing.npz")
    with pytest.raises(ValueError, match="save: expected a dlcore Module, got dict"):
        io.save({}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="save_state: expected a non-empty dict"):
        io.save_state({}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="load: expected a dlcore Module, got str"):
        io.load("model", tmp_path / "x.npz")


def test_float32_checkpoint_loads_into_float32_model(tmp_path):
    a = Sequential(Linear(3, 2, seed=0, dtype=np.float32))
    path = io.save(a, tmp_path / "f32.npz")
    b = io.load(Sequential(Linear(3, 2, seed=1, dtype=np.float32)), path)
    assert b.layers[0].weight.data.dtype == np.float32
    np.testing.assert_array_equal(a.layers[0].weight.data, b.layers[0].weight.data)
