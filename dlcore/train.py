"""The minibatch training loop, evaluation and prediction.

One step of :func:`fit` is the book's four steps (알고리즘 3-6, minibatch SGD)::

    model.train()
    optimizer.zero_grad()
    pred = model(X_batch)                     # 1. forward
    value = loss_fn(pred, y_batch)            # 2. loss (a float)
    model.backward(loss_fn.backward())        # 3. backward: dL/dpred, then through the model
    optimizer.step()                          # 4. update the parameters

Epochs are numbered from 1. Shuffling uses a host ``numpy.random.Generator`` seeded with ``seed``,
so two runs with the same seed (and the same initial parameters) give bit-identical results.
"""

from __future__ import annotations

import contextlib
import math

from ._validate import NonFiniteInputError, check_bool, is_int, is_real
from .backend import to_device, xp
from .data import host_rng, minibatches

__all__ = ["fit", "evaluate", "predict", "accuracy", "History", "EarlyStopping"]


# ---------------------------------------------------------------------------------------------
# metrics
# ---------------------------------------------------------------------------------------------
def _class_targets(y, n, where):
    """Labels ``(N,)`` from labels ``(N,)`` / ``(N, 1)`` or one-hot ``(N, C)``."""
    if y.shape[0] != n:
        raise ValueError(f"{where}: expected targets for N={n} samples, got shape {tuple(y.shape)}")
    if y.ndim == 2 and y.shape[1] > 1:
        return xp.argmax(y, axis=1)
    if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1):
        return y.reshape(n)
    raise ValueError(f"{where}: expected labels (N,) or one-hot targets (N, C), "
                     f"got shape {tuple(y.shape)}")


def _default_threshold(y):
    """The threshold rule for one output per sample: 0 for −1/+1 targets (any −1 among them),
    0.5 for 0/1 targets."""
    return 0.0 if bool(xp.any(xp.asarray(y) < 0)) else 0.5


def accuracy(pred, y, threshold=None):
    """Fraction of correctly classified samples, a float in [0, 1].

    - Several outputs ``pred (N, C)``: the class is ``argmax``; ``y`` is ``(N,)`` labels or
      ``(N, C)`` one-hot.
    - One output ``pred (N, 1)`` or ``(N,)``: with −1/+1 targets (perceptron) the class is the
      sign (threshold 0), with 0/1 targets it is ``pred >= 0.5`` (a sigmoid probability). Pass
      ``threshold=0`` for logits. Without ``threshold`` the rule is read from ``y`` (any −1
      means −1/+1 targets): :func:`fit` and :func:`evaluate` fix it once from all their
      targets, so that a minibatch holding only +1 labels is scored by the same rule.
    """
    where = "accuracy"
    if threshold is not None and (not is_real(threshold) or not math.isfinite(threshold)):
        raise ValueError(f"{where}: expected threshold to be a finite number or None, got "
                         f"{threshold!r}")
    for name, a in (("pred", pred), ("y", y)):
        if not hasattr(a, "shape") and not isinstance(a, (list, tuple)):
            raise ValueError(f"{where}: expected {name} to be an array, got {type(a).__name__}")
    pred, y = xp.asarray(pred), xp.asarray(y)  # host labels meet CuPy predictions (no-op: NumPy)
    if pred.ndim == 0 or y.ndim == 0:
        raise ValueError(f"{where}: expected arrays with one row per sample, got pred of "
                         f"shape {tuple(pred.shape)} and y of shape {tuple(y.shape)}")
    n = pred.shape[0]
    if n == 0:
        raise ValueError(f"{where}: expected at least one sample, got an empty pred "
                         f"{tuple(pred.shape)}")
    if pred.ndim == 2 and pred.shape[1] > 1:
        guess = xp.argmax(pred, axis=1)
        return float(xp.mean(guess == _class_targets(y, n, where)))
    if not (pred.ndim == 1 or (pred.ndim == 2 and pred.shape[1] == 1)):
        raise ValueError(f"{where}: expected predictions (N,), (N, 1) or (N, C), "
                         f"got {tuple(pred.shape)}")
    if y.ndim == 2 and y.shape[1] != 1:
        raise ValueError(f"{where}: expected targets (N,) or (N, 1) for one output per sample "
                         f"{tuple(pred.shape)}, got {tuple(y.shape)}")
    target = _class_targets(y, n, where)
    signed = bool(xp.any(target < 0))
    if threshold is None:
        threshold = _default_threshold(target)
    positive = pred.reshape(n) >= threshold
    guess = xp.where(positive, 1, -1 if signed else 0)
    return float(xp.mean(guess == target))


