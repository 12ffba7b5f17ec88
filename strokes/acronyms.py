"""Runs of capitals (acronyms such as "CPU") written letter by letter, then set together.

IAM-OnDB holds few runs of capitals: of the 8,752 capitals of the training lines only 85 runs
of two or more, and "PU" never. Asked for "CPU", the synthesis network (Graves 2013, section 5)
writes the C, then carries on as after any capital: a lower-case p with its descender and a U
below the line. Word-initial capitals it writes far better, since every sentence and name gives
it one. So `spread` hands the network the run with a space between its letters ("C P U"): each
letter is then a word-initial capital, and with the word search (`strokes.wordsearch`) every
letter is its own word, drawn and judged apart. After sampling, `set_together` moves each letter
back next to the one before it, as a person writes an acronym: the ink after each inserted space
is shifted (one pen-up offset changes, nothing else) onto the previous letter's baseline and left
until the gap between the two letters' ink is GAP_FRACTION of their height. (Written as single
letters, the network lets a run drift off the line, each letter a little lower than the last.)
Where a piece stands (`ground`) its punctuation does not say: the comma of "1," hangs below it, a
colon's dots stand above its foot. So strokes the window puts on punctuation (`mark_ink`) and
strokes under MARK_FRACTION of their piece's tallest are passed over, and a piece that is only a
mark (the "." of "24.50" drawn apart) keeps its height and is moved left only.
And `space_after` gives the run the line's own word spacing to the next word, which the network
leaves too small after a single letter. `set_runs` does both. Runs of digits stay joined by default
(`digits=False`): drawn digit by digit, numbers read no better by eye (README, "How legible?").

Where a letter's ink ends: `cut` takes the last pen lift before the window's peak (eq. 46) reaches
the next letter (for the run's last letter, the next word), the cut at which the word search
judges a word (`strokes.wordsearch.ink_before_last_lift`).

Not in Graves (2013); `Hand.write(acronyms="apart")` (default) and `generate.py --acronyms`.
"""
from __future__ import annotations

import numpy as np

from .wordsearch import word_starts

PUNCTUATION = frozenset(".,:;-'\"")  # marks that hang below a number or letter (, ;) or stand above its foot (- ')
MARK_FRACTION = 0.4  # a stroke under this share of its piece's tallest, or a piece of the last one's height: a mark
GAP_FRACTION = 0.15  # gap between letters of a run, as a fraction of the taller letter's height: near touching
MIN_RUN = 2  # shortest run of capitals that is spread (a single capital is written as the network does)


def capital_runs(text: str, digits: bool = False, shortest: int = MIN_RUN) -> list[range]:
    """The positions of every run of `shortest` or more capitals (and digits, with `digits`) in
    `text`: capital_runs("a CPU and I") == [range(2, 5)]."""
    runs, k = [], 0
    while k < len(text):
        j = k
        while j < len(text) and (text[j].isupper() or (digits and text[j].isdigit())):
            j += 1
        if j - k >= shortest:
            runs.append(range(k, j))
        k = max(j, k + 1)
    return runs


def spread(text: str, digits: bool = False) -> tuple[str, list[list[int]]]:
    """`text` with a space between the letters of every run of MIN_RUN or more capitals (and
    digits, with `digits`; `capital_runs`), and each run's letter positions in the new text.

    spread("a CPU") == ("a C P U", [[2, 4, 6]]); lower case, single capitals and spaces are unchanged.
    """
    out, runs, k = "", [], 0
    for run in capital_runs(text, digits):
        out += text[k:run.start]
        runs.append([len(out) + 2 * i for i in range(len(run))])  # every other character of "C P U"
        out += " ".join(text[run.start:run.stop])
        k = run.stop
    return out + text[k:], runs


def joined(text: str, runs: list[list[int]]) -> str:
    """The inverse of `spread`: `text` without the spaces inside `runs`."""
    drop = {u + 1 for run in runs for u in run[:-1]}
    return "".join(c for u, c in enumerate(text) if u not in drop)


def cut(offsets: np.ndarray, peak: np.ndarray, u: int) -> int:
    """The index of the last pen lift (offsets[k, 2] = 1) before the first step whose window peak is
    at u or beyond: the end of the ink written before character u. -1 if the pen had not lifted
    yet; the last index if the window never gets to u. offsets (T, 3), peak (T,) argmax of phi.
    """
    reached = np.flatnonzero(peak >= u)
    if not len(reached):
        return len(offsets) - 1
    lifts = np.flatnonzero(offsets[: reached[0], 2] > 0.5)
    return int(lifts[-1]) if len(lifts) else -1


def window_peak(phi: np.ndarray) -> np.ndarray:
    """(T,) the position of each step's window peak (eq. 46), from phi (T, U + 1)."""
    return phi.argmax(1) if len(phi) else np.zeros(0, dtype=int)


