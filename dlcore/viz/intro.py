"""Figures of the introduction (들어가며): small digit images, rule regions and learnt weights.

Host-side module (NumPy); inputs on the GPU are converted with :func:`dlcore.to_numpy`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from ..backend import to_numpy
from .style import PALETTE, new_figure

__all__ = ["plot_digits", "plot_pixel_weights", "plot_hidden_weights", "plot_digit_verdicts"]


def _images(images):
    imgs = np.asarray(to_numpy(images), dtype=float)
    if imgs.ndim == 4 and imgs.shape[1] == 1:
        imgs = imgs[:, 0]
    if imgs.ndim == 2:
        side = int(round(np.sqrt(imgs.shape[1])))
        if side * side != imgs.shape[1]:
            raise ValueError(f"plot_digits: expected square images, got {imgs.shape[1]} pixels")
        imgs = imgs.reshape(-1, side, side)
    if imgs.ndim != 3:
        raise ValueError("plot_digits: expected images of shape (N, H, W), (N, 1, H, W) or "
                         f"(N, H*W), got {np.shape(to_numpy(images))}")
    return imgs


def _mark(ax, region, colour=PALETTE[1]):
    """Outline pixel rows r0:r1, columns c0:c1 (half-open, like slicing)."""
    r0, r1, c0, c1 = region
    ax.add_patch(Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False,
                           edgecolor=colour, lw=2.0))


def plot_digits(images, titles=None, ncols=8, regions=None, axes=None, size=1.1, cmap="gray_r"):
    """A grid of small grey images (ink dark on white).

    ``images``: (N, H, W), (N, 1, H, W) or (N, H*W); ``titles``: N strings (or None);
    ``regions``: optional dict ``{name: (r0, r1, c0, c1)}`` of pixel blocks outlined on every
    image (for hand-written rules), coloured from the book's palette. Returns the figure.
    """
    imgs = _images(images)
    n = len(imgs)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    if axes is None:
        fig, axes = new_figure(ncols, nrows, width=size * ncols, height=size * nrows + 0.25)
    else:
        fig = np.ravel(axes)[0].figure
    axes = np.ravel(np.asarray(axes, dtype=object))
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k >= n:
            continue
        ax.imshow(imgs[k], cmap=cmap, vmin=0, vmax=max(1.0, imgs.max()))
        for j, region in enumerate((regions or {}).values()):
            _mark(ax, region, PALETTE[(j + 1) % len(PALETTE)])
        if titles is not None:
            ax.set_title(str(titles[k]), fontsize=9)
    return fig


def plot_pixel_weights(weights, ax=None, shape=(8, 8), title="학습된 가중치", colorbar=True):
    """Learnt weights of a one-layer model on images as a diverging image.

    ``weights``: (H*W,) (the bias excluded). Red pixels push the score up, blue ones down.
    Returns ``ax``.
    """
    w = np.asarray(to_numpy(weights), dtype=float).ravel()
    if w.size != shape[0] * shape[1]:
        raise ValueError(f"plot_pixel_weights: expected {shape[0] * shape[1]} weights, got {w.size}")
    if ax is None:
        _, ax = new_figure(width=3.6, height=3.2)
    vmax = np.abs(w).max() or 1.0
    im = ax.imshow(w.reshape(shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, shrink=0.85)
    if title:
        ax.set_title(title)
    return ax


def plot_hidden_weights(weights, shape=(8, 8), ncols=None, titles=None, size=1.6):
    """The incoming weights of every hidden node of a one-hidden-layer net on images.

    ``weights``: (p, H*W), e.g. ``Linear(64, p).weight`` (row j = what hidden node j looks at).
    Each map uses its own symmetric colour scale (red: the node's sum grows with ink there,
    blue: it shrinks). Panels in ``ncols`` columns (default: all in one row), titled
    ``titles`` (default 은닉 노드 1, 2, …). Returns the figure.
    """
    W = np.asarray(to_numpy(weights), dtype=float)
    if W.ndim != 2 or W.shape[1] != shape[0] * shape[1]:
        raise ValueError(f"plot_hidden_weights: expected weights of shape (p, {shape[0] * shape[1]}), "
                         f"got {W.shape}")
    p = W.shape[0]
    ncols = p if ncols is None else int(ncols)
    nrows = -(-p // ncols)
    titles = [f"노드 {j + 1}" for j in range(p)] if titles is None else list(titles)
    fig, axes = new_figure(ncols, nrows, width=size * ncols, height=size * nrows + 0.3)
    axes = np.atleast_1d(axes).ravel()
    for j, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        if j >= p:
            ax.axis("off")
            continue
        vmax = np.abs(W[j]).max() or 1.0
        ax.imshow(W[j].reshape(shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax)
        ax.set_title(titles[j], fontsize=11)
    return fig


def plot_digit_verdicts(image, truth, verdicts, ax=None, class_names=None, title=None,
                        fontsize=13):
    """One image with the answers of several classifiers ("규칙: 7 ✗").

    ``image``: (H, W) or (H*W,); ``truth``: the true label; ``verdicts``: dict ``{name: label}``.
    ``class_names``: optional mapping label -> printed name; ``fontsize`` of the verdicts and
    the title (13: readable with four panels side by side in a 9-inch-wide figure).
    Returns ``ax``.
    """
    img = _images(np.asarray(to_numpy(image))[None])[0]
    if ax is None:
        _, ax = new_figure(width=3.2, height=3.4)

    def name(c):
        return (class_names or {}).get(c, str(c))

    ax.imshow(img, cmap="gray_r", vmin=0, vmax=max(1.0, img.max()))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    lines = [f"정답: {name(truth)}"]
    for who, label in verdicts.items():
        mark = "맞음" if label == truth else "틀림"
        lines.append(f"{who}: {name(label)} ({mark})")
    ax.set_xlabel("\n".join(lines), fontsize=fontsize, loc="left")
    if title:
        ax.set_title(title, fontsize=fontsize)
    return ax
