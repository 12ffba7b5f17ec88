"""Stand-ins for characters the network cannot write: Q as an O with a tail, X as a large x, a U
standing alone (a letter of a spread run, "C P U") as a large u, 4 as an L given a stem, 5 as its
own body given a bar, 8 as an S closed by a stroke; a word's first N, M, K, H, E, Z, Y and G from a
letter it writes well, F given its bar and I its printed bars (`strokes.capitals`); and the symbols
(`strokes.symbols`).

The 10,732 training lines of IAM-OnDB hold 16 capital Q and 3 capital X (against 270 N and 1,136
T). Asked for a Q, the synthesis network (Graves 2013, section 5) writes an O, a C or a lower-case
q, never a Q that reads; asked for an X, mostly something else (README, "How legible?"). It writes
a capital O and a lower-case x well, and a person's Q is an O with a tail, a person's X a large x.
The lines hold 62 fours and 85 fives, and the network draws no 4 at all (an L or an l: the first
stroke of an open 4, never the second) and a 5 mostly as its body without the bar (docs/capitals.md).
It writes a capital L well, and an open 4 is an L with a stem through its foot. An 8 (39 in the
lines) it draws mostly as an f, an S or a loop on a stroke; a capital S it writes well, and many
people write an 8 as an S and a stroke from its end back to its start. Some capitals it writes
wrong at a word's start, and a letter it writes well is their stem or shape (`strokes.capitals`).

So `substitute` gives the network the stand-in in the character's place (an L for a 4, the 5
itself, an S for an 8), as a word of its own (a space before it where its word has ink before it,
and after it where more of its word follows, as `strokes.acronyms` does for runs of capitals:
"Queen" -> "O ueen", "1945" -> "19 L 5"), except the capitals of IN_WORD, whose stand-in takes
their place inside their word, and only where they begin one ("Nine" -> "nine", "How" -> "low":
drawn apart, a word's first capital leaves the rest of the word worse), and those of ALONE, whose
stand-in takes their place only where they are a word of their own: a U inside a word ("Under")
the network writes well, but alone, as a letter of a run of capitals drawn apart ("C P U", "U S A"),
it often draws an l, an L or a V ("CPl", "EV"). After sampling the stand-ins are finished:

- `resize_all`: an x, and the u of a U, is enlarged (`enlarge`) by CAPITAL_SCALE about its lowest
  left point, to a capital's height, and the ink after it moves right by as much as it grew; an x drawn in two
  strokes, it is then redrawn along the diagonals of its box (`x_cross`); an n or m likewise,
  its ink ending at the foot of its last leg (`strokes.capitals.leg_bounds`); the ink after the l
  of a K or an H, the 7 of a Z or the C of a G moves right to make room for what is added to it
  (`strokes.capitals.k_room`, `z_room`, `g_room`);
- the stand-in and the rest of its word are set together (`strokes.acronyms.set_runs`, without
  moving the rest up or down, since it may hang below the line: "Query"; but a number's digits are
  set on one baseline, `number_run`, its punctuation and a % with them: "10:45", "1,450", set
  from the word's start, `number_runs`, and on its digits, not its marks, `strokes.acronyms.ground`);
- `add_strokes`: an L is first squashed (`squash`) about its top to FOUR_BAR of its height, so that
  its foot becomes a 4's crossbar (after the digits are set level: its foot stood on the line); an O gets a tail (`tail`): one short, slightly curved stroke across its lower
  right, down and to the right, the shape of TAIL scaled to the O's box; the squashed L a stem
  (`stem`): a straight stroke parallel to its down-stroke, through its foot, down to the line the
  L stood on; a 5 that the network drew without a bar of its own (`has_bar`) a bar (`five_bar`)
  from the top of its body to the right; an S a straight stroke from the end of its body back to
  its start (`closing`); the capitals their strokes (`strokes.capitals`: an F's bar, a K's arms,
  an H's bar and second stem, an E's bars, a Z's foot, a G's spur; a Y's V is squashed into its arms, in
  place, and given a stem); the symbols theirs. These strokes are not the network's ink, and they
  are added at the end of the line's ink, so that the network's own steps keep their places (the
  window weights and predicted densities of each step still line up with them).

Where a character's ink lies: from the last pen lift before the window's peak (eq. 46) reaches it
to the last one before the window reaches the next non-space character (`strokes.acronyms.cut`).

By eye, blind, the 4 from an L read better in 11 of 12 lines with a 4 and worse in none, the 5
given a bar better in 19 of 24 and worse in 1, the 8 from an S better in 22 of 24 and worse in
none, the U from a u (docs/blind/u.txt, seeds 0 and 1) better in 9 of 24 and worse in 3; the
capitals' figures are in `strokes.capitals` (README). An enlarged z read worse than the
network's own Z (docs/capitals.md). Not in Graves (2013); `Hand.write(stand_ins=True)` (default;
or a string, some of "QXNMFKEZYHGIU458$=%@*£€°_<>#&[]|\\^~") and `generate.py --stand-ins`.
"""
from __future__ import annotations