def pen_strokes(offsets: np.ndarray) -> list[tuple[int, int]]:
    """The strokes (s, e) of offsets (T, 3): points s..e-1 drawn with the pen down, offsets[s] the
    pen-up move into the stroke and offsets[e] (where e < T) the move out of it."""
    ends = np.flatnonzero(offsets[:, 2] > 0.5) + 1
    bounds = [0, *ends[ends < len(offsets)], len(offsets)]
    return [(s, e) for s, e in zip(bounds[:-1], bounds[1:]) if e > s]


def stroke_owners(strokes: list[tuple[int, int]], peak: np.ndarray) -> list[int]:
    """The character each stroke (`pen_strokes`) is mostly on: the commonest window peak of its steps."""
    return [int(np.bincount(peak[s:e]).argmax()) for s, e in strokes]


def owned_strokes(offsets: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, list[tuple[int, int]], list[int]]:
    """(peak, strokes, owners) of a line: each step's window peak (`window_peak`), its pen strokes
    (`pen_strokes`) and the character each stroke is mostly on (`stroke_owners`)."""
    peak = window_peak(phi)
    strokes = pen_strokes(offsets)
    return peak, strokes, stroke_owners(strokes, peak)


def letter_bounds(offsets: np.ndarray, phi: np.ndarray, runs: list[list[int]], text: str) -> list[list[int]]:
    """For each run (letter positions in `text`, the text the network read), the cuts around its
    letters: letter i's ink is offsets[b[i] + 1 : b[i + 1] + 1]. The last letter ends where the word
    search ends its word, before the window reaches the next word (so a full stop after the run is
    ink of the last letter). offsets (T, 3), phi (T, U + 1) window weights.
    """
    peak, starts = window_peak(phi), word_starts(text) + [len(text)]
    return [[cut(offsets, peak, u) for u in run] + [cut(offsets, peak, next(u for u in starts if u > run[-1]))]
            for run in runs]


def word_bounds(offsets: np.ndarray, phi: np.ndarray, runs: list[list[int]], text: str) -> list[int]:
    """The cuts between the words of the line as it will read, the runs set together: word j's ink
    is offsets[c[j] + 1 : c[j + 1] + 1], from c[0] = -1 to the last index. Arguments as `letter_bounds`."""
    inner = {u for run in runs for u in run[1:]}  # letters that begin a word only in the spread text
    peak = window_peak(phi)
    return [-1] + [cut(offsets, peak, u) for u in word_starts(text) if u not in inner] + [len(offsets) - 1]


def set_together(offsets: np.ndarray, bounds: list[list[int]], gap_fraction: float = GAP_FRACTION,
                 level: list[bool] | None = None, marks: np.ndarray | None = None) -> np.ndarray:
    """A copy of `offsets` (T, 3), raw units, in which each letter of a run after its first (ink
    between consecutive `bounds`, from `letter_bounds`) is moved onto the baseline of the letter
    before it (where they stand level, `ground`: capitals and digits have no descenders) and left
    until the gap between them is `gap_fraction` x the taller one's height. A gap already that
    small is kept (ink is never moved right); pieces without ink are skipped. level: per run, False
    to move its pieces left only (a run that ends in lower case, which may hang below the line;
    default all True). marks (T,): True on the strokes of punctuation (`mark_ink`), which `ground`
    passes over. A piece of marks alone, or less than MARK_FRACTION as tall as the last piece set
    level (the "." of "24.50" drawn apart), is no letter: it stays at the height it was drawn at,
    as the line's ink before the run does (the "." of "1985." is not carried up with a 5 that hung
    and was set level), it is only moved left, and the next piece is set against the last one set
    level (where a run begins with marks, the first piece that is not one is the line).

    Only the pen-up offset into a letter's first point (offsets[b + 1, :2]) changes, so strokes keep
    their shapes and all the ink after it (the rest of the line) follows.
    """
    out = np.array(offsets, dtype=np.float64, copy=True)
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2), kept in step with the moves; y grows downwards
    marks = np.zeros(len(out), dtype=bool) if marks is None else np.asarray(marks, dtype=bool)
    for b, flat in zip(bounds, level if level is not None else [True] * len(bounds)):
        base = None  # (ground, height) of the last piece set level: the line the next one is set on
        drift = 0.0  # how far the pieces so far have been moved up or down, and all the ink after them
        for i in range(1, len(b) - 1):
            k = b[i]
            if not b[i - 1] < k < b[i + 1]:
                continue  # a letter without ink of its own: nothing to measure
            before, after = slice(b[i - 1] + 1, k + 1), slice(k + 1, b[i + 1] + 1)
            left, right = points[before], points[after]
            if base is None and not marks[before].all():
                base = ground(left, out[before, 2], marks[before]), np.ptp(left[:, 1])
            height = max(np.ptp(left[:, 1]), np.ptp(right[:, 1]))
            mark = marks[after].all() or (base is not None and np.ptp(right[:, 1]) < MARK_FRACTION * base[1])
            rise = 0.0
            if flat and mark:  # back where it was drawn, not carried along by the digits set level before it
                rise = -drift
            elif flat:
                stands = ground(right, out[after, 2], marks[after])
                if base is not None:  # else the first piece that is not a mark: the line itself
                    rise = base[0] - stands
                base = stands + rise, np.ptp(right[:, 1])
            drift += rise
            move = np.array([-max(0.0, right[:, 0].min() - left[:, 0].max() - gap_fraction * height), rise])
            out[k + 1, :2] += move
            points[k + 1:] += move
    return out


