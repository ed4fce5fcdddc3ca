"""Flatten: the bridge from feature maps (N, C, H, W) to a fully connected layer (N, C·H·W)."""

from __future__ import annotations

import math

from ..module import Module
from .activation import _check_any_rank, _check_grad

__all__ = ["Flatten"]


class Flatten(Module):
    """Flatten every axis after the first: (N, d1, d2, ...) -> (N, d1·d2·...) (PyTorch's
    ``nn.Flatten()``).

    The values are not touched, only the shape: ``forward`` and ``backward`` are reshapes (views
    when the array is contiguous), and ``backward`` restores the input's shape. Row-major order
    is used, so a (C, H, W) map becomes C blocks of H·W values, row by row. The dtype is kept as
    it is (integer images stay integers); non-finite values are left for the next layer to
    report, so that flattening stays free.

    Shapes: x (N, ...) of rank ≥ 2 -> y (N, prod(...)); grad_out (N, prod(...)) -> (N, ...).
    """

    _in_shape = None

    def forward(self, x):
        """x (N, d1, ..., dk) -> (N, d1·...·dk)."""
        where = "Flatten"
        if hasattr(x, "ndim") and x.ndim < 2:
            raise ValueError(f"{where}: expected an input of rank ≥ 2, (N, ...), "
                             f"got {x.ndim}-D shape {tuple(x.shape)}")
        x = _check_any_rank(x, where, to_float=False, finite=False)
        self._in_shape = tuple(x.shape)
        return x.reshape(x.shape[0], math.prod(x.shape[1:]))

    def backward(self, grad_out):
        """(N, d1·...·dk) -> (N, d1, ..., dk)."""
        shape = self._in_shape
        out_shape = None if shape is None else (shape[0], math.prod(shape[1:]))
        _check_grad(grad_out, out_shape, "Flatten.backward")
        return grad_out.reshape(shape)
