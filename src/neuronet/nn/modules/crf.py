"""A linear-chain conditional random field output layer for sequence taggers (not in PyTorch's
core; the API follows the ``pytorch-crf`` package's conventions).

For emissions ``E[t, k]`` (a tagger's scores of tag ``k`` at step ``t``) and a tag sequence
``y`` of length ``L``, the score is

    s(y) = start[y_0] + E[0, y_0] + sum_{t=1}^{L-1} (trans[y_{t-1}, y_t] + E[t, y_t]) + end[y_{L-1}]

and ``p(y) = exp(s(y)) / Z`` with ``Z`` the sum over all ``K^L`` tag sequences. ``forward``
returns the negative log-likelihood ``log Z - s(y)``, with ``log Z`` by the forward algorithm
(``alpha_0 = start + E[0]``, ``alpha_t[j] = logsumexp_i(alpha_{t-1}[i] + trans[i, j]) +
E[t, j]``, ``log Z = logsumexp(alpha_{L-1} + end)``: every step a log-sum-exp, so nothing
overflows). ``decode`` finds ``argmax_y s(y)`` by the Viterbi algorithm (the same recursion with
``max``, then backtracking).
"""

from __future__ import annotations

import numpy as np

from ... import ops
from ...factories import empty, zeros_like
from ...tensor import Tensor
from .. import init
from ..module import Module
from ..parameter import Parameter

REDUCTIONS = ("none", "sum", "mean", "token_mean")


