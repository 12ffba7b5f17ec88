"""strokes.transforms on synthetic strokes, against naive loops and geometric facts."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strokes import transforms as tf


def random_points(rng, n_strokes=4, n=30, scale=20.0):
    strokes = [np.cumsum(rng.normal(0, scale, size=(rng.integers(1, n), 2)), axis=0) + rng.integers(0, 2000, 2)
               for _ in range(n_strokes)]
    return tf.strokes_to_points(strokes)


int_strokes = st.lists(st.lists(st.tuples(st.integers(-9000, 9000), st.integers(-9000, 9000)), min_size=1,
                                max_size=20), min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(int_strokes)
def test_points_offsets_round_trip_exact(strokes):
    points = tf.strokes_to_points(strokes)
    offsets = tf.points_to_offsets(points)
    assert offsets.shape == points.shape
    assert np.array_equal(offsets[0], [0, 0, points[0, 2]])  # the first point relative to itself
    # naive loop reference
    for t in range(1, len(points)):
        assert np.array_equal(offsets[t, :2], points[t, :2] - points[t - 1, :2])
    back = tf.offsets_to_points(offsets, origin=points[0, :2])
    assert np.array_equal(back, points)
    assert [s.tolist() for s in tf.points_to_strokes(points)] == [[list(map(float, p)) for p in s] for s in strokes]


def test_eos_marks_last_point_of_each_stroke():
    points = tf.strokes_to_points([[(0, 0), (1, 0), (2, 0)], [(5, 5)], [(7, 7), (8, 8)]])
    assert points[:, 2].tolist() == [0, 0, 1, 1, 0, 1]


def test_stats_and_normalise_round_trip():
    rng = np.random.default_rng(0)
    lines = [tf.points_to_offsets(random_points(rng)) for _ in range(20)]
    stats = tf.compute_stats(lines)
    steps = [o[t, :2] for o in lines for t in range(1, len(o))]  # naive: every row but the first
    assert np.allclose(stats["mean"], np.mean(steps, 0)) and np.allclose(stats["std"], np.std(steps, 0))
    assert stats["steps"] == len(steps)
    assert np.isclose(stats["median_step"], np.median([np.hypot(*s) for s in steps if np.hypot(*s) > 0]))
    normed = [tf.normalise(o, stats) for o in lines]
    d = np.concatenate([o[1:, :2] for o in normed])
    assert np.allclose(d.mean(0), 0, atol=1e-9) and np.allclose(d.std(0), 1)
    for o, n in zip(lines, normed):
        assert np.allclose(tf.denormalise(n, stats), o, atol=1e-9)
        assert np.array_equal(n[:, 2], o[:, 2])
        m = tf.normalise(o, stats, "median")
        assert np.allclose(m[:, :2], o[:, :2] / stats["median_step"])
        assert np.allclose(tf.denormalise(m, stats, "median"), o, atol=1e-9)


def test_constant_axis_does_not_divide_by_zero():
    o = tf.points_to_offsets(tf.strokes_to_points([[(0, 0), (1, 0), (2, 0)]]))
    stats = tf.compute_stats([o])
    assert stats["std"][1] == 0 and np.isfinite(tf.normalise(o, stats)).all()


def test_outliers_naive_loop_and_clip():
    rng = np.random.default_rng(1)
    points = random_points(rng, n_strokes=3, n=40, scale=5.0)
    points[10, :2] += 5000  # a sensor spike inside a stroke (if 10 is not a stroke end)
    points[10, 2] = points[9, 2] = 0
    o = tf.points_to_offsets(points)
    mask, limit = tf.outlier_steps(o, 20.0)
    L = np.hypot(o[:, 0], o[:, 1])
    down = [t for t in range(1, len(o)) if o[t - 1, 2] == 0 and L[t] > 0]
    assert np.isclose(limit, 20 * np.median(L[down]))
    expect = [t >= 1 and o[t - 1, 2] == 0 and L[t] > limit for t in range(len(o))]
    assert mask.tolist() == expect and mask[10] and mask[11]
    clipped, n = tf.clip_outliers(o, 20.0)
    assert n == mask.sum()
    Lc = np.hypot(clipped[:, 0], clipped[:, 1])
    assert np.allclose(Lc[mask], limit) and np.array_equal(clipped[~mask], o[~mask])
    cos = (clipped[mask, :2] * o[mask, :2]).sum(1) / (Lc[mask] * L[mask])
    assert np.allclose(cos, 1)  # direction kept
    assert tf.preprocess(points, tf.Preprocess(outliers="drop")) == (None, n)
    assert np.array_equal(tf.preprocess(points, tf.Preprocess(outliers="none"))[0], o)


def test_pen_up_jumps_are_never_outliers():
    points = tf.strokes_to_points([[(0, 0), (1, 0), (2, 0)], [(9000, 9000), (9001, 9000)]])
    mask, _ = tf.outlier_steps(tf.points_to_offsets(points), 2.0)
    assert not mask.any()


def naive_savgol(points, window, order):
    out = points.astype(float).copy()
    h = window // 2
    for s0, s1 in zip(*[np.r_[0, np.flatnonzero(points[:, 2])[:-1] + 1], np.flatnonzero(points[:, 2]) + 1]):
        n = s1 - s0
        if n < window:
            continue
        for i in range(n):
            lo = min(max(i - h, 0), n - window)  # the window used: centred, or the first/last one
            x = np.arange(lo, lo + window)
            for k in range(2):
                c = np.polyfit(x, points[s0 + lo:s0 + lo + window, k], order)
                out[s0 + i, k] = np.polyval(c, i)
    return out


def test_savgol_matches_local_polynomial_fits():
    rng = np.random.default_rng(2)
    points = random_points(rng, n_strokes=5, n=25)
    got = tf.savgol_smooth(points, 7, 3)
    assert np.allclose(got, naive_savgol(points, 7, 3), atol=1e-6)
    assert np.array_equal(got[:, 2], points[:, 2])


def test_savgol_keeps_polynomials_and_short_strokes():
    t = np.arange(30.0)
    cubic = np.stack([0.01 * t**3 - t, 0.5 * t**2], 1)
    points = tf.strokes_to_points([cubic, [(3, 4), (5, 6)]])
    got = tf.savgol_smooth(points, 9, 3)
    assert np.allclose(got, points, atol=1e-8)


def test_baseline_and_slant_recover_known_geometry():
    rng = np.random.default_rng(3)
    x = np.linspace(0, 3000, 400)
    flat = np.stack([x, 50 * np.sin(x / 40) + rng.normal(0, 2, x.size)], 1)
    a = np.deg2rad(7)
    R = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    tilted = tf.strokes_to_points([flat @ R])
    assert np.isclose(tf.baseline_angle(tilted), a, atol=0.01)
    assert abs(tf.baseline_angle(tf.correct_baseline(tilted))) < 1e-9
    # upright zig-zag strokes (vertical lines), sheared by k = 0.3
    strokes = [np.stack([np.full(20, 100.0 * i), np.linspace(0, 200, 20)], 1) for i in range(10)]
    upright = tf.strokes_to_points(strokes)
    sheared = upright.copy()
    sheared[:, 0] += 0.3 * sheared[:, 1]
    assert np.isclose(tf.slant(sheared), 0.3)
    assert np.allclose(tf.deslant(sheared)[:, 0], upright[:, 0])


def test_resample_spacing_and_endpoints():
    rng = np.random.default_rng(4)
    points = random_points(rng, n_strokes=4, n=30)
    out = tf.resample(points, 10.0)
    before, after = tf.points_to_strokes(points), tf.points_to_strokes(out)
    assert len(before) == len(after)
    for b, a in zip(before, after):
        assert np.allclose(a[0], b[0]) and np.allclose(a[-1], b[-1])
        arc = np.hypot(*np.diff(b, axis=0).T).sum()
        assert len(a) == (int(np.ceil(arc / 10.0)) + 1 if arc > 0 else 1)
        assert np.all(np.hypot(*np.diff(a, axis=0).T) <= 10.0 + 1e-9)


def _resample_stroke_by_stroke(points, step):
    """Naive reference: np.linspace and np.interp on one stroke at a time."""
    out = []
    for s in tf.points_to_strokes(np.asarray(points, dtype=np.float64)):
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(s, axis=0).T))])
        if arc[-1] == 0:
            out.append(s[:1])
            continue
        t = np.linspace(0.0, arc[-1], int(np.ceil(arc[-1] / step)) + 1)
        out.append(np.stack([np.interp(t, arc, s[:, 0]), np.interp(t, arc, s[:, 1])], axis=1))
    return tf.strokes_to_points(out)


@pytest.mark.parametrize("step", [0.5, 3.0, 10.0, 30.0])
def test_resample_equals_the_stroke_by_stroke_reference_bit_for_bit(step):
    """Integer coordinates (arc lengths that are exact multiples of the step), repeated points,
    single-point and zero-length strokes, and a last stroke without its eos."""
    rng = np.random.default_rng(int(step * 10))
    for trial in range(20):
        points = random_points(rng, n_strokes=int(rng.integers(1, 8)), n=int(rng.integers(2, 60)))
        if trial % 2:
            points[:, :2] = np.round(points[:, :2])  # many steps of whole units: ceil(L / step) on the edge
        dup = rng.integers(0, len(points), 5)
        points = np.insert(points, dup, points[dup] * [1, 1, 0], axis=0)  # repeated points (zero steps)
        still = np.array([[5.0, 5.0, 0.0], [5.0, 5.0, 0.0], [5.0, 5.0, 1.0], [7.0, 1.0, 1.0]])  # L = 0 strokes
        points = np.concatenate([points[:4], still, points[4:]])
        points[:4, 2] = 0
        points[3, 2] = 1
        if trial % 3 == 0:
            points[-1, 2] = 0  # the tail has no eos: still a stroke
        got, want = tf.resample(points, step), _resample_stroke_by_stroke(points, step)
        assert got.shape == want.shape and np.array_equal(got, want), (trial, step)
    # a stroke 1e12 long before one whose first step is 1e-7: in the search, that step's key and t = 0's tie
    far = np.array([[0, 0, 0], [1e12, 0, 1], [0, 0, 0], [1e-7, 0, 0], [5, 3, 1.0]])
    assert np.array_equal(tf.resample(far, 1e11), _resample_stroke_by_stroke(far, 1e11))
    straight = np.array([[0.0, 0.0, 0.0], [15.0, 0.0, 0.0], [30.0, 0.0, 0.0], [60.0, 0.0, 1.0]])
    assert np.array_equal(tf.resample(straight, 30.0), [[0, 0, 0], [30, 0, 0], [60, 0, 1]])
    assert tf.resample(np.zeros((0, 3)), step).shape == (0, 3)


def test_preprocess_default_is_graves_clip_only_and_rejects_bad_points():
    cfg = tf.Preprocess()
    assert (cfg.outliers, cfg.normalise, cfg.smooth_window, cfg.baseline, cfg.deslant, cfg.resample_step) == \
        ("clip", "std", 0, False, False, 0.0)
    pts = tf.strokes_to_points([[(0, 0), (3, 4)], [(10, 0)]])
    assert np.array_equal(tf.preprocess(pts, cfg)[0], tf.points_to_offsets(pts))
    bad = pts.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="non-finite"):
        tf.preprocess(bad, cfg)
    with pytest.raises(ValueError, match="no points"):
        tf.check_points(np.zeros((0, 3)))
    with pytest.raises(ValueError):
        tf.Preprocess(outliers="maybe")
    with pytest.raises(ValueError):
        tf.Preprocess(smooth_window=4)
    full = tf.Preprocess(smooth_window=7, baseline=True, deslant=True, resample_step=5.0)
    assert tf.Preprocess.from_dict(full.to_dict()) == full
    o, _ = tf.preprocess(random_points(np.random.default_rng(5)), full)
    assert np.isfinite(o).all() and o[-1, 2] == 1


def test_redraw_puts_a_stretch_of_ink_on_new_points_and_keeps_the_rest():
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.normal(0, 10, (12, 2)), (rng.random((12, 1)) < 0.3).astype(float)], 1)
    offsets = tf.points_to_offsets(points)
    before = tf.offsets_to_points(offsets)
    a, b = 3, 8  # the ink offsets[4:9]
    new = rng.normal(50, 5, (b - a, 2))
    out = tf.redraw(offsets, a, b, new, room=7.0)
    after = tf.offsets_to_points(out)
    np.testing.assert_allclose(after[: a + 1], before[: a + 1])  # the ink before untouched
    np.testing.assert_allclose(after[a + 1: b + 1, :2], new)  # the stretch on its new points
    np.testing.assert_allclose(after[b + 1:, :2], before[b + 1:, :2] + [7.0, 0.0])  # the rest moved by room
    np.testing.assert_array_equal(out[:, 2], offsets[:, 2])  # pen states kept
    np.testing.assert_allclose(tf.redraw(offsets, a, b, before[a + 1: b + 1, :2]), offsets, atol=1e-12)  # no move
    np.testing.assert_allclose(tf.offsets_to_points(tf.redraw(offsets, 8, 11, new[:3]))[9:, :2], new[:3])  # to the end