import numpy as np

from .acronyms import cut, window_peak
from .capitals import (FLAT, H_WIDTH, I_BAR, LEGS, STROKE_POINTS, bar_bounds, c_bounds, e_bars, f_bar, g_room, g_spur,
                       h_rest, i_bars, k_arms, k_room, leg_bounds, y_fork, z_foot, z_room)
from .transforms import offsets_to_points, redraw
from .symbols import MAKERS as SYMBOL_MAKERS, SYMBOLS, reshape

STAND_INS = {"Q": "O", "X": "x", "N": "n", "M": "m", "F": "F", "K": "l", "H": "l", "E": "L", "Z": "7", "Y": "V", "G": "C", "I": "I", "U": "u",
             "4": "L", "5": "5", "8": "S", **SYMBOLS}  # character -> what the network writes
IN_WORD = frozenset("NMFKEZYHGI")  # written inside its word, and a stand-in only where it begins one
ALONE = frozenset("U")  # a stand-in only where it is a word of its own (a letter of a spread run: "C P U")
LOWER_STAND_INS = frozenset({"x", "u"})  # drawn as often as capitals, as the X and U they stand for (strokes.hand)
CAPITAL_SCALE = 1.8  # an x grown to a capital's height: capitals stand about 1.8 x-heights tall (by eye)
# The tail of a Q in the unit box of its O (x right, y down; 0-1 spans the O): from inside the loop,
# across its lower right, ending a little beyond it.
TAIL = np.array([[0.55, 0.62], [0.78, 0.83], [1.05, 1.08]])
TAIL_POINTS = 6  # points along the tail: about the network's own point rate at an O's size (30-unit steps)
FOUR_BAR = 0.62  # a 4's crossbar is its L's foot, raised to this fraction of the L's height below its top (by eye)
FOUR_STEM = (0.1, 1.0)  # a 4's second stroke, from/to these fractions of the L's height below its top (1 = the line)
FOUR_STEM_AT = 0.7  # where that stroke crosses the bar: this fraction of the foot's width from its left end
FOOT_BAND = 0.25  # the foot of an L, the belly's top of a 5: ink within this fraction of the height of the bottom/top
FIVE_BAR = 0.8  # a 5's bar reaches this fraction of the way from its start to the right edge of the body
FIVE_BAR_MIN = 0.35  # ... and is at least this fraction of the body's height long (a narrow body)
FIVE_BAR_RISE = 0.05  # the bar rises to the right by this fraction of its length, as a pen's does
NUMBER_MARKS = frozenset(".,:")  # punctuation in or after a number ("10:45", "1,450", "in 1945."; not a range's "-")
NUMBER_SIGNS = frozenset("%")  # stand-ins on the line after a number's digits (not $ £ €: see number_run)


