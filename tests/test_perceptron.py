"""The perceptron of chapter 1: the OR worked example, the learning rule, XOR's 75 % ceiling."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore.perceptron import (
    GATES,
    Perceptron,
    best_linear_accuracy,
    linear_dichotomies,
    logic_gate,
    perceptron_step,
)


def test_step_convention_and_dtype():
    s = np.array([-2.0, -1e-12, 0.0, 1e-12, 3.0])
    np.testing.assert_array_equal(perceptron_step(s), [-1, -1, 1, 1, 1])
    assert perceptron_step(s.astype(np.float32)).dtype == np.float32
    assert perceptron_step(np.array([0, -3])).dtype == np.float64


def test_logic_gate_order_and_labels():
    X, y = logic_gate("OR")
    np.testing.assert_array_equal(X, [[0, 0], [1, 0], [0, 1], [1, 1]])  # the notes' order
    np.testing.assert_array_equal(y, [-1, 1, 1, 1])
    _, y01 = logic_gate("xor", labels="01")
    np.testing.assert_array_equal(y01, [0, 1, 1, 0])
    with pytest.raises(ValueError, match="logic_gate"):
        logic_gate("implies")


def test_or_worked_example_from_the_notes():
    p = Perceptron(2, init=[-0.5, 1.0, 1.0])
    X, y = logic_gate("or")
    np.testing.assert_allclose(p.decision_function(X), [-0.5, 0.5, 0.5, 1.5])
    np.testing.assert_array_equal(p.predict(X), y)
    assert p.score(X, y) == 1.0
    assert float(p.bias) == -0.5
    np.testing.assert_array_equal(p.weights, [1.0, 1.0])


def test_single_online_update_is_rosenblatts_rule():
    X = np.array([[2.0, -1.0]])
    y = np.array([-1.0])
    p = Perceptron(2, rho=0.5, init=[0.0, 0.0, 0.0])  # S = 0 -> +1: misclassified
    p.fit(X, y, epochs=1)
    np.testing.assert_allclose(p.history["weights"][1], [0.0, 0.0, 0.0] + 0.5 * -1 * np.array([1, 2, -1]))
    assert p.history["updates"] == [(1, 0)]


@pytest.mark.parametrize("gate", ["and", "or", "nand", "nor"])
@pytest.mark.parametrize("mode", ["online", "batch"])
def test_learns_separable_gates(gate, mode):
    X, y = logic_gate(gate)
    p = Perceptron(2, rho=1.0).fit(X, y, epochs=50, mode=mode)
    assert p.history["converged"]
    assert p.score(X, y) == 1.0
    assert p.history["errors"][-1] == 0
    assert p.history["weights"].shape == (len(p.history["updates"]) + 1, 3)
    np.testing.assert_array_equal(p.history["weights"][-1], p.w)


@pytest.mark.parametrize("gate", ["xor", "xnor"])
def test_xor_never_converges(gate):
    X, y = logic_gate(gate)
    p = Perceptron(2).fit(X, y, epochs=30)
    assert not p.history["converged"]
    assert p.history["epochs"] == 30
    assert min(p.history["train_errors"]) >= 1


def test_shuffle_is_seeded():
    X, y = logic_gate("and")
    a = Perceptron(2, seed=3).fit(X, y, shuffle=True)
    b = Perceptron(2, seed=3).fit(X, y, shuffle=True)
    np.testing.assert_array_equal(a.history["weights"], b.history["weights"])
    assert a.history["updates"] == b.history["updates"]


def test_random_init_is_seeded_and_in_range():
    a, b = Perceptron(5, seed=1, init="random"), Perceptron(5, seed=1, init="random")
    np.testing.assert_array_equal(a.w, b.w)
    assert a.w.shape == (6,) and np.all(np.abs(a.w) <= 0.5)


def test_float32_kept():
    X, y = logic_gate("or", dtype=np.float32)
    p = Perceptron(2, dtype=np.float32).fit(X, y)
    assert p.w.dtype == np.float32
    assert p.decision_function(X).dtype == np.float32


def test_bad_inputs_raise_clear_errors():
    X, y = logic_gate("or")
    p = Perceptron(2)
    with pytest.raises(ValueError, match=r"Perceptron.fit.*\{-1, \+1\}"):
        p.fit(X, (y + 1) / 2)
    with pytest.raises(ValueError, match=r"Perceptron.decision_function: expected input of shape \(N, 2\)"):
        p.decision_function(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Perceptron.fit"):
        p.fit(X, y.reshape(4, 1))
    with pytest.raises(ValueError, match="learning rate"):
        Perceptron(2, rho=0)
    with pytest.raises(ValueError, match="initial weights"):
        Perceptron(2, init=[1.0, 2.0])
    with pytest.raises(ValueError, match="mode"):
        p.fit(X, y, mode="minibatch")
    assert Perceptron(2, lr=0.1).rho == 0.1


def test_xor_best_is_75_percent_and_witness_is_real():
    X, y = logic_gate("xor")
    acc, w = best_linear_accuracy(X, y, return_weights=True)
    assert acc == 0.75
    assert Perceptron(2, init=w).score(X, y) == 0.75


def test_square_has_14_of_16_linear_labellings():
    X, _ = logic_gate("or")
    d = linear_dichotomies(X)
    assert len(d) == 14
    missing = {lab for lab in itertools.product((-1, 1), repeat=4)} - set(d)
    assert missing == {tuple(int(v) for v in logic_gate(g)[1]) for g in ("xor", "xnor")}
    for lab, w in d.items():  # every witness really produces its labelling
        np.testing.assert_array_equal(perceptron_step(w[0] + X @ w[1:]), lab)
    for g in GATES:
        _, y = logic_gate(g)
        assert best_linear_accuracy(X, y) == (0.75 if g in ("xor", "xnor") else 1.0)


@settings(max_examples=15, deadline=None)
@given(st.integers(3, 9), st.integers(0, 10_000))
def test_cover_count_for_points_in_general_position(n, seed):
    # Cover (1965): n points in general position in the plane have 2 * sum_{k<3} C(n-1, k)
    # labellings realisable by a line.
    X = np.random.default_rng(seed).normal(size=(n, 2))
    assert len(linear_dichotomies(X)) == 2 * sum(math.comb(n - 1, k) for k in range(3))


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000))
def test_perceptron_reaches_the_exact_optimum_on_separable_data(seed):
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(30, 2))
    w_true = rng.normal(size=3)
    s = w_true[0] + X @ w_true[1:]
    keep = np.abs(s) > 0.05  # a margin, so the convergence theorem bounds the updates
    X, y = X[keep], np.where(s[keep] >= 0, 1.0, -1.0)
    if len(np.unique(y)) < 2:
        return
    assert best_linear_accuracy(X, y) == 1.0
    p = Perceptron(2).fit(X, y, epochs=2000)
    assert p.history["converged"] and p.score(X, y) == 1.0


def test_best_linear_accuracy_one_dimension_and_errors():
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    assert best_linear_accuracy(X, np.array([-1, -1, 1, 1.0])) == 1.0
    assert best_linear_accuracy(X, np.array([-1, 1, -1, 1.0])) == 0.75
    with pytest.raises(ValueError, match="best_linear_accuracy"):
        best_linear_accuracy(np.zeros((4, 3)), np.ones(4))


def test_repr_is_stable():
    assert repr(Perceptron(2, init=[-0.5, 1, 1])) == "Perceptron(n_features=2, rho=1, w=[-0.5, 1, 1])"


def test_compute_uses_xp_only():
    import pathlib
    src = pathlib.Path(__file__).resolve().parents[1] / "dlcore" / "perceptron.py"
    assert "import numpy" not in src.read_text()
