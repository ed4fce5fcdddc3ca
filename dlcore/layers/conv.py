"""Convolution: the 2-D convolution layer and the im2col trick that makes it fast (10장).

Deep learning's "convolution" slides a kernel over the image and takes a weighted sum at every
position *without* flipping the kernel, which mathematics calls cross-correlation; PyTorch,
this book and most texts call it convolution all the same. For an input ``x`` of shape
``(N, C, H, W)``, a weight ``w`` of shape ``(F, C, KH, KW)`` and a bias ``b`` of shape ``(F,)``::

    out[n, f, i, j] = b[f] + sum_{c, u, v} x_pad[n, c, i*SH + u, j*SW + v] * w[f, c, u, v]

where ``x_pad`` is ``x`` with ``P`` rows/columns of zeros around each side. The output has
``OH = (H + 2P - KH) // SH + 1`` rows (and likewise ``OW`` columns; :func:`conv_output_size`).

Three implementations, from obvious to fast:

* :func:`conv2d_naive` – the formula above as loops; slow, used to check the others.
* :func:`im2col` / :func:`col2im` – copy every receptive field into one column of a matrix, so
  that the whole convolution becomes one matrix product (:func:`conv2d`).
* :class:`Conv2d` – the layer: im2col forward, and backward with two more matrix products and
  :func:`col2im`. It keeps its large scratch arrays between steps, because allocating them
  afresh every step costs more than the arithmetic.
"""

from __future__ import annotations

from .. import init
from .._validate import check_float_dtype, check_input, check_positive_int, is_int
from ..backend import xp
from ..module import Module, Parameter
from ..parallel import get_num_threads, run_chunks
from ._workspace import flat_buffer, scratch, scratch_disown, scratch_owner

__all__ = ["Conv2d", "conv2d", "conv2d_naive", "conv_output_size", "im2col", "col2im", "pad2d"]


