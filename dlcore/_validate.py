"""Input checks shared by dlcore's layers, losses and optimisers.

Every check raises ``ValueError`` whose message names the component, what was expected and what
came, e.g. ``"Linear: expected input of shape (N, 784), got (32, 100)"``.
"""

from __future__ import annotations

from .backend import xp

_CHECK_FINITE = True


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


def check_input(x, where, shape, names=None, allow_empty=False, finite=True):
    """Validate an input array against an expected shape pattern.

    ``shape`` is a tuple whose entries are ints (must match) or ``None`` (any size); its length
    fixes the rank. ``names`` labels the axes in messages (e.g. ``("N", "C", "H", "W")``).
    Returns ``x`` unchanged so that the call can be used inline.
    """
    expected = shape_str(shape, names)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise ValueError(f"{where}: expected an array of shape {expected}, got {type(x).__name__}")
    if x.ndim != len(shape):
        raise ValueError(
            f"{where}: expected a {len(shape)}-D input of shape {expected}, "
            f"got {x.ndim}-D shape {tuple(x.shape)}")
    for want, got in zip(shape, x.shape):
        if want is not None and want != got:
            raise ValueError(f"{where}: expected input of shape {expected}, got {tuple(x.shape)}")
    if not allow_empty and x.size == 0:
        raise ValueError(f"{where}: expected a non-empty input of shape {expected}, "
                         f"got an empty array of shape {tuple(x.shape)}")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected a real numeric array, got dtype {x.dtype}")
    if finite and _CHECK_FINITE and x.dtype.kind == "f" and not bool(xp.isfinite(x).all()):
        raise ValueError(f"{where}: expected finite values, got NaN or inf in the input")
    return x


def check_same_shape(a, b, where, what=("prediction", "target")):
    """Raise unless ``a`` and ``b`` have exactly the same shape (no broadcasting)."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{where}: expected {what[1]} of the same shape as the {what[0]} {tuple(a.shape)}, "
            f"got {tuple(b.shape)} (dlcore never broadcasts, e.g. (N,) against (N, 1))")


def check_positive_int(value, where, name):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: expected {name} to be a positive integer, got {value!r}")
    return value


def check_probability(value, where, name, inclusive_high=False):
    ok = 0.0 <= value <= 1.0 if inclusive_high else 0.0 <= value < 1.0
    if not ok:
        hi = "1]" if inclusive_high else "1)"
        raise ValueError(f"{where}: expected {name} in [0, {hi}, got {value!r}")
    return value
