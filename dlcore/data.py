"""Toy data, preprocessing, splits, minibatches and image augmentation.

Everything here runs on the host with NumPy (the arrays are small; GPU arrays given to these
functions are copied to the host first); hand the results to a model as they are, or move them
with :func:`dlcore.to_device` under the CuPy backend (:func:`dlcore.train.fit` does that itself).
Only :func:`minibatches` keeps the arrays where they are. Every function
that draws random numbers takes ``seed`` (an int) or ``rng`` (a ``numpy.random.Generator``), so
the same call gives the same data everywhere.

Conventions: feature matrices are ``(N, D)``, labels ``(N,)`` int64, images ``(N, H, W)`` or
``(N, C, H, W)``. Bad input raises ``ValueError`` naming the function, what was expected and what
came.

Contents
--------
- toy sets: :func:`logic_gate`, :func:`moons`, :func:`circles`, :func:`spirals`,
  :func:`sine_regression`
- preprocessing: :class:`MinMaxScaler`, :class:`StandardScaler`, :func:`minmax_scale`,
  :func:`standardize`, :func:`one_hot`, :func:`one_hot_columns`
- splits: :func:`train_test_split`, :func:`kfold`, :func:`minibatches`
- augmentation: :func:`affine`, :func:`shift`, :func:`rotate`, :func:`zoom`, :func:`shear`,
  :func:`flip`, :func:`random_crop`, :func:`gaussian_noise`, :func:`augment`
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import FLOAT16_HINT, check_bool, is_int, is_real
from .backend import to_device, to_numpy

__all__ = [
    "host_rng", "logic_gate", "moons", "circles", "spirals", "sine_regression",
    "MinMaxScaler", "StandardScaler", "minmax_scale", "standardize", "one_hot", "one_hot_columns",
    "train_test_split", "kfold", "minibatches",
    "affine", "shift", "rotate", "zoom", "shear", "flip", "random_crop", "gaussian_noise",
    "augment",
]


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def host_rng(seed=0, where="host_rng"):
    """A host ``numpy.random.Generator`` from an int seed, a Generator (returned as is) or
    ``None`` (seed 0). Used for shuffling and augmentation, so results do not depend on the
    backend."""
    if seed is None:
        return np.random.default_rng(0)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and seed >= 0:
        return np.random.default_rng(int(seed))
    raise ValueError(f"{where}: expected seed to be a non-negative int or a "
                     f"numpy.random.Generator, got {seed!r}")


def _positive_int(value, where, name, minimum=1):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{where}: expected {name} to be an integer >= {minimum}, got {value!r}")
    return int(value)


def _nonneg_float(value, where, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0 \
            or not math.isfinite(value):
        raise ValueError(f"{where}: expected {name} to be a finite number >= 0, got {value!r}")
    return float(value)


def _as_2d(X, where, name="X", finite=False):
    if not hasattr(X, "shape") and not isinstance(X, (list, tuple)):
        raise ValueError(f"{where}: expected a 2-D array {name} of shape (N, D), got "
                         f"{type(X).__name__}")
    try:
        X = np.asarray(to_numpy(X))
    except (TypeError, ValueError) as err:
        raise ValueError(f"{where}: expected a 2-D numeric array {name} of shape (N, D), "
                         f"got {type(X).__name__} ({err})") from None
    if X.ndim != 2 or X.size == 0:
        raise ValueError(f"{where}: expected a non-empty 2-D array {name} of shape (N, D), "
                         f"got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected a real numeric array {name}, got dtype {X.dtype}")
    if X.dtype.kind == "f" and X.dtype.itemsize < 4:
        raise ValueError(f"{where}: expected {name} of dtype float32 or float64, got "
                         f"{X.dtype}; {FLOAT16_HINT}")
    if finite and X.dtype.kind == "f" and not np.isfinite(X).all():
        bad = np.argwhere(~np.isfinite(X))[0]
        raise ValueError(f"{where}: expected finite values in {name}, got "
                         f"{X[tuple(bad)]} at row {bad[0]}, column {bad[1]} (remove or impute "
                         f"missing values first)")
    return X


def _dtype_arg(dtype, where):
    """A ``dtype=`` argument as a NumPy dtype (ValueError naming ``where`` if it is none)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"{where}: expected dtype to be a NumPy dtype such as np.float64, got "
                         f"{dtype!r}") from None
    if dt.kind == "f" and dt.itemsize < 4:
        raise ValueError(f"{where}: expected dtype float32 or float64, got {dt}; "
                         f"{FLOAT16_HINT}")
    return dt


def _int_list(values, where, name):
    """An int or a sequence of ints as a list of Python ints (ValueError otherwise)."""
    items = np.atleast_1d(np.asarray(values, dtype=object)) if not hasattr(values, "dtype") \
        else np.atleast_1d(values)
    if items.ndim != 1 or not all(is_int(v) for v in items.tolist()):
        raise ValueError(f"{where}: expected {name} as an int or a list of ints, got {values!r}")
    return [int(v) for v in items.tolist()]


