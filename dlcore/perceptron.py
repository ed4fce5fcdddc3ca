"""The classic perceptron of Rosenblatt (1958) and its learning rule (chapter 1).

Convention (the notes' and the book's, 1장):

* A sample ``x = (x_1, ..., x_d)`` is extended by a constant input ``x_0 = 1`` so that the bias
  is the weight ``w_0``:  ``S = w_0 + w_1 x_1 + ... + w_d x_d = w . (1, x)``   (1장 식 (1.1)).
* The activation is the step function ``tau(S) = +1 if S >= 0 else -1``   (1장 식 (1.2)); its
  values form the two-element set {-1, +1} (not an interval) and its derivative is 0 for
  ``S != 0`` and undefined at ``S = 0``.
* Labels are ``y in {-1, +1}``.
* Learning rule (Rosenblatt's error-correction rule, fixed increment): for a misclassified sample
  (``tau(S) != y``) update ``w <- w + rho * y * (1, x)``; correctly classified samples leave
  ``w`` unchanged.  ``mode="online"`` (default) updates after each sample, as Rosenblatt did;
  ``mode="batch"`` adds the corrections of all samples misclassified in an epoch at once (gradient
  descent on the perceptron criterion ``J(w) = sum_{misclassified} -y_k w . (1, x_k)``).

The module also answers the question of chapter 1 exactly: what is the best accuracy any single
straight line can reach on a 2-D data set (:func:`best_linear_accuracy`; 75 % for XOR)?
Array math goes through :data:`dlcore.backend.xp`, so the same code runs on NumPy or CuPy.
"""

from __future__ import annotations

import math

from ._validate import check_float_dtype, check_input, check_positive_int, is_real
from .backend import to_numpy, xp
from .init import make_rng

__all__ = [
    "Perceptron",
    "perceptron_step",
    "logic_gate",
    "GATES",
    "linear_dichotomies",
    "best_linear_accuracy",
]

#: Truth tables of the two-input logic gates, in the notes' sample order
#: x_1=(0,0), x_2=(1,0), x_3=(0,1), x_4=(1,1); output 1 is "true".
GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
    "nor": (1, 0, 0, 0),
    "xnor": (1, 0, 0, 1),
}


def perceptron_step(s):
    """Step activation of the perceptron: ``+1`` where ``s >= 0``, ``-1`` where ``s < 0``.

    ``s``: array of any shape. Returns an array of the same shape and dtype as ``s`` (float) with
    values in {-1, +1}. 1장 식 (1.2).
    """
    s = xp.asarray(s)
    if s.dtype.kind not in "fiub":
        raise ValueError(f"perceptron_step: expected a real array, got dtype {s.dtype}")
    dtype = s.dtype if s.dtype.kind == "f" else xp.float64
    return xp.where(s >= 0, 1.0, -1.0).astype(dtype)


