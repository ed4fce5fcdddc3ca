"""Weight initialisation (7장): plain random, Xavier (Glorot) and He (Kaiming), all seeded.

Each ``*_`` function fills a :class:`~dlcore.module.Parameter` (its ``.data``) or an array *in
place* and returns it, as PyTorch's ``torch.nn.init`` does::

    layer = dlcore.Linear(784, 100, seed=0)
    init.xavier_uniform_(layer.weight, seed=0)

Random functions take ``rng`` (a Generator from ``xp.random.default_rng(seed)``) or ``seed``
(an int); with neither they draw fresh, unrepeatable numbers. The numbers are always drawn in
float64 and then cast, so a float32 parameter holds the rounded values of the float64 one.

Why the scale matters (Glorot & Bengio 2010; He et al. 2015): with n inputs of variance 1, a
node's sum ``Σ w_i x_i`` has variance ``n · Var(w)``. Keeping it near 1 layer after layer needs
``Var(w) ≈ 1/n``: Xavier uses ``2/(fan_in + fan_out)`` (for tanh and sigmoid), He uses
``2/fan_in`` (ReLU zeroes half of the sums, so twice the variance is needed).

Fans: for a Linear weight of shape (out, in), ``fan_in = in`` and ``fan_out = out``; for a Conv
weight (out, in, kh, kw), ``fan_in = in·kh·kw`` and ``fan_out = out·kh·kw``.
"""

from __future__ import annotations

import math

from .backend import xp
from .module import Parameter

__all__ = [
    "make_rng",
    "manual_seed",
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "uniform_", "normal_", "zeros_", "ones_", "constant_",
    "xavier_uniform_", "xavier_normal_",
    "kaiming_uniform_", "kaiming_normal_",
]


# -- random generators ---------------------------------------------------------------------
def make_rng(seed_or_rng=None, where="make_rng"):
    """A random Generator from a seed, an existing Generator, or nothing.

    - ``None``: the next Generator of dlcore's global stream (see :func:`manual_seed`): layers
      built one after another get different weights, yet a program that builds them in the same
      order gets the same weights on every run;
    - an ``int`` ≥ 0: ``xp.random.default_rng(seed)`` (reproducible);
    - a Generator (anything with ``random`` and ``standard_normal`` methods): returned as is,
      so that several layers can share one stream of random numbers.

    ``where`` names the caller in error messages. Raises ``ValueError`` for anything else.
    """
    if seed_or_rng is None:
        return _next_default_rng()
    if isinstance(seed_or_rng, bool):
        raise ValueError(f"{where}: expected a seed (int ≥ 0) or a random Generator, "
                         f"got {seed_or_rng!r}")
    if isinstance(seed_or_rng, int) or _is_integer_scalar(seed_or_rng):
        seed = int(seed_or_rng)
        if seed < 0:
            raise ValueError(f"{where}: expected a seed ≥ 0, got {seed}")
        return xp.random.default_rng(seed)
    if all(callable(getattr(seed_or_rng, m, None)) for m in ("random", "standard_normal")):
        return seed_or_rng
    raise ValueError(f"{where}: expected a seed (int ≥ 0) or a random Generator such as "
                     f"xp.random.default_rng(0), got {type(seed_or_rng).__name__}")


_GLOBAL_SEED = 0
_global_count = 0


def manual_seed(seed):
    """Restart dlcore's global random stream, used by layers built without ``seed``/``rng``.

    Like ``torch.manual_seed``: after ``manual_seed(s)``, the same sequence of layer
    constructions gives bit-identical parameters. The stream starts at seed 0 when dlcore is
    imported, so dlcore is reproducible even without this call.
    """
    global _GLOBAL_SEED, _global_count
    if isinstance(seed, bool) or not (isinstance(seed, int) or _is_integer_scalar(seed)) \
            or seed < 0:
        raise ValueError(f"manual_seed: expected an int ≥ 0, got {seed!r}")
    _GLOBAL_SEED, _global_count = int(seed), 0


