"""Capitals the network draws wrong, written inside their word and finished there (`strokes.standins`
substitutes them; only a capital that begins a word).

The synthesis network (Graves 2013, section 5) writes some capitals wrong at a word's start, most
of all at a line's start, while it writes well a letter that is their stem or their shape. So the
network is given that letter in the capital's place, inside its word (drawn apart, a word's first
capital leaves the rest of the word worse: docs/capitals.md), and the capital is finished after
sampling from the letter's ink:

    capital  the network's own (surveys)      given         finished
    N, M     an M, a V; an N ("Vlairobi")     n, m          enlarged where it stands (`leg_bounds`)
    K        an l, an r, a C ("ling")         l             room, arms as one "<" stroke (`k_room`, `k_arms`)
    H        an l and a t ("lte", "tlow")     l             room, bar and second stem (`k_room`, `h_rest`)
    E        a t, a C ("tmma")                L             top and middle bars along the stem (`e_bars`)
    Z        a 2, a 7, a hook ("2oe")         7             room, its own bar kept, a level foot (`z_room`, `z_foot`)
    Y        a 1, a 4, an l ("lork")          V             squashed into arms, a stem (`y_fork`)
    G        a C, a 6, a ( ("Cold", "(o")     C             room, a spur in from its right (`c_bounds`, `g_room`, `g_spur`)
    F        a T, its bar a dash ("T-or")     F             a level bar from stem to dash (`bar_bounds`, `f_bar`)
    I        a bare stroke, an l ("lce")      I             room, bars across its top and foot (`k_room`, `i_bars`)

Inside a word written in one stroke, pen lifts do not separate the letters, and the window (eq. 46)
moves on to the next letter anywhere from the letter's last hump to that letter itself: so a
letter's ink is found from its shape (its legs, its stem), not from the window alone. By eye,
blind (README), of 24 lines each, better / worse: N 14 / 2, M 20 / 0, K 21 / 0, H 17 / 2, E 23 / 0,
Z 21 / 2, Y 20 / 1, G 19 / 0, F 14 / 0, I 24 / 0. Not in Graves.
"""
from __future__ import annotations

import numpy as np

from .acronyms import cut, window_peak
from .transforms import redraw

LEGS = {"N": 2, "M": 3}  # the n and m enlarged where they stand: the legs that end them
STROKE_POINTS = 6  # points along an added stroke (an F's bar; a 4's stem, a 5's bar in strokes.standins): about
                   # the network's own point rate over a capital's width (30-unit steps)
LEG = 0.5  # a leg of an n or m: a down-stroke falling at least this fraction of the height of its ink (by eye)
F_STEM = 0.6  # an F's stem: its first down-stroke falling at least this fraction of the height of its ink
F_BAND = (0.3, 0.7)  # an F's middle bar lies between these fractions of its stem's height below its top
F_REACH = 1.0  # ... and the ink that may be its bar, at most this many top-bar widths right of the stem
F_TOUCH = 0.12  # a bar closer to the stem than this fraction of the stem's height touches it: nothing added
F_BAR = (0.5, 0.6)  # where no ink may be a bar: one at this fraction of the stem, this many top-bar widths long
F_TOP = 0.2  # the top bar: ink within this fraction of the stem's height of its top
FLAT = 1.5  # a stroke at least this many times wider than tall is a bar the network drew itself
K_ARM = 0.5  # a K's arms reach this fraction of its stem's height right of it (by eye)
K_JOIN = 0.55  # ... and meet the stem this fraction of its height below its top (by eye)
Z_ROOM = 0.35  # the ink after a Z's 7 moves this fraction of its height right: room for the foot (by eye)
Z_FOOT = 0.4  # a Z's foot is as long as its top bar, and at least this fraction of its height
H_WIDTH = 0.5  # an H's second stem stands this fraction of its height right of the first (by eye)
H_BAR = 0.5  # ... and its bar this fraction of its height below its top
G_ARC = 0.6  # a G's C ends where its lower arc rises above this fraction of its height below its top
G_ROOM = 0.3  # ... and the ink after it moves this fraction of its height right: room for the spur (by eye)
G_BAR = (0.55, 0.3, 0.9)  # the spur: level at this fraction of the height, from this far left of the C's right edge,
                          # then down to this fraction of its height (by eye)
Y_FORK = 0.5  # a Y's arms are its V squashed to this fraction of its height about its top (by eye)
I_BAR = 0.4  # an I's bars, across the top and the foot of its stem, are this fraction of its height long (by eye)
E_TOP = 0.55  # an E's top bar reaches this fraction of its stem's height right of it (about its foot's reach, by eye)
E_MID = 0.5  # its middle bar leaves the stem this fraction of its height below its top
E_MID_BAR = 0.4  # ... and is this fraction of the stem's height long: short of the next letter, which its foot joins