def logic_gate(gate, labels="pm1", dtype=None):
    """The four samples of a two-input logic gate.

    ``gate``: ``"and"``, ``"or"``, ``"xor"``, ``"nand"``, ``"nor"`` or ``"xnor"`` (any case).
    ``labels``: ``"pm1"`` gives y in {-1, +1} (false = -1, as in the notes), ``"01"`` gives {0, 1}.
    Returns ``X`` of shape (4, 2) with rows (0,0), (1,0), (0,1), (1,1) and ``y`` of shape (4,).
    """
    key = str(gate).strip().lower()
    if key not in GATES:
        raise ValueError(f"logic_gate: expected one of {sorted(GATES)}, got {gate!r}")
    if labels not in ("pm1", "01"):
        raise ValueError(f"logic_gate: expected labels 'pm1' or '01', got {labels!r}")
    dtype = dtype or xp.float64
    X = xp.asarray([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=dtype)
    truth = xp.asarray(GATES[key], dtype=dtype)
    y = 2 * truth - 1 if labels == "pm1" else truth
    return X, y


def _check_labels(y, n, where):
    check_input(y, where, (n,), ("N",))
    values = to_numpy(xp.unique(y)).tolist()
    if not set(values) <= {-1.0, 1.0}:
        raise ValueError(
            f"{where}: expected labels in {{-1, +1}} of shape ({n},), got values {values} "
            "(convert 0/1 labels with y = 2 * y - 1)")


class Perceptron:
    """A single perceptron ``o = tau(w_0 + sum_i w_i x_i)`` with the step activation tau.

    Parameters
    ----------
    n_features : int
        d, the number of inputs (without the constant input x_0 = 1).
    rho : float
        Learning rate rho of the learning rule (``lr`` is accepted as PyTorch's name for it).
    seed : int, Generator or None
        Used by ``init="random"`` (weights uniform in [-0.5, 0.5]) and as the default seed of
        shuffling in :meth:`fit`. ``None`` draws from dlcore's seeded global stream (as every
        layer does; see :func:`dlcore.init.manual_seed`), so a program gives the same weights
        and orders on every run.
    init : "zeros", "random" or array of shape (d + 1,)
        Initial weights ``(w_0, w_1, ..., w_d)``.

    Attributes
    ----------
    w : array of shape (d + 1,)
        ``w[0]`` is the bias w_0, ``w[1:]`` the weights w_1..w_d.
    history : dict
        Filled by :meth:`fit`: ``"errors"`` (updates made in each epoch), ``"train_errors"``
        (samples still misclassified after each epoch), ``"weights"`` (array (U + 1, d + 1): the
        initial weights and the weights after each of the U updates), ``"updates"`` (list of
        ``(epoch, sample_index)`` per update; in batch mode the index is -1), ``"converged"``.
    """

    def __init__(self, n_features, rho=1.0, seed=None, init="zeros", lr=None, dtype=None):
        n_features = check_positive_int(n_features, "Perceptron", "n_features")
        if lr is not None:
            rho = lr
        if not (is_real(rho) and math.isfinite(float(rho)) and rho > 0):
            raise ValueError(f"Perceptron: expected a positive learning rate rho, got {rho!r}")
        self.n_features = n_features
        self.rho = float(rho)
        self.seed = seed
        self.dtype = check_float_dtype(dtype, "Perceptron")
        if isinstance(init, str):
            if init == "zeros":
                w = xp.zeros(n_features + 1, dtype=self.dtype)
            elif init == "random":
                rng = seed if hasattr(seed, "uniform") else make_rng(seed, "Perceptron")
                # (xp.asarray: a host numpy Generator may be given under CuPy)
                w = xp.asarray(rng.uniform(-0.5, 0.5, size=n_features + 1)).astype(self.dtype)
            else:
                raise ValueError(
                    f"Perceptron: expected init 'zeros', 'random' or an array, got {init!r}")
        else:
            try:
                w = xp.asarray(init, dtype=self.dtype)
            except (TypeError, ValueError):
                raise ValueError(f"Perceptron: expected init 'zeros', 'random' or an array of "
                                 f"shape ({n_features + 1},), got {init!r}") from None
            if tuple(w.shape) != (n_features + 1,):
                raise ValueError(
                    f"Perceptron: expected initial weights of shape ({n_features + 1},) "
                    f"= (w0, w1..w{n_features}), got {tuple(w.shape)}")
            w = w.copy()
        self.w = w
        self.history = {}

    # -- the model ---------------------------------------------------------------------
    @property
    def bias(self):
        """w_0."""
        return self.w[0]

    @property
    def weights(self):
        """(w_1, ..., w_d), shape (d,)."""
        return self.w[1:]

    def _check_X(self, X, where):
        X = xp.asarray(X)
        return check_input(X, where, (None, self.n_features), ("N", "d"))

    def decision_function(self, X):
        """S = w_0 + X w_{1:d} for every row of ``X`` (1장 식 (1.1)).

        ``X``: (N, d). Returns S of shape (N,); d(x) = 0 is the decision boundary.
        """
        X = self._check_X(X, "Perceptron.decision_function")
        return self.w[0] + X @ self.w[1:]

    def predict(self, X):
        """tau(S) in {-1, +1} for every row of ``X`` (N, d); returns shape (N,)."""
        return perceptron_step(self.decision_function(X))

    def score(self, X, y):
        """Fraction of rows of ``X`` (N, d) whose prediction equals ``y`` (N,) (a Python float)."""
        X = self._check_X(X, "Perceptron.score")
        _check_labels(xp.asarray(y), X.shape[0], "Perceptron.score")
        return float(xp.mean(self.predict(X) == xp.asarray(y)))

    # -- learning ----------------------------------------------------------------------
    def fit(self, X, y, epochs=100, shuffle=False, seed=None, mode="online"):
        """Learn ``w`` with the perceptron rule ``w <- w + rho * y_k * (1, x_k)``.

        ``X``: (N, d); ``y``: (N,) with values in {-1, +1}. Visits the samples in order (or in a
        new random order each epoch when ``shuffle``; ``seed`` defaults to the constructor's).
        ``mode="online"`` updates after each misclassified sample (Rosenblatt 1958);
        ``mode="batch"`` adds ``rho * sum_k y_k (1, x_k)`` over the epoch's misclassified samples.
        Stops early after the first epoch without mistakes (``history["converged"] = True``);
        for data that no line separates (XOR) it never converges and runs all ``epochs``.
        Returns ``self``.
        """
        where = "Perceptron.fit"
        X = self._check_X(X, where)
        y = xp.asarray(y).astype(self.dtype)
        n = X.shape[0]
        _check_labels(y, n, where)
        check_positive_int(epochs, where, "epochs")
        if mode not in ("online", "batch"):
            raise ValueError(f"{where}: expected mode 'online' or 'batch', got {mode!r}")
        Xa = xp.concatenate([xp.ones((n, 1), dtype=self.dtype), X.astype(self.dtype)], axis=1)
        seed = self.seed if seed is None else seed
        rng = None
        if shuffle:   # (no draw from the global stream when nothing is shuffled)
            rng = seed if hasattr(seed, "random") else make_rng(seed, where)
        w = self.w.copy()
        weights = [w.copy()]
        updates, errors, train_errors = [], [], []
        converged = False
        for epoch in range(1, epochs + 1):
            # a random order from uniform keys: works with NumPy's and CuPy's Generators alike
            order = xp.argsort(xp.asarray(rng.random(n))) if shuffle else xp.arange(n)
            made = 0
            if mode == "online":
                for k in to_numpy(order).tolist():
                    s = xp.dot(Xa[k], w)
                    pred = 1.0 if bool(s >= 0) else -1.0
                    if pred != float(y[k]):
                        w = w + self.rho * y[k] * Xa[k]
                        weights.append(w.copy())
                        updates.append((epoch, k))
                        made += 1
            else:
                wrong = perceptron_step(Xa @ w) != y
                made = int(xp.sum(wrong))
                if made:
                    w = w + self.rho * (y[wrong] @ Xa[wrong])
                    weights.append(w.copy())
                    updates.append((epoch, -1))
            errors.append(made)
            train_errors.append(int(xp.sum(perceptron_step(Xa @ w) != y)))
            if made == 0:
                converged = True
                break
        self.w = w
        self.history = {
            "errors": errors,
            "train_errors": train_errors,
            "weights": xp.stack(weights),
            "updates": updates,
            "converged": converged,
            "epochs": len(errors),
        }
        return self

    def __repr__(self):
        w = ", ".join(f"{float(v):.4g}" for v in to_numpy(self.w))
        return f"Perceptron(n_features={self.n_features}, rho={self.rho:g}, w=[{w}])"


# -- what can one straight line do? ----------------------------------------------------------
def _check_points(X, where):
    try:
        X = xp.asarray(X, dtype=xp.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: expected points of shape (N, 1) or (N, 2), got "
                         f"{type(X).__name__} {X!r}") from None
    check_input(X, where, (None, None), ("N", "d"))
    if X.shape[1] not in (1, 2):
        raise ValueError(f"{where}: expected points of shape (N, 1) or (N, 2), got {tuple(X.shape)} "
                         "(the exact enumeration is implemented for the line and the plane)")
    return X


def _directions(X):
    """Unit directions u, one inside every open arc between 'critical' directions.

    Along a direction u the points are ordered by their projections u . x; the order only changes
    where two projections tie, i.e. where u is perpendicular to x_j - x_i. Between two
    consecutive critical angles the order (hence the set of threshold classifiers) is constant, so
    one representative per arc covers every line. Returns an array (M, 2).
    """
    if X.shape[1] == 1:
        return xp.asarray([[1.0], [-1.0]])
    diff = X[:, None, :] - X[None, :, :]
    i, j = xp.triu_indices(X.shape[0], k=1)
    diff = diff[i, j]
    diff = diff[xp.any(diff != 0, axis=1)]
    # the critical directions are perpendicular to each difference vector (two opposite ones)
    phi = xp.arctan2(diff[:, 1], diff[:, 0]) + xp.pi / 2
    crit = xp.concatenate([phi, phi + xp.pi]) % (2 * xp.pi)
    crit = xp.unique(xp.concatenate([crit, xp.asarray([0.0])]))
    nxt = xp.concatenate([crit[1:], crit[:1] + 2 * xp.pi])
    mid = (crit + nxt) / 2
    return xp.stack([xp.cos(mid), xp.sin(mid)], axis=1)


def _threshold_classifiers(X):
    """All weight vectors (w0, w) of the representative lines: yields arrays (K, d + 1)."""
    for u in _directions(X):
        p = X @ u
        q = xp.unique(p)
        # thresholds strictly between consecutive distinct projections, plus both ends
        t = xp.concatenate([q[:1] - 1.0, (q[1:] + q[:-1]) / 2, q[-1:] + 1.0])
        W = xp.concatenate([-t[:, None], xp.broadcast_to(u, (t.shape[0], u.shape[0]))], axis=1)
        yield W


def linear_dichotomies(X):
    """Every labelling of the points ``X`` that one straight line can produce.

    ``X``: (N, 2) points in the plane (or (N, 1) on the line). A labelling assigns +1 to the
    points on one side of the line and -1 to the others (every point on one side gives the two
    constant labellings). The enumeration is exact: rotate a direction u through every arc in
    which the order of the projections u . x is fixed and slide the threshold through every gap.

    Returns a dict mapping each labelling (a tuple of N values in {-1, +1}) to a weight vector
    ``(w0, w1[, w2])`` that realises it with ``tau(w0 + w . x)``.
    """
    X = _check_points(X, "linear_dichotomies")
    found = {}
    Xa = xp.concatenate([xp.ones((X.shape[0], 1)), X], axis=1)
    for W in _threshold_classifiers(X):
        labels = to_numpy(perceptron_step(Xa @ W.T).T).astype(int)
        for row, w in zip(labels, to_numpy(W), strict=True):
            found.setdefault(tuple(int(v) for v in row), w)
    return found


def best_linear_accuracy(X, y, return_weights=False):
    """The highest training accuracy that any single straight line reaches on ``(X, y)``.

    ``X``: (N, 2) (or (N, 1)); ``y``: (N,) in {-1, +1}. Exhaustive and exact (see
    :func:`linear_dichotomies`): no line, whatever its weights, does better. For the four XOR
    samples the answer is 0.75. With ``return_weights`` also returns a weight vector
    ``(w0, w1, w2)`` that reaches it.
    """
    X = _check_points(X, "best_linear_accuracy")
    y = xp.asarray(y, dtype=xp.float64)
    _check_labels(y, X.shape[0], "best_linear_accuracy")
    Xa = xp.concatenate([xp.ones((X.shape[0], 1)), X], axis=1)
    best, best_w = -1.0, None
    for W in _threshold_classifiers(X):
        acc = xp.mean(perceptron_step(Xa @ W.T) == y[:, None], axis=0)
        k = int(xp.argmax(acc))
        if float(acc[k]) > best:
            best, best_w = float(acc[k]), W[k]
    return (best, best_w) if return_weights else best
