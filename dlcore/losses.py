"""Loss functions (5장) with ``forward`` (a Python float) and ``backward`` (∂loss/∂prediction).

Usage, as in PyTorch but with the gradient returned explicitly::

    loss_fn = CrossEntropyLoss()
    value = loss_fn(scores, labels)    # float: mean over the minibatch
    grad = loss_fn.backward()          # ∂value/∂scores, same shape and dtype as scores
    model.backward(grad)

``reduction="mean"`` (default) averages over all elements (MSE, MAE, BCE) or over the N samples
(cross-entropy, NLL); ``reduction="sum"`` adds them up. Predictions and targets must have exactly
the same shape (dlcore never broadcasts (N,) against (N, 1)); anything else — an empty batch,
NaN, a probability outside [0, 1], a class index out of range — raises ``ValueError`` naming the
loss, what it expected and what it got.

Every loss is stable for extreme inputs: cross-entropy and BCE-with-logits work from logits of
±1e4 without overflow; :class:`BCELoss` on probabilities of exactly 0 or 1 clamps its logarithms
(documented below) instead of returning inf.
"""

from __future__ import annotations

import contextlib
import math

from . import _validate
from .backend import xp
from .functional import sigmoid

__all__ = [
    "MSELoss", "MAELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "mse_loss", "mae_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss",
]


# -- checks --------------------------------------------------------------------------------
def _as_array(a, where, what):
    if not hasattr(a, "shape") or not hasattr(a, "dtype"):
        raise ValueError(f"{where}: expected {what} to be an array, got {type(a).__name__}")
    return xp.asarray(a)  # a host array meets a CuPy one on the device (a no-op under NumPy)


def _check_values(a, where, what, finite=True):
    """Non-empty, real and (if ``finite``) free of NaN/inf; integer arrays become float64."""
    a = _as_array(a, where, what)
    if a.size == 0:
        raise ValueError(f"{where}: expected a non-empty batch, got {what} of shape "
                         f"{tuple(a.shape)}")
    if a.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected {what} with real numbers, got dtype {a.dtype}")
    if a.dtype.kind == "f" and a.dtype.itemsize < 4:
        raise ValueError(f"{where}: expected {what} of dtype float32 or float64, got "
                         f"{a.dtype}; {_validate.FLOAT16_HINT}")
    if a.dtype.kind != "f":
        a = a.astype(xp.float64)
    if finite and not bool(xp.isfinite(a).all()):
        raise ValueError(f"{where}: expected finite {what}, got NaN or inf "
                         f"(shape {tuple(a.shape)})")
    return a


def _check_range(a, where, what, hint=""):
    """All values of ``a`` must lie in [0, 1]."""
    lo, hi = float(xp.min(a)), float(xp.max(a))
    if lo < 0.0 or hi > 1.0:
        raise ValueError(f"{where}: expected {what} in [0, 1], got values in [{lo:g}, {hi:g}]"
                         + hint)


def _check_pair(pred, target, where):
    """Prediction and target of exactly the same shape, real and finite; target in pred's dtype."""
    pred = _check_values(pred, where, "predictions")
    target = _as_array(target, where, "target")
    _validate.check_same_shape(pred, target, where)
    target = _check_values(target, where, "target")
    if target.dtype != pred.dtype:
        errstate = getattr(xp, "errstate", None)   # (CuPy has none, and does not warn)
        with errstate(over="ignore") if errstate else contextlib.nullcontext():
            cast = target.astype(pred.dtype)
        if not bool(xp.isfinite(cast).all()):
            big = float(xp.max(xp.abs(target)))
            raise ValueError(f"{where}: expected targets that fit the predictions' dtype "
                             f"{pred.dtype}, got values up to {big:g} that overflow to inf "
                             f"in {pred.dtype}")
        target = cast
    return pred, target


def _check_classes(scores, target, where, what):
    """Scores (N, C) and integer class indices (N,) in [0, C)."""
    scores = _check_values(_as_array(scores, where, what), where, what)
    if scores.ndim != 2:
        raise ValueError(f"{where}: expected {what} of shape (N, C), got {scores.ndim}-D shape "
                         f"{tuple(scores.shape)}")
    n, c = scores.shape
    target = _as_array(target, where, "target")
    if tuple(target.shape) != (n,):
        hint = " (one class index per sample, not one-hot: use y.argmax(axis=1))" \
            if target.ndim == 2 else ""
        raise ValueError(f"{where}: expected target of shape ({n},), class indices for the "
                         f"{n} samples, got {tuple(target.shape)}{hint}")
    if target.dtype.kind not in "iu":
        raise ValueError(f"{where}: expected integer class indices, got dtype {target.dtype} "
                         f"(convert with y.astype(int) if the values are whole numbers)")
    bad = (target < 0) | (target >= c)
    if bool(bad.any()):
        i = int(xp.argmax(bad))
        raise ValueError(f"{where}: expected class indices in [0, {c - 1}] for C = {c} "
                         f"classes, got {int(target[i])} at position {i}")
    return scores, target


