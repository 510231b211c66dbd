"""The BiLSTM-CRF sentence tagger for named entities (after Lample et al. 2016 and Ma & Hovy
2016): word embeddings, a casing embedding and a character CNN per word, a bidirectional LSTM
over the sentence, and a linear-chain CRF (or a per-word softmax) over its tags."""

from __future__ import annotations

import numpy as np

from .. import nn, ops
from ..nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from ..tensor import Tensor
from .window_classifier import word_embedding

#: Input columns per word before its characters: the word id and the casing id.
WORD_COLUMNS = 2


class BiLSTMTagger(nn.Module):
    """Tags every word of a batch of padded sentences.

    Input: int64 ``(N, T, 2 + C)``: per word its id (0 is padding: a sentence's words are a
    prefix of its row, and every sentence has at least one), its casing id (below
    ``casings``) and the ids of its first ``C`` characters (0 pads). Each word becomes the
    concatenation of

    - its word embedding (``embedding_dim``, GloVe-initialised when ``embeddings`` is given),
    - its casing embedding (``casing_dim``; none when 0),
    - its character feature: the characters' embeddings (``char_dim``), a ``Conv1d`` of
      ``char_filters`` filters of width 3 (padding 1) and a max over the word's characters
      (``char_filters`` 0: none);

    then dropout, a one-layer bidirectional LSTM of ``hidden`` units per direction over the
    sentence's real words (a packed sequence: the reverse direction starts at each sentence's
    last word), dropout, and a ``Linear`` to one score per tag: the output is the emissions
    ``(N, T, tags)`` (padded positions hold the bias). With ``crf`` the model also holds a
    ``nn.CRF`` over the tags (``loss`` and ``decode`` use it); without, each word's tag is the
    argmax of its scores, trained with cross-entropy.
    """

    def __init__(
        self,
        vocab_size: int,
        tags: int,
        embedding_dim: int = 50,
        hidden: int = 100,
        chars: int = 100,
        char_dim: int = 25,
        char_filters: int = 30,
        casing_dim: int = 4,
        casings: int = 5,
        dropout: float = 0.5,
        crf: bool = True,
        embeddings: np.ndarray | None = None,
    ) -> None:
        super().__init__()
        self.words = word_embedding(vocab_size, embedding_dim, embeddings)
        self.casing_dim, self.char_filters = casing_dim, char_filters
        width = embedding_dim
        if casing_dim:
            self.casing = nn.Embedding(casings, casing_dim)
            width += casing_dim
        if char_filters:
            self.chars = nn.Embedding(chars, char_dim, padding_idx=0)
            self.char_conv = nn.Conv1d(char_dim, char_filters, 3, padding=1)
            width += char_filters
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(width, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, tags)
        self.crf = nn.CRF(tags, batch_first=True) if crf else None

    def features(self, x: Tensor) -> Tensor:
        """Each word's vector ``(N, T, width)`` before the LSTM."""
        parts = [self.words(x[:, :, 0])]
        if self.casing_dim:
            parts.append(self.casing(x[:, :, 1]))
        if self.char_filters:
            n, t, c = x.shape
            chars = self.chars(x[:, :, WORD_COLUMNS:].reshape(n * t, c - WORD_COLUMNS))
            conv = self.char_conv(chars.transpose(1, 2))  # (N*T, filters, C)
            parts.append(conv.amax(2).reshape(n, t, self.char_filters))
        return parts[0] if len(parts) == 1 else ops.cat(parts, 2)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[2] < WORD_COLUMNS + (1 if self.char_filters else 0):
            raise ValueError(
                "input: expected int64 of shape (N, T, 2 + characters) (word id, casing, "
                f"character ids per word), got {tuple(x.shape)}"
            )
        lengths = (x[:, :, 0] != 0).sum(1).cpu().numpy()
        packed = pack_padded_sequence(
            self.dropout(self.features(x)), lengths, batch_first=True, enforce_sorted=False
        )
        hidden, _ = pad_packed_sequence(
            self.lstm(packed)[0], batch_first=True, total_length=x.shape[1]
        )
        return self.out(self.dropout(hidden))

    def loss(self, emissions: Tensor, tags: Tensor) -> Tensor:
        """The mean over sentences of the CRF's negative log-likelihood (with ``crf``), or
        the mean cross-entropy over words (without); ``tags`` ``(N, T)`` is -1 at padding."""
        mask = tags >= 0
        if self.crf is None:
            k = emissions.shape[2]
            return nn.functional.cross_entropy(
                emissions.reshape(-1, k), tags.reshape(-1), ignore_index=-1
            )
        return self.crf(emissions, tags.clamp(min=0), mask, reduction="mean")

    def decode(self, emissions: Tensor, lengths: np.ndarray) -> list[list[int]]:
        """The tag ids of each sentence's words (Viterbi with ``crf``, else per-word
        argmax)."""
        if self.crf is None:
            best = emissions.detach().cpu().numpy().argmax(2)
            return [best[i, :n].tolist() for i, n in enumerate(lengths)]
        steps = emissions.shape[1]
        mask = Tensor._make(np.arange(steps)[None, :] < np.asarray(lengths)[:, None])
        return self.crf.decode(emissions, mask.to(emissions.device))
