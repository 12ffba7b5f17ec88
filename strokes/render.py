"""Handwriting to SVG: pen offsets -> smooth paths, lines -> a laid-out page, text -> wrapped lines.

Strokes arrive as Graves' offsets (dx, dy, eos) in the data's own units (y grows downward, as in
IAM-OnDB and in SVG): `offsets_to_strokes` integrates them and splits at pen lifts. Each stroke is
drawn as one SVG path of quadratic Bezier curves whose control points are the sampled points and
whose end points are the midpoints between them, which gives a smooth curve through the ink without
overshoot. A page puts every line on its own baseline, at one scale for the whole page, and fits the
viewBox to the ink. Baselines are evenly spaced, except where a line's ink would come closer than
`PageStyle.clearance` to the ink of the line above it (a long descender over a tall capital, a line
that drifts upwards): that line and the ones below it move down as far as needed.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass

import numpy as np
import svgwrite

from .svgplot import save_atomic

BASELINE_QUANTILE = 0.8  # y grows downward: most ink lies above the line through this quantile
HEIGHT_QUANTILES = (0.05, 0.95)  # robust ink height, ignoring the odd long descender or stray dot


def offsets_to_strokes(offsets: np.ndarray) -> list[np.ndarray]:
    """(T, 3) offsets (dx, dy, eos) -> list of (n, 2) absolute point arrays, one per pen-down stroke.

    The first offset is taken relative to the origin; eos = 1 marks the last point of a stroke.
    """
    offsets = np.asarray(offsets, dtype=np.float64)
    points = np.cumsum(offsets[:, :2], axis=0)
    ends = np.flatnonzero(offsets[:, 2] > 0.5) + 1
    return [s for s in np.split(points, ends) if len(s)]


def stroke_path_data(points: np.ndarray, precision: int = 2) -> str:
    """SVG path data through (n, 2) points: quadratic curves via midpoints; a dot for n = 1."""
    p = np.round(np.asarray(points, dtype=np.float64), precision)
    fmt = lambda q: f"{q[0]:g},{q[1]:g}"  # noqa: E731
    if len(p) == 1:
        return f"M{fmt(p[0])}l0,0"  # zero-length segment: a round cap makes it a dot
    if len(p) == 2:
        return f"M{fmt(p[0])}L{fmt(p[1])}"
    mids = np.round((p[1:-1] + p[2:]) / 2, precision)
    parts = [f"M{fmt(p[0])}", f"L{fmt((p[0] + p[1]) / 2)}"]
    parts += [f"Q{fmt(c)} {fmt(m)}" for c, m in zip(p[1:-1], mids)]
    parts.append(f"L{fmt(p[-1])}")
    return "".join(parts)


def wrap_text(text: str, max_chars: int) -> list[str]:
    """Word-wrap into lines of at most max_chars (longer words stay whole); blank lines are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            lines.append("")
            continue
        lines += textwrap.wrap(paragraph, width=max_chars, break_long_words=False,
                               break_on_hyphens=False) or [""]
    return lines


@dataclass
class PageStyle:
    stroke_width: float | None = None  # None: 3% of the median ink height
    color: str = "black"
    line_spacing: float = 1.6  # baseline distance, in median ink heights
    clearance: float | None = 0.15  # least gap between the inks of consecutive lines, in median ink heights,
    # where they share columns (a line moves down to keep it); None: evenly spaced baselines whatever the ink
    margin: float = 0.5  # around the ink, in median ink heights
    pixels_per_height: float = 40.0  # display size: a median line's ink is this many pixels tall


def layout_page(lines: list[np.ndarray | None], style: PageStyle = PageStyle()):
    """Place each line's strokes on its own baseline, left-aligned: (strokes per line, ink height,
    baselines). Baselines are `style.line_spacing` ink heights apart, or further where a line's ink
    would come within `style.clearance` of the last inked line above it (`clear_below`).

    `None` (or an empty array) is a blank line: it keeps its place on the page.
    """
    heights = []
    for offsets in lines:
        if offsets is not None and len(offsets):
            y = np.cumsum(np.asarray(offsets)[:, 1])
            heights.append(np.quantile(y, HEIGHT_QUANTILES[1]) - np.quantile(y, HEIGHT_QUANTILES[0]))
    height = float(np.median(heights)) if heights else 1.0
    height = height if height > 0 else 1.0
    placed, baselines, above = [], [], None  # above: the last inked line's points, placed
    for i, offsets in enumerate(lines):
        baseline = baselines[-1] + style.line_spacing * height if baselines else 0.0
        if offsets is None or not len(offsets):
            placed.append([])
            baselines.append(baseline)
            continue
        strokes = offsets_to_strokes(offsets)
        allpts = np.concatenate(strokes)
        shift = np.array([-allpts[:, 0].min(), -np.quantile(allpts[:, 1], BASELINE_QUANTILE)])
        here = allpts + shift  # (n, 2) on the baseline y = 0
        if above is not None and style.clearance is not None:
            baseline = max(baseline, clear_below(above, here, style.clearance * height, height))
        placed.append([s + shift + [0.0, baseline] for s in strokes])
        baselines.append(baseline)
        above = here + [0.0, baseline]
    return placed, height, baselines


def clear_below(above: np.ndarray, line: np.ndarray, gap: float, column: float) -> float:
    """The least baseline at which `line` (n, 2 points on the baseline y = 0; y down) keeps `gap` below
    the points `above` (m, 2) in every column of width `column` that both have ink in; -inf if none."""
    cols_above, cols_line = np.floor(above[:, 0] / column), np.floor(line[:, 0] / column)
    need = -np.inf
    for c in np.intersect1d(cols_above, cols_line):
        need = max(need, above[cols_above == c, 1].max() + gap - line[cols_line == c, 1].min())
    return need


def page_svg(lines: list[np.ndarray | None], style: PageStyle = PageStyle()) -> svgwrite.Drawing:
    """An SVG drawing of the lines; one <path> per stroke, viewBox fitted to the ink plus a margin."""
    placed, height, baselines = layout_page(lines, style)
    width = style.stroke_width if style.stroke_width is not None else 0.03 * height
    ink = [s for line in placed for s in line]
    if ink:
        allpts = np.concatenate(ink)
        lo, hi = allpts.min(0), allpts.max(0)
    else:
        lo = hi = np.zeros(2)
    hi[1] = max(hi[1], baselines[-1] if baselines else 0.0)  # trailing blank lines keep their room
    pad = style.margin * height + width
    x0, y0 = lo - pad
    w, h = (hi - lo) + 2 * pad
    px = style.pixels_per_height / height  # display size only: the viewBox keeps the ink's own units
    dwg = svgwrite.Drawing(size=(f"{w * px:.0f}px", f"{h * px:.0f}px"), viewBox=f"{x0:.2f} {y0:.2f} {w:.2f} {h:.2f}")
    group = dwg.g(fill="none", stroke=style.color, stroke_width=f"{width:.3g}",
                  stroke_linecap="round", stroke_linejoin="round")
    for stroke in ink:
        group.add(dwg.path(d=stroke_path_data(stroke)))
    dwg.add(group)
    return dwg


def write_page(lines: list[np.ndarray | None], path, style: PageStyle = PageStyle()) -> None:
    """Render lines of offsets to an SVG file (atomically: a temp file, then a rename)."""
    save_atomic(page_svg(lines, style), path)
