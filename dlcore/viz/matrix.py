"""Figures and small helpers for chapter 4 (학습을 행렬로 보기).

- :func:`format_matrix` / :func:`print_matrix` — a matrix printed with its name and shape.
- :func:`plot_matrix`, :func:`plot_matrices` — annotated heatmaps whose titles carry the shape.
- :func:`plot_four_steps` — the four steps of learning (forward, loss, backward, optimise).
- :func:`elementwise_jacobian`, :func:`jacobian_nbytes`, :func:`format_nbytes` — the diagonal
  Jacobian of an element-wise layer and what it would cost to store.
- :func:`deep_sigmoid_grad_norms`, :func:`plot_grad_norms`, :func:`plot_saturation`,
  :func:`plot_saturation_state` — saturation and vanishing gradients.
- :func:`plot_critical_points` — a local minimum and a saddle point.

Host-side module: it computes with NumPy (the numbers it draws are small).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ..backend import to_numpy
from .style import PALETTE, new_figure

__all__ = [
    "format_matrix",
    "print_matrix",
    "plot_matrix",
    "plot_matrices",
    "plot_four_steps",
    "elementwise_jacobian",
    "jacobian_nbytes",
    "format_nbytes",
    "sigmoid_np",
    "deep_sigmoid_grad_norms",
    "plot_grad_norms",
    "plot_saturation",
    "plot_saturation_state",
    "plot_critical_points",
]


# -- printing ---------------------------------------------------------------------------------
def format_matrix(name, m, digits=4):
    """``name (rows, cols)`` on the first line, then the matrix rounded to ``digits`` decimals.

    ``m``: array of any shape (a scalar prints as a 0-d array). Returns a string; negative
    zeros are printed as ``0``.
    """
    a = np.asarray(to_numpy(m), dtype=float)
    a = np.round(a, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    body = np.array2string(a, precision=digits, suppress_small=True, floatmode="fixed",
                           separator=" ")
    return f"{name} {tuple(a.shape)}\n{body}"


def print_matrix(name, m, digits=4):
    """Print :func:`format_matrix` (``name``, shape, values)."""
    print(format_matrix(name, m, digits))


# -- heatmaps ---------------------------------------------------------------------------------
def plot_matrix(m, ax=None, title=None, digits=3, cmap="RdBu_r", vmax=None, fontsize=9):
    """Annotated heatmap of a matrix; the title ends with the shape, e.g. ``Z¹ (2, 3)``.

    ``m``: (rows, cols) array (a vector is drawn as one column). Colours are symmetric around 0
    (``vmax`` defaults to the largest absolute value). Returns the Axes.
    """
    a = np.asarray(to_numpy(m), dtype=float)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        a = a.reshape(-1, 1)
    elif a.ndim > 2:
        raise ValueError(f"plot_matrix: expected a matrix (2-D array), got shape {a.shape}")
    if ax is None:
        _, ax = new_figure(width=0.9 * a.shape[1] + 1.2, height=0.55 * a.shape[0] + 1.0)
    lim = vmax if vmax is not None else max(float(np.max(np.abs(a))) if a.size else 1.0, 1e-12)
    ax.imshow(a, cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for (i, j), v in np.ndenumerate(a):
        shade = abs(v) / lim
        ax.text(j, i, f"{v:.{digits}f}", ha="center", va="center", fontsize=fontsize,
                color="white" if shade > 0.6 else "black")
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    ax.grid(False)
    shape = f"{tuple(np.asarray(to_numpy(m)).shape)}"
    ax.set_title(f"{title} {shape}" if title else shape)
    return ax


def plot_matrices(mats, digits=3, cmap="RdBu_r", suptitle=None, height=None, fontsize=10,
                  ncols=None):
    """:func:`plot_matrix` panels, one per ``name: matrix`` item of ``mats``.

    Each panel is as wide as its matrix has columns. ``ncols`` wraps the panels into rows of at
    most ``ncols`` (default: one row). Returns the Figure.
    """
    import matplotlib.pyplot as plt

    if not isinstance(mats, Mapping) or not mats:
        raise ValueError("plot_matrices: expected a non-empty mapping name -> matrix")
    items = [(k, np.asarray(to_numpy(v), dtype=float)) for k, v in mats.items()]
    ncols = len(items) if ncols is None else int(ncols)
    if ncols < 1:
        raise ValueError(f"plot_matrices: ncols must be a positive integer, got {ncols!r}")
    rows = [items[i:i + ncols] for i in range(0, len(items), ncols)]

    def width_of(a):
        return a.shape[1] if a.ndim == 2 else 1

    def height_of(a):
        return a.shape[0] if a.ndim >= 1 else 1

    row_w = [0.75 * sum(width_of(a) for _, a in r) + 0.9 * len(r) for r in rows]
    row_h = [0.5 * max(height_of(a) for _, a in r) + 1.1 for r in rows]
    fig_w = max(4.0, max(row_w))
    fig_h = height if height is not None else sum(row_h) + (0.3 if suptitle else 0.0)
    fig = plt.figure(figsize=(fig_w, fig_h))
    subfigs = fig.subfigures(len(rows), 1, height_ratios=row_h) if len(rows) > 1 else [fig]
    for sub, r, w in zip(subfigs, rows, row_w, strict=True):
        ratios = [width_of(a) + 0.6 for _, a in r]
        # a short row keeps its natural width: pad it with an empty slot on the right
        if w < fig_w - 0.5:
            ratios.append((fig_w - w) / 0.75)
        axes = sub.subplots(1, len(ratios), gridspec_kw={"width_ratios": ratios})
        axes = np.atleast_1d(axes)
        for ax, (name, a) in zip(axes, r, strict=False):
            plot_matrix(a, ax=ax, title=name, digits=digits, cmap=cmap, fontsize=fontsize)
        for ax in axes[len(r):]:
            ax.axis("off")
    if suptitle:
        fig.suptitle(suptitle)
    return fig


# -- the four steps ---------------------------------------------------------------------------
def plot_four_steps(ax=None):
    """Diagram of one training step: 순전파 → 손실 → 역전파 → 최적화 (and back to the start).

    Returns the Figure.
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    if ax is None:
        fig, ax = new_figure(width=8.0, height=3.4)
    else:
        fig = ax.figure
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 4)
    ax.axis("off")
    boxes = [
        (0.2, "입력 X\n정답 Y", "#eeeeee"),
        (2.6, "① 순전파\nŶ = f(X; W)", PALETTE[0]),
        (5.0, "② 손실\nL(Ŷ, Y)", PALETTE[1]),
        (7.4, "③ 역전파\n∂L/∂W", PALETTE[2]),
    ]
    w, h, y0 = 2.0, 1.3, 2.2
    for x0, text, colour in boxes:
        ax.add_patch(FancyBboxPatch((x0, y0), w, h, boxstyle="round,pad=0.05",
                                    fc=colour, ec="black", alpha=0.25 if colour != "#eeeeee" else 1))
        ax.text(x0 + w / 2, y0 + h / 2, text, ha="center", va="center", fontsize=12)
    for x0 in (2.2, 4.6, 7.0):
        ax.add_patch(FancyArrowPatch((x0, y0 + h / 2), (x0 + 0.4, y0 + h / 2),
                                     arrowstyle="-|>", mutation_scale=14, color="black"))
    # optimiser box below, with the loop back
    ax.add_patch(FancyBboxPatch((3.8, 0.25), 3.4, 1.1, boxstyle="round,pad=0.05",
                                fc=PALETTE[3], ec="black", alpha=0.25))
    ax.text(5.5, 0.8, "④ 최적화\nW ← W − ρ ∂L/∂W",
            ha="center", va="center", fontsize=12)
    ax.add_patch(FancyArrowPatch((8.4, y0 - 0.05), (7.25, 0.85), arrowstyle="-|>",
                                 mutation_scale=14, color="black",
                                 connectionstyle="arc3,rad=-0.3"))
    ax.add_patch(FancyArrowPatch((3.75, 0.85), (3.6, y0 - 0.05), arrowstyle="-|>",
                                 mutation_scale=14, color="black",
                                 connectionstyle="arc3,rad=-0.3"))
    ax.text(2.4, 1.05, "새 W로\n다음 미니배치", ha="center", va="center", fontsize=9)
    ax.set_title("신경망 학습의 네 단계 (한 번의 갱신)")
    return fig


