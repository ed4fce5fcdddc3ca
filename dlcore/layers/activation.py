"""Activation layers: an element-wise τ in ``forward``, ``grad_out · τ'`` in ``backward``.

An element-wise activation ``y = τ(x)`` has a diagonal Jacobian, so backpropagation never forms
it: the upstream gradient is multiplied element by element by the local derivative τ'(x) (4장).
Each layer caches the cheapest thing its derivative needs: ReLU a boolean mask, Sigmoid and Tanh
their output y (σ' = aσ(1−σ), τ' = (a/2)(1−τ²)).

All layers accept inputs of any shape, keep their dtype (float32 stays float32; integer and
boolean inputs become float64) and raise ``ValueError`` for empty, non-numeric or non-finite
input and for a ``grad_out`` whose shape differs from the forward output's.
"""

from __future__ import annotations

from .. import _validate
from .. import functional as F
from ..backend import xp
from ..module import Module, keep_input
from ..parallel import parts, run_parts

__all__ = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softplus", "Step", "Softmax", "LogSoftmax"]


def _check_any_rank(x, where, to_float=True, finite=True):
    """Validate an input of any shape: an array, non-empty, real, finite (see ``_validate``).

    Returns ``x``, converted to float64 when it is an integer or boolean array and ``to_float``.
    ``finite=False`` skips the NaN/inf scan.
    """
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise ValueError(f"{where}: expected an array (any shape), got {type(x).__name__}")
    _validate.check_input(x, where, (None,) * x.ndim, finite=finite)
    if to_float and x.dtype.kind != "f":
        x = x.astype(xp.float64)
    return x


def _own_buffer(layer, attr, shape, dtype):
    """The layer's private array ``attr`` of ``shape`` and ``dtype``, reused from step to step
    (allocated again only when the shape or dtype changes). Only for what the layer keeps for
    itself, never for what it returns."""
    buf = getattr(layer, attr, None)
    if buf is None or tuple(buf.shape) != tuple(shape) or buf.dtype != xp.dtype(dtype):
        buf = xp.empty(shape, dtype=dtype)
    return buf


def _check_grad(grad_out, shape, where, output="the forward output's"):
    """``grad_out`` must be an array of exactly the forward output's ``shape``."""
    if shape is None:
        raise RuntimeError(f"{where}: backward called before forward (nothing cached)")
    got = tuple(grad_out.shape) if hasattr(grad_out, "shape") else type(grad_out).__name__
    if got != shape:
        raise ValueError(f"{where}: expected grad_out of shape {shape} ({output}), got {got}")
    return grad_out


class _Activation(Module):
    """Base class: validation and the shape check; subclasses write ``_forward``/``_backward``."""

    _shape = None

    def forward(self, x):
        """x (any shape) -> τ(x), same shape and dtype."""
        x = _check_any_rank(x, type(self).__name__)
        self._shape = tuple(x.shape)
        return self._forward(x)

    def backward(self, grad_out):
        """∂L/∂y (shape of y) -> ∂L/∂x = ∂L/∂y · τ'(x), same shape."""
        _check_grad(grad_out, self._shape, f"{type(self).__name__}.backward")
        return self._backward(grad_out)


