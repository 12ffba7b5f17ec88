"""Text to handwriting with a trained synthesis network (Graves 2013, section 5).

    hand = Hand.from_checkpoint("runs/iam/best.pt")
    lines = hand.write(["Hello world", "in my own hand"], bias=0.75, seed=0)
    write_page([line.offsets for line in lines], "hello.svg")

Sampling (all lines of a call in one batch): at each pen step the network gives the distribution
of the next offset; Graves' bias b sharpens it (eqs. 61-62, `StrokeMixture.tempered`), one offset is
drawn and fed back. A line stops by Graves' rule, when the window has moved past its last character
(`strokes.attention.finished_reading`), or at a hard cap proportional to its length.

Priming (section 5.5): to write in a given style, the network first reads a real line (its strokes,
with its text in front of the text to write) and then continues with the new text, so every line of
one call shares the style. After sampling each line's window is checked (`check_attention`), and
its strokes for one that ran away (`strokes.strokecheck`, not in Graves); lines that fail either can
be resampled with new seeds (`retries`).

Characters missing from the model's alphabet are replaced by a declared rule: the other case of the
letter if the alphabet has it, else its plain form (a straight quote for a curly one, "e" for "é"),
else the unknown symbol; `strokes.alphabet.prepare_text` says which were replaced. Candidates are
ranked by recognisers (`strokes.judge`); each line comes back as a `strokes.written.Written`.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import transforms
from .accents import add_accents, align, split
from . import baseline, initials, leadin, lowerx, lowerz
from .acronyms import set_runs, spread
from .alphabet import Alphabet, prepare_text
from .attention import check_attention, finished_reading, step_cap, window_weights
from .judge import judged, load_judge, pick_legible
from .mdn import BivariateGaussianMixture, StrokeMixture
from .models import SynthesisNetwork, load_checkpoint
from .sampler import FastSampler
from .standins import LOWER_STAND_INS, STAND_INS, add_strokes, number_runs, resize_all, substitute
from .strokecheck import penalised, strokes_ok
from .wordsearch import search, word_rounds, word_starts
from .written import HandError, Style, Written, blank

__all__ = ["Hand", "HandError", "Style", "Written", "load_model", "load_presets", "load_judge", "pick_legible",
           "prepare_text", "DEFAULT_CHECKPOINT"]

WEIGHTS_DIR = Path(__file__).parent / "weights"
DEFAULT_CHECKPOINT = WEIGHTS_DIR / "synthesis.pt"  # shipped weights (absent until trained and committed)
PICKS = ("word", "line")  # how Hand.write chooses among candidates: per word (default) or per whole line
ACRONYMS = ("apart", "joined")  # runs of capitals: letters drawn apart and set together (default), or as given
PRIME_SEPARATOR = " "  # between the priming text and the text to write (Graves section 5.5)


def load_model(path=None, device: str = "cpu"):
    """A network from a checkpoint, or HandError with one line saying what is wrong and what to do."""
    path = Path(path) if path is not None else DEFAULT_CHECKPOINT
    if not path.is_file():
        if path == DEFAULT_CHECKPOINT:
            raise HandError("no shipped weights in this version of strokes yet; train a model with train.py "
                            "and pass --checkpoint runs/NAME/best.pt")
        raise HandError(f"{path}: no such checkpoint; pass the path of a .pt file written by train.py")
    try:
        return load_checkpoint(path, map_location=device)
    except Exception as e:  # truncated, not a torch file, wrong format or version
        reason = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise HandError(f"{path}: cannot read checkpoint ({reason[:200]}); pass a checkpoint written by "
                        "train.py") from None


def load_presets() -> list[Style]:
    """Style presets shipped beside the weights (strokes/weights/styles.json), made from lines the
    model itself generated; empty until presets are shipped."""
    path = WEIGHTS_DIR / "styles.json"
    if not path.is_file():
        return []
    return [Style(p["text"], np.asarray(p["offsets"], dtype=np.float64)) for p in json.loads(path.read_text())]


def stand_in_chars(stand_ins: bool | str) -> str:
    """The characters drawn from stand-ins (`strokes.standins`) for `Hand.write(stand_ins=...)`:
    True, all; False or "", none; a string, those; HandError for a character without a stand-in."""
    chars = "".join(STAND_INS) if stand_ins is True else stand_ins or ""
    if set(chars) - set(STAND_INS):
        raise HandError(f"stand_ins: no stand-in for {''.join(sorted(set(chars) - set(STAND_INS)))!r}; "
                        f"choose among {''.join(STAND_INS)!r}, or True (all) or False (none)")
    return chars


def _stack_predictions(dists: list[StrokeMixture], b: int) -> StrokeMixture:
    """Line b's per-step predictions as one StrokeMixture with batch shape (T,)."""
    mixes = [d.mixture for d in dists]
    mixture = BivariateGaussianMixture(torch.stack([m.logits[b] for m in mixes]),
                                       torch.stack([m.loc[b] for m in mixes]),
                                       torch.stack([m.scale[b] for m in mixes]),
                                       torch.stack([m.rho[b] for m in mixes]))
    return StrokeMixture(mixture, torch.stack([d.eos_logits[b] for d in dists]))


