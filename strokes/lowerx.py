"""A lower-case x whose two strokes miss each other, redrawn along the diagonals of its box.

The synthesis network (Graves 2013, section 5) draws a lower-case x in two strokes, as most
writers of IAM-OnDB do, but often they do not cross: they meet in a point ("fo>", "ta<i") or one
is stunted ("bo\\"). An x is rare (about 0.15% of English letters), and the recognisers that judge
the draws (`strokes.wordsearch`) read such a word from its other letters ("bo\\" is read as "box"),
so the search among candidates does not mend it; a person reads "for", "war", "indea".

`cross_xs` finds each x's strokes: those whose window peak (eq. 46) lies mostly on it
(`strokes.acronyms.stroke_owners`) and, where it has one such stroke and ends its word, the next
stroke if that lies mostly on the space after it (the window often moves on before the second
stroke is drawn). When there are exactly two, each about straight (its path at most CURL times the
distance between its ends: not an e joined on to the x's first stroke, which drew "explain" as
"Xplain"), and they share at least OVERLAP of the shorter one's height or are of a length (the
shorter at least HALVES of the longer: the two halves of a ">", one above the other; not an i's
dot drawn late above the x), it redraws them along the diagonals of their box (`strokes.standins.x_cross`, as the
x of an X is), each straight, in the direction and with the points it was drawn with; a box more
than WIDE times as wide as it is tall (a stroke run on into a neighbour) is first narrowed about
its middle. Only the x's own points move: the ink after it keeps its place. An x in one stroke or
in three is left as drawn, and so are stand-ins (the x of an X, finished by `strokes.standins`).
By eye, blind, on docs/blind/lower-x.txt at seeds 4 and 5: better in 18 lines of 32, worse in none
(README). Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import owned_strokes
from .standins import x_cross

WIDE = 1.3  # an x drawn wider than this many times its height has run on (a lower-case x is about as wide as tall)
FLAT = 4.0  # ... but strokes this many times as wide as tall are no x (two dashes; x's measured up to 1.6)
OVERLAP = 0.25  # its two strokes share at least this share of the shorter one's height (an i's dot shares none) ...
HALVES = 0.5  # ... or the shorter is this share of the longer's length or more: a ">"'s halves (dots: 0.03-0.24)
CURL = 2.0  # a stroke whose path is longer than this many times the distance between its ends holds a loop
# (another letter's ink: an x's strokes measured 1.0-1.8 in 60 x's, an e and an x in one stroke 3.3)


def x_strokes(owners: list[int], text: str, u: int) -> list[int]:
    """The indices of the strokes of the x at position u of `text`: those whose owner (the character
    their window peak is mostly on) is u and, where there is one and u ends its word, the next stroke
    if it is owned by what follows (a space, or the end of the line at len(text))."""
    mine = [k for k, v in enumerate(owners) if v == u]
    ends_word = u + 1 == len(text) or text[u + 1] == " "
    if len(mine) == 1 and ends_word and mine[0] + 1 < len(owners) and owners[mine[0] + 1] == u + 1:
        mine.append(mine[0] + 1)
    return mine


def x_box(parts: list[np.ndarray], wide: float = WIDE, overlap: float = OVERLAP, halves: float = HALVES,
          curl: float = CURL, flat: float = FLAT) -> np.ndarray | None:
    """The box [[left, top], [right, bottom]] to draw an x in, from its two strokes' points (each (n, 2),
    y down): their box, narrowed about its middle to `wide` times its height where wider. None where
    a stroke's path is over `curl` times the distance between its ends, where the strokes share less
    than `overlap` of the shorter one's height and the shorter is under `halves` of the longer's
    length (a speck apart), or where their box is over `flat` times as wide as tall: they are not
    one x."""
    lengths = [np.hypot(*np.diff(p, axis=0).T).sum() for p in parts]
    if any(n > curl * np.hypot(*(p[-1] - p[0])) for n, p in zip(lengths, parts)):
        return None
    (top0, bottom0), (top1, bottom1) = [(p[:, 1].min(), p[:, 1].max()) for p in parts]
    shared = min(bottom0, bottom1) - max(top0, top1)
    apart = not (shared > 0 and shared >= overlap * min(bottom0 - top0, bottom1 - top1))
    if apart and min(lengths) < halves * max(lengths):
        return None
    ink = np.concatenate(parts)
    (left, top), (right, bottom) = ink.min(0), ink.max(0)
    if right - left > flat * (bottom - top):
        return None
    if right - left > wide * (bottom - top):
        middle, half = (left + right) / 2, wide * (bottom - top) / 2
        left, right = middle - half, middle + half
    return np.array([[left, top], [right, bottom]])


def cross_xs(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str] | None = None) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, in which every lower-case x drawn in exactly two strokes of
    its own (`x_strokes`) lies on the diagonals of its box (`x_box`, `strokes.standins.x_cross`).
    phi (T, U + 1): window weights over `text`; marks: stand-ins (`strokes.standins.substitute`),
    left as drawn."""
    marks = marks or {}
    out = np.array(offsets, dtype=np.float64, copy=True)
    _, strokes, owners = owned_strokes(out, phi)
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2): each x redrawn below moves no other ink
    for u, c in enumerate(text):
        if c != "x" or u in marks:
            continue
        mine = x_strokes(owners, text, u)
        if len(mine) != 2 or mine[1] != mine[0] + 1:
            continue
        (s, _), (_, e) = strokes[mine[0]], strokes[mine[1]]  # its points: s .. e - 1
        box = x_box([points[a:b] for a, b in (strokes[k] for k in mine)])
        if box is not None:
            out = x_cross(out, s - 1, e - 1, box)
    return out