def number_run(text: str, run: list[int], marks: dict[int, str]) -> bool:
    """Whether a run of `substitute` text (positions in it, as `substitute` gives them) is a number:
    its word, from where its first piece begins to the end of its last, holds a digit and only
    digits, stand-ins for digits, NUMBER_MARKS and NUMBER_SIGNS ("1945", "10:45", "1,450", "45%",
    "in 1945."). Not "1914-18": the network draws the "-1" of a range with its 1 raised off the
    hyphen, and set on the line it left the hyphen at the foot ("1914_18", worse by eye). Nor
    "$24.50", "£5.80" or "€54.20": the network hangs the S, L or C of a sign drawn as a word of its
    own, and neither setting the digits on it nor on their own first piece read better by eye
    (README). Its pieces are then set on one baseline (`strokes.acronyms.set_together`, level,
    its marks apart), as digits stand: drawn apart, the network often raises the digits after a
    stand-in ("1523" came out as "1⁵²³"). Other runs are moved left only, since their letters may
    hang below the line ("Query")."""
    chars = [marks.get(u, text[u]) for u in run_word(text, run) if text[u] != " "]
    return (any(c.isdigit() for c in chars)
            and all(c.isdigit() or c in NUMBER_MARKS or c in NUMBER_SIGNS for c in chars))


def number_runs(text: str, runs: list[list[int]], marks: dict[int, str]) -> tuple[list[list[int]], list[bool]]:
    """The runs `substitute` added to `text`, each a number's (`number_run`) from its word's start
    (a run begins at the character before its stand-in: the "," of "1, L 5 0", the last 1 of
    "191 L -1 S"), so that the number is set on all the digits drawn before its first stand-in
    ("1,", "191"), not on one character the network may have raised; and whether each is a number
    (set level)."""
    level = [number_run(text, r, marks) for r in runs]
    return [[run_word(text, r).start, *r[1:]] if flat else r for r, flat in zip(runs, level)], level


def run_word(text: str, run: list[int]) -> range:
    """The positions of a run's word in `substitute` text: from where its first piece begins to the
    end of its last (the spaces put in between its pieces included)."""
    end = text.find(" ", run[-1])
    return range(text.rfind(" ", 0, run[0]) + 1, len(text) if end < 0 else end)


def substitute(text: str, runs: list[list[int]] = (), chars: str | None = None
               ) -> tuple[str, list[list[int]], dict[int, str]]:
    """`text` with each character of STAND_INS (of those in `chars`, default all) replaced by its
    stand-in, drawn as a word of its own: a space before it where its word has ink before it, and
    after it where more of its word follows (but those of IN_WORD in their word, where they begin
    it, and those of ALONE only where they are a word of their own, spaces put in included);
    `runs` (letter positions set together after sampling, as `strokes.acronyms.spread` gives them)
    moved to the new positions, followed by a run [character before, stand-in, character after] for
    each stand-in given spaces (stand-ins next to each other share one run); and the stand-ins'
    positions with the character each stands for.

    substitute("a Queen") == ("a O ueen", [[2, 4]], {2: "Q"}); substitute("in 1945") ==
    ("in 19 L 5", [[4, 6, 8]], {6: "4", 8: "5"}); text without those characters is unchanged.
    """
    chosen = {c: STAND_INS[c] for c in (STAND_INS if chars is None else chars)}
    alone = {c: chosen.pop(c) for c in ALONE if c in chosen}  # given their stand-ins last, where they stand alone
    out, where, marks, added = "", [], {}, []
    run, linked = None, False  # the run being built (positions in `out`); linked: the next character joins it

    def space_after_last():  # the last character of `out` and what comes next are drawn apart
        nonlocal run, linked
        if not (run and run[-1] == len(out) - 1):
            run = [len(out) - 1]
            added.append(run)
        linked = True
        return " "

    for u, c in enumerate(text):
        if c in IN_WORD and c in chosen:  # its stand-in takes its place in its word; mid-word, the network's own
            if not out or out[-1] == " ":
                marks[len(out)] = c
                c = chosen[c]
            where.append(len(out))
            if linked:
                run.append(len(out))
                linked = False
            out += c
            continue
        if c in chosen and out and out[-1] != " ":  # ink before it in its word: draw it apart
            out += space_after_last()
        where.append(len(out))
        if linked:
            run.append(len(out))
            linked = False
        if c not in chosen:
            out += c
            continue
        marks[len(out)] = c
        out += chosen[c]
        if u + 1 < len(text) and text[u + 1] != " ":  # the rest of the word follows: draw it apart
            out += space_after_last()
    solo = {u: c for u, c in enumerate(out)  # a word of its own (with the spaces put in above); in a word, its own
            if c in alone and out[u - 1: u] in ("", " ") and out[u + 1: u + 2] in ("", " ")}
    marks.update(solo)
    out = "".join(alone[c] if u in solo else c for u, c in enumerate(out))
    return out, [[where[u] for u in run] for run in runs] + added, dict(sorted(marks.items()))


