"""dlcore's Linear and optimisers against PyTorch (float64, to 1e-10).

Skipped where PyTorch is not installed (it is not one of dlcore's dependencies).
"""

import numpy as np
import pytest

from dlcore import Linear, Sequential
from dlcore.optim import SGD, AdaGrad, Adam, RMSprop

torch = pytest.importorskip("torch")

TOL = 1e-10


def to_torch_linear(layer):
    t = torch.nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                        dtype=torch.float64)
    with torch.no_grad():
        t.weight.copy_(torch.from_numpy(layer.weight.data))
        if layer.bias is not None:
            t.bias.copy_(torch.from_numpy(layer.bias.data))
    return t


@pytest.mark.parametrize("n, d, p, bias", [(1, 1, 1, True), (7, 5, 3, True), (32, 784, 100, True),
                                           (4, 6, 2, False)])
def test_linear_forward_backward_match_torch(n, d, p, bias):
    rng = np.random.default_rng(n + d + p)
    layer = Linear(d, p, bias=bias, seed=0)
    if bias:
        layer.bias.data[...] = rng.standard_normal(p)
    ref = to_torch_linear(layer)
    x = rng.standard_normal((n, d))
    g = rng.standard_normal((n, p))

    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    yt = ref(xt)
    yt.backward(torch.from_numpy(g))
    y = layer(x)
    dx = layer.backward(g)

    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(layer.weight.grad, ref.weight.grad.numpy(), rtol=0, atol=TOL)
    if bias:
        np.testing.assert_allclose(layer.bias.grad, ref.bias.grad.numpy(), rtol=0, atol=TOL)


# (dlcore optimiser, torch optimiser, keyword arguments shared by both, dlcore-only l1)
CASES = {
    "sgd": (SGD, torch.optim.SGD, {"lr": 0.05}, 0.0),
    "sgd-momentum": (SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}, 0.0),
    "sgd-nesterov-wd": (SGD, torch.optim.SGD,
                        {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}, 0.0),
    "sgd-momentum-wd-l1": (SGD, torch.optim.SGD,
                           {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.05}, 0.01),
    "adagrad": (AdaGrad, torch.optim.Adagrad, {"lr": 0.1}, 0.0),
    "adagrad-wd": (AdaGrad, torch.optim.Adagrad, {"lr": 0.1, "eps": 1e-6, "weight_decay": 0.1},
                   0.0),
    "rmsprop": (RMSprop, torch.optim.RMSprop, {"lr": 0.01}, 0.0),
    "rmsprop-wd-l1": (RMSprop, torch.optim.RMSprop,
                      {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.1}, 0.02),
    "adam": (Adam, torch.optim.Adam, {"lr": 0.01}, 0.0),
    "adam-wd": (Adam, torch.optim.Adam,
                {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-7, "weight_decay": 0.1}, 0.0),
    "adam-l1": (Adam, torch.optim.Adam, {"lr": 0.01}, 0.05),
}


@pytest.mark.parametrize("case", list(CASES))
def test_optimiser_trajectory_matches_torch(case):
    """20 steps of a 2-layer network on a squared error: every parameter equal to 1e-10."""
    dl_cls, t_cls, kwargs, l1 = CASES[case]
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((16, 6)), rng.standard_normal((16, 3))
    net = Sequential(Linear(6, 5, seed=1), Linear(5, 3, seed=2))
    for layer in net:
        layer.bias.data[...] = rng.standard_normal(layer.out_features) * 0.1
    ref = torch.nn.Sequential(*(to_torch_linear(layer) for layer in net))
    opt = dl_cls(net.parameters(), l1=l1, **kwargs)
    t_opt = t_cls(ref.parameters(), **kwargs)
    xt, tt = torch.from_numpy(x), torch.from_numpy(t)

    for _ in range(20):
        opt.zero_grad()
        y = net(x)
        net.backward(2.0 * (y - t) / y.size)  # L = mean((y - t)²)
        opt.step()

        t_opt.zero_grad()
        ((ref(xt) - tt) ** 2).mean().backward()
        if l1:  # PyTorch has no L1 option: add λ₁·sign(θ) to the gradient by hand
            with torch.no_grad():
                for q in ref.parameters():
                    q.grad.add_(torch.sign(q), alpha=l1)
        t_opt.step()

    moved = 0.0
    for p, q in zip(net.parameters(), ref.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=0, atol=TOL)
        moved = max(moved, float(np.abs(p.grad).max()))
    assert moved > 0  # the comparison is not vacuous
