"""Negative log-likelihood of a mixture density network (Bishop 1994 eq. 29; Graves 2013 eq. 26).

Kept apart from the head: a head returns a distribution, and the loss is a function of it.
"""
from __future__ import annotations

import torch


def mixture_nll(dist, target: torch.Tensor, mask: torch.Tensor | None = None,
                reduction: str = "mean") -> torch.Tensor:
    """-log p(target) under `dist`, in nats.

    target: the distribution's event, (..., D) (or (..., 3) with end-of-stroke for a StrokeMixture).
    mask:   (...) bool, False on padding; padded steps contribute exactly 0 and no gradient.
    reduction: "none" -> (...); "sum" -> scalar; "mean" -> mean over unmasked steps.
    """
    if mask is None:
        lp = dist.log_prob(target)
    elif hasattr(dist, "eos_logits"):
        lp = dist.log_prob(target, mask)
    else:
        safe = torch.where(mask.unsqueeze(-1), target, torch.zeros_like(target))
        lp = torch.where(mask, dist.log_prob(safe), torch.zeros((), dtype=target.dtype, device=target.device))
    nll = -lp
    if reduction == "none":
        return nll
    if reduction == "sum":
        return nll.sum()
    if reduction == "mean":
        count = nll.numel() if mask is None else mask.sum()
        return nll.sum() / count
    raise ValueError(f"reduction must be 'none', 'sum' or 'mean', got {reduction!r}")
