"""dlcore.viz.regularization: the penalties checked against dlcore.optim, the explorer's state,
and the chapter-8 figures (drawn without warnings or missing glyphs)."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean, has_hangul  # noqa: E402

import dlcore  # noqa: E402
from dlcore import gradcheck, losses, optim, viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


# -- penalties -----------------------------------------------------------------------------------
def test_norms_of_the_notes_example():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert viz.penalty(x, l1=1.0) == pytest.approx(15.0)
    # (λ/2)‖x‖² with λ = 2 is ‖x‖² = 55; √55 rounds to 7.4162 (the notes' 7.4161 truncates)
    assert viz.penalty(x, weight_decay=2.0) == pytest.approx(55.0)
    assert f"{np.sqrt(viz.penalty(x, weight_decay=2.0)):.4f}" == "7.4162"


def test_penalty_sums_over_a_list_of_parameters():
    a, b = dlcore.Parameter(np.array([[1.0, -2.0]])), dlcore.Parameter(np.array([3.0]))
    value = viz.penalty([a, b], weight_decay=0.5, l1=0.1)
    assert value == pytest.approx(0.25 * (1 + 4 + 9) + 0.1 * (1 + 2 + 3))


@pytest.mark.parametrize("lam2,lam1", [(0.1, 0.0), (0.0, 0.05), (0.2, 0.03)])
def test_penalty_grad_is_the_gradient_of_penalty(lam2, lam1):
    theta = np.random.default_rng(0).normal(size=(3, 4))
    numeric = gradcheck.numerical_gradient(
        lambda t: viz.penalty(t, weight_decay=lam2, l1=lam1), theta.copy())
    np.testing.assert_allclose(viz.penalty_grad(theta, lam2, lam1), numeric, atol=1e-8)


def test_penalty_grad_uses_sign_zero_at_zero():
    np.testing.assert_array_equal(viz.penalty_grad(np.zeros(3), 0.1, 0.5), np.zeros(3))


@pytest.mark.parametrize("opt_class", [optim.SGD, optim.Adam, optim.RMSprop])
def test_optimisers_add_exactly_penalty_grad(opt_class):
    """weight_decay=λ and l1=λ₁ mean R = (λ/2)‖θ‖² + λ₁‖θ‖₁: an optimiser given the data
    gradient plus penalty_grad by hand takes the same step as one given the penalties."""
    rng = np.random.default_rng(1)
    theta0, grad = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    lam2, lam1 = 0.02, 0.005
    p1, p2 = dlcore.Parameter(theta0.copy()), dlcore.Parameter(theta0.copy())
    o1 = opt_class([p1], lr=0.1, weight_decay=lam2, l1=lam1)
    o2 = opt_class([p2], lr=0.1)
    for _ in range(3):
        p1.grad[...] = grad
        p2.grad[...] = grad + viz.penalty_grad(p2.data, lam2, lam1)
        o1.step()
        o2.step()
    np.testing.assert_allclose(p1.data, p2.data, rtol=0, atol=1e-14)


def test_sgd_weight_decay_is_equation_8_3():
    rng = np.random.default_rng(2)
    theta0, grad = rng.normal(size=5), rng.normal(size=5)
    p = dlcore.Parameter(theta0.copy())
    p.grad[...] = grad
    optim.SGD([p], lr=0.1, weight_decay=0.01).step()
    np.testing.assert_allclose(p.data, theta0 * (1 - 0.1 * 0.01) - 0.1 * grad, atol=1e-15)


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf"), True, "0.1"])
def test_penalty_rejects_bad_strengths(bad):
    with pytest.raises(ValueError, match="penalty"):
        viz.penalty(np.ones(2), weight_decay=bad)
    with pytest.raises(ValueError, match="penalty_grad"):
        viz.penalty_grad(np.ones(2), l1=bad)


def test_penalty_rejects_non_finite_parameters_and_empty_lists():
    with pytest.raises(ValueError, match="finite"):
        viz.penalty(np.array([1.0, np.nan]), weight_decay=0.1)
    with pytest.raises(ValueError, match="at least one"):
        viz.penalty([], weight_decay=0.1)


def test_penalty_is_finite_for_extreme_weights():
    big = np.full(3, 1e150)
    assert np.isfinite(viz.penalty(big, l1=1.0))
    assert np.all(np.isfinite(viz.penalty_grad(big, weight_decay=1.0, l1=1.0)))


# -- the explorer's state ------------------------------------------------------------------------
def test_boundary_state_is_reproducible_and_shaped():
    s = viz.boundary_state(0.01, 0.0)
    assert s["X"].shape == (40, 2) and s["y"].shape == (40,)
    assert s["margin"].shape == s["xx"].shape == s["yy"].shape
    assert 0.0 <= s["train_accuracy"] <= 1.0 and 0.0 <= s["test_accuracy"] <= 1.0
    viz.regularization._trained_state.cache_clear()
    again = viz.boundary_state(0.01, 0.0)
    np.testing.assert_array_equal(again["margin"], s["margin"])


def test_weight_decay_shrinks_the_weights_and_smooths_the_fit():
    none, mid, strong = (viz.boundary_state(lam, 0.0) for lam in (0.0, 0.01, 0.1))
    assert none["weight_norm"] > mid["weight_norm"] > strong["weight_norm"]
    # no regularisation fits the 40 noisy points perfectly; strong decay underfits them
    assert none["train_accuracy"] == 1.0
    assert strong["train_accuracy"] < mid["train_accuracy"] <= none["train_accuracy"]
    # the chapter's claims: moderate decay generalises better than none and than strong decay
    assert mid["test_accuracy"] > none["test_accuracy"]
    assert mid["test_accuracy"] > strong["test_accuracy"]


def test_boundary_state_accepts_only_the_explorer_values():
    assert viz.boundary_state(np.float64(0.003), 0.2)["weight_decay"] == 0.003
    for bad in [(0.005, 0.0), (0.01, 0.3), (-0.01, 0.0), (True, 0.0), ("0.01", 0.0)]:
        with pytest.raises(ValueError, match="boundary_state"):
            viz.boundary_state(*bad)


def test_boundary_grid_has_at_most_60_states():
    assert len(viz.EXPLORER_DECAYS) * len(viz.EXPLORER_DROPOUTS) <= 60


# -- figures -------------------------------------------------------------------------------------
def test_plot_penalties():
    texts = draw_clean(viz.plot_penalties())
    assert has_hangul(texts) and any("L1" in t for t in texts)


def test_plot_fit_curves_marks_epochs():
    fig = viz.plot_fit_curves({"훈련 손실": [3, 2, 1], "검증 손실": [3, 2.5, 2.7]},
                              marks={"t_opt": 2})
    ax = fig.axes[0]
    assert len(ax.lines) == 3
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2, 3])
    assert "t_opt = 2" in draw_clean(fig)
    with pytest.raises(ValueError, match="plot_fit_curves"):
        viz.plot_fit_curves({})


def test_plot_capacity_validates():
    draw_clean(viz.plot_capacity([1, 2, 4], [0.5, 0.9, 1.0], [0.4, 0.7, 0.8]))
    with pytest.raises(ValueError, match="plot_capacity"):
        viz.plot_capacity([1, 2], [0.5], [0.4, 0.3])
    with pytest.raises(ValueError, match="positive"):
        viz.plot_capacity([0, 2], [0.5, 0.6], [0.4, 0.3])


def test_plot_augmentations_rows_and_validation():
    imgs = np.random.default_rng(0).random((3, 8, 8))
    fig = viz.plot_augmentations({"원본": imgs, "회전": imgs[:, None]})
    assert len(fig.axes) == 6
    assert "원본" in draw_clean(fig)
    with pytest.raises(ValueError, match="same number"):
        viz.plot_augmentations({"a": imgs, "b": imgs[:2]})
    with pytest.raises(ValueError, match="plot_augmentations"):
        viz.plot_augmentations({"a": imgs[0]})


def test_plot_kfold_and_cv_scores():
    texts = draw_clean(viz.plot_kfold(k=4))
    assert sum(t == "검증" for t in texts) == 4 and "4회차" in texts
    with pytest.raises(ValueError, match="plot_kfold"):
        viz.plot_kfold(k=1)
    s = np.array([[0.9, 0.92, 0.91], [0.88, 0.93, 0.9]])
    draw_clean(viz.plot_cv_scores([0, 0.001, 0.01], s, best=1))
    with pytest.raises(ValueError, match="plot_cv_scores"):
        viz.plot_cv_scores([0, 0.1], s)


def test_plot_regularization_compare():
    fig = viz.plot_regularization_compare(0.01, 0.2)
    texts = draw_clean(fig)
    assert "규제 없음 (λ = 0, p = 0)" in texts and "λ = 0.01, p = 0.2" in texts


def test_dropout_network_is_evaluated_in_eval_mode():
    # the state's accuracies come from the network with dropout switched off: computing them
    # twice (the cache cleared) must give the same numbers although dropout is random
    s1 = viz.boundary_state(0.0, 0.6)
    viz.regularization._trained_state.cache_clear()
    s2 = viz.boundary_state(0.0, 0.6)
    assert s1["test_accuracy"] == s2["test_accuracy"]
    # and a Dropout layer in eval mode is the identity (what the state relies on)
    d = dlcore.Dropout(0.6, seed=0).eval()
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(d(x), x)
    loss = losses.CrossEntropyLoss()
    assert loss(np.zeros((2, 2)), np.array([0, 1])) == pytest.approx(np.log(2))


def test_regularization_compare_stacks_two_panels_with_fixed_margins():
    # one panel above the other (a phone's width), one x axis, and no layout engine: the
    # explorer's 24 frames redraw quickly
    fig = viz.plot_regularization_compare(0.0, 0.0)
    top, bottom = fig.axes
    assert top.get_shared_x_axes().joined(top, bottom)
    assert top.get_xlabel() == "" and bottom.get_xlabel() == "x₁"
    assert fig.get_figwidth() <= 5.5
    assert fig.get_layout_engine() is None
    draw_clean(fig)
