"""dlcore.viz.cnn: output sizes, the explorer's state, connectivity counts, confusion matrices
and the chapter-10 figures."""

import itertools
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean, has_hangul  # noqa: E402

import dlcore  # noqa: E402
from dlcore import viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")

IMAGE5 = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                   [0, 1, 1, 0, 0]], dtype=float)


# -- conv_fit ---------------------------------------------------------------------------------
@pytest.mark.parametrize("H,K,S,P,out,left", [
    (5, 3, 1, 0, 3, 0), (5, 3, 2, 0, 2, 0), (5, 3, 3, 0, 1, 2), (28, 3, 2, 0, 13, 1),
    (32, 5, 1, 2, 32, 0), (28, 3, 1, 1, 28, 0), (1, 1, 1, 0, 1, 0)])
def test_conv_fit_matches_the_formula_and_dlcore(H, K, S, P, out, left):
    fit = viz.conv_fit(H, K, S, P)
    assert fit["out"] == out == (H + 2 * P - K) // S + 1
    assert fit["left"] == left and fit["fits"] == (left == 0)
    assert fit["out"] == dlcore.conv_output_size(H, K, S, P)
    assert (fit["problem"] is None) == fit["fits"]
    assert fit["message"].startswith(f"({H} + 2·{P} \u2212 {K})/{S} + 1")
    if not fit["fits"]:
        assert f"{left}줄" in fit["problem"] and "내림" in fit["formula"]


def test_conv_fit_kernel_larger_than_padded_input_is_explained_not_raised():
    fit = viz.conv_fit(5, 7, 1, 0)
    assert fit["out"] is None and fit["left"] is None and not fit["fits"]
    assert "커널 7" in fit["problem"] and "입력 5" in fit["problem"]
    assert viz.conv_fit(5, 7, 1, 1)["out"] == 1           # 5 + 2 = 7 fits exactly


@pytest.mark.parametrize("args", [(0, 3), (5, 0), (5, 3, 0), (5, 3, 1, -1), (5.0, 3),
                                  (True, 3)])
def test_conv_fit_rejects_invalid_arguments(args):
    with pytest.raises(ValueError, match="conv_fit"):
        viz.conv_fit(*args)


