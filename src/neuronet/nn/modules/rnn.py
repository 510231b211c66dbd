"""Recurrent layers: RNN, LSTM, GRU (multi-layer, bidirectional, packed input) and the cells
RNNCell, LSTMCell, GRUCell, with PyTorch's parameters, layouts and numerics.

Each direction of each layer runs as one op (``ops.recurrent.recurrent_layer``: the input
projection of all steps in one product, one product of the hidden state with all gates per
step, backpropagation through time written out). Layer ``k > 0`` reads layer ``k - 1``'s output
(forward and reverse directions concatenated on the last dim), with dropout between layers in
training.
"""

from __future__ import annotations

import math
import numbers
import warnings

from ... import ops
from ...factories import empty, zeros
from ...ops.recurrent import GATES, recurrent_layer
from ...tensor import Tensor
from .. import functional, init
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence

_NAMES = {"RNN_TANH": "RNN", "RNN_RELU": "RNN", "LSTM": "LSTM", "GRU": "GRU"}


def _check_size(cls: str, name: str, value, positive: bool = True) -> int:
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{cls}: {name} should be of type int, got: {type(value).__name__}")
    if value < (1 if positive else 0):
        raise ValueError(
            f"{cls}: {name} must be {'greater than zero' if positive else 'non-negative'}, "
            f"got {value}"
        )
    return int(value)


