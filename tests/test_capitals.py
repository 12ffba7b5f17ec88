"""Capitals finished inside their word (strokes.capitals): the tall n and m for N and M, the F's bar,
on hand-made ink."""
import numpy as np
import pytest

from strokes.capitals import (E_MID, E_MID_BAR, E_TOP, F_BAR, F_TOUCH, G_BAR, G_ROOM, H_BAR, H_WIDTH, I_BAR, K_ARM,
                              K_JOIN, Y_FORK, Z_FOOT, Z_ROOM, bar_bounds, c_bounds, e_bars, f_bar, g_spur, h_rest, i_bars,
                              k_arms, k_room, leg_bounds, y_fork, z_foot, z_room)
from strokes.standins import CAPITAL_SCALE, STROKE_POINTS, add_strokes, resize_all
from strokes.transforms import points_to_offsets
from test_standins import at, circle


def path(*corners, n=4):
    """One stroke through `corners` (x, y; y down), n points per segment, the pen lifted at its end."""
    pts = [corners[0]] + [np.array(b) * s + np.array(a) * (1 - s) for a, b in zip(corners, corners[1:])
                          for s in np.linspace(0, 1, n + 1)[1:]]
    out = np.concatenate([np.array(pts, dtype=float), np.zeros((len(pts), 1))], 1)
    out[-1, 2] = 1
    return out


N_INK = [(0, 0), (3, -10), (3, 0), (6, -10), (9, -10), (9, 0)]  # a lead-in and two legs, x-height 10 on y = 0
M_INK = [(0, 0), (3, -10), (3, 0), (6, -10), (9, -10), (9, 0), (12, -10), (15, -10), (15, 0)]  # three legs
E_INK = [(18, -6), (22, -6), (19, -10), (17, -3), (21, 0)]  # the connector into an e, and the e


@pytest.mark.parametrize("char, letter", [("N", N_INK), ("M", M_INK)])
@pytest.mark.parametrize("moves_on", ["at the first hump", "in the next letter"])
def test_the_n_or_m_ends_at_its_last_leg_wherever_the_window_moves_on(char, letter, moves_on):
    word = path(*letter, *E_INK)  # "ne" or "me" in one stroke
    leg_end = 4 * (len(letter) - 1)  # the last corner of the letter: the foot of its last leg
    before = path((-30, 0), (-20, -10))  # a word before it, apart
    offsets = points_to_offsets(np.concatenate([before, word]))
    on = len(before) + (10 if moves_on == "at the first hump" else leg_end + 4)  # the first step whose window peak is past it
    phi = np.eye(5)[np.r_[np.zeros(len(before)), np.full(on - len(before), 2), np.full(len(offsets) - on, 3)].astype(int)]
    text = "a ne" if char == "N" else "a me"
    a, b = leg_bounds(offsets, phi, text, 2, legs=2 if char == "N" else 3)
    assert (a, b) == (len(before) - 1, len(before) + leg_end)
    out = resize_all(offsets, phi, text, {2: char})
    pts, old = at(out, before[0]), at(offsets, before[0])
    np.testing.assert_allclose(pts[a + 1: b + 1], old[a + 1: b + 1] * CAPITAL_SCALE, atol=1e-9)  # about its lower left, (0, 0)
    np.testing.assert_allclose(pts[: a + 1], old[: a + 1], atol=1e-9)
    grew = (CAPITAL_SCALE - 1) * letter[-1][0]
    np.testing.assert_allclose(pts[b + 1:], old[b + 1:] + [grew, 0], atol=1e-9)  # the e moves right


def f_ink(dash):
    """An F drawn as the network draws it, with the letter after it ("o"), on the line y = 0, 20 high:
    a top bar, a stem, then `dash` (a stroke from its left end on, or None), then the o."""
    parts = [path((0, -20), (10, -20)), path((1, -20), (1, 0))]
    if dash is not None:
        parts.append(path(*dash))
    parts.append(circle(16, -5, 4))
    return points_to_offsets(np.concatenate(parts))


