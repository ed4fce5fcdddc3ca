"""Pooling layers: max, average, stochastic and global average pooling (10장).

A pooling layer summarises every KH x KW window of each channel by one number; the window moves
by the stride S (by default the window size, so windows do not overlap). For an input of shape
(N, C, H, W) the output has shape (N, C, OH, OW) with ``OH = (H - KH) // SH + 1`` (rounded down
as in PyTorch: rows that no window covers are dropped), ``OW`` likewise.

The layers work window *offset* by window offset: for each of the KH*KW offsets (u, v)
``x[:, :, u::SH, v::SW]`` (cut to OH x OW) is a strided view holding that pixel of every
window, so a window reduction is KH*KW elementwise operations on views, without copies
(max pooling with stride == kernel goes columns first, then rows: see :class:`MaxPool2d`).
"""

from __future__ import annotations

from .._validate import check_input
from ..backend import xp
from ..module import Module, keep_input
from ..parallel import parts, run_parts
from .conv import _make_rng, _output_hw, _pair

__all__ = ["MaxPool2d", "AvgPool2d", "StochasticPool2d", "GlobalAvgPool2d"]


def _float(dtype):
    """The dtype gradients are computed in: the input's float dtype, float64 for integers."""
    return dtype if dtype.kind == "f" else xp.dtype(xp.float64)


def _offset_view(a, u, v, sh, sw, oh, ow):
    """The pixel at offset (u, v) of every window: a strided view of shape (N, C, OH, OW)."""
    return a[:, :, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw]


class _Pool2d(Module):
    """Shared bookkeeping: kernel/stride parsing, input checks, output size."""

    _name = "Pool2d"

    def __init__(self, kernel_size, stride=None):
        self.kernel_size = _pair(kernel_size, self._name, "kernel_size")
        self.stride = self.kernel_size if stride is None else _pair(stride, self._name, "stride")
        self._cache = None

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}"

    def _check(self, x):
        check_input(x, self._name, (None, None, None, None), names=("N", "C", "H", "W"))
        kh, kw = self.kernel_size
        sh, sw = self.stride
        return _output_hw(x.shape, kh, kw, sh, sw, 0, 0, self._name)

    def _offsets(self):
        kh, kw = self.kernel_size
        return [(u, v) for u in range(kh) for v in range(kw)]

    def _tiles(self, x_shape):
        """True when the windows tile the input exactly (stride == kernel, sizes divide)."""
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        return (kh, kw) == (sh, sw) and x_shape[2] % kh == 0 and x_shape[3] % kw == 0

    def _check_grad(self, grad_out):
        where = f"{self._name}.backward"
        if self._cache is None:
            raise RuntimeError(f"{where}: call forward before backward")
        x_shape, oh, ow = self._cache[:3]
        check_input(grad_out, where, (x_shape[0], x_shape[1], oh, ow),
                    names=("N", "C", "OH", "OW"), finite=False)
        return x_shape, oh, ow

    def _new_dx(self, x_shape, dtype):
        """dx to fill in, and whether it starts at zero and gradients must be added.

        Windows that tile the input cover every pixel exactly once, so dx can be written
        directly; otherwise some pixels are in several windows (or in none)."""
        if self._tiles(x_shape):
            return xp.empty(x_shape, dtype=dtype), False
        return xp.zeros(x_shape, dtype=dtype), True


def _route_to_first_max(cands, best, grad, targets, add):
    """Send ``grad`` to the first of ``cands`` that equals ``best`` (row-major order).

    ``cands`` are views of the same shape as ``best`` (one per window position), ``targets`` the
    matching views of the input gradient: ``targets[k]`` receives ``grad`` where ``cands[k]``
    is the first maximum and 0 elsewhere (``add=True`` adds instead of writing, for windows
    that overlap). Each output's gradient goes to exactly one position, even with ties.
    """
    if len(cands) == 2 and not add:  # two positions: the second gets what the first does not
        xp.multiply(grad, cands[0] == best, out=targets[0])
        xp.subtract(grad, targets[0], out=targets[1])
        return
    remaining = xp.ones(best.shape, dtype=bool)    # windows whose maximum is not found yet
    hit = xp.empty(best.shape, dtype=bool)
    last = len(cands) - 1
    for k, (cand, target) in enumerate(zip(cands, targets, strict=True)):
        if k < last:
            xp.equal(cand, best, out=hit)
            hit &= remaining
            remaining ^= hit                       # hit is a subset of remaining
        else:
            hit = remaining                        # the last position is the maximum if no other was
        if add:
            target += grad * hit
        else:
            xp.multiply(grad, hit, out=target)


