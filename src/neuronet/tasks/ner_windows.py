"""The NER tasks' featurizer: from sentences to the notes' word windows, the ids of 2w + 1 words
around each centre word, and the scorer's corrupted windows.

Words are looked up lower-cased; positions past a sentence's ends take the padding id (0) and
unknown words the unknown id (1). An optional casing feature per word keeps what lower-casing
removes (all lower, all upper, capitalised, mixed/other, no letters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

PAD, UNK = "<pad>", "<unk>"
CASINGS = ("lower", "upper", "title", "mixed", "noalpha")


def casing(word: str) -> int:
    """Index into ``CASINGS`` of the word's capitalisation pattern."""
    if not any(c.isalpha() for c in word):
        return 4
    if word.islower():
        return 0
    if word.isupper():
        return 1
    if word[0].isupper() and word[1:].islower():
        return 2
    return 3


class Vocabulary:
    """Lower-cased words to ids; id 0 is padding, id 1 the unknown word."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = [PAD, UNK]
        self.index = {PAD: 0, UNK: 1}
        for w in words:
            w = w.lower()
            if w not in self.index:
                self.index[w] = len(self.words)
                self.words.append(w)

    def __len__(self) -> int:
        return len(self.words)

    def id(self, word: str) -> int:
        return self.index.get(word.lower(), 1)

    def ids(self, words: Sequence[str]) -> np.ndarray:
        return np.array([self.index.get(w.lower(), 1) for w in words], dtype=np.int64)


class WindowFeaturizer:
    """Windows of ``2 * half_width + 1`` word ids (and casings) centred on every word."""

    def __init__(self, vocab: Vocabulary, half_width: int = 2) -> None:
        if half_width < 0:
            raise ValueError(f"half_width: expected >= 0, got {half_width}")
        self.vocab, self.half_width = vocab, half_width

    @property
    def size(self) -> int:
        return 2 * self.half_width + 1

    def sentence(self, words: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(ids, casings), each (len(words), window): one window per word, padded at the ends."""
        w = self.half_width
        n = len(words)
        ids = np.zeros(n + 2 * w, dtype=np.int64)
        cases = np.full(n + 2 * w, 4, dtype=np.int64)
        ids[w : w + n] = self.vocab.ids(words)
        cases[w : w + n] = [casing(word) for word in words]
        offsets = np.arange(n)[:, None] + np.arange(self.size)[None, :]
        return ids[offsets], cases[offsets]

    def sentences(self, sentences: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        """All windows of all sentences, stacked."""
        parts = [self.sentence(s) for s in sentences if len(s)]
        if not parts:
            return (np.zeros((0, self.size), np.int64),) * 2
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def corrupt_windows(windows: np.ndarray, vocab_size: int, rng: np.random.Generator) -> np.ndarray:
    """The notes' corrupted windows: each centre word replaced by a random vocabulary word
    (never padding or unknown, never the original word)."""
    out = windows.copy()
    centre = windows.shape[1] // 2
    if vocab_size <= 3:
        raise ValueError("corrupt_windows: the vocabulary needs at least 2 real words")
    draw = rng.integers(2, vocab_size - 1, len(windows))
    draw += draw >= windows[:, centre]  # skip the original word without bias
    out[:, centre] = np.where(
        windows[:, centre] < 2, rng.integers(2, vocab_size, len(windows)), draw
    )
    return out
