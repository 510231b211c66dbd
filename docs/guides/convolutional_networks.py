# %% [markdown]
# # Convolutional networks
#
# A fully connected layer gives every pixel its own weight for every unit. A convolution
# instead slides one small filter over the image: the same few weights look at every
# position, so a pattern learnt in one corner is recognised everywhere, with a fraction of
# the parameters. neuronet's `nn.Conv2d`, pooling and normalisation layers are PyTorch's:
# shapes (N, C, H, W), parameter names, default initialisation and numerics.

# %%
import numpy as np

import neuronet as nt
import neuronet.nn.functional as F
from neuronet import nn

nt.manual_seed(0)
conv = nn.Conv2d(in_channels=1, out_channels=4, kernel_size=3, padding=1)
images = nt.randn(2, 1, 8, 8)
print(conv, "->", tuple(conv(images).shape))
print("weights:", tuple(conv.weight.shape), "=", conv.weight.numel(), "numbers;",
      "a Linear from 64 pixels to 4 x 64 outputs would need", 64 * 4 * 64)

# %% [markdown]
# ## A convolution is one matrix product
#
# Cut every 3 x 3 patch of the image out as a column (`F.unfold`, "im2col"), and the
# convolution is the filters, as rows, times those columns: one BLAS product per layer, which
# is how neuronet computes it (and its backward folds the columns back, `F.fold`).

# %%
columns = F.unfold(images, kernel_size=3, padding=1)  # (N, C*3*3, positions)
by_product = conv.weight.reshape(4, -1) @ columns + conv.bias.reshape(1, 4, 1)
same = np.allclose(by_product.reshape(2, 4, 8, 8).detach().numpy(), conv(images).detach().numpy(),
                   atol=1e-5)
print("columns:", tuple(columns.shape), " conv == weights @ columns:", same)

# %% [markdown]
# ## Pooling, batch normalisation per channel
#
# Max pooling keeps the strongest response in each window, halving the resolution;
# `BatchNorm2d` standardises each channel over the batch and all positions.

# %%
pooled = F.max_pool2d(conv(images), kernel_size=2)
bn = nn.BatchNorm2d(4)
normed = bn(pooled)
per_channel = normed.detach().numpy().transpose(1, 0, 2, 3).reshape(4, -1)
print("pooled", tuple(pooled.shape), " channel means after BatchNorm2d:",
      np.round(per_channel.mean(1), 4) + 0.0, " stds:", np.round(per_channel.std(1), 3))

# %% [markdown]
# ## Gradients, checked
#
# Every convolution and pooling op has its backward written out beside its forward and is
# checked against central differences in float64, strides, padding, dilation and groups
# included:

# %%
from neuronet.autograd import gradcheck

x = nt.randn(1, 2, 6, 6, dtype=nt.float64, requires_grad=True)
w = nt.randn(4, 1, 3, 3, dtype=nt.float64, requires_grad=True)
print("conv2d, stride 2, dilation 2, groups 2:",
      gradcheck(lambda a, b: F.conv2d(a, b, stride=2, dilation=2, groups=2), (x, w)))
print("max_pool2d, ceil_mode:", gradcheck(lambda a: F.max_pool2d(a, 3, 2, ceil_mode=True), (x,)))
