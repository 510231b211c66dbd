"""Recurrent layers: one direction of one layer of an Elman RNN, an LSTM or a GRU as one op,
its forward pass and its backpropagation through time side by side.

The sequence is given in the packed layout of ``nn.utils.rnn.PackedSequence``: ``x`` holds the
rows of time step 0 (``batch_sizes[0]`` of them), then those of step 1 (``batch_sizes[1]``),
and so on, the batch sorted by decreasing length, so that the sequences still running at step
``t`` are the first ``batch_sizes[t]``. A padded batch of ``N`` sequences of ``T`` steps is the
case ``batch_sizes = (N,) * T`` (its ``(T, N, I)`` array reshaped to ``(T * N, I)``). The
forward direction runs ``t = 0 .. T-1``, the reverse direction ``t = T-1 .. 0``; at step ``t``
only the first ``batch_sizes[t]`` states are updated, so each sequence's final state is its
state after its own last step (forward) or first step (reverse), as PyTorch's.

Per step (PyTorch's equations, gate rows in PyTorch's order; ``W x`` for all steps is one matrix
product before the loop, and the hidden products of all gates are one product per step):

- ``'RNN_TANH'``/``'RNN_RELU'``: ``h' = act(W_ih x + b_ih + W_hh h + b_hh)``.
- ``'LSTM'``, rows ``i, f, g, o``: ``i, f, o = sigmoid(.)``, ``g = tanh(.)`` of
  ``W_ih x + b_ih + W_hh h + b_hh``; ``c' = f c + i g``, ``h' = o tanh(c')``, and with a
  projection ``h' = W_hr (o tanh(c'))``. The sigmoids are computed as
  ``0.5 + 0.5 tanh(z / 2)`` (exact, overflow-free), so all four gates are one ``tanh`` call.
- ``'GRU'``, rows ``r, z, n``: ``r, z = sigmoid(W_i. x + b_i. + W_h. h + b_h.)``,
  ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``, ``h' = (1 - z) n + z h``.

The VJP runs the steps backwards with the values the forward pass kept (gates, cell states,
previous hidden states), and forms the weight gradients after the loop, each as one product
over all rows: ``dW_ih = dZ^T x``, ``dW_hh = dZ^T H_prev``, ``db = sum(dZ)``, ``dx = dZ W_ih``.
Gradients of gradients are not recorded: a backward pass with ``create_graph=True`` through
these layers raises.
"""

from __future__ import annotations

from ..backend import get_xp
from ..tensor import Tensor, record

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _order(batch_sizes: tuple, reverse: bool) -> list:
    """``(t, start, count)`` per step in the order the direction runs them."""
    steps, start = [], 0
    for t, n in enumerate(batch_sizes):
        steps.append((t, start, n))
        start += n
    return steps[::-1] if reverse else steps


def _lstm_forward(xp, x, h, c, w_ih, w_hh, b, w_hr, steps, out, keep):
    """Runs the LSTM steps, writing each step's hidden state into ``out`` and the final states
    into ``h``/``c``; returns what the VJP reads (``None`` when ``keep`` is False)."""
    hidden = w_hh.shape[0] // 4
    dt = x.dtype
    scale = xp.full(4 * hidden, 0.5, dtype=dt)
    scale[2 * hidden : 3 * hidden] = 1
    shift = xp.full(4 * hidden, 0.5, dtype=dt)
    shift[2 * hidden : 3 * hidden] = 0
    # the gates in the scaled form: one tanh gives i, f, o (as 0.5 + 0.5 tanh(z/2)) and g
    acts = x @ (w_ih.T * scale)
    if b is not None:
        acts += b * scale
    wh = w_hh.T * scale
    rows = x.shape[0]
    if keep:
        h_prev = xp.empty((rows, h.shape[1]), dtype=dt)
        c_prev = xp.empty((rows, hidden), dtype=dt)
        tanh_c = xp.empty((rows, hidden), dtype=dt)
        h_pre = xp.empty((rows, hidden), dtype=dt) if w_hr is not None else None
    for _, a, n in steps:
        e = a + n
        z = acts[a:e]
        hn = h[:n]
        if keep:
            h_prev[a:e] = hn
            c_prev[a:e] = c[:n]
        z += hn @ wh
        xp.tanh(z, out=z)
        z *= scale
        z += shift
        i, f, g, o = (z[:, k * hidden : (k + 1) * hidden] for k in range(4))
        cn = c[:n]
        cn *= f
        cn += i * g
        tc = xp.tanh(cn)
        if keep:
            tanh_c[a:e] = tc
        tc *= o
        if w_hr is not None:
            if keep:
                h_pre[a:e] = tc
            tc = tc @ w_hr.T
        h[:n] = tc
        out[a:e] = tc
    if not keep:
        return None
    return acts, h_prev, c_prev, tanh_c, h_pre


