"""dlcore.widgets.loss: the MSE vs cross-entropy explorer of chapter 5."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import loss_explorer  # noqa: E402


def test_loss_explorer_builds_and_redraws():
    viz.setup()
    box = loss_explorer(o=0.7503, y=0.0, x=1.5)
    assert isinstance(box, widgets.VBox)
    ctl = {c.description: c for c in box.children[0].children}
    assert set(ctl) == {"출력 o", "정답", "입력 x"}
    assert ctl["출력 o"].value == pytest.approx(0.7503)
    ctl["출력 o"].value = 0.99
    ctl["정답"].value = 1.0
    ctl["입력 x"].value = 3.0
    assert isinstance(box.children[1], widgets.Output)
