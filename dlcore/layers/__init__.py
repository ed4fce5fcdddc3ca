"""Layers with explicit forward and backward passes (PyTorch's names and layouts)."""

from .activation import *  # noqa: F401,F403
from .batchnorm import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .residual import *  # noqa: F401,F403
from .residual_mlp import *  # noqa: F401,F403
