"""Activation functions and their derivatives, as plain functions on arrays (표 3-1).

Every function takes an array ``s`` of any shape (a Python number or list is turned into an
array; integer and boolean inputs become float64) and returns an array of the same shape and the
same floating dtype: float32 stays float32. ``*_grad(s)`` returns the derivative ``τ'(s)``
evaluated element-wise at the *input* ``s`` (the layers in :mod:`dlcore.layers` use the cached
output instead where that is cheaper).

The table of the notes (표 3-1), with the corrections the book makes:

=================  ==============================  ==================  ====================
name               τ(s)                            range               τ'(s), its range
=================  ==============================  ==================  ====================
step               +1 if s ≥ 0, −1 if s < 0        the set {−1, +1}    0 (undefined at 0)
sigmoid            1 / (1 + e^{−as})               (0, 1)              aτ(1−τ) ∈ (0, a/4]
tanh               2 / (1 + e^{−as}) − 1           (−1, 1)             (a/2)(1−τ²) ∈ (0, a/2]
softplus           log(1 + e^s)                    (0, ∞)              σ(s) ∈ (0, 1)
relu               max(0, s)                       [0, ∞)              0 or 1 (undefined at 0)
leaky_relu         s if s > 0 else αs              (−∞, ∞)             1 or α
=================  ==============================  ==================  ====================

The maximum of the logistic sigmoid's derivative is 0.25 (at s = 0, a = 1), not 0.3.
``softmax``, ``log_softmax`` and ``logsumexp`` subtract the maximum first, so logits of ±1e4
give exact, finite results.

None of these functions warns or overflows for huge inputs: each is written so that ``exp`` only
ever sees arguments it can represent.
"""

from __future__ import annotations

import math

from .backend import xp
from ._validate import is_int as _is_int

__all__ = [
    "step", "step_grad",
    "sigmoid", "sigmoid_grad",
    "tanh", "tanh_grad",
    "softplus", "softplus_grad",
    "relu", "relu_grad",
    "leaky_relu", "leaky_relu_grad",
    "softmax", "log_softmax", "logsumexp",
]


# -- helpers -------------------------------------------------------------------------------
def _as_float(s, where="dlcore.functional"):
    """``s`` as an array of a floating dtype (integers and booleans become float64).

    Strings, objects, complex numbers and float16 are refused with a ValueError (see
    ``dlcore._validate.FLOAT16_HINT``)."""
    try:
        s = xp.asarray(s)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: expected a real array or number, got "
                         f"{type(s).__name__} ({err})") from None
    if s.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected a real array or number, got dtype {s.dtype}")
    if s.dtype.kind == "f" and s.dtype.itemsize < 4:
        from ._validate import FLOAT16_HINT
        raise ValueError(f"{where}: expected float32 or float64, got {s.dtype}; {FLOAT16_HINT}")
    if s.dtype.kind != "f":
        s = s.astype(xp.float64)
    return s


def _real(value, where, name, low=None, low_open=False):
    """``value`` as a Python float, finite and ``> low`` (or ``≥ low``); ValueError otherwise."""
    if isinstance(value, (bool, str, bytes)) or getattr(value, "dtype", None) == bool:
        raise ValueError(f"{where}: expected {name} to be a real number, "
                         f"got {type(value).__name__} {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected {name} to be a real number, "
                         f"got {type(value).__name__} {value!r}") from None
    ok = math.isfinite(v) and (low is None or (v > low if low_open else v >= low))
    if not ok:
        bound = "" if low is None else (f" > {low}" if low_open else f" ≥ {low}")
        raise ValueError(f"{where}: expected {name} to be a finite number{bound}, got {value!r}")
    return v


def _result(out):
    """Arrays as they are; a 0-d result as a scalar, as NumPy's own functions return it."""
    return out[()] if out.ndim == 0 else out


_EXP_LIMITS = {}


def _exp_limit(dtype):
    """The largest integer t with e^t finite in ``dtype`` (709 for float64, 88 for float32)."""
    key = str(dtype)
    if key not in _EXP_LIMITS:
        _EXP_LIMITS[key] = float(math.floor(math.log(float(xp.finfo(dtype).max))))
    return _EXP_LIMITS[key]


