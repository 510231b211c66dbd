"""Embedding and EmbeddingBag: lookup tables of vectors, trained or frozen."""

from __future__ import annotations

from ...factories import empty
from ...ops.embedding import BAG_MODES, embedding, embedding_bag
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
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Tensor | None = None,
        _freeze: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _padding_index(padding_idx, num_embeddings, type(self).__name__)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        self.weight = _table(self, _weight, _freeze, device, dtype)
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, ids):
        if self.max_norm is None and not self.scale_grad_by_freq:  # (the plain lookup)
            return embedding(ids, self.weight, self.padding_idx)
        return embedding(
            ids,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        rows, dim = _pretrained_shape(embeddings)
        return cls(
            rows,
            dim,
            padding_idx=padding_idx,
            max_norm=max_norm,
            norm_type=norm_type,
            scale_grad_by_freq=scale_grad_by_freq,
            sparse=sparse,
            _weight=embeddings.clone().detach(),
            _freeze=freeze,
        )

    def extra_repr(self) -> str:
        return _repr(self)


def _padding_index(padding_idx: int | None, n: int, name: str) -> int | None:
    if padding_idx is None:
        return None
    if not -n <= padding_idx < n:
        raise ValueError(
            f"{name}: padding_idx must be within num_embeddings ({n}), got {padding_idx}"
        )
    return padding_idx % n


def _table(module, weight: Tensor | None, freeze: bool, device, dtype) -> Parameter:
    """The (num_embeddings, embedding_dim) weight: ``weight`` when given, else a new one
    that ``reset_parameters`` fills."""
    n, d = module.num_embeddings, module.embedding_dim
    if weight is None:
        return Parameter(empty(n, d, dtype=dtype, device=device), requires_grad=not freeze)
    if tuple(weight.shape) != (n, d):
        raise ValueError(
            f"{type(module).__name__}: _weight must have shape ({n}, {d}), got "
            f"{tuple(weight.shape)}"
        )
    return Parameter(weight.detach(), requires_grad=not freeze)


def _pretrained_shape(embeddings: Tensor) -> tuple:
    if embeddings.ndim != 2:
        raise ValueError(
            f"from_pretrained: embeddings must be 2-D, got shape {tuple(embeddings.shape)}"
        )
    return tuple(embeddings.shape)


def _repr(module) -> str:
    """PyTorch's: Embedding shows padding_idx first, EmbeddingBag its mode then padding_idx."""
    s = f"{module.num_embeddings}, {module.embedding_dim}"
    mode = getattr(module, "mode", None)
    padding = f", padding_idx={module.padding_idx}" if module.padding_idx is not None else ""
    if mode is None:
        s += padding
    if module.max_norm is not None:
        s += f", max_norm={module.max_norm}"
    if module.norm_type != 2:
        s += f", norm_type={module.norm_type}"
    if module.scale_grad_by_freq:
        s += f", scale_grad_by_freq={module.scale_grad_by_freq}"
    if module.sparse and mode is None:
        s += ", sparse=True"
    return s if mode is None else s + f", mode={mode!r}" + padding


class EmbeddingBag(Module):
    """Sums, means or maxima of embedding rows over bags of ids, without forming the rows of
    each bag (``nn.functional.embedding_bag``); ``forward(input, offsets=None,
    per_sample_weights=None)``. Initialised N(0, 1), with the ``padding_idx`` row zeroed."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Tensor | None = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if mode not in BAG_MODES:
            raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
        self.mode, self.include_last_offset = mode, include_last_offset
        self.padding_idx = _padding_index(padding_idx, num_embeddings, type(self).__name__)
        self.weight = _table(self, _weight, False, device, dtype)
        if _weight is None:
            self.reset_parameters()

    def reset_parameters(self) -> None:
        Embedding.reset_parameters(self)  # type: ignore[arg-type]

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(
            input,
            self.weight,
            offsets,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.mode,
            self.sparse,
            per_sample_weights,
            self.include_last_offset,
            self.padding_idx,
        )

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Tensor,
        freeze: bool = True,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
    ) -> EmbeddingBag:
        """An EmbeddingBag holding ``embeddings`` (2-D); frozen unless ``freeze=False``."""
        rows, dim = _pretrained_shape(embeddings)
        bag = cls(
            rows,
            dim,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            mode,
            sparse,
            embeddings.clone().detach(),
            include_last_offset,
            padding_idx,
        )
        bag.weight.requires_grad_(not freeze)
        return bag

    def extra_repr(self) -> str:
        return _repr(self)
