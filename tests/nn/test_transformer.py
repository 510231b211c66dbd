"""Transformer encoder and decoder layers, their stacks and nn.Transformer against PyTorch."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.autograd import gradcheck


def _compare(theirs, ours, arrays, call, torch, rng):
    """Load PyTorch's state_dict into ours; the same outputs and gradients for the inputs and
    every parameter."""
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: nt.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    T = [torch.tensor(a, requires_grad=True) for a in arrays]
    O = [nt.tensor(a, requires_grad=True) for a in arrays]
    r, o = call(theirs, torch, T), call(ours, nt, O)
    np.testing.assert_allclose(o.detach().numpy(), r.detach().numpy(), rtol=1e-9, atol=1e-11)
    up = rng.standard_normal(tuple(r.shape))
    (r * torch.tensor(up)).sum().backward()
    (o * nt.tensor(up)).sum().backward()
    for a, b in zip(O, T):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-8, atol=1e-11)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), theirs_params[name].grad.numpy(), rtol=1e-8,
                                   atol=1e-11, err_msg=name)


def _kpm(m, batch_first_shape):
    """A float key-padding mask (PyTorch warns when its type differs from the float mask's)."""
    mask = np.zeros(batch_first_shape)
    mask[0, -1] = -np.inf
    return m.tensor(mask)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_matches_pytorch(norm_first, batch_first, rng, torch64):
    kw = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0,
          "norm_first": norm_first, "batch_first": batch_first, "bias": not norm_first}
    x = rng.standard_normal((3, 5, 8) if batch_first else (5, 3, 8))

    def build(m):
        layer = m.nn.TransformerEncoderLayer(**kw, activation=m.tanh if batch_first else "gelu")
        return m.nn.TransformerEncoder(layer, 2, norm=m.nn.LayerNorm(8),
                                       enable_nested_tensor=False)

    def call(model, m, T):
        mask = m.nn.Transformer.generate_square_subsequent_mask(5)
        return model(T[0], mask=mask, src_key_padding_mask=_kpm(m, (3, 5)))

    _compare(build(torch64), build(nt), [x], call, torch64, rng)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_matches_pytorch(norm_first, rng, torch64):
    kw = {"d_model": 8, "nhead": 2, "dim_feedforward": 16, "dropout": 0.0,
          "norm_first": norm_first}
    tgt, memory = rng.standard_normal((4, 3, 8)), rng.standard_normal((5, 3, 8))

    def build(m):
        return m.nn.TransformerDecoder(m.nn.TransformerDecoderLayer(**kw), 2)

    def call(model, m, T):
        return model(T[0], T[1], tgt_mask=m.nn.Transformer.generate_square_subsequent_mask(4),
                     memory_key_padding_mask=_kpm(m, (3, 5)),
                     tgt_key_padding_mask=_kpm(m, (3, 4)))

    _compare(build(torch64), build(nt), [tgt, memory], call, torch64, rng)


def test_transformer_matches_pytorch(rng, torch64):
    def build(m):
        return m.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                                dim_feedforward=16, dropout=0.0, batch_first=True,
                                activation="gelu")

    def call(model, m, T):
        return model(T[0], T[1], tgt_mask=m.nn.Transformer.generate_square_subsequent_mask(4),
                     src_key_padding_mask=m.tensor([[False] * 4 + [True], [False] * 5]))

    _compare(build(torch64), build(nt), [rng.standard_normal((2, 5, 8)),
                                         rng.standard_normal((2, 4, 8))], call, torch64, rng)


def test_encoder_layer_gradcheck(rng):
    nt.set_default_dtype(nt.float64)
    layer = nt.nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, norm_first=True)
    x = nt.tensor(rng.standard_normal((3, 2, 4)), requires_grad=True)
    mask = nt.nn.Transformer.generate_square_subsequent_mask(3)
    assert gradcheck(lambda x: layer(x, src_mask=mask, is_causal=True), [x])


def test_defaults_names_and_init():
    layer = nt.nn.TransformerEncoderLayer(16, 4)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1
    assert layer.norm1.eps == 1e-5 and not layer.self_attn.batch_first and not layer.norm_first
    assert [n for n, _ in layer.named_children()] == [
        "self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1", "dropout2"]
    enc = nt.nn.TransformerEncoder(layer, 3)
    w = [m.linear1.weight.detach().numpy() for m in enc.layers]
    assert len(w) == 3 and np.array_equal(w[0], w[1])  # deep copies, trained independently
    assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
    model = nt.nn.Transformer(d_model=16, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                              dim_feedforward=8)
    bound = np.sqrt(6 / (8 + 16))  # xavier_uniform_ of linear1 (8, 16)
    w1 = model.encoder.layers[0].linear1.weight.detach().numpy()
    assert np.abs(w1).max() <= bound and np.abs(w1).max() > 0.8 * bound
    assert isinstance(model.encoder.norm, nt.nn.LayerNorm)


def test_square_subsequent_mask():
    m = nt.nn.Transformer.generate_square_subsequent_mask(3).numpy()
    np.testing.assert_array_equal(m, [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    assert nt.nn.Transformer.generate_square_subsequent_mask(2, dtype=nt.float64).dtype == (
        nt.float64)


def test_causal_mask_detected_and_bad_activation(rng):
    from neuronet.nn.modules.transformer import _detect_is_causal_mask

    causal = nt.nn.Transformer.generate_square_subsequent_mask(4)
    assert _detect_is_causal_mask(causal, None, None)
    assert not _detect_is_causal_mask(nt.zeros(4, 4), None, None)
    assert not _detect_is_causal_mask(causal, None, 3)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        nt.nn.TransformerEncoderLayer(4, 2, activation="swish")
    model = nt.nn.Transformer(8, 2, 1, 1, 8)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(nt.zeros(3, 2, 8), nt.zeros(3, 1, 8))
    with pytest.raises(RuntimeError, match="feature number of src and tgt"):
        model(nt.zeros(3, 2, 8), nt.zeros(3, 2, 4))
