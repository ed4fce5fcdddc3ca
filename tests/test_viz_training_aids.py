"""dlcore.viz.training_aids: the measurements and figures of chapter 7."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean  # noqa: E402

import dlcore  # noqa: E402
from dlcore import viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


# -- init_std and deep_net -----------------------------------------------------------------------
def test_init_std_follows_the_three_formulas():
    assert viz.init_std("small", 100, 100) == pytest.approx(0.01)
    assert viz.init_std("xavier", 784, 256) == pytest.approx(np.sqrt(2 / 1040))
    assert viz.init_std("he", 784, 256) == pytest.approx(np.sqrt(2 / 784))
    assert viz.init_std("he", 100, 100, scale=2.0) == pytest.approx(2 * np.sqrt(0.02))


@pytest.mark.parametrize("bad", [{"scheme": "lecun"}, {"scale": 0.0}, {"scale": -1.0},
                                 {"scale": float("nan")}])
def test_init_std_rejects_bad_arguments_naming_itself(bad):
    args = {"scheme": "he", "fan_in": 10, "fan_out": 10, "scale": 1.0, **bad}
    with pytest.raises(ValueError, match="init_std"):
        viz.init_std(**args)


def test_deep_net_structure_and_weight_scale():
    net = viz.deep_net(depth=3, width=200, activation="relu", scheme="he", batchnorm=True,
                       n_in=50, n_out=10, seed=0)
    names = [type(m).__name__ for m in net.layers]
    assert names == ["Linear", "BatchNorm1d", "ReLU"] * 3 + ["Linear"]
    first, second = net[0], net[3]
    assert first.weight.data.shape == (200, 50)
    assert first.weight.data.std() == pytest.approx(np.sqrt(2 / 50), rel=0.05)
    assert second.weight.data.std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    assert np.all(first.bias.data == 0)
    assert net(np.zeros((4, 50))).shape == (4, 10)


def test_deep_net_is_seeded():
    a = viz.deep_net(depth=2, width=8, seed=3)
    b = viz.deep_net(depth=2, width=8, seed=3)
    c = viz.deep_net(depth=2, width=8, seed=4)
    assert np.array_equal(a[0].weight.data, b[0].weight.data)
    assert not np.array_equal(a[0].weight.data, c[0].weight.data)


@pytest.mark.parametrize("bad", [{"activation": "gelu"}, {"depth": 0}, {"depth": 2.5},
                                 {"scheme": "orthogonal"}])
def test_deep_net_rejects_bad_arguments(bad):
    with pytest.raises(ValueError, match="deep_net|init_std"):
        viz.deep_net(**{"depth": 2, "width": 4, **bad})


# -- activation_stats: the measurements the chapter states -------------------------------------------
def test_small_normal_init_shrinks_the_signal_tenfold_per_layer_for_tanh():
    std = viz.activation_stats("small", "tanh")["std"]
    assert std.shape == (10,)
    ratios = std[1:] / std[:-1]
    # n Var(w) = 100 · 0.01² = 0.01, so the std shrinks about 10× per layer (tanh ≈ identity here)
    assert np.allclose(ratios, 0.1, rtol=0.1)


def test_he_keeps_relu_signal_while_xavier_loses_it():
    he = viz.activation_stats("he", "relu")["std"]
    xavier = viz.activation_stats("xavier", "relu")["std"]
    assert 0.3 < he[-1] / he[0] < 3
    assert xavier[-1] / xavier[0] < 0.1
    zero = viz.activation_stats("he", "relu")["zero"]
    assert np.all((zero > 0.3) & (zero < 0.7))       # ReLU zeroes about half


def test_relu_scale_multiplies_the_last_std_by_k_to_the_depth():
    base = viz.activation_stats("he", "relu", depth=6, width=20, n=50)["std"][-1]
    for k in (0.5, 2.0):
        std = viz.activation_stats("he", "relu", depth=6, width=20, n=50, scale=k)["std"][-1]
        assert std / base == pytest.approx(k ** 6, rel=1e-9)


def test_activation_stats_is_deterministic():
    a = viz.activation_stats("xavier", "tanh", depth=3, width=10, n=20, seed=1)
    b = viz.activation_stats("xavier", "tanh", depth=3, width=10, n=20, seed=1)
    assert all(np.array_equal(x, y) for x, y in zip(a["outputs"], b["outputs"], strict=True))


# -- dead_unit_fraction ------------------------------------------------------------------------------
def test_dead_unit_fraction_counts_units_that_are_zero_for_every_sample():
    net = dlcore.Sequential(dlcore.Linear(2, 4), dlcore.ReLU(), dlcore.Linear(4, 1))
    net[0].weight.data[...] = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
    net[0].bias.data[...] = 0.0
    X = np.array([[1.0, 1.0], [2.0, 0.5]])          # positive inputs: rows 2 and 4 never fire
    assert viz.dead_unit_fraction(net, X) == [0.5]
    net[0].bias.data[...] = -10.0
    assert viz.dead_unit_fraction(net, X) == [1.0]


def test_dead_unit_fraction_needs_a_relu():
    with pytest.raises(ValueError, match="dead_unit_fraction"):
        viz.dead_unit_fraction(dlcore.Sequential(dlcore.Linear(2, 2)), np.ones((3, 2)))


# -- figures -----------------------------------------------------------------------------------------
def test_plot_layer_histograms_one_row_per_layer_and_zero_share():
    outs = viz.activation_stats("he", "relu", depth=4, width=20, n=50)["outputs"]
    fig = viz.plot_layer_histograms(outs, title="히스토그램")
    texts = draw_clean(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1", "2", "3", "4"]
    assert sum(t.startswith("0: ") for t in texts) == 4      # ReLU: a zero share per layer
    with pytest.raises(ValueError, match="plot_layer_histograms"):
        viz.plot_layer_histograms([])


def test_plot_layer_std_and_init_state_draw_cleanly():
    series = {"He": [1.0, 0.9, 1.1], "작은": [0.1, 0.01, 0.001]}
    fig = viz.plot_layer_std(series)
    assert "He" in draw_clean(fig)
    assert fig.axes[0].get_yscale() == "log"
    with pytest.raises(ValueError, match="plot_layer_std"):
        viz.plot_layer_std({})
    for scheme, act in (("small", "tanh"), ("he", "relu")):
        fig = viz.plot_init_state(scheme, act, scale=1.0, depth=4, width=20)
        texts = draw_clean(fig)
        assert len(fig.axes) == 2
        assert any("σ =" in t for t in texts)


def test_plot_activation_derivatives_marks_the_sigmoid_maximum():
    fig = viz.plot_activation_derivatives()
    texts = draw_clean(fig)
    assert any("σ′" in t and "0.25" in t for t in texts)
    assert any("ReLU′" in t and "1.00" in t for t in texts)


def test_multi_panel_figures_share_axes_and_one_legend():
    stats = {s: viz.activation_stats(s, "relu", depth=4, width=20, n=40)
             for s in ("small", "he")}
    fig = viz.plot_std_by_layer({"relu": {s: st["std"] for s, st in stats.items()},
                                 "relu 2": {s: st["std"] for s, st in stats.items()}})
    draw_clean(fig)
    assert len(fig.axes) == 2 and fig.axes[1].get_legend() is None
    fig = viz.plot_histograms_by_scheme({s: st["outputs"] for s, st in stats.items()},
                                        show_zero="he")
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    draw_clean(fig)
    assert len(fig.axes) == 2
    assert sum(t.startswith("0: ") for t in texts) == 4        # only the "he" panel
    fig = viz.plot_curve_panels({"ρ = 0.1": {"a": [0.1, 0.5], "b": [0.2, 0.9]},
                                 "ρ = 0.5": {"b": [0.3, 0.4]}}, ylabel="정확도")
    draw_clean(fig)
    lines = {ln.get_label(): ln.get_color() for ax in fig.axes for ln in ax.get_lines()}
    assert lines["b"] == fig.axes[0].get_lines()[1].get_color()   # same label, same colour
    assert len(fig.legends) == 1
    for bad in (viz.plot_std_by_layer, viz.plot_histograms_by_scheme):
        with pytest.raises(ValueError, match=bad.__name__):
            bad({})
    with pytest.raises(ValueError, match="plot_curve_panels"):
        viz.plot_curve_panels({}, ylabel="")


def test_init_explorer_figure_is_fast_to_make_and_render():
    """All 30 states are rendered for the HTML book: one redraw (figure + PNG at ≤ 80 dpi) must
    stay cheap, so the figure has fixed margins (no layout solver) and no minor log ticks."""
    import io
    import time

    def redraw(**state):
        fig = viz.plot_init_state(**state)
        assert fig.get_layout_engine() is None
        assert not fig.axes[1].yaxis.get_minorticklocs().size
        fig.savefig(io.BytesIO(), format="png", dpi=min(80.0, 800.0 / fig.get_figwidth()))
        matplotlib.pyplot.close(fig)

    redraw(scheme="he", activation="relu", scale=1.0)  # warm up (fonts)
    tic = time.perf_counter()
    redraw(scheme="small", activation="relu", scale=0.5)
    assert time.perf_counter() - tic < 1.0  # ~0.1 s on a quiet machine