def _float_dtype(X):
    """Keep float32/float64; anything else (ints, bools) computes in float64."""
    return X.dtype if X.dtype.kind == "f" else np.dtype(np.float64)


# ---------------------------------------------------------------------------------------------
# toy data sets
# ---------------------------------------------------------------------------------------------
_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
}


def logic_gate(name, labels="01", dtype=np.float64):
    """The four inputs of a two-input logic gate and its truth table.

    Args:
        name: ``"and"``, ``"or"``, ``"xor"`` or ``"nand"`` (any case).
        labels: ``"01"`` for targets 0/1, ``"pm1"`` for −1/+1 (the perceptron notes' convention:
            OR gives −1, +1, +1, +1).
        dtype: float dtype of ``X``.

    Returns:
        X: ``(4, 2)`` inputs ``(0,0), (0,1), (1,0), (1,1)`` in this order.
        y: ``(4,)`` int64 targets.
    """
    where = "logic_gate"
    key = str(name).strip().lower()
    if key not in _GATES:
        raise ValueError(f"{where}: expected name in {sorted(_GATES)}, got {name!r}")
    if labels not in ("01", "pm1"):
        raise ValueError(f"{where}: expected labels '01' or 'pm1', got {labels!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array(_GATES[key], dtype=np.int64)
    if labels == "pm1":
        y = 2 * y - 1
    return X, y


def _shuffled(X, y, rng):
    order = rng.permutation(len(y))
    return X[order], y[order]


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (scikit-learn's ``make_moons`` shape).

    Class 0 is the upper moon (centre (0, 0), radius 1), class 1 the lower one shifted to
    (1, 0.5). ``noise`` is the standard deviation of Gaussian noise added to every coordinate.

    Returns:
        X: ``(n, 2)`` float64, y: ``(n,)`` int64 (``n // 2`` of class 1), shuffled.
    """
    where = "moons"
    n = _positive_int(n, where, "n", minimum=2)
    noise = _nonneg_float(noise, where, "noise")
    rng = host_rng(seed, where)
    n_out, n_in = n - n // 2, n // 2
    t_out = np.linspace(0.0, np.pi, n_out)
    t_in = np.linspace(0.0, np.pi, n_in)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
        np.stack([1.0 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A small circle inside a large one (scikit-learn's ``make_circles`` shape).

    Class 0 lies on the unit circle, class 1 on the circle of radius ``factor`` (0 < factor < 1).

    Returns:
        X: ``(n, 2)`` float64, y: ``(n,)`` int64 (``n // 2`` of class 1), shuffled.
    """
    where = "circles"
    n = _positive_int(n, where, "n", minimum=2)
    noise = _nonneg_float(noise, where, "noise")
    if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 < factor < 1:
        raise ValueError(f"{where}: expected factor in (0, 1), got {factor!r}")
    rng = host_rng(seed, where)
    n_out, n_in = n - n // 2, n // 2
    t_out = np.linspace(0.0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0.0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.stack([np.cos(t_out), np.sin(t_out)], axis=1),
        factor * np.stack([np.cos(t_in), np.sin(t_in)], axis=1),
    ])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def spirals(n=300, classes=3, noise=0.2, seed=0):
    """Interleaved spiral arms, one per class (the CS231n example).

    Class ``k`` has radii from 0 to 1 and angles from ``4k`` to ``4(k+1)`` radians, with Gaussian
    noise of standard deviation ``noise`` added to the angle. The ``n`` points are shared as
    evenly as possible among the classes.

    Returns:
        X: ``(n, 2)`` float64, y: ``(n,)`` int64 in ``0 .. classes-1``, shuffled.
    """
    where = "spirals"
    classes = _positive_int(classes, where, "classes", minimum=2)
    n = _positive_int(n, where, "n", minimum=classes)
    noise = _nonneg_float(noise, where, "noise")
    rng = host_rng(seed, where)
    sizes = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    parts, labels = [], []
    for k, m in enumerate(sizes):
        r = np.linspace(0.0, 1.0, m)
        t = np.linspace(4.0 * k, 4.0 * (k + 1), m) + noise * rng.standard_normal(m)
        parts.append(np.stack([r * np.sin(t), r * np.cos(t)], axis=1))
        labels.append(np.full(m, k, np.int64))
    return _shuffled(np.concatenate(parts), np.concatenate(labels), rng)


def sine_regression(n=100, noise=0.1, seed=0, low=-np.pi, high=np.pi):
    """Noisy samples of y = sin(x) for the universal-approximation demo.

    ``x`` is drawn uniformly from ``[low, high]`` and sorted (so that ``plt.plot`` draws a line);
    ``y = sin(x) + noise · ε`` with ε standard normal.

    Returns:
        X: ``(n, 1)`` float64, y: ``(n, 1)`` float64 (the shape an MSE loss expects).
    """
    where = "sine_regression"
    n = _positive_int(n, where, "n")
    noise = _nonneg_float(noise, where, "noise")
    if not (is_real(low) and is_real(high) and math.isfinite(low) and math.isfinite(high)
            and low < high):
        raise ValueError(f"{where}: expected finite low < high, got low={low!r}, high={high!r}")
    rng = host_rng(seed, where)
    x = np.sort(rng.uniform(low, high, n))
    y = np.sin(x) + noise * rng.standard_normal(n)
    return x[:, None], y[:, None]


# ---------------------------------------------------------------------------------------------
# preprocessing
# ---------------------------------------------------------------------------------------------
def _check_fitted(X, fitted, where):
    """X as (M, D) for a scaler fitted on D features (``fitted``: a per-feature array or None)."""
    if fitted is None:
        raise ValueError(f"{where}: call fit(X) before transform")
    X = _as_2d(X, where, finite=True)
    if X.shape[1] != fitted.shape[0]:
        raise ValueError(f"{where}: expected X of shape (N, {fitted.shape[0]}) "
                         f"as in fit, got {X.shape}")
    return X


class MinMaxScaler:
    """Min-max normalisation per feature: ``(x − min) / (max − min)``, mapped to ``feature_range``.

    Fit on the training set only, then transform training, validation and test data with the same
    ``data_min_`` and ``data_max_``. A constant column (max = min) would divide by zero; its range
    is taken as 1, so it maps to the lower end of ``feature_range`` instead.

    Shapes: ``fit(X)`` with ``X`` of shape ``(N, D)``; ``transform`` returns ``(M, D)`` for
    ``(M, D)`` input, in ``X``'s float dtype (float32 stays float32). NaN and inf are refused
    (ValueError). The arithmetic runs in float64, so float32 data near the ends of the float32
    range (±3e38, whose range would overflow) still scale to finite values.
    """

    def __init__(self, feature_range=(0.0, 1.0)):
        where = "MinMaxScaler"
        ok = isinstance(feature_range, (tuple, list)) and len(feature_range) == 2 \
            and all(is_real(v) and math.isfinite(float(v)) for v in feature_range)
        if not ok or not feature_range[0] < feature_range[1]:
            raise ValueError(f"{where}: expected feature_range (low, high) of two finite numbers "
                             f"with low < high, got {feature_range!r}")
        lo, hi = feature_range
        self.feature_range = (float(lo), float(hi))
        self.data_min_ = self.data_max_ = None

    def fit(self, X):
        X = _as_2d(X, "MinMaxScaler.fit", finite=True)
        self.data_min_ = X.min(axis=0).astype(_float_dtype(X))
        self.data_max_ = X.max(axis=0).astype(_float_dtype(X))
        return self

    def _range(self):
        """max − min per feature in float64 (1 for a constant feature)."""
        span = self.data_max_.astype(np.float64) - self.data_min_.astype(np.float64)
        return np.where(span == 0, np.ones_like(span), span)

    def _check(self, X, where):
        return _check_fitted(X, self.data_min_, where)

    def transform(self, X):
        X = self._check(X, "MinMaxScaler.transform")
        lo, hi = self.feature_range
        unit = (X.astype(np.float64, copy=False) - self.data_min_) / self._range()
        return (unit * (hi - lo) + lo).astype(_float_dtype(X), copy=False)

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        Z = self._check(Z, "MinMaxScaler.inverse_transform")
        lo, hi = self.feature_range
        return ((Z.astype(np.float64, copy=False) - lo) / (hi - lo) * self._range()
                + self.data_min_).astype(_float_dtype(Z), copy=False)

    def __repr__(self):
        return f"MinMaxScaler(feature_range={self.feature_range})"


class StandardScaler:
    """Z-score standardisation per feature: ``(x − mean) / std`` (population std, ``ddof=0``).

    Fit on the training set only. A constant column has std 0; its scale is taken as 1, so it
    becomes all zeros instead of NaN.

    Shapes: ``fit(X)`` with ``X`` of shape ``(N, D)``; ``transform`` returns ``(M, D)`` in
    ``X``'s float dtype. NaN and inf are refused (ValueError). The mean, the standard deviation
    and the transform are computed in float64, so float32 data of size 1e20 (whose squares
    overflow float32) still give finite results; ``mean_`` and ``scale_`` are float64.
    """

    def __init__(self):
        self.mean_ = self.scale_ = None

    def fit(self, X):
        X = _as_2d(X, "StandardScaler.fit", finite=True)
        X64 = X.astype(np.float64, copy=False)
        self.mean_ = X64.mean(axis=0)
        std = X64.std(axis=0)
        self.scale_ = np.where(std == 0, np.ones_like(std), std)
        return self

    def _check(self, X, where):
        return _check_fitted(X, self.mean_, where)

    def transform(self, X):
        X = self._check(X, "StandardScaler.transform")
        return ((X.astype(np.float64, copy=False) - self.mean_) / self.scale_).astype(
            _float_dtype(X), copy=False)

    def fit_transform(self, X):
        return self.fit(X).transform(X)

    def inverse_transform(self, Z):
        Z = self._check(Z, "StandardScaler.inverse_transform")
        return (Z.astype(np.float64, copy=False) * self.scale_ + self.mean_).astype(
            _float_dtype(Z), copy=False)

    def __repr__(self):
        return "StandardScaler()"


def minmax_scale(X, feature_range=(0.0, 1.0)):
    """``MinMaxScaler(feature_range).fit_transform(X)``: ``(N, D)`` → ``(N, D)``."""
    return MinMaxScaler(feature_range).fit_transform(X)


def standardize(X):
    """``StandardScaler().fit_transform(X)`` (z-score): ``(N, D)`` → ``(N, D)``."""
    return StandardScaler().fit_transform(X)


def _labels(y, where, num_classes, start=0, name="y"):
    y = np.asarray(to_numpy(y))
    if y.dtype.kind == "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise ValueError(f"{where}: expected integer class labels in {name}, "
                             f"got non-integer values")
        y = y.astype(np.int64)
    elif y.dtype.kind not in "iub":
        raise ValueError(f"{where}: expected integer class labels in {name}, got dtype {y.dtype}")
    if y.size and (y.min() < start or y.max() >= start + num_classes):
        raise ValueError(f"{where}: expected {name} in {start}..{start + num_classes - 1} "
                         f"({num_classes} classes), got values from {y.min()} to {y.max()}")
    return y.astype(np.int64)


def one_hot(y, num_classes, dtype=np.float64):
    """One-hot code of integer labels.

    Args:
        y: ``(N,)`` integer labels in ``0 .. num_classes-1``.
    Returns:
        ``(N, num_classes)`` array with a single 1 per row, e.g. ``one_hot([2], 4) → [[0,0,1,0]]``.
    """
    where = "one_hot"
    num_classes = _positive_int(num_classes, where, "num_classes")
    y = np.asarray(to_numpy(y))
    if y.ndim != 1:
        raise ValueError(f"{where}: expected labels y of shape (N,), got shape {y.shape}")
    y = _labels(y, where, num_classes)
    out = np.zeros((y.shape[0], num_classes), dtype=_dtype_arg(dtype, where))
    out[np.arange(y.shape[0]), y] = 1
    return out


def one_hot_columns(X, columns, num_categories, start=1):
    """Replace categorical (nominal) columns by their one-hot codes, in place of the column.

    The notes' example: a record (height 1.755, weight 65.5, 122, sex 1 of 2, constitution 3 of
    4) becomes ``(1.755, 65.5, 122, 1, 0, 0, 0, 1, 0)``::

        one_hot_columns([1.755, 65.5, 122, 1, 3], columns=[3, 4], num_categories=[2, 4])

    Args:
        X: ``(N, D)`` records, or one record ``(D,)``.
        columns: indices of the categorical columns.
        num_categories: number of categories of each of those columns.
        start: code of the first category: 1 when categories are numbered 1..K as in the notes
            (the default), 0 for 0..K−1.
    Returns:
        ``(N, D − len(columns) + sum(num_categories))`` (or 1-D for a 1-D record), float.
    """
    where = "one_hot_columns"
    X = np.asarray(to_numpy(X))
    single = X.ndim == 1
    X2 = _as_2d(X[None, :] if single else X, where)
    columns = _int_list(columns, where, "columns")
    num_categories = _int_list(num_categories, where, "num_categories")
    if len(columns) != len(num_categories):
        raise ValueError(f"{where}: expected one entry of num_categories per column, got "
                         f"{len(columns)} columns and {len(num_categories)} category counts")
    D = X2.shape[1]
    if len(set(columns)) != len(columns) or any(not -D <= c < D for c in columns):
        raise ValueError(f"{where}: expected distinct column indices in 0..{D - 1}, "
                         f"got {columns}")
    codes = {c % D: k for c, k in zip(columns, num_categories, strict=True)}
    blocks = []
    for j in range(D):
        if j in codes:
            _positive_int(codes[j], where, f"num_categories of column {j}")
            labels = _labels(X2[:, j], where, codes[j], start=start, name=f"column {j}")
            blocks.append(one_hot(labels - start, codes[j], dtype=_float_dtype(X2)))
        else:
            blocks.append(X2[:, j:j + 1].astype(_float_dtype(X2)))
    out = np.concatenate(blocks, axis=1)
    return out[0] if single else out


# ---------------------------------------------------------------------------------------------
# splits and minibatches
# ---------------------------------------------------------------------------------------------
def _num_test(n, test_size, where):
    if isinstance(test_size, numbers.Integral) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, numbers.Real) and 0 < test_size < 1:
        n_test = int(math.ceil(test_size * n))
    else:
        raise ValueError(f"{where}: expected test_size as a fraction in (0, 1) or a count, "
                         f"got {test_size!r}")
    if not 1 <= n_test <= n - 1:
        raise ValueError(f"{where}: expected a test set of 1..{n - 1} samples for N={n}, "
                         f"got test_size={test_size!r} ({n_test} samples)")
    return n_test


