"""The CuPy backend gives NumPy's numbers: every layer, loss, optimiser and ``fit`` (float64).

Runs only where CuPy and a CUDA GPU exist; elsewhere the whole module is skipped. Each case
builds its module on the NumPy backend, copies the parameters into the same module built on the
CuPy backend, runs the same forward, backward and optimiser step on both, and compares outputs,
input gradients, parameter gradients and updated parameters to 1e-10 (GPU and CPU sum in
different orders, so the last bits may differ; anything real shows up far above 1e-10).
Random layers (Dropout, StochasticPool2d) get a *host* ``numpy.random.Generator``, so both
backends draw the same masks: CuPy's own generator gives other numbers than NumPy's for the same
seed, which is expected and not tested here.

Every test also runs in an "emulated" variant, on any CPU, with a strict stand-in for CuPy
(NumPy arrays of a separate class that, like CuPy's, refuse to be mixed with host arrays). It
checks dlcore's host/device conversions, not CuPy itself.
"""

from __future__ import annotations

import importlib
import types

import numpy as np
import pytest

import dlcore
from dlcore import losses, optim
from dlcore.backend import to_numpy

RTOL = ATOL = 1e-10
EMULATE = False  # set by the ``device`` fixture


# -- the device backend: CuPy, or the strict CPU stand-in --------------------------------------
def _cupy_with_gpu():
    try:
        cupy = importlib.import_module("cupy")
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no CuPy, no driver, no GPU
        return None


