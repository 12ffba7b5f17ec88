"""Floating words set back onto their line, crowded words set apart and hanging digits raised
(strokes.baseline), on hand-made lines of zigzag words and letters."""
import numpy as np
import pytest

from strokes.acronyms import pen_strokes, word_bounds
from strokes.baseline import (DROP, FLOAT, RISE, TIGHT, band_gap, letter_bottoms, level_words, lift_digits, line_at,
                              lower_digits, numbers, space_words, word_cuts, word_gaps)
from strokes.transforms import offsets_to_points, points_to_offsets


def word(x0, lift=0.0, tail=0.0, n=9):
    """A word 10 high and 20 wide standing on y = lift (y down, so lift < 0 is up): one zigzag stroke
    from its foot up through its middle to its top and back (its bottom at lift, its median 5 above);
    `tail` extends its last point down (a descender)."""
    x = x0 + np.linspace(0, 20, n)
    y = lift + np.array([0.0, -5.0, -10.0, -5.0] * n)[:n]
    y[-1] += tail
    out = np.stack([x, y, np.zeros(n)], 1)
    out[-1, 2] = 1
    return out


def line(*words):
    """Offsets (T, 3) of the words one after another, and a window (T, U + 1) over "a a a ..." whose
    peak is on word i's letter for its points."""
    points = np.concatenate(words)
    text = " ".join("a" * len(words))
    peak = np.repeat(np.arange(len(words)) * 2, [len(w) for w in words])
    return points_to_offsets(points), np.eye(len(text) + 1)[peak], text, points[0]


def test_a_word_lifted_well_above_its_neighbours_is_set_down_onto_their_bottom():
    words = [word(0), word(30), word(60, lift=-25), word(90), word(120)]
    offsets, phi, text, first = line(*words)
    out = level_words(offsets, phi, text)
    pts, old = offsets_to_points(out, origin=first[:2])[:, :2], offsets_to_points(offsets, origin=first[:2])[:, :2]
    moved = slice(18, 27)
    np.testing.assert_allclose(pts[moved], old[moved] + [0, 25], atol=1e-9)  # straight down, onto y = 0
    np.testing.assert_allclose(np.delete(pts, np.r_[18:27], 0), np.delete(old, np.r_[18:27], 0), atol=1e-9)  # the rest kept
    np.testing.assert_array_equal(out[:, 2], offsets[:, 2])


@pytest.mark.parametrize("words", [
    [word(0), word(30, lift=-3), word(60, lift=-6), word(90, lift=-9), word(120, lift=-12)],  # a hand drifting up
    [word(0), word(30), word(60, tail=20), word(90), word(120)],  # a descender: lower, never floating
    [word(0), word(30), word(60, lift=-5), word(90), word(120)],  # half a word's height up: within RISE
    [word(0), word(30, lift=-40)],  # too few words to tell
])
def test_words_on_their_line_or_drifting_with_it_are_kept(words):
    offsets, phi, text, _ = line(*words)
    np.testing.assert_array_equal(level_words(offsets, phi, text), offsets)


def test_the_rise_that_floats_a_word_is_rise_neighbour_half_heights():
    # the neighbours' bottom is y = 0 and their middle y = -5: a half-height of 5
    for lift, moved in ((-RISE * 5 + 0.5, False), (-RISE * 5 - 0.5, True)):
        offsets, phi, text, _ = line(word(0), word(30), word(60, lift=lift), word(90), word(120))
        assert (not np.array_equal(level_words(offsets, phi, text), offsets)) == moved, lift


def xs(offsets, first):
    return offsets_to_points(offsets, origin=first[:2])[:, 0]


