#!/usr/bin/env python3
"""Write text as handwriting, as SVG, with a trained synthesis network (Graves 2013, section 5).

    python generate.py "Any text you like" "another line" -o out.svg --checkpoint runs/synth/best.pt
    python generate.py --model prediction --steps 700 -o scribble.svg --checkpoint runs/pred/best.pt

The sampling itself lives in strokes/hand.py, the drawing in strokes/render.py and strokes/plots.py.
"""
from __future__ import annotations

import argparse
import os
import sys

from strokes.defaults import (DEFAULT_CANDIDATES, DEFAULT_CAPITAL_DOUBT, DEFAULT_CAPITAL_ROUNDS,  # no torch:
                              DEFAULT_REDRAWS, MAX_CHARS_PER_LINE, STAND_IN_CHARS)  # --help stays fast

DESCRIPTION = """\
Write text in a human hand. Each TEXT argument is one line of the page; a line longer than
--max-chars-per-line is word-wrapped, a newline (or the two characters \\n) inside a TEXT starts
a new line, and an empty TEXT ("") is a blank line. All lines are sampled in one batch, so they
share one style when primed.

Sampling: at every pen step the network predicts the next pen offset, Graves' bias sharpens the
prediction (0 = the model's own variety, 0.5-1 = neater, larger = more regular), and a line stops
when the attention window has passed its last character. Lines whose attention does not reach the
end of the text, stalls or jumps back are reported, as are lines with a runaway stroke (one more
than 6 times as tall as the line's typical stroke); --retries resamples them with new seeds.

Characters the model has never seen are replaced (the other case of a letter if known, else the
plain form: straight quotes for curly ones, "-" for dashes, "e" for "é"; else the model's unknown
symbol) and listed in one warning. The SVG stores each line's text and strokes,
so it can be given back as --prime to write more in the same hand.
"""

EXIT_USAGE = 2

# Steps after sampling that generate.py switches on or off: each a Hand.write keyword of the same name,
# on by default; the help says what 'on' and 'off' do.
SWITCHES = {
    "level_words": "'on' sets a word the network lifted well above its neighbours back down onto their line (a "
                   "hand's gentle drift up or down is kept); 'off' leaves every word where it was drawn",
    "space_words": "'on' moves a word the network drew against the word before it (\"trainto\") right, to the "
                   "line's usual gap between words; 'off' leaves every word where it was drawn",
    "lift_digits": "'on' raises a digit the network hung below the line (a 9 drawn like a g) until it stands on "
                   "the line, and lowers one it left floating above it; 'off' leaves every digit where it was drawn",
    "shrink_initials": "'on' scales a word's first c, o, s, u, v, w, x or z that the network drew as tall as its "
                       "capital (\"See\" for \"see\") down to the line's x-height; 'off' leaves it as drawn",
    "cross_x": "'on' redraws a lower-case x whose two strokes miss each other (\"fo>\" for \"fox\") along the "
               "diagonals of its box; 'off' leaves it as drawn",
    "zigzag_z": "'on' redraws a lower-case z the network drew without its foot (\"la>y\" for \"lazy\") as a "
                "printed z across its box; 'off' leaves it as drawn",
    "lead_in": "'on' writes a line that begins with a B, P, D, W or a digit after a short lead-in word, which "
               "puts that character mid-line where the network draws it better, and cuts the lead-in's ink off; "
               "'off' writes the line as it is",
    "accents": "accented letters the model's alphabet lacks (é, ü, ñ, ç, ...): 'on' writes the plain letter and "
               "draws its accent over it (under it, a cedilla); 'off' the plain letter alone",
}


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def stand_ins_arg(value: str) -> bool | str:
    """--stand-ins: 'on' (True), 'off' (False) or some of STAND_IN_CHARS."""
    if value in ("on", "off"):
        return value == "on"
    if not value or set(value) - set(STAND_IN_CHARS):
        raise argparse.ArgumentTypeError(f"give on, off or some of {STAND_IN_CHARS}, not {value!r}")
    return value


