"""Stand-ins for capitals the network cannot write: Q as an O with a tail, X as a large x.

The 10,732 training lines of IAM-OnDB hold 16 capital Q and 3 capital X (against 270 N and 1,136
T). Asked for a Q, the synthesis network (Graves 2013, section 5) writes an O, a C or a lower-case
q, never a Q that reads; asked for an X, mostly something else (README, "How legible?"). It writes
a capital O and a lower-case x well, and a person's Q is an O with a tail, a person's X a large x.
So `substitute` gives the network the stand-in letter in the capital's place, as a word of its own
when the capital begins a longer word (a space after it, as `strokes.acronyms` does for runs of
capitals: "Queen" -> "O ueen"), and after sampling the stand-ins are turned back into capitals:

- an x is enlarged (`enlarge_all`, `enlarge`) by CAPITAL_SCALE about its lowest left point, to a
  capital's height, and the ink after it moves right by as much as the x grew;
- the letter and the rest of its word are set together (`strokes.acronyms.set_runs`, without moving
  the rest up or down, since it may hang below the line: "Query");
- an O gets a tail (`add_tails`, `tail`): one short, slightly curved stroke across its lower right,
  down and to the right, the shape of TAIL scaled to the O's box. This stroke is not the network's
  ink, and it is added at the end of the line's ink, so that the network's own steps keep their
  places (the window weights and predicted densities of each step still line up with them).

Where a letter's ink lies: from the last pen lift before the window's peak (eq. 46) reaches the
letter to the last one before it reaches the next non-space character (`strokes.acronyms.cut`).

Z, with 6 training examples, keeps the network's own: an enlarged z read worse by eye, blind
(docs/capitals.md). Not in Graves (2013); `Hand.write(stand_ins=True)` (default) and
`generate.py --stand-ins`.
"""
from __future__ import annotations

import numpy as np

from .acronyms import cut, window_peak

STAND_INS = {"Q": "O", "X": "x"}  # capital -> the letter the network writes in its place
LOWER_STAND_INS = frozenset(c for c in STAND_INS.values() if c.islower())  # drawn as often as capitals (strokes.hand)
CAPITAL_SCALE = 1.8  # an x grown to a capital's height: capitals stand about 1.8 x-heights tall (by eye)
# The tail of a Q in the unit box of its O (x right, y down; 0-1 spans the O): from inside the loop,
# across its lower right, ending a little beyond it.
TAIL = np.array([[0.55, 0.62], [0.78, 0.83], [1.05, 1.08]])
TAIL_POINTS = 6  # points along the tail: about the network's own point rate at an O's size (30-unit steps)


def substitute(text: str, runs: list[list[int]] = ()) -> tuple[str, list[list[int]], dict[int, str]]:
    """`text` with each capital of STAND_INS replaced by its stand-in, and a space after the stand-in
    where more of its word follows; `runs` (letter positions set together after sampling, as
    `strokes.acronyms.spread` gives them) moved to the new positions, followed by a run [stand-in,
    rest of the word] for each space put in; and the stand-ins' positions with the capital each
    stands for.

    substitute("a Queen") == ("a O ueen", [[2, 4]], {2: "Q"}); text without Q or X is unchanged.
    """
    out, where, marks, added = "", [], {}, []
    for u, c in enumerate(text):
        where.append(len(out))
        if c not in STAND_INS:
            out += c
            continue
        marks[len(out)] = c
        out += STAND_INS[c]
        if u + 1 < len(text) and text[u + 1] != " ":  # the rest of the word follows: draw it apart
            added.append([len(out) - 1, len(out) + 1])
            out += " "
    return out, [[where[u] for u in run] for run in runs] + added, marks


def restore(text: str, marks: dict[int, str]) -> str:
    """`text` with the capitals of `marks` back in place of their stand-ins (positions unchanged)."""
    return "".join(marks.get(u, c) for u, c in enumerate(text))


