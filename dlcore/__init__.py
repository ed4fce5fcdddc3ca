"""dlcore — the small deep-learning engine of 『딥러닝 기초: 퍼셉트론에서 ResNet까지』.

Every layer has an explicit ``forward`` and ``backward``, written the way the book derives them.
Arrays live on NumPy by default, or on a GPU through CuPy (:func:`use_backend`).

Sub-modules: ``functional``, ``layers``, ``losses``, ``optim``, ``init``, ``gradcheck``,
``train``, ``data``, ``datasets``, ``diagnostics``, ``io``, ``parallel``, ``perceptron``, ``viz`` and ``widgets`` (the last two
are imported on demand: ``from dlcore import viz``).

Conventions that hold everywhere:

- dtypes: float64 (the default, for gradient checks) or float32 (for speed). float16 is refused
  with a ValueError by every layer, loss, optimiser, scaler and data loader: its 11-bit mantissa
  and its largest value 65504 make variances, clamped logarithms (eps = 1e-12 rounds to 0) and
  gradients silently wrong. Integer and boolean inputs are converted to the layer's dtype.
- A layer keeps private copies of what its backward needs, so a caller may overwrite its input
  (or the output it was given) before calling backward; a backward after a forward that raised
  raises too, instead of differentiating the previous input.
- Sizes, seeds and hyper-parameters accept Python and NumPy numbers alike (``np.int64(3)``,
  ``np.float32(0.1)``); anything else gives a ValueError that names the function, what it
  expected and what it got.
"""

from . import (  # noqa: F401
    autograd,
    backend,
    data,
    datasets,
    diagnostics,
    functional,
    gradcheck,
    init,
    io,
    layers,
    losses,
    optim,
    parallel,
    perceptron,
    train,
)
from ._validate import set_finite_checks  # noqa: F401
from .backend import backend_name, get_backend, to_device, to_numpy, use_backend  # noqa: F401
from .init import manual_seed  # noqa: F401
from .layers import *  # noqa: F401,F403
from .module import Module, Parameter, Sequential  # noqa: F401
from .parallel import get_num_threads, set_num_threads  # noqa: F401

__version__ = "0.1.0"
