"""Tests for dlcore.train: fit, evaluate, predict, History, early stopping, divergence."""

import numpy as np
import pytest

from dlcore import data, optim, train
from dlcore.layers import Linear, ReLU, Tanh
from dlcore.losses import CrossEntropyLoss, MSELoss
from dlcore.module import Module, Sequential


def mlp(seed=0, hidden=16, out=2):
    return Sequential(Linear(2, hidden, seed=seed), Tanh(), Linear(hidden, out, seed=seed + 1))


@pytest.fixture(scope="module")
def moons():
    X, y = data.moons(200, noise=0.1, seed=0)
    return data.train_test_split(X, y, test_size=0.25, seed=0, stratify=True)


# ---------------------------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------------------------


def test_fit_learns_moons_and_records_history(moons):
    Xtr, Xva, ytr, yva = moons
    model = mlp()
    hist = train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                     Xtr, ytr, epochs=60, batch_size=16, X_val=Xva, y_val=yva)
    assert isinstance(hist, train.History)
    assert hist.epochs == 60 and hist.stopped_epoch is None and not hist.diverged
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert len(hist[key]) == 60
    assert hist.train_loss[-1] < 0.5 * hist.train_loss[0]
    assert hist.val_accuracy[-1] > 0.9
    assert len(hist.step_loss) == 60 * 10  # 150 samples in batches of 16
    assert hist.best_epoch == int(np.argmin(hist.val_loss)) + 1
    d = hist.as_dict()
    assert d["best_epoch"] == hist.best_epoch and d["val_accuracy"] == hist.val_accuracy
    assert "History(epochs=60" in repr(hist)
    scores = train.evaluate(model, Xva, yva, CrossEntropyLoss())
    assert scores["loss"] == pytest.approx(hist.val_loss[-1])
    assert scores["accuracy"] == pytest.approx(hist.val_accuracy[-1])


def test_same_seed_gives_bit_identical_parameters(moons):
    Xtr, _, ytr, _ = moons

    def run(seed):
        model = mlp()
        train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.3, momentum=0.9),
                  Xtr, ytr, epochs=5, batch_size=8, seed=seed)
        return [p.data.copy() for p in model.parameters()]

    a, b, c = run(7), run(7), run(8)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa, pb)
    assert any(not np.array_equal(pa, pc) for pa, pc in zip(a, c, strict=True))


def test_full_batch_epoch_is_one_gradient_step():
    X, y = data.sine_regression(20, seed=0)
    model = Sequential(Linear(1, 1, seed=0))
    w0, b0 = model.layers[0].weight.data.copy(), model.layers[0].bias.data.copy()
    train.fit(model, MSELoss(), optim.SGD(model.parameters(), lr=0.1), X, y, epochs=1,
              batch_size=20, shuffle=False)
    err = X @ w0.T + b0 - y                       # (N, 1)
    w1 = w0 - 0.1 * 2 * (err.T @ X) / 20
    b1 = b0 - 0.1 * 2 * err.sum(axis=0) / 20
    np.testing.assert_allclose(model.layers[0].weight.data, w1, rtol=1e-12)
    np.testing.assert_allclose(model.layers[0].bias.data, b1, rtol=1e-12)


def test_regression_has_no_accuracy_by_default():
    X, y = data.sine_regression(64, noise=0.05, seed=1)
    model = Sequential(Linear(1, 16, seed=0), Tanh(), Linear(16, 1, seed=1))
    hist = train.fit(model, MSELoss(), optim.Adam(model.parameters(), lr=0.01), X, y, epochs=30,
                     batch_size=16)
    assert set(hist.history) == {"loss"}
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert hist.best_epoch == int(np.argmin(hist.train_loss)) + 1


def test_early_stopping_restores_best_parameters(moons):
    Xtr, Xva, ytr, yva = moons
    model = mlp(hidden=32)
    stopper = train.EarlyStopping(patience=3, min_delta=0.0, restore_best=True)
    # a large learning rate makes validation loss bounce, so patience runs out early
    hist = train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=3.0),
                     Xtr, ytr, epochs=200, batch_size=150, X_val=Xva, y_val=yva,
                     early_stopping=stopper)
    assert hist.stopped_epoch is not None and hist.stopped_epoch < 200
    assert hist.stopped_epoch - hist.best_epoch == 3
    best = hist.val_loss[hist.best_epoch - 1]
    assert best == min(hist.val_loss)
    assert train.evaluate(model, Xva, yva, CrossEntropyLoss())["loss"] == pytest.approx(best)


def test_early_stopping_spec_forms(moons):
    Xtr, Xva, ytr, yva = moons
    for spec in (2, {"patience": 2, "restore_best": False}):
        model = mlp()
        hist = train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=3.0),
                         Xtr, ytr, epochs=200, batch_size=150, X_val=Xva, y_val=yva,
                         early_stopping=spec)
        assert hist.stopped_epoch - hist.best_epoch == 2


