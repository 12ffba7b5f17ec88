"""Word-by-word legibility search: N samples of every word, a recogniser keeps the best, the line goes on from it.

Picking the best of N whole lines (`strokes.judge.pick_legible`) wastes most of its draws on long
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
3. Every particle of the line becomes a copy of the best one as it was right after its last pen
   lift: the ink the judge read, with its window history and LSTM state at that point, and they go
   on with fresh noise to the next boundary. By the time its window reaches the next word a
   particle has nearly always begun that word's first stroke (1 to 15 steps past its last lift,
   about 3 on average, at the shipped model's point rate): unread ink, which would otherwise be
   handed to all N particles, so that the next word's first letter would be one draw, not the best
   of N.

After the last word the line's N particles are whole lines that differ in their last word; the
caller picks one (`pick_legible`). Each word is thus the best of N draws rather than each line: a
greedy sequential Monte Carlo over words (a beam of width one) with the recogniser as the weight.
Not in Graves (2013), who sampled each line once. Costs over line-level picking: the judge reads
the line so far once per word, and a line waits at each boundary for its slowest particle.

Some words are harder than others: the network writes capitals and digits far less reliably than
lower case (README, "How legible?"), so N draws seldom hold a good one. A word may be given R > 1
rounds (`rounds`): after each round the N particles go back to where the word began and draw it
again, and the N best-read particles of all rounds (the judge's NLL) go on as if drawn at once. A
word then costs R times the steps, but only the words that need it.

Which words are hard is also seen as they are drawn: with `redraws` > 0 a word whose best reading
is still doubtful after its rounds, the judge's NLL of its own characters (that of the text so far
less that of the text before it) above `doubtful` nats per character, is drawn again, up to
`redraws` more rounds, until one of its particles reads plainly. The judge then spends its draws
where the network slipped, whatever the letters (a lower-case "m" drawn as an "n" as much as a
capital).
"""
from __future__ import annotations

from typing import Callable

import numpy as np
import torch
from tqdm import tqdm

from .attention import STEPS_PER_CHAR_CAP, is_capital_or_digit
from .models import State
from .sampler import Sampled, num_threads, sampling_threads

GROW = 256  # steps added to the ink and window buffers whenever a particle reaches their end
DOUBTFUL = 0.3  # nats per character of a word's own judge NLL above which `redraws` draws it again (README:
# at 0.3, 3 redraws cut the second reader's CER more than 0.5 or 1.0 did, and more than 16 candidates did)


def word_starts(text: str, start: int = 0) -> list[int]:
    """Positions u > start of `text` at which a word begins after a space: where the search resamples.

    start: the first position that is written (after a priming text); a word starting there is the
    first word and has nothing before it to judge.
    """
    return [u for u in range(start + 1, len(text)) if text[u] != " " and text[u - 1] == " "]


def word_rounds(text: str, boundaries: list[int], start: int, hard: int, hard_words=frozenset()) -> list[int]:
    """Rounds for each word of `text` cut at `boundaries` (`word_starts(text, start)`): `hard` for a
    word holding a capital letter or a digit (the network's weak spot) or one of `hard_words` (such
    as the x drawn for an X, `strokes.standins`), 1 for the others."""
    edges = [start, *boundaries, len(text)]
    return [hard if any(map(is_capital_or_digit, text[a:b])) or text[a:b].strip() in hard_words else 1
            for a, b in zip(edges, edges[1:])]


def ink_before_last_lift(offsets: np.ndarray) -> np.ndarray:
    """The offsets (T, 3) up to and including the last pen lift (eos = 1); if the pen never lifted,
    all of them with the pen lifted at the last point (a line's ink ends with a lift).

    At a pause the pen may already have begun the next word; its ink up to the last lift is the text
    so far, which is what the judge is asked to read.
    """
    lifts = np.flatnonzero(offsets[:, 2] > 0.5)
    if len(lifts):
        return offsets[: lifts[-1] + 1]
    out = offsets.copy()
    out[-1:, 2] = 1.0
    return out


class _Buffers:
    """Per-particle ink (B, T, 3) and window weights (B, T, U + 1), grown on demand."""

    def __init__(self, B: int, positions: int, device, dtype):
        self.xs = torch.zeros(B, 0, 3, device=device, dtype=dtype)
        self.phis = torch.zeros(B, 0, positions, device=device, dtype=dtype)

    def ensure(self, steps: int):
        if steps >= self.xs.shape[1]:
            self.xs = torch.cat([self.xs, self.xs.new_zeros(self.xs.shape[0], GROW, 3)], 1)
            self.phis = torch.cat([self.phis, self.phis.new_zeros(self.phis.shape[0], GROW, self.phis.shape[2])], 1)


