"""Training Graves' handwriting networks: the loop behind train.py (Graves 2013, sections 4-5).

Loss (eq. 26): the negative log-likelihood of every target point, summed over the line. Reported
in the paper's units: nats per line (Graves' tables 3 and 4, mean over lines) and nats per point.
The optimised loss is the mean over the global batch of the per-line NLL (+ model.penalty()).

Clipping (Graves section 4): the derivatives of the per-line loss with respect to the raw output
layer (the 6M + 1 mixture parameters) are clamped to [-clip_output, clip_output] (100), and those
with respect to each LSTM layer's output sequence h^n, as they arrive from the layers above and
the output layer, to [-clip_lstm, clip_lstm] (10). Graves clamps the derivatives at the LSTM
pre-activations, including the recurrent ones; fused nn.LSTM layers do not expose those, so this is
the stated approximation. "Per line" means the hooks clamp at limit x world_size / global_batch,
the scale of one line's gradient in the batch-mean loss. Optional global-norm clipping comes after.

Capitals (not in Graves; off by default): capital_weight W != 1 weights each point's NLL by
1 + (W - 1) x the window's share on capitals and digits; tune="capitals" lets only their window
columns learn, on the lines that hold them (both in strokes.tune).

Robustness: a non-finite loss or gradient norm skips the update (nothing is masked: one NaN point
makes the whole loss NaN), is counted and logged; `max_nonfinite` in a row stop the run with
NonFiniteError and no checkpoint is written during such a streak, so last.pt stays the last good
state. SIGINT/SIGTERM write last.pt and stop after the current step. What a checkpoint holds, and
how a resumed run replays the same batches bit for bit, is in strokes.runstate.

Distributed: under torchrun (WORLD_SIZE > 1) the model is wrapped in DistributedDataParallel (NCCL
on GPU, gloo on CPU). Every rank builds the same global batches of `batch_size` lines and takes
lines rank, rank + R, ...; each rank's loss is scaled by R / global lines so DDP's gradient average
equals the single-process gradient of the same global batch.
"""
from __future__ import annotations

import math
import os
import signal
import time
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
import torch.distributed as dist

from .attention import capitals_and_digits
from .data import BucketBatchSampler, StrokeDataset, collate
from .models import PredictionConfig, SynthesisConfig, build_model, config_to_dict, read_checkpoint
from .optim import DEFAULT_LR, OPTIMIZERS, Regulariser, make_optimizer
from .recurrence import cuda_graphs_paused, use_cuda_graphs
from .runstate import append_metrics, atomic_save, model_entry, rng_state, save_snapshot, set_rng_state
from .transforms import same_stats
from .tune import TUNE_CHOICES, RepeatedLines, emphasis_weights, freeze_for_capitals, line_repeats

__all__ = ["TrainConfig", "Trainer", "train", "UsageError", "NonFiniteError", "Regulariser", "OPTIMIZERS",
           "DEFAULT_LR", "PRECISIONS", "SETTABLE"]  # Regulariser: the hook Trainer(regularisers=...) takes

PRECISIONS = ("fp32", "bf16")


ARCHITECTURE = ("layers", "hidden_size", "components", "window_components")  # TrainConfig fields a model config fixes
# Fields a resumed run takes from its checkpoint (they define the run); the others (data, out,
# steps, epochs, device and the SETTABLE ones) come from the command line.
RUN_IDENTITY = ("model", "batch_size", "lr", "optimizer", "seed", *ARCHITECTURE, "clip_output", "clip_lstm",
                "clip_norm", "val_splits", "train_splits", "capital_weight", "tune")
# Fields a run may change between sessions: train.py keeps the run's own values when --resume leaves them out.
SETTABLE = ("lr_decay", "precision", "max_nonfinite", "val_every", "val_batch_size", "checkpoint_every",
            "snapshot_every", "log_every", "num_workers", "cuda_graphs")
GRAPH_T_MULTIPLE = 32  # with CUDA graphs, batches are padded to a multiple of this many steps ...
GRAPH_U_MULTIPLE = 16  # ... and characters, so a few hundred graphs cover every IAM batch shape


