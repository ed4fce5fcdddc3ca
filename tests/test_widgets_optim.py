"""dlcore.widgets.optim: the optimiser explorer of chapter 6."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import (EXPLORER_LRS, EXPLORER_MOMENTA, EXPLORER_OPTIMIZERS,  # noqa: E402
                            optimizer_explorer)


def test_optimizer_explorer_builds_and_redraws():
    viz.setup()
    box = optimizer_explorer()
    assert isinstance(box, widgets.VBox)
    ctl = box.controls
    assert set(ctl) == {"optimizer", "lr", "momentum"}
    # finite controls only, at most 60 states (the static HTML book precomputes them)
    assert isinstance(ctl["optimizer"], widgets.Dropdown)
    assert isinstance(ctl["lr"], widgets.SelectionSlider)
    assert isinstance(ctl["momentum"], widgets.SelectionSlider)
    n = len(ctl["optimizer"].options) * len(ctl["lr"].options) * len(ctl["momentum"].options)
    assert n == len(EXPLORER_OPTIMIZERS) * len(EXPLORER_LRS) * len(EXPLORER_MOMENTA) <= 60
    out = box.children[1]
    assert isinstance(out, widgets.Output)
    ctl["optimizer"].value = "adam"
    ctl["lr"].value = 0.1
    ctl["momentum"].value = 0.5
    assert (ctl["optimizer"].value, ctl["lr"].value, ctl["momentum"].value) == ("adam", 0.1, 0.5)


def test_optimizer_explorer_rejects_values_outside_its_controls():
    with pytest.raises(ValueError, match="optimizer_explorer"):
        optimizer_explorer(lr=0.5)
    with pytest.raises(ValueError, match="optimizer_explorer"):
        optimizer_explorer(optimizer="nesterov")
    with pytest.raises(ValueError, match="optimizer_explorer"):
        optimizer_explorer(momentum=0.99)
