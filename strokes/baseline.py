"""Words that float above their line, set back down onto it.

Now and then the synthesis network (Graves 2013, section 5) lifts a whole word well above the line
its neighbours stand on, most often the last word of a line or one after a stand-in ("west forest?"
with "forest?" a line's height up). A hand drifts up or down along a line, and that is kept: only a
word whose bottom lies above the middle of its neighbours' letters by more than RISE times the
distance from that middle down to their bottoms is moved, straight down, until its bottom is level
with theirs. A word's ink is found by the window (eq. 46; `strokes.acronyms.word_bounds`), its bottom is the
BOTTOM percentile of its points' heights (a stray point does not count), its middle the median.
Descenders only lower a word, so they never make one float. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import word_bounds

RISE = 1.6  # a word floats when its bottom is this many of its neighbours' half-heights above their bottom (by eye, 48 lines)
NEIGHBOURS = 2  # ... the words on each side it is compared with
BOTTOM = 90  # a word's bottom: this percentile of its points' heights (y down)
MIN_POINTS = 4  # a word with fewer points (a full stop drawn apart) is neither moved nor compared with


def level_words(offsets: np.ndarray, phi: np.ndarray, text: str, rise: float = RISE) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, with every floating word (see the module docstring)
    moved down onto its neighbours' bottom; only the pen-up offsets into and out of it change, so the
    rest of the line keeps its place. phi (T, U + 1): window weights over `text`."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    y = np.cumsum(out[:, 1])
    cuts = word_bounds(out, phi, [], text)
    words = [(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b - a >= MIN_POINTS]
    if len(words) < 3:
        return out
    middle = np.array([np.median(y[a + 1: b + 1]) for a, b in words])
    bottom = np.array([np.percentile(y[a + 1: b + 1], BOTTOM) for a, b in words])
    for i, (a, b) in enumerate(words):
        near = [j for j in range(i - NEIGHBOURS, i + NEIGHBOURS + 1) if 0 <= j < len(words) and j != i]  # 2 or more
        base, mid = np.median(bottom[near]), np.median(middle[near])
        if base - bottom[i] > rise * max(base - mid, 1e-9):  # floor: neighbours with no height never float a word
            drop = base - bottom[i]
            out[a + 1, 1] += drop
            if b + 1 < len(out):
                out[b + 1, 1] -= drop
    return out
