"""How legible is a synthesis network's handwriting? A recogniser reads what it writes.

    python -m strokes.legibility strokes/weights/synthesis.pt --bias 0 0.5 1 --candidates 1 4 --pick word line
    python -m strokes.legibility runs/NAME/avg.pt --data data/iam-r30.h5 --show 5

For each bias and number of candidates, the network writes N new sentences (`strokes.evaluate.
sentences`: random common English words, none a transcription of an IAM-OnDB line), and a reader
(`strokes.recognizer`, an online handwriting recogniser trained on IAM-OnDB; default the shipped
judge) reads every line greedily. Reported: the character error rate (CER) of the readings against
the text asked for, the lines read exactly, the attention failures and the seconds per
line, and below each row the capitals and lower-case letters the reader (and, with --reader, the
judge) got wrong (--title-case writes a capital to every word, to measure capitals;
--with-acronyms puts a run of capitals such as "CPU" in every sentence and counts its capitals
misread, and --acronyms apart joined compares the two ways of writing them; --letters breaks the
capitals and digits down by character). With --data, the reader's CER on the real
lines of testset_v (writers it never saw) is printed first, with its capitals and lower case: the
floor to read the other figures against, since it also misreads some human handwriting.

The figure is a proxy for a human reader, with a known bias: a sample the judge reads is not
always one a person reads, nor the reverse; and with candidates > 1 a judge that also reads
flatters its own picks, so give --reader a second recogniser trained apart (another seed) for
honest figures, and compare them with a person's eye (the README picture). Not in Graves
(2013), who judged legibility by eye.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .evaluate import sentences, with_acronyms
from .recognizer import (Panel, Recognizer, cer, letters_line, misread, misread_first, misread_letters, misread_line,
                         misread_runs)

EXIT_USAGE = 2


def legibility(hand, texts: list[str], judge: Recognizer | Panel, bias: float = 0.75, candidates: int = 1,
               seed: int = 0, batch_size: int = 25, style=None, reader: Recognizer | Panel | None = None,
               pick: str = "word", capital_rounds: int = 1, acronyms: str = "apart", capital_doubt: float = 0.0,
               stand_ins: bool | str = True, redraws: int = 0) -> dict:
    """Write `texts` (no retries; with candidates > 1 `judge` picks each word or line, as `pick`
    says, words with capitals or digits drawn `capital_rounds` times, runs of capitals as `acronyms`
    says, a line's first capitals doubted with weight `capital_doubt`, doubtful words drawn up to
    `redraws` more times, characters drawn from `stand_ins`, `Hand.write`; the recognisers read the tall n and m and the l that stand in for an
    N, M and K as lower case, the E as an L and the Z as a 7, so count them misread) and read them back with
    `reader` (default: the judge): CER, exact lines, attention failures."""
    t0, written = time.perf_counter(), []
    for i in range(0, len(texts), batch_size):
        written += hand.write(texts[i:i + batch_size], bias=bias, seed=seed + i, candidates=candidates, judge=judge,
                              style=style, pick=pick, capital_rounds=capital_rounds, acronyms=acronyms,
                              capital_doubt=capital_doubt, stand_ins=stand_ins, redraws=redraws)
    seconds = time.perf_counter() - t0
    readings = (reader or judge).read([w.offsets for w in written])
    wanted = [w.written_text for w in written]
    judged = judge.read([w.offsets for w in written]) if reader is not None and reader is not judge else readings
    return {"bias": bias, "candidates": candidates, "pick": pick, "capital_rounds": capital_rounds, "lines": len(texts),
            "acronyms": acronyms, "runs": misread_runs(readings, wanted), "judge_runs": misread_runs(judged, wanted),
            "cer": cer(readings, wanted),
            "misread": misread(readings, wanted), "judge_misread": misread(judged, wanted),
            "first": misread_first(readings, wanted), "judge_first": misread_first(judged, wanted),
            "letters": misread_letters(readings, wanted), "judge_letters": misread_letters(judged, wanted),
            "judge_cer": cer(judged, wanted), "exact": sum(r == t for r, t in zip(readings, wanted)),
            "attention_failures": sum(not w.check.ok for w in written),
            "seconds_per_line": seconds / max(len(texts), 1), "readings": list(zip(wanted, readings))}


def first_line(counts: tuple[int, int]) -> str:
    wrong, total = counts
    return f"line-initial capitals {wrong} of {total}" + (f" ({100 * wrong / total:.1f}%)" if total else "")


def title_case(text: str) -> str:
    """Every word's first letter a capital ("the cat sat." -> "The Cat Sat."), to measure capitals."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m strokes.legibility", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", nargs="?", help="synthesis checkpoint (default: the shipped weights)")
    p.add_argument("--judge", action="append", help="recogniser that picks among candidates; give it again to have "
                   "several judge together (default: the two shipped ones); the first reads for the judge's figures")
    p.add_argument("--reader", help="recogniser that reads the lines (default: the judge); give one trained "
                   "apart from the judge for figures the picking cannot flatter")
    p.add_argument("--sentences", type=int, default=100, help="new sentences per row (default %(default)s)")
    p.add_argument("--bias", type=float, nargs="+", default=[0.0, 0.5, 0.75, 1.0], help="default %(default)s")
    p.add_argument("--candidates", type=int, nargs="+", default=[1], help="samples per line to pick from "
                   "(default %(default)s)")
    p.add_argument("--pick", nargs="+", choices=["word", "line"], default=["word"],
                   help="how candidates are chosen: best of each word, or of whole lines (default %(default)s)")
    p.add_argument("--capital-rounds", type=int, nargs="+", default=[1], metavar="R",
                   help="with --pick word: draw each word holding a capital or digit R times over (rows print "
                   "'word, capitals xR'; default %(default)s)")
    p.add_argument("--capital-doubt", type=float, nargs="+", default=[0.0], metavar="D",
                   help="with candidates > 1: weight of the doubt of a line's first capitals in the judge's "
                   "score (as generate.py --capital-doubt; rows print 'doubt D'; default %(default)s)")
    p.add_argument("--redraws", type=int, nargs="+", default=[0], metavar="R",
                   help="with --pick word: draw a word whose best reading is still doubtful up to R more times "
                   "(as generate.py --redraws; rows print 'redraws R'; default %(default)s)")
    p.add_argument("--title-case", action="store_true", help="write the sentences in Title Case (a capital "
                   "to every word), to measure capitals")
    p.add_argument("--with-acronyms", action="store_true", help="put a run of capitals (CPU, NASA, ...) in "
                   "every sentence, to measure them; rows then also print the capitals of runs misread")
    p.add_argument("--acronyms", nargs="+", choices=["apart", "joined"], default=["apart"],
                   help="how runs of capitals are written (generate.py --acronyms; default %(default)s)")
    p.add_argument("--letters", action="store_true", help="also print, under each row, every capital letter "
                   "and digit asked for: how often the reader (and the judge) misread it, of how many")
    p.add_argument("--stand-ins", default="on", metavar="{on,off,CHARS}",
                   help="as generate.py's (default %(default)s); the readers read the tall n and m and the l given "
                        "arms that stand in for N, M and K as lower case, the E as an L, the Z as a 7, the H as an l and the G as a C "
                        "(and the Y from a V is not the network's own), so to count the network's own, leave them out")
    p.add_argument("--style", type=int, help="write in this style preset")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", help="strokes HDF5 file: also the judge's CER on its real --split lines")
    p.add_argument("--split", default="testset_v")
    p.add_argument("--show", type=int, default=0, metavar="K", help="print the first K readings of each row")
    args = p.parse_args(argv)
    if (args.sentences < 1 or min(args.candidates + args.capital_rounds) < 1 or min(args.bias) < 0
            or min(args.capital_doubt + args.redraws) < 0):
        print("legibility: --sentences, --candidates and --capital-rounds must be >= 1, --bias, --capital-doubt and "
              "--redraws >= 0", file=sys.stderr)
        return EXIT_USAGE
    if args.data and not Path(args.data).is_file():
        print(f"legibility: --data {args.data}: no such file; make it with python -m strokes.data", file=sys.stderr)
        return EXIT_USAGE
    from .hand import Hand, HandError, stand_in_chars
    from .judge import load_judge
    stand_ins = {"on": True, "off": False}.get(args.stand_ins, args.stand_ins)
    try:
        stand_in_chars(stand_ins)  # a character without a stand-in: one line, before any work
        hand = Hand.from_checkpoint(args.checkpoint)
        judge = load_judge(args.judge)
        reader = load_judge(args.reader) if args.reader else judge
        style = hand.preset(args.style) if args.style is not None else None
    except HandError as e:
        print(f"legibility: {e}", file=sys.stderr)
        return EXIT_USAGE
    if args.data:
        from .data import StrokeDataset
        from .recognizer_train import evaluate_cer
        try:
            one = reader.members[0] if isinstance(reader, Panel) else reader  # a panel reads with its first
            real = evaluate_cer(one, StrokeDataset(args.data, splits=[args.split], in_memory=True,
                                                   preprocess=one.preprocess), classes=True)
        except ValueError as e:  # another file's statistics, or no such split
            print(f"legibility: {str(e).splitlines()[0]}", file=sys.stderr)
            return EXIT_USAGE
        print(f"reader on real {args.split} lines: CER {real['cer']:.3f} over {real['lines']} lines; "
              f"{misread_line(real['misread'])}")
        if args.letters:
            print(f"  by letter (misread/written): {letters_line(real['letters'])}")
    texts = sentences(args.sentences, args.seed)
    if args.title_case:
        texts = [title_case(t) for t in texts]
    if args.with_acronyms:
        texts = with_acronyms(texts, args.seed)
    two = reader is not judge
    print(f"| bias | candidates | pick | CER{' (reader)' if two else ''} |{' CER (judge) |' if two else ''} lines read "
          "exactly | attention failures | s per line |")
    print("| --- | --- | --- | --- |" + (" --- |" if two else "") + " --- | --- | --- |")
    settings = [(c, pick, rounds, mode, doubt, again) for c in args.candidates for pick in (args.pick if c > 1 else ["-"])
                for rounds in (args.capital_rounds if pick == "word" else [1]) for mode in args.acronyms
                for doubt in (args.capital_doubt if c > 1 else [0.0])
                for again in (args.redraws if pick == "word" else [0])]
    for candidates, pick, rounds, mode, doubt, again in settings:
        for bias in args.bias:
            r = legibility(hand, texts, judge, bias, candidates, args.seed, style=style, reader=reader,
                           pick=pick if candidates > 1 else "word", capital_rounds=rounds, acronyms=mode,
                           capital_doubt=doubt, stand_ins=stand_ins, redraws=again)
            judged = f" {r['judge_cer']:.3f} |" if two else ""
            shown = f"{pick}, capitals x{rounds}" if rounds > 1 else pick
            shown += f", acronyms {mode}" if len(args.acronyms) > 1 or mode != "apart" else ""
            shown += f", doubt {doubt:g}" if doubt else ""
            shown += f", redraws {again}" if again else ""
            print(f"| {bias:g} | {candidates} | {shown} | {r['cer']:.3f} |{judged} {r['exact']} of {r['lines']} | "
                  f"{r['attention_failures']} | {r['seconds_per_line']:.2f} |", flush=True)
            print(f"  reader: {misread_line(r['misread'])}; {first_line(r['first'])}")
            if two:
                print(f"  judge: {misread_line(r['judge_misread'])}; {first_line(r['judge_first'])}")
            if r["runs"][1]:
                wrong, total = r["runs"]
                print(f"  capitals in runs misread by the reader: {wrong} of {total} ({100 * wrong / total:.1f}%)"
                      + (f"; by the judge: {r['judge_runs'][0]}" if two else ""))
            if args.letters:
                print(f"  reader, by letter (misread/written): {letters_line(r['letters'])}")
                if two:
                    print(f"  judge, by letter (misread/written): {letters_line(r['judge_letters'])}")
            for text, read in r["readings"][:args.show]:
                print(f"  {text!r} read as {read!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