class _DeviceArray(np.ndarray):
    """Stand-in for ``cupy.ndarray``: refuses host arrays in arithmetic and assignment."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _refuse_host(inputs + (out or ()), f"{ufunc.__name__}")
        args = [a.view(np.ndarray) if isinstance(a, _DeviceArray) else a for a in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) for o in out)
        result = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _to_device(result)

    def __setitem__(self, key, value):
        _refuse_host((value,), "__setitem__")
        super().__setitem__(key, value)

    def __array__(self, dtype=None, copy=None):  # CuPy: no implicit conversion to NumPy
        raise TypeError("Implicit conversion to a NumPy array is not allowed (use .get())")

    def get(self):
        return np.array(self.view(np.ndarray), copy=True)


def _refuse_host(values, where):
    for v in values:
        if isinstance(v, np.ndarray) and not isinstance(v, _DeviceArray) and v.ndim > 0:
            raise TypeError(f"{where}: Unsupported type {type(v)} (a host array on the device)")


def _to_device(value):
    if isinstance(value, np.ndarray) and not isinstance(value, _DeviceArray):
        return value.view(_DeviceArray)
    if isinstance(value, tuple):
        return tuple(_to_device(v) for v in value)
    if isinstance(value, list):
        return [_to_device(v) for v in value]
    if isinstance(value, np.random.Generator):
        return _Strict(value, convert=False)
    return value


def _host(value):
    if isinstance(value, _DeviceArray):
        return value.view(np.ndarray)
    if isinstance(value, (tuple, list)):
        return type(value)(_host(v) for v in value)
    return value


class _Strict:
    """Forwards to a NumPy object; calls refuse host arrays (except the converters) and return
    device arrays. Classes and constants pass through."""

    _CONVERTERS = {"asarray", "array", "ascontiguousarray"}

    def __init__(self, target, name="", convert=True):
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_convert", convert)

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if name == "ndarray":
            return _DeviceArray
        if isinstance(attr, type) or not (callable(attr) or isinstance(attr, types.ModuleType)):
            return attr
        return _Strict(attr, name)

    def __call__(self, *args, **kwargs):
        if self._name not in self._CONVERTERS:
            _refuse_host(list(args) + list(kwargs.values()), self._name)
        args = [_host(a) for a in args]
        kwargs = {k: _host(v) for k, v in kwargs.items()}
        return _to_device(self._target(*args, **kwargs))


class _EmulatedCupy(_Strict):
    __name__ = "cupy-emulated"


@pytest.fixture(scope="module", params=["cupy", "emulated"])
def device(request):
    """The device array module: real CuPy (skipped without a GPU), or the strict stand-in, which
    runs everywhere so that CPU-only CI catches host/device mixing too."""
    global EMULATE
    EMULATE = request.param == "emulated"
    if EMULATE:
        yield _EmulatedCupy(np)
        return
    cupy = _cupy_with_gpu()
    if cupy is None:
        pytest.skip("needs CuPy and a CUDA GPU (the 'emulated' variant of this test still runs)")
    yield cupy


@pytest.fixture
def on(device):
    """``on("numpy")`` / ``on("device")`` selects the backend; NumPy is restored afterwards."""
    from dlcore.layers import _workspace

    def select(which):
        _workspace.clear_scratch()
        dlcore.use_backend("numpy" if which == "numpy" else device)
        return dlcore.get_backend()

    try:
        yield select
    finally:
        _workspace.clear_scratch()
        dlcore.use_backend("numpy")


def host(a):
    """A host copy of a device array (the stand-in's arrays are ndarrays in disguise)."""
    return a.get() if isinstance(a, _DeviceArray) else to_numpy(a)


def close(got, expected, what=""):
    np.testing.assert_allclose(host(got), host(expected), rtol=RTOL, atol=ATOL, err_msg=what)


# -- layers: forward, backward, one optimiser step -----------------------------------------------
def _rng():
    return np.random.default_rng(123)  # a host generator: the same masks on both backends


# (id, factory, input shape, input >= 0, train mode)
LAYERS = [
    ("Linear", lambda: dlcore.Linear(5, 4), (6, 5), False, True),
    ("Linear-nobias", lambda: dlcore.Linear(5, 4, bias=False), (6, 5), False, True),
    ("Conv2d-s1p1", lambda: dlcore.Conv2d(2, 3, 3, padding=1), (2, 2, 6, 5), False, True),
    ("Conv2d-s1p0", lambda: dlcore.Conv2d(2, 3, (2, 3)), (2, 2, 6, 5), False, True),
    ("Conv2d-s1p3", lambda: dlcore.Conv2d(2, 3, 3, padding=3), (2, 2, 4, 4), False, True),
    ("Conv2d-s2p1", lambda: dlcore.Conv2d(2, 3, 3, stride=2, padding=1), (2, 2, 7, 6), False,
     True),
    ("Conv2d-s21", lambda: dlcore.Conv2d(2, 3, (3, 2), stride=(2, 1), bias=False), (2, 2, 7, 6),
     False, True),
    ("MaxPool2d", lambda: dlcore.MaxPool2d(2), (2, 3, 6, 6), False, True),
    ("MaxPool2d-ties", lambda: dlcore.MaxPool2d(2), (2, 3, 6, 6), True, True),
    ("MaxPool2d-3x2", lambda: dlcore.MaxPool2d((3, 2)), (2, 3, 7, 5), False, True),
    ("MaxPool2d-overlap", lambda: dlcore.MaxPool2d(3, stride=2), (2, 3, 7, 7), False, True),
    ("AvgPool2d", lambda: dlcore.AvgPool2d(2), (2, 3, 6, 6), False, True),
    ("AvgPool2d-overlap", lambda: dlcore.AvgPool2d(3, stride=1), (2, 3, 5, 5), False, True),
    ("StochasticPool2d-train", lambda: dlcore.StochasticPool2d(2, rng=_rng()), (2, 3, 6, 6),
     True, True),
    ("StochasticPool2d-eval", lambda: dlcore.StochasticPool2d(2, rng=_rng()), (2, 3, 6, 6),
     True, False),
    ("GlobalAvgPool2d", lambda: dlcore.GlobalAvgPool2d(), (2, 3, 4, 5), False, True),
    ("BatchNorm1d-train", lambda: dlcore.BatchNorm1d(4), (6, 4), False, True),
    ("BatchNorm1d-eval", lambda: dlcore.BatchNorm1d(4), (6, 4), False, False),
    ("BatchNorm2d-train", lambda: dlcore.BatchNorm2d(3), (2, 3, 4, 4), False, True),
    ("BatchNorm2d-eval", lambda: dlcore.BatchNorm2d(3), (2, 3, 4, 4), False, False),
    ("Dropout", lambda: dlcore.Dropout(0.3, rng=_rng()), (6, 7), False, True),
    ("Flatten", lambda: dlcore.Flatten(), (2, 3, 4, 4), False, True),
    ("ReLU", lambda: dlcore.ReLU(), (4, 5), False, True),
    ("LeakyReLU", lambda: dlcore.LeakyReLU(0.1), (4, 5), False, True),
    ("Sigmoid", lambda: dlcore.Sigmoid(), (4, 5), False, True),
    ("Sigmoid-a2", lambda: dlcore.Sigmoid(a=2), (4, 5), False, True),
    ("Tanh", lambda: dlcore.Tanh(), (4, 5), False, True),
    ("Tanh-a1", lambda: dlcore.Tanh(a=1), (4, 5), False, True),
    ("Softplus", lambda: dlcore.Softplus(), (4, 5), False, True),
    ("Step", lambda: dlcore.Step(), (4, 5), False, True),
    ("Softmax", lambda: dlcore.Softmax(), (4, 5), False, True),
    ("LogSoftmax", lambda: dlcore.LogSoftmax(), (4, 5), False, True),
    ("ResidualBlock", lambda: dlcore.ResidualBlock(2, 2), (2, 2, 5, 5), False, True),
    ("ResidualBlock-proj", lambda: dlcore.ResidualBlock(2, 4, stride=2), (2, 2, 5, 5), False,
     True),
    ("ResidualBlock-eval", lambda: dlcore.ResidualBlock(2, 4, stride=2), (2, 2, 5, 5), False,
     False),
    ("Sequential-cnn", lambda: dlcore.Sequential(
        dlcore.Conv2d(1, 4, 3, padding=1, bias=False), dlcore.BatchNorm2d(4), dlcore.ReLU(),
        dlcore.MaxPool2d(2), dlcore.Conv2d(4, 4, 3, padding=1), dlcore.ReLU(),
        dlcore.GlobalAvgPool2d(), dlcore.Dropout(0.2, rng=_rng()), dlcore.Linear(4, 3)),
     (3, 1, 8, 8), False, True),
]


def _layer_run(make, x, train):
    """Forward, backward with a fixed upstream gradient, then SGD with momentum."""
    from dlcore.backend import xp

    layer = make()
    layer.train(train)
    out = layer(xp.asarray(x))
    g = xp.asarray(np.random.default_rng(7).standard_normal(tuple(out.shape)))
    dx = layer.backward(g)
    params = layer.parameters()
    grads = [p.grad.copy() for p in params]
    if params:
        opt = optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-3)
        opt.step()
        opt.step()
    buffers = [getattr(m, a).copy() for _, m, a in layer.buffers()]
    return layer, [out, dx, *grads, *[p.data for p in params], *buffers]


