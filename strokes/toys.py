"""The classic toy problems where a mixture density network beats least squares, trained and drawn.

    python -m strokes.toys inverse --out inverse.svg

Each problem is one-dimensional x -> y with a y that is not a function of x:
    inverse   Bishop 1994 section 5: y ~ U(0, 1), x = y + 0.3 sin(2 pi y) + U(-0.1, 0.1); predict y
              from x. For x near 0.5 three branches of y are possible.
    branches  y = +-f(x) + noise with f(x) = 0.5 + x^2: two mirrored branches, equally likely.
    regimes   two regimes, y = 1.5 x and y = 1 - x, with noise; regime 1's weight switches from 0.1
              to 0.9 as x crosses 0.5.
The same small MLP is trained twice: with an MDN head (mixture NLL) and with one linear output (mean
squared error; its Gaussian NLL uses the training residual variance, the maximum-likelihood sigma).
Least squares predicts the conditional mean, which on these problems lies between the branches where
no data is; the MDN recovers every branch and its probability.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass

import svgwrite
import torch
import torch.nn as nn
from tqdm import tqdm

from .mdn import MixtureDensityHead, mixture_nll
from .svgplot import PALETTE, Panel, save_atomic

PROBLEMS = ("inverse", "branches", "regimes")


@dataclass
class ToyConfig:
    problem: str = "inverse"
    n_train: int = 2000
    n_test: int = 2000
    hidden: int = 32
    components: int = 5
    steps: int = 1500  # full-batch Adam steps: a few seconds on a laptop CPU
    lr: float = 1e-2
    seed: int = 0


def make_data(problem: str, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y), each (n, 1), for one of PROBLEMS."""
    u = lambda *shape: torch.rand(*shape, generator=generator)  # noqa: E731
    if problem == "inverse":
        y = u(n, 1)
        x = y + 0.3 * torch.sin(2 * math.pi * y) + 0.2 * (u(n, 1) - 0.5)
    elif problem == "branches":
        x = 2 * u(n, 1) - 1
        sign = torch.where(u(n, 1) < 0.5, -1.0, 1.0)
        y = sign * (0.5 + x ** 2) + 0.05 * torch.randn(n, 1, generator=generator)
    elif problem == "regimes":
        x = u(n, 1)
        p_first = 0.1 + 0.8 * (x > 0.5).float()
        first = u(n, 1) < p_first
        y = torch.where(first, 1.5 * x, 1.0 - x) + 0.05 * torch.randn(n, 1, generator=generator)
    else:
        raise ValueError(f"unknown problem {problem!r}; choose one of {PROBLEMS}")
    return x, y


def mlp(hidden: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())


class MDNRegressor(nn.Module):
    def __init__(self, hidden: int, components: int):
        super().__init__()
        self.body = mlp(hidden)
        self.head = MixtureDensityHead(hidden, 1, components, covariance="diagonal")

    def forward(self, x):
        return self.head(self.body(x))  # GaussianMixture, batch (N,), event (1,)


class MSERegressor(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.body, self.out = mlp(hidden), nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x))  # (N, 1)


@dataclass
class ToyResult:
    config: ToyConfig
    mdn: MDNRegressor
    mse: MSERegressor
    sigma_mse: float  # maximum-likelihood noise level of the least-squares model
    mdn_test_nll: float  # nats per point
    mse_test_nll: float
    train: tuple[torch.Tensor, torch.Tensor]


def gaussian_nll(pred, y, sigma: float) -> float:
    return (0.5 * ((y - pred) / sigma) ** 2 + math.log(sigma) + 0.5 * math.log(2 * math.pi)).mean().item()


def train_toy(config: ToyConfig, progress: bool = False) -> ToyResult:
    g = torch.Generator().manual_seed(config.seed)
    x, y = make_data(config.problem, config.n_train, g)
    x_test, y_test = make_data(config.problem, config.n_test, g)
    torch.manual_seed(config.seed)
    mdn, mse = MDNRegressor(config.hidden, config.components), MSERegressor(config.hidden)
    mdn.head.init_from_data(y, seed=config.seed)
    opt_mdn = torch.optim.Adam(mdn.parameters(), lr=config.lr)
    opt_mse = torch.optim.Adam(mse.parameters(), lr=config.lr)
    bar = tqdm(range(config.steps), desc=f"training {config.problem}", disable=not progress)
    for _ in bar:
        for opt, loss in ((opt_mdn, mixture_nll(mdn(x), y)), (opt_mse, (mse(x) - y).square().mean())):
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        sigma = (mse(x) - y).square().mean().sqrt().item()
        return ToyResult(config, mdn, mse, sigma, mixture_nll(mdn(x_test), y_test).item(),
                         gaussian_nll(mse(x_test), y_test, sigma), (x, y))


