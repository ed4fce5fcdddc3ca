"""The perceptron explorer of chapter 1: drag w1, w2, w0 and watch the boundary and accuracy.

:func:`perceptron_state` is the pure function behind the widget (tested on its own);
:func:`dlcore.viz.plot_logic_gate` draws the figure, so a notebook can show the default state as
a static figure. ``ipywidgets`` is imported only when the widget is built.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from ..perceptron import GATES, logic_gate
from ._live import live_figure

__all__ = ["perceptron_state", "perceptron_explorer", "describe_state"]


def perceptron_state(w1, w2, w0, gate="or"):
    """Everything the explorer shows for weights (w1, w2), bias w0 and a logic gate.

    Returns a dict with ``X`` (4, 2), ``y`` (4,) in {-1, +1}, ``S`` (4,) = w0 + w1 x1 + w2 x2,
    ``pred`` (4,) = tau(S), ``n_correct`` (int), ``accuracy`` (float in [0, 1]) and
    ``boundary`` (a Korean description of the line d(x) = 0).
    """
    gate = str(gate).strip().lower()
    if gate not in GATES:
        raise ValueError(f"perceptron_state: expected a gate in {sorted(GATES)}, got {gate!r}")
    X, y = (to_numpy(a) for a in logic_gate(gate))
    w = np.array([w0, w1, w2], dtype=float)
    S = w[0] + X @ w[1:]
    pred = np.where(S >= 0, 1.0, -1.0)
    n_correct = int((pred == y).sum())
    return {"gate": gate, "w": w, "X": X, "y": y, "S": S, "pred": pred,
            "n_correct": n_correct, "accuracy": n_correct / len(y),
            "boundary": _describe_line(w)}


def _num(v):
    return f"{v:.2f}".replace("-", "\u2212")


def _describe_line(w):
    w0, w1, w2 = (float(v) for v in w)
    if w1 == 0 and w2 == 0:
        side = "+1" if w0 >= 0 else "\u22121"
        return f"경계 없음: 모든 점이 {side}"
    eq = f"d(x) = {_num(w1)}·x₁{_term(w2)}·x₂{_term(w0)} = 0"
    if w2 != 0:
        return f"{eq}  (x₂ = {_num(-w1 / w2)}·x₁{_term(-w0 / w2)})"
    return f"{eq}  (x₁ = {_num(-w0 / w1)})"


def _term(v):
    """' + 0.50' or ' − 0.50' (a signed term of a sum)."""
    return f" {'−' if v < 0 else '+'} {abs(v):.2f}"


def describe_state(state):
    """One line of text for a :func:`perceptron_state` result (accuracy and boundary)."""
    return (f"{state['gate'].upper()}: 정확도 {state['n_correct']}/4 = "
            f"{100 * state['accuracy']:.0f} %   |   {state['boundary']}")


def perceptron_explorer(gate="or", w1=1.0, w2=1.0, w0=-0.5, gates=("or", "and", "xor")):
    """An ipywidgets explorer: sliders for w1, w2 (-1 to 2 by 1), w0 (-1.5 to 0.5 by 0.5) and a
    gate menu.

    Shows the four samples, the regions and the boundary d(x) = w0 + w1 x1 + w2 x2 = 0 drawn
    by :func:`dlcore.viz.plot_logic_gate`, with S for each sample and the accuracy. The default
    state (w0 = -0.5, w1 = w2 = 1, OR) is the worked example of chapter 1. Returns the widget.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..viz.boundary import plot_logic_gate

    gate = str(gate).lower()
    if gate not in gates:
        raise ValueError(f"perceptron_explorer: expected gate in {list(gates)}, got {gate!r}")
    # Coarse steps: the HTML book precomputes the figure for every combination of the values
    # (3 gates x 4 x 4 x 5 = 240 small images, about 1 MB; see dlcore.widgets._live). They reach
    # every case of the chapter: w0 = -0.5 -> -1.5, all weights doubled, XOR at its best 3/4.
    slider = {"continuous_update": False, "readout_format": ".1f",
              "style": {"description_width": "initial"},
              "layout": widgets.Layout(width="300px", max_width="100%")}
    # HTML subscripts: the page fonts of the HTML book lack the Unicode subscript digits
    s1 = widgets.FloatSlider(value=w1, min=-1.0, max=2.0, step=1.0,
                             description="w<sub>1</sub>", description_allow_html=True, **slider)
    s2 = widgets.FloatSlider(value=w2, min=-1.0, max=2.0, step=1.0,
                             description="w<sub>2</sub>", description_allow_html=True, **slider)
    s0 = widgets.FloatSlider(value=w0, min=-1.5, max=0.5, step=0.5,
                             description="w<sub>0</sub> (바이어스)", description_allow_html=True,
                             **slider)
    menu = widgets.Dropdown(options=[(g.upper(), g) for g in gates], value=gate,
                            description="게이트")
    text = widgets.HTML()

    def figure():
        state = perceptron_state(s1.value, s2.value, s0.value, menu.value)
        html = describe_state(state).replace("x₁", "x<sub>1</sub>").replace("x₂", "x<sub>2</sub>")
        text.value = f"<b>{html}</b>"
        fig, ax = plt.subplots(figsize=(4.6, 4.2))
        plot_logic_gate(menu.value, state["w"], ax=ax)
        return fig

    out, redraw = live_figure((s1, s2, s0, menu), figure, max_states=240, dpi=72,
                               colors=32)
    controls = widgets.VBox([menu, s1, s2, s0], layout=widgets.Layout(max_width="100%"))
    box = widgets.VBox([widgets.HBox([controls, out], layout=widgets.Layout(flex_flow="row wrap")),
                        text])
    box.redraw = redraw  # for tests and for readers who want to force a redraw
    box.controls = {"w1": s1, "w2": s2, "w0": s0, "gate": menu}
    box.text = text
    return box
