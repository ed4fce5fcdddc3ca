"""Plotting helpers shared by the chapters (one look, Korean labels). Call ``viz.setup()`` first."""

from .backprop import *  # noqa: F401,F403
from .boundary import *  # noqa: F401,F403
from .deep import *  # noqa: F401,F403
from .cnn import *  # noqa: F401,F403
from .intro import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .matrix import *  # noqa: F401,F403
from .mlp import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from .style import *  # noqa: F401,F403
from .training_aids import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