class RNNBase(Module):
    """The stack of recurrent layers shared by RNN, LSTM and GRU (``mode`` one of
    ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'``, ``'GRU'``).

    Parameters per layer ``k`` and direction (suffix ``_reverse`` for the backward one), in
    PyTorch's order: ``weight_ih_l{k}`` ``(G*H, I_k)``, ``weight_hh_l{k}`` ``(G*H, H_out)``,
    ``bias_ih_l{k}`` and ``bias_hh_l{k}`` ``(G*H,)`` (with ``bias``), ``weight_hr_l{k}``
    ``(P, H)`` (LSTM with ``proj_size = P > 0``); ``G`` = 1, 4, 3 gates; ``I_0 = input_size``,
    ``I_k = D * H_out`` after (``D`` = 2 when bidirectional); ``H_out = P`` or ``H``. All
    initialised from U(-1/sqrt(H), 1/sqrt(H)).
    """

    def __init__(
        self,
        mode: str,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__()
        cls = _NAMES[mode]
        self.mode = mode
        self.input_size = _check_size(cls, "input_size", input_size, positive=False)
        self.hidden_size = _check_size(cls, "hidden_size", hidden_size)
        self.num_layers = _check_size(cls, "num_layers", num_layers)
        self.proj_size = _check_size(cls, "proj_size", proj_size, positive=False)
        if (
            isinstance(dropout, bool)
            or not isinstance(dropout, numbers.Number)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                f"an element being zeroed, got {dropout!r}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                UserWarning,
                stacklevel=3,
            )
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        gates = GATES[mode] * hidden_size
        h_out = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(num_layers):
            width = input_size if layer == 0 else h_out * directions
            for d in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if d else "")
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gates, width)),
                    ("weight_hh", (gates, h_out)),
                ]
                if bias:
                    shapes += [("bias_ih", (gates,)), ("bias_hh", (gates,))]
                if proj_size:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                for name, shape in shapes:
                    p = Parameter(empty(*shape, dtype=dtype, device=device))
                    self.register_parameter(name + suffix, p)
                    self._flat_weights_names.append(name + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """Kept for PyTorch code: the weights are used where they are (nothing to do)."""

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction, each list in PyTorch's order."""
        per = len(self._flat_weights_names) // (self.num_layers * (1 + self.bidirectional))
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i : i + per] for i in range(0, len(flat), per)]

    def _layer_weights(self, layer: int, reverse: bool) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        w = [getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)]
        if self.bias:
            w += [getattr(self, "bias_ih" + suffix), getattr(self, "bias_hh" + suffix)]
        else:
            w += [None, None]
        w.append(getattr(self, "weight_hr" + suffix) if self.proj_size else None)
        return tuple(w)

    def _initial_states(self, hx, batch: int, unbatched: bool, x: Tensor) -> tuple:
        """``(h0, c0)`` of shape ``(layers * D, batch, .)`` (``c0`` None except for LSTM)."""
        cls = _NAMES[self.mode]
        lstm = self.mode == "LSTM"
        layers = self.num_layers * (1 + self.bidirectional)
        h_out = self.proj_size or self.hidden_size
        if hx is None:
            h0 = zeros(layers, batch, h_out, dtype=x.dtype, device=x.device)
            c0 = zeros(layers, batch, self.hidden_size, dtype=x.dtype, device=x.device)
            return h0, (c0 if lstm else None)
        states = tuple(hx) if lstm and isinstance(hx, (tuple, list)) else (hx,)
        if lstm and len(states) != 2:
            raise TypeError(f"{cls}: hx must be a tuple (h_0, c_0) of two tensors, got {hx!r}")
        if not all(isinstance(s, Tensor) for s in states):
            raise TypeError(
                f"{cls}: hx must be a tensor{' or a tuple (h_0, c_0) of tensors' if lstm else ''}"
                f", got {type(hx).__name__}"
            )
        want = 2 if unbatched else 3
        if any(s.dim() != want for s in states):
            dims = ", ".join(f"{s.dim()}-D" for s in states)
            kind = "unbatched 2-D" if unbatched else "batched 3-D"
            what = "hx and cx" if lstm else "hx"
            raise RuntimeError(
                f"For {kind} input, {what} should also be {want}-D but got ({dims}) tensor"
                f"{'s' if lstm else ''}"
            )
        if unbatched:
            states = tuple(s.unsqueeze(1) for s in states)
        shapes = [(layers, batch, h_out), (layers, batch, self.hidden_size)]
        for k, (s, shape) in enumerate(zip(states, shapes)):
            if tuple(s.shape) != shape:
                which = f"hidden[{k}]" if lstm else "hidden"
                raise RuntimeError(f"Expected {which} size {shape}, got {list(s.shape)}")
            if s.dtype != x.dtype:
                raise RuntimeError(
                    f"{cls}: hx must have the dtype of the input ({x.dtype}), got {s.dtype}"
                )
        return states[0], (states[1] if lstm else None)

    def forward(self, input, hx=None):
        """``(output, h_n)`` (RNN, GRU) or ``(output, (h_n, c_n))`` (LSTM).

        ``input``: ``(L, N, I)`` (``(N, L, I)`` with ``batch_first``), ``(L, I)`` unbatched,
        or a ``PackedSequence``; ``hx``: ``(layers * D, N, H_out)`` (LSTM: a tuple with
        ``c_0`` ``(layers * D, N, H)``), zeros when omitted, in the batch's own order also for
        packed input. ``output`` has the input's layout with ``D * H_out`` features (a
        ``PackedSequence`` for packed input); ``h_n`` is ``(layers * D, N, H_out)`` in every
        layout, each sequence's state after its last step.
        """
        cls = _NAMES[self.mode]
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes = input.data, tuple(input.batch_sizes.tolist())
            batch, unbatched = batch_sizes[0], False
            if x.dim() != 2:
                raise ValueError(
                    f"{cls}: packed input data must be 2-D (rows, input_size), got {x.dim()}-D"
                )
        else:
            if not isinstance(input, Tensor):
                raise TypeError(
                    f"{cls}: input must be a Tensor or a PackedSequence, got {type(input).__name__}"
                )
            if input.dim() not in (2, 3):
                raise ValueError(
                    f"{cls}: Expected input to be 2D or 3D, got {input.dim()}D input instead"
                )
            unbatched = input.dim() == 2
            x = input.unsqueeze(1) if unbatched else input
            if self.batch_first and not unbatched:
                x = x.transpose(0, 1)
            steps, batch = x.shape[0], x.shape[1]
            batch_sizes = (batch,) * steps
        if x.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                f"got {x.shape[-1]}"
            )
        if x.dtype != self.weight_ih_l0.dtype:
            raise RuntimeError(
                f"{cls}: input must have the type {self.weight_ih_l0.dtype}, got type {x.dtype}"
            )
        h0, c0 = self._initial_states(hx, batch, unbatched, x)
        if packed and input.sorted_indices is not None:
            h0 = h0.index_select(1, input.sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, input.sorted_indices)
        rows = x.reshape(-1, x.shape[-1]) if not packed else x
        h_n, c_n = [], []
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            outs = []
            for d in range(directions):
                k = layer * directions + d
                out, h, c = recurrent_layer(
                    self.mode,
                    rows,
                    batch_sizes,
                    h0[k],
                    None if c0 is None else c0[k],
                    *self._layer_weights(layer, bool(d)),
                    reverse=bool(d),
                )
                outs.append(out)
                h_n.append(h)
                c_n.append(c)
            rows = outs[0] if directions == 1 else ops.cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                rows = functional.dropout(rows, self.dropout, True)
        hn = ops.stack(h_n, 0)
        cn = ops.stack(c_n, 0) if self.mode == "LSTM" else None
        if packed:
            if input.unsorted_indices is not None:
                hn = hn.index_select(1, input.unsorted_indices)
                cn = None if cn is None else cn.index_select(1, input.unsorted_indices)
            output = PackedSequence(
                rows, input.batch_sizes, input.sorted_indices, input.unsorted_indices
            )
        else:
            output = rows.reshape(x.shape[0], batch, rows.shape[-1])
            if unbatched:
                output = output.squeeze(1)
                hn = hn.squeeze(1)
                cn = None if cn is None else cn.squeeze(1)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((hn, cn) if self.mode == "LSTM" else hn)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``, ``act`` = tanh or
    relu (``nonlinearity``). Arguments, parameters and returns as PyTorch's ``nn.RNN``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(
                f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'."
            )
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )
        self.nonlinearity = nonlinearity

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + f", nonlinearity={self.nonlinearity!r}"


