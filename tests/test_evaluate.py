"""strokes.evaluate: validation NLL against a per-line reference loop, fp16 export, attention counts."""
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from strokes import evaluate
from strokes.attention import window_weights
from strokes.data import StrokeDataset
from strokes.hand import Hand
from strokes.models import load_checkpoint, read_checkpoint

REPO = Path(__file__).resolve().parents[1]


def data_of(ckpt: Path) -> Path:
    return ckpt.parent.parent / "synthetic.h5"


@pytest.mark.parametrize("seed", [0, 3])
def test_sentences_are_reproducible_distinct_and_made_of_the_vocabulary(seed):
    s = evaluate.sentences(100, seed)
    assert s == evaluate.sentences(100, seed) and s != evaluate.sentences(100, seed + 1)
    assert len(set(s)) == 100
    vocab = set(evaluate.WORDS)
    for line in s:
        assert 4 <= len(line.split()) <= 9 and len(line) <= 50 and line[-1] in ".!?" and line[0].isupper()
        for word in re.sub(r"[,.!?]", "", line).split():
            assert word.lower() in vocab or word.isdigit(), word


def test_with_acronyms_puts_one_run_of_capitals_after_a_word():
    texts = evaluate.sentences(50, 1)
    got = evaluate.with_acronyms(texts, seed=2)
    assert got == evaluate.with_acronyms(texts, seed=2) and got != evaluate.with_acronyms(texts, seed=3)
    for text, new in zip(texts, got):
        words, new_words = text.split(" "), new.split(" ")
        added = [w for w in new_words if w in evaluate.ACRONYMS]
        assert len(new_words) == len(words) + 1 and len(added) == 1 and new_words[0] == words[0]
        new_words.remove(added[0])
        assert new_words == words
    assert all(len(a) >= 2 and a.isupper() for a in evaluate.ACRONYMS)


def test_validation_nll_equals_a_per_line_reference(tiny_synthesis):
    model = load_checkpoint(tiny_synthesis)
    got = evaluate.validation_nll(model, data_of(tiny_synthesis), batch_size=5, rare=lambda c: c in "ab")
    ds = StrokeDataset(data_of(tiny_synthesis), splits=["testset_v"])
    total, points, chars, rare_nll, rare_points = 0.0, 0, 0, 0.0, 0.0
    with torch.no_grad():
        for item in (ds[i] for i in range(len(ds))):  # one line at a time, the stepwise network
            o = item.offsets[None]  # (1, T, 3): row 0 is the line's first point, given, not predicted
            cond = dict(text=item.codes[None], text_mask=torch.ones(1, len(item.codes), dtype=torch.bool))
            out = model.forward_stepwise(o[:, :-1], **cond)
            lp = model.distribution(out.raw).log_prob(o[:, 1:])[0]  # (T-1,)
            total -= float(lp.sum())
            points += item.offsets.shape[0] - 1
            chars += len(item.codes)
            state = None
            for t in range(o.shape[1] - 1):  # each point's share on a and b, from the window at its step
                state = model.step(o[:, t], state or model.initial_state(1), **cond)[1]
                phi = window_weights(state.alpha, state.beta, state.kappa, len(item.codes))[0]  # (U,)
                share = sum(float(phi[u]) for u, c in enumerate(item.text) if c in "ab") / float(phi.sum())
                rare_nll -= share * float(lp[t])
                rare_points += share
    assert got["lines"] == len(ds) == 16
    assert got["nats_per_line"] == pytest.approx(total / len(ds), rel=1e-4)
    assert got["nats_per_point"] == pytest.approx(total / points, rel=1e-4)
    assert got["nats_per_char"] == pytest.approx(total / chars, rel=1e-4)
    assert got["capital_points"] == pytest.approx(rare_points, rel=1e-4) and 0 < rare_points < points
    assert got["nats_per_capital_point"] == pytest.approx(rare_nll / rare_points, rel=1e-4)
    assert got["nats_per_other_point"] == pytest.approx((total - rare_nll) / (points - rare_points), rel=1e-4)
    assert math.isnan(evaluate.validation_nll(model, data_of(tiny_synthesis))["nats_per_capital_point"])  # none


def test_export_keeps_the_model_alone_in_fp16(tiny_synthesis, tmp_path):
    out = tmp_path / "w" / "synthesis.pt"
    slim = evaluate.export_weights(tiny_synthesis, out, release={"note": "test"})
    full = read_checkpoint(tiny_synthesis)
    assert "optimizer" not in read_checkpoint(out) and out.stat().st_size < tiny_synthesis.stat().st_size / 2
    assert slim["release"]["weights"] == "fp16" and slim["release"]["note"] == "test"
    model = load_checkpoint(out)
    for name, p in model.state_dict().items():
        assert p.dtype == torch.float32
        torch.testing.assert_close(p, full["model"][name].half().float(), rtol=0, atol=0)
    assert Hand.from_checkpoint(out).alphabet.to_dict() == full["model_config"]["alphabet"]


