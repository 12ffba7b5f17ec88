"""Speed of training and sampling Graves' synthesis network (Graves 2013, section 5), fast vs naive.

    python -m strokes.bench train                 # 3 x 400, K = 10, M = 20, batches of IAM-like lengths
    python -m strokes.bench train --batch-sizes 16 64 --batches 3
    python -m strokes.bench sample                # one 40-character line and a 10-line paragraph
    python -m strokes.bench rate --data data/iam.h5   # what resampling does to points per line

train: two paths through the same model, forward + NLL (eq. 26) + backward per batch:
  naive    `model.forward_stepwise`: every layer an eager per-step LSTM cell (the reference);
  default  `model.forward`, what train.py uses: layer 1 + window per step as one autograd node with
           a hand-written backward (`strokes.recurrence`), layers 2..N and the output on whole
           sequences, the recurrent and window weight gradients as one GEMM each over all steps
           instead of one per step.
  bf16     default under torch.autocast(bfloat16), train.py --precision bf16: the matmuls in
           bfloat16, cell states, window position and loss in fp32 (fast on CPUs with AVX512-BF16 or
           AMX and on recent GPUs; emulated, so slow, elsewhere).
On a GPU, default and bf16 replay CUDA graphs of the layer-1 + window loops as train.py does (one per
padded batch shape, captured before timing; --no-cuda-graphs: eager), and the agreement check runs
there, on the replayed graphs.
Besides timesteps/s, each row gives the model's arithmetic rate (padded timesteps/s x the
network's forward + backward FLOPs per timestep), its share of the roofline (a large matmul in the
path's dtype, measured in the same run), and the ratio to naive at the same batch size. Naive gains
the most from larger batches: its per-step overhead shrinks until it too is GEMM-bound, so the
ratio at the best batch size for each is bounded by how close naive gets to the fp32 roofline.
Each (path, batch size) runs in a fresh process, after one warm-up batch; peak memory is that
process's peak RSS minus its RSS once the model and batches are built (so it includes library
work space set up by the first batch), on a GPU torch.cuda.max_memory_allocated. Before timing, the same run checks on
one small batch that default agrees with naive in loss and every gradient (fp32, TF32 off, 1e-4
relative to the largest entry of each gradient; bf16 5e-2: a bug shows as O(1)); a failure exits 1.

Lengths: real IAM-OnDB lines when available (--data FILE.h5, else the IAM folder: --iam-dir,
$STROKES_IAM_DIR or ../shared/datasets/iam-ondb from the repository root; its training splits),
else a synthetic distribution matched to IAM-OnDB's training lines (10,732 lines, 629 +- 194 points,
5th/50th/95th percentiles 307/623/951): points per line Gamma(shape 10.5, scale 59.9), the same mean
and sd, rounded and clipped to IAM's range [31, 1940];
characters per line = points / 21.6 (IAM's mean points per character), clipped to [2, 64]. Lines
are bucketed by length as in training (`strokes.data.BucketBatchSampler`); the content is random,
which does not change the arithmetic.

sample: the sampling benchmark, `strokes.samplebench`.
"""
from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
IAM_GAMMA_SHAPE, IAM_GAMMA_SCALE = 10.5, 59.9  # points per line: mean 629, sd 194, as IAM's training lines
IAM_MIN, IAM_MAX = 31, 1940  # shortest and longest IAM training line, in points
IAM_POINTS_PER_CHAR = 21.6
ALPHABET_SIZE = 82  # IAM-OnDB: 80 characters + padding + unknown
PATHS = ("naive", "default", "bf16")
AGREEMENT = {"default": 1e-4, "bf16": 5e-2}  # vs naive: fp32 rounding; bf16 rounding (measured 6e-3 at 3 x 400)


class UsageError(Exception):
    """Bad command-line input: one line, exit 2."""


