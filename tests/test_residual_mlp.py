"""dlcore.layers.residual_mlp: chapter 11's fully connected residual block and its plain twin."""

import numpy as np
import pytest

import dlcore
from dlcore import ResidualMLPBlock, residual_mlp
from dlcore.gradcheck import check_module


def _randomise_bn(block, seed):
    rng = np.random.default_rng(seed)
    for bn in (block.bn1, block.bn2):
        bn.weight.data[...] = rng.uniform(0.5, 1.5, bn.num_features)
        bn.bias.data[...] = rng.standard_normal(bn.num_features) * 0.5
        bn.running_mean[...] = rng.standard_normal(bn.num_features) * 0.1
        bn.running_var[...] = rng.uniform(0.5, 1.5, bn.num_features)
    return block


def _f(block, x):
    u = block.fc1(x)
    if block.bn1 is not None:
        u = block.bn1(u)
    u = block.fc2(block.relu1(u))
    return u if block.bn2 is None else block.bn2(u)


@pytest.mark.parametrize("batchnorm", [True, False])
def test_forward_is_relu_of_f_plus_x_or_of_f(batchnorm):
    x = np.random.default_rng(0).standard_normal((5, 4))
    res = ResidualMLPBlock(4, shortcut=True, batchnorm=batchnorm, seed=1)
    plain = ResidualMLPBlock(4, shortcut=False, batchnorm=batchnorm, seed=1)
    np.testing.assert_allclose(res(x), np.maximum(_f(res, x) + x, 0), rtol=1e-13)
    np.testing.assert_allclose(plain(x), np.maximum(_f(plain, x), 0), rtol=1e-13)
    # same seed, same weights: the two blocks differ only in the shortcut
    for (n, a), (_, b) in zip(res.named_parameters(), plain.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=n)


