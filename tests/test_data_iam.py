"""The full IAM-OnDB import against the source files, read here independently of strokes.data.

Needs IAM-OnDB ($STROKES_IAM_DIR or ../shared/datasets/iam-ondb); nothing from it is kept.
"""
import re
import tarfile
from collections import defaultdict

import h5py
import numpy as np
import pytest

from strokes.data import BucketBatchSampler, StrokeDataset, load_h5_info
from strokes.transforms import Preprocess, compute_stats, offsets_to_points, points_to_offsets, preprocess

SPLITS = ("trainset", "testset_v", "testset_t", "testset_f")
POINT = re.compile(rb'<Point x="(-?\d+)" y="(-?\d+)"')
PUBLISHED = {"trainset": 5364, "testset_v": 1438, "testset_t": 1518, "testset_f": 3859}  # the data's README


def open_archive(folder, stem):
    return tarfile.open(sorted(folder.glob(f"{stem}-all.tar*"))[0])


@pytest.fixture(scope="module")
def source(iam_dir):
    """Everything the checks need, straight from the archives: XML names, sampled points, CSR lines."""
    xml_lines = defaultdict(set)  # form -> line numbers
    rng = np.random.default_rng(0)
    sampled = {}
    with open_archive(iam_dir, "lineStrokes") as tar:
        for m in tar:
            name = m.name.rsplit("/", 1)[-1]
            if not name.endswith(".xml"):
                continue
            form, n = name[:-7], int(name[-6:-4])
            xml_lines[form].add(n)
            if rng.random() < 0.03:  # ~370 lines: points compared exactly
                raw = tar.extractfile(m).read()
                strokes = [np.array(POINT.findall(s), dtype=np.int64) for s in raw.split(b"<Stroke ")[1:]]
                sampled[name[:-4]] = np.concatenate([np.c_[s, np.arange(len(s)) == len(s) - 1]
                                                     for s in strokes if len(s)])
    csr = {}
    with open_archive(iam_dir, "ascii") as tar:
        for m in tar:
            if m.name.endswith(".txt"):
                text = tar.extractfile(m).read().decode("latin-1")
                body = [ln.strip() for ln in text.split("CSR:")[1].splitlines()]
                while body and not body[0]:  # the rest of the "CSR:" line, then blank lines
                    body.pop(0)
                while body and not body[-1]:
                    body.pop()
                csr[m.name.rsplit("/", 1)[-1][:-4]] = body
    split_of = {}
    for s in SPLITS:
        for ln in (iam_dir / f"{s}.txt").read_text().split():
            split_of[ln] = s
    return xml_lines, sampled, csr, split_of


@pytest.fixture(scope="module")
def h5(iam_h5):
    with h5py.File(iam_h5, "r") as f:
        yield {k: (f[k].asstr()[()] if f[k].dtype.kind == "O" else f[k][()]) for k in f}


def test_line_counts_per_split_and_skips(source, h5, iam_import):
    xml_lines, _, csr, split_of = source
    _, summary = iam_import
    listed = {s: sum(len(xml_lines[f]) for f, sp in split_of.items() if sp == s) for s in SPLITS}
    assert listed == PUBLISHED  # our reading of the archive agrees with the dataset's own figures
    mismatched = {f for f in xml_lines if f in split_of and len(csr[f]) != len(xml_lines[f])}
    expect = {s: sum(len(xml_lines[f]) for f, sp in split_of.items() if sp == s and f not in mismatched)
              for s in SPLITS}
    got = {s: int((h5["split"] == s).sum()) for s in SPLITS}
    assert got == expect and {s: summary["splits"][s]["lines"] for s in SPLITS} == expect
    skipped = summary["skipped"]
    assert skipped["line XMLs and CSR lines disagree in number"]["lines"] == sum(len(xml_lines[f]) for f in mismatched)
    unlisted = {f for f in xml_lines if f not in split_of}
    assert skipped["form in no split list"]["lines"] == sum(len(xml_lines[f]) for f in unlisted)
    assert summary["lines"] == len(h5["text"]) == sum(len(v) for v in xml_lines.values()) - sum(
        v["lines"] for v in skipped.values())
    print(f"\nIAM-OnDB lines per split: {got}; skipped forms: {sorted(mismatched | unlisted)}")