def _stratified_test_index(y, n_test, rng):
    """Pick ``n_test`` indices with each class in proportion (largest-remainder rounding)."""
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = counts * n_test / len(y)
    take = np.floor(exact).astype(np.int64)
    remainder = exact - take
    order = np.lexsort((np.arange(len(classes)), -remainder))  # largest remainder first, stable
    take[order[: n_test - take.sum()]] += 1
    picked = []
    for k in range(len(classes)):
        members = np.flatnonzero(inverse == k)
        picked.append(rng.permutation(members)[: take[k]])
    return np.sort(np.concatenate(picked))


def train_test_split(X, y, test_size=0.25, seed=0, stratify=False, shuffle=True):
    """Split samples into a training and a test set.

    Args:
        X: ``(N, ...)`` samples; y: ``(N, ...)`` targets (labels when ``stratify=True``).
        test_size: fraction in (0, 1) (rounded up) or number of test samples.
        stratify: keep each class's share the same in both parts (needs ``(N,)`` labels).
        shuffle: shuffle the order of each part (with ``shuffle=False`` and no stratification the
            last samples form the test set).
    Returns:
        ``X_train, X_test, y_train, y_test`` (scikit-learn's order).
    """
    return _split(X, y, test_size, seed, stratify, shuffle, "train_test_split")


