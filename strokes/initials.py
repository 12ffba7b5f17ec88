"""A word's first lower-case letter drawn as large as its capital, shrunk back to the line's x-height.

Asked for a word that begins with a lower-case s, c or w, the synthesis network (Graves 2013,
section 5) now and then draws it as tall as a capital ("See", "Season", "Sk" for "six"): IAM-OnDB's
sentences begin with capitals, and for these letters the capital is the lower-case shape made
larger, so only the size tells them apart, and the recognisers that judge the draws
(`strokes.wordsearch`) read case poorly. A reader then sees a capital in the middle of a sentence.

`shrink_initials` scales such a letter down, about its lowest left point (so that it stays on its
line), to the line's x-height (`strokes.baseline.x_height`) or, where the rest of its word is drawn
taller, to the median height of that word's x-height letters, sets it on their line (their median
bottom: beside a word that floats or hangs, a letter shrunk on its own foot would look like a
subscript), and moves the rest of the line left by as much as it narrowed. Only the letters of
SAME_SHAPE (whose capital differs from them only in size), only where they begin a word, only when
drawn at least BIG x-heights tall while the rest of their word is not (a word drawn large
throughout is the hand's, and kept), and only when their strokes are their own: the strokes whose
window peak (eq. 46) lies mostly on the letter, at least PURE of their points on it (a letter
joined to the next one is left as drawn). Stand-ins (the x of an X, the u of a U) are capitals and
left. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import owned_strokes
from .baseline import X_LETTERS, shift, x_height
from .standins import enlarge

SAME_SHAPE = frozenset("cosuvwxz")  # lower-case letters whose capital is the same shape, larger
BIG = 1.4  # a first letter this many x-heights tall is drawn as its capital (by eye: lower case 0.8-1.35, "See" 1.74)
REST = 1.4  # ... unless the rest of its word is this many x-heights tall too (the hand writing large)
PURE = 0.6  # the share of the letter's strokes' points whose window peak is on it: less, and it is joined on


def shrink_initials(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str] | None = None,
                    big: float = BIG) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, in which each word's first letter drawn as its capital (see
    the module docstring) is scaled down to the line's x-height (or its word's, where taller) and set
    on its word's line, and the ink after it moved left by as much as it narrowed. phi (T, U + 1):
    window weights over `text`; marks: stand-ins (`strokes.standins.substitute`), left as drawn."""
    marks = marks or {}
    out = np.array(offsets, dtype=np.float64, copy=True)
    peak, strokes, owners = owned_strokes(out, phi)
    height = x_height(np.cumsum(out[:, :2], axis=0), peak, text)
    if height <= 0:
        return out
    for u, c in enumerate(text):
        if c not in SAME_SHAPE or u in marks or (u and text[u - 1] != " "):
            continue
        mine = [k for k, v in enumerate(owners) if v == u]
        if not mine or mine != list(range(mine[0], mine[-1] + 1)):
            continue  # no strokes of its own, or strokes of another letter between them
        s, e = strokes[mine[0]][0], strokes[mine[-1]][1]  # its points: s .. e - 1
        y = np.cumsum(out[:, 1])  # (T,) y down, as moved so far
        end = text.find(" ", u)
        rest = [y[peak == v] for v in range(u + 1, len(text) if end < 0 else end)
                if text[v] in X_LETTERS and np.sum(peak == v) >= 2]  # its word's x-height letters: (n,) each
        tall, size = np.ptp(y[s:e]), (float(np.median([np.ptp(r) for r in rest])) if rest else height)
        if tall > big * height and np.mean(peak[s:e] == u) >= PURE and size < REST * height:
            out = enlarge(out, s - 1, e - 1, max(height, size) / tall)  # as tall as its word's letters
            if rest:  # and standing where they stand, should they float above or hang below its foot
                shift(out, s, e, float(np.median([r.max() for r in rest])) - y[s:e].max())
    return out
