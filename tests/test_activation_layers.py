"""Activation layers, Flatten and Dropout: numerical gradient checks, dtypes, modes."""

import numpy as np
import pytest

import dlcore
from dlcore import functional as F
from dlcore.gradcheck import check_module
from dlcore.layers import (
    Dropout,
    Flatten,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Step,
    Tanh,
)

RNG = np.random.default_rng(0)
SHAPES = [(5,), (3, 4), (2, 3, 4), (2, 2, 3, 3)]

ACTIVATIONS = [
    ("ReLU", ReLU, F.relu),
    ("LeakyReLU", LeakyReLU, F.leaky_relu),
    ("LeakyReLU(0.2)", lambda: LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    ("Sigmoid", Sigmoid, F.sigmoid),
    ("Sigmoid(a=3)", lambda: Sigmoid(a=3), lambda x: F.sigmoid(x, 3)),
    ("Tanh", Tanh, F.tanh),                      # one default: a = 2, the ordinary tanh
    ("Tanh(a=1)", lambda: Tanh(a=1), lambda x: F.tanh(x, a=1)),
    ("Softplus", Softplus, F.softplus),
    ("Step", Step, F.step),
    ("Softmax", Softmax, F.softmax),
    ("Softmax(dim=0)", lambda: Softmax(dim=0), lambda x: F.softmax(x, axis=0)),
    ("LogSoftmax", LogSoftmax, F.log_softmax),
]
IDS = [a[0] for a in ACTIVATIONS]


def away_from_kinks(shape):
    """Standard-normal values at least 1e-3 away from 0 (ReLU-like kinks, the step's jump)."""
    x = RNG.standard_normal(shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


# -- gradient checks (float64, relative error < 1e-6) ---------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name,make,f", ACTIVATIONS, ids=IDS)
def test_activation_gradients(name, make, f, shape):
    report = check_module(make(), 2 * away_from_kinks(shape))
    assert report.max_error < 1e-6, report


@pytest.mark.parametrize("shape", [(2, 3), (2, 3, 4), (3, 2, 2, 2)])
def test_flatten_gradient(shape):
    assert check_module(Flatten(), RNG.standard_normal(shape)).max_error < 1e-6


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_gradient_with_a_fixed_mask(shape, p):
    class FixedMaskDropout(Dropout):
        keep = RNG.random(shape) >= p

        def _sample_keep(self, shape_):
            return self.keep

    assert check_module(FixedMaskDropout(p), RNG.standard_normal(shape)).max_error < 1e-6
    assert check_module(Dropout(p, seed=0).eval(), RNG.standard_normal(shape)).max_error < 1e-6


def test_a_small_network_of_these_layers():
    net = dlcore.Sequential(Flatten(), Tanh(), Softplus(), Sigmoid(a=2), LeakyReLU(), Softmax())
    assert check_module(net, RNG.standard_normal((3, 2, 2, 2))).max_error < 1e-6


# -- forward values, dtypes -----------------------------------------------------------------
@pytest.mark.parametrize("name,make,f", ACTIVATIONS, ids=IDS)
def test_forward_matches_functional(name, make, f):
    x = RNG.standard_normal((4, 5))
    np.testing.assert_allclose(make()(x), f(x), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name,make,f", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(name, make, f, dtype):
    layer = make()
    x = RNG.standard_normal((3, 4)).astype(dtype)
    y = layer(x)
    g = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and g.dtype == dtype and y.shape == g.shape == x.shape


@pytest.mark.parametrize("name,make,f", ACTIVATIONS, ids=IDS)
def test_integer_input_becomes_float64_and_input_is_untouched(name, make, f):
    x = np.array([[1, -2, 0], [3, 0, -1]])
    before = x.copy()
    layer = make()
    y = layer(x)
    layer.backward(np.ones_like(y))
    assert y.dtype == np.float64
    np.testing.assert_array_equal(x, before)


def test_tanh_default_is_the_ordinary_tanh_and_a1_is_the_notes_curve():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(Tanh()(x), np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(Tanh(a=1)(x), 2 / (1 + np.exp(-x)) - 1, atol=1e-15)


def test_relu_and_step_backward():
    relu = ReLU()
    relu(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(relu.backward(np.array([5.0, 5.0, 5.0])), [0.0, 0.0, 5.0])
    step = Step()
    np.testing.assert_array_equal(step(np.array([-1.0, 0.0, 2.0])), [-1.0, 1.0, 1.0])
    np.testing.assert_array_equal(step.backward(np.ones(3)), np.zeros(3))


def test_sigmoid_layer_gradient_peaks_at_a_quarter():
    s = Sigmoid()
    s(np.array([0.0, 2.0, -2.0]))
    g = s.backward(np.ones(3))
    assert g[0] == 0.25 and np.all(g[1:] < 0.25)


def test_activations_have_no_parameters_and_a_repr():
    for _, make, _ in ACTIVATIONS:
        assert make().parameters() == []
    assert repr(LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(Tanh()) == "Tanh()" and repr(Sigmoid(a=2)) == "Sigmoid(a=2.0)"
    assert repr(Softmax()) == "Softmax(dim=-1)" and repr(Dropout(0.3)) == "Dropout(p=0.3)"


def test_extreme_inputs_are_finite():
    x = np.array([[-1e4, 0.0, 1e4]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for _, make, _ in ACTIVATIONS:
            layer = make()
            y = layer(x)
            g = layer.backward(np.ones_like(y))
            assert np.all(np.isfinite(y)) and np.all(np.isfinite(g))


# -- Flatten --------------------------------------------------------------------------------
def test_flatten_shapes_and_order():
    x = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2)
    f = Flatten()
    y = f(x)
    assert y.shape == (2, 12) and y.dtype == x.dtype
    np.testing.assert_array_equal(y[1], np.arange(12, 24))
    g = f.backward(np.ones((2, 12)))
    assert g.shape == (2, 3, 2, 2)
    assert Flatten()(np.ones((4, 7))).shape == (4, 7)


# -- Dropout --------------------------------------------------------------------------------
def test_dropout_eval_is_identity():
    d = Dropout(0.5, seed=0).eval()
    x = RNG.standard_normal((4, 5))
    assert d(x) is x
    g = np.ones((4, 5))
    assert d.backward(g) is g


def test_dropout_train_scales_survivors_and_reuses_the_mask():
    p = 0.25
    d = Dropout(p, seed=0)
    x = np.ones((200, 100))
    y = d(x)
    assert set(np.unique(y)) == {0.0, 1 / (1 - p)}
    assert np.mean(y == 0) == pytest.approx(p, abs=0.01)
    assert y.mean() == pytest.approx(1.0, abs=0.02)          # E[y] = x: no rescaling at test time
    g = d.backward(np.full((200, 100), 2.0))
    np.testing.assert_array_equal(g, 2.0 * y)


def test_dropout_is_reproducible_and_p0_is_identity():
    x = RNG.standard_normal((10, 10))
    np.testing.assert_array_equal(Dropout(0.5, seed=3)(x), Dropout(0.5, seed=3)(x))
    np.testing.assert_array_equal(Dropout(0.5, rng=np.random.default_rng(3))(x),
                                  Dropout(0.5, seed=3)(x))
    d = Dropout(0.5, seed=3)
    assert not np.array_equal(d(x), d(x))                     # a new mask every step
    np.testing.assert_array_equal(Dropout(0.0)(x), x)


def test_dropout_mask_is_the_same_for_float32_and_float64():
    x = RNG.standard_normal((6, 7))
    y64 = Dropout(0.5, seed=1)(x)
    y32 = Dropout(0.5, seed=1)(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_array_equal(y32 == 0, y64 == 0)


def test_dropout_follows_train_and_eval_of_a_container():
    net = dlcore.Sequential(ReLU(), Dropout(0.5, seed=0))
    x = np.ones((5, 5))
    net.eval()
    np.testing.assert_array_equal(net(x), x)
    net.train()
    assert np.any(net(x) == 0)
