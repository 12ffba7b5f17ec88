"""Symbols drawn from stand-ins (strokes.symbols, through strokes.standins), on hand-made ink."""
import numpy as np
import pytest

from strokes.standins import add_strokes, ink_bounds, substitute
from strokes.symbols import (AT_RADIUS, AT_ARC, BACKSLASH_LEAN, BRACKET_BAR, CARET, CARET_RISE, DEGREE, DEGREE_RISE,
                             DOLLAR_REACH, EQUALS_GAP, EURO_BARS, EURO_REACH, HASH_LEAN, LINE_POINTS, PERCENT_HEIGHT,
                             PERCENT_RING, PERCENT_WIDTH, PIPE_DROP, PIPE_WIDTH, POUND_BAR, STAR, STAR_REACH, STAR_RISE,
                             SYMBOLS, TILDE_KEEP, TILDE_WAVE, UNDERSCORE, dollar, equals, euro, hash_sign, pound, reshape)
from strokes.transforms import offsets_to_points, points_to_offsets


def stroke(*corners, per=5):
    """One stroke through `corners` ((x, y) pairs, y down), the pen lifted at its end: (n, 3)."""
    pts = np.concatenate([np.linspace(p, q, per, endpoint=False) for p, q in zip(corners[:-1], corners[1:])]
                         + [np.array([corners[-1]])])
    return np.concatenate([pts, np.eye(1, len(pts), len(pts) - 1).T], 1)


def circle(cx, cy, r, n=16):
    t = np.linspace(0, 2 * np.pi, n)
    pts = np.stack([cx + r * np.cos(t), cy + r * np.sin(t), np.zeros(n)], 1)
    pts[-1, 2] = 1
    return pts


def line_of(*pieces):
    """Offsets (T, 3) of the pieces one after another, and a window (T, U + 1) that reads piece i at
    position 2 i of a text with a space between pieces."""
    points = np.concatenate(pieces)
    phi = np.eye(2 * len(pieces))[np.repeat(np.arange(len(pieces)) * 2, [len(p) for p in pieces])]
    return points_to_offsets(points), phi, points[0]


def absolute(offsets, first):
    return offsets_to_points(offsets, origin=first[:2])[:, :2]


class Finished:
    """`add_strokes` run on the pieces' line with `char` marked on piece `at`: the offsets before
    (`offsets`) and after (`out`), their points (`old`, `pts`, absolute as the pieces were given),
    the stand-in's ink bounds (`lo`, `hi`) and the strokes added after the line (`added`)."""

    def __init__(self, char, *pieces, at=0):
        self.offsets, phi, first = line_of(*pieces)
        text = " ".join("a" * len(pieces))
        self.lo, self.hi = ink_bounds(self.offsets, phi, text, 2 * at)
        self.out, phi2 = add_strokes(self.offsets, phi, text, {2 * at: char})
        assert len(phi2) == len(self.out)
        self.old, self.pts = absolute(self.offsets, first), absolute(self.out, first)
        self.ink = self.pts[self.lo + 1: self.hi + 1]  # the stand-in, reshaped
        self.rest = self.pts[self.hi + 1: len(self.offsets)]  # the line's ink after it
        self.added = self.pts[len(self.offsets):]


@pytest.mark.parametrize("text, network, runs, marks", [
    ("a@b.com", "a a b.com", [[0, 2, 4]], {2: "@"}),
    ("$5 or 20%", "S 5 or 20 o", [[0, 2], [8, 10]], {0: "$", 2: "5", 10: "%"}),
    ("x = 2", "x - 2", [], {2: "="}),
    ("\u00a35 or \u20ac9", "L 5 or C 9", [[0, 2], [7, 9]], {0: "\u00a3", 2: "5", 7: "\u20ac"}),
    ("a | b", "a l b", [], {2: "|"}),
    ("x^2 or ~3", "x v 2 or - 3", [[0, 2, 4], [9, 11]], {2: "^", 9: "~"}),
    ("C:\\temp", "C: l temp", [[1, 3, 5]], {3: "\\"}),
])
def test_symbols_are_given_to_the_network_as_their_stand_ins(text, network, runs, marks):
    assert substitute(text) == (network, runs, marks)
    assert all(network[u] == SYMBOLS[c] for u, c in marks.items() if c in SYMBOLS)


def test_a_dollar_is_an_s_struck_through_from_above_to_below():
    s = stroke((20, -30), (0, -25), (20, -5), (0, 0))  # 30 high, 20 wide
    new, = dollar(s[:, :2], s[:, :2])
    np.testing.assert_allclose(new[:, 0], 10)  # upright, through the middle
    np.testing.assert_allclose(new[[0, -1], 1], [-30 - DOLLAR_REACH * 30, DOLLAR_REACH * 30])


