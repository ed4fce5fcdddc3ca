"""Shared step of the PyTorch reference tests: run a dlcore module and its torch twin on the same
input and upstream gradient, and compare output and input gradient (float64, 1e-10)."""

import numpy as np


def assert_same_as_torch(ours, ref, x, g=None, rng=None, atol=1e-10):
    """``ours``: a dlcore module; ``ref``: a torch callable; ``x``: the input (NumPy).

    ``g`` is the upstream gradient, or drawn from ``rng`` with the output's shape after the
    forward pass. Returns ``g`` (for comparing parameter gradients afterwards)."""
    import torch

    y = ours(x)
    if g is None:
        g = rng.standard_normal(y.shape)
    dx = ours.backward(g)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = ref(xt)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=atol, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=atol, rtol=0)
    return g