def _split(X, y, test_size, seed, stratify, shuffle, where):
    """:func:`train_test_split`, with errors naming ``where`` (e.g. a dataset loader)."""
    X, y = np.asarray(to_numpy(X)), np.asarray(to_numpy(y))
    if X.ndim == 0 or y.ndim == 0 or X.shape[0] != y.shape[0]:
        raise ValueError(f"{where}: expected X and y with the same number of samples N, "
                         f"got X {X.shape} and y {y.shape}")
    n = X.shape[0]
    n_test = _num_test(n, test_size, where)
    rng = host_rng(seed, where)
    if stratify:
        if y.ndim != 1:
            raise ValueError(f"{where}: stratify=True expects labels y of shape (N,), "
                             f"got {y.shape}")
        test = _stratified_test_index(y, n_test, rng)
        train = np.setdiff1d(np.arange(n), test)
        if shuffle:
            test, train = rng.permutation(test), rng.permutation(train)
    else:
        order = rng.permutation(n) if shuffle else np.arange(n)
        train, test = order[: n - n_test], order[n - n_test:]
    return X[train], X[test], y[train], y[test]


def kfold(n, k=5, seed=0, shuffle=True):
    """Index pairs for k-fold cross-validation.

    The ``n`` samples are cut into ``k`` folds whose sizes differ by at most one (the first
    ``n % k`` folds get one more); fold ``i`` is the validation set of round ``i``.

    Yields:
        ``(train_idx, val_idx)``: int64 index arrays of shapes ``(n - n_i,)`` and ``(n_i,)``
        (n_i the size of fold i), disjoint, together ``0 .. n-1``.
    """
    where = "kfold"
    n = _positive_int(n, where, "n")
    k = _positive_int(k, where, "k", minimum=2)
    if k > n:
        raise ValueError(f"{where}: expected k <= n (at least one sample per fold), "
                         f"got k={k}, n={n}")
    shuffle = check_bool(shuffle, where, "shuffle")
    order = host_rng(seed, where).permutation(n) if shuffle else np.arange(n)
    return _kfold_rounds(n, k, order)   # validated now, at the call; the rounds come lazily


