"""What a training run keeps on disk, so that it can stop at any step and go on exactly.

A run's folder (train.py --out) holds last.pt (written every `checkpoint_every` steps, at the end,
and on SIGINT/SIGTERM), best.pt (the best validation so far), snapshots/step-N.pt (the model alone,
for weight averaging: `python -m strokes.evaluate average`) and metrics.jsonl (one JSON row per
log, validation, skip or start). A checkpoint holds the model, optimiser, RNG states (torch, CUDA,
NumPy, Python), data position, both configs, the alphabet and the statistics; with the same seed
the batch order is a function of (seed, epoch), so on CPU N steps + resume + N steps equal 2N steps
bit for bit (tests check it). Every file is written to a temporary file in the same folder, synced,
then renamed over the old one (`atomic_save`): a crash never leaves a half-written checkpoint.
"""
from __future__ import annotations

import json
import math
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from .models import CHECKPOINT_FORMAT, CHECKPOINT_VERSION, config_to_dict


def atomic_save(obj, path: Path) -> None:
    """torch.save to a temporary file in the same folder, fsync, then rename over path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def rng_state() -> dict:
    """Every random generator a run draws from (torch, CUDA, NumPy, Python), as saveable tensors and numbers."""
    np_state = np.random.get_state()
    return {"torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": {"key": torch.from_numpy(np_state[1].astype(np.int64)), "pos": int(np_state[2]),
                      "has_gauss": int(np_state[3]), "cached_gaussian": float(np_state[4])},
            "python": random.getstate()}


def set_rng_state(s: dict) -> None:
    """Restore what `rng_state` saved."""
    torch.set_rng_state(s["torch"])
    if s["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(s["cuda"])
    n = s["numpy"]
    np.random.set_state(("MT19937", n["key"].numpy().astype(np.uint32), n["pos"], n["has_gauss"],
                         n["cached_gaussian"]))
    random.setstate((s["python"][0], tuple(s["python"][1]), s["python"][2]))


def model_entry(model) -> dict:
    """The part of a checkpoint that rebuilds the model alone (a snapshot is just this, with its step)."""
    return {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION,
            "model_config": config_to_dict(model.config), "model": model.state_dict()}


def save_snapshot(model, out: Path, step: int, epoch: int) -> None:
    """The model alone at this step, as out/snapshots/step-NNNNNNN.pt (for weight averaging)."""
    snap = {**model_entry(model), "position": {"step": step, "epoch": epoch}}
    (Path(out) / "snapshots").mkdir(exist_ok=True)
    atomic_save(snap, Path(out) / "snapshots" / f"step-{step:07d}.pt")


def append_metrics(path: Path, row: dict) -> None:
    """Append one row to a metrics.jsonl file, stamped with the time. Strict JSON: non-finite numbers
    are written as the strings "nan" / "inf"."""
    row = {k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
    with open(path, "a") as f:
        f.write(json.dumps({**row, "time": time.time()}, allow_nan=False) + "\n")
