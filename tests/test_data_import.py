"""Importers, the HDF5 format and the CLI's handling of bad input, on synthetic IAM-like folders."""
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from strokes.data import FORMAT_VERSION, FormatError, import_iam, import_jsonl, load_h5_info, read_iam
from strokes.transforms import compute_stats, points_to_offsets

REPO = Path(__file__).resolve().parents[1]


def line_xml(strokes) -> bytes:
    body = "".join('<Stroke colour="black">' + "".join(f'<Point x="{x}" y="{y}" time="0.0"/>' for x, y in s)
                   + "</Stroke>" for s in strokes)
    return (f'<?xml version="1.0" encoding="ISO-8859-1"?>\n<WhiteboardCaptureSession><StrokeSet>{body}'
            "</StrokeSet></WhiteboardCaptureSession>").encode("latin-1")


def make_forms(rng):
    """form id -> (list of line strokes, CSR lines). Three splits' worth of tiny forms."""
    forms = {}
    for k, form in enumerate(["a01-000u", "a01-001", "b02-010x", "c03-020", "d04-030z"]):
        n = 2 + k % 2
        lines = [[np.cumsum(rng.integers(-9, 10, size=(rng.integers(2, 12), 2)), 0) + 500
                  for _ in range(rng.integers(1, 4))] for _ in range(n)]
        forms[form] = (lines, [f"line {i} of {form}, ok?" for i in range(n)])
    return forms


def write_iam(root: Path, forms, archive: bool = True, splits=None, csr_override=None):
    """An IAM-OnDB-shaped folder: lineStrokes + ascii (as tar archives or folders), split lists."""
    root.mkdir(parents=True, exist_ok=True)
    files = {}
    for form, (lines, csr) in forms.items():
        d = f"{form[:3]}/{form[:7]}"
        for i, strokes in enumerate(lines, 1):
            files[f"lineStrokes/{d}/{form}-{i:02d}.xml"] = line_xml(strokes)
        csr = (csr_override or {}).get(form, csr)
        files[f"ascii/{d}/{form}.txt"] = ("OCR:\n\nnot this\n\nCSR:\n\n" + "\n".join(csr) + "\n\n").encode("latin-1")
    for top, name in (("lineStrokes", "lineStrokes-all.tar.gz"), ("ascii", "ascii-all.tar.bz2")):
        members = {k: v for k, v in files.items() if k.startswith(top + "/")}
        if archive:
            with tarfile.open(root / name, "w:" + name.rsplit(".", 1)[1]) as tar:
                for k, v in members.items():
                    ti = tarfile.TarInfo(k)
                    ti.size = len(v)
                    tar.addfile(ti, io.BytesIO(v))
        else:
            for k, v in members.items():
                (root / k).parent.mkdir(parents=True, exist_ok=True)
                (root / k).write_bytes(v)
    splits = splits or {"trainset": ["a01-000u", "a01-001"], "testset_v": ["b02-010x"], "testset_t": ["c03-020"],
                        "testset_f": ["d04-030z"]}
    for name, ids in splits.items():
        (root / f"{name}.txt").write_text("".join(f" {i}\n" for i in ids))
    (root / "writers.tsv").write_text("form_id\twriter_id\na01-000u\t10026\n")
    return root


@pytest.fixture
def forms():
    return make_forms(np.random.default_rng(0))


