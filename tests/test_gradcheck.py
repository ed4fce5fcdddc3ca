"""dlcore.gradcheck: the numerical gradient, the relative error and the module/loss checkers."""

import numpy as np
import pytest

from dlcore import losses as L
from dlcore.gradcheck import (
    GradCheckError,
    check_loss,
    check_module,
    numerical_gradient,
    rel_error,
)
from dlcore.module import Module, Parameter

RNG = np.random.default_rng(0)


class Affine(Module):
    """y = x ⊙ w + b (element-wise), with a switch that breaks one gradient on purpose."""

    _buffers = ("calls",)

    def __init__(self, n, broken=None):
        self.w = Parameter(RNG.standard_normal(n), name="w")
        self.b = Parameter(RNG.standard_normal(n), name="b")
        self.calls = np.zeros(1)
        self.broken = broken

    def forward(self, x):
        self.calls += 1                       # a buffer that forward changes
        self._x = x
        return x * self.w.data + self.b.data

    def backward(self, g):
        self.w.grad += (g * self._x).sum(axis=0) * (2.0 if self.broken == "w" else 1.0)
        self.b.grad += g.sum(axis=0)
        return g * self.w.data * (1.5 if self.broken == "input" else 1.0)


# -- numerical_gradient ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (4,), (2, 3), (2, 2, 3)])
def test_numerical_gradient_of_a_quadratic(shape):
    x = RNG.standard_normal(shape)
    g = numerical_gradient(lambda a: float(np.sum(a ** 3)), x)
    np.testing.assert_allclose(g, 3 * x ** 2, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_restores_x_exactly_even_after_an_error():
    x = RNG.standard_normal((3, 3))
    before = x.copy()
    numerical_gradient(lambda a: float(np.sum(np.sin(a))), x)
    np.testing.assert_array_equal(x, before)

    def explode(a):
        raise KeyError("boom")

    with pytest.raises(KeyError):
        numerical_gradient(explode, x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_sees_the_change_through_references():
    w = np.array([1.0, 2.0])
    x = np.array([3.0, 4.0])
    g = numerical_gradient(lambda _: float(w @ x), w)       # f ignores its argument, reads w
    np.testing.assert_allclose(g, x, rtol=1e-8)


def test_numerical_gradient_rejects_integer_arrays():
    with pytest.raises(ValueError, match="numerical_gradient: expected a floating-point array"):
        numerical_gradient(lambda a: 0.0, np.arange(3))


# -- rel_error ------------------------------------------------------------------------------
def test_rel_error():
    a = np.array([1.0, -2.0, 0.0])
    assert rel_error(a, a) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(a, a + np.array([0.0, 0.0, 2e-8])) == pytest.approx(1e-8)
    assert rel_error(np.array([1.0]), np.array([-1.0])) == 2.0
    with pytest.raises(ValueError, match=r"rel_error: expected arrays of the same shape, got \(3"):
        rel_error(a, a[:2])


# -- check_module ---------------------------------------------------------------------------
def test_check_module_passes_a_correct_module_and_reports_every_tensor():
    m = Affine(4)
    report = check_module(m, RNG.standard_normal((3, 4)))
    assert report.passed and bool(report)
    assert list(report.errors) == ["input", "w", "b"]
    assert report.max_error < 1e-8
    text = str(report)
    assert "check_module(Affine): passed" in text and "(3, 4)" in text and "w " in text


@pytest.mark.parametrize("broken", ["input", "w"])
def test_check_module_finds_a_wrong_gradient(broken):
    m = Affine(4, broken=broken)
    x = RNG.standard_normal((3, 4))
    with pytest.raises(GradCheckError, match="wrong"):
        check_module(m, x)
    report = check_module(m, x, raise_exception=False)
    assert not report.passed
    assert report.errors[broken] > 0.1
    assert report.errors["b"] < 1e-8


def test_check_module_leaves_the_module_as_it_was():
    m = Affine(3)
    m.w.grad[...] = 7.0
    w, calls = m.w.data.copy(), m.calls.copy()
    check_module(m, RNG.standard_normal((2, 3)))
    np.testing.assert_array_equal(m.w.grad, 7.0)
    np.testing.assert_array_equal(m.w.data, w)
    np.testing.assert_array_equal(m.calls, calls)


def test_check_module_does_not_modify_the_input():
    x = RNG.standard_normal((2, 3))
    before = x.copy()
    check_module(Affine(3), x)
    np.testing.assert_array_equal(x, before)


def test_check_module_wants_float64():
    with pytest.raises(ValueError, match="check_module: expected the input x of dtype float64"):
        check_module(Affine(3), RNG.standard_normal((2, 3)).astype(np.float32))
    m = Affine(3)
    m.w.data = m.w.data.astype(np.float32)
    with pytest.raises(ValueError, match="parameter 'w' of dtype float64"):
        check_module(m, RNG.standard_normal((2, 3)))


def test_check_module_wants_a_module():
    with pytest.raises(ValueError, match="check_module: expected a dlcore Module, got function"):
        check_module(lambda x: x, np.zeros(3))


# -- check_loss -----------------------------------------------------------------------------
def test_check_loss_passes_the_real_losses():
    s = RNG.standard_normal((4, 3))
    assert check_loss(L.CrossEntropyLoss(), s, np.array([0, 1, 2, 0])).passed
    assert check_loss(L.MSELoss(), s, RNG.standard_normal((4, 3))).passed


def test_check_loss_finds_a_wrong_loss_gradient():
    class WrongMSE(L.MSELoss):
        def _grad(self):
            return 3.0 * self._diff          # should be 2

    o, y = RNG.standard_normal(5), RNG.standard_normal(5)
    with pytest.raises(GradCheckError, match="check_loss\\(WrongMSE\\): FAILED"):
        check_loss(WrongMSE(), o, y)
    assert not check_loss(WrongMSE(), o, y, raise_exception=False).passed


def test_tolerances_are_validated():
    with pytest.raises(ValueError, match="check_loss: expected eps > 0"):
        check_loss(L.MSELoss(), np.zeros(2), np.zeros(2), eps=0)
    with pytest.raises(ValueError, match="check_module: expected rtol to be a number ≥ 0"):
        check_module(Affine(2), np.zeros((1, 2)), rtol=-1)
