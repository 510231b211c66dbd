"""Embedding: a lookup table of vectors, trained or frozen."""

from __future__ import annotations

from ...factories import empty
from ...ops.embedding import embedding
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter


class Embedding(Module):
    """Rows of a (num_embeddings, embedding_dim) weight, looked up by integer ids.

    Initialised N(0, 1), with the ``padding_idx`` row zeroed; that row receives no gradient.
    The backward writes only the rows that were looked up.
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx must be within num_embeddings "
                    f"({num_embeddings}), got {padding_idx}"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(
                empty(num_embeddings, embedding_dim, dtype=dtype), requires_grad=not _freeze
            )
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight must have shape ({num_embeddings}, "
                    f"{embedding_dim}), got {tuple(_weight.shape)}"
                )
            self.weight = Parameter(_weight.detach(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, ids):
        return embedding(ids, self.weight, self.padding_idx)

    @classmethod
    def from_pretrained(
        cls, embeddings: Tensor, freeze: bool = True, padding_idx: int | None = None
    ) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(
                f"from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}"
            )
        rows, dim = embeddings.shape
        return cls(
            rows, dim, padding_idx=padding_idx, _weight=embeddings.clone().detach(), _freeze=freeze
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        return s + (f", padding_idx={self.padding_idx}" if self.padding_idx is not None else "")