def weighted_segments(on: torch.Tensor) -> list[list[int]]:
    """Runs of consecutive True indices: [F, T, T, F, T] -> [[1, 2], [4]]."""
    runs, current = [], []
    for i, flag in enumerate(on.tolist()):
        if flag:
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    return runs + ([current] if current else [])


@torch.no_grad()
def draw(result: ToyResult, path: str) -> None:
    """Data, the least-squares fit, the MDN's component means +- sigma, and pi(x), as one SVG."""
    x, y = result.train
    xs = torch.linspace(float(x.min()), float(x.max()), 200).unsqueeze(-1)
    dist = result.mdn(xs)
    pi, mu = dist.mixture_probs, dist.loc[..., 0]  # (200, M) each
    sigma = dist.scale_tril[..., 0, 0]
    pad = 0.1 * float(y.max() - y.min())
    ylim = (float(y.min()) - pad, float(y.max()) + pad)
    xlim = (float(xs.min()), float(xs.max()))
    dwg = svgwrite.Drawing(size=("720px", "640px"), viewBox="0 0 720 640")
    dwg.add(dwg.rect((0, 0), ("100%", "100%"), fill="white"))
    top = Panel(dwg, 70, 40, 620, 360, xlim, ylim)
    top.axes("x", "y", f"{result.config.problem}: MDN test NLL {result.mdn_test_nll:.2f} nats, "
             f"least squares {result.mse_test_nll:.2f}")
    top.points(x[:, 0].tolist(), y[:, 0].tolist())
    grid = xs[:, 0].tolist()
    used = [k for k in range(pi.shape[1]) if pi[:, k].max() > 0.05]  # hide components never used
    for k in used:
        color = PALETTE[k % len(PALETTE)]
        # draw each component only where it carries weight, so unused branches do not mislead
        for seg in weighted_segments(pi[:, k] > 0.05):
            gx = [grid[i] for i in seg]
            top.band(gx, (mu[seg, k] - sigma[seg, k]).tolist(), (mu[seg, k] + sigma[seg, k]).tolist(), color, 0.15)
            top.line(gx, mu[seg, k].tolist(), color, 2.0)
    top.line(grid, result.mse(xs)[:, 0].tolist(), "black", 2.0, dash="6,4")
    top.legend([("least squares", "black"), ("MDN means +- sigma", PALETTE[used[0] % len(PALETTE)])])
    bottom = Panel(dwg, 70, 460, 620, 130, xlim, (0.0, 1.0))
    bottom.axes("x", "pi_k(x)", "mixing weights")
    for k in used:
        bottom.line(grid, pi[:, k].tolist(), PALETTE[k % len(PALETTE)], 2.0)
    save_atomic(dwg, path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m strokes.toys",
        description="Train an MDN and a least-squares MLP on a toy problem (a few seconds on CPU) "
                    "and draw both as SVG.",
        epilog="Problems: inverse (Bishop's inverse sine), branches (y = +-f(x)), "
               "regimes (mixing weights that switch with x).")
    parser.add_argument("problem", choices=PROBLEMS, help="which toy problem")
    parser.add_argument("--out", required=True, help="SVG file to write")
    parser.add_argument("--components", type=int, default=ToyConfig.components, help="mixture components M")
    parser.add_argument("--steps", type=int, default=ToyConfig.steps, help="full-batch Adam steps")
    parser.add_argument("--seed", type=int, default=0, help="random seed (data and initialisation)")
    args = parser.parse_args(argv)
    if args.components < 1 or args.steps < 1:
        parser.error("--components and --steps must be at least 1")
    folder = os.path.dirname(os.path.abspath(args.out))
    if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
        print(f"error: cannot write {args.out}: folder {folder} is missing or not writable; "
              "choose another --out path", file=sys.stderr)
        return 2
    config = ToyConfig(problem=args.problem, components=args.components, steps=args.steps, seed=args.seed)
    result = train_toy(config, progress=True)
    draw(result, args.out)
    print(f"{args.problem}: test NLL per point, MDN {result.mdn_test_nll:.3f} nats, "
          f"least squares {result.mse_test_nll:.3f} nats -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
