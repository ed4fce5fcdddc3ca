"""Chapter 7 explorer: initialisation scheme and scale → per-layer activation histograms.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_init_state`; its numbers come from :func:`dlcore.viz.activation_stats`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["INIT_EXPLORER_SCALES", "init_explorer"]

#: The multipliers of the weights' standard deviation the explorer offers (5 values).
INIT_EXPLORER_SCALES = (0.5, 0.75, 1.0, 1.5, 2.0)


def init_explorer(scheme="he", activation="relu", scale=1.0, depth=10, width=100, seed=0):
    """A menu for the scheme (small normal, Xavier, He), buttons for the activation (tanh or
    ReLU) and a slider for a multiplier of the weights' standard deviation.

    3 × 2 × 5 = 30 combinations of control values. Each change redraws
    :func:`dlcore.viz.plot_init_state` for a fresh ``depth``-layer net. Returns the widget (a
    ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.training_aids import INIT_SCHEMES, plot_init_state

    if scale not in INIT_EXPLORER_SCALES:
        raise ValueError(f"init_explorer: expected scale in {INIT_EXPLORER_SCALES}, got {scale!r}")
    scheme_w = widgets.Dropdown(options=[(name, key) for key, name in INIT_SCHEMES.items()],
                                value=scheme, description="초기화")
    act_w = widgets.ToggleButtons(options=[("tanh", "tanh"), ("ReLU", "relu")], value=activation,
                                  description="활성 함수", style={"button_width": "64px"})
    scale_w = widgets.SelectionSlider(options=list(INIT_EXPLORER_SCALES), value=scale,
                                      description="표준편차 배율", continuous_update=False,
                                      style={"description_width": "initial"})
    out, _ = live_figure(
        (scheme_w, act_w, scale_w),
        lambda: plot_init_state(scheme=scheme_w.value, activation=act_w.value,
                                scale=scale_w.value, depth=depth, width=width, seed=seed))
    controls = widgets.HBox([scheme_w, act_w, scale_w],
                            layout=widgets.Layout(flex_flow="row wrap"))   # wraps on phones
    return widgets.VBox([controls, out])