def _next_default_rng():
    global _global_count
    _global_count += 1
    return xp.random.default_rng(_GLOBAL_SEED * 1_000_003 + _global_count)


def _is_integer_scalar(value):
    dtype = getattr(value, "dtype", None)
    return dtype is not None and getattr(value, "ndim", 1) == 0 and dtype.kind in "iu"


def _resolve_rng(rng, seed, where):
    if rng is not None and seed is not None:
        raise ValueError(f"{where}: expected either rng or seed, not both "
                         f"(got seed={seed!r} and an rng)")
    return make_rng(seed if rng is None else rng, where)


# -- fans and gains ------------------------------------------------------------------------
def _shape_of(tensor, where):
    data = tensor.data if isinstance(tensor, Parameter) else tensor
    if not hasattr(data, "shape") or not hasattr(data, "dtype"):
        raise ValueError(f"{where}: expected a Parameter or an array, got {type(tensor).__name__}")
    return tuple(data.shape)


def calculate_fan_in_and_fan_out(shape_or_tensor, where="calculate_fan_in_and_fan_out"):
    """``(fan_in, fan_out)`` of a weight: the number of inputs and outputs each weight joins.

    - Linear weight (out, in): ``(in, out)``.
    - Conv weight (out, in, kh, kw) (or any rank ≥ 2): ``(in·kh·kw, out·kh·kw)``, since each
      output value sees in·kh·kw inputs.

    Accepts a shape tuple, an array or a Parameter. Raises ``ValueError`` for rank < 2 (a bias has
    no fan-in/fan-out pair) or for a zero-sized weight.
    """
    if isinstance(shape_or_tensor, tuple):
        shape = shape_or_tensor
    else:
        shape = _shape_of(shape_or_tensor, where)
    if len(shape) < 2:
        raise ValueError(f"{where}: expected a weight of rank ≥ 2, (out, in) or "
                         f"(out, in, kh, kw), got shape {shape}")
    receptive = math.prod(shape[2:])
    fan_in, fan_out = shape[1] * receptive, shape[0] * receptive
    if fan_in == 0 or fan_out == 0:
        raise ValueError(f"{where}: expected a non-empty weight, got shape {shape}")
    return fan_in, fan_out


