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

Each of dlcore's worker threads (:mod:`dlcore.parallel`) gets its own arrays: the key includes
the worker's index, so two chunks of a batch processed at the same time never share a buffer.
"""

from __future__ import annotations

import threading

from ..backend import xp
from ..parallel import worker_index

__all__ = []

_SHARED = {}          # (name, shape, dtype) -> array, least recently used first
_OWNERS = {}          # (name, shape, dtype) -> the token of the last writer
_LOCK = threading.Lock()          # the two dicts are shared by the worker threads
_SHARED_MAX = 64                  # distinct keys kept (a small ResNet uses about 26) ...
_SHARED_MAX_BYTES = 768 * 2 ** 20  # ... and at most this many bytes (least recently used go)


#: Names whose arrays of every shape share one flat buffer (the largest requested so far):
#: their contents never outlive the next call of the same name, so one buffer is enough.
_FLAT = frozenset({"conv_col", "conv_prod"})


def _key(name, shape, dtype, worker=None):
    # the backend's name is part of the key: an array of the previous backend is never handed
    # out after dlcore.use_backend switched modules
    from ..backend import backend_name

    shape = None if name in _FLAT else tuple(int(s) for s in shape)
    worker = worker_index() if worker is None else worker
    return (backend_name(), worker, name, shape, xp.dtype(dtype).str)


def _flat_scratch(name, shape, dtype, owner, worker=None):
    """A view of shape ``shape`` on the one flat buffer of ``name`` (grown when too small)."""
    key = _key(name, shape, dtype, worker)
    shape = tuple(int(s) for s in shape)
    size = 1
    for s in shape:
        size *= s
    buf = _SHARED.pop(key, None)
    if buf is None or not isinstance(buf, xp.ndarray) or buf.size < size:
        _SHARED.pop(key, None)
        buf = None       # (free the old buffer before allocating the larger one)
        buf = xp.empty(size, dtype=xp.dtype(dtype))
    _SHARED[key] = buf
    # a new owner token even without one: whoever wrote the buffer before must see it is gone
    _OWNERS[key] = (object() if owner is None else owner, shape)
    return buf[:size].reshape(shape)


def scratch(name, shape, dtype, zero=False, owner=None, worker=None):
    """A temporary array of ``shape`` and ``dtype``, shared by all layers (contents undefined).

    ``zero=True`` fills a newly allocated array with zeros (an array handed out again keeps its
    contents, so a layer that only ever writes the interior keeps a zero border). ``owner``
    records who writes the array now (see :func:`scratch_owner`). The names in ``_FLAT``
    (im2col matrices, products) share one buffer for all shapes. ``worker``: the array of that
    worker thread (default: the calling thread's, see :func:`dlcore.parallel.worker_index`).
    """
    with _LOCK:
        return _scratch(name, shape, dtype, zero, owner, worker)


def flat_buffer(name, size, dtype, worker=None):
    """The whole flat buffer of a ``_FLAT`` name, at least ``size`` elements long (1-D).

    For a layer that carves its own views out of it: the buffer stays the same object from
    call to call until someone asks for a larger one (then a new one replaces it), so views
    cached together with the buffer are valid as long as ``flat_buffer`` returns that object.
    """
    with _LOCK:
        _flat_scratch(name, (size,), dtype, None, worker)
        return _SHARED[_key(name, (size,), dtype, worker)]


def _scratch(name, shape, dtype, zero, owner, worker=None):
    if name in _FLAT and not zero:
        return _flat_scratch(name, shape, dtype, owner, worker)
    key = _key(name, shape, dtype, worker)
    arr = _SHARED.pop(key, None)
    if arr is None or not isinstance(arr, xp.ndarray):
        _OWNERS.pop(key, None)
        nbytes = xp.dtype(dtype).itemsize
        for s in key[3]:
            nbytes *= s
        total = sum(a.nbytes for a in _SHARED.values())
        while _SHARED and (len(_SHARED) >= _SHARED_MAX or total + nbytes > _SHARED_MAX_BYTES):
            old = next(iter(_SHARED))
            total -= _SHARED.pop(old).nbytes
            _OWNERS.pop(old, None)
        arr = (xp.zeros if zero else xp.empty)(key[3], dtype=xp.dtype(dtype))
    _SHARED[key] = arr  # re-insert: most recently used last
    if owner is not None:
        _OWNERS[key] = owner
    return arr


def clear_scratch():
    """Free every scratch array (e.g. after training a large network in a notebook).

    A convolution layer that cached views of its arrays lets them go at its next call."""
    with _LOCK:
        _SHARED.clear()
        _OWNERS.clear()


def scratch_owner(name, shape, dtype):
    """The ``owner`` token of the last :func:`scratch` call that wrote this array, or None."""
    with _LOCK:
        got = _OWNERS.get(_key(name, shape, dtype))
    if name in _FLAT:
        if got is None or got[1] != tuple(int(s) for s in shape):
            return None
        return got[0]
    return got


def scratch_disown(name, shape, dtype):
    """Forget the owner of this array (its contents are no longer the owner's data)."""
    with _LOCK:
        _OWNERS.pop(_key(name, shape, dtype), None)
