"""dlcore.widgets.activation: the activation explorer of chapter 2."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets.activation import activation_explorer  # noqa: E402


def _sig(s, a=1.0):
    return 1.0 / (1.0 + np.exp(-a * s))


ROWS = [
    ("로지스틱 시그모이드", _sig, lambda s, a=1.0: a * _sig(s, a) * (1 - _sig(s, a)), True),
    ("ReLU", lambda s: np.maximum(s, 0), lambda s: (s > 0) * 1.0, False),
]


def test_explorer_builds_and_redraws():
    viz.setup()
    box = activation_explorer(rows=ROWS)
    assert isinstance(box, widgets.VBox)
    name_w, a_w = box.children[0].children
    assert name_w.description == "활성 함수" and a_w.description == "기울기 a"
    a_w.value = 2.0
    name_w.value = "ReLU"
    assert a_w.disabled  # ReLU has no slope
    name_w.value = "로지스틱 시그모이드"
    assert not a_w.disabled
    assert isinstance(box.children[1], widgets.Output)


def test_explorer_rejects_unknown_name():
    with pytest.raises(ValueError, match="activation_explorer"):
        activation_explorer(name="없는 함수", rows=ROWS)


def test_explorer_with_dlcore_functional():
    F = pytest.importorskip("dlcore.functional")
    if not hasattr(F, "sigmoid_grad"):
        pytest.skip("dlcore.functional not there yet")
    viz.setup()
    box = activation_explorer()
    names = box.children[0].children[0].options
    assert len(names) == 5
