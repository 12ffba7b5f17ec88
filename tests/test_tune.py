"""Tuning only the capitals' window columns (strokes.tune, train.py --tune capitals): which lines
and how often, which weights move (and no other), text without capitals written bit for bit as
before, exact resume, and the usage errors."""
import numpy as np
import pytest
import torch

from strokes.data import collate
from strokes.training import Trainer, UsageError
from strokes.tune import RepeatedLines, line_repeats, window_columns

from test_training import capitals_h5, synthetic_h5, tiny_config  # noqa: F401 (fixtures)


def test_line_repeats_follow_the_rarest_capital_or_digit():
    texts = ["ab", "Ab", "Ab", "xQz", "AB", "a 7"]  # A 3 times; B, Q and 7 once
    assert line_repeats(texts, target=3, most=5, runs=4) == [0, 1, 1, 3, 4, 3]  # "AB": 3, raised to 4 (a run)
    assert line_repeats(texts, target=30, most=5, runs=4) == [0, 5, 5, 5, 5, 5]  # capped
    assert line_repeats(texts, target=1, most=5, runs=2) == [0, 1, 1, 1, 2, 1]  # never below 1


def test_repeated_lines_view():
    class Base:
        lengths = np.array([5, 6, 7])
        alphabet = "the base's"

        def __len__(self):
            return 3

        def __getitem__(self, i):
            return f"line {i}"

    view = RepeatedLines(Base(), [2, 0, 1])
    assert len(view) == 3 and [view[i] for i in range(3)] == ["line 0", "line 0", "line 2"]
    assert view.lengths.tolist() == [5, 5, 7] and view.alphabet == "the base's"
    with pytest.raises(ValueError, match="no training line holds a capital"):
        RepeatedLines(Base(), [0, 0, 0])
    with pytest.raises(ValueError, match="2 repeat counts for 3 lines"):
        RepeatedLines(Base(), [1, 1])


def nll_per_line(model, lines) -> torch.Tensor:
    batch = collate(lines)
    with torch.no_grad():
        out = model(batch.strokes[:, :-1], text=batch.text, text_mask=batch.text_mask)
        return -model.distribution(out.raw).log_prob(batch.strokes[:, 1:], mask=batch.stroke_mask[:, 1:]).sum(1)


def test_tuning_capitals_moves_only_their_window_columns(capitals_h5, tmp_path):  # noqa: F811
    trainer = Trainer(tiny_config(capitals_h5, tmp_path / "run", tune="capitals", steps=40, lr=1e-2), progress=False)
    base = trainer.train_set.base
    assert len(trainer.train_set) > 0 and all("C" in trainer.train_set[i].text for i in range(len(trainer.train_set)))
    plain = [base[i] for i in range(len(base)) if "C" not in base[i].text]
    capital = [base[i] for i in range(len(base)) if "C" in base[i].text]
    assert plain and capital
    before = {k: p.detach().clone() for k, p in trainer.model.named_parameters()}
    plain_before, capital_before = nll_per_line(trainer.model, plain), nll_per_line(trainer.model, capital)
    trainer.run()
    model = trainer.model
    c = trainer.train_set.alphabet.symbols.index("C")
    masks = window_columns(model, torch.arange(model.config.alphabet_size) == c)
    for k, p in model.named_parameters():
        if k.endswith("weight_ih_l0"):
            n = int(k.split(".")[1])
            moved = (p != before[k]).any(0)  # (in_n,) columns that changed
            assert moved.tolist() == masks[n].bool().tolist(), k  # C's window column, and it moved
        else:
            assert torch.equal(p, before[k]), k
    # text without a capital: exactly the same numbers; with one: a better fit
    assert torch.equal(nll_per_line(model, plain), plain_before)
    capital_after = nll_per_line(model, capital)
    # stated margin: 2 nats per line lower on lines with a C after 40 steps (about 3 measured)
    assert capital_after.mean() < capital_before.mean() - 2, (capital_before.mean(), capital_after.mean())


def test_tuning_capitals_resumes_exactly(capitals_h5, tmp_path):  # noqa: F811
    whole = Trainer(tiny_config(capitals_h5, tmp_path / "whole", tune="capitals", steps=6), progress=False)
    whole.run()
    Trainer(tiny_config(capitals_h5, tmp_path / "split", tune="capitals", steps=3), progress=False).run()
    resumed = Trainer(tiny_config(capitals_h5, tmp_path / "split", tune="all", steps=6), resume=True, progress=False)
    assert resumed.cfg.tune == "capitals"  # the run's own choice, as its lr and batch size
    resumed.run()
    for (k, a), (_, b) in zip(whole.model.named_parameters(), resumed.model.named_parameters()):
        assert torch.equal(a, b), k


def test_tuning_capitals_usage_errors(synthetic_h5, tmp_path):  # noqa: F811
    with pytest.raises(UsageError, match="--tune capitals needs the synthesis"):
        Trainer(tiny_config(synthetic_h5, tmp_path / "p", model="prediction", tune="capitals"), progress=False)
    with pytest.raises(UsageError, match="no training line holds a capital"):  # the synthetic text is lower case
        Trainer(tiny_config(synthetic_h5, tmp_path / "s", tune="capitals"), progress=False)
    with pytest.raises(UsageError, match="--tune upper: unknown"):
        Trainer(tiny_config(synthetic_h5, tmp_path / "u", tune="upper"), progress=False)
