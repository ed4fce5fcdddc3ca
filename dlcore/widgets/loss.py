"""Chapter 5 explorer: the output o of one sigmoid neuron → loss and gradient, MSE vs CE.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_loss_vs_output`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["loss_explorer"]


def loss_explorer(o=0.7503, y=0.0, x=1.5):
    """A slider for the output o (0.01 … 0.99 and ``o``), buttons for the target y (0 or 1), a
    slider for the input x (0.5, 1.5, 3 and ``x``).

    Each change redraws :func:`dlcore.viz.plot_loss_vs_output`. Returns the widget (a ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.loss import plot_loss_vs_output

    # A few outputs and inputs (8 x 2 x 3 = 48 precomputed states in the HTML book); the
    # values asked for are added, so the chapter's worked example (o = 0.7503) is one of them.
    o_values = sorted({0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, float(o)})
    x_values = sorted({0.5, 1.5, 3.0, float(x)})
    o_w = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in o_values], value=float(o),
                                  description="출력 o", continuous_update=False)
    y_w = widgets.ToggleButtons(options=[("y = 0", 0.0), ("y = 1", 1.0)], value=float(y),
                                description="정답", style={"button_width": "56px"})
    x_w = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in x_values], value=float(x),
                                  description="입력 x", continuous_update=False)
    out, _ = live_figure((o_w, y_w, x_w),
                         lambda: plot_loss_vs_output(o=o_w.value, y=y_w.value, x=x_w.value))
    return widgets.VBox([widgets.HBox([o_w, y_w, x_w], layout=widgets.Layout(flex_flow="row wrap")),
                         out])
