"""Convolutional image classifiers: LeNet-5 and a small VGG-style ConvNet.

Both take (N, C, H, W) images, or rows of C * H * W pixels (as the MNIST loaders give them),
which they read as images. Their layers sit in two ``Sequential`` parts, ``features`` and
``classifier``, so their state_dict keys are those of the same model written in PyTorch
(``features.0.weight``, ...).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import nn


class _ImageClassifier(nn.Module):
    """``classifier(features(x))`` with rows of pixels read as (N, C, H, W) images."""

    def __init__(self, in_channels: int, image_size: int) -> None:
        super().__init__()
        self.in_channels, self.image_size = in_channels, image_size

    def forward(self, x):
        if x.ndim == 2:
            x = x.reshape(x.shape[0], self.in_channels, self.image_size, self.image_size)
        return self.classifier(self.features(x))


class LeNet5(_ImageClassifier):
    """LeNet-5 for 28x28 images (the first convolution padded by 2, so 28x28 acts as the
    original 32x32): Conv2d(C, 6, 5, padding=2) -> act -> MaxPool2d(2) -> Conv2d(6, 16, 5) ->
    act -> MaxPool2d(2) -> Flatten -> Linear(16*5*5, 120) -> act -> Linear(120, 84) -> act ->
    Linear(84, num_classes). ``activation`` is any of ``nn.ACTIVATIONS`` (default 'relu'; the
    original used 'tanh')."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        activation: str = "relu",
        image_size: int = 28,
    ) -> None:
        super().__init__(in_channels, image_size)
        side = ((image_size + 4 - 4) // 2 - 4) // 2
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2),
            nn.get_activation(activation),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5),
            nn.get_activation(activation),
            nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * side * side, 120),
            nn.get_activation(activation),
            nn.Linear(120, 84),
            nn.get_activation(activation),
            nn.Linear(84, num_classes),
        )


class ConvNet(_ImageClassifier):
    """A VGG-style network. ``features``: for each width c of ``channels``, ``convs`` times
    [Conv2d(prev, c, 3, padding=1) (no bias when batch-normalised) -> BatchNorm2d(c) (when
    ``batch_norm``) -> ReLU] and a MaxPool2d(2), which comes before the block's last ReLU
    (the same function, since max-pooling and ReLU commute, with the ReLU on a quarter of the
    values). ``classifier``: Flatten, then per size of
    ``hidden`` [Dropout(dropout) (when dropout > 0) -> Linear -> BatchNorm1d (when
    ``batch_norm``) -> ReLU], then Dropout(dropout) and Linear(prev, num_classes). Default
    PyTorch initialisation throughout."""

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        channels: Sequence[int] = (32, 64),
        convs: int = 1,
        hidden: Sequence[int] = (128,),
        batch_norm: bool = True,
        dropout: float = 0.25,
        image_size: int = 28,
    ) -> None:
        super().__init__(in_channels, image_size)
        if not channels or any(int(c) < 1 for c in channels):
            raise ValueError(f"channels: expected positive widths, got {list(channels)!r}")
        if convs < 1:
            raise ValueError(f"convs: expected at least one convolution per block, got {convs}")
        layers: list[nn.Module] = []
        prev, side = in_channels, image_size
        for width in channels:
            for i in range(convs):
                layers.append(nn.Conv2d(prev, width, 3, padding=1, bias=not batch_norm))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(width))
                if i == convs - 1:  # (max-pooling first: relu(pool(x)) = pool(relu(x)), on 1/4)
                    layers.append(nn.MaxPool2d(2))
                layers.append(nn.ReLU())
                prev = width
            side //= 2
        if side < 1:
            raise ValueError(
                f"channels: {len(channels)} blocks halve {image_size}x{image_size} images to "
                f"nothing; use at most {image_size.bit_length() - 1}"
            )
        self.features = nn.Sequential(*layers)
        head: list[nn.Module] = [nn.Flatten()]
        prev = prev * side * side
        for size in hidden:
            if dropout:
                head.append(nn.Dropout(dropout))
            head.append(nn.Linear(prev, size))
            if batch_norm:
                head.append(nn.BatchNorm1d(size))
            head.append(nn.ReLU())
            prev = size
        if dropout:
            head.append(nn.Dropout(dropout))
        head.append(nn.Linear(prev, num_classes))
        self.classifier = nn.Sequential(*head)