def build_parser() -> Parser:
    p = Parser(prog="generate.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("text", nargs="*", metavar="TEXT", help="lines of text to write")
    p.add_argument("-o", "--out", required=True, help="SVG file to write")
    p.add_argument("--checkpoint", help="checkpoint from train.py (default: the weights shipped with strokes)")
    p.add_argument("--model", choices=("synthesis", "prediction"), default="synthesis",
                   help="synthesis writes TEXT; prediction writes free handwriting for --steps (default %(default)s)")
    p.add_argument("--steps", type=int, default=700, help="pen steps for --model prediction (default %(default)s)")
    p.add_argument("--bias", type=float, default=0.75, help="Graves' sampling bias b >= 0 (default %(default)s)")
    p.add_argument("--temperature", type=float, default=1.0,
                   help="sampling temperature > 0: divides mixture logits, scales variances (default %(default)s)")
    style = p.add_mutually_exclusive_group()
    style.add_argument("--style", type=int, metavar="N", help="a style preset shipped with the weights")
    style.add_argument("--prime", metavar="FILE",
                       help="write in the hand of a line from FILE: JSON Lines of {\"text\", \"strokes\"} "
                            "records (the first is used) or an SVG written by this program")
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same file (default %(default)s)")
    p.add_argument("--max-chars-per-line", type=int, default=MAX_CHARS_PER_LINE,
                   help="word-wrap width (default %(default)s)")
    p.add_argument("--stroke-width", type=float, help="pen width in ink units (default: 3%% of the line height)")
    p.add_argument("--color", default="black", help="ink colour, any SVG colour (default %(default)s)")
    p.add_argument("--attention-plot", metavar="FILE.svg", help="also draw the first line's window weights phi(t, u)")
    p.add_argument("--density-plot", metavar="FILE.svg",
                   help="also draw the first line's predicted next-point densities along its trajectory")
    p.add_argument("--retries", type=int, default=0,
                   help="resample lines failing the attention check or with a runaway stroke up to K times")
    p.add_argument("--candidates", type=int, default=DEFAULT_CANDIDATES, metavar="N",
                   help="draw N samples of every line and let the recogniser choose, word by word or among "
                        "whole lines (--pick) (1 = Graves' single sample; default %(default)s)")
    p.add_argument("--pick", choices=["word", "line"], default="word",
                   help="with --candidates N: 'word' draws N samples of each word, keeps the one the recogniser "
                        "reads best and goes on from it; 'line' keeps the best of N whole lines (default %(default)s)")
    p.add_argument("--capital-rounds", type=int, default=DEFAULT_CAPITAL_ROUNDS, metavar="R",
                   help="with --pick word: draw each word holding a capital letter or a digit R times over "
                        "(R x N candidates; the network's capitals are its weakest letters) (default %(default)s)")
    p.add_argument("--redraws", type=int, default=DEFAULT_REDRAWS, metavar="R",
                   help="with --pick word: draw a word whose best candidate the recogniser still reads with doubt "
                        "(an 'm' that may be an 'n', a scrawl) up to R more times over, until one reads plainly "
                        "(0 = never) (default %(default)s)")
    p.add_argument("--capital-doubt", type=float, default=DEFAULT_CAPITAL_DOUBT, metavar="D",
                   help="with --candidates N: when the recogniser picks a line's first word, add D times how "
                        "likely it finds another letter in place of each capital, so that a plain capital wins "
                        "(0 = the recogniser's likelihood alone) (default %(default)s)")
    p.add_argument("--acronyms", choices=["apart", "joined"], default="apart",
                   help="runs of capitals such as CPU: 'apart' has the network write each letter as a word of its "
                        "own (as it writes capitals best) and sets them together; 'joined' gives it the text as it "
                        "is (default %(default)s)")
    p.add_argument("--stand-ins", type=stand_ins_arg, default="on", metavar="{on,off,CHARS}",
                   help="characters the network cannot write (Q, X, N, M, F, K, H, E, Z, Y, G, I, a U standing alone, 4, 5 and 8, which it saw too rarely or draws wrong, and the "
                        "symbols $ = %% @ * £ € ° _ < > # & [ ] | \\ ^ ~, which its training text lacks or uses otherwise): 'on' has it write a "
                        "character it can in their place and finishes it after sampling (a Q is an O given a "
                        "tail, a U standing alone (in \"CPU\") a u enlarged, a word's first N or M an n or m enlarged, a K an l given arms, an H an l given a bar and a second stem, an E an L given bars, a Z a 7 given a foot, a Y a V given a stem, a G a C given a spur, an I the bars of a printed I, an F's bar joined to its stem, a 4 an L given a stem, an 8 an S closed by a stroke, a $ an S struck through, an "
                        "@ an a in a ring, a | an l squashed to a line, a ~ a hyphen bent into a wave; README, 'Write text as handwriting'); CHARS (some of "
                        f"{STAND_IN_CHARS.replace('%', '%%')}) only those; 'off' leaves the network's own "
                        "(default %(default)s)")
    for name, text in SWITCHES.items():
        p.add_argument("--" + name.replace("_", "-"), choices=["on", "off"], default="on",
                       help=text + " (default %(default)s)")
    p.add_argument("--judge", metavar="FILE.pt", action="append", help="recogniser for --candidates and --read; "
                   "give it again to have several judge together, the mean of their scores (default: the two "
                   "shipped with strokes; python -m strokes.recognizer train makes one)")
    p.add_argument("--read", action="store_true", help="print what the (first) recogniser reads in each written line")
    p.add_argument("--device", default="cpu", help="torch device for sampling (default %(default)s)")
    return p


def fail(message: str) -> int:
    sys.stderr.write(f"generate.py: error: {message}\n")
    return EXIT_USAGE


def writable(path: str) -> bool:
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.isdir(folder) and os.access(folder, os.W_OK) and not os.path.isdir(path)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.bias < 0:
        return fail(f"--bias must be >= 0, got {args.bias}")
    if args.capital_doubt < 0:
        return fail(f"--capital-doubt must be >= 0, got {args.capital_doubt}")
    if args.temperature <= 0 or args.retries < 0 or args.redraws < 0 or min(args.max_chars_per_line, args.steps, args.candidates,
                                                                     args.capital_rounds) < 1:
        return fail("--temperature must be > 0, --retries and --redraws >= 0, --max-chars-per-line, --steps, --candidates and "
                    "--capital-rounds >= 1")
    for path in filter(None, (args.out, args.attention_plot, args.density_plot)):
        if not writable(path):
            return fail(f"cannot write {path}: its folder is missing or not writable; choose another path")
    if args.model == "synthesis" and not any(t.strip() for t in args.text):
        return fail('no text to write; give at least one non-empty TEXT, e.g. generate.py "Hello" -o hello.svg')

    # heavy imports after the argument checks, so usage errors are instant
    from strokes.hand import Hand, HandError, stand_in_chars
    from strokes.judge import load_judge
    from strokes.primefile import lines_metadata, read_prime
    from strokes.render import PageStyle, page_svg, wrap_text
    from strokes.svgplot import save_atomic

    page = PageStyle(stroke_width=args.stroke_width, color=args.color)
    try:
        if args.model == "prediction":
            return _prediction(args, page)
        hand = Hand.from_checkpoint(args.checkpoint, device=args.device)
        texts = [t.replace("\\n", "\n") for t in args.text]  # a typed \n is a line break too
        lines = [w for text in texts for w in wrap_text(text, args.max_chars_per_line)]
        hand.prepare(lines, keep=stand_in_chars(args.stand_ins))  # fails on text with nothing to write before any warning
        missing = hand.missing_characters(lines, args.stand_ins, args.accents == "on")
        if missing:
            shown = "".join(sorted(missing))
            sys.stderr.write(f"generate.py: warning: {sum(missing.values())} character(s) not in the model's "
                             "alphabet, replaced (other case, else the plain form: straight quotes, hyphens, letters "
                             f"without accents; else the unknown symbol): {shown!r}\n")
        style = None
        if args.prime:
            style = hand.style_from_points(*read_prime(args.prime))
        elif args.style is not None:
            style = hand.preset(args.style)
        judge = load_judge(args.judge) if args.candidates > 1 or args.read or args.judge else None
        written = hand.write(lines, bias=args.bias, temperature=args.temperature, style=style, seed=args.seed,
                             retries=args.retries, keep_predictions=bool(args.density_plot), progress=True,
                             candidates=args.candidates, judge=judge, pick=args.pick,
                             capital_rounds=args.capital_rounds, acronyms=args.acronyms,
                             capital_doubt=args.capital_doubt, stand_ins=args.stand_ins,
                             redraws=args.redraws, **{name: getattr(args, name) == "on" for name in SWITCHES})
    except HandError as e:
        return fail(str(e))

    dwg = page_svg([w.offsets if len(w.offsets) else None for w in written], page)
    dwg.set_metadata(lines_metadata(written))
    save_atomic(dwg, args.out)
    first = next((w for w in written if len(w.offsets)), None)
    if args.attention_plot and first is not None:
        from strokes.plots import attention_svg
        attention_svg(first.offsets, first.phi, first.window_text + "\u2192", args.attention_plot)
    if args.density_plot and first is not None:
        from strokes.plots import density_svg
        density_svg(first.offsets, first.predictions, args.density_plot)
    failed = [w for w in written if not w.check.ok]
    for w in failed:
        sys.stderr.write(f"generate.py: warning: line {w.text!r} failed the attention check "
                         f"after {w.attempts} attempt(s): {w.check.reason}\n")
    runaway = [w for w in written if not w.strokes_ok]
    for w in runaway:
        sys.stderr.write(f"generate.py: warning: line {w.text!r} has a runaway stroke after {w.attempts} "
                         "attempt(s); --retries or another --seed resamples it\n")
    if args.read:
        for w, reading in zip(written, judge.read([w.offsets for w in written])):
            if w.text.strip():
                print(f"{w.text!r} reads as {reading!r}")
    points = sum(len(w.offsets) for w in written)
    print(f"wrote {args.out}: {sum(1 for w in written if len(w.offsets))} line(s), {points} points, "
          f"{len(failed)} failed the attention check, {len(runaway)} with a runaway stroke")
    return 0


def _prediction(args, page) -> int:
    """Free handwriting from a prediction checkpoint (raises HandError on bad input)."""
    from strokes.hand import load_model
    from strokes.sampler import sample_unconditional
    from strokes.models import SynthesisNetwork
    from strokes.render import page_svg
    from strokes.svgplot import save_atomic

    if args.checkpoint is None:
        return fail("--model prediction needs --checkpoint (a prediction checkpoint from train.py)")
    model = load_model(args.checkpoint, args.device)
    if isinstance(model, SynthesisNetwork):
        return fail(f"{args.checkpoint} holds a synthesis network; drop --model prediction to write text")
    offsets = sample_unconditional(model, args.steps, args.bias, args.temperature, args.seed, progress=True)
    save_atomic(page_svg([offsets], page), args.out)
    print(f"wrote {args.out}: {len(offsets)} points of free handwriting")
    return 0


if __name__ == "__main__":
    sys.exit(main())
