"""Decision-boundary plots: any scorer works, artists exist, Korean renders without warnings."""


import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _figures import draw_clean  # noqa: E402

from dlcore import viz  # noqa: E402
from dlcore.perceptron import Perceptron, logic_gate  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


def _texts(fig):
    out = []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        leg = ax.get_legend()
        if leg:
            out += [t.get_text() for t in leg.get_texts()]
        out += [t.get_text() for t in ax.texts]
    return out


def test_korean_font_in_use():
    fam = matplotlib.rcParams["font.family"]
    assert "NanumGothic" in fam


def test_weights_scorer_perceptron_and_callable_agree():
    X, y = logic_gate("or")
    w = np.array([-0.5, 1.0, 1.0])
    grids = []
    for model in (w, list(w), Perceptron(2, init=w), lambda P: -0.5 + P.sum(axis=1)):
        xx, yy, lab, scores = viz.evaluate_on_grid(model, (-1, 2), (-1, 2), resolution=31)
        assert lab.shape == (31, 31) and scores is not None
        grids.append(lab)
    for g in grids[1:]:
        np.testing.assert_array_equal(g, grids[0])
    # labels and class-score matrices are recognised too
    _, _, lab, scores = viz.evaluate_on_grid(lambda P: (P[:, 0] > 0.5).astype(float),
                                             (0, 1), (0, 1), resolution=5)
    assert scores is None and set(np.unique(lab)) == {0.0, 1.0}
    _, _, lab, scores = viz.evaluate_on_grid(lambda P: np.column_stack([P[:, 0], P[:, 1], 0.5 + 0 * P[:, 0]]),
                                             (0, 1), (0, 1), resolution=5)
    assert scores is None and set(np.unique(lab)) <= {0.0, 1.0, 2.0}


def test_plot_decision_boundary_artists_and_no_glyph_warnings():
    X, y = logic_gate("or")
    fig, ax = plt.subplots()
    out = viz.plot_decision_boundary((-0.5, 1, 1), X, y, ax=ax, title="OR 게이트의 결정 경계")
    assert out is ax
    assert len(ax.collections) >= 3  # regions, boundary line, two scatter sets
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["부류 +1", "부류 \u22121"]
    draw_clean(fig)