# -- small helpers ---------------------------------------------------------------------------
def _pair(value, where, name, minimum=1):
    """``3`` -> ``(3, 3)``; ``(3, 5)`` stays; ints >= ``minimum`` only (ValueError otherwise)."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        pair = tuple(value)
    else:
        pair = (value, value)
    for v in pair:
        if not is_int(v) or v < minimum:
            kind = "a positive integer" if minimum >= 1 else "a non-negative integer"
            raise ValueError(f"{where}: expected {name} to be {kind} or a pair of them, "
                             f"got {value!r}")
    return tuple(int(v) for v in pair)


def conv_output_size(input_size, kernel_size, stride=1, padding=0, where="conv_output_size"):
    """Output length of a convolution (or pooling) along one axis.

    ``OH = (H + 2P - K) // S + 1`` — the book's formula ``(H + 2P - K)/S + 1``. When ``S`` does
    not divide ``H + 2P - K`` the division is rounded down (as in PyTorch): the last
    ``(H + 2P - K) % S`` rows of the padded input are never covered by the kernel.

    Inputs:
    - input_size: H (int >= 1)
    - kernel_size: K (int >= 1)
    - stride: S (int >= 1)
    - padding: P (int >= 0)

    Returns:
    - OH, a positive int. Raises ``ValueError`` when the kernel is larger than the padded input
      (``H + 2P < K``), since no output position would exist.

    Example: ``conv_output_size(5, 3)`` is 3; ``conv_output_size(32, 5, 1, 2)`` is 32.
    """
    input_size = check_positive_int(input_size, where, "input_size")
    kernel_size = check_positive_int(kernel_size, where, "kernel_size")
    stride = check_positive_int(stride, where, "stride")
    if not is_int(padding) or padding < 0:
        raise ValueError(f"{where}: expected padding to be a non-negative integer, got {padding!r}")
    padding = int(padding)
    padded = input_size + 2 * padding
    if padded < kernel_size:
        raise ValueError(
            f"{where}: expected the kernel ({kernel_size}) to fit in the padded input "
            f"(H + 2P = {input_size} + 2*{padding} = {padded}), got a larger kernel; "
            f"the output size (H + 2P - K)/S + 1 would be {(padded - kernel_size) / stride + 1:g}")
    return (padded - kernel_size) // stride + 1


def _output_hw(x_shape, kh, kw, sh, sw, ph, pw, where):
    _, _, H, W = x_shape
    try:
        oh = conv_output_size(H, kh, sh, ph, where)
        ow = conv_output_size(W, kw, sw, pw, where)
    except ValueError:
        raise ValueError(
            f"{where}: expected the {kh}x{kw} kernel to fit in the padded input of size "
            f"{H + 2 * ph}x{W + 2 * pw} (input {H}x{W}, padding ({ph}, {pw})), "
            f"got an input that is too small") from None
    return oh, ow


def _padded(x, ph, pw, buffer=None):
    """``x`` (N, C, H, W) with ``ph`` zero rows and ``pw`` zero columns on each side.

    With ``buffer`` (an array of the padded shape whose border is already zero, e.g. from an
    earlier call), only the interior is written. Returns ``x`` itself when there is no padding.
    """
    if ph == 0 and pw == 0:
        return x
    N, C, H, W = x.shape
    if buffer is None:
        buffer = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=x.dtype)
    buffer[:, :, ph:ph + H, pw:pw + W] = x
    return buffer


def pad2d(x, padding):
    """Zero padding: ``x`` (N, C, H, W) with P (or (PH, PW)) rows/columns of zeros on each side.

    Returns a new array of shape (N, C, H + 2*PH, W + 2*PW); e.g. a 32x32 RGB image padded by
    2 becomes 36x36: ``pad2d(x, 2).shape == (1, 3, 36, 36)`` for x of shape (1, 3, 32, 32).
    """
    check_input(x, "pad2d", (None, None, None, None), names=("N", "C", "H", "W"))
    ph, pw = _pair(padding, "pad2d", "padding", minimum=0)
    out = _padded(x, ph, pw)
    return out.copy() if out is x else out


def _patches(xpad, kh, kw, sh, sw, oh, ow):
    """A view (no copy) of every receptive field: shape (C, KH, KW, N, OH, OW).

    ``view[c, u, v, n, i, j] = xpad[n, c, i*SH + u, j*SW + v]``.
    """
    sN, sC, sH, sW = xpad.strides
    N, C = xpad.shape[:2]
    return xp.lib.stride_tricks.as_strided(
        xpad, shape=(C, kh, kw, N, oh, ow),
        strides=(sC, sH, sW, sN, sH * sh, sW * sw))


# -- im2col / col2im ---------------------------------------------------------------------------
def im2col(x, kh, kw, stride=1, padding=0, out=None):
    """Unfold every receptive field of ``x`` into a column of one matrix.

    Inputs:
    - x: images, shape (N, C, H, W)
    - kh, kw: kernel height and width
    - stride: S or (SH, SW); padding: P or (PH, PW) (zeros added on every side)
    - out: optional array of shape (C*KH*KW, N*OH*OW) and x's dtype to write into

    Returns:
    - col, shape (C*KH*KW, N*OH*OW). Column ``n*OH*OW + i*OW + j`` holds the patch under the
      kernel at output position (i, j) of image n; row ``c*KH*KW + u*KW + v`` is the pixel at
      kernel offset (u, v) of channel c. The convolution is then the matrix product
      ``w.reshape(F, -1) @ col`` of shape (F, N*OH*OW) (see :func:`conv2d`).

    Every input pixel appears in up to KH*KW columns, so ``col`` is about KH*KW/(SH*SW) times
    larger than ``x``: im2col trades memory for one large, fast matrix product.
    """
    where = "im2col"
    check_input(x, where, (None, None, None, None), names=("N", "C", "H", "W"))
    kh = check_positive_int(kh, where, "kh")
    kw = check_positive_int(kw, where, "kw")
    sh, sw = _pair(stride, where, "stride")
    ph, pw = _pair(padding, where, "padding", minimum=0)
    oh, ow = _output_hw(x.shape, kh, kw, sh, sw, ph, pw, where)
    N, C = x.shape[:2]
    shape = (C * kh * kw, N * oh * ow)
    if out is None:
        out = xp.empty(shape, dtype=x.dtype)
    elif tuple(out.shape) != shape or out.dtype != x.dtype:
        raise ValueError(f"{where}: expected out of shape {shape} and dtype {x.dtype}, "
                         f"got {tuple(out.shape)} and {out.dtype}")
    xpad = _padded(x, ph, pw)
    _im2col_into(xpad, kh, kw, sh, sw, oh, ow, out)
    return out


def _im2col_into(xpad, kh, kw, sh, sw, oh, ow, col):
    """Copy the patches of the (already padded) ``xpad`` into ``col`` (C*KH*KW, N*OH*OW)."""
    N, C = xpad.shape[:2]
    col.reshape(C, kh, kw, N, oh, ow)[...] = _patches(xpad, kh, kw, sh, sw, oh, ow)
    return col


def _im2col_wide(x, kh, kw, ph, pw, oh, owner=None):
    """im2col for stride 1 with whole padded rows (the fast path of :class:`Conv2d`).

    With stride 1, the patch of output (i, j) at kernel offset (u, v) is the padded pixel
    (i+u, j+v), i.e. flat index ``(i*WP + j) + (u*WP + v)`` of the padded image (width WP).
    Computing the output for *all* WP columns j (the last WP - OW of them are garbage, dropped
    later) turns each row of ``col`` into one contiguous run of the padded image,
    ``flat[u*WP + v : u*WP + v + OH*WP]``, which copies far faster than OW-long pieces.

    Inputs: x (N, C, H, W); kernel KH x KW; padding PH, PW; OH = H + 2*PH - KH + 1; ``owner``
    is recorded on the shared scratch array (see ``_workspace.scratch``).
    Returns col of shape (C*KH*KW, N*OH*WP), a shared scratch array.
    """
    N, C, H, W = x.shape
    hp, wp = H + 2 * ph, W + 2 * pw
    # padded input plus one spare zero row, so the garbage columns never read past the end
    buf = scratch(f"conv_padw{ph},{pw}", (N, C, hp + 1, wp), x.dtype, zero=True)
    buf[:, :, ph:ph + H, pw:pw + W] = x
    length = oh * wp
    sN, sC, sH, sW = buf.strides
    runs = xp.lib.stride_tricks.as_strided(   # runs[c, u, v, n] = flat[n, c, u*WP+v :][:length]
        buf, shape=(C, kh, kw, N, length), strides=(sC, sH, sW, sN, sW))
    # (a new owner token even when the caller gives none: whichever layer's col was in this
    # array before must see that it is gone)
    col = scratch("conv_col", (C * kh * kw, N * length), x.dtype,
                  owner=object() if owner is None else owner)
    col.reshape(C, kh, kw, N, length)[...] = runs
    return col


def col2im(col, x_shape, kh, kw, stride=1, padding=0):
    """The adjoint of :func:`im2col`: add every column back onto the pixels it came from.

    Inputs:
    - col: shape (C*KH*KW, N*OH*OW), e.g. the gradient of the loss with respect to im2col's
      output
    - x_shape: (N, C, H, W), the shape of the images im2col unfolded
    - kh, kw, stride, padding: as for :func:`im2col`

    Returns:
    - dx, shape (N, C, H, W). A pixel that appeared in several receptive fields receives the
      *sum* of its entries (so ``col2im(im2col(x))`` is ``x`` times the number of fields that
      cover each pixel, not ``x``); entries that fell on the padding are dropped.
    """
    where = "col2im"
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4 \
            or not all(is_int(s) and s >= 1 for s in x_shape):
        raise ValueError(f"{where}: expected x_shape (N, C, H, W) of four positive ints, got "
                         f"{x_shape!r}")
    N, C, H, W = (int(s) for s in x_shape)
    kh = check_positive_int(kh, where, "kh")
    kw = check_positive_int(kw, where, "kw")
    sh, sw = _pair(stride, where, "stride")
    ph, pw = _pair(padding, where, "padding", minimum=0)
    oh, ow = _output_hw((N, C, H, W), kh, kw, sh, sw, ph, pw, where)
    check_input(col, where, (C * kh * kw, N * oh * ow), names=("C*KH*KW", "N*OH*OW"))
    dxpad = xp.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=col.dtype)
    _col2im_add(col, dxpad, kh, kw, sh, sw, oh, ow)
    return dxpad[:, :, ph:ph + H, pw:pw + W].copy()


def _col2im_add(col, dxpad, kh, kw, sh, sw, oh, ow):
    """``dxpad += col2im(col)`` for the padded shape of ``dxpad`` (N, C, H+2PH, W+2PW)."""
    N, C = dxpad.shape[:2]
    col6 = col.reshape(C, kh, kw, N, oh, ow)
    for u in range(kh):
        for v in range(kw):
            # the pixels that kernel offset (u, v) touched, laid out (N, C, OH, OW)
            target = dxpad[:, :, u:u + sh * (oh - 1) + 1:sh, v:v + sw * (ow - 1) + 1:sw]
            target += col6[:, u, v].transpose(1, 0, 2, 3)
    return dxpad


# -- functional convolutions -------------------------------------------------------------------
def _conv_args(x, w, stride, padding, where, b=None):
    """Validate x (N, C, H, W), w (F, C, KH, KW) and b (F,) or None for a functional
    convolution.

    Returns (sh, sw, ph, pw, OH, OW, dtype of the result)."""
    check_input(x, where, (None, None, None, None), names=("N", "C", "H", "W"))
    check_input(w, where, (None, x.shape[1], None, None), names=("F", "C", "KH", "KW"))
    if b is not None:
        if not hasattr(b, "shape"):
            raise ValueError(f"{where}: expected bias b of shape ({w.shape[0]},) (one per "
                             f"filter) or None, got {type(b).__name__}")
        if tuple(b.shape) != (w.shape[0],):
            raise ValueError(f"{where}: expected bias b of shape ({w.shape[0]},) (one per "
                             f"filter), got {tuple(b.shape)}")
        check_input(b, where, (w.shape[0],), names=("F",))
    sh, sw = _pair(stride, where, "stride")
    ph, pw = _pair(padding, where, "padding", minimum=0)
    oh, ow = _output_hw(x.shape, w.shape[2], w.shape[3], sh, sw, ph, pw, where)
    return sh, sw, ph, pw, oh, ow, xp.result_type(x.dtype, w.dtype)


def conv2d_naive(x, w, b=None, stride=1, padding=0):
    """The convolution written as plain loops (slow; a reference for tests and the book).

    Inputs:
    - x: shape (N, C, H, W); w: shape (F, C, KH, KW); b: shape (F,) or None
    - stride: S or (SH, SW); padding: P or (PH, PW)

    Returns:
    - out, shape (N, F, OH, OW), ``out[n, f, i, j] = b[f] + sum(window * w[f])`` where
      ``window = x_pad[n, :, i*SH : i*SH+KH, j*SW : j*SW+KW]`` (no kernel flip:
      cross-correlation, as in every deep-learning library).
    """
    where = "conv2d_naive"
    sh, sw, ph, pw, oh, ow, dtype = _conv_args(x, w, stride, padding, where, b)
    F, _, kh, kw = w.shape
    xpad = xp.zeros((x.shape[0], x.shape[1], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw),
                    dtype=dtype)
    xpad[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    out = xp.zeros((x.shape[0], F, oh, ow), dtype=dtype)
    for n in range(x.shape[0]):
        for f in range(F):
            for i in range(oh):
                for j in range(ow):
                    window = xpad[n, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, f, i, j] = xp.sum(window * w[f])
            if b is not None:
                out[n, f] += b[f]
    return out


def conv2d(x, w, b=None, stride=1, padding=0):
    """The convolution of :func:`conv2d_naive`, computed with :func:`im2col` and one product.

    Inputs and output as for :func:`conv2d_naive`: x (N, C, H, W), w (F, C, KH, KW),
    b (F,) or None → out (N, F, OH, OW). Handy for applying a hand-made kernel to an image.
    """
    where = "conv2d"
    sh, sw, ph, pw, oh, ow, dtype = _conv_args(x, w, stride, padding, where, b)
    F, _, kh, kw = w.shape
    col = im2col(x.astype(dtype, copy=False), kh, kw, (sh, sw), (ph, pw))
    out = w.reshape(F, -1).astype(dtype, copy=False) @ col           # (F, N*OH*OW)
    out = out.reshape(F, x.shape[0], oh, ow).transpose(1, 0, 2, 3)  # (N, F, OH, OW)
    if b is not None:
        check_input(b, where, (F,), names=("F",))
        out = out + b.reshape(1, F, 1, 1)
    return xp.ascontiguousarray(out)


# -- the layer ---------------------------------------------------------------------------------
_COL_BYTES = 4 * 2 ** 20   # largest im2col matrix of one chunk of the batch (Conv2d)


def _batch_chunks(n, bytes_per_image, limit=None):
    """Split n images into nearly equal chunks whose im2col matrices stay below ``limit``
    bytes (at least one image per chunk); returns [(start, stop), ...].

    More than one chunk is always an even number of them, so that two threads get equal
    shares. The chunks depend on the shapes only, never on the number of threads (the weight
    gradient is summed chunk by chunk, so its rounding depends on them)."""
    limit = _COL_BYTES if limit is None else limit
    per_chunk = max(1, int(limit // max(bytes_per_image, 1)))
    count = -(-n // per_chunk)
    if count > 1 and count % 2:
        count = min(count + 1, n)
    return [(i * n // count, (i + 1) * n // count) for i in range(count)]


def _kept_buffer(layer, x):
    """The layer's private array for its input (shape and dtype of ``x``), reused between
    steps; forward copies x into it chunk by chunk, so that a caller who refills x before
    backward does not change the gradients."""
    buf = getattr(layer, "_kept_input", None)
    if buf is None or buf.shape != x.shape or buf.dtype != x.dtype or buf is x:
        buf = xp.empty(x.shape, dtype=x.dtype)
    layer._kept_input = buf
    return buf


def _make_rng(seed, rng, where):
    """A random Generator from ``seed`` (int or None) or a ready ``rng`` — not both."""
    if rng is not None and seed is not None:
        raise ValueError(f"{where}: expected either seed or rng, got both")
    return init.make_rng(seed if rng is None else rng, where)


class Conv2d(Module):
    """2-D convolution layer (PyTorch's ``nn.Conv2d`` names and layouts) [LeCun1998].

    ``out[n, f] = b[f] + sum_c x_pad[n, c] ⋆ w[f, c]`` where ⋆ slides the KH x KW kernel with
    stride S (cross-correlation, see the module docstring).

    Args:
    - in_channels: C, the number of input channels
    - out_channels: F, the number of filters (output channels)
    - kernel_size: K or (KH, KW)
    - stride: S or (SH, SW), default 1
    - padding: P or (PH, PW) zeros added on every side, default 0
    - bias: whether to learn a bias per filter (default True)
    - dtype: dtype of the parameters and of the computation (default float64; use float32 for
      speed). Integer inputs are converted to it; a floating input of another dtype is an error
      (dlcore never changes float precision silently).
    - seed / rng: randomness of the initialisation (He uniform, U(±sqrt(6 / (C*KH*KW)))
      [He2015]; the bias starts at zero)
    - needs_input_grad: whether backward computes dL/dx (default True). The first layer of a
      network can skip it (nobody learns the data; PyTorch skips it too), saving a matrix
      product and a col2im; backward then returns None.

    Attributes:
    - weight: Parameter of shape (F, C, KH, KW)
    - bias: Parameter of shape (F,), or None

    Shapes:
    - input x: (N, C, H, W)
    - output: (N, F, OH, OW) with OH = (H + 2*PH - KH) // SH + 1, OW likewise
      (:func:`conv_output_size`)

    Implementation: forward unfolds the input with :func:`im2col` into ``col``
    (C*KH*KW, N*OH*OW) and computes ``W @ col`` with ``W = weight.reshape(F, C*KH*KW)``.
    Backward, with ``G`` the output gradient laid out (F, N*OH*OW)::

        dW = G @ col.T      db = G.sum(axis=1)      dx = col2im(W.T @ G)

    (With stride 1 the columns cover whole padded rows instead, see :func:`_im2col_wide`: the
    same products on a slightly wider ``col`` that copies much faster; dx is computed as a
    convolution of the output gradient, see :meth:`_input_grad_stride1`, and dW from the same
    unfolded gradient, see :meth:`_backward_wide`, so that x is unfolded only once.)

    Memory and speed: the layer keeps a private copy of its input x for backward (not ``col``,
    which is KH*KW times larger; other strides unfold x again in backward unless forward's
    ``col`` is still in place). The batch is processed in chunks (:func:`_batch_chunks`),
    which ``dlcore.set_num_threads(n)`` shares among n threads with the same result. Large
    temporaries live in scratch arrays shared by all layers and reused from step to step.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True,
                 dtype=None, seed=None, rng=None, needs_input_grad=True):
        where = "Conv2d"
        self.in_channels = check_positive_int(in_channels, where, "in_channels")
        self.out_channels = check_positive_int(out_channels, where, "out_channels")
        self.kernel_size = _pair(kernel_size, where, "kernel_size")
        self.stride = _pair(stride, where, "stride")
        self.padding = _pair(padding, where, "padding", minimum=0)
        dtype = check_float_dtype(dtype, where)
        kh, kw = self.kernel_size
        self.weight = Parameter(xp.empty((out_channels, in_channels, kh, kw), dtype=dtype),
                                name="weight")
        # He uniform, U(-b, b) with b = sqrt(6 / fan_in), fan_in = C*KH*KW [He2015]
        init.kaiming_uniform_(self.weight, rng=_make_rng(seed, rng, where))
        self.bias = Parameter(xp.zeros(out_channels, dtype=dtype), name="bias") if bias else None
        self.needs_input_grad = bool(needs_input_grad)
        self._cache = None

    def extra_repr(self):
        kh, kw = self.kernel_size
        s = f"{self.in_channels}, {self.out_channels}, kernel_size=({kh}, {kw})"
        s += f", stride={self.stride}"
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.bias is None:
            s += ", bias=False"
        return s

    def _as_own_dtype(self, x, where):
        dtype = self.weight.data.dtype
        if x.dtype == dtype:
            return x
        if x.dtype.kind == "f":
            raise ValueError(
                f"{where}: expected input of dtype {dtype} (the layer's dtype), got {x.dtype}; "
                f"convert with x.astype(...) or create the layer with dtype={x.dtype}")
        return x.astype(dtype)

    def forward(self, x):
        """x: (N, C, H, W) -> out: (N, F, OH, OW)."""
        where = "Conv2d"
        check_input(x, where, (None, self.in_channels, None, None),
                    names=("N", "C", "H", "W"))
        x = self._as_own_dtype(x, where)
        kh, kw = self.kernel_size
        N = x.shape[0]
        oh, ow = _output_hw(x.shape, kh, kw, *self.stride, *self.padding, where)
        self._cache = None
        out = xp.empty((N, self.out_channels, oh, ow), dtype=x.dtype)
        # the batch in chunks small enough that each chunk's im2col matrix stays below
        # _COL_BYTES (one chunk, the whole batch, for small inputs): less memory, and the
        # matrix stays in the processor's cache for the product that reads it. With
        # dlcore.set_num_threads(n), n threads share the chunks (dlcore.parallel).
        chunks = _batch_chunks(N, self._col_bytes_per_image(x, oh, ow))
        if self._wide(x.shape):
            # stride 1: the wide layout, with the views of every chunk prepared beforehand
            # (the threads then run little more than the copies and the products)
            kept = self._kept_wide(x)    # a private copy (the caller may refill its buffer)
            views = self._wide_views(x.shape, x.dtype, chunks)
            run_chunks(lambda i: self._forward_wide(x, kept, out, chunks[i], views[i]),
                       len(chunks))
            self._cache = (tuple(x.shape), oh, ow, chunks, None)
            return out
        kept = _kept_buffer(self, x)     # a private copy (the caller may refill its buffer)

        def forward_chunk(i):
            a, b = chunks[i]
            xp.copyto(kept[a:b], x[a:b])
            return self._forward_chunk(kept[a:b], out[a:b], oh, ow)

        caches = run_chunks(forward_chunk, len(chunks))
        self._cache = (tuple(x.shape), oh, ow, chunks, caches)
        return out

    # -- stride 1: the wide layout ------------------------------------------------------------
    def _wide(self, x_shape):
        """Whether this input takes the stride-1 path (wide im2col; dW from the unfolded G)."""
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        return self.stride == (1, 1) and ph <= kh - 1 and pw <= kw - 1

    def _kept_wide(self, x):
        """The layer's private copy of x, laid out (C, N, H, WG) with WG = W + KW - 1 and zeros
        in the last KW - 1 columns: the layout of the columns of the unfolded output gradient,
        so that backward multiplies by it directly (see :meth:`_backward_wide`)."""
        N, C, H, W = x.shape
        shape = (C, N, H, W + self.kernel_size[1] - 1)
        buf = getattr(self, "_kept_input", None)
        if buf is None or tuple(buf.shape) != shape or buf.dtype != x.dtype:
            buf = xp.zeros(shape, dtype=x.dtype)
        self._kept_input = buf
        return buf

    def _wide_views(self, x_shape, dtype, chunks):
        """For every chunk, the scratch views that forward and backward write and read.

        Per chunk of n images (shapes for C channels in, F out, a KH x KW kernel, padding P,
        OH = H + 2P - KH + 1, padded width WP = W + 2P, Q = K - 1 - P, WG = W + KW - 1):

        - ``pin``: the interior of the zero-padded input (n, C, H + 2PH + 1, WP), ``runs`` its
          rows as im2col reads them, ``col5``/``col`` the im2col matrix (C*KH*KW, n*OH*WP),
          ``prod`` the product (F, n*OH*WP) and ``res`` its valid columns as (n, F, OH, OW);
        - ``gin``: the interior of the output gradient padded by Q, ``gruns``, ``gcol5``/
          ``gcol`` its im2col matrix (F*KH*KW, n*H*WG), ``dprod`` (C, n*H*WG) and ``dres`` the
          valid columns of the input gradient as (n, C, H, W).

        The matrices of forward and backward share one flat buffer per worker (they are never
        needed at the same time). Views are cached and rebuilt only when a buffer changed.
        """
        workers = min(get_num_threads(), len(chunks))
        key = (tuple(x_shape), xp.dtype(dtype).str, tuple(chunks), workers)
        cached = getattr(self, "_views_cache", None)
        sizes = sorted({b - a for a, b in chunks})
        bufs = {}
        for k in range(workers):
            for n in sizes:
                bufs[k, n] = self._wide_buffers(x_shape, dtype, n, k)
        if cached is not None and cached[0] == key and all(
                all(p is q for p, q in zip(cached[1][kn], bufs[kn], strict=True))
                for kn in bufs):
            return cached[2]
        by_size = {kn: self._make_wide_views(x_shape, n, *bufs[kn]) for kn in bufs
                   for n in [kn[1]]}
        views = [by_size[i % workers, b - a] for i, (a, b) in enumerate(chunks)]
        self._views_cache = (key, bufs, views)
        return views

    def _wide_buffers(self, x_shape, dtype, n, worker):
        """The scratch arrays of one worker for a chunk of n images (see :meth:`_wide_views`)."""
        C, H, W, F, kh, kw, ph, pw, oh, ow, qh, qw, wp, wg = self._wide_sizes(x_shape)
        pad = scratch(f"conv_padw{ph},{pw}", (n, C, H + 2 * ph + 1, wp), dtype, zero=True,
                      worker=worker)
        gpad = scratch(f"conv_padw{qh},{qw}", (n, F, oh + 2 * qh + 1, ow + 2 * qw), dtype,
                       zero=True, worker=worker)
        col = flat_buffer("conv_col", max(C * kh * kw * n * oh * wp, F * kh * kw * n * H * wg),
                          dtype, worker)
        prod = flat_buffer("conv_prod", max(F, C) * n * max(oh * wp, H * wg), dtype, worker)
        return pad, gpad, col, prod

    def _wide_sizes(self, x_shape):
        """C, H, W, F, KH, KW, PH, PW, OH, OW, QH, QW, WP, WG of the wide layout (stride 1)."""
        _, C, H, W = x_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        oh, ow = H + 2 * ph - kh + 1, W + 2 * pw - kw + 1
        return (C, H, W, self.out_channels, kh, kw, ph, pw, oh, ow, kh - 1 - ph, kw - 1 - pw,
                W + 2 * pw, W + kw - 1)

    def _make_wide_views(self, x_shape, n, pad, gpad, col, prod):
        C, H, W, F, kh, kw, ph, pw, oh, ow, qh, qw, wp, wg = self._wide_sizes(x_shape)
        strided = xp.lib.stride_tricks.as_strided
        length, glength = oh * wp, H * wg
        sN, sC, sH, sW = pad.strides
        gN, gF, gH, gW = gpad.strides
        v = {
            "pin": pad[:, :, ph:ph + H, pw:pw + W],
            # runs[c, u, v, i] = pad[i, c].flat[u*WP + v :][:OH*WP] (see _im2col_wide)
            "runs": strided(pad, shape=(C, kh, kw, n, length), strides=(sC, sH, sW, sN, sW)),
            "col": col[:C * kh * kw * n * length].reshape(C * kh * kw, n * length),
            "prod": prod[:F * n * length].reshape(F, n * length),
            "gin": gpad[:, :, qh:qh + oh, qw:qw + ow],
            "gruns": strided(gpad, shape=(F, kh, kw, n, glength), strides=(gF, gH, gW, gN, gW)),
            "gcol": col[:F * kh * kw * n * glength].reshape(F * kh * kw, n * glength),
            "dprod": prod[:C * n * glength].reshape(C, n * glength),
        }
        v["col5"] = v["col"].reshape(C, kh, kw, n, length)
        v["res"] = v["prod"].reshape(F, n, oh, wp)[:, :, :, :ow].transpose(1, 0, 2, 3)
        v["gcol5"] = v["gcol"].reshape(F, kh, kw, n, glength)
        v["dres"] = v["dprod"].reshape(C, n, H, wg)[:, :, :, :W].transpose(1, 0, 2, 3)
        return v

    def _forward_wide(self, x, kept, out, chunk, v):
        """Forward of the images a:b (stride 1, wide layout) into ``out[a:b]``."""
        a, b = chunk
        W = x.shape[3]
        kept[:, a:b, :, :W] = x[a:b].transpose(1, 0, 2, 3)   # the private copy, for backward
        v["pin"][...] = x[a:b]                               # zero-padded input
        v["col5"][...] = v["runs"]                           # im2col (wide rows)
        xp.matmul(self.weight.data.reshape(self.out_channels, -1), v["col"], out=v["prod"])
        if self.bias is not None:                            # (n, F, OH, OW) + bias, one pass
            xp.add(v["res"], self.bias.data.reshape(1, -1, 1, 1), out=out[a:b])
        else:
            out[a:b] = v["res"]

    def _backward_wide(self, grad_out, dx, chunk, v, w_rot):
        """Backward of the images a:b (stride 1, wide layout): writes dx[a:b], returns this
        chunk's dW in the layout of the transposed convolution, (F*KH*KW, C).

        dx is the stride-1 convolution of G zero-padded by Q = K - 1 - P with the kernel
        rotated by 180° and its channel axes swapped (:meth:`_input_grad_stride1`): one
        im2col of G, ``gcol`` (F*KH*KW, n*H*WG), and one product. The same ``gcol`` gives dW:
        every product that ``w[f, c, u, v]`` took part in is ``G[i, f, y+P-u, x+P-v] *
        x[i, c, y, x]``, which is ``gcol[(f, KH-1-u, KW-1-v), (i, y, x)] * x[i, c, y, x]``, so::

            dW[f, c, u, v] = sum_{i, y, x} gcol[(f, KH-1-u, KW-1-v), (i, y, x)] * x[i, c, y, x]

        one product ``gcol @ Xᵀ`` with x kept as (C, N*H*WG) by forward (zeros in the WG - W
        extra columns, so that gcol's garbage there adds nothing). x is not unfolded again.
        """
        a, b = chunk
        C = self.in_channels
        v["gin"][...] = grad_out[a:b]                         # G, zero-padded by Q
        v["gcol5"][...] = v["gruns"]                          # im2col of G
        kept = self._kept_input[:, a:b]                       # x, (C, n, H, WG)
        dw_rot = xp.matmul(v["gcol"], kept.reshape(C, -1).T)  # (F*KH*KW, C)
        xp.matmul(w_rot, v["gcol"], out=v["dprod"])           # (C, n*H*WG)
        dx[a:b] = v["dres"]
        return dw_rot

    def _col_bytes_per_image(self, x, oh, ow):
        """Bytes of one image's share of the im2col matrix and of the product."""
        kh, kw = self.kernel_size
        rw = x.shape[3] + 2 * self.padding[1] if self.stride == (1, 1) else ow
        return (self.in_channels * kh * kw + self.out_channels) * oh * rw * x.dtype.itemsize

    def _forward_chunk(self, x, out, oh, ow):
        """The convolution of the images ``x`` (n, C, H, W), written into ``out`` (n, F, OH, OW).

        Returns what backward needs: (x, RW, token)."""
        F = self.out_channels
        n = x.shape[0]
        # 1. unfold: col (C*KH*KW, n*OH*RW); RW = OW, or the padded width in the wide layout
        token = object()                       # marks the col this call writes
        col, rw = self._unfold(x, oh, ow, token)

        # 2. one matrix product: (F, C*KH*KW) @ (C*KH*KW, n*OH*RW) -> (F, n*OH*RW)
        wmat = self.weight.data.reshape(F, -1)
        prod = scratch("conv_prod", (F, n * oh * rw), x.dtype)
        xp.matmul(wmat, col, out=prod)

        # 3. reorder (F, n, OH, OW) -> (n, F, OH, OW) and add the bias, in one pass
        prod_nf = prod.reshape(F, n, oh, rw)[:, :, :, :ow].transpose(1, 0, 2, 3)
        if self.bias is not None:
            xp.add(prod_nf, self.bias.data.reshape(1, F, 1, 1), out=out)
        else:
            out[...] = prod_nf
        return (x, rw, token)

    def _unfold(self, x, oh, ow, token):
        """im2col of ``x`` into a shared scratch array; returns (col, RW).

        Stride 1 uses the wide layout of :func:`_im2col_wide` (RW = padded width), other
        strides the plain :func:`im2col` layout (RW = OW). The array is shared with other layers
        of the same shape, so ``token`` records that this call wrote it.
        """
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph, pw = self.padding
        N, C, H, W = x.shape
        if (sh, sw) == (1, 1):
            return _im2col_wide(x, kh, kw, ph, pw, oh, token), W + 2 * pw
        xpad = x
        if ph or pw:
            xpad = _padded(x, ph, pw, scratch(f"conv_pad{ph},{pw}",
                                              (N, C, H + 2 * ph, W + 2 * pw), x.dtype, zero=True))
        col = scratch("conv_col", (C * kh * kw, N * oh * ow), x.dtype, owner=token)
        _im2col_into(xpad, kh, kw, sh, sw, oh, ow, col)
        return col, ow

    def backward(self, grad_out):
        """grad_out: (N, F, OH, OW) -> dx: (N, C, H, W); adds dL/dweight, dL/dbias to .grad.

        Returns None when ``needs_input_grad`` is False (e.g. the first layer of a network).
        """
        where = "Conv2d.backward"
        if self._cache is None:
            raise RuntimeError(f"{where}: call forward before backward")
        x_shape, oh, ow, chunks, caches = self._cache
        N = x_shape[0]
        F = self.out_channels
        check_input(grad_out, where, (N, F, oh, ow), names=("N", "F", "OH", "OW"),
                    finite=False)
        dtype = self.weight.data.dtype
        grad_out = grad_out.astype(dtype, copy=False)
        dx = xp.empty(x_shape, dtype=dtype) if self.needs_input_grad else None
        wgrad = self.weight.grad.reshape(F, -1)
        if caches is None and dx is not None:   # stride 1, wide layout
            views = self._wide_views(x_shape, dtype, chunks)
            kh, kw = self.kernel_size
            w_rot = xp.ascontiguousarray(   # (C, F*KH*KW): rotated by 180°, channels swapped
                self.weight.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(x_shape[1], -1)
            partial = run_chunks(
                lambda i: self._backward_wide(grad_out, dx, chunks[i], views[i], w_rot),
                len(chunks), reverse=True)
            # the chunks' dW, added in one fixed order (so that the result does not depend on
            # the number of threads), then turned back from (f, KH-1-u, KW-1-v, c) to (f, c, u, v)
            dw_rot = partial[-1].copy()
            for p in reversed(partial[:-1]):
                dw_rot += p
            wgrad += (dw_rot.reshape(F, kh, kw, -1)[:, ::-1, ::-1, :]
                      .transpose(0, 3, 1, 2).reshape(F, -1))
            if self.bias is not None:
                self.bias.grad += grad_out.sum(axis=(0, 2, 3))
            return dx
        if caches is None:   # stride 1 without dx: unfold x (from the wide copy) for dW only
            W = x_shape[3]
            xs = self._kept_input[:, :, :, :W].transpose(1, 0, 2, 3)
            caches = [(xs[a:b], x_shape[3] + 2 * self.padding[1], object()) for a, b in chunks]

        # last chunk first: its im2col matrix may still be in the scratch array
        def backward_chunk(i):
            a, b = chunks[i]
            return self._backward_chunk(grad_out[a:b], caches[i], oh, ow,
                                        None if dx is None else dx[a:b])

        partial = run_chunks(backward_chunk, len(chunks), reverse=True)
        # the chunks' weight and bias gradients, added in one fixed order (last chunk first),
        # so the result does not depend on the number of threads
        for dw_t, db in reversed(partial):
            wgrad += dw_t.T
            if db is not None:
                self.bias.grad += db
        return dx

    def _backward_chunk(self, grad_out, cache, oh, ow, dx):
        """Backward for one chunk of the batch: grad_out (n, F, OH, OW).

        Writes dL/dx of the chunk into ``dx`` (n, C, H, W; skipped when None) and returns this
        chunk's share of the parameter gradients: (dW transposed, (C*KH*KW, F); db (F,) or None).
        """
        x, rw, token = cache
        x_shape = x.shape
        N, C, H, W = x_shape
        F = self.out_channels
        kh, kw = self.kernel_size
        sh, sw = self.stride
        ph, pw = self.padding
        dtype = self.weight.data.dtype
        # im2col of the input again, unless forward's col is still there (no layer of the same
        # shape has run since): the layer keeps only x, like PyTorch, not the KH*KW times
        # larger col, and shares one col per shape with all other layers.
        col_shape = (C * kh * kw, N * oh * rw)
        if scratch_owner("conv_col", col_shape, dtype) is token:
            col = scratch("conv_col", col_shape, dtype)
        else:
            col, _ = self._unfold(x, oh, ow, token)

        # G: the output gradient laid out (F, N, OH, RW) like the forward product; in the wide
        # layout the RW - OW garbage columns stay zero, so they add nothing below
        g4 = scratch(f"conv_g{ow}", (F, N, oh, rw), dtype, zero=True)
        g4[:, :, :, :ow] = grad_out.transpose(1, 0, 2, 3)
        g = g4.reshape(F, N * oh * rw)

        db = g.sum(axis=1) if self.bias is not None else None
        # dW = G @ col.T, computed as (col @ G.T).T: BLAS is faster with the long axis N*OH*RW
        # summed over in this order
        dw_t = xp.matmul(col, g.T)
        if dx is None:
            return dw_t, db

        if (sh, sw) == (1, 1):
            scratch_disown("conv_col", col_shape, dtype)  # the next step overwrites col
            self._input_grad_stride1(grad_out, dx)
            return dw_t, db

        # dx = col2im(W.T @ G); col is not needed any more, dcol overwrites it
        wmat = self.weight.data.reshape(F, -1)
        dcol = col
        scratch_disown("conv_col", col_shape, dtype)
        xp.matmul(wmat.T, g, out=dcol)
        if ph or pw:
            dxpad = scratch("conv_dxpad", (N, C, H + 2 * ph, W + 2 * pw), dtype)
            dxpad.fill(0)
            _col2im_add(dcol, dxpad, kh, kw, sh, sw, oh, ow)
            dx[...] = dxpad[:, :, ph:ph + H, pw:pw + W]
        else:
            dx.fill(0)
            _col2im_add(dcol, dx, kh, kw, sh, sw, oh, ow)
        return dw_t, db

    def _input_grad_stride1(self, grad_out, dx):
        """dx for stride 1, computed as one more convolution ("transposed convolution").

        Every input pixel (y, x) met output (y + PH - u, x + PW - v) through kernel entry
        (u, v), so with G the output gradient zero-padded by Q = K - 1 - P on each side::

            dx[n, c, y, x] = sum_{f, u, v} G_pad[n, f, y + u, x + v] * w[f, c, KH-1-u, KW-1-v]

        — a stride-1 convolution of G with the kernel rotated by 180° and its two channel axes
        swapped. It gives the same numbers as ``col2im(W.T @ G)`` but needs no scatter-add.
        (When P > K - 1, Q is negative: G is cropped by -Q instead of padded.)
        Shapes: grad_out (N, F, OH, OW) -> dx (N, C, H, W), written into ``dx``.
        """
        N, C, H, W = dx.shape
        kh, kw = self.kernel_size
        ph, pw = self.padding
        oh, ow = grad_out.shape[2:]
        qh, qw = kh - 1 - ph, kw - 1 - pw
        cut_h, cut_w = max(-qh, 0), max(-qw, 0)
        g = grad_out[:, :, cut_h:oh - cut_h, cut_w:ow - cut_w]
        wg = W + kw - 1                                            # padded width of G
        colg = _im2col_wide(g, kh, kw, max(qh, 0), max(qw, 0), H)  # (F*KH*KW, N*H*WG)
        w_rot = self.weight.data[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, F, KH, KW)
        prod = scratch("conv_prod", (C, N * H * wg), grad_out.dtype)
        xp.matmul(w_rot.reshape(C, -1), colg, out=prod)
        dx[...] = prod.reshape(C, N, H, wg)[:, :, :, :W].transpose(1, 0, 2, 3)
        return dx