def autocast(device_type: str, precision: str):
    """The training step's precision: "bf16" runs its matmuls in bfloat16 under torch.autocast
    (strokes.models keeps cell states and the window position in fp32); "fp32" changes nothing."""
    return torch.autocast(device_type, dtype=torch.bfloat16, enabled=precision == "bf16")


class UsageError(Exception):
    """Bad input the user can fix (one line: the problem and the fix). train.py exits 2."""


class NonFiniteError(RuntimeError):
    """Too many non-finite losses or gradients in a row."""


@dataclass
class TrainConfig:
    data: str = "data/iam.h5"
    model: str = "synthesis"  # "synthesis" or "prediction"
    out: str = "runs/default"
    steps: int | None = None  # total optimiser steps (batches); with neither steps nor epochs: until stopped
    epochs: int | None = None  # total passes over the training lines
    batch_size: int = 64  # global batch, in lines, across all processes
    lr: float | None = None  # None = DEFAULT_LR[optimizer]
    optimizer: str = "rmsprop-graves"
    device: str = "auto"  # auto = cuda when available, else cpu
    seed: int = 0
    layers: int = 3
    hidden_size: int = 400
    components: int = 20  # M
    window_components: int = 10  # K (synthesis)
    lr_decay: float = 1.0  # lr x lr_decay ** epoch (not Graves: he keeps lr fixed); settable on --resume
    clip_output: float = 100.0  # per-line derivative clamp at the output layer (Graves)
    clip_lstm: float = 10.0  # per-line derivative clamp at the LSTM outputs (Graves)
    clip_norm: float | None = None  # optional global gradient-norm clip
    capital_weight: float = 1.0  # NLL weight of points written on capitals and digits (1 = Graves; synthesis only)
    tune: str = "all"  # "capitals": only capitals' and digits' window columns learn, on lines holding them (strokes.tune)
    val_every: int = 0  # validate every N steps; 0 = at the end of every epoch
    val_batch_size: int = 64
    checkpoint_every: int = 500  # write last.pt every N steps (and at the end, and on SIGINT/SIGTERM)
    snapshot_every: int = 0  # also keep the model alone as snapshots/step-N.pt every N steps (0 = off)
    log_every: int = 10  # steps per metrics.jsonl training row
    max_nonfinite: int = 20  # consecutive skipped steps that stop the run
    val_splits: tuple = ("testset_v",)  # Graves validates on IAM-OnDB testset_v
    train_splits: tuple | None = None  # None = the data file's training splits
    num_workers: int = 0  # DataLoader worker processes
    init: str | None = None  # new run starting from this checkpoint's model (architecture and weights)
    precision: str = "fp32"  # "bf16": training matmuls in bfloat16 under autocast (not Graves); settable on --resume
    cuda_graphs: bool = True  # on a GPU, layer 1 + window loops replay CUDA graphs (strokes.recurrence); settable

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    def lr_at(self, epoch: int) -> float:
        """The learning rate during an epoch: learning_rate x lr_decay ** epoch."""
        return self.learning_rate * self.lr_decay ** epoch


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """--device: "auto" is CUDA when available, else the CPU; UsageError for CUDA without a GPU."""
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda":
        if not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA device is available; use --device cpu or auto")
        return torch.device("cuda", local_rank)
    if name != "cpu":
        raise UsageError(f"--device {name}: unknown device; use auto, cpu or cuda")
    return torch.device("cpu")


# --------------------------------------------------------------------------- trainer

