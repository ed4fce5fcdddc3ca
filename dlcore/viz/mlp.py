"""Figures of 2장 (다층 퍼셉트론): feature-space transforms, region counts, activations, the
architecture of a 2-layer perceptron and hidden layers as feature extractors.

Pure helpers (:func:`region_count`, :func:`random_lines`, :func:`region_codes`,
:func:`count_regions`) return numbers and are unit-tested; ``plot_*`` functions return the
matplotlib ``Figure`` they drew on. Everything here runs on the host (NumPy).
"""

from __future__ import annotations

import itertools

import matplotlib.pyplot as plt
import numpy as np

from .style import PALETTE

__all__ = [
    "region_count", "random_lines", "region_codes", "count_regions",
    "plot_xor_feature_space", "plot_regions", "plot_hard_soft",
    "activation_rows", "plot_activation", "plot_activation_table", "plot_mlp_architecture",
    "plot_feature_extractor",
]

_XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def _host(a):
    from ..backend import to_numpy
    return np.asarray(to_numpy(a), dtype=float)


def _pm_step(s):
    """Step function with range {−1, +1} (τ(s) = 1 for s ≥ 0, −1 otherwise; 표 3-1)."""
    return np.where(np.asarray(s) >= 0, 1.0, -1.0)


# ---------------------------------------------------------------------------------------------
# Region counts (p perceptrons = p lines in the plane)
# ---------------------------------------------------------------------------------------------
def region_count(p, d=2):
    """Number of regions that ``p`` hyperplanes in general position cut ``d``-dimensional space
    into: ``Σ_{k=0}^{d} C(p, k)``. For the plane (d = 2) this is ``1 + Σ_{i=1}^{p} i`` (= 7 for
    p = 3); for p ≤ d every one of the 2^p sign patterns occurs."""
    import math

    for name, v in (("p", p), ("d", d)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ValueError(f"region_count: expected a non-negative integer {name}, got {v!r}")
    return sum(math.comb(int(p), k) for k in range(int(d) + 1))


def random_lines(p, seed=0, min_angle=0.15, min_gap=0.05, max_tries=1000):
    """``p`` random lines ``w·x + b = 0`` in general position (no two parallel, no three through
    one point), all passing through the square [−1, 1]².

    Returns ``(W, b)`` with ``W`` of shape (p, 2) (unit normals) and ``b`` of shape (p,), i.e.
    the rows of U¹ = [b | W] of p perceptrons.
    """
    rng = np.random.default_rng(seed)
    for _ in range(max_tries):
        theta = rng.uniform(0.0, np.pi, size=p)
        W = np.stack([np.cos(theta), np.sin(theta)], axis=1)
        centres = rng.uniform(-1.0, 1.0, size=(p, 2))
        b = -np.sum(W * centres, axis=1)
        if _general_position(W, b, min_angle, min_gap):
            return W, b
    raise ValueError(f"random_lines: found no {p} lines in general position "
                     f"after {max_tries} tries; lower min_angle/min_gap")


def _intersections(W, b):
    pts = []
    for i, j in itertools.combinations(range(len(b)), 2):
        A = np.stack([W[i], W[j]])
        pts.append(np.linalg.solve(A, -np.array([b[i], b[j]])))
    return np.array(pts).reshape(-1, 2)


def _general_position(W, b, min_angle, min_gap):
    p = len(b)
    for i, j in itertools.combinations(range(p), 2):
        if abs(W[i, 0] * W[j, 1] - W[i, 1] * W[j, 0]) < np.sin(min_angle):
            return False
    for i, j in itertools.combinations(range(p), 2):
        x = np.linalg.solve(np.stack([W[i], W[j]]), -np.array([b[i], b[j]]))
        for k in range(p):
            if k not in (i, j) and abs(W[k] @ x + b[k]) < min_gap:
                return False
    return True


def region_codes(W, b, X):
    """Step outputs of p perceptrons for points X: (N, 2) -> (N, p) with entries ±1.

    Each region of the plane maps to one code, i.e. to one corner of the cube {−1, 1}^p.
    """
    W, b, X = _host(W), _host(b), _host(X)
    S = X[:, :1] * W[:, 0] + X[:, 1:2] * W[:, 1] + b   # = X Wᵀ + b, cheaper for 2 columns
    return _pm_step(S)


def _extent_for(W, b):
    pts = _intersections(W, b) if len(b) > 1 else np.zeros((1, 2))
    return 1.3 * max(1.0, float(np.abs(pts).max())) + 0.5


def count_regions(W, b, extent=None, n=501):
    """Count the regions of the lines ``W x + b = 0`` empirically: evaluate the p perceptrons on
    an n×n grid over [−extent, extent]² and count the distinct codes.

    ``extent`` defaults to a square that contains every intersection point with a margin, so
    that every region (also the bounded ones) has grid points. Returns an ``int``.
    """
    W, b = _host(W), _host(b)
    if W.ndim != 2 or W.shape[1] != 2 or b.shape != (W.shape[0],):
        raise ValueError(f"count_regions: expected W of shape (p, 2) and b of shape (p,), "
                         f"got {W.shape} and {b.shape}")
    L = _extent_for(W, b) if extent is None else float(extent)
    g = np.linspace(-L, L, n)
    xx, yy = np.meshgrid(g, g)
    codes = region_codes(W, b, np.column_stack([xx.ravel(), yy.ravel()]))
    keys = (codes > 0).astype(np.int64) @ (1 << np.arange(W.shape[0], dtype=np.int64))
    return int(len(np.unique(keys)))  # one integer per ±1 code: fast to count


# ---------------------------------------------------------------------------------------------
# XOR with three perceptrons
# ---------------------------------------------------------------------------------------------
def _line_points(w, b, lo, hi):
    """Two points of the line w1 x1 + w2 x2 + b = 0 inside the box [lo, hi]²."""
    if abs(w[1]) > abs(w[0]):
        x1 = np.array([lo, hi])
        return x1, -(w[0] * x1 + b) / w[1]
    x2 = np.array([lo, hi])
    return -(w[1] * x2 + b) / w[0], x2


def plot_xor_feature_space(U1, u3, X=None, y=None, tau=None):
    """Two panels: the x space with the lines of perceptrons 1 and 2 (rows of U¹ = [b | W]),
    and the z space z = τ(U¹ x) where perceptron 3 (u3 = (u0, u1, u2)) separates the classes.

    X defaults to the four XOR inputs, y to their XOR labels (+1 for (0,1), (1,0), else −1),
    ``tau`` to the ±1 step function.
    """
    U1, u3 = _host(U1), _host(u3)
    X = _XOR_X if X is None else _host(X)
    y = (np.where(np.logical_xor(X[:, 0] > 0.5, X[:, 1] > 0.5), 1, -1) if y is None
         else _host(y))
    tau = _pm_step if tau is None else tau
    Z = np.asarray(tau(X @ U1[:, 1:].T + U1[:, 0]), dtype=float)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
    ax = axes[0]
    for j in range(U1.shape[0]):
        xs, ys = _line_points(U1[j, 1:], U1[j, 0], -0.5, 1.5)
        ax.plot(xs, ys, color=PALETTE[2 + j], lw=2, label=f"퍼셉트론 {j + 1}")
        # small arrow towards the +1 side
        mid = np.array([xs.mean(), ys.mean()])
        n = U1[j, 1:] / np.linalg.norm(U1[j, 1:])
        ax.annotate("", xy=mid + 0.25 * n, xytext=mid,
                    arrowprops=dict(arrowstyle="->", color=PALETTE[2 + j], lw=1.5))
        ax.text(*(mid + 0.32 * n), "+1", color=PALETTE[2 + j], ha="center", va="center")
    _scatter_classes(ax, X, y)
    ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$",
           title="원래 특징 공간 (x₁, x₂)", aspect="equal")
    _legend_below(ax, ncol=2)

    ax = axes[1]
    xs, ys = _line_points(u3[1:], u3[0], -1.6, 1.6)
    ax.plot(xs, ys, color=PALETTE[4], lw=2, label="퍼셉트론 3")
    _scatter_classes(ax, Z, y)
    groups = {}
    for xi, zi in zip(X, Z):
        groups.setdefault(tuple(zi), []).append(xi)
    for zi, xis in groups.items():
        txt = ", ".join(f"({a:g},{b:g})" for a, b in xis)
        ax.annotate(f"x = {txt}", xy=zi, xytext=(0, -18 if zi[1] < 0.9 else 12),
                    textcoords="offset points", ha="center", fontsize=9)
    ax.set(xlim=(-1.6, 1.6), ylim=(-1.6, 1.6), xlabel="$z_1$", ylabel="$z_2$",
           title="새로운 특징 공간 (z₁, z₂)", aspect="equal")
    _legend_below(ax, ncol=3)
    return fig


