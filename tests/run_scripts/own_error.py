"""A PyTorch script with a bug of its own: the error and its traceback are the script's."""

import torch


def check_features(batch):
    if batch.shape[1] != 3:
        raise ValueError(f"expected 3 features, got {batch.shape[1]}")
    return batch


check_features(torch.zeros(2, 5))
