"""Batch normalisation for dense and convolutional layers [Ioffe2015] (7장, 11장).

In training, every feature (every channel for images) is normalised with the mean and variance
of the current minibatch, then scaled and shifted by learnt γ (``weight``) and β (``bias``)::

    μ_B = mean(x)      σ²_B = mean((x - μ_B)²)      x̂ = (x - μ_B) / sqrt(σ²_B + ε)
    y = γ x̂ + β

(for BatchNorm1d the mean runs over the N examples of an (N, F) batch; for BatchNorm2d over the
N*H*W positions of each channel of an (N, C, H, W) batch). Running averages of μ_B and σ²_B
are kept for evaluation, with PyTorch's convention::

    running_mean ← (1 - momentum) running_mean + momentum μ_B
    running_var  ← (1 - momentum) running_var  + momentum σ²_B * M / (M - 1)

(M values per feature: the running variance uses the unbiased estimate, the normalisation the
biased one). In evaluation (``.eval()``) ``y = γ (x - running_mean) / sqrt(running_var + ε) + β``.

Backward in training uses the compact formula, with g = dL/dy and sums over the M values::

    dx = γ / (M sqrt(σ²_B + ε)) * (M g - Σ g - x̂ Σ(g x̂))
    dγ = Σ(g x̂)       dβ = Σ g
"""

from __future__ import annotations

import math

from .._validate import check_float_dtype, check_input, check_positive_int, is_real
from ..backend import xp
from ..module import Module, Parameter
from .activation import _own_buffer

__all__ = ["BatchNorm1d", "BatchNorm2d"]


def _feature_sum(a, b=None):
    """Per-feature sum of ``a`` (or of ``a * b``, without the temporary product): shape (F,).

    Sums over every axis except axis 1 (the N examples of an (N, F) batch; the N*H*W positions
    of an (N, C, H, W) batch), e.g. ``_feature_sum(x) / M`` is the batch mean μ_B.
    """
    a3 = a.reshape(a.shape[0], a.shape[1], -1)
    if b is None:
        return xp.einsum("nfl->f", a3)
    return xp.einsum("nfl,nfl->f", a3, b.reshape(a3.shape))


