"""dlcore.viz.mlp: region counts (pure functions) and the figures of chapter 2."""


import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean, has_hangul  # noqa: E402

from dlcore import viz  # noqa: E402

U1 = np.array([[-0.5, 1.0, 1.0], [1.5, -1.0, -1.0]])
U3 = np.array([-1.0, 1.0, 1.0])


def _sig(s, a=1.0):
    return 1.0 / (1.0 + np.exp(-a * s))


ROWS = [
    ("계단", lambda s: np.where(s >= 0, 1.0, -1.0), lambda s: np.where(s == 0, np.nan, 0.0), False),
    ("로지스틱 시그모이드", _sig, lambda s, a=1.0: a * _sig(s, a) * (1 - _sig(s, a)), True),
    ("ReLU", lambda s: np.maximum(s, 0), lambda s: (s > 0) * 1.0, False),
]


@pytest.mark.parametrize("p, expected", [(0, 1), (1, 2), (2, 4), (3, 7), (4, 11), (10, 56)])
def test_region_count_formula(p, expected):
    assert viz.region_count(p) == expected == 1 + p * (p + 1) // 2


def test_region_count_in_d_dimensions():
    assert viz.region_count(3, d=3) == 8 == 2 ** 3          # p ≤ d: every sign pattern
    assert viz.region_count(4, d=3) == 15                   # 1 + 4 + 6 + 4
    assert viz.region_count(5, d=1) == 6                    # points on a line
    with pytest.raises(ValueError, match="region_count"):
        viz.region_count(3, d=-1)


