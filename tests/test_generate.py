"""Text to handwriting (strokes.hand and generate.py) with a tiny model trained inside the tests."""
import json
import re
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import torch

from strokes.alphabet import UNK, Alphabet, prepare_text
from strokes.attention import step_cap, window_weights
from strokes.hand import Hand
from strokes.primefile import read_prime
from synthetic import glyph_line, train_tiny

REPO = Path(__file__).resolve().parents[1]
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, tiny_synthesis):
    folder = tmp_path_factory.mktemp("tiny")
    return {"synthesis": tiny_synthesis, "prediction": train_tiny(folder, "prediction", steps=30)}


@pytest.fixture(scope="module")
def hand(checkpoints):
    return Hand.from_checkpoint(checkpoints["synthesis"])


def cli(*args, timeout=120):
    run = subprocess.run([sys.executable, str(REPO / "generate.py"), *map(str, args)], capture_output=True,
                         text=True, timeout=timeout, cwd=REPO)
    return run


def test_lines_stop_by_the_rule_before_the_cap(hand):
    written = hand.write(["abc dab", "cab", "d"], bias=1.0, seed=0)
    for w in written:
        assert w.stopped, w.text
        assert 0 < len(w.offsets) < step_cap(len(w.text))
        assert w.phi.shape == (len(w.offsets), len(w.text) + 1)
        assert w.offsets[-1, 2] == 1  # the pen lifts at the end
        # it stopped at the first step where the rule fired: no drawn step satisfied it
        U = len(w.text)
        assert (w.phi[:, U] <= w.phi[:, :U].max(1)).all()


def test_stopping_rule_fires_exactly_when_the_window_passes_the_text(hand):
    """A window forced to advance 0.1 characters per step: the stop step follows from eq. 46."""
    model = hand.model
    K = model.config.window_components
    saved = {k: v.clone() for k, v in model.window.state_dict().items()}
    try:
        with torch.no_grad():
            model.window.weight.zero_()
            model.window.bias[:K] = 0.0  # alpha = 1
            model.window.bias[K:2 * K] = 0.0  # beta = 1
            model.window.bias[2 * K:] = np.log(0.1)  # kappa grows by 0.1 per step
        text = "abcab"
        w = hand.write([text], bias=1.0, seed=1)[0]
        # naive: first step t (1-based count of kappa increments) where phi(U) > phi(u) for all u < U
        U = len(text)
        expected = next(t for t in range(1, 1000)
                        if (lambda p: p[U] > p[:U].max())(window_weights(torch.ones(1, K), torch.ones(1, K),
                                                                         torch.full((1, K), 0.1 * t), U + 1)[0]))
        assert len(w.offsets) == expected - 1  # the step that fires is not drawn
        assert w.stopped
    finally:
        model.window.load_state_dict(saved)


def test_same_seed_same_file_and_svg_structure(checkpoints, tmp_path):
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    for out in (a, b):
        run = cli("abc dab", "", "cab", "-o", out, "--checkpoint", checkpoints["synthesis"], "--seed", 3)
        assert run.returncode == 0, run.stderr
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.svg"
    cli("abc dab", "", "cab", "-o", c, "--checkpoint", checkpoints["synthesis"], "--seed", 4)
    assert c.read_bytes() != a.read_bytes()
    root = ET.parse(a).getroot()
    paths = root.findall(f".//{SVG}path")
    text, points = read_prime(a)  # the metadata holds the strokes that were drawn
    n_strokes = int(points[:, 2].sum())
    lines = json.loads(root.find(".//{urn:strokes}lines").text)
    assert len(lines) == 2 and [ln["text"] for ln in lines] == ["abc dab", "cab"]
    assert len(paths) == sum(len(ln["strokes"]) for ln in lines) >= n_strokes
    x0, y0, w, h = map(float, root.get("viewBox").split())
    nums = [float(v) for p in paths for v in re.findall(r"-?\d+(?:\.\d+)?", p.get("d"))]
    xs, ys = np.array(nums[0::2]), np.array(nums[1::2])
    assert xs.min() >= x0 and xs.max() <= x0 + w and ys.min() >= y0 and ys.max() <= y0 + h


def test_unknown_characters_warn_once_and_still_write(checkpoints, tmp_path, hand):
    mapped, missing = prepare_text("ABx d", hand.alphabet)
    assert mapped[:2] == "ab" and missing == {"A": 1, "B": 1, "x": 1}
    out = tmp_path / "u.svg"
    run = cli("ABx dab", "-o", out, "--checkpoint", checkpoints["synthesis"])
    assert run.returncode == 0, run.stderr
    warnings = [ln for ln in run.stderr.splitlines() if "not in the model's alphabet" in ln]
    assert len(warnings) == 1 and all(c in warnings[0] for c in "ABx")
    assert out.exists()


