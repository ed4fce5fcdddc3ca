"""Chapter 3 explorer: a slider over the number of hidden units p → the fitted curve of a
precomputed network and its error (universal approximation, [Hornik1989]).

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_approx_explorer`. The fits are computed beforehand (in the notebook),
so moving the slider only redraws.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["approx_explorer"]


def approx_explorer(x, y_true, fits, mses, p=None, x_train=None, y_train=None):
    """``fits`` maps the number of hidden units to predictions on ``x``; ``mses`` maps it to the
    error. ``p`` is the size shown first (default: the smallest). Returns the widget (a
    ``VBox``)."""
    import ipywidgets as widgets

    from ..viz.backprop import plot_approx_explorer

    sizes = sorted(fits)
    if not sizes:
        raise ValueError("approx_explorer: expected at least one fit, got an empty dict")
    if set(sizes) != set(mses):
        raise ValueError(f"approx_explorer: expected mses for the sizes {sizes}, "
                         f"got {sorted(mses)}")
    p = sizes[0] if p is None else p
    if p not in fits:
        raise ValueError(f"approx_explorer: expected p in {sizes}, got {p!r}")
    p_w = widgets.SelectionSlider(options=sizes, value=p, description="은닉 노드 p",
                                  continuous_update=False)
    out, _ = live_figure(
        (p_w,), lambda: plot_approx_explorer(x, y_true, fits, mses, p_w.value, x_train, y_train))
    return widgets.VBox([p_w, out])