class CRF(Module):
    """Linear-chain CRF over ``num_tags`` tags.

    Parameters: ``transitions`` ``(num_tags, num_tags)`` (``[i, j]`` scores tag ``i`` followed
    by tag ``j``), ``start_transitions`` and ``end_transitions`` ``(num_tags,)`` (scores of
    the first and last tag), all initialised from U(-0.1, 0.1).

    Shapes: emissions ``(T, N, num_tags)`` (``(N, T, num_tags)`` with ``batch_first``), tags
    and mask ``(T, N)`` (``(N, T)``). ``mask`` marks the real steps: each sequence's steps
    form a prefix (True up to its length, False after) and the first step is real for every
    sequence; None means all steps are real.
    """

    def __init__(self, num_tags: int, batch_first: bool = False, dtype=None, device=None) -> None:
        super().__init__()
        if isinstance(num_tags, bool) or not isinstance(num_tags, int) or num_tags <= 0:
            raise ValueError(f"CRF: num_tags must be a positive int, got {num_tags!r}")
        self.num_tags, self.batch_first = num_tags, bool(batch_first)
        self.start_transitions = Parameter(empty(num_tags, dtype=dtype, device=device))
        self.end_transitions = Parameter(empty(num_tags, dtype=dtype, device=device))
        self.transitions = Parameter(empty(num_tags, num_tags, dtype=dtype, device=device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for p in (self.start_transitions, self.end_transitions, self.transitions):
            init.uniform_(p, -0.1, 0.1)

    def extra_repr(self) -> str:
        return f"num_tags={self.num_tags}" + (", batch_first=True" if self.batch_first else "")

    def _validate(self, emissions, tags=None, mask=None) -> tuple:
        """Time-major ``(emissions, tags, mask array)``, the inputs checked."""
        if not isinstance(emissions, Tensor) or emissions.dim() != 3:
            got = emissions.dim() if isinstance(emissions, Tensor) else type(emissions).__name__
            raise ValueError(f"CRF: emissions must have dimension of 3, got {got}")
        if emissions.shape[2] != self.num_tags:
            raise ValueError(
                f"CRF: expected last dimension of emissions is {self.num_tags}, got "
                f"{emissions.shape[2]}"
            )
        lead = tuple(emissions.shape[:2])
        if tags is not None:
            if not isinstance(tags, Tensor) or tags.dtype.is_floating_point:
                raise TypeError("CRF: tags must be an integer tensor")
            if tuple(tags.shape) != lead:
                raise ValueError(
                    "CRF: the first two dimensions of emissions and tags must match, got "
                    f"{lead} and {tuple(tags.shape)}"
                )
            t = tags.detach().cpu().numpy()
            if t.size and (t.min() < 0 or t.max() >= self.num_tags):
                raise ValueError(
                    f"CRF: tags must lie in [0, {self.num_tags}), got {t.min()}..{t.max()}"
                )
        if mask is None:
            m = np.ones(lead, dtype=bool)
        else:
            if not isinstance(mask, Tensor) or tuple(mask.shape) != lead:
                given = tuple(mask.shape) if isinstance(mask, Tensor) else type(mask).__name__
                raise ValueError(
                    f"CRF: the shape of emissions and mask must match in the first two "
                    f"dimensions, got {lead} and {given}"
                )
            m = mask.detach().cpu().numpy().astype(bool)
        if self.batch_first:
            emissions = emissions.transpose(0, 1)
            tags = None if tags is None else tags.transpose(0, 1)
            m = m.T
        if m.shape[0] and not m[0].all():
            raise ValueError("CRF: mask of the first timestep must all be on")
        if (m[1:] & ~m[:-1]).any():
            raise ValueError(
                "CRF: mask must mark a prefix of each sequence (no real step after a padded one)"
            )
        return emissions, tags, np.ascontiguousarray(m)

    def forward(
        self, emissions: Tensor, tags: Tensor, mask: Tensor | None = None, reduction: str = "sum"
    ) -> Tensor:
        """Negative log-likelihood ``log Z - s(tags)`` per sequence, reduced: ``'none'``
        ``(N,)``, ``'sum'``, ``'mean'`` (over sequences) or ``'token_mean'`` (divided by the
        number of real steps)."""
        if reduction not in REDUCTIONS:
            raise ValueError(f"CRF: invalid reduction: {reduction!r}, expected one of {REDUCTIONS}")
        em, tags, m = self._validate(emissions, tags, mask)
        nll = self._log_partition(em, m) - self._score(em, tags, m)
        if reduction == "none":
            return nll
        if reduction == "sum":
            return nll.sum()
        if reduction == "mean":
            return nll.mean()
        return nll.sum() / float(m.sum())

    def _mask(self, m: np.ndarray, like: Tensor) -> Tensor:
        return Tensor._make(like.xp.asarray(m))

    def _score(self, em: Tensor, tags: Tensor, m: np.ndarray) -> Tensor:
        """``s(tags)`` per sequence ``(N,)``."""
        mask = self._mask(m, em)
        picked = ops.gather(em, 2, tags.unsqueeze(2)).squeeze(2)  # (T, N)
        zero = zeros_like(picked)
        score = ops.where(mask, picked, zero).sum(0)
        score = score + self.start_transitions[tags[0]]
        if em.shape[0] > 1:
            steps = self.transitions[tags[:-1], tags[1:]]
            score = score + ops.where(mask[1:], steps, zero[1:]).sum(0)
        last = Tensor._make(em.xp.asarray(m.sum(0) - 1).astype(np.int64))
        last_tags = ops.gather(tags, 0, last.unsqueeze(0)).squeeze(0)
        return score + self.end_transitions[last_tags]

    def _log_partition(self, em: Tensor, m: np.ndarray) -> Tensor:
        """``log Z`` per sequence ``(N,)`` by the forward algorithm."""
        alpha = self.start_transitions + em[0]
        trans = self.transitions.unsqueeze(0)
        for t in range(1, em.shape[0]):
            nxt = ops.logsumexp(alpha.unsqueeze(2) + trans, 1) + em[t]
            if m[t].all():
                alpha = nxt
            else:
                alpha = ops.where(self._mask(m[t][:, None], em), nxt, alpha)
        return ops.logsumexp(alpha + self.end_transitions, 1)

    def decode(self, emissions: Tensor, mask: Tensor | None = None) -> list[list[int]]:
        """The highest-scoring tag sequence of each sequence (Viterbi), as lists of ints of
        the sequences' lengths; ties go to the lower tag index."""
        em, _, m = self._validate(emissions, None, mask)
        e = em.detach().cpu().numpy()
        trans = self.transitions.detach().cpu().numpy()
        steps, batch = e.shape[:2]
        score = self.start_transitions.detach().cpu().numpy() + e[0]
        history = np.zeros((steps, batch, self.num_tags), dtype=np.int64)
        for t in range(1, steps):
            cand = score[:, :, None] + trans[None]
            best = cand.argmax(1)
            history[t] = best
            nxt = np.take_along_axis(cand, best[:, None, :], 1)[:, 0] + e[t]
            score = np.where(m[t][:, None], nxt, score)
        score = score + self.end_transitions.detach().cpu().numpy()
        lengths = m.sum(0)
        cur = score.argmax(1)
        paths = np.zeros((batch, steps), dtype=np.int64)
        rows = np.arange(batch)
        for t in range(steps - 1, -1, -1):
            active = t < lengths
            paths[active, t] = cur[active]
            if t > 0:
                cur = np.where(active, history[t][rows, cur], cur)
        return [paths[b, : lengths[b]].tolist() for b in range(batch)]