def test_an_equals_sign_is_the_hyphen_and_a_copy_of_it_above():
    hyphen = stroke((0, -10), (20, -11))[:, :2]
    new, = equals(hyphen, hyphen)
    np.testing.assert_allclose(new, hyphen + [0, -EQUALS_GAP * 20])


def test_an_at_sign_makes_room_for_its_ring_round_the_a():
    before, a, after = stroke((-30, -10), (-20, 0)), circle(10, -5, 5), stroke((25, -10), (35, 0))
    f = Finished("@", before, a, after, at=1)
    (w, h), low = np.ptp(a[:, :2], 0), a[:, :2].min(0)
    side = AT_RADIUS * max(w, h) - w / 2  # the ring reaches this far beyond the a on each side
    np.testing.assert_allclose(f.pts[: f.lo + 1], f.old[: f.lo + 1])  # the ink before stays
    np.testing.assert_allclose(f.ink, f.old[f.lo + 1: f.hi + 1] + [side, 0])
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] + [2 * side, 0])
    centre = low + [w / 2 + side, h / 2]
    np.testing.assert_allclose(np.hypot(*(f.added - centre).T), AT_RADIUS * max(w, h))  # a ring round the a
    angles = np.arctan2(*(f.added - centre)[:, ::-1].T)
    np.testing.assert_allclose(angles[[0, -1]] % (2 * np.pi), np.array(AT_ARC) % (2 * np.pi), atol=1e-9)
    assert f.added[:, 0].min() > f.pts[: f.lo + 1, 0].max() and f.added[:, 0].max() < f.rest[:, 0].min()  # clear of both


def test_a_percent_is_its_o_shrunk_to_the_top_left_a_copy_at_the_foot_and_a_slash():
    o, after = circle(10, -10, 10, n=17), stroke((40, -10), (50, 0))  # an o 20 across on the line y = 0
    f = Finished("%", o, after)
    np.testing.assert_allclose(np.ptp(f.ink, 0), PERCENT_RING * 20, atol=1e-9)
    np.testing.assert_allclose(f.ink.min(0), [0, -PERCENT_HEIGHT * 20], atol=1e-9)  # at the top left of the %
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] + [(PERCENT_WIDTH - 1) * 20, 0], atol=1e-9)  # room on its right
    copy, slash = f.added[: len(o)], f.added[len(o):]
    assert len(slash) == LINE_POINTS
    np.testing.assert_allclose(copy.max(0), [PERCENT_WIDTH * 20, 0], atol=1e-9)  # the second ring at the foot, on the line
    np.testing.assert_allclose(copy - copy[0], f.ink - f.ink[0], atol=1e-9)  # the same ring
    assert slash[0, 1] == pytest.approx(0, abs=1e-9) and slash[-1, 1] == pytest.approx(-PERCENT_HEIGHT * 20)  # the full height
    assert slash[0, 0] < slash[-1, 0]  # leaning right
    np.testing.assert_array_equal(reshape("$", f.offsets, f.lo, f.hi), f.offsets)  # other symbols: no reshaping


def test_an_asterisk_is_a_smaller_raised_x_struck_upright():
    x = np.concatenate([stroke((0, -10), (10, 0)), stroke((10, -10), (0, 0))])  # an x 10 high on y = 0
    f = Finished("*", x, stroke((30, -10), (40, 0)))
    np.testing.assert_allclose(np.ptp(f.ink, 0), STAR * 10, atol=1e-9)
    np.testing.assert_allclose(f.ink.min(0), [0, -10 - STAR_RISE * 10], atol=1e-9)  # its top left lifted
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:], atol=1e-9)  # the rest keeps its place
    np.testing.assert_allclose(f.added[:, 0], STAR * 5, atol=1e-9)  # upright through the middle
    top, bottom = f.ink[:, 1].min(), f.ink[:, 1].max()
    np.testing.assert_allclose(f.added[[0, -1], 1], [top - STAR_REACH * STAR * 10, bottom + STAR_REACH * STAR * 10])


def test_a_pound_sign_is_an_l_with_a_hook_over_its_stem_and_a_bar_across_it():
    ell = stroke((0, -30), (0, 0), (20, 0))[:, :2]  # an upright L, 30 high, foot 20 wide
    hook, bar = pound(ell, ell)
    np.testing.assert_allclose(hook[0], [0, -30])  # from the top of the stem
    assert hook[-1, 0] > hook[0, 0] and hook[:, 1].min() < -30  # over to the right
    at, left, right = POUND_BAR
    np.testing.assert_allclose(bar[[0, -1], 0], [left * 20, right * 20])  # across the stem at x = 0
    assert bar[0, 1] == pytest.approx(-30 + at * 30)


