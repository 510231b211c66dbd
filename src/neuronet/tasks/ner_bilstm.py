"""The BiLSTM-CRF tagger (``--task ner-bilstm``): every word of a sentence tagged at once from
GloVe-initialised word embeddings, a casing embedding and a character CNN, a bidirectional
LSTM over the sentence and a linear-chain CRF over the BIO tags (``--no-crf``: a softmax per
word); trained on length-bucketed mini-batches of sentences, scored on entities with CoNLL
semantics like the window tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..autograd.grad_mode import no_grad
from ..models import BiLSTMTagger
from ..nn import Module
from ..tensor import Tensor
from ..training.config import ConfigError
from ..training.ner_metrics import entity_scores, token_scores
from .base import Setup
from .ner_common import TYPES, NerConfig, NerData, tag_type
from .ner_sentences import CHARS, TAGS, SentenceBatches, encode_sentence, pad_batch
from .ner_window import NerWindow
from .ner_windows import CASINGS, Vocabulary


@dataclass
class NerBiLSTMConfig(NerConfig):
    """The NER settings, and the BiLSTM tagger's own: ``hidden`` is the LSTM's units per
    direction."""

    NON_NEGATIVE = NerConfig.NON_NEGATIVE + ("char_filters",)

    crf: bool = field(
        default=True,
        metadata={"help": "ner-bilstm: a CRF over the tags (--no-crf: a softmax per word)"},
    )
    char_filters: int = field(
        default=30, metadata={"help": "ner-bilstm: filters of the character CNN (0: none)"}
    )


class SentenceData(NerData):
    """CoNLL-2003 as sentences (no windows): ``rows[split]`` a list of ``encode_sentence``
    arrays and ``tag_ids[split]`` a list of tag-id arrays (indices into ``TAGS``)."""

    def encode(self, cfg: NerConfig) -> None:
        self.x, self.y = {}, {}
        self.rows: dict[str, list[np.ndarray]] = {}
        self.tag_ids: dict[str, list[np.ndarray]] = {}
        for name, sentences in self.splits.items():
            self.rows[name] = [encode_sentence(self.vocab, [t.word for t in s]) for s in sentences]
            self.tag_ids[name] = [np.array([TAGS.index(t.tag) for t in s]) for s in sentences]


def decode_sentences(model: BiLSTMTagger, sentences: list[np.ndarray], batch: int = 256) -> list:
    """The predicted tag ids of each sentence (eval mode, no graph), in the given order."""
    if not sentences:
        return []
    device = next(model.parameters()).device
    loader = SentenceBatches(sentences, [np.zeros(0)] * len(sentences), batch, shuffle=False)
    out: list = [None] * len(sentences)
    model.eval()
    with no_grad():
        for rows in loader.order():
            x = pad_batch([sentences[i] for i in rows])[0]
            emissions = model(Tensor._make(x).to(device))
            for i, tags in zip(rows, model.decode(emissions, loader.lengths[rows]), strict=True):
                out[i] = tags
    return out


def evaluate_tagger(model: BiLSTMTagger, data: NerData, split: str) -> dict:
    """Entity-level P/R/F1 (CoNLL semantics) and token-level scores on ``split``."""
    assert isinstance(data, SentenceData)
    predicted = [[TAGS[i] for i in s] for s in decode_sentences(model, data.rows[split])]
    gold = data.tags[split]
    return {
        "entities": entity_scores(gold, predicted),
        "tokens": token_scores(
            [tag_type(t) for s in gold for t in s],
            [tag_type(t) for s in predicted for t in s],
            TYPES,
        ),
    }


class NerBiLSTM(NerWindow):
    """GloVe 50-d + casing + character CNN -> BiLSTM -> CRF, Adam on batches of sentences,
    the rate halved when validation F1 stops improving, gradients clipped."""

    name = "ner-bilstm"
    config_class = NerBiLSTMConfig
    defaults = dict(
        hidden=[100],
        dropout=0.5,
        optimizer="adam",
        lr=2e-3,
        batch_size=32,
        epochs=10,
        grad_clip=5.0,
        patience=1,
    )
    unit = "sentences"

    def corpus(self, cfg: NerConfig, vocab: Vocabulary | None = None) -> NerData:
        return SentenceData(cfg, vocab)

    def network(self, cfg: NerConfig, vocab_size: int, embeddings: np.ndarray | None) -> Module:
        assert isinstance(cfg, NerBiLSTMConfig)
        return BiLSTMTagger(
            vocab_size,
            len(TAGS),
            50,
            cfg.hidden[0],
            chars=CHARS,
            char_filters=cfg.char_filters,
            casing_dim=cfg.casing_dim,
            casings=len(CASINGS),
            dropout=cfg.dropout,
            crf=cfg.crf,
            embeddings=embeddings,
        )

    def training_data(
        self, cfg: NerConfig, model: Module, data: NerData, rng: np.random.Generator
    ) -> Setup:
        assert isinstance(model, BiLSTMTagger) and isinstance(data, SentenceData)
        return Setup(
            model,
            SentenceBatches(data.rows["train"], data.tag_ids["train"], cfg.batch_size),
            model.loss,
            monitor="val_f1",
            epoch_metrics=self.validation_metrics(model, data),
            data=data,
        )

    def evaluation(self, model: Module, data: NerData, split: str) -> dict:
        assert isinstance(model, BiLSTMTagger)
        return evaluate_tagger(model, data, split)

    def tag_words(
        self, cfg: NerConfig, folder: Path, model: Module, vocab: Vocabulary, words: list[str]
    ) -> list[str]:
        assert isinstance(model, BiLSTMTagger)
        return [TAGS[i] for i in decode_sentences(model, [encode_sentence(vocab, words)])[0]]

    def exportable(self, cfg: NerConfig, folder: Path) -> tuple[Module, Tensor]:
        raise ConfigError(
            f"export: runs of the task {self.name} cannot be exported (the packed BiLSTM and "
            "the CRF's Viterbi decoding have no ONNX form in neuronet); the weights are in "
            f"{Path(folder) / 'checkpoints' / 'best.safetensors'}"
        )