class Trainer:
    """One training run. `Trainer(cfg).run()`; datasets can be passed in (tests do)."""

    def __init__(self, cfg: TrainConfig, train_set=None, val_set=None, resume: bool = False,
                 progress: bool = True, regularisers=()):
        self.cfg, self.progress = cfg, progress
        self.regularisers = list(regularisers)
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = resolve_device(cfg.device, int(os.environ.get("LOCAL_RANK", "0")))
        self.out = Path(cfg.out)
        self.last_path, self.best_path = self.out / "last.pt", self.out / "best.pt"
        if cfg.model not in ("synthesis", "prediction"):
            raise UsageError(f"--model {cfg.model}: unknown; use synthesis or prediction")
        if cfg.optimizer not in OPTIMIZERS:
            raise UsageError(f"--optimizer {cfg.optimizer}: unknown; use one of {', '.join(OPTIMIZERS)}")
        if cfg.batch_size < self.world:
            raise UsageError(f"--batch-size {cfg.batch_size} is smaller than the {self.world} processes; "
                             "the batch size is global: raise it")
        if cfg.precision not in PRECISIONS:
            raise UsageError(f"--precision {cfg.precision}: unknown; use one of {', '.join(PRECISIONS)}")
        if cfg.precision == "bf16" and self.device.type == "cuda" and not torch.cuda.is_bf16_supported():
            raise UsageError("--precision bf16: this GPU has no bfloat16; use --precision fp32")
        if cfg.capital_weight != 1.0 and cfg.model != "synthesis":
            raise UsageError("--capital-weight needs the synthesis model's window (--model synthesis); drop it")
        if cfg.tune not in TUNE_CHOICES:
            raise UsageError(f"--tune {cfg.tune}: unknown; use one of {', '.join(TUNE_CHOICES)}")
        if cfg.tune != "all" and cfg.model != "synthesis":
            raise UsageError(f"--tune {cfg.tune} needs the synthesis model's window (--model synthesis); drop it")
        if not cfg.capital_weight > 0:
            raise UsageError(f"--capital-weight {cfg.capital_weight}: must be > 0 (1 = Graves' plain NLL)")
        ckpt = None
        if resume:
            if not self.last_path.exists():
                raise UsageError(f"--resume: no checkpoint {self.last_path}; drop --resume to start a new run")
            try:
                ckpt = read_checkpoint(self.last_path)
            except Exception as e:  # a truncated or foreign file: say which, not a traceback
                raise UsageError(f"--resume: cannot read {self.last_path} ({str(e) or e.__class__.__name__}); "
                                 "restore it from best.pt or start a new run in another --out") from None
            saved = ckpt["train_config"]  # (runs older than a field keep the field's default)
            self.cfg = cfg = replace(cfg, **{k: saved[k] for k in RUN_IDENTITY if k in saved})
        elif self.last_path.exists():
            raise UsageError(f"{self.out} already holds a run ({self.last_path}); pass --resume to continue it "
                             "or choose another --out")

        self.train_set = train_set if train_set is not None else self._open(cfg.train_splits)
        self.val_set = val_set if val_set is not None else self._open(cfg.val_splits)
        if ckpt is not None:
            mcfg = ckpt["model_config"]
            self._check_data_matches(mcfg, f"the run in {self.out} was trained with")
        elif cfg.init:
            init = self._read_init(cfg.init)
            mcfg = init["model_config"]
            if mcfg["kind"] != cfg.model:
                raise UsageError(f"--init {cfg.init} holds a {mcfg['kind']} network, not {cfg.model}; "
                                 f"pass --model {mcfg['kind']}")
            self._check_data_matches(mcfg, f"the checkpoint {cfg.init} was trained with")
        else:
            mcfg = config_to_dict(self._model_config())
        # record the architecture the run trains (an --init or resumed model's), not --layers/--hidden-size
        self.cfg = cfg = replace(cfg, **{k: mcfg[k] for k in ARCHITECTURE if k in mcfg})
        torch.manual_seed(cfg.seed)
        self.model = build_model(mcfg).to(self.device)
        if ckpt is None and cfg.init:  # fp16 release weights load into the fp32 model
            self.model.load_state_dict(init["model"])
        params = self.model.parameters()
        if cfg.tune == "capitals":  # the rest frozen; lines holding capitals or digits, rare ones repeated
            params = freeze_for_capitals(self.model)
            try:
                self.train_set = RepeatedLines(self.train_set, line_repeats(self.train_set.texts))
            except ValueError as e:
                raise UsageError(f"--tune capitals: {e}") from None
        self.optimizer = make_optimizer(cfg.optimizer, params, cfg.learning_rate)
        self.emphasised = None  # (A,) bool: the alphabet's capitals and digits, when capital_weight != 1
        if cfg.capital_weight != 1.0:
            self.emphasised = capitals_and_digits(self.train_set.alphabet.symbols).to(self.device)
        self.step = self.epoch = self.batch_pos = self.updates = 0
        self.best_val = math.inf
        self.nonfinite_total = self.nonfinite_run = 0
        if ckpt is not None:
            self._restore(ckpt)
        self.ddp = self.model
        if self.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP
            self.ddp = DDP(self.model, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        self._stop_signal = None
        self.resumed = ckpt is not None
        # CUDA graphs need each backward to follow its own forward in one process: not under DDP
        self.graphs = cfg.cuda_graphs and self.device.type == "cuda" and self.world == 1
        use_cuda_graphs(self.graphs)

    # ------------------------------------------------------------------ setup

    def _open(self, splits):
        path = Path(self.cfg.data)
        if not path.exists():
            raise UsageError(f"--data {path}: no such file; make it with "
                             f"`python -m strokes.data iam ../shared/datasets/iam-ondb --out {path}`")
        from .data import FormatError

        try:
            if splits is None:
                from .data import load_h5_info
                splits = tuple(load_h5_info(path)["train_splits"])
            return StrokeDataset(path, splits=tuple(splits), in_memory=True)
        except (FormatError, ValueError) as e:
            raise UsageError(f"--data {path}: {str(e).removeprefix(str(path) + ': ')}") from None

    @staticmethod
    def _read_init(path) -> dict:
        try:
            return read_checkpoint(path)
        except Exception as e:  # missing, truncated or foreign file
            reason = (str(e).splitlines() or [type(e).__name__])[0][:200]
            raise UsageError(f"--init {path}: cannot read checkpoint ({reason}); pass a .pt written by train.py "
                             "or strokes.evaluate export") from None

    def _check_data_matches(self, mcfg: dict, whose: str) -> None:
        ds = self.train_set
        if mcfg["alphabet"] != ds.alphabet.to_dict() or not same_stats(mcfg["stats"], ds.stats):
            raise UsageError(f"--data {self.cfg.data}: its alphabet or statistics differ from those {whose}; "
                             "use a data file made with the same preprocessing (see its model_config.preprocess)")

    def _model_config(self) -> PredictionConfig:
        c, ds = self.cfg, self.train_set
        common = dict(layers=c.layers, hidden_size=c.hidden_size, components=c.components,
                      alphabet=ds.alphabet.to_dict(), stats=dict(ds.stats), preprocess=ds.cfg.to_dict())
        if c.model == "synthesis":
            return SynthesisConfig(**common, window_components=c.window_components, alphabet_size=len(ds.alphabet))
        return PredictionConfig(**common)

    def _restore(self, ckpt: dict) -> None:
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        pos = ckpt["position"]
        self.step, self.epoch, self.batch_pos, self.updates = pos["step"], pos["epoch"], pos["batch"], pos["updates"]
        self.best_val = ckpt["best_val"]
        self.nonfinite_total = ckpt["nonfinite_total"]
        set_rng_state(ckpt["rng"])

    def checkpoint(self) -> dict:
        entry = model_entry(self.model)
        mcfg = entry["model_config"]
        return {**entry,
                "optimizer": self.optimizer.state_dict(), "train_config": asdict(self.cfg),
                "position": {"step": self.step, "epoch": self.epoch, "batch": self.batch_pos,
                             "updates": self.updates},
                "best_val": self.best_val, "nonfinite_total": self.nonfinite_total, "rng": rng_state(),
                "alphabet": mcfg["alphabet"], "stats": mcfg["stats"], "preprocess": mcfg["preprocess"]}

    def save(self, path: Path) -> None:
        if self.rank == 0:
            atomic_save(self.checkpoint(), path)

    def save_snapshot(self) -> None:
        """The model alone at this step, for `python -m strokes.evaluate average` (weight averaging)."""
        if self.rank == 0:
            save_snapshot(self.model, self.out, self.step, self.epoch)

    def log(self, row: dict) -> None:
        """Append one row to metrics.jsonl (strict JSON: non-finite numbers are written as "nan"/"inf")."""
        if self.rank == 0:
            append_metrics(self.out / "metrics.jsonl", row)

    def _all_sum(self, values: list[float]) -> list[float]:
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.world > 1:
            dist.all_reduce(t)
        return t.tolist()

    # ------------------------------------------------------------------ batches

    def epoch_batches(self, epoch: int) -> list[list[int]]:
        """The global batches of an epoch: deterministic in (seed, epoch), identical on every rank."""
        sampler = BucketBatchSampler(self.train_set.lengths, self.cfg.batch_size, shuffle=True, seed=self.cfg.seed)
        sampler.set_epoch(epoch)
        return [b for b in sampler.batches() if len(b) >= self.world]  # every rank needs one line

    def _loader(self, batches):
        return torch.utils.data.DataLoader(self.train_set, batch_sampler=batches, collate_fn=collate,
                                           num_workers=self.cfg.num_workers)

    # ------------------------------------------------------------------ one step

    def forward_backward(self, batch, global_lines: int):
        """Loss and gradients of one batch (this rank's lines of a global batch of global_lines).

        Returns this rank's summed NLL in nats (a detached tensor) and the gradient norm.
        """
        cfg, model = self.cfg, self.model
        model.train()
        scale = self.world / global_lines  # d(batch-mean loss) = scale x d(one line's loss), per rank
        self.optimizer.zero_grad(set_to_none=True)
        for r in self.regularisers:
            r.before_forward(model)
        x, y, mask = batch.strokes[:, :-1], batch.strokes[:, 1:], batch.stroke_mask[:, 1:]  # (B, T-1, 3)
        # bf16: matmuls (LSTM gates, window, output layer) in bfloat16; weights, LSTM cell states, the
        # window position, the loss and the optimiser stay fp32 (strokes.models.SynthesisNetwork.forward)
        cond = dict(text=batch.text, text_mask=batch.text_mask)
        if self.emphasised is not None:
            cond["return_phi"] = True
        with autocast(self.device.type, cfg.precision):
            out = self.ddp(x, lstm_grad_clip=cfg.clip_lstm * scale, **cond)
        limit = cfg.clip_output * scale
        out.raw.register_hook(lambda g: g.clamp(-limit, limit))  # output-layer derivatives, per line
        lp = model.distribution(out.raw.float()).log_prob(y, mask=mask)  # (B, T-1) nats in fp32; NaN stays NaN
        nll = -lp.sum()
        loss = nll
        if self.emphasised is not None:
            weights = emphasis_weights(out.phi.detach().float(), batch.text, self.emphasised, cfg.capital_weight)
            loss = -(lp * weights).sum()
        penalty = model.penalty() + sum(r.penalty(model) for r in self.regularisers)
        (loss * scale + penalty).backward()
        for r in self.regularisers:
            r.after_backward(model)
        params = [p for p in model.parameters() if p.grad is not None]
        if cfg.clip_norm:
            gnorm = torch.nn.utils.clip_grad_norm_(params, cfg.clip_norm)
        else:
            gnorm = torch.nn.utils.get_total_norm([p.grad for p in params])
        return nll.detach(), gnorm

    def train_step(self, batch, global_lines: int) -> dict:
        """Forward, backward, guard, update. Returns the step's global sums and status."""
        nll, gnorm = self.forward_backward(batch, global_lines)
        mask = batch.stroke_mask[:, 1:]
        stop = 1.0 if self._stop_signal is not None else 0.0
        total, points, lines, stop = self._all_sum([nll.item(), float(mask.sum()), float(len(batch)), stop])
        gnorm = float(gnorm)  # DDP has averaged the gradients: the same on every rank
        ok = math.isfinite(total) and math.isfinite(gnorm)
        if ok:
            self.optimizer.step()
            self.updates += 1
        else:
            self.optimizer.zero_grad(set_to_none=True)
        return {"nll": total, "points": points, "lines": lines, "grad_norm": gnorm, "ok": ok, "stop": stop > 0}

    # ------------------------------------------------------------------ validation

    @torch.no_grad()
    def validate(self) -> dict:
        """NLL on the validation lines (sharded over ranks, summed): nats per line and per point."""
        model = self.model
        model.eval()
        sampler = BucketBatchSampler(self.val_set.lengths, self.cfg.val_batch_size, shuffle=False)
        batches = sampler.batches()[self.rank::self.world]
        loader = torch.utils.data.DataLoader(self.val_set, batch_sampler=batches, collate_fn=collate,
                                             num_workers=self.cfg.num_workers)
        total = points = lines = 0.0
        with cuda_graphs_paused():  # one pass over unpadded shapes: capturing graphs for it would not pay
            for batch in loader:
                batch = batch.to(self.device)
                x, y, mask = batch.strokes[:, :-1], batch.strokes[:, 1:], batch.stroke_mask[:, 1:]
                out = model(x, text=batch.text, text_mask=batch.text_mask)
                total += -float(model.distribution(out.raw).log_prob(y, mask=mask).sum())
                points += float(mask.sum())
                lines += len(batch)
        total, points, lines = self._all_sum([total, points, lines])
        return {"nats_per_line": total / max(lines, 1), "nats_per_point": total / max(points, 1),
                "lines": int(lines)}

    def _validate_and_keep_best(self) -> dict:
        v = self.validate()
        best = math.isfinite(v["nats_per_line"]) and v["nats_per_line"] < self.best_val
        if best:
            self.best_val = v["nats_per_line"]
        self.log({"type": "val", "step": self.step, "epoch": self.epoch, "splits": list(self.cfg.val_splits),
                  **v, "best": best})
        if best:
            self.save(self.best_path)
        return v

    # ------------------------------------------------------------------ the loop

    def _done(self) -> bool:
        c = self.cfg
        return (c.steps is not None and self.step >= c.steps) or (c.epochs is not None and self.epoch >= c.epochs)

    def _on_signal(self, signum, frame):
        self._stop_signal = signum

    def run(self) -> dict:
        """Train until steps/epochs are reached or a signal arrives. Returns a summary dict."""
        if self.rank == 0:
            self.out.mkdir(parents=True, exist_ok=True)
        self.log({"type": "resume" if self.resumed else "start", "step": self.step, "world_size": self.world,
                  "device": str(self.device), "config": asdict(self.cfg),
                  "parameters": sum(p.numel() for p in self.model.parameters())})
        handlers = {}
        if self._main_thread():
            for s in (signal.SIGINT, signal.SIGTERM):
                handlers[s] = signal.signal(s, self._on_signal)
        try:
            status = self._loop()
        finally:
            for s, h in handlers.items():
                signal.signal(s, h)
        self.log({"type": "end", "status": status, "step": self.step, "updates": self.updates,
                  "nonfinite_total": self.nonfinite_total, "best_val_nats_per_line": self.best_val})
        return {"status": status, "step": self.step, "epoch": self.epoch, "updates": self.updates,
                "best_val": self.best_val, "nonfinite_total": self.nonfinite_total,
                "signal": self._stop_signal}

    @staticmethod
    def _main_thread() -> bool:
        import threading
        return threading.current_thread() is threading.main_thread()

    def _loop(self) -> str:
        cfg = self.cfg
        total_steps = cfg.steps
        if total_steps is None and cfg.epochs is not None:
            total_steps = cfg.epochs * len(self.epoch_batches(0))
        from tqdm import tqdm

        bar = tqdm(total=total_steps, initial=self.step, unit="step", dynamic_ncols=True,
                   disable=not self.progress or self.rank != 0)
        acc = {"nll": 0.0, "points": 0.0, "lines": 0.0, "t0": time.perf_counter()}
        try:
            while not self._done():
                batches = self.epoch_batches(self.epoch)
                for batch in self._loader([b[self.rank::self.world] for b in batches[self.batch_pos:]]):
                    global_lines = len(batches[self.batch_pos])
                    for group in self.optimizer.param_groups:
                        group["lr"] = cfg.lr_at(self.epoch)
                    batch = batch.to(self.device)
                    if self.graphs:  # few distinct shapes, so few graphs to capture
                        batch = batch.padded(GRAPH_T_MULTIPLE, GRAPH_U_MULTIPLE)
                    res = self.train_step(batch, global_lines)
                    self.step += 1
                    self.batch_pos += 1
                    bar.update(1)
                    self._account(res, acc, bar)
                    if cfg.val_every and self.step % cfg.val_every == 0:
                        self._validate_and_keep_best()
                    if res["stop"]:
                        self.save(self.last_path)
                        self.log({"type": "interrupted", "step": self.step, "signal": self._stop_signal})
                        return "interrupted"
                    if cfg.checkpoint_every and self.step % cfg.checkpoint_every == 0 and self.nonfinite_run == 0:
                        self.save(self.last_path)
                    if cfg.snapshot_every and self.step % cfg.snapshot_every == 0 and self.nonfinite_run == 0:
                        self.save_snapshot()
                    if self._done():
                        break
                if self.batch_pos >= len(batches):
                    self.epoch += 1
                    self.batch_pos = 0
                    if not cfg.val_every:
                        self._validate_and_keep_best()
        finally:
            bar.close()
        if self.nonfinite_run == 0:
            self.save(self.last_path)
        return "finished"

    def _account(self, res: dict, acc: dict, bar) -> None:
        cfg = self.cfg
        if not res["ok"]:
            self.nonfinite_total += 1
            self.nonfinite_run += 1
            self.log({"type": "nonfinite", "step": self.step, "loss": res["nll"], "grad_norm": res["grad_norm"],
                      "consecutive": self.nonfinite_run, "total": self.nonfinite_total})
            if self.nonfinite_run >= cfg.max_nonfinite:
                kept = f"{self.last_path} is the last good checkpoint" if self.last_path.exists() else \
                    "no checkpoint was written yet"
                raise NonFiniteError(
                    f"{self.nonfinite_run} non-finite losses or gradients in a row (step {self.step}, "
                    f"{self.nonfinite_total} in all); stopped without saving: {kept}. Lower --lr, set "
                    "--clip-norm, or check the data")
            return
        self.nonfinite_run = 0
        acc["nll"] += res["nll"]
        acc["points"] += res["points"]
        acc["lines"] += res["lines"]
        if self.step % cfg.log_every == 0:
            dt = time.perf_counter() - acc["t0"]
            row = {"type": "train", "step": self.step, "epoch": self.epoch,
                   "nats_per_line": acc["nll"] / max(acc["lines"], 1),
                   "nats_per_point": acc["nll"] / max(acc["points"], 1),
                   "grad_norm": res["grad_norm"], "lr": self.optimizer.param_groups[0]["lr"],
                   "timesteps_per_s": acc["points"] / max(dt, 1e-9), "nonfinite_total": self.nonfinite_total}
            self.log(row)
            bar.set_postfix(nll_line=f"{row['nats_per_line']:.1f}", nll_pt=f"{row['nats_per_point']:.3f}",
                            ts_s=f"{row['timesteps_per_s']:.0f}")
            acc.update(nll=0.0, points=0.0, lines=0.0, t0=time.perf_counter())


# --------------------------------------------------------------------------- entry point

def init_distributed(device_name: str) -> None:
    """Join the torchrun process group when WORLD_SIZE > 1 (NCCL for CUDA, gloo for CPU)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        device = resolve_device(device_name, int(os.environ.get("LOCAL_RANK", "0")))
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")


def train(cfg: TrainConfig, resume: bool = False, progress: bool = True, **kw) -> dict:
    """Run one training (joining the process group under torchrun); returns Trainer.run()'s summary."""
    init_distributed(cfg.device)
    try:
        summary = Trainer(cfg, resume=resume, progress=progress, **kw).run()
        if dist.is_initialized():  # every rank leaves together: without it a rank that finished first
            dist.barrier()  # could tear gloo down while another still shut its threads (it aborted now and then)
        return summary
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()


def config_fields() -> list[str]:
    return [f.name for f in fields(TrainConfig)]
