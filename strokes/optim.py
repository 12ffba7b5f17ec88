"""Graves' RMSProp variant (Graves 2013, section 4, eqs. 38-41), as a torch.optim.Optimizer.

With gradient g = dL/dw, for every weight:

    n      = aleph n + (1 - aleph) g^2                        (eq. 38)  running mean of g^2
    g_bar  = aleph g_bar + (1 - aleph) g                      (eq. 39)  running mean of g
    Delta  = beth Delta - gimel g / sqrt(n - g_bar^2 + daleth)  (eq. 40)  momentum step
    w      = w + Delta                                        (eq. 41)

with aleph = 0.95 (`decay`), beth = 0.9 (`momentum`), gimel = 1e-4 (`lr`), daleth = 1e-4 (`eps`).
Unlike torch.optim.RMSprop(centered=True), eps sits inside the square root and the momentum
buffer holds the step itself. n - g_bar^2 is a (biased) variance estimate and is >= 0 in exact
arithmetic; rounding can push it a hair below zero, which eps absorbs.

`make_optimizer` builds what train.py's --optimizer names: this one, or Adam (Kingma and Ba 2015; not
in Graves, and faster at the start, see the README). `Regulariser` is the trainer's hook for
regularisers such as Graves' adaptive weight noise (section 4).
"""
from __future__ import annotations

import torch
from torch.optim import Optimizer

OPTIMIZERS = ("rmsprop-graves", "adam")
DEFAULT_LR = {"rmsprop-graves": 1e-4, "adam": 1e-3}  # Graves eq. 40's gimel; Adam's usual default


class GravesRMSprop(Optimizer):
    def __init__(self, params, lr: float = 1e-4, decay: float = 0.95, momentum: float = 0.9, eps: float = 1e-4):
        if lr <= 0 or not 0 <= decay < 1 or not 0 <= momentum < 1 or eps <= 0:
            raise ValueError("need lr > 0, 0 <= decay < 1, 0 <= momentum < 1, eps > 0")
        super().__init__(params, dict(lr=lr, decay=decay, momentum=momentum, eps=eps))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            a, m, lr, eps = group["decay"], group["momentum"], group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad
                st = self.state[p]
                if not st:
                    st["n"] = torch.zeros_like(p)
                    st["g_bar"] = torch.zeros_like(p)
                    st["delta"] = torch.zeros_like(p)
                n, g_bar, delta = st["n"], st["g_bar"], st["delta"]
                n.mul_(a).addcmul_(g, g, value=1 - a)  # eq. 38
                g_bar.mul_(a).add_(g, alpha=1 - a)  # eq. 39
                denom = (n - g_bar * g_bar).add_(eps).sqrt_()
                delta.mul_(m).addcdiv_(g, denom, value=-lr)  # eq. 40
                p.add_(delta)  # eq. 41
        return loss


def make_optimizer(name: str, params, lr: float):
    """The optimiser `name` (one of OPTIMIZERS) over params at learning rate lr."""
    if name == "rmsprop-graves":
        return GravesRMSprop(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; use one of {', '.join(OPTIMIZERS)}")


class Regulariser:
    """Place for regularisers such as Graves' adaptive weight noise (section 4): the trainer calls
    `before_forward` (e.g. perturb weights), adds `penalty` to the loss, and calls `after_backward`
    (e.g. restore weights, add the prior's gradient). The base class does nothing."""

    def before_forward(self, model) -> None:
        pass

    def penalty(self, model) -> torch.Tensor | float:
        return 0.0

    def after_backward(self, model) -> None:
        pass
