"""Tests for dlcore.layers.pooling: MaxPool2d, AvgPool2d, StochasticPool2d, GlobalAvgPool2d."""

import numpy as np
import pytest
from _torchref import assert_same_as_torch

from dlcore import AvgPool2d, GlobalAvgPool2d, MaxPool2d, StochasticPool2d
from dlcore.gradcheck import check_module

# (kernel, stride, H, W): tiling windows, overlapping ones, rows left over, non-square
POOL_CONFIGS = [(2, None, 4, 6), (2, None, 5, 7), (3, 2, 7, 8), (3, 1, 5, 5), ((2, 3), (1, 2), 6, 7),
                (2, 3, 8, 8), (1, None, 3, 3)]


def distinct_input(shape, seed=0):
    """Values far apart from each other, so that no finite-difference step changes the max."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))).reshape(shape) * 0.1
            + rng.uniform(0, 0.01, shape))


def naive_pool(x, k, s, reduce):
    kh, kw = (k, k) if isinstance(k, int) else k
    s = (kh, kw) if s is None else s
    sh, sw = (s, s) if isinstance(s, int) else s
    N, C, H, W = x.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = np.zeros((N, C, oh, ow))
    for i in range(oh):
        for j in range(ow):
            out[:, :, i, j] = reduce(x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
    return out


# -- MaxPool2d -----------------------------------------------------------------------------------
@pytest.mark.parametrize("k, s, H, W", POOL_CONFIGS)
def test_maxpool_forward_matches_loops(k, s, H, W):
    x = np.random.default_rng(0).standard_normal((2, 3, H, W))
    np.testing.assert_array_equal(MaxPool2d(k, s)(x), naive_pool(x, k, s, np.max))


@pytest.mark.parametrize("k, s, H, W", POOL_CONFIGS)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_maxpool_gradcheck(k, s, H, W, mode):
    layer = MaxPool2d(k, s).train(mode == "train")
    assert check_module(layer, distinct_input((2, 2, H, W))).passed


def test_maxpool_2x2_example():
    x = np.array([[1, 2, 0, 1], [3, 4, 1, 5], [0, 0, 2, 2], [7, 1, 2, 3]], float)[None, None]
    layer = MaxPool2d(2)
    np.testing.assert_array_equal(layer(x)[0, 0], [[4, 5], [7, 3]])
    dx = layer.backward(np.array([[[[10., 20.], [30., 40.]]]]))
    np.testing.assert_array_equal(dx[0, 0], [[0, 0, 0, 0], [0, 10, 0, 20], [0, 0, 0, 0],
                                             [30, 0, 0, 40]])


def test_maxpool_ties_route_the_gradient_to_the_first_maximum_once():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, 2:, 2:] = 5.0            # a window of four equal maxima
    layer = MaxPool2d(2)
    layer(x)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    assert dx.sum() == 4              # the gradient is not duplicated
    np.testing.assert_array_equal(dx[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0],
                                             [0, 0, 0, 0]])


def test_maxpool_overlapping_windows_add_their_gradients():
    x = np.array([[[[0., 0., 0.], [0., 9., 0.], [0., 0., 0.]]]])
    layer = MaxPool2d(2, 1)          # all four windows contain the centre
    layer(x)
    dx = layer.backward(np.ones((1, 1, 2, 2)))
    assert dx[0, 0, 1, 1] == 4 and dx.sum() == 4


def test_maxpool_default_stride_and_dtype():
    layer = MaxPool2d(3)
    assert layer.stride == (3, 3)
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 6)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32


# -- AvgPool2d -----------------------------------------------------------------------------------
@pytest.mark.parametrize("k, s, H, W", POOL_CONFIGS)
def test_avgpool_forward_matches_loops(k, s, H, W):
    x = np.random.default_rng(2).standard_normal((2, 3, H, W))
    np.testing.assert_allclose(AvgPool2d(k, s)(x), naive_pool(x, k, s, np.mean), rtol=1e-12,
                               atol=1e-14)


@pytest.mark.parametrize("k, s, H, W", POOL_CONFIGS)
def test_avgpool_gradcheck(k, s, H, W):
    x = np.random.default_rng(3).standard_normal((2, 2, H, W))
    assert check_module(AvgPool2d(k, s), x).passed


# -- StochasticPool2d ----------------------------------------------------------------------------
def test_stochastic_sampling_frequencies_match_p_i():
    """Each window [1, 2, 3, 4] is drawn with p_i = a_i / 10 (Zeiler & Fergus 2013)."""
    x = np.tile(np.array([[1., 2.], [3., 4.]]), (50, 40, 1, 1))      # 2000 equal windows
    layer = StochasticPool2d(2, seed=0)
    counts = np.zeros(4)
    for _ in range(10):
        out = layer(x)
        for k, value in enumerate([1., 2., 3., 4.]):
            counts[k] += np.sum(out == value)
    freq = counts / counts.sum()
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.3, 0.4], atol=0.01)   # 20000 draws: sd ~0.003


def test_stochastic_draws_only_positions_with_nonzero_activation():
    x = np.zeros((20, 5, 4, 4))
    x[:, :, 0::2, 1::2] = 3.0       # one positive entry per 2x2 window
    out = StochasticPool2d(2, seed=1)(x)
    np.testing.assert_array_equal(out, 3.0)


def test_stochastic_all_zero_window_gives_zero_and_uniform_choice():
    layer = StochasticPool2d(2, seed=2)
    x = np.zeros((100, 10, 2, 2))
    out = layer(x)
    np.testing.assert_array_equal(out, 0)
    dx = layer.backward(np.ones_like(out))
    assert dx.sum() == 1000                                   # one position per window
    freq = dx.reshape(1000, 4).mean(axis=0)
    np.testing.assert_allclose(freq, 0.25, atol=0.05)


def test_stochastic_is_seeded():
    x = np.random.default_rng(3).random((4, 3, 6, 6))
    a = StochasticPool2d(2, seed=5)(x)
    b = StochasticPool2d(2, seed=5)(x)
    c = StochasticPool2d(2, seed=6)(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stochastic_output_is_one_of_the_window_entries_and_gradient_goes_there():
    x = np.random.default_rng(4).random((3, 2, 4, 6))
    layer = StochasticPool2d(2, seed=7)
    out = layer(x)
    g = np.random.default_rng(8).standard_normal(out.shape)
    dx = layer.backward(g)
    for n in range(3):
        for c in range(2):
            for i in range(2):
                for j in range(3):
                    win = x[n, c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
                    dwin = dx[n, c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
                    assert out[n, c, i, j] in win
                    assert np.count_nonzero(dwin) == 1
                    assert dwin[win == out[n, c, i, j]][0] == g[n, c, i, j]


def test_stochastic_gradcheck_with_a_fixed_draw():
    """Reseeding before every forward fixes the draw, so finite differences see one path."""
    class Fixed(StochasticPool2d):
        def forward(self, x):
            self.rng = np.random.default_rng(11)
            return super().forward(x)

    layer = Fixed(2)
    assert check_module(layer, distinct_input((2, 2, 4, 4), seed=3) + 1.0).passed


def test_stochastic_eval_is_the_probability_weighted_average():
    x = np.array([[[[1., 2.], [3., 4.]]]])
    layer = StochasticPool2d(2).eval()
    np.testing.assert_allclose(layer(x)[0, 0, 0, 0], (1 + 4 + 9 + 16) / 10)
    z = StochasticPool2d(2).eval()(np.zeros((1, 1, 2, 2)))
    np.testing.assert_array_equal(z, 0)


def test_stochastic_eval_gradcheck():
    x = np.random.default_rng(9).random((2, 2, 6, 6)) + 0.1
    assert check_module(StochasticPool2d(3, 2, seed=0).eval(), x).passed


def test_stochastic_mean_of_training_draws_equals_eval_output():
    x = np.random.default_rng(10).random((1, 1, 2, 2))
    layer = StochasticPool2d(2, seed=12)
    mean_draw = layer(np.repeat(x, 4000, axis=0)).mean()
    expected = StochasticPool2d(2).eval()(x)[0, 0, 0, 0]
    np.testing.assert_allclose(mean_draw, expected, rtol=0.02)


# -- GlobalAvgPool2d -----------------------------------------------------------------------------
def test_global_avg_pool_forward_backward():
    x = np.random.default_rng(13).standard_normal((3, 4, 5, 6))
    layer = GlobalAvgPool2d()
    y = layer(x)
    assert y.shape == (3, 4)
    np.testing.assert_allclose(y, x.mean(axis=(2, 3)))
    assert check_module(layer, x).passed


# -- PyTorch reference ---------------------------------------------------------------------------
@pytest.mark.parametrize("k, s, H, W", POOL_CONFIGS)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_torch(k, s, H, W, kind):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    x = np.round(rng.standard_normal((2, 3, H, W)), 1)   # rounding makes ties happen
    x = np.maximum(x, 0)                                   # ... many of them, as after ReLU
    ours = MaxPool2d(k, s) if kind == "max" else AvgPool2d(k, s)
    ref = (torch.nn.MaxPool2d if kind == "max" else torch.nn.AvgPool2d)(k, s)
    assert_same_as_torch(ours, ref, x, rng=rng)


def test_global_avg_pool_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(15).standard_normal((2, 3, 4, 5))
    g = np.random.default_rng(16).standard_normal((2, 3))
    assert_same_as_torch(GlobalAvgPool2d(), lambda t: torch.nn.AdaptiveAvgPool2d(1)(t).flatten(1),
                         x, g)
