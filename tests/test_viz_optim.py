"""dlcore.viz.optim: the surfaces, optimiser paths and stability factors of chapter 6."""

import itertools
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean, has_hangul  # noqa: E402

import dlcore  # noqa: E402
from dlcore import losses, optim, viz  # noqa: E402
from dlcore.module import Parameter  # noqa: E402
from dlcore.train import fit  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


# -- surfaces ----------------------------------------------------------------------------------
def test_regression_surface_is_the_mse_of_a_linear_model_without_bias():
    X, y = viz.bowl_problem()
    bowl = viz.regression_surface(X, y)
    model = dlcore.Linear(2, 1, bias=False)
    rng = np.random.default_rng(1)
    mse = losses.MSELoss()
    for theta in rng.normal(size=(5, 2)):
        model.weight.data[...] = theta
        assert np.isclose(mse(model(X), y), bowl(theta), rtol=1e-12)
        # gradient: dlcore's backward agrees with the surface's exact gradient
        model.zero_grad()
        mse(model(X), y)
        model.backward(mse.backward())
        assert np.allclose(model.weight.grad.ravel(), bowl.grad(theta), atol=1e-12)
    star = bowl.minima[0]
    assert np.allclose(star, np.linalg.lstsq(X, y.ravel(), rcond=None)[0])
    assert np.allclose(bowl.grad(star), 0, atol=1e-12)
    assert np.allclose(bowl.hessian, 2 * X.T @ X / len(X))


def test_bowl_is_elongated_and_its_critical_rate_is_about_0_75():
    lam = np.linalg.eigvalsh(viz.default_bowl().hessian)
    assert 10 < lam[1] / lam[0] < 16
    assert 0.7 < 2 / lam[1] < 0.8  # the explorer's ρ = 0.7 converges, ρ = 0.9 diverges


def test_saddle_surface_gradient_and_critical_points():
    s = viz.saddle_surface()
    h = 1e-6
    for p in [(0.3, -0.7), (1.0, 0.2), (-1.2, 1.4)]:
        p = np.array(p)
        num = [(s(p + h * e) - s(p - h * e)) / (2 * h) for e in np.eye(2)]
        assert np.allclose(s.grad(p), num, atol=1e-7)
    for m in s.minima:
        assert np.allclose(s.grad(m), 0) and np.isclose(s(m), -0.25)
    assert np.allclose(s.grad(s.saddles[0]), 0) and s(s.saddles[0]) == 0


def test_regression_surface_rejects_wrong_shapes():
    with pytest.raises(ValueError, match="regression_surface"):
        viz.regression_surface(np.zeros((4, 3)), np.zeros(4))


# -- optimisers --------------------------------------------------------------------------------
def test_make_optimizer_names_and_momentum():
    p = [Parameter(np.zeros(2))]
    assert isinstance(viz.make_optimizer("SGD", p, 0.1), optim.SGD)
    assert viz.make_optimizer("sgd", p, 0.1, momentum=0.5).momentum == 0.5
    assert viz.make_optimizer("nesterov", p, 0.1).nesterov
    assert viz.make_optimizer("adam", p, 0.1, momentum=0.5).betas == (0.5, 0.999)
    assert isinstance(viz.make_optimizer("adagrad", p, 0.1), optim.AdaGrad)
    assert isinstance(viz.make_optimizer("rmsprop", p, 0.1, momentum=0.0), optim.RMSprop)
    with pytest.raises(ValueError, match="no momentum"):
        viz.make_optimizer("rmsprop", p, 0.1, momentum=0.9)
    with pytest.raises(ValueError, match="make_optimizer"):
        viz.make_optimizer("lbfgs", p, 0.1)


def test_optimizer_path_matches_plain_gradient_descent():
    bowl = viz.default_bowl()
    start = np.array([0.0, 1.0])
    path = viz.optimizer_path(bowl, "sgd", 0.2, start, steps=15)
    theta = start.copy()
    for k in range(15):
        theta = theta - 0.2 * bowl.grad(theta)
        assert np.allclose(path[k + 1], theta, atol=1e-14)


def test_gradient_descent_diverges_exactly_beyond_two_over_lambda_max():
    bowl = viz.default_bowl()
    rho_crit = 2 / np.linalg.eigvalsh(bowl.hessian)[1]
    start = bowl.minima[0] + np.array([-2.5, 2.5])
    below = viz.optimizer_path(bowl, "sgd", 0.97 * rho_crit, start, steps=400)
    above = viz.optimizer_path(bowl, "sgd", 1.03 * rho_crit, start, steps=400)
    assert np.linalg.norm(below[-1] - bowl.minima[0]) < 1e-3
    assert np.linalg.norm(above[-1] - bowl.minima[0]) > 1e3
    # momentum 0.5 converges at 1.25 × the limit (ρλ_max = 2.5 < 2(1 + μ) = 3)
    mom = viz.optimizer_path(bowl, "sgd", 1.25 * rho_crit, start, steps=200, momentum=0.5)
    assert np.linalg.norm(mom[-1] - bowl.minima[0]) < 1e-8


