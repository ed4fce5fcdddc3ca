"""Tests for dlcore.layers.Linear: forward, backward (finite differences), dtype, validation."""

import numpy as np
import pytest

from dlcore import Linear, Sequential
from dlcore.module import Parameter


def numerical_grad(f, a, h=1e-6):
    """Central differences of the scalar function ``f()`` with respect to the array ``a``
    (changed in place and restored)."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + h
        fp = f()
        a[i] = old - h
        fm = f()
        a[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)) + np.max(np.abs(b)), 1e-12)


# -- forward ---------------------------------------------------------------------------------------
def test_forward_is_x_wt_plus_b():
    layer = Linear(4, 3, seed=0)
    layer.bias.data[...] = [0.5, -1.0, 2.0]
    x = np.random.default_rng(1).standard_normal((5, 4))
    y = layer(x)
    assert y.shape == (5, 3) and y.dtype == np.float64
    np.testing.assert_allclose(y, x @ layer.weight.data.T + layer.bias.data, rtol=1e-14)


def test_forward_matches_the_notes_augmented_matrix_U():
    """U = [b | W] applied to x = (1, x_1, ..., x_d)ᵀ gives the same output (식 3.11, 3.15)."""
    layer = Linear(3, 2, seed=0)
    layer.bias.data[...] = [0.1, -0.2]
    U = np.column_stack([layer.bias.data, layer.weight.data])  # (p, d + 1), bias in column 0
    x = np.array([0.3, -0.7, 1.5])
    np.testing.assert_allclose(U @ np.concatenate([[1.0], x]), layer(x[None, :])[0], rtol=1e-14)


def test_no_bias():
    layer = Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and len(layer.parameters()) == 1
    x = np.ones((2, 3))
    np.testing.assert_allclose(layer(x), x @ layer.weight.data.T)
    layer.backward(np.ones((2, 2)))
    np.testing.assert_allclose(layer.weight.grad, np.full((2, 3), 2.0))


def test_parameters_and_shapes():
    layer = Linear(784, 100, seed=0)
    names = [n for n, _ in layer.named_parameters()]
    assert names == ["weight", "bias"]
    assert layer.weight.shape == (100, 784) and layer.bias.shape == (100,)
    assert layer.num_parameters() == 784 * 100 + 100
    assert "in_features=784" in repr(layer)


def test_he_uniform_init_is_seeded_and_scaled():
    a, b = Linear(200, 50, seed=3), Linear(200, 50, seed=3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, Linear(200, 50, seed=4).weight.data)
    bound = np.sqrt(6 / 200)
    assert np.abs(a.weight.data).max() <= bound
    assert abs(a.weight.data.var() - 2 / 200) < 0.1 * 2 / 200  # He: Var(w) = 2 / fan_in
    np.testing.assert_array_equal(a.bias.data, 0.0)
    # an rng gives the same numbers as the seed it was made from
    c = Linear(200, 50, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight.data, c.weight.data)


def test_float32_is_kept_and_rounds_the_float64_init():
    l32, l64 = Linear(6, 4, dtype=np.float32, seed=0), Linear(6, 4, seed=0)
    assert l32.weight.dtype == np.float32 and l32.bias.dtype == np.float32
    np.testing.assert_array_equal(l32.weight.data, l64.weight.data.astype(np.float32))
    x = np.ones((2, 6), dtype=np.float32)
    y = l32(x)
    assert y.dtype == np.float32
    assert l32.backward(np.ones_like(y)).dtype == np.float32
    assert l32.weight.grad.dtype == np.float32


def test_integer_input_is_converted():
    layer = Linear(2, 1, seed=0)
    x = np.array([[0, 1], [1, 1]])  # logic-gate inputs as ints
    np.testing.assert_allclose(layer(x), layer(x.astype(np.float64)))


# -- backward --------------------------------------------------------------------------------------
@pytest.mark.parametrize("n, d, p", [(1, 1, 1), (2, 3, 4), (5, 7, 3), (8, 2, 6), (3, 10, 10)])
def test_gradients_match_finite_differences(n, d, p):
    rng = np.random.default_rng(n * 100 + d * 10 + p)
    layer = Linear(d, p, seed=1)
    layer.bias.data[...] = rng.standard_normal(p)
    x = rng.standard_normal((n, d))
    r = rng.standard_normal((n, p))  # L = Σ r ⊙ y, so ∂L/∂y = r

    def loss():
        return float(np.sum(r * layer.forward(x)))

    layer.forward(x)
    dx = layer.backward(r)
    assert dx.shape == (n, d)
    assert rel_error(dx, numerical_grad(loss, x)) < 1e-6
    assert rel_error(layer.weight.grad, numerical_grad(loss, layer.weight.data)) < 1e-6
    assert rel_error(layer.bias.grad, numerical_grad(loss, layer.bias.data)) < 1e-6


def test_backward_formulas_and_accumulation():
    rng = np.random.default_rng(0)
    layer = Linear(4, 3, seed=0)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    layer(x)
    dx = layer.backward(g)
    np.testing.assert_allclose(dx, g @ layer.weight.data)
    np.testing.assert_allclose(layer.weight.grad, g.T @ x)
    np.testing.assert_allclose(layer.bias.grad, g.sum(axis=0))
    layer.backward(g)  # backward adds into .grad, as in PyTorch
    np.testing.assert_allclose(layer.weight.grad, 2 * g.T @ x)
    layer.zero_grad()
    np.testing.assert_array_equal(layer.weight.grad, 0.0)


def test_needs_input_grad_false_skips_dx():
    rng = np.random.default_rng(0)
    a = Linear(4, 3, seed=0, needs_input_grad=False)
    b = Linear(4, 3, seed=0)
    x, g = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    a(x), b(x)
    assert a.backward(g) is None
    b.backward(g)
    np.testing.assert_array_equal(a.weight.grad, b.weight.grad)
    np.testing.assert_array_equal(a.bias.grad, b.bias.grad)
    net = Sequential(Linear(4, 5, seed=0, needs_input_grad=False), Linear(5, 2, seed=1))
    net(x)
    assert net.backward(np.ones((6, 2))) is None


def test_forward_does_not_change_the_input_and_keeps_a_private_copy():
    layer = Linear(3, 2, seed=0)
    x = np.arange(6.0).reshape(2, 3)
    keep = x.copy()
    layer(x)
    x[...] = 100.0                       # the caller refills its buffer before backward
    layer.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(layer.weight.grad, np.ones((2, 2)).T @ keep)
    assert layer._x is not x


# -- bad input -------------------------------------------------------------------------------------
@pytest.mark.parametrize("args, kwargs, match", [
    ((0, 3), {}, "in_features"),
    ((3, -1), {}, "out_features"),
    ((2.5, 3), {}, "in_features"),
    ((True, 3), {}, "in_features"),
    ((3, 2), {"dtype": np.int64}, "floating dtype"),
    ((3, 2), {"seed": 0, "rng": np.random.default_rng(0)}, "either seed or rng"),
    ((3, 2), {"seed": -1}, "seed"),
    ((3, 2), {"rng": "not a generator"}, "Generator"),
])
def test_bad_construction(args, kwargs, match):
    with pytest.raises(ValueError, match=match) as info:
        Linear(*args, **kwargs)
    assert "Linear" in str(info.value)


@pytest.mark.parametrize("x, match", [
    (np.ones(3), r"expected a 2-D input of shape \(N, 3\), got 1-D shape \(3,\)"),
    (np.ones((2, 1, 3)), r"2-D input.*got 3-D"),
    (np.ones((2, 4)), r"expected input of shape \(N, 3\), got \(2, 4\)"),
    (np.ones((0, 3)), "non-empty"),
    (np.array([[1.0, np.nan, 0.0]]), "NaN or inf"),
    (np.ones((2, 3), dtype=np.float32), "dtype float64.*got float32"),
    ([[1.0, 2.0, 3.0]], "got list"),
    (np.array([["a", "b", "c"]]), "real numeric"),
])
def test_bad_forward_input(x, match):
    layer = Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match=match) as info:
        layer(x)
    assert str(info.value).startswith("Linear")


def test_float64_input_to_float32_layer_is_rejected():
    layer = Linear(3, 2, dtype=np.float32, seed=0)
    with pytest.raises(ValueError, match="Linear: expected input of dtype float32"):
        layer(np.ones((1, 3)))


def test_bad_backward():
    layer = Linear(3, 2, seed=0)
    with pytest.raises(ValueError, match="Linear: backward called before forward"):
        layer.backward(np.ones((4, 2)))
    layer(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward: expected input of shape \(4, 2\)"):
        layer.backward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"Linear.backward: expected a 2-D input"):
        layer.backward(np.ones(8))
    with pytest.raises(ValueError, match="Linear: expected grad_out of dtype float64"):
        layer.backward(np.ones((4, 2), dtype=np.float32))


def test_parameters_are_parameters():
    layer = Linear(2, 2, seed=0)
    assert all(isinstance(p, Parameter) for p in layer.parameters())


@pytest.mark.parametrize("n, d, p, bias", [(3, 4, 2, True), (6, 5, 7, False)])
def test_gradcheck_module(n, d, p, bias):
    """The same check through dlcore.gradcheck (the tool the book shows readers)."""
    from dlcore.gradcheck import check_module

    layer = Linear(d, p, bias=bias, seed=2)
    x = np.random.default_rng(0).standard_normal((n, d))
    report = check_module(layer, x, rtol=1e-6)
    assert report.passed
    # without ∂L/∂x the parameters are still checked
    check_module(Linear(d, p, bias=bias, seed=2, needs_input_grad=False), x)
