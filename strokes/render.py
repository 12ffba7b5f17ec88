"""Handwriting to SVG: pen offsets -> smooth paths, lines -> a laid-out page, text -> wrapped lines.

Strokes arrive as Graves' offsets (dx, dy, eos) in the data's own units (y grows downward, as in
IAM-OnDB and in SVG): `offsets_to_strokes` integrates them and splits at pen lifts. Each stroke is
drawn as one SVG path of quadratic Bezier curves whose control points are the sampled points and
whose end points are the midpoints between them, which gives a smooth curve through the ink without
overshoot. A page puts every line on its own baseline, at one scale for the whole page, and fits the
viewBox to the ink.
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
    margin: float = 0.5  # around the ink, in median ink heights
    pixels_per_height: float = 40.0  # display size: a median line's ink is this many pixels tall


def layout_page(lines: list[np.ndarray | None], style: PageStyle = PageStyle()):
    """Place each line's strokes on its own baseline, left-aligned: (strokes per line, ink height).

    `None` (or an empty array) is a blank line: it keeps its place on the page.
    """
    heights = []
    for offsets in lines:
        if offsets is not None and len(offsets):
            y = np.cumsum(np.asarray(offsets)[:, 1])
            heights.append(np.quantile(y, HEIGHT_QUANTILES[1]) - np.quantile(y, HEIGHT_QUANTILES[0]))
    height = float(np.median(heights)) if heights else 1.0
    height = height if height > 0 else 1.0
    placed = []
    for i, offsets in enumerate(lines):
        if offsets is None or not len(offsets):
            placed.append([])
            continue
        strokes = offsets_to_strokes(offsets)
        allpts = np.concatenate(strokes)
        shift = np.array([-allpts[:, 0].min(),
                          i * style.line_spacing * height - np.quantile(allpts[:, 1], BASELINE_QUANTILE)])
        placed.append([s + shift for s in strokes])
    return placed, height


def page_svg(lines: list[np.ndarray | None], style: PageStyle = PageStyle()) -> svgwrite.Drawing:
    """An SVG drawing of the lines; one <path> per stroke, viewBox fitted to the ink plus a margin."""
    placed, height = layout_page(lines, style)
    width = style.stroke_width if style.stroke_width is not None else 0.03 * height
    ink = [s for line in placed for s in line]
    if ink:
        allpts = np.concatenate(ink)
        lo, hi = allpts.min(0), allpts.max(0)
    else:
        lo = hi = np.zeros(2)
    last_baseline = (len(lines) - 1) * style.line_spacing * height
    hi[1] = max(hi[1], last_baseline)  # trailing blank lines keep their room
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
