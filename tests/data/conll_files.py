"""A tiny CoNLL-2003-like corpus and GloVe-format vectors, written by the tests."""
from pathlib import Path

import numpy as np

PLACES = ["paris", "london", "berlin", "madrid", "rome", "tokyo"]
PEOPLE = ["john", "mary", "peter", "anna"]
ORGS = ["acme", "reuters", "siemens"]
FILLER = ["the", "a", "museum", "is", "big", "today", "said", "visited", "works", "for"]


def _sentence(rng):
    kind = rng.integers(0, 3)
    person = PEOPLE[rng.integers(len(PEOPLE))].title()
    place = PLACES[rng.integers(len(PLACES))].title()
    org = ORGS[rng.integers(len(ORGS))].title()
    if kind == 0:
        return [("The", "O"), ("museum", "O"), ("in", "O"), (place, "B-LOC"), ("is", "O"),
                ("big", "O"), (".", "O")]
    if kind == 1:
        return [(person, "B-PER"), ("Smith", "I-PER"), ("visited", "O"), (place, "B-LOC"),
                ("today", "O"), (".", "O")]
    return [(person, "B-PER"), ("works", "O"), ("for", "O"), (org, "B-ORG"), ("in", "O"),
            (place, "B-LOC"), (".", "O")]


def write_corpus(root: Path, seed: int = 0, sizes=(300, 60, 60)) -> Path:
    rng = np.random.default_rng(seed)
    folder = root / "conll2003"
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in zip(("train", "valid", "test"), sizes):
        lines = ["-DOCSTART- -X- -X- O", ""]
        for _ in range(n):
            lines += [f"{w} NN B-NP {t}" for w, t in _sentence(rng)] + [""]
        (folder / f"{split}.txt").write_text("\n".join(lines))
    glove = root / "glove"
    glove.mkdir(parents=True, exist_ok=True)
    words = PLACES + PEOPLE + ORGS + FILLER + ["in", ".", "smith"]
    vecs = rng.standard_normal((len(words), 50)) * 0.3
    (glove / "glove.6B.50d.txt").write_text(
        "\n".join(w + " " + " ".join(f"{v:.4f}" for v in row) for w, row in zip(words, vecs)))
    return root
