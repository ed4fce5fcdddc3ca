"""Chapter 8 (규제): penalties, train/test curves, augmented digits, k-fold, and the 2-D explorer.

Two kinds of helpers live here:

- pure functions that the chapter checks numbers with: :func:`penalty` and :func:`penalty_grad`
  (the L2 / L1 / elastic-net terms exactly as :mod:`dlcore.optim` adds them to the gradient),
  :func:`boundary_state` (a small MLP trained on the moons with a given weight decay and dropout
  rate, the state behind the chapter's explorer);
- figures: :func:`plot_penalties`, :func:`plot_fit_curves`, :func:`plot_capacity`,
  :func:`plot_augmentations`, :func:`plot_kfold`, :func:`plot_cv_scores`,
  :func:`plot_boundary_state` and :func:`plot_regularization_compare`.

Host-side module: NumPy is used directly; arrays from the GPU are moved with :func:`to_numpy`.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Mapping

import matplotlib
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Rectangle

from ..backend import to_numpy
from .loss import _STYLES, _check_curves, _draw_curves, _label_axes
from .style import PALETTE, new_figure

#: Font sizes for the figures of chapters 8 and 9. They are drawn about 5.4 inches wide (540 px),
#: so on a 390 px phone they shrink by about a third and these sizes stay readable (≥ 11 px).
READABLE_FONTS = {"font.size": 12, "axes.titlesize": 14, "axes.labelsize": 13,
                  "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 12}


def readable(plot):
    """Decorator: draw ``plot`` with :data:`READABLE_FONTS` (the caller's rcParams otherwise)."""
    @functools.wraps(plot)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(READABLE_FONTS):
            return plot(*args, **kwargs)
    return wrapper

__all__ = [
    "penalty",
    "penalty_grad",
    "plot_penalties",
    "plot_fit_curves",
    "plot_capacity",
    "plot_augmentations",
    "plot_kfold",
    "plot_cv_scores",
    "boundary_state",
    "boundary_grid",
    "plot_boundary_state",
    "plot_regularization_compare",
    "EXPLORER_DECAYS",
    "EXPLORER_DROPOUTS",
]

#: The weight decays λ and dropout rates p the chapter's explorer offers (6 × 4 = 24 states).
EXPLORER_DECAYS = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1)
EXPLORER_DROPOUTS = (0.0, 0.2, 0.4, 0.6)


