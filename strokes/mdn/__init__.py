"""Mixture density networks that any PyTorch model can use (Bishop 1994; Graves 2013 eqs. 18-26).

    from strokes.mdn import MixtureDensityHead, mixture_nll
    head = MixtureDensityHead(in_features=64, out_dim=2, components=5, covariance="full")
    dist = head(features)                  # a torch.distributions.Distribution
    loss = mixture_nll(dist, targets) + head.penalty()
    draws = dist.tempered(bias=0.5).sample()

Sampling controls, in one place (`tempered`, see `mixture.tempered_parameters`):
    bias b >= 0      Graves 2013 eqs. 61-62: logits * (1 + b), sigma * exp(-b) (= sigma_hat - b).
    temperature > 0  as in sketch-rnn: logits / tau, sigma * sqrt(tau).
Both sharpen towards the heaviest component's mean as b -> inf or tau -> 0. Every sampler draws
the component first and then one Gaussian from it.
"""
from .bivariate import RHO_LIMIT, BivariateGaussianMixture, StrokeMixture
from .diagnostics import component_usage, interval_coverage, mixing_entropy, pit
from .head import MixtureDensityHead, kmeans
from .losses import mixture_nll
from .mixture import GaussianMixture, tempered_parameters

__all__ = [
    "GaussianMixture", "BivariateGaussianMixture", "StrokeMixture", "MixtureDensityHead",
    "mixture_nll", "tempered_parameters", "component_usage", "mixing_entropy", "pit",
    "interval_coverage", "kmeans", "RHO_LIMIT",
]
