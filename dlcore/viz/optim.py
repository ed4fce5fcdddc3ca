"""Figures and small helpers for chapter 6 (최적화).

- :class:`Surface`, :func:`regression_surface`, :func:`bowl_problem`, :func:`default_bowl`,
  :func:`saddle_surface` — 2-D loss surfaces with their exact value and gradient: the mean
  squared error of a two-weight linear regression (a quadratic bowl) and a saddle with two minima.
- :func:`make_optimizer`, :func:`optimizer_path` — a ``dlcore.optim`` optimiser chosen by name,
  and the points θ₀, θ₁, … it visits on a surface.
- :func:`momentum_rate` — the convergence factor per step of gradient descent (with or without
  momentum) along one eigen-direction of a quadratic.
- :func:`steps_to_escape` — the first step at which a path has left the saddle.
- :func:`loss_along_line` — the loss of a model on the straight line between two parameter sets.
- :func:`plot_paths`, :func:`plot_rates`, :func:`plot_xy_curves`, :func:`plot_line_slice`,
  :func:`plot_optimizer_state` (the default state of the chapter's explorer).

Host-side module: the surfaces are computed with NumPy; the optimisers are dlcore's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..backend import to_device, to_numpy
from ..module import Parameter
from .style import PALETTE, new_figure

__all__ = [
    "Surface",
    "regression_surface",
    "bowl_problem",
    "default_bowl",
    "saddle_surface",
    "OPTIMIZERS",
    "make_optimizer",
    "optimizer_path",
    "momentum_rate",
    "steps_to_escape",
    "loss_along_line",
    "plot_paths",
    "plot_rates",
    "plot_xy_curves",
    "plot_line_slice",
    "plot_optimizer_state",
]

#: Names understood by :func:`make_optimizer`, with the label a figure shows for each.
OPTIMIZERS = {"sgd": "SGD", "nesterov": "네스테로프", "adagrad": "AdaGrad",
              "rmsprop": "RMSprop", "adam": "Adam"}


# -- surfaces --------------------------------------------------------------------------------
@dataclass
class Surface:
    """A loss J(θ) of two weights θ = (θ₁, θ₂), with its gradient and a window to draw.

    ``value(T)`` takes ``(..., 2)`` points and returns ``(...)`` losses; ``grad(theta)`` takes
    one point ``(2,)`` and returns ``(2,)``. ``minima`` and ``saddles`` are ``(k, 2)`` arrays
    of points to mark; ``levels`` are the contour levels.
    """

    name: str
    value: object
    grad: object
    xlim: tuple
    ylim: tuple
    levels: np.ndarray
    minima: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    saddles: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    hessian: np.ndarray | None = None

    def __call__(self, T):
        return self.value(np.asarray(T, dtype=float))


def regression_surface(X, y, name="선형 회귀의 MSE"):
    """The mean squared error J(θ) = (1/N) Σ (xᵢ·θ − yᵢ)² of a linear model without bias.

    ``X``: ``(N, 2)`` inputs, ``y``: ``(N,)`` or ``(N, 1)`` targets. J is quadratic in θ with the
    constant Hessian H = (2/N) XᵀX and the minimum at the least-squares solution θ*; it is the
    loss that ``dlcore.losses.MSELoss`` computes for ``Linear(2, 1, bias=False)``.
    Returns a :class:`Surface` whose ``hessian`` is H and ``minima`` is ``[θ*]``.
    """
    X = np.asarray(to_numpy(X), dtype=float)
    y = np.asarray(to_numpy(y), dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape[0] != X.shape[0]:
        raise ValueError(f"regression_surface: expected X (N, 2) and y (N,), got "
                         f"{X.shape} and {y.shape}")
    n = X.shape[0]
    H = 2.0 * X.T @ X / n
    b = 2.0 * X.T @ y / n
    c = float(y @ y / n)
    star = np.linalg.solve(H, b)

    def value(T):
        T = np.asarray(T, dtype=float)
        quad = np.einsum("...i,ij,...j->...", T, H, T)
        return 0.5 * quad - T @ b + c

    def grad(theta):
        return H @ np.asarray(theta, dtype=float) - b

    j_star = float(value(star))
    lam_max = float(np.linalg.eigvalsh(H)[-1])
    span = 3.2
    levels = j_star + lam_max * np.array([0.005, 0.02, 0.06, 0.15, 0.3, 0.6, 1.0, 1.6, 2.4, 3.5])
    return Surface(name, value, grad, (star[0] - span, star[0] + span),
                   (star[1] - span, star[1] + span), levels, minima=star.reshape(1, 2),
                   hessian=H)


def bowl_problem(n=100, seed=0):
    """The chapter's two-feature regression data: x₁ ~ N(0, 1), x₂ = 0.6 x₁ + N(0, 0.4²),
    y = 2x₁ − x₂ + N(0, 0.2²). Correlated features make an elongated bowl. Returns
    ``(X (n, 2), y (n, 1))``."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(0.0, 1.0, n)
    x2 = 0.6 * x1 + rng.normal(0.0, 0.4, n)
    X = np.column_stack([x1, x2])
    y = 2.0 * x1 - 1.0 * x2 + rng.normal(0.0, 0.2, n)
    return X, y.reshape(-1, 1)


