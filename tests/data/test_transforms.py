"""Batch transforms: RandomShift moves each image by its own whole-pixel offset, and
TransformedDataset applies a transform to what a DataLoader fetches."""
import numpy as np
import pytest

import neuronet as nt
from neuronet.data import DataLoader, TensorDataset
from neuronet.data.transforms import RandomShift, TransformedDataset


def _shifted(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``image`` moved down by dy and right by dx, zeros shifted in (written out by slices)."""
    h, w = image.shape
    out = np.zeros_like(image)
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


def _offset_of(before: np.ndarray, after: np.ndarray, s: int) -> tuple:
    matches = [(dy, dx) for dy in range(-s, s + 1) for dx in range(-s, s + 1)
               if np.array_equal(_shifted(before, dy, dx), after)]
    assert matches, "the output is no shift of the input"
    return matches[0]


def test_random_shift_moves_each_image_within_the_bound():
    rng = np.random.default_rng(0)
    images = rng.integers(1, 255, (400, 8, 9)).astype(np.float32)  # no zeros: offsets unique
    out = RandomShift(2, image_size=(8, 9))(images)
    assert out.shape == images.shape and out.dtype == np.float32
    offsets = [_offset_of(a, b, 2) for a, b in zip(images, out)]
    assert set(offsets) == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}
    assert (0, 0) in offsets and sum(o == (0, 0) for o in offsets) < 50


def test_random_shift_reads_rows_of_pixels_and_repeats_with_the_seed():
    images = np.arange(3 * 784, dtype=np.float32).reshape(3, 784) + 1
    nt.manual_seed(5)
    first = RandomShift(3)(images)
    nt.manual_seed(5)
    again = RandomShift(3)(images)
    np.testing.assert_array_equal(first, again)
    assert first.shape == (3, 784)
    for a, b in zip(images, first):
        _offset_of(a.reshape(28, 28), b.reshape(28, 28), 3)
    assert RandomShift(0)(images) is images
    with pytest.raises(ValueError, match="expected images of size 28x28"):
        RandomShift(1)(np.zeros((2, 100), dtype=np.float32))
    with pytest.raises(ValueError, match="max_shift must be an int >= 0"):
        RandomShift(-1)


def test_transformed_dataset_shifts_batches_and_single_samples():
    images = np.zeros((64, 784), dtype=np.float32)
    images[:, 14 * 28 + 14] = 1.0  # one lit pixel in the middle
    labels = np.arange(64)
    data = TransformedDataset(TensorDataset(nt.tensor(images), nt.tensor(labels)),
                              RandomShift(1))
    assert len(data) == 64
    seen = []
    for x, y in DataLoader(data, batch_size=16, shuffle=True):
        lit = x.numpy().reshape(-1, 28, 28).argmax(axis=2).max(axis=1)
        rows = x.numpy().reshape(-1, 28, 28).max(axis=2).argmax(axis=1)
        assert x.numpy().sum(axis=1).tolist() == [1.0] * len(y)  # (still one lit pixel)
        assert set(lit.tolist()) <= {13, 14, 15} and set(rows.tolist()) <= {13, 14, 15}
        seen += y.tolist()
    assert sorted(seen) == labels.tolist()
    x, y = data[3]
    assert tuple(x.shape) == (784,) and y.item() == 3 and x.numpy().sum() == 1.0