@pytest.mark.parametrize("dash, bar", [
    (((5, -10), (8, -10), (11, -7)), ((1, -10), (5, -10))),  # "T-o": the dash apart from the stem: joined to it
    (((1 + F_TOUCH * 10, -11), (7, -11)), None),  # the F's own bar, touching its stem: nothing added
    (None, ((1, -20 + 20 * F_BAR[0]), (1 + 9 * F_BAR[1], -20 + 20 * F_BAR[0]))),  # a T: a bar of its own
])
def test_an_fs_bar_joins_its_stem_to_the_dash_the_network_drew_apart(dash, bar):
    offsets = f_ink(dash)
    start = np.array([0.0, -20.0])
    got = f_bar(offsets, -1, len(offsets) - 1)
    if bar is None:
        assert got is None
        return
    got = got + start  # points_to_offsets keeps positions relative to the first point
    assert got.shape == (STROKE_POINTS, 2)
    np.testing.assert_allclose(got[[0, -1]], bar, atol=1e-9)
    assert np.ptp(got[:, 1]) == 0  # level


def test_an_fs_ink_runs_to_where_the_window_passes_the_letter_after_it():
    offsets = f_ink(((5, -10), (8, -10), (11, -7)))
    n = len(offsets)
    phi = np.eye(5)[np.r_[np.zeros(12), np.ones(n - 16), np.full(4, 3)].astype(int)]  # "Fo c": F, o, then past it
    assert bar_bounds(offsets, phi, "Fo c", 0) == (-1, n - 5)
    out, phi2 = add_strokes(offsets, phi, "Fo c", {0: "F"})
    assert len(out) == n + STROKE_POINTS and len(phi2) == len(out)
    np.testing.assert_array_equal(out[:n, :2], offsets[:, :2])  # the network's ink keeps its place


def test_a_k_is_the_networks_l_given_room_and_arms():
    # "li" in one stroke, the l 20 high on the line y = 0: a lead-in up, the stem down, the join into an i
    word = path((0, 0), (4, -20), (2, 0), (6, -8), (6, 0))
    foot = 2 * 4  # the second corner after the start: the foot of the stem
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(foot + 2), np.ones(len(word) - foot - 2)].astype(int)]  # "li"
    assert leg_bounds(offsets, phi, "li", 0, legs=1) == (-1, foot)
    roomy = k_room(offsets, phi, "li", 0)
    pts, old = at(roomy, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[: foot + 1], old[: foot + 1], atol=1e-9)  # the l as drawn
    np.testing.assert_allclose(pts[foot + 1:], old[foot + 1:] + [K_ARM * 20, 0], atol=1e-9)  # the rest moved right
    assert roomy[foot, 2] == 1 and roomy[: foot, 2].sum() == 0  # the pen lifts at the foot: the join is not drawn
    out, _ = add_strokes(roomy, phi, "li", {0: "K"})
    arms = at(out, word[0])[len(word):]
    assert len(arms) == 2 * STROKE_POINTS - 1 and out[len(word) - 1, 2] == 1 and out[-1, 2] == 1
    stem_x = lambda y: 4 - 2 * (y + 20) / 20  # noqa: E731  the stem from (4, -20) down to (2, 0)
    join = -20 + K_JOIN * 20
    np.testing.assert_allclose(arms[[0, STROKE_POINTS - 1, -1]],
                               [[stem_x(-20) + K_ARM * 20, -20], [stem_x(join), join], [stem_x(0) + K_ARM * 20, 0]],
                               atol=1e-9)  # a "<" from the top right in to the stem and out to the foot's right
    assert k_arms(offsets, -1, 1) is None  # too little ink


