"""Decision boundaries, logic gates and perceptron geometry (chapter 1, reused later).

:func:`plot_decision_boundary` works with anything that maps points to scores or labels: a
weight vector ``(w0, w1, w2)``, an object with ``decision_function`` / ``predict`` (a
:class:`~dlcore.perceptron.Perceptron`, a dlcore network wrapped in a lambda, a scikit-learn
model) or a plain callable. Host-side module: NumPy is used directly; inputs from the GPU are
converted with :func:`dlcore.to_numpy`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap, to_rgba

from ..backend import to_device, to_numpy
from .style import PALETTE, new_figure

__all__ = [
    "as_score_function",
    "evaluate_on_grid",
    "plot_decision_boundary",
    "plot_logic_gate",
    "plot_update_steps",
    "plot_boundary_geometry",
    "plot_boundary_history",
    "plot_hyperplane_3d",
    "plot_perceptron_diagram",
    "plot_step_activation",
    "plot_training_history",
    "class_style",
    "MARKERS",
]

#: Marker per class, in the order of the sorted class labels (the notes draw ● and □).
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "h", "<"]


def _fmt_label(c, signed=False):
    """'+1' / '−1' when ``signed`` (labels with a negative class), the plain value otherwise."""
    c = float(c)
    text = f"{c:+g}" if signed else f"{c:g}"
    return text.replace("-", "\u2212")


def class_style(classes):
    """Colour and marker for each class label: ``{label: (colour, marker)}``.

    Two classes -1/+1 (or 0/1) get the book's blue (+1 / 1) and vermilion (−1 / 0).
    """
    classes = sorted(np.unique(np.asarray(classes)).tolist())
    if len(classes) == 2:
        return {classes[1]: (PALETTE[0], "o"), classes[0]: (PALETTE[1], "s")}
    return {c: (PALETTE[i % len(PALETTE)], MARKERS[i % len(MARKERS)]) for i, c in enumerate(classes)}


def as_score_function(model):
    """Turn ``model`` into ``f(points (M, 2) numpy) -> numpy (M,) or (M, k)``.

    Accepted: a weight vector ``(w0, w1, ..., wd)`` (gives ``w0 + w . x``), an object with
    ``decision_function``, ``predict_proba`` or ``predict`` (in that order of preference), or any
    callable. Outputs are moved to the host with :func:`dlcore.to_numpy`.
    """
    if isinstance(model, (list, tuple, np.ndarray)) or (
            hasattr(model, "shape") and hasattr(model, "dtype") and not callable(model)):
        w = np.asarray(to_numpy(model), dtype=float).ravel()

        def linear(P):
            if P.shape[1] + 1 != w.size:
                raise ValueError(f"plot_decision_boundary: weights (w0..w{w.size - 1}) do not "
                                 f"match points with {P.shape[1]} features")
            return w[0] + P @ w[1:]
        return linear
    for name in ("decision_function", "predict_proba", "predict"):
        method = getattr(model, name, None)
        if callable(method):
            return lambda P, m=method: to_numpy(m(to_device(P)))
    if callable(model):
        return lambda P: to_numpy(model(to_device(P)))
    raise ValueError("plot_decision_boundary: expected weights (w0, w1, w2), a model with "
                     f"decision_function/predict, or a callable, got {type(model).__name__}")


def _limits(X, xlim, ylim, padding):
    if xlim is None:
        xlim = (X[:, 0].min() - padding, X[:, 0].max() + padding)
    if ylim is None:
        ylim = (X[:, 1].min() - padding, X[:, 1].max() + padding)
    return xlim, ylim


def evaluate_on_grid(model, xlim, ylim, resolution=200, output="auto", threshold=None):
    """Evaluate ``model`` on a ``resolution`` x ``resolution`` grid.

    Returns ``(xx, yy, labels, scores)`` as NumPy arrays of shape (R, R); ``scores`` is None when
    the model gives labels only. ``output``: ``"auto"`` (decide from the values), ``"score"``
    (threshold at 0 or ``threshold``), ``"proba"`` (threshold 0.5), ``"label"`` (values are class
    labels already). A 2-D output (M, k) with k > 1 is read as class scores: argmax.
    """
    f = as_score_function(model)
    xs = np.linspace(xlim[0], xlim[1], resolution)
    ys = np.linspace(ylim[0], ylim[1], resolution)
    xx, yy = np.meshgrid(xs, ys)
    P = np.column_stack([xx.ravel(), yy.ravel()])
    out = np.asarray(f(P), dtype=float)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    if out.ndim == 2:
        return xx, yy, out.argmax(axis=1).reshape(xx.shape).astype(float), None
    if out.shape != (P.shape[0],):
        raise ValueError(f"plot_decision_boundary: the model returned shape {out.shape} for "
                         f"{P.shape[0]} grid points; expected ({P.shape[0]},) or ({P.shape[0]}, k)")
    if output == "auto":
        vals = np.unique(out)
        output = "label" if vals.size <= 10 and np.allclose(vals, np.round(vals)) else "score"
        if output == "score" and out.min() >= 0 and out.max() <= 1 and threshold is None:
            output = "proba"
    if output == "label":
        return xx, yy, out.reshape(xx.shape), None
    if threshold is None:
        threshold = 0.5 if output == "proba" else 0.0
    scores = out.reshape(xx.shape)
    # +1 where score >= threshold, -1 otherwise (the step function's convention)
    return xx, yy, np.where(scores >= threshold, 1.0, -1.0), scores - threshold


def plot_decision_boundary(model, X, y, ax=None, *, resolution=200, output="auto",
                           threshold=None, xlim=None, ylim=None, padding=0.5, regions=True,
                           line=True, points=True, class_names=None, title=None,
                           xlabel="$x_1$", ylabel="$x_2$", legend=True, alpha=0.18,
                           markersize=70, line_kwargs=None):
    """Draw 2-D data with the regions and the decision boundary of ``model``.

    ``model``: weights ``(w0, w1, w2)``, a model with ``decision_function``/``predict``, or a
    callable mapping points (M, 2) to scores (M,), probabilities (M,), labels (M,) or class
    scores (M, k) (see :func:`evaluate_on_grid`). ``X``: (N, 2); ``y``: (N,) class labels.
    Regions are tinted with the colour of the class predicted there (for scores: +1 where
    score >= threshold); the boundary is the score's zero contour (or the edge between label
    regions). ``class_names``: ``{label: "name"}`` for the legend. Returns ``ax``.
    """
    X = np.asarray(to_numpy(X), dtype=float)
    y = np.asarray(to_numpy(y))
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: expected X of shape (N, 2), got {X.shape}")
    if y.shape != (X.shape[0],):
        raise ValueError(f"plot_decision_boundary: expected y of shape ({X.shape[0]},), "
                         f"got {y.shape}")
    if ax is None:
        _, ax = new_figure()
    xlim, ylim = _limits(X, xlim, ylim, padding)
    xx, yy, lab, scores = evaluate_on_grid(model, xlim, ylim, resolution, output, threshold)
    styles = class_style(y)
    if scores is not None:
        # score mode: map -1/+1 to the two classes of y (smaller label <-> negative score)
        cls = sorted(styles)
        if len(cls) == 2:
            lab = np.where(lab > 0, cls[1], cls[0])
    region_classes = sorted(set(np.unique(lab).tolist()) | set(styles))
    if regions:
        colours = [to_rgba(styles[c][0], alpha) if c in styles else (0.9, 0.9, 0.9, alpha)
                   for c in region_classes]
        index = np.searchsorted(region_classes, lab)
        ax.contourf(xx, yy, index, levels=np.arange(len(region_classes) + 1) - 0.5,
                    cmap=ListedColormap(colours), antialiased=True)
    if line:
        kw = {"colors": "k", "linewidths": 1.8}
        kw.update(line_kwargs or {})
        if scores is not None:
            if scores.min() < 0 < scores.max():
                ax.contour(xx, yy, scores, levels=[0.0], **kw)
        else:
            index = np.searchsorted(region_classes, lab)
            if np.unique(index).size > 1:
                ax.contour(xx, yy, index, levels=np.arange(len(region_classes) - 1) + 0.5, **kw)
    if points:
        for c, (colour, marker) in styles.items():
            sel = y == c
            signed = min(styles) < 0
            name = (class_names or {}).get(c, f"부류 {_fmt_label(c, signed)}")
            ax.scatter(X[sel, 0], X[sel, 1], s=markersize, c=colour, marker=marker,
                       edgecolors="k", linewidths=0.8, label=name, zorder=3)
        if legend:
            ax.legend(loc="best")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    return ax


def _gate_data(gate):
    from ..perceptron import logic_gate

    X, y = logic_gate(gate)
    return to_numpy(X), to_numpy(y)


def plot_logic_gate(gate, weights=None, ax=None, *, show_scores=True, show_accuracy=True,
                    title=None, padding=0.6, **kwargs):
    """The four samples of a logic gate, with the boundary of weights ``(w0, w1, w2)`` if given.

    Labels each point with its S = w0 + w1 x1 + w2 x2 when ``show_scores`` and writes the
    accuracy of tau(S) in the title when ``show_accuracy``. This is the static figure of
    :func:`dlcore.widgets.perceptron_explorer`. Returns ``ax``.
    """
    X, y = _gate_data(gate)
    name = str(gate).upper()
    if ax is None:
        _, ax = new_figure(width=4.6, height=4.2)
    if weights is None:
        plot_decision_boundary(lambda P: np.zeros(len(P)), X, y, ax=ax, regions=False,
                               line=False, padding=padding, **kwargs)
        ax.set_title(title or f"{name} 게이트")
        ax.set_aspect("equal")
        _gate_ticks(ax)
        return ax
    w = np.asarray(to_numpy(weights), dtype=float).ravel()
    if w.shape != (3,):
        raise ValueError(f"plot_logic_gate: expected weights (w0, w1, w2), got shape {w.shape}")
    plot_decision_boundary(w, X, y, ax=ax, padding=padding, **kwargs)
    _gate_ticks(ax)
    S = w[0] + X @ w[1:]
    pred = np.where(S >= 0, 1.0, -1.0)
    if show_scores:
        for (x1, x2), s, ok in zip(X, S, pred == y, strict=True):
            ax.annotate(f"S={s:.2f}".replace("-", "\u2212"), (x1, x2), xytext=(7, -15),
                        textcoords="offset points", fontsize=9,
                        color="k" if ok else PALETTE[1], zorder=4)
    if title is None:
        title = f"{name} 게이트"
        if show_accuracy:
            title += f" — 정확도 {int((pred == y).sum())}/4"
    ax.set_title(title)
    ax.set_aspect("equal")
    return ax


def _gate_ticks(ax):
    ticks = [0.0, 0.5, 1.0]
    ax.set_xticks(ticks)
    ax.set_yticks(ticks)


def plot_boundary_geometry(weights, points=None, ax=None, *, xlim=(-0.5, 1.75),
                           ylim=(-0.5, 1.75), title=None):
    """A line d(x) = w0 + w1 x1 + w2 x2 = 0 with its normal vector and distances.

    Draws the boundary, the vector (w1, w2) from the point of the line nearest the origin, and
    for each of ``points`` (M, 2) a dashed segment to the line labelled with the signed distance
    d(x) / ||w||. Returns ``ax``.
    """
    w = np.asarray(to_numpy(weights), dtype=float).ravel()
    if w.shape != (3,) or not np.any(w[1:]):
        raise ValueError("plot_boundary_geometry: expected weights (w0, w1, w2) with "
                         f"(w1, w2) != (0, 0), got {w}")
    if ax is None:
        _, ax = new_figure(width=4.8, height=4.6)
    n = w[1:]
    norm = np.linalg.norm(n)
    foot0 = -w[0] * n / norm**2                      # the line's point nearest the origin
    direction = np.array([-n[1], n[0]]) / norm
    t = np.linspace(-10, 10, 2)
    ax.plot(foot0[0] + t * direction[0], foot0[1] + t * direction[1], "k", lw=1.8,
            label="결정 경계")
    start = foot0 - 0.45 * direction                 # off the segments drawn to the points
    tip = start + n / norm * 0.6
    ax.annotate("", xy=tip, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": PALETTE[2], "lw": 2})
    ax.text(*(tip + n / norm * 0.05), "$(w_1, w_2)$", color=PALETTE[2], fontsize=10,
            ha="left", va="bottom")
    if points is not None:
        P = np.asarray(to_numpy(points), dtype=float).reshape(-1, 2)
        for p in P:
            d = (w[0] + p @ n) / norm
            foot = p - d * n / norm
            colour = PALETTE[0] if d >= 0 else PALETTE[1]
            ax.plot(*p, "o" if d >= 0 else "s", color=colour, mec="k", ms=8, zorder=3)
            ax.plot([p[0], foot[0]], [p[1], foot[1]], "--", color=colour, lw=1.2)
            ax.annotate(f"{d:+.3f}".replace("-", "\u2212"), p, xytext=(6, 6),
                        textcoords="offset points", fontsize=9, color=colour)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    from matplotlib.ticker import MultipleLocator

    ax.xaxis.set_major_locator(MultipleLocator(0.5))
    ax.yaxis.set_major_locator(MultipleLocator(0.5))
    ax.set_aspect("equal")
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.legend(loc="upper right")
    if title:
        ax.set_title(title)
    return ax


def plot_boundary_history(weight_history, X, y, ax=None, *, every=1, final_label="최종 경계",
                          title=None, padding=0.6, cmap="Greys"):
    """Boundaries of successive weight vectors (e.g. ``Perceptron.history["weights"]``).

    ``weight_history``: (U, 3) array of ``(w0, w1, w2)``; earlier boundaries are drawn lighter,
    the last one solid black with the final regions tinted. Rows with w1 = w2 = 0 have no
    boundary and are skipped. Returns ``ax``.
    """
    import matplotlib

    Wh = np.asarray(to_numpy(weight_history), dtype=float)
    if Wh.ndim != 2 or Wh.shape[1] != 3:
        raise ValueError(f"plot_boundary_history: expected weights of shape (U, 3), got {Wh.shape}")
    X = np.asarray(to_numpy(X), dtype=float)
    if ax is None:
        _, ax = new_figure(width=4.8, height=4.4)
    plot_decision_boundary(Wh[-1], X, y, ax=ax, padding=padding, line=False, legend=False)
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    colours = matplotlib.colormaps[cmap](np.linspace(0.25, 0.6, max(len(Wh) - 1, 1)))
    xs = np.linspace(*xlim, 2)
    for k in range(0, len(Wh) - 1, every):
        w0, w1, w2 = Wh[k]
        if w1 == 0 and w2 == 0:
            continue
        if abs(w2) > 1e-12:
            ax.plot(xs, -(w0 + w1 * xs) / w2, color=colours[k], lw=1.0, ls="--")
        else:
            ax.axvline(-w0 / w1, color=colours[k], lw=1.0, ls="--")
    w0, w1, w2 = Wh[-1]
    if abs(w2) > 1e-12:
        ax.plot(xs, -(w0 + w1 * xs) / w2, "k", lw=2, label=final_label)
    elif abs(w1) > 1e-12:
        ax.axvline(-w0 / w1, color="k", lw=2, label=final_label)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.legend(loc="upper left", fontsize=9, frameon=True, framealpha=0.9, edgecolor="none")
    if title:
        ax.set_title(title)
    return ax


def plot_update_steps(weight_history, updates, X, y, *, ncols=3, size=2.9, padding=0.6,
                      point_names=None):
    """Small multiples of perceptron learning: one panel per update.

    Panel u shows the boundary before update u (grey, dashed; none while w₁ = w₂ = 0), the
    boundary after it (black) with its regions, and a ring around the sample that was
    misclassified and caused the update. ``weight_history``: (U + 1, 3), ``updates``: U pairs
    ``(epoch, k)`` (``Perceptron.history["weights"]`` and ``["updates"]``). Returns the figure.
    """
    Wh = np.asarray(to_numpy(weight_history), dtype=float)
    ups = list(updates)
    if Wh.ndim != 2 or Wh.shape[1] != 3 or len(Wh) != len(ups) + 1 or not ups:
        raise ValueError("plot_update_steps: expected weights (U + 1, 3) and U ≥ 1 updates, "
                         f"got weights {Wh.shape} and {len(ups)} updates")
    X = np.asarray(to_numpy(X), dtype=float)
    y = np.asarray(to_numpy(y), dtype=float)
    n = len(ups)
    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    fig, axes = new_figure(ncols, nrows, width=size * ncols, height=size * nrows + 0.2)
    axes = np.atleast_1d(axes).ravel()
    for u, ax in enumerate(axes):
        if u >= n:
            ax.axis("off")
            continue
        epoch, k = ups[u]
        plot_decision_boundary(Wh[u + 1], X, y, ax=ax, padding=padding, legend=False)
        xlim, ylim = ax.get_xlim(), ax.get_ylim()
        w0, w1, w2 = Wh[u]
        xs = np.linspace(*xlim, 2)
        if abs(w2) > 1e-12:
            ax.plot(xs, -(w0 + w1 * xs) / w2, color="0.5", lw=1.3, ls="--")
        elif abs(w1) > 1e-12:
            ax.axvline(-w0 / w1, color="0.5", lw=1.3, ls="--")
        ax.scatter(*X[k], s=420, facecolors="none", edgecolors=PALETTE[1], linewidths=2.2,
                   zorder=5)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        _gate_ticks(ax)
        ax.set_xlabel("")
        ax.set_ylabel("")
        name = point_names[k] if point_names is not None else f"x{'₁₂₃₄₅₆₇₈₉'[k] if k < 9 else k + 1}"
        ax.set_title(f"갱신 {u + 1} (에포크 {epoch}, {name})", fontsize=11)
    return fig


def plot_hyperplane_3d(weights, points=None, labels=None, ax=None, *, lim=(-0.25, 1.25),
                       title=None, elev=22, azim=-60):
    """The decision plane w0 + w1 x1 + w2 x2 + w3 x3 = 0 in 3-D, with optional points.

    ``weights``: (4,) with w3 != 0; ``points``: (M, 3); ``labels``: (M,) in {-1, +1} (coloured
    like :func:`plot_decision_boundary`). Returns the 3-D axes.
    """
    import matplotlib.pyplot as plt

    w = np.asarray(to_numpy(weights), dtype=float).ravel()
    if w.shape != (4,) or w[3] == 0:
        raise ValueError(f"plot_hyperplane_3d: expected weights (w0, w1, w2, w3) with w3 != 0, "
                         f"got {w}")
    if ax is None:
        fig = plt.figure(figsize=(5.0, 4.6))
        ax = fig.add_subplot(projection="3d")
    g = np.linspace(*lim, 60)
    x1, x2 = np.meshgrid(g, g)
    x3 = -(w[0] + w[1] * x1 + w[2] * x2) / w[3]
    x3 = np.where((x3 >= lim[0]) & (x3 <= lim[1]), x3, np.nan)
    ax.plot_surface(x1, x2, x3, alpha=0.35, color=PALETTE[2], edgecolor="none")
    if points is not None:
        P = np.asarray(to_numpy(points), dtype=float).reshape(-1, 3)
        lab = np.ones(len(P)) if labels is None else np.asarray(to_numpy(labels)).ravel()
        for c, (colour, marker) in class_style(lab).items():
            sel = lab == c
            ax.scatter(P[sel, 0], P[sel, 1], P[sel, 2], s=45, c=colour, marker=marker,
                       edgecolors="k", depthshade=False,
                       label=f"부류 {_fmt_label(c, min(lab) < 0)}")
        ax.legend(loc="upper left")
    ax.set_xlim(*lim)
    ax.set_ylim(*lim)
    ax.set_zlim(*lim)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_zlabel("$x_3$")
    ax.view_init(elev=elev, azim=azim)
    if title:
        ax.set_title(title)
    return ax


def plot_perceptron_diagram(weights=None, ax=None, *, n_inputs=2, title=None):
    """The structure of a perceptron: inputs 1, x1..xd, weights w0..wd, sum S, step tau, output.

    ``weights``: optional values printed on the edges (length d + 1). Returns ``ax``.
    """
    if weights is not None:
        weights = np.asarray(to_numpy(weights), dtype=float).ravel()
        n_inputs = weights.size - 1
    if ax is None:
        _, ax = new_figure(width=5.6, height=1.0 + 0.9 * (n_inputs + 1))
    ax.set_axis_off()
    ax.grid(False)
    ys = np.linspace(1, 0, n_inputs + 1) if n_inputs else np.array([0.5])
    out = np.array([0.62, 0.5])
    for i, yy in enumerate(ys):
        name = "$1$" if i == 0 else f"$x_{i}$"
        face = "#eeeeee" if i == 0 else "white"
        ax.add_patch(_circle((0.0, yy), 0.06, face))
        ax.text(0.0, yy, name, ha="center", va="center", fontsize=11, zorder=4)
        ax.annotate("", xy=out + np.array([-0.075, 0.0]) * 1.0 + np.array([0, (yy - 0.5) * 0.12]),
                    xytext=(0.06, yy), arrowprops={"arrowstyle": "-|>", "lw": 1.2, "color": "0.3"})
        lab = f"$w_{i}$" if weights is None else f"$w_{i}={weights[i]:g}$".replace("-", "\u2212")
        # the label sits beside its own arrow, on the outer side (above the arrows that slope
        # down, below those that slope up) and starting at x_a, so that no arrow crosses it
        end_y = out[1] + (yy - 0.5) * 0.12
        flat = abs(end_y - yy) < 1e-9
        x_a = 0.28 if flat else 0.22
        line_y = yy + (x_a - 0.06) / (out[0] - 0.075 - 0.06) * (end_y - yy)
        above = yy >= 0.5
        ax.text(x_a, line_y + (0.03 if above else -0.03), lab, ha="center" if flat else "left",
                va="bottom" if above else "top", fontsize=10,
                color=PALETTE[2] if i else PALETTE[4])
    ax.add_patch(_circle(out, 0.075, "white"))
    ax.text(*out, "$\\Sigma$", ha="center", va="center", fontsize=13, zorder=4)
    ax.text(out[0], out[1] - 0.13, "$S$", ha="center", fontsize=10)
    ax.annotate("", xy=(0.82, 0.5), xytext=(0.695, 0.5),
                arrowprops={"arrowstyle": "-|>", "lw": 1.2, "color": "0.3"})
    ax.add_patch(_box((0.82, 0.42), 0.14, 0.16))
    ax.text(0.89, 0.5, "$\\tau$", ha="center", va="center", fontsize=13, zorder=4)
    ax.annotate("", xy=(1.1, 0.5), xytext=(0.96, 0.5),
                arrowprops={"arrowstyle": "-|>", "lw": 1.2, "color": "0.3"})
    ax.text(1.12, 0.5, "$o=\\tau(S)$", va="center", fontsize=11)
    ax.text(0.0, -0.16 if n_inputs else 0.3, "입력층", ha="center", fontsize=10)
    ax.text(0.75, 0.25, "출력 노드", ha="center", fontsize=10)
    ax.set_xlim(-0.12, 1.35)
    ax.set_ylim(-0.22, 1.1)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)
    return ax


def plot_step_activation(ax=None, s_max=3.0, title="계단 함수 τ(s)"):
    """The perceptron's step function: +1 for s >= 0 (filled dot at s = 0), -1 for s < 0.

    The open circle at (0, -1) and the filled one at (0, +1) show tau(0) = +1; the function
    takes only the two values -1 and +1. Returns ``ax``.
    """
    if ax is None:
        _, ax = new_figure(width=4.6, height=3.2)
    ax.plot([-s_max, 0], [-1, -1], color=PALETTE[0], lw=2.2)
    ax.plot([0, s_max], [1, 1], color=PALETTE[0], lw=2.2)
    ax.plot([0], [-1], "o", mfc="white", mec=PALETTE[0], ms=8, mew=2, zorder=3)
    ax.plot([0], [1], "o", color=PALETTE[0], ms=8, zorder=3)
    ax.axhline(0, color="0.5", lw=0.8)
    ax.axvline(0, color="0.5", lw=0.8)
    ax.set_xlim(-s_max, s_max)
    ax.set_ylim(-1.6, 1.6)
    ax.set_yticks([-1, 0, 1])
    ax.set_xlabel("$s$")
    ax.set_ylabel("$\\tau(s)$")
    if title:
        ax.set_title(title)
    return ax


def _circle(xy, r, face):
    from matplotlib.patches import Circle

    return Circle(xy, r, facecolor=face, edgecolor="k", lw=1.2, zorder=3)


def _box(xy, w, h):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch(xy, w, h, boxstyle="round,pad=0.01", facecolor="white",
                          edgecolor="k", lw=1.2, zorder=3)


def plot_training_history(history, keys=None, ax=None, *, labels=None, xlabel="에포크",
                          ylabel=None, title=None, logy=False, start=1, marker="o"):
    """Curves of per-epoch values (errors, loss, accuracy ...).

    ``history``: a dict of sequences (e.g. ``Perceptron.history``; only list-like values of
    numbers are plotted, or those named in ``keys``) or one sequence. ``labels``: legend names per
    key (defaults: "errors" -> "갱신 횟수", "train_errors" -> "오분류 수", "loss" -> "손실",
    others as is). The x axis counts epochs from ``start``. Returns ``ax``.
    """
    default_names = {"errors": "갱신 횟수(에포크 중)", "train_errors": "오분류 수(에포크 끝)",
                     "loss": "손실", "train_loss": "훈련 손실", "val_loss": "검증 손실",
                     "accuracy": "정확도", "train_acc": "훈련 정확도", "val_acc": "검증 정확도"}
    if not isinstance(history, dict):
        history = {"value": history}
        default_names["value"] = ylabel or "값"
    if keys is None:
        keys = [k for k, v in history.items() if _is_series(v)]
    if not keys:
        raise ValueError("plot_training_history: no per-epoch sequence to plot in "
                         f"{sorted(history)}")
    if ax is None:
        _, ax = new_figure()
    names = dict(default_names, **(labels or {}))
    for key in keys:
        v = np.asarray([float(to_numpy(a)) for a in history[key]])
        ax.plot(np.arange(start, start + len(v)), v, marker=marker if len(v) <= 60 else None,
                ms=4, label=names.get(key, key))
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if all(float(to_numpy(a)).is_integer() for k in keys for a in history[k]):
        from matplotlib.ticker import MaxNLocator

        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    if len(keys) > 1 or labels:
        ax.legend()
    if title:
        ax.set_title(title)
    return ax


def _is_series(v):
    """True for a non-empty 1-D sequence of numbers (a per-epoch record)."""
    if isinstance(v, (str, bytes, dict)) or not hasattr(v, "__len__") or len(v) == 0:
        return False
    try:
        a = np.asarray(to_numpy(v) if hasattr(v, "shape") else v, dtype=float)
    except (TypeError, ValueError):
        return False
    return a.ndim == 1