def test_a_word_drawn_against_the_one_before_is_moved_to_the_lines_median_gap():
    # words 20 wide: gaps of 10 between them, but word 3 begins where word 2 ends
    offsets, phi, text, first = line(word(0), word(30), word(60), word(80), word(110), word(140))
    out = space_words(offsets, phi, text)
    moved = 27  # word 3's first point: it and all after it move right by 10
    np.testing.assert_allclose(xs(out, first), xs(offsets, first) + 10.0 * (np.arange(len(offsets)) >= moved), atol=1e-9)
    changed = np.flatnonzero(np.any(out != offsets, axis=1))
    np.testing.assert_array_equal(changed, [moved])  # only the pen-up move into it


@pytest.mark.parametrize("gap, moved", [(10 * TIGHT - 0.5, True), (10 * TIGHT + 0.5, False)])
def test_a_gap_is_crowded_below_tight_times_the_median(gap, moved):
    offsets, phi, text, _ = line(word(0), word(30), word(60), word(80 + gap), word(110 + gap), word(140 + gap))
    assert (not np.array_equal(space_words(offsets, phi, text), offsets)) == moved


def test_lines_with_too_few_gaps_and_runs_set_together_are_kept():
    offsets, phi, text, _ = line(word(0), word(20), word(50))  # two gaps: no median to go by
    np.testing.assert_array_equal(space_words(offsets, phi, text), offsets)
    offsets, phi, text, _ = line(word(0), word(30), word(60), word(80), word(110))
    assert not np.array_equal(space_words(offsets, phi, text), offsets)  # word 3 touches word 2 ...
    np.testing.assert_array_equal(space_words(offsets, phi, text, runs=[[4, 6]]), offsets)  # ... unless one run


def line_with_stroke(stroke, text="a a a a a a"):
    """Six words 20 wide 10 apart, as `line`, with `stroke` (n, 3) drawn after the third (x 60-80)
    under the window on the space before the fourth (text's "a"s are the words)."""
    words = [word(x) for x in (0, 30, 60, 90, 120, 150)]
    points = np.concatenate(words[:3] + [stroke] + words[3:])
    at = [u for u, c in enumerate(text) if c == "a"]
    peak = np.repeat(at[:3] + [at[3] - 1] + at[3:], [9, 9, 9, len(stroke), 9, 9, 9])
    return points_to_offsets(points), np.eye(len(text) + 1)[peak], text, points[0]


def dot(x, y=-5.0):
    return np.array([[x, y, 1.0]])  # the pen set down and lifted: one point


@pytest.mark.parametrize("stroke, text, ours", [
    (dot(92), "a a a a a a", True),  # a lone point where the next word begins: the next word's
    (dot(92), "a a a, a a a", True),  # ... also after a comma: it lies over the next word's ink
    (dot(87), "a a a a a a", True),  # in the gap, nearer the next word
    (dot(87), "a a a, a a a", True),  # ... also after a comma: a lone point (a speck) goes by nearness
    (np.stack([[86.0, 87, 88], [1.0, 2, 3], [0, 0, 1]], 1), "a a a, a a a", False),  # a comma, drawn late
    (dot(83), "a a a a a a", False),  # nearer its own word: a tail
    (np.stack([np.linspace(78, 84, 4), [0.0, 1, 2, 3], [0, 0, 0, 1]], 1), "a a a a a a", False),  # joined to it
])
def test_a_stroke_drawn_on_the_space_goes_with_the_word_it_lies_nearer(stroke, text, ours):
    offsets, phi, text, _ = line_with_stroke(stroke, text)
    cuts = word_cuts(offsets, phi, text)
    before = word_bounds(offsets, phi, [], text)
    assert before[3] == 27 + len(stroke) - 1  # the window puts it in the third word's ink
    assert cuts[3] == (26 if ours else before[3])
    assert cuts[:3] + cuts[4:] == before[:3] + before[4:]


