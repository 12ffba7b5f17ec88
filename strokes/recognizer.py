"""An online handwriting recogniser, to measure and improve how legible sampled handwriting is.

Strokes -> text by a bidirectional LSTM trained with connectionist temporal classification (CTC;
Graves, Fernandez, Gomez and Schmidhuber 2006), the approach of Graves et al. (2009, "A novel
connectionist system for unconstrained handwriting recognition", on IAM-OnDB), made small enough to
train on a CPU: two 1-D convolutions over the normalised offsets (dx, dy, eos) (the second with
stride `stride`, so the LSTM runs over fewer frames), then `layers` bidirectional LSTM layers and a
softmax over the alphabet plus the CTC blank. The blank is index 0, which the alphabet reserves for
padding and never gives a character (`strokes.alphabet.PAD`).

    rec = Recognizer.from_checkpoint()                  # the weights shipped in strokes/weights/
    rec.read([line.offsets for line in lines])          # greedy transcriptions of raw-unit offsets
    rec.score(offsets_list, texts)                      # CTC NLL of each text, nats per character
    rec.score(offsets_list, texts, capital_weight=3)    # ... plus 3 x the doubt of its capitals
    Panel.from_checkpoints()                            # the two shipped recognisers judging together
    cer(hypothesis, reference)                          # character error rate (Levenshtein / len)

Not in Graves (2013): it is a judge, not part of the synthesis network. `strokes.legibility`
reads sampled lines with it (the character error rate against the text asked for), and
`Hand.write(candidates=N)` draws N samples of each line and keeps the one the recogniser finds most
likely to say the text; by default two recognisers trained apart judge together (`Panel`), so that
a draw only one of them misreads as the text is not kept. Training: `python -m strokes.recognizer train` (Adam, length buckets,
random scale, stretch and shear of each line; `strokes.recognizer_train`).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import transforms
from .acronyms import capital_runs
from .alphabet import PAD, Alphabet
from .attention import is_capital_or_digit

BLANK = PAD  # CTC blank: the alphabet's padding index, which no character uses
DEFAULT_RECOGNIZER = Path(__file__).parent / "weights" / "recognizer.pt"
SECOND_RECOGNIZER = Path(__file__).parent / "weights" / "recognizer2.pt"  # the same recipe, another seed (README)
DEFAULT_PANEL = (DEFAULT_RECOGNIZER, SECOND_RECOGNIZER)
RECOGNIZER_FORMAT = "strokes-recognizer"
CTC_CHUNK = 1024  # texts per CTC call: bounds the copies of the (T', C) log-probabilities


@dataclass
class RecognizerConfig:
    alphabet: dict  # Alphabet.to_dict() of the training data
    stats: dict  # the training data's offset statistics (normalisation)
    preprocess: dict  # Preprocess.to_dict(): raw points are prepared as the training lines were
    channels: int = 128  # convolution channels
    kernel: int = 5  # convolution width, in points
    stride: int = 2  # points per LSTM frame: 2 halves the LSTM's steps (IAM at step 30: ~8 frames per character)
    hidden_size: int = 160  # per direction
    layers: int = 2
    dropout: float = 0.2  # between LSTM layers and before the output layer

    @classmethod
    def from_dict(cls, d: dict) -> "RecognizerConfig":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


class Recognizer(nn.Module):
    def __init__(self, config: RecognizerConfig):
        super().__init__()
        self.config = c = config
        self.alphabet = Alphabet.from_dict(c.alphabet)
        self.preprocess = transforms.Preprocess.from_dict(c.preprocess)
        pad = c.kernel // 2
        self.conv1 = nn.Conv1d(3, c.channels, c.kernel, padding=pad)
        self.conv2 = nn.Conv1d(c.channels, c.channels, c.kernel, stride=c.stride, padding=pad)
        # Each direction of each layer is its own one-layer LSTM over padded (not packed) batches:
        # torch's CPU backward through packed sequences of unequal lengths ran 8x slower. The
        # backward direction reads each line reversed within its own length, so padding never
        # reaches a real frame and a line's output does not depend on its batch.
        sizes = [c.channels] + [2 * c.hidden_size] * (c.layers - 1)
        self.forward_lstms = nn.ModuleList(nn.LSTM(n, c.hidden_size, batch_first=True) for n in sizes)
        self.backward_lstms = nn.ModuleList(nn.LSTM(n, c.hidden_size, batch_first=True) for n in sizes)
        self.drop = nn.Dropout(c.dropout)
        self.out = nn.Linear(2 * c.hidden_size, len(self.alphabet))

    def frames(self, lengths: torch.Tensor) -> torch.Tensor:
        """LSTM frames for inputs of `lengths` points (the strided convolution's output length)."""
        c = self.config
        return (lengths + 2 * (c.kernel // 2) - c.kernel) // c.stride + 1

    def forward(self, x: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (B, T, 3) normalised offsets, zero past each line's length -> (log-probabilities
        (B, T', C) over blank + alphabet, frames (B,))."""
        T = x.shape[1]
        mask = (torch.arange(T, device=x.device)[None, :] < lengths[:, None]).unsqueeze(1)  # (B, 1, T)
        h = F.relu(self.conv1(x.transpose(1, 2))) * mask  # (B, C, T); padding stays zero for conv2
        h = F.relu(self.conv2(h)).transpose(1, 2)  # (B, T', C)
        n = self.frames(lengths)
        rev = reversal(n, h.shape[1])  # (B, T', 1) frame indices
        for i, (fwd, bwd) in enumerate(zip(self.forward_lstms, self.backward_lstms)):
            if i:
                h = self.drop(h)
            back = bwd(h.gather(1, rev.expand_as(h)))[0]  # (B, T', H), in reversed time
            h = torch.cat([fwd(h)[0], back.gather(1, rev.expand_as(back))], -1)  # (B, T', 2H)
        return F.log_softmax(self.out(self.drop(h)), dim=-1), n  # (B, T', C)

    # ---------------------------------------------------------------- raw strokes in
    def prepare(self, offsets: np.ndarray) -> np.ndarray:
        """Raw-unit (T, 3) offsets -> the recogniser's normalised input, prepared like its training
        lines (so a synthesis model at another point rate is read at the recogniser's)."""
        offs, _ = transforms.preprocess(transforms.offsets_to_points(offsets), self.preprocess)
        return transforms.normalise(offs, self.config.stats, self.preprocess.normalise)

    def _batch(self, offsets_list) -> tuple[torch.Tensor, torch.Tensor]:
        dev = self.out.weight.device
        xs = [torch.as_tensor(self.prepare(o), dtype=torch.float32) for o in offsets_list]
        lengths = torch.tensor([len(x) for x in xs], device=dev)
        return nn.utils.rnn.pad_sequence(xs, batch_first=True).to(dev), lengths  # (B, T, 3)

    @torch.no_grad()
    def read(self, offsets_list) -> list[str]:
        """Greedy (best path) transcription of each raw-unit (T, 3) offsets array ("" for a line of
        fewer than 2 points)."""
        keep = [k for k, o in enumerate(offsets_list) if len(o) >= 2]
        out = [""] * len(offsets_list)
        if keep:
            self.eval()
            logp, n = self(*self._batch([offsets_list[k] for k in keep]))
            for b, k in enumerate(keep):
                out[k] = self.decode(logp[b, : int(n[b])].argmax(-1))
        return out

    def decode(self, path: torch.Tensor) -> str:
        """A best path (T',) of class indices -> text: repeats merged, blanks dropped."""
        keep = torch.ones_like(path, dtype=torch.bool)
        keep[1:] = path[1:] != path[:-1]
        return self.alphabet.decode(path[keep & (path != BLANK)].tolist())

    @torch.no_grad()
    def score(self, offsets_list, texts: list[str], capital_weight=0.0) -> np.ndarray:
        """CTC negative log-likelihood of each text given its strokes, in nats per character
        (lower = more legible as that text); inf where the line has too few frames to spell it.

        capital_weight > 0 (not in Graves) adds, for every capital letter of a text, capital_weight
        times its doubt: -log p(that capital | the ink, the rest of the text), the text's CTC
        likelihood against those of the same text with the capital swapped for every other capital
        and for its own lower case (`capital_doubt`); the sum is divided by the text's length like the
        NLL. A capital that could as well be read as another letter then costs more than the NLL
        alone says, where a sloppy capital is a single character among many. capital_weight may be
        one weight per text.
        """
        if any(len(o) < 2 for o in offsets_list):
            raise ValueError("score needs lines of at least 2 points")
        self.eval()
        logp, n = self(*self._batch(offsets_list))
        nll = self._ctc(logp, n, None, texts)  # (B,) nats per text
        weight = np.broadcast_to(np.asarray(capital_weight, dtype=np.float64), nll.shape)
        if (weight < 0).any():
            raise ValueError("capital_weight must be >= 0")
        doubted = np.flatnonzero(weight > 0)
        if len(doubted):  # 0 x an infinite doubt is no doubt, so only the weighted texts are doubted
            nll = nll.astype(np.float64)
            rows = torch.as_tensor(doubted, device=logp.device)
            nll[doubted] += weight[doubted] * self._doubt(logp[rows], n[rows], [texts[k] for k in doubted],
                                                           nll[doubted])
        return nll / np.array([max(len(t), 1) for t in texts])

    def _ctc(self, logp: torch.Tensor, n: torch.Tensor, rows: list[int] | None, texts: list[str]) -> np.ndarray:
        """CTC NLL (nats, not per character) of texts[k] read from row rows[k] of logp (B, T', C), or
        from row k when rows is None; in chunks of CTC_CHUNK, so that many texts per line do not copy
        logp many times at once."""
        out = []
        for a in range(0, len(texts), CTC_CHUNK):
            idx = slice(a, a + CTC_CHUNK) if rows is None else torch.tensor(rows[a:a + CTC_CHUNK], device=logp.device)
            chunk = texts[a:a + CTC_CHUNK]
            codes = [torch.tensor(self.alphabet.encode(t) or [BLANK]) for t in chunk]
            target = nn.utils.rnn.pad_sequence(codes, batch_first=True).to(logp.device)
            u = torch.tensor([len(t) for t in chunk], device=logp.device)
            out.append(F.ctc_loss(logp[idx].transpose(0, 1), target, n[idx], u, blank=BLANK, reduction="none",
                                  zero_infinity=False).cpu().numpy())
        return np.concatenate(out) if out else np.zeros(0)

    def _doubt(self, logp: torch.Tensor, n: torch.Tensor, texts: list[str], nll: np.ndarray) -> np.ndarray:
        """(B,) the summed doubt of each text's capitals (see `score`), from its CTC NLL `nll`."""
        rows, swapped, spans = [], [], []  # every text with one capital swapped; (text, first, end) per capital
        for b, t in enumerate(texts):
            for i, c in enumerate(t):
                if c.isupper() and c in self.alphabet.index:
                    rivals = capital_rivals(c, self.alphabet)
                    spans.append((b, len(swapped), len(swapped) + len(rivals)))
                    rows += [b] * len(rivals)
                    swapped += [t[:i] + other + t[i + 1:] for other in rivals]
        doubt = np.zeros(len(texts))
        rival = self._ctc(logp, n, rows, swapped)
        for b, first, end in spans:
            doubt[b] += capital_doubt(nll[b], rival[first:end])
        return doubt

    # ---------------------------------------------------------------- checkpoints
    def checkpoint(self, extra: dict | None = None) -> dict:
        return {"format": RECOGNIZER_FORMAT, "config": asdict(self.config), "model": self.state_dict(),
                **(extra or {})}

    @classmethod
    def from_checkpoint(cls, path=None, device: str = "cpu") -> "Recognizer":
        """A recogniser from a file written by `python -m strokes.recognizer train` (default: the
        shipped one). Raises ValueError with one line on a missing or foreign file."""
        path = Path(path) if path is not None else DEFAULT_RECOGNIZER
        if not path.is_file():
            raise ValueError(f"{path}: no such recogniser; train one with python -m strokes.recognizer train")
        try:
            ck = torch.load(path, map_location=device, weights_only=True)
        except Exception as e:  # truncated or not a torch file
            raise ValueError(f"{path}: cannot read it ({str(e).splitlines()[0][:200] if str(e) else type(e).__name__})") from None
        if not isinstance(ck, dict) or ck.get("format") != RECOGNIZER_FORMAT:
            raise ValueError(f"{path}: not a recogniser checkpoint; give a file from python -m strokes.recognizer train")
        rec = cls(RecognizerConfig.from_dict(ck["config"])).to(device)
        rec.load_state_dict({k: v.float() for k, v in ck["model"].items()})
        rec.release = ck.get("release", {})
        return rec.eval()


class Panel:
    """Recognisers that judge together (not in Graves): a text's score is the mean of the members'
    `Recognizer.score`s (nats per character, each with its own capital doubt), so a draw ranks well
    only if every member reads it as the text. One recogniser has blind spots of its own: it reads
    some sloppy letters as the ones asked for ("wrown" as "brown"), and picking the best of many
    draws by it finds exactly those. Two trained apart (another seed) seldom share them: with the
    shipped two, recognisers that neither saw misread somewhat fewer letters of what is written
    (README, "How legible?"). `read` is the first member's reading."""

    def __init__(self, members):
        self.members = list(members)
        if not self.members:
            raise ValueError("a panel needs at least one recogniser")

    @classmethod
    def from_checkpoints(cls, paths=DEFAULT_PANEL, device: str = "cpu") -> "Panel":
        """A panel of the recognisers in `paths` (default: the two shipped ones)."""
        return cls(Recognizer.from_checkpoint(p, device) for p in paths)

    def score(self, offsets_list, texts: list[str], capital_weight=0.0) -> np.ndarray:
        """(B,) the mean of the members' `Recognizer.score` (inf where any member cannot spell the text)."""
        return np.mean([m.score(offsets_list, texts, capital_weight) for m in self.members], axis=0)

    def read(self, offsets_list) -> list[str]:
        return self.members[0].read(offsets_list)


def capital_rivals(c: str, alphabet: Alphabet) -> list[str]:
    """The letters a capital c could be mistaken for when its doubt is measured: every other capital
    and c's own lower case, as far as the alphabet holds them."""
    return [o for o in alphabet.chars if o.isupper() and o != c] + [c.lower()] * (c.lower() in alphabet.index)


def capital_doubt(nll: float, rivals: np.ndarray) -> float:
    """-log p(the text | the ink, the text or one of its rivals), from the text's CTC NLL and its
    rivals' (nats): log-sum-exp over all of them, minus the text's own log-likelihood. 0 when no
    rival is likely, log(1 + R) when all R rivals are as likely; inf when the text cannot be read."""
    if not np.isfinite(nll):
        return float("inf")
    ll = -np.concatenate([[nll], rivals])
    top = ll.max()
    return float(top + np.log(np.exp(ll - top).sum()) + nll)


def reversal(lengths: torch.Tensor, T: int) -> torch.Tensor:
    """(B, T, 1) indices that reverse each line's first lengths[b] frames and keep its padding in
    place; applying them twice is the identity."""
    t = torch.arange(T, device=lengths.device)[None, :]  # (1, T)
    return torch.where(t < lengths[:, None], lengths[:, None] - 1 - t, t).unsqueeze(-1)


def ctc_feasible(frames: torch.Tensor, codes: list[torch.Tensor]) -> torch.Tensor:
    """(B,) bool: CTC can align each text to its frames (one frame per character, plus one blank
    between each pair of equal neighbours)."""
    need = torch.tensor([len(c) + int((c[1:] == c[:-1]).sum()) for c in codes])
    return frames.cpu() >= need


def edit_table(a: str, b: str) -> list[list[int]]:
    """Levenshtein distances d[i][j] of a[:i] and b[:j] (insertions, deletions, substitutions all cost 1)."""
    d = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        prev, cur = d[-1], [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        d.append(cur)
    return d


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions all cost 1)."""
    return edit_table(a, b)[-1][-1]


def cer(hypotheses: list[str] | str, references: list[str] | str) -> float:
    """Character error rate: total edit distance over total reference characters."""
    if isinstance(hypotheses, str):
        hypotheses, references = [hypotheses], [references]
    total = sum(len(r) for r in references)
    return sum(edit_distance(h, r) for h, r in zip(hypotheses, references)) / max(total, 1)


def aligned(ref: str, hyp: str) -> list[tuple[int, bool]]:
    """(i, wrong) for every character ref[i], from one minimal edit-distance alignment with hyp:
    wrong when it is substituted or deleted (insertions belong to no reference character)."""
    d = edit_table(ref, hyp)  # d[i][k]: distance of ref[:i] and hyp[:k]
    i, k, out = len(ref), len(hyp), []
    while i > 0:  # walk one minimal alignment back; each step settles ref[i - 1] or skips an insertion
        if k > 0 and d[i][k] == d[i - 1][k - 1] + (ref[i - 1] != hyp[k - 1]):
            out.append((i - 1, ref[i - 1] != hyp[k - 1]))
            i, k = i - 1, k - 1
        elif d[i][k] == d[i - 1][k] + 1:
            out.append((i - 1, True))
            i -= 1
        else:
            k -= 1
    return out[::-1]


def misread(hypotheses: list[str], references: list[str]) -> dict:
    """Capitals and lower-case letters of the references that a reading gets wrong: per class, the
    (wrong, total) counts of reference characters that `aligned` substitutes or deletes."""
    counts = {"capitals": [0, 0], "lower-case": [0, 0]}
    for hyp, ref in zip(hypotheses, references):
        for i, wrong in aligned(ref, hyp):
            c = ref[i]
            cls = "capitals" if c.isupper() else "lower-case" if c.islower() else None
            if cls:
                counts[cls][0] += int(wrong)
                counts[cls][1] += 1
    return {k: tuple(v) for k, v in counts.items()}


def misread_first(hypotheses: list[str], references: list[str]) -> tuple[int, int]:
    """(wrong, total) over the references that begin with a capital letter: how often a reading gets
    that first capital wrong, counted as in `misread`."""
    wrong = total = 0
    for hyp, ref in zip(hypotheses, references):
        if ref[:1].isupper():
            total += 1
            wrong += int(dict(aligned(ref, hyp))[0])
    return wrong, total


def misread_runs(hypotheses: list[str], references: list[str]) -> tuple[int, int]:
    """(wrong, total) over the capitals of the references that stand in runs of capitals ("CPU",
    `strokes.acronyms.capital_runs`), counted as in `misread`."""
    wrong = total = 0
    for hyp, ref in zip(hypotheses, references):
        in_run = {u for run in capital_runs(ref) for u in run}
        for i, bad in aligned(ref, hyp):
            if i in in_run:
                wrong, total = wrong + int(bad), total + 1
    return wrong, total


def misread_letters(hypotheses: list[str], references: list[str]) -> dict:
    """Per capital letter and digit of the references, sorted: (wrong, total) as in `misread`;
    which rare characters a reading gets wrong."""
    counts: dict = {}
    for hyp, ref in zip(hypotheses, references):
        for i, wrong in aligned(ref, hyp):
            c = ref[i]
            if is_capital_or_digit(c):
                w, t = counts.get(c, (0, 0))
                counts[c] = (w + int(wrong), t + 1)
    return dict(sorted(counts.items()))


def letters_line(counts: dict) -> str:
    """'N 5/6, T 1/4' from `misread_letters`' counts: misread / written, per character."""
    return ", ".join(f"{c} {w}/{t}" for c, (w, t) in counts.items())


def misread_line(counts: dict) -> str:
    """'capitals misread 3 of 10 (30.0%), lower-case 5 of 200 (2.5%)' from `misread`'s counts."""
    return ", ".join(f"{name}{' misread' if i == 0 else ''} {w} of {t} ({100 * w / max(t, 1):.1f}%)"
                     for i, (name, (w, t)) in enumerate(counts.items()))


if __name__ == "__main__":
    import sys

    from .recognizer_train import main
    sys.exit(main())