_GAINS = {"linear": 1.0, "identity": 1.0, "conv2d": 1.0, "sigmoid": 1.0,
          "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation (PyTorch's values).

    ``linear``/``identity``/``conv2d``/``sigmoid``: 1, ``tanh``: 5/3, ``relu``: √2,
    ``leaky_relu`` with negative slope ``param`` (default 0.01): √(2 / (1 + param²)).
    """
    key = str(nonlinearity).lower()
    if key == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope * slope))
    if key not in _GAINS:
        raise ValueError(f"calculate_gain: expected one of {sorted([*_GAINS, 'leaky_relu'])}, "
                         f"got {nonlinearity!r}")
    return _GAINS[key]


# -- filling -------------------------------------------------------------------------------
def _fill(tensor, values, where):
    """Write ``values`` (float64) into ``tensor`` in place, cast to its dtype; return tensor."""
    data = tensor.data if isinstance(tensor, Parameter) else tensor
    if data.dtype.kind != "f":
        raise ValueError(f"{where}: expected a floating-point tensor, got dtype {data.dtype}")
    data[...] = xp.asarray(values, dtype=data.dtype)
    return tensor


def _uniform(gen, a, b, shape):
    """U(a, b) samples in float64 (``random`` and ``standard_normal`` exist in NumPy and CuPy)."""
    return gen.random(shape) * (b - a) + a


def _normal(gen, mean, std, shape):
    """N(mean, std²) samples in float64."""
    return gen.standard_normal(shape) * std + mean


def _check_number(value, where, name, positive=False):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected {name} to be a number, got {value!r}") from None
    if not math.isfinite(v) or (positive and v < 0):
        cond = "a finite number ≥ 0" if positive else "a finite number"
        raise ValueError(f"{where}: expected {name} to be {cond}, got {value!r}")
    return v


def uniform_(tensor, a=0.0, b=1.0, *, rng=None, seed=None):
    """Fill ``tensor`` with samples of the uniform distribution U(a, b), a < b.

    Shapes: ``tensor`` (a Parameter or an array) of any shape, filled in place and returned.
    """
    where = "uniform_"
    shape = _shape_of(tensor, where)
    a, b = _check_number(a, where, "a"), _check_number(b, where, "b")
    if not a < b:
        raise ValueError(f"{where}: expected a < b, got a={a!r}, b={b!r}")
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _uniform(gen, a, b, shape), where)


def normal_(tensor, mean=0.0, std=1.0, *, rng=None, seed=None):
    """Fill ``tensor`` with samples of the normal distribution N(mean, std²), std ≥ 0.

    Shapes: ``tensor`` (a Parameter or an array) of any shape, filled in place and returned.
    """
    where = "normal_"
    shape = _shape_of(tensor, where)
    mean = _check_number(mean, where, "mean")
    std = _check_number(std, where, "std", positive=True)
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _normal(gen, mean, std, shape), where)


def constant_(tensor, val):
    """Fill ``tensor`` with the number ``val``.

    Shapes: ``tensor`` (a Parameter or an array) of any shape, filled in place and returned.
    """
    where = "constant_"
    _shape_of(tensor, where)
    return _fill(tensor, _check_number(val, where, "val"), where)


def zeros_(tensor):
    """Fill ``tensor`` with 0 (biases; and, for weights, the symmetric start the book warns of:
    every node of a layer then computes the same thing and receives the same update)."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill ``tensor`` with 1 (e.g. batch-norm scales γ)."""
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain=1.0, *, rng=None, seed=None):
    """Xavier/Glorot uniform (Glorot & Bengio 2010): U(−b, b), b = gain·√(6 / (fan_in + fan_out)).

    The variance is ``gain² · 2 / (fan_in + fan_out)``. Shapes: (out, in) or (out, in, kh, kw).
    """
    where = "xavier_uniform_"
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape_of(tensor, where), where)
    gain = _check_number(gain, where, "gain", positive=True)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _uniform(gen, -bound, bound, _shape_of(tensor, where)), where)


def xavier_normal_(tensor, gain=1.0, *, rng=None, seed=None):
    """Xavier/Glorot normal (Glorot & Bengio 2010): N(0, std²), std = gain·√(2/(fan_in + fan_out)).

    Shapes: (out, in) or (out, in, kh, kw).
    """
    where = "xavier_normal_"
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape_of(tensor, where), where)
    gain = _check_number(gain, where, "gain", positive=True)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _normal(gen, 0.0, std, _shape_of(tensor, where)), where)


def _kaiming_std(tensor, a, mode, nonlinearity, where):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"{where}: expected mode 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(_shape_of(tensor, where), where)
    fan = fan_in if mode == "fan_in" else fan_out
    a = _check_number(a, where, "a", positive=True)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="relu", *, rng=None, seed=None):
    """He/Kaiming uniform (He et al. 2015): U(−b, b), b = √3 · gain / √fan.

    For ReLU (gain √2) and ``mode="fan_in"`` this is b = √(6 / fan_in), variance 2 / fan_in.
    ``a`` is the negative slope used when ``nonlinearity="leaky_relu"``. ``mode="fan_out"``
    preserves the variance of the gradients in the backward pass instead.
    Shapes: (out, in) or (out, in, kh, kw).
    """
    where = "kaiming_uniform_"
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity, where)
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _uniform(gen, -bound, bound, _shape_of(tensor, where)), where)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="relu", *, rng=None, seed=None):
    """He/Kaiming normal (He et al. 2015): N(0, std²), std = gain / √fan (√(2 / fan_in) for ReLU).

    Shapes: (out, in) or (out, in, kh, kw).
    """
    where = "kaiming_normal_"
    std = _kaiming_std(tensor, a, mode, nonlinearity, where)
    gen = _resolve_rng(rng, seed, where)
    return _fill(tensor, _normal(gen, 0.0, std, _shape_of(tensor, where)), where)
