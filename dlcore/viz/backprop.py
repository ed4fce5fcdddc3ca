"""Figures of 3장 (오류 역전파): computational graphs with forward values and backward
gradients, the operation counts of 표 3-2 and the universal-approximation demo.

``draw_graph`` draws a graph built with :mod:`dlcore.autograd`. ``backprop_op_counts`` is a pure
function (unit-tested). ``plot_*`` functions return the matplotlib ``Figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

from .style import PALETTE

__all__ = [
    "graph_layout", "draw_graph", "backprop_op_counts", "backprop_flow_layout",
    "plot_backprop_flow",
    "plot_approximation", "plot_approx_mse", "plot_approx_explorer",
]

_OP_SYMBOL = {"+": "+", "*": "×", "max": "max", "sigmoid": "σ", "relu": "ReLU", "tanh": "tanh",
              "exp": "exp", "log": "log"}

_GAP = 1.7  # vertical distance between nodes of one column

FORWARD_COLOUR = "#007A4D"   # green: forward values
BACKWARD_COLOUR = "#C0392B"  # red: backward gradients


def _num(v):
    """Short number: 4 significant digits, a true minus sign, no '-0'."""
    v = float(v)
    if v == 0:
        v = 0.0
    return f"{v:.4g}".replace("-", "−")


def graph_layout(root):
    """Positions for :func:`draw_graph`: ``{id(node): (x, y)}`` for values and
    ``{id(node): (x, y)}`` for the operation circles of non-leaf values.

    Leaves sit in column 0; a value computed from parents sits two columns to the right of its
    deepest parent, its operation circle one column before it. Within a column nodes are
    ordered by the mean height of their parents, which keeps edges from crossing in small
    graphs.
    """
    from ..autograd import topological_order

    order = topological_order(root)
    depth = {}
    for n in order:
        depth[id(n)] = 0 if not n.parents else 1 + max(depth[id(p)] for p in n.parents)
    pos, op_pos = {}, {}
    ncols = max(depth.values()) + 1
    next_leaf = 0.0
    for d in range(ncols):
        col = [n for n in order if depth[id(n)] == d]
        if d == 0:
            for n in col:
                pos[id(n)] = (0.0, -next_leaf)
                next_leaf += _GAP
            continue
        col.sort(key=lambda n: -np.mean([pos[id(p)][1] for p in n.parents]))
        ys = []
        for n in col:
            want = float(np.mean([pos[id(p)][1] for p in n.parents]))
            if ys and want > ys[-1] - _GAP:
                want = ys[-1] - _GAP
            ys.append(want)
        for n, yv in zip(col, ys):
            pos[id(n)] = (2.0 * d, yv)
            op_pos[id(n)] = (2.0 * d - 1.0, yv)
    return pos, op_pos


def draw_graph(root, ax=None, show_grad=True, title=None, width=None):
    """Draw the computational graph below ``root`` (a :class:`dlcore.autograd.Value`).

    Each value is a box with its label; its forward value is written above the box in green
    and, when ``show_grad`` is true, the gradient ``∂root/∂value`` below it in red (call
    ``root.backward()`` first). Operations are circles (+, ×, max, σ, ...). A value used twice
    (fan-out) has two outgoing arrows.
    """
    from ..autograd import topological_order

    order = topological_order(root)
    pos, op_pos = graph_layout(root)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    if ax is None:
        w = width if width is not None else max(5.0, 1.25 * (max(xs) - min(xs) + 2))
        h = max(2.6, 0.75 * (max(ys) - min(ys) + 2.2))
        fig, ax = plt.subplots(figsize=(w, h))
    else:
        fig = ax.figure
    box = dict(boxstyle="round,pad=0.35", fc="white", ec=PALETTE[0], lw=1.6)
    for n in order:
        x, yv = pos[id(n)]
        name = n.label or ""
        ax.text(x, yv, name if name else " ", ha="center", va="center", fontsize=11, bbox=box,
                zorder=3)
        ax.text(x, yv + 0.36, _num(n.data), ha="center", va="bottom", fontsize=10,
                color=FORWARD_COLOUR, zorder=3)
        if show_grad:
            ax.text(x, yv - 0.36, _num(n.grad), ha="center", va="top", fontsize=10,
                    color=BACKWARD_COLOUR, zorder=3)
        if n.parents:
            ox, oy = op_pos[id(n)]
            sym = _OP_SYMBOL.get(n.op, n.op)
            ax.text(ox, oy, sym, ha="center", va="center", fontsize=11 if len(sym) < 3 else 9,
                    zorder=3, bbox=dict(boxstyle="circle,pad=0.3", fc="#F4F4F4", ec="0.4"))
            _arrow(ax, (ox, oy), (x, yv), 0.0)
            seen = {}
            for par in n.parents:
                k = seen.get(id(par), 0)
                seen[id(par)] = k + 1
                _arrow(ax, pos[id(par)], (ox, oy), 0.25 * k)
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 1.1, max(ys) + 0.9)
    ax.axis("off")
    if title:
        ax.set_title(title)
    if show_grad:
        ax.text(0.0, 0.0, "초록: 순전파 값   빨강: 역전파 그레이디언트", transform=ax.transAxes,
                fontsize=9, color="0.35", ha="left", va="bottom")
    return fig


def _arrow(ax, start, end, rad):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="0.45",
                                 lw=1.2, shrinkA=16, shrinkB=16,
                                 connectionstyle=f"arc3,rad={rad}", zorder=2))


def backprop_flow_layout(d, p, c):
    """Node positions of :func:`plot_backprop_flow`: ``{"x": [...], "z": [...], "o": [...]}``,
    each a list of ``(x, y)`` from the bias node (index 0; none for the outputs) down.

    Layers sit at x = 0, 2, 4; each column is centred on y = 0 with unit spacing. ``d``, ``p``,
    ``c``: positive ints (inputs, hidden nodes, outputs, biases not counted)."""
    for name, v in (("d", d), ("p", p), ("c", c)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= v <= 12:
            raise ValueError(f"backprop_flow_layout: expected {name} an int in 1..12, got {v!r}")

    def column(x, n):
        return [(float(x), (n - 1) / 2 - k) for k in range(n)]

    return {"x": column(0, d + 1), "z": column(2, p + 1), "o": column(4, c)}


def plot_backprop_flow(d=3, p=4, c=2, ax=None):
    """The two-layer perceptron of 식 3.22–3.25 with both passes drawn on it.

    Grey arrows: the forward pass x → z → o through u¹ and u². Red arrows: the backward pass,
    δ_k = (y_k − o_k) τ′(osum_k) at each output, sent back along every u²_kj into
    η_j = τ′(zsum_j) Σ_q δ_q u²_qj at each hidden node (none into the bias z₀). Returns the
    figure."""
    pos = backprop_flow_layout(d, p, c)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 5.2))
    else:
        fig = ax.figure
    r = 0.2
    names = {"x": [f"x{_sub(i)}" for i in range(d + 1)],
             "z": [f"z{_sub(j)}" for j in range(p + 1)],
             "o": [f"o{_sub(k + 1)}" for k in range(c)]}
    # forward: every x_i to every hidden z_j (j ≥ 1), every z_j to every o_k
    for a, b, skip in (("x", "z", 1), ("z", "o", 0)):
        for xa, ya in pos[a]:
            for xb, yb in pos[b][skip:]:
                ax.annotate("", xy=(xb - r, yb), xytext=(xa + r, ya),
                            arrowprops=dict(arrowstyle="->", color="0.72", lw=0.8,
                                            shrinkA=0, shrinkB=0))
    # backward: δ_k from every output back to every hidden node j ≥ 1 (curved, below the line)
    for xo, yo in pos["o"]:
        for xz, yz in pos["z"][1:]:
            ax.add_patch(FancyArrowPatch((xo - r, yo - 0.06), (xz + r, yz - 0.06),
                                         connectionstyle="arc3,rad=0.08", arrowstyle="-|>",
                                         mutation_scale=9, color=BACKWARD_COLOUR, lw=1.0,
                                         alpha=0.75))
    for layer, colour in (("x", "white"), ("z", "white"), ("o", "white")):
        for k, (x, y) in enumerate(pos[layer]):
            bias = layer != "o" and k == 0
            ax.add_patch(plt.Circle((x, y), r, facecolor="0.9" if bias else colour,
                                    edgecolor="0.25", lw=1.3, zorder=3))
            ax.text(x, y, names[layer][k], ha="center", va="center", fontsize=11, zorder=4)
    for k, (x, y) in enumerate(pos["o"]):
        ax.text(x + r + 0.06, y, f"δ{_sub(k + 1)}", color=BACKWARD_COLOUR, fontsize=13,
                va="center", ha="left")
    for j, (x, y) in enumerate(pos["z"][1:], start=1):
        ax.text(x, y + r + 0.08, f"η{_sub(j)}", color=BACKWARD_COLOUR, fontsize=12,
                va="bottom", ha="center")
    top = max(len(v) for v in pos.values()) / 2
    for x, label in ((0, "입력층"), (2, "은닉층"), (4, "출력층")):
        ax.text(x, top + 0.15, label, ha="center", va="bottom", fontsize=12)
    ax.text(1.0, -top - 0.1, "u¹ⱼᵢ", ha="center", va="top", fontsize=12, color="0.35")
    ax.text(3.0, -top - 0.1, "u²ₖⱼ", ha="center", va="top", fontsize=12, color="0.35")
    ax.text(2.0, -top - 0.55, "회색: 순전파   빨간색: δ, η의 역전파", ha="center", va="top",
            fontsize=11, color="0.2")
    ax.set(xlim=(-0.4, 4.7), ylim=(-top - 1.0, top + 0.6), aspect="equal")
    ax.axis("off")
    return fig


def _sub(n):
    """``n`` in subscript digits (x₁₂)."""
    return "".join("₀₁₂₃₄₅₆₇₈₉"[int(ch)] for ch in str(n))


def backprop_op_counts(d, p, c):
    """Additions and multiplications of one sample, as counted in 표 3-2.

    Returns a list of ``(stage, equation, additions, multiplications)`` rows with stage
    ``"순전파"`` (식 3.13, 3.14) or ``"오류 역전파"`` (식 3.22–3.25 and the update 3.21). As in
    the table, the bias terms are left out (d, p instead of d+1, p+1).
    """
    for name, v in (("d", d), ("p", p), ("c", c)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"backprop_op_counts: expected {name} to be a positive integer, "
                             f"got {v!r}")
    d, p, c = int(d), int(p), int(c)
    return [
        ("순전파", "3.13", d * p, d * p),
        ("순전파", "3.14", p * c, p * c),
        ("오류 역전파", "3.22", c, c),
        ("오류 역전파", "3.23", 0, c * p),
        ("오류 역전파", "3.24", c * p, c * p),
        ("오류 역전파", "3.25", 0, d * p),
        ("오류 역전파", "3.21", c * p + d * p, c * p + d * p),
    ]


def plot_approximation(x, y_true, fits, x_train=None, y_train=None, ax=None, sizes=None):
    """The target curve and the fitted curves of several networks. ``fits`` maps the number of
    hidden units p to the predictions on ``x``; ``sizes`` picks which of them to draw."""
    x, y_true = np.ravel(x), np.ravel(y_true)
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.0))
    else:
        fig = ax.figure
    if x_train is not None:
        ax.scatter(np.ravel(x_train), np.ravel(y_train), s=10, color="0.6", label="훈련 샘플",
                   zorder=1)
    ax.plot(x, y_true, color="black", lw=2, ls="--", label="목표 함수", zorder=2)
    keys = sorted(fits) if sizes is None else list(sizes)
    for i, k in enumerate(keys):
        ax.plot(x, np.ravel(fits[k]), lw=2, color=PALETTE[i % len(PALETTE)],
                label=f"은닉 노드 {k}개", zorder=3)
    ax.set(xlabel="x", ylabel="y")
    ax.legend(fontsize=9, loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def plot_approx_mse(sizes, mses, highlight=None, ax=None):
    """Mean squared error against the number of hidden units (log scale on both axes)."""
    sizes, mses = np.asarray(sizes, dtype=float), np.asarray(mses, dtype=float)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.6, 3.6))
    else:
        fig = ax.figure
    ax.plot(sizes, mses, "o-", color=PALETTE[0], lw=2)
    if highlight is not None:
        i = int(np.argmin(np.abs(sizes - highlight)))
        ax.plot(sizes[i], mses[i], "o", ms=12, mfc="none", mec=PALETTE[1], mew=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s:g}" for s in sizes])
    ax.minorticks_off()
    ax.set(xlabel="은닉 노드 수 p", ylabel="평균 제곱 오차", title="은닉 노드 수와 근사 오차")
    return fig


def plot_approx_explorer(x, y_true, fits, mses, p, x_train=None, y_train=None):
    """Default state of the approximation explorer: the fit of the network with ``p`` hidden
    units (left) and the error of every size with ``p`` circled (right)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.9), gridspec_kw={"width_ratios": [3, 2]})
    plot_approximation(x, y_true, fits, x_train, y_train, ax=axes[0], sizes=[p])
    axes[0].set_title(f"은닉 노드 {p}개: 평균 제곱 오차 {mses[p]:.4f}")
    sizes = sorted(fits)
    plot_approx_mse(sizes, [mses[k] for k in sizes], highlight=p, ax=axes[1])
    return fig