def leg_bounds(offsets: np.ndarray, phi: np.ndarray, text: str, u: int, legs: int = 2) -> tuple[int, int]:
    """(a, b): the ink of the n (legs=2) or m (3) at position u of `text` (the first letter of its
    word, written into it) is offsets[a + 1 : b + 1], from the last pen lift before the window's peak
    reaches it to the foot of its last leg: its `legs`-th down-stroke that falls at least LEG of the
    height of the ink written before the window moves on (the window moves on anywhere from the
    letter's last hump to the letter after it, so it cannot end the letter itself), or the first pen
    lift after it or after ink tall enough to hold one (a shorter tick drawn apart before the letter
    is passed over), or the end."""
    peak = window_peak(phi)
    a = cut(offsets, peak, u)
    on = np.flatnonzero(peak > u)
    moved = max(int(on[0]) if len(on) else len(offsets) - 1, a + 2)
    y = np.cumsum(offsets[:, :2], axis=0)[:, 1]  # (T,) y grows downwards
    height = np.ptp(y[a + 1: moved + 1]) if moved > a else 0.0
    found, t, last = 0, a + 1, len(offsets) - 1
    while t < last:
        if offsets[t, 2] > 0.5:
            if found or np.ptp(y[a + 1: t + 1]) >= LEG * height:
                return a, t
            t += 1  # a tick too short to hold a leg, drawn apart before the letter: not its end
            continue
        start = t
        while t < last and y[t + 1] > y[t] and offsets[t, 2] < 0.5:
            t += 1
        if t > start and y[t] - y[start] >= LEG * height:
            found += 1
            if found == legs:
                return a, t
        t = max(t, start + 1)
    return a, last


