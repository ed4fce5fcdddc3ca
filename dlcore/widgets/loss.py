"""Chapter 5 explorer: the output o of one sigmoid neuron → loss and gradient, MSE vs CE.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_loss_vs_output`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["loss_explorer"]


def loss_explorer(o=0.7503, y=0.0, x=1.5):
    """A slider for the output o, buttons for the target y (0 or 1), a slider for the input x.

    Each change redraws :func:`dlcore.viz.plot_loss_vs_output`. Returns the widget (a ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.loss import plot_loss_vs_output

    o_w = widgets.FloatSlider(value=o, min=0.0001, max=0.9999, step=0.0001, description="출력 o",
                              readout_format=".4f", continuous_update=False)
    y_w = widgets.ToggleButtons(options=[("y = 0", 0.0), ("y = 1", 1.0)], value=float(y),
                                description="정답", style={"button_width": "56px"})
    x_w = widgets.FloatSlider(value=x, min=0.1, max=3.0, step=0.1, description="입력 x",
                              continuous_update=False)
    out, _ = live_figure((o_w, y_w, x_w),
                         lambda: plot_loss_vs_output(o=o_w.value, y=y_w.value, x=x_w.value))
    return widgets.VBox([widgets.HBox([o_w, y_w, x_w]), out])
