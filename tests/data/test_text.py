"""CoNLL and GloVe readers, the window featurizer, corrupted windows."""
import numpy as np
import pytest

from neuronet.data import DataFormatError
from neuronet.data.datasets import parse_conll, read_conll, read_glove_text
from neuronet.data.windows import Vocabulary, WindowFeaturizer, casing, corrupt_windows

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


def test_vocabulary_lowercases_and_reserves_pad_and_unk():
    v = Vocabulary(["Paris", "paris", "is"])
    assert v.words == ["<pad>", "<unk>", "paris", "is"]
    assert v.ids(["PARIS", "is", "nowhere"]).tolist() == [2, 3, 1]


def test_featurizer_pads_sentence_edges():
    v = Vocabulary(["museums", "in", "paris", "are", "amazing"])
    ids, cases = WindowFeaturizer(v, half_width=2).sentence(
        ["Museums", "in", "Paris", "are", "Amazingly"])
    assert ids.shape == (5, 5)
    assert ids[0].tolist() == [0, 0, 2, 3, 4]  # padding before the first word
    assert ids[2].tolist() == [2, 3, 4, 5, 1]  # 'Amazingly' is unknown
    assert ids[4].tolist() == [4, 5, 1, 0, 0]
    assert cases[2].tolist() == [2, 0, 2, 0, 2] and cases[0][:2].tolist() == [4, 4]
    batch_ids, _ = WindowFeaturizer(v, 1).sentences([["in"], ["Paris", "are"]])
    assert batch_ids.tolist() == [[0, 3, 0], [0, 4, 5], [4, 5, 0]]


def test_casing_classes():
    assert [casing(w) for w in ["paris", "EU", "Paris", "iPhone", "1996", "-"]] == \
        [0, 1, 2, 3, 4, 4]


def test_corrupted_windows_replace_only_the_centre_word():
    rng = np.random.default_rng(0)
    windows = rng.integers(2, 50, (2000, 5))
    corrupt = corrupt_windows(windows, 50, rng)
    np.testing.assert_array_equal(corrupt[:, [0, 1, 3, 4]], windows[:, [0, 1, 3, 4]])
    assert np.all(corrupt[:, 2] != windows[:, 2])
    assert corrupt[:, 2].min() >= 2 and corrupt[:, 2].max() <= 49
    assert len(np.unique(corrupt[:, 2])) == 48  # every other word can be drawn