# -- step ----------------------------------------------------------------------------------
def step(s, low=-1.0):
    """Step function of the perceptron (표 3-1): ``τ(s) = 1`` if ``s ≥ 0``, else ``low``.

    With the default ``low = -1`` this is the notes' step, whose values form the two-element set
    {−1, +1} (not the interval between them). ``low=0`` gives the 0/1 step of many other books.
    Derivative: 0 for s ≠ 0, undefined at 0 (:func:`step_grad` returns 0 everywhere).

    Inputs:
    - s: array of any shape.
    - low: value for ``s < 0`` (default −1).

    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "step")
    low = _real(low, "step", "low")
    out = xp.full(s.shape, low, dtype=s.dtype)
    out[s >= 0] = 1
    return _result(out)


def step_grad(s):
    """Derivative of :func:`step`: 0 for every ``s ≠ 0``.

    At ``s = 0`` the step jumps, so the derivative is undefined there; we return 0 everywhere
    (as PyTorch does for such points). A gradient that is 0 everywhere carries no learning signal
    back through the step, which is why multilayer perceptrons replace it by the sigmoid.

    Returns zeros of the same shape and dtype as ``s``.
    """
    return _result(xp.zeros_like(_as_float(s, "step_grad")))


# -- logistic sigmoid ----------------------------------------------------------------------
def sigmoid(s, a=1.0):
    """Logistic sigmoid with slope ``a`` (표 3-1): ``σ_a(s) = 1 / (1 + e^{−as})``.

    Range (0, 1); ``σ_a(0) = 1/2``. The larger ``a``, the closer the curve is to a 0/1 step.
    Derivative ``aσ_a(s)(1 − σ_a(s))``, in (0, a/4] (:func:`sigmoid_grad`).
    Stable for any finite ``s`` (e.g. ``s = ±1e4``): ``−as`` is capped at the largest exponent
    the dtype can represent (709 in float64, 88 in float32), so ``exp`` never overflows and
    nothing warns. The cap changes only results that are below 1.3e-308 (float32: 6.1e-39)
    anyway: ``sigmoid(-1e4)`` returns 1.2e-308 instead of the unrepresentable e^{-1e4}.

    Inputs:
    - s: array of any shape.
    - a: slope, a finite number > 0 (default 1).

    Returns an array of the same shape and dtype as ``s``, values in (0, 1) (in floating point
    they may round to exactly 0 or 1 for ``|as|`` beyond about 37 in float64).
    """
    s = _as_float(s, "sigmoid")
    a = _real(a, "sigmoid", "slope a", low=0.0, low_open=True)
    z = xp.asarray(s * (-a))                              # −as, a new array we may overwrite
    xp.minimum(z, _exp_limit(z.dtype), out=z)             # e^{−as} stays finite
    xp.exp(z, out=z)
    z += 1.0
    xp.reciprocal(z, out=z)                               # 1 / (1 + e^{−as})
    return _result(z)


def sigmoid_grad(s, a=1.0):
    """Derivative of :func:`sigmoid`: ``σ_a'(s) = a σ_a(s) (1 − σ_a(s))``.

    Range (0, a/4]; the maximum a/4 is reached at ``s = 0`` (0.25 for a = 1 — the notes' 0.3 is a
    slip). Because every factor is at most 1/4, a product of many such derivatives shrinks
    quickly: the vanishing gradient of deep sigmoid networks.

    Returns an array of the same shape and dtype as ``s``.
    """
    y = sigmoid(s, a)
    g = 1.0 - y
    g *= y
    if a != 1:
        g *= float(a)
    return _result(g)


# -- hyperbolic tangent (the notes' form) --------------------------------------------------
def tanh(s, a=1.0):
    """Hyperbolic-tangent activation in the notes' form (표 3-1): ``τ(s) = 2/(1 + e^{−as}) − 1``.

    This is the logistic sigmoid stretched to (−1, 1): ``τ(s) = 2σ_a(s) − 1``, and it equals the
    hyperbolic tangent of half the argument, ``τ(s) = tanh(as/2)`` (multiply numerator and
    denominator by e^{as/2}). Hence:

    - with the default ``a = 1`` this is ``tanh(s/2)``, **not** ``numpy.tanh(s)``;
    - ``a = 2`` gives the ordinary ``tanh(s)`` (PyTorch's ``torch.tanh``).

    Range (−1, 1). Derivative ``(a/2)(1 − τ(s)²)``, in (0, a/2] (:func:`tanh_grad`).
    Computed as ``tanh(as/2)``, which is exact and stable for any finite ``s``.

    Inputs:
    - s: array of any shape.
    - a: slope, a finite number > 0 (default 1).

    Returns an array of the same shape and dtype as ``s``, values in (−1, 1).
    """
    s = _as_float(s)
    a = _real(a, "tanh", "slope a", low=0.0, low_open=True)
    return _result(xp.tanh(s * (a / 2.0)))


def tanh_grad(s, a=1.0):
    """Derivative of :func:`tanh`: ``τ'(s) = (a/2)(1 − τ(s)²)``.

    Range (0, a/2]; the maximum a/2 is reached at ``s = 0`` (1/2 for a = 1, 1 for the ordinary
    tanh, a = 2).

    Returns an array of the same shape and dtype as ``s``.
    """
    y = tanh(s, a)
    g = xp.asarray(y * y)
    xp.subtract(1.0, g, out=g)
    g *= float(a) / 2.0
    return _result(g)


# -- softplus ------------------------------------------------------------------------------
def softplus(s):
    """Softplus (표 3-1): ``τ(s) = log(1 + e^s)``, a smooth ReLU.

    Range (0, ∞). Derivative σ(s), in (0, 1) (:func:`softplus_grad`).
    Computed as ``log1p(e^{−|s|}) + max(s, 0)``, which is the same number but never
    overflows (``e^{1e4}`` would) and keeps full precision for very negative ``s``.

    Inputs:
    - s: array of any shape.

    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "softplus")
    out = xp.asarray(xp.abs(s))
    xp.negative(out, out=out)
    xp.exp(out, out=out)
    xp.log1p(out, out=out)
    out += xp.maximum(s, 0)
    return _result(out)