def bar_bounds(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> tuple[int, int]:
    """(a, b): the ink of the F at position u of `text` (the first letter of its word) and of the
    letter after it is offsets[a + 1 : b + 1]: from the last pen lift before the window's peak reaches
    the F to the last step before it passes the next letter (the network may draw the F's bar as the
    lead-in of that letter)."""
    peak = window_peak(phi)
    past = np.flatnonzero(peak > u + 1)
    return cut(offsets, peak, u), (int(past[0]) - 1 if len(past) else len(offsets) - 1)


def f_bar(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (STROKE_POINTS, 2) of a middle bar for the F whose ink, with the letter after it,
    is offsets[a + 1 : b + 1] (`bar_bounds`; raw units, y down). The network often draws an F as a T
    and its bar as a dash apart from the stem, leading into the next letter ("T-or" for "For"). Its
    stem is the first down-stroke that falls at least F_STEM of that ink's height; the bar runs
    level from the stem to the leftmost ink right of it (within F_REACH top-bar widths) between
    F_BAND of the stem's height, or, where there is no such ink, at F_BAR[0] of the stem's height,
    F_BAR[1] top-bar widths long. None where that ink touches the stem already (within F_TOUCH of
    its height: the F has a bar), or no stem is found."""
    pts = np.cumsum(offsets[:, :2], axis=0)  # (T, 2)
    y, last = pts[:, 1], min(b, len(offsets) - 1)
    if last - a < 3:
        return None
    height, stem, t = np.ptp(y[a + 1: last + 1]), None, a + 1
    while t < last and stem is None:
        start = t
        while t < last and y[t + 1] > y[t] and offsets[t, 2] < 0.5:
            t += 1
        if y[t] - y[start] >= F_STEM * height > 0:
            stem = (start, t)
        t = max(t, start + 1)
    if stem is None:
        return None
    s, e = stem
    top, tall = y[s], y[e] - y[s]
    stem_x = lambda at: np.interp(at, y[s: e + 1], pts[s: e + 1, 0])  # noqa: E731  y rises strictly along it
    steps = np.arange(a + 1, last + 1)
    ink, others = pts[steps], (steps < s) | (steps > e)
    crown = ink[ink[:, 1] <= top + F_TOP * tall]
    width = max(crown[:, 0].max() - stem_x(top), 0.0) if len(crown) else 0.0
    width = width if width > 0 else 0.5 * tall  # no top bar right of the stem: about a capital's width
    near = ink[others & (ink[:, 1] >= top + F_BAND[0] * tall) & (ink[:, 1] <= top + F_BAND[1] * tall)]
    near = near[(near[:, 0] > stem_x(near[:, 1])) & (near[:, 0] <= stem_x(near[:, 1]) + F_REACH * width)]
    if len(near):
        end = near[near[:, 0].argmin()]
        if end[0] - stem_x(end[1]) < F_TOUCH * tall:
            return None
    else:
        level = top + F_BAR[0] * tall
        end = np.array([stem_x(level) + F_BAR[1] * width, level])
    s_ = np.linspace(0.0, 1.0, STROKE_POINTS)
    return np.stack([stem_x(end[1]) + s_ * (end[0] - stem_x(end[1])), np.full(STROKE_POINTS, end[1])], 1)


def stem_of(offsets: np.ndarray, a: int, b: int) -> tuple[int, int]:
    """(s, b): the down-stroke that ends at step b of offsets (T, 3), back to where it began
    (not before step a + 1)."""
    y = np.cumsum(offsets[:, :2], axis=0)[:, 1]
    s = b
    while s > a + 1 and y[s - 1] < y[s] and offsets[s - 1, 2] < 0.5:
        s -= 1
    return s, b


def stem_steps(offsets: np.ndarray, a: int, b: int) -> tuple[int, int] | None:
    """(s, b): the down-stroke that ends at step b of offsets (T, 3) (`stem_of`); None if the ink
    offsets[a + 1 : b + 1] is fewer than 3 points or that stroke fewer than 3."""
    if b - a < 3:
        return None
    s, e = stem_of(offsets, a, b)
    return (s, e) if e - s >= 2 else None


def stem_line(offsets: np.ndarray, a: int, b: int):
    """(top, height, x_at) of the down-stroke that ends at step b of offsets (T, 3) (`stem_steps`; raw
    units, y down): its top's y, its height, and x_at(y), its x at a height (y rises strictly along
    it). None where `stem_steps` finds none."""
    found = stem_steps(offsets, a, b)
    if found is None:
        return None
    s, e = found
    pts = np.cumsum(offsets[:, :2], axis=0)
    y = pts[s: e + 1, 1]
    return y[0], y[-1] - y[0], lambda at: np.interp(at, y, pts[s: e + 1, 0])


def k_room(offsets: np.ndarray, phi: np.ndarray, text: str, u: int, share: float = K_ARM) -> np.ndarray:
    """A copy of offsets (T, 3) with room for the arms of the K whose stem is the l at position u of
    `text` (`leg_bounds` with one leg): the pen lifted at the foot of the l, and the ink after it
    moved right by `share` of the l's height (the l's join into the next letter is left out)."""
    a, b = leg_bounds(offsets, phi, text, u, legs=1)
    return room_after(offsets, a, b, b + 1, share)


def z_room(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> np.ndarray:
    """A copy of offsets (T, 3) with room for the foot of the Z whose 7 is at position u of `text`:
    as `k_room`, by Z_ROOM of its height, except that the stroke after the 7's foot keeps its place
    where it is the 7's own bar (the network draws it after the stem: a flat stroke, FLAT times
    wider than tall, reaching left of the 7's right edge), so that the Z is crossed as many people
    cross it."""
    a, b = leg_bounds(offsets, phi, text, u, legs=1)
    start = b + 1
    if b - a >= 3 and offsets[b, 2] > 0.5:
        lifts = np.flatnonzero(offsets[b + 1:, 2] > 0.5)
        c = b + 1 + int(lifts[0]) if len(lifts) else len(offsets) - 1
        pts = np.cumsum(offsets[:, :2], axis=0)
        bar = pts[b + 1: c + 1]
        if c > b + 1 and np.ptp(bar[:, 0]) >= FLAT * np.ptp(bar[:, 1]) and bar[:, 0].min() < pts[a + 1: b + 1, 0].max():
            start = c + 1
    return room_after(offsets, a, b, start, Z_ROOM)


def room_after(offsets: np.ndarray, a: int, b: int, start: int, share: float) -> np.ndarray:
    """A copy of offsets (T, 3) with the pen lifted at step b and the ink from step `start` on moved
    right by `share` of the height of the ink offsets[a + 1 : b + 1]; unchanged if that ink is
    fewer than 3 points or nothing follows."""
    out = np.array(offsets, dtype=np.float64, copy=True)
    if b - a < 3 or start >= len(out):
        return out
    y = np.cumsum(out[:, :2], axis=0)[:, 1]
    out[b, 2] = 1.0
    out[start, 0] += share * np.ptp(y[a + 1: b + 1])
    return out


def k_arms(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (2 * STROKE_POINTS - 1, 2) of a K's arms for the l whose ink is offsets[a + 1 : b + 1]
    (raw units, y down): one stroke from K_ARM of its stem's height right of the stem's top, in to
    the stem K_JOIN of the way down, and out again to as far right of its foot. None if that ink is
    fewer than 3 points or holds no down-stroke."""
    found = stem_line(offsets, a, b)
    if found is None:
        return None
    top, tall, stem_x = found
    join = top + K_JOIN * tall
    corners = np.array([[stem_x(top) + K_ARM * tall, top], [stem_x(join), join], [stem_x(top + tall) + K_ARM * tall, top + tall]])
    t = np.linspace(0.0, 1.0, STROKE_POINTS)[:, None]
    upper = corners[0] + t * (corners[1] - corners[0])
    lower = corners[1] + t[1:] * (corners[2] - corners[1])
    return np.concatenate([upper, lower])


