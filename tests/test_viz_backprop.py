"""dlcore.viz.backprop: computational-graph drawing, 표 3-2 counts, approximation figures."""


import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean  # noqa: E402

from dlcore import viz  # noqa: E402
from dlcore.autograd import Value, maximum  # noqa: E402


def gate_graph():
    x, y, z, w = Value(3.0, "x"), Value(-4.0, "y"), Value(2.0, "z"), Value(-1.0, "w")
    q = x * y
    q.label = "q"
    m = maximum(z, w)
    m.label = "m"
    f = (q + m) * 2
    f.label = "f"
    f.backward()
    return f


def test_layout_columns():
    f = gate_graph()
    pos, op_pos = viz.graph_layout(f)
    assert pos[id(f)][0] == max(p[0] for p in pos.values())
    assert all(x == 0.0 for x, _ in [pos[id(p)] for p in f.parents[0].parents[0].parents])
    assert len(op_pos) == 4


def test_draw_graph_shows_values_and_gradients():
    viz.setup()
    fig = viz.draw_graph(gate_graph())
    texts = draw_clean(fig)
    for s in ("−20", "−8", "6", "max", "×"):
        assert s in texts
    assert any("그레이디언트" in t for t in texts)


def test_draw_graph_fan_out():
    viz.setup()
    a, b = Value(3.0, "a"), Value(-4.0, "b")
    h = a * b + a
    h.label = "h"
    h.backward()
    fig = viz.draw_graph(h, show_grad=True)
    ax = fig.axes[0]
    assert len(ax.patches) == 2 + 2 + 2  # a twice, b, op→value twice
    assert "−3" in draw_clean(fig)


def test_op_counts_table_3_2():
    rows = viz.backprop_op_counts(784, 100, 10)
    assert len(rows) == 7
    fwd = sum(a + m for s, _, a, m in rows if s == "순전파")
    bwd = sum(a + m for s, _, a, m in rows if s == "오류 역전파")
    assert fwd == 2 * (784 * 100 + 100 * 10)
    assert bwd == 2 * 10 + 5 * 10 * 100 + 3 * 784 * 100
    assert 1.4 < bwd / fwd < 1.6
    with pytest.raises(ValueError, match="backprop_op_counts"):
        viz.backprop_op_counts(0, 1, 1)


def test_approximation_figures():
    viz.setup()
    x = np.linspace(-3, 3, 50)
    fits = {1: 0.5 * np.sin(x), 4: 0.9 * np.sin(x), 16: np.sin(x)}
    mses = {k: float(np.mean((v - np.sin(x)) ** 2)) + 1e-6 for k, v in fits.items()}
    fig = viz.plot_approximation(x, np.sin(x), fits, x_train=x, y_train=np.sin(x))
    assert len(fig.axes[0].lines) == 4
    draw_clean(fig)
    fig = viz.plot_approx_explorer(x, np.sin(x), fits, mses, 4)
    assert len(fig.axes) == 2
    texts = draw_clean(fig)
    assert any("은닉 노드 4개" in t for t in texts)


def test_backprop_flow_layout_columns_and_bias_nodes():
    pos = viz.backprop_flow_layout(3, 4, 2)
    assert [len(pos[k]) for k in ("x", "z", "o")] == [4, 5, 2]      # x₀ and z₀ are biases
    assert {x for x, _ in pos["z"]} == {2.0}
    assert np.isclose(np.mean([y for _, y in pos["x"]]), 0.0)        # centred columns
    with pytest.raises(ValueError, match="backprop_flow_layout"):
        viz.backprop_flow_layout(0, 4, 2)


def test_plot_backprop_flow_draws_delta_and_eta_labels(book_style):
    fig = viz.plot_backprop_flow(3, 4, 2)
    draw_clean(fig)                                                  # no missing glyphs
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert {"δ₁", "δ₂", "η₁", "η₄"} <= set(texts)
    assert "η₀" not in texts                                         # no error for the bias
    red = [p for p in fig.axes[0].patches if p.__class__.__name__ == "FancyArrowPatch"]
    assert len(red) == 2 * 4                                         # every δ_k to every z_j