def test_an_e_is_the_networks_l_given_a_top_and_a_middle_bar():
    # "Lm" in one stroke, the L 20 high on the line y = 0: the stem down, its foot right, up into an m
    word = path((1, -20), (0, 0), (8, 0), (10, -10), (10, 0))
    foot = 4  # the first corner after the start: the foot of the stem
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(foot + 6), np.ones(len(word) - foot - 6)].astype(int)]  # "Lm": the window
    assert leg_bounds(offsets, phi, "Lm", 0, legs=1) == (-1, foot)                        # moves on in the foot
    resized = resize_all(offsets, phi, "Lm", {0: "E"})
    np.testing.assert_allclose(resized, offsets)  # the L and its foot are the network's own, where they stand
    out, _ = add_strokes(offsets, phi, "Lm", {0: "E"})
    np.testing.assert_allclose(out[: len(word) - 1], offsets[: len(word) - 1])  # the network's steps keep their places
    bars = at(out, word[0])[len(word):]
    assert len(bars) == 3 * STROKE_POINTS - 2 and out[len(word) - 1, 2] == 1 and out[-1, 2] == 1  # one stroke, added
    stem_x = lambda y: 1 - (y + 20) / 20  # noqa: E731  the stem from (1, -20) down to (0, 0)
    mid = -20 + E_MID * 20
    np.testing.assert_allclose(bars[[0, STROKE_POINTS - 1, 2 * STROKE_POINTS - 2, -1]],
                               [[stem_x(-20) + E_TOP * 20, -20], [stem_x(-20), -20], [stem_x(mid), mid],
                                [stem_x(mid) + E_MID_BAR * 20, mid]], atol=1e-9)  # top bar in, down the stem, middle bar out
    np.testing.assert_allclose(bars[STROKE_POINTS: 2 * STROKE_POINTS - 1, 0], stem_x(bars[STROKE_POINTS: 2 * STROKE_POINTS - 1, 1]),
                               atol=1e-9)  # along the stem itself
    assert np.ptp(bars[:STROKE_POINTS, 1]) == 0 and np.ptp(bars[2 * STROKE_POINTS - 2:, 1]) == 0  # both bars level
    assert e_bars(offsets, -1, 1) is None  # too little ink
    assert e_bars(points_to_offsets(path((0, 0), (5, -1), (10, -3))), -1, 8) is None  # no down-stroke


def seven(bar: bool, tick: bool = False):
    """A 7 on the line y = 0, 20 high, with a top bar 8 wide: optionally a tick drawn apart before it and
    its own bar across the stem after it; then an o apart. Returns (points, foot, o_start)."""
    parts = [path((-6, -16), (-5, -18))] if tick else []  # a short tick, 2 high, apart
    parts.append(path((0, -20), (8, -20), (2, 0)))  # the top bar, the stem: its foot at the end
    foot = sum(map(len, parts)) - 1
    if bar:
        parts.append(path((1, -10), (9, -10), n=3))  # the 7's own bar, across the stem
    o_start = sum(map(len, parts))
    parts.append(path((14, -6), (18, -10), (20, -4), (16, 0), (14, -6), n=2))
    return np.concatenate(parts), foot, o_start


@pytest.mark.parametrize("bar", [True, False])
@pytest.mark.parametrize("tick", [True, False])
def test_a_z_is_the_networks_7_given_room_and_a_foot_its_own_bar_kept_across_it(bar, tick):
    word, foot, o_start = seven(bar, tick)
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(o_start), np.ones(len(word) - o_start)].astype(int)]  # "7o"
    assert leg_bounds(offsets, phi, "7o", 0, legs=1) == (-1, foot)  # a tick apart before it is not the 7
    roomy = z_room(offsets, phi, "7o", 0)
    pts, old = at(roomy, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[:o_start], old[:o_start], atol=1e-9)  # the 7, and its bar, where they stand
    np.testing.assert_allclose(pts[o_start:], old[o_start:] + [Z_ROOM * 20, 0], atol=1e-9)  # the o moved right
    out, _ = add_strokes(roomy, phi, "7o", {0: "Z"})
    np.testing.assert_allclose(out[: len(word) - 1], roomy[: len(word) - 1])  # the network's steps keep their places
    added = at(out, word[0])[len(word):]
    assert len(added) == STROKE_POINTS and out[-1, 2] == 1
    np.testing.assert_allclose(added[[0, -1]], [[2, 0], [2 + 8, 0]], atol=1e-9)  # from the foot, as long as the top bar
    assert np.ptp(added[:, 1]) == 0  # level


