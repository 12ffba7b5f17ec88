"""Symbols outside IAM-OnDB's alphabet, drawn from characters the network writes: $ as an S with a
stroke through it, = as a hyphen and a second one above it, % as a small o, a copy of it and a
slash, @ as an a in a ring, * as a small x with an upright stroke through it, £ as an L with a
hook and a bar, € as a C with two bars across it, ° as a small raised o, _ as a hyphen lowered
to the line and lengthened, < and > as a v turned on its side, # as an = crossed by two strokes,
& as a 3 mirrored and struck upright (the "ɛ|" a hand writes), [ and ] as an L given a top bar
(mirrored for ]), | and \\ as an l squashed to a line (upright, or leaning back), ^ as a small v
upside down and raised, ~ as a hyphen bent into a wave.

The transcriptions of IAM-OnDB hold none of these, so the synthesis network (Graves 2013, section
5) has no letter for them: given one, it reads the unknown symbol and draws a stray mark ("20%"
comes out as "201", "a@b.com" as "a/b.com"). Each is a character it writes well, reshaped or with a
stroke or two added, as a person builds it: `strokes.standins.substitute` gives the network the
stand-in (SYMBOLS) as a word of its own, and after sampling `strokes.standins.add_strokes` first
lets `reshape` make room for the symbol (an @'s ring is wider than its a) or reshape the stand-in
(shrink a %'s, a *'s or a °'s letter, lower an _'s hyphen, turn a <'s v, mirror an &'s 3 or a ]'s L,
squash a |'s l, turn a ^'s v over, bend a ~'s hyphen), then calls the maker
(MAKERS) with the stand-in's ink, which returns the strokes to add after the line's last point (the
network's own steps keep their places, as for a Q's tail). Each maker takes the ink as points
(n, 2) and its longest stroke, raw units, y down, and returns a list of strokes (m, 2); the ink is
never empty. A # is in the alphabet, but IAM-OnDB's transcriptions use it for a word crossed out
(90 times), so the network draws a scribble for it; it is drawn as a stand-in too. The network's "/" is too rare in the training lines to draw
reliably (a "20 o/o" reads as "20 oG"), so a %'s slash is drawn here, straight.

Not in Graves (2013); on by default with the other stand-ins (`Hand.write(stand_ins=...)`,
`generate.py --stand-ins`).
"""
from __future__ import annotations

import numpy as np

from .transforms import offsets_to_points, redraw

SYMBOLS = {"$": "S", "=": "-", "%": "o", "@": "a", "*": "x", "£": "L", "€": "C",  # symbol -> its stand-in
           "\u00b0": "o", "_": "-", "<": "v", ">": "v", "#": "-", "&": "3", "[": "L", "]": "L",
           "|": "l", "\\": "l", "^": "v", "~": "-"}
