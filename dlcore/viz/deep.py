"""Figures and measurements of 9장 (깊은 신경망): deep MLPs, their linear regions, and the gradient
norm of every layer.

Pure helpers return numbers and are unit-tested:

* :func:`deep_mlp` builds a deep MLP of dlcore layers with a named initialisation;
* :func:`count_params` counts the weights of the notes' U¹ … U^L (bias in column 0);
* :func:`activation_patterns`, :func:`region_map` and :func:`count_linear_regions` count the
  linear regions of a ReLU network on a grid of a 2-D input;
* :func:`folding_network` is Montúfar et al. (2014)'s construction: every layer folds both input
  axes in two, so that k layers make 4^k linear regions of the unit square;
* :func:`width_for_budget` and :func:`shallow_max_regions` let deep and shallow networks be
  compared at the same number of parameters;
* :func:`depth_grad_state` measures ‖∂L/∂W‖ per layer with :func:`dlcore.diagnostics.weight_grad_norms`.

``plot_*`` functions return the matplotlib ``Figure`` they drew on. Everything runs on the host.
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FixedLocator, NullLocator

from .. import init as _init
from ..backend import to_device, to_numpy
from ..diagnostics import weight_grad_norms
from ..layers import Linear, ReLU, Sigmoid, Tanh
from ..losses import MSELoss
from ..module import Sequential
from .regularization import readable
from .style import PALETTE, new_figure

__all__ = [
    "ACTIVATIONS", "INITS", "deep_mlp", "count_params", "activation_patterns", "region_map",
    "count_linear_regions", "folding_network", "width_for_budget", "shallow_max_regions",
    "depth_grad_state", "plot_dmlp", "plot_region_maps", "plot_region_counts",
    "plot_depth_grad_state", "sci_text",
]

#: Hidden activations that :func:`deep_mlp` knows, with the layer class of each.
ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU}
#: Initialisations that :func:`deep_mlp` knows: Xavier/Glorot (2010) and He (2015), uniform.
INITS = ("xavier", "he")
_ACT_NAMES = {"sigmoid": "시그모이드", "tanh": "tanh", "relu": "ReLU"}
_INIT_NAMES = {"xavier": "Xavier", "he": "He"}


def _choice(value, options, where, name):
    if value not in options:
        raise ValueError(f"{where}: expected {name} to be one of {sorted(options)}, got {value!r}")
    return value


def _sizes(sizes, where):
    try:
        sizes = [int(n) for n in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected a sequence of layer sizes (n_0, n_1, ..., n_L), "
                         f"got {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"{where}: expected at least two positive layer sizes (n_0, ..., n_L), "
                         f"got {sizes}")
    return sizes


# ---------------------------------------------------------------------------------------------
# Building and counting deep MLPs
# ---------------------------------------------------------------------------------------------
def deep_mlp(sizes, activation="relu", init="he", out_activation=None, bias_bound=0.0, seed=0):
    """A deep MLP ``Linear → τ → … → Linear`` of dlcore layers.

    ``sizes = (n_0, n_1, ..., n_L)``: n_0 inputs, L layers, n_l nodes in layer l. The hidden
    layers 1 … L−1 use ``activation`` (``"sigmoid"``, ``"tanh"`` or ``"relu"``); the output
    layer L uses ``out_activation`` (one of the same names, or None for a linear output).
    ``init``: ``"xavier"`` (Glorot & Bengio 2010, U(±√(6/(fan_in+fan_out)))) or ``"he"``
    (He et al. 2015, U(±√(6/fan_in))). Biases start at 0, or, with ``bias_bound`` b > 0, are
    drawn from U(−b, b). Layer l is seeded with ``seed + l``.

    Returns a :class:`~dlcore.Sequential` with L ``Linear`` layers.
    """
    where = "deep_mlp"
    sizes = _sizes(sizes, where)
    act = ACTIVATIONS[_choice(activation, ACTIVATIONS, where, "activation")]
    _choice(init, INITS, where, "init")
    if out_activation is not None:
        _choice(out_activation, ACTIVATIONS, where, "out_activation")
    layers = []
    n_layers = len(sizes) - 1
    for k in range(1, n_layers + 1):
        lin = Linear(sizes[k - 1], sizes[k], seed=seed + k)
        if init == "xavier":
            _init.xavier_uniform_(lin.weight, seed=seed + k)
        else:
            _init.kaiming_uniform_(lin.weight, nonlinearity="relu", seed=seed + k)
        if bias_bound > 0:
            _init.uniform_(lin.bias, -bias_bound, bias_bound, seed=seed + 1000 + k)
        layers.append(lin)
        if k < n_layers:
            layers.append(act())
        elif out_activation is not None:
            layers.append(ACTIVATIONS[out_activation]())
    return Sequential(*layers)


def count_params(sizes):
    """Number of weights of U¹ … U^L, biases included: Σ_l n_l (n_{l−1} + 1)."""
    sizes = _sizes(sizes, "count_params")
    return int(sum(n * (m + 1) for m, n in zip(sizes[:-1], sizes[1:], strict=True)))


def width_for_budget(depth, budget, n_in=2, n_out=1):
    """The largest common width w of ``depth`` hidden layers whose network
    (n_in, w, …, w, n_out) has at most ``budget`` parameters. Returns ``(w, params)``."""
    where = "width_for_budget"
    if int(depth) != depth or depth < 1:
        raise ValueError(f"{where}: expected depth ≥ 1 hidden layers, got {depth!r}")
    depth = int(depth)

    def params(w):
        return count_params([n_in] + [w] * depth + [n_out])

    if params(1) > budget:
        raise ValueError(f"{where}: even width 1 needs {params(1)} parameters, more than the "
                         f"budget {budget}")
    w = 1
    while params(w + 1) <= budget:
        w += 1
    return w, params(w)


def shallow_max_regions(n, d=2):
    """Most regions that n ReLU (or step) units of one hidden layer can cut R^d into:
    Σ_{j=0}^{d} C(n, j) (n hyperplanes in general position; for d = 2 this is 1 + n + n(n−1)/2,
    2장's 1 + Σ_{i=1}^{n} i)."""
    if int(n) != n or n < 0:
        raise ValueError(f"shallow_max_regions: expected a count n ≥ 0, got {n!r}")
    return int(sum(math.comb(int(n), j) for j in range(int(d) + 1)))


# ---------------------------------------------------------------------------------------------
# Linear regions of ReLU networks
# ---------------------------------------------------------------------------------------------
def activation_patterns(model, X):
    """Which ReLU units are on (pre-activation > 0) for each row of X.

    ``model``: a :class:`~dlcore.Sequential` with at least one ``ReLU`` layer; ``X`` (N, n_0).
    Returns a boolean array (N, number of ReLU units), units in model order. Inside one
    activation pattern the network is one affine function of x.
    """
    where = "activation_patterns"
    if not isinstance(model, Sequential):
        raise ValueError(f"{where}: expected a Sequential, got {type(model).__name__}")
    if not any(isinstance(layer, ReLU) for layer in model):
        raise ValueError(f"{where}: expected a network with ReLU layers, got none in {model!r}")
    h = to_device(np.asarray(X, dtype=float))
    on = []
    for layer in model:
        if isinstance(layer, ReLU):
            on.append(to_numpy(h > 0))
        h = layer.forward(h)
    return np.concatenate(on, axis=1)


def region_map(model, extent=(0.0, 1.0), n=256):
    """Label every point of an n×n grid over ``extent`` = (lo, hi) (the square [lo, hi]²) by
    its activation pattern. The grid points are the centres of n×n equal cells. Returns
    ``(labels, count)``: labels (n, n) ints in 0 … count−1, row i is x₂ = grid[i], column j
    is x₁ = grid[j]."""
    lo, hi = (float(v) for v in extent)
    if not hi > lo or int(n) < 2:
        raise ValueError(f"region_map: expected extent (lo, hi) with lo < hi and n ≥ 2, "
                         f"got {extent!r} and n={n!r}")
    # cell centres, not the edges: a grid point exactly on a region boundary (a unit at exactly
    # 0, e.g. on x = 0) would otherwise count the boundary line as a region of its own
    g = lo + (np.arange(int(n)) + 0.5) * (hi - lo) / int(n)
    x1, x2 = np.meshgrid(g, g)
    patterns = activation_patterns(model, np.column_stack([x1.ravel(), x2.ravel()]))
    packed = np.packbits(patterns, axis=1)  # one row of bytes per point
    _, labels = np.unique(packed, axis=0, return_inverse=True)
    labels = labels.reshape(int(n), int(n))
    return labels, int(labels.max()) + 1


def count_linear_regions(model, extent=(0.0, 1.0), n=256):
    """Number of distinct activation patterns on an n×n grid over [lo, hi]².

    A lower bound for the regions inside the square (a region thinner than the grid spacing is
    missed) and says nothing about regions outside it.
    """
    return region_map(model, extent, n)[1]


def folding_network(depth):
    """Montúfar et al. (2014)'s folding construction on the unit square, as a dlcore network.

    Every hidden layer has 4 ReLU units, two per input axis, ``relu(t)`` and ``relu(t − ½)``;
    the next layer reads the tent ``2·relu(t) − 4·relu(t − ½)``, which folds [0, 1] onto itself
    at t = ½. After ``depth`` layers each axis is folded into 2^depth pieces and the square
    into 4^depth; the output (one node) adds the two tents. Sizes (2, 4, …, 4, 1).
    """
    if int(depth) != depth or depth < 1:
        raise ValueError(f"folding_network: expected depth ≥ 1, got {depth!r}")
    depth = int(depth)
    tent = np.array([2.0, -4.0])
    layers = []
    for k in range(depth):
        lin = Linear(2 if k == 0 else 4, 4, seed=k)
        W = np.zeros((4, 2 if k == 0 else 4))
        for axis in range(2):
            rows = slice(2 * axis, 2 * axis + 2)
            if k == 0:
                W[rows, axis] = 1.0
            else:
                W[rows, 2 * axis:2 * axis + 2] = tent
        lin.weight.data[...] = to_device(W)
        lin.bias.data[...] = to_device(np.array([0.0, -0.5, 0.0, -0.5]))
        layers += [lin, ReLU()]
    out = Linear(4, 1, seed=depth)
    out.weight.data[...] = to_device(np.concatenate([tent, tent])[None, :])
    out.bias.data[...] = 0.0
    return Sequential(*layers, out)


# ---------------------------------------------------------------------------------------------
# Gradient norm per layer
# ---------------------------------------------------------------------------------------------
def depth_grad_state(depth=10, activation="sigmoid", init="xavier", width=32, n=64, seed=0):
    """‖∂L/∂W^l‖ for every layer l of a freshly initialised deep MLP.

    The network has ``depth`` Linear layers, sizes (width, width, …, width, 1), hidden
    ``activation`` and initialisation ``init`` (see :func:`deep_mlp`), a linear output and
    the loss ½ Σ (o − y)² / n (``0.5 * MSELoss()`` is the mean; here the sum over the batch
    divided by n) on n random inputs x ~ N(0, 1) and targets y ~ N(0, 1), all seeded by
    ``seed``. Returns a dict with ``"norms"`` (depth,) (layer 1 next to the input) and
    ``"ratio"``, the first layer's norm over the last layer's.
    """
    where = "depth_grad_state"
    if int(depth) != depth or depth < 2:
        raise ValueError(f"{where}: expected depth ≥ 2 layers, got {depth!r}")
    rng = np.random.default_rng(seed)
    X = to_device(rng.standard_normal((n, width)))
    Y = to_device(rng.standard_normal((n, 1)))
    model = deep_mlp([width] * int(depth) + [1], activation=activation, init=init, seed=seed)
    loss_fn = MSELoss(reduction="sum")
    loss_fn(model(X), Y)
    model.backward(0.5 * loss_fn.backward() / n)
    norms = np.array([v for _, v in weight_grad_norms(model)])
    return {"norms": norms, "ratio": float(norms[0] / norms[-1])}


# ---------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------
@readable
def plot_dmlp(sizes=(2, 4, 4, 4, 1), ax=None, max_nodes=6):
    """Draw a deep MLP layer by layer: node columns z⁰ = x, z¹, …, z^L = o, the bias node
    (value 1, orange) on top of every layer but the last, and U^l with its shape
    n_l × (n_{l−1}+1) between columns. Layers wider than ``max_nodes`` are drawn with a gap."""
    sizes = _sizes(sizes, "plot_dmlp")
    n_layers = len(sizes) - 1
    if ax is None:
        fig, ax = plt.subplots(figsize=(1.0 * n_layers + 1.0, 4.0))
    else:
        fig = ax.figure
    columns = []
    for k, n in enumerate(sizes):
        shown = list(range(1, n + 1)) if n <= max_nodes else [1, 2, None, n]
        nodes = ([0] if k < n_layers else []) + shown
        ys = np.linspace(1.0, -1.0, len(nodes)) * 0.28 * (len(nodes) - 1)
        columns.append(list(zip(nodes, ys, strict=True)))
    for k in range(n_layers):
        for i, y0 in columns[k]:
            for j, y1 in columns[k + 1]:
                if i is None or j is None or j == 0:
                    continue
                ax.plot([_DX * k, _DX * (k + 1)], [y0, y1], color="0.75", lw=0.7, zorder=1)
    top = max(y for col in columns for _, y in col) + 0.45
    bottom = min(y for col in columns for _, y in col) - 0.45
    for k, col in enumerate(columns):
        sym = "x" if k == 0 else ("o" if k == n_layers else "z")
        for idx, y in col:
            if idx is None:
                ax.text(_DX * k, y, "⋮", ha="center", va="center", fontsize=16)
                continue
            bias = idx == 0
            ax.scatter([_DX * k], [y], s=520, color="white", zorder=2, linewidth=1.8,
                       edgecolor=PALETTE[4] if bias else PALETTE[0])
            label = "1" if bias else f"{sym}{_sub(idx)}"
            ax.text(_DX * k, y, label, ha="center", va="center", fontsize=12, zorder=3)
        name = "입력" if k == 0 else ("출력" if k == n_layers else f"{k}층")
        ax.text(_DX * k, top, f"{name}\nn{_sub(k)} = {sizes[k]}", ha="center", va="bottom",
                fontsize=12)
        if k > 0:
            ax.text(_DX * (k - 0.5), bottom, f"U{_sup(k)}\n{sizes[k]}×{sizes[k - 1] + 1}",
                    ha="center", va="top", fontsize=12, color=PALETTE[1])
    ax.set_ylim(bottom - 0.75, top + 0.6)
    ax.set_xlim(-0.7, _DX * n_layers + 0.7)
    ax.axis("off")
    return fig


_DX = 1.5  # horizontal distance of two layers in plot_dmlp

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sub(i):
    return str(i).translate(_SUB)


def _sup(i):
    return str(i).translate(_SUP).replace("-", "⁻")


def sci_text(x, digits=1):
    """A number in scientific notation for Korean prose: 3.4e-13 -> "3.4×10⁻¹³"."""
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"sci_text: expected a finite number, got {x!r}")
    mantissa, exponent = f"{x:.{int(digits)}e}".split("e")
    return f"{mantissa}×10{_sup(int(exponent))}"