def test_a_euro_sign_is_a_c_with_two_bars_across_it():
    c = np.stack([10 + 10 * np.cos(np.linspace(0.5, 2 * np.pi - 0.5, 20)),
                  -10 + 10 * np.sin(np.linspace(0.5, 2 * np.pi - 0.5, 20))], 1)
    bars = euro(c, c)
    low, (w, h) = c.min(0), np.ptp(c, 0)
    assert len(bars) == len(EURO_BARS)
    for bar, at in zip(bars, EURO_BARS):
        np.testing.assert_allclose(bar[:, 1], low[1] + at * h)  # flat
        np.testing.assert_allclose(bar[[0, -1], 0], low[0] + np.array(EURO_REACH) * w)  # from left of the C into it


def test_a_degree_sign_is_its_o_shrunk_and_lifted_with_the_rest_closed_up():
    f = Finished("\u00b0", circle(10, -10, 10, n=17), stroke((40, -10), (50, 0)))  # an o 20 across on y = 0
    assert len(f.added) == 0  # no stroke added
    np.testing.assert_allclose(np.ptp(f.ink, 0), DEGREE * 20, atol=1e-9)
    np.testing.assert_allclose(f.ink.min(0), [0, -20 - DEGREE_RISE * 20], atol=1e-9)  # high on the line
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] - [(1 - DEGREE) * 20, 0], atol=1e-9)  # closed up


def test_an_underscore_is_the_hyphen_lengthened_and_lowered_onto_the_line_before_it():
    word = np.concatenate([stroke((-40, -10), (-40, 0)), stroke((-38, 0), (-20, 0), per=12)])  # ink on y = 0
    f = Finished("_", word, stroke((0, -5), (10, -5)), stroke((30, -10), (40, 0)), at=1)
    assert len(f.added) == 0  # no stroke added: the hyphen itself moves
    np.testing.assert_allclose(f.ink[:, 1], 0, atol=1e-9)  # on the line of the letters before it
    np.testing.assert_allclose([f.ink[:, 0].min(), np.ptp(f.ink[:, 0])], [0, UNDERSCORE * 10], atol=1e-9)
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] + [(UNDERSCORE - 1) * 10, 0], atol=1e-9)  # room after


@pytest.mark.parametrize("char, point", [("<", "left"), (">", "right")])
def test_angle_brackets_are_a_v_turned_on_its_side(char, point):
    v = stroke((0, -10), (5, 0), (10, -10))  # a v, its point at the bottom middle
    f = Finished(char, v, stroke((30, -10), (40, 0)))
    tip = f.ink[np.argmin(f.ink[:, 0]) if point == "left" else np.argmax(f.ink[:, 0])]
    np.testing.assert_allclose(tip, f.ink[len(v) // 2], atol=1e-9)  # the v's point is now at the side
    np.testing.assert_allclose(tip[1], -5, atol=1e-9)  # at mid-height
    np.testing.assert_allclose(f.ink[:, 0].min(), 0, atol=1e-9)  # its left edge kept
    np.testing.assert_allclose(np.ptp(f.ink, 0), [10, 10], atol=1e-9)  # turned, not stretched
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:], atol=1e-9)  # as wide as tall: the rest stays


def test_a_hash_is_an_equals_sign_crossed_by_two_leaning_strokes():
    hyphen = stroke((0, -10), (30, -10))[:, :2]
    upper, left, right = hash_sign(hyphen, hyphen)
    np.testing.assert_allclose(upper, hyphen + [0, -EQUALS_GAP * 30])  # the = of it
    gap = EQUALS_GAP * 30
    for cross, x in ((left, 10), (right, 20)):
        assert cross[:, 1].max() > -10 and cross[:, 1].min() < -10 - gap  # across both bars
        assert cross[-1, 0] > cross[0, 0]  # leaning right as it rises
        t = (cross[0, 1] - (-10)) / (cross[0, 1] - cross[-1, 1])  # where it crosses the lower bar
        assert cross[0, 0] + t * (cross[-1, 0] - cross[0, 0]) == pytest.approx(x - HASH_LEAN * gap + t * 2 * HASH_LEAN * gap)


def test_an_ampersand_is_a_3_mirrored_and_struck_upright():
    three = stroke((0, -20), (10, -15), (2, -10), (10, -5), (0, 0))  # a 3, opening left, 20 high
    f = Finished("&", three, stroke((30, -10), (40, 0)))
    np.testing.assert_allclose(f.ink, f.old[f.lo + 1: f.hi + 1] * [-1, 1] + [10, 0], atol=1e-9)  # mirrored in its box
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:], atol=1e-9)  # the rest keeps its place
    np.testing.assert_allclose(f.added[:, 0], 5, atol=1e-9)  # upright through its middle
    assert f.added[:, 1].min() < -20 and f.added[:, 1].max() > 0  # beyond its top and bottom


