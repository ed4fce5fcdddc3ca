"""Tests for dlcore.layers.conv: Conv2d, im2col/col2im, conv2d, conv2d_naive, output size."""

import numpy as np
import pytest

from dlcore import Conv2d
from dlcore.gradcheck import check_module
from dlcore.layers.conv import col2im, conv2d, conv2d_naive, conv_output_size, im2col, pad2d

# the notes' worked example (10장): a 5x5 binary image and a 3x3 kernel
IMAGE = np.array([[1, 1, 1, 0, 0],
                  [0, 1, 1, 1, 0],
                  [0, 0, 1, 1, 1],
                  [0, 0, 1, 1, 0],
                  [0, 1, 1, 0, 0]])
KERNEL = np.array([[1, 0, 1],
                   [0, 1, 0],
                   [1, 0, 1]])
FEATURE_MAP = np.array([[4, 3, 4],
                        [2, 4, 3],
                        [2, 3, 4]])

# (C, F, kernel, stride, padding, H, W)
CONFIGS = [
    (1, 1, 3, 1, 0, 5, 5),
    (3, 4, 3, 1, 1, 7, 6),
    (2, 3, 3, 2, 1, 8, 8),
    (2, 3, (2, 3), 1, 2, 5, 6),
    (2, 2, (3, 2), (2, 1), (0, 2), 9, 7),
    (1, 2, 1, 2, 0, 6, 5),
    (3, 2, 5, 1, 2, 6, 6),
    (2, 3, 4, 3, 1, 10, 9),
]


def make_conv(C, F, k, s, p, seed=0, bias=True):
    layer = Conv2d(C, F, k, stride=s, padding=p, bias=bias, seed=seed)
    if bias:
        layer.bias.data[...] = np.random.default_rng(seed + 100).standard_normal(F)
    return layer


# -- the notes' example and the output size ------------------------------------------------------
def test_worked_example_5x5_image_3x3_kernel():
    x = IMAGE[None, None].astype(float)
    w = KERNEL[None, None].astype(float)
    np.testing.assert_array_equal(conv2d_naive(x, w)[0, 0], FEATURE_MAP)
    np.testing.assert_array_equal(conv2d(x, w)[0, 0], FEATURE_MAP)
    layer = Conv2d(1, 1, 3, bias=False)
    layer.weight.data[...] = w
    out = layer(IMAGE[None, None])          # an integer image is converted to the layer's dtype
    assert out.shape == (1, 1, 3, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out[0, 0], FEATURE_MAP)


def test_worked_example_kernel_is_symmetric_so_convolution_equals_correlation():
    """Deep learning's convolution does not flip the kernel; this kernel is unchanged by the
    180° flip, so the notes' result is the same under either definition."""
    np.testing.assert_array_equal(KERNEL[::-1, ::-1], KERNEL)
    x = IMAGE[None, None].astype(float)
    asym = np.arange(9.0).reshape(1, 1, 3, 3)
    flipped = conv2d(x, asym[:, :, ::-1, ::-1].copy())
    assert not np.array_equal(conv2d(x, asym), flipped)  # the flip matters in general


def test_padding_32x32x3_by_2_gives_36x36():
    x = np.ones((1, 3, 32, 32))
    padded = pad2d(x, 2)
    assert padded.shape == (1, 3, 36, 36)
    assert padded[:, :, 2:34, 2:34].sum() == 3 * 32 * 32 and padded.sum() == 3 * 32 * 32
    assert Conv2d(3, 1, 5, padding=2, seed=0)(x).shape == (1, 1, 32, 32)  # "same" padding


@pytest.mark.parametrize("H, K, S, P, expected", [
    (5, 3, 1, 0, 3), (32, 5, 1, 2, 32), (28, 5, 1, 0, 24), (28, 3, 2, 1, 14), (14, 3, 2, 1, 7),
    (28, 1, 2, 0, 14), (7, 2, 2, 0, 3), (4, 4, 1, 0, 1), (1, 3, 1, 1, 1)])
def test_conv_output_size(H, K, S, P, expected):
    assert conv_output_size(H, K, S, P) == expected
    assert conv_output_size(H, K, S, P) == (H + 2 * P - K) // S + 1


def test_conv_output_size_rejects_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match=r"conv_output_size: expected the kernel \(5\)"):
        conv_output_size(3, 5, 1, 0)


