"""dlcore.parallel: worker threads for chunked layer work, and results that do not depend on them.

The promise tested here: with BLAS on one thread, every layer, loss and optimiser gives the
*same bits* with 1, 2 or 3 dlcore threads (the chunks and the order of every sum are fixed by
the shapes alone), and bad arguments give clear errors.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import numpy as np
import pytest

import dlcore
from dlcore import layers, losses, optim, parallel
from dlcore._validate import all_finite
from dlcore.gradcheck import check_module
from dlcore.layers import _workspace as ws

threadpoolctl = pytest.importorskip("threadpoolctl")


@pytest.fixture(autouse=True)
def one_thread_after():
    yield
    parallel.set_num_threads(1)


def blas_threads():
    return [lib["num_threads"] for lib in threadpoolctl.threadpool_info()
            if lib["user_api"] == "blas"]


# -- the setting ---------------------------------------------------------------------------------
def test_set_num_threads_returns_the_old_value_and_accepts_numpy_integers():
    assert parallel.get_num_threads() == 1
    assert parallel.set_num_threads(np.int64(2)) == 1
    assert parallel.get_num_threads() == 2
    assert dlcore.set_num_threads(3) == 2 and dlcore.get_num_threads() == 3
    assert parallel.set_num_threads(1) == 3


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", None, True, 65, np.float64(2.0)])
def test_set_num_threads_rejects_what_is_not_a_thread_count(bad):
    with pytest.raises(ValueError, match="set_num_threads: expected"):
        parallel.set_num_threads(bad)
    assert parallel.get_num_threads() == 1


def test_blas_gets_one_thread_while_dlcore_uses_several_and_its_own_count_back_after():
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        if not blas_threads():
            pytest.skip("no BLAS library that threadpoolctl can see")
        before = blas_threads()
        parallel.set_num_threads(2)
        assert set(blas_threads()) == {1}
        parallel.set_num_threads(3)
        assert set(blas_threads()) == {1}
        parallel.set_num_threads(1)
        assert blas_threads() == before


def test_threadpoolctl_sees_the_openblas_that_numpy_was_built_with():
    """Without this, set_num_threads could not limit BLAS (threadpoolctl < 3.5 and NumPy 2)."""
    name = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    if "openblas" not in name.lower():
        pytest.skip(f"NumPy uses {name}, not OpenBLAS")
    assert blas_threads(), (f"threadpoolctl {threadpoolctl.__version__} sees no BLAS library, "
                            f"though NumPy uses {name}")


def test_environment_variable_sets_the_threads_at_import_and_a_bad_one_is_named():
    code = "import dlcore; print(dlcore.get_num_threads())"
    env = dict(os.environ, DLCORE_NUM_THREADS="2")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2"
    env["DLCORE_NUM_THREADS"] = "two"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode != 0
    assert "DLCORE_NUM_THREADS to be a positive integer, got 'two'" in out.stderr


# -- run_chunks / parts --------------------------------------------------------------------------
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("reverse", [False, True])
def test_run_chunks_returns_results_in_index_order_and_each_worker_keeps_its_share(threads,
                                                                                  reverse):
    parallel.set_num_threads(threads)
    seen = []
    lock = threading.Lock()

    def f(i):
        with lock:
            seen.append((parallel.worker_index(), i))
        return i * i

    assert parallel.run_chunks(f, 7, reverse=reverse) == [i * i for i in range(7)]
    n = min(threads, 7)
    for k in range(n):
        mine = [i for w, i in seen if w == k]
        expected = list(range(k, 7, n))
        assert mine == (expected[::-1] if reverse else expected)


def test_run_chunks_raises_the_first_error_after_every_worker_stopped():
    parallel.set_num_threads(2)
    done = []

    def f(i):
        if i == 1:
            raise KeyError("chunk 1")
        done.append(i)
        return i

    with pytest.raises(KeyError, match="chunk 1"):
        parallel.run_chunks(f, 6)
    assert sorted(done) == [0, 2, 4]   # worker 0's share; worker 1 stopped at its error
    assert parallel.run_chunks(lambda i: i, 3) == [0, 1, 2]   # the pool still works


def test_nested_run_chunks_run_in_the_worker_itself():
    parallel.set_num_threads(2)
    inner = parallel.run_chunks(lambda i: parallel.run_chunks(
        lambda j: (parallel.worker_index(), j), 2), 2)
    assert inner[0] == [(0, 0), (0, 1)] and inner[1] == [(1, 0), (1, 1)]


def test_parts_cut_an_axis_only_when_it_pays_and_never_on_another_backend(monkeypatch):
    assert parallel.parts(100, 10 ** 7) == (slice(None),)          # one thread
    parallel.set_num_threads(2)
    assert parallel.parts(100, 10) == (slice(None),)                # too small to split
    assert parallel.parts(100, 10 ** 7) == [slice(0, 50), slice(50, 100)]
    assert parallel.parts(1, 10 ** 7) == (slice(None),)             # nothing to cut
    from dlcore import backend
    monkeypatch.setattr(backend, "backend_name", lambda: "cupy")
    assert parallel.parts(100, 10 ** 7) == (slice(None),)
    assert parallel.run_chunks(lambda i: parallel.worker_index(), 4) == [0, 0, 0, 0]


# -- the same bits with any number of threads ------------------------------------------------------
def _run_layer(make, x, g, threads):
    parallel.set_num_threads(threads)
    layer = make()
    y = layer(x)
    dx = layer.backward(g(y))
    grads = [p.grad.copy() for p in layer.parameters()]
    return [y, dx, *grads]


def _assert_same_bits(make, x, g=lambda y: np.cos(y)):
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        ref = _run_layer(make, x, g, 1)
        for threads in (2, 3):
            got = _run_layer(make, x, g, threads)
            for a, b in zip(ref, got, strict=True):
                if a is None:
                    assert b is None
                    continue
                assert a.dtype == b.dtype and a.shape == b.shape
                np.testing.assert_array_equal(a, b)


CONVS = [  # (C, F, kernel, stride, padding, bias, needs_input_grad, H)
    (16, 16, 3, 1, 1, False, True, 28),     # the ResNet's stride-1 path: many chunks
    (8, 16, 3, 2, 1, False, True, 28),      # stride 2: col2im
    (8, 16, 1, 2, 0, False, True, 14),      # 1x1 projection
    (1, 30, 5, 1, 0, True, False, 28),      # a first layer: no dx
    (4, 6, 5, 1, 3, True, True, 12),        # padding > kernel - 1: the cropped path
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("C, F, k, s, p, bias, needs_dx, H", CONVS)
def test_conv2d_gives_the_same_bits_with_any_number_of_threads(dtype, C, F, k, s, p, bias,
                                                               needs_dx, H):
    x = np.random.default_rng(0).standard_normal((64, C, H, H)).astype(dtype)
    _assert_same_bits(lambda: layers.Conv2d(C, F, k, s, p, bias=bias, dtype=dtype, seed=1,
                                            needs_input_grad=needs_dx), x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dense_and_elementwise_layers_give_the_same_bits_with_any_number_of_threads(dtype):
    rng = np.random.default_rng(1)
    x2 = rng.standard_normal((256, 512)).astype(dtype)
    x4 = rng.standard_normal((64, 16, 24, 24)).astype(dtype)
    _assert_same_bits(lambda: layers.Linear(512, 300, dtype=dtype, seed=2), x2)  # split product
    _assert_same_bits(layers.ReLU, x4)
    _assert_same_bits(lambda: layers.MaxPool2d(2), x4)
    _assert_same_bits(lambda: layers.BatchNorm2d(16, dtype=dtype), x4)
    _assert_same_bits(lambda: layers.ResidualBlock(16, 32, stride=2, dtype=dtype, seed=3), x4)


def test_training_a_small_convnet_gives_the_same_parameters_with_any_number_of_threads():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((96, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 96)

    def train(threads):
        parallel.set_num_threads(threads)
        model = dlcore.Sequential(
            layers.Conv2d(1, 8, 3, padding=1, bias=False, dtype=np.float32, seed=0,
                          needs_input_grad=False),
            layers.BatchNorm2d(8, dtype=np.float32), layers.ReLU(),
            layers.ResidualBlock(8, 16, stride=2, dtype=np.float32, seed=1),
            layers.GlobalAvgPool2d(), layers.Linear(16, 10, dtype=np.float32, seed=2))
        loss = losses.CrossEntropyLoss()
        opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-4)
        for step in range(3):
            b = slice(32 * step, 32 * step + 32)
            opt.zero_grad()
            loss.forward(model(X[b]), y[b])
            model.backward(loss.backward())
            opt.step()
        return [p.data.copy() for p in model.parameters()]

    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        ref = train(1)
        for a, b in zip(ref, train(2), strict=True):
            np.testing.assert_array_equal(a, b)


def test_conv2d_gradients_pass_the_numerical_check_with_two_threads():
    parallel.set_num_threads(2)
    rng = np.random.default_rng(3)
    for s, p in [(1, 1), (2, 1), (1, 0)]:
        layer = layers.Conv2d(3, 4, 3, s, p, seed=4)
        x = rng.standard_normal((5, 3, 7, 7))
        check_module(layer, x, seed=5)   # raises GradCheckError on a mismatch


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matmul_is_one_product_or_fixed_row_blocks_whatever_the_threads(dtype):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((300, 500)).astype(dtype)
    b = rng.standard_normal((500, 200)).astype(dtype)
    small = rng.standard_normal((10, 20)).astype(dtype)
    assert 300 * 500 * 200 > parallel.BLOCK_MACS
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        ref = parallel.matmul(a, b)
        tol = 1e-3 if dtype == np.float32 else 1e-10     # sums of 500 products of size ~1
        np.testing.assert_allclose(ref, a @ b, rtol=0, atol=tol)
        np.testing.assert_array_equal(parallel.matmul(small, small.T), small @ small.T)
        for threads in (2, 3):
            parallel.set_num_threads(threads)
            out = np.empty((300, 200), dtype=dtype)
            assert parallel.matmul(a, b, out=out) is out
            np.testing.assert_array_equal(out, ref)
            c, d = a[:50, :100], b[:100, :50]          # below BLOCK_MACS: one product
            np.testing.assert_array_equal(parallel.matmul(c, d), np.matmul(c, d))


# -- optimisers: small parameters updated together -------------------------------------------------
class _AdamOneByOne(optim.Adam):
    _groups_small = False


class _RMSpropOneByOne(optim.RMSprop):
    _groups_small = False


class _AdaGradOneByOne(optim.AdaGrad):
    _groups_small = False


@pytest.mark.parametrize("grouped, single, kw", [
    (optim.Adam, _AdamOneByOne, {"lr": 1e-2, "weight_decay": 0.01, "l1": 0.001}),
    (optim.RMSprop, _RMSpropOneByOne, {"lr": 1e-2}),
    (optim.AdaGrad, _AdaGradOneByOne, {"lr": 1e-1, "l1": 0.01})])
def test_grouped_small_parameters_get_exactly_the_update_of_one_by_one(grouped, single, kw):
    rng = np.random.default_rng(4)
    shapes = [(5000,), (3,), (4, 5), (7,), (2, 3, 4), (70, 70)]
    start = [rng.standard_normal(s) for s in shapes] + [rng.standard_normal(4).astype(np.float32)]
    params = {k: [dlcore.Parameter(a.copy()) for a in start] for k in ("grouped", "single")}
    opts = {"grouped": grouped(params["grouped"], **kw), "single": single(params["single"], **kw)}
    assert opts["grouped"]._groups and not opts["single"]._groups
    for step in range(4):
        grads = [rng.standard_normal(a.shape).astype(a.dtype) for a in start]
        for k in ("grouped", "single"):
            for p, g in zip(params[k], grads, strict=True):
                p.grad[...] = g
            opts[k].step()
    for a, b in zip(params["grouped"], params["single"], strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    sa, sb = opts["grouped"].state_dict(), opts["single"].state_dict()
    for da, db in zip(sa["state"], sb["state"], strict=True):
        for name in da:
            np.testing.assert_array_equal(da[name], db[name])
    # loading the state writes into the grouped (flat) buffers, which the next step then uses
    fresh = grouped([dlcore.Parameter(a.copy()) for a in start], **kw)
    fresh.load_state_dict(sa)
    for da, s in zip(sa["state"], fresh.state, strict=True):
        for name in da:
            np.testing.assert_array_equal(s[name], da[name])


def test_a_step_refused_for_a_bad_gradient_changes_no_parameter():
    params = [dlcore.Parameter(np.ones(3)), dlcore.Parameter(np.ones(2)),
              dlcore.Parameter(np.ones((50, 100)))]
    opt = optim.Adam(params, lr=0.1)
    for p in params:
        p.grad[...] = 1.0
    params[2].grad = np.ones((100, 50))
    with pytest.raises(ValueError, match="Adam.step: expected grad of shape"):
        opt.step()
    assert opt.t == 0
    assert all((p.data == 1.0).all() for p in params)


# -- the fast finite check and the per-worker scratch arrays -------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_finite_finds_every_non_finite_value_and_trusts_no_overflowing_sum(dtype):
    x = np.random.default_rng(5).standard_normal(1 << 16).astype(dtype)
    assert all_finite(x)
    for bad in (np.nan, np.inf, -np.inf):
        y = x.copy()
        y[12344] = bad   # row 48, column 56: kept by the strided view below
        assert not all_finite(y)
        assert not all_finite(y.reshape(256, 256)[:, ::2].T)   # not contiguous
    huge = np.full(1 << 16, np.finfo(dtype).max / 4, dtype=dtype)
    with np.errstate(over="ignore"):
        assert not np.isfinite(huge.sum())
    assert all_finite(huge)                  # the sum overflows, every value is finite


def test_each_worker_gets_its_own_scratch_arrays_and_flat_buffers_grow():
    ws.clear_scratch()
    a0 = ws.scratch("test_w", (4,), np.float64, worker=0)
    a1 = ws.scratch("test_w", (4,), np.float64, worker=1)
    assert a0 is not a1 and ws.scratch("test_w", (4,), np.float64, worker=1) is a1
    f = ws.flat_buffer("conv_col", 10, np.float32, worker=1)
    assert f.ndim == 1 and f.size >= 10
    assert ws.flat_buffer("conv_col", 5, np.float32, worker=1) is f
    g = ws.flat_buffer("conv_col", 10 ** 4, np.float32, worker=1)
    assert g is not f and g.size >= 10 ** 4
    assert ws.flat_buffer("conv_col", 10, np.float32, worker=0) is not g
    ws.clear_scratch()