def _looks_like_labels(y):
    """True for integer labels, one-hot rows, or 0/1 and −1/+1 targets."""
    if y.dtype.kind in "iub":
        return True
    values = xp.unique(y)
    return bool(values.size <= 2 and xp.all((values == 0) | (values == 1) | (values == -1)))


def _accuracy_with_rule(y):
    """``accuracy`` with the threshold rule fixed from all targets ``y`` (one rule per fit)."""
    threshold = _default_threshold(y)

    def accuracy_fixed(pred, target):
        return accuracy(pred, target, threshold=threshold)

    accuracy_fixed.__name__ = "accuracy"
    return accuracy_fixed


def _metric_fns(metrics, y, where):
    if isinstance(metrics, dict):
        return dict(metrics)
    if metrics is None:
        metrics = ("accuracy",) if _looks_like_labels(y) else ()
    if isinstance(metrics, str) or callable(metrics):
        metrics = (metrics,)
    if not hasattr(metrics, "__iter__"):
        raise ValueError(f"{where}: expected metrics as 'accuracy', callables f(pred, y) -> "
                         f"float, a dict or None, got {metrics!r}")
    fns = {}
    for m in metrics:
        if m == "accuracy":
            fns["accuracy"] = _accuracy_with_rule(y)
        elif callable(m):
            fns[getattr(m, "__name__", type(m).__name__)] = m
        else:
            raise ValueError(f"{where}: expected metrics as 'accuracy' or callables "
                             f"f(pred, y) -> float, got {m!r}")
    return fns


# ---------------------------------------------------------------------------------------------
# history and early stopping
# ---------------------------------------------------------------------------------------------
class History:
    """What :func:`fit` recorded, epoch by epoch (lists indexed from epoch 1 at position 0).

    Attributes:
        history: dict of lists: ``"loss"`` (mean training loss of the epoch), training metrics
            (e.g. ``"accuracy"``, measured on the minibatches as they were trained), and with
            validation data ``"val_loss"`` and ``"val_<metric>"``.
        step_loss: the loss of every minibatch step, in order.
        best_epoch: epoch (1-based) with the lowest monitored loss (``val_loss`` when there is
            validation data, else ``loss``).
        stopped_epoch: epoch at which early stopping, a callback or a non-finite loss ended
            training; ``None`` if all epochs ran.
        diverged: True when training stopped on a non-finite loss (``on_nonfinite="stop"``).
    """

    def __init__(self):
        self.history = {}
        self.step_loss = []
        self.best_epoch = None
        self.stopped_epoch = None
        self.diverged = False

    def _append(self, logs):
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)

    @property
    def epochs(self):
        """Number of epochs run."""
        return len(self.history.get("loss", []))

    @property
    def train_loss(self):
        return self.history.get("loss", [])

    @property
    def train_accuracy(self):
        return self.history.get("accuracy", [])

    @property
    def val_loss(self):
        return self.history.get("val_loss", [])

    @property
    def val_accuracy(self):
        return self.history.get("val_accuracy", [])

    def __getitem__(self, key):
        return self.history[key]

    def as_dict(self):
        """Plain dict: the per-epoch lists plus ``best_epoch``, ``stopped_epoch``, ``diverged``,
        ``step_loss``."""
        out = {k: list(v) for k, v in self.history.items()}
        out.update(best_epoch=self.best_epoch, stopped_epoch=self.stopped_epoch,
                   diverged=self.diverged, step_loss=list(self.step_loss))
        return out

    def __repr__(self):
        last = ", ".join(f"{k}={v[-1]:.4f}" for k, v in self.history.items() if v)
        return (f"History(epochs={self.epochs}, best_epoch={self.best_epoch}, "
                f"stopped_epoch={self.stopped_epoch}{', ' + last if last else ''})")