@dataclass
class TrainBench:
    layers: int = 3
    hidden: int = 400
    components: int = 20  # M
    window: int = 10  # K
    batch_sizes: list = field(default_factory=lambda: [16, 32, 64, 128])  # naive keeps gaining up to ~256
    batches: int = 3  # timed batches per (path, batch size), after one warm-up
    paths: list = field(default_factory=lambda: list(PATHS))
    max_points: int | None = None  # truncate lines (quick runs); None = the real lengths
    device: str = "cpu"
    threads: int | None = None  # intra-op threads; None = torch's default
    seed: int = 0
    in_process: bool = False  # measure in this process (peak memory is then the process's high-water mark)
    cuda_graphs: bool = True  # on a GPU, default and bf16 replay CUDA graphs of the loop, as train.py does


def graphs_on(cfg: TrainBench, path: str) -> bool:
    """Whether `path` runs through CUDA graphs (strokes.recurrence.use_cuda_graphs), as in train.py."""
    return cfg.cuda_graphs and cfg.device.startswith("cuda") and path != "naive"


def pad_for_graphs(batch):
    """Pad a bench batch as the trainer pads under CUDA graphs (strokes.training.GRAPH_*_MULTIPLE)."""
    import torch.nn.functional as F
    from .training import GRAPH_T_MULTIPLE, GRAPH_U_MULTIPLE
    x, y, mask, text, text_mask = batch
    dt, du = -x.shape[1] % GRAPH_T_MULTIPLE, -text.shape[1] % GRAPH_U_MULTIPLE
    return (F.pad(x, (0, 0, 0, dt)), F.pad(y, (0, 0, 0, dt)), F.pad(mask, (0, dt)), F.pad(text, (0, du)),
            F.pad(text_mask, (0, du)))


# ----------------------------------------------------------------------------- lengths

def iam_folder(arg: str | None) -> Path | None:
    for p in ([arg] if arg else []) + ([os.environ["STROKES_IAM_DIR"]] if "STROKES_IAM_DIR" in os.environ else []) \
            + [str(REPO.parent / "shared" / "datasets" / "iam-ondb")]:
        if Path(p).is_dir():
            return Path(p)
    if arg:
        raise UsageError(f"--iam-dir {arg}: no such folder; pass the IAM-OnDB folder or leave it out")
    return None


def line_lengths(data: str | None, iam_dir: str | None, synthetic: bool, seed: int = 0):
    """(points per line (N,), characters per line (N,), description) of the training lines."""
    if data:
        if not Path(data).is_file():
            raise UsageError(f"--data {data}: no such file; make one with python -m strokes.data iam ... --out FILE")
        from .data import StrokeDataset, load_h5_info
        ds = StrokeDataset(data, splits=load_h5_info(data)["train_splits"])
        return np.asarray(ds.lengths), np.array([len(c) for c in ds.codes]), f"{data} (training splits)"
    folder = None if synthetic else iam_folder(iam_dir)
    if folder is not None:
        from .data import TRAIN_SPLITS, read_iam
        lines, _ = read_iam(folder, progress=True)
        lines = [ln for ln in lines if ln.split in TRAIN_SPLITS]
        return (np.array([len(ln.points) for ln in lines]), np.array([len(ln.text) for ln in lines]),
                f"IAM-OnDB {folder} (training splits)")
    rng = np.random.default_rng(seed)
    pts = np.clip(np.round(rng.gamma(IAM_GAMMA_SHAPE, IAM_GAMMA_SCALE, 10_000)), IAM_MIN, IAM_MAX).astype(int)
    chars = np.clip(np.round(pts / IAM_POINTS_PER_CHAR), 2, 64).astype(int)
    return pts, chars, "synthetic (Gamma matched to IAM-OnDB, see the module docstring)"


