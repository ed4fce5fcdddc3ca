"""ipywidgets explorers used in the chapters (needs ``ipywidgets``; see ``dlcore[widgets]``)."""

from .activation import *  # noqa: F401,F403
from .approx import *  # noqa: F401,F403
from .init_explorer import *  # noqa: F401,F403
from .deep import *  # noqa: F401,F403
from .cnn import *  # noqa: F401,F403
from .intro import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .matrix import *  # noqa: F401,F403
from .optim import *  # noqa: F401,F403
from .perceptron import *  # noqa: F401,F403
from .regularization import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
