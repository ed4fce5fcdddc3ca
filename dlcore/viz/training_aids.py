"""Figures and measurements for chapter 7 (학습을 돕는 기법).

- :func:`deep_net`, :func:`activation_stats` — a deep fully connected net initialised with a
  named scheme (small normal, Xavier, He) and what every hidden layer outputs for random inputs.
- :func:`plot_layer_histograms`, :func:`plot_layer_std`, :func:`plot_init_state` — the
  per-layer histograms and standard deviations (the last one is the init explorer's figure).
- :func:`dead_unit_fraction` — the share of ReLU units that output 0 for every sample.
- :func:`plot_activation_derivatives` — σ′, tanh′ and ReLU′ on one axis.

Host-side module: the nets are small and the numbers are drawn with NumPy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .. import init as _init
from ..backend import to_numpy
from ..diagnostics import layer_outputs
from .style import PALETTE, new_figure

__all__ = [
    "INIT_SCHEMES",
    "init_std",
    "deep_net",
    "activation_stats",
    "dead_unit_fraction",
    "plot_layer_histograms",
    "plot_layer_std",
    "plot_init_state",
    "plot_std_by_layer",
    "plot_histograms_by_scheme",
    "plot_curve_panels",
    "plot_activation_derivatives",
]

#: Larger type for the chapter's multi-panel figures, so that they stay readable when the HTML
#: column (about 660 px) or a phone shrinks them.
_BIG_TYPE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "xtick.labelsize": 11,
             "ytick.labelsize": 11, "legend.fontsize": 11}

#: Korean names of the initialisation schemes used in chapter 7.
INIT_SCHEMES = {"small": "작은 정규분포 (σ = 0.01)", "xavier": "Xavier", "he": "He"}
_ACTIVATIONS = ("tanh", "relu", "sigmoid")


def _check_choice(value, options, where, name):
    if value not in options:
        raise ValueError(f"{where}: expected {name} to be one of {list(options)}, got {value!r}")
    return value


def init_std(scheme, fan_in, fan_out, scale=1.0):
    """The standard deviation of the normal weights that ``scheme`` gives a layer.

    ``"small"``: 0.01 (whatever the size); ``"xavier"``: √(2 / (fan_in + fan_out))
    (Glorot & Bengio 2010); ``"he"``: √(2 / fan_in) (He et al. 2015). ``scale`` multiplies it.
    """
    where = "init_std"
    _check_choice(scheme, INIT_SCHEMES, where, "scheme")
    if not (isinstance(scale, (int, float)) and np.isfinite(scale) and scale > 0):
        raise ValueError(f"{where}: expected scale > 0, got {scale!r}")
    if scheme == "small":
        return 0.01 * scale
    if scheme == "xavier":
        return scale * float(np.sqrt(2.0 / (fan_in + fan_out)))
    return scale * float(np.sqrt(2.0 / fan_in))


def deep_net(depth=10, width=100, activation="tanh", scheme="xavier", scale=1.0, batchnorm=False,
             n_in=None, n_out=None, seed=0):
    """A ``Sequential`` of ``depth`` blocks Linear → (BatchNorm1d) → activation.

    Every weight is drawn from N(0, std²) with ``std = init_std(scheme, fan_in, fan_out, scale)``
    through :func:`dlcore.init.normal_`; biases are 0. ``n_in`` is the input size (default
    ``width``); with ``n_out`` a final Linear(width, n_out) (He-initialised as dlcore's default)
    is appended for classification. Layer ``i`` uses seed ``seed + i``.

    Shapes: input (N, n_in) → output (N, width) or (N, n_out).
    """
    import dlcore

    where = "deep_net"
    _check_choice(activation, _ACTIVATIONS, where, "activation")
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"{where}: expected depth to be a positive int, got {depth!r}")
    act = {"tanh": lambda: dlcore.Tanh(), "relu": dlcore.ReLU, "sigmoid": dlcore.Sigmoid}[activation]
    layers, fan_in = [], width if n_in is None else n_in
    for i in range(depth):
        lin = dlcore.Linear(fan_in, width, seed=seed + i)
        _init.normal_(lin.weight, std=init_std(scheme, fan_in, width, scale), seed=seed + i)
        layers.append(lin)
        if batchnorm:
            layers.append(dlcore.BatchNorm1d(width))
        layers.append(act())
        fan_in = width
    if n_out is not None:
        layers.append(dlcore.Linear(width, n_out, seed=seed + depth))
    return dlcore.Sequential(*layers)


def activation_stats(scheme="xavier", activation="tanh", depth=10, width=100, n=500, scale=1.0,
                     seed=0):
    """What each hidden layer of a fresh :func:`deep_net` outputs for N(0, 1) inputs.

    Returns a dict: ``"outputs"`` — list of ``depth`` arrays (n, width), the activation outputs
    of layers 1..depth; ``"std"`` — (depth,) their standard deviations; ``"zero"`` — (depth,)
    the share of exact zeros. Deterministic for given arguments (inputs drawn with ``seed``).
    """
    net = deep_net(depth=depth, width=width, activation=activation, scheme=scheme, scale=scale,
                   seed=seed)
    x = np.random.default_rng(seed + 1000).standard_normal((n, width))
    outs = [to_numpy(out) for _, layer, out in layer_outputs(net, x)
            if type(layer).__name__ in ("Tanh", "ReLU", "Sigmoid")]
    return {"outputs": outs,
            "std": np.array([float(o.std()) for o in outs]),
            "zero": np.array([float(np.mean(o == 0)) for o in outs])}


def dead_unit_fraction(model, X):
    """Share of dead units in every ReLU layer of ``model`` (a ``Sequential``).

    A unit is dead when it outputs 0 for every row of ``X``: its gradient is then 0 for all of
    them, so gradient descent can no longer revive it. Runs in the model's current mode.
    Returns a list with one float in [0, 1] per ReLU layer, in model order.
    """
    fractions = []
    for _, layer, out in layer_outputs(model, X):
        if type(layer).__name__ == "ReLU":
            out = to_numpy(out)
            fractions.append(float(np.mean(np.all(out <= 0, axis=0))))
    if not fractions:
        raise ValueError("dead_unit_fraction: expected a model with at least one ReLU layer")
    return fractions


def _layers_to_show(depth, every):
    return list(range(0, depth, every)) + ([depth - 1] if (depth - 1) % every else [])


def plot_layer_histograms(outputs, ax=None, title=None, every=1, bins=40, value_range=None,
                          show_zero=True):
    """Histograms of every layer's outputs stacked one above the other (layer 1 at the bottom).

    ``outputs``: list of arrays, one per layer. Each histogram is scaled to the same height, so
    the picture shows the *shape* of each layer's distribution; the x-axis is shared. Exact
    zeros of ReLU layers would make one tall spike; they are left out of the histogram and, with
    ``show_zero``, their share is written at the right instead. Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=4.2, height=4.6)
    else:
        fig = ax.figure
    outs = [np.asarray(to_numpy(o), dtype=float).ravel() for o in outputs]
    if not outs:
        raise ValueError("plot_layer_histograms: expected at least one layer's outputs")
    if value_range is None:
        hi = max(float(np.percentile(np.abs(o), 99.5)) for o in outs)
        hi = hi if hi > 0 else 1.0
        lo = 0.0 if all(o.min() >= 0 for o in outs) else -hi
        value_range = (lo, hi)
    edges = np.linspace(value_range[0], value_range[1], bins + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    shown = _layers_to_show(len(outs), every)
    for row, i in enumerate(shown):
        o = outs[i]
        zero = np.mean(o == 0)
        counts, _ = np.histogram(o[o != 0] if zero > 0.05 else o, bins=edges)
        h = counts / counts.max() * 0.85 if counts.max() > 0 else counts.astype(float)
        colour = PALETTE[row % 2]
        ax.fill_between(centres, row, row + h, step="mid", color=colour, alpha=0.55, lw=0)
        ax.step(centres, row + h, where="mid", color=colour, lw=1)
        if zero > 0.05 and show_zero:
            ax.text(1.0, row + 0.3, f"0: {zero:.0%}", transform=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=10, clip_on=False)
    ax.set_yticks(range(len(shown)), [str(i + 1) for i in shown])
    ax.set_ylim(-0.2, len(shown))
    ax.set_xlim(value_range)
    ax.set_xlabel("출력값")
    ax.set_ylabel("층")
    ax.grid(axis="y", alpha=0.0)
    if title:
        ax.set_title(title)
    return fig


def plot_layer_std(series, ax=None, title="층별 출력의 표준편차", log=True):
    """Standard deviation of the outputs per layer, one line per item of ``series``.

    ``series``: mapping label -> sequence (depth,). Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.8)
    else:
        fig = ax.figure
    if not isinstance(series, Mapping) or not series:
        raise ValueError("plot_layer_std: expected a non-empty mapping label -> sequence")
    markers = ["o", "s", "^", "D"]
    for i, (label, v) in enumerate(series.items()):
        v = np.asarray(to_numpy(v), dtype=float)
        ax.plot(np.arange(1, len(v) + 1), v, marker=markers[i % 4], color=PALETTE[i % len(PALETTE)],
                label=label)
    if log:
        ax.set_yscale("log")
    ax.set_xticks(range(1, len(v) + 1))
    ax.set_xlabel("층")
    ax.set_ylabel("표준편차")
    if title:
        ax.set_title(title)
    ax.legend()
    return fig


def plot_init_state(scheme="xavier", activation="tanh", scale=1.0, depth=10, width=100, seed=0):
    """The init explorer's figure: per-layer histograms (left) and standard deviations (right)
    of a fresh ``depth``-layer net with the given scheme, activation and scale. Returns the Figure.
    """
    import matplotlib

    stats = activation_stats(scheme=scheme, activation=activation, depth=depth, width=width,
                             scale=scale, seed=seed)
    with matplotlib.rc_context(_BIG_TYPE):
        return _init_state_figure(stats, scheme, activation, scale, depth)


def _init_state_figure(stats, scheme, activation, scale, depth):
    import matplotlib

    # Fixed margins instead of constrained layout, and no minor ticks on the log axis: the
    # explorer redraws this figure for every state, and both would cost most of each redraw.
    with matplotlib.rc_context({"figure.constrained_layout.use": False}):
        fig, (ax1, ax2) = new_figure(ncols=2, width=6.6, height=3.9)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.80, wspace=0.62)
    name = INIT_SCHEMES[scheme]
    rng_hi = 1.0 if activation == "tanh" else None
    plot_layer_histograms(stats["outputs"], ax=ax1,
                          value_range=(-1.0, 1.0) if rng_hi else None,
                          title="층별 출력의 분포")
    ax1.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
    std = stats["std"]
    ax2.plot(np.arange(1, depth + 1), std, "o-", color=PALETTE[0])
    ax2.set_yscale("log")
    ax2.set_ylim(min(1e-6, std.min() / 2), max(10.0, std.max() * 2))
    ax2.yaxis.set_major_locator(matplotlib.ticker.LogLocator(numticks=5))
    ax2.yaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax2.set_xticks(range(1, depth + 1, max(1, depth // 5)))
    ax2.set_xlabel("층")
    ax2.set_ylabel("표준편차")
    ax2.set_title(f"마지막 층 σ = {std[-1]:.2g}")
    fig.suptitle(f"{name} × {scale:g}, {activation}")
    return fig


def plot_std_by_layer(panels):
    """Standard deviation per layer, one panel per item of ``panels`` = {title: {label: std}}
    (e.g. one panel per activation, one line per initialisation), a shared log axis and one
    legend. Returns the Figure."""
    import matplotlib

    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("plot_std_by_layer: expected a non-empty mapping title -> series")
    with matplotlib.rc_context(_BIG_TYPE):
        fig, axes = new_figure(ncols=len(panels), width=6.6, height=3.7, sharey=True,
                               squeeze=False)
        for k, (ax, (title, series)) in enumerate(zip(axes[0], panels.items())):
            plot_layer_std(series, ax=ax, title=title)
            ax.set_xticks(range(1, len(next(iter(series.values()))) + 1, 3))
            if k:
                ax.set_ylabel("")
                ax.get_legend().remove()
    return fig


def plot_histograms_by_scheme(panels, show_zero=None):
    """One :func:`plot_layer_histograms` panel per item of ``panels`` = {title: outputs}.

    ``show_zero``: the title of the one panel that writes the share of zeros (all panels when
    None). Returns the Figure.
    """
    import matplotlib

    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("plot_histograms_by_scheme: expected a non-empty mapping title -> outputs")
    with matplotlib.rc_context(_BIG_TYPE):
        fig, axes = new_figure(ncols=len(panels), width=6.6, height=4.4, sharey=True,
                               squeeze=False)
        for k, (ax, (title, outs)) in enumerate(zip(axes[0], panels.items())):
            plot_layer_histograms(outs, ax=ax, title=title,
                                  show_zero=show_zero is None or show_zero == title)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(3))
            if k:
                ax.set_ylabel("")
    return fig


def plot_curve_panels(panels, ylabel, xlabel="에포크", start=1):
    """Curves side by side: ``panels`` = {title: {label: sequence}}; the same labels get the same
    colours in every panel, and one legend goes below the panels. Returns the Figure."""
    import matplotlib

    if not isinstance(panels, Mapping) or not panels:
        raise ValueError("plot_curve_panels: expected a non-empty mapping title -> curves")
    labels = list(dict.fromkeys(label for curves in panels.values() for label in curves))
    styles = ["-", "--", "-.", ":"]
    with matplotlib.rc_context(_BIG_TYPE):
        fig, axes = new_figure(ncols=len(panels), width=6.6, height=4.2, sharey=True,
                               squeeze=False)
        for k, (ax, (title, curves)) in enumerate(zip(axes[0], panels.items())):
            for label, v in curves.items():
                j = labels.index(label)
                v = np.asarray(to_numpy(v), dtype=float)
                ax.plot(np.arange(start, start + len(v)), v, styles[j % 4],
                        color=PALETTE[j % len(PALETTE)], lw=2, label=label)
            ax.set_title(title)
            ax.set_xlabel(xlabel)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5, integer=True))
            if not k:
                ax.set_ylabel(ylabel)
        handles, names = axes[0][0].get_legend_handles_labels()
        fig.legend(handles, names, loc="outside lower center", ncol=2)
    return fig


def plot_activation_derivatives(ax=None, s_max=5.0):
    """σ′(s), tanh′(s) and ReLU′(s) on one axis, with their maxima marked. Returns the Figure."""
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.6)
    else:
        fig = ax.figure
    s = np.linspace(-s_max, s_max, 1001)
    sig = 1.0 / (1.0 + np.exp(-s))
    relu = np.where(s > 0, 1.0, 0.0)
    relu[np.argmin(np.abs(s))] = np.nan          # undefined at 0: no vertical jump is drawn
    curves = [("σ′(s)", sig * (1 - sig), "-"), ("tanh′(s)", 1 - np.tanh(s) ** 2, "--"),
              ("ReLU′(s)", relu, "-.")]
    for i, (label, d, style) in enumerate(curves):
        ax.plot(s, d, style, color=PALETTE[i], label=f"{label}, 최댓값 {np.nanmax(d):.2f}")
    ax.axhline(0.25, color=PALETTE[0], lw=0.8, ls=":")
    ax.set_xlabel("s")
    ax.set_ylabel("도함숫값")
    ax.set_ylim(-0.05, 1.25)
    ax.set_title("활성 함수의 도함수")
    ax.legend(loc="upper left")
    return fig
