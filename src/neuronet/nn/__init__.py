"""Neural-network building blocks with PyTorch's API: ``import neuronet.nn as nn``."""

from . import functional, init, parallel, utils
from .module import Module
from .modules import *  # noqa: F403
from .parameter import Parameter
