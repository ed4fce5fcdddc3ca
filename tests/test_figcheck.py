"""The figure check (tests/_figcheck.py): both sides of its tolerance, on the book's own style."""

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

pytest.importorskip("PIL")

from _figcheck import figure_difference, is_blank  # noqa: E402


def _png(draw, **rc):
    from dlcore import viz

    viz.setup()
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(5, 3.5))
        draw(ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100)
        plt.close(fig)
    return buf.getvalue()


def _two_curves(ax):
    s = np.linspace(-6, 6, 200)
    ax.plot(s, 1 / (1 + np.exp(-s)), label="시그모이드")
    ax.plot(s, np.tanh(s), label="tanh")
    ax.set_xlabel("s")
    ax.set_title("활성 함수")
    ax.legend()


def _one_curve(ax):
    s = np.linspace(-6, 6, 200)
    ax.plot(s, 1 / (1 + np.exp(-s)), label="시그모이드")
    ax.plot(s, np.tanh(s), alpha=0.0)
    ax.set_xlabel("s")
    ax.set_title("활성 함수")
    ax.legend()


def test_identical_figures_pass():
    a = _png(_two_curves)
    assert figure_difference(a, a) == (True, "")


def test_rendering_differences_pass():
    # no anti-aliasing and different glyph hinting: what another matplotlib/FreeType changes
    a = _png(_two_curves)
    b = _png(_two_curves, **{"lines.antialiased": False, "text.hinting": "none",
                             "text.antialiased": False})
    assert a != b
    ok, why = figure_difference(a, b)
    assert ok, why


def test_a_lost_curve_fails():
    ok, why = figure_difference(_png(_two_curves), _png(_one_curve))
    assert not ok and "block" in why


def test_blank_figure_fails():
    blank = _png(lambda ax: ax.set_axis_off())
    assert is_blank(blank) and not is_blank(_png(_two_curves))
    ok, why = figure_difference(_png(_two_curves), blank)
    assert not ok and "blank" in why


def test_size_change_fails():
    def wide(ax):
        _two_curves(ax)
        ax.figure.set_size_inches(6, 3.5)

    ok, why = figure_difference(_png(_two_curves), _png(wide))
    assert not ok and "size" in why
