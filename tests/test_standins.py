"""Stand-ins for the characters the network cannot write (strokes.standins), on hand-made ink."""
import random

import numpy as np
import pytest

from strokes.acronyms import joined, set_together, spread
from strokes.defaults import STAND_IN_CHARS
from strokes.standins import (CAPITAL_SCALE, FIVE_BAR_MIN, FOUR_BAR, FOUR_STEM, FOUR_STEM_AT, IN_WORD, STAND_INS,
                              STROKE_POINTS, TAIL_POINTS, add_strokes, closing, enlarge, five_bar, has_bar, ink_bounds,
                              number_run, number_runs, resize_all, restore, squash, stem, substitute, tail, x_cross)
from strokes.transforms import offsets_to_points, points_to_offsets


def at(offsets, first):
    """The (T, 2) points of offsets whose first point is `first` (points_to_offsets keeps it relative)."""
    return offsets_to_points(offsets, origin=first[:2])[:, :2]


@pytest.mark.parametrize("text, network, runs, marks", [
    ("a Queen", "a O ueen", [[2, 4]], {2: "Q"}),
    ("Xavier and Quentin", "x avier and O uentin", [[0, 2], [12, 14]], {0: "X", 12: "Q"}),
    ("mark an X.", "mark an x .", [[8, 10]], {8: "X"}),  # the full stop is set back against the x
    ("an X", "an x", [], {3: "X"}),  # nothing follows in its word: no space put in
    ("Iraq and quiz", "Iraq and quiz", [], {0: "I"}),  # lower-case q and x are the network's own; the I too, given bars after
    ("in 1945", "in 19 L 5", [[4, 6, 8]], {6: "4", 8: "5"}),  # apart from the ink before them too; one run
    ("page 42.", "page L 2.", [[5, 7]], {5: "4"}),
    ("a4 b", "a L b", [[0, 2]], {2: "4"}),  # the run ends with the word
    ("5 or 6", "5 or 6", [], {0: "5"}),  # a 5 stands in for itself: it is finished after sampling
    ("room 808", "room S 0 S", [[5, 7, 9]], {5: "8", 9: "8"}),
    ("MaX", "ma x", [[1, 3]], {0: "M", 3: "X"}),
    ("Nine Nights", "nine nights", [], {0: "N", 5: "N"}),  # an N stays in its word: enlarged where it stands
    ("McNeil and N.", "mcNeil and n.", [], {0: "M", 11: "N"}),  # only an N or M that begins a word
    ("King Kong", "ling long", [], {0: "K", 5: "K"}),  # a K's stem is an l: given arms after sampling
    ("For aFter", "For aFter", [], {0: "F"}),  # an F is its own: given its bar after sampling
    ("Every tEa", "Lvery tEa", [], {0: "E"}),  # an E's stem and foot are an L: given bars after sampling
    ("Zoe at 7", "7oe at 7", [], {0: "Z"}),  # a Z is a 7: given a foot after sampling; a 7 is its own
    ("Yes Vera", "Ves Vera", [], {0: "Y"}),  # a Y is a V: squashed into its arms and given a stem
    ("He and Hal", "le and lal", [], {0: "H", 7: "H"}),  # an H's first stem is an l: given the rest after sampling
    ("Go, Greg", "Co, Creg", [], {0: "G", 4: "G"}),  # a G is a C: given its spur after sampling
    ("a C P U and U", "a C P u and u", [], {6: "U", 12: "U"}),  # a U standing alone is a u, enlarged after sampling
    ("Under UN aU", "Under UN aU", [], {}),  # a U in a word is the network's own
])
def test_substitute_puts_stand_ins_apart_from_the_rest_of_their_word(text, network, runs, marks):
    assert substitute(text) == (network, runs, marks)
    assert joined(restore(network, marks), runs) == text


@pytest.mark.parametrize("text, level", [
    ("in 1945", [True]), ("room 808", [True]), ("at 1523 now", [True]),  # digits and stand-ins for digits: one baseline
    ("a4 b", [False]), ("g14", [False]), ("4th", [False]),  # a letter in the word, which may hang below the line
    ("a Queen", [False]), ("Xavier and 45", [False, True]),
    # a number's punctuation and signs stand with it: times, prices, thousands, a full stop after it
    ("at 10:45", [True]), ("$12", [False]), ("pay €24.50", [False]), ("1,450 men", [True]), ("in 1945.", [True]),
    ("45%", [True]), ("1939-45", [False]), ("4/5", [False]), ("Q4", [False]), ("5:ab", [False]),
])
def test_only_a_numbers_runs_are_set_level(text, level):
    network, runs, marks = substitute(text)
    assert [number_run(network, r, marks) for r in runs] == level
    assert number_runs(network, runs, marks)[1] == level