def _kfold_rounds(n, k, order):
    sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
    stops = np.cumsum(sizes)
    for i in range(k):
        lo = stops[i] - sizes[i]
        val = order[lo:stops[i]]
        train = np.concatenate([order[:lo], order[stops[i]:]])
        yield train.astype(np.int64), val.astype(np.int64)


def minibatches(X, y=None, batch_size=32, shuffle=True, rng=None, drop_last=False):
    """Yield minibatches ``(X_batch, y_batch)`` covering the data once (one epoch).

    Args:
        X: ``(N, ...)`` array (NumPy or backend array); y: ``(N, ...)`` or ``None``.
        batch_size: samples per batch; the last batch is smaller unless ``drop_last``.
        shuffle: visit the samples in a random order drawn from ``rng``.
        rng: a ``numpy.random.Generator`` (pass the same one every epoch to get a new order each
            time) or an int seed; ``None`` means seed 0.
    Yields:
        ``(X[idx], y[idx])`` with ``idx`` of length ``batch_size`` (``y_batch`` is ``None`` when
        ``y`` is).
    """
    where = "minibatches"
    if not hasattr(X, "shape") or len(X.shape) == 0:
        raise ValueError(f"{where}: expected an array X of shape (N, ...), got {type(X).__name__}")
    n = X.shape[0]
    if y is not None and (not hasattr(y, "shape") or len(y.shape) == 0 or y.shape[0] != n):
        raise ValueError(f"{where}: expected y with N={n} samples like X {tuple(X.shape)}, "
                         f"got {tuple(getattr(y, 'shape', ()))}")
    batch_size = _positive_int(batch_size, where, "batch_size")
    shuffle = check_bool(shuffle, where, "shuffle")
    drop_last = check_bool(drop_last, where, "drop_last")
    # the order is drawn now, at the call (so are the checks above); batches come lazily
    order = host_rng(rng, where).permutation(n) if shuffle else np.arange(n)
    return _batches(X, y, n, batch_size, shuffle, order, drop_last)


