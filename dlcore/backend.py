"""The array module dlcore computes with: NumPy by default, CuPy on request.

Every other dlcore module does its array math through :data:`xp`, a thin proxy that forwards
attribute access to the backend in use, so that the same layer code runs on a CPU (NumPy) or a
GPU (CuPy)::

    from dlcore.backend import xp
    y = xp.maximum(x, 0)

Choose the backend with :func:`use_backend` (``"numpy"``, ``"cupy"`` or any module that offers
NumPy's API) or with the environment variable ``DLCORE_BACKEND`` before importing dlcore.
"""

from __future__ import annotations

import importlib
import os
import types

import numpy as _np

__all__ = ["xp", "use_backend", "get_backend", "backend_name", "to_numpy", "to_device"]

_current: types.ModuleType = _np
_name: str = "numpy"


class _ArrayModuleProxy:
    """Forwards ``xp.<name>`` to the array module in use (see :func:`use_backend`)."""

    __slots__ = ()

    def __getattr__(self, attr):
        return getattr(_current, attr)

    def __repr__(self):
        return f"<dlcore array module: {_name}>"


xp = _ArrayModuleProxy()


def _load_cupy():
    try:
        cupy = importlib.import_module("cupy")
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "dlcore: the CuPy backend was requested, but CuPy is not installed. "
            "Install the wheel that matches your CUDA version, e.g. `pip install cupy-cuda12x`, "
            "or use the default NumPy backend: dlcore.use_backend('numpy')."
        ) from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(
            "dlcore: CuPy is installed but no CUDA GPU could be used "
            f"({type(exc).__name__}: {exc}). Use dlcore.use_backend('numpy') on this machine."
        ) from exc
    if count < 1:  # pragma: no cover - depends on the machine
        raise RuntimeError("dlcore: CuPy is installed but found no CUDA GPU. "
                           "Use dlcore.use_backend('numpy') on this machine.")
    return cupy


def use_backend(backend="numpy"):
    """Select the array module: ``"numpy"``, ``"cupy"``, or a module object with NumPy's API.

    Returns the module now in use. Raises ``RuntimeError`` with advice when CuPy or a GPU is
    missing, ``ValueError`` for an unknown name.
    """
    global _current, _name
    if isinstance(backend, str):
        key = backend.strip().lower()
        if key in ("numpy", "np", "cpu"):
            module, name = _np, "numpy"
        elif key in ("cupy", "cp", "gpu", "cuda"):
            module, name = _load_cupy(), "cupy"
        else:
            raise ValueError(
                f"use_backend: expected 'numpy' or 'cupy' (or an array module), got {backend!r}")
    elif hasattr(backend, "asarray") and hasattr(backend, "zeros"):
        module, name = backend, getattr(backend, "__name__", type(backend).__name__)
    else:
        raise ValueError(
            "use_backend: expected 'numpy', 'cupy' or a module with NumPy's API "
            f"(asarray, zeros, ...), got {type(backend).__name__}")
    _current, _name = module, name
    return module


def get_backend():
    """The array module in use (``numpy`` unless :func:`use_backend` chose another)."""
    return _current


def backend_name():
    """``"numpy"``, ``"cupy"`` or the name of a custom array module."""
    return _name


def to_numpy(a):
    """Return ``a`` as a NumPy array on the host (copies from the GPU when needed)."""
    if isinstance(a, _np.ndarray):
        return a
    get = getattr(a, "get", None)
    if callable(get) and hasattr(a, "__cuda_array_interface__"):  # cupy.ndarray
        return get()
    return _np.asarray(a)


def to_device(a, dtype=None):
    """Return ``a`` as an array of the backend in use (uploads to the GPU under CuPy)."""
    return _current.asarray(a, dtype=dtype)


_env = os.environ.get("DLCORE_BACKEND")
if _env:
    use_backend(_env)
