"""dlcore.widgets.resnet: the depth slider of chapter 11 (plain vs residual gradient norms)."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets.resnet import gradient_flow_explorer, profile_ylim  # noqa: E402


def _profiles(scale):
    return {d: {"plain": np.geomspace(scale, 1.0, d), "residual": np.full(d, 2.0)}
            for d in (4, 8)}


PANELS = {"BN": _profiles(300.0), "no BN": _profiles(1e-5)}


def test_profile_ylim_holds_every_depth_per_panel():
    lim = profile_ylim(PANELS)
    assert lim["BN"] == (1.0, 1000.0)
    assert lim["no BN"] == (1e-5, 10.0)
    with pytest.raises(ValueError, match="profile_ylim"):
        profile_ylim({"x": {4: {"plain": np.zeros(4), "residual": np.zeros(4)}}})


def test_explorer_builds_and_redraws():
    viz.setup()
    box = gradient_flow_explorer(PANELS, depth=8)
    slider = box.children[0]
    assert slider.options == (4, 8) and slider.value == 8
    slider.value = 4
    assert isinstance(box.children[1], widgets.Output)


def test_explorer_errors():
    with pytest.raises(ValueError, match="gradient_flow_explorer"):
        gradient_flow_explorer({})
    with pytest.raises(ValueError, match="gradient_flow_explorer"):
        gradient_flow_explorer(PANELS, depth=16)
    with pytest.raises(ValueError, match="gradient_flow_explorer: expected the same"):
        gradient_flow_explorer({"a": _profiles(1.0), "b": {4: _profiles(1.0)[4]}})