def _region_colours(count, seed=0):
    """A fixed random colour per region label, so that neighbouring regions differ."""
    rng = np.random.default_rng(seed)
    base = plt.get_cmap("tab20")(np.arange(20))[:, :3]
    pick = rng.integers(0, 20, size=count)
    jitter = rng.uniform(-0.08, 0.08, size=(count, 3))
    return np.clip(base[pick] + jitter, 0, 1)


@readable
def plot_region_maps(maps, extent=(0.0, 1.0), titles=None, axes=None):
    """Show region maps side by side. ``maps``: list of ``(labels, count)`` from
    :func:`region_map`; each panel's title ends with its region count."""
    if axes is None:
        fig, axes = new_figure(ncols=len(maps), width=3.0 * len(maps), height=3.7)
    axes = np.atleast_1d(axes)
    fig = axes[0].figure
    titles = titles or [""] * len(maps)
    for ax, (labels, count), title in zip(axes, maps, titles, strict=True):
        img = _region_colours(count)[labels]
        ax.imshow(img, origin="lower", extent=(*extent, *extent), interpolation="nearest")
        ax.set_title(f"{title}\n영역 {count:,}개" if title else f"영역 {count:,}개")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.grid(False)
    return fig


@readable
def plot_region_counts(series, ax=None, xlabel="은닉층 수 k", title="깊이와 선형 영역의 수"):
    """Region count against depth on a log axis, one line per item of ``series``
    (label -> (depths, counts)); a label ending in "(이론)" is drawn dashed."""
    if ax is None:
        fig, ax = new_figure(width=5.4, height=5.6)
    else:
        fig = ax.figure
    for i, (label, (xs, ys)) in enumerate(series.items()):
        style = "--" if label.endswith("(이론)") else "-"
        ax.plot(xs, ys, style, marker="o", color=PALETTE[i % len(PALETTE)], label=label)
    ax.set_yscale("log")
    ax.set_xticks(sorted({int(x) for _, (xs, _) in series.items() for x in xs}))
    ax.set_xlabel(xlabel)
    ax.set_ylabel("영역의 수")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=1)
    return fig


