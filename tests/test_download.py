"""Tests for dlcore.datasets.load_mnist against a local HTTP server (no internet needed).

The server on 127.0.0.1 serves small fake MNIST files: /good/<file> with the right bytes,
/corrupt/<file> with damaged bytes, anything else 404. The expected SHA-256 table is patched to
the fake files' hashes.
"""

import gzip
import hashlib
import http.server
import io
import os
import socket
import threading

import numpy as np
import pytest

from dlcore import datasets

FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _idx_gz(array):
    raw = bytes([0, 0, 8, array.ndim]) + np.asarray(array.shape, ">i4").tobytes()
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(raw + array.astype(np.uint8).tobytes())
    return buf.getvalue()


def _fake_mnist():
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (12, 28, 28)),
        "train-labels-idx1-ubyte.gz": np.arange(12) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28)),
        "t10k-labels-idx1-ubyte.gz": np.arange(5),
    }
    return arrays, {name: _idx_gz(a) for name, a in arrays.items()}


ARRAYS, GOOD = _fake_mnist()
CORRUPT = {name: blob[:-3] + b"xyz" for name, blob in GOOD.items()}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        _, folder, name = (self.path.split("/") + ["", ""])[:3]
        body = {"good": GOOD, "corrupt": CORRUPT}.get(folder, {}).get(name)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def fake_hashes(monkeypatch):
    table = {name: hashlib.sha256(blob).hexdigest() for name, blob in GOOD.items()}
    monkeypatch.setitem(datasets.MNIST_FILES, "mnist", table)
    monkeypatch.setitem(datasets.MNIST_FILES, "fashion", dict(table))
    monkeypatch.delenv("DLCORE_MNIST_MIRROR", raising=False)
    monkeypatch.delenv("DLCORE_DATA_DIR", raising=False)
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):  # the server is local: never go through a proxy
        monkeypatch.delenv(var, raising=False)
    return table


def _closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/good/"


def _no_temp_files(folder):
    return [f for f in os.listdir(folder) if f.endswith(".part")] == []


@pytest.mark.network
def test_download_verify_parse_and_reuse_cache(server, fake_hashes, tmp_path):
    split = datasets.load_mnist(cache_dir=tmp_path, mirror=server + "/good/", timeout=5)
    assert split.X_train.shape == (12, 1, 28, 28) and split.X_test.shape == (5, 1, 28, 28)
    np.testing.assert_allclose(split.X_train[:, 0] * 255, ARRAYS["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(split.y_train, ARRAYS["train-labels-idx1-ubyte.gz"])
    assert split.y_test.dtype == np.int64 and split.X_train.max() <= 1.0
    folder = tmp_path / "mnist"
    assert sorted(os.listdir(folder)) == sorted(FILES)
    for name in FILES:
        assert (folder / name).read_bytes() == GOOD[name]
    # the second call needs no network: the verified cache is used
    again = datasets.load_mnist(cache_dir=tmp_path, mirror=_closed_port_url(), flatten=True,
                                dtype=np.float32)
    assert again.X_train.shape == (12, 784) and again.X_train.dtype == np.float32


@pytest.mark.network
def test_corrupt_cached_file_is_downloaded_again(server, fake_hashes, tmp_path):
    folder = tmp_path / "mnist"
    folder.mkdir()
    (folder / FILES[0]).write_bytes(b"truncated")
    datasets.load_mnist(cache_dir=tmp_path, mirror=server + "/good/", timeout=5)
    assert (folder / FILES[0]).read_bytes() == GOOD[FILES[0]]
    assert _no_temp_files(folder)


@pytest.mark.network
def test_corrupt_download_is_rejected_without_partial_file(server, fake_hashes, tmp_path):
    with pytest.raises(datasets.DownloadError) as info:
        datasets.load_mnist(cache_dir=tmp_path, mirror=server + "/corrupt/", timeout=5)
    msg = str(info.value)
    assert "did not match its SHA-256" in msg and "checksum mismatch" in msg
    assert os.listdir(tmp_path / "mnist") == []  # nothing partial or corrupt left behind


@pytest.mark.network
def test_second_mirror_is_used_when_the_first_fails(server, fake_hashes, tmp_path):
    mirrors = [server + "/corrupt/", server + "/missing/", server + "/good/"]
    split = datasets.load_mnist(cache_dir=tmp_path, mirror=mirrors, timeout=5)
    assert split.X_train.shape[0] == 12


@pytest.mark.network
def test_missing_files_give_the_offline_message(server, fake_hashes, tmp_path):
    base = server + "/missing/"
    with pytest.raises(datasets.DownloadError) as info:
        datasets.load_mnist(cache_dir=tmp_path, mirror=base, timeout=5)
    msg = str(info.value)
    assert msg.startswith("load_mnist: could not download")
    assert "404" in msg or "Not Found" in msg
    for name in FILES:
        assert name in msg and base + name in msg
    assert str(tmp_path / "mnist") in msg and "DLCORE_DATA_DIR" in msg
    assert _no_temp_files(tmp_path / "mnist")


@pytest.mark.network
def test_unreachable_server_gives_the_offline_message(fake_hashes, tmp_path):
    base = _closed_port_url()
    with pytest.raises(datasets.DownloadError) as info:
        datasets.load_mnist(cache_dir=tmp_path, mirror=base, timeout=5)
    msg = str(info.value)
    assert "could not download" in msg and "put them" in msg
    assert base + FILES[0] in msg and str(tmp_path / "mnist") in msg
    assert msg.count("skipped (server unreachable)") == 3  # tried once, not once per file


@pytest.mark.network
def test_environment_variables_choose_folder_and_mirror(server, fake_hashes, tmp_path,
                                                        monkeypatch):
    monkeypatch.setenv("DLCORE_DATA_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DLCORE_MNIST_MIRROR", server + "/good")  # no trailing slash
    split = datasets.load_mnist(kind="fashion", timeout=5)
    assert split.X_test.shape == (5, 1, 28, 28)
    assert sorted(os.listdir(tmp_path / "cache" / "fashion-mnist")) == sorted(FILES)


def test_default_tables_and_bad_kind():
    for kind in ("mnist", "fashion"):
        assert sorted(datasets.MNIST_FILES[kind]) == sorted(FILES)
        assert all(len(h) == 64 and int(h, 16) >= 0 for h in datasets.MNIST_FILES[kind].values())
        assert len(datasets.MIRRORS[kind]) == 2
        assert all(m.endswith("/") for m in datasets.MIRRORS[kind])
    with pytest.raises(ValueError, match="load_mnist: expected kind 'mnist' or 'fashion', got"):
        datasets.load_mnist(kind="cifar")
