"""Tests for dlcore.layers.batchnorm: BatchNorm1d and BatchNorm2d (train/eval, running stats)."""

import numpy as np
import pytest
from _torchref import assert_same_as_torch

from dlcore import BatchNorm1d, BatchNorm2d
from dlcore.gradcheck import check_module


def test_batchnorm1d_training_output_by_hand():
    x = np.array([[1., 2.], [3., 6.], [5., 10.]])
    layer = BatchNorm1d(2)
    layer.weight.data[...] = [2.0, 0.5]
    layer.bias.data[...] = [1.0, -1.0]
    y = layer(x)
    mu = x.mean(axis=0)
    var = x.var(axis=0)                         # biased σ²_B, as in the normalisation
    xhat = (x - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(y, xhat * [2.0, 0.5] + [1.0, -1.0], rtol=1e-13)
    # x̂ has mean 0 and variance ~1 per feature
    np.testing.assert_allclose(xhat.mean(axis=0), 0, atol=1e-14)


def test_running_statistics_by_hand():
    rng = np.random.default_rng(0)
    layer = BatchNorm1d(3, momentum=0.2)
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(4):
        x = rng.standard_normal((5, 3)) * 3 + 1
        layer(x)
        rm = 0.8 * rm + 0.2 * x.mean(axis=0)
        rv = 0.8 * rv + 0.2 * x.var(axis=0, ddof=1)      # unbiased in the running average
    np.testing.assert_allclose(layer.running_mean, rm, rtol=1e-13)
    np.testing.assert_allclose(layer.running_var, rv, rtol=1e-13)


def test_batchnorm2d_running_statistics_per_channel():
    x = np.random.default_rng(1).standard_normal((4, 3, 5, 6))
    layer = BatchNorm2d(3)
    layer(x)
    m = 4 * 5 * 6
    np.testing.assert_allclose(layer.running_mean, 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-13)
    np.testing.assert_allclose(layer.running_var,
                               0.9 + 0.1 * x.var(axis=(0, 2, 3)) * m / (m - 1), rtol=1e-13)


def test_eval_uses_running_statistics():
    layer = BatchNorm2d(2)
    layer.running_mean[...] = [1.0, -2.0]
    layer.running_var[...] = [4.0, 0.25]
    layer.weight.data[...] = [3.0, 1.0]
    layer.bias.data[...] = [0.0, 0.5]
    layer.eval()
    x = np.random.default_rng(2).standard_normal((1, 2, 3, 3))   # a batch of one is fine in eval
    y = layer(x)
    mean = np.array([1.0, -2.0]).reshape(1, 2, 1, 1)
    var = np.array([4.0, 0.25]).reshape(1, 2, 1, 1)
    expected = (x - mean) / np.sqrt(var + 1e-5) * np.array([3.0, 1.0]).reshape(1, 2, 1, 1) \
        + np.array([0.0, 0.5]).reshape(1, 2, 1, 1)
    np.testing.assert_allclose(y, expected, rtol=1e-13)
    np.testing.assert_array_equal(layer.running_mean, [1.0, -2.0])   # unchanged in eval


def test_buffers_in_state_dict_and_load():
    layer = BatchNorm2d(3)
    layer(np.random.default_rng(3).standard_normal((2, 3, 4, 4)))
    state = {k: v.copy() for k, v in layer.state_dict().items()}
    assert list(state) == ["weight", "bias", "running_mean", "running_var"]
    other = BatchNorm2d(3).load_state_dict(state)
    np.testing.assert_array_equal(other.running_var, layer.running_var)


def _randomise(layer, seed):
    rng = np.random.default_rng(seed)
    n = layer.num_features
    layer.weight.data[...] = rng.uniform(0.5, 2.0, n)
    layer.bias.data[...] = rng.standard_normal(n)
    layer.running_mean[...] = rng.standard_normal(n)
    layer.running_var[...] = rng.uniform(0.5, 2.0, n)
    return layer


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (7, 1)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batchnorm1d_gradcheck(shape, mode):
    layer = _randomise(BatchNorm1d(shape[1]), 0).train(mode == "train")
    x = np.random.default_rng(4).standard_normal(shape) * 2 + 0.5
    report = check_module(layer, x, rtol=1e-6)
    assert report.passed and report.max_error < 1e-6


@pytest.mark.parametrize("shape", [(2, 3, 4, 4), (3, 2, 3, 5), (1, 2, 2, 2)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_batchnorm2d_gradcheck(shape, mode):
    layer = _randomise(BatchNorm2d(shape[1]), 1).train(mode == "train")
    x = np.random.default_rng(5).standard_normal(shape) * 2 + 0.5
    report = check_module(layer, x, rtol=1e-6)
    assert report.passed and report.max_error < 1e-6


def test_compact_backward_formula():
    """dx = γ/(M σ) (M g − Σg − x̂ Σ(g x̂)) for BatchNorm1d in training."""
    rng = np.random.default_rng(6)
    x, g = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    layer = _randomise(BatchNorm1d(2), 2)
    layer(x)
    dx = layer.backward(g)
    m = 6
    sigma = np.sqrt(x.var(axis=0) + 1e-5)
    xhat = (x - x.mean(axis=0)) / sigma
    expected = layer.weight.data / (m * sigma) * (m * g - g.sum(0) - xhat * (g * xhat).sum(0))
    np.testing.assert_allclose(dx, expected, rtol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, (g * xhat).sum(0), rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad, g.sum(0), rtol=1e-12)


def test_float32_stays_float32():
    layer = BatchNorm2d(3, dtype=np.float32)
    x = np.random.default_rng(7).standard_normal((4, 3, 2, 2)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.running_var.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32


# -- PyTorch reference ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls, shape", [("BatchNorm1d", (5, 4)), ("BatchNorm2d", (3, 4, 5, 6)),
                                        ("BatchNorm2d", (2, 3, 1, 1))])
def test_matches_torch_train_then_eval(cls, shape):
    torch = pytest.importorskip("torch")
    import dlcore
    ours = _randomise(getattr(dlcore, cls)(shape[1], momentum=0.3), 8)
    ref = getattr(torch.nn, cls)(shape[1], momentum=0.3, dtype=torch.float64)
    with torch.no_grad():
        ref.weight.copy_(torch.from_numpy(ours.weight.data))
        ref.bias.copy_(torch.from_numpy(ours.bias.data))
        ref.running_mean.copy_(torch.from_numpy(ours.running_mean))
        ref.running_var.copy_(torch.from_numpy(ours.running_var))
    rng = np.random.default_rng(9)
    for step, training in enumerate([True, True, True, False, False]):
        ours.train(training)
        ref.train(training)
        ours.zero_grad()
        ref.zero_grad()
        x = rng.standard_normal(shape) * (step + 1) + step
        g = rng.standard_normal(shape)
        assert_same_as_torch(ours, ref, x, g)
        np.testing.assert_allclose(ours.weight.grad, ref.weight.grad.numpy(), atol=1e-10, rtol=0)
        np.testing.assert_allclose(ours.bias.grad, ref.bias.grad.numpy(), atol=1e-10, rtol=0)
        np.testing.assert_allclose(ours.running_mean, ref.running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.running_var, ref.running_var.numpy(), atol=1e-12)
