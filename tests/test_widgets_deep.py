"""dlcore.widgets.deep: the depth → gradient-norm explorer of chapter 9."""

import itertools
import time

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

import matplotlib.pyplot as plt  # noqa: E402

from dlcore import viz  # noqa: E402
from dlcore.widgets import depth_grad_explorer  # noqa: E402
from dlcore.widgets.deep import DEPTHS  # noqa: E402


def _controls(box):
    return {c.description: c for c in box.children[0].children}


def _values(control):
    if isinstance(control, widgets.IntSlider):
        return list(range(control.min, control.max + 1, control.step))
    return [v for _, v in control.options]


def test_explorer_builds_and_redraws():
    viz.setup()
    box = depth_grad_explorer()
    assert isinstance(box, widgets.VBox)
    ctl = _controls(box)
    assert set(ctl) == {"층 수", "활성 함수", "초기화"}
    assert isinstance(box.children[1], widgets.Output)
    ctl["층 수"].value = 20
    ctl["활성 함수"].value = "relu"
    ctl["초기화"].value = "he"
    assert (ctl["층 수"].value, ctl["활성 함수"].value, ctl["초기화"].value) == (20, "relu", "he")
    with pytest.raises(ValueError, match="depth_grad_explorer"):
        depth_grad_explorer(depth=7)


def test_controls_have_at_most_60_combinations_and_redraw_quickly():
    """The contract of the static HTML book: a small finite set of values, fast redraws."""
    viz.setup()
    ctl = _controls(depth_grad_explorer())
    values = {name: _values(c) for name, c in ctl.items()}
    assert values["층 수"] == list(DEPTHS)
    n = 1
    for v in values.values():
        n *= len(v)
    assert n <= 60
    start = time.perf_counter()
    for depth, act, init in itertools.islice(
            itertools.product(values["층 수"], values["활성 함수"], values["초기화"]), 0, 60, 7):
        fig = viz.plot_depth_grad_state(depth, act, init)
        fig.canvas.draw()
        plt.close(fig)
    per_figure = (time.perf_counter() - start) / 9
    assert per_figure < 1.0  # ~0.1 s on a quiet machine; generous for a shared one