def _batches(X, y, n, batch_size, shuffle, order, drop_last):
    on_host = isinstance(X, np.ndarray)
    stop = n - n % batch_size if drop_last else n
    for lo in range(0, stop, batch_size):
        idx = order[lo:lo + batch_size]
        if not shuffle:
            sl = slice(lo, lo + batch_size)
            yield X[sl], (None if y is None else y[sl])
            continue
        ix = idx if on_host else to_device(idx)
        if y is None:
            yield X[ix], None
        else:
            yield X[ix], y[idx if isinstance(y, np.ndarray) else to_device(idx)]


# ---------------------------------------------------------------------------------------------
# augmentation (inverse mapping with bilinear interpolation, NumPy only)
# ---------------------------------------------------------------------------------------------
def _images(images, where):
    images = np.asarray(to_numpy(images))
    if images.ndim not in (3, 4) or images.size == 0:
        raise ValueError(f"{where}: expected non-empty images of shape (N, H, W) or "
                         f"(N, C, H, W), got shape {images.shape}")
    if images.dtype.kind not in "fiub":
        raise ValueError(f"{where}: expected a real numeric image array, got {images.dtype}")
    return images


def _per_image(value, n, where, name):
    """A scalar or an ``(N,)`` array of per-image parameters, as float64 ``(N,)``."""
    if isinstance(value, (str, bytes, bool)) or value is None:
        raise ValueError(f"{where}: expected {name} as a number or an array of shape ({n},), "
                         f"got {type(value).__name__} {value!r}")
    try:
        v = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected {name} as a number or an array of shape ({n},), "
                         f"got {type(value).__name__} {value!r}") from None
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        raise ValueError(f"{where}: expected {name} as a number or an array of shape ({n},), "
                         f"got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{where}: expected finite values of {name}, got {value!r}")
    return v


def affine(images, matrix, fill=0.0):
    """Warp images by affine maps (inverse mapping, bilinear interpolation).

    Coordinates are ``(x, y)`` = (column, row) measured from the image centre, with y pointing
    down as the image is displayed. ``matrix`` ``[[a, b, tx], [c, d, ty]]`` sends an input pixel
    ``p`` to ``A p + t``; each output pixel ``q`` is read from ``A⁻¹ (q − t)`` in the input by
    bilinear interpolation, and reads from outside the image give ``fill``.

    Args:
        images: ``(N, H, W)`` or ``(N, C, H, W)``.
        matrix: ``(2, 3)`` for all images or ``(N, 2, 3)`` for one map per image.
    Returns:
        Array of ``images``' shape, in its float dtype (integer images give float64).
    """
    where = "affine"
    images = _images(images, where)
    n = images.shape[0]
    try:
        M = np.asarray(matrix, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected matrix of shape (2, 3) or (N, 2, 3), got "
                         f"{type(matrix).__name__} {matrix!r}") from None
    if M.shape == (2, 3):
        M = np.broadcast_to(M, (n, 2, 3))
    if M.shape != (n, 2, 3) or not np.all(np.isfinite(M)):
        raise ValueError(f"{where}: expected matrix of shape (2, 3) or ({n}, 2, 3), "
                         f"got {np.asarray(matrix).shape}")
    A, t = M[:, :, :2], M[:, :, 2]
    det = A[:, 0, 0] * A[:, 1, 1] - A[:, 0, 1] * A[:, 1, 0]
    if np.any(np.abs(det) < 1e-12):
        raise ValueError(f"{where}: expected invertible maps, got a matrix with determinant 0")
    A_inv = np.linalg.inv(A)
    H, W = images.shape[-2:]
    cy, cx = (H - 1) / 2.0, (W - 1) / 2.0
    rows, cols = np.meshgrid(np.arange(H, dtype=np.float64), np.arange(W, dtype=np.float64),
                             indexing="ij")
    q = np.stack([cols.ravel() - cx, rows.ravel() - cy])             # (2, H*W)
    src = np.einsum("nij,njp->nip", A_inv, q[None] - t[:, :, None])  # (N, 2, H*W)
    src_x, src_y = src[:, 0] + cx, src[:, 1] + cy
    return _bilinear(images, src_y, src_x, fill)


def _snap(v):
    """Round coordinates within 1e-9 of an integer, so exact maps give exact copies."""
    r = np.round(v)
    return np.where(np.abs(v - r) < 1e-9, r, v)


