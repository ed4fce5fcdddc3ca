"""dlcore.widgets.cnn: the convolution explorer of chapter 10."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402

widgets = pytest.importorskip("ipywidgets")

from dlcore import viz  # noqa: E402
from dlcore.widgets import PADDINGS, STRIDES, conv_explorer  # noqa: E402

IMAGE5 = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                   [0, 1, 1, 0, 0]], dtype=float)


def test_the_explorer_has_at_most_60_states():
    assert len(viz.KERNELS) * len(STRIDES) * len(PADDINGS) <= 60


def test_explorer_builds_reacts_and_explains_settings_that_do_not_fit():
    viz.setup()
    box = conv_explorer(IMAGE5)
    assert isinstance(box, widgets.VBox)
    assert set(box.controls) == {"kernel", "stride", "padding"}
    assert box.text.value == "<b>출력 3×3: 높이 (5 + 2·0 \u2212 3)/1 + 1 = 3</b>"
    box.controls["stride"].value = 3                         # (5 - 3)/3 does not divide
    assert "끝의 2줄은 커널이 닿지 않는다" in box.text.value
    box.controls["padding"].value = 2                        # (5 + 4 - 3)/3 = 2 fits
    assert "출력 3×3" in box.text.value and "닿지 않는다" not in box.text.value
    box.controls["kernel"].value = "흐림 (평균)"
    assert "출력 3×3" in box.text.value


def test_explorer_rejects_values_outside_its_controls():
    with pytest.raises(ValueError, match="conv_explorer"):
        conv_explorer(IMAGE5, kernel="없음")
    with pytest.raises(ValueError, match="conv_explorer"):
        conv_explorer(IMAGE5, stride=4)
    with pytest.raises(ValueError, match="conv_state"):
        conv_explorer(np.ones(5))
