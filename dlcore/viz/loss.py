"""Figures and small helpers for chapter 5 (손실 함수).

- :func:`sigmoid_neuron_terms` — loss and gradients of one sigmoid neuron for MSE and
  cross-entropy, given its output o (the slow-learning example).
- :func:`plot_loss_vs_output` — loss and |∂e/∂w| against o, MSE beside cross-entropy (the
  default state of the chapter's explorer).
- :func:`plot_residual_losses` — |r| and r² with their derivatives (MAE vs MSE).
- :func:`plot_fit_outlier` — lines fitted with and without an outlier.
- :func:`plot_curves` — loss (or output) curves over epochs.
- :func:`plot_softmax` — class scores and softmax probabilities as bars.

Host-side module: it computes with NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..backend import to_numpy
from .style import PALETTE, new_figure

__all__ = [
    "sigmoid_neuron_terms",
    "plot_loss_vs_output",
    "plot_residual_losses",
    "plot_fit_outlier",
    "plot_curves",
    "plot_softmax",
]

_EPS = 1e-12


def sigmoid_neuron_terms(o, y=0.0, x=1.5, base=None):
    """Loss and gradients of a sigmoid neuron o = σ(wx + b) whose output is ``o``.

    ``o``: scalar or array in (0, 1); ``y``: target (0 or 1); ``x``: the input.
    ``base``: logarithm base of the cross-entropy (None = natural log, 2 as in the notes).

    Returns a dict of arrays shaped like ``o``:
    ``mse`` = ½(y−o)², ``ce`` = −(y log o + (1−y) log(1−o)),
    ``mse_dw`` = (o−y)·x·σ'(z), ``mse_db`` = (o−y)·σ'(z) with σ'(z) = o(1−o),
    ``ce_dw`` = x(o−y)/ln(base), ``ce_db`` = (o−y)/ln(base) (for the natural log: x(o−y), o−y).
    """
    o = np.asarray(o, dtype=float)
    if np.any((o <= 0) | (o >= 1)):
        raise ValueError(f"sigmoid_neuron_terms: o must lie in (0, 1), got min {o.min()}, "
                         f"max {o.max()}")
    scale = 1.0 if base is None else 1.0 / np.log(base)
    dsig = o * (1 - o)
    err = o - y
    return {
        "mse": 0.5 * (y - o) ** 2,
        "ce": -(y * np.log(o) + (1 - y) * np.log(1 - o)) * scale,
        "mse_dw": err * x * dsig,
        "mse_db": err * dsig,
        "ce_dw": x * err * scale,
        "ce_db": err * scale,
    }


def plot_loss_vs_output(o=None, y=0.0, x=1.5, axes=None):
    """Loss (left) and |∂e/∂w| (right) against the output o of one sigmoid neuron.

    MSE ½(y−o)² beside cross-entropy (natural log). With ``o`` given, marks that output on
    every curve and writes the values in the titles. Returns the Figure.
    """
    if axes is None:
        fig, axes = new_figure(ncols=2, width=10.0, height=3.8)
    else:
        fig = axes[0].figure
    ax1, ax2 = axes
    grid = np.linspace(0.001, 0.999, 500)
    t = sigmoid_neuron_terms(grid, y=y, x=x)
    ax1.plot(grid, t["mse"], color=PALETTE[0], label="MSE ½(y−o)²")
    ax1.plot(grid, t["ce"], color=PALETTE[1], label="교차 엔트로피")
    ax2.plot(grid, np.abs(t["mse_dw"]), color=PALETTE[0], label="MSE")
    ax2.plot(grid, np.abs(t["ce_dw"]), color=PALETTE[1], label="교차 엔트로피")
    ax1.set_ylim(0, 4)
    ax1.set_xlabel("출력 o")
    ax1.set_ylabel("손실 e")
    ax2.set_xlabel("출력 o")
    ax2.set_ylabel("|∂e/∂w|")
    ax1.set_title(f"정답 y = {y:g}일 때의 손실")
    ax2.set_title(f"그레이디언트 크기 (x = {x:g})")
    if o is not None:
        p = sigmoid_neuron_terms(o, y=y, x=x)
        for ax, keys in ((ax1, ("mse", "ce")), (ax2, ("mse_dw", "ce_dw"))):
            for k, c in zip(keys, PALETTE[:2], strict=True):
                ax.plot(o, abs(float(p[k])), "o", color=c, ms=7)
            ax.axvline(o, color="grey", ls=":", lw=1)
        ax1.set_title(f"o = {o:.4f}: MSE {float(p['mse']):.4f}, CE {float(p['ce']):.4f}")
        ax2.set_title(f"|∂e/∂w|: MSE {abs(float(p['mse_dw'])):.4f}, "
                      f"CE {abs(float(p['ce_dw'])):.4f}")
    ax1.legend(loc="upper center")
    ax2.legend(loc="upper center")
    return fig


def plot_residual_losses(r_max=3.0, axes=None):
    """MAE |r| and MSE r² against the residual r = y − ŷ (left) and their derivatives (right).

    Returns the Figure.
    """
    if axes is None:
        fig, axes = new_figure(ncols=2, width=10.0, height=3.6)
    else:
        fig = axes[0].figure
    ax1, ax2 = axes
    r = np.linspace(-r_max, r_max, 401)
    ax1.plot(r, np.abs(r), color=PALETTE[2], label="MAE 항 |r|")
    ax1.plot(r, r ** 2, color=PALETTE[0], label="MSE 항 r²")
    ax2.plot(r, np.sign(r), color=PALETTE[2], label="d|r|/dr = sign(r)")
    ax2.plot(r, 2 * r, color=PALETTE[0], label="dr²/dr = 2r")
    for ax in (ax1, ax2):
        ax.set_xlabel("잔차 r = y − ŷ")
        ax.legend()
    ax1.set_title("샘플 하나의 벌점")
    ax2.set_title("벌점의 기울기")
    return fig


def plot_fit_outlier(x, y, fits, outliers=None, ax=None, title="이상치가 직선 적합에 주는 영향"):
    """Scatter ``(x, y)`` with straight lines ``fits`` = {label: (slope, intercept)}.

    ``x``, ``y``: (N,) arrays; ``outliers``: boolean mask (N,) or indices of points to mark.
    Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=6.0, height=4.0)
    else:
        fig = ax.figure
    x = np.asarray(to_numpy(x), dtype=float)
    y = np.asarray(to_numpy(y), dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"plot_fit_outlier: x and y must be 1-D of equal length, got {x.shape} "
                         f"and {y.shape}")
    mask = np.zeros(len(x), dtype=bool)
    if outliers is not None:
        mask[np.asarray(outliers)] = True
    ax.plot(x[~mask], y[~mask], "o", color="black", ms=5, label="데이터")
    if mask.any():
        ax.plot(x[mask], y[mask], "X", color="red", ms=10, label="이상치")
    xs = np.linspace(x.min(), x.max(), 2)
    styles = ["-", "--", "-.", ":"]
    for i, (label, (a, b)) in enumerate(fits.items()):
        ax.plot(xs, a * xs + b, styles[i % 4], color=PALETTE[i % len(PALETTE)], lw=2,
                label=f"{label}: ŷ = {a:.2f}x + {b:.2f}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(title)
    ax.legend(fontsize=9)
    return fig


def _check_curves(curves, where):
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError(f"{where}: expected a non-empty mapping label -> sequence")


def _draw_curves(ax, curves, start, style, lw=None):
    """One line per item of ``curves`` = {label: sequence}, x from ``start``; ``style(i)`` is
    the line style of the i-th line, its colour the i-th of the palette."""
    kw = {} if lw is None else {"lw": lw}
    for i, (label, v) in enumerate(curves.items()):
        v = np.asarray(to_numpy(v), dtype=float)
        ax.plot(np.arange(start, start + len(v)), v, style(i), color=PALETTE[i % len(PALETTE)],
                label=label, **kw)


def _label_axes(ax, xlabel, ylabel, title):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()


_STYLES = ["-", "--", "-.", ":"]


def plot_curves(curves, ax=None, xlabel="에포크", ylabel="손실", title=None, log=False, start=0):
    """One line per item of ``curves`` = {label: sequence}; x runs from ``start`` (e.g. 1 for a
    per-epoch history whose first entry is epoch 1). Returns the Figure."""
    from matplotlib.ticker import MaxNLocator

    _check_curves(curves, "plot_curves")
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.8)
    else:
        fig = ax.figure
    # a new dash pattern only after all eight colours are used
    _draw_curves(ax, curves, start, lambda i: _STYLES[(i // len(PALETTE)) % 4])
    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    _label_axes(ax, xlabel, ylabel, title)
    return fig


def plot_softmax(scores, probs, labels=None, target=None, title=None):
    """Scores s (left) and softmax probabilities o (right) as bars; the target class highlighted.

    ``scores``, ``probs``: (c,) arrays; ``target``: index of the correct class. Returns the Figure.
    """
    s = np.asarray(to_numpy(scores), dtype=float).ravel()
    p = np.asarray(to_numpy(probs), dtype=float).ravel()
    if s.shape != p.shape:
        raise ValueError(f"plot_softmax: scores and probs must have the same length, got "
                         f"{s.shape} and {p.shape}")
    labels = list(labels) if labels is not None else [f"부류 {k}" for k in range(len(s))]
    fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4)
    colours = [PALETTE[1] if k == target else PALETTE[0] for k in range(len(s))]
    ax1.bar(labels, s, color=colours)
    ax1.axhline(0, color="black", lw=0.8)
    ax1.set_title("점수 s (로짓)")
    ax2.bar(labels, p, color=colours)
    ax2.set_ylim(0, 1)
    ax2.set_title("소프트맥스 확률 o (합 = 1)")
    for k, v in enumerate(p):
        ax2.text(k, v + 0.02, f"{v:.3f}", ha="center", fontsize=9)
    pad = 0.04 * max(float(np.max(np.abs(s))), 1e-12)
    for k, v in enumerate(s):
        ax1.text(k, v + pad if v >= 0 else v - pad, f"{v:.2f}".replace("-", "−"), ha="center",
                 va="bottom" if v >= 0 else "top", fontsize=9)
    low, high = ax1.get_ylim()
    ax1.set_ylim(low - 3 * pad if np.min(s) < 0 else low, high + 3 * pad)
    if title:
        fig.suptitle(title)
    return fig