class EarlyStopping:
    """Stop when the monitored value has not improved for ``patience`` epochs (Prechelt 1998).

    Args:
        patience: stop at the ``patience``-th epoch in a row without improvement (as Keras
            does); an epoch that improves never stops training, so ``patience=0`` stops at
            the first epoch that does not improve (like ``patience=1``).
        min_delta: an improvement must exceed this amount.
        restore_best: put back the parameters of the best epoch when training ends.
        monitor: ``"val_loss"`` (default; lower is better) or e.g. ``"val_accuracy"`` (names
            ending in ``accuracy`` are maximised).
    """

    def __init__(self, patience=10, min_delta=0.0, restore_best=True, monitor="val_loss"):
        where = "EarlyStopping"
        if not is_int(patience) or patience < 0:
            raise ValueError(f"{where}: expected patience to be an integer >= 0, got {patience!r}")
        if not is_real(min_delta) or not math.isfinite(min_delta) or not min_delta >= 0:
            raise ValueError(f"{where}: expected min_delta >= 0, got {min_delta!r}")
        self.patience, self.min_delta = int(patience), float(min_delta)
        if not isinstance(monitor, str):
            raise ValueError(f"{where}: expected monitor to be a name such as 'val_loss', got "
                             f"{monitor!r}")
        self.restore_best = check_bool(restore_best, where, "restore_best")
        self.monitor = monitor
        self.maximize = self.monitor.endswith("accuracy")

    def improved(self, value, best):
        if best is None:
            return True
        return value > best + self.min_delta if self.maximize else value < best - self.min_delta

    def __repr__(self):
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best={self.restore_best}, monitor={self.monitor!r})")


def _early_stopping(spec, where):
    if spec is None or isinstance(spec, EarlyStopping):
        return spec
    if isinstance(spec, dict):
        return EarlyStopping(**spec)
    if is_int(spec):
        return EarlyStopping(patience=int(spec))
    raise ValueError(f"{where}: expected early_stopping as None, an int patience, a dict or "
                     f"EarlyStopping(...), got {spec!r}")


# ---------------------------------------------------------------------------------------------
# evaluation and prediction
# ---------------------------------------------------------------------------------------------
def _check_xy(X, y, where, names=("X", "y")):
    if not hasattr(X, "shape") or len(X.shape) == 0:
        raise ValueError(f"{where}: expected an array {names[0]} of shape (N, ...), "
                         f"got {type(X).__name__}")
    if X.shape[0] == 0:
        raise ValueError(f"{where}: expected at least one sample in {names[0]}, got an empty "
                         f"array of shape {tuple(X.shape)}")
    if y is not None and (not hasattr(y, "shape") or len(y.shape) == 0
                          or y.shape[0] != X.shape[0]):
        raise ValueError(f"{where}: expected {names[1]} with the same number of samples as "
                         f"{names[0]} {tuple(X.shape)}, got {tuple(getattr(y, 'shape', ()))}")


def _batch_size(value, where):
    if not is_int(value) or value < 1:
        raise ValueError(f"{where}: expected batch_size to be a positive integer, got {value!r}")
    return int(value)


def _modes(model):
    """Every sub-module with its own ``training`` flag, to put back after evaluation."""
    modules = model.modules() if hasattr(model, "modules") else [model]
    return [(m, getattr(m, "training", True)) for m in modules]


def _restore_modes(saved):
    for m, mode in saved:
        m.training = mode


def _reduction(loss_fn):
    """'sum' when the loss adds up its batch (the epoch loss is then the sum over all samples),
    else 'mean' (the epoch loss is the mean over all samples, batches weighted by size)."""
    return "sum" if getattr(loss_fn, "reduction", "mean") == "sum" else "mean"


