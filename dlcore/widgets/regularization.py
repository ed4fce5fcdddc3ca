"""Chapter 8 explorer: weight decay λ and dropout rate p → the decision boundary on the moons.

The state behind it is :func:`dlcore.viz.boundary_state` (a small network trained once per
(λ, p) pair, cached); the figure is :func:`dlcore.viz.plot_regularization_compare`, so a notebook
can show the default state as a static figure. 6 × 4 = 24 states in all. ``ipywidgets`` is
imported only when the widget is built.
"""

from __future__ import annotations

from ..viz.regularization import EXPLORER_DECAYS, EXPLORER_DROPOUTS, boundary_state
from ._live import live_figure

__all__ = ["regularization_explorer", "describe_regularization"]


def describe_regularization(weight_decay, dropout):
    """One line of text for the state (λ, p): training and test accuracy, weight norm."""
    s = boundary_state(weight_decay, dropout)
    return (f"λ = {s['weight_decay']:g}, p = {s['dropout']:g}: 훈련 정확도 "
            f"{s['train_accuracy']:.1%}, 테스트 정확도 {s['test_accuracy']:.1%}, "
            f"‖W‖ = {s['weight_norm']:.2f}")


def regularization_explorer(weight_decay=0.01, dropout=0.0):
    """A slider for the weight decay λ and buttons for the dropout rate p.

    Each change redraws :func:`dlcore.viz.plot_regularization_compare`: the unregularised
    network (top) above the network trained with the chosen λ and p (bottom). Returns the
    widget (a ``VBox``) with ``controls`` (dict) and ``redraw`` attached.
    """
    import ipywidgets as widgets

    from ..viz.regularization import plot_regularization_compare

    lam = boundary_state(weight_decay, dropout)["weight_decay"]  # validates both values
    p = boundary_state(weight_decay, dropout)["dropout"]
    lam_w = widgets.SelectionSlider(options=[(f"{v:g}", v) for v in EXPLORER_DECAYS], value=lam,
                                    description="λ (가중치 감쇠)", continuous_update=False,
                                    style={"description_width": "initial"},
                                    layout=widgets.Layout(width="340px"))
    p_w = widgets.ToggleButtons(options=[(f"{v:g}", v) for v in EXPLORER_DROPOUTS], value=p,
                                description="p (드롭아웃)", style={"button_width": "48px",
                                                              "description_width": "initial"})
    text = widgets.HTML()

    def figure():
        text.value = f"<b>{describe_regularization(lam_w.value, p_w.value)}</b>"
        return plot_regularization_compare(lam_w.value, p_w.value)

    out, redraw = live_figure((lam_w, p_w), figure)
    box = widgets.VBox([widgets.HBox([lam_w, p_w]), out, text])
    box.redraw = redraw
    box.controls = {"weight_decay": lam_w, "dropout": p_w}
    box.text = text
    return box
