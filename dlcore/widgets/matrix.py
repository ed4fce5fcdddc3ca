"""Chapter 4 explorer: weight scale and depth → saturation and gradient norms per layer.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_saturation_state`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["saturation_explorer"]


def saturation_explorer(scale=1.0, depth=8, activation="sigmoid", width=32, seed=0):
    """Sliders for the weight scale and the depth, a menu for the activation.

    Each change redraws :func:`dlcore.viz.plot_saturation_state`: the first layer's
    pre-activations over τ'(s), and ‖∂L/∂W‖ per layer. Returns the widget (a ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.matrix import plot_saturation_state

    scale_w = widgets.FloatLogSlider(value=scale, base=10, min=-1, max=1.3, step=0.05,
                                     description="가중치 배율", readout_format=".2f",
                                     continuous_update=False)
    depth_w = widgets.IntSlider(value=depth, min=2, max=20, step=1, description="층 수",
                                continuous_update=False)
    act_w = widgets.Dropdown(options=["sigmoid", "tanh", "relu"], value=activation,
                             description="활성 함수")
    out, _ = live_figure(
        (scale_w, depth_w, act_w),
        lambda: plot_saturation_state(scale=scale_w.value, depth=depth_w.value, width=width,
                                      activation=act_w.value, seed=seed))
    return widgets.VBox([widgets.HBox([scale_w, depth_w, act_w]), out])
