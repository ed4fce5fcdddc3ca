"""One look for every figure of the book, with Korean labels that render anywhere.

The book ships NanumGothic (``dlcore/fonts``), so Hangul renders on Binder, Colab and CI with no
system font. DejaVu Sans comes first in the font list and NanumGothic second: Latin letters,
digits and the minus sign (U+2212, which NanumGothic lacks) come from DejaVu, Hangul falls back to
NanumGothic, and matplotlib prints no "Glyph missing" warnings.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import font_manager

__all__ = ["setup", "korean_font_path", "glue", "new_figure", "PALETTE"]

FONT_FILE = Path(__file__).resolve().parent.parent / "fonts" / "NanumGothic.ttf"

#: Colours used for classes and curves across chapters (colour-blind friendly).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

_registered = False


def korean_font_path() -> Path:
    """Path of the bundled NanumGothic font file."""
    return FONT_FILE


def _register_font():
    global _registered
    if not _registered:
        font_manager.fontManager.addfont(str(FONT_FILE))
        _registered = True


def setup(precision=4, dpi=100):
    """Prepare a notebook: Korean font, the book's figure style and NumPy print options.

    Call it once at the top of every chapter. ``precision`` sets how many decimals NumPy prints.
    """
    _register_font()
    matplotlib.rcParams.update({
        "font.family": ["DejaVu Sans", "NanumGothic"],
        "axes.unicode_minus": True,
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": (6.0, 4.0),
        "figure.constrained_layout.use": True,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
        "axes.titlesize": 12,
        "axes.labelsize": 11,
        "legend.fontsize": 10,
        "legend.frameon": False,
        "image.cmap": "viridis",
    })
    np.set_printoptions(precision=precision, suppress=True, linewidth=100)


def new_figure(ncols=1, nrows=1, width=None, height=None, **kwargs):
    """``plt.subplots`` with the book's default sizes (about 4.5 x 3.6 inches per panel)."""
    import matplotlib.pyplot as plt

    width = width if width is not None else 4.5 * ncols
    height = height if height is not None else 3.6 * nrows
    return plt.subplots(nrows, ncols, figsize=(width, height), **kwargs)


_GLUE_PREFIX = "application/papermill.record/"  # myst-nb's (and scrapbook's) glue protocol


def glue(name, value, display=False):
    """Make ``value`` available to the book's text as ``{glue:text}`name```.

    Uses myst-nb's ``glue`` when it is installed (it is, with the book's requirements). Without
    myst-nb (e.g. on Colab) it writes the same output itself: the value's display formats under
    the MIME prefix ``application/papermill.record/`` with ``scrapbook`` metadata, which is all
    that myst-nb's ``glue`` does. The stored outputs are therefore the same everywhere, and nbval
    compares them on Colab too.

    A float is glued rounded to 10 significant digits: the text always formats it with fewer
    (``{glue:text}`name:.4f```), and the 16th digit of a float differs between NumPy versions
    and CPUs, which would make nbval fail there for a digit no reader sees. Returns ``value``
    (unrounded).
    """
    shown = value
    if isinstance(value, (float, np.floating)) and math.isfinite(float(value)):
        shown = float(f"{float(value):.10g}")
    try:
        from myst_nb import glue as _glue
    except ImportError:
        from IPython.core.formatters import format_display_data
        from IPython.display import display as _display

        bundle, metadata = format_display_data(shown)
        prefix = "" if display else _GLUE_PREFIX
        metadata["scrapbook"] = {"name": name, "mime_prefix": prefix}
        _display({prefix + k: v for k, v in bundle.items()}, raw=True, metadata=metadata)
        return value
    _glue(name, shown, display=display)
    return value
