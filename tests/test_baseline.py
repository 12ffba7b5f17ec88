"""Floating words set back onto their line (strokes.baseline), on hand-made lines of zigzag words."""
import numpy as np
import pytest

from strokes.baseline import RISE, level_words
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
