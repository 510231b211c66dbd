"""The BiLSTM tagger's featurizer, its length-bucketed batches and its model."""
import numpy as np
import pytest

from neuronet import optim
from neuronet.models import BiLSTMTagger
from neuronet.tasks.ner_sentences import (
    MAX_CHARS,
    SentenceBatches,
    char_ids,
    encode_sentence,
    pad_batch,
)
from neuronet.tasks.ner_windows import Vocabulary
from neuronet.tensor import Tensor


def test_a_sentence_becomes_word_casing_and_character_ids():
    vocab = Vocabulary(["paris", "is"])
    rows = encode_sentence(vocab, ["Paris", "is", "Big", "é"])
    assert rows.shape == (4, 2 + MAX_CHARS)
    assert rows[:, 0].tolist() == [2, 3, 1, 1]  # 'Big' and 'é' unknown
    assert rows[:, 1].tolist() == [2, 0, 2, 0]  # title, lower, title, lower
    assert rows[0, 2:8].tolist() == [ord(c) - 30 for c in "Paris"] + [0]
    assert rows[3, 2:4].tolist() == [1, 0]
    assert char_ids(" ~") == [2, 96] and len(char_ids("x" * 50)) == MAX_CHARS


def test_a_batch_pads_sentences_and_words_to_the_longest():
    vocab = Vocabulary(["a", "bb"])
    s1, s2 = encode_sentence(vocab, ["a"]), encode_sentence(vocab, ["a", "bbb", "a"])
    x, y = pad_batch([s1, s2], [np.array([1]), np.array([0, 2, 0])])
    assert x.shape == (2, 3, 2 + 3)
    assert x[0, 1:].sum() == 0 and x[1, 1, 2:].tolist() == [ord("b") - 30] * 3
    assert y.tolist() == [[1, -1, -1], [0, 2, 0]]


def test_batches_cover_every_sentence_once_with_little_padding():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 40, 500)
    sentences = [np.ones((n, 3), np.int64) * (i + 1) for i, n in enumerate(lengths)]
    tags = [np.zeros(n, np.int64) for n in lengths]
    loader = SentenceBatches(sentences, tags, 16)
    seen, padded = [], 0
    for x, y in loader:
        ids = x.numpy()[:, :, 0]
        seen += [int(row[0]) - 1 for row in ids]
        padded += int((y.numpy() < 0).sum())
    assert len(loader) == 32 and sorted(seen) == list(range(500))
    assert padded < 0.1 * lengths.sum()  # (unsorted batches pad about half)
    order = SentenceBatches(sentences, tags, 16, shuffle=False).order()
    assert [len(b) for b in order][-1] == 500 - 31 * 16
    assert lengths[np.concatenate(order)].tolist() == sorted(lengths, reverse=True)


def test_an_empty_sentence_is_refused():
    with pytest.raises(ValueError, match="non-empty sentences"):
        SentenceBatches([np.zeros((0, 3), np.int64)], [np.zeros(0)], 4)


def _toy_batch(rng, n=8, steps=6, tags=3):
    x = np.zeros((n, steps, 5), np.int64)
    y = np.full((n, steps), -1, np.int64)
    for i in range(n):
        length = int(rng.integers(1, steps + 1)) if i else steps
        x[i, :length, 0] = rng.integers(1, 20, length)
        x[i, :length, 1] = rng.integers(0, 5, length)
        x[i, :length, 2:] = rng.integers(1, 10, (length, 3))
        y[i, :length] = x[i, :length, 0] % tags  # the tag follows from the word
    return Tensor._make(x), Tensor._make(y)


@pytest.mark.parametrize("crf", [True, False])
def test_the_tagger_learns_a_toy_batch(crf):
    x, y = _toy_batch(np.random.default_rng(1))
    model = BiLSTMTagger(20, 3, 8, 8, chars=10, char_dim=4, char_filters=4, dropout=0.0, crf=crf)
    opt = optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = model.loss(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.2 * losses[0]
    lengths = (x.numpy()[:, :, 0] != 0).sum(1)
    decoded = model.decode(model(x), lengths)
    assert [len(d) for d in decoded] == lengths.tolist()
    gold = [y.numpy()[i, :n].tolist() for i, n in enumerate(lengths)]
    assert sum(d == g for d, g in zip(decoded, gold)) >= 7


def test_padding_does_not_change_a_sentence_s_emissions():
    x, _ = _toy_batch(np.random.default_rng(2))
    model = BiLSTMTagger(20, 3, 8, 8, chars=10, char_dim=4, char_filters=4, dropout=0.0).eval()
    full = model(x).detach().numpy()
    n = int((x.numpy()[3, :, 0] != 0).sum())
    alone = model(Tensor._make(x.numpy()[3:4, :n])).detach().numpy()
    np.testing.assert_allclose(alone[0], full[3, :n], rtol=1e-5, atol=1e-6)


def test_a_bad_input_shape_is_named():
    model = BiLSTMTagger(20, 3, 8, 8, chars=10)
    with pytest.raises(ValueError, match=r"input: expected int64 of shape \(N, T, 2 \+ char"):
        model(Tensor._make(np.zeros((2, 5), np.int64)))
