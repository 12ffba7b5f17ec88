"""Runs of capitals drawn letter by letter and set together (strokes.acronyms), on hand-made ink."""
import random

import numpy as np
import pytest

from strokes.acronyms import (GAP_FRACTION, MARK_FRACTION, capital_runs, cut, ground, joined, letter_bounds, mark_ink,
                              set_runs, set_together, space_after, spread, word_bounds)
from strokes.transforms import offsets_to_points, points_to_offsets


@pytest.mark.parametrize("text, spaced, runs", [
    ("a CPU", "a C P U", [[2, 4, 6]]),
    ("I saw the BBC and NASA.", "I saw the B B C and N A S A.", [[10, 12, 14], [20, 22, 24, 26]]),
    ("USA!", "U S A!", [[0, 2, 4]]),
    ("Nine hours", "Nine hours", []),  # single capitals are left alone
    ("McDonald I A", "McDonald I A", []),  # so are capitals apart
    ("H2O in 2026", "H2O in 2026", []),  # digits only with digits=True
])
def test_spread_inserts_spaces_inside_runs_only(text, spaced, runs):
    assert spread(text) == (spaced, runs)
    assert joined(spaced, runs) == text
    assert all(spaced[u].isupper() for run in runs for u in run)


def test_spread_digits_and_round_trip_on_random_text():
    assert capital_runs("McDONALD, I and OK.") == [range(2, 8), range(16, 18)]
    assert capital_runs("H2O 42", digits=True) == [range(0, 3), range(4, 6)] and capital_runs("H2O 42") == []
    assert spread("H2O in 2026", digits=True) == ("H 2 O in 2 0 2 6", [[0, 2, 4], [9, 11, 13, 15]])
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice("aBCd 1.") for _ in range(rng.randint(0, 20)))
        for digits in (False, True):
            spaced, runs = spread(text, digits)
            assert joined(spaced, runs) == text
            assert len(spaced) == len(text) + sum(len(r) - 1 for r in runs)
            # every inserted space sits between two letters of one run
            assert all(spaced[u + 1] == " " and u + 2 == v for r in runs for u, v in zip(r, r[1:]))


def test_cut_is_the_last_lift_before_the_window_reaches_the_letter():
    offsets = np.zeros((10, 3))
    offsets[[2, 5, 9], 2] = 1  # strokes end at points 2, 5 and 9
    peak = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 3])
    assert cut(offsets, peak, 1) == 2  # peak reaches 1 at step 3: last lift before it is at 2
    assert cut(offsets, peak, 2) == 5  # reaches 2 at step 7
    assert cut(offsets, peak, 0) == -1  # reached at step 0, no lift before
    assert cut(offsets, peak, 4) == 9  # never reached: all the ink
    phi = np.eye(5)[peak]  # (T, U + 1) with those peaks
    # "xAB y": the run AB ends where the window reaches the next word, y at 4, which it never does
    assert letter_bounds(offsets, phi, [[1, 2]], "xAB y") == [[2, 5, 9]]
    assert letter_bounds(offsets, phi, [[1, 2]], "xAB.y z") == [[2, 5, 9]]
    assert letter_bounds(offsets, phi, [[0, 1]], "AB y") == [[-1, 2, 5]]  # y at 3, reached at step 9


def square(x, y, size=10.0, n=8):
    """A closed square stroke (n points) with its lower-left corner at (x, y); y grows downwards."""
    t = np.linspace(0, 4, n, endpoint=False)
    side, f = np.floor(t), t - np.floor(t)
    px = np.select([side == 0, side == 1, side == 2], [f, 1.0, 1 - f], 0.0) * size
    py = -np.select([side == 0, side == 1, side == 2], [0.0, f, 1.0], 1 - f) * size
    pts = np.stack([x + px, y + py, np.zeros(n)], 1)
    pts[-1, 2] = 1
    return pts


def test_set_together_levels_letters_and_closes_gaps_exactly():
    # three letters far apart, each lower than the last (the drift of single letters), then a word
    pieces = [square(0, 0), square(40, 6, size=14), square(90, 11), square(140, 11, size=5)]
    offsets = points_to_offsets(np.concatenate(pieces))
    bounds = [[-1, 7, 15, 23]]  # three letters of 8 points; the word after the run is not moved on its own
    out = set_together(offsets, bounds)
    pts = offsets_to_points(out)
    letters = [pts[0:8], pts[8:16], pts[16:24], pts[24:]]
    for a, b in zip(letters[:2], letters[1:3]):
        height = max(np.ptp(a[:, 1]), np.ptp(b[:, 1]))
        assert b[:, 0].min() - a[:, 0].max() == pytest.approx(GAP_FRACTION * height)
        assert b[:, 1].max() == pytest.approx(a[:, 1].max())  # on one baseline
    # shapes are kept: within each piece the offsets are unchanged; only the pen-up moves changed
    changed = np.flatnonzero(np.any(out != offsets, axis=1))
    assert list(changed) == [8, 16]
    # the word after the run keeps its place relative to the last letter
    np.testing.assert_allclose(letters[3] - letters[2][-1], offsets_to_points(offsets)[24:] - offsets_to_points(offsets)[23])