@pytest.mark.parametrize("text, network, runs", [
    ("at 10:45", "at 10: L 5", [[3, 7, 9]]),  # from "10:", not from its colon: set on the 1 and the 0
    ("1,450 men", "1, L 5 0 men", [[0, 3, 5, 7]]),
    ("in 1945.", "in 19 L 5 .", [[3, 6, 8, 10]]),  # from "19", not from its 9 alone
    ("pay $24.50", "pay S 2 L . 5 0", [[4, 6, 8, 10, 12, 14]]),  # not a number: as given
    ("a 4:ab", "a L :ab", [[2, 4]]),  # not a number: as given
])
def test_a_number_is_set_from_its_words_start(text, network, runs):
    out, flat_runs, marks = substitute(text)
    assert out == network
    assert number_runs(out, flat_runs, marks)[0] == runs


def test_substitute_moves_acronym_runs_and_round_trips_on_random_text():
    spaced, runs = spread("the FAQs and XML")  # "the F A Qs and X M L"
    out, all_runs, marks = substitute(spaced, runs)
    assert out == "the F A O s and x m L"
    assert all_runs == [[4, 6, 8], [16, 18, 20], [8, 10]]  # the acronyms' runs first, then the stand-in's
    assert marks == {4: "F", 8: "Q", 16: "X", 18: "M"}  # an F stands in for itself: it is finished after sampling
    rng = random.Random(0)
    for _ in range(500):
        text = "".join(rng.choice("aQXNMKFEZYHGBIU q.4587") for _ in range(rng.randint(0, 20)))
        spaced, runs = spread(text)
        out, all_runs, marks = substitute(spaced, runs)
        assert joined(restore(out, marks), all_runs) == text
        assert not set("QX48") & set(out)
        assert all(out[u] == STAND_INS[c] for u, c in marks.items())
        assert all(u == 0 or out[u - 1] == " " for u in marks)  # each begins a word ...
        assert all(u == len(out) - 1 or out[u + 1] == " " for u, c in marks.items() if c not in IN_WORD)  # ... or is one
        assert all(c != "u" or u in marks for u, c in enumerate(out))  # the text holds no u: each stands in for a U
        alone = lambda u: out[u - 1: u] in ("", " ") and out[u + 1: u + 2] in ("", " ")  # noqa: E731
        assert not any(c == "U" and alone(u) for u, c in enumerate(out))  # a U drawn as a word of its own is a u ...
        assert all(alone(u) for u, c in marks.items() if c == "U")  # ... and only such a U
        assert not any(c in "NMKEZYHG" and (u == 0 or out[u - 1] == " ") for u, c in enumerate(out))  # mid-word: its own
        only, only_runs, only_marks = substitute(spaced, runs, chars="Q")  # only some stand in
        assert "X" in only or "X" not in text
        assert joined(restore(only, only_marks), only_runs) == text and set(only_marks.values()) <= {"Q"}


def test_the_parsers_list_of_stand_ins_matches_the_modules():
    assert set(STAND_IN_CHARS) == set(STAND_INS)


def circle(cx, cy, r, n=24):
    """A closed stroke: a circle of radius r about (cx, cy); y grows downwards."""
    t = np.linspace(0, 2 * np.pi, n)
    pts = np.stack([cx + r * np.cos(t), cy + r * np.sin(t), np.zeros(n)], 1)
    pts[-1, 2] = 1
    return pts


def bar(x0, y0, x1, y1, n=6):
    pts = np.stack([np.linspace(x0, x1, n), np.linspace(y0, y1, n), np.zeros(n)], 1)
    pts[-1, 2] = 1
    return pts


