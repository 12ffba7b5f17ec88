"""Blind comparisons by eye: the same texts written two ways, shown in pairs in random order.

The recognisers that measure legibility (`strokes.legibility`) share blind spots, misread half of
real capitals and cannot read a Q at all, so where a change is about shapes the eye decides
(README, "How legible?"). And an eye that knows which version it looks at favours one. So `write`
has the network write every text twice, with settings A and B (keywords of `Hand.write`, on top of
generate.py's defaults) from the same seed, and lays the two lines of each text out one above the
other, in an order drawn at random, under the pair's number. The key (which was on top) goes to a
JSON file beside the SVG. Judge every pair first (T: the top line is better, B: the bottom, =:
alike), then `score` reads the key and says which setting won:

    python -m strokes.blind write "Queen Mary sailed at dawn" "X marks the spot" --b '{"stand_ins": false}' \\
        --seed 0 --out pairs.svg                          # -> pairs.svg and pairs.key.json
    python -m strokes.blind score pairs.key.json T =      # one mark per pair, in order
    python -m strokes.blind write ... --b '{}' --checkpoint-b runs/gpu/avg.pt --out pairs.svg   # two models
    python -m strokes.blind write ... --b '{}' --judge-b runs/r.pt strokes/weights/recognizer2.pt ...  # two judges
    python -m strokes.blind pair new.svg old.svg --out pairs.svg   # two files generate.py wrote: two versions

`pair` takes the lines of two SVGs that generate.py wrote with the same texts, as two checkouts of
strokes write them with the same seed and options: each pair is then the same draw, set or finished
two ways, and only the code between them differs.

Not in Graves (2013), who judged his samples by eye, openly.
"""
from __future__ import annotations

import argparse
import inspect
import json
import random
import sys
from pathlib import Path

MARKS = {"T": "top", "B": "bottom", "=": "alike"}


def settings(given: str, name: str) -> dict:
    """generate.py's defaults updated by `given`, a JSON object of `Hand.write` keywords; ValueError
    naming the problem otherwise."""
    from .defaults import GENERATE
    from .hand import Hand
    try:
        extra = json.loads(given)
    except json.JSONDecodeError as e:
        raise ValueError(f"--{name} is not JSON ({e.msg}); give an object such as '{{\"stand_ins\": false}}'") from None
    if not isinstance(extra, dict):
        raise ValueError(f"--{name} must be a JSON object of Hand.write keywords, got {given!r}")
    known = set(inspect.signature(Hand.write).parameters) - {"self", "lines", "seed", "progress", "judge", "style"}
    unknown = sorted(set(extra) - known)
    if unknown:
        raise ValueError(f"--{name}: {', '.join(unknown)} not a Hand.write keyword; use some of {', '.join(sorted(known))}")
    return {**GENERATE, **extra}


def tally(pairs: list[dict], marks: list[str]) -> dict:
    """For pairs of the key (each {"text", "top": "a" or "b"}) and one mark per pair (T, B or =): the
    texts A won, B won and the alike ones."""
    if len(marks) != len(pairs):
        raise ValueError(f"{len(marks)} marks for {len(pairs)} pairs; give one of T, B or = per pair")
    bad = sorted({m for m in marks if m not in MARKS})
    if bad:
        raise ValueError(f"unknown marks {' '.join(bad)}; use T (top better), B (bottom better) or = (alike)")
    out = {"a": [], "b": [], "alike": []}
    for pair, mark in zip(pairs, marks):
        if mark == "=":
            out["alike"].append(pair["text"])
        else:
            bottom = "b" if pair["top"] == "a" else "a"
            out[pair["top"] if mark == "T" else bottom].append(pair["text"])
    return out


def pair_page(tops: list, bottoms: list):
    """An SVG drawing: for pair k, its number on a line of its own, then the two lines (offsets (T, 3))."""
    return numbered_page([[top, bottom] for top, bottom in zip(tops, bottoms)])


