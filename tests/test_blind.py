"""Blind comparisons by eye (strokes.blind): the key, the tally and the pair sheet, with a tiny model."""
import json
import random
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from strokes.blind import key_path, pair_page, settings, tally
from strokes.defaults import GENERATE

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def blind(*args):
    return subprocess.run([sys.executable, "-m", "strokes.blind", *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=REPO)


def test_tally_credits_the_setting_that_was_on_top_or_below():
    rng = random.Random(0)
    pairs = [{"text": f"t{k}", "top": rng.choice("ab")} for k in range(40)]
    marks = [rng.choice("TB=") for _ in pairs]
    won = tally(pairs, marks)
    for p, m in zip(pairs, marks):  # the naive reading, pair by pair
        winner = "alike" if m == "=" else p["top"] if m == "T" else {"a": "b", "b": "a"}[p["top"]]
        assert p["text"] in won[winner]
    assert sum(map(len, won.values())) == 40
    with pytest.raises(ValueError, match="2 marks for 3 pairs"):
        tally(pairs[:3], ["T", "B"])
    with pytest.raises(ValueError, match="unknown marks X"):
        tally(pairs[:2], ["T", "X"])


def test_settings_are_generate_defaults_plus_hand_write_keywords():
    assert settings("{}", "a") == GENERATE
    assert settings('{"stand_ins": false, "candidates": 1}', "b") == {**GENERATE, "stand_ins": False, "candidates": 1}
    with pytest.raises(ValueError, match="--b: colour not a Hand.write keyword"):
        settings('{"colour": 1}', "b")
    with pytest.raises(ValueError, match="--a is not JSON"):
        settings("{stand_ins: no}", "a")
    with pytest.raises(ValueError, match="must be a JSON object"):
        settings("[1]", "a")


def test_write_then_score_from_the_command_line(tiny_synthesis, tmp_path):
    out = tmp_path / "pairs.svg"
    texts = ["ab cd", "dab", "cab bad"]
    fast = '{"candidates": 1}'
    run = blind("write", *texts, "--a", fast, "--b", '{"candidates": 1, "bias": 3}', "--seed", 4,
                "--checkpoint", tiny_synthesis, "--checkpoint-b", tiny_synthesis, "--out", out)
    assert run.returncode == 0, run.stderr
    key = json.loads(key_path(out).read_text())
    assert key["checkpoint_a"] == key["checkpoint_b"] == str(tiny_synthesis)
    assert [p["text"] for p in key["pairs"]] == texts and key["b"]["bias"] == 3 and key["seed"] == 4
    assert {p["top"] for p in key["pairs"]} <= {"a", "b"}
    root = ET.parse(out).getroot()
    assert [t.text for t in root.iter(f"{SVG}text")] == ["1", "2", "3"]  # a number over each pair
    assert len(list(root.iter(f"{SVG}path"))) >= 6  # two written lines per pair
    marks = ["T", "=", "B"]
    scored = blind("score", key_path(out), *marks)
    assert scored.returncode == 0, scored.stderr
    won = tally(key["pairs"], marks)
    assert f"better: {len(won['a'])}" in scored.stdout.splitlines()[0]
    assert scored.stdout.strip().endswith("alike: 1 of 3")
    # the same seed draws the same order
    again = tmp_path / "again.svg"
    assert blind("write", *texts, "--a", fast, "--b", '{"candidates": 1, "bias": 3}', "--seed", 4,
                 "--checkpoint", tiny_synthesis, "--out", again).returncode == 0
    assert json.loads(key_path(again).read_text())["pairs"] == key["pairs"]


def test_judges_of_each_setting_go_in_the_key(tiny_synthesis, tmp_path):
    out = tmp_path / "pairs.svg"
    shipped = REPO / "strokes" / "weights"
    two = '{"candidates": 2}'
    run = blind("write", "ab cd", "--a", two, "--b", two, "--checkpoint", tiny_synthesis,
                "--judge-b", shipped / "recognizer2.pt", "--out", out)
    assert run.returncode == 0, run.stderr
    key = json.loads(key_path(out).read_text())
    assert key["judge_a"] == "shipped" and key["judge_b"] == [str(shipped / "recognizer2.pt")]
    scored = blind("score", key_path(out), "T")
    assert scored.returncode == 0, scored.stderr
    lines = scored.stdout.splitlines()
    assert "judged by" not in lines[0] and f"judged by {shipped / 'recognizer2.pt'} better:" in scored.stdout
    missing = blind("write", "ab", "--b", two, "--checkpoint", tiny_synthesis, "--judge", tmp_path / "none.pt",
                    "--out", tmp_path / "x.svg")
    assert missing.returncode == 2 and "no such recogniser" in missing.stderr and "Traceback" not in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.svg").exists()


def generate(*args):
    return subprocess.run([sys.executable, str(REPO / "generate.py"), *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=REPO)


def test_pair_sets_two_files_lines_side_by_side_with_a_key(tiny_synthesis, tmp_path):
    from strokes.primefile import read_lines
    from strokes.transforms import points_to_offsets
    texts = ["ab cd", "dab", "cab bad"]
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for path, bias in ((a, 0), (b, 3)):  # two ways of writing the same texts
        made = generate(*texts, "-o", path, "--checkpoint", tiny_synthesis, "--candidates", 1, "--bias", bias)
        assert made.returncode == 0, made.stderr
    out = tmp_path / "pairs.svg"
    run = blind("pair", a, b, "--seed", 3, "--out", out)
    assert run.returncode == 0, run.stderr
    key = json.loads(key_path(out).read_text())
    assert key["a"] == {"file": str(a)} and key["b"] == {"file": str(b)} and key["seed"] == 3
    assert [p["text"] for p in key["pairs"]] == texts
    root = ET.parse(out).getroot()
    assert [t.text for t in root.iter(f"{SVG}text")] == ["1", "2", "3"]
    # each pair's top line is the one of the file the key names, stroke for stroke
    tops = [read_lines(a if p["top"] == "a" else b)[k][1] for k, p in enumerate(key["pairs"])]
    bottoms = [read_lines(b if p["top"] == "a" else a)[k][1] for k, p in enumerate(key["pairs"])]
    expected = ET.fromstring(pair_page([points_to_offsets(t) for t in tops],
                                       [points_to_offsets(b) for b in bottoms]).tostring())
    drawn = [e.get("d") for e in root.iter(f"{SVG}path")]
    assert drawn and drawn == [e.get("d") for e in expected.iter(f"{SVG}path")]
    swapped = ET.fromstring(pair_page([points_to_offsets(b) for b in bottoms],
                                      [points_to_offsets(t) for t in tops]).tostring())
    assert drawn != [e.get("d") for e in swapped.iter(f"{SVG}path")]  # the two files' lines differ
    scored = blind("score", key_path(out), "T", "B", "=")
    assert scored.returncode == 0, scored.stderr
    assert scored.stdout.splitlines()[0].startswith(f'A {{"file": "{a}"}} better:')
    other = tmp_path / "other.svg"
    assert generate("ab cd", "-o", other, "--checkpoint", tiny_synthesis, "--candidates", 1).returncode == 0
    for args, message in (([a, other], "hold different lines"), ([a, tmp_path / "none.svg"], "no such file")):
        bad = blind("pair", *args, "--out", tmp_path / "bad.svg")
        assert bad.returncode == 2 and "Traceback" not in bad.stderr and message in bad.stderr, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "bad.svg").exists()


@pytest.mark.parametrize("args, message", [
    (["score", "missing.key.json", "T"], "cannot read the key"),
    (["write", "ab", "--b", "{nope}", "--out", "x.svg"], "--b is not JSON"),
    (["write", "--b", "{}", "--out", "x.svg"], "no texts"),
    (["write", "ab", "--b", "{}", "--out", "no/such/dir/x.svg"], "its folder is missing"),
])
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    run = blind(*[str(tmp_path / a) if a.endswith((".json", ".svg")) else a for a in args])
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and message in run.stderr, run.stderr
