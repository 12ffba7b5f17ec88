"""IAM-OnDB reader: line XMLs + form transcriptions + the IAM-OnDB-t1 split lists -> Lines.

SOURCE is a folder with the official files:

    lineStrokes-all.tar.*  or lineStrokes/   lineStrokes/a01/a01-000/a01-000u-01.xml, one per text line
    ascii-all.tar.*        or ascii/         ascii/a01/a01-000/a01-000u.txt, one per form
    trainset.txt testset_v.txt testset_t.txt testset_f.txt   one form id per line (e.g. " a02-050")
    writers.tsv (optional)                   form_id <TAB> writer_id

Archives are streamed (any tar compression) and never extracted to disk. Line `<form>-NN.xml` is
aligned with the NN-th text line after `CSR:` in `<form>.txt`; a form whose number of line XMLs and
of CSR lines disagree is skipped whole and reported, as is every line that cannot be used (no
points, unreadable XML, non-finite coordinates, empty transcription) and every form that is in no
split list. Split-list entries are form ids exactly as the files name them (a01-020x, d04-081).
"""
from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
import zlib
import lzma
from collections import defaultdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .hdf5 import Line

SPLITS = ("trainset", "testset_v", "testset_t", "testset_f")  # IAM-OnDB-t1
TRAIN_SPLITS = ("trainset", "testset_t", "testset_f")  # Graves (2013): 10,741 lines; testset_v validates
LINE_RE = re.compile(r"([a-z]\d\d-\d\d\d[a-z]?)-(\d\d)\.xml$")  # a01-000u-01.xml -> form, line number
FORM_RE = re.compile(r"([a-z]\d\d-\d\d\d[a-z]?)\.txt$")
N_LINES = 12195  # line XMLs in the official release: only sizes the progress bar
ARCHIVE_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError)


class DataError(ValueError):
    """Input that cannot be imported at all (one-line message naming the file and the fix)."""


class Skips:
    """Reported skips: reason -> count of lines and items, with a few example ids."""

    def __init__(self):
        self.by_reason: dict = {}

    def add(self, reason: str, item: str, lines: int = 1):
        r = self.by_reason.setdefault(reason, {"lines": 0, "items": 0, "examples": []})
        r["lines"] += lines
        r["items"] += 1
        if len(r["examples"]) < 5:
            r["examples"].append(item)

    @property
    def lines(self) -> int:
        return sum(r["lines"] for r in self.by_reason.values())


def _find(folder: Path, stem: str) -> Path:
    """The archive <stem>-all.tar.* or the extracted folder <stem>/ inside folder."""
    if (folder / stem).is_dir():
        return folder / stem
    hits = sorted(folder.glob(f"{stem}-all.tar*"))
    if hits:
        return hits[0]
    raise DataError(f"{folder}: no {stem}-all.tar.* archive or {stem}/ folder; is this the IAM-OnDB folder?")


def _members(src: Path, suffix: str, desc: str):
    """Yield (member path, bytes) for every file ending in suffix, from a folder or a tar archive."""
    if src.is_dir():
        for p in sorted(src.rglob(f"*{suffix}")):
            yield str(p.relative_to(src.parent)), p.read_bytes()
        return
    try:
        with tarfile.open(src, "r|*") as tar:
            for m in tar:
                if m.isfile() and m.name.endswith(suffix):
                    yield m.name, tar.extractfile(m).read()
    except ARCHIVE_ERRORS as e:
        raise DataError(f"{src}: truncated or corrupt archive ({e.__class__.__name__}: {e}); "
                        f"download it again or extract it to {desc}/") from None


def parse_line_xml(data: bytes) -> np.ndarray:
    """Bytes of one lineStrokes XML -> (T, 3) float64 points (x, y, eos). ValueError if unusable."""
    try:
        root = ET.fromstring(data)  # honours the ISO-8859-1 declaration
    except ET.ParseError:
        raise ValueError("unreadable XML") from None
    parts = []
    for stroke in root.iter("Stroke"):
        try:
            xy = [(float(p.attrib["x"]), float(p.attrib["y"])) for p in stroke.iter("Point")]
        except (KeyError, ValueError):
            raise ValueError("a Point without numeric x, y") from None
        if xy:
            a = np.empty((len(xy), 3))
            a[:, :2] = xy
            a[:, 2] = 0
            a[-1, 2] = 1
            parts.append(a)
    if not parts:
        raise ValueError("no points")
    points = np.concatenate(parts)
    if not np.isfinite(points[:, :2]).all():
        raise ValueError("non-finite (NaN or inf) coordinates")
    return points