def test_optimizer_path_stops_after_divergence():
    bowl = viz.default_bowl()
    path = viz.optimizer_path(bowl, "sgd", 5.0, (0.0, 0.0), steps=10_000, limit=1e6)
    assert len(path) < 10_001
    assert np.abs(path[-1]).max() >= 1e6 and np.all(np.abs(path[-2]) < 1e6)


def test_fit_raises_a_clear_error_on_the_diverging_bowl():
    X, y = viz.bowl_problem()
    rho = 1.25 * 2 / np.linalg.eigvalsh(viz.regression_surface(X, y).hessian)[1]
    model = dlcore.Linear(2, 1, bias=False, seed=0)
    with pytest.raises(FloatingPointError, match=r"fit: the loss became inf at epoch \d+"):
        fit(model, losses.MSELoss(), optim.SGD(model.parameters(), lr=rho), X, y,
            epochs=5000, batch_size=len(X), shuffle=False)


def test_noise_is_seeded():
    s = viz.saddle_surface()
    a = viz.optimizer_path(s, "sgd", 0.1, (1.0, 0.0), 50, noise=0.01, seed=3)
    b = viz.optimizer_path(s, "sgd", 0.1, (1.0, 0.0), 50, noise=0.01, seed=3)
    c = viz.optimizer_path(s, "sgd", 0.1, (1.0, 0.0), 50, noise=0.01, seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_saddle_race_adaptive_methods_escape_faster_and_nobody_escapes_exactly_on_it():
    s = viz.saddle_surface()
    for y0 in [1e-2, 1e-4, 1e-8]:
        sgd = viz.steps_to_escape(viz.optimizer_path(s, "sgd", 0.1, (1.0, y0), 1000))
        for name in ["adagrad", "rmsprop", "adam"]:
            t = viz.steps_to_escape(viz.optimizer_path(s, name, 0.1, (1.0, y0), 1000))
            assert t is not None and t < 10 < sgd
    # exactly on the stable manifold the θ₂-gradient is 0 for every deterministic method
    for name in ["sgd", "adagrad", "rmsprop", "adam"]:
        assert viz.steps_to_escape(viz.optimizer_path(s, name, 0.1, (1.0, 0.0), 300)) is None
    noisy = viz.optimizer_path(s, "sgd", 0.1, (1.0, 0.0), 1000, noise=0.01, seed=0)
    assert viz.steps_to_escape(noisy) is not None


def test_gradient_descent_escape_time_grows_like_log_of_the_start():
    s = viz.saddle_surface()
    t = [viz.steps_to_escape(viz.optimizer_path(s, "sgd", 0.1, (1.0, y0), 2000))
         for y0 in [1e-2, 1e-4, 1e-6]]
    gap = np.log(100) / np.log(1.1)
    assert abs((t[1] - t[0]) - gap) < 3 and abs((t[2] - t[1]) - gap) < 3


def test_steps_to_escape():
    path = np.array([[1.0, 0.0], [0.5, 0.1], [0.2, -0.6], [0.0, -1.0]])
    assert viz.steps_to_escape(path) == 2
    assert viz.steps_to_escape(path, threshold=2.0) is None


# -- stability factor --------------------------------------------------------------------------
def test_momentum_rate_without_momentum_is_abs_one_minus_rho_lambda():
    a = np.linspace(0, 4, 41)
    assert np.allclose(viz.momentum_rate(a, 0.0), np.abs(1 - a))


@pytest.mark.parametrize("mu", [0.3, 0.5, 0.9])
def test_momentum_rate_limits(mu):
    edge = 2 * (1 + mu)
    assert viz.momentum_rate(edge - 1e-3, mu) < 1 < viz.momentum_rate(edge + 1e-3, mu)
    # inside the complex region the factor is √μ and never smaller
    a = np.linspace(0.01, edge - 0.01, 200)
    assert np.all(viz.momentum_rate(a, mu) >= np.sqrt(mu) - 1e-12)
    nag = 2 * (1 + mu) / (1 + 2 * mu)
    assert (viz.momentum_rate(nag - 1e-3, mu, nesterov=True) < 1
            < viz.momentum_rate(nag + 1e-3, mu, nesterov=True))


@pytest.mark.parametrize("mu,nesterov", [(0.0, False), (0.5, False), (0.9, False), (0.5, True)])
def test_momentum_rate_matches_dlcore_sgd_on_a_1d_quadratic(mu, nesterov):
    lam, rho = 2.0, 0.8  # ρλ = 1.6
    p = Parameter(np.array([1.0]))
    opt = optim.SGD([p], lr=rho, momentum=mu, nesterov=nesterov)
    norms = []
    for _ in range(400):
        p.grad[...] = lam * p.data
        opt.step()
        norms.append(abs(float(p.data[0])) + abs(float(opt.state[0].get(
            "momentum_buffer", np.zeros(1))[0])))
    measured = (norms[-1] / norms[-201]) ** (1 / 200)
    assert np.isclose(measured, viz.momentum_rate(1.6, mu, nesterov=nesterov), rtol=2e-2)


def test_loss_along_line_ends_at_the_given_states():
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = np.arange(20) % 2
    net = dlcore.Sequential(dlcore.Linear(3, 4, seed=0), dlcore.Sigmoid(),
                            dlcore.Linear(4, 2, seed=1))
    ce = losses.CrossEntropyLoss()
    s0 = {k: v.copy() for k, v in net.state_dict().items()}
    fit(net, ce, optim.SGD(net.parameters(), lr=0.5), X, y, epochs=3, batch_size=5)
    s1 = {k: v.copy() for k, v in net.state_dict().items()}
    line = viz.loss_along_line(net, ce, X, y, s0, s1, np.array([0.0, 0.5, 1.0]))
    net.load_state_dict(s0)
    assert np.isclose(line[0], ce(net(X), y))
    net.load_state_dict(s1)
    assert np.isclose(line[2], ce(net(X), y))
    assert all(np.array_equal(v, s1[k]) for k, v in net.state_dict().items())


# -- figures -----------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda: viz.plot_paths(viz.default_bowl(), {}),
    lambda: viz.plot_paths(viz.saddle_surface(), {"SGD": np.array([[1.0, 0.1], [0.5, 0.3]])},
                           title="안장점"),
    lambda: viz.plot_rates(nesterov_mu=0.5),
    lambda: viz.plot_xy_curves({"t = 1": ([1, 10, 100], [0.1, 0.5, 0.9])}, logx=True,
                               xlabel="갱신 횟수", ylabel="정확도"),
    lambda: viz.plot_line_slice(np.linspace(0, 1, 5), [2.0, 1.5, 1.0, 0.5, 0.2]),
    lambda: viz.plot_optimizer_state("adam", 0.3, 0.9),
])
def test_figures_draw_cleanly_with_korean_labels(make):
    texts = draw_clean(make())
    assert has_hangul(texts)