def test_tail_is_a_stroke_across_the_lower_right_of_the_o_added_after_the_line():
    o, rest = circle(50, 50, 20), bar(90, 40, 110, 70)  # an O, then the next letter
    offsets = points_to_offsets(np.concatenate([o, rest]))
    text, phi = "O u", np.eye(4)[np.repeat([0, 2], [len(o), len(rest)])]  # (T, U + 1)
    stroke = tail(offsets, -1, len(o) - 1) + o[0, :2]  # points_to_offsets keeps positions relative to o[0]
    r = np.hypot(*(stroke - 50).T)
    assert r[0] < 20 < r[-1]  # from inside the loop to outside it
    assert (np.diff(stroke, axis=0) > 0).all()  # down and to the right all along
    assert (stroke[:, 0] > 50).all() and (stroke[:, 1] > 50).all()  # in the lower-right quarter
    out, phi2 = add_strokes(offsets, phi, text, {0: "Q"})
    assert out.shape == (len(offsets) + TAIL_POINTS, 3) and phi2.shape == (len(out), 4)
    pts = at(out, o[0])
    np.testing.assert_array_equal(out[: len(offsets), :2], offsets[:, :2])  # the network's steps keep their places
    np.testing.assert_allclose(pts[len(offsets):], stroke, atol=1e-9)  # the tail comes last, a stroke of its own
    assert out[len(offsets) - 1, 2] == 1 and out[-1, 2] == 1 and not out[len(offsets):-1, 2].any()
    np.testing.assert_array_equal(phi2[len(offsets):], np.repeat(phi[-1:], TAIL_POINTS, 0))
    assert tail(offsets, -1, 1) is None  # too little ink to be an O
    np.testing.assert_array_equal(add_strokes(offsets, phi, text, {2: "X"})[0], offsets)  # an X gets no stroke


def test_enlarge_grows_the_letter_on_its_line_and_moves_the_rest_right():
    x = np.concatenate([bar(0, -10, 10, 0), bar(10, -10, 0, 0)])  # an x, 10 high, its baseline at y = 0
    rest = bar(20, -10, 30, 0)
    first = bar(-40, -10, -30, 0)
    offsets = points_to_offsets(np.concatenate([first, x, rest]))
    out = enlarge(offsets, 5, 5 + len(x))
    pts, before = at(out, first[0]), at(offsets, first[0])
    big = pts[6: 6 + len(x)]
    assert np.ptp(big[:, 1]) == pytest.approx(CAPITAL_SCALE * 10) and np.ptp(big[:, 0]) == pytest.approx(CAPITAL_SCALE * 10)
    assert big[:, 1].max() == pytest.approx(0) and big[:, 0].min() == pytest.approx(0, abs=1e-9)  # same line and left edge
    np.testing.assert_allclose(pts[:6], before[:6], atol=1e-9)  # the ink before is kept
    grew = (CAPITAL_SCALE - 1) * 10
    np.testing.assert_allclose(pts[6 + len(x):], before[6 + len(x):] + [grew, 0], atol=1e-9)  # the gap after is kept
    np.testing.assert_array_equal(out[:, 2], offsets[:, 2])


@pytest.mark.parametrize("strokes, back", [
    ([bar(2, -6, 8, 0), bar(10, -10, 0, 0)], 0),  # a short \ and a / : the X's first stroke stunted ("Y")
    ([bar(0, -10, 5, 0), bar(10, -10, 5, 0)], 0),  # two strokes meeting in a point, not crossing (a v)
    ([bar(0, 0, 10, -10), bar(10, 0, 0, -10)], 1),  # a / drawn upward, then a \ drawn upward
])
def test_an_xs_two_strokes_are_drawn_along_the_diagonals_of_its_box(strokes, back):
    rest = bar(30, -10, 40, 0)
    offsets = points_to_offsets(np.concatenate(strokes + [rest]))
    n = sum(len(p) for p in strokes)
    pts, before = at(x_cross(offsets, -1, n - 1), strokes[0][0]), at(offsets, strokes[0][0])
    low, high = before[:n].min(0), before[:n].max(0)
    k = 0
    for i, p in enumerate(strokes):
        line, old = pts[k: k + len(p)], before[k: k + len(p)]
        ends = [low, high] if i == back else [[high[0], low[1]], [low[0], high[1]]]  # \ or /
        if old[-1, 1] < old[0, 1]:  # drawn upward: it still is
            ends = ends[::-1]
        np.testing.assert_allclose(line, np.linspace(*np.array(ends, dtype=float), len(p)), atol=1e-9)
        k += len(p)
    np.testing.assert_allclose(pts[n:], before[n:], atol=1e-9)  # the rest keeps its place
    np.testing.assert_array_equal(x_cross(offsets, -1, n - 1)[:, 2], offsets[:, 2])  # pen lifts kept


def test_an_x_in_one_stroke_is_left_as_drawn():
    x = bar(0, -10, 10, 0)  # one stroke: a cursive x the rule cannot split
    offsets = points_to_offsets(np.concatenate([x, bar(30, -10, 40, 0)]))
    np.testing.assert_array_equal(x_cross(offsets, -1, len(x) - 1), offsets)