def _map(fn, *states: State) -> State:
    """fn applied field by field (each layer of h and c apart) to States of one layout; None stays None."""
    return State(*(tuple(map(fn, *fs)) if isinstance(fs[0], tuple) else None if fs[0] is None else fn(*fs)
                   for fs in zip(*states)))


def _copy_rows(state: State, dst: torch.Tensor, src: torch.Tensor) -> State:
    """state with rows dst replaced by rows src."""
    return _map(lambda a: a.index_copy(0, dst, a[src]), state)


class WordSearch:
    """The state of one search: `search` builds it and runs it; see the module docstring."""

    def __init__(self, sampler, x, state, text, text_mask, lengths, caps, boundaries, particles, score, bias,
                 temperature, rounds=None, chars=None, redraws=0, doubtful=DOUBTFUL):
        B, U = text.shape
        if B % particles or len(boundaries) != B // particles:
            raise ValueError(f"{B} rows are not {len(boundaries)} lines of {particles} particles")
        self.rounds = rounds if rounds is not None else [[1] * (len(b) + 1) for b in boundaries]
        if (len(self.rounds) != len(boundaries) or any(len(r) != len(b) + 1 for r, b in zip(self.rounds, boundaries))
                or any(k < 1 for r in self.rounds for k in r)):
            raise ValueError("rounds needs one count >= 1 per word of every line (len(boundaries[l]) + 1)")
        if redraws < 0 or (redraws and (chars is None or len(chars) != len(boundaries) or
                                        any(len(c) != len(b) + 1 for c, b in zip(chars, boundaries)))):
            raise ValueError("redraws needs to be >= 0, and > 0 needs chars: one count per word of every line")
        self.redraws, self.doubtful, self.chars = redraws, doubtful, chars
        self.sampler, self.N, self.score, self.bias, self.temperature = sampler, particles, score, bias, temperature
        self.boundaries, self.lengths, self.caps = boundaries, lengths, caps
        dev, dtype = x.device, x.dtype
        self.onehot, self.u = sampler.text_inputs(text, text_mask, dtype)
        self.rows = torch.arange(B, device=dev)
        positions = torch.arange(U + 1, device=dev).unsqueeze(0)
        self.beyond = positions > lengths.unsqueeze(1)  # (B, U + 1) past the position past the end
        self.outside = positions >= lengths.unsqueeze(1)  # (B, U + 1) not a character
        self.past_end = lengths.long().unsqueeze(1)  # (B, 1)
        self.never = U + 1  # a goal no window peak reaches: the last word runs to the stopping rule
        L = len(boundaries)
        self.word = [0] * L  # per line: index of the word its particles are writing
        self.round = [0] * L  # per line: how many rounds of its current word are over
        self.start = [None] * L  # per line: the particle its word began from, while the word has rounds to come
        self.pool = [[] for _ in range(L)]  # per line: (NLL, particle) of the N best of the word's rounds so far
        self.before = [0.0] * L  # per line: the judge's NLL (nats) of the text before its current word
        self.finished = [False] * L
        self.goal = torch.zeros(B, dtype=torch.long, device=dev)  # a particle pauses when its window's peak reaches it
        self.budget = torch.zeros(B, dtype=torch.long, device=dev)  # steps the current word may take
        self.x, self.state = x.clone(), state
        # each particle as it was right after its last pen lift (at first, as it starts): where the line
        # goes on from at a boundary, so that the next word's first stroke is drawn afresh by all N
        self.lift_x, self.lift_steps, self.lift_state = x.clone(), torch.zeros(B, dtype=torch.long, device=dev), state
        self.begin = [0] * L  # per line: the steps its particles had when its current word began
        self.buf = _Buffers(B, U + 1, dev, dtype)
        zeros = lambda kind: torch.zeros(B, dtype=kind, device=dev)  # noqa: E731
        self.steps, self.word_steps = zeros(torch.long), zeros(torch.long)
        self.done, self.stopped, self.paused, self.stalled = (zeros(torch.bool) for _ in range(4))
        for line in range(L):
            self._aim(line)

    # ------------------------------------------------------------------ the text
    def _span(self, line: int) -> tuple[int, int]:
        """(first, next) text positions of the line's current word: its goal is `next`."""
        b, k = self.boundaries[line], self.word[line]
        return (b[k - 1] if k else 0), (b[k] if k < len(b) else self.never)

    def _aim(self, line: int):
        """Set the line's particles off on its current word."""
        first, nxt = self._span(line)
        sl = slice(line * self.N, (line + 1) * self.N)
        self.goal[sl] = nxt
        self.budget[sl] = STEPS_PER_CHAR_CAP * (min(nxt, int(self.lengths[line * self.N])) - first + 1)
        self.paused[sl] = self.stalled[sl] = False
        self.begin[line] = int(self.steps[line * self.N])
        self.word_steps[sl] = 0
        if self._many(line) and self.round[line] == 0:
            self.start[line] = self._snap(line * self.N)  # the line's particles are alike here

    def _many(self, line: int) -> bool:
        """Whether the line's current word may be drawn more than once."""
        return self.rounds[line][self.word[line]] > 1 or self.redraws > 0

    def _own(self, line: int, best: float) -> float:
        """The judge's NLL per character of the line's current word alone, from `best`, that of the
        text so far (nats per character): the text's NLL less that of the text before the word."""
        k, chars = self.word[line], self.chars[line]
        before = chars[k - 1] if k else 0
        return (best * chars[k] - self.before[line]) / max(chars[k] - before, 1)  # inf when unreadable

    # ------------------------------------------------------------------ one particle, kept aside
    def _snap(self, r: int) -> dict:
        """Row r's particle: its ink and window so far, last offset, LSTM state and flags."""
        s = int(self.steps[r])
        return dict(xs=self.buf.xs[r, :s].clone(), phis=self.buf.phis[r, :s].clone(), x=self.x[r].clone(), steps=s,
                    done=bool(self.done[r]), stopped=bool(self.stopped[r]), state=_map(lambda a: a[r].clone(), self.state),
                    lift_x=self.lift_x[r].clone(), lift_steps=int(self.lift_steps[r]),
                    lift_state=_map(lambda a: a[r].clone(), self.lift_state))

    def _put(self, rows: list[int], snaps: list[dict]):
        """Rows become the given particles."""
        self.buf.ensure(max(p["steps"] for p in snaps))
        for r, p in zip(rows, snaps):
            self.buf.xs[r], self.buf.phis[r] = 0, 0  # nothing past its steps, as in a row never copied
            self.buf.xs[r, :p["steps"]] = p["xs"]
            self.buf.phis[r, :p["steps"]] = p["phis"]
            self.x[r], self.steps[r], self.done[r], self.stopped[r] = p["x"], p["steps"], p["done"], p["stopped"]
            self.lift_x[r], self.lift_steps[r] = p["lift_x"], p["lift_steps"]
        dst = torch.tensor(rows, device=self.x.device)
        self.state = _map(lambda a, *b: a.index_copy(0, dst, torch.stack(b)), self.state, *[p["state"] for p in snaps])
        self.lift_state = _map(lambda a, *b: a.index_copy(0, dst, torch.stack(b)), self.lift_state,
                               *[p["lift_state"] for p in snaps])

    def _back_to_lift(self, rows: list[int]):
        """Rows go back to where they were right after their last pen lift (a best particle whose last
        lift lies in its current word): the ink the judge read, no more."""
        if not rows:
            return
        back = torch.tensor(rows, device=self.x.device)
        self.x[back], self.steps[back] = self.lift_x[back], self.lift_steps[back]
        self.state = _map(lambda a, b: a.index_copy(0, back, b[back]), self.state, self.lift_state)
        for r in rows:  # nothing past its steps, as in a row never copied
            self.buf.xs[r, int(self.steps[r]):] = 0
            self.buf.phis[r, int(self.steps[r]):] = 0

    # ------------------------------------------------------------------ one pen step
    def step(self):
        """One pen step of every particle that is neither paused nor done, computed on those rows only
        (about half of them wait at a boundary or have ended at any time)."""
        sp, dev, dtype = self.sampler, self.x.device, self.x.dtype
        i = self.rows[~(self.done | self.paused)]  # (B',) the moving rows
        raw, new, phi = sp.advance(self.x[i], _map(lambda a: a[i], self.state), self.onehot[i], self.u)
        fired = (phi.gather(1, self.past_end[i]).squeeze(1) >
                 phi.masked_fill(self.outside[i], float("-inf")).amax(-1))  # (B',) Graves' stopping rule
        self.stopped[i] |= fired
        self.done[i] |= fired | (self.steps[i] >= self.caps[i])
        k = ~self.done[i]  # (B',) the moving rows that draw an offset this step
        uniform = torch.rand(len(i), sp.M + 1, device=dev, dtype=dtype).clamp_(1e-12, 1 - 1e-7)
        drawn = sp.draw(raw, self.bias, self.temperature, -torch.log(-torch.log(uniform[:, :sp.M])),
                        torch.randn(len(i), 2, device=dev, dtype=dtype), torch.logit(uniform[:, sp.M:]))
        self.buf.ensure(int(self.steps.max()))
        w = i[k]  # (B'',) their rows
        self.buf.xs[w, self.steps[w]] = drawn[k]
        self.buf.phis[w, self.steps[w]] = phi[k]
        self.steps[w] += 1
        self.word_steps[w] += 1
        self.state = _map(lambda a, b: a.index_copy(0, w, b[k]), self.state, new)
        self.x[w] = drawn[k]
        up = w[drawn[k][:, 2] > 0.5]  # (B''',) rows whose pen lifts after this point: keep them as they are now
        if len(up):
            self.lift_x[up], self.lift_steps[up] = self.x[up], self.steps[up]
            self.lift_state = _map(lambda a, b: a.index_copy(0, up, b[up]), self.lift_state, self.state)
        peak = phi[k].masked_fill(self.beyond[w], float("-inf")).argmax(-1)  # (B'',) the character under the window
        self.stalled[w] |= self.word_steps[w] > self.budget[w]
        self.paused[w] |= (peak >= self.goal[w]) | self.stalled[w]

    # ------------------------------------------------------------------ at a word boundary
    def ready(self) -> list[int]:
        """Lines whose particles have all paused or ended and that are not finished."""
        waiting = (self.paused | self.done).view(-1, self.N).all(1).tolist()
        return [line for line, w in enumerate(waiting) if w and not self.finished[line]]

    def judge(self, ready: list[int]) -> np.ndarray:
        """(len(ready), N) the judge's NLL of each particle's ink so far (inf: stalled or < 2 points)."""
        cand = [line * self.N + p for line in ready for p in range(self.N)]
        nll = np.full(len(cand), np.inf)
        inks = {r: ink_before_last_lift(self.buf.xs[r, :int(self.steps[r])].cpu().numpy())
                for r in cand if not bool(self.stalled[r])}
        judged = [k for k, r in enumerate(cand) if r in inks and len(inks[r]) >= 2]
        if judged:
            rs = [cand[k] for k in judged]
            nll[judged] = self.score(rs, [inks[r] for r in rs], [int(self.goal[r]) for r in rs])
        return nll.reshape(len(ready), self.N)

    def _pool(self, line: int, nll: np.ndarray) -> np.ndarray | None:
        """A round of the line's word is over: keep the N best-read particles of all its rounds. With
        rounds to come, the particles go back to where the word began and None is returned; after the
        last, the rows hold the N best and their NLL is returned."""
        rows = list(range(line * self.N, (line + 1) * self.N))
        pool = sorted(self.pool[line] + [(float(s), self._snap(r)) for s, r in zip(nll, rows)],
                      key=lambda e: e[0])[:self.N]  # stable: earlier rounds win ties
        self.round[line] += 1
        fixed = self.rounds[line][self.word[line]]
        if self.round[line] < fixed or (self.round[line] < fixed + self.redraws and
                                        self._own(line, pool[0][0]) > self.doubtful):
            self.pool[line] = pool
            self._put(rows, [self.start[line]] * self.N)
            self._aim(line)
            return None
        self._put(rows, [p for _, p in pool])
        self.pool[line], self.start[line], self.round[line] = [], None, 0
        return np.array([s for s, _ in pool])

    def decide(self, ready: list[int]):
        """Each ready line goes on from its best particle; a line at the end of its text is finished
        (its N whole lines are left to the caller, as they are). A word with rounds to come is drawn
        again instead (`_pool`)."""
        over = self.done.view(-1, self.N).all(1).tolist()
        ends = {line for line in ready if self._span(line)[1] == self.never or over[line]}
        many = {line for line in ready if self._many(line)}
        judged = [line for line in ready if line not in ends or line in many]  # one batch for the judge
        nll = dict(zip(judged, self.judge(judged))) if judged else {}
        for line in many:
            nll[line] = self._pool(line, nll[line])
        ready = [line for line in ready if line not in many or nll[line] is not None]
        for line in ends.intersection(ready):  # its particles have all ended, or stalled in the last word
            self.done[line * self.N:(line + 1) * self.N] = True
            self.finished[line] = True
        go = [line for line in ready if line not in ends]
        if not go:
            return
        best = {line: line * self.N + int(np.argmin(nll[line])) for line in go}  # ties (all inf): the first
        self._back_to_lift([r for line, r in best.items()
                            if not bool(self.done[r]) and int(self.lift_steps[r]) > self.begin[line]])
        dst = torch.tensor([line * self.N + p for line in go for p in range(self.N)], device=self.x.device)
        src = torch.tensor([best[line] for line in go for _ in range(self.N)], device=self.x.device)
        for t in (self.buf.xs, self.buf.phis, self.x, self.steps, self.done, self.stopped, self.lift_x, self.lift_steps):
            t[dst] = t[src]
        self.state, self.lift_state = _copy_rows(self.state, dst, src), _copy_rows(self.lift_state, dst, src)
        for line in go:
            if self.redraws:  # inf after an unreadable word: later words' own NLL is then -inf or nan, never
                # above `doubtful`, so the line's remaining words get no redraws
                self.before[line] = float(np.min(nll[line])) * self.chars[line][self.word[line]]
            self.word[line] += 1
            self._aim(line)

    def run(self, progress: bool = False) -> Sampled:
        bar = tqdm(total=int(self.caps.max()), desc="writing", unit=" steps", disable=not progress, leave=False)
        with bar:
            while not all(self.finished):
                self.step()
                ready = self.ready()
                if ready:
                    self.decide(ready)
                if progress:  # the longest particle so far (a copy at a boundary may shorten the longest);
                    longest = int(self.steps.max())  # update() redraws at most every mininterval, as tqdm does
                    if longest > bar.n:
                        bar.update(longest - bar.n)
        T = int(self.steps.max()) if len(self.rows) else 0
        return Sampled(self.buf.xs[:, :T], self.buf.phis[:, :T], self.steps, self.stopped, None)