# -- penalties -----------------------------------------------------------------------------------
def _nonneg(value, where, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 \
            or not np.isfinite(value):
        raise ValueError(f"{where}: expected {name} to be a finite real number >= 0, "
                         f"got {value!r}")
    return float(value)


def _arrays(params, where):
    """A list of host arrays from a Parameter, an array or a list of either."""
    if hasattr(params, "data") and hasattr(params, "grad"):
        params = [params]
    elif hasattr(params, "shape"):
        params = [params]
    out = []
    for p in params:
        a = getattr(p, "data", p)
        a = np.asarray(to_numpy(a), dtype=float)
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{where}: expected finite parameter values, got NaN or inf")
        out.append(a)
    if not out:
        raise ValueError(f"{where}: expected at least one parameter array, got none")
    return out


def penalty(params, weight_decay=0.0, l1=0.0):
    """The regularisation term that :mod:`dlcore.optim` differentiates (식 8.1, table 8.1)::

        R(θ) = (weight_decay / 2) · ‖θ‖₂² + l1 · ‖θ‖₁

    ``weight_decay`` alone is L2 (가중치 감쇠), ``l1`` alone is L1, both together are the elastic
    net. ``params``: a Parameter, an array or a list of them (e.g. ``model.parameters()``).
    Returns a float.
    """
    where = "penalty"
    lam2, lam1 = _nonneg(weight_decay, where, "weight_decay"), _nonneg(l1, where, "l1")
    arrays = _arrays(params, where)
    return float(sum(0.5 * lam2 * np.sum(a * a) + lam1 * np.sum(np.abs(a)) for a in arrays))


def penalty_grad(theta, weight_decay=0.0, l1=0.0):
    """∂R/∂θ = weight_decay · θ + l1 · sign(θ), the term the optimisers add to ∂J/∂θ.

    ``theta``: an array (any shape) → an array of the same shape. At θ = 0 the L1 part uses
    sign(0) = 0 (a subgradient), as :mod:`dlcore.optim` does.
    """
    where = "penalty_grad"
    lam2, lam1 = _nonneg(weight_decay, where, "weight_decay"), _nonneg(l1, where, "l1")
    (a,) = _arrays(theta, where)
    return lam2 * a + lam1 * np.sign(a)


@readable
def plot_penalties(weight_decay=1.0, l1=1.0, theta_max=2.0, axes=None):
    """Left: R(θ) of L2, L1 and the elastic net for one weight θ; right: ∂R/∂θ.

    The right panel is the lesson: the L2 pull λθ fades as θ nears 0, the L1 pull λ₁ sign(θ)
    does not. Returns the Figure.
    """
    if axes is None:
        fig, axes = new_figure(nrows=2, width=5.4, height=6.4, sharex=True)
    fig = axes[0].figure
    t = np.linspace(-theta_max, theta_max, 401)
    rows = [(f"L2: (λ/2)θ², λ = {weight_decay:g}", weight_decay, 0.0, "-"),
            (f"L1: λ₁|θ|, λ₁ = {l1:g}", 0.0, l1, "--"),
            ("엘라스틱 넷: 둘의 합", weight_decay, l1, "-.")]
    for k, (label, lam2, lam1, style) in enumerate(rows):
        r = 0.5 * lam2 * t * t + lam1 * np.abs(t)
        g = penalty_grad(t, lam2, lam1)
        axes[0].plot(t, r, style, color=PALETTE[k], label=label, lw=2)
        # draw the jump of sign(θ) at 0 as a gap, not a vertical line
        g = np.where(np.abs(t) < 1e-12, np.nan, g)
        axes[1].plot(t, g, style, color=PALETTE[k], label=label, lw=2)
    axes[0].set_title("규제 항 R(θ)")
    axes[1].set_title("그레이디언트 ∂R/∂θ")
    for ax in axes:
        ax.axhline(0, color="black", lw=0.8)
        ax.axvline(0, color="black", lw=0.8)
    axes[-1].set_xlabel("가중치 θ")
    axes[0].legend(loc="upper center")
    return fig


# -- curves --------------------------------------------------------------------------------------
@readable
def plot_fit_curves(curves, ax=None, ylabel="손실", title=None, marks=None, start=1,
                    xlabel="에포크", ylim=None):
    """Training / validation / test curves with optional vertical marks.

    ``curves``: {label: sequence}, drawn from x = ``start`` (1 for per-epoch histories);
    ``marks``: {label: epoch} drawn as dashed vertical lines (e.g. t_opt and the epoch where
    early stopping ended training); ``ylim``: (low, high) to zoom in on the part that matters
    (the first epochs' large losses otherwise flatten the rest). Returns the Figure.
    """
    _check_curves(curves, "plot_fit_curves")
    if ax is None:
        fig, ax = new_figure(width=5.4, height=3.8)
    fig = ax.figure
    _draw_curves(ax, curves, start, lambda i: _STYLES[i % 4], lw=2)  # a dash pattern per line
    for j, (label, epoch) in enumerate((marks or {}).items()):
        colour = PALETTE[(j + 2) % 8]
        ax.axvline(epoch, color=colour, ls=":", lw=2, label=f"{label} = {epoch}")
    if ylim is not None:
        ax.set_ylim(*ylim)
    _label_axes(ax, xlabel, ylabel, title)
    return fig


@readable
def plot_capacity(sizes, train, test, ax=None, xlabel="은닉 노드 수", ylabel="정확도",
                  title=None):
    """Training and test accuracy against a capacity knob (e.g. hidden units, log₂ axis).

    ``sizes``: (K,) positive numbers; ``train``, ``test``: (K,) values. Returns the Figure.
    """
    sizes = np.asarray(sizes, dtype=float)
    train, test = np.asarray(train, dtype=float), np.asarray(test, dtype=float)
    if sizes.ndim != 1 or train.shape != sizes.shape or test.shape != sizes.shape:
        raise ValueError(f"plot_capacity: expected sizes, train and test of the same shape "
                         f"(K,), got {sizes.shape}, {train.shape}, {test.shape}")
    if np.any(sizes <= 0):
        raise ValueError("plot_capacity: expected positive sizes (the axis is logarithmic)")
    if ax is None:
        fig, ax = new_figure(width=5.4, height=3.8)
    fig = ax.figure
    ax.plot(sizes, train, "o-", color=PALETTE[0], lw=2, label="훈련 정확도")
    ax.plot(sizes, test, "s--", color=PALETTE[1], lw=2, label="테스트 정확도")
    ax.fill_between(sizes, test, train, color=PALETTE[1], alpha=0.12, label="차이")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes)
    ax.set_xticklabels([f"{s:g}" for s in sizes])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


