"""A line's first B, P, D, W or digit written after a lead-in word whose ink is cut off (strokes.leadin): on
hand-made ink with a known window, and through Hand.write with the shipped weights."""
import numpy as np
import pytest

from strokes.attention import AttentionCheck
from strokes.hand import Hand
from strokes.leadin import LEAD, lead, needs_lead, strip
from strokes.written import Written


def written(offsets, peak, text):
    """A Written of `text` whose window's peak is on character peak[t] at step t."""
    phi = np.eye(len(text) + 1)[peak]  # (T, U + 1)
    return Written(text, text, np.asarray(offsets, dtype=np.float64), phi, AttentionCheck(True, True, 0, 0, ""), True, 0)


def test_only_lines_that_begin_with_a_b_p_d_w_or_a_digit_get_a_lead_in():
    texts = ["Bob", "Paul", "Dave", "We", "1984", "5 men",
             "bob", "Anna", "Hope", "Rain", "The", "Lo", " Bob", ""]
    assert [needs_lead(t) for t in texts] == [True] * 6 + [False] * 8
    assert lead("Bob sat", "Bob sat") == LEAD + "Bob sat" and lead("Anna sat", "Anna sat") == "Anna sat"
    assert lead("4 of us", "L of us") == LEAD + "L of us" and lead("Lo", "Lo") == "Lo"  # a 4's stand-in L, not an L


def test_the_ink_before_the_pen_lift_ahead_of_the_capital_is_cut_off():
    text = LEAD + "Bo"  # "so Bo": the capital at position 3
    offsets = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1],  # "so", the pen lifted at its end
                        [5, 0, 0], [1, 2, 0], [0, 1, 1],  # the window still on the space, then the B
                        [2, 0, 0], [1, 1, 1]], dtype=float)  # the o
    peak = [0, 1, 1, 2, 3, 3, 4, 5]
    w = strip(written(offsets, peak, text))
    np.testing.assert_array_equal(w.offsets, offsets[3:])  # from the step after the last lift before the B
    assert w.phi.shape == (5, len("Bo") + 1) and w.phi.argmax(1).tolist() == [max(p - 3, 0) for p in peak[3:]]
    assert w.window_text == "Bo" and w.written_text == "Bo"


def test_a_lead_in_joined_to_the_capital_is_cut_where_the_window_reaches_it():
    text = LEAD + "B"
    offsets = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 0], [1, 2, 0], [0, 1, 1]], dtype=float)  # one stroke
    w = strip(written(offsets, [0, 1, 2, 3, 3], text))
    np.testing.assert_array_equal(w.offsets, offsets[3:])
    assert w.window_text == "B"


def test_a_line_whose_window_never_reached_the_capital_is_left_as_it_is():
    text = LEAD + "B"
    offsets = np.array([[1, 0, 0], [1, 1, 1], [1, 0, 1]], dtype=float)
    w = strip(written(offsets, [0, 1, 2], text))
    np.testing.assert_array_equal(w.offsets, offsets)
    assert w.window_text == text and w.phi.shape == (3, len(text) + 1)


@pytest.fixture(scope="module")
def hand():
    return Hand.from_checkpoint()


def test_write_draws_the_line_after_the_lead_in_and_keeps_only_the_capital_onwards(hand):
    kw = dict(seed=3, candidates=1, stand_ins=False, level_words=False)
    [got] = hand.write(["Bob sat"], lead_in=True, **kw)
    [whole] = hand.write([LEAD + "Bob sat"], lead_in=False, **kw)  # the same draw, with the lead-in's ink
    assert len(whole.offsets) > len(got.offsets) > 10
    np.testing.assert_array_equal(got.offsets, strip(whole).offsets)
    assert got.window_text == got.written_text == "Bob sat" and got.phi.shape[1] == len("Bob sat") + 1
    for text in ["Anna sat", "a Bob sat"]:  # no B, P, D, W or digit first: the same with and without
        [on], [off] = hand.write([text], lead_in=True, **kw), hand.write([text], lead_in=False, **kw)
        np.testing.assert_array_equal(on.offsets, off.offsets)


def test_a_line_is_led_in_by_its_text_as_asked_not_by_the_stand_ins_given_for_it(hand):
    kw = dict(seed=3, candidates=1, level_words=False)
    [on], [off] = hand.write(["4 of us"], lead_in=True, **kw), hand.write(["4 of us"], lead_in=False, **kw)
    assert on.window_text == off.window_text == "L of us"  # the 4's stand-in, the lead-in gone
    assert not np.array_equal(on.offsets, off.offsets)  # drawn after "so "
    [on], [off] = hand.write(["Lo la"], lead_in=True, **kw), hand.write(["Lo la"], lead_in=False, **kw)
    np.testing.assert_array_equal(on.offsets, off.offsets)  # an L of the text: no lead-in