def test_a_zs_foot_is_at_least_z_foot_of_its_height_and_a_stroke_after_the_foot_that_is_no_bar_moves():
    word = path((6, -20), (7, -20), (2, 0))  # a 7 with hardly a top bar
    o = path((14, -6), (18, -10), (14, -2), n=2)  # an o's stroke after it, apart: not flat, so not the 7's bar
    both = np.concatenate([word, o])
    offsets = points_to_offsets(both)
    phi = np.eye(3)[np.r_[np.zeros(len(word)), np.ones(len(o))].astype(int)]
    a, b = leg_bounds(offsets, phi, "7o", 0, legs=1)
    foot = z_foot(offsets, a, b)
    np.testing.assert_allclose(foot[-1] - foot[0], [Z_FOOT * 20, 0], atol=1e-9)
    roomy = at(z_room(offsets, phi, "7o", 0), both[0])
    np.testing.assert_allclose(roomy[len(word):], o[:, :2] + [Z_ROOM * 20, 0], atol=1e-9)
    assert z_foot(offsets, -1, 1) is None  # too little ink


def test_a_y_is_the_networks_v_squashed_into_arms_and_given_a_stem_along_its_slant():
    # "Vo" in one stroke, the V 20 high on the line y = 0, slanted: down from (4, -20) to its point (2, 0),
    # up to (10, -20), then into an o
    word = path((4, -20), (2, 0), (10, -20), (14, -8), (18, -6), (14, -2))
    point, top_right = 4, 8  # the corners' steps
    offsets = points_to_offsets(word)
    o = point + 6  # the window moves on to the o on its way down from the V's second top
    phi = np.eye(3)[np.r_[np.zeros(o), np.ones(len(word) - o)].astype(int)]
    out, stem = y_fork(offsets, phi, "Vo", 0)
    pts, old = at(out, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[top_right + 1:], old[top_right + 1:], atol=1e-9)  # the rest where it stood
    np.testing.assert_allclose(pts[: top_right + 1, 0], old[: top_right + 1, 0], atol=1e-9)  # the V squashed
    np.testing.assert_allclose(pts[: top_right + 1, 1], -20 + (old[: top_right + 1, 1] + 20) * Y_FORK, atol=1e-9)
    np.testing.assert_allclose(out[:, 2], offsets[:, 2])  # no pen lifted or put down
    slant = ((4 + 10) / 2 - 2) / 10  # x per unit of rise: from the point to the middle of the two tops
    stem = stem + word[0, :2]  # raw units are offsets from the first point
    np.testing.assert_allclose(stem[[0, -1]], [[2, -10], [2 - slant * 10, 0]], atol=1e-9)  # down to the line
    assert len(stem) == STROKE_POINTS
    added, _ = add_strokes(offsets, phi, "Vo", {0: "Y"})  # the same, through the stand-ins' finishing
    np.testing.assert_allclose(at(added, word[0])[: len(word)], pts, atol=1e-9)
    np.testing.assert_allclose(at(added, word[0])[len(word):], stem, atol=1e-9)
    ell = points_to_offsets(path((0, 0), (2, -20), (1, 0), (6, 0)))  # no up-stroke after its leg: no V
    same, none = y_fork(ell, np.eye(2)[np.zeros(len(ell), dtype=int)], "l", 0)
    assert none is None and np.array_equal(same, ell)


def test_an_h_is_the_networks_l_given_room_a_bar_and_a_second_stem():
    # "le" in one stroke, the l 20 high on the line y = 0: a lead-in up, the stem down, the join into an e
    word = path((0, 0), (4, -20), (2, 0), (6, -8), (6, 0))
    foot = 2 * 4
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(foot + 2), np.ones(len(word) - foot - 2)].astype(int)]  # "le"
    roomy = resize_all(offsets, phi, "le", {0: "H"})
    pts, old = at(roomy, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[: foot + 1], old[: foot + 1], atol=1e-9)  # the l as drawn
    np.testing.assert_allclose(pts[foot + 1:], old[foot + 1:] + [H_WIDTH * 20, 0], atol=1e-9)  # the rest moved right
    assert roomy[foot, 2] == 1  # the l's join into the e is not drawn
    out, _ = add_strokes(roomy, phi, "le", {0: "H"})
    rest = at(out, word[0])[len(word):]
    assert len(rest) == 3 * STROKE_POINTS - 2 and out[-1, 2] == 1
    stem_x = lambda y: 4 - 2 * (y + 20) / 20  # noqa: E731  the stem from (4, -20) down to (2, 0)
    bar, width = -20 + H_BAR * 20, H_WIDTH * 20
    np.testing.assert_allclose(rest[[0, STROKE_POINTS - 1, 2 * STROKE_POINTS - 2, -1]],
                               [[stem_x(bar), bar], [stem_x(bar) + width, bar], [stem_x(-20) + width, -20],
                                [stem_x(0) + width, 0]], atol=1e-9)  # the bar out, up the second stem, down it
    second = rest[STROKE_POINTS - 1:]
    np.testing.assert_allclose(second[:, 0], stem_x(second[:, 1]) + width, atol=1e-9)  # parallel to the first
    assert h_rest(offsets, -1, 1) is None  # too little ink


