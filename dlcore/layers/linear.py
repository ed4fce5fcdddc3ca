"""The fully connected layer (완전 연결층): every output node sees every input node.

The notes write a layer's weights as one matrix per layer, one row per node of the layer and the
bias in column 0 (식 3.11, with the input augmented by a leading 1, x = (1, x_1, ..., x_d)ᵀ)::

    U¹ = [ u¹_10  u¹_11 ... u¹_1d ]        z = τ(U¹ x)            (식 3.13, 3.15)
         [  ...                   ]
         [ u¹_p0  u¹_p1 ... u¹_pd ]  = [ b | W ]

:class:`Linear` stores the same numbers split in two, as PyTorch does: ``bias`` is column 0 of U
and ``weight`` the rest, so that ``U x = W x_{1:d} + b``. For a minibatch stacked as rows
(N, d) the layer computes ``Y = X Wᵀ + b`` (one row of Y per example).
"""

from __future__ import annotations

from .._validate import check_float_dtype, check_input, check_positive_int
from ..backend import xp
from ..init import kaiming_uniform_, make_rng
from ..module import Module, Parameter, keep_input
from ..parallel import matmul

__all__ = ["Linear"]


def _float_dtype(dtype, where):
    return check_float_dtype(dtype, where)


class Linear(Module):
    """Fully connected layer ``y = x Wᵀ + b`` (PyTorch's ``nn.Linear``; the notes' U = [b | W]).

    Parameters
    ----------
    in_features, out_features : int
        Sizes d of the input and p of the output (number of nodes of this layer).
    bias : bool
        Learn the bias b (column 0 of the notes' U, 식 3.11). Default True.
    dtype : float64 (default) or float32
        Dtype of the parameters. Inputs must have the same floating dtype (a float32 input to a
        float64 layer raises instead of being silently up-cast); integer and boolean inputs, such
        as the 0/1 inputs of the logic gates, are converted to the layer's dtype.
    seed, rng : int or Generator, optional
        Source of the random initial weights (pass one of them for reproducible weights).
    needs_input_grad : bool
        Whether :meth:`backward` computes ∂L/∂x. The first layer of a network does not need it
        (nobody learns the data), and PyTorch skips it there too; setting it to False saves a
        matrix product of the size of the forward pass. Default True.

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
        W, one row per output node (the notes' u_j without u_j0). He-uniform initialised
        (:func:`dlcore.init.kaiming_uniform_`): U(-a, a), a = sqrt(6 / in_features) (He et al.,
        2015; suits ReLU networks; the numbers are drawn in float64 and then cast, so a float32
        layer holds the rounded weights of the float64 layer with the same seed). Re-initialise
        with another scheme through :mod:`dlcore.init`, e.g. ``init.xavier_uniform_(layer.weight,
        seed=0)`` for sigmoid or tanh networks.
    bias : Parameter of shape (out_features,), or None
        b, initialised to zeros.

    Shapes
    ------
    forward:  x (N, in_features)  ->  y (N, out_features)
    backward: ∂L/∂y (N, out_features)  ->  ∂L/∂x (N, in_features), and adds
              ∂L/∂W = (∂L/∂y)ᵀ x  (out_features, in_features)  into ``weight.grad``,
              ∂L/∂b = Σ_n ∂L/∂y_n  (out_features,)             into ``bias.grad``.
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None, seed=None, rng=None,
                 needs_input_grad=True):
        where = "Linear"
        in_features = check_positive_int(in_features, where, "in_features")
        out_features = check_positive_int(out_features, where, "out_features")
        dt = _float_dtype(dtype, where)
        if seed is not None and rng is not None:
            raise ValueError(f"{where}: pass either seed or rng, not both (got seed={seed!r})")
        generator = make_rng(seed if rng is None else rng, where)
        self.in_features = in_features
        self.out_features = out_features
        self.needs_input_grad = bool(needs_input_grad)
        self.weight = Parameter(xp.empty((out_features, in_features), dtype=dt), name="weight")
        kaiming_uniform_(self.weight, nonlinearity="relu", rng=generator)  # U(±√(6 / d))
        self.bias = Parameter(xp.zeros(out_features, dtype=dt), name="bias") if bias else None
        self._x = None
        # scratch for ∂L/∂W before it is added into weight.grad (allocated once, reused)
        self._grad_w = xp.empty((out_features, in_features), dtype=dt)

    @property
    def dtype(self):
        return self.weight.data.dtype

    def forward(self, x):
        """``y = x Wᵀ + b``: x (N, in_features) -> y (N, out_features), same dtype as the layer."""
        x = check_input(x, "Linear", (None, self.in_features), ("N", "in_features"))
        x = self._match_dtype(x, "input")
        self._x = None
        # a private copy for backward (the caller may refill its buffer before backward);
        # the copy lands in a buffer reused from step to step
        self._x = keep_input(self, x)
        # (matmul: xp.matmul, with a large product shared among dlcore's threads)
        y = matmul(x, self.weight.data.T)  # Wᵀ is a view: BLAS reads W transposed, no copy
        if self.bias is not None:
            y += self.bias.data  # (N, p) + (p,): the same b added to every row
        return y

    def backward(self, grad_out):
        """∂L/∂y (N, out_features) -> ∂L/∂x (N, in_features) (None if ``needs_input_grad`` is
        False); adds ∂L/∂W = gᵀx and ∂L/∂b = Σ_n g_n into the parameters' ``grad``."""
        if self._x is None:
            raise ValueError("Linear: backward called before forward (no input stored)")
        x = self._x
        g = check_input(grad_out, "Linear.backward", (x.shape[0], self.out_features),
                        ("N", "out_features"), finite=False)
        g = self._match_dtype(g, "grad_out")
        matmul(g.T, x, out=self._grad_w)  # (p, N) @ (N, d) -> (p, d)
        self.weight.grad += self._grad_w
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        if not self.needs_input_grad:
            return None
        return matmul(g, self.weight.data)  # (N, p) @ (p, d) -> (N, d)

    def _match_dtype(self, a, what):
        if a.dtype == self.weight.data.dtype:
            return a
        if a.dtype.kind in "iub":
            return a.astype(self.weight.data.dtype)
        raise ValueError(
            f"Linear: expected {what} of dtype {self.weight.data.dtype} (the layer's dtype), "
            f"got {a.dtype}; convert it with .astype(...) or build the layer with dtype={a.dtype}")

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}, dtype={self.dtype}")
