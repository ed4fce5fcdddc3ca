"""The backend contract: compute modules do their array math through ``dlcore.backend.xp``.

1. Statically: no compute module imports numpy (only backend.py and the host-side modules may).
2. Dynamically: with a stand-in array module whose arrays are a marked ndarray subclass, every
   layer's outputs and gradients come out marked — nothing was made by numpy behind xp's back.
3. Backend selection errors and host/device conversion.
4. On a machine with CuPy and a GPU: the same network gives the same numbers on both backends.
"""

import ast
import importlib
import pathlib
import types

import numpy as np
import pytest

import dlcore
from dlcore import backend

DLCORE = pathlib.Path(dlcore.__file__).parent
HOST_SIDE = {"backend.py", "data.py", "datasets.py", "io.py"}
HOST_SIDE_DIRS = {"viz", "widgets"}


# -- 1. static: who imports numpy ---------------------------------------------------------
def numpy_imports(path):
    """Line numbers of ``import numpy``, ``from numpy ...`` and ``import_module("numpy")``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == "numpy" or a.name.startswith("numpy.") for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0 and (mod == "numpy" or mod.startswith("numpy.")):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and arg.value == "numpy":
                lines.append(node.lineno)
    return lines


def compute_modules():
    for path in sorted(DLCORE.rglob("*.py")):
        rel = path.relative_to(DLCORE)
        if rel.parts[0] in HOST_SIDE_DIRS or (len(rel.parts) == 1 and rel.name in HOST_SIDE):
            continue
        yield path


def test_the_scan_finds_the_modules_and_would_catch_an_import(tmp_path):
    names = {p.relative_to(DLCORE).as_posix() for p in compute_modules()}
    assert {"functional.py", "losses.py", "layers/activation.py"} <= names
    assert "backend.py" not in names and not any(n.startswith("viz/") for n in names)
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nimport numpy as np\nfrom numpy.linalg import norm\n"
                   "m = __import__('numpy')\n")
    assert numpy_imports(bad) == [2, 3, 4]


def test_no_compute_module_imports_numpy():
    offenders = {p.relative_to(DLCORE).as_posix(): lines
                 for p in compute_modules() if (lines := numpy_imports(p))}
    assert not offenders, (
        f"these dlcore modules import numpy (line numbers): {offenders}; "
        "use `from dlcore.backend import xp` (or .backend) so that they also run on CuPy")


# -- 2. dynamic: a stand-in array module ---------------------------------------------------
class MarkedArray(np.ndarray):
    """An ndarray that says it was made by the stand-in backend."""


def mark(value):
    if isinstance(value, np.ndarray) and not isinstance(value, MarkedArray):
        return value.view(MarkedArray)
    if isinstance(value, tuple):
        return tuple(mark(v) for v in value)
    if isinstance(value, list):
        return [mark(v) for v in value]
    if isinstance(value, np.random.Generator):
        return Marking(value)
    return value


class Marking:
    """Forwards to ``target``; anything callable (functions, ufuncs and their methods, random
    generators and theirs) returns MarkedArray instead of ndarray. Classes and constants (dtypes,
    ``ndarray``, ``finfo``, ``pi``) pass through unchanged."""

    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if isinstance(attr, type) or not (callable(attr) or isinstance(attr, types.ModuleType)):
            return attr
        return Marking(attr)

    def __call__(self, *args, **kwargs):
        return mark(self._target(*args, **kwargs))


class StandInNumpy(Marking):
    __name__ = "standin"


@pytest.fixture
def standin():
    module = StandInNumpy(np)
    dlcore.use_backend(module)
    try:
        yield module
    finally:
        dlcore.use_backend("numpy")


def test_the_stand_in_marks_what_it_makes(standin):
    from dlcore.backend import xp

    assert dlcore.backend_name() == "standin"
    assert isinstance(xp.zeros(3), MarkedArray)
    assert isinstance(xp.random.default_rng(0).random(3), MarkedArray)
    assert isinstance(xp.maximum(np.ones(2), 0), MarkedArray)
    assert xp.float64 is np.float64 and xp.ndarray is np.ndarray


# (name in dlcore, constructor arguments, input shape, input must be ≥ 0)
LAYERS = [
    ("Linear", (4, 3), {"seed": 0}, (2, 4), False),
    ("ReLU", (), {}, (2, 4), False),
    ("LeakyReLU", (0.1,), {}, (2, 4), False),
    ("Sigmoid", (), {}, (2, 4), False),
    ("Tanh", (), {}, (2, 4), False),
    ("Softplus", (), {}, (2, 4), False),
    ("Step", (), {}, (2, 4), False),
    ("Softmax", (), {}, (2, 4), False),
    ("LogSoftmax", (), {}, (2, 4), False),
    ("Conv2d", (2, 3, 3), {"padding": 1, "seed": 0}, (2, 2, 5, 5), False),
    ("MaxPool2d", (2,), {}, (2, 2, 4, 4), False),
    ("AvgPool2d", (2,), {}, (2, 2, 4, 4), False),
    ("StochasticPool2d", (2,), {"seed": 0}, (2, 2, 4, 4), True),
    ("GlobalAvgPool2d", (), {}, (2, 2, 4, 4), False),
    ("BatchNorm1d", (4,), {}, (3, 4), False),
    ("BatchNorm2d", (2,), {}, (2, 2, 3, 3), False),
    ("Dropout", (0.5,), {"seed": 0}, (2, 4), False),
    ("Flatten", (), {}, (2, 2, 3, 3), False),
    ("ResidualBlock", (2, 2), {"seed": 0}, (2, 2, 4, 4), False),
    ("ResidualBlock", (2, 4), {"stride": 2, "seed": 0}, (2, 2, 4, 4), False),
]


@pytest.mark.parametrize("name,args,kwargs,shape,nonneg", LAYERS,
                         ids=[f"{n}{a}" for n, a, *_ in LAYERS])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_layers_compute_through_the_backend(standin, name, args, kwargs, shape, nonneg, mode):
    cls = getattr(dlcore, name, None)
    if cls is None:
        pytest.skip(f"dlcore.{name} is not implemented yet")
    layer = cls(*args, **kwargs)
    layer.train(mode == "train")
    x = np.random.default_rng(0).standard_normal(shape)
    x = (np.abs(x) if nonneg else x).view(MarkedArray)
    y = layer(x)
    assert isinstance(y, MarkedArray), f"{name}.forward returned {type(y).__name__}"
    grad_in = layer.backward(standin.ones_like(y))
    assert isinstance(grad_in, MarkedArray), f"{name}.backward returned {type(grad_in).__name__}"
    for pname, p in layer.named_parameters():
        assert isinstance(p.data, MarkedArray), f"{name}.{pname}.data is {type(p.data).__name__}"
        assert isinstance(p.grad, MarkedArray), f"{name}.{pname}.grad is {type(p.grad).__name__}"


@pytest.mark.parametrize("loss_name,pred,target", [
    ("MSELoss", np.zeros((3, 2)), np.ones((3, 2))),
    ("MAELoss", np.zeros((3, 2)), np.ones((3, 2))),
    ("BCELoss", np.full(3, 0.5), np.ones(3)),
    ("BCEWithLogitsLoss", np.zeros(3), np.ones(3)),
    ("CrossEntropyLoss", np.zeros((3, 4)), np.array([0, 1, 3])),
    ("NLLLoss", np.full((3, 4), -1.0), np.array([0, 1, 3])),
])
def test_losses_compute_through_the_backend(standin, loss_name, pred, target):
    loss = getattr(dlcore.losses, loss_name)()
    value = loss(pred.view(MarkedArray), target.view(MarkedArray))
    assert isinstance(value, float)
    assert isinstance(loss.backward(), MarkedArray)


def test_functional_and_init_compute_through_the_backend(standin):
    from dlcore import functional as F
    from dlcore import init

    x = np.linspace(-2, 2, 6).reshape(2, 3)
    for name in F.__all__:
        assert isinstance(getattr(F, name)(x), MarkedArray), name
    assert isinstance(init.make_rng(0).random(2), MarkedArray)
    w = standin.empty((3, 2))
    assert isinstance(init.kaiming_normal_(w, seed=0), MarkedArray)


# -- 3. selection and conversion -----------------------------------------------------------
def gpu_available():
    try:
        cupy = importlib.import_module("cupy")
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


@pytest.mark.skipif(gpu_available(), reason="CuPy and a GPU are present here")
def test_cupy_without_cupy_or_gpu_is_a_clear_runtime_error():
    with pytest.raises(RuntimeError, match="CuPy") as info:
        dlcore.use_backend("cupy")
    assert "use_backend('numpy')" in str(info.value)
    assert dlcore.backend_name() == "numpy" and dlcore.get_backend() is np


@pytest.mark.parametrize("bad", ["bogus", "tensorflow", 3, object()])
def test_unknown_backends_are_value_errors(bad):
    with pytest.raises(ValueError, match="use_backend: expected"):
        dlcore.use_backend(bad)
    assert dlcore.backend_name() == "numpy"


def test_numpy_names_and_conversion_round_trip():
    assert dlcore.use_backend("NumPy") is np and dlcore.backend_name() == "numpy"
    a = np.arange(6.0).reshape(2, 3)
    d = dlcore.to_device(a)
    assert isinstance(d, np.ndarray)
    np.testing.assert_array_equal(dlcore.to_numpy(d), a)
    assert dlcore.to_device([1, 2], dtype=np.float32).dtype == np.float32
    assert isinstance(dlcore.to_numpy([1.0, 2.0]), np.ndarray)
    assert repr(backend.xp) == "<dlcore array module: numpy>"


# -- 4. the real GPU backend ---------------------------------------------------------------
@pytest.mark.skipif(not gpu_available(), reason="needs CuPy and a CUDA GPU")
def test_cupy_gives_the_numpy_numbers():
    cupy = importlib.import_module("cupy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 1, 6, 6))
    y = rng.integers(0, 3, 8)

    def build():
        layers = [dlcore.Flatten(), dlcore.Linear(36, 16, seed=0), dlcore.ReLU(),
                  dlcore.Linear(16, 3, seed=1)]
        conv = getattr(dlcore, "Conv2d", None)
        if conv is not None:
            layers = [conv(1, 2, 3, padding=1, seed=0), dlcore.Tanh(), dlcore.Flatten(),
                      dlcore.Linear(72, 16, seed=0), dlcore.ReLU(), dlcore.Linear(16, 3, seed=1)]
        return dlcore.Sequential(*layers)

    def run(net):
        loss = dlcore.losses.CrossEntropyLoss()
        value = loss(net(dlcore.to_device(x)), dlcore.to_device(y))
        grad_x = net.backward(loss.backward())
        return value, dlcore.to_numpy(grad_x), [dlcore.to_numpy(p.grad) for p in net.parameters()]

    try:
        reference_net = build()
        state = {k: dlcore.to_numpy(v).copy() for k, v in reference_net.state_dict().items()}
        expected = run(reference_net)
        dlcore.use_backend("cupy")
        net = build()
        net.load_state_dict({k: dlcore.to_device(v) for k, v in state.items()})
        assert isinstance(net.parameters()[0].data, cupy.ndarray)
        got = run(net)
    finally:
        dlcore.use_backend("numpy")
    assert got[0] == pytest.approx(expected[0], rel=1e-10)
    np.testing.assert_allclose(got[1], expected[1], rtol=1e-8, atol=1e-12)
    for g, e in zip(got[2], expected[2], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-8, atol=1e-12)