@pytest.mark.parametrize("p", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_count_regions_matches_formula(p, seed):
    W, b = viz.random_lines(p, seed=seed)
    assert W.shape == (p, 2) and b.shape == (p,)
    assert viz.count_regions(W, b, n=601) == viz.region_count(p)


def test_count_regions_parallel_lines_give_fewer():
    W = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    b = np.array([0.0, -1.0, 0.0])
    assert viz.count_regions(W, b, extent=3.0) == 6 < viz.region_count(3)


def test_region_codes_are_pm_one():
    W, b = viz.random_lines(3, seed=0)
    codes = viz.region_codes(W, b, np.random.default_rng(0).normal(size=(50, 2)))
    assert codes.shape == (50, 3) and set(np.unique(codes)) <= {-1.0, 1.0}


def test_errors():
    with pytest.raises(ValueError, match="region_count"):
        viz.region_count(-1)
    with pytest.raises(ValueError, match="count_regions"):
        viz.count_regions(np.zeros((3, 3)), np.zeros(3))


def _inside(bbox, ax, points):
    """Which of the data ``points`` (N, 2) of ``ax`` lie in the display-space ``bbox``."""
    return [bbox.contains(*xy) for xy in ax.transData.transform(points)]


def test_xor_figure():
    viz.setup()
    fig = viz.plot_xor_feature_space(U1, U3)
    assert len(fig.axes) == 2
    assert all(len(ax.lines) >= 1 for ax in fig.axes)
    assert has_hangul(draw_clean(fig))
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Z = np.where(X @ U1[:, 1:].T + U1[:, 0] >= 0, 1.0, -1.0)
    for ax, pts in zip(fig.axes, (X, Z)):
        legend = ax.get_legend().get_window_extent()
        assert not any(_inside(legend, ax, pts))  # the legend covers no data point


def test_regions_figure_with_cube():
    viz.setup()
    W, b = viz.random_lines(3, seed=0)
    fig = viz.plot_regions(W, b, n=200)
    assert len(fig.axes) == 2 and len(fig.axes[0].images) == 1
    texts = draw_clean(fig)
    assert sum(t.startswith("(") for t in texts) >= 7
    ax, cube = fig.axes
    # legend outside the map (it cannot hide a region label); no cube ticks under corner labels
    assert not ax.get_legend().get_window_extent().overlaps(ax.get_window_extent())
    assert not any(len(t()) for t in (cube.get_xticks, cube.get_yticks, cube.get_zticks))


def test_hard_soft_figure():
    viz.setup()
    fig = viz.plot_hard_soft(U1, lambda s: np.tanh(2 * s), n=15)
    assert len(fig.axes) == 3
    assert has_hangul(draw_clean(fig))


def test_activation_figures():
    viz.setup()
    fig = viz.plot_activation_table(ROWS)
    assert len(fig.axes) == 6
    assert has_hangul(draw_clean(fig))
    np.testing.assert_allclose(fig.get_size_inches(), (7.8, 6.0))  # 2.6 in a column, 6 high
    assert fig.axes[0].title.get_fontsize() >= 13
    fig = viz.plot_activation_table(ROWS + ROWS[1:], figsize=(10, 5))
    assert len(fig.axes) == 10 and tuple(fig.get_size_inches()) == (10, 5)
    fig = viz.plot_activation(ROWS[1][1], ROWS[1][2], "로지스틱 시그모이드", a=1.0)
    assert draw_clean(viz.plot_activation(ROWS[0][1], ROWS[0][2], "계단"))
    texts = draw_clean(fig)
    assert any("0.2500" in t for t in texts)  # the derivative's maximum a/4
    ax = fig.axes[1]
    note = next(t for t in ax.texts if "0.2500" in t.get_text())
    assert note.arrow_patch is not None  # points at the peak from beside it ...
    box = note.get_window_extent()
    s = np.linspace(-6, 6, 601)
    curve = np.c_[s, ROWS[1][2](s)]
    assert not any(_inside(box, ax, curve))  # ... and covers no part of the curve


def test_activation_rows_from_functional():
    F = pytest.importorskip("dlcore.functional")
    if not hasattr(F, "sigmoid_grad"):
        pytest.skip("dlcore.functional not there yet")
    rows = viz.activation_rows()
    assert [r[0] for r in rows][1] == "로지스틱 시그모이드"
    s = np.linspace(-3, 3, 7)
    for _, f, _df, slope in rows:
        y = f(s, 2.0) if slope else f(s)
        assert np.shape(y) == s.shape


def test_architecture_and_feature_extractor():
    viz.setup()
    fig = viz.plot_mlp_architecture(d=2, p=3, c=2)
    assert has_hangul(draw_clean(fig))
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(float)
    fig = viz.plot_feature_extractor(X, y, np.tanh(X), boundary=(np.array([1.0, 0.0]), 0.0))
    assert len(fig.axes) == 2
    draw_clean(fig)
    fig = viz.plot_feature_extractor(X, y, np.tanh(np.c_[X, X[:, 0]]))
    draw_clean(fig)


def test_feature_extractor_draws_hidden_lines_boundary_and_output_plane():
    viz.setup()
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    y = (np.hypot(X[:, 0], X[:, 1]) < 1).astype(float)
    W = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([0.5, -0.5, 0.2])
    Z = np.tanh(X @ W.T + b)
    fig = viz.plot_feature_extractor(
        X, y, Z, lines=(W, b), predict=lambda P: 1 / (1 + np.exp(-(P ** 2).sum(axis=1) + 1)),
        plane=(np.array([1.0, -1.0, 0.5]), np.array([0.2])))
    texts = draw_clean(fig)
    ax0, ax1 = fig.axes
    dashed = [ln for ln in ax0.lines if ln.get_linestyle() == "--" and len(ln.get_xdata()) == 2]
    assert len(dashed) == 3                                   # one line per hidden unit
    assert {"z₁", "z₂", "z₃"} <= set(texts)
    assert ax0.collections and any(type(c).__name__.endswith("ContourSet") or
                                   "Contour" in type(c).__name__ for c in ax0.collections)
    assert any("Poly3DCollection" in type(c).__name__ for c in ax1.collections)   # the plane


def test_plot_activation_shows_the_z_space_map_hard_to_soft():
    viz.setup()
    rows = {r[0]: r for r in viz.activation_rows()}
    _, f, df, _ = rows["계단"]
    fig = viz.plot_activation(f, df, "계단")
    draw_clean(fig)
    assert len(fig.axes) == 3
    hard = fig.axes[2].collections[0].get_offsets()
    assert len(np.unique(np.round(hard, 9), axis=0)) == 4        # four regions -> four points
    _, f, df, _ = rows["로지스틱 시그모이드"]
    soft = viz.plot_activation(f, df, "시그모이드", a=0.5).axes[2].collections[0].get_offsets()
    steep = viz.plot_activation(f, df, "시그모이드", a=8.0).axes[2].collections[0].get_offsets()
    assert len(np.unique(np.round(soft, 9), axis=0)) > 100       # regions stay regions
    # a larger slope pushes the images towards the corners of (0, 1)²
    corner = lambda Z: np.mean(np.min(np.abs(np.asarray(Z)[:, :, None] - [0.0, 1.0]), axis=2))
    assert corner(steep) < corner(soft)
    assert len(viz.plot_activation(f, df, a=1.0, z_map=False).axes) == 2