# -- conv_state ---------------------------------------------------------------------------------
def test_conv_state_reproduces_the_notes_example():
    st = viz.conv_state(IMAGE5, "예제 커널 (X 모양)")
    np.testing.assert_array_equal(st["out"], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    assert st["fits"] and st["message"].startswith("출력 3×3")
    assert st["padded"].shape == (5, 5)


def test_conv_state_agrees_with_the_naive_loop_for_every_explorer_setting():
    rng = np.random.default_rng(0)
    image = rng.random((9, 9))
    for name, S, P in itertools.product(viz.KERNELS, (1, 2, 3), (0, 1, 2)):
        st = viz.conv_state(image, name, S, P)
        k = viz.KERNELS[name]
        ref = dlcore.conv2d_naive(image.reshape(1, 1, 9, 9), k.reshape(1, 1, 3, 3), stride=S,
                                  padding=P)[0, 0]
        np.testing.assert_allclose(st["out"], ref, atol=1e-12)
        assert st["padded"].shape == (9 + 2 * P,) * 2
        assert st["fits"] == ((9 + 2 * P - 3) % S == 0)


def test_conv_state_with_a_kernel_too_large_gives_no_output_and_a_message():
    st = viz.conv_state(np.ones((3, 3)), np.ones((5, 5)), stride=1, padding=0)
    assert st["out"] is None and not st["fits"]
    assert st["message"].startswith("출력 없음")


def test_conv_state_accepts_nchw_and_rejects_bad_input():
    st = viz.conv_state(IMAGE5.reshape(1, 1, 5, 5), "항등", 1, 1)
    np.testing.assert_array_equal(st["out"], IMAGE5)      # identity kernel with P = 1
    with pytest.raises(ValueError, match="conv_state"):
        viz.conv_state(np.ones((2, 5, 5)), "항등")
    with pytest.raises(ValueError, match="conv_state"):
        viz.conv_state(IMAGE5, "없는 커널")
    with pytest.raises(ValueError, match="conv_state"):
        viz.conv_state(IMAGE5, np.ones(3))
    with pytest.raises(ValueError, match="conv_state"):
        viz.conv_state(IMAGE5, "항등", stride=0)


def test_sobel_kernels_respond_to_edges_of_their_direction():
    vertical_edge = np.zeros((6, 6))
    vertical_edge[:, 3:] = 1.0
    v = viz.conv_state(vertical_edge, "세로 경계 (소벨)")["out"]
    h = viz.conv_state(vertical_edge, "가로 경계 (소벨)")["out"]
    assert v.max() == 4.0 and np.allclose(h, 0.0)
    blur = viz.conv_state(np.ones((4, 4)), "흐림 (평균)")["out"]
    np.testing.assert_allclose(blur, 1.0)


# -- connectivity -------------------------------------------------------------------------------
def test_connectivity_counts_of_the_notes():
    full, n_full = viz.connectivity("full")
    local, n_local = viz.connectivity("local")
    shared, n_shared = viz.connectivity("shared")
    assert (n_full, n_local, n_shared) == (21, 9, 3)
    assert np.all(full >= 0)
    assert np.array_equal(local >= 0, shared >= 0) and np.sum(local >= 0) == 9
    # every unit sees 3 neighbouring inputs, windows start 2 apart (a 1-D convolution)
    for i in range(3):
        assert np.flatnonzero(shared[i] >= 0).tolist() == [2 * i, 2 * i + 1, 2 * i + 2]
        assert shared[i][shared[i] >= 0].tolist() == [0, 1, 2]


def test_connectivity_rejects_bad_arguments():
    with pytest.raises(ValueError, match="connectivity"):
        viz.connectivity("dense")
    with pytest.raises(ValueError, match="connectivity"):
        viz.connectivity("local", n_in=4, n_out=3)


# -- confusion matrix ---------------------------------------------------------------------------
def test_confusion_matrix_counts_and_validation():
    cm = viz.confusion_matrix([0, 1, 2, 2, 1], [0, 2, 2, 2, 1], num_classes=3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    assert cm.sum() == 5 and cm.dtype.kind == "i"
    with pytest.raises(ValueError, match="confusion_matrix"):
        viz.confusion_matrix([0, 1], [0], num_classes=3)
    with pytest.raises(ValueError, match="confusion_matrix"):
        viz.confusion_matrix([0, 3], [0, 1], num_classes=3)


# -- figures ------------------------------------------------------------------------------------
def test_plot_conv_state_draws_cleanly_with_the_size_in_the_title():
    digit = np.random.default_rng(0).random((28, 28))
    fig = viz.plot_conv_state(digit, "세로 경계 (소벨)", stride=2, padding=0)
    texts = draw_clean(fig)
    assert has_hangul(texts)
    title = fig._suptitle.get_text()
    assert "13.5" in title and "맞지 않음" in title
    fig = viz.plot_conv_state(IMAGE5, "예제 커널 (X 모양)", stride=1, padding=0)
    assert "맞지 않음" not in fig._suptitle.get_text()
    draw_clean(fig)
    fig = viz.plot_conv_state(np.ones((3, 3)), np.ones((5, 5)))
    assert "출력이 없다" in fig._suptitle.get_text()
    draw_clean(fig)


def test_every_explorer_state_draws_fast():
    """The explorer's 6 x 3 x 3 = 54 states: each draws without warnings in about 0.1 s."""
    import matplotlib.pyplot as plt

    digit = np.random.default_rng(1).random((28, 28))
    states = list(itertools.product(viz.KERNELS, (1, 2, 3), (0, 1, 2)))
    assert len(states) <= 60
    t0 = time.perf_counter()
    for name, S, P in states:
        fig = viz.plot_conv_state(digit, name, S, P)
        fig.canvas.draw()
        plt.close(fig)
    assert (time.perf_counter() - t0) / len(states) < 0.5   # generous: shared, loaded machines


def test_other_figures_draw_cleanly():
    rng = np.random.default_rng(0)
    figs = [viz.plot_conv_example(IMAGE5, viz.KERNELS["예제 커널 (X 모양)"], pos=(0, 1)),
            viz.plot_im2col(np.arange(1.0, 17.0).reshape(4, 4), 3),
            viz.plot_connectivity(),
            viz.plot_images(rng.random((5, 1, 8, 8)), titles=list("abcde"), ncols=3),
            viz.plot_filters(rng.standard_normal((16, 1, 3, 3))),
            viz.plot_feature_maps(rng.random((1, 8, 6, 6)), suptitle="특징 맵"),
            viz.plot_confusion(np.eye(3, dtype=int) * 5 + 1).figure,
            viz.plot_mistakes(rng.random((6, 1, 8, 8)), [0, 1, 2, 3, 4, 5], [0, 1, 3, 3, 5, 5])]
    for fig in figs:
        draw_clean(fig)
    assert "위치 (0, 1)" in figs[0]._supxlabel.get_text()
    assert figs[0]._supxlabel.get_text().endswith("= 3")


def test_figure_helpers_reject_bad_shapes():
    with pytest.raises(ValueError, match="plot_conv_example"):
        viz.plot_conv_example(IMAGE5, np.ones((3, 3)), pos=(3, 0))
    with pytest.raises(ValueError, match="plot_feature_maps"):
        viz.plot_feature_maps(np.ones((2, 4, 4)), titles=["a"])
    with pytest.raises(ValueError, match="plot_filters"):
        viz.plot_filters(np.ones((3, 3)))
    with pytest.raises(ValueError, match="plot_images"):
        viz.plot_images(np.ones((4, 4)))
    with pytest.raises(ValueError, match="plot_mistakes"):
        viz.plot_mistakes(np.ones((2, 4, 4)), [1, 2], [1, 2])