# -- Jacobians --------------------------------------------------------------------------------
def elementwise_jacobian(local_grad):
    """The Jacobian of an element-wise layer ``a = f(z)``: ``diag(f'(z))`` over flattened entries.

    ``local_grad``: f'(z) of any shape, e.g. (N, D). Returns an (N·D, N·D) NumPy array whose
    diagonal is ``local_grad.ravel()`` (entry [i, j] = ∂a_i/∂z_j; zero off the diagonal).
    Multiplying it with an upstream gradient g equals ``g * local_grad``.
    """
    d = np.asarray(to_numpy(local_grad)).ravel()
    return np.diag(d)


def jacobian_nbytes(n, d, itemsize=4):
    """Bytes needed to store the Jacobian of an element-wise layer on an (n, d) minibatch.

    The layer maps n·d numbers to n·d numbers, so its Jacobian has (n·d)² entries of
    ``itemsize`` bytes (4 for float32). Returns an ``int``.
    """
    for name, v in (("n", n), ("d", d), ("itemsize", itemsize)):
        if int(v) != v or v < 1:
            raise ValueError(f"jacobian_nbytes: {name} must be a positive integer, got {v!r}")
    return int(n * d) ** 2 * int(itemsize)


def format_nbytes(nbytes):
    """Both binary and decimal units: ``'274,877,906,944 B = 256 GiB = 274.9 GB'``."""
    nbytes = int(nbytes)
    units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
    v, i = float(nbytes), 0
    while v >= 1024 and i < len(units) - 1:
        v /= 1024
        i += 1
    dec_units = ["B", "kB", "MB", "GB", "TB", "PB"]
    w, j = float(nbytes), 0
    while w >= 1000 and j < len(dec_units) - 1:
        w /= 1000
        j += 1
    binary = f"{v:g} {units[i]}" if v == int(v) else f"{v:.1f} {units[i]}"
    return f"{nbytes:,} B = {binary} = {w:.1f} {dec_units[j]}"


