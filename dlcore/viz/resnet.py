"""Figures and measurements of chapter 11 (ResNet): the degradation problem, the residual
block, and how the gradient flows through plain and residual networks [He2016].
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..backend import to_numpy
from ..diagnostics import weight_grad_norms
from ..layers.residual_mlp import residual_mlp
from ..losses import CrossEntropyLoss
from .loss import plot_curves
from .style import PALETTE, new_figure

__all__ = ["layer_grad_norms", "gradient_profiles", "plot_gradient_profile",
           "plot_degradation", "plot_residual_block"]


def layer_grad_norms(model, X, y):
    """‖∂L/∂W‖ of every weight matrix of ``model`` for one batch, input side first.

    One forward and backward pass of the cross-entropy loss on ``X`` (N, D) and the labels
    ``y`` (N,), in training mode (batch norm uses the batch statistics), starting from zero
    gradients. Returns a float64 NumPy array with one entry per weight matrix.
    """
    loss_fn = CrossEntropyLoss()
    model.train()
    model.zero_grad()
    loss_fn(model(X), y)
    model.backward(loss_fn.backward())
    return np.array([norm for _, norm in weight_grad_norms(model)])


def gradient_profiles(depths, X, y, width=32, seed=0, batchnorm=True, init="he"):
    """Per-layer gradient norms of freshly initialised plain and residual MLPs.

    ``depths``: numbers of weight layers, each even and at least 4 (a depth d network has
    (d - 2) / 2 blocks, see :func:`dlcore.residual_mlp`). ``X`` (N, D), ``y`` (N,) labels of
    ``n_classes = y.max() + 1`` classes. The plain and the residual network of one depth start
    from the same weights (``seed``); ``batchnorm`` and ``init`` are passed to
    :func:`dlcore.residual_mlp`. Returns ``{depth: {"plain": norms, "residual": norms}}``
    with ``norms`` of shape (depth,), input side first.
    """
    where = "gradient_profiles"
    depths = list(depths)
    if not depths:
        raise ValueError(f"{where}: expected at least one depth, got none")
    for d in depths:
        if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 4 or d % 2:
            raise ValueError(f"{where}: expected even depths >= 4 (weight layers), got {d!r}")
    X = np.asarray(X)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"{where}: expected X of shape (N, D) and y of shape (N,), got "
                         f"{X.shape} and {y.shape}")
    n_classes = int(y.max()) + 1
    out = {}
    for d in depths:
        out[int(d)] = {
            name: layer_grad_norms(residual_mlp(X.shape[1], width, (d - 2) // 2, n_classes,
                                                shortcut=shortcut, batchnorm=batchnorm,
                                                init=init, seed=seed), X, y)
            for name, shortcut in (("plain", False), ("residual", True))}
    return out


def plot_gradient_profile(panels, depth, ylim=None):
    """‖∂L/∂W‖ per layer (log scale) of the plain and the residual network of ``depth`` layers,
    one panel per setting.

    ``panels``: {panel title: profiles} with ``profiles`` the mapping of
    :func:`gradient_profiles` (e.g. one with batch norm, one without); ``ylim``: {title: (low,
    high)}, fixed y-limits per panel (the explorer keeps them the same for every depth).
    Returns the Figure.
    """
    where = "plot_gradient_profile"
    if not isinstance(panels, Mapping) or not panels:
        raise ValueError(f"{where}: expected a non-empty mapping title -> profiles, got {panels!r}")
    for title, profiles in panels.items():
        if depth not in profiles:
            raise ValueError(f"{where}: expected depth in {sorted(profiles)} for {title!r}, "
                             f"got {depth!r}")
    from matplotlib.ticker import LogLocator, NullLocator

    fig, axes = new_figure(ncols=len(panels), width=3.6 * len(panels), height=3.8,
                           squeeze=False)
    for ax, (title, profiles) in zip(axes[0], panels.items(), strict=True):
        for colour, style, name, label in ((PALETTE[1], "o-", "plain", "평범한 망"),
                                           (PALETTE[0], "s-", "residual", "잔차 망")):
            norms = np.asarray(to_numpy(profiles[depth][name]), dtype=float)
            ax.plot(np.arange(1, len(norms) + 1), norms, style, color=colour, ms=3.5,
                    label=label)
        ax.set_yscale("log")
        # a few labelled decades and no minor ticks: readable, and quick to redraw
        ax.yaxis.set_major_locator(LogLocator(numticks=7))
        ax.yaxis.set_minor_locator(NullLocator())
        if ylim is not None:
            ax.set_ylim(*ylim[title])
        ax.set_xlabel("층 (1 = 입력 쪽)")
        ax.set_ylabel("‖∂L/∂W‖")
        ax.set_title(title)
    axes[0][0].legend(loc="best")
    fig.suptitle(f"{depth}층 신경망의 층별 그레이디언트 크기 (학습 전)")
    return fig


def plot_degradation(losses, grads, title=None):
    """Two panels over epochs: the training loss (left) and the first layer's gradient norm
    (right), one line per network, both on a log scale.

    ``losses``, ``grads``: mappings label -> per-epoch values (the same labels). Returns the
    Figure.
    """
    if not isinstance(losses, Mapping) or not isinstance(grads, Mapping) \
            or list(losses) != list(grads):
        raise ValueError("plot_degradation: expected two mappings with the same labels, got "
                         f"{list(losses) if isinstance(losses, Mapping) else losses!r} and "
                         f"{list(grads) if isinstance(grads, Mapping) else grads!r}")
    fig, (ax1, ax2) = new_figure(ncols=2, width=7.2, height=3.8)
    plot_curves(losses, ax=ax1, ylabel="훈련 손실", log=True, start=1, title="훈련 손실")
    plot_curves(grads, ax=ax2, ylabel="첫 층의 ‖∂L/∂W‖", log=True, start=1,
                title="첫 층의 그레이디언트 크기")
    ax2.get_legend().remove()
    if title:
        fig.suptitle(title)
    return fig


def _box(ax, x, y, text, colour, w=1.7, h=0.62):
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.04",
                                fc=colour, ec="black", alpha=0.3))
    ax.text(x, y, text, ha="center", va="center", fontsize=12)


def _arrow(ax, a, b, rad=0.0, colour="black"):
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=14, color=colour,
                                 lw=1.4, connectionstyle=f"arc3,rad={rad}"))


def plot_residual_block():
    """Diagram of the residual block: identity shortcut (left), projection shortcut (right).

    Returns the Figure.
    """
    fig, axes = new_figure(ncols=2, width=9.0, height=5.6)
    panels = (("(가) 항등 지름길", "x (C×H×W)", "3×3 합성곱, C", "y (C×H×W)", None),
              ("(나) 투영 지름길", "x (C×H×W)", "3×3 합성곱, 2C\n스트라이드 2",
               "y (2C×H/2×W/2)", "1×1 합성곱, 2C\n스트라이드 2\n+ BN"))
    for ax, (title, x_text, conv1, y_text, proj) in zip(axes, panels, strict=True):
        ax.set_xlim(0, 4)
        ax.set_ylim(-0.2, 7.4)
        ax.axis("off")
        ax.set_title(title)
        cx = 1.4
        ax.text(cx, 7.0, x_text, ha="center", va="center", fontsize=12)
        _box(ax, cx, 5.9, conv1, PALETTE[0],
             h=0.62 if proj is None else 0.9)
        _box(ax, cx, 4.75, "BN, τ", PALETTE[2])
        _box(ax, cx, 3.75, "3×3 합성곱" + (", C" if proj is None else ", 2C"), PALETTE[0])
        _box(ax, cx, 2.85, "BN", PALETTE[2])
        ax.text(cx, 1.95, "⊕", ha="center", va="center", fontsize=22)
        _box(ax, cx, 1.05, "τ", PALETTE[2], w=0.8)
        ax.text(cx, 0.15, y_text, ha="center", va="center", fontsize=12)
        for a, b in ((6.75, 6.25 if proj is None else 6.4), (5.45 if proj is None else 5.4, 5.1),
                     (4.4, 4.1), (3.4, 3.2), (2.5, 2.2), (1.7, 1.4), (0.7, 0.35)):
            _arrow(ax, (cx, a), (cx, b))
        ax.text(cx - 0.95, 4.3, "F(x)", ha="right", va="center", fontsize=13,
                color=PALETTE[0])
        # the shortcut: out of x, along the right-hand side, into the sum
        sx = 3.15
        kw = dict(color=PALETTE[1], lw=1.6)
        if proj is None:
            ax.plot([cx + 0.75, sx, sx], [7.0, 7.0, 1.95], **kw)
            ax.text(sx + 0.1, 4.4, "항등\nx", ha="left", va="center", fontsize=12,
                    color=PALETTE[1])
        else:
            ax.plot([cx + 0.75, sx, sx], [7.0, 7.0, 5.05], **kw)
            _box(ax, sx, 4.4, proj, PALETTE[1], w=1.45, h=1.25)
            ax.plot([sx, sx], [3.75, 1.95], **kw)
        _arrow(ax, (sx, 1.95), (cx + 0.22, 1.95), colour=PALETTE[1])
        ax.text(cx + 0.35, 1.6, "F(x) + 지름길", ha="left", va="center", fontsize=11)
    return fig
