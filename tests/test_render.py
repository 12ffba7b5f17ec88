"""Rendering: offsets -> strokes -> SVG paths -> a laid-out page (synthetic strokes)."""
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from strokes.render import (PageStyle, layout_page, offsets_to_strokes, page_svg, stroke_path_data, wrap_text,
                            write_page)

SVG = "{http://www.w3.org/2000/svg}"


def synthetic_line(n_strokes=4, points=12, seed=0):
    """Offsets (T, 3) of loops drawn left to right: a made-up 'word' of n_strokes letters."""
    rng = np.random.default_rng(seed)
    pts, eos = [], []
    for k in range(n_strokes):
        t = np.linspace(0, 2 * np.pi, points)
        pts.append(np.stack([10 * k + 3 * np.cos(t), -4 * np.sin(t) + rng.normal(0, 0.1, points)], 1))
        eos += [0] * (points - 1) + [1]
    pts = np.concatenate(pts)
    offsets = np.diff(np.vstack([[0, 0], pts]), axis=0)
    return np.column_stack([offsets, eos]), pts


def test_offsets_to_strokes_recovers_points_and_splits_at_pen_lifts():
    offsets, pts = synthetic_line()
    strokes = offsets_to_strokes(offsets)
    assert [len(s) for s in strokes] == [12] * 4
    np.testing.assert_allclose(np.concatenate(strokes), pts, atol=1e-9)


def test_path_data_starts_and_ends_on_the_stroke():
    pts = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 2.0], [4.0, 0.0]])
    d = stroke_path_data(pts)
    assert d.startswith("M0,0") and d.endswith("L4,0")
    assert d.count("Q") == 2  # one curve per interior point
    assert stroke_path_data(pts[:1]) == "M0,0l0,0"


@pytest.mark.parametrize("width", [10, 25])
def test_wrap_text_respects_width_and_keeps_blank_lines(width):
    text = "The quick brown fox jumps over the lazy dog again and again\n\nSecond paragraph here"
    lines = wrap_text(text, width)
    assert "" in lines
    assert all(len(line) <= width for line in lines)
    assert " ".join(w for line in lines for w in line.split()) == " ".join(text.split())
    assert wrap_text("antidisestablishmentarianism", 5) == ["antidisestablishmentarianism"]


def test_page_has_one_path_per_stroke_and_viewbox_contains_every_point(tmp_path):
    lines = [synthetic_line(3, seed=1)[0], None, synthetic_line(5, seed=2)[0]]
    out = tmp_path / "page.svg"
    write_page(lines, out, PageStyle(color="navy"))
    root = ET.parse(out).getroot()
    paths = root.findall(f".//{SVG}path")
    assert len(paths) == 3 + 5
    x0, y0, w, h = map(float, root.get("viewBox").split())
    numbers = [float(v) for p in paths for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", p.get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= x0 and max(xs) <= x0 + w and min(ys) >= y0 and max(ys) <= y0 + h
    group = root.find(f"{SVG}g")
    assert group.get("stroke") == "navy" and group.get("stroke-linecap") == "round"


def test_lines_sit_on_evenly_spaced_baselines():
    lines = [synthetic_line(4, seed=s)[0] + np.array([[500.0 * s, -300.0 * s, 0]] + [[0, 0, 0]] * 47)
             for s in range(3)]
    placed, height, baselines = layout_page(lines, PageStyle(line_spacing=2.0))
    np.testing.assert_allclose(baselines, [0.0, 2.0 * height, 4.0 * height], rtol=1e-9)
    np.testing.assert_allclose([np.quantile(np.concatenate(line)[:, 1], 0.8) for line in placed], baselines, atol=1e-9)
    assert all(np.concatenate(line)[:, 0].min() == 0 for line in placed)  # left-aligned


def test_same_input_same_file(tmp_path):
    lines = [synthetic_line(seed=3)[0]]
    write_page(lines, tmp_path / "a.svg")
    write_page(lines, tmp_path / "b.svg")
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert page_svg([None]).tostring().startswith("<svg")


def stroke(*corners, n=8):
    """One stroke through `corners` (x, y; y down) as offsets (T, 3), n points per segment."""
    pts = [np.array(corners[0], float)] + [np.array(a) + (np.array(b) - np.array(a)) * s for a, b in zip(corners, corners[1:])
                                           for s in np.linspace(0, 1, n + 1)[1:]]
    out = np.zeros((len(pts), 3))
    out[0, :2], out[1:, :2] = pts[0], np.diff(pts, axis=0)
    out[-1, 2] = 1
    return out


@pytest.mark.parametrize("clearance", [0.15, 0.5, None])
def test_a_line_moves_down_only_as_far_as_its_ink_needs_to_clear_the_line_above(clearance):
    body = [(x, y) for x in range(0, 200, 10) for y in (0, -10)]  # x-height 10 on y = 0, 200 wide
    plain = stroke(*body)
    hook = stroke(*body, (190, 0), (195, 40))  # a descender 40 deep at its right end
    tall = stroke((195, -50), (195, 0), *body)  # an ascender 50 high at its right end, under the hook
    style = PageStyle(line_spacing=2.0, clearance=clearance)
    placed, height, baselines = layout_page([hook, tall, plain, None, plain], style)
    step = 2.0 * height
    if clearance is None:
        np.testing.assert_allclose(baselines, np.arange(5) * step, atol=1e-9)  # evenly spaced, ink or not
        return
    ink = [np.concatenate(line) for line in placed if line]
    # the ascender sits under the descender: the second line moves down until they are `clearance` apart
    gap = ink[1][ink[1][:, 0] >= 190, 1].min() - ink[0][ink[0][:, 0] >= 190, 1].max()
    assert gap == pytest.approx(clearance * height) and baselines[1] > step
    np.testing.assert_allclose(np.diff(baselines)[1:], step, atol=1e-9)  # the rest evenly spaced below it
    assert all(np.concatenate(line)[:, 0].min() == 0 for line in placed if line)