def _bilinear(images, src_y, src_x, fill):
    """Sample ``images`` at float positions ``(N, H*W)``; outside → ``fill``."""
    dtype = _float_dtype(images)
    shape = images.shape
    n, (H, W) = shape[0], shape[-2:]
    flat = images.reshape(n, -1, H * W).astype(dtype, copy=False)     # (N, C, H*W)
    src_y, src_x = _snap(src_y), _snap(src_x)
    y0, x0 = np.floor(src_y), np.floor(src_x)
    wy, wx = src_y - y0, src_x - x0
    out = np.zeros(flat.shape, dtype=np.float64)
    for dy, dx, w in ((0, 0, (1 - wy) * (1 - wx)), (0, 1, (1 - wy) * wx),
                      (1, 0, wy * (1 - wx)), (1, 1, wy * wx)):
        yy, xx = (y0 + dy).astype(np.int64), (x0 + dx).astype(np.int64)
        inside = (yy >= 0) & (yy < H) & (xx >= 0) & (xx < W)
        idx = np.where(inside, yy * W + xx, 0)[:, None, :]            # (N, 1, H*W)
        vals = np.take_along_axis(flat, idx, axis=2)
        vals = np.where(inside[:, None, :], vals, fill)
        out += np.where(w[:, None, :] == 0, 0.0, w[:, None, :] * vals)
    return out.astype(dtype).reshape(shape)


def shift(images, dx=0.0, dy=0.0, fill=0.0):
    """Translate images: ``dx`` pixels to the right, ``dy`` pixels down (per image or shared).

    ``(N, H, W)`` or ``(N, C, H, W)`` → same shape; uncovered pixels get ``fill``.
    """
    images = _images(images, "shift")
    n = images.shape[0]
    M = np.zeros((n, 2, 3))
    M[:, 0, 0] = M[:, 1, 1] = 1.0
    M[:, 0, 2] = _per_image(dx, n, "shift", "dx")
    M[:, 1, 2] = _per_image(dy, n, "shift", "dy")
    return affine(images, M, fill)


def rotate(images, angle, fill=0.0):
    """Rotate images about their centre by ``angle`` degrees, counter-clockwise as displayed.

    ``(N, H, W)`` or ``(N, C, H, W)`` → same shape.
    """
    images = _images(images, "rotate")
    n = images.shape[0]
    a = np.deg2rad(_per_image(angle, n, "rotate", "angle"))
    c, s = np.cos(a), np.sin(a)
    M = np.zeros((n, 2, 3))
    M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1] = c, s, -s, c
    return affine(images, M, fill)


def zoom(images, factor, fill=0.0):
    """Scale images about their centre: ``factor > 1`` enlarges, ``< 1`` shrinks.

    ``(N, H, W)`` or ``(N, C, H, W)`` → same shape (the frame stays H × W).
    """
    images = _images(images, "zoom")
    n = images.shape[0]
    f = _per_image(factor, n, "zoom", "factor")
    if np.any(f <= 0):
        raise ValueError(f"zoom: expected factor > 0, got {factor!r}")
    M = np.zeros((n, 2, 3))
    M[:, 0, 0] = M[:, 1, 1] = f
    return affine(images, M, fill)


def shear(images, factor, fill=0.0):
    """Horizontal shear about the centre: ``x' = x + factor · y`` (rows lower down move right).

    ``(N, H, W)`` or ``(N, C, H, W)`` → same shape.
    """
    images = _images(images, "shear")
    n = images.shape[0]
    M = np.zeros((n, 2, 3))
    M[:, 0, 0] = M[:, 1, 1] = 1.0
    M[:, 0, 1] = _per_image(factor, n, "shear", "factor")
    return affine(images, M, fill)


def flip(images, direction="horizontal"):
    """Mirror images left-right (``"horizontal"``) or top-bottom (``"vertical"``); same shape."""
    images = _images(images, "flip")
    if direction == "horizontal":
        return images[..., ::-1].copy()
    if direction == "vertical":
        return images[..., ::-1, :].copy()
    raise ValueError(f"flip: expected direction 'horizontal' or 'vertical', got {direction!r}")


def random_crop(images, pad, seed=0, fill=0.0):
    """Pad every side by ``pad`` pixels of ``fill``, then cut an H × W window at a random offset.

    Equivalent to a random integer shift by −pad..pad in each direction. Same shape out.
    """
    where = "random_crop"
    images = _images(images, where)
    pad = _positive_int(pad, where, "pad", minimum=0)
    rng = host_rng(seed, where)
    n, (H, W) = images.shape[0], images.shape[-2:]
    widths = [(0, 0)] * (images.ndim - 2) + [(pad, pad), (pad, pad)]
    padded = np.pad(images, widths, constant_values=fill)
    top = rng.integers(0, 2 * pad + 1, n)
    left = rng.integers(0, 2 * pad + 1, n)
    return np.stack([padded[i, ..., top[i]:top[i] + H, left[i]:left[i] + W] for i in range(n)])


def gaussian_noise(images, std, seed=0, clip=None):
    """Add Gaussian noise of standard deviation ``std``; ``clip=(lo, hi)`` clips the result.

    ``(N, ...)`` → same shape, float dtype of ``images``.
    """
    where = "gaussian_noise"
    images = _images(images, where)
    std = _nonneg_float(std, where, "std")
    rng = host_rng(seed, where)
    dtype = _float_dtype(images)
    if clip is not None:
        ok = isinstance(clip, (tuple, list)) and len(clip) == 2 and all(is_real(c) for c in clip)
        if not ok or not float(clip[0]) <= float(clip[1]):
            raise ValueError(f"{where}: expected clip=(low, high) with low <= high, or None, "
                             f"got {clip!r}")
    out = (images + std * rng.standard_normal(images.shape)).astype(dtype)
    if clip is not None:
        out = np.clip(out, clip[0], clip[1])
    return out


