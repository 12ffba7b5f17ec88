"""Command line: import IAM-OnDB or JSON Lines into a strokes HDF5 file, or summarise one.

    python -m strokes.data iam SOURCE --out data/iam.h5
    python -m strokes.data jsonl FILE.jsonl --out data/mine.h5 [--train-splits train] [--flip-y]
    python -m strokes.data info data/iam.h5

Errors are one line on stderr (exit 1; 2 for usage errors); the output file is written to a
temporary name and renamed, so it never exists half-written.
"""
from __future__ import annotations

import argparse
import sys

from ..transforms import MAX_STEP_RATIO, Preprocess
from . import import_iam, import_jsonl
from .hdf5 import FormatError, format_summary, load_h5_info
from .iam import DataError


def add_preprocess_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("preprocessing stored with the statistics (defaults: Graves 2013; see strokes.transforms)")
    g.add_argument("--outliers", choices=("clip", "drop", "none"), default="clip",
                   help="pen-down steps longer than --max-step-ratio x the line's median step (default: clip)")
    g.add_argument("--max-step-ratio", type=float, default=MAX_STEP_RATIO,
                   help="outlier threshold (default: %(default)s)")
    g.add_argument("--smooth-window", type=int, default=0, help="Savitzky-Golay window, odd (default: 0 = off)")
    g.add_argument("--baseline", action="store_true", help="rotate each line's ink to a horizontal principal axis")
    g.add_argument("--deslant", action="store_true", help="shear each line upright")
    g.add_argument("--resample-step", type=float, default=0.0, help="resample strokes at this arc length (0 = off)")
    g.add_argument("--normalise", choices=("std", "median"), default="std",
                   help="offsets by training mean/std (default) or by the median step length")


def preprocess_from(args) -> Preprocess:
    return Preprocess(outliers=args.outliers, max_step_ratio=args.max_step_ratio, smooth_window=args.smooth_window,
                      baseline=args.baseline, deslant=args.deslant, resample_step=args.resample_step,
                      normalise=args.normalise)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m strokes.data",
        description="Stroke datasets for handwriting synthesis: import into one HDF5 file "
                    "(ragged points, texts, splits, alphabet, training statistics) or summarise a file.",
        epilog="The file format is described in data/README.md. IAM-OnDB is for non-commercial research only: "
               "keep the files it produces out of version control.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="{iam,jsonl,info}")
    a = sub.add_parser("iam", help="import IAM-OnDB from its official files",
                       description="Import IAM-OnDB. SOURCE holds lineStrokes-all.tar.* (or lineStrokes/), "
                                   "ascii-all.tar.* (or ascii/), trainset.txt, testset_v.txt, testset_t.txt, "
                                   "testset_f.txt and optionally writers.tsv. Archives are read without "
                                   "extracting. Forms whose line XMLs and transcription lines disagree in "
                                   "number are skipped and reported. Statistics and the alphabet come from "
                                   "trainset + testset_t + testset_f (Graves 2013); testset_v validates.")
    a.add_argument("source", help="folder with the IAM-OnDB files")
    a.add_argument("--out", default="data/iam.h5", help="output HDF5 file (default: data/iam.h5)")
    j = sub.add_parser("jsonl", help="import your own handwriting from JSON Lines",
                       description='One JSON object per line: {"text": "...", "strokes": [[[x, y], ...], ...]} '
                                   'with optional "writer" (int), "split" (default "train") and "id". '
                                   "y grows downward (as in IAM-OnDB and SVG) unless you pass --flip-y.")
    j.add_argument("source", help="a .jsonl file")
    j.add_argument("--out", required=True, help="output HDF5 file")
    j.add_argument("--train-splits", default="train",
                   help="comma-separated split names whose lines give the alphabet and statistics (default: train)")
    j.add_argument("--flip-y", action="store_true", help="your y axis grows upward: flip it")
    add_preprocess_args(a)
    add_preprocess_args(j)
    i = sub.add_parser("info", help="print the summary of an existing file")
    i.add_argument("file", help="a strokes HDF5 file")
    args = ap.parse_args(argv)
    if args.cmd != "info":
        try:
            cfg = preprocess_from(args)
        except ValueError as e:
            ap.error(str(e))  # exit 2

    try:
        if args.cmd == "info":
            print(format_summary(load_h5_info(args.file)))
            return 0
        if args.cmd == "iam":
            summary = import_iam(args.source, args.out, progress=True, preprocess=cfg)
        else:
            summary = import_jsonl(args.source, args.out, tuple(s for s in args.train_splits.split(",") if s),
                                   flip_y=args.flip_y, progress=True, preprocess=cfg)
        print(format_summary(load_h5_info(args.out)))
        print(f"wrote {args.out} in {summary['seconds']:.1f} s")
        return 0
    except (DataError, FormatError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"error: {e.filename or args.__dict__.get('out')}: {e.strerror or e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted; no output written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