def default_bowl():
    """:func:`regression_surface` of :func:`bowl_problem` with its defaults."""
    return regression_surface(*bowl_problem())


def saddle_surface():
    """J(θ) = θ₁² + θ₂⁴/4 − θ₂²/2: a saddle at (0, 0) (curvature 2 along θ₁, −1 along θ₂) and
    two minima at (0, ±1) with J = −1/4. Returns a :class:`Surface`."""

    def value(T):
        T = np.asarray(T, dtype=float)
        a, b = T[..., 0], T[..., 1]
        return a ** 2 + b ** 4 / 4 - b ** 2 / 2

    def grad(theta):
        a, b = np.asarray(theta, dtype=float)
        return np.array([2 * a, b ** 3 - b])

    levels = np.array([-0.2, -0.1, 0.0, 0.15, 0.4, 0.8, 1.3, 2.0, 3.0])
    return Surface("안장점이 있는 곡면", value, grad, (-1.6, 1.6), (-1.6, 1.6), levels,
                   minima=np.array([[0.0, 1.0], [0.0, -1.0]]), saddles=np.zeros((1, 2)),
                   hessian=np.diag([2.0, -1.0]))


# -- optimisers on a surface -----------------------------------------------------------------
def make_optimizer(name, params, lr, momentum=None):
    """A ``dlcore.optim`` optimiser by name (see :data:`OPTIMIZERS`).

    ``momentum``: μ for ``"sgd"`` (default 0) and ``"nesterov"`` (default 0.9), β₁ for
    ``"adam"`` (default 0.9); AdaGrad and RMSprop take none (``None`` or 0).
    """
    from .. import optim

    key = str(name).strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"make_optimizer: expected a name in {list(OPTIMIZERS)}, got {name!r}")
    if key == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.0 if momentum is None else momentum)
    if key == "nesterov":
        return optim.SGD(params, lr=lr, momentum=0.9 if momentum is None else momentum,
                         nesterov=True)
    if key == "adam":
        return optim.Adam(params, lr=lr, betas=(0.9 if momentum is None else momentum, 0.999))
    if momentum not in (None, 0, 0.0):
        raise ValueError(f"make_optimizer: {OPTIMIZERS[key]} has no momentum term in dlcore, "
                         f"got momentum={momentum!r}")
    return optim.AdaGrad(params, lr=lr) if key == "adagrad" else optim.RMSprop(params, lr=lr)


def optimizer_path(surface, name, lr, start, steps=100, momentum=None, noise=0.0, seed=0,
                   limit=1e6):
    """Run a dlcore optimiser on ``surface`` from ``start`` and return the points it visits.

    Each step sets the parameter's ``grad`` to the surface's gradient (plus Gaussian noise of
    standard deviation ``noise``, drawn from ``seed``, to imitate a stochastic gradient) and
    calls ``step()``. Stops early, after recording the offending point, once a coordinate
    exceeds ``limit`` in size (the run diverged). Returns ``(k + 1, 2)`` points, k ≤ ``steps``.
    """
    theta = Parameter(to_device(np.array(start, dtype=float).reshape(2)))
    opt = make_optimizer(name, [theta], lr, momentum)
    rng = np.random.default_rng(seed)
    path = [to_numpy(theta.data).copy()]
    for _ in range(int(steps)):
        g = surface.grad(path[-1])
        if noise:
            g = g + noise * rng.standard_normal(2)
        theta.grad[...] = to_device(g)
        opt.step()
        point = to_numpy(theta.data).copy()
        path.append(point)
        if not np.all(np.abs(point) < limit):
            break
    return np.array(path)