def predict(model, X, batch_size=256):
    """Outputs of ``model`` for ``X`` in inference mode (``model.eval()``), batch by batch.

    Args:
        X: ``(N, ...)`` inputs.
    Returns:
        ``(N, ...)`` outputs (backend array). Every sub-module's own mode is restored
        afterwards (a batch norm that was in evaluation mode inside a training network stays
        so).
    """
    where = "predict"
    if not callable(model) or not hasattr(model, "eval"):
        raise ValueError(f"{where}: expected a dlcore Module, got {type(model).__name__}")
    _check_xy(X, None, where)
    batch_size = _batch_size(batch_size, where)
    X = to_device(X)
    saved = _modes(model)
    model.eval()
    try:
        outs = [model(X[i:i + batch_size]) for i in range(0, X.shape[0], batch_size)]
    finally:
        _restore_modes(saved)
    return xp.concatenate(outs, axis=0)


def evaluate(model, X, y, loss_fn=None, batch_size=256, metrics=None):
    """Loss and metrics of ``model`` on ``(X, y)`` in inference mode.

    Args:
        X: ``(N, ...)`` inputs; y: ``(N, ...)`` targets.
        loss_fn: a dlcore loss (``loss_fn(pred, target) -> float``, mean over the batch), or
            ``None`` to skip the loss.
        metrics: ``("accuracy",)``, callables ``f(pred, y) -> float`` (or a dict name → callable),
            or ``None`` for accuracy when ``y`` holds class labels.
    Returns:
        dict like ``{"loss": 0.1234, "accuracy": 0.97}`` (Python floats).
    """
    where = "evaluate"
    _check_xy(X, y, where)
    batch_size = _batch_size(batch_size, where)
    y = to_device(y)
    pred = predict(model, X, batch_size)
    logs = {}
    if loss_fn is not None:
        n, total = X.shape[0], 0.0
        weighted = _reduction(loss_fn) == "mean"
        for i in range(0, n, batch_size):
            part = pred[i:i + batch_size]
            value = float(loss_fn(part, y[i:i + batch_size]))
            total += value * part.shape[0] if weighted else value
        logs["loss"] = total / n if weighted else total
    for name, fn in _metric_fns(metrics, y, where).items():
        logs[name] = float(fn(pred, y))
    return logs


# ---------------------------------------------------------------------------------------------
# fit
# ---------------------------------------------------------------------------------------------
class _Diverged(Exception):
    """Internal: the forward pass or the loss stopped being finite."""


def _train_step(model, loss_fn, optimizer, Xb, yb):
    """Forward, loss, backward, update for one minibatch; returns ``(loss value, pred)``.

    Raises ``_Diverged`` (with what happened) when the parameters, the outputs or the loss are
    no longer finite; any other error (wrong shapes, NaN in the data) propagates unchanged.
    """
    if hasattr(optimizer, "zero_grad"):
        optimizer.zero_grad()
    else:  # pragma: no cover - any optimiser of dlcore has zero_grad
        model.zero_grad()
    try:
        pred = model(Xb)
    except ValueError as exc:  # a layer refused NaN/inf activations coming from broken weights
        if not _parameters_finite(model):
            raise _Diverged("the parameters became NaN or inf") from exc
        if isinstance(exc, NonFiniteInputError) and bool(xp.isfinite(Xb).all()):
            # finite data and finite weights, yet a layer inside got inf: the activations
            # overflowed (weights grown huge), which is divergence, not bad input
            raise _Diverged("the activations inside the model became NaN or inf") from exc
        raise
    if not bool(xp.isfinite(pred).all()):
        raise _Diverged("the model's outputs became NaN or inf")
    value = float(loss_fn(pred, yb))
    if not math.isfinite(value):
        raise _Diverged(f"the loss became {value}")
    model.backward(loss_fn.backward())
    optimizer.step()
    return value, pred


def _nonfinite_message(what, epoch, step, steps):
    return (f"fit: {what} at epoch {epoch}, step {step} of {steps}. Training diverged; try a "
            "smaller learning rate (e.g. ten times smaller), check the inputs for NaN/inf and "
            "their scale (standardise them), or clip the gradients.")


def _quiet_overflow():
    """Silence NumPy's overflow warnings: fit detects NaN/inf itself and says where."""
    errstate = getattr(xp, "errstate", None)  # CuPy has none (and does not warn)
    if errstate is None:  # pragma: no cover - depends on the backend
        return contextlib.nullcontext()
    return errstate(over="ignore", invalid="ignore", divide="ignore")