def test_an_i_is_the_networks_own_given_room_and_bars_across_its_top_and_foot():
    # "It" in one stroke, the I 20 high on the line y = 0, slanted: its stem down, then the join up into a t
    word = path((4, -20), (2, 0), (8, -14), (8, 0))
    foot = 4
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(foot + 2), np.ones(len(word) - foot - 2)].astype(int)]  # "It"
    roomy = resize_all(offsets, phi, "It", {0: "I"})
    pts, old = at(roomy, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[: foot + 1], old[: foot + 1], atol=1e-9)  # the I as drawn
    np.testing.assert_allclose(pts[foot + 1:], old[foot + 1:] + [I_BAR / 2 * 20, 0], atol=1e-9)  # room for its foot bar
    assert roomy[foot, 2] == 1  # its join into the t is not drawn
    out, _ = add_strokes(roomy, phi, "It", {0: "I"})
    added = at(out, word[0])[len(word):]
    assert len(added) == 2 * STROKE_POINTS and out[len(word) + STROKE_POINTS - 1, 2] == 1 and out[-1, 2] == 1  # two strokes
    half = I_BAR / 2 * 20
    top, bottom = added[:STROKE_POINTS], added[STROKE_POINTS:]
    np.testing.assert_allclose(top[[0, -1]], [[4 - half, -20], [4 + half, -20]], atol=1e-9)  # centred on the stem's top
    np.testing.assert_allclose(bottom[[0, -1]], [[2 - half, 0], [2 + half, 0]], atol=1e-9)  # ... and on its foot
    np.testing.assert_allclose(np.diff(added[:, 1].reshape(2, -1), axis=1), 0, atol=1e-9)  # both level
    assert i_bars(offsets, -1, 1) is None  # too little ink


def test_a_g_is_the_networks_c_given_room_and_a_spur():
    # "Co" in one stroke, the C 20 high on the line y = 0: from its top right round its left side to its
    # foot, along its lower arc, then up into an o in one long step
    c = path((10, -18), (4, -20), (0, -12), (1, -3), (5, 0), (10, -4))
    c[-1, 2] = 0  # the pen stays down into the o
    o = path((13, -14), (16, -10), (13, -6), (13, -14), n=2)
    word = np.concatenate([c, o])
    offsets = points_to_offsets(word)
    phi = np.eye(3)[np.r_[np.zeros(len(c) + 2), np.ones(len(o) - 2)].astype(int)]  # "Co"
    assert c_bounds(offsets, phi, "Co", 0) == (-1, len(c) - 1)  # the lower arc ends where the ink rises to the o
    roomy = resize_all(offsets, phi, "Co", {0: "G"})
    pts, old = at(roomy, word[0]), at(offsets, word[0])
    np.testing.assert_allclose(pts[: len(c)], old[: len(c)], atol=1e-9)  # the C as drawn
    np.testing.assert_allclose(pts[len(c):], old[len(c):] + [G_ROOM * 20, 0], atol=1e-9)  # the o moved right
    assert roomy[len(c) - 1, 2] == 1  # the join into the o is not drawn
    out, _ = add_strokes(roomy, phi, "Co", {0: "G"})
    spur = at(out, word[0])[len(word):]
    assert len(spur) == 2 * STROKE_POINTS - 1 and out[-1, 2] == 1
    level = -20 + G_BAR[0] * 20
    np.testing.assert_allclose(spur[[0, STROKE_POINTS - 1, -1]],
                               [[10 - G_BAR[1] * 20, level], [10, level], [10, -20 + G_BAR[2] * 20]],
                               atol=1e-9)  # in from the C's right edge, level, then down towards its arc
    assert g_spur(offsets, -1, 1) is None  # too little ink
