"""Tests for dlcore.layers.residual.ResidualBlock: y = ReLU(F(x) + shortcut(x))."""

import numpy as np
import pytest
from _torchref import assert_same_as_torch

from dlcore import ResidualBlock
from dlcore.gradcheck import check_module


def _randomise_bn(block, seed):
    rng = np.random.default_rng(seed)
    bns = [block.bn1, block.bn2] + ([block.shortcut[1]] if block.shortcut is not None else [])
    for bn in bns:
        n = bn.num_features
        bn.weight.data[...] = rng.uniform(0.5, 1.5, n)
        bn.bias.data[...] = rng.standard_normal(n) * 0.5
        bn.running_mean[...] = rng.standard_normal(n) * 0.1
        bn.running_var[...] = rng.uniform(0.5, 1.5, n)
    return block


@pytest.mark.parametrize("cin, cout, stride, H, out_hw", [(4, 4, 1, 6, 6), (3, 5, 1, 5, 5),
                                                          (3, 6, 2, 8, 4), (2, 2, 2, 7, 4)])
def test_shapes_and_shortcut_kind(cin, cout, stride, H, out_hw):
    block = ResidualBlock(cin, cout, stride, seed=0)
    assert (block.shortcut is None) == (cin == cout and stride == 1)
    y = block(np.random.default_rng(0).standard_normal((2, cin, H, H)))
    assert y.shape == (2, cout, out_hw, out_hw) and (y >= 0).all()


def test_identity_block_is_relu_of_f_plus_x():
    block = _randomise_bn(ResidualBlock(3, 3, seed=1), 2)
    x = np.random.default_rng(3).standard_normal((2, 3, 5, 5))
    y = block(x)
    f = block.bn2(block.conv2(block.relu1(block.bn1(block.conv1(x)))))
    np.testing.assert_allclose(y, np.maximum(f + x, 0), rtol=1e-13)


def test_gradient_of_identity_shortcut_passes_through_the_one():
    """With F switched off (γ₂ = β₂ = 0) the block is ReLU(x): ∂ε/∂x = g where x > 0 (the "1")."""
    block = ResidualBlock(2, 2, seed=4)
    block.bn2.weight.data[...] = 0.0
    block.bn2.bias.data[...] = 0.0
    x = np.random.default_rng(5).standard_normal((3, 2, 4, 4))
    g = np.random.default_rng(6).standard_normal(x.shape)
    np.testing.assert_allclose(block(x), np.maximum(x, 0))
    np.testing.assert_allclose(block.backward(g), g * (x > 0), atol=1e-14)


@pytest.mark.parametrize("cin, cout, stride, H", [(2, 2, 1, 4), (2, 3, 1, 4), (2, 3, 2, 5),
                                                  (3, 2, 2, 4)])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradcheck(cin, cout, stride, H, mode):
    # (with a single input channel, training-mode batch norm makes the output independent of
    # the 1x1 projection's one weight per channel: its gradient is 0 and a relative error of
    # rounding noise says nothing, so every case here has at least two input channels)
    block = _randomise_bn(ResidualBlock(cin, cout, stride, seed=7), 8).train(mode == "train")
    x = np.random.default_rng(9).standard_normal((3, cin, H, H))
    report = check_module(block, x, rtol=1e-6)
    assert report.passed and report.max_error < 1e-6


def test_seeded_and_float32():
    a, b = ResidualBlock(3, 4, 2, seed=1), ResidualBlock(3, 4, 2, seed=1)
    for (na, pa), (_, pb) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data, err_msg=na)
    assert [n for n, _ in a.named_parameters()] == [
        "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
        "shortcut.layers.0.weight", "shortcut.layers.1.weight", "shortcut.layers.1.bias"]
    c = ResidualBlock(3, 4, 2, dtype=np.float32, seed=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32)
    y = c(x)
    assert y.dtype == np.float32 and c.backward(np.ones_like(y)).dtype == np.float32


# -- PyTorch reference ---------------------------------------------------------------------------
def _torch_block(block, torch):
    nn = torch.nn

    def conv(c):
        t = nn.Conv2d(c.in_channels, c.out_channels, c.kernel_size, c.stride, c.padding,
                      bias=False, dtype=torch.float64)
        with torch.no_grad():
            t.weight.copy_(torch.from_numpy(c.weight.data))
        return t

    def bn(b):
        t = nn.BatchNorm2d(b.num_features, dtype=torch.float64)
        with torch.no_grad():
            for name in ("weight", "bias"):
                getattr(t, name).copy_(torch.from_numpy(getattr(b, name).data))
            for name in ("running_mean", "running_var"):
                getattr(t, name).copy_(torch.from_numpy(getattr(b, name)))
        return t

    class Ref(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1 = conv(block.conv1), bn(block.bn1)
            self.conv2, self.bn2 = conv(block.conv2), bn(block.bn2)
            self.shortcut = (None if block.shortcut is None else
                             nn.Sequential(conv(block.shortcut[0]), bn(block.shortcut[1])))

        def forward(self, x):
            f = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
            return torch.relu(f + (x if self.shortcut is None else self.shortcut(x)))

    return Ref()


@pytest.mark.parametrize("cin, cout, stride", [(3, 3, 1), (3, 5, 2), (2, 4, 1)])
def test_matches_torch_forward_backward_and_running_stats(cin, cout, stride):
    torch = pytest.importorskip("torch")
    block = _randomise_bn(ResidualBlock(cin, cout, stride, seed=10), 11)
    ref = _torch_block(block, torch)
    rng = np.random.default_rng(12)
    for training in [True, True, False]:
        block.train(training)
        ref.train(training)
        block.zero_grad()
        ref.zero_grad()
        x = rng.standard_normal((4, cin, 7, 7))
        assert_same_as_torch(block, ref, x, rng=rng)
        ours = dict(block.named_parameters())
        theirs = dict(ref.named_parameters())
        for name, p in ours.items():
            tname = name.replace("shortcut.layers.", "shortcut.")
            np.testing.assert_allclose(p.grad, theirs[tname].grad.numpy(), atol=1e-10, rtol=0,
                                       err_msg=name)
        for name, module, attr in block.buffers():
            tname = name.replace("shortcut.layers.", "shortcut.")
            np.testing.assert_allclose(getattr(module, attr),
                                       ref.state_dict()[tname].numpy(), atol=1e-12, err_msg=name)
