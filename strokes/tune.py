"""Targeted fine-tuning of rare characters: only their window columns learn (not in Graves).

The synthesis network (Graves 2013, section 5) reads the text through the window vector
w_t = sum_u phi(t, u) c_u (eq. 47), a mix of one-hot characters that every LSTM layer takes as input.
The columns of a layer's input weights that meet character a's one-hot component are therefore
that character's embedding in that layer: they act only while the window lies on a, in proportion
to phi. Capital letters and digits are 3% of IAM-OnDB's training text (N: 270 times, U: 53), and
the network draws many of them badly mid-line.

`tune="capitals"` in `strokes.training.TrainConfig` (train.py --tune capitals) trains just these
columns, in all layers, for the capitals and digits, and freezes every other weight:

- A text with no capital or digit is written exactly as before, bit for bit: its window vector is
  0 on those components, so the changed columns never act (tests check it).
- Training lines are those holding a capital or digit, each repeated by how rare its rarest such
  character is (`line_repeats`), so a rare letter's lines come round as often as a common one's.

The NLL is Graves' (eq. 26), unweighted; only what may change is narrowed.

Emphasis (`capital_weight` W != 1, train.py --capital-weight; off by default) is the other lever:
each point's NLL is weighted by 1 + (W - 1) x the share of the window (phi, eq. 46) that lies on
capitals and digits when the point is predicted (`emphasis_weights`), so these rare characters weigh
more in the gradient. The reported and validated NLL stays Graves' unweighted one.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
import torch

from .alphabet import Alphabet
from .attention import capitals_and_digits, is_capital_or_digit, window_share

TUNE_CHOICES = ("all", "capitals")
TARGET_SEEN = 300  # repeat a line until its rarest capital or digit is seen ~this often per epoch
MAX_REPEATS = 20  # ... but no line more than this often (X occurs 3 times in IAM's training text)
RUN_REPEATS = 4  # lines with two capitals in a row (rare runs such as "CPU"), at least this often


def line_repeats(texts: list[str], target: int = TARGET_SEEN, most: int = MAX_REPEATS,
                 runs: int = RUN_REPEATS) -> list[int]:
    """How many times each line is used per epoch: 0 without a capital or digit; else
    round(target / count of its rarest one in all texts), within [1, most], and >= runs when the
    line has two capitals in a row."""
    counts = Counter(c for t in texts for c in t if is_capital_or_digit(c))
    out = []
    for t in texts:
        rare = [counts[c] for c in t if is_capital_or_digit(c)]
        if not rare:
            out.append(0)
            continue
        r = min(most, max(1, round(target / min(rare))))
        if any(a.isupper() and b.isupper() for a, b in zip(t, t[1:])):
            r = max(r, runs)
        out.append(r)
    return out


class RepeatedLines(torch.utils.data.Dataset):
    """A view of a stroke dataset with line i appearing repeats[i] times (0 drops it); otherwise
    the base dataset (alphabet, stats, texts, ...)."""

    def __init__(self, base, repeats: list[int]):
        if len(repeats) != len(base):
            raise ValueError(f"{len(repeats)} repeat counts for {len(base)} lines")
        self.base = base
        self.index = np.repeat(np.arange(len(base)), np.asarray(repeats, dtype=np.int64))  # (N,)
        if len(self.index) == 0:
            raise ValueError("no training line holds a capital letter or digit; train the whole network instead")
        self.lengths = np.asarray(base.lengths)[self.index]  # (N,) for the bucketing sampler

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, i: int):
        return self.base[int(self.index[i])]

    def __getattr__(self, name):  # alphabet, stats, cfg, texts of the base
        if name == "base":
            raise AttributeError(name)
        return getattr(self.base, name)


def window_columns(model, chosen: torch.Tensor) -> list[torch.Tensor]:
    """Per LSTM layer, a (in_n,) 0/1 mask over the input weights' columns: 1 on the window
    components of the chosen characters (chosen (A,) bool per alphabet index)."""
    cfg, masks = model.config, []
    for n, lstm in enumerate(model.lstms):
        start = cfg.input_size + (cfg.hidden_size if n > 0 else 0)  # inputs: [x, h^{n-1} (n > 0), w]
        m = torch.zeros(lstm.weight_ih_l0.shape[1], device=lstm.weight_ih_l0.device)
        m[start:start + cfg.alphabet_size] = chosen.to(m)
        masks.append(m)
    return masks


def freeze_for_capitals(model) -> list[torch.nn.Parameter]:
    """Freeze every weight but the capitals' and digits' window columns (which a gradient hook
    keeps to those columns). Returns the parameters left to learn, for the optimiser."""
    if model.config.kind != "synthesis":
        raise ValueError("tuning capitals needs the synthesis network's window")
    chosen = capitals_and_digits(Alphabet.from_dict(model.config.alphabet).symbols)  # (A,)
    for p in model.parameters():
        p.requires_grad_(False)
    learn = []
    for lstm, mask in zip(model.lstms, window_columns(model, chosen)):
        w = lstm.weight_ih_l0
        w.requires_grad_(True)
        w.register_hook(lambda g, m=mask: g * m)  # (4H, in_n): other columns get no gradient
        learn.append(w)
    return learn


def emphasis_weights(phi: torch.Tensor, text: torch.Tensor, emphasised: torch.Tensor, weight: float) -> torch.Tensor:
    """Per-point loss weights 1 + (weight - 1) x the window's share on emphasised characters (B, T):
    phi (B, T, U), text (B, U), emphasised (A,) bool per alphabet index (strokes.attention.window_share)."""
    return 1.0 + (weight - 1.0) * window_share(phi, text, emphasised)