def _lstm_backward(xp, g_out, g_h, g_c, w_hh, w_hr, steps, kept):
    """BPTT of the LSTM: the gradients of the pre-activations ``dZ`` (rows of ``x``), of the
    initial states, and of ``W_hr`` (None without a projection)."""
    acts, h_prev, c_prev, tanh_c, h_pre = kept
    hidden = w_hh.shape[0] // 4
    # the gates' slopes from their values: s (1 - s) for the sigmoids, 1 - g^2 for g
    slope = 1 - acts
    slope *= acts
    gg = acts[:, 2 * hidden : 3 * hidden]
    slope[:, 2 * hidden : 3 * hidden] = 1 - gg * gg
    dz_all = xp.empty_like(acts)
    dh_all = xp.empty_like(h_prev) if w_hr is not None else None
    dh, dc = g_h.copy(), g_c.copy()
    for _, a, n in reversed(steps):
        e = a + n
        dht = dh[:n] + g_out[a:e]
        if w_hr is not None:
            dh_all[a:e] = dht
            dht = dht @ w_hr
        act = acts[a:e]
        i, f, g, o = (act[:, k * hidden : (k + 1) * hidden] for k in range(4))
        tc = tanh_c[a:e]
        dct = dht * o
        dct *= 1 - tc * tc
        dct += dc[:n]
        dz = dz_all[a:e]
        xp.multiply(dct, g, out=dz[:, :hidden])
        xp.multiply(dct, c_prev[a:e], out=dz[:, hidden : 2 * hidden])
        xp.multiply(dct, i, out=dz[:, 2 * hidden : 3 * hidden])
        xp.multiply(dht, tc, out=dz[:, 3 * hidden :])
        dz *= slope[a:e]
        dct *= f
        dc[:n] = dct
        dh[:n] = dz @ w_hh
    d_hr = None if w_hr is None else dh_all.T @ h_pre
    return dz_all, dh, dc, d_hr


def _gru_forward(xp, x, h, w_ih, w_hh, b_ih, b_hh, steps, out, keep):
    hidden = w_hh.shape[0] // 3
    dt = x.dtype
    gx = x @ w_ih.T
    if b_ih is not None:
        gx += b_ih
    rows = x.shape[0]
    if keep:
        h_prev = xp.empty((rows, hidden), dtype=dt)
        rzn = xp.empty((rows, 3 * hidden), dtype=dt)
        gh_n = xp.empty((rows, hidden), dtype=dt)
    for _, a, n in steps:
        e = a + n
        hn = h[:n]
        gh = hn @ w_hh.T
        if b_hh is not None:
            gh += b_hh
        rz = gx[a:e, : 2 * hidden] + gh[:, : 2 * hidden]
        rz *= 0.5
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        r, z = rz[:, :hidden], rz[:, hidden:]
        nn = r * gh[:, 2 * hidden :]
        nn += gx[a:e, 2 * hidden :]
        xp.tanh(nn, out=nn)
        if keep:
            h_prev[a:e] = hn
            rzn[a:e, : 2 * hidden] = rz
            rzn[a:e, 2 * hidden :] = nn
            gh_n[a:e] = gh[:, 2 * hidden :]
        new = hn - nn
        new *= z
        new += nn
        h[:n] = new
        out[a:e] = new
    if not keep:
        return None
    return h_prev, rzn, gh_n


