"""Real data sets, fetched once into a verified local cache."""
from .mnist import DATASETS, MNIST, FashionMNIST, dataset_class

__all__ = ["DATASETS", "MNIST", "FashionMNIST", "dataset_class"]
