"""Parameter, Module and Sequential: traversal order, modes, gradients and state."""

import numpy as np
import pytest

from dlcore import Module, Parameter, Sequential
from dlcore._validate import check_input, check_same_shape


class Scale(Module):
    """y = a * x with one scalar-per-feature parameter (a tiny module for these tests)."""

    def __init__(self, n, value=2.0):
        self.a = Parameter(np.full(n, value), name="a")
        self._x = None

    def forward(self, x):
        self._x = x
        return x * self.a.data

    def backward(self, grad_out):
        self.a.grad += (grad_out * self._x).sum(axis=0)
        return grad_out * self.a.data


class WithBuffer(Module):
    _buffers = ("running",)

    def __init__(self):
        self.w = Parameter(np.zeros(3))
        self.running = np.zeros(3)


def test_parameter_has_zero_grad_of_same_shape_and_dtype():
    p = Parameter(np.ones((2, 3), dtype=np.float32))
    assert p.grad.shape == (2, 3) and p.grad.dtype == np.float32
    assert not p.grad.any()
    p.grad += 1
    p.zero_grad()
    assert not p.grad.any()


def test_parameters_follow_assignment_order_and_nesting():
    class Net(Module):
        def __init__(self):
            self.first = Scale(2)
            self.b = Parameter(np.zeros(1))
            self.blocks = [Scale(3), Scale(4)]

    names = [n for n, _ in Net().named_parameters()]
    assert names == ["first.a", "b", "blocks.0.a", "blocks.1.a"]
    assert [p.shape for p in Net().parameters()] == [(2,), (1,), (3,), (4,)]


def test_shared_parameter_is_listed_once():
    s = Scale(2)
    net = Sequential(s, s)
    assert len(net.parameters()) == 1


def test_sequential_forward_backward_chain_rule():
    net = Sequential(Scale(2, 2.0), Scale(2, 3.0))
    x = np.array([[1.0, -1.0]])
    assert np.allclose(net(x), 6 * x)
    gx = net.backward(np.ones_like(x))
    assert np.allclose(gx, [[6.0, 6.0]])
    # d(sum y)/d(a1) = a2 * x, d/d(a2) = a1 * x
    assert np.allclose(net[0].a.grad, 3.0 * x[0])
    assert np.allclose(net[1].a.grad, 2.0 * x[0])
    net.zero_grad()
    assert all(not p.grad.any() for p in net.parameters())


def test_backward_accumulates_like_pytorch():
    m = Scale(1, 1.0)
    x = np.array([[2.0]])
    m(x)
    m.backward(np.ones_like(x))
    m.backward(np.ones_like(x))
    assert m.a.grad[0] == 4.0


def test_train_eval_propagate_to_children():
    net = Sequential(Scale(1), Sequential(Scale(1)))
    net.eval()
    assert all(not m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_sequential_rejects_non_modules():
    with pytest.raises(ValueError, match="Sequential: expected Module"):
        Sequential(Scale(1), "relu")


def test_state_dict_round_trip_includes_buffers():
    m = WithBuffer()
    m.w.data[:] = [1, 2, 3]
    m.running[:] = [4, 5, 6]
    state = {k: v.copy() for k, v in m.state_dict().items()}
    assert list(state) == ["w", "running"]
    fresh = WithBuffer().load_state_dict(state)
    assert np.array_equal(fresh.w.data, [1, 2, 3])
    assert np.array_equal(fresh.running, [4, 5, 6])


@pytest.mark.parametrize("state, message", [
    ({"w": np.zeros(3)}, "missing keys \\['running'\\]"),
    ({"w": np.zeros(3), "running": np.zeros(3), "x": np.zeros(1)}, "unexpected keys \\['x'\\]"),
    ({"w": np.zeros(4), "running": np.zeros(3)}, "expected w of shape \\(3,\\), got \\(4,\\)"),
])
def test_load_state_dict_rejects_mismatched_checkpoints(state, message):
    with pytest.raises(ValueError, match=message):
        WithBuffer().load_state_dict(state)


@pytest.mark.parametrize("x, message", [
    (np.zeros((2, 3, 4)), "expected a 2-D input of shape \\(N, 5\\), got 3-D shape \\(2, 3, 4\\)"),
    (np.zeros((2, 4)), "expected input of shape \\(N, 5\\), got \\(2, 4\\)"),
    (np.zeros((0, 5)), "non-empty"),
    (np.full((1, 5), np.nan), "finite"),
    (np.zeros((1, 5), dtype=complex), "real numeric"),
    ([[1, 2, 3, 4, 5]], "got list"),
])
def test_check_input_messages(x, message):
    with pytest.raises(ValueError, match=message):
        check_input(x, "Demo", (None, 5), names=("N", "F"))


def test_check_same_shape_refuses_broadcasting():
    with pytest.raises(ValueError, match="never broadcasts"):
        check_same_shape(np.zeros((4, 1)), np.zeros(4), "MSELoss")
