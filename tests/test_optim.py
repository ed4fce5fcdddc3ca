"""Tests for dlcore.optim: hand-computed first steps, convergence, regularisation, state,
determinism and validation."""

import math

import numpy as np
import pytest

from dlcore import Linear, Sequential
from dlcore.module import Parameter
from dlcore.optim import SGD, AdaGrad, Adagrad, Adam, RMSprop


def scalar_param(value, grad):
    p = Parameter(np.array([float(value)]))
    p.grad[...] = grad
    return p


# -- first steps by hand ---------------------------------------------------------------------------
def test_sgd_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = SGD([p], lr=0.1)
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 * 2.0)  # θ ← θ − η g = 0.8
    opt.step()
    assert p.data[0] == pytest.approx(0.6)


def test_momentum_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    opt.step()  # b = g = 2, θ = 1 − 0.2
    assert p.data[0] == pytest.approx(0.8)
    opt.step()  # b = 0.9·2 + 2 = 3.8, θ = 0.8 − 0.38
    assert p.data[0] == pytest.approx(0.42)
    # the notes' velocity form v ← αv − ηg, θ ← θ + v gives the same θ
    theta, v = 1.0, 0.0
    for _ in range(2):
        v = 0.9 * v - 0.1 * 2.0
        theta += v
    assert p.data[0] == pytest.approx(theta)


def test_nesterov_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = SGD([p], lr=0.1, momentum=0.9, nesterov=True)
    opt.step()  # b = 2, step = g + μb = 3.8, θ = 1 − 0.38
    assert p.data[0] == pytest.approx(0.62)
    opt.step()  # b = 3.8, step = 2 + 0.9·3.8 = 5.42
    assert p.data[0] == pytest.approx(0.62 - 0.542)


def test_adagrad_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = AdaGrad([p], lr=0.5)
    opt.step()  # r = 4, θ = 1 − 0.5·2/(2 + 1e-10)
    assert p.data[0] == pytest.approx(0.5)
    opt.step()  # r = 8, θ = 0.5 − 0.5·2/√8
    assert p.data[0] == pytest.approx(0.5 - 0.5 * 2 / math.sqrt(8))
    assert Adagrad is AdaGrad


def test_rmsprop_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = RMSprop([p], lr=0.01, alpha=0.9)
    opt.step()  # r = 0.1·4 = 0.4
    assert p.data[0] == pytest.approx(1.0 - 0.01 * 2 / (math.sqrt(0.4) + 1e-8))
    opt.step()  # r = 0.9·0.4 + 0.4 = 0.76
    assert p.data[0] == pytest.approx(1.0 - 0.01 * 2 / math.sqrt(0.4) - 0.01 * 2 / math.sqrt(0.76))


def test_adam_first_steps():
    p = scalar_param(1.0, 2.0)
    opt = Adam([p], lr=0.1)
    opt.step()  # m̂ = g, v̂ = g²: the first step is η·sign(g)
    assert p.data[0] == pytest.approx(0.9, abs=1e-8)
    p.grad[...] = -1.0
    opt.step()
    m = 0.9 * 0.2 + 0.1 * -1.0  # m after step 1 is 0.1·2 = 0.2
    v = 0.999 * 0.004 + 0.001 * 1.0  # v after step 1 is 0.001·4
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert p.data[0] == pytest.approx(0.9 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8))


# -- regularisation --------------------------------------------------------------------------------
def test_weight_decay_shrinks_the_weights():
    """SGD with L2 weight decay: θ ← θ(1 − ηλ) − η ∂J/∂θ."""
    p = scalar_param(3.0, 0.5)
    SGD([p], lr=0.1, weight_decay=0.2).step()
    assert p.data[0] == pytest.approx(3.0 * (1 - 0.1 * 0.2) - 0.1 * 0.5)
    np.testing.assert_array_equal(p.grad, 0.5)  # p.grad itself is left alone


def test_l1_adds_sign_of_theta():
    p = Parameter(np.array([2.0, -3.0, 0.0]))
    SGD([p], lr=0.1, l1=0.5).step()  # grad 0: θ ← θ − η λ₁ sign(θ)
    np.testing.assert_allclose(p.data, [1.95, -2.95, 0.0])


@pytest.mark.parametrize("make", [
    lambda ps: AdaGrad(ps, lr=0.1, weight_decay=0.1, l1=0.01),
    lambda ps: RMSprop(ps, lr=0.01, weight_decay=0.1, l1=0.01),
    lambda ps: Adam(ps, lr=0.01, weight_decay=0.1, l1=0.01),
])
def test_regularisation_is_the_same_as_a_larger_gradient(make):
    """Every optimiser sees g = ∂J/∂θ + λ₂θ + λ₁ sign(θ)."""
    theta = np.array([1.5, -0.5, 2.0])
    a = Parameter(theta.copy())
    b = Parameter(theta.copy())
    opt_a = make([a])
    opt_b = type(opt_a)([b], lr=opt_a.lr)
    grad = np.array([0.3, -0.2, 0.1])
    for _ in range(3):
        a.grad[...] = grad
        b.grad[...] = grad + 0.1 * b.data + 0.01 * np.sign(b.data)
        opt_a.step()
        opt_b.step()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-14)