def _gru_backward(xp, g_out, g_h, w_hh, steps, kept):
    """BPTT of the GRU: the gradients of the input-side and hidden-side pre-activations (rows of
    ``x``) and of the initial state."""
    h_prev, rzn, gh_n = kept
    hidden = w_hh.shape[0] // 3
    dgx = xp.empty_like(rzn)
    dgh = xp.empty_like(rzn)
    dh = g_h.copy()
    for _, a, n in reversed(steps):
        e = a + n
        dht = dh[:n] + g_out[a:e]
        r, z, nn = rzn[a:e, :hidden], rzn[a:e, hidden : 2 * hidden], rzn[a:e, 2 * hidden :]
        dn = dht * (1 - z)
        dn *= 1 - nn * nn
        dx, dhh = dgx[a:e], dgh[a:e]
        dr = dn * gh_n[a:e]
        dr *= r * (1 - r)
        dx[:, :hidden] = dr
        dzz = dht * (h_prev[a:e] - nn)
        dzz *= z * (1 - z)
        dx[:, hidden : 2 * hidden] = dzz
        dx[:, 2 * hidden :] = dn
        dhh[:, : 2 * hidden] = dx[:, : 2 * hidden]
        xp.multiply(dn, r, out=dhh[:, 2 * hidden :])
        dht *= z
        dht += dhh @ w_hh
        dh[:n] = dht
    return dgx, dgh, dh


def _rnn_forward(xp, x, h, w_ih, w_hh, b, relu, steps, out, keep):
    z_all = x @ w_ih.T
    if b is not None:
        z_all += b
    h_prev = xp.empty((x.shape[0], h.shape[1]), dtype=x.dtype) if keep else None
    for _, a, n in steps:
        e = a + n
        hn = h[:n]
        if keep:
            h_prev[a:e] = hn
        z = z_all[a:e]
        z += hn @ w_hh.T
        if relu:
            xp.maximum(z, 0, out=z)
        else:
            xp.tanh(z, out=z)
        h[:n] = z
        out[a:e] = z
    return (h_prev, z_all) if keep else None


def _rnn_backward(xp, g_out, g_h, w_hh, relu, steps, kept):
    h_prev, y = kept
    dz_all = xp.empty_like(y)
    dh = g_h.copy()
    for _, a, n in reversed(steps):
        e = a + n
        dz = dz_all[a:e]
        xp.add(dh[:n], g_out[a:e], out=dz)
        yt = y[a:e]
        if relu:
            dz *= yt > 0
        else:
            dz *= 1 - yt * yt
        dh[:n] = dz @ w_hh
    return dz_all, dh


