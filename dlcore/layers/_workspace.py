"""Reusable scratch arrays for the convolution and pooling layers (an implementation detail).

Large temporaries (the im2col matrix, a zero-padded copy of the input, the gradient of the
padded input) are the same size in every training step. Allocating them afresh each time is
slow: the C library hands large freed blocks back to the operating system, so every step pays
for fresh pages again. These helpers keep one array per key and hand it out again while the
shape and dtype stay the same.

* :class:`Workspace` – owned by one layer, for arrays that must live from ``forward`` to
  ``backward`` (the im2col matrix).
* :func:`scratch` – shared by all layers, for arrays used only inside one call (for example
  the gradient of the padded input inside ``backward``). Never return such an array to the
  caller: the next call overwrites it.
"""

from __future__ import annotations

from ..backend import xp

__all__ = []


class Workspace:
    """A few named arrays, reallocated only when their shape or dtype changes."""

    __slots__ = ("_arrays",)

    def __init__(self):
        self._arrays = {}

    def get(self, name, shape, dtype, zero=False):
        """An array of ``shape`` and ``dtype`` stored under ``name`` (contents undefined).

        ``zero=True`` fills a newly allocated array with zeros (an array handed out again keeps
        its contents).
        """
        shape = tuple(int(s) for s in shape)
        dtype = xp.dtype(dtype)
        arr = self._arrays.get(name)
        if (arr is None or arr.shape != shape or arr.dtype != dtype
                or not isinstance(arr, xp.ndarray)):
            arr = xp.zeros(shape, dtype=dtype) if zero else xp.empty(shape, dtype=dtype)
            self._arrays[name] = arr
        return arr

    def clear(self):
        self._arrays.clear()

    def __getstate__(self):  # do not pickle or deep-copy scratch memory
        return {}

    def __setstate__(self, state):
        self._arrays = {}

    def __deepcopy__(self, memo):
        return Workspace()


_SHARED = {}
_SHARED_MAX = 12  # distinct (name, shape, dtype) keys kept; the least recently used goes first


def scratch(name, shape, dtype, zero=False):
    """A temporary array shared by all layers (see the module docstring).

    One array is kept per ``(name, shape, dtype)``, so layers of different sizes do not evict
    each other; at most a dozen are kept.
    """
    shape = tuple(int(s) for s in shape)
    dtype = xp.dtype(dtype)
    key = (name, shape, dtype.str)
    arr = _SHARED.pop(key, None)
    if arr is None or not isinstance(arr, xp.ndarray):
        arr = xp.zeros(shape, dtype=dtype) if zero else xp.empty(shape, dtype=dtype)
        while len(_SHARED) >= _SHARED_MAX:
            _SHARED.pop(next(iter(_SHARED)))
    _SHARED[key] = arr  # re-insert: most recently used last
    return arr
