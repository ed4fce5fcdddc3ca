"""Shared check for the book's figures: drawing must not warn or log a missing glyph."""

import logging
import warnings

import matplotlib
import matplotlib.pyplot as plt


def errors_except_dependency_deprecations():
    """Turn every warning into an error, except the deprecation warnings that pyparsing raises
    about matplotlib's calls: matplotlib before 3.10.7 uses pyparsing's old camelCase names,
    which pyparsing 3.3 deprecates with a PyparsingDeprecationWarning. That is not a defect of
    the book's figures (readers of matplotlib 3.10.0 see nothing: the warning is a
    DeprecationWarning, hidden by default outside ``__main__``), so it must not fail the figure
    tests on the lowest allowed matplotlib. Call inside ``warnings.catch_warnings()``."""
    warnings.simplefilter("error")
    try:
        from pyparsing.warnings import PyparsingDeprecationWarning
    except ImportError:  # pyparsing < 3.3 has no such warnings
        return
    warnings.filterwarnings("ignore", category=PyparsingDeprecationWarning)


class _Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def draw_clean(fig):
    """Render ``fig``; fail on any warning or logged message (e.g. a Hangul glyph missing,
    which matplotlib's mathtext logs instead of warning). Returns the figure's texts."""
    handler = _Records()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings():
            errors_except_dependency_deprecations()
            fig.canvas.draw()
    finally:
        logger.removeHandler(handler)
    assert not handler.messages, handler.messages
    assert "NanumGothic" in matplotlib.rcParams["font.family"]
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
    if fig._suptitle is not None:
        texts.append(fig._suptitle.get_text())
    plt.close(fig)
    return texts


def has_hangul(texts):
    return any("\uac00" <= ch <= "\ud7a3" for t in texts for ch in t)
