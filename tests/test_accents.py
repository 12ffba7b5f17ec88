"""Accents drawn over the letters the network writes (strokes.accents), on hand-made ink."""
import numpy as np
import pytest

from strokes.accents import SHAPES, accents, add_accents, align, mark_strokes, split
from strokes.transforms import offsets_to_points, points_to_offsets


@pytest.mark.parametrize("char, base, marks", [
    ("é", "e", "\u0301"), ("è", "e", "\u0300"), ("ê", "e", "\u0302"), ("ü", "u", "\u0308"),
    ("ñ", "n", "\u0303"), ("ç", "c", "\u0327"), ("Å", "A", "\u030a"), ("ř", "r", "\u030c"),
    ("ę", "e", "\u0328"), ("ø", "o", "\u0338"), ("Ø", "O", "\u0338"),  # Unicode does not decompose ø
    ("e", "", ""), ("ß", "", ""), ("æ", "", ""),  # no accent to draw
])
def test_split_finds_the_base_letter_and_the_marks_it_can_draw(char, base, marks):
    assert split(char) == (base, marks)


def test_accents_lists_positions_and_marks():
    assert accents("a café, über") == [(5, "\u0301"), (8, "\u0308")]
    assert accents("plain") == []


def test_align_follows_characters_through_the_spaces_put_in():
    same = lambda a, b: a == b or (a, b) == ("Q", "O")  # noqa: E731
    assert align("aQb cd", "a O b cd", same) == [0, 2, 4, 5, 6, 7]
    assert align("abc", "abc", same) == [0, 1, 2]


def test_marks_sit_over_the_letter_and_a_cedilla_under_it():
    ink = np.array([[0.0, -10.0], [10.0, -10.0], [10.0, 0.0], [0.0, 0.0]])  # a letter 10 wide, 10 high
    for mark in "\u0301\u0300\u0302\u0308\u0303\u030a\u030c":
        strokes = mark_strokes(ink, mark, 10.0)
        assert len(strokes) == len(SHAPES[mark])
        pts = np.concatenate(strokes)
        assert pts[:, 1].max() < -10 and abs(pts[:, 0].mean() - 5) < 3  # above it, over its middle
    slash, = mark_strokes(ink, "\u0338", 10.0)
    assert slash[:, 1].min() < -10 and slash[:, 1].max() > 0  # through it, beyond its top and bottom
    np.testing.assert_allclose(slash.mean(0), [5, -5])  # about its centre
    cedilla, = mark_strokes(ink, "\u0327", 10.0)
    assert cedilla[:, 1].min() >= 0 and cedilla[0, 0] == pytest.approx(5)  # below it
    acute, = mark_strokes(ink, "\u0301", 10.0)
    assert acute[-1, 0] > acute[0, 0] and acute[-1, 1] < acute[0, 1]  # rising to the right
    grave, = mark_strokes(ink, "\u0300", 10.0)
    assert grave[-1, 0] > grave[0, 0] and grave[-1, 1] > grave[0, 1]  # falling to the right


def test_add_accents_finds_the_letter_by_the_window_and_adds_strokes_after_the_line():
    # "ce": two letters 10 high, the c at x 0-10, the e at x 20-30, in one stroke
    pts = np.concatenate([np.stack([np.linspace(0, 10, 6), np.full(6, -5.0)], 1),
                          np.stack([np.linspace(20, 30, 6), np.linspace(0, -10, 6)], 1)])
    pts = np.concatenate([pts, np.zeros((12, 1))], 1)
    pts[:6, 1] = np.linspace(0, -10, 6)
    pts[-1, 2] = 1
    offsets = points_to_offsets(pts)
    phi = np.eye(3)[np.repeat([0, 1], 6)]  # (T, U + 1): the window on c, then on e
    out, phi2 = add_accents(offsets, phi, [(1, "\u0301")], "ce", len(offsets))
    added = offsets_to_points(out, origin=pts[0, :2])[len(offsets):, :2]
    assert len(out) == len(phi2) > len(offsets)
    np.testing.assert_array_equal(out[: len(offsets) - 1], offsets[:-1])  # the network's ink untouched
    assert added[:, 0].min() > 20 and added[:, 0].max() < 30  # over the e, not the c
    assert added[:, 1].max() < -10  # above it
    same, _ = add_accents(offsets, phi, [], "ce", len(offsets))
    np.testing.assert_array_equal(same, offsets)  # nothing to add