# -- convergence on a quadratic --------------------------------------------------------------------
def quadratic():
    """J(θ) = ½ θᵀAθ − bᵀθ with A symmetric positive definite; minimum at θ* = A⁻¹b."""
    rng = np.random.default_rng(0)
    q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    A = q @ np.diag([1.0, 2.0, 4.0, 8.0]) @ q.T
    b = rng.standard_normal(4)
    return A, b, np.linalg.solve(A, b)


@pytest.mark.parametrize("make, steps", [
    (lambda ps: SGD(ps, lr=0.1), 300),
    (lambda ps: SGD(ps, lr=0.05, momentum=0.9), 300),
    (lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 300),
    (lambda ps: AdaGrad(ps, lr=0.5), 1500),
    (lambda ps: RMSprop(ps, lr=0.01), 1500),
    (lambda ps: Adam(ps, lr=0.05), 1500),
])
def test_converges_on_a_quadratic(make, steps):
    A, b, theta_star = quadratic()
    p = Parameter(np.zeros(4))
    opt = make([p])
    for _ in range(steps):
        opt.zero_grad()
        p.grad += A @ p.data - b
        opt.step()
    assert opt.t == steps
    np.testing.assert_allclose(p.data, theta_star, atol=2e-2)


# -- state, dtype, determinism ---------------------------------------------------------------------
def test_float32_stays_float32():
    p = Parameter(np.ones((3, 2), dtype=np.float32))
    p.grad[...] = 0.5
    for opt in (SGD([p], lr=0.1, momentum=0.9, weight_decay=0.1, l1=0.1), AdaGrad([p]),
                RMSprop([p]), Adam([p], weight_decay=0.1)):
        opt.step()
        assert p.data.dtype == np.float32
        assert all(a.dtype == np.float32 for s in opt.state for a in s.values())


def test_updates_are_in_place_and_buffers_are_reused():
    p = Parameter(np.ones(5))
    data = p.data
    opt = Adam([p])
    bufs = {k: v for k, v in opt.state[0].items()}
    for _ in range(3):
        p.grad[...] = 1.0
        opt.step()
    assert p.data is data
    assert all(opt.state[0][k] is v for k, v in bufs.items())


def test_lr_can_be_changed_between_steps():
    p = scalar_param(1.0, 1.0)
    opt = SGD([p], lr=0.1)
    opt.step()
    opt.lr = 0.01
    opt.step()
    assert p.data[0] == pytest.approx(1.0 - 0.1 - 0.01)


def test_zero_grad_clears_every_gradient():
    net = Sequential(Linear(3, 4, seed=0), Linear(4, 2, seed=1))
    opt = SGD(net.parameters(), lr=0.1)
    for p in net.parameters():
        p.grad[...] = 1.0
    opt.zero_grad()
    assert all(not p.grad.any() for p in net.parameters())


def test_state_dict_roundtrip_continues_the_same_trajectory():
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((6, 3))
    p = Parameter(np.ones(3))
    opt = Adam([p], lr=0.1)
    for g in grads[:3]:
        p.grad[...] = g
        opt.step()
    saved_theta, saved = p.data.copy(), opt.state_dict()
    for g in grads[3:]:
        p.grad[...] = g
        opt.step()
    expected = p.data.copy()
    q = Parameter(saved_theta)
    opt2 = Adam([q], lr=0.1).load_state_dict(saved)
    assert opt2.t == 3
    for g in grads[3:]:
        q.grad[...] = g
        opt2.step()
    np.testing.assert_array_equal(q.data, expected)
    with pytest.raises(ValueError, match="Adam.load_state_dict: expected state for 1 parameters"):
        opt2.load_state_dict({"t": 1, "state": []})