def _legend_below(ax, ncol=2, fontsize=9):
    """Legend under the axes (below the x label), so that it never covers data."""
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=ncol,
                     fontsize=fontsize, frameon=False)


def _scatter_classes(ax, X, y, labels=("□ 부류 (−1)", "○ 부류 (+1)")):
    neg, pos = y < 0, y > 0
    ax.scatter(X[neg, 0], X[neg, 1], marker="s", s=110, facecolor="white",
               edgecolor=PALETTE[1], linewidth=2, label=labels[0], zorder=3)
    ax.scatter(X[pos, 0], X[pos, 1], marker="o", s=110, facecolor="white",
               edgecolor=PALETTE[0], linewidth=2, label=labels[1], zorder=3)


def _code_str(code):
    return "(" + ",".join("+" if c > 0 else "−" for c in code) + ")"


def plot_regions(W, b, extent=None, n=400, cube=True):
    """Regions of p lines (perceptrons) coloured by their ±1 code, each labelled with its code.
    With ``cube=True`` and p = 3 a second panel shows the codes as corners of the cube
    {−1, 1}³: each region becomes one point (filled corners are used, hollow ones are not).
    """
    W, b = _host(W), _host(b)
    p = W.shape[0]
    L = _extent_for(W, b) if extent is None else float(extent)
    g = np.linspace(-L, L, n)
    xx, yy = np.meshgrid(g, g)
    pts = np.column_stack([xx.ravel(), yy.ravel()])
    codes = region_codes(W, b, pts)
    keys = (codes > 0).astype(np.int64) @ (1 << np.arange(p, dtype=np.int64))
    ukeys, first, inv = np.unique(keys, return_index=True, return_inverse=True)
    uniq = codes[first]
    inv = inv.reshape(xx.shape)
    show_cube = cube and p == 3
    fig = plt.figure(figsize=(10, 4.6) if show_cube else (5.2, 4.6))
    ax = fig.add_subplot(1, 2, 1) if show_cube else fig.add_subplot(1, 1, 1)
    cmap = plt.get_cmap("Pastel1", max(len(uniq), 2))
    ax.imshow(inv, origin="lower", extent=(-L, L, -L, L), cmap=cmap, interpolation="nearest",
              vmin=-0.5, vmax=max(len(uniq), 2) - 0.5, aspect="equal")
    for j in range(p):
        xs, ys = _line_points(W[j], b[j], -L, L)
        ax.plot(xs, ys, color=PALETTE[j % len(PALETTE)], lw=2, label=f"퍼셉트론 {j + 1}")
    for k, code in enumerate(uniq):
        mask = inv == k
        # label at the grid point deepest inside the region (largest distance to every line)
        sel = mask.ravel() & (np.abs(pts).max(axis=1) < 0.8 * L)
        if not sel.any():
            sel = mask.ravel()
        d = np.min(np.abs(pts[sel] @ W.T + b), axis=1)
        c = pts[sel][np.argmax(d)]
        ax.text(c[0], c[1], _code_str(code), ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.6", alpha=0.9))
    ax.set(xlim=(-L, L), ylim=(-L, L), xlabel="$x_1$", ylabel="$x_2$",
           title=f"퍼셉트론 {p}개가 만든 영역 {len(uniq)}개")
    ax.grid(False)
    _legend_below(ax, ncol=min(p, 3))
    if show_cube:
        ax3 = fig.add_subplot(1, 2, 2, projection="3d")
        used = {tuple(c) for c in uniq}
        for e0, e1 in itertools.combinations(itertools.product((-1, 1), repeat=3), 2):
            if sum(a != bb for a, bb in zip(e0, e1)) == 1:
                ax3.plot(*zip(e0, e1), color="0.75", lw=1)
        for corner in itertools.product((-1, 1), repeat=3):
            on = corner in used
            ax3.scatter(*corner, s=70, color=PALETTE[0] if on else "white",
                        edgecolor=PALETTE[0], linewidth=1.5, depthshade=False)
            # the label sits just above its corner (the corners carry the coordinates, so the
            # axes need no tick labels that the labels could collide with)
            ax3.text(corner[0], corner[1], corner[2] + 0.22, _code_str(corner), fontsize=9,
                     ha="center", va="bottom")
        ax3.set(xlabel="$z_1$", ylabel="$z_2$", zlabel="$z_3$", xticks=[], yticks=[],
                zticks=[], xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), zlim=(-1.2, 1.45))
        for axis in (ax3.xaxis, ax3.yaxis, ax3.zaxis):
            axis.labelpad = -8
        ax3.set_title(f"각 영역이 옮겨 간 점 (꼭짓점 8개 중 {len(used)}개 사용)")
    return fig


