"""Checkpoints: a model's parameters and buffers in a NumPy ``.npz`` file.

``save(model, "model.npz")`` writes ``model.state_dict()`` (one array per name, e.g.
``layers.0.weight``) atomically: to a temporary file in the same folder, then ``os.replace``, so
an interrupted save never leaves a half-written checkpoint. ``load(model, "model.npz")`` reads it
with ``allow_pickle=False`` (a checkpoint can hold only plain arrays, never code) and copies the
arrays into the model after checking every name and shape.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from .backend import to_numpy

__all__ = ["save", "load", "save_state", "load_state"]


def save_state(state, path):
    """Write a dict of arrays to ``path`` (``.npz``) atomically; returns the path.

    Args:
        state: mapping name → array (NumPy or backend arrays; copied to the host).
    """
    path = Path(path)
    if not state:
        raise ValueError(f"save_state: expected a non-empty dict of arrays, got {state!r}")
    arrays = {str(k): to_numpy(v) for k, v in state.items()}
    for key, value in arrays.items():
        if value.dtype == object:
            raise ValueError(f"save_state: expected numeric arrays, got dtype object for {key!r}")
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_state(path):
    """Read a ``.npz`` checkpoint into a dict name → NumPy array (``allow_pickle=False``)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"load_state: no checkpoint at {path}")
    with np.load(path, allow_pickle=False) as data:
        return {key: data[key] for key in data.files}


def save(model, path):
    """Save ``model.state_dict()`` (parameters and buffers) to ``path`` as ``.npz``.

    Returns the path. Reload with :func:`load` into a model of the same architecture.
    """
    if not hasattr(model, "state_dict"):
        raise ValueError(f"save: expected a dlcore Module, got {type(model).__name__}")
    return save_state(model.state_dict(), path)


def load(model, path):
    """Load a checkpoint written by :func:`save` into ``model``; returns the model.

    Raises ``ValueError`` when the checkpoint does not fit the model: missing or unexpected
    keys (all listed), or an array whose shape differs (naming the key, the expected and the
    received shape). Arrays are cast to the dtype of the model's parameters.
    """
    if not hasattr(model, "load_state_dict"):
        raise ValueError(f"load: expected a dlcore Module, got {type(model).__name__}")
    state = load_state(path)
    try:
        model.load_state_dict(state)  # checks keys and shapes
    except ValueError as err:
        raise ValueError(f"load: checkpoint {path} does not fit {type(model).__name__}: "
                         f"{err}") from None
    return model
