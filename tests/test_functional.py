"""dlcore.functional: values, derivatives, dtypes and numerical stability of the activations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlcore import functional as F

# Any RuntimeWarning (overflow in exp, divide by zero in log, invalid value) fails a test here.
pytestmark = pytest.mark.filterwarnings("error")

RNG = np.random.default_rng(0)
S = np.linspace(-6, 6, 49)          # includes 0
EXTREME = np.array([-1e4, -1e3, -800.0, -100.0, -1.0, 0.0, 1.0, 100.0, 800.0, 1e3, 1e4])


def naive_sigmoid(s, a=1.0):
    return 1.0 / (1.0 + np.exp(-a * s))


def central_diff(f, s, eps=1e-6):
    return (f(s + eps) - f(s - eps)) / (2 * eps)


# -- values ---------------------------------------------------------------------------------
@pytest.mark.parametrize("a", [0.5, 1.0, 2.0, 5.0])
def test_sigmoid_matches_the_formula(a):
    np.testing.assert_allclose(F.sigmoid(S, a), naive_sigmoid(S, a), rtol=1e-14)


def test_sigmoid_keeps_relative_precision_for_negative_inputs():
    # σ(−40) = e^{−40}/(1 + e^{−40}); a formula via tanh would lose it to rounding.
    np.testing.assert_allclose(F.sigmoid(-40.0), math.exp(-40) / (1 + math.exp(-40)), rtol=1e-14)


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0, 3.0])
def test_tanh_is_the_notes_form_and_tanh_of_half_the_argument(a):
    notes_form = 2.0 / (1.0 + np.exp(-a * S)) - 1.0
    np.testing.assert_allclose(F.tanh(S, a), notes_form, atol=1e-15)
    np.testing.assert_allclose(F.tanh(S, a), np.tanh(a * S / 2), rtol=1e-15)


def test_tanh_with_a_2_is_the_ordinary_tanh():
    np.testing.assert_allclose(F.tanh(S, a=2), np.tanh(S), rtol=1e-15)
    np.testing.assert_array_equal(F.tanh(S), np.tanh(S))  # the default is a = 2, as in Tanh()
    np.testing.assert_array_equal(F.tanh_grad(S), F.tanh_grad(S, a=2))
    assert not np.allclose(F.tanh(S, a=1), np.tanh(S))     # a = 1 is tanh(s/2)


def test_softplus_matches_the_formula_and_is_above_relu():
    np.testing.assert_allclose(F.softplus(S), np.log1p(np.exp(S)), rtol=1e-14)
    assert np.all(F.softplus(S) > np.maximum(S, 0))


def test_relu_and_leaky_relu():
    s = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(F.relu(s), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(F.leaky_relu(s), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(F.leaky_relu(s, 0.2), [-0.4, -0.1, 0, 0.5, 2])
    np.testing.assert_array_equal(F.leaky_relu(s, 0.0), F.relu(s))


def test_relu_gives_positive_zeros():
    # printed arrays must not show "-0."
    assert not np.any(np.signbit(F.relu(np.array([-3.0, -0.0, 0.0]))))


def test_step_is_plus_minus_one_as_in_the_notes():
    s = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])
    np.testing.assert_array_equal(F.step(s), [-1, -1, 1, 1, 1])
    np.testing.assert_array_equal(F.step(s, low=0), [0, 0, 1, 1, 1])
    assert set(np.unique(F.step(RNG.standard_normal(100)))) == {-1.0, 1.0}


# -- derivatives ----------------------------------------------------------------------------
@pytest.mark.parametrize("a", [0.5, 1.0, 3.0])
@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_sloped_derivatives_match_central_differences(name, a):
    f, df = getattr(F, name), getattr(F, name + "_grad")
    np.testing.assert_allclose(df(S, a), central_diff(lambda s: f(s, a), S), atol=1e-8)


@pytest.mark.parametrize("name", ["softplus", "relu", "leaky_relu"])
def test_derivatives_match_central_differences(name):
    s = S[S != 0]                                       # relu-like kinks at 0
    f, df = getattr(F, name), getattr(F, name + "_grad")
    np.testing.assert_allclose(df(s), central_diff(f, s), atol=1e-8)


def test_sigmoid_derivative_peaks_at_a_quarter_not_point_three():
    s = np.linspace(-10, 10, 20001)
    assert F.sigmoid_grad(0.0) == 0.25
    assert F.sigmoid_grad(s).max() == 0.25
    assert F.sigmoid_grad(0.0, a=3) == pytest.approx(0.75)
    assert F.tanh_grad(0.0) == 1.0 and F.tanh_grad(0.0, a=1) == 0.5


def test_derivative_conventions_at_the_kinks():
    assert F.relu_grad(0.0) == 0.0
    assert F.leaky_relu_grad(0.0, 0.1) == pytest.approx(0.1)
    np.testing.assert_array_equal(F.step_grad(S), np.zeros_like(S))
    np.testing.assert_allclose(F.softplus_grad(S), F.sigmoid(S))


# -- dtypes and shapes ----------------------------------------------------------------------
ELEMENTWISE = ["step", "step_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad", "softplus",
               "softplus_grad", "relu", "relu_grad", "leaky_relu", "leaky_relu_grad"]


@pytest.mark.parametrize("name", ELEMENTWISE + ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 2, 2)])
def test_shape_and_dtype_are_kept(name, dtype, shape):
    x = RNG.standard_normal(shape).astype(dtype)
    y = getattr(F, name)(x)
    assert y.shape == shape and y.dtype == dtype


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_scalars_give_scalars_and_integers_become_float64(name):
    f = getattr(F, name)
    assert np.ndim(f(0.5)) == 0 and isinstance(f(0.5), np.floating)
    assert f(np.array([1, -2, 0])).dtype == np.float64
    assert f([1, -2]).shape == (2,)


def test_inputs_are_not_modified():
    x = RNG.standard_normal((4, 5))
    before = x.copy()
    for name in ELEMENTWISE + ["softmax", "log_softmax", "logsumexp"]:
        getattr(F, name)(x)
    np.testing.assert_array_equal(x, before)


# -- softmax family -------------------------------------------------------------------------
def test_softmax_rows_sum_to_one_and_shift_invariance():
    s = RNG.standard_normal((5, 4))
    y = F.softmax(s)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(F.softmax(s + 1000.0), y, rtol=1e-12)
    naive = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(y, naive, rtol=1e-14)


def test_softmax_along_another_axis():
    s = RNG.standard_normal((3, 4, 5))
    np.testing.assert_allclose(F.softmax(s, axis=1).sum(axis=1), 1.0)
    np.testing.assert_allclose(F.softmax(s, axis=0), np.moveaxis(
        F.softmax(np.moveaxis(s, 0, -1)), -1, 0), rtol=1e-14)


def test_log_softmax_and_logsumexp():
    s = RNG.standard_normal((5, 4))
    np.testing.assert_allclose(F.log_softmax(s), np.log(F.softmax(s)), rtol=1e-13)
    np.testing.assert_allclose(F.logsumexp(s), np.log(np.exp(s).sum(axis=1)), rtol=1e-14)
    assert F.logsumexp(s, keepdims=True).shape == (5, 1)
    assert F.logsumexp(s, axis=0).shape == (4,)
    assert isinstance(F.logsumexp(np.array([1.0, 2.0])), np.floating)


def test_log_softmax_stays_exact_where_softmax_underflows():
    np.testing.assert_array_equal(F.log_softmax(np.array([0.0, -1e4])), [0.0, -1e4])


# -- stability at extreme inputs (warnings are errors in this module) -----------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_functions_are_finite_for_huge_inputs(name, dtype):
    y = getattr(F, name)(EXTREME.astype(dtype))
    assert np.all(np.isfinite(y))


def test_extreme_values_are_right():
    x = np.array([-1e4, 1e4])
    lo, hi = F.sigmoid(x)
    assert 0.0 <= lo < 1e-300 and hi == 1.0         # e^{-1e4} is below the smallest float
    np.testing.assert_array_equal(F.softplus(x), [0.0, 1e4])
    np.testing.assert_array_equal(F.tanh(x), [-1.0, 1.0])
    np.testing.assert_array_equal(F.softmax(np.array([[1e4, -1e4, 0.0]])), [[1.0, 0.0, 0.0]])
    assert F.logsumexp(np.array([1e4, 1e4])) == pytest.approx(1e4 + math.log(2))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_family_is_finite_for_huge_logits(dtype):
    s = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, -1e4]], dtype=dtype)
    for f in (F.softmax, F.log_softmax, F.logsumexp):
        assert np.all(np.isfinite(f(s)))
    np.testing.assert_allclose(F.softmax(s)[1], [1 / 3] * 3, rtol=1e-6)


finite_arrays = hnp.arrays(
    dtype=st.sampled_from([np.float32, np.float64]),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
    elements=st.floats(-1e4, 1e4, width=32))


@settings(max_examples=150, deadline=None)
@given(finite_arrays)
def test_property_activations_stay_in_their_ranges(s):
    y = F.sigmoid(s)
    assert np.all((y >= 0) & (y <= 1))
    assert np.all(F.sigmoid_grad(s) <= 0.25)
    t = F.tanh(s)
    assert np.all((t >= -1) & (t <= 1))
    sp = F.softplus(s)
    assert np.all(sp >= np.maximum(s, 0)) and np.all(np.isfinite(sp))
    assert np.all(F.relu(s) >= 0)
    for out in (y, t, sp, F.sigmoid_grad(s), F.tanh_grad(s), F.softplus_grad(s)):
        assert out.dtype == s.dtype and out.shape == s.shape


@settings(max_examples=150, deadline=None)
@given(finite_arrays)
def test_property_softmax_is_a_distribution(s):
    y = F.softmax(s)
    assert np.all(np.isfinite(y)) and np.all(y >= 0)
    tol = 1e-5 if s.dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.sum(axis=-1), 1.0, rtol=tol)
    ls = F.log_softmax(s)
    assert np.all(np.isfinite(ls)) and np.all(ls <= 0)
    lse = F.logsumexp(s)
    assert np.all(np.isfinite(lse)) and np.all(lse >= s.max(axis=-1))