def ink_bounds(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> tuple[int, int]:
    """(a, b): the ink of the letter at position u of `text` is offsets[a + 1 : b + 1], from the last pen
    lift before the window's peak reaches u to the last before it reaches the next non-space
    character (or the end). offsets (T, 3), phi (T, U + 1) window weights over `text`."""
    peak = window_peak(phi)
    nxt = next((v for v in range(u + 1, len(text)) if text[v] != " "), len(text))
    return cut(offsets, peak, u), cut(offsets, peak, nxt)


def tail(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (TAIL_POINTS, 2) of a Q's tail across the O whose ink is offsets[a + 1 : b + 1]
    (raw units, y down); None if that ink is fewer than 3 points."""
    if b - a < 3:
        return None
    ink = np.cumsum(offsets[:, :2], axis=0)[a + 1: b + 1]  # (n, 2)
    low, high = ink.min(0), ink.max(0)
    s = np.linspace(0.0, 1.0, TAIL_POINTS)[:, None]  # (P, 1) along a quadratic Bezier curve through TAIL
    unit = (1 - s) ** 2 * TAIL[0] + 2 * s * (1 - s) * TAIL[1] + s ** 2 * TAIL[2]  # (P, 2)
    return low + unit * (high - low)


def append_stroke(offsets: np.ndarray, phi: np.ndarray, stroke: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """offsets (T, 3) with a new stroke (n, 2 points, absolute raw units) after the last point, the pen
    lifted before and after it; phi (T, U + 1) with its last row repeated for the new points."""
    end = np.cumsum(offsets[:, :2], axis=0)[-1] if len(offsets) else np.zeros(2)
    rows = np.zeros((len(stroke), 3))
    rows[:, :2] = np.diff(np.vstack([end, stroke]), axis=0)
    rows[-1, 2] = 1.0
    out = np.array(offsets, dtype=np.float64, copy=True)
    if len(out):
        out[-1, 2] = 1.0
    return np.concatenate([out, rows]), np.concatenate([phi, np.repeat(phi[-1:], len(stroke), axis=0)])


def enlarge(offsets: np.ndarray, a: int, b: int, scale: float = CAPITAL_SCALE) -> np.ndarray:
    """A copy of offsets (T, 3) with the ink offsets[a + 1 : b + 1] scaled by `scale` about its lowest
    left corner (so it stands on the same line) and the ink after it moved right by as much as it grew."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    if b - a < 2:
        return out
    points = np.cumsum(out[:, :2], axis=0)  # (T, 2)
    ink = points[a + 1: b + 1]
    corner = np.array([ink[:, 0].min(), ink[:, 1].max()])  # y grows downwards: max is the lowest
    grown = corner + (ink - corner) * scale
    out[a + 1, :2] += grown[0] - ink[0]
    out[a + 2: b + 1, :2] *= scale
    if b + 1 < len(out):
        out[b + 1, :2] += ink[-1] - grown[-1] + [grown[:, 0].max() - ink[:, 0].max(), 0.0]
    return out


def enlarge_all(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str]) -> np.ndarray:
    """Ink written from `substitute` text with the x of every X in `marks` enlarged (`enlarge`).
    offsets (T, 3) raw units, phi (T, U + 1) window weights over `text`; same length out."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    for u, capital in marks.items():
        if capital == "X":
            out = enlarge(out, *ink_bounds(out, phi, text, u))
    return out


def add_tails(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Ink written from `substitute` text with a tail (`tail`) for the O of every Q in `marks`, each
    added as a stroke after the line's last point (`append_stroke`); returns offsets and phi, both
    TAIL_POINTS rows longer per tail. offsets (T, 3) raw units, phi (T, U + 1) over `text`."""
    out, phi = np.array(offsets, dtype=np.float64, copy=True), np.asarray(phi)
    strokes = [tail(out, *ink_bounds(out, phi, text, u)) for u, capital in sorted(marks.items()) if capital == "Q"]
    for stroke in strokes:
        if stroke is not None:
            out, phi = append_stroke(out, phi, stroke)
    return out, phi