@torch.no_grad()
def search(sampler, x: torch.Tensor, state: State, text: torch.Tensor, text_mask: torch.Tensor,
           lengths: torch.Tensor, caps: torch.Tensor, boundaries: list[list[int]], particles: int,
           score: Callable[[list[int], list[np.ndarray], list[int]], np.ndarray], bias: float = 0.0,
           temperature: float = 1.0, progress: bool = False, threads: int | None | str = "auto",
           rounds: list[list[int]] | None = None, chars: list[list[int]] | None = None, redraws: int = 0,
           doubtful: float = DOUBTFUL) -> Sampled:
    """Sample lines of `particles` rows each, resampling at word boundaries; returns every row.

    Rows l * particles .. (l + 1) * particles - 1 are line l's particles and must start alike (same
    text, x (B, 3) and state). boundaries[l]: the text positions where line l's later words begin
    (`word_starts`). score(rows, offsets, upto): the judge's NLL (lower is more legible) of
    each row's normalised ink (T, 3) so far as the text before position upto; rows whose ink has
    fewer than 2 points are scored inf without a call. rounds[l][k]: how many times word k of line
    l is drawn by all N particles before the N best go on (default 1 for every word; see the module
    docstring). redraws: more rounds, up to this many, for a word whose best reading is doubtful (its
    own NLL above `doubtful` nats per character); chars[l][k]: the characters the judge reads once
    line l's word k is written (the text so far), needed with redraws. text, text_mask, lengths,
    caps, bias and temperature are those of
    `FastSampler.sample`; the noise comes from torch's global generator.
    """
    if bias < 0 or temperature <= 0:
        raise ValueError(f"need bias >= 0 and temperature > 0, got {bias}, {temperature}")
    threads = sampling_threads(len(text)) if threads == "auto" else threads
    with num_threads(threads if x.device.type == "cpu" else None):
        return WordSearch(sampler, x, state, text, text_mask, lengths, caps, boundaries, particles, score, bias,
                          temperature, rounds, chars, redraws, doubtful).run(progress)
