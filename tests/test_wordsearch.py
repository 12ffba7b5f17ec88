"""strokes.wordsearch: particles of a line held at word boundaries, scored, and continued from the best.

Checked against a naive replay: teacher-forcing the network over each returned line's ink must give
back, step by step, the window weights the search stored (so pausing never moved a particle and a
copy carried its whole history), and each line's final ink must extend the ink the score preferred
at every boundary."""
import math

import numpy as np
import pytest
import torch

import strokes.wordsearch as ws
from strokes.sampler import FastSampler
from strokes.wordsearch import ink_before_last_lift, search, word_rounds, word_starts
from test_sampler import small_model

CAP = 120  # steps per line at most
END = 7  # the goal of a line's last word: past the end of the (padded) text of 6 positions


@pytest.mark.parametrize("text, start, expected", [
    ("The quick  brown", 0, [4, 11]),
    ("ab cd ef gh", 6, [9]),  # a primed line: "ab cd" + " " + "ef gh", written from position 6
    ("one", 0, []),
    (" lead", 0, [1]),
    ("", 0, []),
])
def test_word_starts(text, start, expected):
    assert word_starts(text, start) == expected


def test_ink_before_last_lift():
    offsets = np.zeros((8, 3))
    offsets[[2, 5], 2] = 1
    np.testing.assert_array_equal(ink_before_last_lift(offsets), offsets[:6])
    lifted = ink_before_last_lift(offsets[:2])  # no lift: all of it, the pen lifted at its end
    np.testing.assert_array_equal(lifted[:, :2], offsets[:2, :2])
    assert lifted[:, 2].tolist() == [0, 1] and offsets[1, 2] == 0


def replay_phi(sampler, x0, state, text, mask, ink):
    """The window weights (T, U + 1) of one line when the network reads x0 then its ink, step by step."""
    onehot, u = sampler.text_inputs(text, mask)
    phis, x = [], x0
    for t in range(len(ink)):
        _, state, phi = sampler.advance(x, state, onehot, u)
        phis.append(phi[0])
        x = ink[t:t + 1]
    return torch.stack(phis) if phis else torch.zeros(0, text.shape[1] + 1), state, x


def run_search(particles, boundaries, stall_cap=None, monkeypatch=None, seed=0, rounds=None, **kw):
    model = small_model(seed=1)
    K = model.config.window_components
    with torch.no_grad():  # a window that walks along the text, ~8 steps per character, as a trained one does
        model.window.bias[2 * K:] = math.log(0.12)
    sampler = FastSampler(model)
    lines = torch.tensor([[2, 3, 4, 5, 2, 3], [3, 5, 2, 4, 0, 0]])  # the second line is padded
    lengths = (lines != 0).sum(1)
    text = lines.repeat_interleave(particles, 0)
    mask, B = text != 0, len(text)
    x0 = torch.tensor([[0.0, 0.0, 1.0]]).expand(B, 3)
    caps = torch.full((B,), CAP)
    calls, rng = [], np.random.default_rng(seed)

    def score(rows, inks, upto):
        s = rng.random(len(rows))
        calls.append((list(rows), [i.copy() for i in inks], list(upto), s))
        return s

    if stall_cap is not None:
        monkeypatch.setattr(ws, "STEPS_PER_CHAR_CAP", stall_cap)
    torch.manual_seed(seed)
    out = search(sampler, x0, model.initial_state(B), text, mask, lengths.repeat_interleave(particles), caps,
                 boundaries, particles, score, bias=0.5, rounds=rounds, **kw)
    return sampler, model, text, mask, x0, out, calls


ROUNDS = [[1, 3, 2], [2, 1, 1]]  # words drawn more than once: a middle one, a first one and a last one


@pytest.mark.parametrize("stall_cap, seed, rounds", [(None, 0, None), (None, 2, None), (2, 0, None),  # 2 steps
                                                     (None, 0, ROUNDS), (2, 1, ROUNDS)])  # per character: words stall
def test_every_line_is_what_the_network_gives_reading_its_own_ink(stall_cap, seed, rounds, monkeypatch):
    """Also after rounds: a particle put back where its word began goes on from that state exactly."""
    sampler, model, text, mask, x0, out, calls = run_search(3, [[2, 4], [1, 3]], stall_cap, monkeypatch, seed,
                                                            rounds)
    for b in range(len(text)):
        T = int(out.steps[b])
        assert T <= CAP and (out.offsets[b, T:] == 0).all()
        ink = out.offsets[b, :T]
        phi, state, x = replay_phi(sampler, x0[b:b + 1], model.initial_state(1), text[b:b + 1], mask[b:b + 1], ink)
        torch.testing.assert_close(out.phi[b, :T], phi, rtol=1e-5, atol=1e-6)
        if bool(out.stopped[b]):  # Graves' rule fires on the step after the last drawn offset
            _, _, nxt = sampler.advance(x, state, *sampler.text_inputs(text[b:b + 1], mask[b:b + 1]))
            L = int(mask[b].sum())
            assert nxt[0, L] > nxt[0, :L].max()
        else:  # the step cap, or (in the last word) a stall
            assert T == CAP or stall_cap is not None