def momentum_rate(rho_lambda, mu=0.0, nesterov=False):
    """Factor by which the error shrinks per step, asymptotically, along an eigen-direction of a
    quadratic with curvature λ, for the step ρ (``rho_lambda`` = ρλ, scalar or array).

    It is the spectral radius of the linear map (θ, b) → (θ′, b′) of dlcore's SGD on J = λθ²/2:
    heavy-ball momentum b′ = μb + λθ, θ′ = θ − ρb′; Nesterov θ′ = θ − ρ(λθ + μb′). With μ = 0
    this is |1 − ρλ|. A value below 1 means convergence, above 1 divergence.
    """
    a = np.atleast_1d(np.asarray(rho_lambda, dtype=float))
    out = np.empty_like(a)
    for i, ai in enumerate(a.ravel()):
        if nesterov:
            M = np.array([[1 - ai * (1 + mu), -ai * mu * mu], [1.0, mu]])
        else:
            M = np.array([[1 - ai, -ai * mu], [1.0, mu]])
        out.ravel()[i] = np.max(np.abs(np.linalg.eigvals(M)))
    return out.reshape(np.shape(rho_lambda)) if np.ndim(rho_lambda) else float(out[0])


def steps_to_escape(path, threshold=0.5, axis=1):
    """First step t at which |θ_axis| ≥ ``threshold`` on ``path`` ``(k, 2)``; ``None`` if never."""
    path = np.asarray(path, dtype=float)
    hit = np.nonzero(np.abs(path[:, axis]) >= threshold)[0]
    return int(hit[0]) if hit.size else None


def loss_along_line(model, loss_fn, X, y, start, end, alphas):
    """Loss of ``model`` at θ(a) = (1 − a) θ_start + a θ_end for each a in ``alphas``.

    ``start``/``end``: state dicts (``model.state_dict()`` copies). The model is left at
    ``end``. Returns an array of losses shaped like ``alphas``.
    """
    X, y = to_device(X), to_device(y)
    losses = []
    for a in np.asarray(alphas, dtype=float).ravel():
        model.load_state_dict({k: (1 - a) * start[k] + a * end[k] for k in start})
        model.eval()
        losses.append(float(loss_fn(model(X), y)))
    model.load_state_dict(end)
    model.train()
    return np.array(losses).reshape(np.shape(alphas))


# -- figures ---------------------------------------------------------------------------------
def _num(v, fmt=".2f"):
    return f"{v:{fmt}}".replace("-", "−")


def _until_outside(pts, xlim, ylim, margin=0.25):
    """The points of a path up to and including the first one well outside the window (so that
    a diverging path leaves the picture once instead of filling it with long zigzags)."""
    wx, wy = margin * (xlim[1] - xlim[0]), margin * (ylim[1] - ylim[0])
    outside = ((pts[:, 0] < xlim[0] - wx) | (pts[:, 0] > xlim[1] + wx)
               | (pts[:, 1] < ylim[0] - wy) | (pts[:, 1] > ylim[1] + wy)
               | ~np.all(np.isfinite(pts), axis=1))
    hit = np.nonzero(outside)[0]
    return pts[:hit[0] + 1] if hit.size else pts


