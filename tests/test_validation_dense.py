"""Bad input to the dense-math components: each raises ValueError naming the component and what it
received (a shape, a value or a type), so that a reader's mistake explains itself."""

import numpy as np
import pytest

from dlcore import functional as F
from dlcore import init
from dlcore import losses as L
from dlcore.gradcheck import check_loss
from dlcore.layers import (
    Dropout,
    Flatten,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Step,
    Tanh,
)

X = np.arange(12.0).reshape(3, 4) - 5


def forward_then_backward(layer, x, grad):
    def run():
        layer(x)
        layer.backward(grad)
    return run


# (id, call, component named in the message, what was received, also named in the message)
CASES = [
    # activation layers
    ("relu-list", lambda: ReLU()([1.0, 2.0]), "ReLU", "list"),
    ("relu-empty", lambda: ReLU()(np.zeros((0, 3))), "ReLU", "(0, 3)"),
    ("relu-nan", lambda: ReLU()(np.array([1.0, np.nan])), "ReLU", "NaN"),
    ("sigmoid-inf", lambda: Sigmoid()(np.array([[np.inf, 0.0]])), "Sigmoid", "inf"),
    ("tanh-strings", lambda: Tanh()(np.array(["a", "b"])), "Tanh", "<U1"),
    ("sigmoid-a-zero", lambda: Sigmoid(a=0), "Sigmoid", "0"),
    ("sigmoid-a-negative", lambda: Sigmoid(a=-2.5), "Sigmoid", "-2.5"),
    ("tanh-a-text", lambda: Tanh(a="steep"), "Tanh", "steep"),
    ("leaky-slope-large", lambda: LeakyReLU(negative_slope=2.0), "LeakyReLU", "2.0"),
    ("leaky-slope-negative", lambda: LeakyReLU(-0.1), "LeakyReLU", "-0.1"),
    ("step-low-nan", lambda: Step(low=float("nan")), "Step", "nan"),
    ("softmax-dim-float", lambda: Softmax(dim=1.5), "Softmax", "1.5"),
    ("softmax-dim-range", lambda: Softmax(dim=2)(X), "Softmax", "(3, 4)"),
    ("logsoftmax-dim-range", lambda: LogSoftmax(dim=-3)(X), "LogSoftmax", "(3, 4)"),
    ("relu-grad-shape", forward_then_backward(ReLU(), X, np.ones((3, 5))), "ReLU.backward",
     "(3, 5)"),
    ("sigmoid-grad-transposed", forward_then_backward(Sigmoid(), X, np.ones((4, 3))),
     "Sigmoid.backward", "(4, 3)"),
    # Flatten, Dropout
    ("flatten-1d", lambda: Flatten()(np.ones(5)), "Flatten", "(5,)"),
    ("flatten-grad-shape", forward_then_backward(Flatten(), np.ones((2, 3, 4)), np.ones((2, 3))),
     "Flatten.backward", "(2, 3)"),
    ("dropout-p-one", lambda: Dropout(p=1.0), "Dropout", "1.0"),
    ("dropout-p-negative", lambda: Dropout(p=-0.1), "Dropout", "-0.1"),
    ("dropout-p-text", lambda: Dropout(p="0.5"), "Dropout", "'0.5'"),
    ("dropout-seed-and-rng", lambda: Dropout(0.5, seed=1, rng=np.random.default_rng(1)),
     "Dropout", "seed=1"),
    ("dropout-seed-negative", lambda: Dropout(0.5, seed=-3), "Dropout", "-3"),
    ("dropout-grad-shape", forward_then_backward(Dropout(0.5, seed=0), X, np.ones(12)),
     "Dropout.backward", "(12,)"),
    # losses
    ("mse-broadcast", lambda: L.MSELoss()(np.zeros(4), np.zeros((4, 1))), "MSELoss", "(4, 1)"),
    ("mse-target-nan", lambda: L.MSELoss()(np.zeros(2), np.array([0.0, np.nan])), "MSELoss",
     "NaN"),
    ("mse-empty", lambda: L.MSELoss()(np.zeros(0), np.zeros(0)), "MSELoss", "(0,)"),
    ("mae-list", lambda: L.MAELoss()([1.0], np.zeros(1)), "MAELoss", "list"),
    ("mae-target-list", lambda: L.MAELoss()(np.zeros(1), [1.0]), "MAELoss", "list"),
    ("bce-prob-above-one", lambda: L.BCELoss()(np.array([0.5, 1.5]), np.ones(2)), "BCELoss",
     "1.5"),
    ("bce-prob-negative", lambda: L.BCELoss()(np.array([-0.25, 0.5]), np.ones(2)), "BCELoss",
     "-0.25"),
    ("bce-target-two", lambda: L.BCELoss()(np.full(2, 0.5), np.array([0.0, 2.0])), "BCELoss",
     "2"),
    ("bce-base-one", lambda: L.BCELoss(base=1), "BCELoss", "1"),
    ("bce-eps-zero", lambda: L.BCELoss(eps=0), "BCELoss", "0"),
    ("bce-shape", lambda: L.BCELoss()(np.full((3, 1), 0.5), np.ones(3)), "BCELoss", "(3,)"),
    ("bcelogits-target", lambda: L.BCEWithLogitsLoss()(np.zeros(2), np.array([-1.0, 1.0])),
     "BCEWithLogitsLoss", "-1"),
    ("bcelogits-nan", lambda: L.BCEWithLogitsLoss()(np.array([np.nan]), np.ones(1)),
     "BCEWithLogitsLoss", "NaN"),
    ("ce-class-too-large", lambda: L.CrossEntropyLoss()(np.zeros((4, 3)), np.array([0, 1, 3, 2])),
     "CrossEntropyLoss", "got 3 at position 2"),
    ("ce-class-negative", lambda: L.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0, -1])),
     "CrossEntropyLoss", "-1"),
    ("ce-float-classes", lambda: L.CrossEntropyLoss()(np.zeros((2, 3)), np.array([0.0, 1.0])),
     "CrossEntropyLoss", "float64"),
    ("ce-one-hot", lambda: L.CrossEntropyLoss()(np.zeros((2, 3)), np.eye(3, dtype=int)[:2]),
     "CrossEntropyLoss", "(2, 3)"),
    ("ce-1d-logits", lambda: L.CrossEntropyLoss()(np.zeros(4), np.zeros(4, dtype=int)),
     "CrossEntropyLoss", "(4,)"),
    ("ce-empty", lambda: L.CrossEntropyLoss()(np.zeros((0, 3)), np.zeros(0, dtype=int)),
     "CrossEntropyLoss", "(0, 3)"),
    ("ce-target-length", lambda: L.CrossEntropyLoss()(np.zeros((4, 3)), np.zeros(5, dtype=int)),
     "CrossEntropyLoss", "(5,)"),
    ("nll-probabilities", lambda: L.NLLLoss()(np.full((2, 2), 0.7), np.array([0, 1])),
     "NLLLoss", "0.7"),
    ("loss-reduction", lambda: L.CrossEntropyLoss(reduction="avg"), "CrossEntropyLoss", "'avg'"),
    # functional
    ("F-sigmoid-slope", lambda: F.sigmoid(X, a=0), "sigmoid", "0"),
    ("F-tanh-slope-inf", lambda: F.tanh(X, a=float("inf")), "tanh", "inf"),
    ("F-leaky-slope", lambda: F.leaky_relu(X, 1.5), "leaky_relu", "1.5"),
    ("F-softmax-axis", lambda: F.softmax(X, axis=2), "softmax", "(3, 4)"),
    ("F-logsumexp-scalar", lambda: F.logsumexp(3.0), "logsumexp", "()"),
    # init
    ("init-bias-rank", lambda: init.xavier_uniform_(np.zeros(5)), "xavier_uniform_", "(5,)"),
    ("init-mode", lambda: init.kaiming_normal_(np.zeros((3, 2)), mode="fan_avg"),
     "kaiming_normal_", "'fan_avg'"),
    ("init-std-negative", lambda: init.normal_(np.zeros(3), std=-1.0), "normal_", "-1.0"),
    ("init-uniform-order", lambda: init.uniform_(np.zeros(3), 2.0, 1.0), "uniform_", "a=2.0"),
    ("init-seed-and-rng", lambda: init.normal_(np.zeros(3), rng=np.random.default_rng(0), seed=5),
     "normal_", "seed=5"),
    ("init-gain-name", lambda: init.calculate_gain("swish"), "calculate_gain", "'swish'"),
    ("init-rng-type", lambda: init.make_rng("abc"), "make_rng", "str"),
    ("init-int-tensor", lambda: init.constant_(np.zeros(3, dtype=np.int64), 1.0), "constant_",
     "int64"),
    ("init-not-array", lambda: init.zeros_([0.0, 0.0]), "constant_", "list"),
    ("init-empty-weight", lambda: init.kaiming_uniform_(np.zeros((0, 3))), "kaiming_uniform_",
     "(0, 3)"),
    # gradcheck
    ("gradcheck-float32", lambda: check_loss(L.MSELoss(), np.zeros(2, np.float32), np.zeros(2)),
     "check_loss", "float32"),
]


def test_there_are_at_least_25_distinct_cases():
    ids = [c[0] for c in CASES]
    assert len(set(ids)) == len(ids) >= 25


@pytest.mark.parametrize("case_id,call,component,received", CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_a_helpful_value_error(case_id, call, component, received):
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    assert message.startswith(component + ":") or f"{component}:" in message, message
    assert received in message, message
    assert "expected" in message, message
