"""Figures and the digit browser of the introduction (들어가며)."""


import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from _figures import draw_clean  # noqa: E402

from dlcore import viz  # noqa: E402
from dlcore.viz.intro import plot_digit_verdicts, plot_digits, plot_pixel_weights  # noqa: E402
from dlcore.widgets.intro import browser_indices, digit_browser  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


def test_plot_digits_accepts_all_layouts_and_marks_regions():
    rng = np.random.default_rng(0)
    imgs = rng.uniform(size=(5, 1, 8, 8))
    for arr in (imgs, imgs[:, 0], imgs.reshape(5, 64)):
        fig = plot_digits(arr, titles=list("abcde"), ncols=3, regions={"윗줄": (0, 1, 2, 7)})
        axes = fig.axes
        assert len(axes) == 6 and len(axes[0].images) == 1 and len(axes[0].patches) == 1
        assert axes[0].get_title() == "a" and not axes[5].images
    draw_clean(fig)
    with pytest.raises(ValueError, match="square"):
        plot_digits(np.zeros((2, 10)))


def test_pixel_weights_and_verdicts():
    fig, (a, b) = plt.subplots(1, 2)
    plot_pixel_weights(np.linspace(-1, 1, 64), ax=a)
    assert a.get_title() == "학습된 가중치" and len(fig.axes) == 3  # with colour bar
    plot_digit_verdicts(np.zeros((8, 8)), 7, {"규칙": 1, "학습": 7}, ax=b)
    assert b.get_xlabel() == "정답: 7\n규칙: 1 (틀림)\n학습: 7 (맞음)"
    assert b.xaxis.label.get_fontsize() >= 13  # readable with four panels in a row
    draw_clean(fig)
    with pytest.raises(ValueError, match="64 weights"):
        plot_pixel_weights(np.zeros(10))


def test_hidden_weight_maps_one_panel_per_node(book_style):
    W = np.arange(6 * 64, dtype=float).reshape(6, 64) - 150.0
    fig = viz.plot_hidden_weights(W, ncols=3)
    assert len(fig.axes) == 6 and [a.get_title() for a in fig.axes][:2] == ["노드 1", "노드 2"]
    image = fig.axes[0].images[0]
    assert image.get_array().shape == (8, 8)
    assert image.get_clim() == (-150.0, 150.0)               # symmetric scale per node
    fig = viz.plot_hidden_weights(W[:5], ncols=3)             # a spare panel is hidden
    assert not fig.axes[5].axison
    with pytest.raises(ValueError, match="plot_hidden_weights"):
        viz.plot_hidden_weights(np.zeros((3, 60)))


def test_browser_indices():
    truth = np.array([1, 7, 7, 1])
    verdicts = {"규칙": np.array([1, 1, 7, 7]), "학습": truth.copy()}
    np.testing.assert_array_equal(browser_indices(truth, verdicts), [0, 1, 2, 3])
    np.testing.assert_array_equal(browser_indices(truth, verdicts, "규칙"), [1, 3])
    assert browser_indices(truth, verdicts, "학습").size == 0
    with pytest.raises(ValueError, match="browser_indices"):
        browser_indices(truth, verdicts, "사람")


def test_digit_browser_reacts():
    pytest.importorskip("ipywidgets")
    truth = np.array([1, 7, 7, 1])
    verdicts = {"규칙": np.array([1, 1, 7, 7]), "학습": truth.copy()}
    box = digit_browser(np.zeros((4, 8, 8)), truth, verdicts)
    labels = [lab for lab, _ in box.controls["show"].options]
    assert labels == ["전체", "틀린 것: 규칙", "틀린 것: 학습"]  # no "이(가)" particles
    assert box.info.value.startswith("4장 중 1번째")
    box.controls["show"].value = "규칙"
    assert box.info.value.startswith("2장 중 1번째 (데이터 번호 1)")
    box.controls["index"].value = 1
    assert "데이터 번호 3" in box.info.value
    box.controls["show"].value = "학습"
    assert box.info.value == "해당하는 이미지가 없다."