class ReLU(_Activation):
    """Rectified linear unit ``y = max(0, x)`` (표 3-1; Nair & Hinton 2010).

    backward: ``∂L/∂x = ∂L/∂y · [x > 0]`` — the gradient passes where the input was positive and
    stops elsewhere (at x = 0 too, where the derivative is undefined). The layer keeps only the
    boolean mask ``x > 0`` (one byte per element).

    Shapes: x (any) -> y (same); grad_out (same) -> grad_in (same).
    """

    def _forward(self, x):
        self._mask = mask = _own_buffer(self, "_mask", x.shape, bool)
        if x.ndim == 0:
            xp.greater(x, 0, out=mask)
            return xp.maximum(x, 0)
        y = xp.empty(x.shape, dtype=x.dtype)

        def forward(s):   # the rows s of the batch (all of them, unless dlcore.parallel splits)
            xp.greater(x[s], 0, out=mask[s])   # the mask, in a buffer reused between steps
            xp.maximum(x[s], 0, out=y[s])

        run_parts(forward, parts(x.shape[0], x.size))
        return y

    def _backward(self, grad_out):
        if grad_out.ndim == 0:
            return grad_out * self._mask
        dx = xp.empty(grad_out.shape, dtype=xp.result_type(grad_out.dtype, self._mask.dtype))

        def backward(s):
            xp.multiply(grad_out[s], self._mask[s], out=dx[s])

        run_parts(backward, parts(grad_out.shape[0], grad_out.size))
        return dx


