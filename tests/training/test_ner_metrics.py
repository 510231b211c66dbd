"""Entity-level scoring with CoNLL semantics, on hand-written tag sequences."""
import numpy as np
import pytest

from neuronet.training.ner_metrics import entities, entity_scores, token_scores, types_to_bio


def test_entities_from_bio():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "I-ORG", "O", "I-MISC"]
    assert entities(tags) == {(0, 2, "PER"), (3, 4, "LOC"), (4, 6, "LOC"), (6, 7, "ORG"),
                              (8, 9, "MISC")}
    assert entities(["O", "O"]) == set()


def test_exact_span_and_type_are_needed():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "I-ORG", "I-ORG"]]
    pred = [["B-PER", "O", "O", "B-LOC"],     # PER span too short: wrong; LOC right
            ["B-ORG", "I-ORG", "I-ORG"]]      # right
    s = entity_scores(gold, pred)
    assert s["overall"]["precision"] == pytest.approx(2 / 3)
    assert s["overall"]["recall"] == pytest.approx(2 / 3)
    assert s["PER"]["f1"] == 0.0 and s["LOC"]["f1"] == 1.0 and s["ORG"]["support"] == 1
    wrong_type = entity_scores([["B-LOC"]], [["B-ORG"]])
    assert wrong_type["overall"]["precision"] == 0.0 and wrong_type["overall"]["recall"] == 0.0


def test_known_answer_counts():
    gold = [["B-LOC", "O", "B-PER", "I-PER", "O", "B-ORG"]]
    pred = [["B-LOC", "O", "B-PER", "I-PER", "B-MISC", "O"]]
    o = entity_scores(gold, pred)["overall"]
    assert (o["precision"], o["recall"]) == (2 / 3, 2 / 3)
    assert o["f1"] == pytest.approx(2 / 3)


def test_types_to_bio_and_token_scores():
    assert types_to_bio(["LOC", "LOC", "O", "PER", "ORG", "ORG"]) == \
        ["B-LOC", "I-LOC", "O", "B-PER", "B-ORG", "I-ORG"]
    t = token_scores(["O", "LOC", "LOC", "PER"], ["O", "LOC", "O", "PER"], ["O", "PER", "LOC"])
    assert t["accuracy"] == 0.75
    assert t["per_label"]["LOC"]["recall"] == 0.5 and t["per_label"]["LOC"]["precision"] == 1.0
    np.testing.assert_array_equal(t["confusion"], [[1, 0, 0], [0, 1, 0], [1, 0, 1]])


def test_length_mismatch_is_an_error():
    with pytest.raises(ValueError, match="2 gold tags has 1 predicted"):
        entity_scores([["O", "O"]], [["O"]])

