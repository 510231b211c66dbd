"""Datasets and mini-batch loading: ``from neuronet.data import DataLoader, TensorDataset``."""

from .cache import DataUnavailableError, data_root
from .dataloader import DataLoader, default_collate
from .dataset import Dataset, Subset, TensorDataset, random_split
from .formats import DataFormatError, read_idx, read_label_csv

__all__ = [
    "DataFormatError",
    "DataLoader",
    "DataUnavailableError",
    "Dataset",
    "Subset",
    "TensorDataset",
    "data_root",
    "default_collate",
    "random_split",
    "read_idx",
    "read_label_csv",
]
