"""Reusable scratch arrays for the convolution layers (an implementation detail).

Large temporaries (the im2col matrix, a zero-padded copy of the input, the gradient of the
padded input) are the same size in every training step. Allocating them afresh each time is
slow: the C library hands large freed blocks back to the operating system, so every step pays
for fresh pages again. :func:`scratch` keeps one array per ``(name, shape, dtype)``, shared by
all layers, and hands it out again.

Never return a scratch array to the caller: the next call overwrites it. A layer that wants to
find its data in a scratch array later (e.g. im2col's matrix from ``forward`` in ``backward``)
passes an ``owner`` token and asks :func:`scratch_owner` whether another layer has written the
array since.
"""

from __future__ import annotations

from ..backend import xp

__all__ = []

_SHARED = {}          # (name, shape, dtype) -> array, least recently used first
_OWNERS = {}          # (name, shape, dtype) -> the token of the last writer
_SHARED_MAX = 64                  # distinct keys kept (a small ResNet uses about 26) ...
_SHARED_MAX_BYTES = 768 * 2 ** 20  # ... and at most this many bytes (least recently used go)


def _key(name, shape, dtype):
    # the backend's name is part of the key: an array of the previous backend is never handed
    # out after dlcore.use_backend switched modules
    from ..backend import backend_name

    return (backend_name(), name, tuple(int(s) for s in shape), xp.dtype(dtype).str)


def scratch(name, shape, dtype, zero=False, owner=None):
    """A temporary array of ``shape`` and ``dtype``, shared by all layers (contents undefined).

    ``zero=True`` fills a newly allocated array with zeros (an array handed out again keeps its
    contents, so a layer that only ever writes the interior keeps a zero border). ``owner``
    records who writes the array now (see :func:`scratch_owner`).
    """
    key = _key(name, shape, dtype)
    arr = _SHARED.pop(key, None)
    if arr is None or not isinstance(arr, xp.ndarray):
        _OWNERS.pop(key, None)
        nbytes = xp.dtype(dtype).itemsize
        for s in key[2]:
            nbytes *= s
        total = sum(a.nbytes for a in _SHARED.values())
        while _SHARED and (len(_SHARED) >= _SHARED_MAX or total + nbytes > _SHARED_MAX_BYTES):
            old = next(iter(_SHARED))
            total -= _SHARED.pop(old).nbytes
            _OWNERS.pop(old, None)
        arr = (xp.zeros if zero else xp.empty)(key[2], dtype=xp.dtype(dtype))
    _SHARED[key] = arr  # re-insert: most recently used last
    if owner is not None:
        _OWNERS[key] = owner
    return arr


def clear_scratch():
    """Free every scratch array (e.g. after training a large network in a notebook)."""
    _SHARED.clear()
    _OWNERS.clear()


def scratch_owner(name, shape, dtype):
    """The ``owner`` token of the last :func:`scratch` call that wrote this array, or None."""
    return _OWNERS.get(_key(name, shape, dtype))


def scratch_disown(name, shape, dtype):
    """Forget the owner of this array (its contents are no longer the owner's data)."""
    _OWNERS.pop(_key(name, shape, dtype), None)