def _check_reduction(reduction, where):
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{where}: expected reduction 'mean' or 'sum', got {reduction!r}")
    return reduction


def _log_scale(base, where):
    """1 / ln(base): turns natural logarithms into logarithms to ``base`` (None means e)."""
    if base is None:
        return 1.0
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected base to be a number > 0 and ≠ 1 (or None for e), "
                         f"got {base!r}") from None
    if not (math.isfinite(b) and b > 0.0 and b != 1.0):
        raise ValueError(f"{where}: expected base to be a number > 0 and ≠ 1 (or None for e), "
                         f"got {base!r}")
    return 1.0 / math.log(b)


# -- the base class ------------------------------------------------------------------------
class _Loss:
    """Common machinery: ``__call__`` = ``forward`` -> float; ``backward()`` -> ∂value/∂pred.

    Subclasses implement ``_check(pred, target)``, ``_losses(pred, target)`` (the per-element or
    per-sample losses, caching what the gradient needs) and ``_grad()`` (the gradient of their
    *sum*, a new array); ``_per_sample`` says whether "mean" divides by N instead of the size.
    """

    _per_sample = False

    def __init__(self, reduction="mean"):
        self.reduction = _check_reduction(reduction, type(self).__name__)
        self._count = None

    def __call__(self, pred, target):
        return self.forward(pred, target)

    def forward(self, pred, target):
        """Loss value (Python float) of predictions ``pred`` against ``target``.

        What ``backward`` needs is computed here, in arrays of the loss's own (the caller may
        overwrite ``pred`` or ``target`` before calling ``backward``). A forward that raises
        leaves nothing behind, so a following ``backward`` raises too.
        """
        self._count = None
        pred, target = self._check(pred, target)
        total = float(xp.sum(self._losses(pred, target)))
        self._count = pred.shape[0] if self._per_sample else pred.size
        return total / self._count if self.reduction == "mean" else total

    def backward(self):
        """∂(loss value)/∂pred for the last ``forward``: same shape and dtype as ``pred``."""
        if self._count is None:
            raise RuntimeError(f"{type(self).__name__}: backward called before forward")
        grad = self._grad()
        if self.reduction == "mean":
            grad *= 1.0 / self._count
        return grad

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"


# -- regression losses ---------------------------------------------------------------------
class MSELoss(_Loss):
    """Mean squared error ``L = (1/n) Σ_i (o_i − y_i)²`` over all n elements (PyTorch's
    ``nn.MSELoss``).

    The notes' objective ``J = ½ ‖y − o‖²`` (식 3.20) carries a ½ so that its derivative is
    ``o − y``; this class follows PyTorch and omits it: ``∂L/∂o_i = 2 (o_i − y_i) / n``
    (``0.5 * MSELoss(reduction="sum")`` is the notes' J).

    Shapes: pred (any), target (same) -> float; backward -> (same as pred).
    """

    def _check(self, pred, target):
        return _check_pair(pred, target, type(self).__name__)

    def _losses(self, pred, target):
        self._diff = pred - target
        return self._diff * self._diff

    def _grad(self):
        return xp.asarray(2.0 * self._diff)


class MAELoss(_Loss):
    """Mean absolute error ``L = (1/n) Σ_i |o_i − y_i|`` (PyTorch's ``nn.L1Loss``).

    Less sensitive to outliers than MSE: every error pulls with the same force. The derivative is
    ``sign(o_i − y_i) / n`` (undefined where o_i = y_i; we return 0 there, as PyTorch does).

    Shapes: pred (any), target (same) -> float; backward -> (same as pred).
    """

    def _check(self, pred, target):
        return _check_pair(pred, target, type(self).__name__)

    def _losses(self, pred, target):
        self._diff = pred - target
        return xp.abs(self._diff)

    def _grad(self):
        return xp.asarray(xp.sign(self._diff))


L1Loss = MAELoss


# -- binary cross-entropy ------------------------------------------------------------------
class _LogBase:
    """The ``base`` option of the two binary cross-entropies, shown in the repr."""

    def extra_repr(self):
        parts = [super().extra_repr()] + ([f"base={self.base}"] if self.base is not None else [])
        return ", ".join(p for p in parts if p)


