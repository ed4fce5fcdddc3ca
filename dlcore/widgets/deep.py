"""Chapter 9 explorer: depth, activation and initialisation → gradient norm per layer.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_depth_grad_state`; the numbers come from the pure function
:func:`dlcore.viz.depth_grad_state`. The controls take 10 × 3 × 2 = 60 values in all.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["depth_grad_explorer", "DEPTHS"]

#: The depths the slider offers (number of Linear layers).
DEPTHS = tuple(range(2, 21, 2))


def depth_grad_explorer(depth=10, activation="sigmoid", init="xavier"):
    """A depth slider (2–20 layers, step 2), buttons for the hidden activation (sigmoid, tanh,
    ReLU) and for the initialisation (Xavier, He). Each change redraws
    :func:`dlcore.viz.plot_depth_grad_state`. Returns the widget (a ``VBox``)."""
    import ipywidgets as widgets

    from ..viz.deep import plot_depth_grad_state

    if depth not in DEPTHS:
        raise ValueError(f"depth_grad_explorer: expected depth in {DEPTHS}, got {depth!r}")
    depth_w = widgets.IntSlider(value=depth, min=DEPTHS[0], max=DEPTHS[-1], step=2,
                                description="층 수", continuous_update=False)
    act_w = widgets.ToggleButtons(options=[("시그모이드", "sigmoid"), ("tanh", "tanh"),
                                           ("ReLU", "relu")],
                                  value=activation, description="활성 함수")
    init_w = widgets.ToggleButtons(options=[("Xavier", "xavier"), ("He", "he")], value=init,
                                   description="초기화")
    out, _ = live_figure(
        (depth_w, act_w, init_w),
        lambda: plot_depth_grad_state(depth=depth_w.value, activation=act_w.value,
                                      init=init_w.value))
    return widgets.VBox([widgets.VBox([depth_w, act_w, init_w]), out])
