"""dlcore.viz.loss: helpers of chapter 5 (the sigmoid neuron's losses, fits, softmax bars)."""


import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean  # noqa: E402

from dlcore import viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")


def test_slow_learning_numbers_of_the_notes():
    t = viz.sigmoid_neuron_terms(np.array([0.7503, 0.9971]), y=0.0, x=1.5)
    assert np.allclose(t["mse"], [0.2815, 0.4971], atol=5e-5)
    # the worse model (o = 0.9971) gets the smaller MSE gradient, the larger CE gradient
    assert t["mse_dw"][1] < t["mse_dw"][0]
    assert t["ce_dw"][1] > t["ce_dw"][0]
    assert np.allclose(t["ce_dw"], 1.5 * np.array([0.7503, 0.9971]))
    assert np.allclose(t["mse_db"] * 1.5, t["mse_dw"])


def test_cross_entropy_in_bits_matches_the_notes():
    t = viz.sigmoid_neuron_terms(np.array([0.98, 0.0001]), y=1.0, base=2)
    assert np.allclose(t["ce"], [0.0291, 13.2877], atol=5e-5)
    assert np.allclose(t["ce_db"], (np.array([0.98, 0.0001]) - 1) / np.log(2))


def test_sigmoid_neuron_terms_gradients_match_finite_differences():
    x, y, w, b = 1.5, 0.0, 0.6, 0.2
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    o = sig(w * x + b)
    t = viz.sigmoid_neuron_terms(o, y=y, x=x)
    h = 1e-6
    mse = lambda w_: 0.5 * (y - sig(w_ * x + b)) ** 2  # noqa: E731
    ce = lambda w_: -np.log(1 - sig(w_ * x + b))  # noqa: E731
    assert np.isclose(t["mse_dw"], (mse(w + h) - mse(w - h)) / (2 * h), rtol=1e-6)
    assert np.isclose(t["ce_dw"], (ce(w + h) - ce(w - h)) / (2 * h), rtol=1e-6)


def test_sigmoid_neuron_terms_rejects_outputs_outside_the_open_interval():
    with pytest.raises(ValueError, match="sigmoid_neuron_terms"):
        viz.sigmoid_neuron_terms(1.0)


@pytest.mark.parametrize("make", [
    lambda: viz.plot_loss_vs_output(),
    lambda: viz.plot_loss_vs_output(o=0.9971, y=0.0),
    lambda: viz.plot_loss_vs_output(o=0.2, y=1.0, x=2.0),
    lambda: viz.plot_residual_losses(),
    lambda: viz.plot_fit_outlier(np.arange(5.0), np.array([1, 2, 3, 4, 20.0]),
                                 {"MSE": (2.0, 1.0), "MAE": (1.0, 1.0)}, outliers=[4]),
    lambda: viz.plot_curves({"MSE": [1.0, 0.5, 0.2], "교차 엔트로피": [2.0, 0.5, 0.1]},
                            title="손실", log=True),
    lambda: viz.plot_softmax([2.0, 1.0, -1.0], [0.7, 0.25, 0.05], target=0, title="예"),
])
def test_figures_have_artists_and_render_korean_cleanly(make, caplog):
    fig = make()
    assert fig.axes
    assert any(ax.lines or ax.patches for ax in fig.axes)
    draw_clean(fig)


def test_input_validation():
    with pytest.raises(ValueError, match="plot_fit_outlier"):
        viz.plot_fit_outlier(np.arange(3.0), np.arange(4.0), {})
    with pytest.raises(ValueError, match="plot_softmax"):
        viz.plot_softmax([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="plot_curves"):
        viz.plot_curves({})


def test_plot_curves_start_sets_the_first_x():
    fig = viz.plot_curves({"a": [3.0, 2.0, 1.0]}, start=1)
    x = fig.axes[0].lines[0].get_xdata()
    assert list(x) == [1, 2, 3]
    plt.close(fig)
