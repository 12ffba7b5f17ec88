"""`MixtureDensityHead`: an `nn.Module` from features to a Gaussian mixture (Bishop 1994, section 3).

One linear layer produces the raw parameters; `distribution(raw)` turns them into a distribution:

    covariance   raw layout after logits (M) and means (M * D)      distribution
    isotropic    one sigma per component (M)                         GaussianMixture (diagonal)
    diagonal     one sigma per component and dimension (M * D)       GaussianMixture (diagonal)
    full         Cholesky diagonal (M * D), then the strictly lower  GaussianMixture (scale_tril)
                 triangle (M * D (D - 1) / 2)
    bivariate    sigma_x, sigma_y (M * 2), then rho (M), D = 2 only  BivariateGaussianMixture (Graves eqs. 18-22)

and with `end_of_stroke=True` one more raw value, the end-of-stroke logit (Graves eq. 23), wrapping the
mixture in a `StrokeMixture` whose event is (x_1..x_D, eos).

Options, each off by default except where stated (the defaults follow the papers):
- sigma_activation: "exp" (Bishop eq. 29, Graves eq. 21; default, and the only one for which the
  sampling bias equals Graves' sigma_hat - b exactly), "elu" (ELU(s) + 1 + eps: linear growth instead
  of exponential, steadier gradients for generic regression), "softplus" (softplus(s) + eps).
- min_sigma: a floor added to every sigma (against variance collapse onto single points).
- min_weight: every mixing weight is at least this, and the weights still sum to 1.
- gumbel_temperature: in training mode the weights are a Gumbel-softmax relaxation (Jang et al. 2017).
- l1, l2: a penalty on the head's weight matrix, returned by `penalty()` for the caller to add.
- `init_from_data(targets)`: k-means on the targets sets the mean biases (and sigma, weight biases).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .bivariate import BivariateGaussianMixture, StrokeMixture
from .mixture import GaussianMixture, gumbel_softmax_logits

SIGMA_EPS = 1e-6  # keeps elu/softplus sigmas strictly positive, so log(sigma) stays finite
COVARIANCES = ("isotropic", "diagonal", "full", "bivariate")
SIGMA_ACTIVATIONS = ("exp", "elu", "softplus")


def sigma_activation(s: torch.Tensor, kind: str) -> torch.Tensor:
    if kind == "exp":
        return s.exp()
    if kind == "elu":
        return F.elu(s) + 1.0 + SIGMA_EPS
    return F.softplus(s) + SIGMA_EPS


def inverse_sigma_activation(sigma: torch.Tensor, kind: str) -> torch.Tensor:
    """The pre-activation giving `sigma` (used to initialise biases)."""
    if kind == "exp":
        return sigma.log()
    target = (sigma - SIGMA_EPS).clamp_min(SIGMA_EPS)
    if kind == "elu":  # elu(s) + 1 = exp(s) for s < 0, s + 1 for s >= 0
        return torch.where(target < 1, target.log(), target - 1)
    return torch.log(torch.expm1(target))


class MixtureDensityHead(nn.Module):
    def __init__(self, in_features: int, out_dim: int, components: int,
                 covariance: str = "diagonal", sigma_activation: str = "exp",
                 min_sigma: float = 0.0, min_weight: float = 0.0, end_of_stroke: bool = False,
                 gumbel_temperature: float | None = None, l1: float = 0.0, l2: float = 0.0):
        super().__init__()
        if covariance not in COVARIANCES:
            raise ValueError(f"covariance must be one of {COVARIANCES}, got {covariance!r}")
        if sigma_activation not in SIGMA_ACTIVATIONS:
            raise ValueError(f"sigma_activation must be one of {SIGMA_ACTIVATIONS}, got {sigma_activation!r}")
        if covariance == "bivariate" and out_dim != 2:
            raise ValueError(f"the bivariate parameterisation needs out_dim = 2, got {out_dim}")
        if not 0 <= min_weight * components < 1:
            raise ValueError(f"min_weight * components must be in [0, 1), got {min_weight * components}")
        self.out_dim, self.components, self.covariance = out_dim, components, covariance
        self.sigma_activation = sigma_activation
        self.min_sigma, self.min_weight = min_sigma, min_weight
        self.end_of_stroke, self.gumbel_temperature = end_of_stroke, gumbel_temperature
        self.l1, self.l2 = l1, l2

        M, D = components, out_dim
        n_scale = {"isotropic": M, "diagonal": M * D, "full": M * D + M * D * (D - 1) // 2,
                   "bivariate": M * 2 + M}[covariance]
        self.sizes = [M, M * D, n_scale] + ([1] if end_of_stroke else [])  # raw layout
        self.num_params = sum(self.sizes)
        self.proj = nn.Linear(in_features, self.num_params)

    def forward(self, x: torch.Tensor):
        return self.distribution(self.proj(x))  # x (..., in_features)

    def distribution(self, raw: torch.Tensor):
        """Raw parameters (..., num_params) -> GaussianMixture / BivariateGaussianMixture / StrokeMixture."""
        M, D = self.components, self.out_dim
        parts = raw.split(self.sizes, dim=-1)
        logits = self._mixing_log_weights(parts[0])  # (..., M)
        loc = parts[1].unflatten(-1, (M, D))  # (..., M, D)
        s = parts[2]
        if self.covariance == "isotropic":
            mixture = GaussianMixture(logits, loc, scale_diag=self._sigma(s).unsqueeze(-1).expand_as(loc))
        elif self.covariance == "diagonal":
            mixture = GaussianMixture(logits, loc, scale_diag=self._sigma(s.unflatten(-1, (M, D))))
        elif self.covariance == "bivariate":
            scale = self._sigma(s[..., :2 * M].unflatten(-1, (M, 2)))  # (..., M, 2)
            mixture = BivariateGaussianMixture(logits, loc, scale, torch.tanh(s[..., 2 * M:]))
        else:
            diag = self._sigma(s[..., :M * D].unflatten(-1, (M, D)))  # (..., M, D)
            rows, cols = torch.tril_indices(D, D, offset=-1, device=raw.device)
            off = s[..., M * D:].unflatten(-1, (M, len(rows)))  # (..., M, D(D-1)/2)
            tril = raw.new_zeros(off.shape[:-1] + (D, D))
            tril[..., rows, cols] = off
            mixture = GaussianMixture(logits, loc, tril + torch.diag_embed(diag))
        if self.end_of_stroke:
            return StrokeMixture(mixture, parts[3].squeeze(-1))
        return mixture

    def _sigma(self, s: torch.Tensor) -> torch.Tensor:
        return self.min_sigma + sigma_activation(s, self.sigma_activation)

    def _mixing_log_weights(self, raw_logits: torch.Tensor) -> torch.Tensor:
        if self.gumbel_temperature is not None and self.training:
            log_pi = gumbel_softmax_logits(raw_logits, self.gumbel_temperature)
        else:
            log_pi = F.log_softmax(raw_logits, dim=-1)
        if self.min_weight > 0:  # pi = w + (1 - M w) softmax: each >= w, still sums to 1
            M, w = self.components, self.min_weight
            log_pi = torch.logaddexp(torch.full_like(log_pi, math.log(w)), math.log1p(-M * w) + log_pi)
        return log_pi

    def penalty(self) -> torch.Tensor:
        """L1/L2 penalty on the weight matrix (biases are not penalised); add it to the loss."""
        w = self.proj.weight
        return self.l1 * w.abs().sum() + self.l2 * w.square().sum()

    @torch.no_grad()
    def init_from_data(self, targets: torch.Tensor, iterations: int = 25, seed: int = 0) -> torch.Tensor:
        """Start the means at k-means centres of the targets (N, D) and shrink the mean weights, so
        every component begins where data lies (instead of all at 0); the sigma biases start at the
        clusters' spreads and the weight biases at their sizes. Returns the centres (M, D)."""
        targets = targets.reshape(-1, self.out_dim).to(self.proj.weight)
        centres, assign = kmeans(targets, self.components, iterations, seed)
        M, D = self.components, self.out_dim
        counts = torch.bincount(assign, minlength=M).to(targets)
        spread = torch.stack([targets[assign == k].std(0, unbiased=False) if counts[k] > 1
                              else targets.std(0, unbiased=False) for k in range(M)])  # (M, D)
        spread = (spread - self.min_sigma).clamp_min(1e-3 * targets.std().clamp_min(1e-12))
        pre = inverse_sigma_activation(spread, self.sigma_activation)
        w, b = self.proj.weight, self.proj.bias
        start = list(torch.tensor(self.sizes).cumsum(0) - torch.tensor(self.sizes))
        b[start[0]:start[0] + M] = counts.clamp_min(1).log()
        b[start[1]:start[1] + M * D] = centres.flatten()
        w[start[1]:start[1] + M * D] *= 0.1  # the input moves the means, but starts them near the centres
        s0 = start[2]
        if self.covariance == "isotropic":
            b[s0:s0 + M] = pre.mean(-1)
        else:  # diagonal, full (Cholesky diagonal first) and bivariate (sigma_x, sigma_y first)
            b[s0:s0 + M * D] = pre.flatten()
        return centres


def kmeans(x: torch.Tensor, k: int, iterations: int = 25, seed: int = 0):
    """Lloyd's k-means with k-means++ seeding: x (N, D) -> centres (k, D), assignment (N,)."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    n = x.shape[0]
    if n < k:
        raise ValueError(f"k-means needs at least {k} points, got {n}")
    centres = x[torch.randint(n, (1,), generator=g)]
    for _ in range(1, k):  # k-means++: next centre with probability proportional to squared distance
        d2 = torch.cdist(x, centres).amin(1).square()
        p = d2 / d2.sum() if d2.sum() > 0 else torch.full_like(d2, 1.0 / n)
        centres = torch.cat([centres, x[torch.multinomial(p.cpu(), 1, generator=g).to(x.device)]])
    for _ in range(iterations):
        assign = torch.cdist(x, centres).argmin(1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                centres[j] = members.mean(0)
    return centres, torch.cdist(x, centres).argmin(1)
