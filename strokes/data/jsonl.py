"""Your own handwriting: JSON Lines -> the same HDF5 format as IAM-OnDB.

One JSON object per line:

    {"text": "hello", "strokes": [[[x, y], [x, y], ...], [[x, y], ...]], "writer": 3, "split": "train"}

`strokes` is a list of pen-down traces, each a list of [x, y] points (any units; y growing downward
like IAM-OnDB and SVG, pass --flip-y if yours grows upward). `writer` (an integer, default -1 =
unknown), `split` (default "train") and `id` (default "<file stem>-<record number>") are optional.
Records that cannot be used are skipped and reported: no points, non-finite coordinates, an empty
text. A line that is not JSON, or a record without text/strokes, is an error naming file and line.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..transforms import strokes_to_points
from .hdf5 import Line
from .iam import DataError, Skips


def parse_record(rec, where: str, flip_y: bool = False) -> np.ndarray:
    """One record's strokes -> (T, 3) points; DataError for a wrong shape, ValueError to skip."""
    if not isinstance(rec, dict) or "text" not in rec or "strokes" not in rec:
        raise DataError(f"{where}: a record needs \"text\" and \"strokes\" keys")
    if not isinstance(rec["text"], str):
        raise DataError(f"{where}: \"text\" must be a string")
    try:
        traces = [np.asarray(s, dtype=np.float64).reshape(-1, 2) for s in rec["strokes"]]
    except (TypeError, ValueError):
        raise DataError(f"{where}: \"strokes\" must be a list of strokes, each a list of [x, y] pairs") from None
    points = strokes_to_points(traces)
    if len(points) == 0:
        raise ValueError("no points")
    if not np.isfinite(points[:, :2]).all():
        raise ValueError("non-finite (NaN or inf) coordinates")
    if flip_y:
        points[:, 1] *= -1
    return points


def _add_record(raw: str, where: str, default_id: str, flip_y: bool, lines: list, skips: Skips) -> None:
    """Parse one JSON line into lines, or report it in skips; DataError for malformed input."""
    try:
        rec = json.loads(raw)
    except json.JSONDecodeError as e:
        raise DataError(f"{where}: not JSON ({e.msg})") from None
    line_id = str(rec.get("id", default_id)) if isinstance(rec, dict) else default_id
    try:
        points = parse_record(rec, where, flip_y)
    except DataError:
        raise
    except ValueError as e:
        skips.add(str(e), line_id)
        return
    text = rec["text"].strip()
    if not text:
        skips.add("empty transcription", line_id)
        return
    writer = rec.get("writer", -1)
    if not isinstance(writer, int) or isinstance(writer, bool):
        raise DataError(f"{where}: \"writer\" must be an integer id")
    lines.append(Line(points, text, line_id, str(rec.get("form", "")), writer, str(rec.get("split", "train"))))


def read_jsonl(path, flip_y: bool = False, progress: bool = True) -> tuple[list[Line], Skips]:
    """Read a JSON Lines file of handwritten lines; returns (lines, skips)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    lines, skips = [], Skips()
    try:
        with open(path, encoding="utf-8") as f, tqdm(desc="records", unit=" lines", leave=False,
                                                     disable=None if progress else True) as bar:
            for i, raw in enumerate(f, 1):
                bar.update()
                if raw.strip():
                    _add_record(raw, f"{path}:{i}", f"{path.stem}-{i}", flip_y, lines, skips)
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8") from None
    if not lines and not skips.lines:
        raise DataError(f"{path}: no records; expected one JSON object per line")
    return lines, skips