DOLLAR_REACH = 0.2  # a $'s stroke reaches this fraction of the S's height above and below it
EQUALS_GAP = 0.45  # the second bar of an = sits this fraction of the first's length above it
PERCENT_RING = 0.45  # a %'s rings are its o shrunk to this size
PERCENT_HEIGHT = 1.7  # a % stands this many times its o's height (a digit's height: strokes.standins.CAPITAL_SCALE)
PERCENT_WIDTH = 1.1  # ... and is this many times its o's width
AT_RADIUS = 0.95  # an @'s ring: radius, as a fraction of the a's larger side
AT_ARC = (0.2, 0.2 - 1.85 * np.pi)  # ... drawn from just below the a's right (angle, y down) round over its top, to its lower right
STAR = 0.8  # a *'s x is shrunk to this size about its top left corner ...
STAR_RISE = 0.3  # ... and lifted by this fraction of its height: an asterisk sits high on the line
STAR_REACH = 0.1  # its upright stroke reaches this fraction of the small x's height beyond it
POUND_BAR = (0.6, -0.3, 0.4)  # a £'s bar: at this fraction of the L's height, from/to these shares of its width about the stem
EURO_BARS = (0.4, 0.6)  # a €'s bars: at these fractions of the C's height ...
EURO_REACH = (-0.2, 0.6)  # ... from/to these shares of its width from its left edge
DEGREE = 0.45  # a °'s ring is its o shrunk to this size ...
DEGREE_RISE = 0.7  # ... with its top this many o heights above the o's top (near a capital's top)
UNDERSCORE = 1.5  # an _ is its hyphen lengthened this many times ...
LINE_SHARE = 85  # ... and lowered onto the line: this percentile of the heights of the ink before it (its letters' feet)
LINE_BEFORE = 60  # ... over this many points of it
TURN = {"<": np.pi / 2, ">": -np.pi / 2}  # a v turned (radians, y down) so that its point is left (<) or right (>)
BRACKET_BAR = 0.8  # a bracket's top bar is this share of its foot's length
PIPE_WIDTH = 0.06  # a | or \ is its l squashed to at most this fraction of its height wide (the loop closed to a line) ...
PIPE_DROP = 0.25  # ... and lengthened downward by this fraction of its height: a | reaches below the letters' feet
BACKSLASH_LEAN = 0.5  # a \ leans back: its foot lies this fraction of its height right of its top
CARET = 0.6  # a ^ is its v turned upside down and shrunk to this size ...
CARET_RISE = 0.5  # ... its top this many v heights above the v's top (its foot near the x-height)
TILDE_WAVE = 0.2  # a ~ is its hyphen bent into one wave, up then down, this fraction of its length from crest to trough
TILDE_KEEP = 0.3  # ... keeping this share of the hyphen's own rise and fall (a hook at its end bent with it reads as a <)
HASH_LEAN = 0.3  # a #'s crossing strokes lean right by this share of the gap between its bars, up and down
RING_POINTS = 24  # points along an @'s ring
LINE_POINTS = 6  # points along a straight stroke (strokes.standins.STROKE_POINTS)