def test_diverging_path_is_cut_where_it_leaves_the_window():
    bowl = viz.default_bowl()
    path = viz.optimizer_path(bowl, "sgd", 1.2, bowl.minima[0] + [-2.5, 2.5], steps=40)
    fig = viz.plot_paths(bowl, {"SGD": path})
    line = fig.axes[0].get_lines()[0]
    assert 1 < len(line.get_xdata()) < len(path)


def test_optimizer_state_titles_report_divergence_and_escape():
    fig = viz.plot_optimizer_state("sgd", 0.9, 0.0)
    titles = [ax.get_title() for ax in fig.axes]
    assert "발산" in titles[0] and "탈출" in titles[1]
    fig = viz.plot_optimizer_state("sgd", 0.9, 0.5)
    assert "발산" not in fig.axes[0].get_title()
    with pytest.raises(ValueError, match="plot_optimizer_state"):
        viz.plot_optimizer_state("lbfgs")


def test_explorer_grid_is_small_and_each_state_is_a_pure_function_of_the_values():
    from dlcore.widgets.optim import EXPLORER_LRS, EXPLORER_MOMENTA, EXPLORER_OPTIMIZERS

    combos = list(itertools.product([v for _, v in EXPLORER_OPTIMIZERS], EXPLORER_LRS,
                                    EXPLORER_MOMENTA))
    assert len(combos) <= 60
    titles = {}
    for combo in combos[::7]:
        fig = viz.plot_optimizer_state(*combo)
        titles[combo] = [ax.get_title() for ax in fig.axes]
        matplotlib.pyplot.close(fig)
    for combo, t in titles.items():  # same values, same picture
        fig = viz.plot_optimizer_state(*combo)
        assert [ax.get_title() for ax in fig.axes] == t
        matplotlib.pyplot.close(fig)


def test_explorer_figure_is_fast_to_make_and_render():
    """The HTML book renders all 60 states, so one redraw is the figure *and* its PNG (at the
    explorer's ≤ 80 dpi). The layout solver used to cost most of it: the figure has fixed
    margins instead, and few ticks."""
    import io

    def redraw(*state):
        fig = viz.plot_optimizer_state(*state)
        assert fig.get_layout_engine() is None
        fig.savefig(io.BytesIO(), format="png", dpi=min(80.0, 800.0 / fig.get_figwidth()))
        matplotlib.pyplot.close(fig)

    redraw("sgd", 0.3, 0.0)  # warm up (fonts)
    tic = time.perf_counter()
    redraw("rmsprop", 0.1, 0.0)
    elapsed = time.perf_counter() - tic
    assert elapsed < 1.0  # ~0.07 s on a quiet machine; generous for a loaded one
