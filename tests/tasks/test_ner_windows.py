"""The NER tasks' window featurizer and corrupted windows."""
import numpy as np

from neuronet.tasks.ner_windows import Vocabulary, WindowFeaturizer, casing, corrupt_windows


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