# -- augmentation --------------------------------------------------------------------------------
@readable
def plot_augmentations(rows, size=0.8, cmap="gray_r"):
    """A grid of images: one row per transformation, one column per sample.

    ``rows``: {row label: images (N, H, W) or (N, 1, H, W)}, every entry with the same N.
    Returns the Figure.
    """
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("plot_augmentations: expected a non-empty mapping label -> images")
    imgs = {}
    for label, a in rows.items():
        a = np.asarray(to_numpy(a), dtype=float)
        if a.ndim == 4 and a.shape[1] == 1:
            a = a[:, 0]
        if a.ndim != 3:
            raise ValueError(f"plot_augmentations: expected images (N, H, W) for {label!r}, "
                             f"got shape {a.shape}")
        imgs[label] = a
    counts = {a.shape[0] for a in imgs.values()}
    if len(counts) != 1:
        raise ValueError(f"plot_augmentations: expected the same number of images in every "
                         f"row, got {sorted(counts)}")
    n = counts.pop()
    nrows = len(imgs)
    fig, axes = new_figure(n, nrows, width=size * n + 1.9, height=size * nrows + 0.2,
                           squeeze=False)
    vmax = max(1.0, max(a.max() for a in imgs.values()))
    for r, (label, a) in enumerate(imgs.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.imshow(a[c], cmap=cmap, vmin=0, vmax=vmax)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=13)
    return fig