@readable
def plot_depth_grad_state(depth=10, activation="sigmoid", init="xavier", ax=None, **kwargs):
    """The explorer's figure: ‖∂L/∂W^l‖ per layer for one depth, activation and initialisation
    (:func:`depth_grad_state`), on a fixed log axis so that settings can be compared."""
    state = depth_grad_state(depth, activation, init, **kwargs)
    if ax is None:
        fig, ax = new_figure(width=5.4, height=3.8, layout="none")
        fig.subplots_adjust(left=0.17, right=0.97, bottom=0.16, top=0.9)
    else:
        fig = ax.figure
    layers = np.arange(1, depth + 1)
    colour = PALETTE[["sigmoid", "tanh", "relu"].index(activation)]
    ax.plot(layers, state["norms"], "o-", color=colour)
    ax.set_yscale("log")
    ax.set_ylim(1e-13, 1e2)  # every setting of the explorer (depth 2–20) fits
    # every third decade labelled, no minor ticks: readable on a phone, and a quick redraw
    # (the explorer's 60 frames are precomputed; tick-label layout was most of their cost)
    ax.yaxis.set_major_locator(FixedLocator([1e-12, 1e-9, 1e-6, 1e-3, 1e0]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xlim(0.5, 20.5)
    ax.set_xticks([1, 5, 10, 15, 20])
    ax.set_xlabel("층 l (1 = 입력 쪽)")
    ax.set_ylabel("‖∂J/∂Wˡ‖")
    ax.set_title(f"{depth}층, {_ACT_NAMES[activation]}, {_INIT_NAMES[init]} 초기화")
    ax.text(0.98, 0.04, f"1층 / {depth}층 = {state['ratio']:.1e}", transform=ax.transAxes,
            ha="right", fontsize=12)
    return fig
