"""The output distribution of Graves' handwriting networks (Graves 2013, arXiv 1308.0850, eqs. 18-26).

Each pen offset (dx, dy) is drawn from a mixture of M bivariate Gaussians with means mu_k, standard
deviations sigma_k = (sigma_x, sigma_y) and correlation rho_k (eqs. 18-22); the end-of-stroke flag
is a Bernoulli with probability e (eq. 23). Eq. 24-25 give the bivariate density in closed form,

    N(x | mu, sigma, rho) = exp(-Z / (2 (1 - rho^2))) / (2 pi sigma_x sigma_y sqrt(1 - rho^2)),
    Z = (x1 - mu1)^2 / sigma_x^2 + (x2 - mu2)^2 / sigma_y^2 - 2 rho (x1 - mu1)(x2 - mu2) / (sigma_x sigma_y),

which is the same Gaussian as the Cholesky factor L = [[sigma_x, 0], [rho sigma_y, sigma_y sqrt(1 - rho^2)]]
used by `GaussianMixture` (tests hold the two paths equal). The sequence loss is eq. 26: minus the
sum over time of log sum_k pi_k N(x_{t+1} | ...) plus the Bernoulli log-likelihood of the flag.

Deviation, stated: Graves writes e = 1 / (1 + exp(e_hat)); we use e = sigmoid(eos_logit), the same
family with the sign of the raw output flipped, which a trained network absorbs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.distributions import Distribution, constraints

from .mixture import LOG_2PI, GaussianMixture, tempered_parameters

RHO_LIMIT = 1.0 - 1e-5  # |rho| <= this keeps 1 - rho^2 >= 2e-5, well above float32 resolution


class BivariateGaussianMixture(GaussianMixture):
    """Mixture of M correlated bivariate Gaussians (Graves eqs. 18-25).

    Args:
        logits: (..., M) unnormalised log mixing weights (pi = softmax, eq. 19).
        loc:    (..., M, 2) means (eq. 20).
        scale:  (..., M, 2) standard deviations sigma_x, sigma_y, positive (eq. 21).
        rho:    (..., M) correlations in (-1, 1) (eq. 22); clamped to +-RHO_LIMIT.
    """

    def __init__(self, logits, loc, scale, rho):
        self.scale = scale  # (..., M, 2)
        self.rho = rho.clamp(-RHO_LIMIT, RHO_LIMIT)  # (..., M)
        super().__init__(logits, loc, scale_diag=scale)
        self._scale_diag = None  # the covariance is (scale, rho); scale_tril is built on demand

    @property
    def is_diagonal(self) -> bool:
        return False

    @property
    def scale_tril(self) -> torch.Tensor:
        sx, sy = self.scale.unbind(-1)
        zero = torch.zeros_like(sx)
        row0 = torch.stack([sx, zero], -1)
        row1 = torch.stack([self.rho * sy, sy * self._one_minus_rho2().sqrt()], -1)
        return torch.stack([row0, row1], -2)  # (..., M, 2, 2)

    def _one_minus_rho2(self) -> torch.Tensor:
        return (1 - self.rho) * (1 + self.rho)  # factored: exact near |rho| = 1

    def _component_variance(self) -> torch.Tensor:
        return self.scale.square()

    def component_log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """Closed-form log of eq. 24 for every component: value (..., 2) -> (..., M)."""
        z = (value.unsqueeze(-2) - self.loc) / self.scale  # (..., M, 2) standardised offsets
        zx, zy = z.unbind(-1)
        one_minus = self._one_minus_rho2()
        Z = zx.square() + zy.square() - 2 * self.rho * zx * zy  # eq. 25
        return (-LOG_2PI - self.scale.log().sum(-1) - 0.5 * one_minus.log()
                - Z / (2 * one_minus))

    @torch.no_grad()
    def sample(self, sample_shape=torch.Size()) -> torch.Tensor:
        """One component per draw (Graves section 4.1), then one correlated Gaussian: (S..., B..., 2)."""
        idx = self._draw_component(torch.Size(sample_shape))
        mu = self._gather(self.loc, idx, 1)  # (S..., B..., 2)
        s = self._gather(self.scale, idx, 1)
        rho = self._gather(self.rho.unsqueeze(-1), idx, 1)[..., 0]
        e1, e2 = torch.randn_like(mu).unbind(-1)
        one_minus = ((1 - rho) * (1 + rho)).sqrt()
        x = mu[..., 0] + s[..., 0] * e1
        y = mu[..., 1] + s[..., 1] * (rho * e1 + one_minus * e2)
        return torch.stack([x, y], -1)

    def select(self, index) -> "BivariateGaussianMixture":
        return BivariateGaussianMixture(self.logits[index], self.loc[index], self.scale[index], self.rho[index])

    def tempered(self, bias: float = 0.0, temperature: float = 1.0) -> "BivariateGaussianMixture":
        """Graves' bias (eqs. 61-62) and a temperature; correlations are unchanged."""
        logits, factor = tempered_parameters(self.logits, bias, temperature)
        return BivariateGaussianMixture(logits, self.loc, self.scale * factor, self.rho)