def _line(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """LINE_POINTS points (P, 2) from p to q."""
    return p + np.linspace(0.0, 1.0, LINE_POINTS)[:, None] * (q - p)


def _arc(centre: np.ndarray, radius: float, start: float, stop: float, n: int) -> np.ndarray:
    """n points (n, 2) along a circle, from angle start to stop (radians, y down: negative is up)."""
    t = np.linspace(start, stop, n)
    return centre + radius * np.stack([np.cos(t), np.sin(t)], 1)


def dollar(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The stroke through the S (ink (n, 2)) of a $: upright through its middle, DOLLAR_REACH of
    its height beyond its top and bottom."""
    low, high = ink.min(0), ink.max(0)
    x, reach = (low[0] + high[0]) / 2, DOLLAR_REACH * (high[1] - low[1])
    return [_line(np.array([x, low[1] - reach]), np.array([x, high[1] + reach]))]


def equals(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The second bar of an =: a copy of the hyphen's longest stroke `body`, EQUALS_GAP of its
    length above it."""
    return [body + [0.0, -EQUALS_GAP * max(np.ptp(body[:, 0]), 1e-9)]]


def percent(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The second ring and the slash of a %, for its first ring (ink (n, 2): the o after `reshape`,
    at the top left of the %): a copy of the ring at the bottom right, and a straight slash from the
    bottom left to the top right."""
    low, high = ink.min(0), ink.max(0)
    w, h = (high - low) / PERCENT_RING  # the o's size before it was shrunk
    width, height = PERCENT_WIDTH * w, PERCENT_HEIGHT * h
    copy = ink + [width - (high[0] - low[0]), height - (high[1] - low[1])]
    return [copy, _line(low + [0.15 * width, height], low + [0.85 * width, 0.0])]


def star(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The upright stroke through the small x (ink (n, 2), after `reshape`) of a *: through its middle,
    STAR_REACH of its height beyond its top and bottom."""
    low, high = ink.min(0), ink.max(0)
    x, reach = (low[0] + high[0]) / 2, STAR_REACH * (high[1] - low[1])
    return [_line(np.array([x, low[1] - reach]), np.array([x, high[1] + reach]))]


def hash_sign(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The strokes that make a hyphen (its longest stroke `body`) a #: a second bar above it, as for
    an =, and two strokes across both bars at a third and two thirds of their length, leaning right."""
    low, high = body.min(0), body.max(0)
    w = max(high[0] - low[0], 1e-9)
    gap, y = EQUALS_GAP * w, (low[1] + high[1]) / 2
    crossing = [_line(np.array([low[0] + f * w - HASH_LEAN * gap, y + 0.6 * gap]),
                      np.array([low[0] + f * w + HASH_LEAN * gap, y - 1.6 * gap])) for f in (1 / 3, 2 / 3)]
    return equals(ink, body) + crossing


def bracket(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The top bar that makes an L (ink (n, 2); mirrored for a ]) a bracket: from the top of its
    stem toward its foot's side, as long as the foot."""
    low, high = ink.min(0), ink.max(0)
    top = ink[ink[:, 1].argmin()]  # the top of the stem
    foot = high[0] - low[0]
    toward = 1.0 if top[0] - low[0] < high[0] - top[0] else -1.0  # the foot lies on the stem's right ([) or left (])
    return [_line(top, top + [toward * BRACKET_BAR * foot, 0.0])]


def pound(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The strokes that make the L (ink (n, 2)) a £: a hook over to the right from the top of its
    stem (as at the top of an f), and a bar across the stem at POUND_BAR[0] of its height."""
    low, high = ink.min(0), ink.max(0)
    (w, h), (at, left, right) = high - low, POUND_BAR
    y = low[1] + at * h
    near = ink[np.abs(ink[:, 1] - y) <= 0.15 * h]  # the stem about that height
    x = near[:, 0].min() if len(near) else low[0]
    top = ink[ink[:, 1].argmin()]  # the top of the stem
    s = np.linspace(0.0, 1.0, 2 * LINE_POINTS)[:, None]  # (P, 1) a quadratic Bezier curve
    bend, end = top + [0.15 * w, -0.12 * h], top + [0.45 * w, 0.1 * h]
    hook = (1 - s) ** 2 * top + 2 * s * (1 - s) * bend + s ** 2 * end
    return [hook, _line(np.array([x + left * w, y]), np.array([x + right * w, y - 0.02 * h]))]


def euro(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The two bars across the C (ink (n, 2)) of a €, at EURO_BARS of its height."""
    low, high = ink.min(0), ink.max(0)
    w, h = high - low
    return [_line(np.array([low[0] + EURO_REACH[0] * w, low[1] + f * h]),
                  np.array([low[0] + EURO_REACH[1] * w, low[1] + f * h])) for f in EURO_BARS]


def reshape(char: str, offsets: np.ndarray, a: int, b: int) -> np.ndarray:
    """offsets (T, 3) made ready for the strokes of symbol `char`, whose stand-in's ink is
    offsets[a + 1 : b + 1] (`strokes.transforms.redraw`): for an @, room on both sides of the a for
    its ring; for < and >, the v turned by TURN about its centre, keeping its left edge, the ink after
    it moved by as much as it widened; for & and ], the 3 or the L mirrored in its box; for a *, the x
    shrunk to STAR about its top left corner and lifted; for an _, the hyphen lengthened by
    UNDERSCORE and lowered onto the line of the ink before it; for a °, the o shrunk to DEGREE and
    lifted, the ink after it moved left by as much as the o narrowed; for a %, the o shrunk to
    PERCENT_RING about its left edge and lifted to the top of the %, and room on its right for the
    rest; for | and \\, the l squashed to PIPE_WIDTH about its middle and lengthened by PIPE_DROP (for
    a \\, sheared by BACKSLASH_LEAN), keeping its left edge; for a ^, the v turned upside down, shrunk
    to CARET about its top left and lifted by CARET_RISE; for a ~, the hyphen flattened to TILDE_KEEP
    about its mean height and bent into a wave (TILDE_WAVE). The ink after a reshaped stand-in moves
    by as much as it widened. Same length out; other symbols unchanged."""
    if b - a < 2 or char not in ("@", "%", "*", "\u00b0", "_", "<", ">", "&", "]", "|", "\\", "^", "~"):
        return np.array(offsets, dtype=np.float64, copy=True)
    points = offsets_to_points(offsets)[:, :2]  # (T, 2)
    ink = points[a + 1: b + 1]  # (n, 2)
    low, high = ink.min(0), ink.max(0)
    w, h = high - low
    if char == "@":
        side = max(0.0, AT_RADIUS * max(w, h) - w / 2)
        return redraw(offsets, a, b, ink + [side, 0.0], 2 * side)
    if char in TURN:
        c, s = np.cos(TURN[char]), np.sin(TURN[char])
        turned = (ink - (low + high) / 2) @ np.array([[c, s], [-s, c]])  # row vectors: [x c - y s, x s + y c]
        turned += [low[0] - turned[:, 0].min(), (low[1] + high[1]) / 2]
        return redraw(offsets, a, b, turned, np.ptp(turned[:, 0]) - w)
    if char in ("&", "]"):
        return redraw(offsets, a, b, ink * [-1.0, 1.0] + [low[0] + high[0], 0.0])
    if char in ("|", "\\"):
        y = low[1] + (1 + PIPE_DROP) * (ink[:, 1] - low[1])
        x = (ink[:, 0] - (low[0] + high[0]) / 2) * min(1.0, PIPE_WIDTH * h / max(w, 1e-9))  # floor: a stroke with no width
        if char == "\\":
            x = x + BACKSLASH_LEAN * (y - low[1])  # y down: lower points lie further right
        line = np.stack([x - x.min() + low[0], y], 1)
        return redraw(offsets, a, b, line, np.ptp(line[:, 0]) - w)
    if char == "~":
        wave = -0.5 * TILDE_WAVE * w * np.sin(2 * np.pi * (ink[:, 0] - low[0]) / max(w, 1e-9))  # y down: up first
        mid = ink[:, 1].mean()
        return redraw(offsets, a, b, np.stack([ink[:, 0], mid + TILDE_KEEP * (ink[:, 1] - mid) + wave], 1))
    if char == "^":
        flipped = ink * [1.0, -1.0] + [0.0, low[1] + high[1]]  # upside down in its box
        return redraw(offsets, a, b, low - [0.0, CARET_RISE * h] + (flipped - low) * CARET, -(1 - CARET) * w)
    if char == "*":
        k, top_left, room = STAR, low - [0.0, STAR_RISE * h], 0.0
    elif char == "_":
        before = points[max(0, a + 1 - LINE_BEFORE): a + 1, 1]
        line = np.percentile(before, LINE_SHARE) if len(before) else high[1] + 0.6 * w  # no ink before: a guess
        k, top_left, room = UNDERSCORE, np.array([low[0], line - UNDERSCORE * h]), (UNDERSCORE - 1) * w
    elif char == "\u00b0":
        k, top_left, room = DEGREE, low - [0.0, DEGREE_RISE * h], -(1 - DEGREE) * w
    else:  # %: its top left, with its foot on the o's line
        k, top_left, room = PERCENT_RING, np.array([low[0], high[1] - PERCENT_HEIGHT * h]), PERCENT_WIDTH * w - w
    return redraw(offsets, a, b, top_left + (ink - low) * k, room)


def at_ring(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """The ring of an @ round the a (ink (n, 2)): centred on it, AT_RADIUS of its larger side, open
    at its lower right."""
    low, high = ink.min(0), ink.max(0)
    r = AT_RADIUS * max(np.ptp(ink[:, 0]), np.ptp(ink[:, 1]))
    return [_arc((low + high) / 2, r, *AT_ARC, 2 * RING_POINTS)]


def reshaped_only(ink: np.ndarray, body: np.ndarray) -> list[np.ndarray]:
    """No strokes: a ° is its o alone, shrunk and lifted by `reshape`, an _ its hyphen, lowered, a <
    or > its v, turned, a | or \\ its l, squashed, a ^ its v, turned over, a ~ its hyphen, bent."""
    return []


MAKERS = {"$": dollar, "=": equals, "%": percent, "@": at_ring, "*": star, "£": pound, "€": euro, "#": hash_sign, "&": dollar, "[": bracket, "]": bracket, "\u00b0": reshaped_only,
          "_": reshaped_only, "<": reshaped_only, ">": reshaped_only, "|": reshaped_only, "\\": reshaped_only,
          "^": reshaped_only, "~": reshaped_only}
