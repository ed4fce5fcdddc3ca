"""Dropout (8장; Srivastava et al. 2014): drop random nodes while training, none at inference."""

from __future__ import annotations

import numbers

from ..backend import xp
from ..init import make_rng
from ..module import Module
from .activation import _check_any_rank, _check_grad

__all__ = ["Dropout"]


class Dropout(Module):
    """Inverted dropout: in training, zero each element with probability ``p`` and scale the
    survivors by 1/(1 − p); in evaluation (``model.eval()``), pass the input through unchanged.

    Scaling while training keeps the expected value of every element what it is at inference,
    ``E[y] = (1 − p) · x / (1 − p) = x``, so that nothing needs rescaling after training (the
    original paper instead multiplied the weights by 1 − p at test time; both are equivalent).

    backward: ``∂L/∂x = ∂L/∂y · m`` with the same mask ``m ∈ {0, 1/(1−p)}`` as the forward pass
    (identity in evaluation mode).

    Parameters
    ----------
    p : float in [0, 1), default 0.5
        Probability that an element is dropped.
    seed, rng : int or Generator, optional (not both)
        Source of the masks; give one for reproducible masks.

    Attributes
    ----------
    mask : array or None
        The scaled mask of the last training-mode forward pass (None in evaluation mode).

    Shapes: x (any) -> y (same); grad_out (same) -> grad_in (same).
    """

    def __init__(self, p=0.5, seed=None, rng=None):
        where = "Dropout"
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p < 1.0:
            raise ValueError(f"{where}: expected p (the drop probability) in [0, 1), got {p!r}")
        if seed is not None and rng is not None:
            raise ValueError(f"{where}: expected either seed or rng, not both "
                             f"(got seed={seed!r} and an rng)")
        self.p = float(p)
        self.rng = make_rng(rng if rng is not None else seed, where)
        self.mask = None
        self._shape = None

    def _sample_keep(self, shape):
        """Boolean array of ``shape``: True (keep) with probability 1 − p."""
        return self.rng.random(shape) >= self.p

    def forward(self, x):
        """x (any shape) -> x · mask in training mode, x itself in evaluation mode."""
        x = _check_any_rank(x, "Dropout")
        self._shape = tuple(x.shape)
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        mask = xp.asarray(self._sample_keep(x.shape)).astype(x.dtype)
        mask *= 1.0 / (1.0 - self.p)
        self.mask = mask
        return x * mask

    def backward(self, grad_out):
        """∂L/∂y -> ∂L/∂y · mask (the forward pass's mask; identity in evaluation mode)."""
        _check_grad(grad_out, self._shape, "Dropout.backward")
        if self.mask is None:
            return grad_out
        return grad_out * self.mask

    def extra_repr(self):
        return f"p={self.p}"