# -- saturation and vanishing gradients ------------------------------------------------------
def sigmoid_np(s):
    """Logistic sigmoid 1/(1+e^{-s}) on NumPy arrays, without overflow warnings."""
    s = np.asarray(s, dtype=float)
    out = np.empty_like(s)
    pos = s >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-s[pos]))
    e = np.exp(s[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def deep_sigmoid_grad_norms(depth=8, width=32, n=64, scale=1.0, activation="sigmoid", seed=0):
    """Backpropagate through a random deep net and measure the gradient per layer.

    The net has ``depth`` layers ``a = f(a_prev @ W)`` with ``W`` of shape (width, width) drawn
    from N(0, (scale² / width)) and inputs of shape (n, width) from N(0, 1). The upstream
    gradient at the top is all ones / n. ``activation``: ``"sigmoid"``, ``"tanh"`` or ``"relu"``.

    Returns a dict with ``"grad_norm"`` (depth,) — the Frobenius norm of ∂L/∂W for layer 1..depth —
    ``"pre"`` (list of (n, width) pre-activations) and ``"local"`` (list of f'(z)).
    """
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"deep_sigmoid_grad_norms: activation must be 'sigmoid', 'tanh' or "
                         f"'relu', got {activation!r}")
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, width))
    weights = [rng.standard_normal((width, width)) * scale / np.sqrt(width) for _ in range(depth)]
    acts, pres, locals_ = [x], [], []
    a = x
    for w in weights:
        z = a @ w
        if activation == "sigmoid":
            a = sigmoid_np(z)
            local = a * (1 - a)
        elif activation == "tanh":
            a = np.tanh(z)
            local = 1 - a ** 2
        else:
            a = np.maximum(z, 0)
            local = (z > 0).astype(float)
        pres.append(z)
        locals_.append(local)
        acts.append(a)
    g = np.ones_like(a) / n
    norms = np.zeros(depth)
    for layer in range(depth - 1, -1, -1):
        gz = g * locals_[layer]
        norms[layer] = np.linalg.norm(acts[layer].T @ gz)
        g = gz @ weights[layer].T
    return {"grad_norm": norms, "pre": pres, "local": locals_}


