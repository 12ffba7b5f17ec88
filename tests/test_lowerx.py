"""A lower-case x whose two strokes miss each other, redrawn along its box's diagonals (strokes.lowerx),
on hand-made lines whose window peak is set stroke by stroke."""
import numpy as np
import pytest

from strokes.lowerx import CURL, FLAT, HALVES, OVERLAP, WIDE, cross_xs, x_box, x_strokes
from strokes.transforms import offsets_to_points, points_to_offsets

from redrawn import moved_strokes


def stroke(x0, y0, x1, y1, n=5):
    """One straight stroke of n points from (x0, y0) to (x1, y1), the pen lifted after it (y down)."""
    out = np.zeros((n, 3))
    out[:, 0], out[:, 1], out[-1, 2] = np.linspace(x0, x1, n), np.linspace(y0, y1, n), 1
    return out


def line(text, strokes, owners):
    """Offsets (T, 3) of the strokes, a window (T, U + 1) peaking on owners[i] for stroke i, points (T, 2)."""
    points = np.concatenate(strokes)
    phi = np.eye(len(text) + 1)[np.repeat(owners, [len(s) for s in strokes])]
    return points_to_offsets(points), phi, points[:, :2]


def drawn(offsets, points):
    return offsets_to_points(offsets, origin=points[0])[:, :2]


O = stroke(0, -10, 6, 0, 7)  # an o, as far as the x cares: ink before it
A = stroke(30, -10, 36, 0, 7)  # a letter after it


@pytest.mark.parametrize("text, owners, u, mine", [
    ("fox", [0, 1, 2, 2], 2, [2, 3]),  # two strokes of its own
    ("fox", [0, 1, 2, 3], 2, [2, 3]),  # its second drawn after the window left the line's last letter
    ("fox a", [0, 1, 2, 3, 4], 2, [2, 3]),  # ... or after it moved on to the space
    ("oxa", [0, 1, 2], 1, [1]),  # inside a word the next stroke is the next letter's
    ("ox a", [0, 1, 1, 2], 1, [1, 2]),  # two of its own: the space's stroke (a stray) is not taken
    ("ox", [0, 1, 1, 1], 1, [1, 2, 3]),  # three: left as drawn by cross_xs
])
def test_an_xs_strokes_are_those_on_it_and_a_second_on_the_space_after(text, owners, u, mine):
    assert x_strokes(owners, text, u) == mine


@pytest.mark.parametrize("second_on", [1, 2])  # the x's second stroke on the x, or on the space after it
def test_an_x_drawn_as_a_v_is_redrawn_crossing_in_its_box(second_on):
    # "ox a": the x's strokes meet in a point at its foot (a v), box x 10-20, y -10-0
    text = "ox a"
    x1, x2 = stroke(10, -10, 15, 0), stroke(20, -10, 15, 0)
    offsets, phi, points = line(text, [O, x1, x2, A], [0, 1, second_on, 3])
    out = cross_xs(offsets, phi, text)
    got = drawn(out, points)
    np.testing.assert_allclose(got[7:12], np.linspace([10, -10], [20, 0], 5), atol=1e-9)  # \ : leans back
    np.testing.assert_allclose(got[12:17], np.linspace([20, -10], [10, 0], 5), atol=1e-9)  # /
    np.testing.assert_allclose(got[:7], points[:7], atol=1e-9)  # the o stays
    np.testing.assert_allclose(got[17:], points[17:], atol=1e-9)  # and the ink after it
    np.testing.assert_array_equal(out[:, 2], offsets[:, 2])  # the pen lifts where it lifted


def test_a_stroke_drawn_upward_stays_upward_and_a_wide_box_is_narrowed():
    # a \ drawn 30 wide and 10 tall, then a short / drawn from its foot upward
    text = "ox a"
    x1, x2 = stroke(10, -10, 40, 0), stroke(24, 0, 28, -6)
    offsets, phi, points = line(text, [O, x1, x2, A], [0, 1, 1, 3])
    got = drawn(cross_xs(offsets, phi, text), points)
    half = WIDE * 10 / 2
    np.testing.assert_allclose(got[7:12], np.linspace([25 - half, -10], [25 + half, 0], 5), atol=1e-9)
    np.testing.assert_allclose(got[12:17], np.linspace([25 - half, 0], [25 + half, -10], 5), atol=1e-9)  # / upward


