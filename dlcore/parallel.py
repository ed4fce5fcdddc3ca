"""Threads for dlcore's own work: ``set_num_threads`` (like ``torch.set_num_threads``).

NumPy runs a matrix product on several cores (BLAS has its own threads), but every other
operation — the copies of im2col, batch norm, ReLU — on one. In a convolutional network those
single-threaded passes sit between the products, and BLAS's threads gain nothing there (in
``bench/README.md`` an im2col copy and its product together got *slower* with a second BLAS
thread). dlcore can
instead split a layer's batch into fixed chunks and give the chunks to ``n`` worker threads,
each of which does the *whole* chunk — copies and product — on its core. NumPy releases
Python's global interpreter lock inside its loops and BLAS calls, so the threads really run at
the same time.

- The chunks do not depend on the number of threads, and partial results (e.g. the weight
  gradient of each chunk) are added up in the same fixed order, so results are *identical*
  with 1, 2 or 8 threads.
- With ``n > 1`` BLAS is limited to one thread per call (through ``threadpoolctl``, one of
  dlcore's dependencies), as PyTorch's ``set_num_threads`` also sets the threads of its BLAS:
  two workers each asking BLAS for two threads ran slower than one, and so did dlcore's
  workers while OpenBLAS kept its own threads for the products in between (they wait by
  spinning, on the cores the workers need). ``set_num_threads(1)`` gives BLAS back
  the thread count it had before. The large products of :class:`~dlcore.layers.Linear` are
  then split among dlcore's workers instead (:func:`matmul`).
- The default is 1 (everything in the calling thread), or ``DLCORE_NUM_THREADS`` from the
  environment. The CuPy backend ignores the setting (the GPU is parallel already).

>>> import dlcore
>>> dlcore.set_num_threads(2)     # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from ._validate import check_positive_int
from .backend import xp

__all__ = ["set_num_threads", "get_num_threads", "run_chunks", "parts", "run_parts", "matmul"]

_MAX_THREADS = 64
# blas: threadpoolctl's controller of BLAS (False: none); limit: the limiter set_num_threads set
_state = {"n": 1, "pool": None, "blas": None, "limit": None}
_local = threading.local()      # .worker: the index of the worker running on this thread


def get_num_threads():
    """The number of worker threads dlcore uses (1: everything runs in the calling thread)."""
    return _state["n"]


def set_num_threads(n):
    """Use ``n`` threads for dlcore's chunked layer work; returns the old value.

    Split among the threads: the batch chunks of every convolution, matrix products above
    :data:`BLOCK_MACS` multiply-adds, ReLU and non-overlapping max pooling.

    ``n`` is a positive integer (at most 64). Results do not depend on ``n``. With ``n > 1``
    BLAS runs one thread per call until ``set_num_threads(1)`` (see the module docstring).
    """
    n = check_positive_int(n, "set_num_threads", "n")
    if n > _MAX_THREADS:
        raise ValueError(f"set_num_threads: expected n <= {_MAX_THREADS}, got {n}")
    old = _state["n"]
    if n == old:
        return old
    if _state["pool"] is not None:
        _state["pool"].shutdown(wait=True)
        _state["pool"] = None
    if n > 1:
        _state["pool"] = ThreadPoolExecutor(n - 1, thread_name_prefix="dlcore")
        if _state["limit"] is None:
            _state["limit"] = _blas().limit(limits=1) if _blas() else False
    elif _state["limit"]:
        _state["limit"].restore_original_limits()
    if n == 1:
        _state["limit"] = None
    _state["n"] = n
    return old


def _blas():
    """threadpoolctl's controller of the loaded BLAS libraries (False without threadpoolctl)."""
    if _state["blas"] is None:
        try:
            from threadpoolctl import ThreadpoolController
            _state["blas"] = ThreadpoolController().select(user_api="blas")
        except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
            _state["blas"] = False
    return _state["blas"]


def _one_blas_thread():
    """A context in which BLAS uses one thread per call (threadpoolctl; 5 µs to enter), in
    case BLAS's threads were raised again after :func:`set_num_threads`."""
    if not _blas():  # pragma: no cover
        return contextlib.nullcontext()
    return _blas().limit(limits=1)


def worker_index():
    """0 in the calling thread, k in dlcore's k-th worker thread (for per-worker buffers)."""
    return getattr(_local, "worker", 0)