def train_small_mlp(seed, opt_name):
    """A few steps of a 2-layer network (tanh-free: Linear → Linear) on a squared error."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((16, 5))
    t = rng.standard_normal((16, 2))
    net = Sequential(Linear(5, 8, seed=seed), Linear(8, 2, seed=seed + 1))
    opt = {"sgd": lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
           "adagrad": lambda ps: AdaGrad(ps, lr=0.05),
           "rmsprop": lambda ps: RMSprop(ps, lr=0.01, l1=1e-3),
           "adam": lambda ps: Adam(ps, lr=0.01)}[opt_name](net.parameters())
    for _ in range(5):
        opt.zero_grad()
        y = net(x)
        net.backward(2 * (y - t) / y.size)
        opt.step()
    return [p.data.copy() for p in net.parameters()]


@pytest.mark.parametrize("opt_name", ["sgd", "adagrad", "rmsprop", "adam"])
def test_same_seed_gives_bit_identical_parameters(opt_name):
    a, b = train_small_mlp(7, opt_name), train_small_mlp(7, opt_name)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa, pb)
    c = train_small_mlp(8, opt_name)
    assert not np.array_equal(a[0], c[0])


def test_repr():
    p = Parameter(np.ones(2))
    assert repr(SGD([p], lr=0.1, momentum=0.9)) == "SGD(lr=0.1, momentum=0.9, 1 parameters, t=0)"
    assert "betas=(0.9, 0.999)" in repr(Adam([p]))
    assert "weight_decay=0.01" in repr(AdaGrad([p], weight_decay=0.01))


# -- bad input -------------------------------------------------------------------------------------
def _p():
    return Parameter(np.ones(2))


@pytest.mark.parametrize("make, match", [
    (lambda: SGD([_p()], lr=0), r"SGD: expected lr to be a real number in \(0, inf\), got 0"),
    (lambda: SGD([_p()], lr=-0.1), "SGD: expected lr"),
    (lambda: SGD([_p()], lr="0.1"), "SGD: expected lr.*got '0.1'"),
    (lambda: Adam([_p()], lr=float("nan")), "Adam: expected lr.*got nan"),
    (lambda: SGD([_p()], lr=True), "SGD: expected lr.*got True"),
    (lambda: SGD([_p()], lr=0.1, momentum=1.0), r"SGD: expected momentum .* \[0, 1\), got 1.0"),
    (lambda: SGD([_p()], lr=0.1, momentum=-0.5), "SGD: expected momentum"),
    (lambda: SGD([_p()], lr=0.1, nesterov=True), "SGD: nesterov=True needs momentum > 0"),
    (lambda: SGD([_p()], lr=0.1, momentum=0.9, nesterov=1), "SGD: expected nesterov"),
    (lambda: SGD([_p()], lr=0.1, weight_decay=-1e-4), "SGD: expected weight_decay"),
    (lambda: Adam([_p()], l1=-1), "Adam: expected l1"),
    (lambda: Adam([_p()], betas=(1.0, 0.999)), r"Adam: expected betas\[0\].*got 1.0"),
    (lambda: Adam([_p()], betas=(0.9, -0.1)), r"Adam: expected betas\[1\]"),
    (lambda: Adam([_p()], betas=0.9), r"Adam: expected betas to be a pair .* got 0.9"),
    (lambda: Adam([_p()], eps=-1e-8), "Adam: expected eps"),
    (lambda: AdaGrad([_p()], eps=float("inf")), "AdaGrad: expected eps"),
    (lambda: RMSprop([_p()], alpha=1.5), "RMSprop: expected alpha"),
])
def test_bad_hyperparameters(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("params, match", [
    ({_p(), _p()}, "SGD: expected a list of Parameter, got a set; sets have no stable order"),
    (frozenset([_p()]), "got a frozenset; sets have no stable order"),
    ([], "SGD: expected a non-empty list of Parameter, got an empty one"),
    (iter([]), "non-empty"),
    ((np.ones(2) for _ in range(2)), "got ndarray at position 0"),
    ([_p(), "w"], "got str at position 1"),
    (Linear(2, 2, seed=0), "got a Linear module; pass model.parameters()"),
    (_p(), "got a single Parameter; wrap it in a list"),
    ({"params": [_p()]}, "got a dict"),
    (0.1, "got float"),
    ("weights", "got str"),
    ([Parameter(np.ones(2, dtype=np.int64))], "floating-point parameters, got dtype int64"),
])
def test_bad_params(params, match):
    with pytest.raises(ValueError, match=match):
        SGD(params, lr=0.1)


def test_duplicate_parameter_is_rejected():
    p = _p()
    with pytest.raises(ValueError, match="Adam: expected each Parameter once, got a duplicate at "
                                         "position 1"):
        Adam([p, p])


def test_generator_of_parameters_is_accepted_in_order():
    net = Sequential(Linear(2, 3, seed=0), Linear(3, 1, seed=1))
    opt = SGD((p for p in net.parameters()), lr=0.1)
    assert opt.params == net.parameters()


def test_replaced_grad_of_wrong_shape_is_caught():
    p = _p()
    opt = SGD([p], lr=0.1)
    p.grad = np.ones((2, 1))
    with pytest.raises(ValueError, match=r"SGD.step: expected grad of shape \(2,\).*got shape "
                                         r"\(2, 1\)"):
        opt.step()
