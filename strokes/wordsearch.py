"""Word-by-word legibility search: N samples of every word, a recogniser keeps the best, the line goes on from it.

Picking the best of N whole lines (`strokes.hand.pick_legible`) wastes most of its draws on long
lines: a line's errors are local, one misshapen word spoils it, so the chance that some whole line
has every word right falls fast with its number of words. Here the N samples of a line (the
particles) are drawn together, as in `strokes.sampler.FastSampler.sample`, but are held at every
word boundary:

1. A particle pauses when the peak of its window (Graves 2013, eq. 46) reaches the first character
   of the next word, or when the word has taken more than STEPS_PER_CHAR_CAP steps per character
   (a stalled window: it is scored as unreadable), or when Graves' stopping rule ends it.
2. When all N particles of a line have paused, a judge (`strokes.recognizer.Recognizer.score`, CTC
   NLL per character) scores each particle's ink so far, cut at its last pen lift so that the
   start of the next word is not read, against the text so far.
3. Every particle of the line becomes a copy of the best one (its ink, window history and LSTM
   state) and they go on with fresh noise to the next boundary.

After the last word the line's N particles are whole lines that differ in their last word; the
caller picks one (`pick_legible`). Each word is thus the best of N draws rather than each line: a
greedy sequential Monte Carlo over words (a beam of width one) with the recogniser as the weight.
Not in Graves (2013), who sampled each line once. Costs over line-level picking: the judge reads
the line so far once per word, and a line waits at each boundary for its slowest particle.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from tqdm import tqdm

from .attention import STEPS_PER_CHAR_CAP
from .models import State
from .sampler import Sampled, num_threads, sampling_threads

GROW = 256  # steps added to the ink and window buffers whenever a particle reaches their end


def word_starts(text: str, start: int = 0) -> list[int]:
    """Positions u > start of `text` at which a word begins after a space: where the search resamples.

    start: the first position that is written (after a priming text); a word starting there is the
    first word and has nothing before it to judge.
    """
    return [u for u in range(start + 1, len(text)) if text[u] != " " and text[u - 1] == " "]


def ink_before_last_lift(offsets: np.ndarray) -> np.ndarray:
    """The offsets (T, 3) up to and including the last pen lift (eos = 1); all of them if none lifts.

    At a pause the pen may already have begun the next word; its ink up to the last lift is the text
    so far, which is what the judge is asked to read.
    """
    lifts = np.flatnonzero(offsets[:, 2] > 0.5)
    return offsets[: lifts[-1] + 1] if len(lifts) else offsets


class _Buffers:
    """Per-particle ink (B, T, 3) and window weights (B, T, U + 1), grown on demand."""

    def __init__(self, B: int, positions: int, device, dtype):
        self.xs = torch.zeros(B, 0, 3, device=device, dtype=dtype)
        self.phis = torch.zeros(B, 0, positions, device=device, dtype=dtype)

    def ensure(self, steps: int):
        if steps >= self.xs.shape[1]:
            self.xs = torch.cat([self.xs, self.xs.new_zeros(self.xs.shape[0], GROW, 3)], 1)
            self.phis = torch.cat([self.phis, self.phis.new_zeros(self.phis.shape[0], GROW, self.phis.shape[2])], 1)


def _select(state: State, keep: torch.Tensor, new: State) -> State:
    """Row-wise: new where keep (B,) is True, else state (a paused particle keeps its state)."""
    pick = lambda a, b: torch.where(keep.view(-1, *([1] * (a.dim() - 1))), b, a)  # noqa: E731
    return State(tuple(map(pick, state.h, new.h)), tuple(map(pick, state.c, new.c)),
                 *(pick(a, b) for a, b in zip(state[2:], new[2:])))


@torch.no_grad()
def search(sampler, x: torch.Tensor, state: State, text: torch.Tensor, text_mask: torch.Tensor,
           lengths: torch.Tensor, caps: torch.Tensor, boundaries: list[list[int]], particles: int,
           score: Callable[[list[int], list[np.ndarray], list[int]], np.ndarray], bias: float = 0.0,
           temperature: float = 1.0, progress: bool = False, threads: int | None | str = "auto") -> Sampled:
    """Sample lines of `particles` rows each, resampling at word boundaries; returns every row.

    Rows l * particles .. (l + 1) * particles - 1 are line l's particles and must start alike (same
    text, x (B, 3) and state). boundaries[l]: the text positions where line l's later words begin
    (`word_starts`). score(rows, offsets, upto): the judge's NLL (lower is more legible) of each
    row's normalised ink (T, 3) so far as the text before position upto; rows whose ink has fewer
    than 2 points are scored inf without a call. text, text_mask, lengths, caps, bias and
    temperature are those of `FastSampler.sample`; the noise comes from torch's global generator.
    """
    if bias < 0 or temperature <= 0:
        raise ValueError(f"need bias >= 0 and temperature > 0, got {bias}, {temperature}")
    B, U = text.shape
    if B % particles or len(boundaries) != B // particles:
        raise ValueError(f"{B} rows are not {len(boundaries)} lines of {particles} particles")
    dev, dtype = x.device, x.dtype
    onehot, u = sampler.text_inputs(text, text_mask, dtype)
    rows = torch.arange(B, device=dev)
    beyond = torch.arange(U + 1, device=dev).unsqueeze(0) > lengths.unsqueeze(1)  # (B, U + 1) past the past-end
    outside = torch.arange(U + 1, device=dev).unsqueeze(0) >= lengths.unsqueeze(1)  # (B, U + 1) not a character
    past_end = lengths.long().unsqueeze(1)  # (B, 1)
    nxt = [0] * len(boundaries)  # per line: index of the boundary its particles are heading for
    never = U + 1  # a boundary no window peak reaches: the last word runs to the stopping rule

    def targets(line: int) -> tuple[int, int]:
        """(next boundary, steps allowed for the word) for a line at its current segment."""
        b, k = boundaries[line], nxt[line]
        begin = b[k - 1] if k else 0
        end = b[k] if k < len(b) else never
        return end, STEPS_PER_CHAR_CAP * (min(end, int(lengths[line * particles])) - begin + 1)

    goal = torch.tensor([targets(l)[0] for l in range(len(boundaries)) for _ in range(particles)], device=dev)
    budget = torch.tensor([targets(l)[1] for l in range(len(boundaries)) for _ in range(particles)], device=dev)
    x, buf = x.clone(), _Buffers(B, U + 1, dev, dtype)
    steps = torch.zeros(B, dtype=torch.long, device=dev)
    word_steps = torch.zeros(B, dtype=torch.long, device=dev)
    done = torch.zeros(B, dtype=torch.bool, device=dev)
    stopped = torch.zeros(B, dtype=torch.bool, device=dev)
    paused = torch.zeros(B, dtype=torch.bool, device=dev)
    stalled = torch.zeros(B, dtype=torch.bool, device=dev)
    threads = sampling_threads(B) if threads == "auto" else threads
    bar = tqdm(total=int(caps.max()), desc="writing", unit=" steps", disable=not progress, leave=False)
    with num_threads(threads if dev.type == "cpu" else None), bar:
        while not bool(done.all()):
            moving = ~(done | paused)  # (B,)
            raw, new, phi = sampler.advance(x, state, onehot, u)
            fired = (phi.gather(1, past_end).squeeze(1) > phi.masked_fill(outside, float("-inf")).amax(-1)) & moving
            stopped |= fired
            done |= fired | (moving & (steps >= caps))
            writing = moving & ~done  # (B,) rows that draw an offset this step
            M = sampler.M
            uniform = torch.rand(B, M + 1, device=dev, dtype=dtype).clamp_(1e-12, 1 - 1e-7)
            drawn = sampler.draw(raw, bias, temperature, -torch.log(-torch.log(uniform[:, :M])),
                                 torch.randn(B, 2, device=dev, dtype=dtype), torch.logit(uniform[:, M:]))
            buf.ensure(int(steps.max()))
            w = rows[writing]
            buf.xs[w, steps[w]] = drawn[w]
            buf.phis[w, steps[w]] = phi[w]
            steps += writing.long()
            word_steps += writing.long()
            state = _select(state, writing, new)
            x = torch.where(writing.unsqueeze(1), drawn, x)
            peak = phi.masked_fill(beyond, float("-inf")).argmax(-1)  # (B,) the character under the window
            stalled |= writing & (word_steps > budget)
            paused |= writing & ((peak >= goal) | stalled)
            bar.n = int(steps.max())
            bar.refresh() if progress else None
            waiting = (paused | done).view(-1, particles).all(1) & paused.view(-1, particles).any(1)  # (lines,)
            ready = torch.nonzero(waiting).flatten().tolist()
            if ready:
                state, x = _resample(ready, particles, state, x, buf, steps, done, stopped, stalled, score, goal)
                for line in ready:
                    nxt[line] = min(nxt[line] + 1, len(boundaries[line]))  # a stall in the last word stays there
                    sl = slice(line * particles, (line + 1) * particles)
                    g, b = targets(line)
                    goal[sl], budget[sl] = g, b
                    paused[sl] = stalled[sl] = False
                    word_steps[sl] = 0
    T = int(steps.max()) if B else 0
    return Sampled(buf.xs[:, :T], buf.phis[:, :T], steps, stopped, None)


def _resample(ready: list[int], particles: int, state: State, x, buf: _Buffers, steps, done, stopped, stalled,
              score, goal) -> tuple[State, torch.Tensor]:
    """Score the particles of each ready line and make them all copies of the line's best one."""
    cand = [line * particles + p for line in ready for p in range(particles)]
    scores = np.full(len(cand), np.inf)
    inks = {r: ink_before_last_lift(buf.xs[r, :int(steps[r])].cpu().numpy()) for r in cand if not bool(stalled[r])}
    judged = [k for k, r in enumerate(cand) if r in inks and len(inks[r]) >= 2]
    if judged:
        rs = [cand[k] for k in judged]
        scores[judged] = score(rs, [inks[r] for r in rs], [int(goal[r]) for r in rs])
    src = torch.arange(len(done), device=x.device)
    for i, line in enumerate(ready):
        s = scores[i * particles:(i + 1) * particles]
        src[line * particles:(line + 1) * particles] = line * particles + int(np.argmin(s))  # ties: the first
    dst = torch.tensor(cand, device=x.device)
    take = src[dst]
    for t in (buf.xs, buf.phis, x, steps, done, stopped):
        t[dst] = t[take]
    return State(*(tuple(f.index_copy(0, dst, f[take]) for f in field) if isinstance(field, tuple)
                   else field.index_copy(0, dst, field[take]) for field in state)), x
