"""Chapter 2 explorer: pick an activation function of 표 3-1 and its slope a, see τ(s) and τ'(s).

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_activation`.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["activation_explorer"]


def activation_explorer(name="로지스틱 시그모이드", a=1.0, rows=None):
    """A drop-down for the activation and a slider for the slope a, 0.5 to 4 by 0.5 (used by the
    logistic sigmoid and tanh; the other functions ignore it and disable the slider). Each change redraws
    :func:`dlcore.viz.plot_activation`. ``rows`` defaults to :func:`dlcore.viz.activation_rows`.
    Returns the widget (a ``VBox``).
    """
    import ipywidgets as widgets

    from ..viz.mlp import activation_rows, plot_activation

    rows = activation_rows() if rows is None else rows
    table = {r[0]: r for r in rows}
    if name not in table:
        raise ValueError(f"activation_explorer: expected name in {list(table)}, got {name!r}")
    name_w = widgets.Dropdown(options=list(table), value=name, description="활성 함수")
    # 0.5 to 4 by 0.5: five functions x 8 slopes = 40 precomputed states in the HTML book
    a_w = widgets.FloatSlider(value=a, min=0.5, max=4.0, step=0.5, description="기울기 a",
                              readout_format=".1f", continuous_update=False)

    def figure():
        _, f, df, uses_slope = table[name_w.value]
        a_w.disabled = not uses_slope  # the slope applies to the sigmoid and tanh only
        label = f"{name_w.value} (a = {a_w.value:g})" if uses_slope else name_w.value
        return plot_activation(f, df, label, a=a_w.value if uses_slope else None)

    out, _ = live_figure((name_w, a_w), figure)
    return widgets.VBox([widgets.HBox([name_w, a_w], layout=widgets.Layout(flex_flow="row wrap")),
                         out])
