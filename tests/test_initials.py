"""A word's first lower-case letter drawn as its capital, shrunk to the x-height (strokes.initials), on
hand-made lines of zigzag letters."""
import numpy as np
import pytest

from strokes.initials import BIG, PURE, REST, shrink_initials
from strokes.transforms import offsets_to_points, points_to_offsets


def glyph(x0, height=10.0, width=6.0, n=7):
    """One stroke `width` wide and `height` tall standing on y = 0 (y down): a zigzag."""
    x = x0 + np.linspace(0, width, n)
    y = -height * np.array([0.0, 1.0] * n)[:n]
    out = np.stack([x, y, np.zeros(n)], 1)
    out[-1, 2] = 1
    return out


def line(text, glyphs):
    """Offsets (T, 3), a window (T, U + 1) whose peak is on each non-space character of `text` for its
    glyph's points, and the points (T, 2)."""
    at = [u for u, c in enumerate(text) if c != " "]
    points = np.concatenate(glyphs)
    return points_to_offsets(points), np.eye(len(text) + 1)[np.repeat(at, [len(g) for g in glyphs])], points[:, :2]


def drawn(offsets, first):
    return offsets_to_points(offsets, origin=first)[:, :2]


def test_a_first_s_drawn_as_its_capital_is_scaled_to_the_x_height_and_the_rest_closes_up():
    # x-height 10; the s of "sa" 18 tall and 9 wide, standing on the line at x = 20
    text = "aa sa aa"
    offsets, phi, points = line(text, [glyph(0), glyph(8), glyph(20, 18, 9), glyph(31), glyph(50), glyph(58)])
    out = drawn(shrink_initials(offsets, phi, text), points[0])
    s = slice(14, 21)
    np.testing.assert_allclose(out[s], [20, 0] + (points[s] - [20, 0]) * 10 / 18, atol=1e-9)  # about its foot
    np.testing.assert_allclose(out[:14], points[:14], atol=1e-9)  # the ink before it stays
    np.testing.assert_allclose(out[21:], points[21:] - [9 * (1 - 10 / 18), 0], atol=1e-9)  # after it: left


def test_in_a_word_drawn_taller_than_the_line_it_is_scaled_to_its_words_letters():
    text = "aa sa aa"  # the a after the s 12 tall (within REST x-heights), the line's others 10
    offsets, phi, points = line(text, [glyph(0), glyph(8), glyph(20, 18, 9), glyph(31, 12), glyph(50), glyph(58)])
    out = drawn(shrink_initials(offsets, phi, text), points[0])
    np.testing.assert_allclose(np.ptp(out[14:21, 1]), 12)


def test_beside_a_word_that_floats_it_is_set_on_the_words_line():
    text = "aa sa aa"  # the a after the s stands 5 above the s's foot
    a = glyph(31)
    a[:, 1] -= 5
    offsets, phi, points = line(text, [glyph(0), glyph(8), glyph(20, 18, 9), a, glyph(50), glyph(58)])
    out = drawn(shrink_initials(offsets, phi, text), points[0])
    assert out[14:21, 1].max() == pytest.approx(-5) and np.ptp(out[14:21, 1]) == pytest.approx(10)
    np.testing.assert_allclose(out[21:, 1], points[21:, 1], atol=1e-9)  # the rest of the line keeps its height


@pytest.mark.parametrize("why, text, glyphs, marks, joined", [
    ("not first in its word", "aa as aa", [glyph(0), glyph(8), glyph(20), glyph(28, 18), glyph(50), glyph(58)], None, 0),
    ("not the shape of its capital", "aa ta aa", [glyph(0), glyph(8), glyph(20, 18), glyph(28), glyph(50), glyph(58)], None, 0),
    ("its word all large", "aa sa aa", [glyph(0), glyph(8), glyph(20, 18), glyph(28, 10 * REST + 1), glyph(50), glyph(58)], None, 0),
    ("a stand-in (an X's x)", "aa xa aa", [glyph(0), glyph(8), glyph(20, 18), glyph(28), glyph(50), glyph(58)], {3: "X"}, 0),
    # the s's stroke runs on into the a: the last points of its 10, more than 1 - PURE of them, under the a's peak
    ("joined on to its word", "aa sa aa", [glyph(0), glyph(8), glyph(20, 18, n=10), glyph(28), glyph(50), glyph(58)],
     None, 10 - int(np.ceil(10 * PURE)) + 1),
])
def test_other_letters_are_kept(why, text, glyphs, marks, joined):
    offsets, phi, _ = line(text, glyphs)
    peak = phi.argmax(1)
    peak[24 - joined: 24] = 4
    phi = np.eye(len(text) + 1)[peak]
    np.testing.assert_array_equal(shrink_initials(offsets, phi, text, marks), offsets)


@pytest.mark.parametrize("tall, shrunk", [(10 * BIG - 0.5, False), (10 * BIG + 0.5, True)])
def test_a_first_letter_is_drawn_as_its_capital_above_big_x_heights(tall, shrunk):
    text = "aa sa aa"
    offsets, phi, _ = line(text, [glyph(0), glyph(8), glyph(20, tall), glyph(31), glyph(50), glyph(58)])
    assert (not np.array_equal(shrink_initials(offsets, phi, text), offsets)) == shrunk


def test_write_shrinks_only_first_letters_drawn_as_capitals_to_the_x_height():
    # the shipped weights, single samples at bias 0.5; the other steps after sampling off, so that only
    # the shrinking differs between the two
    from strokes.acronyms import pen_strokes, window_peak
    from strokes.baseline import x_height
    from strokes.evaluate import sentences
    from strokes.hand import Hand
    from strokes.initials import SAME_SHAPE
    hand, texts = Hand.from_checkpoint(), sentences(8, seed=5)
    kw = dict(bias=0.5, seed=5, candidates=1, stand_ins=False, level_words=False, space_words=False, lift_digits=False)
    on, off = hand.write(texts, shrink_initials=True, **kw), hand.write(texts, shrink_initials=False, **kw)
    shrunk = 0
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a.offsets[:, 2], b.offsets[:, 2])  # the same strokes
        peak, text = window_peak(b.phi), b.window_text
        height = x_height(np.cumsum(b.offsets[:, :2], axis=0), peak, text)
        ya = np.cumsum(a.offsets[:, 1])
        for s, e in pen_strokes(b.offsets):
            u = int(np.bincount(peak[s:e]).argmax())
            if np.array_equal(a.offsets[s + 1:e], b.offsets[s + 1:e]):
                continue  # the stroke's shape kept
            assert text[u] in SAME_SHAPE and (u == 0 or text[u - 1] == " "), "only a word's first letter"
            yb = np.cumsum(b.offsets[:, 1])
            assert height - 1e-6 <= np.ptp(ya[s:e]) < min(REST * height, np.ptp(yb[s:e])), "scaled down to its word's size"
            shrunk += 1
        np.testing.assert_array_equal(shrink_initials(a.offsets, a.phi, text), a.offsets)  # none left to shrink
    assert shrunk >= 2, shrunk  # 5 strokes in 4 of these 8 lines