def test_stand_ins_are_found_by_the_window():
    # "O ueen x": an O, then "ueen" (one stroke), then an x of two strokes
    o, ueen = circle(20, -20, 20), bar(50, -15, 100, 0, n=10)
    x = np.concatenate([bar(120, -10, 130, 0), bar(130, -10, 120, 0)])
    offsets = points_to_offsets(np.concatenate([o, ueen, x]))
    text, marks = "O ueen x", {0: "Q", 7: "X"}
    peak = np.repeat([0, 2, 7], [len(o), len(ueen), len(x)])
    phi = np.eye(len(text) + 1)[peak]
    assert ink_bounds(offsets, phi, text, 0) == (-1, len(o) - 1)
    assert ink_bounds(offsets, phi, text, 7) == (len(o) + len(ueen) - 1, len(offsets) - 1)
    out = resize_all(offsets, phi, text, marks)
    pts = at(out, o[0])
    big = pts[-len(x):]
    assert np.ptp(big[:, 1]) == pytest.approx(CAPITAL_SCALE * 10) and big[:, 1].max() == pytest.approx(0, abs=1e-9)
    np.testing.assert_allclose(pts[: -len(x)], np.concatenate([o, ueen])[:, :2], atol=1e-9)  # the O is not enlarged
    out, phi2 = add_strokes(out, phi, text, marks)
    assert len(out) == len(phi2) == len(offsets) + TAIL_POINTS
    np.testing.assert_array_equal(resize_all(offsets, phi, text, {}), offsets)  # nothing marked: nothing changes


def test_set_together_without_levelling_moves_left_only():
    # the rest of a word that hangs below the line ("uery") stays at the height the network gave it
    o = circle(20, -20, 20)
    offsets = points_to_offsets(np.concatenate([o, bar(80, -15, 100, 10)]))
    flat = at(set_together(offsets, [[-1, 23, 29]], level=[False]), o[0])
    level = at(set_together(offsets, [[-1, 23, 29]]), o[0])
    before = at(offsets, o[0])
    np.testing.assert_allclose(flat[24:, 1], before[24:, 1])  # no vertical move
    assert flat[24:, 0].min() < before[24:, 0].min()  # closed up
    assert level[24:, 1].max() == pytest.approx(before[:24, 1].max())  # levelled: the tail pulled up to the line


def polyline(*corners, per=5):
    """One stroke through `corners` ((x, y) pairs, y down), `per` points to each segment."""
    pts = [np.linspace(p, q, per, endpoint=False) for p, q in zip(corners[:-1], corners[1:])] + [np.array([corners[-1]])]
    pts = np.concatenate(pts)
    return np.concatenate([pts, np.eye(1, len(pts), len(pts) - 1).T], 1)  # the pen lifts at its end


def test_a_four_is_an_l_squashed_onto_its_bar_with_a_stem_down_to_the_line():
    # "a L b": a letter, an L slanted right (top 10 right of its corner, 30 high, foot 20 wide on y = 0), a letter
    first, ell, rest = bar(-40, -10, -30, 0), polyline((10, -30), (0, 0), (20, 0)), bar(40, -10, 50, 0)
    offsets = points_to_offsets(np.concatenate([first, ell, rest]))
    text, marks = "a L b", {2: "4"}
    phi = np.eye(len(text) + 1)[np.repeat([0, 2, 4], [len(first), len(ell), len(rest)])]
    a, b = ink_bounds(offsets, phi, text, 2)
    assert (a, b) == (len(first) - 1, len(first) + len(ell) - 1)
    np.testing.assert_array_equal(resize_all(offsets, phi, text, marks), offsets)  # squashed after the run is set
    four, phi2 = add_strokes(offsets, phi, text, marks)
    out = four[: len(offsets)]
    pts, before = at(out, first[0]), at(offsets, first[0])
    ink = pts[a + 1: b + 1]
    np.testing.assert_allclose(ink[:, 0], before[a + 1: b + 1, 0])  # only squashed up and down
    np.testing.assert_allclose(ink[:, 1], -30 + FOUR_BAR * (before[a + 1: b + 1, 1] + 30))  # about its top
    np.testing.assert_allclose(pts[b + 1:], before[b + 1:], atol=1e-9)  # the rest of the line keeps its place
    np.testing.assert_array_equal(squash(offsets, a, a + 1), offsets)  # one point: nothing to squash
    assert len(four) == len(phi2) == len(out) + STROKE_POINTS
    s = at(four, first[0])[len(out):]  # the stem, a stroke after the line
    np.testing.assert_allclose(s[[0, -1], 1], [-30 + FOUR_STEM[0] * 30, -30 + FOUR_STEM[1] * 30], atol=1e-9)  # to the line
    bar_y = -30 + FOUR_BAR * 30
    t = (bar_y - s[0, 1]) / (s[-1, 1] - s[0, 1])
    assert (s[0] + t * (s[-1] - s[0]))[0] == pytest.approx(FOUR_STEM_AT * 20)  # crosses the bar 0.7 along
    down = np.array([0.0, bar_y]) - [10, -30]  # the squashed L's down-stroke
    d = s[-1] - s[0]
    assert down[0] * d[1] - down[1] * d[0] == pytest.approx(0, abs=1e-9)  # parallel to it
    assert np.allclose(np.diff(s, 2, axis=0), 0)  # straight
    assert stem(out, a, a + 2) is None  # too little ink
    # a stray point in the L's foot band, far right of it (the window reached the next character late): no part of it
    dotted = points_to_offsets(np.concatenate([first, ell, [[60, -2, 1]], rest]))
    np.testing.assert_allclose(stem(dotted, a, b + 1), stem(offsets, a, b))


