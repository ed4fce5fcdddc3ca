"""Numerical gradients and a gradient checker (3장) — the test every backward pass must pass.

The central difference ``(f(x + ε) − f(x − ε)) / 2ε`` approximates ∂f/∂x with an error of order
ε² (the one-sided difference only reaches order ε). With float64 and ε = 1e-6 it agrees with a
correct analytic gradient to about 1e-8 relative error or better; a wrong backward usually shows
errors of 1e-2 or worse. Float32 has far too few digits for this: check in float64.

- :func:`numerical_gradient` — ∂f/∂x for a scalar function f of an array x.
- :func:`rel_error` — the relative error of two gradients.
- :func:`check_module` — compares a module's ``backward`` (input and every parameter) with
  numerical gradients and returns a :class:`GradCheckReport` (printable), raising
  :class:`GradCheckError` when a tensor is off.
- :func:`check_loss` — the same for a loss's ``backward``.

In a notebook, print ``report.passed`` or ``report.max_error < 1e-6`` rather than the errors
themselves: their last digits depend on the CPU.
"""

from __future__ import annotations

import itertools
import math

from ._validate import is_real
from .backend import xp
from .module import Module

__all__ = ["numerical_gradient", "rel_error", "check_module", "check_loss",
           "GradCheckReport", "GradCheckError"]


class GradCheckError(AssertionError):
    """Raised by :func:`check_module` and :func:`check_loss` when a gradient is wrong."""


def _scalar(value, where):
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected f(x) to return a scalar (a float or a 0-d array), "
                         f"got {type(value).__name__} of shape "
                         f"{getattr(value, 'shape', '?')}") from None


def numerical_gradient(f, x, eps=1e-6):
    """∂f/∂x by central differences, one element at a time.

    Each element ``x[i]`` is set to ``x[i] + eps`` and ``x[i] − eps`` *in place* (so ``f`` sees
    the change through any reference to ``x``, e.g. a layer's weight) and then restored exactly,
    even if ``f`` raises.

    Inputs:
    - f: callable; ``f(x)`` returns a scalar (Python float or 0-d array).
    - x: floating-point array of any shape (float64 for meaningful results), modified in place
      during the call and restored afterwards.
    - eps: the step ε (default 1e-6).

    Returns an array of x's shape and dtype: the numerical gradient.
    """
    where = "numerical_gradient"
    if not hasattr(x, "shape") or not hasattr(x, "dtype") or x.dtype.kind != "f":
        got = getattr(x, "dtype", type(x).__name__)
        raise ValueError(f"{where}: expected a floating-point array x, got {got}")
    if not is_real(eps) or not math.isfinite(float(eps)) or not eps > 0:
        raise ValueError(f"{where}: expected eps > 0 (a finite number), got "
                         f"{type(eps).__name__} {eps!r}")
    if not callable(f):
        raise ValueError(f"{where}: expected f to be a function of x returning a float, got "
                         f"{type(f).__name__}")
    grad = xp.zeros_like(x)
    for idx in itertools.product(*(range(n) for n in x.shape)):
        old = float(x[idx])
        try:
            x[idx] = old + eps
            f_plus = _scalar(f(x), where)
            x[idx] = old - eps
            f_minus = _scalar(f(x), where)
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2.0 * eps)
    return grad


def rel_error(a, b):
    """Relative error of two arrays: ``max_i |a_i − b_i| / max_i max(|a_i|, |b_i|)``.

    Scaled by the largest magnitude in either array, so entries that are zero or tiny in both
    (where the element-wise ratio |a−b|/(|a|+|b|) would be pure rounding noise) do not dominate.
    0 when both are all zeros; at most 2. Raises ``ValueError`` for different shapes.
    """
    a = xp.asarray(a, dtype=xp.float64)
    b = xp.asarray(b, dtype=xp.float64)
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(f"rel_error: expected arrays of the same shape, got {tuple(a.shape)} "
                         f"and {tuple(b.shape)}")
    if a.size == 0:
        return 0.0
    diff = float(xp.max(xp.abs(a - b)))
    scale = max(float(xp.max(xp.abs(a))), float(xp.max(xp.abs(b))))
    return 0.0 if diff == 0.0 else diff / scale


class GradCheckReport:
    """Result of a gradient check: one row per tensor (name, shape, relative and absolute error).

    ``passed`` is True when every tensor satisfies ``abs_error ≤ atol + rtol · scale`` (scale =
    the largest gradient magnitude of that tensor); ``bool(report)`` is ``report.passed``.
    ``errors`` maps tensor names to relative errors; ``max_error`` is the largest.
    """

    def __init__(self, title, rtol, atol):
        self.title = title
        self.rtol = rtol
        self.atol = atol
        self.rows = []

    def _add(self, name, analytic, numeric):
        err = rel_error(analytic, numeric)
        diff = float(xp.max(xp.abs(analytic - numeric))) if analytic.size else 0.0
        scale = max(float(xp.max(xp.abs(analytic))), float(xp.max(xp.abs(numeric)))) \
            if analytic.size else 0.0
        ok = diff <= self.atol + self.rtol * scale
        self.rows.append((name, tuple(analytic.shape), err, diff, ok))

    @property
    def passed(self):
        return all(row[4] for row in self.rows)

    @property
    def errors(self):
        return {row[0]: row[2] for row in self.rows}

    @property
    def max_error(self):
        return max((row[2] for row in self.rows), default=0.0)

    def __bool__(self):
        return self.passed

    def __str__(self):
        status = "passed" if self.passed else "FAILED"
        width = max([6] + [len(r[0]) for r in self.rows])
        lines = [f"{self.title}: {status} (rtol={self.rtol:g}, atol={self.atol:g})",
                 f"  {'tensor':<{width}}  {'shape':<16}{'rel. error':>11}  {'abs. error':>10}"]
        for name, shape, err, diff, ok in self.rows:
            flag = "ok" if ok else "<-- wrong"
            lines.append(f"  {name:<{width}}  {str(shape):<16}{err:>11.1e}  {diff:>10.1e}  {flag}")
        return "\n".join(lines)

    __repr__ = __str__


