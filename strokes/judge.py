"""Choosing the legible candidate: recognisers judge the lines the network drew (not in Graves 2013).

Graves judged his samples by eye. Here `Hand.write(candidates=N)` draws N candidates of each line
(or of each word, `strokes.wordsearch`) and keeps the one the judge reads most likely as the text:
the lowest CTC NLL per character (Graves et al. 2006) of an online recogniser (`strokes.recognizer`),
by default the two shipped recognisers judging together (their mean, `Panel`). Candidates that fail
the attention check rank last, then those with a runaway stroke. For a line's first word the
capitals' doubt can be added to the score (`capital_doubt`): the recogniser's −log probability that
a capital is the one asked for rather than another capital or its own lower case.
"""
from __future__ import annotations

import os

import numpy as np

from .written import HandError, Written


def load_judge(path=None, device: str = "cpu"):
    """What ranks candidates (`strokes.recognizer`): by default the two shipped recognisers judging
    together (`Panel`); a path, the recogniser in that file alone; a list of paths, those together."""
    from .recognizer import DEFAULT_PANEL, Panel, Recognizer
    paths = DEFAULT_PANEL if path is None else [path] if isinstance(path, (str, os.PathLike)) else list(path)
    try:  # an empty list reaches Panel, which refuses it
        if len(paths) == 1:
            return Recognizer.from_checkpoint(paths[0], device)
        return Panel.from_checkpoints(paths, device)
    except ValueError as e:
        raise HandError(f"{e}; or write single samples (--candidates 1, candidates=1)") from None


def judged(judge, offsets_list, texts: list[str], capital_doubt: float = 0.0) -> np.ndarray:
    """The judge's score of each text (`Recognizer.score`, nats per character), with capital_doubt
    times the doubt of its capitals added where the text is a single word: a line's first word."""
    if capital_doubt <= 0:
        return judge.score(offsets_list, texts)
    return judge.score(offsets_list, texts, capital_weight=[capital_doubt * (" " not in t) for t in texts])


def pick_legible(drawn: list[Written], judge, capital_doubt: float = 0.0) -> Written:
    """The candidate of one line that passes the attention check (if any does), then the stroke check,
    and whose strokes the judge reads as the text with the lowest CTC NLL per character (plus, for a
    line of one word, capital_doubt times its capitals' doubt: `judged`); its score is kept on it."""
    scorable = [k for k, w in enumerate(drawn) if len(w.offsets) >= 2]
    scores = np.full(len(drawn), np.inf)
    if scorable:
        scores[scorable] = judged(judge, [drawn[k].offsets for k in scorable],
                                  [drawn[k].written_text for k in scorable], capital_doubt)
    for k, w in enumerate(drawn):
        w.legibility = float(scores[k])
    # attention failures last, then runaway strokes, then the judge's score; ties (all inf) keep the first draw
    best = min(range(len(drawn)), key=lambda k: (not drawn[k].check.ok, not drawn[k].strokes_ok, scores[k], k))
    return drawn[best]
