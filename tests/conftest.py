"""Test settings shared by dlcore's unit tests and nbval.

Single-threaded BLAS makes floating-point results identical from run to run and machine to
machine; the notebook kernels that nbval starts inherit these variables.
"""

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
# Kernels started by nbval inherit this environment: an MPLBACKEND of Agg would stop them from
# displaying figures, so it is removed (unit tests pick a headless backend by themselves).
os.environ.pop("MPLBACKEND", None)


import pytest  # noqa: E402


@pytest.fixture
def book_style():
    """The book's figure style (Korean font, print options) for one test; closes figures after."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dlcore import viz

    viz.setup()
    yield
    plt.close("all")

# Property-based tests draw their examples from a fixed seed, so a run is repeatable.
try:
    from hypothesis import settings as _hyp_settings

    _hyp_settings.register_profile("book", derandomize=True)
    _hyp_settings.load_profile("book")
except ImportError:  # pragma: no cover - hypothesis is in requirements.txt
    pass

# nbval skips image/png outputs; the figure check compares each stored figure with the fresh
# run's within a tolerance and fails on blank figures (tests/_figcheck.py explains the tolerance).
from _figcheck import install as _install_figure_check  # noqa: E402

_install_figure_check()
