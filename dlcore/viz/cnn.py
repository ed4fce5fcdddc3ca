"""Figures and small helpers for chapter 10 (합성곱 신경망).

- :func:`conv_fit` — the output size ⌊(H + 2P − K)/S⌋ + 1 along one axis, and whether the
  kernel, stride and padding fit the input (a Korean message when they do not).
- :data:`KERNELS`, :func:`conv_state`, :func:`plot_conv_state` — a hand-made kernel applied to
  an image with a stride and a padding (the default figure of the chapter's explorer).
- :func:`plot_conv_example` — one step of a convolution: the window, the kernel, the output.
- :func:`plot_im2col` — how im2col copies every receptive field into a column.
- :func:`connectivity`, :func:`plot_connectivity` — full vs local connections vs shared weights.
- :func:`plot_images`, :func:`plot_filters`, :func:`plot_feature_maps` — digits, learnt
  kernels and feature maps as grids.
- :func:`confusion_matrix`, :func:`plot_confusion`, :func:`plot_mistakes` — what a classifier
  gets wrong.

Host-side module: it computes with NumPy (the arrays it draws are small); CuPy arrays are
copied to the host first.
"""

from __future__ import annotations

import numpy as np

from ..backend import to_numpy
from .style import PALETTE, new_figure

__all__ = [
    "conv_fit",
    "KERNELS",
    "conv_state",
    "plot_conv_state",
    "plot_conv_example",
    "plot_im2col",
    "connectivity",
    "plot_connectivity",
    "plot_images",
    "plot_filters",
    "plot_feature_maps",
    "confusion_matrix",
    "plot_confusion",
    "plot_mistakes",
]

MINUS = "\u2212"


def _int(value, where, name, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = "a positive integer" if minimum >= 1 else "a non-negative integer"
        raise ValueError(f"{where}: expected {name} to be {kind}, got {value!r}")
    return int(value)


# -- output size ------------------------------------------------------------------------------
def conv_fit(size, kernel, stride=1, padding=0):
    """Output length of a convolution along one axis, and whether the settings fit.

    Inputs: ``size`` H (int >= 1), ``kernel`` K (>= 1), ``stride`` S (>= 1), ``padding`` P (>= 0).

    Returns a dict:

    - ``out``: ⌊(H + 2P − K)/S⌋ + 1, or ``None`` when the kernel is larger than the padded input
      (H + 2P < K: no position exists);
    - ``left``: the rows (H + 2P − K) mod S at the far edge that the kernel never covers
      (``None`` when nothing fits);
    - ``fits``: True when the kernel fits and S divides H + 2P − K exactly (``left == 0``);
    - ``formula``: the formula with the numbers, e.g. ``(5 + 2·0 − 3)/1 + 1 = 3``;
    - ``problem``: ``None``, or a Korean sentence saying what does not fit;
    - ``message``: ``formula``, followed by ``: problem`` when there is one.
    """
    where = "conv_fit"
    H = _int(size, where, "size", 1)
    K = _int(kernel, where, "kernel", 1)
    S = _int(stride, where, "stride", 1)
    P = _int(padding, where, "padding", 0)
    span = H + 2 * P - K
    formula = f"({H} + 2·{P} {MINUS} {K})/{S} + 1"
    if span < 0:
        problem = f"커널 {K}이 패딩한 입력 {H + 2 * P}보다 커서 출력이 없다"
        return {"out": None, "left": None, "fits": False, "formula": formula,
                "problem": problem, "message": f"{formula}: {problem}"}
    out, left = span // S + 1, span % S
    if left == 0:
        formula = f"{formula} = {out}"
        return {"out": out, "left": 0, "fits": True, "formula": formula, "problem": None,
                "message": formula}
    formula = f"{formula} = {span / S + 1:.4g} → 내림 {out}"
    problem = f"나누어떨어지지 않아 끝의 {left}줄은 커널이 닿지 않는다"
    return {"out": out, "left": left, "fits": False, "formula": formula, "problem": problem,
            "message": f"{formula}: {problem}"}


# -- hand-made kernels and the explorer's state -------------------------------------------------
#: Hand-made 3x3 kernels (name -> array) for the explorer; the first is the notes' example.
KERNELS = {
    "예제 커널 (X 모양)": np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float),
    "항등": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=float),
    "흐림 (평균)": np.full((3, 3), 1 / 9),
    "세로 경계 (소벨)": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "가로 경계 (소벨)": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "선명하게": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
}