IAM_LIKE = Alphabet(sorted(set(" !\"#&'()+,-./0123456789:;?" + string.ascii_letters)))  # IAM-OnDB's characters


@pytest.mark.parametrize("text, mapped", [
    ("It\u2019s \u201cfine\u201d", 'It\'s "fine"'),  # curly quotes, as word processors write them
    ("a \u2013 b \u2014 c", "a - b - c"),
    ("wait\u2026", "wait..."),
    ("caf\u00e9 na\u00efve \u00dcber \u00c9t\u00e9", "cafe naive Uber Ete"),  # accents dropped
    ("\ufb01ne \u00bd Stra\u00dfe \u00f8l", "fine 1/2 Strasse ol"),  # ligature, fraction, letters without
    ("{x} 3\u00d74", "(x) 3x4"),
    ("tab\there\u00a0and\u2009there", "tab here and there"),  # tab, non-breaking and thin spaces
])
def test_typographic_and_accented_characters_are_written_plain(text, mapped):
    out, missing = prepare_text(text, IAM_LIKE)
    assert out == mapped
    assert set(missing) == {c for c in text if c not in IAM_LIKE}


def test_characters_without_a_plain_form_in_the_alphabet_stay_unknown():
    out, missing = prepare_text("$5 \u20ac3 wait\u2026", IAM_LIKE)
    assert out == "$5 \u20ac3 wait..." and missing == {"$": 1, "\u20ac": 1, "\u2026": 1}
    assert IAM_LIKE.encode(out)[0] == UNK
    no_dot = Alphabet([c for c in IAM_LIKE.chars if c != "."])
    assert prepare_text("wait\u2026", no_dot)[0] == "wait\u2026"  # "..." is not all in it: unknown


def test_priming_changes_the_output_and_keeps_working(checkpoints, tmp_path, hand):
    prime = tmp_path / "prime.jsonl"
    pts = glyph_line("dd cc", rng=np.random.default_rng(5))
    strokes = [s[:, :2].tolist() for s in np.split(pts, np.flatnonzero(pts[:, 2]) + 1) if len(s)]
    prime.write_text(json.dumps({"text": "dd cc", "strokes": strokes}) + "\n")
    plain, primed = tmp_path / "plain.svg", tmp_path / "primed.svg"
    assert cli("abc", "-o", plain, "--checkpoint", checkpoints["synthesis"]).returncode == 0
    run = cli("abc", "-o", primed, "--checkpoint", checkpoints["synthesis"], "--prime", prime)
    assert run.returncode == 0, run.stderr
    assert read_prime(primed)[1].shape != read_prime(plain)[1].shape or \
        not np.allclose(read_prime(primed)[1], read_prime(plain)[1])
    again = tmp_path / "again.svg"  # an SVG this tool wrote primes too
    run = cli("bad", "-o", again, "--checkpoint", checkpoints["synthesis"], "--prime", primed)
    assert run.returncode == 0, run.stderr
    style = hand.style_from_points(*read_prime(prime))
    w = hand.write(["abc"], style=style, seed=0)[0]
    assert w.written_text == "abc" and w.phi.shape[1] == 4 and len(w.offsets) > 0


def test_plots_and_prediction_model(checkpoints, tmp_path):
    att, dens, out = tmp_path / "att.svg", tmp_path / "dens.svg", tmp_path / "o.svg"
    run = cli("abc", "-o", out, "--checkpoint", checkpoints["synthesis"], "--attention-plot", att,
              "--density-plot", dens, "--retries", 2)
    assert run.returncode == 0, run.stderr
    for f in (att, dens):
        assert ET.parse(f).getroot().find(f"{SVG}image") is not None
    free = tmp_path / "free.svg"
    run = cli("--model", "prediction", "--steps", 50, "-o", free, "--checkpoint", checkpoints["prediction"])
    assert run.returncode == 0, run.stderr
    paths = ET.parse(free).getroot().findall(f".//{SVG}path")
    assert len(paths) >= 1 and "50 points" in run.stdout  # --steps 50 pen steps of free handwriting


def test_retries_only_keep_failures_after_every_attempt(hand):
    written = hand.write(["abcd dcba abcd", "ab"], bias=0.0, seed=2, retries=2)
    for w in written:
        assert w.ok or w.attempts == 3


@pytest.mark.parametrize("case", ["empty", "unknown-only", "negative-bias", "missing-ckpt", "truncated-ckpt",
                                  "wrong-kind-ckpt", "unwritable", "bad-prime", "no-such-style",
                                  "zero-capital-rounds", "negative-capital-doubt", "negative-redraws"])
