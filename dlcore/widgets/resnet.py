"""Chapter 11 explorer: the depth of a network → the gradient norm of every layer, plain vs
residual, before training (the precomputed :func:`dlcore.viz.gradient_profiles`).

Needs ``ipywidgets`` (``pip install dlcore[widgets]``). The static default figure is
:func:`dlcore.viz.plot_gradient_profile`; moving the slider only redraws.
"""

from __future__ import annotations

import numpy as np

from ._live import live_figure

__all__ = ["gradient_flow_explorer", "profile_ylim"]


def profile_ylim(panels):
    """Y-limits (powers of ten) per panel that hold the profiles of every depth, so that the
    scale stays put while the depth changes. ``panels``: {title: profiles of
    ``viz.gradient_profiles``}. Returns {title: (low, high)}."""
    limits = {}
    for title, profiles in panels.items():
        values = np.concatenate([np.asarray(v, dtype=float).ravel()
                                 for per_depth in profiles.values() for v in per_depth.values()])
        values = values[np.isfinite(values) & (values > 0)]
        if values.size == 0:
            raise ValueError(f"profile_ylim: expected a positive gradient norm in {title!r}, "
                             "got none")
        limits[title] = (10.0 ** np.floor(np.log10(values.min())),
                         10.0 ** np.ceil(np.log10(values.max())))
    return limits


def gradient_flow_explorer(panels, depth=None):
    """A slider over the depths → the per-layer gradient norms of the plain and the residual
    network, one panel per setting. ``panels``: {title: {depth: {"plain": norms,
    "residual": norms}}} (``viz.gradient_profiles`` per setting, the same depths in each).
    ``depth``: shown first (default: the smallest). Returns the widget (a ``VBox``)."""
    import ipywidgets as widgets

    from ..viz.resnet import plot_gradient_profile

    where = "gradient_flow_explorer"
    if not panels:
        raise ValueError(f"{where}: expected at least one panel, got an empty dict")
    depth_sets = [sorted(profiles) for profiles in panels.values()]
    depths = depth_sets[0]
    if not depths or any(d != depths for d in depth_sets):
        raise ValueError(f"{where}: expected the same non-empty depths in every panel, got "
                         f"{depth_sets}")
    depth = depths[0] if depth is None else depth
    if depth not in depths:
        raise ValueError(f"{where}: expected depth in {depths}, got {depth!r}")
    ylim = profile_ylim(panels)
    slider = widgets.SelectionSlider(options=depths, value=depth, description="층 수",
                                     continuous_update=False)
    out, _ = live_figure((slider,),
                         lambda: plot_gradient_profile(panels, slider.value, ylim=ylim))
    return widgets.VBox([slider, out])
