"""Small charts drawn straight to SVG with svgwrite (no plotting library).

A `Panel` maps data coordinates to a rectangle of the drawing and draws axes with ticks, lines,
points, shaded bands and labels. Several panels share one `svgwrite.Drawing`; `save_atomic` writes
it through a temporary file, so a failed run never leaves half an SVG behind.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass

import svgwrite

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2",
           "#17becf", "#bcbd22", "#7f7f7f"]
FONT = "font-family:Helvetica,Arial,sans-serif"


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick positions (1, 2, 2.5 or 5 times a power of ten) covering [lo, hi]."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw), default=10 * power)
    first = math.ceil(lo / step - 1e-9) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step + 1e-9) + 1)]


@dataclass
class Panel:
    dwg: svgwrite.Drawing
    left: float  # pixel box of the plotting area
    top: float
    width: float
    height: float
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def px(self, x: float) -> float:
        return round(self.left + (x - self.xlim[0]) / (self.xlim[1] - self.xlim[0]) * self.width, 2)

    def py(self, y: float) -> float:
        return round(self.top + (self.ylim[1] - y) / (self.ylim[1] - self.ylim[0]) * self.height, 2)

    def axes(self, xlabel: str = "", ylabel: str = "", title: str = "") -> None:
        d = self.dwg
        d.add(d.rect((self.left, self.top), (self.width, self.height), fill="none", stroke="#444"))
        for t in nice_ticks(*self.xlim):
            x = self.px(t)
            d.add(d.line((x, self.top + self.height), (x, self.top + self.height + 4), stroke="#444"))
            d.add(d.text(f"{t:g}", insert=(x, self.top + self.height + 16), text_anchor="middle",
                         font_size=11, style=FONT))
        for t in nice_ticks(*self.ylim):
            y = self.py(t)
            d.add(d.line((self.left - 4, y), (self.left, y), stroke="#444"))
            d.add(d.text(f"{t:g}", insert=(self.left - 7, y + 4), text_anchor="end", font_size=11, style=FONT))
        if xlabel:
            d.add(d.text(xlabel, insert=(self.left + self.width / 2, self.top + self.height + 34),
                         text_anchor="middle", font_size=12, style=FONT))
        if ylabel:
            x, y = self.left - 40, self.top + self.height / 2
            d.add(d.text(ylabel, insert=(x, y), text_anchor="middle", font_size=12, style=FONT,
                         transform=f"rotate(-90 {x} {y})"))
        if title:
            d.add(d.text(title, insert=(self.left + self.width / 2, self.top - 10), text_anchor="middle",
                         font_size=14, style=FONT + ";font-weight:bold"))

    def _clip(self, y: float) -> float:
        return min(max(y, self.ylim[0]), self.ylim[1])

    def line(self, xs, ys, color: str, width: float = 1.5, opacity: float = 1.0, dash: str | None = None):
        pts = [(self.px(x), self.py(self._clip(y))) for x, y in zip(xs, ys)]
        extra = {"stroke_dasharray": dash} if dash else {}
        self.dwg.add(self.dwg.polyline(pts, fill="none", stroke=color, stroke_width=width,
                                       stroke_opacity=opacity, **extra))

    def band(self, xs, lo, hi, color: str, opacity: float = 0.2):
        pts = [(self.px(x), self.py(self._clip(y))) for x, y in zip(xs, hi)]
        pts += [(self.px(x), self.py(self._clip(y))) for x, y in reversed(list(zip(xs, lo)))]
        self.dwg.add(self.dwg.polygon(pts, fill=color, fill_opacity=opacity, stroke="none"))

    def points(self, xs, ys, color: str = "#888", radius: float = 1.3, opacity: float = 0.5):
        group = self.dwg.g(fill=color, fill_opacity=opacity)
        for x, y in zip(xs, ys):
            if self.ylim[0] <= y <= self.ylim[1]:
                group.add(self.dwg.circle((self.px(x), self.py(y)), radius))
        self.dwg.add(group)

    def legend(self, entries: list[tuple[str, str]]) -> None:
        for i, (label, color) in enumerate(entries):
            y = self.top + 14 + 16 * i
            self.dwg.add(self.dwg.line((self.left + 8, y - 4), (self.left + 26, y - 4), stroke=color, stroke_width=2.5))
            self.dwg.add(self.dwg.text(label, insert=(self.left + 31, y), font_size=11, style=FONT))


def write_atomic(path: str | os.PathLike, write) -> None:
    """Call write(f) on a text file made beside `path`, then rename it into place: a reader never sees
    a half-written file, and a failed write leaves none behind."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix=".tmp", dir=folder)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_atomic(dwg: svgwrite.Drawing, path: str | os.PathLike) -> None:
    """Write the drawing to a temporary file beside `path`, then rename it into place."""
    write_atomic(path, lambda f: dwg.write(f, pretty=False))