class StrokeMixture(Distribution):
    """Distribution of one pen step (dx, dy, eos): a bivariate mixture times an end-of-stroke Bernoulli.

    Args:
        mixture:    BivariateGaussianMixture over (dx, dy), batch shape (...). Any GaussianMixture
                    over D dimensions works too; the event is then (x_1..x_D, eos).
        eos_logits: (...) logit of the end-of-stroke probability e.
    """

    arg_constraints = {}
    support = constraints.real_vector
    has_rsample = False

    def __init__(self, mixture: GaussianMixture, eos_logits: torch.Tensor):
        self.mixture = mixture
        self.eos_logits = eos_logits  # (...)
        super().__init__(mixture.batch_shape, torch.Size([mixture.dim + 1]), validate_args=False)

    @property
    def eos_probs(self) -> torch.Tensor:
        return torch.sigmoid(self.eos_logits)

    def log_prob(self, value: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """log p(dx, dy) + log p(eos) per step (the negative of eq. 26's summand): (..., 3) -> (...).

        mask (...) bool: where False (padding), the result is exactly 0 and no gradient flows. The
        padded targets are replaced by zeros before use, so garbage padding cannot produce inf/NaN;
        a NaN in a real step is not hidden and propagates to the loss.
        """
        if mask is not None:
            value = torch.where(mask.unsqueeze(-1), value, torch.zeros_like(value))
        eos = value[..., -1]
        log_bernoulli = -F.binary_cross_entropy_with_logits(
            self.eos_logits.expand(eos.shape), eos, reduction="none")
        lp = self.mixture.log_prob(value[..., :-1]) + log_bernoulli
        if mask is not None:
            lp = torch.where(mask, lp, torch.zeros_like(lp))
        return lp

    @torch.no_grad()
    def sample(self, sample_shape=torch.Size()) -> torch.Tensor:
        xy = self.mixture.sample(sample_shape)  # (S..., B..., 2)
        eos = torch.bernoulli(self.eos_probs.expand(xy.shape[:-1]).to(xy.dtype))
        return torch.cat([xy, eos.unsqueeze(-1)], -1)  # (S..., B..., 3)

    def tempered(self, bias: float = 0.0, temperature: float = 1.0) -> "StrokeMixture":
        """Bias and temperature for the pen offsets (see `tempered_parameters`); the end-of-stroke
        logit is divided by the temperature as in sketch-rnn, and is not biased (Graves biases
        only the mixture, eqs. 61-62)."""
        return StrokeMixture(self.mixture.tempered(bias, temperature), self.eos_logits / temperature)

    def select(self, index) -> "StrokeMixture":
        return StrokeMixture(self.mixture.select(index), self.eos_logits[index])

    @property
    def mean(self) -> torch.Tensor:
        return torch.cat([self.mixture.mean, self.eos_probs.unsqueeze(-1)], -1)

    def expand(self, batch_shape, _instance=None):
        raise NotImplementedError("broadcast the parameters instead")

