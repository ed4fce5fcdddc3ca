"""dlcore.viz.resnet: chapter 11's gradient measurements and figures."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from _figures import draw_clean  # noqa: E402

import dlcore  # noqa: E402
from dlcore import viz  # noqa: E402

pytestmark = pytest.mark.usefixtures("book_style")

RNG = np.random.default_rng(0)
X = RNG.standard_normal((64, 10))
Y = RNG.integers(0, 3, 64)


def test_layer_grad_norms_match_weight_grad_norms():
    model = dlcore.residual_mlp(10, 6, 2, 3, seed=0)
    norms = viz.layer_grad_norms(model, X, Y)
    assert norms.shape == (2 * 2 + 2,) and (norms > 0).all()
    # the same numbers by hand: one forward/backward of the cross-entropy, then the norms
    model.zero_grad()
    loss = dlcore.losses.CrossEntropyLoss()
    loss(model(X), Y)
    model.backward(loss.backward())
    by_hand = [n for _, n in dlcore.diagnostics.weight_grad_norms(model)]
    np.testing.assert_allclose(norms, by_hand, rtol=1e-12)
    # gradients start from zero every call: calling twice gives the same numbers
    np.testing.assert_allclose(viz.layer_grad_norms(model, X, Y), norms, rtol=1e-12)


def test_gradient_profiles_shape_and_the_effect_of_the_shortcut():
    prof = viz.gradient_profiles([4, 24], X, Y, width=16, seed=0)
    assert sorted(prof) == [4, 24]
    assert prof[24]["plain"].shape == prof[24]["residual"].shape == (24,)
    # with batch norm a deep plain network's gradient grows towards the input much more than
    # a residual one's (the "explosion" of chapter 11); without batch norm and with Xavier
    # weights the plain one's gradient shrinks by orders of magnitude, the residual one's not
    span = {k: v.max() / v.min() for k, v in prof[24].items()}
    assert span["plain"] > 5 * span["residual"]
    nobn = viz.gradient_profiles([24], X, Y, width=16, seed=0, batchnorm=False,
                                 init="xavier")[24]
    assert nobn["plain"][0] < 1e-2 * nobn["residual"][0]


def test_gradient_profiles_bad_input():
    with pytest.raises(ValueError, match="gradient_profiles: expected even depths"):
        viz.gradient_profiles([5], X, Y)
    with pytest.raises(ValueError, match="gradient_profiles: expected even depths"):
        viz.gradient_profiles([2], X, Y)
    with pytest.raises(ValueError, match="gradient_profiles: expected at least one depth"):
        viz.gradient_profiles([], X, Y)
    with pytest.raises(ValueError, match=r"gradient_profiles: expected X of shape \(N, D\)"):
        viz.gradient_profiles([4], X[:, :, None], Y)


def test_plot_gradient_profile():
    prof = viz.gradient_profiles([4, 8], X, Y, width=6)
    fig = viz.plot_gradient_profile({"BN": prof, "no BN": prof}, 8,
                                    ylim={"BN": (1e-3, 1e3), "no BN": (1e-2, 1e2)})
    texts = draw_clean(fig)
    assert "8층 신경망의 층별 그레이디언트 크기 (학습 전)" in texts
    ax1, ax2 = fig.axes
    assert ax1.get_yscale() == "log" and ax1.get_ylim() == pytest.approx((1e-3, 1e3))
    assert ax2.get_ylim() == pytest.approx((1e-2, 1e2))
    assert len(ax1.lines) == 2 and len(ax1.lines[0].get_xdata()) == 8
    plt.close(fig)
    with pytest.raises(ValueError, match="plot_gradient_profile: expected depth"):
        viz.plot_gradient_profile({"BN": prof}, 16)
    with pytest.raises(ValueError, match="plot_gradient_profile: expected a non-empty mapping"):
        viz.plot_gradient_profile({}, 4)


def test_plot_degradation():
    losses = {"a": [1.0, 0.5, 0.2], "b": [2.0, 1.5, 1.4]}
    grads = {"a": [0.3, 0.2, 0.1], "b": [1.0, 0.9, 0.8]}
    fig = viz.plot_degradation(losses, grads)
    texts = draw_clean(fig)
    assert "훈련 손실" in texts and "첫 층의 그레이디언트 크기" in texts
    assert all(ax.get_yscale() == "log" for ax in fig.axes)
    assert list(fig.axes[0].lines[0].get_xdata()) == [1, 2, 3]
    plt.close(fig)
    with pytest.raises(ValueError, match="plot_degradation: expected two mappings"):
        viz.plot_degradation(losses, {"a": [1.0]})


def test_plot_residual_block():
    fig = viz.plot_residual_block()
    texts = draw_clean(fig)
    assert "(가) 항등 지름길" in texts and "(나) 투영 지름길" in texts
    assert any("1×1 합성곱" in t for t in texts)
    plt.close(fig)