def test_a_speck_goes_by_nearness_whatever_the_window_was_on():
    # the same lines, with the window on the third word's letter for the stroke, not on the space
    three = np.stack([[87.0, 88, 89], [1.0, 2, 3], [0, 0, 1]], 1)  # more than a speck: a letter's own stroke
    for stroke, ours in ((dot(87), True), (dot(83), False), (three, False)):
        offsets, phi, text, _ = line_with_stroke(stroke, "a a a, a a a")
        phi = np.eye(len(text) + 1)[np.where(phi.argmax(1) == 6, 4, phi.argmax(1))]  # the space's steps on "a"
        assert word_cuts(offsets, phi, text)[3] == (26 if ours else word_bounds(offsets, phi, [], text)[3]), stroke


def test_a_word_of_one_speck_keeps_its_cuts():
    # the third word is a single point: its only ink, with nothing of its own to be nearer to
    offsets, phi, text, _ = line(word(0), word(30), word(60, n=1), word(90), word(120))
    assert word_cuts(offsets, phi, text) == word_bounds(offsets, phi, [], text) == [-1, 8, 17, 18, 27, 36]


def test_a_point_left_in_the_next_words_ink_does_not_make_its_gap_crowded():
    # the gaps are all 10; counted with the third word, the point at x = 92 would leave one of -2,
    # and the fourth word would be moved 12 right, leaving the point behind in a gap of 22
    offsets, phi, text, _ = line_with_stroke(dot(92))
    np.testing.assert_allclose(word_gaps(offsets, phi, text)[1], [10, 10, 10, 10, 10], atol=0.5)
    np.testing.assert_array_equal(space_words(offsets, phi, text), offsets)
    offsets, phi, text, _ = line_with_stroke(dot(80))  # the gap crowded: word and point move
    offsets[28, 0] -= 12  # the fourth word drawn against the third, the point in its first point
    out = space_words(offsets, phi, text)
    changed = np.flatnonzero(np.any(out != offsets, axis=1))
    np.testing.assert_array_equal(changed, [27])  # the pen-up move into the point, not into the word
    np.testing.assert_allclose(out[27, 0] - offsets[27, 0], 12, atol=0.5)


def test_the_gap_is_measured_band_by_band_across_a_slant():
    # two parallel strokes slanting right at 45 degrees, 5 apart horizontally: their boxes overlap by 5
    t = np.linspace(0, 10, 101)
    left, right = np.stack([t, -t], 1), np.stack([t + 5, -t], 1)
    assert right[:, 0].min() - left[:, 0].max() == pytest.approx(-5)
    for band in (0.5, 1.0, 2.0):  # the left stroke's top edge in a band reaches a band's height to the right
        assert band_gap(left, right, band) == pytest.approx(5 - band, abs=0.11)
    assert band_gap(left, right + [0, 20], 1.0) == pytest.approx(-5)  # no band shared: their boxes' gap


def test_write_moves_only_crowded_words_right_to_the_median_gap():
    # the shipped weights, single samples at bias 0.5, where the network crowds words most; stand-ins
    # off, so that the ink is the network's own and only the spacing differs between the two
    from strokes.evaluate import sentences
    from strokes.hand import Hand
    hand, texts = Hand.from_checkpoint(), sentences(8, seed=5)
    kw = dict(bias=0.5, seed=5, candidates=1, stand_ins=False, level_words=False, lift_digits=False,
              shrink_initials=False)
    on, off = hand.write(texts, space_words=True, **kw), hand.write(texts, space_words=False, **kw)
    moved = 0
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a.offsets[:, 1:], b.offsets[:, 1:])  # heights and pen lifts kept
        shift = a.offsets[:, 0] - b.offsets[:, 0]
        starts = set(word_cuts(b.offsets, b.phi, b.window_text)[1:-1])
        assert all(shift[k] > 0 and k - 1 in starts for k in np.flatnonzero(shift)), "only into a word, rightwards"
        moved += bool(np.any(shift))
        before = word_gaps(b.offsets, b.phi, b.window_text)[1]  # as space_words measures them
        if len(before) >= 3:  # each gap is its own: moving a word and all after it changes only the gap before it
            median = np.median(before)
            np.testing.assert_allclose(word_gaps(a.offsets, a.phi, a.window_text)[1], np.where(before < TIGHT * median, median, before), rtol=1e-9)
    assert moved  # 18 of 40 such lines had a word moved


