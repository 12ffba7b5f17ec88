"""Training and evaluating the legibility judge (`strokes.recognizer`) on a strokes HDF5 file.

    python -m strokes.recognizer train --data data/iam-r30.h5 --out runs/rec.pt --minutes 60
    python -m strokes.recognizer cer runs/rec.pt --data data/iam-r30.h5      # testset_v CER

CTC (Graves et al. 2006) over the lines of the file's training splits (for IAM-OnDB, Graves'
trainset + testset_t + testset_f), validated by greedy character error rate on testset_v (other
writers). Adam with a cosine learning-rate decay over the budget. Each training line is scaled by a random factor, stretched in x against y and sheared
(AUGMENT_*), in raw units before normalisation, so the judge does not reward one size or slant.
Lines CTC cannot align (fewer frames than the text needs) are left out and counted. The best
weights by validation CER are written atomically in fp16 with the release figures.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .data import BucketBatchSampler, StrokeDataset, collate
from .data.hdf5 import load_h5_info
from .recognizer import BLANK, Recognizer, RecognizerConfig, cer, ctc_feasible, misread, misread_letters
from .runstate import atomic_save
from .tune import line_repeats
from .transforms import same_stats

AUGMENT_SCALE = 0.15  # line size x U(1 - s, 1 + s)
AUGMENT_STRETCH = 0.1  # x against y, x U(1 - s, 1 + s)
AUGMENT_SHEAR = 0.25  # dx += k dy, k ~ U(-s, s): about +-14 degrees of slant
LR_FLOOR = 0.05  # the cosine schedule ends at this fraction of --lr
CLIP_NORM = 5.0  # global gradient norm: CTC gradients spike on badly aligned lines early in training
EXIT_USAGE = 2


def augment(x: torch.Tensor, mask: torch.Tensor, stats: dict, gen: torch.Generator) -> torch.Tensor:
    """Random scale, stretch and shear of each line of normalised offsets x (B, T, 3)."""
    mean, std = torch.tensor(stats["mean"], dtype=x.dtype), torch.tensor(stats["std"], dtype=x.dtype)
    B = x.shape[0]
    u = lambda s: 1 + s * (2 * torch.rand(B, 1, generator=gen) - 1)  # noqa: E731  (B, 1)
    scale, stretch = u(AUGMENT_SCALE), u(AUGMENT_STRETCH)
    shear = AUGMENT_SHEAR * (2 * torch.rand(B, 1, generator=gen) - 1)
    dx, dy = x[..., 0] * std[0] + mean[0], x[..., 1] * std[1] + mean[1]  # raw units, (B, T)
    dx, dy = scale * stretch * (dx + shear * dy), scale * dy
    out = torch.stack([(dx - mean[0]) / std[0], (dy - mean[1]) / std[1], x[..., 2]], -1)
    return out * mask[..., None]


@torch.no_grad()
def evaluate_cer(rec: Recognizer, ds: StrokeDataset, limit: int | None = None, batch_size: int = 64,
                 classes: bool = False) -> dict:
    """Greedy CER on a dataset of normalised lines (or on `limit` of them, a fixed random choice);
    classes: also the capitals and lower-case letters misread (`misread`, and per capital and digit
    `misread_letters`). ValueError if the dataset
    normalises with other statistics than the recogniser was trained on."""
    if not same_stats(ds.stats, rec.config.stats):
        raise ValueError(f"{ds.path}: its training statistics differ from the recogniser's; score it on the "
                         "data file it was trained from (or one with the same preprocessing and training lines)")
    rec.eval()
    idx = np.arange(len(ds)) if limit is None else np.random.default_rng(0).permutation(len(ds))[:limit]
    hyps, refs = [], []
    for start in range(0, len(idx), batch_size):
        batch = collate([ds[int(i)] for i in idx[start:start + batch_size]])
        logp, n = rec(batch.strokes, batch.lengths)
        hyps += [rec.decode(logp[b, : int(n[b])].argmax(-1)) for b in range(len(n))]
        refs += batch.texts
    return {"cer": cer(hyps, refs), "lines": len(refs), "examples": list(zip(hyps[:3], refs[:3])),
            **({"misread": misread(hyps, refs), "letters": misread_letters(hyps, refs)} if classes else {})}


def training_rows(feasible: np.ndarray, texts: list[str], capital_repeats: bool = False) -> np.ndarray:
    """The training lines the batches draw from, as indices: those CTC can align (`feasible`, (L,)
    bool), each once; with capital_repeats, each as many times as its rarest capital or digit needs
    (`strokes.tune.line_repeats`), and lines without one once."""
    keep = np.flatnonzero(feasible)
    if not capital_repeats:
        return keep
    return np.repeat(keep, np.maximum(1, np.asarray(line_repeats(texts), dtype=np.int64))[keep])


def train(data, out, minutes: float, batch_size: int = 32, lr: float = 1e-3, seed: int = 0, val_every: int = 200,
          val_lines: int = 400, init=None, config: dict | None = None, max_steps: int | None = None,
          val_split: str = "testset_v", progress: bool = True, capital_repeats: bool = False) -> dict:
    info = load_h5_info(data)
    train_ds = StrokeDataset(data, splits=info["train_splits"], in_memory=True)
    val_ds = StrokeDataset(data, splits=[val_split], in_memory=True)
    torch.manual_seed(seed)
    if init:
        rec = Recognizer.from_checkpoint(init)
        if rec.config.alphabet != info["alphabet"].to_dict():
            raise ValueError(f"{init}: its alphabet differs from {data}'s; train from scratch on this file")
    else:
        rec = Recognizer(RecognizerConfig(alphabet=info["alphabet"].to_dict(), stats=train_ds.stats,
                                          preprocess=train_ds.cfg.to_dict(), **(config or {})))
    ok = ctc_feasible(rec.frames(torch.as_tensor(train_ds.lengths)), train_ds.codes).numpy()
    keep = training_rows(ok, train_ds.texts, capital_repeats)
    opt = torch.optim.Adam(rec.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    sampler = BucketBatchSampler(train_ds.lengths[keep], batch_size, seed=seed)
    best, step, epoch, t0, history, nonfinite = math.inf, 0, 0, time.time(), [], 0
    deadline = t0 + 60 * minutes
    bar = tqdm(desc="recogniser", unit=" steps", disable=not progress)
    while time.time() < deadline and (max_steps is None or step < max_steps):
        sampler.set_epoch(epoch)
        for b in sampler:
            rec.train()
            done = step / max_steps if max_steps else (time.time() - t0) / (deadline - t0)
            for g in opt.param_groups:  # cosine decay over the budget, down to LR_FLOOR x lr
                g["lr"] = lr * (LR_FLOOR + (1 - LR_FLOOR) * 0.5 * (1 + math.cos(math.pi * min(done, 1.0))))
            batch = collate([train_ds[int(keep[i])] for i in b])
            x = augment(batch.strokes, batch.stroke_mask, train_ds.stats, gen)
            logp, n = rec(x, batch.lengths)
            loss = nn.functional.ctc_loss(logp.transpose(0, 1), batch.text, n, batch.text_lengths, blank=BLANK,
                                          reduction="sum") / batch.text_lengths.sum()  # nats per character
            opt.zero_grad(set_to_none=True)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(rec.parameters(), CLIP_NORM)
            if torch.isfinite(loss) and torch.isfinite(norm):
                opt.step()
            else:  # skipped, counted and reported, never masked
                nonfinite += 1
            step += 1
            bar.update()
            bar.set_postfix(loss=f"{loss.item():.3f}", best_cer=f"{best:.3f}")
            last = time.time() >= deadline or (max_steps is not None and step >= max_steps)
            if step % val_every == 0 or last:
                v = evaluate_cer(rec, val_ds, val_lines)
                history.append({"step": step, "epoch": epoch, "loss": loss.item(), "val_cer": v["cer"],
                                "minutes": (time.time() - t0) / 60})
                tqdm.write(f"step {step} epoch {epoch}: loss {loss.item():.3f} nats/char, val CER {v['cer']:.3f} "
                           f"({v['examples'][0][0]!r} for {v['examples'][0][1]!r})")
                if v["cer"] < best:
                    best = v["cer"]
                    save(rec, out, {"data": str(data), "step": step, "epoch": epoch, "val_cer_subset": best,
                                    "val_subset_lines": v["lines"], "left_out": int((~ok).sum()), "nonfinite_steps": nonfinite,
                                    "history": history})
            if last:
                break
        epoch += 1
    bar.close()
    if math.isfinite(best):  # the whole split, read by the fp16 weights as written
        final = Recognizer.from_checkpoint(out)
        full = evaluate_cer(final, val_ds)
        save(final, out, dict(final.release, val_cer=full["cer"], val_split=val_split, val_lines=full["lines"]))
        tqdm.write(f"best weights (step {final.release['step']}): {val_split} CER {full['cer']:.4f} "
                   f"over {full['lines']} lines")
    return {"steps": step, "best_val_cer": best, "left_out": int((~ok).sum()), "nonfinite_steps": nonfinite,
            "history": history}


def save(rec: Recognizer, path, release: dict) -> None:
    """fp16 weights with their config and release figures, written atomically."""
    ck = rec.checkpoint({"release": release})
    ck["model"] = {k: v.half() if v.is_floating_point() else v for k, v in ck["model"].items()}
    atomic_save(ck, path)


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump
        sys.stderr.write(f"{self.prog}: error: {message} (see --help)\n")
        sys.exit(EXIT_USAGE)


def main(argv=None) -> int:
    p = Parser(prog="python -m strokes.recognizer", description="Train or score the legibility judge: an online "
               "handwriting recogniser (conv + BLSTM + CTC) over a strokes HDF5 file.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    t = sub.add_parser("train", help="train on the file's training splits, keep the best by testset_v CER")
    t.add_argument("--data", required=True, help="strokes HDF5 file (python -m strokes.data)")
    t.add_argument("--out", required=True, help="where to write the best weights (.pt)")
    t.add_argument("--minutes", type=float, default=60.0, help="wall-clock budget (default %(default)s)")
    t.add_argument("--steps", type=int, help="stop after this many steps instead (default: the time budget)")
    t.add_argument("--batch-size", type=int, default=32)
    t.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default %(default)s)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--val-every", type=int, default=200, help="steps between validations (default %(default)s)")
    t.add_argument("--val-lines", type=int, default=400, help="testset_v lines per validation (default %(default)s)")
    t.add_argument("--val-split", default="testset_v", help="split to validate on (default %(default)s)")
    t.add_argument("--init", help="continue from a recogniser checkpoint (fresh optimiser)")
    t.add_argument("--capital-repeats", action="store_true",
                   help="repeat each training line by how rare its rarest capital or digit is (up to 20 times; "
                        "lines without one once), as train.py --tune capitals does")
    t.add_argument("--hidden-size", type=int, default=RecognizerConfig.hidden_size)
    t.add_argument("--layers", type=int, default=RecognizerConfig.layers)
    c = sub.add_parser("cer", help="greedy character error rate of a recogniser on a split")
    c.add_argument("checkpoint")
    c.add_argument("--data", required=True)
    c.add_argument("--split", default="testset_v")
    args = p.parse_args(argv)
    for path in [args.data] + ([args.init] if getattr(args, "init", None) else []):
        if not os.path.isfile(path):
            sys.stderr.write(f"{p.prog}: error: {path}: no such file; give a strokes HDF5 file / checkpoint\n")
            return EXIT_USAGE
    try:
        if args.cmd == "train":
            folder = os.path.dirname(os.path.abspath(args.out))
            if not os.path.isdir(folder):
                sys.stderr.write(f"{p.prog}: error: cannot write {args.out}: no folder {folder}\n")
                return EXIT_USAGE
            r = train(args.data, args.out, args.minutes, args.batch_size, args.lr, args.seed, args.val_every,
                      args.val_lines, args.init, {"hidden_size": args.hidden_size, "layers": args.layers},
                      args.steps, args.val_split, capital_repeats=args.capital_repeats)
            print(f"{r['steps']} steps ({r['nonfinite_steps']} skipped for a non-finite loss); best "
                  f"{args.val_split} CER (subset) {r['best_val_cer']:.3f}; {r['left_out']} lines CTC cannot align "
                  f"left out; wrote {args.out}")
        else:
            rec = Recognizer.from_checkpoint(args.checkpoint)
            ds = StrokeDataset(args.data, splits=[args.split], in_memory=True,
                               preprocess=rec.preprocess)
            r = evaluate_cer(rec, ds)
            print(f"{args.split}: CER {r['cer']:.4f} over {r['lines']} lines (greedy decoding)")
    except ValueError as e:
        sys.stderr.write(f"{p.prog}: error: {str(e).splitlines()[0]}\n")
        return EXIT_USAGE
    return 0
