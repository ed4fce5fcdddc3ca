"""dlcore.viz.matrix: helpers of chapter 4 (matrices, Jacobians, saturation)."""

import warnings

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean  # noqa: E402

from dlcore import viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


def test_format_matrix_has_name_shape_and_rounding():
    s = viz.format_matrix("Z1", np.array([[1.234567, -0.00001], [2.0, 3.0]]))
    assert s.splitlines()[0] == "Z1 (2, 2)"
    assert "1.2346" in s and "-0.0000" not in s


def test_format_matrix_vector_and_scalar():
    assert viz.format_matrix("b", np.array([0.5, 1.0])).startswith("b (2,)")
    assert viz.format_matrix("L", 0.25).startswith("L ()")


def test_elementwise_jacobian_is_diagonal_and_matches_elementwise_product():
    rng = np.random.default_rng(0)
    local = rng.random((2, 3))
    g = rng.standard_normal((2, 3))
    J = viz.elementwise_jacobian(local)
    assert J.shape == (6, 6)
    assert np.allclose(J, np.diag(np.diag(J)))
    assert np.allclose((J.T @ g.ravel()).reshape(2, 3), g * local)


def test_jacobian_nbytes_of_the_64_by_4096_example_is_256_gib():
    n = viz.jacobian_nbytes(64, 4096)
    assert n == (64 * 4096) ** 2 * 4 == 256 * 2 ** 30 == 2 ** 38
    text = viz.format_nbytes(n)
    assert "256 GiB" in text and "274.9 GB" in text
    assert viz.jacobian_nbytes(64, 4096, itemsize=8) == 2 * n
    with pytest.raises(ValueError, match="jacobian_nbytes"):
        viz.jacobian_nbytes(0, 10)


def test_sigmoid_np_is_stable_and_correct():
    s = np.array([-1000.0, -1.0, 0.0, 2.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = viz.sigmoid_np(s)
    assert np.allclose(t, [0.0, 1 / (1 + np.e), 0.5, 1 / (1 + np.exp(-2)), 1.0])


def test_deep_sigmoid_grad_norms_vanish_towards_the_input():
    res = viz.deep_sigmoid_grad_norms(depth=6, width=16, n=32, scale=1.0, seed=0)
    g = res["grad_norm"]
    assert g.shape == (6,) and np.all(g > 0)
    assert np.all(np.diff(g) > 0)  # smaller and smaller towards layer 1
    assert max(float(np.max(loc)) for loc in res["local"]) <= 0.25
    relu = viz.deep_sigmoid_grad_norms(depth=6, width=16, n=32, scale=np.sqrt(2),
                                       activation="relu", seed=0)["grad_norm"]
    assert relu[0] / relu[-1] > g[0] / g[-1] * 100
    again = viz.deep_sigmoid_grad_norms(depth=6, width=16, n=32, scale=1.0, seed=0)
    assert np.array_equal(again["grad_norm"], g)
    with pytest.raises(ValueError, match="activation"):
        viz.deep_sigmoid_grad_norms(activation="step")


def test_deep_sigmoid_grad_norms_match_finite_differences():
    # the norm of dL/dW for the first layer, with L = mean over samples of sum(a_top)
    rng = np.random.default_rng(0)
    depth, width, n = 3, 4, 5
    res = viz.deep_sigmoid_grad_norms(depth=depth, width=width, n=n, scale=2.0, seed=1)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((n, width))
    ws = [rng.standard_normal((width, width)) * 2.0 / np.sqrt(width) for _ in range(depth)]

    def loss(w0):
        a = viz.sigmoid_np(x @ w0)
        for w in ws[1:]:
            a = viz.sigmoid_np(a @ w)
        return a.sum() / n

    h = 1e-6
    num = np.zeros_like(ws[0])
    for idx in np.ndindex(*ws[0].shape):
        wp, wm = ws[0].copy(), ws[0].copy()
        wp[idx] += h
        wm[idx] -= h
        num[idx] = (loss(wp) - loss(wm)) / (2 * h)
    assert np.isclose(res["grad_norm"][0], np.linalg.norm(num), rtol=1e-6)


@pytest.mark.parametrize("make", [
    lambda: viz.plot_four_steps(),
    lambda: viz.plot_matrices({"X": np.eye(2), "W¹": np.ones((2, 3)), "b": np.zeros(3)},
                              suptitle="행렬"),
    lambda: viz.plot_matrix(np.arange(6.0).reshape(2, 3), title="Z¹").figure,
    lambda: viz.plot_grad_norms({"sigmoid": [1e-3, 1e-2, 1e-1], "relu": [1, 1, 1]}),
    lambda: viz.plot_grad_norms([1.0, 2.0]),
    lambda: viz.plot_saturation(),
    lambda: viz.plot_saturation_state(scale=3.0, depth=4),
    lambda: viz.plot_saturation_state(activation="relu", depth=3),
    lambda: viz.plot_critical_points(),
])
def test_figures_have_artists_and_render_korean_cleanly(make, caplog):
    fig = make()
    assert fig.axes
    assert any(ax.lines or ax.images or ax.patches or ax.collections or ax.texts
               for ax in fig.axes)
    draw_clean(fig)


def test_plot_matrix_titles_carry_the_shape():
    ax = viz.plot_matrix(np.zeros((2, 3)), title="Z¹")
    assert ax.get_title() == "Z¹ (2, 3)"
    assert len(ax.texts) == 6
    with pytest.raises(ValueError, match="plot_matrix"):
        viz.plot_matrix(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="plot_matrices"):
        viz.plot_matrices({})


def test_plot_matrices_wraps_into_rows(caplog):
    mats = {"A": np.ones((2, 3)), "B": np.ones((3, 1)), "C": np.ones((2, 2)), "D": np.ones(3)}
    fig = viz.plot_matrices(mats, ncols=2, suptitle="두 줄")
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == ["A (2, 3)", "B (3, 1)", "C (2, 2)", "D (3,)"]
    draw_clean(fig)
    with pytest.raises(ValueError, match="ncols"):
        viz.plot_matrices(mats, ncols=0)