class MaxPool2d(_Pool2d):
    """Max pooling: the largest value of every window (PyTorch's ``nn.MaxPool2d``).

    Args:
    - kernel_size: K or (KH, KW)
    - stride: S or (SH, SW); default: the kernel size (non-overlapping windows)

    Shapes: input (N, C, H, W) -> output (N, C, OH, OW), OH = (H - KH) // SH + 1.

    Backward: the gradient of each output goes to the position of its window's maximum, all
    other positions get 0. Ties (e.g. a window of zeros after ReLU) send the whole gradient to
    the *first* maximal position in row-major order within the window, as PyTorch does, so the
    gradient is never duplicated.

    Implementation: the maximum is taken over the KH*KW window positions one after another
    (each position a strided view of x of shape (N, C, OH, OW)). When stride == kernel (the
    usual case, windows do not overlap) forward also records *which* position won, as one byte
    per output (``argmax``, the first maximal position in row-major order); backward then only
    scatters grad_out to those positions and needs neither x nor the output. For overlapping
    windows backward finds the first position equal to the maximum again, from private copies
    of x and of the output.
    """

    _name = "MaxPool2d"

    def forward(self, x):
        """x: (N, C, H, W) -> out: (N, C, OH, OW)."""
        oh, ow = self._check(x)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if (kh, kw) == (sh, sw):    # non-overlapping windows: remember the winner
            out = xp.empty((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
            argmax = xp.zeros(out.shape, dtype=xp.uint8)
            run_parts(lambda s: self._max_and_argmax(x[s], out[s], argmax[s], oh, ow),
                      parts(x.shape[0], x.size))
            self._cache = (x.shape, oh, ow, "argmax", x.dtype, argmax)
        else:
            out = _maximum([_offset_view(x, u, v, sh, sw, oh, ow) for u, v in self._offsets()])
            # private copies of x and out: the caller may overwrite either before backward
            self._cache = (x.shape, oh, ow, "copies", keep_input(self, x),
                           keep_input(self, out, "_kept_out"))
        return out

    def _max_and_argmax(self, x, out, argmax, oh, ow):
        """out = the window maxima of x, argmax = which window position won (non-overlapping
        windows; the images of x only, so that threads can share a batch)."""
        sh, sw = self.stride
        views = [_offset_view(x, u, v, sh, sw, oh, ow) for u, v in self._offsets()]
        _maximum(views, out=out)
        # argmax[n, c, i, j] = first k (row-major in the window) with views[k] == out,
        # counted as the number of leading positions 0..j none of which is the maximum:
        # argmax = sum_j [views[0..j] all < out]  (so the first maximum wins ties)
        found = xp.zeros(out.shape, dtype=bool)
        hit = xp.empty(out.shape, dtype=bool)
        for k in range(len(views) - 1):
            xp.equal(views[k], out, out=hit)
            found |= hit
            xp.logical_not(found, out=hit)
            argmax += hit

    def backward(self, grad_out):
        """grad_out: (N, C, OH, OW) -> dx: (N, C, H, W)."""
        x_shape, oh, ow = self._check_grad(grad_out)
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        if self._cache[3] == "argmax":   # non-overlapping: scatter to the recorded winners
            dtype, argmax = _float(self._cache[4]), self._cache[5]
            dx, _ = self._new_dx(x_shape, dtype)   # zeros where no window covers a pixel

            def scatter(s):   # the images s (all of them, unless dlcore.parallel splits)
                hit = xp.empty(argmax[s].shape, dtype=bool)
                for k, (u, v) in enumerate(self._offsets()):
                    xp.equal(argmax[s], k, out=hit)
                    xp.multiply(grad_out[s], hit, out=_offset_view(dx[s], u, v, sh, sw, oh, ow))

            run_parts(scatter, parts(x_shape[0], grad_out.size * kh * kw))
            return dx
        x, out = self._cache[4:]
        dtype = _float(x.dtype)
        dx = xp.zeros(x_shape, dtype=dtype)
        _route_to_first_max(
            [_offset_view(x, u, v, sh, sw, oh, ow) for u, v in self._offsets()], out,
            grad_out, [_offset_view(dx, u, v, sh, sw, oh, ow) for u, v in self._offsets()],
            add=True)
        return dx


def _maximum(views, out=None):
    """Elementwise maximum of equally shaped arrays, as a new array (or into ``out``)."""
    if len(views) == 1:
        if out is None:
            return views[0].copy()
        out[...] = views[0]
        return out
    out = xp.maximum(views[0], views[1], out=out)
    for v in views[2:]:
        xp.maximum(out, v, out=out)
    return out


class AvgPool2d(_Pool2d):
    """Average pooling: the mean of every window (PyTorch's ``nn.AvgPool2d``, no padding).

    Args and shapes as for :class:`MaxPool2d`. Backward: each window position receives
    ``grad_out / (KH*KW)``. Integer inputs give float64 outputs.
    """

    _name = "AvgPool2d"

    def forward(self, x):
        """x: (N, C, H, W) -> out: (N, C, OH, OW)."""
        oh, ow = self._check(x)
        sh, sw = self.stride
        if x.dtype.kind != "f":
            x = x.astype(xp.float64)
        offsets = self._offsets()
        out = _offset_view(x, *offsets[0], sh, sw, oh, ow).copy()
        for u, v in offsets[1:]:
            out += _offset_view(x, u, v, sh, sw, oh, ow)
        out *= x.dtype.type(1.0 / len(offsets))
        self._cache = (x.shape, oh, ow, x.dtype)
        return out

    def backward(self, grad_out):
        """grad_out: (N, C, OH, OW) -> dx: (N, C, H, W)."""
        x_shape, oh, ow = self._check_grad(grad_out)
        sh, sw = self.stride
        dtype = self._cache[3]
        dx, overlap = self._new_dx(x_shape, dtype)
        share = grad_out * dtype.type(1.0 / len(self._offsets()))
        for u, v in self._offsets():
            target = _offset_view(dx, u, v, sh, sw, oh, ow)
            if overlap:
                target += share
            else:
                target[...] = share
        return dx


class StochasticPool2d(_Pool2d):
    """Stochastic pooling [Zeiler2013]: pick one activation per window at random.

    In window R_j with activations a_i >= 0 (e.g. after ReLU), position i is chosen with
    probability ``p_i = a_i / sum_{k in R_j} a_k`` and its value is the output.

    - Training: one draw per window; backward sends the gradient to the drawn position only
      (like max pooling with a random winner). A window of zeros has no distribution; there
      every position is equally likely (the output is 0 whichever is drawn).
    - Evaluation (``.eval()``): the expected value ``sum_i p_i a_i = sum_i a_i^2 / sum_i a_i``
      (probabilistic weighting, 0 for a window of zeros); its gradient is
      ``(2 a_i - out) / sum_k a_k`` (taken as 0 in a window of zeros).

    Args:
    - kernel_size, stride: as for :class:`MaxPool2d`
    - seed / rng: randomness of the draws (``numpy.random.default_rng(seed)`` or a Generator)

    Shapes: input (N, C, H, W) with non-negative entries -> output (N, C, OH, OW).
    Raises ``ValueError`` for a negative input.
    """

    _name = "StochasticPool2d"

    def __init__(self, kernel_size, stride=None, seed=None, rng=None):
        super().__init__(kernel_size, stride)
        self.rng = _make_rng(seed, rng, self._name)

    def forward(self, x):
        """x: (N, C, H, W), x >= 0 -> out: (N, C, OH, OW)."""
        oh, ow = self._check(x)
        if bool((x < 0).any()):
            raise ValueError(f"{self._name}: expected non-negative input (p_i = a_i / sum a_k, "
                             f"e.g. after ReLU), got a minimum of {float(x.min()):.4g}")
        if x.dtype.kind != "f":
            x = x.astype(xp.float64)
        sh, sw = self.stride
        views = [_offset_view(x, u, v, sh, sw, oh, ow) for u, v in self._offsets()]
        total = views[0].copy()
        for a in views[1:]:
            total += a
        if not self.training:
            sq = views[0] * views[0]
            for a in views[1:]:
                sq += a * a
            empty = total == 0
            out = sq / xp.where(empty, 1, total)
            self._cache = (x.shape, oh, ow, keep_input(self, x), total,
                           keep_input(self, out, "_kept_out"), empty)
            return out
        # training: inverse-CDF sampling. With running sums c_k = a_0 + ... + a_k and
        # r ~ U(0, c_last), the first k with c_k > r is drawn, i.e. k with probability p_k.
        # A window of zeros counts 1 for every position instead. (Sums in float64, so that the
        # last running sum is exactly the limit r is drawn below.)
        empty = total == 0
        cums = []
        running = xp.zeros(total.shape, dtype=xp.float64)
        for a in views:
            running = running + xp.where(empty, 1, a)
            cums.append(running)
        # (xp.asarray: a host numpy Generator may drive a CuPy layer; a no-op under NumPy)
        r = xp.asarray(self.rng.random(total.shape)) * cums[-1]
        choice = xp.full(total.shape, len(views) - 1, dtype=xp.int32)
        for k in range(len(views) - 2, -1, -1):  # smaller k assigned last: the first k wins
            choice[cums[k] > r] = k
        out = xp.zeros_like(total)
        for k, a in enumerate(views):
            xp.copyto(out, a, where=choice == k)
        self._cache = (x.shape, oh, ow, choice, x.dtype)
        return out

    def backward(self, grad_out):
        """grad_out: (N, C, OH, OW) -> dx: (N, C, H, W)."""
        x_shape, oh, ow = self._check_grad(grad_out)
        sh, sw = self.stride
        if len(self._cache) == 7:  # evaluation mode: d out / d a_i = (2 a_i - out) / total
            x, total, out, empty = self._cache[3:]
            dx = xp.zeros(x_shape, dtype=x.dtype)
            scale = xp.where(empty, 0, grad_out / xp.where(empty, 1, total))
            for u, v in self._offsets():
                a = _offset_view(x, u, v, sh, sw, oh, ow)
                _offset_view(dx, u, v, sh, sw, oh, ow)[...] += (2 * a - out) * scale
            return dx
        choice, dtype = self._cache[3], self._cache[4]
        dx = xp.zeros(x_shape, dtype=dtype)
        for k, (u, v) in enumerate(self._offsets()):
            _offset_view(dx, u, v, sh, sw, oh, ow)[...] += grad_out * (choice == k)
        return dx


class GlobalAvgPool2d(Module):
    """Global average pooling: the mean of each channel over all positions [He2016].

    Shapes: input (N, C, H, W) -> output (N, C) (like PyTorch's ``AdaptiveAvgPool2d(1)``
    followed by ``Flatten``). Backward spreads ``grad_out / (H*W)`` over every position.
    """

    def __init__(self):
        self._cache = None

    def forward(self, x):
        """x: (N, C, H, W) -> out: (N, C)."""
        check_input(x, "GlobalAvgPool2d", (None, None, None, None), names=("N", "C", "H", "W"))
        if x.dtype.kind != "f":
            x = x.astype(xp.float64)
        self._cache = (x.shape, x.dtype)
        return x.mean(axis=(2, 3))

    def backward(self, grad_out):
        """grad_out: (N, C) -> dx: (N, C, H, W)."""
        where = "GlobalAvgPool2d.backward"
        if self._cache is None:
            raise RuntimeError(f"{where}: call forward before backward")
        x_shape, dtype = self._cache
        N, C, H, W = x_shape
        check_input(grad_out, where, (N, C), names=("N", "C"))
        dx = xp.empty(x_shape, dtype=dtype)
        dx[...] = (grad_out * dtype.type(1.0 / (H * W))).reshape(N, C, 1, 1)
        return dx