def e_bars(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (3 * STROKE_POINTS - 2, 2) of the bars that make an E of the L whose stem ends at
    step b of offsets (`leg_bounds` with one leg; raw units, y down), the L's foot being the E's:
    one stroke from E_TOP of the stem's height right of its top, in to its top, down along it to
    E_MID of its height, and out again E_MID_BAR of its height. None if that ink is fewer than 3
    points or holds no down-stroke."""
    found = stem_line(offsets, a, b)
    if found is None:
        return None
    top, tall, stem_x = found
    mid = top + E_MID * tall
    t = np.linspace(0.0, 1.0, STROKE_POINTS)
    down = top + t[1:] * (mid - top)
    return np.concatenate([
        np.stack([stem_x(top) + (1 - t) * E_TOP * tall, np.full(STROKE_POINTS, top)], 1),  # the top bar, leftwards
        np.stack([stem_x(down), down], 1),  # down the stem
        np.stack([stem_x(mid) + t[1:] * E_MID_BAR * tall, np.full(STROKE_POINTS - 1, mid)], 1)])  # the middle bar


def z_foot(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (STROKE_POINTS, 2) of the foot that makes a Z of the 7 whose stem ends at step b of
    offsets (`leg_bounds` with one leg; raw units, y down): level, from the stem's foot to the
    right, as long as the 7's top bar (the ink before its stem), and at least Z_FOOT of its height.
    None if that ink is fewer than 3 points or holds no down-stroke."""
    found = stem_steps(offsets, a, b)
    if found is None:
        return None
    s, e = found
    pts = np.cumsum(offsets[:, :2], axis=0)
    ink = pts[a + 1: e + 1]
    tall = pts[e, 1] - ink[:, 1].min()
    lifts = np.flatnonzero(offsets[a + 1: s, 2] > 0.5)
    bar = pts[a + 2 + (int(lifts[-1]) if len(lifts) else -1): s + 1]  # the top bar: its stroke up to the stem
    length = max(pts[s, 0] - bar[:, 0].min(), Z_FOOT * tall)
    t = np.linspace(0.0, 1.0, STROKE_POINTS)[:, None]
    return pts[e] + t * np.array([length, 0.0])


def y_fork(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> tuple[np.ndarray, np.ndarray | None]:
    """offsets (T, 3) with the V at position u of `text` (the first letter of its word) made the arms
    of a Y, and the points (STROKE_POINTS, 2) of its stem (raw units, y down), or None where no V is
    found. The V's ink runs from the last pen lift before the window reaches it through the foot of
    its first leg (`leg_bounds`) to the top of the up-stroke after it; it is squashed about its top
    to Y_FORK of its height (the ink after it keeps its place: the V's join into the next letter
    leaves from its top, which stays), and the stem runs from the squashed V's point down to the
    line the V stood on, along the V's slant (from its point to the middle of its two tops)."""
    a, b = leg_bounds(offsets, phi, text, u, legs=1)
    y = np.cumsum(offsets[:, :2], axis=0)[:, 1]
    r = b
    while r + 1 < len(offsets) and y[r + 1] < y[r] and offsets[r, 2] < 0.5:
        r += 1
    if b - a < 3 or r - b < 2:
        return np.array(offsets, dtype=np.float64, copy=True), None
    ink = np.cumsum(offsets[:, :2], axis=0)[a + 1: r + 1]  # (n, 2)
    top = ink[:, 1].min()
    squashed = np.stack([ink[:, 0], top + (ink[:, 1] - top) * Y_FORK], 1)
    point, bottom = squashed[b - a - 1], ink[b - a - 1, 1]
    tops_x = (ink[0, 0] + ink[-1, 0]) / 2
    slant = (tops_x - point[0]) / (point[1] - top) if point[1] > top else 0.0  # x per unit of rise
    ys = np.linspace(point[1], bottom, STROKE_POINTS)
    return redraw(offsets, a, r, squashed), np.stack([point[0] - slant * (ys - point[1]), ys], 1)


def h_rest(offsets: np.ndarray, a: int, b: int) -> np.ndarray | None:
    """The points (3 * STROKE_POINTS - 2, 2) of the bar and second stem that make an H of the l whose
    stem ends at step b of offsets (`leg_bounds` with one leg; raw units, y down): one stroke from
    the stem H_BAR of its height down, level to H_WIDTH of its height right of it, up to the height
    of its top and down, parallel to it, to its foot. None if that ink is fewer than 3 points or
    holds no down-stroke."""
    found = stem_line(offsets, a, b)
    if found is None:
        return None
    top, tall, stem_x = found
    bar, width = top + H_BAR * tall, H_WIDTH * tall
    t = np.linspace(0.0, 1.0, STROKE_POINTS)
    up, down = bar + t[1:] * (top - bar), top + t[1:] * tall
    return np.concatenate([
        np.stack([stem_x(bar) + t * width, np.full(STROKE_POINTS, bar)], 1),  # the bar, rightwards
        np.stack([stem_x(up) + width, up], 1),  # up the second stem's upper half
        np.stack([stem_x(down) + width, down], 1)])  # and down the whole of it


def c_bounds(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> tuple[int, int]:
    """(a, r): the C at position u of `text` (a G's stand-in, the first letter of its word) is
    offsets[a + 1 : r + 1]: from the last pen lift before the window reaches it, down its left side
    (its first down-stroke, `leg_bounds` with one leg) and along its lower arc until the ink rises
    above G_ARC of its height (into the next letter) or the pen lifts."""
    a, b = leg_bounds(offsets, phi, text, u, legs=1)
    y = np.cumsum(offsets[:, :2], axis=0)[:, 1]
    if b - a < 3:
        return a, b
    top = y[a + 1: b + 1].min()
    r = b
    while r + 1 < len(offsets) and offsets[r, 2] < 0.5 and y[r + 1] >= top + G_ARC * (y[b] - top):
        r += 1
    return a, r


def g_room(offsets: np.ndarray, phi: np.ndarray, text: str, u: int) -> np.ndarray:
    """A copy of offsets (T, 3) with room for a G's spur after the C at position u of `text`
    (`c_bounds`): the pen lifted where its lower arc ends, the ink after it moved right by G_ROOM
    of the C's height."""
    a, r = c_bounds(offsets, phi, text, u)
    return room_after(offsets, a, r, r + 1, G_ROOM)


def g_spur(offsets: np.ndarray, a: int, r: int) -> np.ndarray | None:
    """The points (2 * STROKE_POINTS - 1, 2) of the spur that makes a G of the C whose ink is
    offsets[a + 1 : r + 1] (`c_bounds`; raw units, y down): one stroke, level at G_BAR[0] of its
    height from G_BAR[1] of its height left of its right edge to that edge, then down to G_BAR[2]
    of its height. None if that ink is fewer than 3 points."""
    if r - a < 3:
        return None
    ink = np.cumsum(offsets[:, :2], axis=0)[a + 1: r + 1]
    top, tall, right = ink[:, 1].min(), np.ptp(ink[:, 1]), ink[:, 0].max()
    level, t = top + G_BAR[0] * tall, np.linspace(0.0, 1.0, STROKE_POINTS)
    bar = np.stack([right - (1 - t) * G_BAR[1] * tall, np.full(STROKE_POINTS, level)], 1)
    down = np.stack([np.full(STROKE_POINTS - 1, right), level + t[1:] * (G_BAR[2] - G_BAR[0]) * tall], 1)
    return np.concatenate([bar, down])


def i_bars(offsets: np.ndarray, a: int, b: int) -> list[np.ndarray] | None:
    """The two strokes (STROKE_POINTS, 2) that make a printed I of the network's I whose stem ends at
    step b of offsets (`leg_bounds` with one leg; raw units, y down): level bars I_BAR of its height
    long, centred on the stem, across its top and its foot. None if that ink is fewer than 3 points
    or holds no down-stroke."""
    found = stem_line(offsets, a, b)
    if found is None:
        return None
    top, tall, stem_x = found
    half = 0.5 * I_BAR * tall * np.linspace(-1.0, 1.0, STROKE_POINTS)
    return [np.stack([stem_x(y) + half, np.full(STROKE_POINTS, y)], 1) for y in (top, top + tall)]