def plot_paths(surface, paths, ax=None, title=None, markers=True):
    """Contours of ``surface`` and one line per item of ``paths`` = {label: (k, 2) points}.

    The start is a square, the end a dot; minima are stars, saddles crosses. A path that leaves
    the window is drawn only up to its first point well outside it. Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=5.4, height=4.6)
    else:
        fig = ax.figure
    if not isinstance(paths, Mapping):
        raise ValueError("plot_paths: expected a mapping label -> (k, 2) points")
    g1 = np.linspace(*surface.xlim, 120)
    g2 = np.linspace(*surface.ylim, 120)
    A, B = np.meshgrid(g1, g2)
    Z = surface(np.stack([A, B], axis=-1))
    ax.contour(A, B, Z, levels=surface.levels, colors="0.6", linewidths=0.8,
               linestyles="solid")
    for k, (label, pts) in enumerate(paths.items()):
        pts = _until_outside(np.asarray(pts, dtype=float), surface.xlim, surface.ylim)
        colour = PALETTE[k % len(PALETTE)]
        ax.plot(pts[:, 0], pts[:, 1], "-", color=colour, lw=1.8, label=label)
        if markers:
            ax.plot(pts[:, 0], pts[:, 1], ".", color=colour, ms=4)
            ax.plot(pts[0, 0], pts[0, 1], "s", color="black", ms=6)
            ax.plot(pts[-1, 0], pts[-1, 1], "o", color=colour, ms=7)
    for p in surface.minima:
        ax.plot(p[0], p[1], "*", color="black", ms=13)
    for p in surface.saddles:
        ax.plot(p[0], p[1], "x", color="black", ms=10, mew=2)
    ax.set_xlim(surface.xlim)
    ax.set_ylim(surface.ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("θ₁", fontsize=13)
    ax.set_ylabel("θ₂", fontsize=13)
    ax.tick_params(labelsize=11)
    ax.set_title(title if title is not None else surface.name, fontsize=13)
    if paths:
        ax.legend(loc="lower left", fontsize=11, framealpha=0.85, frameon=True)
    return fig


def plot_rates(mus=(0.0, 0.5, 0.9), nesterov_mu=None, ax=None, max_rho_lambda=4.0):
    """Convergence factor per step (:func:`momentum_rate`) against ρλ, one curve per μ.

    The grey line at 1 separates convergence (below) from divergence (above); each curve's
    stability limit 2(1 + μ) is marked. ``nesterov_mu`` adds Nesterov's curve. Returns the Figure.
    """
    if ax is None:
        fig, ax = new_figure(width=6.2, height=3.9)
    else:
        fig = ax.figure
    a = np.linspace(0.0, max_rho_lambda, 801)
    for k, mu in enumerate(mus):
        label = "모멘텀 없음 (μ = 0)" if mu == 0 else f"모멘텀 μ = {mu:g}"
        ax.plot(a, momentum_rate(a, mu), color=PALETTE[k], lw=2, label=label)
        limit = 2 * (1 + mu)
        if limit <= max_rho_lambda:
            ax.plot(limit, 1.0, "o", color=PALETTE[k], ms=7)
    if nesterov_mu is not None:
        ax.plot(a, momentum_rate(a, nesterov_mu, nesterov=True), "--", color=PALETTE[3], lw=2,
                label=f"네스테로프 μ = {nesterov_mu:g}")
    ax.axhline(1.0, color="0.4", lw=1)
    ax.set_ylim(0, 2.0)
    ax.set_xlim(0, max_rho_lambda)
    ax.set_xlabel("ρλ (학습률 × 곡률)")
    ax.set_ylabel("한 걸음의 오차 배율")
    ax.set_title("1보다 작으면 수렴, 크면 발산")
    ax.legend(loc="upper left")
    return fig


def plot_xy_curves(curves, ax=None, xlabel="", ylabel="", title=None, logx=False, ylim=None):
    """One line per item of ``curves`` = {label: (x, y)}. Returns the Figure."""
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.8)
    else:
        fig = ax.figure
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("plot_xy_curves: expected a non-empty mapping label -> (x, y)")
    styles = ["-", "--", "-.", ":"]
    for i, (label, (x, y)) in enumerate(curves.items()):
        ax.plot(np.asarray(x, dtype=float), np.asarray(to_numpy(y), dtype=float),
                styles[i % 4], color=PALETTE[i % len(PALETTE)], lw=2, label=label)
    if logx:
        ax.set_xscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel, fontsize=12)
    ax.set_ylabel(ylabel, fontsize=12)
    ax.tick_params(labelsize=11)
    if title:
        ax.set_title(title, fontsize=13)
    ax.legend(fontsize=11)
    return fig


def plot_line_slice(alphas, losses, ax=None, title=None):
    """The loss along θ(a) = (1 − a)θ₀ + aθ₁₀ (:func:`loss_along_line`); a = 0 and 1 marked."""
    if ax is None:
        fig, ax = new_figure(width=6.0, height=3.6)
    else:
        fig = ax.figure
    alphas = np.asarray(alphas, dtype=float)
    losses = np.asarray(losses, dtype=float)
    ax.plot(alphas, losses, color=PALETTE[0], lw=2)
    for a, label, dx in [(0.0, "학습 전 θ₀", 0.03), (1.0, "학습 후 θ₁₀", -0.03)]:
        i = int(np.argmin(np.abs(alphas - a)))
        ax.plot(alphas[i], losses[i], "o", color=PALETTE[1], ms=8)
        ax.annotate(label, (alphas[i], losses[i]), (alphas[i] + dx, losses[i] + 0.08 *
                    (losses.max() - losses.min())), ha="left" if dx > 0 else "right")
    ax.set_xlabel("a  (θ = (1 − a)θ₀ + aθ₁₀)")
    ax.set_ylabel("훈련 손실")
    ax.set_title(title or "두 가중치를 잇는 직선 위의 손실")
    return fig


def plot_optimizer_state(optimizer="sgd", lr=0.3, momentum=0.0, steps=50, axes=None):
    """The explorer's figure: one optimiser's path on the bowl (left) and the saddle (right).

    ``momentum`` is μ for SGD and β₁ for Adam; AdaGrad and RMSprop ignore it (dlcore gives
    them none). The bowl run starts at θ* + (−2.5, 2.5), the saddle run at (1.2, 0.01). The
    titles give the last loss (or "발산") and the step at which the saddle was left.
    Returns the Figure.
    """
    key = str(optimizer).strip().lower()
    if key not in OPTIMIZERS:
        raise ValueError(f"plot_optimizer_state: expected an optimiser in {list(OPTIMIZERS)}, "
                         f"got {optimizer!r}")
    mom = momentum if key in ("sgd", "nesterov", "adam") else None
    if axes is None:
        import matplotlib

        # Fixed margins instead of constrained layout: the explorer redraws this figure for
        # every state, and the layout solver would cost most of each redraw.
        with matplotlib.rc_context({"figure.constrained_layout.use": False}):
            fig, axes = new_figure(ncols=2, width=6.6, height=3.9)   # the HTML column, 1:1
        fig.subplots_adjust(left=0.09, right=0.965, bottom=0.12, top=0.85, wspace=0.3)
    else:
        fig = axes[0].figure
    bowl, saddle = default_bowl(), saddle_surface()
    label = OPTIMIZERS[key]
    if key in ("sgd", "nesterov") and momentum:
        label += f", μ = {momentum:g}"
    elif key == "adam":
        label += f", β₁ = {momentum:g}"
    label += f", ρ = {lr:g}"
    start = bowl.minima[0] + np.array([-2.5, 2.5])
    p1 = optimizer_path(bowl, key, lr, start, steps, momentum=mom)
    p2 = optimizer_path(saddle, key, lr, (1.2, 0.01), steps, momentum=mom)
    diverged = len(p1) < steps + 1 or not np.all(np.isfinite(p1[-1]))
    j_end = "발산" if diverged else f"J = {_num(float(bowl(p1[-1])), '.3f')}"
    j_min = float(bowl(bowl.minima[0]))
    plot_paths(bowl, {label: p1}, ax=axes[0],
               title=f"그릇: {steps}걸음 뒤 {j_end}\n(최소 J = {_num(j_min, '.3f')})")
    t = steps_to_escape(p2)
    esc = f"{t}걸음째 탈출" if t is not None else f"{steps}걸음 안에 탈출 못 함"
    plot_paths(saddle, {label: p2}, ax=axes[1],
               title=f"안장점: {esc}\n(1.2, 0.01)에서 출발")
    for ax in axes:                       # few ticks: readable on a phone, cheap to redraw
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.yaxis.set_major_locator(MaxNLocator(4))
        ax.title.set_fontsize(12)
    return fig
