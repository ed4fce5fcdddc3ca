"""Figure check for nbval: a stored figure must match the fresh run's figure within a tolerance.

nbval compares text outputs but skips ``image/png``, so a figure that turns blank or loses a
curve passes it. :func:`install` (called from ``conftest.py``) wraps nbval's output comparison:
for every compared cell, the i-th stored PNG is compared with the i-th fresh PNG by
:func:`figure_difference`, and the cell fails when

* a fresh figure is blank (:func:`is_blank`: under 0.2 % of its pixels differ from the
  background colour), or
* its size differs by more than 2 px, or
* some 12 × 12-pixel block of the grey-level image changes its mean by more than
  :data:`BLOCK_TOLERANCE` (0.2 on a 0–1 scale).

Why block means: in one environment a re-run gives byte-identical PNGs (difference 0); across
matplotlib/FreeType versions anti-aliasing and glyph hinting move single edge pixels (about
14 % of pixels can differ), which moves a block's mean far less than a mark that appears or
disappears. Measured on a two-curve figure in the book's style (100 dpi): switching all
anti-aliasing and hinting off (9 % of pixels change, a harsher change than a version bump)
moves the worst block by 0.12; removing one of the two curves moves it by 0.28. The tolerance
sits between them; tests/test_figcheck.py checks both sides.

The stored figures are drawn by the book's main environment (newest matplotlib). Another
matplotlib version may legitimately lay a figure out a few pixels differently (a tight bounding
box around a 3-D axes moved by 25 px between 3.10.0 and 3.11), so ``.ci/compat`` sets
``DLCORE_FIGCHECK=blank``: there a figure must exist and must not be blank, and only the main run
compares sizes and blocks.
"""

from __future__ import annotations

import base64
import io
import os

BLOCK = 12
BLOCK_TOLERANCE = 0.2
BLANK_INK = 0.002


def _grey(png_b64):
    import numpy as np
    from PIL import Image

    data = base64.b64decode(png_b64) if isinstance(png_b64, str) else png_b64
    img = Image.open(io.BytesIO(data)).convert("RGB")
    return np.asarray(img, dtype=float).mean(axis=2) / 255.0, np.asarray(img)


def is_blank(png):
    """True when under 0.2 % of the pixels differ (by more than a faint tint) from the most
    common colour."""
    import numpy as np

    _, rgb = _grey(png)
    flat = rgb.reshape(-1, 3).astype(int)
    values, counts = np.unique(flat, axis=0, return_counts=True)
    background = values[counts.argmax()]
    ink = (np.abs(flat - background).sum(axis=1) > 60).mean()
    return ink < BLANK_INK


def figure_difference(stored, fresh, blank_only=False):
    """``(ok, message)``: whether two PNGs (base64 or bytes) show the same figure; with
    ``blank_only`` only whether the fresh one is blank where the stored one is not."""
    import numpy as np

    a, _ = _grey(stored)
    b, _ = _grey(fresh)
    if is_blank(fresh) and not is_blank(stored):
        return False, "the fresh figure is blank"
    if blank_only:
        return True, ""
    if abs(a.shape[0] - b.shape[0]) > 2 or abs(a.shape[1] - b.shape[1]) > 2:
        return False, f"figure size changed: {a.shape[1]}×{a.shape[0]} -> {b.shape[1]}×{b.shape[0]} px"
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    h, w = h - h % BLOCK, w - w % BLOCK
    if h == 0 or w == 0:
        return True, ""

    def blocks(x):
        x = x[:h, :w]
        return x.reshape(h // BLOCK, BLOCK, w // BLOCK, BLOCK).mean(axis=(1, 3))

    diff = np.abs(blocks(a) - blocks(b))
    worst = float(diff.max())
    if worst > BLOCK_TOLERANCE:
        i, j = np.unravel_index(diff.argmax(), diff.shape)
        return False, (f"figure differs: a {BLOCK}×{BLOCK} block at x={j * BLOCK}, y={i * BLOCK} px "
                       f"changed by {worst:.2f} (tolerance {BLOCK_TOLERANCE}); "
                       f"{int((diff > BLOCK_TOLERANCE).sum())} block(s) over")
    return True, ""


# Long float32 trainings (chapter 10's CNN: 15 epochs of Adam) follow a slightly different path
# with another OpenBLAS build, so their printed accuracies differ in the last digit on NumPy 2.0's
# wheels. Cells tagged with this are compared in the main environment like every other cell; in
# the compat environments (DLCORE_FIGCHECK=blank, set by .ci/compat) they are run, so an error
# still fails, but their outputs are not compared.
COMPAT_TAG = "compat-float-drift"


def _tags(cell):
    return (cell.get("metadata") or {}).get("tags", []) if hasattr(cell, "get") else []


def _pngs(outputs):
    return [o["data"]["image/png"] for o in outputs
            if o.get("output_type") in ("display_data", "execute_result")
            and "image/png" in o.get("data", {})]


def install():
    """Wrap nbval's comparison of a cell's outputs with the figure check."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to wrap
        return
    if getattr(IPyNbCell.compare_outputs, "_figcheck", False):
        return
    original = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        if os.environ.get("DLCORE_FIGCHECK") == "blank" and COMPAT_TAG in _tags(self.cell):
            return True  # executed (an error still fails), not compared: see COMPAT_TAG
        ok = original(self, test, ref, skip_compare)
        stored, fresh = _pngs(ref), _pngs(test)
        problems = []
        if len(stored) != len(fresh):
            problems.append(f"{len(stored)} stored figure(s), {len(fresh)} in the fresh run")
        blank_only = os.environ.get("DLCORE_FIGCHECK") == "blank"
        for k, (s, f) in enumerate(zip(stored, fresh)):
            same, why = figure_difference(s, f, blank_only=blank_only)
            if not same:
                problems.append(f"figure {k + 1}: {why}")
        if problems:
            self.comparison_traceback.append("Figure check (tests/_figcheck.py): "
                                             + "; ".join(problems))
            return False
        return ok

    compare_outputs._figcheck = True
    IPyNbCell.compare_outputs = compare_outputs