def glyph(x0, bottom=0.0, height=10.0, n=7):
    """One stroke 6 wide and `height` tall whose lowest point is at y = bottom (y down): a zigzag."""
    x = x0 + np.linspace(0, 6, n)
    y = bottom - height * np.array([0.0, 1.0] * n)[:n]
    out = np.stack([x, y, np.zeros(n)], 1)
    out[-1, 2] = 1
    return out


def written(text, glyphs):
    """Offsets (T, 3), a window (T, U + 1) whose peak is on each non-space character of `text` for
    its glyph's points (glyphs: one per non-space character, in order), and the first point."""
    at = [u for u, c in enumerate(text) if c != " "]
    points = np.concatenate(glyphs)
    peak = np.repeat(at, [len(g) for g in glyphs])
    return points_to_offsets(points), np.eye(len(text) + 1)[peak], points[0]


def heights(offsets, first):
    return offsets_to_points(offsets, origin=first[:2])[:, 1]


def test_a_digit_hung_below_the_line_is_raised_onto_it_and_nothing_else_moves():
    # x-height 10; the 9 (a stroke 18 tall) hangs 8 below the line its neighbours stand on
    text = "aa 9 aa"
    offsets, phi, first = written(text, [glyph(0), glyph(10), glyph(30, bottom=8, height=18), glyph(50), glyph(60)])
    out = lift_digits(offsets, phi, text)
    nine = np.arange(len(offsets)) // 7 == 2
    np.testing.assert_allclose(heights(out, first), heights(offsets, first) - 8.0 * nine, atol=1e-9)
    np.testing.assert_array_equal(np.flatnonzero(np.any(out != offsets, axis=1)), [14, 21])  # the moves into and out of it
    np.testing.assert_array_equal(lift_digits(out, phi, text), out)  # on the line now: kept


def test_a_digit_floating_above_the_line_is_lowered_onto_it():
    # x-height 10; the 2 (a stroke 6 tall, drawn small) floats with its bottom 12 above the line
    text = "aa 2 aa"
    offsets, phi, first = written(text, [glyph(0), glyph(10), glyph(30, bottom=-12, height=6), glyph(50), glyph(60)])
    np.testing.assert_array_equal(lift_digits(offsets, phi, text), offsets)  # lift_digits only raises
    out = lower_digits(offsets, phi, text)
    two = np.arange(len(offsets)) // 7 == 2
    np.testing.assert_allclose(heights(out, first), heights(offsets, first) + 12.0 * two, atol=1e-9)
    np.testing.assert_array_equal(lower_digits(out, phi, text), out)  # on the line now: kept


def test_a_number_with_a_floating_digit_is_set_level_on_the_line():
    # "19.99": the 1 and first 9 a little high (4 above, under FLOAT x-heights), the last two 9s floating
    # (12 above): all four go onto the line, not the last two alone; the "." is no digit and stays
    text = "aa 19.99 aa"
    glyphs = [glyph(0), glyph(10), glyph(30, -4, 18), glyph(38, -4, 18), glyph(46, -4, 2, n=2), glyph(50, -12, 18),
              glyph(58, -12, 18), glyph(80), glyph(90)]
    offsets, phi, first = written(text, glyphs)
    out = lower_digits(offsets, phi, text)
    which = np.repeat(np.arange(len(glyphs)), [len(g) for g in glyphs])
    down = np.select([np.isin(which, [2, 3]), np.isin(which, [5, 6])], [4.0, 12.0], 0.0)
    np.testing.assert_allclose(heights(out, first), heights(offsets, first) + down, atol=1e-9)
    slightly = written(text, glyphs[:5] + [glyph(50, -4, 18), glyph(58, -4, 18)] + glyphs[7:])
    np.testing.assert_array_equal(lower_digits(*slightly[:2], text), slightly[0])  # none floats: all kept


