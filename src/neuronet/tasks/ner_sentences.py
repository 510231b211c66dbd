"""The BiLSTM tagger's featurizer: from sentences to rows of word, casing and character ids,
and the length-bucketed mini-batches it trains on.

A sentence of ``L`` words becomes an int64 array ``(L, 2 + MAX_CHARS)``: per word its
lower-cased vocabulary id (unknown: 1), its casing (``ner_windows.casing``) and the ids of its
first ``MAX_CHARS`` characters (printable ASCII ``' '..'~'`` -> 2..96, any other character
1, 0 pads). A batch pads its sentences to the longest one (word id 0) and its words to the
longest word in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor
from .ner_windows import Vocabulary, casing

#: Characters kept per word (longer words are cut).
MAX_CHARS = 20
#: Size of the character alphabet: padding, unknown and the 95 printable ASCII characters.
CHARS = 97
#: The BIO tags of CoNLL-2003, in the order of the tagger's outputs.
TAGS = ("O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC")
#: Batches whose sentences are shuffled together before being sorted by length.
BUCKET = 20


def char_ids(word: str) -> list[int]:
    """The ids of the first ``MAX_CHARS`` characters of ``word``."""
    return [o - 30 if 32 <= (o := ord(c)) < 127 else 1 for c in word[:MAX_CHARS]]


def encode_sentence(vocab: Vocabulary, words: Sequence[str]) -> np.ndarray:
    """One sentence as ``(len(words), 2 + MAX_CHARS)`` int64 rows: word id, casing, chars."""
    out = np.zeros((len(words), 2 + MAX_CHARS), dtype=np.int64)
    out[:, 0] = vocab.ids(words)
    for i, word in enumerate(words):
        out[i, 1] = casing(word)
        chars = char_ids(word)
        out[i, 2 : 2 + len(chars)] = chars
    return out


def pad_batch(
    sentences: Sequence[np.ndarray], tags: Sequence[np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(x, y)``: the sentences padded to ``(N, T, 2 + C)`` (``T`` the longest sentence,
    ``C`` the longest word, at least 1) and their tag ids ``(N, T)``, -1 at padding."""
    steps = max(len(s) for s in sentences)
    chars = max(1, max(int((s[:, 2:] != 0).sum(1).max(initial=0)) for s in sentences))
    x = np.zeros((len(sentences), steps, 2 + chars), dtype=np.int64)
    y = None if tags is None else np.full((len(sentences), steps), -1, dtype=np.int64)
    for i, s in enumerate(sentences):
        x[i, : len(s)] = s[:, : 2 + chars]
        if y is not None and tags is not None:
            y[i, : len(s)] = tags[i]
    return x, y


class SentenceBatches:
    """Mini-batches ``(x, y)`` (tensors, as ``pad_batch`` makes them) of ``batch_size``
    sentences. With ``shuffle``, each epoch draws a permutation from the library generator
    (so a resumed run continues its sequence), sorts each group of ``BUCKET`` batches' worth
    of sentences by length (little padding) and shuffles the order of the batches; without,
    the sentences come sorted by length (``order`` gives the indices of each batch)."""

    def __init__(
        self,
        sentences: Sequence[np.ndarray],
        tags: Sequence[np.ndarray],
        batch_size: int,
        shuffle: bool = True,
    ) -> None:
        if not sentences or any(len(s) == 0 for s in sentences):
            raise ValueError("SentenceBatches: expected non-empty sentences")
        self.dataset, self.tags = sentences, tags
        self.batch_size, self.shuffle = batch_size, shuffle
        self.lengths = np.array([len(s) for s in sentences])

    def __len__(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def order(self) -> list[np.ndarray]:
        """The sentence indices of each batch of the next epoch."""
        size = self.batch_size
        if not self.shuffle:
            ranked = np.argsort(-self.lengths, kind="stable")
            return [ranked[i : i + size] for i in range(0, len(ranked), size)]
        rng = numpy_generator()
        perm = rng.permutation(len(self.dataset))
        batches = []
        for start in range(0, len(perm), size * BUCKET):
            group = perm[start : start + size * BUCKET]
            group = group[np.argsort(-self.lengths[group], kind="stable")]
            batches += [group[i : i + size] for i in range(0, len(group), size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        for rows in self.order():
            x, y = pad_batch([self.dataset[i] for i in rows], [self.tags[i] for i in rows])
            yield Tensor._make(x), Tensor._make(y)