def _kernel(kernel, where):
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"{where}: expected a kernel name in {list(KERNELS)}, got {kernel!r}")
        return kernel, KERNELS[kernel]
    k = np.asarray(to_numpy(kernel), dtype=float)
    if k.ndim != 2 or 0 in k.shape:
        raise ValueError(f"{where}: expected a 2-D kernel (KH, KW), got shape {k.shape}")
    return f"{k.shape[0]}×{k.shape[1]} 커널", k


def _image(image, where):
    a = np.asarray(to_numpy(image), dtype=float)
    a = a.reshape(a.shape[-2:]) if a.ndim > 2 and all(s == 1 for s in a.shape[:-2]) else a
    if a.ndim != 2 or 0 in a.shape:
        raise ValueError(f"{where}: expected one image (H, W) (or (1, 1, H, W)), got shape "
                         f"{np.shape(image)}")
    return a


def conv_state(image, kernel, stride=1, padding=0):
    """Everything the convolution explorer shows, as plain arrays and text.

    Inputs: ``image`` (H, W) (or (1, 1, H, W)); ``kernel`` a name in :data:`KERNELS` or a 2-D
    array (KH, KW); ``stride`` S and ``padding`` P (ints, the same along both axes).

    Returns a dict with ``name``, ``kernel`` (KH, KW), ``padded`` (H + 2P, W + 2P), ``rows`` and
    ``cols`` (:func:`conv_fit` of each axis), ``out`` (OH, OW) — the cross-correlation computed
    with :func:`dlcore.conv2d`, or ``None`` when the kernel does not fit — and ``message``, a
    Korean summary (output size, or why the settings do not fit). Never raises for settings
    that do not fit; only for invalid arguments.
    """
    from ..layers.conv import conv2d

    where = "conv_state"
    x = _image(image, where)
    name, k = _kernel(kernel, where)
    S = _int(stride, where, "stride", 1)
    P = _int(padding, where, "padding", 0)
    rows = conv_fit(x.shape[0], k.shape[0], S, P)
    cols = conv_fit(x.shape[1], k.shape[1], S, P)
    padded = np.pad(x, P)
    if rows["out"] is None or cols["out"] is None:
        out = None
        message = f"출력 없음: {rows['message'] if rows['out'] is None else cols['message']}"
    else:
        out = to_numpy(conv2d(x.reshape(1, 1, *x.shape), k.reshape(1, 1, *k.shape),
                              stride=S, padding=P))[0, 0]
        message = f"출력 {rows['out']}×{cols['out']}: 높이 {rows['message']}"
        if cols["message"] != rows["message"]:
            message += f" / 너비 {cols['message']}"
    return {"name": name, "kernel": k, "stride": S, "padding": P, "padded": padded,
            "rows": rows, "cols": cols, "out": out, "message": message,
            "fits": rows["fits"] and cols["fits"]}


def _annotate(ax, a, digits=0, fontsize=11, cmap="Greys", vmin=None, vmax=None):
    """imshow of a small matrix with its values written in the cells (white on dark cells)."""
    ax.imshow(a, cmap=cmap, vmin=vmin, vmax=vmax)
    lo = np.min(a) if vmin is None else vmin
    hi = np.max(a) if vmax is None else vmax
    for (i, j), v in np.ndenumerate(a):
        shade = 0.5 if hi == lo else (v - lo) / (hi - lo)
        dark = shade > 0.55 if cmap == "Greys" else (shade < 0.2 or shade > 0.8)
        text = f"{v:.{digits}f}".replace("-", MINUS)
        ax.text(j, i, text, ha="center", va="center", fontsize=fontsize,
                color="white" if dark else "black")
    _bare(ax)


def _bare(ax):
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def _outline(ax, top, left, h, w, color, lw=3.0, style="-"):
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((left - 0.5, top - 0.5), w, h, fill=False, edgecolor=color, lw=lw,
                           linestyle=style))


