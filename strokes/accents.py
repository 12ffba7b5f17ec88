"""Accents the alphabet lacks, drawn over (or under) the letters the network writes.

IAM-OnDB's transcriptions are English: no é, ü, ñ or ç. Text to write is mapped onto the alphabet
(`strokes.alphabet.prepare_text`), an accented letter to its plain form ("é" -> "e"), so the
synthesis network (Graves 2013, section 5) writes "cafe" for "café". A person writes the letter
and then the accent, a stroke or two above it. So `accents` notes, for each accented letter of a
line, its position in the text the network reads and its marks (Unicode combining characters:
acute, grave, circumflex, diaeresis, tilde, ring, caron, cedilla, ogonek; the slash of an ø, which
Unicode does not decompose, as the long solidus overlay), and after sampling `add_accents`
finds the letter's ink by the window (eq. 46: the steps whose window peak is on it; inside a word
the letters are joined, so pen lifts do not separate them) and adds each mark's strokes after the
line's last point, sized by the line's typical letter height, like the strokes of
`strokes.standins`.

Not in Graves (2013); on by default (`Hand.write(accents=True)`, `generate.py --accents`).
"""
from __future__ import annotations

import unicodedata

import numpy as np

from .standins import append_stroke

# Each mark's strokes in units of the letter's height h, about the top middle of its ink (x right,
# y down: negative is above the letter); a cedilla's about its bottom middle.
SHAPES = {
    "\u0301": [[(-0.1, -0.3), (0.2, -0.65)]],  # acute
    "\u0300": [[(-0.2, -0.65), (0.1, -0.3)]],  # grave
    "\u0302": [[(-0.25, -0.3), (0.0, -0.6), (0.25, -0.3)]],  # circumflex
    "\u030c": [[(-0.25, -0.6), (0.0, -0.3), (0.25, -0.6)]],  # caron
    "\u0308": [[(-0.22, -0.4), (-0.18, -0.42)], [(0.18, -0.4), (0.22, -0.42)]],  # diaeresis: two dots
    "\u0303": [[(-0.3, -0.35), (-0.12, -0.55), (0.1, -0.38), (0.3, -0.58)]],  # tilde
    "\u030a": [[(0.0, -0.3), (0.14, -0.44), (0.0, -0.58), (-0.14, -0.44), (0.0, -0.3)]],  # ring above
    "\u0327": [[(0.0, 0.0), (0.12, 0.2), (-0.1, 0.35)]],  # cedilla, below
    "\u0328": [[(0.3, 0.0), (0.15, 0.2), (0.35, 0.32)]],  # ogonek, below at the right
    "\u0338": [[(-0.45, 0.65), (0.45, -0.65)]],  # a slash through the letter (ø), about its centre
}
BELOW = frozenset({"\u0327", "\u0328"})
THROUGH = frozenset({"\u0338"})
OVERLAYS = {"\u00f8": "o\u0338", "\u00d8": "O\u0338"}  # letters Unicode does not decompose: ø, Ø
LOWER_TOP = 1.1  # a lower-case letter's marks sit above a top no higher than this many typical letter heights over its lowest point
POINTS_PER_SEGMENT = 3  # points along each straight piece of a mark


def split(ch: str) -> tuple[str, str]:
    """(base letter, its marks that SHAPES draws) of one character: split("é") == ("e", "\u0301");
    ("", "") for a character without such marks."""
    parts = OVERLAYS.get(ch) or unicodedata.normalize("NFD", ch)
    marks = "".join(c for c in parts[1:] if c in SHAPES)
    return (parts[0], marks) if marks and len(parts[0]) == 1 else ("", "")


def accents(text: str) -> list[tuple[int, str]]:
    """(position in `text`, marks) of each accented letter of `text` that SHAPES can draw."""
    return [(u, split(c)[1]) for u, c in enumerate(text) if split(c)[1]]


def align(prepared: str, network: str, same) -> list[int]:
    """Where each character of `prepared` went in `network`, which is `prepared` with spaces put in
    (and some characters replaced: `same(a, b)` says whether a may have become b)."""
    out, j = [], 0
    for c in prepared:
        while j < len(network) and not same(c, network[j]):
            j += 1  # a space put in
        out.append(min(j, len(network) - 1))
        j += 1
    return out


def _polyline(corners: np.ndarray) -> np.ndarray:
    """POINTS_PER_SEGMENT points per straight piece through `corners` (k, 2), the last corner included."""
    s = np.linspace(0.0, 1.0, POINTS_PER_SEGMENT, endpoint=False)[:, None]
    pieces = [p + s * (q - p) for p, q in zip(corners[:-1], corners[1:])]
    return np.concatenate(pieces + [corners[-1:]])


def mark_strokes(ink: np.ndarray, marks: str, height: float) -> list[np.ndarray]:
    """The strokes (each (n, 2)) of `marks` for a letter whose ink is `ink` (m, 2), raw units, y
    down, drawn at the scale `height`."""
    middle = (ink[:, 0].min() + ink[:, 0].max()) / 2
    out = []
    for mark in marks:
        low, high = ink[:, 1].min(), ink[:, 1].max()
        anchor = np.array([middle, high if mark in BELOW else (low + high) / 2 if mark in THROUGH else low])
        out += [_polyline(anchor + height * np.array(shape)) for shape in SHAPES[mark]]
    return out


def add_accents(offsets: np.ndarray, phi: np.ndarray, marks: list[tuple[int, str]], text: str, steps: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """offsets (T, 3) raw units with the strokes of `marks` ((position in `text`, the window's text,
    and marks), from `accents` and `align`) added after the last point, and phi (T, U + 1) with its
    last row repeated for them.

    A letter's ink is that of the network's steps (the first `steps`) whose window peak is on it; a
    letter without two such points gets no accent. Marks are sized by the line's typical letter
    height H (the median over its letters' inks), and a lower-case letter's marks sit no higher
    than LOWER_TOP x H above its lowest point, since its ink may hold the upstroke from the letter
    before or its own tall stroke (a long i)."""
    out, phi = np.array(offsets, dtype=np.float64, copy=True), np.asarray(phi)
    if not marks or not steps:
        return out, phi
    points = np.cumsum(out[:steps, :2], axis=0)  # (steps, 2)
    peak = phi[:steps].argmax(1)  # (steps,)
    inks = [points[peak == u] for u in range(phi.shape[1])]
    heights = [np.ptp(ink[:, 1]) for u, ink in enumerate(inks) if len(ink) > 2 and u < len(text) and text[u].isalpha()]
    if not heights:
        return out, phi
    typical = max(float(np.median(heights)), 1e-6)
    strokes = []
    for u, m in marks:
        ink = inks[u]
        if len(ink) < 2:
            continue
        if not text[u].isupper():  # keep the marks of a lower-case letter near its body
            ink = np.vstack([ink, [ink[0, 0], max(ink[:, 1].min(), ink[:, 1].max() - LOWER_TOP * typical)]])
            ink = ink[ink[:, 1] >= ink[-1, 1]]
        strokes += mark_strokes(ink, m, typical)
    for stroke in strokes:
        out, phi = append_stroke(out, phi, stroke)
    return out, phi