class Hand:
    """A synthesis network with the data conventions it was trained with (alphabet, statistics)."""

    def __init__(self, model: SynthesisNetwork, fast: bool = True):
        """fast: sample with `strokes.sampler.FastSampler` (default); False: the reference loop over
        `model.step` and `StrokeMixture` objects (same distribution, slower)."""
        if not isinstance(model, SynthesisNetwork):
            raise HandError("this checkpoint holds a prediction network; text needs a synthesis checkpoint "
                            "(or use --model prediction)")
        cfg = model.config
        if cfg.alphabet is None or cfg.stats is None:
            raise HandError("checkpoint lacks its alphabet or statistics; retrain with this version of strokes")
        self.model = model.eval()
        self.alphabet = Alphabet.from_dict(cfg.alphabet)
        self.stats = cfg.stats
        self.preprocess = transforms.Preprocess.from_dict(cfg.preprocess or {})
        self.device = next(model.parameters()).device
        self.fast = fast and FastSampler.supports(model)

    @classmethod
    def from_checkpoint(cls, path=None, device: str = "cpu") -> "Hand":
        """The hand of a checkpoint written by train.py (default: the weights shipped with strokes)."""
        return cls(load_model(path, device))

    def preset(self, n: int) -> Style:
        """Style preset n shipped with the weights."""
        presets = load_presets()
        if not presets:
            raise HandError("no style presets are shipped with this version of strokes yet; "
                            "use --prime FILE (a JSON Lines stroke file or an SVG this tool wrote)")
        if not 0 <= n < len(presets):
            raise HandError(f"--style {n}: choose a preset from 0 to {len(presets) - 1}")
        return presets[n]

    # ---------------------------------------------------------------- data conventions
    def _normalise(self, offsets: np.ndarray) -> np.ndarray:
        return transforms.normalise(offsets, self.stats, self.preprocess.normalise)

    def _denormalise(self, offsets: np.ndarray) -> np.ndarray:
        return transforms.denormalise(offsets, self.stats, self.preprocess.normalise)

    def style_from_points(self, text: str, points: np.ndarray) -> Style:
        """A priming style from raw (T, 3) points of any tablet: cleaned like the training data and
        scaled so its median pen-down step matches the training data's."""
        offsets, _ = transforms.preprocess(points, self.preprocess)
        if offsets is None:
            raise HandError("the priming line has an outlier step the training data would have dropped")
        steps = np.hypot(offsets[1:, 0], offsets[1:, 1])[offsets[:-1, 2] < 0.5]  # pen-down steps
        steps = steps[steps > 0]
        if len(steps) and "median_step" in self.stats:
            offsets[:, :2] *= self.stats["median_step"] / np.median(steps)
        return Style(text, offsets)

    # ---------------------------------------------------------------- sampling
    @torch.no_grad()
    def _sample(self, texts: list[str], bias: float, temperature: float, style: Style | None, seed: int,
                keep_predictions: bool, progress: bool = False, particles: int = 1, judge=None,
                capital_rounds: int = 1, capital_doubt: float = 0.0, redraws: int = 0) -> list[Written]:
        """Sample every text once; with particles > 1 (fast sampler only) the texts come in runs of
        `particles` equal lines that `strokes.wordsearch.search` resamples word by word with `judge`."""
        B, model, dev = len(texts), self.model, self.device
        full = [(style.text + PRIME_SEPARATOR if style else "") + t for t in texts]
        encoded = [self.alphabet.encode(t) for t in full]
        lengths = torch.tensor([len(e) for e in encoded], device=dev)
        text = torch.zeros(B, int(lengths.max()), dtype=torch.long, device=dev)
        for b, e in enumerate(encoded):
            text[b, : len(e)] = torch.tensor(e)
        mask = text != 0
        gen = torch.random.fork_rng(devices=[])
        with gen:
            torch.manual_seed(seed)
            state = model.initial_state(B, dev)
            if style is not None:  # prime: read the style's strokes with the full text
                prime = torch.tensor(self._normalise(style.offsets), dtype=torch.float32, device=dev)
                out = model(prime[:-1].expand(B, -1, -1), text, mask, state=state)
                state = out.state
                x = prime[-1].expand(B, 3).clone()
            else:
                x = torch.tensor(self._normalise(np.zeros((1, 3))), dtype=torch.float32, device=dev).expand(B, 3)
            caps = torch.tensor([step_cap(len(t)) for t in texts], device=dev)
            if self.fast and particles > 1:
                return self._collect(texts, full, encoded, style, seed,
                                     *self._search_words(x, state, text, mask, lengths, caps, bias, temperature,
                                                         progress, full, len(full[0]) - len(texts[0]), particles,
                                                         judge, capital_rounds, capital_doubt, redraws))
            if self.fast:
                return self._collect(texts, full, encoded, style, seed,
                                     *self._sample_fast(x, state, text, mask, lengths, caps, bias, temperature,
                                                        keep_predictions, progress))
            cap = int(caps.max())
            done = torch.zeros(B, dtype=torch.bool, device=dev)
            stopped = torch.zeros(B, dtype=torch.bool, device=dev)
            steps = torch.zeros(B, dtype=torch.long, device=dev)
            xs, phis, dists = [], [], []
            for t in tqdm(range(cap), desc="writing", unit=" steps", disable=not progress, leave=False):
                dist, state = model.step(x, state, text=text, text_mask=mask)
                phi = window_weights(state.alpha, state.beta, state.kappa, text.shape[1] + 1)  # (B, U + 1)
                fired = finished_reading(phi, lengths) & ~done
                stopped |= fired
                done |= fired | (t >= caps)
                if done.all():
                    break
                x = dist.tempered(bias, temperature).sample()  # (B, 3)
                steps += (~done).long()
                xs.append(x)
                phis.append(phi)
                if keep_predictions:
                    dists.append(dist)
        offsets = torch.stack(xs, 1).cpu().numpy() if xs else np.zeros((B, 0, 3))
        phi_all = torch.stack(phis, 1).cpu() if phis else torch.zeros(B, 0, text.shape[1] + 1)
        preds = ([_stack_predictions(dists[:int(steps[b])], b) if keep_predictions and int(steps[b]) else None
                  for b in range(B)])
        return self._collect(texts, full, encoded, style, seed, offsets, phi_all, steps, stopped, preds)

    def _sample_fast(self, x, state, text, mask, lengths, caps, bias, temperature, keep_predictions, progress):
        """The loop of `_sample` through `strokes.sampler.FastSampler`: the same distribution and stop rule."""
        out = FastSampler(self.model).sample(x, state, text, mask, lengths, caps, bias, temperature,
                                             keep_raw=keep_predictions, progress=progress)
        preds = [self.model.head.distribution(out.raw[b, :int(out.steps[b])]) if keep_predictions and
                 int(out.steps[b]) else None for b in range(len(out.steps))]
        return out.offsets.cpu().numpy(), out.phi.cpu(), out.steps, out.stopped, preds

    def _search_words(self, x, state, text, mask, lengths, caps, bias, temperature, progress, full, start, particles,
                      judge, capital_rounds, capital_doubt, redraws):
        """The loop of `_sample` as a word-by-word search (`strokes.wordsearch`): the judge reads each
        particle's ink so far, denormalised, as the written text up to the next word."""
        def score(rows, inks, upto):  # a runaway stroke ranks a word after every word without one
            raw = [self._denormalise(o) for o in inks]
            return penalised(judged(judge, raw, [full[r][start:u].strip() for r, u in zip(rows, upto)],
                                    capital_doubt), raw)

        lines = range(0, len(full), particles)
        bounds = [word_starts(full[b], start) for b in lines]
        rounds = [word_rounds(full[b], bs, start, capital_rounds, LOWER_STAND_INS) for b, bs in zip(lines, bounds)]
        chars = [[len(full[b][start:u].strip()) for u in [*bs, len(full[b])]] for b, bs in zip(lines, bounds)]
        out = search(FastSampler(self.model), x, state, text, mask, lengths, caps, bounds, particles, score, bias,
                     temperature, progress, rounds=rounds, chars=chars, redraws=redraws)
        return out.offsets.cpu().numpy(), out.phi.cpu(), out.steps, out.stopped, [None] * len(full)

    def _collect(self, texts, full, encoded, style, seed, offsets, phi_all, steps, stopped, preds) -> list[Written]:
        """One `Written` per line from the sampled offsets (B, T, 3) and window weights (B, T, U + 1)."""
        B = len(texts)
        start = len(encoded[0]) - len(texts[0]) if style else 0  # characters of the prime text
        results = []
        for b in range(B):
            T, U = int(steps[b]), len(encoded[b])
            line_phi = phi_all[b, :T, start: U + 1]  # the written text and the position past it
            raw = self._denormalise(offsets[b, :T]) if T else np.zeros((0, 3))
            if T:
                raw[-1, 2] = 1.0  # the pen lifts at the end of the line
            check = check_attention(line_phi, U - start, bool(stopped[b]))
            results.append(Written(texts[b], full[b][start:], raw, line_phi.numpy(), check, bool(stopped[b]), seed,
                                   predictions=preds[b], strokes_ok=strokes_ok(raw)))
        return results

    def write(self, lines: list[str], bias: float = 0.75, temperature: float = 1.0, style: Style | None = None,
              seed: int = 0, retries: int = 0, keep_predictions: bool = False, progress: bool = False,
              candidates: int = 1, judge=None, pick: str = "word", capital_rounds: int = 1,
              acronyms: str = "apart", capital_doubt: float = 0.0, stand_ins: bool | str = True,
              accents: bool = True, level_words: bool = True, lead_in: bool = True, redraws: int = 0,
              space_words: bool = True, lift_digits: bool = True, shrink_initials: bool = True,
              cross_x: bool = True, zigzag_z: bool = True) -> list[Written]:
        """Write each line of text; returns one `Written` per line, in order.

        bias: Graves' sampling bias b >= 0 (0 = the model's own distribution; larger is neater).
        temperature: > 0, divides the logits and scales variances (1 = unchanged).
        style: a priming line (`Style`), or None for the model's own choice of hand.
        seed: sampling is reproducible for a seed on one machine and torch version.
        retries: resample lines that fail the attention check or the stroke check (`Written.ok`) up to
            this many times, with new seeds.
        keep_predictions: keep each line's per-step predicted densities (for `strokes.plots.density_svg`).
        candidates: draw this many samples of every line (in the same batch) and let `judge` choose
            (not in Graves); 1 = Graves' single sample. Of the final samples of a line the one kept
            passes the attention check and reads most likely as the text (`pick_legible`).
        judge: a `strokes.recognizer.Recognizer` or `Panel` (default with candidates > 1: the two shipped
            recognisers judging together, `load_judge()`).
        pick: with candidates > 1, "word": the samples are resampled at every word, all going on from
            the one the judge reads best (`strokes.wordsearch`; needs the fast sampler, else "line"
            is used); "line": the best of whole lines. keep_predictions implies "line".
        capital_rounds: with pick "word", a word holding a capital letter or a digit is drawn this many
            times by all the candidates, and the best of them all goes on (`strokes.wordsearch`); 1 =
            every word drawn once.
        capital_doubt: with candidates > 1, the judge's score of a line's first word (and of a line that
            is one word) adds this weight times the doubt of its capitals (`Recognizer.score`'s
            capital_weight: how likely the judge finds another letter in a capital's place), so that of
            two candidates that read alike the one with the plainer initial capital wins; 0 = the NLL
            alone. Not in Graves; only the first word, where the network's capitals fail most (README).
        acronyms: "apart" (default, not in Graves): a run of capitals such as "CPU" is given to the
            network with spaces between its letters, each drawn as a word-initial capital, and the
            letters are then set together (`strokes.acronyms`); "joined": the text as it is.
        stand_ins: True (default, not in Graves): the characters the network cannot write are drawn from
            ones it can, then finished: Q as an O given a tail, X as an x enlarged and straightened, a U standing
            alone (in "CPU") as a u enlarged, a word's first N or
            M as an n or m enlarged where it stands, K as an l given arms, H as an l given a bar and a second stem, E as an L given bars, Z as a 7 given a foot, Y as a V given a stem, G as a C given a spur, I given a printed I's bars, F given a bar joined to its
            stem, 4 as an L squashed and given a stem, 5 as its own, given a bar where it drew none, 8 as an
            S closed by a stroke (`strokes.standins`), and the symbols $ = % @ * £ € ° _ < > # & [ ] | \\ ^ ~,
            which it never saw (or saw otherwise), from S - o a x L C o - v v - 3 L L l l v -
            (`strokes.symbols`); a string: only those of "QXNMFKEZYHGIU458$=%@*£€°_<>#&[]|\\^~";
            False: the network's own (and the unknown symbol for the symbols).
        accents: True (default, not in Graves): an accented letter outside the alphabet ("é") is
            written as its plain letter and given its accent's strokes (`strokes.accents`); False:
            the plain letter alone ("e").
        level_words: True (default, not in Graves): a word the network lifted well above its neighbours
            is set back down onto their line (`strokes.baseline`); False: as drawn.
        space_words: True (default, not in Graves): a word the network drew against the word before it
            is moved right to the line's median gap between words (`strokes.baseline`); False: as drawn.
        lift_digits: True (default, not in Graves): a digit the network hung below the line (a 9 drawn
            like a g) is raised until it stands on the line, and one left floating above it lowered onto
            it (`strokes.baseline`); False: as drawn.
        shrink_initials: True (default, not in Graves): a word's first c, o, s, u, v, w, x or z drawn as
            tall as its capital ("See") is scaled down to the line's x-height (`strokes.initials`);
            False: as drawn.
        cross_x: True (default, not in Graves): a lower-case x drawn in two strokes that miss each other
            ("fo>" for "fox") is redrawn along the diagonals of its box (`strokes.lowerx`); False: as drawn.
        zigzag_z: True (default, not in Graves): a lower-case z drawn without its foot ("la>y" for "lazy")
            is redrawn as a printed z across its box (`strokes.lowerz`); False: as drawn.
        lead_in: True (default, not in Graves): a line that begins with a B, P, D, W or a digit is
            written after a lead-in word ("so "), which puts that character mid-line, where the network
            draws it better, and the lead-in's ink is cut off (`strokes.leadin`); not with
            keep_predictions, whose densities are the line's own. False: the line as it is.
        redraws: with pick "word", a word whose best reading is still doubtful after its rounds (the
            judge's NLL of its own characters above `strokes.wordsearch.DOUBTFUL` nats per character) is
            drawn again by all the candidates, up to this many more rounds (not in Graves); 0 = never.
        """
        if pick not in PICKS:
            raise HandError(f"pick must be one of {', '.join(PICKS)}, got {pick!r}")
        if bias < 0:
            raise HandError(f"bias must be >= 0, got {bias}")
        if candidates < 1 or capital_rounds < 1:
            raise HandError(f"candidates and capital_rounds must be >= 1, got {candidates} and {capital_rounds}")
        if redraws < 0:
            raise HandError(f"redraws must be >= 0, got {redraws}")
        if capital_doubt < 0:
            raise HandError(f"capital_doubt must be >= 0, got {capital_doubt}")
        if candidates > 1 and judge is None:
            judge = load_judge()
        if acronyms not in ACRONYMS:
            raise HandError(f"acronyms must be one of {', '.join(ACRONYMS)}, got {acronyms!r}")
        chars = stand_in_chars(stand_ins)
        asked = self.prepare(lines, keep=chars)
        accented = [self.accented(line) if accents else [] for line in lines]  # (position in asked, marks, char)
        prepared = list(asked)  # what the network reads
        runs, marks = [[] for _ in prepared], [{} for _ in prepared]
        if acronyms == "apart":
            prepared, runs = map(list, zip(*(spread(p) for p in prepared)))
        levels = [[True] * len(r) for r in runs]  # per run: set level (capitals) or left only (ends in lower case)
        if chars:
            for i, (p, line_runs) in enumerate(zip(prepared, runs)):
                prepared[i], runs[i], marks[i] = substitute(p, line_runs, chars)
                added, flat = number_runs(prepared[i], runs[i][len(line_runs):], marks[i])
                runs[i][len(line_runs):], levels[i] = added, levels[i] + flat
        same = lambda a, b: a == b or STAND_INS.get(a) == b  # noqa: E731
        on_window = [[(align(a, p, same)[u], m) for u, m, _ in acc] for a, p, acc in zip(asked, prepared, accented)]
        todo = [i for i, line in enumerate(lines) if line.strip()]
        led = [leadin.lead(a, p) if lead_in and not keep_predictions else p for a, p in zip(asked, prepared)]
        results: list[Written | None] = [None] * len(lines)
        for attempt in range(retries + 1):
            by_word = candidates > 1 and pick == "word" and self.fast and not keep_predictions
            drawn = self._sample([led[i] for i in todo for _ in range(candidates)], bias, temperature, style,
                                 seed + 7919 * attempt, keep_predictions, progress,
                                 particles=candidates if by_word else 1, judge=judge, capital_rounds=capital_rounds,
                                 capital_doubt=capital_doubt, redraws=redraws)
            batch = [pick_legible(drawn[k * candidates:(k + 1) * candidates], judge, capital_doubt) if candidates > 1
                     else drawn[k]
                     for k in range(len(todo))]
            for i, w in zip(todo, batch):
                if led[i] != prepared[i]:  # the lead-in's ink cut off, before anything is set against it
                    w = leadin.strip(w)
                w.text = lines[i]
                kept = results[i]  # None, or a draw failing a check: a draw that fails less replaces it
                if kept is None or (w.check.ok, w.strokes_ok) > (kept.check.ok, kept.strokes_ok):
                    results[i] = w
                results[i].attempts = attempt + 1
            todo = [i for i in todo if not results[i].ok]
            if not todo:
                break
        for r, text, line_runs, line_marks, line_levels, line_accents, acc in zip(results, asked, runs, marks, levels,
                                                                                   on_window, accented):
            if r is None:
                continue
            steps = len(r.offsets)  # the network's own steps; strokes added after them
            if line_marks:  # an X's x enlarged, room for a K's arms, before their neighbours are set against them
                r.offsets = resize_all(r.offsets, r.phi, r.window_text, line_marks)
            if cross_x:  # a lower-case x whose strokes miss each other ("fo>") drawn crossing, in its own box
                r.offsets = lowerx.cross_xs(r.offsets, r.phi, r.window_text, line_marks)
            if zigzag_z:  # a lower-case z drawn as a ">" or a ")" redrawn as a printed z, before initials are shrunk
                r.offsets = lowerz.zigzag_zs(r.offsets, r.phi, r.window_text, line_marks)
            if lift_digits:  # a digit hung below the line (a 9 drawn like a g) raised onto it, before runs are set
                r.offsets = baseline.lift_digits(r.offsets, r.phi, r.window_text, line_marks, line_runs, line_levels)
            if shrink_initials:  # a word's first s drawn as its capital ("See") scaled down, before runs are set
                r.offsets = initials.shrink_initials(r.offsets, r.phi, r.window_text, line_marks)
            if line_runs:  # letters drawn apart set together
                r.offsets = set_runs(r.offsets, r.phi, line_runs, r.window_text, level=line_levels)
            if level_words:  # a floating word set down, before strokes are added to its letters
                r.offsets = baseline.level_words(r.offsets, r.phi, r.window_text)
            if lift_digits:  # a digit still floating once its word stands on the line ("0" and a raised "123") lowered
                r.offsets = baseline.lower_digits(r.offsets, r.phi, r.window_text, line_marks, line_runs, line_levels)
            if space_words:  # a word drawn against the one before moved away from it, before strokes are added
                r.offsets = baseline.space_words(r.offsets, r.phi, r.window_text, line_runs)
            if line_marks:  # a Q's tail, a 4's stem, a 5's bar: strokes after the network's own
                r.offsets, r.phi = add_strokes(r.offsets, r.phi, r.window_text, line_marks)
            if line_accents:  # accents over their letters, after the network's strokes too
                r.offsets, r.phi = add_accents(r.offsets, r.phi, line_accents, r.window_text, steps)
            shown = list(text)
            for u, _, char in acc:
                shown[u] = char
            r.written_text = "".join(shown)
        return [r if r is not None else blank(line) for r, line in zip(results, lines)]

    def prepare(self, lines: list[str], keep: str = "") -> list[str]:
        """Lines mapped onto the alphabet (`prepare_text`), the characters of `keep` (stand-ins) left
        as they are; HandError when there is nothing to write."""
        if not lines or not any(line.strip() for line in lines):
            raise HandError("no text to write; give at least one non-empty line")
        prepared = []
        for line in lines:
            mapped, _ = prepare_text(line, self.alphabet)
            if line.strip() and all(c not in self.alphabet and c not in keep for c in mapped if not c.isspace()):
                raise HandError(f"none of the characters of {line!r} are in the model's alphabet "
                                f"{''.join(self.alphabet.chars)!r}; write text that uses them")
            prepared.append(mapped)
        return prepared

    def missing_characters(self, lines: list[str], stand_ins: bool | str = True, accents: bool = True) -> Counter:
        """The characters of `lines` outside the alphabet that `write` replaces (`prepare_text`), with
        their counts; those drawn from stand-ins (`stand_ins`, as for `write`) and, with `accents`,
        accented letters given their accents are not replaced."""
        total, kept = Counter(), stand_in_chars(stand_ins)
        for line in lines:
            total += prepare_text(line, self.alphabet)[1]
        return Counter({c: n for c, n in total.items() if c not in kept and not (accents and self.accented(c))})

    def accented(self, line: str) -> list[tuple[int, str, str]]:
        """(position in the prepared line, marks, character) of each letter of `line` outside the
        alphabet that `write` draws as its plain letter with accents (`strokes.accents.split`)."""
        out, at = [], 0
        for ch in line:
            mapped = prepare_text(ch, self.alphabet)[0]
            base, marks = split(ch)
            if marks and ch not in self.alphabet and mapped == base and base in self.alphabet:
                out.append((at, marks, ch))
            at += len(mapped)
        return out
