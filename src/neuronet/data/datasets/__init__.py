"""Real data sets, fetched once into a verified local cache."""

from .conll import CoNLL2003, Token, parse_conll, read_conll
from .glove import GloVe, WordVectors, read_glove_text
from .mnist import DATASETS, MNIST, FashionMNIST, dataset_class
from .text import FirstNames, read_text_lines

__all__ = [
    "DATASETS",
    "MNIST",
    "CoNLL2003",
    "FashionMNIST",
    "FirstNames",
    "GloVe",
    "Token",
    "WordVectors",
    "dataset_class",
    "parse_conll",
    "read_conll",
    "read_glove_text",
    "read_text_lines",
]
