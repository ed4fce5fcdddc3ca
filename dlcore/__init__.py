"""dlcore — the small deep-learning engine of 『딥러닝 기초: 퍼셉트론에서 ResNet까지』.

Every layer has an explicit ``forward`` and ``backward``, written the way the book derives them.
Arrays live on NumPy by default, or on a GPU through CuPy (:func:`use_backend`).

Sub-modules: ``functional``, ``layers``, ``losses``, ``optim``, ``init``, ``gradcheck``,
``train``, ``data``, ``datasets``, ``diagnostics``, ``io``, ``perceptron``, ``viz`` and ``widgets`` (the last two
are imported on demand: ``from dlcore import viz``).
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
    perceptron,
    train,
)
from ._validate import set_finite_checks  # noqa: F401
from .backend import backend_name, get_backend, to_device, to_numpy, use_backend  # noqa: F401
from .init import manual_seed  # noqa: F401
from .layers import *  # noqa: F401,F403
from .module import Module, Parameter, Sequential  # noqa: F401

__version__ = "0.1.0"
