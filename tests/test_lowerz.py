"""A lower-case z drawn without its foot, redrawn as a printed z (strokes.lowerz), on hand-made lines
whose window peak is set stroke by stroke."""
import numpy as np
import pytest

from strokes.lowerz import MIN_POINTS, PURE, footless, zigzag, zigzag_zs
from strokes.transforms import offsets_to_points, points_to_offsets

from redrawn import moved_strokes


def polyline(corners, n=9):
    """One stroke of n points evenly along the corners (k, 2) (y down), the pen lifted after it."""
    corners = np.asarray(corners, dtype=float)
    along = np.r_[0.0, np.cumsum(np.hypot(*np.diff(corners, axis=0).T))]
    at = np.linspace(0.0, along[-1], n)
    out = np.zeros((n, 3))
    out[:, 0], out[:, 1], out[-1, 2] = np.interp(at, along, corners[:, 0]), np.interp(at, along, corners[:, 1]), 1
    return out


def line(text, strokes, owners):
    points = np.concatenate(strokes)
    phi = np.eye(len(text) + 1)[np.repeat(owners, [len(s) for s in strokes])]
    return points_to_offsets(points), phi, points[:, :2]


A = polyline([[0, -10], [6, 0]], 7)  # the letter before it
Y = polyline([[30, -10], [36, 10]], 7)  # the letter after it
VEE = [[10, -10], [20, -5], [10, 0]]  # ">" from its upper left to its lower left (y down: -10 is the top)


def test_zigzag_runs_along_the_top_bar_the_diagonal_and_the_foot():
    points = np.array([[0.0, 0], [10, 10]] * 5)  # any 10 points spanning the box x 0-10, y 0-10
    z = zigzag(points)
    np.testing.assert_allclose(z[[0, -1]], [[0, 0], [10, 10]])  # from the top bar's start to the foot's end
    on_bar, on_diagonal, on_foot = z[:, 1] == 0, np.isclose(z[:, 0] + z[:, 1], 10), z[:, 1] == 10
    assert np.all(on_bar | on_diagonal | on_foot)
    assert np.all(np.diff(np.flatnonzero(on_bar)) == 1) and on_bar[:2].all()  # the bar first, then ...
    assert on_foot[-2:].all() and not on_foot[:3].any()  # ... the foot last
    along = 10 + np.hypot(10, 10) + 10
    np.testing.assert_allclose(np.hypot(*(z[1] - z[0])), along / 9)  # evenly spaced along the path


@pytest.mark.parametrize("corners, redrawn", [
    (VEE, True),  # ">": ends at the lower left
    ([[10, -10], [20, -8], [12, 0]], True),  # ")"
    ([[10, -10], [20, -10], [10, 0], [20, 0]], False),  # a z: ends at its foot
    ([[10, -10], [20, -9], [11, 0], [19, -1]], False),  # a 2's shape: ends at the lower right
    ([[10, -1], [40, 0], [10, 0.5]], False),  # a dash: too flat for a z
])
def test_only_a_z_that_does_not_end_at_its_foot_is_redrawn(corners, redrawn):
    assert footless(polyline(corners)[:, :2]) == redrawn


def test_a_footless_z_is_redrawn_as_a_printed_z_in_its_box_and_nothing_else_moves():
    text = "azy"
    z = polyline(VEE, 9)
    offsets, phi, points = line(text, [A, z, Y], [0, 1, 2])
    out = zigzag_zs(offsets, phi, text)
    got = offsets_to_points(out, origin=points[0])[:, :2]
    np.testing.assert_allclose(got[7:16], zigzag(points[7:16]), atol=1e-9)
    np.testing.assert_allclose(got[7], [10, -10], atol=1e-9)  # the top bar's start ...
    np.testing.assert_allclose(got[15], [20, 0], atol=1e-9)  # ... the foot's end, across its box
    np.testing.assert_allclose(got[:7], points[:7], atol=1e-9)
    np.testing.assert_allclose(got[16:], points[16:], atol=1e-9)  # the ink after it keeps its place
    np.testing.assert_array_equal(out[:, 2], offsets[:, 2])


@pytest.mark.parametrize("text, strokes, owners, marks", [
    ("azy", [A, polyline(VEE, MIN_POINTS - 1), Y], [0, 1, 2], {}),  # too few points
    ("azy", [A, polyline(VEE[:2], 5), polyline(VEE[1:], 5), Y], [0, 1, 1, 2], {}),  # two strokes
    ("axy", [A, polyline(VEE, 9), Y], [0, 1, 2], {}),  # not a z
    ("azy", [A, polyline(VEE, 9), Y], [0, 1, 2], {1: "Z"}),  # a stand-in's
])
def test_other_strokes_are_left_as_drawn(text, strokes, owners, marks):
    offsets, phi, _ = line(text, strokes, owners)
    np.testing.assert_array_equal(zigzag_zs(offsets, phi, text, marks), offsets)


def test_a_z_joined_on_to_its_neighbour_is_left_as_drawn():
    text = "azy"
    z = polyline(VEE, 10)
    offsets, phi, _ = line(text, [A, z, Y], [0, 1, 2])
    phi[7 + 7:7 + 10] = np.eye(len(text) + 1)[2]  # its last 3 points of 10 under the window on the y
    assert 0.7 < PURE
    np.testing.assert_array_equal(zigzag_zs(offsets, phi, text), offsets)


def test_write_redraws_only_lower_case_zs():
    # the shipped weights, single samples at bias 0.5, the other steps after sampling off, so that only
    # the z's differ between the two
    from strokes.hand import Hand
    hand = Hand.from_checkpoint()
    texts = ["the lazy zebra", "a dozen pizzas at the zoo", "the jazz was amazing", "a size of zero"]
    kw = dict(bias=0.5, seed=4, candidates=1, level_words=False, space_words=False, lift_digits=False,
              shrink_initials=False, cross_x=False)
    on, off = hand.write(texts, zigzag_z=True, **kw), hand.write(texts, zigzag_z=False, **kw)
    redrawn = 0
    for text, owner, new, old in moved_strokes(on, off):
        assert text[owner] == "z", (text, owner)
        np.testing.assert_allclose(new, zigzag(old), atol=1e-6)
        redrawn += 1
    assert redrawn >= 1, redrawn