def test_texts_equal_the_ascii_lines(source, h5):
    _, _, csr, _ = source
    for lid, form, text in zip(h5["line_id"], h5["form_id"], h5["text"]):
        n = int(lid.rsplit("-", 1)[1])
        assert text == csr[form][n - 1], lid


def test_points_equal_the_xml_and_offsets_round_trip(source, h5):
    _, sampled, _, _ = source
    off, points = h5["line_offsets"], h5["points"]
    row = {lid: r for r, lid in enumerate(h5["line_id"])}
    checked = 0
    for lid, ref in sampled.items():
        if lid in row:
            r = row[lid]
            assert np.array_equal(points[off[r]:off[r + 1]], ref), lid
            checked += 1
    assert checked > 300
    for r in range(len(off) - 1):
        p = points[off[r]:off[r + 1]].astype(np.int64)
        assert np.array_equal(offsets_to_points(points_to_offsets(p), origin=p[0, :2]), p)


def test_statistics_come_from_the_training_splits_only(h5, iam_h5):
    info = load_h5_info(iam_h5)
    assert info["train_splits"] == ["trainset", "testset_t", "testset_f"]
    off, points = h5["line_offsets"], h5["points"]

    def stats_of(splits):
        rows = np.flatnonzero(np.isin(h5["split"], splits))
        return compute_stats([preprocess(points[off[r]:off[r + 1]].astype(float), Preprocess())[0] for r in rows])

    train, everything = stats_of(info["train_splits"]), stats_of(list(SPLITS))
    assert np.allclose(info["stats"]["mean"], train["mean"]) and np.allclose(info["stats"]["std"], train["std"])
    assert info["stats"]["steps"] == train["steps"] != everything["steps"]
    assert not np.allclose(info["stats"]["mean"], everything["mean"], rtol=1e-6, atol=0)
    assert set(info["alphabet"].chars) == set("".join(h5["text"][np.isin(h5["split"], info["train_splits"])]))


def test_import_size_and_padding(iam_h5, iam_import):
    size = iam_h5.stat().st_size
    seconds = iam_import[1]["seconds"]
    ds = StrokeDataset(iam_h5, splits=("trainset", "testset_t", "testset_f"), in_memory=True)
    assert len(ds) == sum(iam_import[1]["splits"][s]["lines"] for s in ("trainset", "testset_t", "testset_f"))
    overhead = BucketBatchSampler(ds.lengths, 32).padding_overhead()
    print(f"\nIAM-OnDB import {seconds:.1f} s, {size / 1e6:.1f} MB, padding overhead (B=32) {100 * overhead:.2f}%")
    assert size <= 60e6 and overhead <= 0.10  # the time is printed, not asserted: speed is for benchmarks
    item = ds[0]
    assert item.offsets.shape == (ds.lengths[0], 3) and ds.alphabet.decode(item.codes) == item.text


def test_resampling_real_lines_equals_the_stroke_by_stroke_reference(h5):
    """`transforms.resample` (all strokes at once) on every 16th real line, at the shipped model's
    step and a finer one: the same points, bit for bit, as np.interp stroke by stroke."""
    from test_transforms import _resample_stroke_by_stroke

    from strokes.transforms import resample
    off, points = h5["line_offsets"], h5["points"]
    for r in range(0, len(off) - 1, 16):
        p = points[off[r]:off[r + 1]].astype(np.float64)
        for step in (30.0, 7.0):
            got, want = resample(p, step), _resample_stroke_by_stroke(p, step)
            assert got.shape == want.shape and np.array_equal(got, want), (r, step)