def test_callbacks_log_every_and_progress(moons, capsys):
    Xtr, _, ytr, _ = moons
    seen = []

    def stop_at_three(epoch, logs):
        seen.append((epoch, sorted(logs)))
        return epoch == 3

    model = mlp()
    hist = train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), Xtr, ytr,
                     epochs=10, callbacks=[stop_at_three], log_every=2, progress=True)
    assert hist.stopped_epoch == 3 and hist.epochs == 3
    assert seen[0] == (1, ["accuracy", "loss"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("epoch  2/10: loss ")


def test_nonfinite_loss_raises_with_epoch_and_step():
    X, y = data.sine_regression(32, seed=0)
    X = X * 100.0
    model = Sequential(Linear(1, 1, seed=0))
    with pytest.raises(FloatingPointError) as info:
        train.fit(model, MSELoss(), optim.SGD(model.parameters(), lr=10.0), X, y, epochs=50,
                  batch_size=8)
    msg = str(info.value)
    assert "epoch" in msg and "step" in msg and "of 4" in msg and "learning rate" in msg


def test_divergence_in_hidden_layer_is_reported_not_a_shape_error(moons):
    Xtr, _, ytr, _ = moons
    model = Sequential(Linear(2, 4, seed=0), Linear(4, 2, seed=1))
    model.layers[0].weight.data[0, 0] = np.inf  # as if an update had overflowed
    # the second layer refuses the inf activations; fit reports the divergence instead
    with pytest.raises(FloatingPointError, match="parameters became NaN or inf at epoch 1, "
                                                 "step 1 of 10.*learning rate"):
        train.fit(model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1),
                  Xtr, ytr, epochs=5, batch_size=16)


@pytest.mark.parametrize("on_nonfinite", ["raise", "stop"])
def test_activations_overflowing_with_finite_weights_are_divergence(moons, on_nonfinite):
    """Huge but finite weights make a hidden layer's output inf; the ReLU after it refuses that
    input. With finite data this is divergence (reported or stopped), not a ValueError."""
    Xtr, _, ytr, _ = moons
    model = Sequential(Linear(2, 4, seed=0), ReLU(), Linear(4, 2, seed=1))
    model.layers[0].weight.data[:] = 1e308  # finite, but x @ W.T overflows to inf
    args = (model, CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), Xtr * 10, ytr)
    if on_nonfinite == "raise":
        with pytest.raises(FloatingPointError, match="activations inside the model became NaN"):
            train.fit(*args, epochs=2, batch_size=16)
    else:
        hist = train.fit(*args, epochs=2, batch_size=16, on_nonfinite="stop")
        assert hist.diverged


def test_nan_in_the_data_is_not_called_divergence(moons):
    Xtr, _, ytr, _ = moons
    X = Xtr.copy()
    X[5, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train.fit(mlp(), CrossEntropyLoss(), optim.SGD(mlp().parameters(), lr=0.1), X, ytr,
                  epochs=1, batch_size=200, shuffle=False)


def test_nonfinite_stop_mode_keeps_history():
    X, y = data.sine_regression(32, seed=0)
    model = Sequential(Linear(1, 1, seed=0))
    hist = train.fit(model, MSELoss(), optim.SGD(model.parameters(), lr=10.0), X * 100.0, y,
                     epochs=50, batch_size=8, on_nonfinite="stop")
    assert hist.diverged and hist.stopped_epoch == hist.epochs
    assert not np.isfinite(hist.train_loss[-1])


class _ModeProbe(Module):
    """Identity that records the mode it ran in."""

    def __init__(self):
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return x

    def backward(self, grad_out):
        return grad_out


def test_predict_and_evaluate_use_eval_mode_and_restore_it():
    probe = _ModeProbe()
    X = np.eye(3)
    out = train.predict(probe, X, batch_size=2)
    np.testing.assert_array_equal(out, X)
    assert probe.modes == [False, False] and probe.training is True
    probe.eval()
    scores = train.evaluate(probe, X, np.array([0, 1, 2]))
    assert scores == {"accuracy": 1.0} and probe.training is False


def test_accuracy_conventions():
    scores = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 0.5]])
    assert train.accuracy(scores, np.array([0, 1, 1])) == pytest.approx(2 / 3)
    assert train.accuracy(scores, np.eye(2)[[0, 1, 1]]) == pytest.approx(2 / 3)
    prob = np.array([[0.9], [0.2], [0.6]])
    assert train.accuracy(prob, np.array([[1], [0], [0]])) == pytest.approx(2 / 3)
    signed = np.array([0.3, -0.2, -0.1])
    assert train.accuracy(signed, np.array([1, -1, 1])) == pytest.approx(2 / 3)
    assert train.accuracy(np.array([-0.1, 0.2]), np.array([0, 1]), threshold=0) == 1.0


# ---------------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------------
def _fit(**kw):
    X, y = data.moons(20, seed=0)
    model = mlp()
    args = dict(model=model, loss_fn=CrossEntropyLoss(), optimizer=optim.SGD(model.parameters(),
                                                                             lr=0.1),
                X=X, y=y, epochs=1)
    args.update(kw)
    return train.fit(**args)


@pytest.mark.parametrize("kw, received", [
    ({"y": np.zeros(19, int)}, "(19,)"),
    ({"epochs": 0}, "got 0"),
    ({"batch_size": 0}, "got 0"),
    ({"early_stopping": 3}, "got none"),
    ({"X_val": np.zeros((4, 2))}, "only X_val"),
    ({"X_val": np.zeros((4, 2)), "y_val": np.zeros(3, int)}, "(3,)"),
    ({"on_nonfinite": "ignore"}, "'ignore'"),
    ({"metrics": ("f1",)}, "'f1'"),
    ({"early_stopping": "yes"}, "'yes'"),
    ({"seed": -3}, "-3"),
])
def test_fit_bad_input(kw, received):
    with pytest.raises(ValueError) as info:
        _fit(**kw)
    msg = str(info.value)
    assert msg.startswith("fit:") and "expected" in msg and received in msg, msg


def test_other_bad_input():
    with pytest.raises(ValueError, match=r"^EarlyStopping: expected patience .* got -1"):
        train.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match=r"^predict: expected batch_size .* got 1.5"):
        train.predict(mlp(), np.zeros((2, 2)), batch_size=1.5)
    with pytest.raises(ValueError, match=r"^accuracy: expected .* got \(3, 2\)"):
        train.accuracy(np.zeros((3, 1)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match=r"^evaluate: expected y .* got \(2,\)"):
        train.evaluate(mlp(), np.zeros((3, 2)), np.zeros(2, int))
