"""Legibility by eye: new sentences written as generate.py writes them, read by a person who has not
seen the texts, and the readings scored against them.

    python -m strokes.eyetest write --sentences 48 --seed 41 --bias 0.5 --out eye.svg
        # -> eye-1.svg ... eye-6.svg (8 numbered lines each, no text inside) and eye.key.json
    python -m strokes.eyetest score eye.key.json readings.txt
        # readings.txt: what you read, one line per written line, in order
    python -m strokes.eyetest write --texts-file numbers.txt --out num.svg   # texts someone else chose

The recognisers of `strokes.legibility` are a proxy with blind spots: they misread half of real
capitals, and the stand-ins for the capitals the network cannot write (an H built from an l, an E
from an L) they read as the letters those were built from, where a person sees the capital. Whether
handwriting is legible is a person's verdict, so this is the measure that decides; the recognisers
say where to look. Read as you would read a stranger's note: a word that you can make
out only from its shape and the words you know counts as read. Do not open the key (or the SVGs'
source) before scoring. The sentences are `strokes.evaluate.sentences` (random common English words,
none a line of IAM-OnDB), written with `Hand.write` and generate.py's defaults (`defaults.GENERATE`),
so the lines are those generate.py writes with the same --seed (`--draw-seed` here).

`score` prints the lines read exactly (every character, case and punctuation included), the words
misread (a word-level edit distance: a word read wrong, left out or added), the character error rate,
and each line read wrong beside its text. Not in Graves (2013), who showed samples and judged them
by eye, without a count.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .blind import key_path  # the key beside the pages, as beside a blind sheet: OUT.key.json

PER_PAGE = 8  # lines per SVG page: eight lines of a sentence each are read at a glance on a screen


def pages(out: Path, n: int) -> list[Path]:
    """The page files of a sheet: out's stem with -1, -2, ... (n pages)."""
    return [out.with_name(f"{out.stem}-{k}{out.suffix}") for k in range(1, n + 1)]


