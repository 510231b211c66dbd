"""Data augmentation as transforms of a whole batch of images, and the dataset that applies one.

A transform is a callable from an array of images to an array of the same shape and dtype. It
works on a batch at once (one vectorised step per batch, no loop over images), so
``TransformedDataset`` applies it to the stacked batch that ``TensorDataset.__getitems__``
fetches, and to single samples as a batch of one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ..random import numpy_generator
from ..tensor import Tensor
from .collate import StackedSamples
from .dataset import Dataset


class RandomShift:
    """Shift each image by its own random whole-pixel offset (dy, dx), each drawn uniformly
    from [-max_shift, max_shift]; pixels shifted in from outside are ``fill``.

    Images are the trailing dims ``image_size`` (H, W) of the array, or rows of H * W pixels
    when the last dim is H * W (as the MNIST loaders give them). Offsets come from
    ``generator`` (the library's generator when None), so ``manual_seed`` repeats them.
    """

    def __init__(
        self,
        max_shift: int,
        image_size: Sequence[int] = (28, 28),
        fill: float = 0.0,
        generator=None,
    ) -> None:
        if not isinstance(max_shift, (int, np.integer)) or max_shift < 0:
            raise ValueError(f"RandomShift: max_shift must be an int >= 0, got {max_shift!r}")
        self.max_shift = int(max_shift)
        self.image_size = (int(image_size[0]), int(image_size[1]))
        self.fill = fill
        self.generator = generator

    def __call__(self, images: np.ndarray) -> np.ndarray:
        h, w = self.image_size
        shape = images.shape
        if shape[-2:] == (h, w) or shape[-1] == h * w:
            grid = images.reshape(-1, h, w)
        else:
            raise ValueError(
                f"RandomShift: expected images of size {h}x{w} (or rows of {h * w} pixels), "
                f"got an array of shape {tuple(shape)}"
            )
        s = self.max_shift
        if s == 0 or grid.shape[0] == 0:
            return images
        n = grid.shape[0]
        offsets = numpy_generator(self.generator).integers(-s, s + 1, size=(2, n))
        padded = np.pad(grid, ((0, 0), (s, s), (s, s)), constant_values=self.fill)
        rows = (s - offsets[0])[:, None] + np.arange(h)
        cols = (s - offsets[1])[:, None] + np.arange(w)
        out = padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]
        return out.reshape(shape)

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift}, image_size={self.image_size})"


class TransformedDataset(Dataset):
    """``dataset`` with ``transform`` applied to field ``field`` (the inputs) of its samples:
    to the stacked batch when the dataset fetches batches at once (``__getitems__``), else to
    each sample as a batch of one."""

    def __init__(
        self, dataset: Dataset, transform: Callable[[np.ndarray], np.ndarray], field: int = 0
    ) -> None:
        self.dataset, self.transform, self.field = dataset, transform, field

    def _apply(self, t: Tensor) -> Tensor:
        return Tensor._make(self.transform(t.numpy()))

    def __getitem__(self, index):
        sample = list(self.dataset[index])
        one = sample[self.field]
        sample[self.field] = Tensor._make(self.transform(one.numpy()[None])[0])
        return tuple(sample)

    def __getitems__(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is None:
            return [self[i] for i in indices]
        batch = getitems(indices)
        if not isinstance(batch, StackedSamples):
            return [self[i] for i in indices]
        fields = list(batch.fields)
        fields[self.field] = self._apply(fields[self.field])
        return StackedSamples(fields)

    def __len__(self) -> int:
        return len(self.dataset)  # type: ignore[arg-type]