def ground(ink: np.ndarray, pen: np.ndarray, marks: np.ndarray | None = None) -> float:
    """Where a letter or number stands: the lowest point (largest y) of its ink (n, 2) but for its
    marks, the strokes (pen (n,): 1 at a stroke's last point) on punctuation (marks (n,) True)
    or less than MARK_FRACTION as tall as its tallest stroke (a comma, a colon's dots: "1," stands
    where its 1 does; a P's stem and bowl both count); of all of it when every stroke is a mark."""
    ends = np.flatnonzero(pen[:-1] > 0.5) + 1
    marks = np.zeros(len(ink), dtype=bool) if marks is None else marks
    strokes = [(y, m.all()) for y, m in zip(np.split(ink[:, 1], ends), np.split(marks, ends)) if len(y)]
    tallest = max(np.ptp(y) for y, _ in strokes)
    kept = [y for y, m in strokes if not m and np.ptp(y) >= MARK_FRACTION * tallest]
    return float(max(y.max() for y in kept or [y for y, _ in strokes]))


def mark_ink(offsets: np.ndarray, phi: np.ndarray, text: str) -> np.ndarray:
    """(T,) True on the strokes of offsets (T, 3) whose steps' window peak (eq. 46; phi (T, U + 1)
    over `text`) lies mostly on a character of PUNCTUATION."""
    _, strokes, owners = owned_strokes(offsets, phi)
    out = np.zeros(len(offsets), dtype=bool)
    for (s, e), u in zip(strokes, owners):
        out[s:e] = u < len(text) and text[u] in PUNCTUATION
    return out


def _gap(points: np.ndarray, a: int, k: int, b: int) -> float | None:
    """Horizontal gap between the ink points[a + 1 : k + 1] and points[k + 1 : b + 1]; None if one is empty."""
    if not a < k < b:
        return None
    return float(points[k + 1: b + 1, 0].min() - points[a + 1: k + 1, 0].max())


def space_after(offsets: np.ndarray, words: list[int], after: list[int]) -> np.ndarray:
    """A copy of `offsets` (T, 3) in which the word after each cut in `after` (one of the cuts
    `words`, from `word_bounds`) is moved right until its gap to the word before is at least the
    median gap between the line's other words; never left. A line of fewer than three words, with
    no other gap to measure, is left as it is.

    Written as single letters, the network leaves a run's last letter close to the next word (often
    touching it); this gives the run the line's own word spacing.
    """
    out = np.array(offsets, dtype=np.float64, copy=True)
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2)
    trio = list(zip(words, words[1:], words[2:]))  # (start of word j, cut after it, end of word j + 1)
    others = [g for a, k, b in trio if k not in after and (g := _gap(points, a, k, b)) is not None]
    if not others:
        return out
    wanted = float(np.median(others))
    for a, k, b in trio:
        if k in after and (g := _gap(points, a, k, b)) is not None and g < wanted:
            out[k + 1, 0] += wanted - g
            points[k + 1:, 0] += wanted - g
    return out


def set_runs(offsets: np.ndarray, phi: np.ndarray, runs: list[list[int]], text: str,
             level: list[bool] | None = None) -> np.ndarray:
    """Ink written from `spread` text, with each run's letters set together (`set_together`, `level`
    passed on; punctuation as marks, `mark_ink`) and the word after it spaced like the line's others
    (`space_after`). offsets (T, 3) raw units, phi (T, U + 1) window weights over `text`, runs as
    `spread` gives them."""
    if not runs or not len(offsets):
        return np.array(offsets, dtype=np.float64, copy=True)
    bounds = letter_bounds(offsets, phi, runs, text)
    together = set_together(offsets, bounds, level=level, marks=mark_ink(offsets, phi, text))
    return space_after(together, word_bounds(offsets, phi, runs, text), [b[-1] for b in bounds])