@pytest.mark.parametrize("text, digits, groups", [
    ("in 1984 and 2026", [3, 4, 5, 6, 12, 13, 14, 15], [{3, 4, 5, 6}, {12, 13, 14, 15}]),
    ("at 10: 4 5 now", [3, 4, 7, 9], [{3, 4, 7, 9}]),  # stand-ins drawn apart, and a time's colon
    ("page 42 of 96", [5, 6, 11, 12], [{5, 6}, {11, 12}]),
])
def test_numbers_group_digits_across_marks_and_stand_in_spaces_only(text, digits, groups):
    assert numbers(text, digits, {}) == groups


@pytest.mark.parametrize("bottom, raised, lowered", [
    (DROP * 10 - 0.5, False, False), (DROP * 10 + 0.5, True, False), (-3.0, False, False),
    (-FLOAT * 10 + 0.5, False, False), (-FLOAT * 10 - 0.5, False, True)])
def test_a_digit_hangs_below_drop_x_heights_and_floats_above_float(bottom, raised, lowered):
    text = "aa 7 aa"
    offsets, phi, _ = written(text, [glyph(0), glyph(10), glyph(30, bottom=bottom, height=18), glyph(50), glyph(60)])
    assert (not np.array_equal(lift_digits(offsets, phi, text), offsets)) == raised
    assert (not np.array_equal(lower_digits(offsets, phi, text), offsets)) == lowered


def test_only_digits_are_raised_and_a_digit_in_two_strokes_moves_whole():
    text = "ag 5 aa"  # the g's descender hangs and stays; the 5's body and its bar rise together
    glyphs = [glyph(0), glyph(10, bottom=8, height=18), glyph(30, bottom=6, height=9), glyph(31, bottom=-8, height=1),
              glyph(50), glyph(60)]
    peak = np.repeat([0, 1, 3, 3, 5, 6], 7)
    points = np.concatenate(glyphs)
    offsets, phi, first = points_to_offsets(points), np.eye(len(text) + 1)[peak], points[0]
    out = lift_digits(offsets, phi, text)
    np.testing.assert_allclose(heights(out, first), heights(offsets, first) - 6.0 * (peak == 3), atol=1e-9)


