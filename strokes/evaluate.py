"""Evaluate and release a trained synthesis network (Graves 2013, section 5).

    python -m strokes.evaluate nll runs/NAME/best.pt --data data/iam.h5        # testset_v NLL
    python -m strokes.evaluate attention runs/NAME/best.pt --sentences 100 --bias 1
    python -m strokes.evaluate export runs/NAME/best.pt --data data/iam.h5    # -> strokes/weights/
    python -m strokes.evaluate styles strokes/weights/synthesis.pt [--pick 3 7 ...]  # style presets
    python -m strokes.evaluate figure strokes/weights/synthesis.pt "Some text" --out docs/samples.svg
    python -m strokes.evaluate average runs/NAME/snapshots/*.pt --out runs/NAME/avg.pt  # weight averaging

nll: the validation NLL in Graves' units (his tables 3-4): nats per line, summed over every
predicted point of a line (offsets normalised by the training mean/std, end-of-stroke term
included), averaged over lines; also nats per point and per character, and per point apart for the
points written on capitals and digits and the rest (each point split by the window's share on them,
`strokes.attention.window_share`; not in Graves: it shows how well the rare characters are learnt). The lines are prepared with
the checkpoint's own preprocessing, so a model trained on resampled strokes is scored on resampled
strokes: such figures are not comparable with Graves' -1096.9, which is over the raw point rate.

attention: writes N sentences made of random common English words (`sentences`, seeded, so none
is an IAM-OnDB line; with --data the check is made against the file's texts) in batches, with no
retries, and counts the lines whose attention fails `strokes.attention.check_attention`.

export: the model alone (no optimiser, no RNG), its weights in fp16 unless --fp32, with the
validation NLL of the exported weights and the training position in a `release` entry. It refuses
to write fp16 weights whose validation NLL is worse than fp32's by more than FP16_NLL_TOLERANCE.

styles: the model writes one line per seed with no priming, so each seed shows a hand of the
model's own choosing; a sheet of candidates is drawn, and --pick stores the chosen lines (text and
raw-unit offsets) as `--style N` presets. Presets are always the model's own lines, never IAM's.
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

import numpy as np
import torch

from .attention import capitals_and_digits, window_share
from .models import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, model_from_checkpoint, read_checkpoint

FP16_NLL_TOLERANCE = 0.5  # nats per line: fp16 rounding may cost at most this much validation NLL
DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "synthesis.pt"

# Common English words (no proper nouns), for sentences that are not transcriptions of IAM lines.
WORDS = """a about above across act add after again air all almost along also always among and animal
another answer any are area around ask at away back base be bear beauty bed been before began begin
behind being below best better between big bird black blue board boat body book both bottom box boy
bright bring brother brown build busy but buy by call came can car care carry case cat catch cause
center certain chair change check child city class clear close cloud cold colour come common cook
cool copy corner could count country course cover cross cry cut dark day deep did differ do does dog
door down draw dream drive dry during each early earth east easy eat edge end enough even evening ever
every eye face fact fall family far farm fast father feel few field fill find fine fire first fish five
floor flower fly follow food foot for force forest form found four free friend from front full game
garden gave girl give glass go gold good grass great green ground group grow half hand happy hard has
hat have he head hear heart heavy help her here high hill his hold home hope horse hot hour house how
idea if in inside into island it just keep kind king knew know lake land large last late laugh lay lead
learn leave left less letter life light like line list listen little live long look lost love low made
make man many map mark may mean measure men might mile milk mind minute miss money moon more morning
most mother mountain move much music must name near need never new next night north note nothing now
number ocean of off often oil old on once one only open or order other our out over page paint paper
part pass past people perhaps picture piece place plain plan plant play please point poor possible
power pull push put question quick quiet rain ran reach read ready real red remember rest right river
road rock room round row rule run sail salt same sand sat save saw say school sea season second see seed
seem sentence set seven shape share she ship shore short should show side sign simple since sing sister
sit six size sky sleep slow small snow so soft some song soon sound south space speak special spring
square stand star start stay step still stone stop story street strong study such summer sun sure table
tail take talk tall teach tell ten than that the their them then there these they thing think this
those though three through time tiny to today together told too took top toward town tree true try turn
two under until up upon us use usual valley very village visit voice wait walk wall want warm was watch
water wave way we weather week well went were west what wheel when where which while white who whole
why wide wild will wind window winter wish with without woman wonder wood word work world would write
year yellow yes yet you young""".split()


ACRONYMS = """AI ATM BBC BMW CD CEO CPU DJ DNA DVD EU FAQ FBI GDP GPU HQ HTML IBM ID IQ LA MIT NASA NATO NHS
NYC PC PDF RAM SOS TV UCLA UFO UK UN USA USB VIP XML ZIP""".split()  # common runs of capitals, for with_acronyms


def with_acronyms(texts: list[str], seed: int = 0) -> list[str]:
    """Each text with one of ACRONYMS put in after a random word (to measure runs of capitals)."""
    rng, out = random.Random(seed), []
    for text in texts:
        words = text.split(" ")
        words.insert(rng.randrange(1, len(words) + 1), rng.choice(ACRONYMS))
        out.append(" ".join(words))
    return out


def sentences(n: int, seed: int = 0, min_words: int = 4, max_words: int = 8, max_chars: int = 50) -> list[str]:
    """n distinct sentences of random WORDS: capitalised, a full stop, a comma or a number now and then."""
    rng, out, seen = random.Random(seed), [], set()
    while len(out) < n:
        words = rng.sample(WORDS, rng.randint(min_words, max_words))
        if rng.random() < 0.15:
            words.insert(rng.randrange(1, len(words) + 1), str(rng.randint(2, 1999)))
        if rng.random() < 0.3:
            i = rng.randrange(1, len(words))
            words[i - 1] += ","
        s = " ".join(words)
        s = s[0].upper() + s[1:] + rng.choice(".....!?")
        if len(s) <= max_chars and s not in seen:
            seen.add(s)
            out.append(s)
    return out


# ----------------------------------------------------------------------------- NLL

@torch.no_grad()
def validation_nll(model, data, split: str = "testset_v", batch_size: int = 64, progress: bool = False,
                   rare=None) -> dict:
    """NLL of `model` on the lines of `split` in the strokes HDF5 file `data`, with the model's own
    preprocessing and statistics: nats per line (Graves' unit), per point and per character; and per
    point apart for points on `rare` characters (a predicate; default capitals and digits) and the rest,
    each point split by the window's share on them."""
    from tqdm import tqdm

    from .data import BucketBatchSampler, StrokeDataset, collate
    from .transforms import Preprocess, same_stats

    cfg = model.config
    ds = StrokeDataset(data, splits=[split], in_memory=True, preprocess=Preprocess.from_dict(cfg.preprocess))
    if not same_stats(ds.stats, cfg.stats):
        raise ValueError(f"{data}: its training statistics differ from the model's; evaluate on the data "
                         "file the model was trained from")
    dev = next(model.parameters()).device
    model.eval()
    symbols = ds.alphabet.symbols
    rare = capitals_and_digits(symbols) if rare is None else torch.tensor([bool(c) and rare(c) for c in symbols])
    rare = rare.to(dev)  # (A,) bool
    total = points = chars = rare_nll = rare_points = 0.0
    batches = BucketBatchSampler(ds.lengths, batch_size, shuffle=False).batches()
    for idx in tqdm(batches, desc=f"NLL on {split}", disable=not progress, leave=False):
        batch = collate([ds[i] for i in idx]).to(dev)
        x, y, mask = batch.strokes[:, :-1], batch.strokes[:, 1:], batch.stroke_mask[:, 1:]  # (B, T-1, 3)
        out = model(x, text=batch.text, text_mask=batch.text_mask, return_phi=True)
        lp = model.distribution(out.raw).log_prob(y, mask=mask)  # (B, T-1), 0 on padding
        total += -float(lp.sum())
        points += float(mask.sum())
        if out.phi is not None:  # (a prediction network has no window)
            share = window_share(out.phi, batch.text, rare) * mask  # (B, T-1): how much each point is a capital's
            rare_nll += -float((lp * share).sum())
            rare_points += float(share.sum())
        chars += float(batch.text_mask.sum())
    lines = len(ds)
    return {"split": split, "lines": lines, "nats_per_line": total / lines, "nats_per_point": total / points,
            "nats_per_char": total / chars, "points_per_line": points / lines,
            "capital_points": rare_points,
            "nats_per_capital_point": rare_nll / rare_points if rare_points else math.nan,
            "nats_per_other_point": (total - rare_nll) / (points - rare_points)}


# ----------------------------------------------------------------------------- attention

def attention_failures(hand, texts: list[str], bias: float = 1.0, seed: int = 0, batch_size: int = 25,
                       progress: bool = False) -> list:
    """Write `texts` (no retries) and return the `Written` lines whose attention check failed."""
    from tqdm import tqdm
    failed = []
    for i in tqdm(range(0, len(texts), batch_size), desc="writing", disable=not progress, leave=False):
        written = hand.write(texts[i:i + batch_size], bias=bias, seed=seed + i)
        failed += [w for w in written if not w.check.ok]
    return failed


# ----------------------------------------------------------------------------- export

def export_weights(checkpoint, out, half: bool = True, release: dict | None = None) -> dict:
    """Write the model of a train.py checkpoint alone (fp16 weights unless half=False) to out,
    atomically; returns the dict written. `load_checkpoint(out)` rebuilds it in fp32."""
    from .runstate import atomic_save
    ckpt = read_checkpoint(checkpoint)
    state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in ckpt["model"].items()}
    slim = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model_config": ckpt["model_config"],
            "model": state, "release": dict(release or {}, position=ckpt.get("position"), averaged=ckpt.get("averaged"),
                                            weights="fp16" if half else "fp32")}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    atomic_save(slim, Path(out))
    return slim