class BCELoss(_LogBase, _Loss):
    """Binary cross-entropy of probabilities:
    ``L = −(1/n) Σ_i [y_i log o_i + (1 − y_i) log(1 − o_i)]``.

    Parameters
    ----------
    reduction : "mean" (over all elements) or "sum".
    base : None (natural log, default) or a number such as 2
        The logarithm's base. The notes use base 2 (``base=2``): −log₂ 0.98 = 0.0291 and
        −log₂ 0.0001 = 13.2877.
    eps : float, default 1e-12
        Clamp: ``log o`` is computed as ``log max(o, eps)`` and ``log(1 − o)`` as
        ``log max(1 − o, eps)``, so o = 0 or 1 gives a finite loss (at most −ln eps ≈ 27.63 nats
        per element) and a finite gradient (at most 1/eps in size). Probabilities farther than
        eps from 0 and 1 are not changed at all. To avoid the clamp, give logits to
        :class:`BCEWithLogitsLoss`.

    backward: ``∂L/∂o_i = (o_i − y_i) / (o_i (1 − o_i)) / n`` (divided by ln base), with the same
    clamp in the denominator.

    Shapes: pred (any) of probabilities in [0, 1], target (same) in [0, 1] (0/1 labels or soft
    targets) -> float; backward -> (same as pred).
    """

    def __init__(self, reduction="mean", base=None, eps=1e-12):
        super().__init__(reduction)
        self.base = base
        self._scale = _log_scale(base, type(self).__name__)
        self.eps = _validate.check_real(eps, type(self).__name__, "eps", low=0.0, high=0.5,
                                        low_open=True, high_open=True)

    def _check(self, pred, target):
        where = type(self).__name__
        pred, target = _check_pair(pred, target, where)
        _check_range(pred, where, "predictions (probabilities)",
                     "; pass logits to BCEWithLogitsLoss instead")
        _check_range(target, where, "target")
        return pred, target

    def _losses(self, pred, target):
        p = xp.asarray(xp.maximum(pred, self.eps))      # log o    -> log max(o, eps)
        q = xp.asarray(xp.maximum(1.0 - pred, self.eps))  # log(1−o) -> log max(1 − o, eps)
        # the gradient of the sum, now (pred and target may change before backward)
        grad = xp.asarray(pred - target)
        grad /= p * q
        if self._scale != 1.0:
            grad *= self._scale
        self._saved = grad
        xp.log(p, out=p)
        xp.log(q, out=q)
        losses = target * p
        losses += (1.0 - target) * q
        losses *= -self._scale
        return losses

    def _grad(self):
        return self._saved.copy()


class BCEWithLogitsLoss(_LogBase, _Loss):
    """Binary cross-entropy on logits s, with ``o = σ(s)`` built in (PyTorch's name):
    ``L = (1/n) Σ_i [log(1 + e^{s_i}) − y_i s_i]``, the same value as ``BCELoss(σ(s), y)``.

    Computed as ``max(s, 0) − s y + log1p(e^{−|s|})``, exact and finite for any logits (±1e4
    included), without the clamp BCELoss needs. The gradient is simply ``(σ(s_i) − y_i) / n``:
    the slow-learning factor σ'(s) of MSE has cancelled (5장).

    Parameters
    ----------
    reduction : "mean" (over all elements) or "sum".
    base : None (natural log, default) or a number such as 2.

    Shapes: pred (any) of real logits, target (same) in [0, 1] -> float; backward -> (same).
    """

    def __init__(self, reduction="mean", base=None):
        super().__init__(reduction)
        self.base = base
        self._scale = _log_scale(base, type(self).__name__)

    def _check(self, pred, target):
        where = type(self).__name__
        pred, target = _check_pair(pred, target, where)
        _check_range(target, where, "target")
        return pred, target

    def _losses(self, pred, target):
        grad = xp.asarray(sigmoid(pred) - target)     # gradient of the sum, computed now
        if self._scale != 1.0:
            grad *= self._scale
        self._saved = grad
        losses = xp.asarray(xp.abs(pred))
        xp.negative(losses, out=losses)
        xp.exp(losses, out=losses)
        xp.log1p(losses, out=losses)                     # log1p(e^{−|s|})
        losses += xp.maximum(pred, 0)
        losses -= pred * target
        if self._scale != 1.0:
            losses *= self._scale
        return losses

    def _grad(self):
        return self._saved.copy()


