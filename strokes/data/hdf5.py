"""The strokes HDF5 file: ragged pen trajectories of many text lines, with texts and metadata.

Layout (format version 1; data/README.md documents it for users):

    points        (N, 3)  int16 (or float32)   x, y, eos for every point of every line, concatenated
    line_offsets  (L + 1,) int64               line i is points[line_offsets[i]:line_offsets[i + 1]]
    text, line_id, form_id, split  (L,) UTF-8  per line; split is the split's name
    writer_id     (L,)    int32                -1 = unknown
    attrs: format, format_version, source, train_splits, alphabet, stats, preprocess, summary (JSON)

Points are the raw coordinates (y grows downward). The statistics are those of the offsets made by
`preprocess` (strokes.transforms.Preprocess) over the training splits only, so a reader can
normalise without another pass. Files are written to a temporary name and renamed into place, so a
failed import never leaves a half-written file.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np

from ..alphabet import Alphabet
from ..transforms import Preprocess, compute_stats, outlier_steps, points_to_offsets, preprocess

FORMAT_NAME = "strokes-lines"
FORMAT_VERSION = 1
INT16_LIMIT = 32767  # raw integer coordinates within +-this are stored as int16 (IAM: -51..9181)
REQUIRED = ("points", "line_offsets", "text", "line_id", "form_id", "writer_id", "split")
JSON_ATTRS = ("train_splits", "alphabet", "stats", "preprocess", "summary")


class FormatError(ValueError):
    """A file that is not a readable strokes HDF5 file of this version (one-line message)."""


@dataclass
class Line:
    """One text line on its way into a file."""

    points: np.ndarray  # (T, 3) x, y, eos
    text: str
    line_id: str
    form_id: str = ""
    writer_id: int = -1
    split: str = "train"


@dataclass
class WriteResult:
    path: Path
    summary: dict = field(default_factory=dict)


def _points_dtype(points: np.ndarray):
    xy = points[:, :2]
    if np.all(xy == np.round(xy)) and (len(xy) == 0 or np.abs(xy).max() <= INT16_LIMIT):
        return np.int16
    return np.float32


def train_statistics(lines, train_splits, cfg: Preprocess) -> dict:
    """Offsets statistics over the lines of the training splits (after cfg)."""
    offs = []
    for ln in lines:
        if ln.split in train_splits:
            o, _ = preprocess(ln.points, cfg)
            if o is not None:
                offs.append(o)
    if not offs:
        raise FormatError(f"no lines in the training splits {list(train_splits)}: cannot compute statistics")
    stats = compute_stats(offs)
    stats["splits"] = list(train_splits)
    return stats


def write_h5(path, lines: list[Line], train_splits, source: str, summary: dict | None = None,
             cfg: Preprocess | None = None) -> WriteResult:
    """Write lines to path atomically; builds the alphabet and statistics from train_splits."""
    path = Path(path)
    cfg = cfg or Preprocess()
    train_splits = list(train_splits)
    if not lines:
        raise FormatError("no lines to write")
    alphabet = Alphabet.build(ln.text for ln in lines if ln.split in train_splits)
    stats = train_statistics(lines, train_splits, cfg)
    lengths = np.array([len(ln.points) for ln in lines], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    points = np.concatenate([ln.points for ln in lines])
    points = points.astype(_points_dtype(points))
    summary = dict(summary or {})
    summary.update(describe(lines, alphabet, cfg))

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    str_t = h5py.string_dtype("utf-8")
    try:
        with h5py.File(tmp, "w") as f:
            f.create_dataset("points", data=points)
            f.create_dataset("line_offsets", data=offsets)
            f.create_dataset("text", data=[ln.text for ln in lines], dtype=str_t)
            f.create_dataset("line_id", data=[ln.line_id for ln in lines], dtype=str_t)
            f.create_dataset("form_id", data=[ln.form_id for ln in lines], dtype=str_t)
            f.create_dataset("split", data=[ln.split for ln in lines], dtype=str_t)
            f.create_dataset("writer_id", data=np.array([ln.writer_id for ln in lines], dtype=np.int32))
            f.attrs["format"] = FORMAT_NAME
            f.attrs["format_version"] = FORMAT_VERSION
            f.attrs["source"] = source
            for k, v in (("train_splits", train_splits), ("alphabet", alphabet.to_dict()), ("stats", stats),
                         ("preprocess", cfg.to_dict()), ("summary", summary)):
                f.attrs[k] = json.dumps(v)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return WriteResult(path, summary)


def describe(lines: list[Line], alphabet: Alphabet, cfg: Preprocess) -> dict:
    """Counts for the closing summary: lines and points per split, characters outside the alphabet,
    and outlier steps under cfg (clipped, or their lines dropped, when the data is loaded)."""
    per_split: dict = {}
    for ln in lines:
        s = per_split.setdefault(ln.split, {"lines": 0, "points": 0, "unknown_chars": 0, "outlier_steps": 0,
                                            "outlier_lines": 0})
        s["lines"] += 1
        s["points"] += len(ln.points)
        s["unknown_chars"] += sum(alphabet.unknowns(ln.text).values())
        if cfg.outliers != "none":
            n = int(outlier_steps(points_to_offsets(ln.points), cfg.max_step_ratio)[0].sum())
            s["outlier_steps"] += n
            s["outlier_lines"] += n > 0
    chars = set()
    for ln in lines:
        chars.update(ln.text)
    return {"splits": per_split, "lines": len(lines), "points": int(sum(len(ln.points) for ln in lines)),
            "distinct_chars": len(chars), "alphabet_size": len(alphabet.chars), "outliers": cfg.outliers,
            "max_step_ratio": cfg.max_step_ratio}


def open_h5(path) -> h5py.File:
    """Open and validate a strokes file for reading; FormatError names the file and the problem."""
    path = Path(path)
    if not path.exists():
        raise FormatError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise FormatError(f"{path}: not an HDF5 file ({e.__class__.__name__})") from None
    try:
        check(f, path)
    except Exception:
        f.close()
        raise
    return f


def check(f: h5py.File, path) -> None:
    """Raise FormatError unless f is a consistent strokes file of FORMAT_VERSION."""
    if f.attrs.get("format") != FORMAT_NAME:
        raise FormatError(f"{path}: not a strokes data file (no format={FORMAT_NAME!r} attribute); "
                          "make one with `python -m strokes.data iam|jsonl`")
    version = int(f.attrs.get("format_version", -1))
    if version != FORMAT_VERSION:
        raise FormatError(f"{path}: format version {version}, this strokes reads version {FORMAT_VERSION}; "
                          "re-import the data with this version")
    missing = [k for k in REQUIRED if k not in f] + [k for k in JSON_ATTRS if k not in f.attrs]
    if missing:
        raise FormatError(f"{path}: malformed, missing {', '.join(missing)}")
    L = len(f["line_offsets"]) - 1
    if f["points"].ndim != 2 or f["points"].shape[1] != 3:
        raise FormatError(f"{path}: malformed, points has shape {f['points'].shape}, expected (N, 3)")
    if L < 0 or any(len(f[k]) != L for k in REQUIRED[2:]):
        raise FormatError(f"{path}: malformed, per-line datasets disagree with line_offsets ({L} lines)")
    off = f["line_offsets"][()]
    if off[0] != 0 or off[-1] != len(f["points"]) or np.any(np.diff(off) <= 0):
        raise FormatError(f"{path}: malformed, line_offsets is not an increasing index into points")
    try:
        for k in JSON_ATTRS:
            json.loads(f.attrs[k])
    except ValueError:
        raise FormatError(f"{path}: malformed, attribute {k} is not JSON") from None


def load_h5_info(path) -> dict:
    """Everything but the arrays: version, source, train_splits, alphabet (an Alphabet), stats,
    preprocess (a Preprocess), summary, and the number of lines and points."""
    with open_h5(path) as f:
        info = {k: json.loads(f.attrs[k]) for k in JSON_ATTRS}
        info["alphabet"] = Alphabet.from_dict(info["alphabet"])
        info["preprocess"] = Preprocess.from_dict(info["preprocess"])
        info.update(format_version=int(f.attrs["format_version"]), source=str(f.attrs["source"]),
                    lines=len(f["line_offsets"]) - 1, points=len(f["points"]),
                    points_dtype=str(f["points"].dtype))
    return info


def format_summary(info: dict) -> str:
    """Human-readable summary of load_h5_info() or of an import."""
    s = info["summary"]
    out = [f"lines: {s['lines']:,}   points: {s['points']:,}   distinct characters: {s['distinct_chars']}"
           f"   alphabet (training splits): {s['alphabet_size']}"]
    action = {"clip": "clipped", "drop": "lines dropped", "none": "kept"}[s["outliers"]]
    for name, c in sorted(s["splits"].items()):
        out.append(f"  {name:<12} {c['lines']:>6,} lines {c['points']:>10,} points   unknown characters "
                   f"{c['unknown_chars']:>3}   outlier steps {c['outlier_steps']:>3} in {c['outlier_lines']:>3} lines")
    skipped = s.get("skipped", {})
    n_skip = sum(v["lines"] for v in skipped.values())
    out.append(f"skipped: {n_skip:,} lines" + ("" if n_skip else " (none)"))
    for reason, v in skipped.items():
        ex = ", ".join(v["examples"])
        out.append(f"  {v['lines']:>5,} lines ({v['items']} x): {reason}   e.g. {ex}")
    if "stats" in info:
        st = info["stats"]
        out.append(f"offset statistics over {', '.join(st['splits'])}: mean dx, dy = "
                   f"{st['mean'][0]:.3f}, {st['mean'][1]:.3f}; std = {st['std'][0]:.3f}, {st['std'][1]:.3f}; "
                   f"median step = {st['median_step']:.3f}")
    out.append(f"outliers: pen-down steps over {s['max_step_ratio']:g} x the line's median step, {action} "
               "on loading; unknown characters map to the alphabet's unknown symbol")
    if s.get("seconds") is not None:
        out.append(f"import time: {s['seconds']:.1f} s")
    return "\n".join(out)
