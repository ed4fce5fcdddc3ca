"""dlcore.widgets._live: the live explorer and its static HTML version for the HTML book."""

import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore.widgets._live import (  # noqa: E402
    STATIC_MARKER,
    control_values,
    live_figure,
    static_explorer_html,
)


def _payload(page):
    m = re.search(r'<script type="application/json" class="dlx-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def _explorer():
    a = widgets.FloatSlider(value=1.0, min=0.0, max=2.0, step=1.0, description="a")
    kind = widgets.Dropdown(options=[("선", "line"), ("점", "dots")], value="line",
                            description="모양")
    flag = widgets.ToggleButtons(options=["x", "y"], value="x")
    text = widgets.HTML()
    calls = []

    def figure():
        calls.append((a.value, kind.value, flag.value))
        text.value = f"a = {a.value:g}, {kind.value}"
        flag.disabled = kind.value == "dots"
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, a.value], "-" if kind.value == "line" else "o")
        return fig

    out, redraw = live_figure((a, kind, flag), figure)
    box = widgets.VBox([widgets.HBox([a, kind, flag]), text, out])
    return box, (a, kind, flag), text, calls


def test_control_values():
    assert control_values(widgets.IntSlider(min=2, max=8, step=3))[0] == [2, 5, 8]
    vals, labels = control_values(widgets.FloatSlider(min=0.5, max=2.0, step=0.5))
    assert vals == [0.5, 1.0, 1.5, 2.0] and labels == ["0.50", "1.00", "1.50", "2.00"]
    log = widgets.FloatLogSlider(value=1.0, base=2, min=-1, max=1, step=1)
    assert control_values(log)[0] == [0.5, 1.0, 2.0]
    assert control_values(widgets.Dropdown(options=[("A", 1), ("B", 2)]))[0] == [1, 2]
    assert control_values(widgets.SelectionSlider(options=["p", "q"]))[1] == ["p", "q"]
    assert control_values(widgets.Checkbox())[0] == [False, True]
    with pytest.raises(TypeError, match="FloatText"):
        control_values(widgets.FloatText())
    with pytest.raises(ValueError, match="whole number of steps"):
        control_values(widgets.FloatSlider(min=0.0, max=1.0, step=0.3))


def test_too_many_states_and_bad_grid_are_refused():
    s = widgets.IntSlider(value=0, min=0, max=99)
    with pytest.raises(ValueError, match="at most 60 combinations.*got 100"):
        live_figure((s,), lambda: None)
    out, _ = live_figure((s,), lambda: None, grid={s: [0, 50, 99]})
    assert len(out._dlx["grids"][0][0]) == 3
    with pytest.raises(ValueError, match="grid for"):
        live_figure((s,), lambda: None, grid={s: [0, 0.5]})
    off = widgets.FloatSlider(value=0.25, min=0.0, max=1.0, step=0.5)
    with pytest.raises(ValueError, match="not among its precomputed values"):
        live_figure((off,), lambda: None)


def test_static_html_has_every_state_and_restores_the_live_state():
    box, (a, kind, flag), text, calls = _explorer()
    n_live = len(calls)
    page = static_explorer_html(box)
    assert STATIC_MARKER in page
    data = _payload(page)
    assert len(data) == 1
    d = data[0]
    assert d["n"] == [3, 2, 2]
    assert len(d["s"]) == 12 == len(calls) - n_live  # each state drawn once
    # state index = mixed radix over (a, kind, flag); the text follows the values
    s = (2 * 2 + 1) * 2 + 0  # a = 2, kind = dots, flag = x
    assert d["txt"][d["s"][s][1]] == "a = 2, dots"
    assert d["s"][s][-1] == 0b100  # flag (control 2) disabled for dots
    # identical pictures are stored once: flag does not change the figure
    assert len(d["img"]) == 6
    assert all(uri.startswith("data:image/png;base64,") for uri in d["img"])
    # the live widgets are back where they were
    assert (a.value, kind.value, flag.value) == (1.0, "line", "x")
    assert text.value == "a = 1, line" and not flag.disabled
    # controls are plain HTML: a range input, a select, a button group; no ids
    assert '<input type="range" min="0" max="2" step="1" value="1"' in page
    assert "<select" in page and 'role="group"' in page and " id=" not in page


def test_static_html_is_deterministic_and_none_for_other_widgets():
    box, *_ = _explorer()
    assert static_explorer_html(box) == static_explorer_html(box)
    assert static_explorer_html(widgets.VBox([widgets.IntSlider()])) is None


def test_live_redraw_still_works():
    box, (a, kind, flag), text, calls = _explorer()
    a.value = 2.0
    assert calls[-1] == (2.0, "line", "x") and text.value == "a = 2, line"


def test_budget_is_enforced(monkeypatch):
    import dlcore.widgets._live as live

    box, *_ = _explorer()
    monkeypatch.setattr(live, "MAX_STATIC_BYTES", 1000)
    with pytest.raises(ValueError, match="expected at most 1,000"):
        static_explorer_html(box)


@pytest.mark.parametrize("name", ["perceptron", "activation", "loss", "saturation", "digits"])
def test_book_explorers_fit_the_contract(name):
    """Every explorer of chapters 0-5 builds a static version within the page budget."""
    import numpy as np

    from dlcore import viz
    from dlcore.widgets import activation_explorer, loss_explorer, saturation_explorer
    from dlcore.widgets.intro import digit_browser
    from dlcore.widgets.perceptron import perceptron_explorer

    viz.setup()
    make = {
        "perceptron": lambda: perceptron_explorer(gate="or", w1=1.0, w2=1.0, w0=-0.5),
        "activation": activation_explorer,
        "loss": lambda: loss_explorer(o=0.7503, y=0.0, x=1.5),
        "saturation": lambda: saturation_explorer(scale=1.0, depth=8),
        "digits": lambda: digit_browser(np.zeros((30, 8, 8)), np.arange(30) % 10,
                                        {"규칙": (np.arange(30) + 1) % 10}),
    }[name]
    if name in ("perceptron", "saturation"):
        pytest.importorskip("PIL")
    page = static_explorer_html(make())
    d = _payload(page)[0]
    assert len(d["s"]) == int(np.prod(d["n"]))
    assert len(page.encode()) <= 1_100_000
