#!/usr/bin/env python3
"""Train Graves' handwriting prediction or synthesis network (Graves 2013) on a strokes HDF5 file.

    python train.py --data data/iam.h5 --model synthesis --out runs/synth --epochs 30
    torchrun --nproc_per_node 4 train.py --data data/iam.h5 --model synthesis --out runs/synth --epochs 30

See strokes/training.py for what is optimised, clipped, logged and checkpointed.
"""
from __future__ import annotations

import argparse
import os
import sys

DESCRIPTION = """\
Train Graves' (2013) handwriting prediction network (section 4) or synthesis network (section 5)
on a strokes HDF5 file (make one with `python -m strokes.data iam ../shared/datasets/iam-ondb --out data/iam.h5`).

Losses are in the paper's units: nats per line (mean over lines, as in Graves' tables 3 and 4) and
nats per point. Training lines are the file's training splits (IAM: trainset + testset_t +
testset_f); validation runs on testset_v after every epoch, or every --val-every steps.

The run folder --out gets:
  metrics.jsonl  one JSON object per line: type=train (step, epoch, nats_per_line, nats_per_point,
                 grad_norm, lr, timesteps_per_s), type=val (nats_per_line, nats_per_point, best),
                 type=nonfinite (a skipped step), start/resume/interrupted/end
  last.pt        every --checkpoint-every steps, at the end, and on Ctrl-C / SIGTERM
  best.pt        the checkpoint with the lowest validation NLL per line
  snapshots/     with --snapshot-every N: the model alone every N steps, step-NNNNNNN.pt, to
                 average with `python -m strokes.evaluate average` (not in Graves)
Checkpoints hold the model with its config, alphabet and statistics (strokes.models.load_checkpoint
rebuilds it from the file alone), the optimiser, RNG states and the data position: --resume
continues exactly where the run stopped.

Under `torchrun --nproc_per_node N` the same command trains with DistributedDataParallel (NCCL on
GPUs, gloo on CPU); --batch-size stays the global batch.
"""

EXIT_USAGE, EXIT_FAILED = 2, 1


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage dump: the problem and where to look
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_USAGE)


def positive_int(s: str) -> int:
    try:
        v = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not an integer") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{s} must be at least 1")
    return v


def positive_float(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{s!r} is not a number") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{s} must be > 0")
    return v