def numbered_page(groups: list[list], first: int = 1):
    """An SVG drawing: for each group of lines (offsets (T, 3)), its number (first, first + 1, ...) on a
    line of its own, then its lines."""
    from .render import PageStyle, layout_page, page_svg
    style = PageStyle()
    lines = [line for group in groups for line in (None, *group)]
    dwg = page_svg(lines, style)
    _, height, baselines = layout_page(lines, style)
    x0, y0, w, h = (float(v) for v in dwg["viewBox"].split())
    top = min(y0, -0.9 * height)  # room for the first number above the first group
    dwg["viewBox"] = f"{x0:.2f} {top:.2f} {w:.2f} {h + y0 - top:.2f}"
    dwg["height"] = f"{float(dwg['height'][:-2]) * (h + y0 - top) / h:.0f}px"
    at = 0  # the index of a group's number line among `lines`
    for k, group in enumerate(groups):
        dwg.add(dwg.text(str(first + k), insert=(x0 + 0.1 * height, baselines[at]),
                         font_size=f"{0.5 * height:.3g}", fill="red", font_family="sans-serif"))
        at += 1 + len(group)
    return dwg


def write(texts: list[str], a: dict, b: dict, seed: int, out: Path, checkpoint=None, checkpoint_b=None,
          judge=None, judge_b=None) -> list[dict]:
    """Write the texts with settings a and b (and B with the weights in checkpoint_b, if given), save
    the pairs (`pair_page`) to `out` and the key to out.key.json; returns the key's pairs. judge and
    judge_b: lists of recogniser files that pick A's and B's candidates together (`load_judge`;
    default the shipped two; judge_b defaults to judge)."""
    from .hand import Hand
    from .judge import load_judge
    hand_a = Hand.from_checkpoint(checkpoint)
    hand_b = Hand.from_checkpoint(checkpoint_b) if checkpoint_b else hand_a
    pick_a = load_judge(judge)  # None: the shipped two
    pick_b = load_judge(judge_b) if judge_b else pick_a
    judge_b = judge_b or judge
    written = {"a": [w.offsets for w in hand_a.write(texts, seed=seed, progress=True, judge=pick_a, **a)],
               "b": [w.offsets for w in hand_b.write(texts, seed=seed, progress=True, judge=pick_b, **b)]}
    key = {"a": a, "b": b, "checkpoint_a": str(checkpoint or "shipped"),
           "checkpoint_b": str(checkpoint_b or checkpoint or "shipped"),
           "judge_a": [str(j) for j in judge] if judge else "shipped",
           "judge_b": [str(j) for j in judge_b] if judge_b else "shipped"}
    return save_pairs(texts, written, seed, out, key)


def save_pairs(texts: list[str], lines: dict, seed: int, out: Path, key: dict) -> list[dict]:
    """Save the pairs of lines["a"] and lines["b"] (offsets (T, 3) of `texts`, in order), each pair
    one above the other in an order `seed` draws (`pair_page`), to `out`, and `key` with the seed and
    the pairs to out.key.json; returns the pairs."""
    from .svgplot import save_atomic, write_atomic
    rng = random.Random(seed)
    pairs = [{"text": t, "top": rng.choice("ab")} for t in texts]
    tops = [lines[p["top"]][k] for k, p in enumerate(pairs)]
    bottoms = [lines["b" if p["top"] == "a" else "a"][k] for k, p in enumerate(pairs)]
    save_atomic(pair_page(tops, bottoms), out)
    key = {**key, "seed": seed, "pairs": pairs}
    write_atomic(key_path(out), lambda f: json.dump(key, f, indent=1))
    return pairs


def pair(a_path: Path, b_path: Path, seed: int, out: Path) -> list[dict]:
    """The lines of two files generate.py wrote (or JSON Lines of strokes, `read_lines`) set out as
    blind pairs, A from a_path and B from b_path, in the order `seed` draws; the pairs saved to `out`
    and the key to out.key.json, as `write` does. Returns the key's pairs; ValueError where a file
    holds no lines or the two hold different texts."""
    from .primefile import read_lines
    from .transforms import points_to_offsets
    lines = {"a": read_lines(a_path), "b": read_lines(b_path)}
    texts = [t for t, _ in lines["a"]]
    if not texts:
        raise ValueError(f"{a_path} holds no written lines; give an SVG that generate.py wrote")
    if texts != [t for t, _ in lines["b"]]:
        raise ValueError(f"{a_path} and {b_path} hold different lines; write the same texts into both")
    offsets = {k: [points_to_offsets(points) for _, points in v] for k, v in lines.items()}
    return save_pairs(texts, offsets, seed, out, {"a": {"file": str(a_path)}, "b": {"file": str(b_path)}})