def test_a_five_gets_a_bar_only_where_the_network_drew_none():
    body = polyline((0, -30), (0, -18), (8, -18), (14, -12), (14, -5), (8, 0), (0, 0))  # stem and belly, 30 high
    text, marks = "5", {0: "5"}
    phi = np.eye(2)[np.zeros(len(body), dtype=int)]
    offsets = points_to_offsets(body)
    assert not has_bar(offsets, -1, len(body) - 1)
    new = five_bar(offsets, -1, len(body) - 1) + body[0, :2]
    np.testing.assert_allclose(new[0], [0, -30])  # from the top of the stem
    assert np.ptp(new[:, 0]) == pytest.approx(0.8 * 14) and new[-1, 1] < -30  # to the right, rising a little
    out, phi2 = add_strokes(offsets, phi, text, marks)
    np.testing.assert_allclose(at(out, body[0])[len(body):], new, atol=1e-9)
    assert len(phi2) == len(out) == len(body) + STROKE_POINTS
    drawn = np.concatenate([body, bar(1, -30, 12, -31)])  # the network's own bar, drawn after the body
    offsets = points_to_offsets(drawn)
    phi = np.eye(2)[np.zeros(len(drawn), dtype=int)]
    assert has_bar(offsets, -1, len(drawn) - 1) and five_bar(offsets, -1, len(drawn) - 1) is None
    np.testing.assert_array_equal(add_strokes(offsets, phi, text, marks)[0], offsets)
    dot = np.concatenate([body, bar(5, -33, 6, -33)])  # a stray dot is no bar
    assert np.ptp(dot[-6:, 0]) < FIVE_BAR_MIN * 33
    assert not has_bar(points_to_offsets(dot), -1, len(dot) - 1)
    low = np.concatenate([body, bar(0, -2, 12, -2)])  # nor a flat stroke in the lower half
    assert not has_bar(points_to_offsets(low), -1, len(low) - 1)


def test_a_fives_bar_sits_on_its_body_not_on_a_stroke_before_it():
    # the 5's ink begins with the end of the character before it (a short stroke far to the left)
    body = polyline((0, -30), (0, -18), (8, -18), (14, -12), (14, -5), (8, 0), (0, 0))
    before = bar(-60, -20, -58, -10, n=3)
    offsets = points_to_offsets(np.concatenate([before, body]))
    new = five_bar(offsets, -1, len(offsets) - 1) + before[0, :2]
    np.testing.assert_allclose(new[0], [0, -30])  # from the top of the body, not from the stroke before it
    assert np.ptp(new[:, 0]) == pytest.approx(0.8 * 14)


def test_an_eight_is_an_s_closed_by_a_stroke_from_its_end_back_to_its_start():
    # an S from its top right to its bottom left, a stray dot before it
    s_curve = polyline((20, -28), (8, -30), (0, -22), (20, -8), (12, 0), (0, -2))
    dot = bar(-30, -15, -29, -15, n=2)
    offsets = points_to_offsets(np.concatenate([dot, s_curve]))
    text, marks = "S", {0: "8"}
    phi = np.eye(2)[np.zeros(len(offsets), dtype=int)]
    new = closing(offsets, -1, len(offsets) - 1) + dot[0, :2]
    np.testing.assert_allclose(new[[0, -1]], [[0, -2], [20, -28]], atol=1e-9)  # the body's end back to its start
    assert np.allclose(np.diff(new, 2, axis=0), 0)  # straight
    out, phi2 = add_strokes(offsets, phi, text, marks)
    np.testing.assert_allclose(at(out, dot[0])[len(offsets):], new, atol=1e-9)
    assert len(out) == len(phi2) == len(offsets) + STROKE_POINTS
    assert closing(offsets, -1, 1) is None  # no body of 3 points