def plot_hard_soft(U1, soft, n=41, labels=("계단 함수 (딱딱한 결정)", "tanh (부드러운 결정)")):
    """How the two hidden perceptrons (U¹ = [b | W], shape (2, 3)) map a grid of the square
    [−0.25, 1.25]² into the z plane: with the step function every region collapses to one point
    (hard decision); with a smooth ``soft`` function regions become regions (soft decision).
    Points are coloured by the XOR region they come from.
    """
    U1 = _host(U1)
    g = np.linspace(-0.25, 1.25, n)
    xx, yy = np.meshgrid(g, g)
    X = np.column_stack([xx.ravel(), yy.ravel()])
    S = X @ U1[:, 1:].T + U1[:, 0]
    code = _pm_step(S)
    colour_id = np.unique(code, axis=0, return_inverse=True)[1].ravel()
    colours = np.array(PALETTE)[colour_id % len(PALETTE)]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.9))
    axes[0].scatter(X[:, 0], X[:, 1], c=colours, s=6)
    axes[0].set(title="입력 공간의 격자점", xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    for ax, Z, title in ((axes[1], code, labels[0]), (axes[2], np.asarray(soft(S)), labels[1])):
        jitter = 0.0
        ax.scatter(Z[:, 0] + jitter, Z[:, 1], c=colours, s=6 if Z is not code else 80)
        ax.set(xlim=(-1.2, 1.2), ylim=(-1.2, 1.2), title=title, xlabel="$z_1$", ylabel="$z_2$",
               aspect="equal")
    return fig


# ---------------------------------------------------------------------------------------------
# Activation functions (표 3-1)
# ---------------------------------------------------------------------------------------------
def activation_rows():
    """The five activations of 표 3-1 from :mod:`dlcore.functional`, as
    ``[(name, f, df, uses_slope), ...]`` for :func:`plot_activation_table` and the activation
    explorer. Functions with a slope are called as ``f(s, a)``."""
    from .. import functional as F

    return [
        ("계단", F.step, F.step_grad, False),
        ("로지스틱 시그모이드", F.sigmoid, F.sigmoid_grad, True),
        ("하이퍼볼릭 탄젠트", F.tanh, F.tanh_grad, True),
        ("소프트플러스", F.softplus, F.softplus_grad, False),
        ("ReLU", F.relu, F.relu_grad, False),
    ]


def _range_limits(ax, y):
    lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
    pad = 0.1 * max(hi - lo, 1.0)
    ax.set_ylim(lo - pad, hi + pad)


#: The two hidden perceptrons of 2장's hard/soft figure, z₁ = τ(x₁ + x₂ − 1), z₂ = τ(x₁ − x₂).
HARD_SOFT_U = np.array([[-1.0, 1.0, 1.0], [0.0, 1.0, -1.0]])


def plot_activation(f, df, name="", a=None, s=None, axes=None, z_map=True):
    """Plot τ(s) and τ'(s) of one activation side by side and, with ``z_map``, a third panel:
    where the two perceptrons :data:`HARD_SOFT_U` send a grid of the square [−0.25, 1.25]² when
    they use this activation (the z-space map of 2장: a step collapses every region to a point,
    a smooth τ with a small slope a keeps regions as regions, a large a pushes them to the
    corners). With a slope ``a`` the functions are called as ``f(s, a)`` and ``df(s, a)``; with
    ``a=None`` as ``f(s)`` (step, softplus, ReLU). ``axes``: 2 (or 3) axes to draw in.
    Returns the figure."""
    s = np.linspace(-6, 6, 601) if s is None else _host(s)
    y, dy = _call(f, s, a), _call(df, s, a)
    if axes is None:
        ncols = 3 if z_map else 2
        fig, axes = plt.subplots(1, ncols, figsize=(4.3 * ncols, 3.6))
    else:
        fig = axes[0].figure
    if z_map and len(axes) >= 3:
        g = np.linspace(-0.25, 1.25, 31)
        xx, yy = np.meshgrid(g, g)
        P = np.column_stack([xx.ravel(), yy.ravel()])
        S = P @ HARD_SOFT_U[:, 1:].T + HARD_SOFT_U[:, 0]
        region = np.unique(_pm_step(S), axis=0, return_inverse=True)[1].ravel()
        Z = np.asarray(_call(f, S, a))
        axes[2].scatter(Z[:, 0], Z[:, 1], c=np.array(PALETTE)[region % len(PALETTE)], s=8)
        lo, hi = float(np.nanmin(Z)), float(np.nanmax(Z))
        pad = 0.1 * max(hi - lo, 1.0)
        axes[2].set(xlim=(lo - pad, hi + pad), ylim=(lo - pad, hi + pad), aspect="equal",
                    xlabel="z₁", ylabel="z₂", title="격자점이 옮겨 간 z 공간")
    axes[0].plot(s, y, color=PALETTE[0], lw=2)
    axes[0].set(title=f"{name}  τ(s)".strip(), xlabel="$s$")
    axes[1].plot(s, dy, color=PALETTE[1], lw=2)
    axes[1].set(title="도함수  τ′(s)", xlabel="$s$")
    _range_limits(axes[0], y)
    _range_limits(axes[1], dy)
    i = int(np.nanargmax(dy))
    # headroom above the curve's maximum for the note, which points at the peak with an arrow
    # from above (nothing of the curve is higher than its maximum, so nothing is covered)
    lo, hi = axes[1].get_ylim()
    axes[1].set_ylim(lo, hi + 0.25 * (hi - lo))
    right = s[i] > s.min() + 0.6 * (s.max() - s.min())   # peak near the right end: text to the left
    axes[1].annotate(f"최댓값 {dy[i]:.4f}", xy=(s[i], dy[i]), xytext=(-14 if right else 14, 24),
                     textcoords="offset points", fontsize=10, ha="right" if right else "left",
                     va="bottom", arrowprops=dict(arrowstyle="->", color="0.3", lw=1.0,
                                                  shrinkA=2, shrinkB=3))
    for ax in axes[:2]:
        ax.axhline(0, color="0.5", lw=0.8)
        ax.axvline(0, color="0.5", lw=0.8)
    return fig


def _call(f, s, a=None):
    """``f(s, a)`` for a function with a slope, ``f(s)`` when ``a`` is None."""
    return np.asarray(_host(f(s) if a is None else f(s, a)), dtype=float)


def plot_activation_table(rows, a_values=(0.5, 1.0, 2.0), s=None, figsize=None, fontsize=12):
    """표 3-1 as a figure: one column per activation, the function on top and its derivative
    below. ``rows`` is a list of ``(name, f, df, uses_slope)``; functions with a slope are drawn
    for every ``a`` in ``a_values``.

    ``figsize`` defaults to (13, 6) for five activations (2.6 inches a column); ``fontsize``
    is the size of tick labels, legends and notes (titles are 2 points larger).
    """
    s = np.linspace(-5, 5, 501) if s is None else _host(s)
    m = len(rows)
    figsize = (2.6 * m, 6.0) if figsize is None else figsize
    fig, axes = plt.subplots(2, m, figsize=figsize, squeeze=False)
    for k, (name, f, df, uses_slope) in enumerate(rows):
        avals = a_values if uses_slope else (1.0,)
        for i, a in enumerate(avals):
            lab = f"a = {a:g}" if uses_slope else None
            alpha = 1.0 if a == 1.0 or not uses_slope else 0.6
            y = _call(f, s, a if uses_slope else None)
            dy = _call(df, s, a if uses_slope else None)
            if name.startswith("계단"):  # draw the jump as a jump, not as a steep line
                y = np.where(np.isclose(np.diff(y, prepend=y[0]), 0), y, np.nan)
            axes[0, k].plot(s, y, lw=2, alpha=alpha, color=PALETTE[i], label=lab)
            axes[1, k].plot(s, dy, lw=2, alpha=alpha, color=PALETTE[i], label=lab)
        if name.startswith("계단"):  # τ'(0) does not exist: a hollow point and a note
            axes[1, k].scatter([0.0], [0.0], s=55, facecolor="white", edgecolor=PALETTE[0],
                               zorder=3, linewidth=1.5)
            axes[1, k].set_ylim(-0.3, 1.05)
            axes[1, k].annotate("s = 0에서\n정의되지 않음", xy=(0.0, 0.0), xytext=(0.0, 0.55),
                                fontsize=fontsize, ha="center", va="center",
                                bbox=dict(boxstyle="round,pad=0.25", fc="white", ec="0.7"),
                                arrowprops=dict(arrowstyle="->", color="0.3", lw=1.0,
                                                shrinkB=5))
        axes[0, k].set_title(name, fontsize=fontsize + 2)
        axes[1, k].set_xlabel("$s$", fontsize=fontsize + 1)
        if uses_slope:
            axes[0, k].legend(fontsize=fontsize - 1, loc="upper left", handlelength=1.2,
                              borderaxespad=0.2)
        for ax in axes[:, k]:
            ax.axhline(0, color="0.5", lw=0.8)
            ax.axvline(0, color="0.5", lw=0.8)
            if s.min() <= -5 and s.max() >= 5:
                ax.set_xticks([-5, 0, 5])
            ax.locator_params(axis="y", nbins=4)
            ax.tick_params(labelsize=fontsize)
    axes[0, 0].set_ylabel("$\\tau(s)$", fontsize=fontsize + 2)
    axes[1, 0].set_ylabel("$\\tau'(s)$", fontsize=fontsize + 2)
    return fig


# ---------------------------------------------------------------------------------------------
# Architecture and hidden space
# ---------------------------------------------------------------------------------------------
def plot_mlp_architecture(d=2, p=3, c=2, ax=None, highlight=(2, 1)):
    """Draw a 2-layer perceptron: d+1 input nodes (x₀ = 1 is the bias), p+1 hidden nodes
    (z₀ = 1) and c output nodes, with U¹ and U² (식 3.11). ``highlight=(j, i)`` marks the weight
    u¹_{ji} (input i → hidden j) in colour (None for no highlight)."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 4.6))
    else:
        fig = ax.figure
    cols = {0: (d + 1, "x"), 1: (p + 1, "z"), 2: (c, "o")}
    pos = {}
    for layer, (count, _sym) in cols.items():
        ys = np.linspace(1, -1, count) * min(1.0, 0.22 * (count - 1)) * 1.0
        for k, yk in enumerate(ys):
            idx = k if layer < 2 else k + 1
            pos[(layer, idx)] = (layer * 2.0, yk * 2.2)
    # edges
    for (l0, i), xy0 in pos.items():
        for (l1, j), xy1 in pos.items():
            if l1 != l0 + 1 or (l1 == 1 and j == 0):
                continue
            hl = highlight is not None and l0 == 0 and (j, i) == tuple(highlight)
            ax.plot([xy0[0], xy1[0]], [xy0[1], xy1[1]], color=PALETTE[1] if hl else "0.7",
                    lw=2.2 if hl else 0.9, zorder=1)
            if hl:
                mx, my = 0.6 * np.array(xy0) + 0.4 * np.array(xy1)
                ax.text(mx, my + 0.12, f"$u^1_{{{j}{i}}}$", color=PALETTE[1], fontsize=12,
                        ha="center")
    for (layer, idx), (x, yv) in pos.items():
        bias = layer < 2 and idx == 0
        sym = cols[layer][1]
        ax.scatter([x], [yv], s=900, color="white", edgecolor=PALETTE[4] if bias else PALETTE[0],
                   linewidth=2, zorder=2)
        txt = "1" if bias else f"${sym}_{{{idx}}}$"
        ax.text(x, yv, txt, ha="center", va="center", fontsize=12, zorder=3)
        if bias:
            ax.text(x, yv + 0.36, f"{sym}₀ = 1 (바이어스)", ha="center", fontsize=9,
                    color=PALETTE[4])
    top = 2.6
    ax.text(0, top, f"입력층\n(d+1 = {d + 1}개)", ha="center", fontsize=10)
    ax.text(2, top, f"은닉층\n(p = {p}개 + 바이어스)", ha="center", fontsize=10)
    ax.text(4, top, f"출력층\n(c = {c}개)", ha="center", fontsize=10)
    ax.text(1, -2.75, "$\\mathbf{U}^1$: " + f"{p}×{d + 1}", ha="center", fontsize=11)
    ax.text(3, -2.75, "$\\mathbf{U}^2$: " + f"{c}×{p + 1}", ha="center", fontsize=11)
    ax.set(xlim=(-0.7, 4.7), ylim=(-3.1, 3.3))
    ax.axis("off")
    return fig


def plot_feature_extractor(X, y, Z, boundary=None, titles=("입력 공간 x", "은닉층 공간 z"),
                           lines=None, predict=None, plane=None):
    """Side by side: the data in the input space and its image in the hidden space (first two
    hidden units, or three in a 3-D panel).

    ``boundary=(w, b)`` draws the output unit's line w·z + b = 0 in a 2-D hidden space; in a 3-D
    hidden space ``plane=(w, b)`` draws the output unit's plane w·z + b = 0. In the input panel,
    ``lines=(W, b)`` draws the line W_j·x + b_j = 0 of every hidden unit (dashed, numbered) and
    ``predict`` (a function of (M, 2) points returning output probabilities) draws the network's
    decision boundary, the 0.5 contour (black). Returns the figure."""
    X, y, Z = _host(X), _host(y).ravel(), _host(Z)
    classes = np.unique(y)
    fig = plt.figure(figsize=(10, 5.2 if lines is not None or predict is not None else 4.6))
    ax0 = fig.add_subplot(1, 2, 1)
    three = Z.shape[1] >= 3
    ax1 = fig.add_subplot(1, 2, 2, projection="3d" if three else None)
    for k, cl in enumerate(classes):
        m = y == cl
        ax0.scatter(X[m, 0], X[m, 1], s=14, color=PALETTE[k], label=f"부류 {cl:g}")
        if three:
            ax1.scatter(Z[m, 0], Z[m, 1], Z[m, 2], s=10, color=PALETTE[k], depthshade=False)
        else:
            ax1.scatter(Z[m, 0], Z[m, 1], s=14, color=PALETTE[k])
    lo0, hi0 = X.min(axis=0) - 0.15, X.max(axis=0) + 0.15
    if predict is not None:
        g0, g1 = np.meshgrid(np.linspace(lo0[0], hi0[0], 200), np.linspace(lo0[1], hi0[1], 200))
        P = _host(predict(np.column_stack([g0.ravel(), g1.ravel()]))).reshape(g0.shape)
        ax0.contour(g0, g1, P, levels=[0.5], colors="k", linewidths=2)
        ax0.plot([], [], color="k", lw=2, label="결정 경계")
    if lines is not None:
        W, b = _host(lines[0]), _host(lines[1]).ravel()
        for j, (w, bj) in enumerate(zip(W, b)):
            xs, ys = _line_points(w, bj, min(lo0), max(hi0))
            ax0.plot(xs, ys, ls="--", lw=1.4, color="0.35")
            # number each line at the point of the visible segment nearest the panel's middle
            mid = np.array([(lo0[0] + hi0[0]) / 2, (lo0[1] + hi0[1]) / 2])
            d = w / (np.linalg.norm(w) or 1.0)
            foot = mid - (d @ mid + bj / (np.linalg.norm(w) or 1.0)) * d
            ax0.annotate(f"z{'₁₂₃₄₅₆₇₈₉'[j] if j < 9 else j + 1}", foot, xytext=(4, 4),
                         textcoords="offset points", fontsize=11, color="0.2")
        ax0.plot([], [], ls="--", lw=1.4, color="0.35", label="은닉 노드의 직선")
    ax0.set(title=titles[0], xlabel="x₁", ylabel="x₂", xlim=(lo0[0], hi0[0]),
            ylim=(lo0[1], hi0[1]))
    ax0.set_aspect("equal")
    ax0.legend(fontsize=10, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2,
               frameon=False)
    ax1.set_title(titles[1])
    ax1.set_xlabel("z₁")
    ax1.set_ylabel("z₂")
    if three:
        ax1.set_zlabel("z₃")
        if plane is not None:
            w, b0 = _host(plane[0]).ravel(), float(_host(plane[1]).ravel()[0])
            k = int(np.argmax(np.abs(w)))               # solve the plane for its steepest axis
            others = [i for i in range(3) if i != k]
            u, v = np.meshgrid(np.linspace(-1, 1, 12), np.linspace(-1, 1, 12))
            coords = [None, None, None]
            coords[others[0]], coords[others[1]] = u, v
            coords[k] = -(b0 + w[others[0]] * u + w[others[1]] * v) / w[k]
            coords[k] = np.where(np.abs(coords[k]) <= 1.05, coords[k], np.nan)
            ax1.plot_surface(*coords, color=PALETTE[4], alpha=0.25, linewidth=0)
            ax1.set(xlim=(-1, 1), ylim=(-1, 1), zlim=(-1, 1), xticks=[-1, 0, 1],
                    yticks=[-1, 0, 1], zticks=[-1, 0, 1])
    elif boundary is not None:
        w, b0 = _host(boundary[0]).ravel(), float(_host(boundary[1]).ravel()[0])
        lo, hi = Z.min(axis=0), Z.max(axis=0)
        xs, ys = _line_points(w, b0, min(lo) - 0.1, max(hi) + 0.1)
        ax1.plot(xs, ys, color=PALETTE[4], lw=2, label="출력 노드의 결정 경계")
        ax1.set(xlim=(lo[0] - 0.1, hi[0] + 0.1), ylim=(lo[1] - 0.1, hi[1] + 0.1))
        ax1.legend(fontsize=9)
    return fig