def restore(text: str, marks: dict[int, str]) -> str:
    """`text` with the characters of `marks` back in place of their stand-ins (positions unchanged)."""
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
    if b - a < 2:
        return np.array(offsets, dtype=np.float64, copy=True)
    ink = offsets_to_points(offsets)[a + 1: b + 1, :2]  # (n, 2)
    corner = np.array([ink[:, 0].min(), ink[:, 1].max()])  # y grows downwards: max is the lowest
    grown = corner + (ink - corner) * scale
    return redraw(offsets, a, b, grown, grown[:, 0].max() - ink[:, 0].max())


def x_cross(offsets: np.ndarray, a: int, b: int, box: np.ndarray | None = None) -> np.ndarray:
    """A copy of offsets (T, 3) whose ink offsets[a + 1 : b + 1], an x drawn in two strokes, lies on
    the two diagonals of its box: the stroke whose foot lies further right of its top along the one
    from top left to bottom right, the other along the one from top right to bottom left, each
    straight, in the direction and with the points it was drawn with. The network often draws the
    x of an X with one stroke short or the two meeting in a point, not crossing ("Y", "<"). An x in
    one stroke, or in three or more, is left as it is; the ink after it keeps its place. box: the
    corners [[left, top], [right, bottom]] to draw it in (default: its ink's)."""
    parts = pieces(offsets, a, b)
    if len(parts) != 2 or min(len(p) for p in parts) < 2:
        return np.array(offsets, dtype=np.float64, copy=True)
    ink = np.concatenate(parts)
    (left, top), (right, bottom) = (ink.min(0), ink.max(0)) if box is None else box
    lean = [p[p[:, 1].argmax(), 0] - p[p[:, 1].argmin(), 0] for p in parts]  # foot x - top x: > 0 leans back
    back = 0 if lean[0] >= lean[1] else 1
    lines = []
    for i, p in enumerate(parts):
        start, end = (np.array([left, top]), np.array([right, bottom])) if i == back else \
            (np.array([right, top]), np.array([left, bottom]))
        if p[-1, 1] < p[0, 1]:  # drawn upward
            start, end = end, start
        lines.append(start + np.linspace(0.0, 1.0, len(p))[:, None] * (end - start))
    return redraw(offsets, a, b, np.concatenate(lines))


def squash(offsets: np.ndarray, a: int, b: int, scale: float = FOUR_BAR) -> np.ndarray:
    """A copy of offsets (T, 3) with the ink offsets[a + 1 : b + 1] scaled vertically by `scale` about
    its top (an L whose foot becomes a 4's crossbar); the ink after it keeps its place."""
    if b - a < 2:
        return np.array(offsets, dtype=np.float64, copy=True)
    ink = offsets_to_points(offsets)[a + 1: b + 1, :2]  # (n, 2)
    top = ink[:, 1].min()
    return redraw(offsets, a, b, np.stack([ink[:, 0], top + (ink[:, 1] - top) * scale], 1))


