"""Input checks shared by dlcore's layers, losses and optimisers.

Every check raises ``ValueError`` whose message names the component, what was expected and what
came, e.g. ``"Linear: expected input of shape (N, 784), got (32, 100)"``.
"""

from __future__ import annotations

import math
import numbers

from .backend import xp

_CHECK_FINITE = True

#: Floating dtypes dlcore computes in. float16 is refused everywhere (layers, losses,
#: optimisers, scalers): its 11-bit mantissa and its range (largest value 65504, eps clamps such
#: as 1e-12 round to 0) make gradients, variances and clamped logarithms silently wrong. Compute
#: in float32 for speed and in float64 for gradient checks.
FLOAT16_HINT = ("dlcore computes in float32 or float64 only (float16 is too coarse for "
                "gradients and overflows above 65504); convert with x.astype(np.float32)")


def is_int(value):
    """True for Python and NumPy integers (``3``, ``np.int64(3)``), never for booleans."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_real(value):
    """True for Python and NumPy real numbers (ints and floats, ``np.float32(0.1)``), not bools
    nor strings."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_real(value, where, name, low=None, high=None, low_open=False, high_open=False):
    """``value`` as a finite Python float in the given interval; ValueError naming ``where``.

    Accepts Python and NumPy numbers; refuses booleans, strings, None, NaN and inf.
    """
    ok = is_real(value) and math.isfinite(float(value))
    if ok and low is not None:
        ok = float(value) > low if low_open else float(value) >= low
    if ok and high is not None:
        ok = float(value) < high if high_open else float(value) <= high
    if not ok:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        if low is None:
            left = "("
        if high is None:
            right = ")"
        raise ValueError(f"{where}: expected {name} to be a finite real number in "
                         f"{left}{lo}, {hi}{right}, got {type(value).__name__} {value!r}")
    return float(value)


def check_float_dtype(dtype, where, what="dtype"):
    """``dtype`` as a NumPy dtype, which must be float32 or float64 (see FLOAT16_HINT)."""
    try:
        dt = xp.dtype("float64" if dtype is None else dtype)
    except TypeError:
        raise ValueError(f"{where}: expected {what} float32 or float64, got {dtype!r}") from None
    if dt.kind != "f":
        raise ValueError(f"{where}: expected a floating {what}, got {dt} (float32 or float64)")
    if dt.itemsize < 4:
        raise ValueError(f"{where}: expected {what} float32 or float64, got {dt}; "
                         + FLOAT16_HINT)
    return dt


def set_finite_checks(enabled: bool) -> None:
    """Switch the NaN/inf check on layer inputs on or off (on by default)."""
    global _CHECK_FINITE
    _CHECK_FINITE = bool(enabled)


def shape_str(shape, names=None):
    """Format an expected shape; ``None`` entries print as their name (``N``) or ``*``."""
    parts = []
    for i, s in enumerate(shape):
        if s is None:
            parts.append(names[i] if names and i < len(names) else "*")
        else:
            parts.append(str(s))
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


class NonFiniteInputError(ValueError):
    """A layer was given NaN or inf. A ``ValueError`` like every input error; its own class lets
    ``fit`` tell activations that overflowed inside the model (training diverged) from bad data."""


def all_finite(x):
    """Whether every value of the float array ``x`` is finite (no NaN, no ±inf).

    For a large contiguous array the sum is taken first (one fast pass): a NaN or inf makes it
    NaN or inf, so a finite sum proves every value finite. Only when the sum is not finite
    (a non-finite value, or finite values whose sum overflows) is every value tested.
    """
    if x.size >= 1 << 15 and x.flags.c_contiguous \
            and bool(xp.isfinite(xp.einsum("i->", x.reshape(-1)))):
        return True
    return bool(xp.isfinite(x).all())


def check_input(x, where, shape, names=None, allow_empty=False, finite=True):
    """Validate an input array against an expected shape pattern.

    ``shape`` is a tuple whose entries are ints (must match) or ``None`` (any size); its length
    fixes the rank. ``names`` labels the axes in messages (e.g. ``("N", "C", "H", "W")``).
    Returns ``x`` unchanged so that the call can be used inline.
    """
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise ValueError(f"{where}: expected an array of shape {shape_str(shape, names)}, got "
                         f"{type(x).__name__}")
    if x.ndim != len(shape):
        raise ValueError(
            f"{where}: expected a {len(shape)}-D input of shape {shape_str(shape, names)}, "
            f"got {x.ndim}-D shape {tuple(x.shape)}")
    for want, got in zip(shape, x.shape):
        if want is not None and want != got:
            raise ValueError(f"{where}: expected input of shape {shape_str(shape, names)}, "
                             f"got {tuple(x.shape)}")
    if not allow_empty and x.size == 0:
        raise ValueError(f"{where}: expected a non-empty input of shape "
                         f"{shape_str(shape, names)}, got an empty array of shape "
                         f"{tuple(x.shape)}")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected a real numeric array, got dtype {x.dtype}")
    if x.dtype.kind == "f" and x.dtype.itemsize < 4:
        raise ValueError(f"{where}: expected a float32 or float64 input, got {x.dtype}; "
                         + FLOAT16_HINT)
    if finite and _CHECK_FINITE and x.dtype.kind == "f" and not all_finite(x):
        raise NonFiniteInputError(f"{where}: expected finite values, got NaN or inf in the input")
    return x


def check_same_shape(a, b, where, what=("prediction", "target")):
    """Raise unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{where}: expected {what[1]} of the same shape as the {what[0]} {tuple(a.shape)}, "
            f"got {tuple(b.shape)} (dlcore never broadcasts, e.g. (N,) against (N, 1))")


def check_positive_int(value, where, name):
    """``value`` as a Python int >= 1 (NumPy integers accepted); ValueError otherwise."""
    if not is_int(value) or value < 1:
        raise ValueError(f"{where}: expected {name} to be a positive integer, got {value!r}")
    return int(value)


def check_bool(value, where, name):
    """``value`` as a bool: only True/False (or NumPy booleans); "False" is refused."""
    numpy_bool = getattr(value, "dtype", None) is not None and getattr(value, "ndim", 1) == 0 \
        and value.dtype.kind == "b"
    if not (isinstance(value, bool) or numpy_bool):
        raise ValueError(f"{where}: expected {name} to be True or False, got "
                         f"{type(value).__name__} {value!r}")
    return bool(value)


def check_probability(value, where, name, inclusive_high=False):
    ok = is_real(value) and (0.0 <= value <= 1.0 if inclusive_high else 0.0 <= value < 1.0)
    if not ok:
        hi = "1]" if inclusive_high else "1)"
        raise ValueError(f"{where}: expected {name} in [0, {hi}, got {value!r}")
    return value
