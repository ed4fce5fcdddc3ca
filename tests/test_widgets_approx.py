"""dlcore.widgets.approx: the hidden-unit slider of chapter 3."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets.approx import approx_explorer  # noqa: E402

X = np.linspace(-3, 3, 40)
FITS = {1: 0.5 * np.sin(X), 3: 0.8 * np.sin(X), 10: np.sin(X)}
MSES = {k: float(np.mean((v - np.sin(X)) ** 2)) + 1e-6 for k, v in FITS.items()}


def test_explorer_builds_and_redraws():
    viz.setup()
    box = approx_explorer(X, np.sin(X), FITS, MSES, p=3)
    slider = box.children[0]
    assert slider.options == (1, 3, 10) and slider.value == 3
    slider.value = 10
    assert isinstance(box.children[1], widgets.Output)


def test_explorer_errors():
    with pytest.raises(ValueError, match="approx_explorer"):
        approx_explorer(X, np.sin(X), {}, {})
    with pytest.raises(ValueError, match="approx_explorer"):
        approx_explorer(X, np.sin(X), FITS, {1: 0.1})
    with pytest.raises(ValueError, match="approx_explorer"):
        approx_explorer(X, np.sin(X), FITS, MSES, p=7)
