"""Words and digits set on their line and apart: a word that floats above its line set back down onto
it (`level_words`), a word drawn against the one before it moved away from it (`space_words`), and
a digit hung below the line or floating above it set onto it (`lift_digits`, `lower_digits`).

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
count as room or as crowding.

And the network often hangs a 9 below the line like a g, its loop in the x-height band and its tail
below ("page g", "call g11"): IAM-OnDB's lines hold few digits, and in many hands a 9 is a g's shape.
A 9 stands on the line, its loop up where a capital's top is, and the same goes for every digit (a
hooked 7, a 1 run on down). So a digit whose bottom lies more than DROP x-heights below its line is
raised until it stands on it; and where a digit's bottom still lies more than FLOAT x-heights above
it once floating words are set down (the network sometimes draws the rest of a number small and
raised after its first digit: "0" and a superscript "123" for "0123"), every digit of its number
that lies above the line is lowered onto it (`lower_digits`). Its ink is the strokes whose window
peak (eq. 46) lies mostly on it, with a stroke drawn right after them that begins over its ink and
whose middle lies at most BAR_REACH of its width past it (a 7's or a 5's bar, often drawn when the
window has moved on). Its line is fitted through the bottoms of the nearest lower-case letters without descenders,
NEAR_LETTERS // 2 on each side, so that a line that drifts is followed; the x-height is the median
height of the line's letters of X_LETTERS. A stand-in counts as what it stands for (the L of a 4 is
a digit, the 7 of a Z is not), and the digits of a run whose pieces are set together as drawn (a
word with letters after its stand-in: "4th") are left. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import owned_strokes, word_bounds
from .standins import NUMBER_MARKS, run_word

RISE = 1.6  # a word floats when its bottom is this many of its neighbours' half-heights above their bottom (by eye, 48 lines)
NEIGHBOURS = 2  # ... the words on each side it is compared with
BOTTOM = 90  # a word's bottom: this percentile of its points' heights (y down)
MIN_POINTS = 4  # a word with fewer points (a full stop drawn apart) is neither moved nor compared with
TIGHT = 0.6  # a gap below this share of the line's median gap is widened (by eye: "trainto" 0.0, "Everyautumn" 0.55)
BAND = 0.5  # the height of the bands gaps are measured in, in the line's half-heights (a quarter of an x-height)
MIN_GAPS = 3  # a line with fewer gaps between words has no median to go by
SPECK = 2  # a stroke of this many points or fewer is a speck: whatever the window was on, it goes by nearness
ON_LINE = frozenset("abcdehiklmnorstuvwxz")  # lower-case letters that stand on the line (no descender)
NEAR_LETTERS = 6  # a digit's line: the median bottom of this many such letters nearest it in the text
MIN_LETTERS = 3  # ... and none is measured with fewer on the line
X_LETTERS = frozenset("acemnorsuvwxz")  # letters one x-height tall
BAR_REACH = 0.5  # a stroke right after a digit's is its bar when it begins over it and its middle lies within
                 # this share of the digit's width past its right edge (a 7's bar reaches out right of its stem)
DROP = 0.3  # a digit hangs when its bottom lies this many x-heights below its line (by eye; drawn on it: -0.6 to 0.2)
FLOAT = 0.75  # ... and floats when it lies this many above it (on it: up to 0.6; a raised "123" after a "0": 1.6-2.1)


def word_cuts(offsets: np.ndarray, phi: np.ndarray, text: str, runs=()) -> list[int]:
    """The cuts between the line's words (`strokes.acronyms.word_bounds`: word j's ink is
    offsets[c[j] + 1 : c[j + 1] + 1]), with the strokes at the end of a word drawn while the window
    was on the space after it (eq. 46) and lying nearer the next word's ink than the rest of their
    own, left to right, counted as the next word's: the bowl of a d drawn before its stem, or a lone
    point the pen set down where the next word begins ("her" then a dot in the first point of "slow").
    Otherwise moving the next word would leave them behind, and their room would not count as a gap.
    After a punctuation mark, which the network often draws late, under the window on the space, only
    a stroke that lies over the next word's ink is counted as the next word's. A speck (SPECK points or
    fewer) right of all its word's other ink goes by nearness alone, whatever the window was on (the
    dot between "6" and "eggs" drawn while the window was still on the 6)."""
    cuts = word_bounds(offsets, phi, list(runs), text)
    points = np.cumsum(offsets[:, :2], axis=0)  # (T, 2), y down
    _, strokes, owners = owned_strokes(offsets, phi)
    last = {e - 1: (s, o) for (s, e), o in zip(strokes, owners)}  # a stroke by its last point
    for i in range(1, len(cuts) - 1):
        while cuts[i] in last:
            s, o = last[cuts[i]]
            mine, rest, nxt = points[s:cuts[i] + 1], points[cuts[i - 1] + 1:s], points[cuts[i] + 1:cuts[i + 1] + 1]
            if not (o < len(text) and len(rest) and len(nxt)):
                break  # the word's only ink, or the next word has none: nothing to compare
            speck = len(mine) <= SPECK and mine[:, 0].min() > rest[:, 0].max()  # a point right of its word
            if not (text[o] == " " or speck):
                break
            if nxt[:, 0].min() - mine[:, 0].max() >= mine[:, 0].min() - rest[:, 0].max():
                break  # nearer its own word, or as near: a tail or a full stop
            if not speck and not text[o - 1].isalnum() and mine[:, 0].min() < nxt[:, 0].min():
                break  # in the gap after a comma or a full stop: maybe that mark, drawn late
            cuts[i] = s - 1
    return cuts


def inked_words(offsets: np.ndarray, phi: np.ndarray, text: str, runs=()) -> list[tuple[int, int]]:
    """The cuts (a, b) of the line's words that have MIN_POINTS points or more (`word_cuts`, runs set
    together counting as one word): a word's ink is offsets[a + 1 : b + 1]."""
    cuts = word_cuts(offsets, phi, text, runs)
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
            shift(out, a + 1, b + 1, base - bottom[i])
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