def make_batches(points, chars, batch_size: int, n: int, seed: int, max_points=None, alphabet=ALPHABET_SIZE):
    """n bucketed batches (x, y, mask, text, text_mask) of random content with the given lengths."""
    import torch
    from .data import BucketBatchSampler
    if max_points:
        points = np.minimum(points, max_points)
    idx = [b for b in BucketBatchSampler(points, batch_size, shuffle=True, seed=seed).batches() if len(b) == batch_size]
    if not idx:
        raise UsageError(f"batch size {batch_size} is larger than the {len(points)} lines; use a smaller one")
    g = torch.Generator().manual_seed(seed)
    out = []
    for b in idx[:n]:
        T, U = int(points[b].max()), int(chars[b].max())
        mask = torch.arange(T)[None] < torch.as_tensor(points[b])[:, None]  # (B, T)
        y = torch.randn(batch_size, T, 3, generator=g)
        y[..., 2] = (torch.rand(batch_size, T, generator=g) < 0.05).float()  # ~1 pen lift per 20 points
        y = y * mask[..., None]
        x = torch.cat([torch.zeros(batch_size, 1, 3), y[:, :-1]], 1)  # (B, T, 3): the previous point
        text_mask = torch.arange(U)[None] < torch.as_tensor(chars[b])[:, None]  # (B, U)
        text = torch.randint(2, alphabet, (batch_size, U), generator=g) * text_mask
        out.append((x, y, mask, text, text_mask))
    return out


# ----------------------------------------------------------------------------- training

def build(cfg: TrainBench):
    import torch
    from .models import SynthesisConfig, SynthesisNetwork
    torch.manual_seed(cfg.seed)
    return SynthesisNetwork(SynthesisConfig(layers=cfg.layers, hidden_size=cfg.hidden, components=cfg.components,
                                            window_components=cfg.window, alphabet_size=ALPHABET_SIZE))


def loss_fn(model, path: str, batch):
    from .training import autocast
    x, y, mask, text, text_mask = batch
    if path == "naive":
        out = model.forward_stepwise(x, text=text, text_mask=text_mask)
    else:
        with autocast(x.device.type, "bf16" if path == "bf16" else "fp32"):  # as train.py --precision
            out = model(x, text, text_mask)
    return -model.distribution(out.raw.float()).log_prob(y, mask=mask).sum() / x.shape[0]  # nats per line


def agreement(cfg: TrainBench, points, chars) -> dict:
    """Max relative difference of default vs naive: loss and every parameter gradient."""
    import torch
    from .recurrence import use_cuda_graphs
    model = build(cfg).to(cfg.device)
    batch = make_batches(points, chars, min(4, len(points)), 1, cfg.seed, max_points=min(cfg.max_points or 120, 120))[0]
    batch = tuple(t.to(cfg.device) for t in batch)
    grads = {}
    # fp32 maths on a GPU too: cuDNN's LSTM (layers 2..N of default) would otherwise use TF32 (~1e-3)
    tf32 = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    for path in PATHS:
        use_cuda_graphs(graphs_on(cfg, path))
        for _ in range(2 if graphs_on(cfg, path) else 1):  # the first call captures; the second replays
            model.zero_grad(set_to_none=True)
            loss = loss_fn(model, path, batch)
            loss.backward()
        grads[path] = (loss.detach(), [p.grad.clone() for p in model.parameters()])
    use_cuda_graphs(False)
    torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = tf32
    ref_loss, ref = grads["naive"]
    out = {}
    for path in PATHS[1:]:
        loss, g = grads[path]
        rel_loss = float((loss - ref_loss).abs() / ref_loss.abs().clamp_min(1e-30))
        rel_grad = max(float((a - b).abs().max() / b.abs().max().clamp_min(1e-30)) for a, b in zip(g, ref))
        out[path] = (rel_loss, rel_grad)
    return out


