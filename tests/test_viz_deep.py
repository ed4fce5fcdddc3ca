"""dlcore.viz.deep: deep MLPs, linear regions of ReLU networks, gradient norm per layer (9장)."""

import math

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean, has_hangul  # noqa: E402

import dlcore  # noqa: E402
from dlcore import viz  # noqa: E402
from dlcore.diagnostics import weight_grad_norms  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


# -- building and counting -----------------------------------------------------------------
@pytest.mark.parametrize("sizes", [[2, 3], [3, 5, 4, 4, 3, 2], [784, 256, 128, 64, 10]])
def test_count_params_matches_the_built_network(sizes):
    expected = sum(n * (m + 1) for m, n in zip(sizes[:-1], sizes[1:]))
    assert viz.count_params(sizes) == expected
    assert viz.deep_mlp(sizes).num_parameters() == expected


def test_count_params_rejects_bad_sizes():
    for bad in ([3], [3, 0, 2], "abc", None):
        with pytest.raises(ValueError, match="count_params"):
            viz.count_params(bad)


def test_deep_mlp_layers_and_activations():
    net = viz.deep_mlp([2, 8, 8, 3], activation="tanh", out_activation="sigmoid")
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Tanh", "Linear", "Tanh", "Linear", "Sigmoid"]
    assert [type(m).__name__ for m in viz.deep_mlp([2, 4, 1])] == ["Linear", "ReLU", "Linear"]
    with pytest.raises(ValueError, match="deep_mlp.*activation"):
        viz.deep_mlp([2, 4, 1], activation="swish")
    with pytest.raises(ValueError, match="deep_mlp.*init"):
        viz.deep_mlp([2, 4, 1], init="lecun")


def test_deep_mlp_initialisations_are_seeded_and_bounded():
    fan_in, fan_out = 40, 30
    xav = viz.deep_mlp([fan_in, fan_out, 1], init="xavier", seed=3)[0].weight.data
    he = viz.deep_mlp([fan_in, fan_out, 1], init="he", seed=3)[0].weight.data
    assert np.abs(xav).max() <= math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(he).max() <= math.sqrt(6 / fan_in)
    assert np.abs(he).max() > math.sqrt(6 / (fan_in + fan_out))  # He is the wider of the two
    again = viz.deep_mlp([fan_in, fan_out, 1], init="he", seed=3)[0].weight.data
    np.testing.assert_array_equal(he, again)
    net = viz.deep_mlp([2, 16, 1], bias_bound=0.5, seed=1)
    b = net[0].bias.data
    assert np.all(np.abs(b) <= 0.5) and np.any(b != 0)
    assert np.all(viz.deep_mlp([2, 16, 1])[0].bias.data == 0)


def test_width_for_budget_is_the_widest_that_fits():
    for depth in (1, 2, 4, 6):
        w, p = viz.width_for_budget(depth, 120)
        assert p == viz.count_params([2] + [w] * depth + [1]) <= 120
        assert viz.count_params([2] + [w + 1] * depth + [1]) > 120
    with pytest.raises(ValueError, match="width_for_budget"):
        viz.width_for_budget(3, 5)
    with pytest.raises(ValueError, match="width_for_budget"):
        viz.width_for_budget(0, 100)


def test_shallow_max_regions_is_chapter_2s_formula():
    for n in range(0, 8):
        assert viz.shallow_max_regions(n) == 1 + n + n * (n - 1) // 2
    for n in range(1, 7):
        assert viz.shallow_max_regions(n) == viz.region_count(n)
    assert viz.shallow_max_regions(5, d=1) == 6
    with pytest.raises(ValueError, match="shallow_max_regions"):
        viz.shallow_max_regions(-1)


# -- linear regions --------------------------------------------------------------------------
def _one_layer(W, b):
    lin = dlcore.Linear(2, len(b))
    lin.weight.data[...], lin.bias.data[...] = W, b
    return dlcore.Sequential(lin, dlcore.ReLU(), dlcore.Linear(len(b), 1))


def test_activation_patterns_are_the_signs_of_the_pre_activations():
    W, b = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([-0.3, -0.3, -1.0])
    X = np.array([[0.0, 0.0], [0.5, 0.1], [0.9, 0.9], [0.2, 0.6]])
    got = viz.activation_patterns(_one_layer(W, b), X)
    np.testing.assert_array_equal(got, X @ W.T + b > 0)
    deep = viz.deep_mlp([2, 5, 4, 1], seed=0)
    assert viz.activation_patterns(deep, X).shape == (4, 9)
    with pytest.raises(ValueError, match="activation_patterns"):
        viz.activation_patterns(viz.deep_mlp([2, 4, 1], activation="tanh"), X)
    with pytest.raises(ValueError, match="activation_patterns"):
        viz.activation_patterns(dlcore.Linear(2, 2), X)


def test_three_lines_with_a_triangle_inside_make_seven_regions():
    W, b = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([-0.3, -0.3, -1.0])
    assert viz.count_linear_regions(_one_layer(W, b), extent=(0, 1), n=200) == 7


@pytest.mark.parametrize("p", [2, 4, 5])
def test_one_hidden_layer_counts_like_chapter_2s_perceptron_regions(p):
    W, b = viz.random_lines(p, seed=p)
    corners = [np.linalg.solve(W[[i, j]], -b[[i, j]])
               for i in range(p) for j in range(i + 1, p)]          # every pair of lines meets
    extent = 1.3 * max(1.0, np.abs(corners).max()) + 0.5
    got = viz.count_linear_regions(_one_layer(W, b), extent=(-extent, extent), n=500)
    assert got == viz.count_regions(W, b) == viz.region_count(p)