def plot_conv_state(image, kernel="예제 커널 (X 모양)", stride=1, padding=0, numbers=None):
    """The explorer's figure: padded input, kernel, feature map, and the output size.

    The padded input shows the padding in a lighter frame, the first window in orange and the
    rows/columns the kernel never reaches (when S does not divide H + 2P − K) hatched in red.
    ``numbers``: write the values in the cells (default: when the input is at most 9×9).
    Returns the Figure.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    st = conv_state(image, kernel, stride, padding)
    x, k, P = st["padded"], st["kernel"], st["padding"]
    small = max(x.shape) <= 11 if numbers is None else bool(numbers)
    fig, axes = plt.subplots(1, 3, figsize=(6.4, 3.9),
                             gridspec_kw={"width_ratios": [x.shape[1], 0.8 * x.shape[1], x.shape[1]]})
    ax = axes[0]
    if small:
        _annotate(ax, x, digits=0 if np.allclose(x, np.round(x)) else 1)
    else:
        ax.imshow(x, cmap="Greys")
        _bare(ax)
    if P:
        _outline(ax, P, P, x.shape[0] - 2 * P, x.shape[1] - 2 * P, PALETTE[0], lw=1.5, style="--")
    kh, kw = k.shape
    if kh <= x.shape[0] and kw <= x.shape[1]:
        _outline(ax, 0, 0, kh, kw, PALETTE[1])
    for axis, fit in ((0, st["rows"]), (1, st["cols"])):
        if fit["left"]:
            n = fit["left"]
            if axis == 0:
                rect = Rectangle((-0.5, x.shape[0] - n - 0.5), x.shape[1], n)
            else:
                rect = Rectangle((x.shape[1] - n - 0.5, -0.5), n, x.shape[0])
            rect.set(facecolor="none", edgecolor=PALETTE[1], hatch="//", lw=0)
            ax.add_patch(rect)
    ax.set_title(f"입력 {x.shape[0] - 2 * P}×{x.shape[1] - 2 * P}\n패딩 {P}", fontsize=13)
    _annotate(axes[1], k, digits=0 if np.allclose(k, np.round(k)) else 2, fontsize=13,
              cmap="RdBu_r", vmin=-np.max(np.abs(k)), vmax=np.max(np.abs(k)))
    axes[1].set_title(f"커널 {kh}×{kw}\n스트라이드 {st['stride']}", fontsize=13)
    ax = axes[2]
    if st["out"] is None:
        ax.axis("off")
        ax.text(0.5, 0.5, "출력 없음", ha="center", va="center", fontsize=14,
                transform=ax.transAxes, color=PALETTE[1])
    else:
        out = st["out"]
        lim = max(float(np.max(np.abs(out))), 1e-12)
        if max(out.shape) <= 9:
            _annotate(ax, out, digits=0 if np.allclose(out, np.round(out)) else 1,
                      cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(out, cmap="RdBu_r", vmin=-lim, vmax=lim)
            _bare(ax)
        ax.set_title(f"특징 맵\n{out.shape[0]}×{out.shape[1]}", fontsize=13)
    rows = st["rows"]
    line = f"출력 크기 ⌊(H + 2P {MINUS} K)/S⌋ + 1 = {rows['formula']}"
    if not st["fits"]:
        problems = {f["problem"] for f in (rows, st["cols"]) if f["problem"]}
        line += "\n맞지 않음: " + "\n".join(sorted(problems))
    fig.suptitle(line, fontsize=13, color="black" if st["fits"] else PALETTE[1])
    return fig


def plot_conv_example(image, kernel, pos=(0, 0)):
    """One step of the convolution: the window at ``pos`` on the image, the kernel, the output.

    ``image`` (H, W), ``kernel`` (K, K), stride 1, no padding. The output cell computed from the
    window is outlined, and the sum of products is written under the figure. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from ..layers.conv import conv2d

    x = _image(image, "plot_conv_example")
    _, k = _kernel(kernel, "plot_conv_example")
    out = to_numpy(conv2d(x.reshape(1, 1, *x.shape), k.reshape(1, 1, *k.shape)))[0, 0]
    i, j = (int(p) for p in pos)
    if not (0 <= i < out.shape[0] and 0 <= j < out.shape[1]):
        raise ValueError(f"plot_conv_example: expected pos inside the output {out.shape}, "
                         f"got {pos!r}")
    kh, kw = k.shape
    fig, axes = plt.subplots(1, 3, figsize=(6.0, 3.0),
                             gridspec_kw={"width_ratios": [x.shape[1], kw + 1, out.shape[1] + 1]})
    _annotate(axes[0], x, fontsize=15, vmin=0, vmax=2.5 * max(float(np.max(x)), 1e-12))
    _outline(axes[0], i, j, kh, kw, PALETTE[1])
    axes[0].set_title(f"입력 {x.shape[0]}×{x.shape[1]}", fontsize=15)
    _annotate(axes[1], k, fontsize=15, vmin=0, vmax=2.5 * max(float(np.max(np.abs(k))), 1e-12))
    axes[1].set_title(f"커널 {kh}×{kw}", fontsize=15)
    _annotate(axes[2], out, fontsize=15, vmin=0, vmax=2.5 * max(float(np.max(out)), 1e-12))
    _outline(axes[2], i, j, 1, 1, PALETTE[1])
    axes[2].set_title(f"특징 맵 {out.shape[0]}×{out.shape[1]}", fontsize=15)
    window = x[i:i + kh, j:j + kw]
    terms = [f"{a:g}·{b:g}" for a, b in zip(window.ravel(), k.ravel(), strict=True) if b != 0]
    fig.supxlabel(f"위치 ({i}, {j}): " + " + ".join(terms) + f" = {out[i, j]:g}", fontsize=13)
    return fig