def write(n: int, seed: int, bias: float, out: Path, draw_seed: int = 0, checkpoint=None,
          per_page: int = PER_PAGE, texts: list[str] | None = None, **settings) -> list[Path]:
    """Write sentences(n, seed) (or `texts`, where given, broken into lines as generate.py breaks
    them) at `bias` with generate.py's defaults (and `settings`, keywords of `Hand.write` over them)
    and its sampling seed `draw_seed`, as numbered pages of `per_page` lines, and the key (the lines'
    texts and the settings) beside them. Returns the pages."""
    from .blind import numbered_page
    from .defaults import GENERATE, MAX_CHARS_PER_LINE
    from .evaluate import sentences
    from .hand import Hand
    from .render import wrap_text
    from .svgplot import save_atomic, write_atomic
    if texts is None:
        texts = sentences(n, seed)
    else:  # as generate.py writes them: a typed \n breaks a line, a long one is word-wrapped
        texts = [w for t in texts for w in wrap_text(t.replace("\\n", "\n"), MAX_CHARS_PER_LINE) if w.strip()]
    n = len(texts)
    written = Hand.from_checkpoint(checkpoint).write(texts, bias=bias, seed=draw_seed, progress=True,
                                                     **{**GENERATE, **settings})
    files = pages(out, -(-n // per_page))
    for k, path in enumerate(files):
        chunk = [w.offsets for w in written[k * per_page:(k + 1) * per_page]]
        save_atomic(numbered_page([[line] for line in chunk], k * per_page + 1), path)
    key = {"sentences": n, "seed": seed, "bias": bias, "draw_seed": draw_seed, "checkpoint": str(checkpoint or "shipped"),
           "settings": {**GENERATE, **settings}, "pages": [p.name for p in files], "texts": texts}
    write_atomic(key_path(out), lambda f: json.dump(key, f, indent=1))
    return files


def word_errors(read: str, text: str) -> int:
    """Words read wrong, left out or added: the edit distance between the two lines' words."""
    from .recognizer import edit_table
    return edit_table(read.split(), text.split())[-1][-1]


def score(texts: list[str], readings: list[str]) -> dict:
    """Lines read exactly, words misread (of all words), CER, and (text, reading) of each line read
    wrong. ValueError unless there is one reading per text."""
    from .recognizer import cer
    if len(readings) != len(texts):
        raise ValueError(f"{len(readings)} readings for {len(texts)} lines; give one line read per line written, "
                         "in order (an empty line for one you could not read)")
    readings = [r.strip() for r in readings]
    wrong = [(t, r) for t, r in zip(texts, readings) if r != t]
    return {"lines": len(texts), "exact": len(texts) - len(wrong), "words": sum(len(t.split()) for t in texts),
            "words_misread": sum(word_errors(r, t) for t, r in zip(texts, readings)),
            "cer": cer(readings, texts), "wrong": wrong}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m strokes.eyetest", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write new sentences as numbered pages, and their key")
    w.add_argument("--sentences", type=int, default=48, help="how many (default %(default)s)")
    w.add_argument("--seed", type=int, default=0, help="seed of the sentences (default %(default)s)")
    w.add_argument("--draw-seed", type=int, default=0, help="sampling seed, as generate.py's --seed (default %(default)s)")
    w.add_argument("--bias", type=float, default=0.75, help="sampling bias (default %(default)s, generate.py's)")
    w.add_argument("--texts-file", type=Path, help="write these texts (one per line, a long one word-wrapped as "
                   "generate.py wraps it) instead of new sentences: "
                   "numbers, names, a text of your own; have someone else choose them, so that you read them unseen")
    w.add_argument("--checkpoint", help="synthesis weights (default: the shipped ones)")
    w.add_argument("--per-page", type=int, default=PER_PAGE, help="lines per page (default %(default)s)")
    w.add_argument("--out", type=Path, required=True, help="pages OUT-1.svg, OUT-2.svg, ...; the key goes to "
                                                           "OUT.key.json")
    s = sub.add_parser("score", help="score what you read against the key")
    s.add_argument("key", type=Path, help="the .key.json that write left")
    s.add_argument("readings", type=Path, help="a text file: what you read, one line per written line, in order")
    args = p.parse_args(argv)

    def fail(message: str) -> int:
        sys.stderr.write(f"strokes.eyetest: error: {message}\n")
        return 2

    if args.command == "write":
        if args.sentences < 1 or args.per_page < 1 or args.bias < 0:
            return fail("--sentences and --per-page must be >= 1 and --bias >= 0")
        if not args.out.parent.is_dir():
            return fail(f"cannot write {args.out}: its folder is missing; choose another path")
        texts = None
        if args.texts_file:
            try:
                texts = [t for t in args.texts_file.read_text(encoding="utf-8").splitlines() if t.strip()]
            except OSError as e:
                return fail(f"cannot read {args.texts_file} ({e.strerror or e}); give a text file, one text per line")
            if not texts:
                return fail(f"{args.texts_file} holds no texts; give one text per line")
        try:
            files = write(args.sentences, args.seed, args.bias, args.out, args.draw_seed, args.checkpoint, args.per_page,
                          texts)
        except (OSError, ValueError) as e:
            return fail(str(e))
        print(f"wrote {', '.join(str(f) for f in files)} and the key {key_path(args.out)}; read the pages, "
              "type what you read into a file, one line each, then score it")
        return 0
    try:
        texts = json.loads(args.key.read_text())["texts"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        return fail(f"cannot read the key {args.key} ({e}); give the .key.json that write left")
    try:
        r = score(texts, args.readings.read_text(encoding="utf-8").splitlines())
    except OSError as e:
        return fail(f"cannot read {args.readings} ({e.strerror or e}); give the file you typed your readings into")
    except ValueError as e:
        return fail(str(e))
    print(f"lines read exactly: {r['exact']} of {r['lines']}; words misread: {r['words_misread']} of {r['words']} "
          f"({100 * r['words_misread'] / r['words']:.1f}%); CER {100 * r['cer']:.1f}%")
    for text, reading in r["wrong"]:
        print(f"  {text!r} read as {reading!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