@pytest.mark.parametrize("name,make,shape,nonneg,train", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_matches_numpy(on, name, make, shape, nonneg, train):
    x = np.random.default_rng(0).standard_normal(shape)
    if nonneg:
        x = np.maximum(x, 0)  # ReLU-like: many zeros, i.e. ties in every pooling window
    on("numpy")
    reference = make()
    state = {k: np.array(v, copy=True) for k, v in reference.state_dict().items()}
    _, expected = _layer_run(lambda: reference, x, train)

    on("device")

    def make_like_reference():
        layer = make()
        if state:
            layer.load_state_dict(state)  # host arrays: load_state_dict uploads them
        return layer

    layer, got = _layer_run(make_like_reference, x, train)
    for p in layer.parameters():
        assert not isinstance(p.data, np.ndarray) or EMULATE, "parameters stayed on the host"
    assert len(got) == len(expected)
    for i, (g, e) in enumerate(zip(got, expected, strict=True)):
        close(g, e, f"{name}: item {i} (output, input grad, grads, params, buffers)")


# -- functional ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_functional_matches_numpy(on, dtype):
    from dlcore import functional as F

    x = (np.random.default_rng(1).standard_normal((4, 5)) * 3).astype(dtype)
    x[0, :3] = [1e4, -1e4, 0.0]
    results = {}
    for backend in ("numpy", "device"):
        xp = on(backend)
        xd = xp.asarray(x)
        results[backend] = {name: getattr(F, name)(xd) for name in F.__all__}
        results[backend]["sigmoid_a3"] = F.sigmoid(xd, a=3.0)
        results[backend]["tanh_a2"] = F.tanh(xd, a=2.0)
        results[backend]["softmax0"] = F.softmax(xd, axis=0)
    for name, e in results["numpy"].items():
        g = results["device"][name]
        assert g.dtype == e.dtype == dtype, name
        tol = 1e-10 if dtype == np.float64 else 1e-5
        np.testing.assert_allclose(host(g), host(e), rtol=tol, atol=tol, err_msg=name)


# -- losses -----------------------------------------------------------------------------------
def _loss_cases():
    rng = np.random.default_rng(2)
    s = rng.standard_normal((6, 4)) * 3
    p = 1.0 / (1.0 + np.exp(-s))
    y01 = (rng.random((6, 4)) > 0.5).astype(np.float64)
    labels = rng.integers(0, 4, 6)
    logp = s - np.log(np.exp(s).sum(axis=1, keepdims=True))
    return [
        ("MSELoss", lambda: losses.MSELoss(), s, rng.standard_normal((6, 4))),
        ("MSELoss-sum", lambda: losses.MSELoss("sum"), s, y01),
        ("MAELoss", lambda: losses.MAELoss(), s, y01),
        ("BCELoss", lambda: losses.BCELoss(), p, y01),
        ("BCELoss-base2", lambda: losses.BCELoss(base=2), p, y01),
        ("BCELoss-clamped", lambda: losses.BCELoss(), np.round(p), y01),
        ("BCEWithLogitsLoss", lambda: losses.BCEWithLogitsLoss(), s * 1e3, y01),
        ("CrossEntropyLoss", lambda: losses.CrossEntropyLoss(), s, labels),
        ("CrossEntropyLoss-sum", lambda: losses.CrossEntropyLoss("sum"), s * 1e4, labels),
        ("NLLLoss", lambda: losses.NLLLoss(), logp, labels),
    ]


@pytest.mark.parametrize("name,make,pred,target", _loss_cases(), ids=[c[0] for c in _loss_cases()])
@pytest.mark.parametrize("target_on_host", [False, True])
def test_loss_matches_numpy(on, name, make, pred, target, target_on_host):
    on("numpy")
    loss = make()
    expected = (loss(pred, target), loss.backward())
    xp = on("device")
    loss = make()
    value = loss(xp.asarray(pred), target if target_on_host else xp.asarray(target))
    assert isinstance(value, float)
    assert value == pytest.approx(expected[0], rel=RTOL, abs=ATOL)
    close(loss.backward(), expected[1], name)


# -- optimisers -------------------------------------------------------------------------------
OPTIMIZERS = [
    ("SGD", lambda ps: optim.SGD(ps, lr=0.1)),
    ("SGD-momentum", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("SGD-nesterov-wd", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True,
                                             weight_decay=1e-2)),
    ("SGD-l1", lambda ps: optim.SGD(ps, lr=0.1, l1=1e-2)),
    ("AdaGrad", lambda ps: optim.AdaGrad(ps, lr=0.1)),
    ("RMSprop", lambda ps: optim.RMSprop(ps, lr=0.01, weight_decay=1e-3)),
    ("Adam", lambda ps: optim.Adam(ps, lr=0.01, l1=1e-3)),
]


def _optimizer_run(make, resume_state=None):
    from dlcore.backend import xp

    rng = np.random.default_rng(3)
    shapes = [(4, 3), (3,), (2, 1, 3, 3)]
    params = [dlcore.Parameter(xp.asarray(rng.standard_normal(s))) for s in shapes]
    opt = make(params)
    if resume_state is not None:
        opt.load_state_dict(resume_state)  # host arrays from the NumPy optimiser
    for step in range(4):
        opt.zero_grad()
        for p, s in zip(params, shapes, strict=True):
            p.grad += xp.asarray(np.random.default_rng(10 + step).standard_normal(s))
        opt.step()
    state = opt.state_dict()
    return [p.data for p in params], state


@pytest.mark.parametrize("name,make", OPTIMIZERS, ids=[c[0] for c in OPTIMIZERS])
def test_optimizer_matches_numpy(on, name, make):
    on("numpy")
    expected, state = _optimizer_run(make)
    host_state = {"t": state["t"],
                  "state": [{k: np.array(v) for k, v in s.items()} for s in state["state"]]}
    expected_resumed, _ = _optimizer_run(make, host_state)
    on("device")
    got, _ = _optimizer_run(make)
    got_resumed, _ = _optimizer_run(make, host_state)
    for g, e in zip(got + got_resumed, expected + expected_resumed, strict=True):
        close(g, e, name)


# -- training: fit, evaluate, predict ---------------------------------------------------------
def _mlp():
    return dlcore.Sequential(dlcore.Linear(2, 16), dlcore.ReLU(), dlcore.Dropout(0.1, rng=_rng()),
                             dlcore.Linear(16, 2))


def _cnn():
    # no bias before batch norm: its gradient is 0 up to rounding noise, and Adam would turn
    # that noise (different on a GPU) into full-size steps of different sign
    return dlcore.Sequential(
        dlcore.Conv2d(1, 4, 3, padding=1, bias=False), dlcore.BatchNorm2d(4), dlcore.ReLU(),
        dlcore.MaxPool2d(2), dlcore.Flatten(), dlcore.Linear(4 * 4 * 4, 3))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_fit_matches_numpy(on, kind):
    rng = np.random.default_rng(4)
    if kind == "mlp":
        X, build, make_opt = rng.standard_normal((90, 2)), _mlp, \
            (lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9))
        y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    else:
        X, build, make_opt = rng.standard_normal((60, 1, 8, 8)), _cnn, \
            (lambda ps: optim.Adam(ps, lr=1e-2))
        y = rng.integers(0, 3, 60)
    X_val, y_val = X[:20], y[:20]

    def run(state=None):
        model = build()
        if state is not None:
            model.load_state_dict(state)
        hist = dlcore.train.fit(model, losses.CrossEntropyLoss(), make_opt(model.parameters()),
                                X, y, epochs=3, batch_size=16, seed=0, X_val=X_val,
                                y_val=y_val, early_stopping=dict(patience=5), progress=False)
        ev = dlcore.train.evaluate(model, X_val, y_val, losses.CrossEntropyLoss())
        pred = dlcore.train.predict(model, X_val)
        return model, hist, ev, pred

    on("numpy")
    start = {k: np.array(v, copy=True) for k, v in build().state_dict().items()}
    ref_model, ref_hist, ref_ev, ref_pred = run(start)
    on("device")
    model, hist, ev, pred = run(start)  # host X, y: fit moves them to the device
    assert hist.epochs == ref_hist.epochs == 3
    for key, values in ref_hist.history.items():
        np.testing.assert_allclose(hist.history[key], values, rtol=RTOL, atol=ATOL, err_msg=key)
    np.testing.assert_allclose(hist.step_loss, ref_hist.step_loss, rtol=RTOL, atol=ATOL)
    assert hist.best_epoch == ref_hist.best_epoch
    for key in ref_ev:
        assert ev[key] == pytest.approx(ref_ev[key], rel=RTOL, abs=ATOL)
    close(pred, ref_pred, "predict")
    for (k, g), (_, e) in zip(model.state_dict().items(), ref_model.state_dict().items(),
                              strict=True):
        close(g, e, k)


