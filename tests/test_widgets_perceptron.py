"""The perceptron explorer: the pure state function, and the widget reacting to its controls."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from dlcore.widgets.perceptron import describe_state, perceptron_explorer, perceptron_state  # noqa: E402


def test_default_state_is_the_or_worked_example():
    s = perceptron_state(1.0, 1.0, -0.5, "or")
    np.testing.assert_allclose(s["S"], [-0.5, 0.5, 0.5, 1.5])
    np.testing.assert_array_equal(s["pred"], [-1, 1, 1, 1])
    assert s["n_correct"] == 4 and s["accuracy"] == 1.0
    assert s["boundary"] == "d(x) = 1.00·x₁ + 1.00·x₂ − 0.50 = 0  (x₂ = −1.00·x₁ + 0.50)"
    assert describe_state(s).startswith("OR: 정확도 4/4 = 100 %")


@pytest.mark.parametrize("gate,expected", [("or", 4), ("and", 2), ("xor", 3)])
def test_accuracy_of_the_or_weights_on_each_gate(gate, expected):
    assert perceptron_state(1.0, 1.0, -0.5, gate)["n_correct"] == expected


def test_and_weights_and_degenerate_boundaries():
    assert perceptron_state(1.0, 1.0, -1.5, "and")["accuracy"] == 1.0
    vertical = perceptron_state(1.0, 0.0, -0.5, "or")
    assert vertical["boundary"].endswith("(x₁ = 0.50)")
    none = perceptron_state(0.0, 0.0, 0.3, "or")
    assert none["boundary"] == "경계 없음: 모든 점이 +1" and none["n_correct"] == 3
    with pytest.raises(ValueError, match="perceptron_state"):
        perceptron_state(1, 1, 1, "imply")


def test_no_weights_reach_xor():
    grid = np.linspace(-2, 2, 21)
    best = max(perceptron_state(a, b, c, "xor")["n_correct"]
               for a in grid for b in grid for c in grid)
    assert best == 3


def test_widget_builds_and_updates_text():
    pytest.importorskip("ipywidgets")
    box = perceptron_explorer()
    assert "OR: 정확도 4/4" in box.text.value
    box.controls["gate"].value = "xor"
    assert "XOR: 정확도 3/4" in box.text.value
    box.controls["gate"].value = "and"
    box.controls["w0"].value = -1.5
    assert "AND: 정확도 4/4" in box.text.value
    box.controls["w1"].value = 0.0
    box.controls["w2"].value = 0.0
    assert "경계 없음" in box.text.value
    with pytest.raises(ValueError, match="perceptron_explorer"):
        perceptron_explorer(gate="nand")
