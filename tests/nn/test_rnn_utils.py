"""nn.utils.rnn: padding and packing as PyTorch's, gradients through each conversion."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.autograd import gradcheck
from neuronet.nn.utils import rnn as R


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_matches_pytorch(batch_first, side, torch, rng):
    seqs = [rng.standard_normal((n, 2)) for n in (2, 5, 3)]
    ours = R.pad_sequence([nt.tensor(s) for s in seqs], batch_first, 9.0, side)
    theirs = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], batch_first, 9.0,
                                             side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_pack_sequence_and_unpack_match_pytorch(enforce_sorted, torch, rng):
    lens = (5, 3, 3, 1) if enforce_sorted else (3, 5, 1, 3)
    seqs = [rng.standard_normal((n, 2)) for n in lens]
    ours = R.pack_sequence([nt.tensor(s) for s in seqs], enforce_sorted)
    theirs = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted)
    np.testing.assert_array_equal(ours.data.numpy(), theirs.data.numpy())
    np.testing.assert_array_equal(ours.batch_sizes.numpy(), theirs.batch_sizes.numpy())
    assert ours.data is ours[0] and len(ours) == 4
    for a, s in zip(R.unpack_sequence(ours), seqs):
        np.testing.assert_array_equal(a.numpy(), s)
    padded, lengths = R.pad_packed_sequence(ours)
    for a, s in zip(R.unpad_sequence(padded, lengths), seqs):
        np.testing.assert_array_equal(a.numpy(), s)


def test_gradients_through_padding_and_packing(rng):
    a, b = (nt.tensor(rng.standard_normal(s), requires_grad=True) for s in ((3, 2), (1, 2)))
    w = nt.tensor(rng.standard_normal((3, 2, 2)))

    def fn(a, b):
        padded = R.pad_sequence([b, a], padding_value=4.0, padding_side="left")
        packed = R.pack_padded_sequence(padded, [1, 3], enforce_sorted=False)
        return (R.pad_packed_sequence(packed, padding_value=-1.0)[0] * w).sum()

    assert gradcheck(fn, (a.double(), b.double()))
    x = nt.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    packed = R.pack_padded_sequence(x.reshape(2, 2, 2), [2, 1])
    (packed.data * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3, 3], [3, 3], [3, 3], [0, 0]])


def test_errors():
    x = nt.zeros(4, 3, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        R.pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        R.pack_padded_sequence(x, [4, 2, 0])
    with pytest.raises(ValueError, match="Expected `len\\(lengths\\)` to be equal to batch_size"):
        R.pack_padded_sequence(x, [4, 2])
    with pytest.raises(RuntimeError, match="exceeds the input's 4 steps"):
        R.pack_padded_sequence(x, [5, 2, 1])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]), total_length=3)
    with pytest.raises(ValueError, match="Expected padding_side to be one of left or right"):
        R.pad_sequence([x[0]], padding_side="middle")