class LeakyReLU(_Activation):
    """Leaky ReLU ``y = x`` for x > 0, ``negative_slope · x`` otherwise (PyTorch's name).

    backward: ``∂L/∂x = ∂L/∂y · (1 if x > 0 else negative_slope)``.

    Parameters
    ----------
    negative_slope : float in [0, 1], default 0.01.

    Shapes: x (any) -> y (same).
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = F._leaky_slope(negative_slope, "LeakyReLU")

    def _forward(self, x):
        self._mask = x > 0
        y = xp.asarray(x * self.negative_slope)
        xp.maximum(y, x, out=y)          # max(αx, x) = x for x > 0, αx otherwise (0 ≤ α ≤ 1)
        return y

    def _backward(self, grad_out):
        alpha = self.negative_slope
        local = self._mask.astype(grad_out.dtype)
        local *= 1.0 - alpha
        local += alpha                   # 1 where x > 0, α elsewhere
        local *= grad_out
        return local

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(_Activation):
    """Logistic sigmoid with slope a, ``y = 1 / (1 + e^{−a x})`` (표 3-1; see ``F.sigmoid``).

    backward: ``∂L/∂x = ∂L/∂y · a y (1 − y)``, computed from the cached output y. The local
    derivative is at most a/4 (0.25 for the default a = 1).

    Parameters
    ----------
    a : float > 0, default 1 (PyTorch's ``nn.Sigmoid``).

    Shapes: x (any) -> y (same), values in (0, 1).
    """

    def __init__(self, a=1.0):
        self.a = F._real(a, "Sigmoid", "slope a", low=0.0, low_open=True)

    def _forward(self, x):
        y = F.sigmoid(x, self.a)
        # the local derivative a y (1 − y) now, in an array of our own: the caller may
        # overwrite y before backward
        local = xp.asarray(1.0 - y)
        local *= y
        if self.a != 1.0:
            local *= self.a
        self._local = local
        return y

    def _backward(self, grad_out):
        return self._local * grad_out

    def extra_repr(self):
        return "" if self.a == 1.0 else f"a={self.a}"


class Tanh(_Activation):
    """Hyperbolic tangent; with slope ``a`` the notes' ``y = 2/(1 + e^{−a x}) − 1 = tanh(a x / 2)``.

    The default ``a = 2`` is the ordinary ``tanh(x)`` (PyTorch's ``nn.Tanh``, slope 1 at 0, the
    tanh that Xavier initialisation assumes), the same default as ``F.tanh``. ``Tanh(a=1)`` is
    the curve the notes draw in their table (표 3-1), ``tanh(x/2)``, i.e. ``F.tanh(x, a=1)``.

    backward: ``∂L/∂x = ∂L/∂y · (a/2)(1 − y²)``, from the cached output y; the local derivative is
    at most a/2.

    Shapes: x (any) -> y (same), values in (−1, 1).
    """

    def __init__(self, a=2.0):
        self.a = F._real(a, "Tanh", "slope a", low=0.0, low_open=True)

    def _forward(self, x):
        y = xp.tanh(x * (self.a / 2.0)) if self.a != 2.0 else xp.tanh(x)
        local = xp.asarray(y * y)          # (a/2)(1 − y²) now, in an array of our own
        xp.subtract(1.0, local, out=local)
        if self.a != 2.0:
            local *= self.a / 2.0
        self._local = local
        return y

    def _backward(self, grad_out):
        return self._local * grad_out

    def extra_repr(self):
        return "" if self.a == 2.0 else f"a={self.a}"


class Softplus(_Activation):
    """Softplus ``y = log(1 + e^x)`` (표 3-1), a smooth ReLU; computed stably (see ``F.softplus``).

    backward: ``∂L/∂x = ∂L/∂y · σ(x)``.

    Shapes: x (any) -> y (same), values in (0, ∞).
    """

    def _forward(self, x):
        self._x = keep_input(self, x)
        return F.softplus(x)

    def _backward(self, grad_out):
        local = xp.asarray(F.sigmoid(self._x))
        local *= grad_out
        return local


class Step(_Activation):
    """Step function of the perceptron: ``y = 1`` if x ≥ 0, else ``low`` (−1 by default, 표 3-1).

    backward returns zeros: the step's derivative is 0 wherever it exists (and undefined at 0),
    so no gradient flows back through it and nothing before it can learn by gradient descent.
    That is exactly why multilayer perceptrons replace the step by the sigmoid (2장).

    Shapes: x (any) -> y (same), values in {low, 1}.
    """

    def __init__(self, low=-1.0):
        self.low = F._real(low, "Step", "low")

    def _forward(self, x):
        return F.step(x, self.low)

    def _backward(self, grad_out):
        return xp.zeros_like(grad_out)

    def extra_repr(self):
        return "" if self.low == -1.0 else f"low={self.low}"


class _AlongDim(_Activation):
    """Base of Softmax and LogSoftmax: validates ``dim`` against the input's rank."""

    def __init__(self, dim=-1):
        if not _validate.is_int(dim):
            raise ValueError(f"{type(self).__name__}: expected dim to be an int, got {dim!r}")
        self.dim = int(dim)

    def forward(self, x):
        where = type(self).__name__
        x = _check_any_rank(x, where)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(f"{where}: expected an input with axis dim={self.dim}, "
                             f"got {x.ndim}-D shape {tuple(x.shape)}")
        self._shape = tuple(x.shape)
        return self._forward(x)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """Softmax along ``dim``: ``y_i = e^{x_i} / Σ_j e^{x_j}`` (stable; see ``F.softmax``).

    backward: the Jacobian ``diag(y) − y yᵀ`` applied to the upstream gradient g without forming
    it: ``∂L/∂x = y ⊙ (g − Σ_j g_j y_j)``. For training a classifier use the logits with
    :class:`dlcore.losses.CrossEntropyLoss` instead (simpler gradient, no underflow).

    Shapes: x (N, C) with dim=-1 (any rank works) -> y (same), each slice along dim sums to 1.
    """

    def _forward(self, x):
        y = F.softmax(x, axis=self.dim)
        self._y = keep_input(self, y, "_kept_out")   # our own copy of the output
        return y

    def _backward(self, grad_out):
        y = self._y
        dot = xp.sum(grad_out * y, axis=self.dim, keepdims=True)
        grad_in = grad_out - dot
        grad_in *= y
        return grad_in


class LogSoftmax(_AlongDim):
    """``y = log softmax(x)`` along ``dim`` (stable; see ``F.log_softmax``).

    backward: ``∂L/∂x = g − softmax(x) · Σ_j g_j``.

    Shapes: x (N, C) with dim=-1 (any rank works) -> y (same), values ≤ 0.
    """

    def _forward(self, x):
        y = F.log_softmax(x, axis=self.dim)
        self._softmax = xp.exp(y)          # softmax(x), in an array of our own
        return y

    def _backward(self, grad_out):
        total = xp.sum(grad_out, axis=self.dim, keepdims=True)
        grad_in = self._softmax * total
        return grad_out - grad_in