def recurrent_layer(
    mode: str,
    x: Tensor,
    batch_sizes: tuple,
    hx: Tensor,
    cx: Tensor | None,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    w_hr: Tensor | None = None,
    reverse: bool = False,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """One direction of one recurrent layer over packed rows ``x`` ``(sum(batch_sizes), I)``
    (see the module's docstring), from the initial states ``hx`` ``(batch_sizes[0], H_out)``
    and, for ``'LSTM'``, ``cx`` ``(batch_sizes[0], H)``. Returns ``(output, h_n, c_n)``: the
    hidden state after every step in the rows of ``x`` ``(sum(batch_sizes), H_out)``, and the
    final states (``c_n`` None except for ``'LSTM'``). ``H_out`` is ``w_hr``'s rows with a
    projection, else ``H``."""
    if mode not in MODES:
        raise ValueError(f"recurrent_layer(): mode must be one of {MODES}, got {mode!r}")
    xd = x._data
    xp = get_xp(xd)
    steps = _order(tuple(batch_sizes), reverse)
    rows, batch, h_out = xd.shape[0], hx._data.shape[0], hx._data.shape[1]
    lstm, gru = mode == "LSTM", mode == "GRU"
    if lstm != (cx is not None):
        raise ValueError(f"recurrent_layer(): cx is {'required' if lstm else 'only'} for LSTM")
    inputs = [t for t in (x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr) if t is not None]
    keep = any(t._requires_grad for t in inputs)
    hidden = cx._data.shape[1] if cx is not None else h_out
    sizes = (rows * h_out, batch * h_out, batch * hidden if lstm else 0)
    flat = xp.empty(sum(sizes), dtype=xd.dtype)
    out = flat[: sizes[0]].reshape(rows, h_out)
    h = flat[sizes[0] : sizes[0] + sizes[1]].reshape(batch, h_out)
    h[...] = hx._data
    c = None
    if cx is not None:
        c = flat[sizes[0] + sizes[1] :].reshape(batch, hidden)
        c[...] = cx._data
    wi, wh = w_ih._data, w_hh._data
    bi = None if b_ih is None else b_ih._data
    bh = None if b_hh is None else b_hh._data
    both = None if bi is None else bi + bh
    relu = mode == "RNN_RELU"
    if lstm:
        kept = _lstm_forward(
            xp, xd, h, c, wi, wh, both, None if w_hr is None else w_hr._data, steps, out, keep
        )
    elif gru:
        kept = _gru_forward(xp, xd, h, wi, wh, bi, bh, steps, out, keep)
    else:
        kept = _rnn_forward(xp, xd, h, wi, wh, both, relu, steps, out, keep)

    def backward(g, needs, xd, wi, wh, wr, kept):
        if isinstance(g, Tensor):
            raise RuntimeError(
                f"{mode} layers do not record the graph of their gradient: a backward pass "
                "with create_graph=True cannot differentiate through them again"
            )
        g_out = g[: sizes[0]].reshape(rows, h_out)
        g_h = g[sizes[0] : sizes[0] + sizes[1]].reshape(batch, h_out)
        d_hr = dc0 = None
        if lstm:
            g_c = g[sizes[0] + sizes[1] :].reshape(batch, hidden)
            dz, dh0, dc0, d_hr = _lstm_backward(xp, g_out, g_h, g_c, wh, wr, steps, kept)
            dzi = dzh = dz
        elif gru:
            dzi, dzh, dh0 = _gru_backward(xp, g_out, g_h, wh, steps, kept)
        else:
            dzi, dh0 = _rnn_backward(xp, g_out, g_h, wh, relu, steps, kept)
            dzh = dzi
        h_prev = kept[1] if lstm else kept[0]
        grads = {
            "x": dzi @ wi,
            "hx": dh0,
            "cx": dc0,
            "w_ih": dzi.T @ xd,
            "w_hh": dzh.T @ h_prev,
            "b_ih": dzi.sum(0),
            "b_hh": dzh.sum(0),
            "w_hr": d_hr,
        }
        return tuple(grads[k] if need else None for k, need in zip(names, needs))

    names = [
        k
        for k, t in zip(
            ("x", "hx", "cx", "w_ih", "w_hh", "b_ih", "b_hh", "w_hr"),
            (x, hx, cx, w_ih, w_hh, b_ih, b_hh, w_hr),
        )
        if t is not None
    ]
    wr = None if w_hr is None else w_hr._data
    name = {"LSTM": "LstmBackward0", "GRU": "GruBackward0"}.get(mode, "RnnBackward0")
    res = record(flat, tuple(inputs), backward, name, (xd, wi, wh, wr, kept))
    output = res[: sizes[0]].reshape(rows, h_out)
    h_n = res[sizes[0] : sizes[0] + sizes[1]].reshape(batch, h_out)
    c_n = res[sizes[0] + sizes[1] :].reshape(batch, hidden) if lstm else None
    return output, h_n, c_n
