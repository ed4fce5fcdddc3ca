"""dlcore.init: seeded generators, fans, gains and the Xavier/He initialisers."""

import math

import numpy as np
import pytest

from dlcore import init
from dlcore.module import Parameter

RANDOM_INITS = [
    (init.uniform_, {}),
    (init.normal_, {}),
    (init.xavier_uniform_, {}),
    (init.xavier_normal_, {}),
    (init.kaiming_uniform_, {}),
    (init.kaiming_normal_, {}),
]


# -- generators -----------------------------------------------------------------------------
def test_make_rng_from_seed_is_reproducible():
    a, b = init.make_rng(7), init.make_rng(7)
    np.testing.assert_array_equal(a.random(5), b.random(5))
    np.testing.assert_array_equal(init.make_rng(np.int64(7)).random(3),
                                  np.random.default_rng(7).random(3))


def test_make_rng_passes_generators_through_and_none_gives_a_fresh_one():
    g = np.random.default_rng(0)
    assert init.make_rng(g) is g
    assert hasattr(init.make_rng(None), "random")


@pytest.mark.parametrize("bad", [-1, 1.5, "0", True, [1, 2], object()])
def test_make_rng_rejects_other_things(bad):
    with pytest.raises(ValueError, match="make_rng: expected"):
        init.make_rng(bad)


# -- fans and gains -------------------------------------------------------------------------
def test_fans_for_linear_and_conv_weights():
    assert init.calculate_fan_in_and_fan_out((100, 784)) == (784, 100)
    assert init.calculate_fan_in_and_fan_out((16, 3, 5, 5)) == (75, 400)
    assert init.calculate_fan_in_and_fan_out(np.zeros((4, 2, 3))) == (6, 12)
    assert init.calculate_fan_in_and_fan_out(Parameter(np.zeros((2, 5)))) == (5, 2)


def test_gains():
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))


# -- filling --------------------------------------------------------------------------------
@pytest.mark.parametrize("fn,kw", RANDOM_INITS)
def test_random_inits_fill_in_place_and_return_the_tensor(fn, kw):
    p = Parameter(np.zeros((6, 5)))
    data = p.data
    assert fn(p, seed=0, **kw) is p
    assert p.data is data and np.all(data != 0)
    np.testing.assert_array_equal(p.grad, 0)
    a = np.zeros((6, 5))
    assert fn(a, seed=0, **kw) is a
    np.testing.assert_array_equal(a, p.data)


@pytest.mark.parametrize("fn,kw", RANDOM_INITS)
def test_random_inits_are_reproducible_and_seed_equals_rng(fn, kw):
    a = fn(np.empty((4, 3, 2, 2)), seed=3, **kw)
    b = fn(np.empty((4, 3, 2, 2)), rng=np.random.default_rng(3), **kw)
    np.testing.assert_array_equal(a, b)
    c = fn(np.empty((4, 3, 2, 2)), seed=4, **kw)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("fn,kw", RANDOM_INITS)
def test_float32_holds_the_rounded_float64_values(fn, kw):
    a64 = fn(np.empty((5, 4)), seed=1, **kw)
    a32 = fn(np.empty((5, 4), dtype=np.float32), seed=1, **kw)
    assert a32.dtype == np.float32
    np.testing.assert_array_equal(a32, a64.astype(np.float32))


def test_a_shared_rng_gives_different_layers_different_weights():
    g = np.random.default_rng(0)
    a = init.normal_(np.empty((3, 3)), rng=g)
    b = init.normal_(np.empty((3, 3)), rng=g)
    assert not np.array_equal(a, b)


def test_uniform_and_normal_parameters():
    a = init.uniform_(np.empty(20000), -2.0, 3.0, seed=0)
    assert a.min() >= -2.0 and a.max() < 3.0 and a.mean() == pytest.approx(0.5, abs=0.05)
    n = init.normal_(np.empty(20000), mean=1.0, std=0.1, seed=0)
    assert n.mean() == pytest.approx(1.0, abs=0.01) and n.std() == pytest.approx(0.1, rel=0.03)


def test_xavier_scale():
    w = init.xavier_uniform_(np.empty((300, 500)), seed=0)
    bound = math.sqrt(6 / 800)
    assert np.abs(w).max() <= bound
    assert w.var() == pytest.approx(2 / 800, rel=0.03)
    w = init.xavier_normal_(np.empty((300, 500)), gain=2.0, seed=0)
    assert w.std() == pytest.approx(2.0 * math.sqrt(2 / 800), rel=0.03)


def test_he_scale_and_modes():
    w = init.kaiming_normal_(np.empty((200, 400)), seed=0)
    assert w.var() == pytest.approx(2 / 400, rel=0.03)
    w = init.kaiming_uniform_(np.empty((200, 400)), seed=0)
    assert np.abs(w).max() <= math.sqrt(6 / 400) and w.var() == pytest.approx(2 / 400, rel=0.03)
    w = init.kaiming_normal_(np.empty((200, 400)), mode="fan_out", seed=0)
    assert w.var() == pytest.approx(2 / 200, rel=0.03)
    w = init.kaiming_normal_(np.empty((64, 8, 3, 3)), nonlinearity="leaky_relu", a=0.1, seed=0)
    assert w.var() == pytest.approx(2 / (1.01 * 72), rel=0.05)


def test_he_keeps_the_signal_through_relu_layers_and_small_weights_lose_it():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 256))
    he, small = x, x
    for _ in range(10):
        he = np.maximum(he @ init.kaiming_normal_(np.empty((256, 256)), rng=rng).T, 0)
        small = np.maximum(small @ init.normal_(np.empty((256, 256)), std=0.01, rng=rng).T, 0)
    assert 0.3 < np.mean(he ** 2) < 3
    assert np.mean(small ** 2) < 1e-10


def test_constant_zeros_ones():
    p = Parameter(np.empty((2, 3), dtype=np.float32))
    assert init.constant_(p, 0.5) is p and np.all(p.data == 0.5) and p.data.dtype == np.float32
    np.testing.assert_array_equal(init.zeros_(np.empty(3)), 0)
    np.testing.assert_array_equal(init.ones_(np.empty(3)), 1)


def test_unseeded_layers_are_reproducible_through_the_global_stream():
    import dlcore

    dlcore.manual_seed(7)
    a1, a2 = dlcore.Linear(4, 3), dlcore.Linear(4, 3)
    dlcore.manual_seed(7)
    b1, b2 = dlcore.Linear(4, 3), dlcore.Linear(4, 3)
    assert np.array_equal(a1.weight.data, b1.weight.data)
    assert np.array_equal(a2.weight.data, b2.weight.data)
    assert not np.array_equal(a1.weight.data, a2.weight.data)  # no twin nodes
    with pytest.raises(ValueError, match="manual_seed: expected an int"):
        dlcore.manual_seed(-1)
