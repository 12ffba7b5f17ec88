"""Speed of sampling Graves' synthesis network (Graves 2013, section 5): the fast sampler against the
readable reference loop, one line and a paragraph; `python -m strokes.bench sample` runs it.

    python -m strokes.bench sample                      # one 40-character line and a 10-line paragraph
    python -m strokes.bench sample --candidates 1 4 12  # also N samples per line, the recognisers picking

The network has random weights with the window forced to advance at IAM's mean pace (1 / 21.6
characters per step, alpha = beta = 1), so lines stop by Graves' rule at IAM-like lengths; each row
is `Hand.write` with the fast sampler (`strokes.sampler.FastSampler`) or the reference loop
(`Hand(model, fast=False)`), best of --repeats runs, with the ratio of the two in the same run.
"""
from __future__ import annotations

import math
import time

from .bench import IAM_POINTS_PER_CHAR


def forced_hand(hidden: int, layers: int, fast: bool, seed: int = 0, device: str = "cpu"):
    """A Hand over a random 3 x 400 network whose window moves at IAM's mean pace (see the docstring)."""
    import torch
    from .alphabet import Alphabet
    from .hand import Hand
    from .models import SynthesisConfig, SynthesisNetwork
    from .transforms import Preprocess
    alphabet = Alphabet([chr(c) for c in range(32, 112)])  # 80 characters, as IAM's alphabet, space included
    torch.manual_seed(seed)
    cfg = SynthesisConfig(layers=layers, hidden_size=hidden, alphabet_size=len(alphabet), alphabet=alphabet.to_dict(),
                          stats={"mean": [0.0, 0.0], "std": [1.0, 1.0], "median_step": 1.0},
                          preprocess=Preprocess().to_dict())
    model = SynthesisNetwork(cfg).eval()
    K = cfg.window_components
    with torch.no_grad():
        model.window.weight.zero_()
        model.window.bias[:2 * K] = 0.0  # alpha = beta = 1
        model.window.bias[2 * K:] = -math.log(IAM_POINTS_PER_CHAR)  # kappa += 1 / 21.6 per step
    return Hand(model.to(device), fast=fast), alphabet


def run_sample(hidden: int, layers: int, chars: int, lines: int, repeats: int, reference: bool,
               device: str = "cpu", candidates: tuple = (1,)) -> int:
    """candidates: also time the fast sampler drawing N samples per line with the shipped recognisers
    picking, word by word (generate.py --candidates N, rows "fast xN") and among whole lines (--pick
    line, rows "fast xN line"). The text: words of 5 capitals and a space."""
    import torch
    rows = []
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    judge = None
    if any(c > 1 for c in candidates):
        from .judge import load_judge
        judge = load_judge()
    for fast in ([True, False] if reference else [True]):
        hand, alphabet = forced_hand(hidden, layers, fast, device=device)
        text = "".join(" " if i % 6 == 5 else chr(65 + i % 26) for i in range(chars)).strip()  # 5-letter words
        hand.write([text[:2]], seed=0)  # warm-up
        picks = [(c, p) for c in (candidates if fast else (1,)) for p in (("word", "line") if c > 1 else ("word",))]
        for c, pick in picks:
            for n in (1, lines):
                best, steps = math.inf, 0
                for r in range(repeats):
                    sync()
                    t0 = time.perf_counter()
                    written = hand.write([text] * n, bias=0.75, seed=r, candidates=c, judge=judge, pick=pick)
                    sync()
                    best = min(best, time.perf_counter() - t0)
                    steps = max(len(w.offsets) for w in written)
                name = "fast" if c == 1 else f"fast x{c}" + (" line" if pick == "line" else "")
                rows.append((name if fast else "reference", n, best, steps))
    print(f"synthesis network {layers} x {hidden}: lines of {chars} characters, window at {IAM_POINTS_PER_CHAR} "
          f"points per character (IAM's mean), bias 0.75, best of {repeats}, {torch.get_num_threads()} threads available, "
          f"device {device}" + (" (fast: CUDA graphs)" if device.startswith("cuda") else ""))
    print(f"{'sampler':15} {'lines':>5} {'seconds':>8} {'steps':>6} {'ms/step':>8} {'steps/s':>8}")
    for name, n, sec, steps in rows:
        print(f"{name:15} {n:5d} {sec:8.3f} {steps:6d} {1e3 * sec / max(steps, 1):8.3f} {steps / sec:8.0f}")
    if reference:
        for n in (1, lines):
            f = next(r for r in rows if r[0] == "fast" and r[1] == n)
            ref = next(r for r in rows if r[0] == "reference" and r[1] == n)
            print(f"fast/reference speed, {n} line(s): {ref[2] / f[2]:.2f}x")
    return 0
