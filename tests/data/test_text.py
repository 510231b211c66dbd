"""CoNLL and GloVe readers."""
import numpy as np
import pytest

from neuronet.data import DataFormatError
from neuronet.data.datasets import parse_conll, read_conll, read_glove_text

CONLL = """-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""


def test_parse_conll_sentences_and_columns(tmp_path):
    (tmp_path / "c.txt").write_text(CONLL)
    sentences = read_conll(tmp_path / "c.txt")
    assert [[t.word for t in s] for s in sentences] == [["EU", "rejects", "German"],
                                                        ["Peter", "Blackburn"]]
    assert sentences[0][0].pos == "NNP" and sentences[1][1].tag == "I-PER"
    two = parse_conll(["Paris B-LOC", "is O", ""])
    assert two[0][0].tag == "B-LOC" and two[0][0].pos == "-"


def test_parse_conll_errors_name_the_line():
    with pytest.raises(DataFormatError, match="line 2: expected 4 columns"):
        parse_conll(["a b c O", "x y z"])
    with pytest.raises(DataFormatError, match="line 1: tag 'LOC' is not O, B-TYPE or I-TYPE"):
        parse_conll(["Paris NNP B-NP LOC"])


def test_glove_text_reader(tmp_path):
    (tmp_path / "g.txt").write_text("the 0.1 0.2 0.3\nparis 1.0 -1.0 0.5\n")
    g = read_glove_text(tmp_path / "g.txt")
    assert g.dim == 3 and len(g) == 2 and "paris" in g
    np.testing.assert_allclose(g["paris"], [1.0, -1.0, 0.5])
    (tmp_path / "bad.txt").write_text("the 0.1 0.2\nparis 1.0\n")
    with pytest.raises(DataFormatError, match="line 2: 1 values, the first line had 2"):
        read_glove_text(tmp_path / "bad.txt")