class _BatchNorm(Module):
    _name = "BatchNorm"
    _buffers = ("running_mean", "running_var")

    def __init__(self, num_features, eps=1e-5, momentum=0.1, dtype=None):
        where = self._name
        self.num_features = check_positive_int(num_features, where, "num_features")
        if not is_real(eps) or not math.isfinite(float(eps)) or not eps > 0:
            raise ValueError(f"{where}: expected eps > 0, got {eps!r}")
        if not is_real(momentum) or not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{where}: expected momentum in [0, 1], got {momentum!r}")
        self.eps, self.momentum = float(eps), float(momentum)
        dtype = check_float_dtype(dtype, where)
        self.weight = Parameter(xp.ones(num_features, dtype=dtype), name="weight")   # γ
        self.bias = Parameter(xp.zeros(num_features, dtype=dtype), name="bias")      # β
        self.running_mean = xp.zeros(num_features, dtype=dtype)
        self.running_var = xp.ones(num_features, dtype=dtype)
        self._cache = None

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps:g}, momentum={self.momentum:g}"

    # subclasses: the input pattern, and how (F,) vectors broadcast against the input
    def _check(self, x):
        raise NotImplementedError

    def _stat_shape(self, x):
        raise NotImplementedError

    def forward(self, x):
        """Normalise ``x`` with batch statistics (training) or running statistics (eval)."""
        where = self._name
        self._check(x)
        dtype = self.weight.data.dtype
        if x.dtype != dtype:
            if x.dtype.kind == "f":
                raise ValueError(
                    f"{where}: expected input of dtype {dtype} (the layer's dtype), got "
                    f"{x.dtype}; convert with x.astype(...) or create the layer with "
                    f"dtype={x.dtype}")
            x = x.astype(dtype)
        shape = self._stat_shape(x)
        m = x.size // self.num_features
        gamma = self.weight.data.reshape(shape)
        beta = self.bias.data.reshape(shape)
        if self.training:
            if m < 2:
                raise ValueError(
                    f"{where}: expected more than 1 value per feature in training (a batch "
                    f"variance needs at least 2), got input of shape {tuple(x.shape)}; use "
                    f"a larger batch or call .eval(); a last minibatch of one sample is "
                    f"avoided with fit(..., drop_last=True) or minibatches(..., drop_last=True)")
            mu = _feature_sum(x) / m                              # μ_B, shape (F,)
            xc = _own_buffer(self, "_xhat", x.shape, x.dtype)     # reused from step to step
            xp.subtract(x, mu.reshape(shape), out=xc)
            var = _feature_sum(xc, xc) / m                        # biased σ²_B, shape (F,)
            inv_std = (1.0 / xp.sqrt(var + self.eps)).reshape(shape)
            xhat = xc
            xhat *= inv_std                                       # x̂, in place of xc
            mom = self.momentum
            self.running_mean *= 1.0 - mom
            self.running_mean += mom * mu
            self.running_var *= 1.0 - mom
            self.running_var += (mom * m / (m - 1)) * var
        else:
            inv_std = 1.0 / xp.sqrt(self.running_var.reshape(shape) + self.eps)
            xhat = (x - self.running_mean.reshape(shape)) * inv_std
        out = xhat * gamma
        out += beta
        self._cache = (xhat, inv_std, self.training, tuple(x.shape))
        return out

    def backward(self, grad_out):
        """dL/dy (same shape as the input) -> dL/dx; adds dL/dγ and dL/dβ to the grads."""
        where = f"{self._name}.backward"
        if self._cache is None:
            raise RuntimeError(f"{where}: call forward before backward")
        xhat, inv_std, training, x_shape = self._cache
        if tuple(grad_out.shape) != x_shape:
            raise ValueError(f"{where}: expected grad_out of shape {x_shape} (the input's), "
                             f"got {tuple(grad_out.shape)}")
        g = grad_out
        shape = self._stat_shape(g)
        gamma = self.weight.data.reshape(shape)
        sum_g = _feature_sum(g)                                    # Σ g      -> dβ, (F,)
        sum_gx = _feature_sum(g, xhat)                             # Σ g x̂   -> dγ, (F,)
        self.bias.grad += sum_g
        self.weight.grad += sum_gx
        sum_g, sum_gx = sum_g.reshape(shape), sum_gx.reshape(shape)
        if not training:  # running statistics are constants: dx = γ g / sqrt(running_var + ε)
            return g * (gamma * inv_std)
        m = g.size // self.num_features
        # dx = γ/(M sqrt(σ²+ε)) (M g - Σg - x̂ Σ(g x̂)) = (γ/sqrt(σ²+ε)) (g - Σg/M - x̂ Σ(g x̂)/M)
        dx = xhat * (sum_gx * (-1.0 / m))
        dx += g
        dx -= sum_g * (1.0 / m)
        dx *= gamma * inv_std
        return dx


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of an (N, F) batch of feature vectors (PyTorch's ``nn.BatchNorm1d``).

    Args:
    - num_features: F
    - eps: ε added to the variance (default 1e-5)
    - momentum: weight of the new batch in the running averages (default 0.1)
    - dtype: of γ, β and the running statistics (default float64)

    Attributes: ``weight`` (γ, shape (F,), starts at 1), ``bias`` (β, (F,), starts at 0),
    buffers ``running_mean`` (F,) (starts at 0) and ``running_var`` (F,) (starts at 1).

    Shapes: input (N, F) -> output (N, F). Training needs N >= 2 (ValueError otherwise).
    """

    _name = "BatchNorm1d"

    def _check(self, x):
        check_input(x, self._name, (None, self.num_features), names=("N", "F"))

    def _stat_shape(self, x):
        return (1, self.num_features)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) feature maps, per channel (``nn.BatchNorm2d``).

    Every channel is normalised with the mean and variance of its N*H*W values, so all
    positions of a feature map share one γ and one β (as convolution shares its kernel).

    Args, attributes: as for :class:`BatchNorm1d`, with F = C channels.

    Shapes: input (N, C, H, W) -> output (N, C, H, W). Training needs N*H*W >= 2.
    """

    _name = "BatchNorm2d"

    def _check(self, x):
        check_input(x, self._name, (None, self.num_features, None, None),
                    names=("N", "C", "H", "W"))

    def _stat_shape(self, x):
        return (1, self.num_features, 1, 1)