def average_checkpoints(ckpts: list[dict], names: list | None = None) -> dict:
    """The equal-weight average of the model weights of several checkpoint dicts of one run, as a
    checkpoint dict (model alone) that nll, export and generate.py read.

    Averaging snapshots along one trajectory (Polyak and Juditsky 1992; "stochastic weight
    averaging", Izmailov et al. 2018) smooths out the last steps' noise: e.g. the snapshots that
    train.py --snapshot-every N keeps in runs/NAME/snapshots/. Not in Graves (2013). The sums are in fp64; the
    position is the latest snapshot's, and `averaged` lists the steps that went in."""
    names = names or [f"checkpoint {i}" for i in range(len(ckpts))]
    first = ckpts[0]
    for name, c in zip(names, ckpts):
        if c["model_config"] != first["model_config"]:
            raise ValueError(f"{name}: not the same network as {names[0]} (model configs differ); "
                             "average snapshots of one run")
    model = {k: torch.stack([c["model"][k].double() for c in ckpts]).mean(0).float() if v.is_floating_point() else v
             for k, v in first["model"].items()}
    steps = [(c.get("position") or {}).get("step") for c in ckpts]
    latest = max(ckpts, key=lambda c: (c.get("position") or {}).get("step") or 0)
    return {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model_config": first["model_config"],
            "model": model, "position": latest.get("position"), "averaged": {"checkpoints": len(ckpts), "steps": steps}}