# -- im2col -----------------------------------------------------------------------------------
def plot_im2col(image, kernel_size=3, columns=(0, 1)):
    """How im2col works: the receptive fields of ``image`` (H, W) become the columns of a matrix.

    Stride 1, no padding. The windows of the output positions listed in ``columns`` (flat
    indices i·OW + j) are outlined on the image in the same colour as their column of the
    (K·K, OH·OW) matrix. Returns the Figure.
    """
    import matplotlib.pyplot as plt

    from ..layers.conv import im2col

    x = _image(image, "plot_im2col")
    K = _int(kernel_size, "plot_im2col", "kernel_size", 1)
    col = to_numpy(im2col(x.reshape(1, 1, *x.shape), K, K))
    ow = x.shape[1] - K + 1
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.4),
                             gridspec_kw={"width_ratios": [x.shape[1], col.shape[1] + 0.5]})
    vmax = 2.5 * max(float(np.max(x)), 1e-12)
    _annotate(axes[0], x, fontsize=12, vmin=0, vmax=vmax)
    _annotate(axes[1], col, fontsize=12, vmin=0, vmax=vmax)
    for n, c in enumerate(columns):
        colour = PALETTE[(n + 1) % len(PALETTE)]
        i, j = divmod(int(c), ow)
        _outline(axes[0], i, j, K, K, colour, lw=3.5 - 1.2 * n, style="-" if n == 0 else "--")
        _outline(axes[1], 0, int(c), col.shape[0], 1, colour, lw=3.0)
    axes[0].set_title(f"입력 {x.shape[0]}×{x.shape[1]}, 커널 {K}×{K}")
    axes[1].set_title(f"im2col 행렬 ({col.shape[0]}, {col.shape[1]}): 열 = 창 하나")
    axes[1].set_xticks(range(col.shape[1]))
    axes[1].set_xticklabels([f"({i},{j})" for i in range(x.shape[0] - K + 1)
                             for j in range(ow)], fontsize=9)
    axes[1].set_xlabel("출력 위치 (i, j)")
    axes[1].set_ylabel("커널 안의 위치 (u, v)")
    return fig