def softplus_grad(s):
    """Derivative of :func:`softplus`: the logistic sigmoid ``σ(s) = 1/(1 + e^{−s})``.

    Range (0, 1). Returns an array of the same shape and dtype as ``s``.
    """
    return sigmoid(s)


# -- rectifiers ----------------------------------------------------------------------------
def relu(s):
    """Rectified linear unit (표 3-1): ``τ(s) = max(0, s)``.

    Range [0, ∞). Derivative 1 for s > 0 and 0 for s < 0, undefined at 0 (:func:`relu_grad`).
    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "relu")
    return _result(xp.maximum(s, 0))


def relu_grad(s):
    """Derivative of :func:`relu`: 1 where ``s > 0``, 0 where ``s < 0``.

    At ``s = 0`` the derivative is undefined (the left and right slopes are 0 and 1); we return
    0 there, as PyTorch does. Returns an array of 0s and 1s, same shape and dtype as ``s``.
    """
    s = _as_float(s, "relu_grad")
    return _result((s > 0).astype(s.dtype))


def leaky_relu(s, negative_slope=0.01):
    """Leaky ReLU: ``τ(s) = s`` if ``s > 0``, else ``negative_slope · s`` (PyTorch's name).

    A small slope α for negative inputs keeps a gradient alive where ReLU's is 0 (a "dying"
    ReLU). Range (−∞, ∞) for α > 0. Derivative 1 for s > 0 and α for s < 0
    (:func:`leaky_relu_grad`).

    Inputs:
    - s: array of any shape.
    - negative_slope: α, a number in [0, 1] (default 0.01).

    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "leaky_relu")
    alpha = _leaky_slope(negative_slope, "leaky_relu")
    out = xp.asarray(s * alpha)
    xp.maximum(out, s, out=out)      # for 0 ≤ α ≤ 1: max(αs, s) is s for s > 0 and αs otherwise
    return _result(out)