def resize_all(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str]) -> np.ndarray:
    """Ink written from `substitute` text with the x of every X, the u of every U, the n of every N
    and the m of every M in `marks` enlarged (`enlarge`; the n's and m's ink from `leg_bounds`; the
    x then crossed, `x_cross`), and room made after the l of every K, H and I, the 7 of every Z and
    the C of every G (`k_room`, `z_room`, `g_room`). offsets (T, 3) raw units, phi (T, U + 1) window weights over
    `text`; same length out."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    for u, char in marks.items():
        if char in ("X", "U"):
            out = enlarge(out, *ink_bounds(out, phi, text, u))
            if char == "X":
                out = x_cross(out, *ink_bounds(out, phi, text, u))
        elif char in LEGS:
            out = enlarge(out, *leg_bounds(out, phi, text, u, LEGS[char]))
        elif char == "K":
            out = k_room(out, phi, text, u)
        elif char == "Z":
            out = z_room(out, phi, text, u)
        elif char == "H":
            out = k_room(out, phi, text, u, H_WIDTH)
        elif char == "I":
            out = k_room(out, phi, text, u, I_BAR / 2)
        elif char == "G":
            out = g_room(out, phi, text, u)
    return out


def stem(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (STROKE_POINTS, 2) of a 4's second stroke for the squashed L whose ink is
    offsets[a + 1 : b + 1] (raw units, y down): parallel to the L's down-stroke, crossing its foot
    FOUR_STEM_AT of the way along, from near the L's top down to the line the L stood on before
    `squash`. A stroke of one or two points (a dot of the next character that the window reached
    late) is no part of the L. None if no stroke of the ink has 3 points or more."""
    parts = [p for p in pieces(offsets, a, b) if len(p) >= 3]
    if not parts:
        return None
    ink = np.concatenate(parts)  # (n, 2)
    top, bottom = ink[:, 1].min(), ink[:, 1].max()
    foot = ink[ink[:, 1] >= bottom - FOOT_BAND * (bottom - top)]  # (m, 2)
    peak, corner = ink[ink[:, 1].argmin()], foot[foot[:, 0].argmin()]
    slant = (peak[0] - corner[0]) / (corner[1] - peak[1]) if corner[1] > peak[1] else 0.0  # x per unit of rise
    cross = np.array([corner[0] + FOUR_STEM_AT * (foot[:, 0].max() - corner[0]), corner[1]])
    full = (bottom - top) / FOUR_BAR  # the L's height before it was squashed
    ys = top + np.linspace(*FOUR_STEM, STROKE_POINTS) * full
    return np.stack([cross[0] + slant * (cross[1] - ys), ys], 1)


def pieces(offsets: np.ndarray, a: int, b: int) -> list[np.ndarray]:
    """The strokes of the ink offsets[a + 1 : b + 1], as arrays of points (n, 2): split after every pen lift."""
    ink = np.cumsum(offsets[:, :2], axis=0)[a + 1: b + 1]  # (n, 2)
    return np.split(ink, np.flatnonzero(offsets[a + 1: b, 2] > 0.5) + 1) if len(ink) else []


def has_bar(offsets: np.ndarray, a: int, b: int) -> bool:
    """Whether the ink offsets[a + 1 : b + 1] holds a bar of its own: a stroke other than its
    longest, FLAT times wider than tall and as long as a bar `five_bar` would add, in its upper half."""
    parts = pieces(offsets, a, b)
    if not parts:
        return False
    ink = np.concatenate(parts)
    longest = max(range(len(parts)), key=lambda i: len(parts[i]))
    middle, height = (ink[:, 1].min() + ink[:, 1].max()) / 2, np.ptp(ink[:, 1])
    return any(i != longest and np.ptp(p[:, 0]) >= max(FLAT * np.ptp(p[:, 1]), FIVE_BAR_MIN * height)
               and p[:, 1].mean() < middle for i, p in enumerate(parts))