def test_set_together_never_moves_ink_right_and_skips_empty_letters():
    close = points_to_offsets(np.concatenate([square(0, 0), square(10.5, 0)]))  # gap 0.5 < 1.5
    np.testing.assert_array_equal(set_together(close, [[-1, 7, 15]]), close)
    # a letter that drew nothing (two cuts at one lift) and a line without ink are left alone
    np.testing.assert_array_equal(set_together(close, [[-1, 7, 7, 15]]), close)
    assert set_together(np.zeros((0, 3)), [[-1, -1, -1]]).shape == (0, 3)


def test_a_pieces_small_marks_do_not_say_where_it_stands():
    # "1," and a 5 drawn apart: the comma hangs 6 below the 1's foot, the 5 was drawn 20 below it
    one, comma, five = square(0, 0), square(12, 6, size=3), square(40, 20)
    offsets = points_to_offsets(np.concatenate([one, comma, five]))
    pts = offsets_to_points(set_together(offsets, [[-1, 15, 23]]))
    assert pts[16:, 1].max() == pytest.approx(0)  # on the 1's foot, not on the comma's tail (6)
    assert 3 < MARK_FRACTION * 10  # the comma is a mark by its size alone: 3 tall, the 1 10


def test_a_letters_strokes_all_count_where_none_is_small_beside_its_tallest():
    # a P drawn as a stem (12 tall, foot at 0) and a bowl (20 tall) drawn well above it: 36 in all
    stem, bowl = np.array([[0, -12, 0], [0, 0, 1]]), np.array([[0, -36, 0], [8, -26, 0], [0, -16, 1]])
    ink = np.concatenate([stem, bowl]).astype(float)
    assert ground(ink[:, :2], ink[:, 2]) == pytest.approx(0)  # on the stem's foot, not the bowl's
    assert 12 < MARK_FRACTION * 36  # small beside the whole, not beside the tallest stroke


def test_strokes_on_punctuation_are_passed_over_whatever_their_size():
    # a long comma (9 tall, 0.5 of its piece) joined to "000": only the window says it is a comma
    zero, comma = square(10, 0), square(0, 8, size=9)
    ink = np.concatenate([comma, zero])
    marks = np.r_[np.ones(8, bool), np.zeros(8, bool)]
    assert ground(ink[:, :2], ink[:, 2]) == pytest.approx(8)  # unmarked, the comma's tail
    assert ground(ink[:, :2], ink[:, 2], marks) == pytest.approx(0)  # marked, the 0's foot
    assert ground(ink[:8, :2], ink[:8, 2], marks[:8]) == pytest.approx(8)  # a piece of marks alone: all of it


def test_a_piece_that_is_only_a_mark_moves_left_and_the_next_is_set_on_the_last_digit():
    # "4 . 5" drawn apart: the full stop drawn high (at -30), the 5 drawn 15 below the 4's foot
    four, stop, five = square(0, 0), square(30, -30, size=2), square(60, 15)
    offsets = points_to_offsets(np.concatenate([four, stop, five]))
    before = offsets_to_points(offsets)
    for marks in (None, np.r_[np.zeros(8, bool), np.ones(8, bool), np.zeros(8, bool)]):  # small, or on a "."
        pts = offsets_to_points(set_together(offsets, [[-1, 7, 15, 23]], marks=marks))
        np.testing.assert_allclose(pts[8:16, 1], before[8:16, 1])  # the stop keeps its height
        assert pts[8:16, 0].min() < before[8:16, 0].min()  # closed up
        assert pts[16:, 1].max() == pytest.approx(0)  # the 5 on the 4's foot, not on the stop
    # "4 5 ." with the 5 hung 10 below the 4's foot and the stop drawn on the line: the 5 is raised, the stop stays
    hung = points_to_offsets(np.concatenate([four, square(30, 10), square(60, 0, size=2)]))
    pts = offsets_to_points(set_together(hung, [[-1, 7, 15, 23]]))
    assert pts[8:16, 1].max() == pytest.approx(0) and pts[16:, 1].max() == pytest.approx(0)
    tall = square(30, -30, size=9)  # a piece as tall as a digit is set level, as before
    pts = offsets_to_points(set_together(points_to_offsets(np.concatenate([four, tall, five])), [[-1, 7, 15, 23]]))
    assert pts[8:16, 1].max() == pytest.approx(0) and pts[16:, 1].max() == pytest.approx(0)


