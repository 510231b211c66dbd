"""Datasets and mini-batch loading under PyTorch's path, as ``torch.utils.data``:
``from neuronet.utils.data import DataLoader, TensorDataset``.

The very objects of :mod:`neuronet.data` (one implementation, two import paths), so code written
for ``torch.utils.data`` runs on neuronet with only its imports changed.
"""

from ..data import *  # noqa: F403 - every name neuronet.data exports
from ..data import __all__  # noqa: F401