_GEOMETRIC = ("shift", "rotate", "zoom", "shear")
_OPS = _GEOMETRIC + ("flip", "crop", "noise")


def _range(amount, where, name, centre=0.0):
    """``a`` → ``(centre − a, centre + a)``; a pair ``(lo, hi)`` is used as is."""
    if isinstance(amount, (tuple, list)) and len(amount) == 2:
        if not all(is_real(a) and math.isfinite(float(a)) for a in amount):
            raise ValueError(f"{where}: expected {name} as a number or a range (low, high) of "
                             f"finite numbers, got {amount!r}")
        lo, hi = float(amount[0]), float(amount[1])
    else:
        a = _nonneg_float(amount, where, name)
        lo, hi = centre - a, centre + a
    if not lo <= hi:
        raise ValueError(f"{where}: expected a range low <= high for {name}, got {amount!r}")
    return lo, hi


def _random_matrix(name, amount, n, rng, where):
    """Forward maps ``(N, 3, 3)`` for one geometric op with parameters drawn per image."""
    M = np.tile(np.eye(3), (n, 1, 1))
    if name == "shift":
        m = _positive_int(amount, where, "shift (max pixels)", minimum=0)
        M[:, 0, 2] = rng.integers(-m, m + 1, n)
        M[:, 1, 2] = rng.integers(-m, m + 1, n)
    elif name == "rotate":
        a = np.deg2rad(rng.uniform(*_range(amount, where, "rotate (degrees)"), n))
        M[:, 0, 0], M[:, 0, 1], M[:, 1, 0], M[:, 1, 1] = np.cos(a), np.sin(a), -np.sin(a), \
            np.cos(a)
    elif name == "zoom":
        lo, hi = _range(amount, where, "zoom", centre=1.0)
        if lo <= 0:
            raise ValueError(f"{where}: expected zoom factors > 0, got {amount!r}")
        M[:, 0, 0] = M[:, 1, 1] = rng.uniform(lo, hi, n)
    else:  # shear
        M[:, 0, 1] = rng.uniform(*_range(amount, where, "shear"), n)
    return M


def augment(images, ops, seed=0, fill=0.0):
    """Random augmentation with parameters drawn independently for every image.

    ``ops`` is a dict (or a list of ``(name, amount)`` pairs), applied in order:

    - ``"shift": m`` — integer shift by −m..m pixels in x and in y;
    - ``"rotate": a`` — angle uniform in [−a, a] degrees (or a pair ``(lo, hi)``);
    - ``"zoom": z`` — factor uniform in [1−z, 1+z] (or a pair);
    - ``"shear": s`` — shear factor uniform in [−s, s] (or a pair);
    - ``"flip": "horizontal" | "vertical"`` — mirror each image with probability 1/2;
    - ``"crop": pad`` — :func:`random_crop` with that padding;
    - ``"noise": std`` — :func:`gaussian_noise`.

    Consecutive geometric ops (shift, rotate, zoom, shear) are composed into one affine map, so
    each image is interpolated once.

    Example: ``augment(X, {"shift": 2, "rotate": 10, "zoom": 0.1}, seed=0)``.

    Args:
        images: ``(N, H, W)`` or ``(N, C, H, W)``.
    Returns:
        Augmented copy of the same shape.
    """
    where = "augment"
    images = _images(images, where)
    if not isinstance(ops, (dict, list, tuple)):
        raise ValueError(f"{where}: expected ops as a dict or a list of (name, amount) pairs "
                         f"with name in {_OPS}, got {type(ops).__name__} {ops!r}")
    items = list(ops.items()) if isinstance(ops, dict) else list(ops)
    rng = host_rng(seed, where)
    n = images.shape[0]
    out = images
    pending = None
    for item in items:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and item[0] in _OPS):
            raise ValueError(f"{where}: expected ops as (name, amount) with name in {_OPS}, "
                             f"got {item!r}")
        name, amount = item
        if name in _GEOMETRIC:
            M = _random_matrix(name, amount, n, rng, where)
            pending = M if pending is None else M @ pending
            continue
        if pending is not None:
            out, pending = affine(out, pending[:, :2], fill), None
        if name == "flip":
            flipped = flip(out, amount)
            chosen = rng.random(n) < 0.5
            out = np.where(chosen.reshape((n,) + (1,) * (out.ndim - 1)), flipped, out)
        elif name == "crop":
            out = random_crop(out, amount, seed=rng, fill=fill)
        else:
            out = gaussian_noise(out, amount, seed=rng)
    if pending is not None:
        out = affine(out, pending[:, :2], fill)
    return out.copy() if out is images else out
