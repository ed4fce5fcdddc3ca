"""Chapter 6 explorer: an optimiser's path on a quadratic bowl and on a saddle.

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The figure is
:func:`dlcore.viz.plot_optimizer_state`, a function of the three control values only, so the
notebook shows its default state as a static figure and the HTML book can precompute every
state: 4 optimisers × 4 learning rates × 3 momentum values = 48 figures (32 distinct:
AdaGrad and RMSprop ignore μ).
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["EXPLORER_OPTIMIZERS", "EXPLORER_LRS", "EXPLORER_MOMENTA", "optimizer_explorer"]

#: (label, value) pairs of the optimiser menu.
EXPLORER_OPTIMIZERS = (("SGD", "sgd"), ("AdaGrad", "adagrad"), ("RMSprop", "rmsprop"),
                       ("Adam", "adam"))
#: Learning rates ρ offered; 2/λ_max of the bowl is about 0.75, so 0.9 makes plain GD diverge.
EXPLORER_LRS = (0.1, 0.3, 0.7, 0.9)
#: Momentum μ of SGD (β₁ of Adam; AdaGrad and RMSprop have none).
EXPLORER_MOMENTA = (0.0, 0.5, 0.9)


def optimizer_explorer(optimizer="sgd", lr=0.9, momentum=0.0, steps=50):
    """A menu for the optimiser and sliders for ρ and the momentum μ (β₁ for Adam).

    Each change redraws :func:`dlcore.viz.plot_optimizer_state` with ``steps`` steps.
    Returns the widget (a ``VBox`` whose ``controls`` dict holds the three controls).
    """
    import ipywidgets as widgets

    from ..viz.optim import plot_optimizer_state

    values = [v for _, v in EXPLORER_OPTIMIZERS]
    if optimizer not in values:
        raise ValueError(f"optimizer_explorer: expected optimizer in {values}, got {optimizer!r}")
    if lr not in EXPLORER_LRS:
        raise ValueError(f"optimizer_explorer: expected lr in {EXPLORER_LRS}, got {lr!r}")
    if momentum not in EXPLORER_MOMENTA:
        raise ValueError(f"optimizer_explorer: expected momentum in {EXPLORER_MOMENTA}, "
                         f"got {momentum!r}")
    style = {"description_width": "initial"}
    menu = widgets.Dropdown(options=list(EXPLORER_OPTIMIZERS), value=optimizer,
                            description="최적화기", style=style)
    lr_w = widgets.SelectionSlider(options=list(EXPLORER_LRS), value=lr, description="학습률 ρ",
                                   continuous_update=False, style=style)
    mom_w = widgets.SelectionSlider(options=list(EXPLORER_MOMENTA), value=momentum,
                                    description="모멘텀 μ (Adam은 β₁)", continuous_update=False,
                                    style=style)
    # 48 states (32 distinct pictures) of contour plots: a 32-colour palette keeps the static
    # HTML explorer under its page budget (about 0.9 MB), and precomputing it takes a few seconds.
    out, redraw = live_figure(
        (menu, lr_w, mom_w),
        lambda: plot_optimizer_state(menu.value, lr_w.value, mom_w.value, steps=steps),
        colors=32)
    box = widgets.VBox([widgets.HBox([menu, lr_w, mom_w],
                                     layout=widgets.Layout(flex_flow="row wrap")), out])
    box.controls = {"optimizer": menu, "lr": lr_w, "momentum": mom_w}
    box.redraw = redraw
    return box
