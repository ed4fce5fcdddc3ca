"""dlcore.diagnostics: per-layer outputs and per-layer weight-gradient norms."""

import numpy as np
import pytest

from dlcore import Linear, ReLU, Sequential, Sigmoid
from dlcore.diagnostics import layer_outputs, weight_grad_norms
from dlcore.losses import MSELoss


def _net():
    return Sequential(Linear(3, 4, seed=0), ReLU(), Linear(4, 2, seed=1), Sigmoid())


def test_layer_outputs_are_each_layers_output_and_end_in_the_model_output():
    net = _net()
    x = np.random.default_rng(0).normal(size=(5, 3))
    outs = layer_outputs(net, x)
    assert [i for i, _, _ in outs] == [0, 1, 2, 3]
    assert [type(m).__name__ for _, m, _ in outs] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    np.testing.assert_allclose(outs[0][2], x @ net[0].weight.data.T + net[0].bias.data)
    np.testing.assert_allclose(outs[1][2], np.maximum(outs[0][2], 0))
    np.testing.assert_allclose(outs[-1][2], net(x))
    assert outs[2][2].shape == (5, 2)


def test_weight_grad_norms_match_the_gradients_and_skip_biases():
    net = _net()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 3)), rng.uniform(size=(6, 2))
    loss = MSELoss()
    net.zero_grad()
    loss(net(x), y)
    net.backward(loss.backward())
    norms = weight_grad_norms(net)
    assert [n for n, _ in norms] == ["layers.0.weight", "layers.2.weight"]
    assert norms[0][1] == pytest.approx(np.linalg.norm(net[0].weight.grad))
    assert norms[1][1] == pytest.approx(np.linalg.norm(net[2].weight.grad))
    assert all(isinstance(v, float) and v > 0 for _, v in norms)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="layer_outputs: expected a Sequential, got Linear"):
        layer_outputs(Linear(2, 2, seed=0), np.zeros((1, 2)))
    with pytest.raises(ValueError, match="weight_grad_norms: expected a Module, got list"):
        weight_grad_norms([])
    with pytest.raises(ValueError, match="weight_grad_norms: expected a model with at least one"):
        weight_grad_norms(Sequential(ReLU()))