# -- locality and weight sharing ----------------------------------------------------------------
def connectivity(kind, n_in=7, n_out=3, kernel=3, stride=2):
    """Which input each hidden unit sees, and which weight it uses, for three kinds of layer.

    ``kind``: ``"full"`` (every unit sees every input), ``"local"`` (unit i sees the ``kernel``
    inputs from i·stride on, each connection its own weight) or ``"shared"`` (local, with one
    set of ``kernel`` weights for all units, as in a 1-D convolution).

    Returns ``(weight_index, n_params)``: an int array (n_out, n_in) with −1 where there is no
    connection and otherwise the number of the weight used, and the number of distinct weights
    (no biases). The notes' example, 7 inputs and 3 units: 21, 9 and 3 weights.
    """
    where = "connectivity"
    n_in = _int(n_in, where, "n_in", 1)
    n_out = _int(n_out, where, "n_out", 1)
    kernel = _int(kernel, where, "kernel", 1)
    stride = _int(stride, where, "stride", 1)
    idx = -np.ones((n_out, n_in), dtype=int)
    if kind == "full":
        idx[:] = np.arange(n_out * n_in).reshape(n_out, n_in)
    elif kind in ("local", "shared"):
        if (n_out - 1) * stride + kernel > n_in:
            raise ValueError(f"{where}: expected {n_out} windows of {kernel} inputs with stride "
                             f"{stride} to fit in {n_in} inputs, got too few inputs")
        for i in range(n_out):
            for u in range(kernel):
                idx[i, i * stride + u] = u if kind == "shared" else i * kernel + u
    else:
        raise ValueError(f"{where}: expected kind 'full', 'local' or 'shared', got {kind!r}")
    return idx, int(len(np.unique(idx[idx >= 0])))


def plot_connectivity(n_in=7, n_out=3, kernel=3, stride=2):
    """Three panels: a fully connected layer, local connections, local + shared weights.

    Inputs are the bottom row, hidden units the top row; in the last panel the colour of an edge
    is the weight it uses. Each title gives the number of weights (:func:`connectivity`).
    Returns the Figure.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(10, 3.4))
    xs_in = np.arange(n_in, dtype=float)
    xs_out = (np.arange(n_out) * stride + (kernel - 1) / 2).astype(float)
    titles = {"full": "완전 연결", "local": "지역 연결", "shared": "지역 연결 + 가중치 공유"}
    for ax, kind in zip(axes, ("full", "local", "shared"), strict=True):
        idx, n = connectivity(kind, n_in, n_out, kernel, stride)
        for i in range(n_out):
            for j in range(n_in):
                if idx[i, j] < 0:
                    continue
                colour = PALETTE[idx[i, j] % 3] if kind == "shared" else "0.45"
                ax.plot([xs_in[j], xs_out[i]], [0, 1], color=colour,
                        lw=2.4 if kind == "shared" else 1.2, zorder=1)
        ax.scatter(xs_in, np.zeros(n_in), s=160, color="white", edgecolor="black", zorder=2)
        ax.scatter(xs_out, np.ones(n_out), s=160, color=PALETTE[0], edgecolor="black", zorder=2)
        ax.set_title(f"{titles[kind]}: 가중치 {n}개")
        ax.set_xlim(-0.6, n_in - 0.4)
        ax.set_ylim(-0.3, 1.3)
        ax.axis("off")
    return fig


# -- grids of images ----------------------------------------------------------------------------
def _grid(n, ncols):
    ncols = max(1, min(int(ncols), n))
    return ncols, -(-n // ncols)


def plot_images(images, titles=None, ncols=8, cmap="Greys", size=1.25, suptitle=None,
                symmetric=False):
    """A grid of 2-D images (N, H, W) (or (N, 1, H, W)) with optional titles.

    ``symmetric``: one colour scale centred on 0 per image (for kernels and feature maps with
    negative values, blue < 0 < red). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    a = np.asarray(to_numpy(images), dtype=float)
    if a.ndim == 4 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 3 or len(a) == 0:
        raise ValueError(f"plot_images: expected images (N, H, W) or (N, 1, H, W), got shape "
                         f"{np.shape(images)}")
    ncols, nrows = _grid(len(a), ncols)
    extra = 0.35 if titles is not None else 0.1
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, (size + extra) * nrows
                                                    + (0.4 if suptitle else 0)), squeeze=False)
    for n, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if n >= len(a):
            continue
        if symmetric:
            lim = max(float(np.max(np.abs(a[n]))), 1e-12)
            ax.imshow(a[n], cmap="RdBu_r", vmin=-lim, vmax=lim)
        else:
            ax.imshow(a[n], cmap=cmap)
        if titles is not None:
            ax.set_title(str(titles[n]), fontsize=11)
    if suptitle:
        fig.suptitle(suptitle, fontsize=12)
    return fig