@pytest.mark.parametrize("archive", [True, False])
def test_iam_import_matches_source(tmp_path, forms, archive):
    src = write_iam(tmp_path / "src", forms, archive=archive)
    summary = import_iam(src, tmp_path / "out.h5")
    with h5py.File(tmp_path / "out.h5") as f:
        ids = f["line_id"].asstr()[()].tolist()
        off = f["line_offsets"][()]
        assert f["points"].dtype == np.int16
        for r, lid in enumerate(ids):
            form, n = lid[:-3], int(lid[-2:])
            strokes = forms[form][0][n - 1]
            expect = np.concatenate([np.c_[s, np.eye(1, len(s), len(s) - 1)[0]] for s in strokes])
            assert np.array_equal(f["points"][off[r]:off[r + 1]], expect)
            assert f["text"].asstr()[r] == forms[form][1][n - 1]
            assert f["form_id"].asstr()[r] == form
        assert f["writer_id"][()].tolist() == [10026 if i.startswith("a01-000u") else -1 for i in ids]
        split = f["split"].asstr()[()]
    assert sorted(ids) == ids and len(ids) == sum(len(v[0]) for v in forms.values())
    assert summary["splits"]["trainset"]["lines"] == (split == "trainset").sum() == 5
    info = load_h5_info(tmp_path / "out.h5")
    assert info["format_version"] == FORMAT_VERSION and info["train_splits"] == ["trainset", "testset_t", "testset_f"]
    train = [points_to_offsets(np.concatenate([np.c_[s, np.eye(1, len(s), len(s) - 1)[0]] for s in strokes]))
             for form, (lines, _) in forms.items() if form[0] in "acd" for strokes in lines]
    ref = compute_stats(train)  # the outlier rule flags nothing in these gentle random walks
    assert np.allclose(info["stats"]["mean"], ref["mean"]) and np.allclose(info["stats"]["std"], ref["std"])


def test_mismatched_form_no_points_nan_and_empty_text_are_reported_skips(tmp_path, forms):
    forms["b02-010x"][0][1] = []  # a line XML with no points
    forms["c03-020"][0][0][0][1, 0] = 10**6  # will be rewritten as NaN below
    csr = {"d04-030z": forms["d04-030z"][1][:-1],  # one CSR line short: the form is skipped
           "a01-001": [forms["a01-001"][1][0], "", forms["a01-001"][1][2]]}  # an empty middle line
    splits = {"trainset": ["a01-000u", "a01-001", "e05-999"], "testset_v": ["b02-010x"], "testset_t": ["c03-020"],
              "testset_f": ["d04-030z"]}  # e05-999: listed, but there is no such form
    src = write_iam(tmp_path / "src", forms, archive=False, csr_override=csr, splits=splits)
    bad = next((src / "lineStrokes").rglob("a01-000u-02.xml"))
    bad.write_bytes(bad.read_bytes()[:-20])  # cut off: unreadable XML
    p = next((src / "lineStrokes").rglob("c03-020-01.xml"))
    p.write_bytes(p.read_bytes().replace(b'x="1000000"', b'x="nan"'))
    lines, skips = read_iam(src, progress=False)
    r = skips.by_reason
    assert r["line XML: no points"]["examples"] == ["b02-010x-02"]
    assert r["line XML: non-finite (NaN or inf) coordinates"]["examples"] == ["c03-020-01"]
    assert r["line XMLs and CSR lines disagree in number"]["lines"] == len(forms["d04-030z"][0])
    assert r["empty transcription"]["examples"] == ["a01-001-02"]
    assert r["line XML: unreadable XML"]["examples"] == ["a01-000u-02"]
    assert r["form in a split list but without line XMLs"]["examples"] == ["e05-999"]
    got = {ln.line_id for ln in lines}
    assert got == {"a01-000u-01", "a01-001-01", "a01-001-03", "b02-010x-01", "c03-020-02", "c03-020-03"}


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "strokes.data", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO)


def assert_one_line_error(res, *words, code=1):
    assert res.returncode == code, res.stderr
    err = res.stderr.strip()
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err


