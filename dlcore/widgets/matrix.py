"""Chapter 4 explorer: weight scale and depth → saturation and gradient norms per layer.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_saturation_state`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["saturation_explorer"]


def saturation_explorer(scale=1.0, depth=8, activation="sigmoid", width=32, seed=0):
    """Sliders for the weight scale (0.5, 1, √2, 2, 4, 8) and the depth (4, 8, 16), a menu for
    the activation.

    Each change redraws :func:`dlcore.viz.plot_saturation_state`: the first layer's
    pre-activations over τ'(s), and ‖∂L/∂W‖ per layer. Returns the widget (a ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.matrix import plot_saturation_state

    # 6 scales x 3 depths x 3 activations = 54 precomputed states in the HTML book; the values
    # asked for are added (√2 is He initialisation's scale for ReLU).
    scales = sorted({0.5, 1.0, 2 ** 0.5, 2.0, 4.0, 8.0, float(scale)})
    depths = sorted({4, 8, 16, int(depth)})
    scale_w = widgets.SelectionSlider(
        options=[("√2" if v == 2 ** 0.5 else f"{v:g}", v) for v in scales], value=float(scale),
        description="가중치 배율", continuous_update=False)
    depth_w = widgets.SelectionSlider(options=depths, value=int(depth), description="층 수",
                                      continuous_update=False)
    act_w = widgets.Dropdown(options=["sigmoid", "tanh", "relu"], value=activation,
                             description="활성 함수")
    out, _ = live_figure(
        (scale_w, depth_w, act_w),
        lambda: plot_saturation_state(scale=scale_w.value, depth=depth_w.value, width=width,
                                      activation=act_w.value, seed=seed))
    return widgets.VBox([widgets.HBox([scale_w, depth_w, act_w],
                                     layout=widgets.Layout(flex_flow="row wrap")), out])