# -- multi-class: softmax + log-likelihood -------------------------------------------------
class CrossEntropyLoss(_Loss):
    """Softmax and negative log-likelihood in one, on logits (PyTorch's ``nn.CrossEntropyLoss``):

        ``L_i = −log( e^{s_{i,y_i}} / Σ_j e^{s_{i,j}} ) = logsumexp(s_i) − s_{i,y_i}``

    the "softmax loss" of the notes, averaged over the N samples. Computed with the maximum
    subtracted, so logits of ±1e4 give exact, finite values.

    backward: ``∂L/∂s_i = (softmax(s_i) − onehot(y_i)) / N``: the predicted probabilities minus
    1 at the true class.

    Shapes: pred (N, C) real scores (logits), target (N,) integer class indices in [0, C)
    -> float; backward -> (N, C), dtype of pred.
    """

    _per_sample = True

    def _check(self, pred, target):
        return _check_classes(pred, target, type(self).__name__, "scores (logits)")

    def _losses(self, pred, target):
        rows = xp.arange(pred.shape[0])
        shifted = pred - xp.max(pred, axis=1, keepdims=True)
        probs = xp.exp(shifted)
        total = xp.sum(probs, axis=1, keepdims=True)
        probs /= total
        self._saved = (probs, rows, target.copy())
        return xp.log(total[:, 0]) - shifted[rows, target]

    def _grad(self):
        probs, rows, target = self._saved
        grad = probs.copy()
        grad[rows, target] -= 1.0
        return grad


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (PyTorch's ``nn.NLLLoss``):
    ``L_i = −log o_{i,y_i}``, given ``log o`` (e.g. from :class:`dlcore.layers.LogSoftmax`).

    ``NLLLoss()(log_softmax(s), y)`` equals ``CrossEntropyLoss()(s, y)``.

    backward: ``∂L/∂(log o_{i,j}) = −1/N`` if j = y_i, else 0.

    Shapes: pred (N, C) log-probabilities (≤ 0), target (N,) integer class indices in [0, C)
    -> float; backward -> (N, C).
    """

    _per_sample = True

    def _check(self, pred, target):
        where = type(self).__name__
        pred, target = _check_classes(pred, target, where, "log-probabilities")
        hi = float(xp.max(pred))
        if hi > 0.0:
            raise ValueError(f"{where}: expected log-probabilities (≤ 0), got a maximum of "
                             f"{hi:g}; apply log_softmax first, or give the logits to "
                             f"CrossEntropyLoss")
        return pred, target

    def _losses(self, pred, target):
        rows = xp.arange(pred.shape[0])
        self._saved = (pred.shape, pred.dtype, rows, target.copy())
        return -pred[rows, target]

    def _grad(self):
        shape, dtype, rows, target = self._saved
        grad = xp.zeros(shape, dtype=dtype)
        grad[rows, target] = -1.0
        return grad


# -- functional forms ----------------------------------------------------------------------
def mse_loss(pred, target, reduction="mean"):
    """``MSELoss(reduction)(pred, target)``: mean squared error as a float.

    Shapes: pred (any), target (same) -> float.
    """
    return MSELoss(reduction)(pred, target)


def mae_loss(pred, target, reduction="mean"):
    """``MAELoss(reduction)(pred, target)``: mean absolute error as a float.

    Shapes: pred (any), target (same) -> float.
    """
    return MAELoss(reduction)(pred, target)


l1_loss = mae_loss


def binary_cross_entropy(pred, target, reduction="mean", base=None, eps=1e-12):
    """``BCELoss(reduction, base, eps)(pred, target)`` for probabilities ``pred``.

    Shapes: pred (any) in [0, 1], target (same) in [0, 1] -> float.
    """
    return BCELoss(reduction, base, eps)(pred, target)


def binary_cross_entropy_with_logits(pred, target, reduction="mean", base=None):
    """``BCEWithLogitsLoss(reduction, base)(pred, target)`` for logits ``pred``.

    Shapes: pred (any) of logits, target (same) in [0, 1] -> float.
    """
    return BCEWithLogitsLoss(reduction, base)(pred, target)


def cross_entropy(pred, target, reduction="mean"):
    """``CrossEntropyLoss(reduction)(pred, target)`` for logits (N, C), classes (N,)."""
    return CrossEntropyLoss(reduction)(pred, target)


def nll_loss(pred, target, reduction="mean"):
    """``NLLLoss(reduction)(pred, target)`` for log-probabilities (N, C), classes (N,)."""
    return NLLLoss(reduction)(pred, target)
