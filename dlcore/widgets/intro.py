"""The digit browser of the introduction: flip through test images and see who gets them right.

:func:`browser_indices` is the pure function behind it (which images to show);
:func:`dlcore.viz.intro.plot_digit_verdicts` draws each view. ``ipywidgets`` is imported only
when the widget is built.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy

__all__ = ["browser_indices", "digit_browser", "BROWSER_PAGES"]


def browser_indices(truth, verdicts, show="all"):
    """Indices of the samples to browse.

    ``truth``: (N,) labels; ``verdicts``: dict ``{name: (N,) predicted labels}``;
    ``show``: ``"all"``, or a classifier name: only the samples that classifier gets wrong.
    Returns a NumPy int array (possibly empty).
    """
    truth = np.asarray(to_numpy(truth))
    if show == "all":
        return np.arange(truth.shape[0])
    if show not in verdicts:
        raise ValueError(f"browser_indices: expected 'all' or one of {list(verdicts)}, got {show!r}")
    pred = np.asarray(to_numpy(verdicts[show]))
    if pred.shape != truth.shape:
        raise ValueError(f"browser_indices: verdicts[{show!r}] has shape {pred.shape}, "
                         f"expected {truth.shape}")
    return np.flatnonzero(pred != truth)


#: How many images of each view the browser flips through (the HTML book precomputes every one).
BROWSER_PAGES = 12


def digit_browser(images, truth, verdicts, class_names=None, pages=BROWSER_PAGES):
    """Slider over the images, a menu "전체 / 틀린 것: <name>", and the verdicts per image.

    ``images``: (N, H, W) or (N, 1, H, W) or (N, H*W); ``truth``: (N,); ``verdicts``: dict
    ``{name: (N,) predictions}``. The slider runs over the first ``pages`` images of the chosen
    view (fewer when the view is shorter), so that the HTML book can precompute every state
    (menu entries × ``pages``). Returns the widget (a VBox).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..viz.intro import plot_digit_verdicts
    from ._live import live_figure

    imgs = np.asarray(to_numpy(images))
    truth = np.asarray(to_numpy(truth))
    verdicts = {k: np.asarray(to_numpy(v)) for k, v in verdicts.items()}
    options = [("전체", "all")] + [(f"틀린 것: {k}", k) for k in verdicts]
    views = {key: browser_indices(truth, verdicts, key) for _, key in options}
    n_pages = max(1, min(int(pages), max(len(v) for v in views.values())))
    menu = widgets.Dropdown(options=options, value="all", description="보기")
    slider = widgets.IntSlider(value=0, min=0, max=n_pages - 1, description="번호",
                               continuous_update=False)
    info = widgets.HTML()

    def figure():
        idx = views[menu.value]
        if len(idx) == 0:
            info.value = "해당하는 이미지가 없다."
            return None
        i = min(slider.value, len(idx) - 1)
        k = int(idx[i])
        note = "" if slider.value < len(idx) else f" — 이 보기에는 {len(idx)}장뿐이다"
        info.value = f"{len(idx)}장 중 {i + 1}번째 (데이터 번호 {k}){note}"
        fig, ax = plt.subplots(figsize=(3.4, 4.4))
        plot_digit_verdicts(imgs[k], truth[k], {n: v[k] for n, v in verdicts.items()},
                            ax=ax, class_names=class_names)
        return fig

    out, _ = live_figure((menu, slider), figure, max_states=max(60, len(options) * n_pages))
    box = widgets.VBox([widgets.HBox([menu, slider], layout=widgets.Layout(flex_flow="row wrap")),
                        info, out])
    box.controls = {"show": menu, "index": slider}
    box.info = info
    return box