def test_a_bar_drawn_after_a_digit_moves_with_it_whatever_the_window_says():
    # a 7 (x 30-36) hanging 8 below the line, then its crossbar (x 33-39: it reaches out past the stem),
    # drawn when the window had moved on to the space after it; then a second 7, on the line, and the
    # next word, which begin beyond the first 7 and stay
    text = "aa 77 aa"
    glyphs = [glyph(0), glyph(10), glyph(30, bottom=8, height=18), glyph(33, bottom=0, height=1),
              glyph(40, height=18), glyph(50), glyph(60)]
    peak = np.repeat([0, 1, 3, 4, 4, 6, 7], 7)
    points = np.concatenate(glyphs)
    offsets, phi, first = points_to_offsets(points), np.eye(len(text) + 1)[peak], points[0]
    out = lift_digits(offsets, phi, text)
    seven = np.isin(np.arange(len(points)) // 7, [2, 3])
    np.testing.assert_allclose(heights(out, first), heights(offsets, first) - 8.0 * seven, atol=1e-9)


def test_stand_ins_count_as_what_they_stand_for_and_runs_set_as_drawn_are_kept():
    text = "aa 7 aa"  # a 7 hanging 8 below the line
    offsets, phi, _ = written(text, [glyph(0), glyph(10), glyph(30, bottom=8, height=18), glyph(50), glyph(60)])
    assert not np.array_equal(lift_digits(offsets, phi, text), offsets)
    np.testing.assert_array_equal(lift_digits(offsets, phi, text, marks={3: "Z"}), offsets)  # the 7 of a Z
    np.testing.assert_array_equal(lift_digits(offsets, phi, text, runs=[[3]], levels=[False]), offsets)  # "€7"
    assert not np.array_equal(lift_digits(offsets, phi, text, runs=[[3]], levels=[True]), offsets)  # a number


def test_the_line_under_a_digit_follows_a_drifting_hand():
    # letters on a line rising 1 in 10 to the right (y down): at x = 33 it lies at y = -3.3
    text = "aaa 9 aaa"
    xs_ = [0, 10, 20, 45, 55, 65]
    letters = [glyph(x, bottom=-0.1 * (x + 3)) for x in xs_]  # each letter's mean x is x + 3
    offsets, phi, first = written(text, letters[:3] + [glyph(30, bottom=5.0, height=18)] + letters[3:])
    bottoms = letter_bottoms(offsets_to_points(offsets, origin=first[:2])[:, :2], phi.argmax(1), text)
    assert line_at(bottoms, 4, 33.0) == pytest.approx(-3.3)
    out = lift_digits(offsets, phi, text)
    assert heights(out, first)[21:28].max() == pytest.approx(-3.3)  # its bottom on the line there


def test_a_line_without_letters_to_measure_is_kept():
    text = "19 99"
    offsets, phi, _ = written(text, [glyph(0), glyph(10, bottom=8, height=18), glyph(30), glyph(40, bottom=8)])
    np.testing.assert_array_equal(lift_digits(offsets, phi, text), offsets)


def test_write_moves_only_hanging_or_floating_digits_and_leaves_them_on_the_line():
    # the shipped weights, single samples at bias 0.5, where the network often hangs a 9 like a g;
    # the other steps after sampling off, so that only the lift differs between the two
    from strokes.hand import Hand
    texts = ["page 9 of the book", "call 911 now", "about 90 people came", "in 1990 and 1999", "call me on 555 0123"]
    kw = dict(bias=0.5, seed=1, candidates=1, stand_ins=False, level_words=False, space_words=False,
              shrink_initials=False)
    hand = Hand.from_checkpoint()
    on, off = hand.write(texts, lift_digits=True, **kw), hand.write(texts, lift_digits=False, **kw)
    lifted = lowered = 0
    for a, b in zip(on, off):
        np.testing.assert_array_equal(np.delete(a.offsets, 1, axis=1), np.delete(b.offsets, 1, axis=1))
        rise = a.offsets[:, 1] - b.offsets[:, 1]
        starts = np.r_[0, np.flatnonzero(b.offsets[:-1, 2] > 0.5) + 1]  # pen-up moves into strokes
        assert set(np.flatnonzero(rise)) <= set(starts), "only pen-up moves change"
        ys = heights(a.offsets, np.zeros(2)) - heights(b.offsets, np.zeros(2))
        for s, e in pen_strokes(b.offsets):  # whole strokes move, each one mostly its digit's or its bar
            assert np.ptp(ys[s:e]) < 1e-9
            digit = b.window_text[np.bincount(b.phi.argmax(1)[s:e]).argmax()].isdigit()
            bar = s > 0 and abs(ys[s - 1] - ys[s]) < 1e-9  # drawn after a digit's stroke, moved with it
            assert abs(ys[s]) < 1e-9 or digit or bar
        lifted += int(np.any(ys < -1e-9))
        lowered += int(np.any(ys > 1e-9))
        np.testing.assert_allclose(lift_digits(a.offsets, a.phi, a.window_text), a.offsets, atol=1e-9)  # on the line
        np.testing.assert_allclose(lower_digits(a.offsets, a.phi, a.window_text), a.offsets, atol=1e-9)
    assert lifted >= 2 and lowered >= 1, (lifted, lowered)
