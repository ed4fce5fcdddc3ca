"""The one pattern every explorer shares: controls whose changes redraw a figure."""

from __future__ import annotations


def live_figure(controls, make_figure):
    """Show ``make_figure()`` in an ``Output`` widget and redraw it whenever a control changes.

    ``controls``: widgets with a ``value``; ``make_figure``: a function of no arguments that
    reads the controls and returns a matplotlib Figure (it may also update other widgets, or
    return ``None`` to leave the output empty). Returns ``(out, redraw)``; the figure is drawn
    once before returning.
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    out = widgets.Output()

    def redraw(*_):
        with out:
            out.clear_output(wait=True)
            fig = make_figure()
            if fig is not None:
                display(fig)
                plt.close(fig)

    for control in controls:
        control.observe(redraw, names="value")
    redraw()
    return out, redraw