def test_cli_bad_inputs(tmp_path, forms):
    out = tmp_path / "out.h5"
    assert_one_line_error(run_cli("iam", tmp_path / "missing", "--out", out), "missing", "no such folder")
    (tmp_path / "empty").mkdir()
    assert_one_line_error(run_cli("iam", tmp_path / "empty", "--out", out), "lineStrokes", "IAM-OnDB")
    src = write_iam(tmp_path / "src", forms)
    arc = src / "lineStrokes-all.tar.gz"
    arc.write_bytes(arc.read_bytes()[: arc.stat().st_size // 2])  # truncated download
    assert_one_line_error(run_cli("iam", src, "--out", out), "lineStrokes-all.tar.gz", "truncated")
    src2 = write_iam(tmp_path / "src2", forms)
    (src2 / "testset_f.txt").unlink()
    assert_one_line_error(run_cli("iam", src2, "--out", out), "testset_f.txt", "missing")
    (src2 / "testset_f.txt").write_text("this is not a split list\n")
    assert_one_line_error(run_cli("iam", src2, "--out", out), "testset_f.txt:1", "form id")
    assert not out.exists() and not list(tmp_path.glob(".out.h5*"))  # never half-written
    res = run_cli("iam")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    assert_one_line_error(run_cli("info", tmp_path / "junk.h5"), "junk.h5", "not an HDF5 file")
    assert_one_line_error(run_cli("info", tmp_path / "nope.h5"), "nope.h5", "no such file")


def test_cli_import_and_info(tmp_path, forms):
    src = write_iam(tmp_path / "src", forms)
    res = run_cli("iam", src, "--out", tmp_path / "x.h5")
    assert res.returncode == 0, res.stderr
    info = run_cli("info", tmp_path / "x.h5")
    assert info.returncode == 0 and "trainset" in info.stdout and "lines: 12" in info.stdout
    assert "--out" in run_cli("iam", "--help").stdout


def test_version_and_malformed_files_give_one_line_errors(tmp_path, forms):
    path = tmp_path / "v.h5"
    import_iam(write_iam(tmp_path / "src", forms), path)
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = FORMAT_VERSION + 1
    with pytest.raises(FormatError, match=f"format version {FORMAT_VERSION + 1}"):
        load_h5_info(path)
    assert_one_line_error(run_cli("info", path), "v.h5", "re-import")
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = FORMAT_VERSION
        del f["text"]
    with pytest.raises(FormatError, match="missing text"):
        load_h5_info(path)
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(FormatError, match="not a strokes data file"):
        load_h5_info(tmp_path / "other.h5")


def test_jsonl_import(tmp_path):
    recs = [{"text": "hi there", "strokes": [[[0.5, 1], [2, 3]], [[4, 4]]], "writer": 7},
            {"text": "second", "strokes": [[[0, 0], [1, 1], [2, 5]]], "split": "val"},
            {"text": "  ", "strokes": [[[0, 0], [1, 1]]]},  # empty text: skipped, reported
            {"text": "nan", "strokes": [[[0, 0], [float("nan"), 1]]]},  # non-finite: skipped, reported
            {"text": "more", "strokes": [[[0, 0], [3, 1]], [[5, 5], [6, 7]]], "id": "mine-9"}]
    src = tmp_path / "mine.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    summary = import_jsonl(src, tmp_path / "mine.h5")
    assert summary["splits"]["train"]["lines"] == 2 and summary["splits"]["val"]["lines"] == 1
    assert {k: v["lines"] for k, v in summary["skipped"].items()} == {
        "empty transcription": 1, "non-finite (NaN or inf) coordinates": 1}
    with h5py.File(tmp_path / "mine.h5") as f:
        assert f["points"].dtype == np.float32  # 0.5 is not an integer
        assert f["text"].asstr()[()].tolist() == ["hi there", "second", "more"]
        assert f["line_id"].asstr()[2] == "mine-9" and f["writer_id"][()].tolist() == [7, -1, -1]
        assert np.array_equal(f["points"][:3], [[0.5, 1, 0], [2, 3, 1], [4, 4, 1]])
    info = load_h5_info(tmp_path / "mine.h5")
    assert set(info["alphabet"].chars) == set("hi theremo")  # training split only: not "second"
    res = run_cli("jsonl", src, "--out", tmp_path / "p.h5", "--smooth-window", "7", "--baseline",
                  "--normalise", "median")
    assert res.returncode == 0, res.stderr
    cfg = load_h5_info(tmp_path / "p.h5")["preprocess"]
    assert (cfg.smooth_window, cfg.baseline, cfg.deslant, cfg.normalise) == (7, True, False, "median")
    assert run_cli("jsonl", src, "--out", tmp_path / "q.h5", "--smooth-window", "4").returncode == 2
    (tmp_path / "bad.jsonl").write_text('{"text": "x", "strokes": [[[0, 0]]]}\n{oops\n')
    assert_one_line_error(run_cli("jsonl", tmp_path / "bad.jsonl", "--out", tmp_path / "b.h5"), "bad.jsonl:2", "JSON")
    assert not (tmp_path / "b.h5").exists()