@pytest.mark.parametrize("char", ["[", "]"])
def test_brackets_are_an_l_given_a_top_bar_mirrored_for_the_closing_one(char):
    ell = stroke((0, -20), (0, 4), (8, 4))  # an L, 24 tall, its foot 8 long, reaching below the line
    f = Finished(char, ell, stroke((30, -10), (40, 0)))
    flip = char == "]"
    np.testing.assert_allclose(f.ink, f.old[: len(ell)] * [-1, 1] + [8, 0] if flip else f.old[: len(ell)], atol=1e-9)
    stem_x = 8 if flip else 0
    np.testing.assert_allclose(f.added[0], [stem_x, -20], atol=1e-9)  # from the top of the stem
    np.testing.assert_allclose(f.added[:, 1], -20, atol=1e-9)  # flat
    np.testing.assert_allclose(f.added[-1, 0], stem_x + (-1 if flip else 1) * BRACKET_BAR * 8, atol=1e-9)  # toward the foot


@pytest.mark.parametrize("char", ["|", "\\"])
def test_a_bar_or_backslash_is_the_l_squashed_to_a_line_and_lengthened_below_it(char):
    ell = stroke((0, 0), (8, -20), (12, -28), (6, -26), (4, 0))  # a looped l, 12 wide, 28 tall, its foot on y = 0
    f = Finished(char, ell, stroke((30, -10), (40, 0)))
    h, width = 28, PIPE_WIDTH * 28  # squashed to PIPE_WIDTH of its height across
    np.testing.assert_allclose([f.ink[:, 1].min(), f.ink[:, 1].max()], [-h, PIPE_DROP * h], atol=1e-9)  # top kept, foot lower
    np.testing.assert_allclose(f.ink[:, 0].min(), 0, atol=1e-9)  # its left edge kept
    top, foot = f.ink[10], f.ink[0]  # the loop's top (12, -28) and the first foot (0, 0)
    lean = 0.0 if char == "|" else BACKSLASH_LEAN * (1 + PIPE_DROP) * h  # a \ leans back: its foot right of its top
    assert foot[0] - top[0] == pytest.approx(lean - width)  # the l's 12 across squashed to `width`
    assert lean - width <= np.ptp(f.ink[:, 0]) <= lean + width
    assert char != "|" or np.ptp(f.ink[:, 0]) == pytest.approx(width)  # upright: just the squashed width
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] + [np.ptp(f.ink[:, 0]) - 12, 0], atol=1e-9)  # closed up or moved on
    assert len(f.added) == 0


def test_a_caret_is_the_v_upside_down_smaller_and_raised():
    v = stroke((0, -10), (5, 0), (10, -10))  # a v 10 across and tall, its point at the bottom middle, on y = 0
    f = Finished("^", v, stroke((30, -10), (40, 0)))
    top = -10 - CARET_RISE * 10
    np.testing.assert_allclose(f.ink[len(v) // 2], [CARET * 5, top], atol=1e-9)  # the point, now on top
    np.testing.assert_allclose(f.ink[[0, -1]], [[0, top + CARET * 10], [CARET * 10, top + CARET * 10]], atol=1e-9)
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:] - [(1 - CARET) * 10, 0], atol=1e-9)  # closed up
    assert len(f.added) == 0


def test_a_tilde_is_the_hyphen_flattened_and_bent_into_one_wave_up_then_down():
    hyphen = stroke((0, -10), (20, -10), (24, -14), per=20)  # a hyphen 24 long with a hook up at its end
    f = Finished("~", hyphen, stroke((40, -10), (50, 0)))
    x = f.old[: len(hyphen), 0]
    np.testing.assert_allclose(f.ink[:, 0], x, atol=1e-9)  # along the hyphen
    mid = f.old[: len(hyphen), 1].mean()
    wave = -0.5 * TILDE_WAVE * 24 * np.sin(2 * np.pi * x / 24)  # y down: up first
    np.testing.assert_allclose(f.ink[:, 1], mid + TILDE_KEEP * (f.old[: len(hyphen), 1] - mid) + wave, atol=1e-9)
    assert f.ink[x <= 12, 1].min() < mid - 0.4 * TILDE_WAVE * 24 and f.ink[(x > 12) & (x < 20), 1].max() > mid + 0.4 * TILDE_WAVE * 24
    np.testing.assert_allclose(f.rest, f.old[f.hi + 1:], atol=1e-9)  # as long as before: the rest stays
    assert len(f.added) == 0