def test_multiclass_and_probability_models():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # three classes 0, 1, 2
    fig, (a, b) = plt.subplots(1, 2)
    viz.plot_decision_boundary(lambda P: np.column_stack([-P.sum(1), 0 * P[:, 0], P.sum(1)]), X, y, ax=a)
    legend = [t.get_text() for t in a.get_legend().get_texts()]
    assert legend == ["부류 0", "부류 1", "부류 2"]
    yb = (X[:, 0] > 0).astype(int)
    viz.plot_decision_boundary(lambda P: 1 / (1 + np.exp(-3 * P[:, 0])), X, yb, ax=b)
    assert [t.get_text() for t in b.get_legend().get_texts()] == ["부류 1", "부류 0"]
    draw_clean(fig)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match=r"expected X of shape \(N, 2\)"):
        viz.plot_decision_boundary((0, 1, 1), np.zeros((4, 3)), np.ones(4))
    with pytest.raises(ValueError, match="expected y of shape"):
        viz.plot_decision_boundary((0, 1, 1), np.zeros((4, 2)), np.ones((4, 1)))
    with pytest.raises(ValueError, match="returned shape"):
        viz.plot_decision_boundary(lambda P: np.zeros((len(P), 2, 2)), np.zeros((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match="expected weights"):
        viz.plot_decision_boundary(object(), np.zeros((4, 2)), np.ones(4))


@pytest.mark.parametrize("gate", ["or", "and", "xor"])
def test_plot_logic_gate_reports_accuracy(gate):
    fig, ax = plt.subplots()
    viz.plot_logic_gate(gate, (-0.5, 1, 1), ax=ax)
    expected = {"or": 4, "and": 2, "xor": 3}[gate]
    assert ax.get_title() == f"{gate.upper()} 게이트 — 정확도 {expected}/4"
    assert sum(t.get_text().startswith("S=") for t in ax.texts) == 4
    assert "S=\u22120.50" in [t.get_text() for t in ax.texts]
    draw_clean(fig)
    fig2, ax2 = plt.subplots()
    viz.plot_logic_gate(gate, ax=ax2)  # points only
    assert ax2.get_title() == f"{gate.upper()} 게이트"


def test_geometry_history_3d_diagram_and_history():
    X, y = logic_gate("and")
    p = Perceptron(2).fit(X, y)
    fig = plt.figure(figsize=(12, 8))
    a = fig.add_subplot(231)
    viz.plot_boundary_geometry((-0.5, 1, 1), points=X, ax=a)
    assert "+1.061" in [t.get_text() for t in a.texts]  # (1,1): 1.5 / sqrt(2)
    b = fig.add_subplot(232)
    viz.plot_boundary_history(p.history["weights"], X, y, ax=b, title="AND 학습")
    assert len(b.lines) >= 2
    c = fig.add_subplot(233, projection="3d")
    P = np.array([[0, 0, 0], [1, 1, 1]], float)
    viz.plot_hyperplane_3d((-1.5, 1, 1, 1), P, [-1, 1], ax=c, title="결정 평면")
    d = fig.add_subplot(234)
    viz.plot_perceptron_diagram((-0.5, 1, 1), ax=d)
    assert any("w_0" in t.get_text() for t in d.texts)
    e = fig.add_subplot(235)
    viz.plot_training_history(p.history, ax=e)
    assert [t.get_text() for t in e.get_legend().get_texts()] == ["갱신 횟수(에포크 중)", "오분류 수(에포크 끝)"]
    f = fig.add_subplot(236)
    viz.plot_training_history([0.9, 0.5, 0.3], ax=f, ylabel="손실", logy=True)
    assert f.get_yscale() == "log"
    texts = " ".join(_texts(fig))
    assert "입력층" in texts and "에포크" in texts
    draw_clean(fig)


def test_geometry_and_history_errors():
    with pytest.raises(ValueError, match="plot_boundary_geometry"):
        viz.plot_boundary_geometry((1, 0, 0))
    with pytest.raises(ValueError, match="plot_boundary_history"):
        viz.plot_boundary_history(np.zeros((3, 4)), np.zeros((4, 2)), np.ones(4))
    with pytest.raises(ValueError, match="plot_hyperplane_3d"):
        viz.plot_hyperplane_3d((1, 1, 1, 0))
    with pytest.raises(ValueError, match="no per-epoch"):
        viz.plot_training_history({"converged": True})


def test_plot_update_steps_one_panel_per_update_with_the_culprit_ringed(book_style):
    X, y = logic_gate("and")
    p = Perceptron(2, rho=0.5, init="random", seed=1).fit(X, y, epochs=50)
    ups = p.history["updates"]
    fig = viz.plot_update_steps(p.history["weights"], ups, X, y, ncols=3)
    shown = [ax for ax in fig.axes if ax.axison]
    assert len(shown) == len(ups)
    for ax, (epoch, k) in zip(shown, ups):
        assert f"에포크 {epoch}" in ax.get_title()
        rings = [c for c in ax.collections
                 if hasattr(c, "get_sizes") and c.get_sizes().size and c.get_sizes()[0] == 420]
        np.testing.assert_allclose(rings[0].get_offsets()[0], X[k])   # the misclassified sample
    with pytest.raises(ValueError, match="plot_update_steps"):
        viz.plot_update_steps(p.history["weights"][:2], ups, X, y)


def test_perceptron_diagram_labels_do_not_sit_on_their_arrows(book_style):
    fig, ax = plt.subplots()
    viz.plot_perceptron_diagram(n_inputs=2, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().startswith("$w_")]
    arrows = [a for a in ax.texts if type(a).__name__ == "Annotation"][:3]
    for lab, arrow in zip(labels, arrows):
        box = lab.get_window_extent(renderer)
        start = ax.transData.transform(arrow.xyann)        # the arrow is a straight segment
        end = ax.transData.transform(arrow.xy)
        t = np.linspace(0, 1, 400)[:, None]
        points = start + t * (end - start)
        inside = ((points[:, 0] > box.x0) & (points[:, 0] < box.x1)
                  & (points[:, 1] > box.y0) & (points[:, 1] < box.y1))
        assert not inside.any(), lab.get_text()
