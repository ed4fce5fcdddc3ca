"""The digit browser of the introduction: flip through test images and see who gets them right.

:func:`browser_indices` is the pure function behind it (which images to show);
:func:`dlcore.viz.intro.plot_digit_verdicts` draws each view. ``ipywidgets`` is imported only
when the widget is built.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy

__all__ = ["browser_indices", "digit_browser"]


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


def digit_browser(images, truth, verdicts, class_names=None):
    """Slider over the images, a menu "전체 / 틀린 것: <name>", and the verdicts per image.

    ``images``: (N, H, W) or (N, 1, H, W) or (N, H*W); ``truth``: (N,); ``verdicts``: dict
    ``{name: (N,) predictions}``. Returns the widget (a VBox).
    """
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    from ..viz.intro import plot_digit_verdicts

    imgs = np.asarray(to_numpy(images))
    truth = np.asarray(to_numpy(truth))
    verdicts = {k: np.asarray(to_numpy(v)) for k, v in verdicts.items()}
    options = [("전체", "all")] + [(f"틀린 것: {k}", k) for k in verdicts]
    menu = widgets.Dropdown(options=options, value="all", description="보기")
    slider = widgets.IntSlider(value=0, min=0, max=max(len(truth) - 1, 0), description="번호",
                               continuous_update=False)
    info = widgets.HTML()
    out = widgets.Output()

    def redraw(*_):
        idx = browser_indices(truth, verdicts, menu.value)
        slider.max = max(len(idx) - 1, 0)
        with out:
            out.clear_output(wait=True)
            if len(idx) == 0:
                info.value = "해당하는 이미지가 없다."
                return
            k = int(idx[min(slider.value, len(idx) - 1)])
            info.value = f"{len(idx)}장 중 {min(slider.value, len(idx) - 1) + 1}번째 (데이터 번호 {k})"
            fig, ax = plt.subplots(figsize=(3.4, 4.4))
            plot_digit_verdicts(imgs[k], truth[k], {n: v[k] for n, v in verdicts.items()},
                                ax=ax, class_names=class_names)
            plt.show()
            plt.close(fig)

    menu.observe(lambda *_: (setattr(slider, "value", 0), redraw()), names="value")
    slider.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox([menu, slider]), info, out])
    box.controls = {"show": menu, "index": slider}
    box.info = info
    return box