def test_x_box_needs_strokes_that_share_their_height_or_are_of_a_length():
    long = stroke(0, -10, 40, 0)[:, :2]  # from y = -10 down to 0, 41 long
    edge = -20 + 10 * OVERLAP  # a stroke 10 tall whose top is here shares just OVERLAP of its height
    for top, shared in [(-10, True), (edge + 0.5, True), (edge - 0.5, False), (-25, False)]:
        short = np.array([[5.0, top], [5.0, top + 10]])  # 10 long: under HALVES of the other
        assert (x_box([long, short]) is not None) == shared, top
    upper, lower = stroke(0, -20, 10, -11)[:, :2], stroke(0, 0, 10, -9)[:, :2]  # a ">": halves, one above the other
    assert x_box([upper, lower]) is not None
    np.testing.assert_allclose(x_box([upper, lower]), [[0, -20], [10, 0]])
    speck = np.array([[5.0, -30], [5.0 + 14 * HALVES - 1, -30]])  # an i's dot drawn as a dash above: too short
    assert x_box([upper, speck]) is None


def test_x_box_is_none_for_two_dashes():
    dash, other = stroke(0, 0, 10, 0)[:, :2], stroke(12, 0, 22, 0)[:, :2]
    assert x_box([dash, other + [0, 22 / FLAT - 0.1]]) is None  # 22 wide: no x at this height
    assert x_box([dash, other + [0, 22 / FLAT + 0.1]]) is not None


def test_x_box_needs_straight_strokes():
    diagonal = stroke(0, -10, 10, 0)[:, :2]
    t = np.linspace(0, 2 * np.pi, 12)
    e_then_diagonal = np.concatenate([np.stack([-8 + 4 * np.cos(t), -5 + 4 * np.sin(t)], 1), diagonal])
    assert x_box([diagonal, diagonal[::-1] * [-1, 1]]) is not None
    assert x_box([e_then_diagonal, diagonal[::-1] * [-1, 1]]) is None  # a loop, then the diagonal: path 2.8 x chord
    for ratio, straight in [(CURL - 0.05, True), (CURL + 0.05, False)]:
        h = 5 * np.sqrt(ratio ** 2 - 1)  # a stroke up to a point and down again: path / chord = ratio
        vee = np.array([[0.0, 0], [5, -h], [10, 0]])
        assert (x_box([vee, diagonal]) is not None) == straight, ratio


@pytest.mark.parametrize("text, strokes, owners, marks", [
    ("ix", [stroke(0, -10, 0, 0), stroke(10, -10, 20, 0), stroke(0, -16, 0.5, -15, 2)], [0, 1, 1], {}),  # i's dot
    ("ox", [O, stroke(10, -10, 20, 0)], [0, 1], {}),  # one stroke: a cursive x
    ("ox", [O, stroke(10, -10, 15, 0), stroke(20, -10, 15, 0), stroke(12, -5, 18, -5)], [0, 1, 1, 1], {}),  # three
    (" x", [stroke(10, -10, 15, 0), stroke(20, -10, 15, 0)], [1, 1], {1: "X"}),  # the x of an X: strokes.standins'
])
def test_other_xs_are_left_as_drawn(text, strokes, owners, marks):
    offsets, phi, _ = line(text, strokes, owners)
    np.testing.assert_array_equal(cross_xs(offsets, phi, text, marks), offsets)


def test_write_crosses_only_lower_case_xs_in_two_strokes():
    # the shipped weights, single samples at bias 0.5, the other steps after sampling off, so that only
    # the crossing differs between the two
    from strokes.hand import Hand
    hand = Hand.from_checkpoint()
    texts = ["the next box is six feet wide", "an extra taxi came to the exit", "relax and mix the wax"]
    kw = dict(bias=0.5, seed=3, candidates=1, level_words=False, space_words=False, lift_digits=False,
              shrink_initials=False)
    on, off = hand.write(texts, cross_x=True, **kw), hand.write(texts, cross_x=False, **kw)
    crossed = 0
    for text, owner, new, _ in moved_strokes(on, off):
        u = owner if text[owner:owner + 1] == "x" else owner - 1  # its second stroke on the space after it
        assert text[u] == "x", (text, owner)
        steps = np.diff(new, axis=0)
        np.testing.assert_allclose(steps, np.repeat(steps[:1], len(steps), 0), atol=1e-6)  # straight, evenly
        crossed += 1
    for a in on:
        np.testing.assert_allclose(cross_xs(a.offsets, a.phi, a.window_text), a.offsets, atol=1e-9)  # settled
    assert crossed >= 6, crossed  # 3 x's or more of the 7
