"""dlcore.losses: values, gradients (checked numerically in float64), reductions and stability."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import functional as F
from dlcore import losses as L
from dlcore.gradcheck import check_loss

pytestmark = pytest.mark.filterwarnings("error")      # no overflow/divide/invalid warnings

RNG = np.random.default_rng(0)
SHAPES = [(1,), (5,), (4, 1), (3, 4), (2, 3, 2)]


def probs(shape, lo=0.05, hi=0.95):
    return RNG.uniform(lo, hi, size=shape)


# -- regression losses ----------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
def test_mse_value_and_gradient(shape):
    o, y = RNG.standard_normal(shape), RNG.standard_normal(shape)
    loss = L.MSELoss()
    assert loss(o, y) == pytest.approx(np.mean((o - y) ** 2), rel=1e-14)
    np.testing.assert_allclose(loss.backward(), 2 * (o - y) / o.size, rtol=1e-14)
    assert check_loss(L.MSELoss(), o, y).max_error < 1e-6
    assert check_loss(L.MSELoss(reduction="sum"), o, y).max_error < 1e-6


@pytest.mark.parametrize("shape", SHAPES)
def test_mae_value_and_gradient(shape):
    o, y = RNG.standard_normal(shape), RNG.standard_normal(shape)
    loss = L.MAELoss()
    assert loss(o, y) == pytest.approx(np.mean(np.abs(o - y)), rel=1e-14)
    np.testing.assert_array_equal(loss.backward(), np.sign(o - y) / o.size)
    assert check_loss(L.MAELoss(), o, y).max_error < 1e-6


def test_mae_gradient_is_zero_where_the_error_is_zero_and_l1_is_an_alias():
    loss = L.L1Loss()
    loss(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    np.testing.assert_array_equal(loss.backward(), [0.0, 0.5])
    assert L.L1Loss is L.MAELoss


def test_mse_and_mae_react_differently_to_an_outlier():
    y = np.zeros(5)
    o = np.array([0.1, -0.1, 0.1, -0.1, 10.0])
    mse, mae = L.MSELoss(), L.MAELoss()
    mse(o, y)
    mae(o, y)
    g_mse, g_mae = np.abs(mse.backward()), np.abs(mae.backward())
    assert g_mse[4] == pytest.approx(100 * g_mse[0])       # MSE: the outlier pulls 100x harder
    np.testing.assert_allclose(g_mae, 0.2)                  # MAE: every error pulls the same


def test_sum_reduction_is_mean_times_count():
    o, y = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    for cls in (L.MSELoss, L.MAELoss):
        assert cls(reduction="sum")(o, y) == pytest.approx(12 * cls()(o, y))
    s, c = RNG.standard_normal((6, 3)), RNG.integers(0, 3, 6)
    mean, total = L.CrossEntropyLoss(), L.CrossEntropyLoss(reduction="sum")
    assert total(s, c) == pytest.approx(6 * mean(s, c))
    np.testing.assert_allclose(total.backward(), 6 * mean.backward())


# -- binary cross-entropy -------------------------------------------------------------------
def test_bce_reproduces_the_notes_numbers_in_base_2():
    bce2 = L.BCELoss(base=2)
    assert f"{bce2(np.array([0.98]), np.array([1.0])):.4f}" == "0.0291"
    assert f"{bce2(np.array([0.0001]), np.array([1.0])):.4f}" == "13.2877"


def test_bce_natural_log_value():
    o, y = np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 1.0])
    expected = -np.mean(y * np.log(o) + (1 - y) * np.log(1 - o))
    assert L.BCELoss()(o, y) == pytest.approx(expected, rel=1e-14)
    assert L.BCELoss(base=2)(o, y) == pytest.approx(expected / math.log(2), rel=1e-14)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("base", [None, 2])
def test_bce_gradient(shape, base):
    o = probs(shape)
    for y in (RNG.integers(0, 2, shape).astype(float), RNG.uniform(0, 1, shape)):
        assert check_loss(L.BCELoss(base=base), o, y).max_error < 1e-6


def test_bce_is_finite_at_exactly_zero_and_one():
    o, y = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    loss = L.BCELoss(reduction="sum")
    value = loss(o, y)
    assert value == pytest.approx(-2 * math.log(1e-12))     # the documented eps clamp
    g = loss.backward()
    assert np.all(np.isfinite(g))
    assert g[0] < 0 < g[1]                                   # pushes o toward y
    np.testing.assert_array_equal(g[2:], [0.0, 0.0])         # already right: no push


def test_bce_float32_at_the_edges():
    o = np.array([0.0, 1.0, 0.5], dtype=np.float32)
    y = np.array([1.0, 0.0, 1.0], dtype=np.float32)
    loss = L.BCELoss()
    assert math.isfinite(loss(o, y))
    g = loss.backward()
    assert g.dtype == np.float32 and np.all(np.isfinite(g))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("base", [None, 2])
def test_bce_with_logits_equals_bce_of_sigmoid(shape, base):
    s = 3 * RNG.standard_normal(shape)
    y = RNG.uniform(0, 1, shape)
    a, b = L.BCEWithLogitsLoss(base=base), L.BCELoss(base=base)
    assert a(s, y) == pytest.approx(b(F.sigmoid(s), y), rel=1e-12)
    # chain rule: ∂/∂s = ∂/∂o · σ'(s) = (σ(s) − y)/n
    np.testing.assert_allclose(a.backward(), b.backward() * F.sigmoid_grad(s), rtol=1e-10)
    assert check_loss(L.BCEWithLogitsLoss(base=base), s, y).max_error < 1e-6


def test_bce_with_logits_is_exact_for_huge_logits():
    s = np.array([1e4, -1e4, 1e4, -1e4])
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = L.BCEWithLogitsLoss(reduction="sum")
    assert loss(s, y) == pytest.approx(2e4)
    np.testing.assert_allclose(loss.backward(), [1.0, -1.0, 0.0, 0.0], rtol=0, atol=1e-300)


# -- multi-class ----------------------------------------------------------------------------
def naive_ce(s, c):
    p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    return -np.mean(np.log(p[np.arange(len(c)), c]))


@pytest.mark.parametrize("n,c", [(1, 2), (4, 3), (8, 10), (5, 1)])
def test_cross_entropy_value_and_gradient(n, c):
    s = RNG.standard_normal((n, c))
    y = RNG.integers(0, c, n)
    loss = L.CrossEntropyLoss()
    assert loss(s, y) == pytest.approx(naive_ce(s, y), rel=1e-12)
    expected = F.softmax(s)
    expected[np.arange(n), y] -= 1
    np.testing.assert_allclose(loss.backward(), expected / n, rtol=1e-12, atol=1e-15)
    assert check_loss(L.CrossEntropyLoss(), s, y).max_error < 1e-6


@pytest.mark.parametrize("n,c", [(1, 2), (4, 3), (6, 5)])
def test_nll_of_log_softmax_is_cross_entropy(n, c):
    s = RNG.standard_normal((n, c))
    y = RNG.integers(0, c, n)
    ce, nll = L.CrossEntropyLoss(), L.NLLLoss()
    assert nll(F.log_softmax(s), y) == pytest.approx(ce(s, y), rel=1e-13)
    assert check_loss(L.NLLLoss(), F.log_softmax(s), y).max_error < 1e-6
    g = nll.backward()
    assert g.shape == (n, c) and np.all(g.sum(axis=1) == -1 / n)


def test_cross_entropy_is_exact_for_huge_logits():
    s = np.array([[1e4, -1e4, 0.0], [1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]])
    y = np.array([0, 1, 2])
    loss = L.CrossEntropyLoss(reduction="sum")
    assert loss(s, y) == pytest.approx(0.0 + 2e4 + math.log(3))
    np.testing.assert_allclose(loss.backward(), [[0, 0, 0], [1, -1, 0], [1 / 3, 1 / 3, -2 / 3]],
                               atol=1e-15)


def test_cross_entropy_keeps_float32():
    s = RNG.standard_normal((4, 3)).astype(np.float32)
    loss = L.CrossEntropyLoss()
    assert isinstance(loss(s, np.array([0, 1, 2, 0])), float)
    assert loss.backward().dtype == np.float32


# -- API ------------------------------------------------------------------------------------
def test_functional_forms_match_the_classes():
    o, y = probs((3, 2)), RNG.integers(0, 2, (3, 2)).astype(float)
    s, c = RNG.standard_normal((4, 3)), np.array([0, 2, 1, 1])
    assert L.mse_loss(o, y) == L.MSELoss()(o, y)
    assert L.l1_loss(o, y) == L.mae_loss(o, y) == L.MAELoss()(o, y)
    assert L.binary_cross_entropy(o, y, base=2) == L.BCELoss(base=2)(o, y)
    assert L.binary_cross_entropy_with_logits(s, s > 0) == L.BCEWithLogitsLoss()(s, s > 0)
    assert L.cross_entropy(s, c, reduction="sum") == L.CrossEntropyLoss("sum")(s, c)
    assert L.nll_loss(F.log_softmax(s), c) == pytest.approx(L.cross_entropy(s, c))


def test_values_are_python_floats_and_gradients_match_pred():
    for loss, pred, target in [
        (L.MSELoss(), RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))),
        (L.BCELoss(), probs((3, 2)), np.ones((3, 2))),
        (L.BCEWithLogitsLoss(), RNG.standard_normal((3,)), np.array([1, 0, 1])),
        (L.CrossEntropyLoss(), RNG.standard_normal((3, 4)), np.array([3, 0, 1])),
    ]:
        value = loss(pred, target)
        g = loss.backward()
        assert type(value) is float
        assert g.shape == pred.shape and g.dtype == pred.dtype
        assert g is not pred


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CrossEntropyLoss: backward called before forward"):
        L.CrossEntropyLoss().backward()


def test_inputs_are_not_modified_and_repr():
    o, y = probs((3,)), np.array([1.0, 0.0, 1.0])
    before = o.copy()
    loss = L.BCELoss(base=2)
    loss(o, y)
    loss.backward()
    np.testing.assert_array_equal(o, before)
    assert repr(loss) == "BCELoss(base=2)"
    assert repr(L.MSELoss("sum")) == "MSELoss(reduction='sum')"


# -- properties over extreme logits --------------------------------------------------------
logit_matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1,
                                                          max_side=6),
                            elements=st.floats(-1e4, 1e4))


@settings(max_examples=150, deadline=None)
@given(logit_matrices, st.data())
def test_property_cross_entropy_finite_for_any_logits(s, data):
    n, c = s.shape
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    loss = L.CrossEntropyLoss()
    value = loss(s, y)
    g = loss.backward()
    assert math.isfinite(value) and value >= 0
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(axis=1), 0.0, atol=1e-12)


@settings(max_examples=150, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
                  elements=st.floats(-1e4, 1e4)), st.data())
def test_property_bce_losses_finite_for_any_input(s, data):
    y = data.draw(hnp.arrays(np.float64, s.shape, elements=st.floats(0, 1)))
    for loss, pred in ((L.BCEWithLogitsLoss(), s), (L.BCELoss(), F.sigmoid(s))):
        value = loss(pred, y)
        assert math.isfinite(value) and value >= -1e-12
        assert np.all(np.isfinite(loss.backward()))