def test_bad_input_exits_2_without_traceback(case, checkpoints, tmp_path):
    out = tmp_path / "out.svg"
    ckpt = checkpoints["synthesis"]
    args = ["abc", "-o", out, "--checkpoint", ckpt]
    if case == "empty":
        args = ["", "-o", out, "--checkpoint", ckpt]
    elif case == "unknown-only":
        args = ["xyz!", "-o", out, "--checkpoint", ckpt]
    elif case == "negative-bias":
        args += ["--bias", "-0.5"]
    elif case == "missing-ckpt":
        args[-1] = tmp_path / "nope.pt"
    elif case == "truncated-ckpt":
        bad = tmp_path / "trunc.pt"
        bad.write_bytes(Path(ckpt).read_bytes()[:2000])
        args[-1] = bad
    elif case == "wrong-kind-ckpt":
        args[-1] = checkpoints["prediction"]
    elif case == "unwritable":
        args[2] = out = tmp_path / "no" / "such" / "dir.svg"
    elif case == "bad-prime":
        prime = tmp_path / "p.jsonl"
        prime.write_text('{"text": "abc", "strokes": []}\n')
        args += ["--prime", prime]
    elif case == "zero-capital-rounds":
        args += ["--capital-rounds", "0"]
    elif case == "negative-capital-doubt":
        args += ["--capital-doubt", "-1"]
    elif case == "negative-redraws":
        args += ["--redraws", "-1"]
    elif case == "no-such-style":  # the shipped weights and presets
        args = ["abc", "-o", out, "--style", "99"]
    run = cli(*args)
    assert run.returncode == 2, (run.returncode, run.stderr)
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not out.exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_capital_doubt_must_not_be_negative(hand):
    from strokes.hand import HandError
    with pytest.raises(HandError, match="capital_doubt must be >= 0, got -1"):
        hand.write(["ab"], capital_doubt=-1)


def test_redraws_must_not_be_negative(hand):
    from strokes.hand import HandError
    with pytest.raises(HandError, match="redraws must be >= 0, got -1"):
        hand.write(["ab"], redraws=-1)


def test_acronyms_mode_is_checked_and_text_without_runs_is_unchanged(hand):
    from strokes.hand import HandError
    with pytest.raises(HandError, match="acronyms must be one of apart, joined"):
        hand.write(["abc"], acronyms="sideways")
    # the tiny script has no capitals: both modes give the network the same text and draw the same ink
    apart, joined = (hand.write(["ab cd"], seed=3, acronyms=m)[0] for m in ("apart", "joined"))
    assert apart.window_text == apart.written_text == "ab cd"
    np.testing.assert_array_equal(apart.offsets, joined.offsets)


def test_stand_ins_flag_is_accepted_and_checked(checkpoints, tmp_path):
    out = tmp_path / "o.svg"
    run = cli("ab cd", "-o", out, "--checkpoint", checkpoints["synthesis"], "--candidates", 1, "--stand-ins", "off")
    assert run.returncode == 0 and out.exists(), run.stderr
    bad = cli("ab", "-o", tmp_path / "b.svg", "--checkpoint", checkpoints["synthesis"], "--stand-ins", "maybe")
    assert bad.returncode == 2 and "--stand-ins" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "b.svg").exists()


def test_lead_in_flag_is_accepted_and_checked(checkpoints, tmp_path):
    runs = {v: cli("Bab cd", "-o", tmp_path / f"{v}.svg", "--candidates", 1, "--lead-in", v)  # shipped weights: they
            for v in ["on", "off"]}  # have a capital B (the test checkpoints' alphabet may not)
    assert all(r.returncode == 0 for r in runs.values()), [r.stderr for r in runs.values()]
    assert (tmp_path / "on.svg").read_text() != (tmp_path / "off.svg").read_text()  # a line beginning with a B
    bad = cli("ab", "-o", tmp_path / "b.svg", "--checkpoint", checkpoints["synthesis"], "--lead-in", "maybe")
    assert bad.returncode == 2 and "--lead-in" in bad.stderr and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "b.svg").exists()


def test_accents_flag_is_accepted_and_checked_and_accented_letters_are_not_warned_about(checkpoints, tmp_path):
    out = tmp_path / "o.svg"
    run = cli("ab c\u00e1", "-o", out, "--checkpoint", checkpoints["synthesis"], "--candidates", 1)
    assert run.returncode == 0 and out.exists(), run.stderr
    assert "warning" not in run.stderr  # the á is drawn with its accent, not replaced
    off = cli("ab c\u00e1", "-o", out, "--checkpoint", checkpoints["synthesis"], "--candidates", 1, "--accents", "off")
    assert off.returncode == 0 and "replaced" in off.stderr and "\u00e1" in off.stderr
    bad = cli("ab", "-o", tmp_path / "b.svg", "--checkpoint", checkpoints["synthesis"], "--accents", "maybe")
    assert bad.returncode == 2 and "--accents" in bad.stderr and "Traceback" not in bad.stderr