def build_parser() -> argparse.ArgumentParser:
    from strokes.training import DEFAULT_LR, OPTIMIZERS, PRECISIONS, TrainConfig
    from strokes.tune import TUNE_CHOICES

    d = TrainConfig()
    p = Parser(prog="train.py", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    g = p.add_argument_group("run")
    g.add_argument("--data", required=True, help="strokes HDF5 file, e.g. data/iam.h5")
    g.add_argument("--model", choices=("synthesis", "prediction"), default=d.model,
                   help="network: synthesis (text-conditioned, section 5) or prediction (section 4); "
                        "default %(default)s")
    g.add_argument("--out", required=True, help="run folder, e.g. runs/NAME (metrics.jsonl, last.pt, best.pt)")
    length = g.add_mutually_exclusive_group()
    length.add_argument("--steps", type=positive_int, help="stop after this many steps (batches) in total")
    length.add_argument("--epochs", type=positive_int, help="stop after this many epochs in total "
                                                             "(neither: train until Ctrl-C, which saves last.pt)")
    g.add_argument("--resume", action="store_true",
                   help="continue the run in --out from last.pt (model, optimiser, RNG, data position); the "
                        "model, optimiser, --lr, --batch-size, --seed and clipping come from the checkpoint; "
                        "--steps/--epochs are totals, so raise them to train longer; --lr-decay, --precision and the "
                        "intervals below keep the run's values unless given again")
    g.add_argument("--init", metavar="CHECKPOINT",
                   help="start a new run from this checkpoint's model (e.g. strokes/weights/synthesis.pt, the "
                        "shipped weights): its architecture, alphabet, statistics and weights; a fresh optimiser. "
                        "--data must have the same alphabet and statistics (same preprocessing)")
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default=d.device,
                   help="default %(default)s: CUDA when present, else CPU")
    g.add_argument("--seed", type=int, default=d.seed, help="initialisation and batch order; default %(default)s")

    o = p.add_argument_group("optimisation")
    o.add_argument("--batch-size", type=positive_int, default=d.batch_size,
                   help="lines per step, global across processes; default %(default)s")
    o.add_argument("--optimizer", choices=OPTIMIZERS, default=d.optimizer,
                   help="rmsprop-graves: Graves eqs. 38-41 (decay 0.95, momentum 0.9, eps 1e-4); "
                        "adam: torch.optim.Adam; default %(default)s")
    o.add_argument("--lr", type=positive_float,
                   help="learning rate; default " + ", ".join(f"{v:g} for {k}" for k, v in DEFAULT_LR.items()))
    o.add_argument("--lr-decay", type=positive_float,
                   help=f"multiply the learning rate by this every epoch (lr x decay^epoch; Graves: 1, "
                        f"constant); unlike --lr it may change on --resume; default {d.lr_decay:g}")
    o.add_argument("--clip-output", type=positive_float, default=d.clip_output,
                   help="clamp per-line derivatives at the output layer to +-this; default %(default)g (Graves)")
    o.add_argument("--clip-lstm", type=positive_float, default=d.clip_lstm,
                   help="clamp per-line derivatives at the LSTM outputs to +-this; default %(default)g (Graves)")
    o.add_argument("--clip-norm", type=positive_float,
                   help="also clip the global gradient norm to this (off by default)")
    o.add_argument("--capital-weight", type=positive_float, default=d.capital_weight, metavar="W",
                   help="weight W on the NLL of points written while the window is on a capital letter or "
                        "digit (rare in IAM, and the characters samples most often get wrong); not in Graves, "
                        "whose loss is the plain NLL (W = 1); validation stays unweighted; synthesis only; "
                        "default %(default)g")
    o.add_argument("--tune", choices=TUNE_CHOICES, default=d.tune,
                   help="all: every weight learns (Graves); capitals: only the capitals' and digits' columns of "
                        "the window input in every LSTM layer learn, everything else frozen, on the training "
                        "lines that hold a capital or digit, rare ones repeated (strokes.tune; not in Graves). "
                        "Text without capitals or digits is then written exactly as before; use with --init; "
                        "default %(default)s")
    o.add_argument("--precision", choices=PRECISIONS,
                   help="fp32, or bf16: the matmuls of the training step in bfloat16 under autocast (about "
                        "1.4x faster on CPUs with AVX512-BF16 or AMX, and on recent GPUs); weights, cell "
                        "states, loss, optimiser and validation stay fp32; may change on --resume; "
                        f"default {d.precision}")
    o.add_argument("--cuda-graphs", action=argparse.BooleanOptionalAction,
                   help="on a GPU, replay layer 1 + window's per-step loops as CUDA graphs, one per padded "
                        "batch shape (several times faster: the loop is launch-bound); no effect on the CPU "
                        "or under torchrun; may change on --resume; default on")
    o.add_argument("--max-nonfinite", type=positive_int,
                   help="non-finite losses/gradients in a row (each step skipped) that stop the run; "
                        f"default {d.max_nonfinite}")

    m = p.add_argument_group("model (new runs; a resumed run keeps its checkpoint's)")
    m.add_argument("--layers", type=positive_int, default=d.layers, help="LSTM layers; default %(default)s")
    m.add_argument("--hidden-size", type=positive_int, default=d.hidden_size,
                   help="LSTM cells per layer; default %(default)s")
    m.add_argument("--components", type=positive_int, default=d.components,
                   help="M, bivariate Gaussians in the output mixture; default %(default)s")
    m.add_argument("--window-components", type=positive_int, default=d.window_components,
                   help="K, Gaussians in the synthesis window; default %(default)s")

    v = p.add_argument_group("validation, checkpoints, logging (on --resume, the run's own unless given)")
    v.add_argument("--val-every", type=int,
                   help="validate every N steps; 0 = after every epoch (default)")
    v.add_argument("--val-batch-size", type=positive_int, help=f"default {d.val_batch_size}")
    v.add_argument("--checkpoint-every", type=positive_int,
                   help=f"write last.pt every N steps; default {d.checkpoint_every}")
    v.add_argument("--snapshot-every", type=int,
                   help="keep the model alone every N steps in snapshots/ for weight averaging; "
                        "0 = off (default)")
    v.add_argument("--log-every", type=positive_int,
                   help=f"steps per metrics.jsonl training row; default {d.log_every}")
    v.add_argument("--num-workers", type=int,
                   help=f"DataLoader worker processes; default {d.num_workers}")
    v.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    return p