def leaky_relu_grad(s, negative_slope=0.01):
    """Derivative of :func:`leaky_relu`: 1 where ``s > 0``, ``negative_slope`` where ``s ≤ 0``.

    (Undefined at ``s = 0``; we return the left slope α there, as PyTorch does.)
    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "leaky_relu_grad")
    alpha = _leaky_slope(negative_slope, "leaky_relu_grad")
    g = (s > 0).astype(s.dtype)
    g *= 1.0 - alpha
    g += alpha
    return _result(g)


def _leaky_slope(value, where):
    alpha = _real(value, where, "negative_slope", low=0.0)
    if alpha > 1.0:
        raise ValueError(f"{where}: expected negative_slope in [0, 1], got {value!r}")
    return alpha


# -- softmax family ------------------------------------------------------------------------
def _check_axis(s, axis, where):
    if not _is_int(axis) or not -s.ndim <= axis < s.ndim:
        raise ValueError(f"{where}: expected an integer axis in [{-s.ndim}, {s.ndim - 1}] for an "
                         f"input of shape {tuple(s.shape)}, got {axis!r}")
    if s.shape[axis] == 0:
        raise ValueError(f"{where}: expected a non-empty axis {axis}, got shape {tuple(s.shape)}")


def logsumexp(s, axis=-1, keepdims=False):
    """``log Σ_j e^{s_j}`` along ``axis``, computed as ``m + log Σ_j e^{s_j − m}``, m = max_j s_j.

    Subtracting the maximum makes the largest exponent e^0 = 1, so nothing overflows (logits of
    1e4 are fine) and the sum is at least 1, so the log never sees 0.

    Inputs:
    - s: array of any shape (rank ≥ 1), finite.
    - axis: the axis to reduce (default −1, the last).
    - keepdims: keep the reduced axis with length 1.

    Returns an array of ``s``'s shape without ``axis`` (or with length 1 there), ``s``'s dtype.
    """
    s = _as_float(s, "logsumexp")
    _check_axis(s, axis, "logsumexp")
    m = xp.max(s, axis=axis, keepdims=True)
    e = s - m
    xp.exp(e, out=e)
    out = xp.log(xp.sum(e, axis=axis, keepdims=True))
    out += m
    return out if keepdims else _result(xp.squeeze(out, axis=axis))


def softmax(s, axis=-1):
    """Softmax along ``axis``: ``y_i = e^{s_i} / Σ_j e^{s_j}``, computed with ``s − max s``.

    Every ``y_i`` lies in (0, 1) (it may round to 0 for logits far below the maximum) and the
    values along ``axis`` sum to 1. Shifting all logits by the same constant does not change the
    result, which is why subtracting the maximum is allowed; it makes logits of ±1e4 safe.
    The Jacobian along the axis is ``diag(y) − y yᵀ`` (see :class:`dlcore.layers.Softmax`).

    Inputs:
    - s: array of any shape (rank ≥ 1), e.g. scores (N, C) with ``axis=-1``.
    - axis: the axis that holds the classes (default −1).

    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "softmax")
    _check_axis(s, axis, "softmax")
    e = s - xp.max(s, axis=axis, keepdims=True)
    xp.exp(e, out=e)
    e /= xp.sum(e, axis=axis, keepdims=True)
    return e


def log_softmax(s, axis=-1):
    """Logarithm of :func:`softmax`: ``log y_i = s_i − logsumexp(s)``, range (−∞, 0].

    Computing it directly (rather than ``log(softmax(s))``) stays exact where a softmax value
    rounds to 0, e.g. ``log_softmax([0, -1e4]) = [0, -1e4]`` where ``log(softmax)`` gives −inf.

    Inputs:
    - s: array of any shape (rank ≥ 1).
    - axis: the axis that holds the classes (default −1).

    Returns an array of the same shape and dtype as ``s``.
    """
    s = _as_float(s, "log_softmax")
    _check_axis(s, axis, "log_softmax")
    out = s - xp.max(s, axis=axis, keepdims=True)
    out -= xp.log(xp.sum(xp.exp(out), axis=axis, keepdims=True))
    return out
