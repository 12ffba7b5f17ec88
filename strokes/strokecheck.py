"""The stroke check: a sampled line whose pen ran away, drawing one stroke far taller than its others.

Now and then the synthesis network (Graves 2013, section 5) keeps the pen down and draws a letter's
ascender or tail on and on: in one sample of "Zebras, jackets & kiwis" the k of "kiwis" went
1,100 raw units down the page, 7.4 times as tall as its typical stroke, and the rest of the line
followed it there. The attention check (`strokes.attention.check_attention`) cannot see this,
since the window reads on, and the recogniser that picks among samples often reads such a word
well enough. Real lines almost never hold such a stroke, so it is measured directly:

    tallest_ratio = (height of the tallest pen-down stroke) / (the line's typical stroke height)

where a stroke's height is its vertical extent and the typical height is the median over the line's
points of the height of the stroke each point belongs to (long strokes count for more, dots and
commas for little). On the IAM-OnDB training lines (resampled every 30 units, `data/iam-r30.h5`),
99.9% of lines lie below 4.6 and 1 of 10,732 above TALL_STROKE_RATIO; of the lines cut after
every forty or more points at a pen lift, as the word search judges them, 5 ever go above it. Of
the 1,438 testset_v lines as recorded (not resampled) 1 fails.

The ratio is relative to the hand. In a cursive hand whose typical stroke is a whole word, a
runaway must be taller to fail: put into testset_v lines, a stroke three ink heights long (the
size of the k above) fails 40% of them (tests/test_strokecheck.py).

Not in Graves. Used by `Hand.write`: the word search ranks a word whose ink fails the check
after every one that passes (`STROKE_PENALTY`), the best-of-N pick does the same, and `retries`
resamples lines that fail it as it does for the attention check.
"""
from __future__ import annotations

import numpy as np

from .transforms import offsets_to_points, points_to_strokes

TALL_STROKE_RATIO = 6.0  # tallest / typical stroke height above which a line fails: 1 in 10,732 IAM training lines
MIN_POINTS = 30  # ink of fewer points in strokes (the start of a word or two) is too little to say what is typical
STROKE_PENALTY = 1e3  # nats per character added to the judge's NLL: ranks a failing word after all passing ones


def stroke_heights(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The vertical extent of each pen-down stroke of `offsets` (T, 3) and its number of points;
    single points (a stroke that is only a dot) are left out. Two arrays of the same length."""
    strokes = [s for s in points_to_strokes(offsets_to_points(offsets)) if len(s) >= 2]  # (n_i, 2) each
    return (np.array([np.ptp(s[:, 1]) for s in strokes], dtype=np.float64),
            np.array([len(s) for s in strokes], dtype=np.int64))


def tallest_ratio(offsets: np.ndarray, min_points: int = MIN_POINTS) -> float:
    """The tallest stroke's height over the point-weighted median stroke height (module docstring);
    0.0 for ink of fewer than `min_points` points in strokes; inf if the typical stroke is flat and
    another is not."""
    heights, counts = stroke_heights(offsets)
    if counts.sum() < min_points:
        return 0.0
    order = np.argsort(heights, kind="stable")
    cumulative = np.cumsum(counts[order])
    typical = heights[order][np.searchsorted(cumulative, cumulative[-1] / 2)]  # the median point's stroke
    if typical > 0:
        return float(heights.max() / typical)
    return float("inf") if heights.max() > 0 else 0.0  # flat dashes only: nothing stands out


def penalised(nll: np.ndarray, inks: list[np.ndarray], bound: float = TALL_STROKE_RATIO) -> np.ndarray:
    """The judge's NLL per character of each ink (lower = more legible), with STROKE_PENALTY added
    to those that fail the stroke check, so that they rank after every ink that passes it and in the
    judge's order among themselves."""
    return np.asarray(nll, dtype=np.float64) + STROKE_PENALTY * np.array([not strokes_ok(o, bound) for o in inks])


def strokes_ok(offsets: np.ndarray, bound: float = TALL_STROKE_RATIO) -> bool:
    """Whether no stroke of the ink is more than `bound` times as tall as its typical stroke."""
    return tallest_ratio(offsets) <= bound
