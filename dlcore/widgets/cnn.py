"""The convolution explorer of chapter 10: a kernel, a stride and a padding → feature map and size.

The figure is :func:`dlcore.viz.plot_conv_state` (the notebook shows the default state as a
static figure) and the numbers come from the pure :func:`dlcore.viz.conv_state`. Settings that do
not fit (the stride does not divide H + 2P − K, or the kernel is larger than the padded input)
are explained in the figure's title, never raised. Needs ``ipywidgets``.
"""

from __future__ import annotations

from ._live import live_figure

__all__ = ["conv_explorer", "STRIDES", "PADDINGS"]

#: The explorer's finite control values: 6 kernels x 3 strides x 3 paddings = 54 states.
STRIDES = (1, 2, 3)
PADDINGS = (0, 1, 2)


def conv_explorer(image, kernel="예제 커널 (X 모양)", stride=1, padding=0):
    """A kernel menu and stride / padding buttons over one image (H, W).

    Each change redraws :func:`dlcore.viz.plot_conv_state` for the image. Returns the widget
    (a ``VBox``) with ``.controls`` (name → widget) and ``.text`` (the size or the problem).
    """
    import ipywidgets as widgets

    from ..viz.cnn import KERNELS, conv_state, plot_conv_state

    if kernel not in KERNELS:
        raise ValueError(f"conv_explorer: expected a kernel in {list(KERNELS)}, got {kernel!r}")
    if stride not in STRIDES or padding not in PADDINGS:
        raise ValueError(f"conv_explorer: expected stride in {STRIDES} and padding in "
                         f"{PADDINGS}, got {stride!r} and {padding!r}")
    conv_state(image, kernel, stride, padding)  # validates the image once, up front
    menu = widgets.Dropdown(options=list(KERNELS), value=kernel, description="커널")
    stride_w = widgets.ToggleButtons(options=list(STRIDES), value=stride, description="스트라이드",
                                     style={"button_width": "44px"})
    pad_w = widgets.ToggleButtons(options=list(PADDINGS), value=padding, description="패딩",
                                  style={"button_width": "44px"})
    text = widgets.HTML()

    def figure():
        state = conv_state(image, menu.value, stride_w.value, pad_w.value)
        text.value = f"<b>{state['message']}</b>"
        return plot_conv_state(image, menu.value, stride_w.value, pad_w.value)

    out, redraw = live_figure((menu, stride_w, pad_w), figure)
    box = widgets.VBox([widgets.VBox([menu, stride_w, pad_w]), out, text])
    box.redraw = redraw
    box.controls = {"kernel": menu, "stride": stride_w, "padding": pad_w}
    box.text = text
    return box