# -- im2col / col2im -----------------------------------------------------------------------------
@pytest.mark.parametrize("C, F, k, s, p, H, W", CONFIGS)
def test_im2col_columns_are_the_receptive_fields(C, F, k, s, p, H, W):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, C, H, W))
    kh, kw = (k, k) if isinstance(k, int) else k
    sh, sw = (s, s) if isinstance(s, int) else s
    ph, pw = (p, p) if isinstance(p, int) else p
    oh, ow = conv_output_size(H, kh, sh, ph), conv_output_size(W, kw, sw, pw)
    col = im2col(x, kh, kw, s, p)
    assert col.shape == (C * kh * kw, 2 * oh * ow)
    xp_ = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    for n in range(2):
        for i in range(oh):
            for j in range(ow):
                patch = xp_[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                np.testing.assert_array_equal(col[:, n * oh * ow + i * ow + j], patch.ravel())


@pytest.mark.parametrize("C, F, k, s, p, H, W", CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(C, F, k, s, p, H, W):
    """<im2col(x), c> == <x, col2im(c)> for all x, c: col2im is im2col's transpose."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, C, H, W))
    kh, kw = (k, k) if isinstance(k, int) else k
    col = im2col(x, kh, kw, s, p)
    c = rng.standard_normal(col.shape)
    back = col2im(c, x.shape, kh, kw, s, p)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(col * c), np.sum(x * back), rtol=1e-12)


def test_col2im_of_ones_counts_the_windows_covering_each_pixel():
    counts = col2im(np.ones((9, 9)), (1, 1, 5, 5), 3, 3)[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 3, 2, 1], [2, 4, 6, 4, 2], [3, 6, 9, 6, 3],
                                           [2, 4, 6, 4, 2], [1, 2, 3, 2, 1]])


def test_im2col_out_argument_is_used():
    x = np.random.default_rng(0).standard_normal((2, 2, 4, 4))
    out = np.empty((18, 8))
    assert im2col(x, 3, 3, out=out) is out


# -- forward -------------------------------------------------------------------------------------
@pytest.mark.parametrize("C, F, k, s, p, H, W", CONFIGS)
def test_conv2d_layer_matches_naive_loops(C, F, k, s, p, H, W):
    layer = make_conv(C, F, k, s, p)
    x = np.random.default_rng(3).standard_normal((3, C, H, W))
    expected = conv2d_naive(x, layer.weight.data, layer.bias.data, s, p)
    out = layer(x)
    assert out.shape == expected.shape and out.flags.c_contiguous
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(conv2d(x, layer.weight.data, layer.bias.data, s, p), expected,
                               rtol=1e-12, atol=1e-12)


def test_conv2d_without_bias():
    layer = Conv2d(2, 3, 3, padding=1, bias=False, seed=0)
    assert layer.bias is None and len(layer.parameters()) == 1
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    np.testing.assert_allclose(layer(x), conv2d_naive(x, layer.weight.data, None, 1, 1),
                               atol=1e-12)


def test_changing_batch_size_and_shape_between_calls():
    layer = make_conv(2, 3, 3, 1, 1)
    rng = np.random.default_rng(4)
    for shape in [(4, 2, 6, 6), (1, 2, 6, 6), (2, 2, 9, 5), (4, 2, 6, 6)]:
        x = rng.standard_normal(shape)
        np.testing.assert_allclose(layer(x), conv2d_naive(x, layer.weight.data, layer.bias.data,
                                                          1, 1), atol=1e-12)


def test_outputs_are_not_overwritten_by_later_calls():
    layer = make_conv(1, 2, 3, 1, 1)
    rng = np.random.default_rng(5)
    x1, x2 = rng.standard_normal((2, 1, 5, 5)), rng.standard_normal((2, 1, 5, 5))
    y1 = layer(x1)
    saved = y1.copy()
    layer(x2)
    np.testing.assert_array_equal(y1, saved)


def test_two_layers_with_the_same_shapes_do_not_share_state():
    a, b = make_conv(2, 2, 3, 1, 1, seed=0), make_conv(2, 2, 3, 1, 1, seed=1)
    rng = np.random.default_rng(6)
    xa, xb = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((2, 2, 5, 5))
    a(xa)
    b(xb)
    g = rng.standard_normal((2, 2, 5, 5))
    a.backward(g)                                   # uses a's input, not b's
    ref = make_conv(2, 2, 3, 1, 1, seed=0)
    ref(xa)
    ref.backward(g)
    np.testing.assert_allclose(a.weight.grad, ref.weight.grad, atol=1e-12)


# -- initialisation, dtype -----------------------------------------------------------------------
def test_he_uniform_initialisation_is_seeded():
    a, b, c = Conv2d(3, 8, 5, seed=1), Conv2d(3, 8, 5, seed=1), Conv2d(3, 8, 5, seed=2)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    bound = np.sqrt(6 / (3 * 5 * 5))
    assert np.abs(a.weight.data).max() <= bound and np.abs(a.weight.data).max() > 0.8 * bound
    np.testing.assert_array_equal(a.bias.data, 0)
    assert a.weight.shape == (8, 3, 5, 5) and a.bias.shape == (8,)
    g = np.random.default_rng(0)
    d = Conv2d(3, 8, 5, rng=g)
    assert d.weight.shape == (8, 3, 5, 5)


def test_float32_stays_float32():
    layer = Conv2d(2, 3, 3, stride=1, padding=1, dtype=np.float32, seed=0)
    x = np.random.default_rng(0).standard_normal((2, 2, 6, 6)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32
    dx = layer.backward(np.ones_like(y))
    assert dx.dtype == np.float32 and layer.weight.grad.dtype == np.float32
    ref = conv2d_naive(x.astype(float), layer.weight.data.astype(float),
                       layer.bias.data.astype(float), 1, 1)
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)


def test_needs_input_grad_false_skips_dx_but_keeps_parameter_gradients():
    x = np.random.default_rng(7).standard_normal((2, 1, 6, 6))
    a, b = make_conv(1, 2, 3, 1, 1), make_conv(1, 2, 3, 1, 1)
    b.needs_input_grad = False
    g = np.random.default_rng(8).standard_normal(a(x).shape)
    b(x)
    assert a.backward(g) is not None and b.backward(g) is None
    # (with dx, stride 1 computes dW from the unfolded output gradient; without, from the
    # unfolded input: the same sums in another order)
    np.testing.assert_allclose(a.weight.grad, b.weight.grad, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(a.bias.grad, b.bias.grad, rtol=1e-13, atol=1e-13)


def test_repr_and_state_dict():
    layer = Conv2d(3, 16, 3, stride=2, padding=1, seed=0)
    assert "Conv2d(3, 16, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))" == repr(layer)
    assert list(layer.state_dict()) == ["weight", "bias"]


# -- backward: gradient checks -------------------------------------------------------------------
@pytest.mark.parametrize("C, F, k, s, p, H, W", CONFIGS)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_gradcheck(C, F, k, s, p, H, W, mode):
    layer = make_conv(C, F, k, s, p)
    layer.train(mode == "train")
    x = np.random.default_rng(9).standard_normal((2, C, H, W))
    report = check_module(layer, x, rtol=1e-6)
    assert report.passed and report.max_error < 1e-6


def test_gradcheck_without_bias():
    layer = make_conv(2, 3, (3, 2), 2, 1, bias=False)
    report = check_module(layer, np.random.default_rng(10).standard_normal((2, 2, 7, 6)))
    assert report.passed


def test_backward_accumulates_into_grad():
    layer = make_conv(2, 2, 3, 1, 1)
    x = np.random.default_rng(11).standard_normal((2, 2, 5, 5))
    g = np.random.default_rng(12).standard_normal(layer(x).shape)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


# -- PyTorch reference ---------------------------------------------------------------------------
@pytest.mark.parametrize("C, F, k, s, p, H, W", CONFIGS)
def test_matches_torch_conv2d(C, F, k, s, p, H, W):
    torch = pytest.importorskip("torch")
    layer = make_conv(C, F, k, s, p)
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, C, H, W))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    dx = layer.backward(g)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    wt = torch.from_numpy(layer.weight.data.copy()).requires_grad_(True)
    bt = torch.from_numpy(layer.bias.data.copy()).requires_grad_(True)
    yt = torch.nn.functional.conv2d(xt, wt, bt, stride=s, padding=p)
    yt.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y, yt.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(layer.weight.grad, wt.grad.numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(layer.bias.grad, bt.grad.numpy(), atol=1e-10, rtol=0)


# -- scratch arrays ------------------------------------------------------------------------------
def test_scratch_arrays_are_reused_and_owned():
    from dlcore.layers import _workspace as ws
    a = ws.scratch("test_buf", (3, 4), np.float64, owner="me")
    assert ws.scratch("test_buf", (3, 4), np.float64) is a
    assert ws.scratch_owner("test_buf", (3, 4), np.float64) == "me"
    assert ws.scratch("test_buf", (3, 4), np.float32) is not a       # another dtype, another key
    ws.scratch_disown("test_buf", (3, 4), np.float64)
    assert ws.scratch_owner("test_buf", (3, 4), np.float64) is None
    ws.clear_scratch()
    assert ws.scratch("test_buf", (3, 4), np.float64) is not a


def test_scratch_keeps_a_bounded_number_of_arrays():
    from dlcore.layers import _workspace as ws
    for i in range(ws._SHARED_MAX + 10):
        ws.scratch(f"test_many{i}", (2,), np.float64)
    assert len(ws._SHARED) <= ws._SHARED_MAX
    ws.clear_scratch()


@pytest.mark.parametrize("stride", [1, 2])
def test_stacked_layers_sharing_scratch_shapes_get_their_own_gradients(stride):
    """Conv(4->8) then Conv(8->4): the second layer's input-gradient im2col has the shape of
    the first layer's col; the first layer must notice that its col was overwritten."""
    torch = pytest.importorskip("torch")
    from dlcore import Sequential
    a = make_conv(4, 8, 3, 1, 1, seed=1)
    b = make_conv(8, 4, 3, stride, 1, seed=2)
    net = Sequential(a, b)
    rng = np.random.default_rng(20)
    x = rng.standard_normal((2, 4, 6, 6))
    y = net(x)
    g = rng.standard_normal(y.shape)
    dx = net.backward(g)
    xt = torch.from_numpy(x.copy()).requires_grad_(True)
    ts = [(torch.from_numpy(m.weight.data.copy()).requires_grad_(True),
           torch.from_numpy(m.bias.data.copy()).requires_grad_(True)) for m in (a, b)]
    h = torch.nn.functional.conv2d(xt, *ts[0], padding=1)
    h = torch.nn.functional.conv2d(h, *ts[1], stride=stride, padding=1)
    h.backward(torch.from_numpy(g))
    np.testing.assert_allclose(y, h.detach().numpy(), atol=1e-10, rtol=0)
    np.testing.assert_allclose(dx, xt.grad.numpy(), atol=1e-10, rtol=0)
    for m, (wt, bt) in zip((a, b), ts, strict=True):
        np.testing.assert_allclose(m.weight.grad, wt.grad.numpy(), atol=1e-10, rtol=0)
        np.testing.assert_allclose(m.bias.grad, bt.grad.numpy(), atol=1e-10, rtol=0)


@pytest.mark.parametrize("stride, padding, bias", [(1, 1, True), (2, 1, False), (1, 0, True),
                                                   (2, 0, True)])
def test_conv_in_batch_chunks_matches_one_chunk(monkeypatch, stride, padding, bias):
    """A large batch is processed in chunks (small im2col matrices); the result must not change
    beyond rounding, and the chunked gradients must pass the numerical check."""
    import dlcore.layers.conv as conv_module
    from dlcore.gradcheck import check_module

    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 2, 6, 5))
    whole = Conv2d(2, 3, 3, stride=stride, padding=padding, bias=bias, seed=0)
    parts = Conv2d(2, 3, 3, stride=stride, padding=padding, bias=bias, seed=0)
    y1 = whole.forward(x)
    g = rng.standard_normal(y1.shape)
    dx1 = whole.backward(g)
    monkeypatch.setattr(conv_module, "_COL_BYTES", 1)     # one image per chunk
    y2 = parts.forward(x)
    assert len(parts._cache[3]) == 7
    dx2 = parts.backward(g)
    np.testing.assert_allclose(y2, y1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx2, dx1, rtol=1e-12, atol=1e-12)
    for p, q in zip(whole.parameters(), parts.parameters(), strict=True):
        np.testing.assert_allclose(q.grad, p.grad, rtol=1e-12, atol=1e-12)
    check_module(Conv2d(2, 3, 3, stride=stride, padding=padding, bias=bias, seed=1), x[:3])


def test_batch_chunks_cover_the_batch_evenly():
    from dlcore.layers.conv import _batch_chunks

    for n in range(1, 40):
        for per_image in (1, 3, 10, 100):
            chunks = _batch_chunks(n, per_image, limit=25)
            assert chunks[0][0] == 0 and chunks[-1][1] == n
            assert all(b == c for (_, b), (c, _) in zip(chunks, chunks[1:]))
            sizes = [b - a for a, b in chunks]
            assert max(sizes) - min(sizes) <= max(sizes) // 2 + 1 and min(sizes) >= 1
            assert max(sizes) * per_image <= 25 or max(sizes) == 1