def key_path(svg: Path) -> Path:
    return svg.with_suffix(".key.json")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m strokes.blind", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write texts two ways as pairs in random order, and their key")
    w.add_argument("texts", nargs="*", help="texts, one line each")
    w.add_argument("--texts-file", type=Path, help="more texts, one per line")
    w.add_argument("--a", default="{}", help="setting A: JSON of Hand.write keywords over generate.py's defaults "
                                             "(default %(default)s: the defaults)")
    w.add_argument("--b", required=True, help='setting B, likewise, e.g. \'{"stand_ins": false}\'')
    w.add_argument("--seed", type=int, default=0, help="sampling seed of both, and of the order (default %(default)s)")
    w.add_argument("--checkpoint", help="synthesis weights (default: the shipped ones)")
    w.add_argument("--checkpoint-b", help="other weights for setting B, to compare two models (default: --checkpoint)")
    w.add_argument("--judge", nargs="+", metavar="PT", help="recognisers that pick A's candidates together "
                   "(default: the shipped two)")
    w.add_argument("--judge-b", nargs="+", metavar="PT", help="recognisers for B, to compare two judges "
                   "(default: --judge)")
    w.add_argument("--out", type=Path, required=True, help="SVG of the pairs; the key goes to OUT.key.json")
    q = sub.add_parser("pair", help="the lines of two SVGs generate.py wrote, as pairs in random order, "
                                    "and their key")
    q.add_argument("a", type=Path, help="setting A: an SVG generate.py wrote (say, with this checkout)")
    q.add_argument("b", type=Path, help="setting B: one with the same texts (say, with another checkout, same seed)")
    q.add_argument("--seed", type=int, default=0, help="seed of the order (default %(default)s)")
    q.add_argument("--out", type=Path, required=True, help="SVG of the pairs; the key goes to OUT.key.json")
    s = sub.add_parser("score", help="which setting won, from the key and one mark per pair")
    s.add_argument("key", type=Path, help="the .key.json that write left")
    s.add_argument("marks", nargs="+", help="T (top better), B (bottom better) or = (alike), one per pair")
    args = p.parse_args(argv)

    def fail(message: str) -> int:
        sys.stderr.write(f"strokes.blind: error: {message}\n")
        return 2

    if args.command == "score":
        try:
            key = json.loads(args.key.read_text())
            pairs = key["pairs"]
        except (OSError, ValueError, KeyError, TypeError) as e:
            return fail(f"cannot read the key {args.key} ({e}); give the .key.json that write left")
        try:
            won = tally(pairs, [m.upper() for m in args.marks])
        except ValueError as e:
            return fail(str(e))
        for name in ("a", "b"):
            weights = key.get(f"checkpoint_{name}")
            weights = f"{weights} " if weights else ""
            judges = key.get(f"judge_{name}", "shipped")
            judges = "" if judges == "shipped" else f"judged by {' '.join(judges)} "
            print(f"{name.upper()} {json.dumps(key[name])} {weights}{judges}better: {len(won[name])}", *won[name], sep="\n  ")
        print(f"alike: {len(won['alike'])} of {len(key['pairs'])}")
        return 0
    if args.command == "pair":
        if not args.out.parent.is_dir():
            return fail(f"cannot write {args.out}: its folder is missing; choose another path")
        try:
            pairs = pair(args.a, args.b, args.seed, args.out)
        except (OSError, ValueError) as e:
            return fail(str(e))
        print(f"wrote {args.out} ({len(pairs)} pairs) and its key {key_path(args.out)}; judge before you score")
        return 0
    try:
        texts = list(args.texts) + (args.texts_file.read_text().splitlines() if args.texts_file else [])
        texts = [t for t in texts if t.strip()]
        if not texts:
            return fail("no texts; give some as arguments or --texts-file")
        a, b = settings(args.a, "a"), settings(args.b, "b")
        if not args.out.parent.is_dir():
            return fail(f"cannot write {args.out}: its folder is missing; choose another path")
        write(texts, a, b, args.seed, args.out, args.checkpoint, args.checkpoint_b, args.judge, args.judge_b)
    except (OSError, ValueError) as e:
        return fail(str(e))
    print(f"wrote {args.out} ({len(texts)} pairs) and its key {key_path(args.out)}; judge before you score")
    return 0


if __name__ == "__main__":
    sys.exit(main())
