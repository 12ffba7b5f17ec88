"""Stroke datasets: IAM-OnDB or your own handwriting -> one HDF5 file -> padded torch batches.

    python -m strokes.data iam ../shared/datasets/iam-ondb --out data/iam.h5
    python -m strokes.data jsonl mine.jsonl --out data/mine.h5
    python -m strokes.data info data/iam.h5

Modules: iam (the IAM-OnDB reader), jsonl (JSON Lines reader), hdf5 (the file format), dataset
(StrokeDataset, BucketBatchSampler, collate, Batch). The file format is described in data/README.md.
"""
import time
from pathlib import Path

from .hdf5 import FORMAT_VERSION, FormatError, Line, format_summary, load_h5_info, write_h5
from .iam import SPLITS, TRAIN_SPLITS, DataError, read_iam
from .jsonl import read_jsonl

__all__ = ["Batch", "BucketBatchSampler", "Item", "StrokeDataset", "collate", "FORMAT_VERSION", "FormatError",
           "Line", "format_summary", "load_h5_info", "write_h5", "SPLITS", "TRAIN_SPLITS", "DataError",
           "read_iam", "read_jsonl", "import_iam", "import_jsonl"]

_TORCH_NAMES = ("Batch", "BucketBatchSampler", "Item", "StrokeDataset", "collate")


def __getattr__(name):  # the torch side loads on first use, so the command line starts fast
    if name in _TORCH_NAMES:
        from . import dataset

        return getattr(dataset, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def import_iam(source, out, progress: bool = False, preprocess=None) -> dict:
    """Read an IAM-OnDB folder and write out; returns the summary dict (as stored in the file)."""
    t0 = time.perf_counter()
    Path(out).parent.mkdir(parents=True, exist_ok=True)  # fail before the long read, not after
    lines, skips = read_iam(source, progress=progress)
    summary = {"skipped": skips.by_reason, "seconds": None}
    res = write_h5(out, lines, TRAIN_SPLITS, "iam-ondb", summary, preprocess)
    res.summary["seconds"] = time.perf_counter() - t0  # reported, not stored: the file is written by then
    return res.summary


def import_jsonl(source, out, train_splits=("train",), flip_y: bool = False, progress: bool = False,
                 preprocess=None) -> dict:
    """Read a JSON Lines file of your own handwriting and write out; returns the summary dict."""
    t0 = time.perf_counter()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    lines, skips = read_jsonl(source, flip_y=flip_y, progress=progress)
    res = write_h5(out, lines, train_splits, "jsonl", {"skipped": skips.by_reason, "seconds": None}, preprocess)
    res.summary["seconds"] = time.perf_counter() - t0
    return res.summary