def test_minibatches_and_accuracy_take_device_arrays(on):
    xp = on("device")
    X = xp.asarray(np.arange(20.0).reshape(10, 2))
    y = xp.asarray(np.arange(10) % 2)
    seen = []
    for Xb, yb in dlcore.data.minibatches(X, y, batch_size=4, shuffle=True, rng=0):
        assert not isinstance(Xb, np.ndarray) or EMULATE
        close(Xb[:, 0] / 2 % 2, yb.astype(np.float64), "rows and labels stay paired")
        seen.extend(host(Xb[:, 0]).tolist())
    assert sorted(seen) == list(np.arange(0.0, 20.0, 2.0))
    pred = xp.asarray(np.eye(2)[host(y)])
    assert dlcore.train.accuracy(pred, y) == 1.0
    assert dlcore.train.accuracy(pred, host(y)) == 1.0  # host labels are fine too
    np.testing.assert_array_equal(dlcore.data.one_hot(y, 2), np.eye(2)[np.arange(10) % 2])


# -- the rest: init, gradcheck, perceptron, io ------------------------------------------------
def test_init_gradcheck_perceptron_and_io_work_on_the_device(on, tmp_path):
    from dlcore import gradcheck, init, perceptron

    xp = on("device")
    # init with the device's own generator: other numbers than NumPy's, same distribution
    w = xp.empty((200, 100))
    init.kaiming_normal_(w, seed=0)
    assert abs(float(w.std()) - (2.0 / 100) ** 0.5) < 0.01
    init.xavier_uniform_(w, rng=init.make_rng(1))
    assert float(xp.abs(w).max()) <= (6.0 / 300) ** 0.5
    # numerical gradients on the device
    layer = dlcore.Linear(3, 2, seed=0)
    report = gradcheck.check_module(layer, xp.asarray(np.random.default_rng(0).random((4, 3))))
    assert report.passed
    # the perceptron and the exact line enumeration
    X, y = perceptron.logic_gate("and")
    p = perceptron.Perceptron(2, rho=1.0).fit(X, y, epochs=20)
    assert p.history["converged"] and p.score(X, y) == 1.0
    assert perceptron.best_linear_accuracy(*perceptron.logic_gate("xor")) == 0.75
    on("numpy")
    expected_w = perceptron.Perceptron(2, rho=1.0).fit(*perceptron.logic_gate("and"),
                                                       epochs=20).w
    close(p.w, expected_w, "perceptron weights")
    # host generators drive device arrays: the same numbers as on NumPy
    def seeded_host_run():
        from dlcore.backend import xp

        w = xp.empty((5, 4))
        init.kaiming_uniform_(w, rng=np.random.default_rng(5))
        X, y = perceptron.logic_gate("or")
        p = perceptron.Perceptron(2, seed=np.random.default_rng(6), init="random")
        p.fit(X, y, epochs=20, shuffle=True, seed=np.random.default_rng(7))
        return w, p.w, p.history["weights"]

    expected_host = seeded_host_run()
    on("device")
    for g, e in zip(seeded_host_run(), expected_host, strict=True):
        close(g, e, "host generator on the device")
    # checkpoints: device -> file -> device
    on("device")
    net = dlcore.Sequential(dlcore.Linear(3, 4, seed=0), dlcore.BatchNorm1d(4))
    dlcore.io.save(net, tmp_path / "net.npz")
    other = dlcore.Sequential(dlcore.Linear(3, 4, seed=1), dlcore.BatchNorm1d(4))
    dlcore.io.load(other, tmp_path / "net.npz")
    for (k, a), (_, b) in zip(net.state_dict().items(), other.state_dict().items(), strict=True):
        close(a, b, k)
