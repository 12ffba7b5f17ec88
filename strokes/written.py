"""What the hand writes: a line's ink with the checks it passed, and the errors a caller can fix.

`Hand.write` (`strokes.hand`) returns one `Written` per line: the raw-unit offsets, the attention
window that drew them (Graves 2013, eq. 46) and the outcome of the attention check
(`strokes.attention.check_attention`) and of the stroke check (`strokes.strokecheck`, not in Graves).
A `Style` is a priming line (Graves section 5.5). `HandError` is bad input for sampling, one line
saying what and how to fix it, as the CLIs print it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .attention import AttentionCheck
from .mdn import StrokeMixture


class HandError(ValueError):
    """Bad input for sampling (text, prime, checkpoint): one line saying what and how to fix it."""


@dataclass
class Style:
    """A priming line: its text and its raw-unit offsets (T, 3), as the training data would give."""

    text: str
    offsets: np.ndarray


@dataclass
class Written:
    text: str  # the text asked for
    written_text: str  # the text the ink shows: the text asked for after replacing missing characters
    offsets: np.ndarray  # (T, 3) raw-unit offsets (dx, dy, eos), ready for strokes.render
    phi: np.ndarray  # (T, U + 1) window weights over window_text and the position past it
    check: AttentionCheck
    stopped: bool  # the stopping rule fired (rather than the step cap)
    seed: int
    attempts: int = 1
    legibility: float | None = None  # the judge's CTC NLL of the text (a panel's mean), nats per char, if ranked
    predictions: StrokeMixture | None = field(default=None, repr=False)  # per-step densities, if kept
    window_text: str = ""  # what the network read: written_text, with runs of capitals spread ("C P U")
    strokes_ok: bool = True  # no runaway stroke (`strokes.strokecheck`)

    @property
    def ok(self) -> bool:
        """Passes both checks: the attention check and the stroke check."""
        return self.check.ok and self.strokes_ok

    def __post_init__(self):
        self.window_text = self.window_text or self.written_text


def blank(text: str) -> Written:
    """What an empty line writes: no ink, nothing to check."""
    ok = AttentionCheck(True, True, 0, 0, "")
    return Written(text, text, np.zeros((0, 3)), np.zeros((0, 1)), ok, True, 0)
