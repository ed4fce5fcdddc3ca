"""Looking inside a network: what each layer outputs, how large each layer's gradient is.

Chapters 7, 9 and 11 measure the same two things (activation statistics per layer, gradient norm
per layer); these two functions are the one place that does it, so the chapters' loops stay short
and visible.
"""

from __future__ import annotations

from .backend import xp
from .module import Module, Sequential

__all__ = ["layer_outputs", "weight_grad_norms"]


def layer_outputs(model, x):
    """Run ``model`` (a :class:`~dlcore.Sequential`) forward and keep every layer's output.

    Returns a list of ``(i, layer, output)`` for the layers in order, ``output`` being what
    layer ``i`` returned (its own shape, e.g. (N, out_features) for ``Linear``). The last entry's
    output is ``model(x)``. The forward runs in the model's current mode (call ``model.eval()``
    first for inference statistics), and a following ``model.backward`` works as after
    ``model(x)``.
    """
    if not isinstance(model, Sequential):
        raise ValueError(f"layer_outputs: expected a Sequential, got {type(model).__name__}")
    outputs = []
    for i, layer in enumerate(model.layers):
        x = layer.forward(x)
        outputs.append((i, layer, x))
    return outputs


def weight_grad_norms(model):
    """Euclidean norm of ∂L/∂W for every weight matrix or kernel of ``model``, in model order.

    "Weight" means a parameter whose name ends in ``weight`` and that has two or more axes
    (``Linear`` (out, in), ``Conv2d`` (C_out, C_in, K, K)); biases and batch-norm scales are left
    out. Call after ``backward``. Returns a list of ``(name, norm)`` with ``norm`` a Python float.
    """
    if not isinstance(model, Module):
        raise ValueError(f"weight_grad_norms: expected a Module, got {type(model).__name__}")
    norms = []
    for name, p in model.named_parameters():
        if name.split(".")[-1] == "weight" and p.data.ndim >= 2:
            norms.append((name, float(xp.sqrt(xp.sum(p.grad.astype(xp.float64) ** 2)))))
    if not norms:
        raise ValueError(f"weight_grad_norms: expected a model with at least one weight "
                         f"matrix or kernel, got {type(model).__name__} with none")
    return norms
