"""Legibility by eye (strokes.eyetest): the pages a person reads, the key, and the scoring of what
they read against a naive count."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from strokes.eyetest import key_path, pages, score, word_errors, write
from strokes.evaluate import sentences
from strokes.recognizer import cer

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def eyetest(*args):
    return subprocess.run([sys.executable, "-m", "strokes.eyetest", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


@pytest.mark.parametrize("read, text, errors", [
    ("a b c", "a b c", 0),
    ("a x c", "a b c", 1),  # one word read wrong
    ("a c", "a b c", 1),  # one left out
    ("a b b c", "a b c", 1),  # one added
    ("", "a b", 2),  # a line not read
    ("c b a", "a b c", 2),  # a and c swapped: two substitutions
    ("a, b", "a b", 1),  # punctuation is part of its word
])
def test_word_errors_are_the_edit_distance_over_words(read, text, errors):
    assert word_errors(read, text) == errors


def test_score_counts_lines_words_and_characters():
    texts = ["Round listen go.", "Answer try four.", "But end before."]
    readings = ["Round listen go.", "Answer try foul.", " But and before"]
    r = score(texts, readings)
    assert (r["lines"], r["exact"], r["words"]) == (3, 1, 9)
    assert r["words_misread"] == 3  # "foul.", then "and" and "before" (its full stop left out)
    assert r["cer"] == pytest.approx(cer([x.strip() for x in readings], texts))
    assert r["wrong"] == [(texts[1], "Answer try foul."), (texts[2], "But and before")]
    with pytest.raises(ValueError, match="2 readings for 3 lines"):
        score(texts, readings[:2])


def test_write_pages_hold_numbered_lines_and_no_text(tiny_synthesis, tmp_path):
    out = tmp_path / "eye.svg"
    files = write(3, 5, 0.5, out, draw_seed=2, checkpoint=tiny_synthesis, per_page=2, candidates=1)
    assert files == pages(out, 2) == [tmp_path / "eye-1.svg", tmp_path / "eye-2.svg"]
    key = json.loads(key_path(out).read_text())
    assert key["texts"] == sentences(3, 5) and (key["seed"], key["draw_seed"], key["bias"]) == (5, 2, 0.5)
    assert key["settings"]["candidates"] == 1 and key["pages"] == ["eye-1.svg", "eye-2.svg"]
    numbers = [[t.text for t in ET.parse(f).getroot().iter(f"{SVG}text")] for f in files]
    assert numbers == [["1", "2"], ["3"]]  # a number over each line, counted on across pages
    for f in files:
        raw = f.read_text()
        assert "<metadata" not in raw and not any(word in raw for t in key["texts"] for word in t.split() if len(word) > 3)
    assert len(list(ET.parse(files[0]).getroot().iter(f"{SVG}path"))) >= 2
    # scored from the command line: the texts themselves read every line exactly
    readings = tmp_path / "read.txt"
    readings.write_text("\n".join(key["texts"][:2] + ["x"]) + "\n")
    run = eyetest("score", key_path(out), readings)
    assert run.returncode == 0, run.stderr
    words = sum(len(t.split()) for t in key["texts"])
    last = len(key["texts"][2].split())
    assert run.stdout.splitlines()[0].startswith(f"lines read exactly: 2 of 3; words misread: {last} of {words}")
    assert f"{key['texts'][2]!r} read as 'x'" in run.stdout


@pytest.mark.parametrize("args, message", [
    (["score", "missing.key.json", "r.txt"], "cannot read the key"),
    (["write", "--sentences", "0", "--out", "x.svg"], "--sentences and --per-page must be >= 1"),
    (["write", "--out", "no/such/dir/x.svg"], "its folder is missing"),
    (["write", "--texts-file", "no-such.txt", "--out", "x.svg"], "cannot read no-such.txt"),
])
def test_bad_input_gets_one_line_and_exit_2(args, message, tmp_path):
    run = eyetest(*args)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_readings_of_the_wrong_length_or_missing_are_refused(tmp_path):
    out = tmp_path / "eye.svg"
    key_path(out).write_text(json.dumps({"texts": ["a b", "c d"]}))
    short = tmp_path / "short.txt"
    short.write_text("a b\n")
    for readings, message in ((short, "1 readings for 2 lines"), (tmp_path / "none.txt", "cannot read")):
        run = eyetest("score", key_path(out), readings)
        assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1


def test_texts_from_a_file_are_written_in_order(tiny_synthesis, tmp_path):
    out = tmp_path / "mine.svg"
    long = " ".join(["cab"] * 20)  # 79 characters: generate.py wraps it into two lines of at most 60
    files = write(0, 0, 0.75, out, checkpoint=tiny_synthesis, candidates=1, texts=["ab cd", "dab\\nbad", long])
    assert files == [tmp_path / "mine-1.svg"]
    key = json.loads(key_path(out).read_text())
    assert key["texts"] == ["ab cd", "dab", "bad", " ".join(["cab"] * 15), " ".join(["cab"] * 5)]
    assert key["sentences"] == 5
    assert [t.text for t in ET.parse(files[0]).getroot().iter(f"{SVG}text")] == ["1", "2", "3", "4", "5"]
    empty = tmp_path / "empty.txt"
    empty.write_text("\n  \n")
    run = eyetest("write", "--texts-file", empty, "--out", tmp_path / "x.svg")
    assert run.returncode == 2 and "holds no texts" in run.stderr and not (tmp_path / "x-1.svg").exists()