def plot_grad_norms(series, ax=None, title="층별 그레이디언트 크기", log=True):
    """Gradient norm per layer (layer 1 = next to the input), one line per item of ``series``.

    ``series``: mapping label -> sequence of norms (depth,), or a single sequence.
    Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=5.5, height=3.8)
    else:
        fig = ax.figure
    if not isinstance(series, Mapping):
        series = {"": series}
    for i, (label, norms) in enumerate(series.items()):
        v = np.asarray(to_numpy(norms), dtype=float)
        ax.plot(np.arange(1, len(v) + 1), v, "o-", color=PALETTE[i % len(PALETTE)],
                label=label or None)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("층 (1 = 입력 쪽)")
    ax.set_ylabel(r"$\|\partial L/\partial W\|$")
    ax.set_title(title)
    if any(series.keys()):
        ax.legend()
    return fig


def plot_saturation(ax=None, a=1.0, s_max=8.0, threshold=4.0):
    """Sigmoid σ(s) and its derivative σ'(s)=aσ(1−σ) (4장's notation), with |s| > threshold shaded as saturated.

    Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.8)
    else:
        fig = ax.figure
    s = np.linspace(-s_max, s_max, 401)
    t = sigmoid_np(a * s)
    d = a * t * (1 - t)
    ax.plot(s, t, color=PALETTE[0], label=r"$\sigma(s)$")
    ax.plot(s, d, color=PALETTE[1], label=r"$\sigma'(s)$")
    for lo, hi in ((-s_max, -threshold), (threshold, s_max)):
        ax.axvspan(lo, hi, color="grey", alpha=0.15)
    ax.text(-(s_max + threshold) / 2, 0.5, "포화 영역", ha="center")
    ax.text((s_max + threshold) / 2, 0.5, "포화 영역", ha="center")
    ax.axhline(0.25 * a, color=PALETTE[1], ls=":", lw=1)
    ax.annotate(f"최댓값 {0.25 * a:g}", (0, 0.25 * a), (1.2, 0.32 * a + 0.02),
                arrowprops={"arrowstyle": "->"})
    ax.set_xlabel("$s$")
    ax.set_title("시그모이드와 도함수: 포화 영역")
    ax.legend(loc="upper left", bbox_to_anchor=(0.25, 1.0))
    return fig