# -- k-fold cross-validation ---------------------------------------------------------------------
@readable
def plot_kfold(k=5, ax=None, test=True):
    """The k rounds of k-fold cross-validation: in round i fold i validates, the rest train.

    With ``test`` a separate test block is drawn on the right: it is used once, at the very end.
    Returns the Figure.
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 2:
        raise ValueError(f"plot_kfold: expected an integer k >= 2, got {k!r}")
    if ax is None:
        fig, ax = new_figure(width=5.6, height=0.6 * k + 1.2)
    fig = ax.figure
    for i in range(k):
        y = k - 1 - i
        for j in range(k):
            val = i == j
            ax.add_patch(Rectangle((j, y + 0.1), 0.96, 0.8,
                                   facecolor=PALETTE[1] if val else PALETTE[0],
                                   alpha=0.85 if val else 0.35, edgecolor="white"))
            ax.text(j + 0.48, y + 0.5, "검증" if val else "훈련", ha="center", va="center",
                    fontsize=12, color="white" if val else "black")
        ax.text(-0.15, y + 0.5, f"{i + 1}회차", ha="right", va="center", fontsize=13)
    right = k
    if test:
        ax.add_patch(Rectangle((k + 0.3, 0.1), 0.9, k - 0.2, facecolor=PALETTE[2], alpha=0.6,
                               edgecolor="white"))
        ax.text(k + 0.75, k / 2, "테스트\n(마지막에\n한 번)", ha="center", va="center",
                fontsize=12)
        right = k + 1.3
    for j in range(k):
        ax.text(j + 0.48, k + 0.15, f"{j + 1}겹", ha="center", va="bottom", fontsize=12)
    ax.set_xlim(-1.2, right + 0.1)
    ax.set_ylim(0, k + 0.6)
    ax.set_axis_off()
    return fig


@readable
def plot_cv_scores(values, scores, ax=None, xlabel="가중치 감쇠 λ", ylabel="검증 정확도",
                   title=None, best=None):
    """Cross-validation scores: one dot per fold, the mean ± standard deviation per value.

    ``values``: K hyperparameter values (drawn as equally spaced categories); ``scores``:
    (k, K) array, one row per fold; ``best``: index of the chosen value (marked). Returns the
    Figure.
    """
    labels = [f"{v:g}" for v in values]
    s = np.asarray(to_numpy(scores), dtype=float)
    if s.ndim != 2 or s.shape[1] != len(labels):
        raise ValueError(f"plot_cv_scores: expected scores of shape (k, {len(labels)}), "
                         f"got {s.shape}")
    if ax is None:
        fig, ax = new_figure(width=5.4, height=4.0)
    fig = ax.figure
    x = np.arange(len(labels))
    for j in range(s.shape[0]):
        ax.plot(x, s[j], "o", color=PALETTE[0], alpha=0.35, ms=6,
                label="겹별 점수" if j == 0 else None)
    ax.errorbar(x, s.mean(axis=0), yerr=s.std(axis=0), fmt="s-", color=PALETTE[1], lw=2,
                capsize=4, label="평균 ± 표준편차")
    if best is not None:
        ax.plot([x[best]], [s.mean(axis=0)[best]], "*", color=PALETTE[4], ms=18,
                markeredgecolor="black", label="선택", zorder=4)
    ax.set_xticks(x)
    ax.set_xticklabels(labels)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3)
    return fig


# -- the explorer: weight decay and dropout on the moons -----------------------------------------
_MOONS = {"n_train": 40, "noise": 0.3, "n_test": 1000, "hidden": 64, "steps": 600, "lr": 0.1,
          "momentum": 0.9, "resolution": 90, "lim": ((-1.7, 2.7), (-1.4, 1.9))}


def _check_choice(value, options, where, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: expected {name} in {list(options)}, got {value!r}")
    for o in options:
        if abs(float(value) - o) < 1e-12:
            return o
    raise ValueError(f"{where}: expected {name} in {list(options)}, got {value!r}")


@functools.lru_cache(maxsize=1)
def _moons_data():
    from ..data import moons

    X, y = moons(n=_MOONS["n_train"], noise=_MOONS["noise"], seed=1)
    X_test, y_test = moons(n=_MOONS["n_test"], noise=_MOONS["noise"], seed=2)
    return X, y, X_test, y_test


@functools.lru_cache(maxsize=None)
def _trained_state(weight_decay, dropout):
    from .. import layers, losses, optim
    from ..backend import to_device
    from ..module import Sequential
    from ..train import accuracy

    X, y, X_test, y_test = _moons_data()
    h = _MOONS["hidden"]
    parts = [layers.Linear(2, h, seed=0), layers.ReLU()]
    if dropout:
        parts.append(layers.Dropout(dropout, seed=10))
    parts += [layers.Linear(h, h, seed=1), layers.ReLU()]
    if dropout:
        parts.append(layers.Dropout(dropout, seed=11))
    parts.append(layers.Linear(h, 2, seed=2))
    model = Sequential(*parts)
    loss_fn = losses.CrossEntropyLoss()
    opt = optim.SGD(model.parameters(), lr=_MOONS["lr"], momentum=_MOONS["momentum"],
                    weight_decay=weight_decay)
    Xd, yd = to_device(X), to_device(y)
    model.train()
    for _ in range(_MOONS["steps"]):  # full-batch gradient descent with momentum
        opt.zero_grad()
        loss_fn(model(Xd), yd)
        model.backward(loss_fn.backward())
        opt.step()
    model.eval()  # dropout off: the boundary of the network as it is used after training
    (x0, x1), (y0, y1) = _MOONS["lim"]
    r = _MOONS["resolution"]
    xx, yy = np.meshgrid(np.linspace(x0, x1, r), np.linspace(y0, y1, r))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    scores = to_numpy(model(to_device(grid)))
    margin = (scores[:, 1] - scores[:, 0]).reshape(xx.shape)  # > 0: class 1
    weights = [p.data for name, p in model.named_parameters() if name.endswith("weight")]
    return {
        "weight_decay": weight_decay, "dropout": dropout,
        "X": X, "y": y, "xx": xx, "yy": yy, "margin": margin,
        "train_accuracy": float(accuracy(model(Xd), yd)),
        "test_accuracy": float(accuracy(model(to_device(X_test)), to_device(y_test))),
        "weight_norm": float(np.sqrt(sum(float(np.sum(to_numpy(w) ** 2)) for w in weights))),
    }


def boundary_state(weight_decay=0.0, dropout=0.0):
    """A 2-64-64-2 ReLU network trained on 40 noisy moons with weight decay λ and dropout p.

    Full-batch SGD with momentum (600 steps, ρ = 0.1, μ = 0.9, ``weight_decay`` = λ), inverted
    dropout with rate ``dropout`` after each hidden ReLU, fixed seeds: the same values give the
    same network. ``weight_decay`` must be one of :data:`EXPLORER_DECAYS` and ``dropout`` one of
    :data:`EXPLORER_DROPOUTS` (the explorer's finite set of states). Results are cached.

    Returns a dict: ``X`` (40, 2), ``y`` (40,), ``xx``/``yy`` (R, R) grid, ``margin`` (R, R)
    = s₁ − s₀ (class 1 where > 0), ``train_accuracy``, ``test_accuracy`` (on 1,000 fresh moons
    of the same noise), ``weight_norm`` ‖W‖ over the weight matrices.
    """
    where = "boundary_state"
    lam = _check_choice(weight_decay, EXPLORER_DECAYS, where, "weight_decay")
    p = _check_choice(dropout, EXPLORER_DROPOUTS, where, "dropout")
    return _trained_state(lam, p)


def boundary_grid():
    """Every explorer state, ``{(λ, p): boundary_state(λ, p)}`` (24 small trainings, cached)."""
    return {(lam, p): boundary_state(lam, p)
            for lam in EXPLORER_DECAYS for p in EXPLORER_DROPOUTS}


@readable
def plot_boundary_state(state, ax=None, title=None):
    """The decision regions of a :func:`boundary_state` with its 40 training points.

    The title gives λ and p, the text box the training and test accuracy and ‖W‖. Returns ax.
    """
    if ax is None:
        _, ax = new_figure(width=4.6, height=4.0)
    cmap = ListedColormap([PALETTE[1], PALETTE[0]])
    ax.contourf(state["xx"], state["yy"], (state["margin"] > 0).astype(float),
                levels=[-0.5, 0.5, 1.5], cmap=cmap, alpha=0.18)
    if state["margin"].min() < 0 < state["margin"].max():
        ax.contour(state["xx"], state["yy"], state["margin"], levels=[0.0], colors="k",
                   linewidths=1.8)
    X, y = state["X"], state["y"]
    for c, marker in ((0, "s"), (1, "o")):
        sel = y == c
        ax.scatter(X[sel, 0], X[sel, 1], s=55, c=PALETTE[1 - c], marker=marker,
                   edgecolors="k", linewidths=0.8, zorder=3, label=f"부류 {c}")
    ax.set_xlim(state["xx"].min(), state["xx"].max())
    ax.set_ylim(state["yy"].min(), state["yy"].max())
    ax.set_xlabel("x₁", fontsize=13)
    ax.set_ylabel("x₂", fontsize=13)
    ax.tick_params(labelsize=11)
    ax.grid(False)
    if title is None:
        title = f"λ = {state['weight_decay']:g}, p = {state['dropout']:g}"
    ax.set_title(title, fontsize=14)
    ax.text(0.02, 0.02, f"훈련 {state['train_accuracy']:.0%} · 테스트 "
            f"{state['test_accuracy']:.1%}\n‖W‖ = {state['weight_norm']:.1f}",
            transform=ax.transAxes, fontsize=12, va="bottom",
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"})
    return ax


@readable
def plot_regularization_compare(weight_decay=0.01, dropout=0.0):
    """The explorer's figure: no regularisation (top) above the chosen λ and p (bottom)."""
    # fixed margins instead of constrained layout, one shared y axis: the explorer's frames are
    # precomputed for every state, and laying out tick labels was most of a redraw's cost
    # one above the other (readable on a phone), one shared x axis and fixed margins instead of
    # constrained layout: the explorer's frames are precomputed for every state, and laying out
    # tick labels was most of a redraw's cost
    fig, axes = new_figure(nrows=2, width=4.8, height=8.0, sharex=True, layout="none")
    fig.subplots_adjust(left=0.16, right=0.98, bottom=0.07, top=0.95, hspace=0.17)
    plot_boundary_state(boundary_state(0.0, 0.0), ax=axes[0], title="규제 없음 (λ = 0, p = 0)")
    plot_boundary_state(boundary_state(weight_decay, dropout), ax=axes[1])
    axes[0].set_xlabel("")
    return fig