def measure(cfg: TrainBench, path: str, batch_size: int, points, chars) -> dict:
    """Time `cfg.batches` batches (after one warm-up) of one path; runs in its own process by default."""
    import torch
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    dev = torch.device(cfg.device)
    model = build(cfg).to(dev)
    batches = [tuple(t.to(dev) for t in b) for b in
               make_batches(points, chars, batch_size, cfg.batches + 1, cfg.seed, cfg.max_points)]
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    from .recurrence import cuda_graph_stats, use_cuda_graphs
    use_cuda_graphs(graphs_on(cfg, path))
    if graphs_on(cfg, path):  # capture every shape's graphs first (train.py does so once per shape); twice,
        batches = [pad_for_graphs(b) for b in batches]  # as a larger shape's arena drops the graphs before it
        for batch in batches + batches:
            model.zero_grad(set_to_none=True)
            loss_fn(model, path, batch).backward()
    rss0 = _rss_bytes()
    if dev.type == "cuda":
        torch.cuda.reset_peak_memory_stats(dev)
    times, real, padded = [], 0, 0
    for i, batch in enumerate(batches):
        model.zero_grad(set_to_none=True)
        sync()
        t0 = time.perf_counter()
        loss_fn(model, path, batch).backward()
        sync()
        if i:  # the first batch warms up
            times.append(time.perf_counter() - t0)
            real += int(batch[2].sum())
            padded += batch[2].numel()
    if dev.type == "cuda":
        peak = torch.cuda.max_memory_allocated(dev)
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - (0 if cfg.in_process else rss0)
    total, captures = sum(times), cuda_graph_stats()["captures"]
    use_cuda_graphs(False)
    return {"path": path, "batch": batch_size, "real_per_s": real / total, "padded_per_s": padded / total,
            "ms_per_batch": 1e3 * total / len(times), "peak_mib": peak / 2 ** 20, "threads": torch.get_num_threads(),
            "captures": captures}


def flops_per_timestep(cfg: TrainBench) -> float:
    """Multiply-adds x 2 of forward + backward (3x forward) per padded timestep of the synthesis network."""
    H, A, K, M, L = cfg.hidden, ALPHABET_SIZE, cfg.window, cfg.components, cfg.layers
    lstm = sum((3 + A + (H if n else 0) + H) * 4 * H for n in range(L))  # [x, (h^{n-1}), w] and h^n_{t-1}
    return 3 * 2 * (lstm + H * 3 * K + L * H * (6 * M + 1))