def test_export_cli_reports_the_nll_it_stores(tiny_synthesis, tmp_path, capsys):
    out = tmp_path / "synthesis.pt"
    assert evaluate.main(["export", str(tiny_synthesis), "--data", str(data_of(tiny_synthesis)), "--out", str(out)]) == 0
    stored = read_checkpoint(out)["release"]["validation"]
    printed = capsys.readouterr().out
    assert f"{stored['nats_per_line']:.1f} nats per line" in printed
    ref = evaluate.validation_nll(load_checkpoint(out), data_of(tiny_synthesis))
    assert stored["nats_per_line"] == pytest.approx(ref["nats_per_line"], rel=1e-6)


def test_a_window_that_never_moves_fails_every_line(tiny_synthesis, capsys):
    model = load_checkpoint(tiny_synthesis)
    with torch.no_grad():
        K = model.config.window_components
        model.window.weight[2 * K:] = 0
        model.window.bias[2 * K:] = -30.0  # kappa_hat: the window advances by exp(-30) per step
    failed = evaluate.attention_failures(Hand(model), ["abc", "dab ca", "bad"], bias=1.0, batch_size=2)
    assert [w.text for w in failed] == ["abc", "dab ca", "bad"]
    assert all(not w.check.reached_end for w in failed)


def test_cli_bad_checkpoint_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    run = subprocess.run([sys.executable, "-m", "strokes.evaluate", "nll", str(bad), "--data", "x.h5"],
                         capture_output=True, text=True, cwd=REPO, timeout=120)
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "cannot read checkpoint" in run.stderr


def test_average_is_the_mean_of_the_snapshots_weights(tiny_synthesis, tmp_path, capsys):
    full = read_checkpoint(tiny_synthesis)
    paths = []
    for i, scale in enumerate([0.5, 1.0, 2.0]):  # three "snapshots": the weights scaled, at steps 10, 20, 30
        snap = dict(full, model={k: v * scale for k, v in full["model"].items()}, position={"step": 10 * (i + 1)})
        paths.append(tmp_path / f"s{i}.pt")
        torch.save(snap, paths[-1])
    out = tmp_path / "avg" / "avg.pt"
    assert evaluate.main(["average", *map(str, paths), "--out", str(out)]) == 0
    assert "mean of 3 checkpoints (steps 10, 20, 30)" in capsys.readouterr().out
    avg = read_checkpoint(out)
    assert "optimizer" not in avg and avg["position"]["step"] == 30 and avg["averaged"]["steps"] == [10, 20, 30]
    for k, v in full["model"].items():  # (0.5 + 1 + 2) / 3 of each weight
        torch.testing.assert_close(avg["model"][k], v * (3.5 / 3), rtol=1e-6, atol=1e-7)
    # the averaged file is a checkpoint like any other: it scores and exports, and export records the steps
    assert math.isfinite(evaluate.validation_nll(load_checkpoint(out), data_of(tiny_synthesis))["nats_per_line"])
    assert evaluate.export_weights(out, tmp_path / "w.pt")["release"]["averaged"]["steps"] == [10, 20, 30]


def test_average_refuses_different_networks_and_unreadable_files(tiny_synthesis, tmp_path, capsys):
    full = read_checkpoint(tiny_synthesis)
    other = tmp_path / "other.pt"
    torch.save(dict(full, model_config=dict(full["model_config"], hidden_size=999)), other)
    out = tmp_path / "avg.pt"
    assert evaluate.main(["average", str(tiny_synthesis), str(other), "--out", str(out)]) == 2
    assert "not the same network" in capsys.readouterr().err and not out.exists()
    assert evaluate.main(["average", str(tiny_synthesis), str(tmp_path / "nope.pt"), "--out", str(out)]) == 2
    assert "cannot read checkpoint" in capsys.readouterr().err and not out.exists()


def test_styles_sheet_lists_each_seed_with_its_reading_and_pick_stores_presets(tiny_synthesis, tmp_path):
    import json
    sheet, out = tmp_path / "sheet.svg", tmp_path / "styles.json"
    run = subprocess.run([sys.executable, "-m", "strokes.evaluate", "styles", str(tiny_synthesis), "--text", "abc",
                          "--seeds", "3", "--sheet", str(sheet)], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    rows = [r for r in run.stdout.splitlines() if r.startswith("seed ")]
    assert [r.split(":")[0] for r in rows] == ["seed 0", "seed 1", "seed 2"] and sheet.is_file()
    assert all("the recogniser reads '" in r for r in rows)
    ok = [i for i, r in enumerate(rows) if r.split(": ")[1].startswith("ok")]
    assert ok, rows
    run = subprocess.run([sys.executable, "-m", "strokes.evaluate", "styles", str(tiny_synthesis), "--text", "abc",
                          "--seeds", "3", "--pick", str(ok[0]), "--out", str(out)],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    presets = json.loads(out.read_text())
    assert len(presets) == 1 and presets[0]["text"] == "abc" and np.asarray(presets[0]["offsets"]).shape[1] == 3