def _check_tolerances(eps, rtol, atol, where):
    for name, value in (("eps", eps), ("rtol", rtol), ("atol", atol)):
        if not is_real(value) or not math.isfinite(float(value)) or value < 0:
            raise ValueError(f"{where}: expected {name} to be a number ≥ 0 (finite), got "
                             f"{type(value).__name__} {value!r}")
    if eps == 0:
        raise ValueError(f"{where}: expected eps > 0, got {eps!r}")


def _float64_copy(a, where, what):
    if not hasattr(a, "shape") or not hasattr(a, "dtype"):
        raise ValueError(f"{where}: expected {what} to be an array, got {type(a).__name__}")
    if a.dtype != xp.float64:
        raise ValueError(f"{where}: expected {what} of dtype float64 (float32 has too few digits "
                         f"for numerical gradients), got {a.dtype}; use .astype(np.float64)")
    return a.copy()


def _snapshot(value):
    """A copy of an array (None and other objects are kept as they are)."""
    return value.copy() if hasattr(value, "shape") and hasattr(value, "copy") else value


def _restore(module, attr, value):
    current = getattr(module, attr, None)
    if hasattr(current, "shape") and hasattr(value, "shape") and current.shape == value.shape:
        current[...] = value          # in place: other references to the buffer stay valid
    else:
        setattr(module, attr, value)


def check_module(module, x, seed=0, eps=1e-6, rtol=1e-6, atol=1e-9, raise_exception=True):
    """Compare ``module.backward`` with numerical gradients, for the input and every parameter.

    Uses the scalar test loss ``f = Σ module(x) ⊙ R`` with a fixed random R (seeded by ``seed``),
    whose gradient with respect to the output is R itself: ``backward(R)`` must then return
    ∂f/∂x and put ∂f/∂θ into every ``param.grad``. The module's parameter gradients and buffers
    (e.g. batch-norm running statistics) are restored afterwards; the parameters are left
    exactly as they were.

    ``forward`` must be deterministic: call ``module.eval()`` first or fix a dropout mask.

    Inputs:
    - module: a :class:`~dlcore.module.Module` with float64 parameters.
    - x: float64 input array (not modified).
    - seed: seed of the projection R.
    - eps: central-difference step.
    - rtol, atol: a tensor passes when ``max|analytic − numeric| ≤ atol + rtol · scale``.
    - raise_exception: raise :class:`GradCheckError` on failure (default), else just report.

    Returns a :class:`GradCheckReport` (rows ``input`` and each parameter's name).
    """
    where = "check_module"
    if not isinstance(module, Module):
        raise ValueError(f"{where}: expected a dlcore Module, got {type(module).__name__}")
    _check_tolerances(eps, rtol, atol, where)
    x = _float64_copy(x, where, "the input x")
    params = list(module.named_parameters())
    for name, p in params:
        _float64_copy(p.data, where, f"parameter {name!r}")
    saved_grads = [p.grad.copy() for _, p in params]
    saved_buffers = [(m, attr, _snapshot(getattr(m, attr, None)))
                     for _, m, attr in module.buffers()]
    report = GradCheckReport(f"check_module({type(module).__name__})", rtol, atol)
    try:
        for _, p in params:
            p.zero_grad()
        out = module.forward(x)
        R = xp.asarray(xp.random.default_rng(seed).standard_normal(tuple(out.shape)))

        def f(_):
            return float(xp.sum(module.forward(x) * R))

        grad_x = _snapshot(module.backward(R))
        analytic = [(n, p.grad.copy()) for n, p in params]
        if grad_x is not None:
            report._add("input", grad_x, numerical_gradient(f, x, eps))
        for (name, p), (_, g) in zip(params, analytic, strict=True):
            report._add(name, g, numerical_gradient(f, p.data, eps))
    finally:
        for (_, p), g in zip(params, saved_grads, strict=True):
            p.grad[...] = g
        for m, attr, value in saved_buffers:
            _restore(m, attr, value)
    if raise_exception and not report.passed:
        raise GradCheckError(f"{report}\n(analytic backward and numerical gradient disagree: "
                             f"look at the rows marked 'wrong')")
    return report


def check_loss(loss, pred, target, eps=1e-6, rtol=1e-6, atol=1e-9, raise_exception=True):
    """Compare ``loss.backward()`` with the numerical gradient of ``loss(pred, target)``.

    Inputs:
    - loss: a loss object from :mod:`dlcore.losses` (callable, with ``backward()``).
    - pred: float64 predictions (not modified); target: the matching targets.
    - eps, rtol, atol, raise_exception: as in :func:`check_module`.

    Returns a :class:`GradCheckReport` with one row, ``pred``.
    """
    where = "check_loss"
    if not callable(loss) or not hasattr(loss, "backward"):
        raise ValueError(f"{where}: expected a dlcore loss (callable, with backward()), got "
                         f"{type(loss).__name__}")
    _check_tolerances(eps, rtol, atol, where)
    pred = _float64_copy(pred, where, "pred")
    report = GradCheckReport(f"check_loss({type(loss).__name__})", rtol, atol)
    loss(pred, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda p: loss(p, target), pred, eps)
    report._add("pred", analytic, numeric)
    if raise_exception and not report.passed:
        raise GradCheckError(f"{report}\n(the loss's backward disagrees with the numerical "
                             f"gradient)")
    return report
