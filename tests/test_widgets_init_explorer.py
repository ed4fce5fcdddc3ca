"""dlcore.widgets.init_explorer: the initialisation explorer of chapter 7."""

import itertools

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import INIT_EXPLORER_SCALES, init_explorer  # noqa: E402


def _controls(box):
    return {c.description: c for c in box.children[0].children}


def test_init_explorer_builds_and_redraws():
    viz.setup()
    box = init_explorer(scheme="he", activation="relu", scale=1.0, depth=3, width=10)
    assert isinstance(box, widgets.VBox)
    ctl = _controls(box)
    assert set(ctl) == {"초기화", "활성 함수", "표준편차 배율"}
    assert isinstance(box.children[1], widgets.Output)
    ctl["초기화"].value = "small"
    ctl["활성 함수"].value = "tanh"
    ctl["표준편차 배율"].value = 2.0
    assert ctl["표준편차 배율"].value == 2.0


def test_init_explorer_has_a_small_finite_set_of_states():
    """The HTML book precomputes one figure per combination: at most 60."""
    viz.setup()
    ctl = _controls(init_explorer(depth=2, width=4))
    assert isinstance(ctl["초기화"], widgets.Dropdown)
    assert isinstance(ctl["활성 함수"], widgets.ToggleButtons)
    assert isinstance(ctl["표준편차 배율"], widgets.SelectionSlider)
    sizes = [len(c.options) for c in ctl.values()]
    assert sorted(sizes) == [2, 3, 5]
    combos = list(itertools.product(*(c.options for c in ctl.values())))
    assert len(combos) <= 60
    assert tuple(ctl["표준편차 배율"].options) == INIT_EXPLORER_SCALES


def test_init_explorer_rejects_a_scale_it_cannot_show():
    with pytest.raises(ValueError, match="init_explorer"):
        init_explorer(scale=1.3)