def _parameters_finite(model):
    return all(bool(xp.isfinite(p.data).all()) for p in model.parameters())


def _snapshot(model):
    return {k: xp.array(v, copy=True) for k, v in model.state_dict().items()}


def _format_logs(epoch, epochs, logs):
    parts = ", ".join(f"{k} {v:.4f}" for k, v in logs.items())
    return f"epoch {epoch:>{len(str(epochs))}}/{epochs}: {parts}"


def _progress_bar(progress, epochs):
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="epochs", leave=False)


def _run_epoch(model, loss_fn, optimizer, X, y, batch_size, shuffle, rng, fns, history, epoch,
               on_nonfinite, drop_last=False):
    """Train for one epoch; returns the epoch's training logs, or ``None`` after a divergence.

    The epoch loss is the mean over the samples trained on (each minibatch's mean weighted by
    its size), or their sum for a ``reduction='sum'`` loss; either way it does not depend on
    the batch size. Metrics are weighted by batch size too.
    """
    model.train()
    n = X.shape[0]
    steps = n // batch_size if drop_last else -(-n // batch_size)
    weighted = _reduction(loss_fn) == "mean"
    total, sums, seen = 0.0, dict.fromkeys(fns, 0.0), 0
    batches = minibatches(X, y, batch_size, shuffle=shuffle, rng=rng, drop_last=drop_last)
    for step, (Xb, yb) in enumerate(batches, start=1):
        try:
            with _quiet_overflow():
                value, pred = _train_step(model, loss_fn, optimizer, Xb, yb)
        except _Diverged as exc:
            history.step_loss.append(math.nan)
            if on_nonfinite == "raise":
                message = _nonfinite_message(str(exc), epoch, step, steps)
                raise FloatingPointError(message) from exc.__cause__
            history._append({"loss": math.nan})
            return None
        history.step_loss.append(value)
        m = Xb.shape[0]
        seen += m
        total += value * m if weighted else value
        for name, fn in fns.items():
            sums[name] += float(fn(pred, yb)) * m
    return {"loss": total / seen if weighted else total,
            **{k: v / seen for k, v in sums.items()}}