def five_bar(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (STROKE_POINTS, 2) of a bar for the 5 whose ink is offsets[a + 1 : b + 1] (raw
    units, y down): from the top of its body (its longest stroke; the other strokes may be a dot or
    the end of the character before), at the left of its top, to the right, rising a little. None if
    the network drew a bar itself (`has_bar`) or the body is fewer than 3 points."""
    parts = pieces(offsets, a, b)
    body = max(parts, key=len) if parts else np.zeros((0, 2))
    if len(body) < 3 or has_bar(offsets, a, b):
        return None
    top, height = body[:, 1].min(), np.ptp(body[:, 1])
    start = np.array([body[body[:, 1] <= top + FOOT_BAND * height, 0].min(), top])
    length = max(FIVE_BAR * (body[:, 0].max() - start[0]), FIVE_BAR_MIN * height)
    s = np.linspace(0.0, 1.0, STROKE_POINTS)[:, None]  # (P, 1)
    return start + s * np.array([length, -FIVE_BAR_RISE * length])


def closing(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (STROKE_POINTS, 2) of the stroke that makes the S whose ink is offsets[a + 1 : b + 1]
    an 8: straight from the end of its body (its longest stroke) back to its start. None if the
    body is fewer than 3 points."""
    parts = pieces(offsets, a, b)
    body = max(parts, key=len) if parts else np.zeros((0, 2))
    if len(body) < 3:
        return None
    s = np.linspace(0.0, 1.0, STROKE_POINTS)[:, None]  # (P, 1)
    return body[-1] + s * (body[0] - body[-1])


def add_strokes(offsets: np.ndarray, phi: np.ndarray, text: str, marks: dict[int, str]) -> tuple[np.ndarray, np.ndarray]:
    """Ink written from `substitute` text with the strokes that finish its stand-ins, each added after
    the line's last point (`append_stroke`): a tail for the O of every Q (`tail`), a stem for the
    L of every 4, first squashed in place (`squash`, `stem`), a bar for every 5 drawn without one (`five_bar`), a closing
    stroke for the S of every 8 (`closing`), those of the capitals (`strokes.capitals`; a Y's V is
    first squashed into its arms, in place) and those of the symbols (`strokes.symbols`). Returns
    offsets and phi, one row longer per point added. offsets (T, 3) raw units, phi (T, U + 1)
    over `text`."""
    out, phi = np.array(offsets, dtype=np.float64, copy=True), np.asarray(phi)
    makers = {"Q": tail, "4": stem, "5": five_bar, "8": closing, "F": f_bar, "K": k_arms, "H": h_rest, "E": e_bars,
              "Z": z_foot, "G": g_spur, "I": i_bars}
    stem_only = lambda *args: leg_bounds(*args, legs=1)  # noqa: E731  the ink through the foot of the first stem
    bounds = {"F": bar_bounds, "K": stem_only, "H": stem_only, "E": stem_only, "Z": stem_only, "G": c_bounds,
              "I": stem_only}
    strokes = []
    for u, char in sorted(marks.items()):  # room for a symbol's strokes first: it moves the ink after it
        if char in SYMBOL_MAKERS:
            out = reshape(char, out, *ink_bounds(out, phi, text, u))
        elif char == "Y":  # a Y's V squashed into its arms, in place; its stem
            out, fork = y_fork(out, phi, text, u)
            strokes.append(fork)
        elif char == "4":  # a 4's L squashed onto its bar, in place
            out = squash(out, *ink_bounds(out, phi, text, u))
    for u, char in sorted(marks.items()):
        a, b = bounds.get(char, ink_bounds)(out, phi, text, u)
        if char in makers:
            made = makers[char](out, a, b)
            strokes += made if isinstance(made, list) else [made]
        elif char in SYMBOL_MAKERS and b > a:  # a stand-in drawn in one stroke with its neighbour: none
            parts = pieces(out, a, b)
            strokes += SYMBOL_MAKERS[char](np.concatenate(parts), max(parts, key=len))
    for stroke in strokes:
        if stroke is not None:
            out, phi = append_stroke(out, phi, stroke)
    return out, phi
