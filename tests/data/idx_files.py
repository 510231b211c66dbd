"""Writers for small data files in the real formats (IDX, CSV), for loader tests."""
import gzip
import struct
from pathlib import Path

import numpy as np


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09}
    header = bytes([0, 0, codes[array.dtype], array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape)
    data = header + array.tobytes()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def fake_mnist(root: Path, n_train: int = 200, n_test: int = 50, seed: int = 0,
               gz: bool = True) -> Path:
    """A learnable MNIST-shaped data set: class k lights up a horizontal band of rows."""
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28)).astype(np.uint8)
        for i, k in enumerate(labels):
            images[i, 2 * k + 4:2 * k + 7, 4:24] = 250
        suffix = ".gz" if gz else ""
        write_idx(root / f"{prefix}-images-idx3-ubyte{suffix}", images, gz)
        write_idx(root / f"{prefix}-labels-idx1-ubyte{suffix}", labels, gz)
    return root
