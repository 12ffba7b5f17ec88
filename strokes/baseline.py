"""Words set on their line and apart: a word that floats above its line set back down onto it
(`level_words`), and a word drawn against the one before it moved away from it (`space_words`).

Now and then the synthesis network (Graves 2013, section 5) lifts a whole word well above the line
its neighbours stand on, most often the last word of a line or one after a stand-in ("west forest?"
with "forest?" a line's height up). A hand drifts up or down along a line, and that is kept: only a
word whose bottom lies above the middle of its neighbours' letters by more than RISE times the
distance from that middle down to their bottoms is moved, straight down, until its bottom is level
with theirs. A word's ink is found by the window (eq. 46; `strokes.acronyms.word_bounds`), its bottom is the
BOTTOM percentile of its points' heights (a stray point does not count), its middle the median.
Descenders only lower a word, so they never make one float.

Now and then, too, the network leaves no room between two words ("trainto", "Everyautumn"): the
pen lifts, but the next word begins where the last one ended. A reader then sees one word. A word
whose gap to the word before is less than TIGHT times the line's median gap between words is moved
right, with the rest of the line, until its gap is that median: the hand's own spacing. The gap is
measured band by band (BAND of a half-height tall), the least over the bands where both words have
ink, so that a slant, a descender under the next word or a tall capital over the last does not
count as room or as crowding. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import word_bounds

RISE = 1.6  # a word floats when its bottom is this many of its neighbours' half-heights above their bottom (by eye, 48 lines)
NEIGHBOURS = 2  # ... the words on each side it is compared with
BOTTOM = 90  # a word's bottom: this percentile of its points' heights (y down)
MIN_POINTS = 4  # a word with fewer points (a full stop drawn apart) is neither moved nor compared with
TIGHT = 0.6  # a gap below this share of the line's median gap is widened (by eye: "trainto" 0.0, "Everyautumn" 0.55)
BAND = 0.5  # the height of the bands gaps are measured in, in the line's half-heights (a quarter of an x-height)
MIN_GAPS = 3  # a line with fewer gaps between words has no median to go by


def inked_words(offsets: np.ndarray, phi: np.ndarray, text: str, runs=()) -> list[tuple[int, int]]:
    """The cuts (a, b) of the line's words that have MIN_POINTS points or more (`strokes.acronyms.
    word_bounds`, runs set together counting as one word): a word's ink is offsets[a + 1 : b + 1]."""
    cuts = word_bounds(offsets, phi, list(runs), text)
    return [(a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b - a >= MIN_POINTS]


def middles_bottoms(y: np.ndarray, words: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Each word's middle (the median of its points' heights) and bottom (their BOTTOM percentile);
    y (T,) point heights, y down."""
    return (np.array([np.median(y[a + 1: b + 1]) for a, b in words]),
            np.array([np.percentile(y[a + 1: b + 1], BOTTOM) for a, b in words]))


def level_words(offsets: np.ndarray, phi: np.ndarray, text: str, rise: float = RISE) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, with every floating word (see the module docstring)
    moved down onto its neighbours' bottom; only the pen-up offsets into and out of it change, so the
    rest of the line keeps its place. phi (T, U + 1): window weights over `text`."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    words = inked_words(out, phi, text)
    if len(words) < 3:
        return out
    middle, bottom = middles_bottoms(np.cumsum(out[:, 1]), words)
    for i, (a, b) in enumerate(words):
        near = [j for j in range(i - NEIGHBOURS, i + NEIGHBOURS + 1) if 0 <= j < len(words) and j != i]  # 2 or more
        base, mid = np.median(bottom[near]), np.median(middle[near])
        if base - bottom[i] > rise * max(base - mid, 1e-9):  # floor: neighbours with no height never float a word
            drop = base - bottom[i]
            out[a + 1, 1] += drop
            if b + 1 < len(out):
                out[b + 1, 1] -= drop
    return out


def band_gap(left: np.ndarray, right: np.ndarray, band: float) -> float:
    """The horizontal room between two words' points (n, 2), y down: the least, over the horizontal
    bands `band` tall where both have ink, of the right word's leftmost x less the left word's
    rightmost x; where they share no band, that of their boxes."""
    low = min(left[:, 1].min(), right[:, 1].min())
    lb, rb = ((left[:, 1] - low) // band).astype(int), ((right[:, 1] - low) // band).astype(int)
    shared = np.intersect1d(lb, rb)
    if not len(shared):
        return float(right[:, 0].min() - left[:, 0].max())
    return float(min(right[rb == k, 0].min() - left[lb == k, 0].max() for k in shared))


def word_gaps(offsets: np.ndarray, phi: np.ndarray, text: str, runs=()) -> tuple[list[int], np.ndarray]:
    """For each two consecutive words of the line (`inked_words`): the cut before the second (its ink
    begins at offsets[cut + 1]) and their `band_gap`, in bands BAND of the line's half-heights tall
    (the median over its words of bottom less middle, `middles_bottoms`). None of either for a line
    without height."""
    points = np.cumsum(offsets[:, :2], axis=0)  # (T, 2), y down
    words = inked_words(offsets, phi, text, runs)
    middle, bottom = middles_bottoms(points[:, 1], words)
    band = BAND * float(np.median(bottom - middle)) if words else 0.0
    if band <= 0:
        return [], np.zeros(0)
    pairs = list(zip(words, words[1:]))
    return ([j for _, (j, _) in pairs],
            np.array([band_gap(points[a + 1: k + 1], points[j + 1: b + 1], band) for (a, k), (j, b) in pairs]))


def space_words(offsets: np.ndarray, phi: np.ndarray, text: str, runs: list[list[int]] = (),
                tight: float = TIGHT) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, in which every word drawn against the word before it (see
    the module docstring) is moved right, with all the ink after it, until its gap is the line's
    median; only the pen-up offset into it changes (so the gaps after it stay as they were). phi
    (T, U + 1): window weights over `text`; runs: letters drawn apart and set together
    (`strokes.acronyms.spread`), which count as one word."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    starts, gaps = word_gaps(out, phi, text, runs)
    if len(gaps) < MIN_GAPS:
        return out
    wanted = float(np.median(gaps))
    if wanted <= 0:
        return out  # a line whose words all touch: nothing to go by
    for j, gap in zip(starts, gaps):
        if gap < tight * wanted:
            out[j + 1, 0] += wanted - gap
    return out
