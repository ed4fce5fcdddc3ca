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
import zipfile
from pathlib import Path

import numpy as np

from .backend import to_numpy

__all__ = ["save", "load", "save_state", "load_state", "CheckpointError"]


def save_state(state, path):
    """Write a dict of arrays to ``path`` (``.npz``) atomically; returns the path.

    Args:
        state: mapping name → array (NumPy or backend arrays; copied to the host).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"save_state: expected a file path (str or Path), got "
                         f"{type(path).__name__}")
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


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: empty, truncated, corrupted, not an ``.npz``, a
    folder, or holding pickled objects. The message names the file and what is wrong."""


def load_state(path):
    """Read a ``.npz`` checkpoint into a dict name → NumPy array (``allow_pickle=False``).

    Raises ``FileNotFoundError`` when nothing is at ``path`` and :class:`CheckpointError` (a
    ``ValueError``) naming the file for every file that is not a readable checkpoint.
    """
    return _read_checkpoint(path, "load_state")


def _read_checkpoint(path, where):
    if not isinstance(path, (str, os.PathLike)):
        raise ValueError(f"{where}: expected a file path (str or Path), got "
                         f"{type(path).__name__}")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{where}: no checkpoint at {path}")

    def bad(what):
        return CheckpointError(f"{where}: {path} is not a readable dlcore checkpoint: {what}")

    if path.is_dir():
        raise bad("it is a folder, expected an .npz file written by dlcore.io.save")
    if path.stat().st_size == 0:
        raise bad("the file is empty (an interrupted copy?)")
    with open(path, "rb") as f:
        head = f.read(6)
    if head.startswith(b"\x93NUMPY"):
        raise bad("it holds a single array (.npy), expected an .npz archive of named arrays "
                  "written by dlcore.io.save")
    if not head.startswith(b"PK"):
        kind = "a pickle" if head[:1] == b"\x80" else "not a zip archive"
        raise bad(f"expected an .npz archive (a zip file), got {kind} (first bytes "
                  f"{head.hex()})")
    try:
        with np.load(path, allow_pickle=False) as data:
            state = {key: data[key] for key in data.files}
    except CheckpointError:
        raise
    except ValueError as err:
        if "pickle" in str(err).lower():
            raise bad("it holds pickled Python objects, which dlcore never loads (they can "
                      "run code); save plain arrays with dlcore.io.save") from None
        raise bad(f"the data are damaged ({err})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise bad(f"the file is truncated or corrupted, or not an .npz archive "
                  f"({type(err).__name__}: {err})") from None
    if not state:
        raise bad("the archive holds no arrays")
    return state


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
    state = _read_checkpoint(path, "load")
    try:
        model.load_state_dict(state)  # checks keys and shapes, then writes (all or nothing)
    except ValueError as err:
        raise ValueError(f"load: checkpoint {path} does not fit {type(model).__name__}: "
                         f"{err}") from None
    return model
