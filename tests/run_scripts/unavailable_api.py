"""A PyTorch script that uses ``torch.fft``, which neuronet does not have: under
``neuronet run`` it stops there with one line on stderr; under PyTorch it prints the spectrum."""

import torch

signal = torch.tensor([1.0, 0.0, -1.0, 0.0])
print(f"signal sum {signal.sum().item():.1f}")
spectrum = torch.fft.rfft(signal)
print(f"spectrum {spectrum.abs().tolist()}")
