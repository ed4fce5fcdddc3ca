"""A fully connected residual block and its plain twin (11장).

ResNet's block [He2016] with its two 3x3 convolutions replaced by two linear layers, so that the
degradation and gradient-flow experiments of chapter 11 run on vectors in seconds::

    shortcut=True  (residual):  y = τ(F(x) + x),   F(x) = BN(Linear(τ(BN(Linear(x)))))
    shortcut=False (plain):     y = τ(F(x))

τ is ReLU. The plain block is the residual block without its shortcut: the same layers, the
same weights for the same seed, so that a plain and a residual network built from these blocks
differ only in the "+ x". Backward of the residual block sums the gradients of the two paths
at its input, ∂ε/∂x = ∂ε/∂u · (∂F/∂x + I) with u = F(x) + x (the "1 +" of He et al. 2016b).
"""

from __future__ import annotations

from .._validate import check_input, check_positive_int
from ..init import make_rng, xavier_uniform_
from ..module import Module, Sequential
from .activation import ReLU
from .batchnorm import BatchNorm1d
from .linear import Linear

__all__ = ["ResidualMLPBlock", "residual_mlp"]


class ResidualMLPBlock(Module):
    """Two linear layers with batch norm and ReLU, with or without an identity shortcut.

    Args:
    - features: width D of the input and the output (the identity shortcut needs them equal)
    - shortcut: True adds the input back (residual block), False leaves it out (plain block)
    - batchnorm: True (default) puts a BatchNorm1d after each linear layer; False leaves them
      out and gives the linear layers a bias instead
    - dtype: dtype of every parameter (default float64)
    - seed / rng: randomness of the two weight matrices (one generator, drawn fc1 then fc2)

    Sub-modules: fc1 = Linear(D, D, bias=False), bn1 = BatchNorm1d(D), relu1,
    fc2 = Linear(D, D, bias=False), bn2 = BatchNorm1d(D), relu2 (no bias: batch norm's β
    takes its place); with ``batchnorm=False`` bn1 and bn2 are None and fc1, fc2 have biases.

    Shapes: input (N, D) -> output (N, D); backward (N, D) -> (N, D).
    """

    def __init__(self, features, shortcut=True, batchnorm=True, dtype=None, seed=None, rng=None):
        where = "ResidualMLPBlock"
        self.features = check_positive_int(features, where, "features")
        if not isinstance(shortcut, bool):
            raise ValueError(f"{where}: expected shortcut to be True or False, got {shortcut!r}")
        if not isinstance(batchnorm, bool):
            raise ValueError(f"{where}: expected batchnorm to be True or False, got {batchnorm!r}")
        if seed is not None and rng is not None:
            raise ValueError(f"{where}: expected either seed or rng, got both")
        self.shortcut = shortcut
        self.batchnorm = batchnorm
        gen = make_rng(seed if rng is None else rng, where)
        bias = not batchnorm
        self.fc1 = Linear(features, features, bias=bias, dtype=dtype, rng=gen)
        self.bn1 = BatchNorm1d(features, dtype=dtype) if batchnorm else None
        self.relu1 = ReLU()
        self.fc2 = Linear(features, features, bias=bias, dtype=dtype, rng=gen)
        self.bn2 = BatchNorm1d(features, dtype=dtype) if batchnorm else None
        self.relu2 = ReLU()

    def extra_repr(self):
        return f"{self.features}, shortcut={self.shortcut}, batchnorm={self.batchnorm}"

    def forward(self, x):
        """x: (N, D) -> y: (N, D), y = ReLU(F(x) + x) or ReLU(F(x))."""
        check_input(x, "ResidualMLPBlock", (None, self.features), names=("N", "D"))
        u = self.fc1.forward(x)
        if self.bn1 is not None:
            u = self.bn1.forward(u)
        u = self.fc2.forward(self.relu1.forward(u))
        if self.bn2 is not None:
            u = self.bn2.forward(u)                                         # F(x)
        if self.shortcut:
            u = u + x                                                      # F(x) + x
        return self.relu2.forward(u)

    def backward(self, grad_out):
        """grad_out: (N, D) -> dx: (N, D); with the shortcut, the two paths' gradients summed."""
        g = self.relu2.backward(grad_out)            # ∂ε/∂u
        d = g if self.bn2 is None else self.bn2.backward(g)     # through F, in reverse
        d = self.relu1.backward(self.fc2.backward(d))
        if self.bn1 is not None:
            d = self.bn1.backward(d)
        d = self.fc1.backward(d)
        if self.shortcut:
            d = d + g                                # identity path: g passes unchanged
        return d


def residual_mlp(in_features, width, n_blocks, n_classes, shortcut=True, batchnorm=True,
                 init="he", dtype=None, seed=None):
    """A plain or residual MLP of ``2 * n_blocks + 2`` weight layers (11장's experiments).

    ``Linear(in_features, width) → BN → ReLU``, then ``n_blocks`` :class:`ResidualMLPBlock`
    (with or without the shortcut), then ``Linear(width, n_classes)`` giving the scores. The
    plain and the residual network built with the same arguments and ``seed`` start from the
    same weights. ``batchnorm=False`` leaves out every batch norm (the linear layers get
    biases). ``init``: ``"he"`` keeps the layers' He-uniform weights, ``"xavier"`` redraws every
    weight matrix with Xavier-uniform (gain 1), which shrinks the signal of a deep ReLU network
    without batch norm layer by layer (7장). Shapes: (N, in_features) -> (N, n_classes).
    """
    where = "residual_mlp"
    for name, value in (("in_features", in_features), ("width", width),
                        ("n_classes", n_classes)):
        check_positive_int(value, where, name)
    if isinstance(n_blocks, bool) or not isinstance(n_blocks, int) or n_blocks < 0:
        raise ValueError(f"{where}: expected n_blocks to be an integer >= 0, got {n_blocks!r}")
    if init not in ("he", "xavier"):
        raise ValueError(f"{where}: expected init 'he' or 'xavier', got {init!r}")
    gen = make_rng(seed, where)
    layers = [Linear(in_features, width, bias=not batchnorm, dtype=dtype, rng=gen)]
    if batchnorm:
        layers.append(BatchNorm1d(width, dtype=dtype))
    layers.append(ReLU())
    layers += [ResidualMLPBlock(width, shortcut=shortcut, batchnorm=batchnorm, dtype=dtype,
                                rng=gen) for _ in range(n_blocks)]
    layers.append(Linear(width, n_classes, dtype=dtype, rng=gen))
    model = Sequential(*layers)
    if init == "xavier":
        for name, p in model.named_parameters():
            if name.endswith("weight") and p.data.ndim == 2:
                xavier_uniform_(p, rng=gen)
    return model
