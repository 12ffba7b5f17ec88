"""Diagnostics for mixture density networks: is the mixture used, and is it calibrated?

- `component_usage`: the average mixing weight of each component over a batch. A component whose
  usage stays near 0 is dead; one near 1 means the mixture collapsed to a single Gaussian.
- `mixing_entropy`: entropy of the mixing weights per input, in nats (0: one component; log M: uniform).
- For D = 1, calibration (Gneiting et al. 2007): `pit` gives probability integral transform values,
  which are uniform on [0, 1] for a calibrated model, and `interval_coverage` the fraction of targets
  inside central prediction intervals, which should equal each interval's nominal level.
"""
from __future__ import annotations

import torch

from .mixture import GaussianMixture


def _mixture(dist) -> GaussianMixture:
    return dist.mixture if hasattr(dist, "mixture") else dist


def component_usage(dist, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean mixing weight of each component over all (unmasked) batch positions: (M,), sums to 1."""
    pi = _mixture(dist).mixture_probs.reshape(-1, _mixture(dist).components)  # (N, M)
    if mask is not None:
        pi = pi[mask.reshape(-1)]
    return pi.mean(0)


def mixing_entropy(dist) -> torch.Tensor:
    """Entropy of the mixing weights at every batch position, in nats: (...)."""
    return _mixture(dist).entropy_of_weights()


def pit(dist: GaussianMixture, target: torch.Tensor) -> torch.Tensor:
    """Probability integral transform F(y) for D = 1: target (..., 1) -> (...) in [0, 1]."""
    return dist.cdf(target)


def interval_coverage(dist: GaussianMixture, target: torch.Tensor,
                      levels=(0.5, 0.8, 0.9, 0.95)) -> dict[float, float]:
    """Fraction of targets inside the central interval of each level, for D = 1."""
    out = {}
    for level in levels:
        lo = dist.icdf(torch.tensor((1 - level) / 2))
        hi = dist.icdf(torch.tensor((1 + level) / 2))
        inside = (target >= lo) & (target <= hi)
        out[level] = inside.double().mean().item()
    return out