# ----------------------------------------------------------------------------- styles and pictures

def style_candidates(hand, text: str, seeds: list[int], bias: float = 0.75) -> list:
    """One unprimed line of `text` per seed: each seed lets the model pick a hand. Lines that fail
    the attention check come back too (their `check` says so); presets should skip them."""
    return [hand.write([text], bias=bias, seed=s)[0] for s in seeds]


def save_presets(lines: list, path) -> None:
    """Write model-generated lines as style presets (strokes/weights/styles.json), atomically."""
    import json

    from .svgplot import write_atomic
    presets = [{"text": w.text, "offsets": np.round(w.offsets, 2).tolist()} for w in lines]
    write_atomic(path, lambda f: json.dump(presets, f, separators=(",", ":")))


def sample_sheet(hand, texts: list[str], biases=(0.0, 0.5, 1.0), styles=(0, 1, 2), style_bias: float = 0.75,
                 seed: int = 0, retries: int = 2, candidates: int = 1, capital_rounds: int = 1,
                 capital_doubt: float = 0.0, redraws: int = 0) -> list:
    """The README picture's lines: `texts` unprimed at each bias, then in each preset style at
    style_bias; a blank line between groups. Returns offsets (or None) per line."""
    kw = dict(seed=seed, retries=retries, candidates=candidates, capital_rounds=capital_rounds,
              capital_doubt=capital_doubt, redraws=redraws)
    groups = [dict(bias=b) for b in biases] + [dict(bias=style_bias, style=hand.preset(n)) for n in styles]
    rows = []
    for group in groups:
        rows += [w.offsets for w in hand.write(texts, **group, **kw)] + [None]
    return rows[:-1]


# ----------------------------------------------------------------------------- CLI

def _reason(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:200]