def test_each_line_goes_on_from_the_particle_the_score_preferred():
    particles = 4
    _, _, text, _, _, out, calls = run_search(particles, [[2, 4], [1, 3]])
    assert calls, "no line reached a word boundary"
    for rows, inks, upto, s in calls:
        lines = {r // particles for r in rows}
        assert all(sum(r // particles == line for r in rows) <= particles for line in lines)
        for line in lines:
            mine = [k for k, r in enumerate(rows) if r // particles == line]
            finals = [out.offsets[b, :int(out.steps[b])].numpy() for b in range(line * particles, (line + 1) * particles)]
            assert upto[mine[0]] != END  # the last word is left to the caller, unjudged
            best = inks[mine[int(np.argmin(s[mine]))]]
            for final in finals:  # every particle extends the chosen ink
                assert len(final) >= len(best)
                np.testing.assert_array_equal(final[:len(best), :2], best[:, :2])
                np.testing.assert_array_equal(final[:len(best) - 1, 2], best[:-1, 2])  # the last: lifted for the judge
            assert set(upto[k] for k in mine) <= {2, 4, 1, 3}


def test_particles_stay_independent_without_boundaries_and_rows_must_group():
    """No boundary: nothing is scored or copied; particles of one line differ (fresh noise each)."""
    _, _, text, _, _, out, calls = run_search(2, [[], []])
    assert calls == []  # nothing to judge: the last word is left to the caller
    a, b = out.offsets[0, :int(out.steps[0])], out.offsets[1, :int(out.steps[1])]
    assert a.shape != b.shape or not torch.equal(a, b)
    model = small_model()
    with pytest.raises(ValueError, match="not 3 lines of 2 particles"):
        search(FastSampler(model), torch.zeros(4, 3), model.initial_state(4), text, text != 0, (text != 0).sum(1),
               torch.full((4,), 10), [[], [], []], 2, lambda *a: np.zeros(len(a[0])))


@pytest.mark.parametrize("text, start, expected", [
    ("The quick 2 brown", 0, [3, 1, 3, 1]),
    ("ab Cd ef", 3, [3, 1]),  # primed: the first word written is "Cd"
    ("mIxed", 0, [3]),
])
def test_word_rounds_go_to_words_with_capitals_or_digits(text, start, expected):
    assert word_rounds(text, word_starts(text, start), start, 3) == expected


def test_rounds_keep_the_best_particles_of_all_rounds():
    """A word of R rounds is judged R times; the line goes on from the best-read particle of all of
    them, and a last word of R rounds leaves the caller the N best of all its rounds."""
    particles = 3
    _, _, text, _, _, out, calls = run_search(particles, [[2, 4], [1, 3]], rounds=ROUNDS)
    seen = {}  # (line, goal) -> [(score, ink)] over all rounds
    for rows, inks, upto, s in calls:
        for r, ink, u, score in zip(rows, inks, upto, s):
            seen.setdefault((r // particles, u), []).append((score, ink))
    goals = {0: [2, 4, END], 1: [1, 3, END]}
    for line, wanted in enumerate(ROUNDS):
        finals = [out.offsets[b, :int(out.steps[b])].numpy() for b in range(line * particles, (line + 1) * particles)]
        extends = lambda final, ink: (len(final) >= len(ink) and np.array_equal(final[:len(ink), :2], ink[:, :2])  # noqa: E731
                                      and np.array_equal(final[:len(ink) - 1, 2], ink[:-1, 2]))
        for goal, rounds in zip(goals[line], wanted):
            judged = seen.get((line, goal), [])
            if goal == END and rounds == 1:
                assert judged == []  # a last word of one round is left to the caller, unjudged
                continue
            assert len(judged) == rounds * particles
            ranked = sorted(judged, key=lambda e: e[0])
            if goal != END:
                assert all(extends(f, ranked[0][1]) for f in finals)
            else:  # each final line is one of the N best-read of all rounds, each of them once
                owners = [[k for k in range(particles) if extends(f, ranked[k][1])] for f in finals]
                assert sorted(o[0] for o in owners) == list(range(particles)), owners


def test_rounds_of_one_change_nothing_and_bad_rounds_are_refused():
    plain = run_search(2, [[2, 4], [1, 3]])
    ones = run_search(2, [[2, 4], [1, 3]], rounds=[[1, 1, 1], [1, 1, 1]])
    torch.testing.assert_close(plain[5].offsets, ones[5].offsets, rtol=0, atol=0)
    assert len(plain[6]) == len(ones[6])
    with pytest.raises(ValueError, match="one count >= 1 per word"):
        run_search(2, [[2, 4], [1, 3]], rounds=[[1, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match="one count >= 1 per word"):
        run_search(2, [[2, 4], [1, 3]], rounds=[[1, 0, 1], [1, 1, 1]])


CHARS = [[2, 4, 6], [1, 3, 4]]  # characters judged once each word of the two lines is written


def calls_per_line(calls, particles):
    """{line: [(goal, scores of its particles)]} in the order the judge saw them."""
    out = {}
    for rows, inks, upto, s in calls:
        for line in sorted({r // particles for r in rows}):
            mine = [k for k, r in enumerate(rows) if r // particles == line]
            out.setdefault(line, []).append((upto[mine[0]], s[mine]))
    return out


def replay_redraws(calls, particles, redraws, doubtful):
    """The rounds each word should have had, replayed with a naive loop over the judge's calls: after
    its fixed rounds a word is drawn again while the best NLL of its own characters (that of the text
    so far, times its characters, less that of the text before it, per character of the word) is above
    `doubtful`, at most `redraws` times. Asserts the calls follow that rule; returns the redraws."""
    goals, extra = {0: [2, 4, END], 1: [1, 3, END]}, 0
    for line, seq in calls_per_line(calls, particles).items():
        at, before = 0, 0.0
        for k, goal in enumerate(goals[line]):
            pool, drawn = [], 0
            while True:
                assert seq[at][0] == goal
                pool = sorted([*pool, *seq[at][1]])[:particles]
                at, drawn = at + 1, drawn + 1
                own = (pool[0] * CHARS[line][k] - before) / (CHARS[line][k] - (CHARS[line][k - 1] if k else 0))
                if drawn >= ROUNDS[line][k] and (drawn == ROUNDS[line][k] + redraws or own <= doubtful):
                    break
            extra += drawn - ROUNDS[line][k]
            before = pool[0] * CHARS[line][k]
        assert at == len(seq)
    return extra


@pytest.mark.parametrize("redraws, doubtful, seed", [(2, 0.2, 0), (1, 0.3, 1), (3, 0.1, 2)])
def test_redraws_draw_a_doubtful_word_again_until_it_reads(redraws, doubtful, seed):
    """Every word is judged, the last too, and drawn again as `replay_redraws` says."""
    particles = 3
    _, _, _, _, _, out, calls = run_search(particles, [[2, 4], [1, 3]], seed=seed, rounds=ROUNDS, chars=CHARS,
                                           redraws=redraws, doubtful=doubtful)
    assert replay_redraws(calls, particles, redraws, doubtful) > 0  # some word was doubtful: redraws happened


def test_redraws_that_never_doubt_draw_nothing_more_and_need_chars():
    _, _, _, _, _, out, calls = run_search(2, [[2, 4], [1, 3]], rounds=ROUNDS, chars=CHARS, redraws=2,
                                           doubtful=float("inf"))
    assert replay_redraws(calls, 2, 2, float("inf")) == 0
    with pytest.raises(ValueError, match="needs chars"):
        run_search(2, [[2, 4], [1, 3]], redraws=1)
    with pytest.raises(ValueError, match="needs chars"):
        run_search(2, [[2, 4], [1, 3]], chars=[[2, 4], [1, 3, 4]], redraws=1)


def test_a_line_goes_on_from_its_best_particles_last_pen_lift_so_the_next_word_starts_afresh():
    """At a boundary the particles had begun the next word's first stroke; that ink, which the judge
    did not read, is dropped with the rest of the particles: all go on from the best one's last lift."""
    particles = 4
    _, _, _, _, _, out, calls = run_search(particles, [[2, 4], [1, 3]])
    seen = 0
    for line, seq in calls_per_line_inks(calls, particles).items():
        for (inks, s), (later, _) in zip(seq, seq[1:]):
            best = inks[int(np.argmin(s))]
            later = [i for i in later if len(i) > len(best)]
            for ink in later:  # each goes on from the read ink exactly
                np.testing.assert_array_equal(ink[:len(best)], best)
            if len(later) >= 2:
                assert len({tuple(i[len(best)]) for i in later}) > 1, "all particles drew the same next step"
                seen += 1
    assert seen >= 2


def calls_per_line_inks(calls, particles):
    """{line: [(inks of its particles, their scores)]} in the order the judge saw them."""
    out = {}
    for rows, inks, upto, s in calls:
        for line in sorted({r // particles for r in rows}):
            mine = [k for k, r in enumerate(rows) if r // particles == line]
            out.setdefault(line, []).append(([inks[k] for k in mine], s[mine]))
    return out