def fit(model, loss_fn, optimizer, X, y, epochs=10, batch_size=32, shuffle=True, seed=0,
        X_val=None, y_val=None, metrics=None, early_stopping=None, progress=False,
        callbacks=None, log_every=None, on_nonfinite="raise", drop_last=False):
    """Train ``model`` with minibatches for ``epochs`` epochs (알고리즘 3-6).

    Args:
        model: a :class:`dlcore.Module` (``forward``, ``backward``, ``train``/``eval``).
        loss_fn: a dlcore loss: ``loss_fn(pred, target) -> float`` (mean over the batch),
            ``loss_fn.backward() -> dL/dpred``.
        optimizer: a dlcore optimiser over ``model.parameters()`` (``zero_grad``, ``step``).
        X: ``(N, ...)`` inputs; y: ``(N, ...)`` targets, in the shape the loss expects.
        epochs, batch_size: passes over the data and samples per step (``batch_size=N`` is
            batch gradient descent, 1 is stochastic gradient descent).
        shuffle, seed: visit the samples in a new random order every epoch, drawn from a
            generator seeded with ``seed``.
        X_val, y_val: validation data, evaluated after every epoch in inference mode.
        metrics: ``("accuracy",)``, callables ``f(pred, y) -> float`` or ``()``; ``None`` means
            accuracy when ``y`` holds class labels, nothing for regression targets.
        early_stopping: ``EarlyStopping(patience, min_delta, restore_best)``, a dict of its
            arguments, or an int patience; needs validation data when monitoring ``val_*``.
        progress: show a tqdm progress bar over epochs (``tqdm.auto``; off by default so that
            stored notebook outputs stay clean).
        callbacks: callables ``cb(epoch, logs)`` run after every epoch; one that returns True
            stops training.
        log_every: print one rounded line of logs every ``log_every`` epochs (and the last).
        on_nonfinite: ``"raise"`` (default) raises ``FloatingPointError`` naming the epoch and
            step when the loss becomes NaN or inf; ``"stop"`` ends training and sets
            ``history.diverged``.
        drop_last: skip the last minibatch of an epoch when it is smaller than ``batch_size``
            (default False). Batch norm cannot train on a minibatch of one sample (N % batch_size
            == 1 leaves one), so networks with batch norm may need it.
    Returns:
        :class:`History`.
    """
    where = "fit"
    _check_xy(X, y, where)
    if (X_val is None) != (y_val is None):
        raise ValueError(f"{where}: expected X_val and y_val together, got only "
                         f"{'X_val' if y_val is None else 'y_val'}")
    if X_val is not None:
        _check_xy(X_val, y_val, where, names=("X_val", "y_val"))
    if not is_int(epochs) or epochs < 1:
        raise ValueError(f"{where}: expected epochs to be a positive integer, got {epochs!r}")
    batch_size = _batch_size(batch_size, where)
    drop_last = check_bool(drop_last, where, "drop_last")
    if log_every is not None and (not is_int(log_every) or log_every < 1):
        raise ValueError(f"{where}: expected log_every to be a positive integer or None, got "
                         f"{log_every!r}")
    if drop_last and X.shape[0] < batch_size:
        raise ValueError(f"{where}: expected at least batch_size={batch_size} samples with "
                         f"drop_last=True (every minibatch would be dropped), got "
                         f"{X.shape[0]}")
    if not callable(loss_fn) or not hasattr(loss_fn, "backward"):
        raise ValueError(f"{where}: expected a dlcore loss (callable, with backward()), got "
                         f"{type(loss_fn).__name__}")
    if not hasattr(optimizer, "step"):
        raise ValueError(f"{where}: expected a dlcore optimiser (with step() and zero_grad()), "
                         f"got {type(optimizer).__name__}")
    if on_nonfinite not in ("raise", "stop"):
        raise ValueError(f"{where}: expected on_nonfinite 'raise' or 'stop', got {on_nonfinite!r}")
    stopper = _early_stopping(early_stopping, where)
    if stopper is not None and stopper.monitor.startswith("val_") and X_val is None:
        raise ValueError(f"{where}: early stopping on {stopper.monitor!r} expected validation "
                         f"data (X_val, y_val), got none")
    X, y = to_device(X), to_device(y)
    fns = _metric_fns(metrics, y, where)
    callbacks = list(callbacks or [])
    rng = host_rng(seed, where)
    history = History()
    monitor = stopper.monitor if stopper else ("val_loss" if X_val is not None else "loss")
    best, best_state, waited = None, None, 0
    bar = _progress_bar(progress, epochs)
    try:
        for epoch in range(1, epochs + 1):
            logs = _run_epoch(model, loss_fn, optimizer, X, y, batch_size, shuffle, rng, fns,
                              history, epoch, on_nonfinite, drop_last)
            if logs is None:
                history.diverged, history.stopped_epoch = True, epoch
                break
            if X_val is not None:
                val = evaluate(model, X_val, y_val, loss_fn, max(batch_size, 256), fns)
                logs.update({f"val_{k}": v for k, v in val.items()})
            history._append(logs)
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items()})
            if log_every and (epoch % log_every == 0 or epoch == epochs):
                print(_format_logs(epoch, epochs, logs))
            if monitor not in logs:
                raise ValueError(f"{where}: early stopping monitors {monitor!r}, but the logs "
                                 f"have only {list(logs)}")
            improved = (stopper.improved(logs[monitor], best) if stopper
                        else best is None or logs[monitor] < best)
            if improved:
                best, history.best_epoch, waited = logs[monitor], epoch, 0
                if stopper is not None and stopper.restore_best:
                    best_state = _snapshot(model)
            else:
                waited += 1
            # stop at the patience-th epoch in a row without improvement, and never at an epoch
            # that improved (patience=0 stops at the first epoch that does not improve)
            stop = stopper is not None and waited > 0 and waited >= stopper.patience
            stop = any([bool(cb(epoch, logs)) for cb in callbacks]) or stop
            if stop:
                history.stopped_epoch = epoch
                break
    finally:
        if bar is not None:
            bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