def run_chunks(fn, count, reverse=False):
    """``[fn(i) for i in range(count)]``, with the calls shared among the worker threads.

    Worker k (the calling thread is worker 0) runs i = k, k + n, k + 2n, ... in that order
    (in descending order with ``reverse=True``), so each worker can keep its own scratch
    buffers. Returns the results in index order; the first exception raised by any call is
    raised here after every worker has stopped. Runs serially with one thread, with one
    chunk, on the CuPy backend, or when called from inside a worker.
    """
    n = min(_state["n"], count)
    if n <= 1 or _state["pool"] is None or getattr(_local, "busy", False) or _on_gpu():
        order = range(count - 1, -1, -1) if reverse else range(count)
        results = [None] * count
        for i in order:
            results[i] = fn(i)
        return results

    results = [None] * count

    def work(k):
        _local.worker, _local.busy = k, True
        try:
            indices = list(range(k, count, n))
            for i in (reversed(indices) if reverse else indices):
                results[i] = fn(i)
        finally:
            _local.worker, _local.busy = 0, False

    error = None
    with _one_blas_thread():
        futures = [_state["pool"].submit(work, k) for k in range(1, n)]
        try:
            work(0)
        except BaseException as exc:   # wait for the others before raising
            error = exc
        for f in futures:
            exc = f.exception()
            if exc is not None and error is None:
                error = exc
    if error is not None:
        raise error
    return results


#: arrays smaller than this (elements) are never split: a thread hand-off costs about as much
#: as a pass over 64k floats
MIN_SPLIT_SIZE = 1 << 16
_WHOLE = (slice(None),)


def parts(length, size):
    """Slices cutting ``range(length)`` into one near-equal part per worker thread.

    Just ``[slice(None)]`` (the whole axis) with one thread, on the GPU, or when ``size`` (the
    elements of the whole array) is below :data:`MIN_SPLIT_SIZE`. For operations that treat
    each index of the axis on its own (elementwise work, or per-channel statistics), the
    result does not depend on how the axis is cut.
    """
    if _state["n"] <= 1 or size < MIN_SPLIT_SIZE:
        return _WHOLE
    n = min(_state["n"], length)
    if n <= 1 or getattr(_local, "busy", False) or _on_gpu():
        return _WHOLE
    step = -(-length // n)
    return [slice(a, min(a + step, length)) for a in range(0, length, step)]


def run_parts(fn, slices):
    """``fn(s)`` for every slice of ``slices`` (from :func:`parts`), shared among the workers."""
    if len(slices) == 1:
        fn(slices[0])
        return
    run_chunks(lambda i: fn(slices[i]), len(slices))


#: products of more multiply-adds than this are computed in blocks of rows (:func:`matmul`)
BLOCK_MACS = 1 << 24


def matmul(a, b, out=None):
    """``a @ b`` for 2-D arrays, the rows of the result shared among the worker threads.

    A product of more than :data:`BLOCK_MACS` multiply-adds is computed in an even number of
    blocks of rows of ``a``; the blocks depend on the shapes only, never on the number of
    threads, so the result is the same with any number of them (BLAS may round a block of
    rows differently from the whole product, so the blocks themselves, not only their order,
    must be fixed). Smaller products are one call of ``xp.matmul``.
    """
    rows = a.shape[0]
    count = -(-rows * a.shape[1] * b.shape[1] // BLOCK_MACS)
    if count <= 1:
        return xp.matmul(a, b, out=out)
    if out is None:
        out = xp.empty((rows, b.shape[1]), dtype=xp.result_type(a.dtype, b.dtype))
    count = min(count + count % 2, rows)
    bounds = [i * rows // count for i in range(count + 1)]
    run_chunks(lambda i: xp.matmul(a[bounds[i]:bounds[i + 1]], b,
                                   out=out[bounds[i]:bounds[i + 1]]), count)
    return out


def _on_gpu():
    from .backend import backend_name

    return backend_name() != "numpy"


def _from_environment():
    value = os.environ.get("DLCORE_NUM_THREADS", "").strip()
    if not value:
        return
    try:
        n = int(value)
    except ValueError:
        raise ValueError(f"dlcore: expected DLCORE_NUM_THREADS to be a positive integer, got "
                         f"{value!r}") from None
    set_num_threads(n)


_from_environment()