def shift(offsets: np.ndarray, s: int, e: int, dy: float) -> None:
    """Move the points s..e-1 of offsets (T, 3) by dy (y down), in place: only the pen moves into and
    out of them change, so the ink after them keeps its place."""
    offsets[s, 1] += dy
    if e < len(offsets):
        offsets[e, 1] -= dy


def letter_bottoms(points: np.ndarray, peak: np.ndarray, text: str) -> dict[int, tuple[float, float]]:
    """For each letter of ON_LINE in `text` drawn with 2 points or more (those of the steps whose
    window peak is on it): the mean x of its points and its bottom (lowest point, y down).
    points (T, 2), peak (T,)."""
    out = {}
    for u, c in enumerate(text):
        if c in ON_LINE and len(mine := points[peak == u]) >= 2:
            out[u] = (float(mine[:, 0].mean()), float(mine[:, 1].max()))
    return out


def x_height(points: np.ndarray, peak: np.ndarray, text: str) -> float:
    """The line's x-height: the median height of its letters of X_LETTERS drawn with 2 points or more
    (their points those of the steps whose window peak is on them); 0 for a line without any."""
    heights = [np.ptp(mine) for u, c in enumerate(text) if c in X_LETTERS and len(mine := points[peak == u, 1]) >= 2]
    return float(np.median(heights)) if heights else 0.0