def test_region_map_labels_are_contiguous():
    labels, count = viz.region_map(viz.folding_network(2), extent=(0, 1), n=64)
    assert labels.shape == (64, 64)
    assert set(np.unique(labels)) == set(range(count))
    with pytest.raises(ValueError, match="region_map"):
        viz.region_map(viz.folding_network(1), extent=(1, 0))


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_folding_network_makes_4_to_the_k_regions(k):
    net = viz.folding_network(k)
    assert net.num_parameters() == 20 * k - 3
    assert viz.count_linear_regions(net, extent=(0, 1), n=128) == 4 ** k


def test_folding_network_computes_the_folded_tents():
    def tent(t):
        return np.where(t <= 0.5, 2 * t, 2 - 2 * t)

    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(50, 2))
    for k in (1, 3):
        a, c = X[:, 0], X[:, 1]
        for _ in range(k):  # k layers: the tent t^(k) of each axis, added by the output node
            a, c = tent(a), tent(c)
        np.testing.assert_allclose(viz.folding_network(k)(X)[:, 0], a + c, atol=1e-12)
    with pytest.raises(ValueError, match="folding_network"):
        viz.folding_network(0)


# -- gradient norm per layer -----------------------------------------------------------------
def test_depth_grad_state_is_weight_grad_norms_of_the_same_network():
    state = viz.depth_grad_state(6, "tanh", "xavier", width=8, n=16, seed=2)
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((16, 8)), rng.standard_normal((16, 1))
    net = viz.deep_mlp([8] * 6 + [1], activation="tanh", init="xavier", seed=2)
    mse = dlcore.losses.MSELoss(reduction="sum")
    mse(net(X), Y)
    net.backward(0.5 * mse.backward() / 16)
    np.testing.assert_allclose(state["norms"], [v for _, v in weight_grad_norms(net)])
    assert state["ratio"] == pytest.approx(state["norms"][0] / state["norms"][-1])


def test_sigmoid_gradients_vanish_and_relu_he_gradients_do_not():
    sig = viz.depth_grad_state(10, "sigmoid", "xavier")
    assert sig["norms"].shape == (10,)
    assert np.all(np.diff(sig["norms"]) > 0)  # smaller and smaller towards layer 1
    assert sig["ratio"] < 1e-4
    deeper = viz.depth_grad_state(20, "sigmoid", "xavier")["ratio"]
    assert deeper < sig["ratio"] * 1e-3
    relu = viz.depth_grad_state(20, "relu", "he")
    assert 0.1 < relu["ratio"] < 10
    assert np.all(np.isfinite(relu["norms"])) and np.all(relu["norms"] > 0)


def test_depth_grad_state_is_deterministic_and_validates():
    a = viz.depth_grad_state(8, "relu", "he")["norms"]
    np.testing.assert_array_equal(a, viz.depth_grad_state(8, "relu", "he")["norms"])
    with pytest.raises(ValueError, match="depth_grad_state"):
        viz.depth_grad_state(1)
    with pytest.raises(ValueError, match="activation"):
        viz.depth_grad_state(4, "gelu")


def test_sci_text():
    assert viz.sci_text(3.38e-13) == "3.4×10⁻¹³"
    assert viz.sci_text(2.5e7, digits=0) == "2×10⁷" or viz.sci_text(2.5e7, digits=0) == "3×10⁷"
    assert viz.sci_text(0.5) == "5.0×10⁻¹"
    with pytest.raises(ValueError, match="sci_text"):
        viz.sci_text(float("nan"))


# -- figures ---------------------------------------------------------------------------------
def test_figures_draw_cleanly_with_korean_labels():
    figs = [
        viz.plot_dmlp([3, 5, 4, 4, 3, 2]),
        viz.plot_dmlp([784, 100, 10]),
        viz.plot_region_maps([viz.region_map(viz.folding_network(2), n=64)] * 2,
                             titles=["접기", "무작위"]),
        viz.plot_region_counts({"접기 (격자)": ([1, 2], [4, 16]), "4^k (이론)": ([1, 2], [4, 16])}),
        viz.plot_depth_grad_state(10, "sigmoid", "xavier"),
    ]
    for fig in figs:
        assert has_hangul(draw_clean(fig))


def test_explorer_figure_axis_holds_every_setting():
    from dlcore.widgets.deep import DEPTHS

    lo, hi = np.inf, 0.0
    for depth in DEPTHS:
        for act in viz.ACTIVATIONS:
            for init in viz.INITS:
                norms = viz.depth_grad_state(depth, act, init)["norms"]
                lo, hi = min(lo, norms.min()), max(hi, norms.max())
    fig = viz.plot_depth_grad_state(20, "sigmoid", "xavier")
    ymin, ymax = fig.axes[0].get_ylim()
    assert ymin <= lo and hi <= ymax
    draw_clean(fig)


def test_explorer_figure_labels_few_decades_for_a_quick_readable_redraw():
    # the HTML book precomputes all 60 frames: few tick labels, no minor ticks, fixed margins
    fig = viz.plot_depth_grad_state(10, "relu", "he")
    ax = fig.axes[0]
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert 3 <= len(ticks) <= 6
    assert len(ax.yaxis.get_minorticklocs()) == 0
    assert fig.get_layout_engine() is None
    assert ax.get_ylabel() == "‖∂J/∂Wˡ‖"  # the chapter's objective is J