def plot_filters(weight, ncols=8, suptitle="학습된 1층 커널"):
    """The kernels of a convolution layer, ``weight`` (F, C, KH, KW), channel 0, one per panel
    (blue negative, red positive), titled by their number. Returns the Figure."""
    w = np.asarray(to_numpy(weight), dtype=float)
    if w.ndim != 4:
        raise ValueError(f"plot_filters: expected a weight (F, C, KH, KW), got shape {w.shape}")
    return plot_images(w[:, 0], titles=[f"{f}" for f in range(len(w))], ncols=ncols,
                       symmetric=True, suptitle=suptitle)


def plot_feature_maps(maps, ncols=8, suptitle=None, size=1.25, titles=None):
    """Feature maps of one image, ``maps`` (F, H, W) or (1, F, H, W), one per panel, titled by
    ``titles`` (default: their number). Returns the Figure."""
    m = np.asarray(to_numpy(maps), dtype=float)
    if m.ndim == 4 and m.shape[0] == 1:
        m = m[0]
    if m.ndim != 3:
        raise ValueError(f"plot_feature_maps: expected maps (F, H, W), got shape {m.shape}")
    if titles is None:
        titles = [f"{f}" for f in range(len(m))]
    elif len(titles) != len(m):
        raise ValueError(f"plot_feature_maps: expected {len(m)} titles, got {len(titles)}")
    return plot_images(m, titles=titles, ncols=ncols, cmap="magma", suptitle=suptitle,
                       size=size)


# -- errors -------------------------------------------------------------------------------------
def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts ``cm[i, j]`` of samples of class i predicted as j, shape (num_classes, num_classes).

    ``y_true``, ``y_pred``: int labels (N,) in 0..num_classes−1 (ValueError otherwise).
    """
    where = "confusion_matrix"
    t = np.asarray(to_numpy(y_true))
    p = np.asarray(to_numpy(y_pred))
    if t.shape != p.shape or t.ndim != 1:
        raise ValueError(f"{where}: expected y_true and y_pred of the same shape (N,), got "
                         f"{t.shape} and {p.shape}")
    for name, v in (("y_true", t), ("y_pred", p)):
        if v.size and (v.min() < 0 or v.max() >= num_classes or not np.all(v == np.round(v))):
            raise ValueError(f"{where}: expected {name} to hold labels 0..{num_classes - 1}, got "
                             f"values from {v.min()} to {v.max()}")
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (t.astype(int), p.astype(int)), 1)
    return cm


def plot_confusion(cm, ax=None, title="혼동 행렬"):
    """Heatmap of a confusion matrix with its counts; rows are true classes, columns predicted
    ones. Off-diagonal (wrong) cells are coloured on their own scale so that rare mistakes show.
    Returns the Axes."""
    from matplotlib.colors import ListedColormap

    c = np.asarray(cm)
    n = c.shape[0]
    if ax is None:
        _, ax = new_figure(width=6.0, height=5.4)
    off = c.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    ax.imshow(np.where(np.eye(n, dtype=bool), 1.0, np.nan), cmap=ListedColormap(["#d9e8f5"]))
    ax.imshow(off, cmap="Oranges", vmin=0, vmax=max(float(np.nanmax(off)) if n > 1 else 1, 1))
    for (i, j), v in np.ndenumerate(c):
        if v:
            ax.text(j, i, str(v), ha="center", va="center", fontsize=11)
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("예측한 숫자")
    ax.set_ylabel("정답 숫자")
    ax.grid(False)
    ax.set_title(title)
    return ax


def plot_mistakes(images, y_true, y_pred, ncols=8, limit=16, suptitle=None):
    """The first ``limit`` wrongly classified images, titled "정답 → 예측". Returns the Figure
    (or raises ValueError when there is no mistake to show)."""
    x = np.asarray(to_numpy(images), dtype=float)
    t = np.asarray(to_numpy(y_true))
    p = np.asarray(to_numpy(y_pred))
    wrong = np.flatnonzero(t != p)[:limit]
    if len(wrong) == 0:
        raise ValueError("plot_mistakes: expected at least one wrong prediction, got none")
    titles = [f"{t[i]} → {p[i]}" for i in wrong]
    return plot_images(x[wrong], titles=titles, ncols=ncols, suptitle=suptitle)