def plot_saturation_state(scale=1.0, depth=8, width=32, activation="sigmoid", seed=0):
    """Two panels for the saturation explorer (chapter 4).

    Left: the activation's derivative (σ′, tanh′ or ReLU′, as 4장 writes them) with a histogram of the first layer's pre-activations s for weight scale
    ``scale``. Right: gradient norm per layer (:func:`deep_sigmoid_grad_norms`). Returns the Figure.
    """
    res = deep_sigmoid_grad_norms(depth=depth, width=width, scale=scale,
                                  activation=activation, seed=seed)
    fig, (ax1, ax2) = new_figure(ncols=2, width=10.0, height=3.8)
    z = res["pre"][0].ravel()
    lim = max(8.0, float(np.percentile(np.abs(z), 99)))
    s = np.linspace(-lim, lim, 401)
    if activation == "sigmoid":
        t = sigmoid_np(s)
        d = t * (1 - t)
    elif activation == "tanh":
        d = 1 - np.tanh(s) ** 2
    else:
        d = (s > 0).astype(float)
    ax1.hist(z, bins=40, range=(-lim, lim), density=True, color=PALETTE[0], alpha=0.5,
             label="1층의 s 분포")
    ax1b = ax1.twinx()
    prime = {"sigmoid": "σ′(s)", "tanh": "tanh′(s)", "relu": "ReLU′(s)"}[activation]
    ax1b.plot(s, d, color=PALETTE[1], label=prime)
    ax1b.set_ylim(0, max(d) * 1.15)
    ax1b.grid(False)
    ax1.set_xlabel("$s$")
    ax1.set_ylabel("밀도")
    ax1b.set_ylabel(prime)
    mean_local = float(np.mean(res["local"][0]))
    ax1.set_title(f"가중치 배율 {scale:g}: 평균 {prime[:-3]} = {mean_local:.4f}")
    h1, l1 = ax1.get_legend_handles_labels()
    h2, l2 = ax1b.get_legend_handles_labels()
    ax1.legend(h1 + h2, l1 + l2, loc="upper left")
    plot_grad_norms({activation: res["grad_norm"]}, ax=ax2,
                    title=f"{depth}층 신경망의 층별 그레이디언트")
    return fig


# -- local minima and saddle points -----------------------------------------------------------
def plot_critical_points():
    """Two panels: a 1-D loss with a local and a global minimum, and the saddle s(x,y)=x²−y².

    Returns the Figure.
    """
    fig, (ax1, ax2) = new_figure(ncols=2, width=10.0, height=3.8)
    w = np.linspace(-2.2, 2.4, 400)
    f = w ** 4 - 4 * w ** 2 + w + 4  # minima near -1.47 (global) and 1.35 (local)
    ax1.plot(w, f, color=PALETTE[0])
    crit = np.roots([4, 0, -8, 1])
    crit = np.sort(crit[np.isreal(crit)].real)
    labels = ["전역 최소", "극대", "지역 최소"]
    for c, lab in zip(crit, labels, strict=False):
        fc = c ** 4 - 4 * c ** 2 + c + 4
        ax1.plot(c, fc, "o", color=PALETTE[1])
        ax1.annotate(lab, (c, fc), (c, fc + 1.3), ha="center")
    ax1.set_ylim(-3, 9)
    ax1.set_xlabel("가중치 w")
    ax1.set_ylabel("손실 J(w)")
    ax1.set_title("기울기가 0인 곳이 여럿인 손실 함수")
    x = np.linspace(-2, 2, 201)
    X, Y = np.meshgrid(x, x)
    Z = X ** 2 - Y ** 2
    ax2.contour(X, Y, Z, levels=np.arange(-3.5, 3.6, 0.5), cmap="RdBu_r", vmin=-3.5, vmax=3.5)
    # The whole-number levels once more, as their own contour set, so that clabel labels only
    # them without its ``levels=`` subset argument (which raises IndexError with manual
    # positions on matplotlib < 3.11); same colour scale, so the lines coincide.
    whole = ax2.contour(X, Y, Z, levels=[-3, -2, -1, 1, 2, 3], cmap="RdBu_r", vmin=-3.5, vmax=3.5)
    r2, r3 = np.sqrt(2.0), np.sqrt(3.0)  # labels on the axes, where the level curves cross them
    spots = [(0, 1), (0, r2), (0, r3), (1, 0), (r2, 0), (r3, 0), (0, -r2), (-r2, 0)]
    ax2.clabel(whole, fontsize=8, manual=spots, fmt=lambda v: f"{v:.0f}".replace("-", "−"))
    ax2.plot(0, 0, "o", color="black")
    ax2.annotate("안장점 (0, 0)", (0, 0), (0.3, 0.4))
    ax2.set_xlabel("$w_1$")
    ax2.set_ylabel("$w_2$")
    ax2.set_aspect("equal")
    ax2.set_title("J = w₁² − w₂²: 기울기 0, 최소 아님")
    return fig