def saved_settings(out: str) -> dict:
    """strokes.training.SETTABLE fields of the run in `out`, which --resume keeps unless given again
    (empty if there is none or it cannot be read: the trainer then reports the problem)."""
    from strokes.models import read_checkpoint
    from strokes.training import SETTABLE
    try:
        saved = read_checkpoint(os.path.join(out, "last.pt")).get("train_config", {})
    except Exception:
        return {}
    return {k: saved[k] for k in SETTABLE if k in saved}


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from strokes.training import SETTABLE, TrainConfig
    defaults = {**{k: getattr(TrainConfig, k) for k in SETTABLE}, **(saved_settings(args.out) if args.resume else {})}
    for k in SETTABLE:
        if getattr(args, k) is None:
            setattr(args, k, defaults[k])
    if args.val_every < 0 or args.num_workers < 0 or args.snapshot_every < 0:
        sys.stderr.write("train.py: error: --val-every, --snapshot-every and --num-workers must be >= 0 "
                         "(see train.py --help)\n")
        return EXIT_USAGE
    if args.resume and args.init:
        sys.stderr.write("train.py: error: --resume continues a run, --init starts one: pass only one "
                         "(see train.py --help)\n")
        return EXIT_USAGE
    from strokes.training import NonFiniteError, TrainConfig, UsageError, train

    cfg = TrainConfig(data=args.data, model=args.model, out=args.out, steps=args.steps, epochs=args.epochs,
                      batch_size=args.batch_size, lr=args.lr, lr_decay=args.lr_decay, optimizer=args.optimizer, device=args.device,
                      seed=args.seed, layers=args.layers, hidden_size=args.hidden_size,
                      components=args.components, window_components=args.window_components,
                      clip_output=args.clip_output, clip_lstm=args.clip_lstm, clip_norm=args.clip_norm,
                      capital_weight=args.capital_weight, tune=args.tune,
                      precision=args.precision, cuda_graphs=args.cuda_graphs,
                      val_every=args.val_every, val_batch_size=args.val_batch_size,
                      checkpoint_every=args.checkpoint_every, snapshot_every=args.snapshot_every,
                      log_every=args.log_every,
                      max_nonfinite=args.max_nonfinite, num_workers=args.num_workers, init=args.init)
    try:
        summary = train(cfg, resume=args.resume, progress=not args.no_progress)
    except UsageError as e:
        sys.stderr.write(f"train.py: error: {e}\n")
        return EXIT_USAGE
    except NonFiniteError as e:
        sys.stderr.write(f"train.py: stopped: {e}\n")
        return EXIT_FAILED
    if os.environ.get("RANK", "0") != "0":  # under torchrun, rank 0 speaks for the run
        return 0 if summary["status"] == "finished" else 128 + int(summary["signal"] or 2)
    if summary["status"] == "interrupted":
        sig = summary["signal"]
        sys.stderr.write(f"train.py: interrupted at step {summary['step']}; saved {args.out}/last.pt; "
                         f"continue with --resume\n")
        return 128 + int(sig) if sig is not None else 130
    best = summary["best_val"]
    best = f"best validation {best:.1f} nats/line" if best != float("inf") else "no validation yet"
    print(f"train.py: finished at step {summary['step']} (epoch {summary['epoch']}); {best}; "
          f"skipped {summary['nonfinite_total']} non-finite steps; checkpoints in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