def _average_main(args) -> int:
    from .runstate import atomic_save
    ckpts = []
    for path in args.checkpoints:
        try:
            ckpts.append(read_checkpoint(path))
        except Exception as err:  # missing, truncated or foreign file
            print(f"evaluate: {path}: cannot read checkpoint ({_reason(err)}); pass .pt files written by train.py",
                  file=sys.stderr)
            return 2
    try:
        avg = average_checkpoints(ckpts, args.checkpoints)
    except ValueError as err:
        print(f"evaluate: {_reason(err)}", file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    atomic_save(avg, Path(args.out))
    print(f"wrote {args.out}: the mean of {len(args.checkpoints)} checkpoints "
          f"(steps {', '.join(str(s) for s in avg['averaged']['steps'])})")
    return 0


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m strokes.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    n = sub.add_parser("nll", help="validation NLL in Graves' units")
    a = sub.add_parser("attention", help="attention failures on new sentences")
    e = sub.add_parser("export", help="the model alone, fp16, for strokes/weights/")
    st = sub.add_parser("styles", help="candidate hands of the model; --pick stores presets")
    fg = sub.add_parser("figure", help="the README picture: biases and preset styles")
    av = sub.add_parser("average", help="average the weights of snapshots of one run")
    av.add_argument("checkpoints", nargs="+", help="checkpoints of one run (e.g. runs/NAME/snapshots/*.pt)")
    av.add_argument("--out", required=True, help="the averaged checkpoint (model alone)")
    for q in (n, a, e, st, fg):
        q.add_argument("checkpoint", help="a checkpoint written by train.py (or export)")
    for q in (n, e):
        q.add_argument("--data", required=True, help="the strokes HDF5 file the model was trained from")
        q.add_argument("--split", default="testset_v", help="validation split (default %(default)s)")
    a.add_argument("--sentences", type=int, default=100)
    a.add_argument("--bias", type=float, default=1.0)
    a.add_argument("--seed", type=int, default=0)
    a.add_argument("--data", help="a strokes HDF5 file: check that no sentence is one of its lines")
    e.add_argument("--out", default=str(DEFAULT_WEIGHTS), help="default %(default)s")
    e.add_argument("--fp32", action="store_true", help="keep fp32 weights")
    st.add_argument("--text", default="the quick fox",
                    help="the presets' line (default %(default)r): keep it short, since a primed line's "
                         "window starts after it and long primes push it past most training lines")
    st.add_argument("--seeds", type=int, default=24, help="candidates: seeds 0..N-1 (default %(default)s)")
    st.add_argument("--bias", type=float, default=0.75)
    st.add_argument("--sheet", default="styles.svg", help="SVG of the candidates, one line per seed")
    st.add_argument("--pick", type=int, nargs="+", help="seeds to store as presets, in order")
    st.add_argument("--out", default=str(DEFAULT_WEIGHTS.parent / "styles.json"))
    fg.add_argument("text", nargs="+", help="lines to write in every row group")
    fg.add_argument("--out", required=True, help="SVG file")
    fg.add_argument("--seed", type=int, default=0)
    fg.add_argument("--candidates", type=int, default=1, help="samples per line, the recogniser keeps the best "
                    "(as generate.py --candidates; default %(default)s)")
    fg.add_argument("--capital-rounds", type=int, default=1, metavar="R", help="rounds of candidates for words "
                    "with capitals or digits (as generate.py --capital-rounds; default %(default)s)")
    fg.add_argument("--capital-doubt", type=float, default=0.0, metavar="D", help="weight of the doubt of a line's "
                    "first capitals when the recogniser picks (as generate.py --capital-doubt; default %(default)s)")
    fg.add_argument("--redraws", type=int, default=0, metavar="R", help="more rounds, at most, for a word the "
                    "recogniser still reads with doubt (as generate.py --redraws; default %(default)s)")
    args = p.parse_args(argv)
    if args.cmd == "average":
        return _average_main(args)
    try:
        ckpt = read_checkpoint(args.checkpoint)
    except Exception as err:  # missing, truncated or foreign file
        print(f"evaluate: {args.checkpoint}: cannot read checkpoint ({_reason(err)}); pass a .pt written by "
              "train.py", file=sys.stderr)
        return 2
    model = model_from_checkpoint(ckpt)
    data = getattr(args, "data", None)
    if data and not Path(data).is_file():
        print(f"evaluate: --data {data}: no such file; make it with `python -m strokes.data iam "
              "../shared/datasets/iam-ondb --out data/iam.h5` (with the model's preprocessing)", file=sys.stderr)
        return 2
    if args.cmd == "nll":
        r = validation_nll(model, args.data, args.split, progress=True)
        print(f"{r['split']}: {r['lines']} lines, {r['points_per_line']:.0f} points per line: "
              f"{r['nats_per_line']:.1f} nats per line, {r['nats_per_point']:.4f} per point, "
              f"{r['nats_per_char']:.2f} per character")
        print(f"  points written on capitals and digits (by the window's share, {r['capital_points']:.0f} points): "
              f"{r['nats_per_capital_point']:.4f} nats per point; on other characters: {r['nats_per_other_point']:.4f}")
        return 0
    if args.cmd == "attention":
        from .hand import Hand
        texts = sentences(args.sentences, args.seed)
        if args.data:
            from .data import StrokeDataset
            known = {t.strip() for t in StrokeDataset(args.data).texts}
            clash = [t for t in texts if t in known]
            if clash:
                print(f"evaluate: {len(clash)} sentences are lines of {args.data}, e.g. {clash[0]!r}", file=sys.stderr)
                return 1
        failed = attention_failures(Hand(model), texts, args.bias, args.seed, progress=True)
        for w in failed:
            print(f"  failed: {w.text!r}: {w.check.reason}")
        print(f"attention failures at bias {args.bias:g}: {len(failed)} of {len(texts)} "
              f"({100 * len(failed) / len(texts):.1f}%)")
        return 0
    if args.cmd in ("styles", "figure"):
        from .hand import Hand
        from .render import write_page
        hand = Hand(model)
        if args.cmd == "figure":
            if min(args.candidates, args.capital_rounds) < 1 or min(args.capital_doubt, args.redraws) < 0:
                print("evaluate: --candidates and --capital-rounds must be >= 1, --capital-doubt and --redraws >= 0",
                      file=sys.stderr)
                return 2
            write_page(sample_sheet(hand, args.text, seed=args.seed, candidates=args.candidates,
                                    capital_rounds=args.capital_rounds, capital_doubt=args.capital_doubt,
                                    redraws=args.redraws), args.out)
            print(f"wrote {args.out}")
            return 0
        lines = style_candidates(hand, args.text, list(range(args.seeds)), args.bias)
        if args.pick:
            bad = [s for s in args.pick if not 0 <= s < args.seeds or not lines[s].check.ok]
            if bad:
                print(f"evaluate: --pick {bad[0]}: not a candidate that passed the attention check", file=sys.stderr)
                return 2
            save_presets([lines[s] for s in args.pick], args.out)
            print(f"wrote {len(args.pick)} presets to {args.out}")
            return 0
        write_page([w.offsets for w in lines], args.sheet)
        from .judge import load_judge
        from .written import HandError
        try:
            readings = load_judge().read([w.offsets for w in lines])  # a second opinion on legibility
        except HandError:
            readings = [None] * len(lines)
        for i, (w, read) in enumerate(zip(lines, readings)):
            print(f"seed {i}: {'ok' if w.check.ok else 'FAILED ' + w.check.reason}, {len(w.offsets)} points"
                  + (f", the recogniser reads {read!r}" if read is not None else ""))
        print(f"wrote {args.sheet}; store presets with --pick SEED ...")
        return 0
    r32 = validation_nll(model, args.data, args.split, progress=True)
    half = not args.fp32
    if half:
        rounded = model_from_checkpoint({"model_config": ckpt["model_config"],
                              "model": {k: v.half() if v.is_floating_point() else v
                                        for k, v in ckpt["model"].items()}})
        r16 = validation_nll(rounded, args.data, args.split, progress=True)
        if r16["nats_per_line"] > r32["nats_per_line"] + FP16_NLL_TOLERANCE or not math.isfinite(r16["nats_per_line"]):
            print(f"evaluate: fp16 weights lose {r16['nats_per_line'] - r32['nats_per_line']:.2f} nats per line; "
                  "export with --fp32", file=sys.stderr)
            return 1
    r = r16 if half else r32
    export_weights(args.checkpoint, args.out, half=half,
                   release={"validation": r, "validation_fp32": r32, "data": "IAM-OnDB (Liwicki and Bunke 2005)"})
    size = Path(args.out).stat().st_size / 2 ** 20
    print(f"wrote {args.out} ({size:.1f} MiB, {'fp16' if half else 'fp32'}): {r['split']} "
          f"{r['nats_per_line']:.1f} nats per line (fp32 {r32['nats_per_line']:.1f}), {r['nats_per_point']:.4f} per point")
    return 0


if __name__ == "__main__":
    sys.exit(main())