def line_at(bottoms: dict[int, tuple[float, float]], u: int, x: float) -> float:
    """The height (y down) of the line under position u of the text, at x: through the bottoms of the
    NEAR_LETTERS letters nearest u, half before it and half after (least squares, so that a line
    that drifts is followed); their median where they all lie on one side."""
    before = sorted((v for v in bottoms if v < u), reverse=True)[:NEAR_LETTERS // 2]
    after = sorted(v for v in bottoms if v > u)[:NEAR_LETTERS // 2]
    xs, ys = np.array([bottoms[v] for v in before + after]).T
    if not before or not after or np.ptp(xs) == 0:
        return float(np.median(ys))
    slope, level = np.polyfit(xs, ys, 1)
    return float(slope * x + level)


def lift_digits(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str] | None = None,
                runs: list[list[int]] = (), levels: list[bool] | None = None, drop: float | None = DROP,
                float_: float | None = None) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, in which every digit the network hung below its line by
    more than `drop` x-heights (see the module docstring) is moved up until its bottom is on the
    line, and, unless `float_` is None, every digit above the line in a number with a digit floating
    more than `float_` x-heights above it is moved down onto it (`lower_digits`); `drop` None leaves
    hung digits. Its strokes (those whose window peak lies mostly on it, and its bar) move together;
    only the pen-up offsets into and out of them change. phi (T, U + 1): window weights over `text`.

    For text with stand-ins (`strokes.standins.substitute`): marks, the characters they stand for (a
    position is a digit when that character is: not the 7 of a Z); runs and levels, the pieces set
    together after sampling and whether on one line (`strokes.acronyms.set_runs`): the digits of a
    run not set level (a stand-in in a word with letters: "4th") are left as drawn, since its pieces
    keep their heights to one another and raising some of them would break the word up."""
    marks = marks or {}
    kept = {u for run, flat in zip(runs, levels if levels is not None else [True] * len(runs)) if not flat
            for u in run_word(text, run)}
    out = np.array(offsets, dtype=np.float64, copy=True)
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2), y down
    peak, strokes, owners = owned_strokes(out, phi)
    bottoms = letter_bottoms(points, peak, text)
    height = x_height(points, peak, text)
    if len(bottoms) < MIN_LETTERS or height <= 0:
        return out
    taken = set()  # strokes already given to a digit
    found = []  # (position, its strokes, its bottom's height above its line): per digit
    for u in sorted(set(owners)):
        mine = [k for k, v in enumerate(owners) if v == u and k not in taken]
        if u >= len(text) or not marks.get(u, text[u]).isdigit() or u in kept or not mine:
            continue
        ink = np.concatenate([points[slice(*strokes[k])] for k in mine])  # (n, 2)
        while mine[-1] + 1 < len(strokes) and mine[-1] + 1 not in taken:  # a bar drawn after it (a 7's, a 5's)
            s, e = strokes[mine[-1] + 1]  # is its stroke too when it lies over its ink, whatever the window says
            left, right = ink[:, 0].min(), ink[:, 0].max()
            if not (points[s:e, 0].min() < right and points[s:e, 0].mean() < right + BAR_REACH * (right - left)):
                break
            mine.append(mine[-1] + 1)
            ink = np.concatenate([ink, points[s:e]])
        taken.update(mine)
        found.append((u, mine, float(ink[:, 1].max()) - line_at(bottoms, u, float(ink[:, 0].mean()))))
    floating = set()  # digits of the numbers that hold a digit floating: all set on the line, to keep them level
    if float_ is not None:
        for number in numbers(text, [u for u, _, _ in found], marks):
            if any(low < -float_ * height for u, _, low in found if u in number):
                floating |= number
    for u, mine, low in found:
        if (drop is not None and low > drop * height) or (u in floating and low < 0):
            for k in mine:
                shift(out, *strokes[k], -low)
    return out


def numbers(text: str, digits: list[int], marks: dict[int, str]) -> list[set[int]]:
    """The positions of `digits` (in `text`, with stand-ins `marks`) grouped by number: two digits are of
    one number when nothing but digits, spaces (a stand-in drawn apart: "19 8 4") and NUMBER_MARKS
    lie between them."""
    groups: list[set[int]] = []
    for u in sorted(digits):
        between = [marks.get(v, text[v]) for v in range(max(groups[-1]) + 1, u)] if groups else None
        if between is not None and all(c.isdigit() or c == " " or c in NUMBER_MARKS for c in between):
            groups[-1].add(u)
        else:
            groups.append({u})
    return groups


def lower_digits(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str] | None = None,
                 runs: list[list[int]] = (), levels: list[bool] | None = None, float_: float = FLOAT) -> np.ndarray:
    """`lift_digits` the other way: in a number (`numbers`) with a digit whose bottom floats more than
    `float_` x-heights above its line, every digit above the line is moved down onto it (the number's
    other digits too, so that it stays level: lowering only the 99 of a "19.99" drawn a little high
    left "19." above them). Run after words that float whole are set down (`level_words`), so that
    a digit is lowered only where its own word stands on the line: lowered first, the last 1 of a
    floating "11" would pin its word, leaving the first 1 up."""
    return lift_digits(offsets, phi, text, marks, runs, levels, drop=None, float_=float_)
