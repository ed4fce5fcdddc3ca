"""The book's figure style: the bundled Korean font renders Hangul and the minus sign."""

import warnings

import pytest

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from _figures import errors_except_dependency_deprecations  # noqa: E402

from dlcore import viz  # noqa: E402


def test_bundled_font_exists_and_is_registered():
    path = viz.korean_font_path()
    assert path.is_file() and path.stat().st_size > 1_000_000
    viz.setup()
    names = {f.name for f in font_manager.fontManager.ttflist}
    assert "NanumGothic" in names
    assert matplotlib.rcParams["font.family"][:2] == ["DejaVu Sans", "NanumGothic"]


def test_korean_labels_and_minus_sign_render_without_missing_glyphs():
    viz.setup()
    fig, ax = viz.new_figure()
    ax.plot([-2, -1, 0], [-1, 0, 1])
    ax.set_title("결정 경계와 가중치 −1")
    ax.set_xlabel("입력 $x_1$")
    ax.set_yscale("symlog")
    with warnings.catch_warnings():
        errors_except_dependency_deprecations()  # "Glyph ... missing" is a UserWarning
        fig.canvas.draw()
    plt.close(fig)


def test_setup_sets_print_precision():
    viz.setup(precision=3)
    assert np.array2string(np.array([1 / 3])) == "[0.333]"
    viz.setup()
    assert np.array2string(np.array([1 / 3])) == "[0.3333]"


def test_glue_without_myst_nb_writes_what_myst_nb_writes(monkeypatch):
    """On Colab there is no myst-nb; dlcore's own glue must store the very same output."""
    import sys

    import IPython.display
    glue_module = pytest.importorskip("myst_nb.ext.glue")
    calls = []

    def record(*args, **kwargs):
        calls.append((args, kwargs))

    monkeypatch.setattr(glue_module, "ipy_display", record)
    viz.glue("ch00_x", "0.7503")
    monkeypatch.setattr(IPython.display, "display", record)
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # import myst_nb now fails
    assert viz.glue("ch00_x", "0.7503") == "0.7503"
    assert len(calls) == 2 and calls[0] == calls[1]
    (bundle,), kwargs = calls[1]
    assert bundle == {"application/papermill.record/text/plain": "'0.7503'"}
    assert kwargs == {"raw": True, "metadata": {"scrapbook": {
        "name": "ch00_x", "mime_prefix": "application/papermill.record/"}}}


def test_glue_rounds_floats_to_ten_significant_digits(monkeypatch):
    glue_module = pytest.importorskip("myst_nb.ext.glue")
    calls = []
    monkeypatch.setattr(glue_module, "ipy_display", lambda *a, **k: calls.append(a[0]))
    value = 0.6341793743023261
    assert viz.glue("ch00_y", value) == value          # the caller gets the value unrounded
    viz.glue("ch00_y", 0.6341793743023263)             # a last-digit difference ...
    viz.glue("ch00_z", np.float32(0.25))
    viz.glue("ch00_w", "0.6341793743023261")           # ... strings are glued as they are
    texts = [c["application/papermill.record/text/plain"] for c in calls]
    assert texts == ["0.6341793743", "0.6341793743", "0.25", "'0.6341793743023261'"]