def parse_transcription(text: str) -> list[str]:
    """The text lines after 'CSR:' in a form's ascii file, outer blank lines removed, each stripped."""
    if "CSR:" not in text:
        raise ValueError("no CSR: section")
    lines = [ln.strip() for ln in text.split("CSR:", 1)[1].splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def read_split_lists(folder: Path) -> dict[str, str]:
    """form id -> split name, from the four IAM-OnDB-t1 lists."""
    form_split: dict[str, str] = {}
    for name in SPLITS:
        p = folder / f"{name}.txt"
        if not p.is_file():
            raise DataError(f"{p}: split list missing; IAM-OnDB-t1 needs {', '.join(s + '.txt' for s in SPLITS)}")
        for i, raw in enumerate(p.read_text(encoding="latin-1").splitlines(), 1):
            form = raw.strip()
            if not form:
                continue
            if not re.fullmatch(r"[a-z]\d\d-\d\d\d[a-z]?", form):
                raise DataError(f"{p}:{i}: {form!r} is not an IAM-OnDB form id; is this a split list?")
            if form_split.get(form, name) != name:
                raise DataError(f"{p}:{i}: form {form} is also in {form_split[form]}.txt")
            form_split[form] = name
    return form_split


def read_writers(folder: Path) -> dict[str, int]:
    p = folder / "writers.tsv"
    if not p.is_file():
        return {}
    out = {}
    for i, raw in enumerate(p.read_text(encoding="latin-1").splitlines(), 1):
        cols = raw.split("\t")
        if len(cols) < 2 or cols[0] == "form_id":
            continue
        try:
            out[cols[0].strip()] = int(cols[1])
        except ValueError:
            raise DataError(f"{p}:{i}: writer id {cols[1]!r} is not an integer") from None
    return out


def read_iam(folder, progress: bool = True) -> tuple[list[Line], Skips]:
    """Read an IAM-OnDB folder into Lines (ordered by line id) and the reported skips."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: no such folder; pass the folder holding the IAM-OnDB files")
    stroke_src, ascii_src = _find(folder, "lineStrokes"), _find(folder, "ascii")
    form_split = read_split_lists(folder)
    writers = read_writers(folder)
    skips = Skips()

    texts: dict[str, list[str]] = {}
    for name, data in _members(ascii_src, ".txt", "ascii"):
        m = FORM_RE.search(name)
        if m:
            try:
                texts[m.group(1)] = parse_transcription(data.decode("latin-1"))
            except ValueError as e:
                texts[m.group(1)] = None
                skips.add(f"transcription: {e}", m.group(1), 0)

    points: dict[str, dict[int, np.ndarray | None]] = defaultdict(dict)
    with tqdm(total=N_LINES, desc="line strokes", unit=" lines", leave=False,
              disable=None if progress else True) as bar:  # None: no bar when stderr is not a terminal
        for name, data in _members(stroke_src, ".xml", "lineStrokes"):
            m = LINE_RE.search(name)
            if not m:
                continue
            form, n = m.group(1), int(m.group(2))
            try:
                points[form][n] = parse_line_xml(data)
            except ValueError as e:
                points[form][n] = None
                skips.add(f"line XML: {e}", f"{form}-{n:02d}")
            bar.update()
    if not points:
        raise DataError(f"{stroke_src}: no line XMLs named like a01-000u-01.xml; is this IAM-OnDB lineStrokes?")

    lines: list[Line] = []
    for form in sorted(points):
        by_n = points[form]
        usable = sum(p is not None for p in by_n.values())  # unusable lines are reported already
        if form not in form_split:
            skips.add("form in no split list", form, usable)
            continue
        csr = texts.get(form)
        if csr is None:
            skips.add("form without a usable transcription", form, usable)
            continue
        if sorted(by_n) != list(range(1, len(csr) + 1)):
            skips.add("line XMLs and CSR lines disagree in number", f"{form} ({len(by_n)} vs {len(csr)})", usable)
            continue
        for n, pts in sorted(by_n.items()):
            if pts is None:
                continue  # already reported
            if not csr[n - 1]:
                skips.add("empty transcription", f"{form}-{n:02d}")
                continue
            lines.append(Line(pts, csr[n - 1], f"{form}-{n:02d}", form, writers.get(form, -1), form_split[form]))
    for form in sorted(set(form_split) - set(points)):
        skips.add("form in a split list but without line XMLs", form, 0)
    return lines, skips
