"""The chapter-8 explorer: weight decay and dropout rate -> decision boundary on the moons."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import describe_regularization, regularization_explorer  # noqa: E402


def test_explorer_builds_with_finite_controls_and_redraws():
    viz.setup()
    box = regularization_explorer(weight_decay=0.01, dropout=0.0)
    lam, p = box.controls["weight_decay"], box.controls["dropout"]
    assert isinstance(lam, widgets.SelectionSlider) and isinstance(p, widgets.ToggleButtons)
    values = [[v for _, v in lam.options], [v for _, v in p.options]]
    assert values == [list(viz.EXPLORER_DECAYS), list(viz.EXPLORER_DROPOUTS)]
    assert len(values[0]) * len(values[1]) <= 60
    assert "λ = 0.01, p = 0" in box.text.value
    lam.value, p.value = 0.1, 0.4
    assert box.text.value == f"<b>{describe_regularization(0.1, 0.4)}</b>"
    assert isinstance(box.children[1], widgets.Output)


def test_explorer_rejects_values_outside_its_grid():
    with pytest.raises(ValueError, match="boundary_state"):
        regularization_explorer(weight_decay=0.02)
