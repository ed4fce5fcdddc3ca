"""Bad inputs to the convolutional layers: each raises ValueError naming the layer, what was
expected and what came."""

import numpy as np
import pytest

from dlcore import (
    AvgPool2d,
    BatchNorm1d,
    BatchNorm2d,
    Conv2d,
    GlobalAvgPool2d,
    MaxPool2d,
    ResidualBlock,
    StochasticPool2d,
)
from dlcore.layers.conv import col2im, conv_output_size, im2col

rng = np.random.default_rng(0)
X4 = rng.standard_normal((2, 3, 8, 8))
NAN = X4.copy()
NAN[0, 0, 0, 0] = np.nan

# (id, callable, regex that the message must match: layer name, expectation, what came)
CASES = [
    ("conv-rank-3", lambda: Conv2d(3, 4, 3, seed=0)(X4[0]),
     r"Conv2d: expected a 4-D input of shape \(N, 3, H, W\), got 3-D shape \(3, 8, 8\)"),
    ("conv-rank-2", lambda: Conv2d(3, 4, 3, seed=0)(np.ones((2, 3))),
     r"Conv2d: expected a 4-D input .* got 2-D shape \(2, 3\)"),
    ("conv-channels", lambda: Conv2d(1, 4, 3, seed=0)(X4),
     r"Conv2d: expected input of shape \(N, 1, H, W\), got \(2, 3, 8, 8\)"),
    ("conv-kernel-too-large", lambda: Conv2d(3, 4, 5, seed=0)(np.ones((1, 3, 3, 3))),
     r"Conv2d: expected the 5x5 kernel to fit in the padded input of size 3x3 .* too small"),
    ("conv-kernel-too-large-padded", lambda: Conv2d(3, 4, 9, padding=2, seed=0)(X4[:, :, :4]),
     r"Conv2d: expected the 9x9 kernel to fit in the padded input of size 8x12"),
    ("conv-nan", lambda: Conv2d(3, 4, 3, seed=0)(NAN),
     r"Conv2d: expected finite values, got NaN or inf"),
    ("conv-empty-batch", lambda: Conv2d(3, 4, 3, seed=0)(np.ones((0, 3, 8, 8))),
     r"Conv2d: expected a non-empty input .* got an empty array of shape \(0, 3, 8, 8\)"),
    ("conv-dtype", lambda: Conv2d(3, 4, 3, seed=0)(X4.astype(np.float32)),
     r"Conv2d: expected input of dtype float64 .* got float32"),
    ("conv-kernel-size-0", lambda: Conv2d(3, 4, 0),
     r"Conv2d: expected kernel_size to be a positive integer .* got 0"),
    ("conv-negative-padding", lambda: Conv2d(3, 4, 3, padding=-1),
     r"Conv2d: expected padding to be a non-negative integer .* got -1"),
    ("conv-stride-float", lambda: Conv2d(3, 4, 3, stride=1.5),
     r"Conv2d: expected stride to be a positive integer .* got 1.5"),
    ("conv-channels-0", lambda: Conv2d(0, 4, 3),
     r"Conv2d: expected in_channels to be a positive integer, got 0"),
    ("conv-int-dtype", lambda: Conv2d(3, 4, 3, dtype=np.int64),
     r"Conv2d: expected a floating dtype, got int64"),
    ("conv-seed-and-rng", lambda: Conv2d(3, 4, 3, seed=0, rng=np.random.default_rng(0)),
     r"Conv2d: expected either seed or rng, got both"),
    ("conv-grad-shape", lambda: _conv_backward(np.ones((2, 4, 5, 5))),
     r"Conv2d.backward: expected input of shape \(2, 4, 6, 6\), got \(2, 4, 5, 5\)"),
    ("im2col-rank", lambda: im2col(np.ones((3, 8, 8)), 3, 3),
     r"im2col: expected a 4-D input .* got 3-D"),
    ("col2im-shape", lambda: col2im(np.ones((27, 10)), (2, 3, 8, 8), 3, 3),
     r"col2im: expected input of shape \(27, 72\), got \(27, 10\)"),
    ("output-size", lambda: conv_output_size(4, 7, 1, 1),
     r"conv_output_size: expected the kernel \(7\) to fit in the padded input .* got a larger"),
    ("maxpool-rank", lambda: MaxPool2d(2)(np.ones((4, 4))),
     r"MaxPool2d: expected a 4-D input of shape \(N, C, H, W\), got 2-D shape \(4, 4\)"),
    ("maxpool-window-too-large", lambda: MaxPool2d(3)(np.ones((1, 1, 2, 2))),
     r"MaxPool2d: expected the 3x3 kernel to fit in the padded input of size 2x2"),
    ("maxpool-nan", lambda: MaxPool2d(2)(NAN), r"MaxPool2d: expected finite values"),
    ("avgpool-kernel", lambda: AvgPool2d((2, 0)),
     r"AvgPool2d: expected kernel_size to be a positive integer or a pair .* got \(2, 0\)"),
    ("avgpool-grad-shape", lambda: _pool_backward(AvgPool2d(2), np.ones((2, 3, 3, 3))),
     r"AvgPool2d.backward: expected input of shape \(2, 3, 4, 4\), got \(2, 3, 3, 3\)"),
    ("stochastic-negative", lambda: StochasticPool2d(2, seed=0)(X4),
     r"StochasticPool2d: expected non-negative input .* got a minimum of -"),
    ("stochastic-negative-eval", lambda: StochasticPool2d(2, seed=0).eval()(-np.abs(X4)),
     r"StochasticPool2d: expected non-negative input"),
    ("gap-rank", lambda: GlobalAvgPool2d()(np.ones((2, 3))),
     r"GlobalAvgPool2d: expected a 4-D input of shape \(N, C, H, W\), got 2-D shape \(2, 3\)"),
    ("bn1d-batch-of-one", lambda: BatchNorm1d(3)(np.ones((1, 3))),
     r"BatchNorm1d: expected more than 1 value per feature in training .* got input of shape "
     r"\(1, 3\)"),
    ("bn2d-one-value", lambda: BatchNorm2d(3)(np.ones((1, 3, 1, 1))),
     r"BatchNorm2d: expected more than 1 value per feature in training"),
    ("bn1d-features", lambda: BatchNorm1d(4)(np.ones((5, 3))),
     r"BatchNorm1d: expected input of shape \(N, 4\), got \(5, 3\)"),
    ("bn1d-rank", lambda: BatchNorm1d(3)(X4),
     r"BatchNorm1d: expected a 2-D input of shape \(N, 3\), got 4-D shape \(2, 3, 8, 8\)"),
    ("bn2d-channels", lambda: BatchNorm2d(4)(X4),
     r"BatchNorm2d: expected input of shape \(N, 4, H, W\), got \(2, 3, 8, 8\)"),
    ("bn2d-nan", lambda: BatchNorm2d(3)(NAN), r"BatchNorm2d: expected finite values"),
    ("bn-empty", lambda: BatchNorm1d(3)(np.ones((0, 3))),
     r"BatchNorm1d: expected a non-empty input of shape \(N, 3\), got an empty array"),
    ("bn-momentum", lambda: BatchNorm2d(3, momentum=1.5),
     r"BatchNorm2d: expected momentum in \[0, 1\], got 1.5"),
    ("bn-eps", lambda: BatchNorm1d(3, eps=0), r"BatchNorm1d: expected eps > 0, got 0"),
    ("bn-grad-shape", lambda: _bn_backward(np.ones((2, 3, 8, 7))),
     r"BatchNorm2d.backward: expected grad_out of shape \(2, 3, 8, 8\) .* got \(2, 3, 8, 7\)"),
    ("residual-channels", lambda: ResidualBlock(4, 4, seed=0)(X4),
     r"ResidualBlock: expected input of shape \(N, 4, H, W\), got \(2, 3, 8, 8\)"),
    ("residual-stride", lambda: ResidualBlock(3, 4, stride=0),
     r"ResidualBlock: expected stride to be a positive integer, got 0"),
]


def _conv_backward(g):
    layer = Conv2d(3, 4, 3, seed=0)
    layer(X4)
    layer.backward(g)


def _pool_backward(layer, g):
    layer(X4[:, :, :, :])
    layer.backward(g)


def _bn_backward(g):
    layer = BatchNorm2d(3)
    layer(X4)
    layer.backward(g)


@pytest.mark.parametrize("call, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_raises_a_clear_value_error(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_there_are_at_least_fifteen_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("layer", [Conv2d(3, 4, 3, seed=0), MaxPool2d(2), AvgPool2d(2),
                                   StochasticPool2d(2, seed=0), GlobalAvgPool2d(),
                                   BatchNorm2d(3), ResidualBlock(3, 3, seed=0)],
                         ids=lambda m: type(m).__name__)
def test_backward_before_forward_is_an_error(layer):
    with pytest.raises(RuntimeError, match="call forward before backward|backward called"):
        layer.backward(np.ones((2, 3, 4, 4)))
