"""Priming files: the text and strokes of written lines, stored in and read back from files.

generate.py writes each line's text and raw-unit strokes into its SVG's <metadata>
(`lines_metadata`), so an SVG it wrote can be given back as `--prime` to write more in the same
hand (Graves 2013, section 5.5); `read_prime` also reads JSON Lines of {"text", "strokes"} records
from any tablet, and `read_lines` reads every line (`strokes.blind pair` sets two such files side by
side).
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from . import transforms
from .written import HandError, Written

SVG_NAMESPACE = "urn:strokes"  # generate.py stores each line's text and strokes in <metadata> under this


def lines_metadata(written: list[Written]) -> ET.Element:
    """An XML element for an SVG's <metadata>: each line's text and raw-unit points (so it can prime)."""
    lines = []
    for w in written:
        if len(w.offsets):
            pts = transforms.offsets_to_points(w.offsets)
            lines.append({"text": w.written_text,
                          "strokes": [np.round(s, 3).tolist() for s in transforms.points_to_strokes(pts)]})
    element = ET.Element(f"{{{SVG_NAMESPACE}}}lines", {"version": "1"})
    element.text = json.dumps(lines, separators=(",", ":"))
    return element


def read_lines(path) -> list[tuple[str, np.ndarray]]:
    """Every written line of a priming file, in order: JSON Lines ({"text", "strokes"}) or an SVG
    generate.py wrote. Returns [(text, raw points (T, 3))], lines without usable strokes left out;
    HandError if the file is missing."""
    path = Path(path)
    if not path.is_file():
        raise HandError(f"{path}: no such file; give a JSON Lines stroke file or an SVG written by generate.py")
    raw = path.read_text(encoding="utf-8", errors="replace")
    records = []
    try:
        if raw.lstrip().startswith("<"):
            found = ET.fromstring(raw).find(f".//{{{SVG_NAMESPACE}}}lines")
            records = json.loads(found.text or "[]") if found is not None else []
        else:
            records = [json.loads(row) for row in raw.splitlines() if row.strip()]
    except (ET.ParseError, json.JSONDecodeError):
        records = []
    lines = []
    for rec in records if isinstance(records, list) else []:
        if isinstance(rec, dict) and isinstance(rec.get("text"), str) and rec["text"].strip():
            try:
                points = transforms.strokes_to_points(rec.get("strokes") or [])
            except (TypeError, ValueError):
                continue
            if len(points) >= 2 and np.isfinite(points[:, :2]).all():
                lines.append((rec["text"].strip(), points))
    return lines


def read_prime(path) -> tuple[str, np.ndarray]:
    """The first line of a priming file (`read_lines`): (text, raw points (T, 3)); HandError if the
    file is missing or holds no usable strokes."""
    path = Path(path)
    if not path.is_file():
        raise HandError(f"{path}: no such prime file; give a JSON Lines stroke file or an SVG written by generate.py")
    lines = read_lines(path)
    if not lines:
        raise HandError(f"{path}: holds no strokes; give a JSON Lines file of {{\"text\", \"strokes\"}} records "
                        "or an SVG written by generate.py")
    return lines[0]