class LSTM(RNNBase):
    """Long short-term memory, gates ``i, f, g, o`` in the rows of ``weight_ih``/``weight_hh``:
    ``c_t = f c_{t-1} + i g``, ``h_t = o tanh(c_t)`` (times ``weight_hr`` with
    ``proj_size > 0``). Returns ``(output, (h_n, c_n))``; as PyTorch's ``nn.LSTM``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "LSTM",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            proj_size,
            device=device,
            dtype=dtype,
        )


class GRU(RNNBase):
    """Gated recurrent unit, gates ``r, z, n``: ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``,
    ``h_t = (1 - z) n + z h_{t-1}``; as PyTorch's ``nn.GRU``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
    ) -> None:
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device=device,
            dtype=dtype,
        )


class RNNCellBase(Module):
    """One step of a recurrent layer: parameters ``weight_ih`` ``(G*H, I)``, ``weight_hh``
    ``(G*H, H)``, ``bias_ih``, ``bias_hh`` ``(G*H,)``, all from U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, bias: bool, device, dtype
    ) -> None:
        super().__init__()
        cls = type(self).__name__
        self.mode = mode
        self.input_size = _check_size(cls, "input_size", input_size, positive=False)
        self.hidden_size = _check_size(cls, "hidden_size", hidden_size)
        self.bias = bool(bias)
        gates = GATES[mode] * hidden_size
        self.weight_ih = Parameter(empty(gates, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(gates, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(gates, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(gates, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _step(self, input, hx) -> tuple:
        cls = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{cls}: input must be a Tensor, got {type(input).__name__}")
        if input.dim() not in (1, 2):
            raise ValueError(f"{cls}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        unbatched = input.dim() == 1
        x = input.unsqueeze(0) if unbatched else input
        if x.shape[1] != self.input_size:
            raise RuntimeError(
                f"input has inconsistent input_size: got {x.shape[1]} expected {self.input_size}"
            )
        if x.dtype != self.weight_ih.dtype:
            raise RuntimeError(
                f"{cls}: input must have the type {self.weight_ih.dtype}, got type {x.dtype}"
            )
        lstm = self.mode == "LSTM"
        batch = x.shape[0]
        if hx is None:
            states = tuple(
                zeros(batch, self.hidden_size, dtype=x.dtype, device=x.device)
                for _ in range(2 if lstm else 1)
            )
        else:
            states = tuple(hx) if lstm else (hx,)
            if len(states) != (2 if lstm else 1) or not all(isinstance(s, Tensor) for s in states):
                raise TypeError(
                    f"{cls}: hx must be {'a tuple (h, c) of two tensors' if lstm else 'a tensor'}"
                    f", got {type(hx).__name__}"
                )
            if any(s.dim() != input.dim() for s in states):
                raise RuntimeError(
                    f"{cls}: Expected hidden to be {input.dim()}D (as the input), got "
                    f"{', '.join(f'{s.dim()}D' for s in states)}"
                )
            if unbatched:
                states = tuple(s.unsqueeze(0) for s in states)
            for k, s in enumerate(states):
                if s.shape[0] != batch:
                    raise RuntimeError(
                        f"Input batch size {batch} doesn't match hidden{k} batch size {s.shape[0]}"
                    )
                if s.shape[1] != self.hidden_size:
                    raise RuntimeError(
                        f"hidden{k} has inconsistent hidden_size: got {s.shape[1]}, expected "
                        f"{self.hidden_size}"
                    )
        _, h, c = recurrent_layer(
            self.mode,
            x,
            (batch,),
            states[0],
            states[1] if lstm else None,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
        )
        if unbatched:
            h = h.squeeze(0)
            c = None if c is None else c.squeeze(0)
        return h, c

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity!r}"
        return s


class RNNCell(RNNCellBase):
    """``h' = act(W_ih x + b_ih + W_hh h + b_hh)``, ``act`` tanh or relu; as ``nn.RNNCell``:
    ``forward(input, hx=None) -> h'``."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity: {nonlinearity}. Select from 'tanh' or 'relu'.")
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step (gates ``i, f, g, o``); as ``nn.LSTMCell``:
    ``forward(input, hx=None) -> (h', c')``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)


class GRUCell(RNNCellBase):
    """One GRU step (gates ``r, z, n``); as ``nn.GRUCell``: ``forward(input, hx=None) -> h'``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None
    ) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input, hx=None):
        return self._step(input, hx)[0]
