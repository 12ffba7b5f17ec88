"""A lower-case z drawn without its foot (">", ")"), redrawn as a zigzag in its box.

The synthesis network (Graves 2013, section 5) draws most lower-case z's in one stroke, as a z or
a 2 whose foot runs out to the right. Now and then the stroke stops short at the lower left: a ">"
("la>y" for "lazy", in the README picture) or a ")" (")one" for "zone"). A z is rare in English
(under 0.1% of letters) and rarer in IAM-OnDB's lines, and the recognisers that judge the draws
(`strokes.wordsearch`) read such a word from its other letters, so the search among candidates
does not mend it.

`zigzag_zs` takes each z drawn in one stroke of its own (at least PURE of its points under the
window's peak on it, eq. 46, and MIN_POINTS points) that does not end at a z's foot (its last
point right of FOOT_X of its box's width and below FOOT_Y of its height), and whose box is
between ASPECT[0] and ASPECT[1] times as wide as tall, and redraws its points, in order and evenly
by length, along a printed z across its box: the top bar left to right, the diagonal down to the
lower left, the foot left to right. A z that ends at its foot is the network's own and left as
drawn, as is one in two strokes or joined on to its neighbours; only the z's own points move, and
the ink after it keeps its place. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import owned_strokes
from .transforms import redraw

PURE = 0.8  # a z's stroke has at least this share of its points under the window's peak on it (not joined on)
MIN_POINTS = 6  # ... and this many points (a z's zigzag; 11-24 points in 30 of them)
ASPECT = (0.4, 2.5)  # ... and a box this many times as wide as tall (not a dash, not a stroke run on down)
FOOT_X, FOOT_Y = 0.5, 0.6  # a stroke ending right of this share of its box's width, below this of its height,
# ends at a z's foot ("z", "2"): the network's own, left as drawn; ">" and ")" end at the lower left


def zigzag(points: np.ndarray) -> np.ndarray:
    """The points (n, 2) of a printed z across the box of `points` (n, 2; y down), evenly spaced by
    length: the top bar left to right, the diagonal to the lower left, the foot left to right."""
    (left, top), (right, bottom) = points.min(0), points.max(0)
    path = np.array([[left, top], [right, top], [left, bottom], [right, bottom]])  # (4, 2)
    along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(path, axis=0).T))]  # (4,) length to each corner
    at = np.linspace(0.0, along[-1], len(points))
    return np.stack([np.interp(at, along, path[:, 0]), np.interp(at, along, path[:, 1])], 1)


def footless(points: np.ndarray, foot_x: float = FOOT_X, foot_y: float = FOOT_Y,
             aspect: tuple[float, float] = ASPECT) -> bool:
    """Whether a z's stroke (n, 2 points, y down) is to be redrawn: its box between aspect[0] and
    aspect[1] times as wide as tall, and its last point not at a z's foot (right of foot_x of the
    box's width and below foot_y of its height)."""
    (left, top), (width, height) = points.min(0), np.ptp(points, axis=0)
    if height <= 0 or not aspect[0] <= width / height <= aspect[1]:
        return False
    return not (points[-1, 0] > left + foot_x * width and points[-1, 1] > top + foot_y * height)


def zigzag_zs(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str] | None = None,
              pure: float = PURE, min_points: int = MIN_POINTS) -> np.ndarray:
    """A copy of offsets (T, 3), raw units, in which every lower-case z drawn in one stroke of its own
    that does not end at its foot (`footless`) lies on a printed z across its box (`zigzag`). phi
    (T, U + 1): window weights over `text`; marks: stand-ins (`strokes.standins.substitute`), left."""
    marks = marks or {}
    out = np.array(offsets, dtype=np.float64, copy=True)
    peak, strokes, owners = owned_strokes(out, phi)
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2): each z redrawn below moves no other ink
    for u, c in enumerate(text):
        mine = [k for k, v in enumerate(owners) if v == u]
        if c != "z" or u in marks or len(mine) != 1:
            continue
        s, e = strokes[mine[0]]  # its points: s .. e - 1
        if e - s >= min_points and np.mean(peak[s:e] == u) >= pure and footless(points[s:e]):
            out = redraw(out, s - 1, e - 1, zigzag(points[s:e]))
    return out
