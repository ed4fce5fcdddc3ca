"""dlcore.widgets.matrix: the saturation explorer of chapter 4."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import saturation_explorer  # noqa: E402


def _controls(box):
    return {c.description: c for c in box.children[0].children}


def test_saturation_explorer_builds_and_redraws():
    viz.setup()
    box = saturation_explorer(scale=1.0, depth=4)
    assert isinstance(box, widgets.VBox)
    ctl = _controls(box)
    assert set(ctl) == {"가중치 배율", "층 수", "활성 함수"}
    out = box.children[1]
    assert isinstance(out, widgets.Output)
    ctl["가중치 배율"].value = 4.0
    ctl["층 수"].value = 16
    ctl["활성 함수"].value = "relu"
    assert ctl["활성 함수"].value == "relu"
