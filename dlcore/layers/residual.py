"""The residual block of ResNet [He2016] (11장).

A residual block learns only the *change* F(x) to its input and adds the input back::

    y = τ(F(x) + s(x)),    F(x) = BN(conv3x3(τ(BN(conv3x3_S(x)))))

where τ is ReLU and the shortcut s is the identity when the shape stays the same, or a
projection (1x1 convolution with stride S, then batch norm) when the block changes the number
of channels or the stride halves the image. Backward sums the gradients of the two paths at the
input: ∂ε/∂x = ∂ε/∂u · (∂F/∂x + ∂s/∂x) with u = F(x) + s(x); for the identity shortcut
∂s/∂x = I, the "1 +" that carries the gradient unchanged through the block.
"""

from __future__ import annotations

from .._validate import check_float_dtype, check_input, check_positive_int
from ..module import Module, Sequential
from .activation import ReLU, _check_grad
from .batchnorm import BatchNorm2d
from .conv import Conv2d, _make_rng

__all__ = ["ResidualBlock"]


class ResidualBlock(Module):
    """ResNet's basic block: two 3x3 convolutions with batch norm and a shortcut [He2016].

    ``y = ReLU(bn2(conv2(ReLU(bn1(conv1(x))))) + shortcut(x))``

    Args:
    - in_channels: C_in
    - out_channels: C_out
    - stride: stride S of the first convolution (and of the projection); 2 halves H and W
    - dtype: dtype of every parameter (default float64)
    - seed / rng: randomness of the convolution weights (one generator, drawn in the order
      conv1, conv2, shortcut)

    Sub-modules (PyTorch/torchvision names, except ``shortcut`` = torchvision's ``downsample``):
    - conv1: Conv2d(C_in, C_out, 3, stride=S, padding=1, bias=False), bn1: BatchNorm2d(C_out)
    - conv2: Conv2d(C_out, C_out, 3, padding=1, bias=False), bn2: BatchNorm2d(C_out)
    - shortcut: None (identity) when C_in == C_out and S == 1, otherwise
      Sequential(Conv2d(C_in, C_out, 1, stride=S, bias=False), BatchNorm2d(C_out))
    (the convolutions have no bias: the batch norm after them would cancel it).

    Shapes: input (N, C_in, H, W) -> output (N, C_out, OH, OW) with OH = (H - 1) // S + 1.
    """

    def __init__(self, in_channels, out_channels, stride=1, dtype=None, seed=None, rng=None):
        where = "ResidualBlock"
        self.in_channels = check_positive_int(in_channels, where, "in_channels")
        self.out_channels = check_positive_int(out_channels, where, "out_channels")
        self.stride = check_positive_int(stride, where, "stride")
        dtype = check_float_dtype(dtype, where)
        in_channels, out_channels, stride = self.in_channels, self.out_channels, self.stride
        gen = _make_rng(seed, rng, where)
        self.conv1 = Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False,
                            dtype=dtype, rng=gen)
        self.bn1 = BatchNorm2d(out_channels, dtype=dtype)
        self.relu1 = ReLU()
        self.conv2 = Conv2d(out_channels, out_channels, 3, padding=1, bias=False, dtype=dtype,
                            rng=gen)
        self.bn2 = BatchNorm2d(out_channels, dtype=dtype)
        if stride != 1 or in_channels != out_channels:
            self.shortcut = Sequential(
                Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, dtype=dtype,
                       rng=gen),
                BatchNorm2d(out_channels, dtype=dtype))
        else:
            self.shortcut = None
        self.relu2 = ReLU()

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"

    def _name(self):
        return f"ResidualBlock({self.extra_repr()})"

    def forward(self, x):
        """x: (N, C_in, H, W) -> y: (N, C_out, OH, OW)."""
        check_input(x, "ResidualBlock", (None, self.in_channels, None, None),
                    names=("N", "C", "H", "W"))
        try:
            return self._forward(x)
        except ValueError as err:   # a sub-layer's complaint, told as the block's
            raise ValueError(f"{self._name()}: {err}") from None

    def backward(self, grad_out):
        """grad_out: (N, C_out, OH, OW) -> dx: (N, C_in, H, W): the two paths' gradients summed."""
        where = "ResidualBlock.backward"
        _check_grad(grad_out, getattr(self.relu2, "_shape", None), where, "the block's output")
        try:
            return self._backward(grad_out)
        except ValueError as err:
            raise ValueError(f"{self._name()}.backward: {err}") from None

    def _forward(self, x):
        f = self.bn2.forward(self.conv2.forward(self.relu1.forward(
            self.bn1.forward(self.conv1.forward(x)))))                      # F(x)
        s = x if self.shortcut is None else self.shortcut.forward(x)       # shortcut s(x)
        f += s                                                             # F(x) + s(x)
        return self.relu2.forward(f)

    def _backward(self, grad_out):
        g = self.relu2.backward(grad_out)                # ∂ε/∂u at u = F(x) + s(x)
        # residual path F, in reverse: bn2, conv2, relu1, bn1, conv1
        d_res = self.bn2.backward(g)
        d_res = self.conv2.backward(d_res)
        d_res = self.relu1.backward(d_res)
        d_res = self.bn1.backward(d_res)
        d_res = self.conv1.backward(d_res)
        # shortcut path: the identity passes g unchanged (the "1 +"), a projection transforms it
        d_short = g if self.shortcut is None else self.shortcut.backward(g)
        d_res += d_short                                 # both paths meet at x: their sum
        return d_res