def test_batchnorm_switch_changes_the_layers():
    with_bn = ResidualMLPBlock(3, seed=0)
    without = ResidualMLPBlock(3, batchnorm=False, seed=0)
    assert [n for n, _ in with_bn.named_parameters()] == [
        "fc1.weight", "bn1.weight", "bn1.bias", "fc2.weight", "bn2.weight", "bn2.bias"]
    assert [n for n, _ in without.named_parameters()] == [
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert "batchnorm=False" in repr(without)


@pytest.mark.parametrize("shortcut", [True, False])
@pytest.mark.parametrize("batchnorm", [True, False])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradcheck(shortcut, batchnorm, mode):
    block = ResidualMLPBlock(3, shortcut=shortcut, batchnorm=batchnorm, seed=2)
    if batchnorm:
        _randomise_bn(block, 3)
    block.train(mode == "train")
    x = np.random.default_rng(4).standard_normal((6, 3))
    report = check_module(block, x, rtol=1e-6)
    assert report.passed and report.max_error < 1e-6


def test_identity_shortcut_passes_the_gradient_through_the_one():
    """With F switched off (γ₂ = β₂ = 0) the residual block is ReLU(x): ∂ε/∂x = g where x > 0,
    while the plain block outputs 0 and passes no gradient at all."""
    x = np.random.default_rng(5).standard_normal((4, 3))
    g = np.random.default_rng(6).standard_normal((4, 3))
    for shortcut in (True, False):
        block = ResidualMLPBlock(3, shortcut=shortcut, seed=7)
        block.bn2.weight.data[...] = 0.0
        block.bn2.bias.data[...] = 0.0
        y = block(x)
        dx = block.backward(g)
        if shortcut:
            np.testing.assert_allclose(y, np.maximum(x, 0))
            np.testing.assert_allclose(dx, g * (x > 0), atol=1e-14)
        else:
            np.testing.assert_array_equal(y, 0.0)
            np.testing.assert_allclose(dx, 0.0, atol=1e-14)


def test_float32_and_extreme_inputs_stay_finite():
    block = ResidualMLPBlock(4, dtype=np.float32, seed=0)
    x = (np.random.default_rng(0).standard_normal((8, 4)) * 1e6).astype(np.float32)
    y = block(x)
    dx = block.backward(np.ones_like(y))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    assert np.isfinite(y).all() and np.isfinite(dx).all()


def test_bad_input():
    block = ResidualMLPBlock(4, seed=0)
    with pytest.raises(ValueError, match=r"ResidualMLPBlock.*\(N, D\)|ResidualMLPBlock.*4"):
        block(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="ResidualMLPBlock"):
        block(np.zeros((2, 4, 1)))
    with pytest.raises(ValueError, match="ResidualMLPBlock"):
        block(np.array([[np.nan, 0, 0, 0], [0, 0, 0, 0]]))
    with pytest.raises(ValueError, match="ResidualMLPBlock: expected features"):
        ResidualMLPBlock(0)
    with pytest.raises(ValueError, match="ResidualMLPBlock: expected shortcut"):
        ResidualMLPBlock(3, shortcut="yes")
    with pytest.raises(ValueError, match="ResidualMLPBlock: expected batchnorm"):
        ResidualMLPBlock(3, batchnorm=1)
    with pytest.raises(ValueError, match="ResidualMLPBlock: expected either seed or rng"):
        ResidualMLPBlock(3, seed=0, rng=np.random.default_rng(0))


def test_residual_mlp_layers_and_shared_initial_weights():
    plain = residual_mlp(6, 5, n_blocks=3, n_classes=4, shortcut=False, seed=0)
    res = residual_mlp(6, 5, n_blocks=3, n_classes=4, shortcut=True, seed=0)
    assert len(plain) == 3 + 3 + 1
    assert sum(isinstance(m, ResidualMLPBlock) and not m.shortcut for m in plain) == 3
    assert sum(isinstance(m, ResidualMLPBlock) and m.shortcut for m in res) == 3
    for (n, a), (_, b) in zip(plain.named_parameters(), res.named_parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data, err_msg=n)
    x = np.random.default_rng(1).standard_normal((7, 6))
    assert res(x).shape == (7, 4)
    weights = [n for n, p in res.named_parameters() if n.endswith("weight") and p.data.ndim == 2]
    assert len(weights) == 2 * 3 + 2
    # the whole network's backward, checked numerically (batch norms shifted off zero, so that
    # no ReLU input sits exactly on the kink at 0, where a finite difference is one-sided)
    net = residual_mlp(3, 3, 1, 2, seed=2)
    rng = np.random.default_rng(3)
    for m in net.modules():
        if isinstance(m, dlcore.BatchNorm1d):
            m.bias.data[...] = rng.uniform(0.2, 0.8, m.num_features)
    for mode in (True, False):
        report = check_module(net.train(mode), rng.standard_normal((4, 3)), rtol=1e-6)
        assert report.passed


def test_residual_mlp_without_batchnorm_and_xavier():
    he = residual_mlp(8, 8, n_blocks=2, n_classes=3, batchnorm=False, seed=0)
    xav = residual_mlp(8, 8, n_blocks=2, n_classes=3, batchnorm=False, init="xavier", seed=0)
    assert not any(isinstance(m, dlcore.BatchNorm1d) for m in xav.modules())
    w_he = he.layers[2].fc1.weight.data
    w_xav = xav.layers[2].fc1.weight.data
    # He-uniform bound √(6/8), Xavier-uniform bound √(6/16): every Xavier weight lies inside
    assert np.abs(w_xav).max() <= np.sqrt(6 / 16) + 1e-12 < np.abs(w_he).max()
    np.testing.assert_array_equal(residual_mlp(8, 8, 2, 3, init="xavier", seed=0)[0].weight.data,
                                  residual_mlp(8, 8, 2, 3, init="xavier", seed=0)[0].weight.data)


def test_residual_mlp_bad_arguments():
    with pytest.raises(ValueError, match="residual_mlp: expected n_blocks"):
        residual_mlp(4, 4, -1, 2)
    with pytest.raises(ValueError, match="residual_mlp: expected width"):
        residual_mlp(4, 0, 1, 2)
    with pytest.raises(ValueError, match="residual_mlp: expected init"):
        residual_mlp(4, 4, 1, 2, init="kaiming")