def test_a_run_begun_on_marks_is_set_on_its_first_piece_that_is_not_one():
    # ". 1 2" (".5" or a stop drawn apart before a number): the stop drawn 8 low, the 1 on the line, the 2 drawn 5 low
    offsets = points_to_offsets(np.concatenate([square(0, 0, size=2), square(30, -8), square(50, -3)]))
    stop = np.r_[np.ones(8, bool), np.zeros(16, bool)]
    pts = offsets_to_points(set_together(offsets, [[-1, 7, 15, 23]], marks=stop))
    assert pts[8:16, 1].max() == pytest.approx(-8)  # the 1 as drawn
    assert pts[16:, 1].max() == pytest.approx(-8)  # the 2 on it
    assert pts[8:16, 0].min() < 30  # closed up all the same
    pts = offsets_to_points(set_together(offsets, [[-1, 7, 15, 23]]))  # unmarked, the stop is the line
    assert pts[8:16, 1].max() == pytest.approx(0) and pts[16:, 1].max() == pytest.approx(0)


def test_mark_ink_is_the_strokes_whose_window_lies_on_punctuation():
    text = "1,0"
    offsets = points_to_offsets(np.concatenate([square(0, 0), square(12, 4, size=3), square(20, 0)]))
    phi = np.zeros((24, len(text) + 1))
    phi[np.arange(24), np.repeat([0, 1, 2], 8)] = 1.0
    phi[8:10] = np.eye(len(text) + 1)[2]  # the window moves on early: most of the stroke still decides
    np.testing.assert_array_equal(mark_ink(offsets, phi, text), np.repeat([False, True, False], 8))
    phi[20:, :] = np.eye(len(text) + 1)[3]  # a stroke mostly past the text's end is no mark
    assert not mark_ink(offsets, phi, text)[16:].any()


def test_word_bounds_cut_only_between_the_words_of_the_joined_text():
    offsets = np.zeros((12, 3))
    offsets[[1, 3, 5, 7, 9, 11], 2] = 1
    text, runs = spread("ab CPU d")  # "ab C P U d": words start at 3 (C), 5, 7 (inner letters) and 9 (d)
    peak = np.array([0, 0, 3, 3, 5, 5, 7, 7, 9, 9, 10, 10])
    phi = np.eye(len(text) + 1)[peak]
    assert word_bounds(offsets, phi, runs, text) == [-1, 1, 7, 11]  # "ab" | "CPU" | "d"
    assert letter_bounds(offsets, phi, runs, text) == [[1, 3, 5, 7]]


def test_space_after_gives_the_run_the_median_word_gap():
    xs = [0, 30, 60, 80, 110]  # words 10 wide: gaps 20, 20, 10 (after the run) and 20
    offsets = points_to_offsets(np.concatenate([square(x, 0) for x in xs]))
    words = [-1, 7, 15, 23, 31, 39]
    out = space_after(offsets, words, after=[23])
    pts = offsets_to_points(out)
    assert pts[24:32, 0].min() - pts[16:24, 0].max() == pytest.approx(20)  # widened to the others' median
    assert list(np.flatnonzero(np.any(out != offsets, axis=1))) == [24]
    np.testing.assert_array_equal(space_after(offsets, words, after=[7]), offsets)  # 20 >= median: kept
    np.testing.assert_array_equal(space_after(offsets[:16], [-1, 7, 15], after=[7]), offsets[:16])  # no others


def test_set_runs_sets_letters_together_then_spaces_the_next_word():
    # "ab C P U d" as the network might write it: the letters far apart and drifting down, d too close
    pieces = [square(0, 0), square(40, 0), square(80, 4), square(120, 8), square(133, 8)]
    offsets = points_to_offsets(np.concatenate(pieces))
    text, runs = spread("ab CPU d")
    peak = np.repeat([0, 3, 5, 7, 9], 8)
    phi = np.eye(len(text) + 1)[peak]
    pts = offsets_to_points(set_runs(offsets, phi, runs, text))
    letters = [pts[8 * i: 8 * i + 8] for i in range(5)]
    for a, b in zip(letters[1:3], letters[2:4]):
        assert b[:, 0].min() - a[:, 0].max() == pytest.approx(GAP_FRACTION * 10)
        assert b[:, 1].max() == pytest.approx(a[:, 1].max())
    # "ab" -> "C" was 30; "U" -> "d" was 3: widened to 30, the only other gap
    assert letters[4][:, 0].min() - letters[3][:, 0].max() == pytest.approx(30)
    np.testing.assert_array_equal(set_runs(offsets, phi, [], text), offsets)