def gemm_peak(device: str, dtype_name: str, n: int = 2048, repeats: int = 3) -> float:
    """GFLOP/s of a large square matmul: the roofline every path's GEMMs work under."""
    import torch
    dt = getattr(torch, dtype_name)
    a, b = (torch.randn(n, n, device=device).to(dt) for _ in range(2))
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    torch.mm(a, b)
    sync()
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        sync()
        best = min(best, time.perf_counter() - t0)
    return 2 * n ** 3 / best / 1e9


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_train(cfg: TrainBench, points, chars, source: str) -> int:
    from tqdm import tqdm
    print(f"synthesis network {cfg.layers} x {cfg.hidden}, K = {cfg.window}, M = {cfg.components}, "
          f"device {cfg.device}; lengths: {source}, {len(points)} lines, mean {points.mean():.0f} points, "
          f"{chars.mean():.1f} characters" + (f"; truncated to {cfg.max_points} points" if cfg.max_points else ""))
    agree = agreement(cfg, points, chars)
    ok = all(v <= AGREEMENT[path] for path, pair in agree.items() for v in pair)
    for path, (rl, rg) in agree.items():
        print(f"agreement {path} vs naive: loss {rl:.1e}, gradients {rg:.1e} (relative; limit {AGREEMENT[path]:g})")
    jobs = [(p, b) for b in cfg.batch_sizes for p in cfg.paths]
    results = []
    if cfg.in_process:
        for p, b in tqdm(jobs, desc="measuring", leave=False):
            results.append(measure(cfg, p, b, points, chars))
    else:
        for p, b in tqdm(jobs, desc="measuring", leave=False):
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                results.append(pool.submit(measure, cfg, p, b, points, chars).result())
    mem = "peak MiB" if cfg.device != "cpu" else ("peak RSS MiB" if cfg.in_process else "peak +RSS MiB")
    flops = flops_per_timestep(cfg)
    peaks = {dt: gemm_peak(cfg.device, dt) for dt in ("float32", "bfloat16")}
    print(f"GEMM roofline on {cfg.device}: fp32 {peaks['float32']:.0f} GFLOP/s, bf16 {peaks['bfloat16']:.0f} GFLOP/s "
          f"(2048^3 matmul); the model does {flops / 1e6:.1f} MFLOP per padded timestep (forward + backward)")
    naive_at = {r["batch"]: r["real_per_s"] for r in results if r["path"] == "naive"}
    print(f"{'path':8} {'batch':>5} {'real ts/s':>10} {'padded ts/s':>11} {'ms/batch':>9} {mem:>13} {'threads':>7} "
          f"{'GFLOP/s':>8} {'of peak':>7} {'/naive':>6}")
    for r in results:
        gf = r["padded_per_s"] * flops / 1e9
        peak = peaks["bfloat16" if r["path"] == "bf16" else "float32"]
        ratio = f"{r['real_per_s'] / naive_at[r['batch']]:.2f}x" if r["batch"] in naive_at else "-"
        print(f"{r['path']:8} {r['batch']:5d} {r['real_per_s']:10.0f} {r['padded_per_s']:11.0f} "
              f"{r['ms_per_batch']:9.0f} {r['peak_mib']:13.0f} {r['threads']:7d} {gf:8.0f} {gf / peak:7.0%} {ratio:>6}")
    best = {p: max((r for r in results if r["path"] == p), key=lambda r: r["real_per_s"]) for p in cfg.paths}
    for p in cfg.paths:
        print(f"best {p}: {best[p]['real_per_s']:.0f} real timesteps/s at batch {best[p]['batch']}")
    if "naive" in best:
        for p in cfg.paths:
            if p != "naive":
                print(f"{p}/naive at the best batch size for each: {best[p]['real_per_s'] / best['naive']['real_per_s']:.2f}x")
    if any(graphs_on(cfg, p) for p in cfg.paths):
        print(f"CUDA graphs: default and bf16 replay per-shape graphs of the layer-1 + window loops (batches padded "
              f"as train.py pads them; {max(r['captures'] for r in results)} graphs captured per run, before timing)")
    print("agreement: " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


# ----------------------------------------------------------------------------- point rate

def run_rate(data: str, steps: list, n_lines: int) -> int:
    """Points per line after resampling each stroke at equal arc length (strokes.transforms.resample)."""
    from tqdm import tqdm
    from .data.hdf5 import load_h5_info, open_h5
    from .transforms import resample
    if not Path(data).is_file():
        raise UsageError(f"--data {data}: no such file; make one with python -m strokes.data iam ... --out FILE")
    info = load_h5_info(data)
    with open_h5(data) as f:
        off = f["line_offsets"][()]
        split = f["split"].asstr()[()]
        texts = f["text"].asstr()[()]
        rows = np.flatnonzero(np.isin(split, info["train_splits"]))[:n_lines]
        lines = [(f["points"][off[r]:off[r + 1]].astype(np.float64), len(texts[r])) for r in rows]
    median = info["stats"].get("median_step", float("nan"))
    base = sum(len(p) for p, _ in lines)
    print(f"{len(lines)} training lines of {data}; median pen-down step {median:.1f} raw units")
    print(f"{'resample step':>13} {'points/line':>11} {'points/char':>11} {'time/epoch':>10}")
    for s in steps:
        n = [len(resample(p, s)) if s > 0 else len(p) for p, _ in tqdm(lines, leave=False, desc=f"step {s}")]
        chars = sum(c for _, c in lines)
        print(f"{s:13g} {np.mean(n):11.0f} {sum(n) / chars:11.1f} {sum(n) / base:10.2f}")
    print("time/epoch: relative to the original points (training time is proportional to the timesteps)")
    return 0


# ----------------------------------------------------------------------------- command line

class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def main(argv=None) -> int:
    p = Parser(prog="python -m strokes.bench", description=__doc__.split("\n\n")[0],
               epilog="Module docstring (python -c 'import strokes.bench; help(strokes.bench)') has the details.")
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=Parser)
    t = sub.add_parser("train", help="training: fast vs naive (timesteps/s, ms/batch, memory, agreement)")
    t.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32, 64, 128])
    t.add_argument("--batches", type=int, default=3, help="timed batches per path and batch size (default 3)")
    t.add_argument("--paths", nargs="+", choices=PATHS, default=list(PATHS))
    t.add_argument("--max-points", type=int, help="truncate lines to this many points (quick runs)")
    t.add_argument("--synthetic", action="store_true", help="synthetic IAM-like lengths even if IAM is there")
    t.add_argument("--data", help="a strokes HDF5 file: lengths of its training lines")
    t.add_argument("--in-process", action="store_true", help="no subprocess per measurement (memory: process peak)")
    t.add_argument("--no-cuda-graphs", action="store_true",
                   help="on a GPU, run default and bf16 eagerly instead of through CUDA graphs")
    for q in (t, sub.add_parser("sample", help="sampling: one line and a paragraph, fast vs reference")):
        q.add_argument("--hidden", type=int, default=400, help="LSTM size (default 400)")
        q.add_argument("--layers", type=int, default=3, help="LSTM layers (default 3)")
        q.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
        q.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    t.add_argument("--iam-dir", help="IAM-OnDB folder (default $STROKES_IAM_DIR or ../shared/datasets/iam-ondb)")
    t.add_argument("--seed", type=int, default=0)
    s = sub.choices["sample"]
    s.add_argument("--chars", type=int, default=40, help="characters per line (default 40)")
    s.add_argument("--lines", type=int, default=10, help="lines in the paragraph (default 10)")
    s.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    s.add_argument("--no-reference", action="store_true", help="skip the (slow) reference sampler")
    s.add_argument("--candidates", type=int, nargs="+", default=[1, 4],
                   help="samples per line for the recogniser to pick from, one row each (default 1 4)")
    r = sub.add_parser("rate", help="point-rate reduction: points per line after resampling")
    r.add_argument("--data", required=True, help="a strokes HDF5 file (python -m strokes.data iam ...)")
    r.add_argument("--resample-steps", type=float, nargs="+", default=[0, 10, 20, 30],
                   help="arc-length steps in raw units (0 = original points)")
    r.add_argument("--lines", type=int, default=500, help="training lines to use (default 500)")
    args = p.parse_args(argv)
    try:
        for name in ("batches", "max_points", "hidden", "layers", "threads", "chars", "lines", "repeats"):
            v = getattr(args, name, None)
            if v is not None and v < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be >= 1, got {v}")
        if any(b < 1 for b in getattr(args, "batch_sizes", [1]) + getattr(args, "candidates", [1])):
            raise UsageError("--batch-sizes and --candidates must all be >= 1")
        if args.cmd == "rate":
            return run_rate(args.data, args.resample_steps, args.lines)
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        if args.device.startswith("cuda") and not torch.cuda.is_available():
            raise UsageError("--device cuda: no CUDA device here; leave --device out to measure on the CPU")
        if args.device != "cpu" and not args.device.startswith("cuda"):
            raise UsageError(f"--device {args.device}: use cpu or cuda")
        if args.cmd == "sample":
            from .samplebench import run_sample
            return run_sample(args.hidden, args.layers, args.chars, args.lines, args.repeats, not args.no_reference,
                              args.device, tuple(args.candidates))
        points, chars, source = line_lengths(args.data, args.iam_dir, args.synthetic, args.seed)
        cfg = TrainBench(layers=args.layers, hidden=args.hidden, batch_sizes=args.batch_sizes, batches=args.batches,
                         paths=args.paths, max_points=args.max_points, device=args.device, threads=args.threads,
                         seed=args.seed, in_process=args.in_process, cuda_graphs=not args.no_cuda_graphs)
        return run_train(cfg, points, chars, source)
    except UsageError as e:
        print(f"python -m strokes.bench: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
