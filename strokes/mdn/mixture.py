"""Gaussian mixtures over D-dimensional vectors, as a `torch.distributions.Distribution`.

This is the distribution a mixture density network emits (Bishop 1994, "Mixture Density Networks",
eqs. 22-27): mixing weights pi_k = softmax(logits)_k, component means mu_k and covariances
Sigma_k = L_k L_k^T given by a lower-triangular Cholesky factor L_k (or by a diagonal of standard
deviations, the cheaper special case). Everything is computed in log space: the density of the
mixture is a log-sum-exp over components, never a sum of products of probabilities.

Beyond `log_prob` and `sample` it offers the summaries people ask of a predictive distribution:
`mean`, `variance` and `covariance_matrix` (law of total variance), `mode()` (a true mode, found by
the fixed-point iteration of Carreira-Perpinan 2000 started from every component mean), and, for
D = 1, `cdf`, `icdf` (by bisection, so quantiles and the median exist) and the closed-form CRPS of a
Gaussian mixture (Grimit et al. 2006).

Sampling controls (Graves 2013 bias, eqs. 61-62; sketch-rnn temperature) live in `tempered`.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch.distributions import Distribution, constraints

LOG_2PI = math.log(2 * math.pi)
ICDF_BISECTION_STEPS = 100  # halves the bracket 100 times: far below float64 resolution
ICDF_BRACKET_SIGMAS = 40.0  # Phi(-40) underflows float64, so every quantile lies inside this bracket


def normal_cdf(z: torch.Tensor) -> torch.Tensor:
    """Standard normal CDF, via erfc so the lower tail keeps its relative precision."""
    return 0.5 * torch.erfc(-z / math.sqrt(2.0))


def normal_pdf(z: torch.Tensor) -> torch.Tensor:
    return torch.exp(-0.5 * z * z - 0.5 * LOG_2PI)


def tempered_parameters(logits, bias: float, temperature: float):
    """Shared sampling controls, in one place.

    bias b (Graves 2013, eqs. 61-62): logits * (1 + b) and sigma * exp(-b), which is exactly
        sigma_hat - b for the exp activation; b = 0 leaves the distribution alone, b -> inf
        picks the heaviest component and shrinks it to its mean.
    temperature tau (as in sketch-rnn): logits / tau and variances * tau (sigma * sqrt(tau));
        tau = 1 leaves the distribution alone, tau -> 0 is the same limit as b -> inf.
    Returns the new logits and the factor by which every standard deviation is multiplied.
    """
    if bias < 0:
        raise ValueError(f"bias must be >= 0, got {bias}")
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    new_logits = logits * (1.0 + bias) / temperature
    scale_factor = math.exp(-bias) * math.sqrt(temperature)
    return new_logits, scale_factor


class GaussianMixture(Distribution):
    """Mixture of M Gaussians over R^D.

    Args:
        logits:     (..., M) unnormalised log mixing weights.
        loc:        (..., M, D) component means.
        scale_tril: (..., M, D, D) lower-triangular Cholesky factors with a positive diagonal, or
        scale_diag: (..., M, D) standard deviations (diagonal covariance; exactly one of the two).
    """

    arg_constraints = {}
    support = constraints.real_vector
    has_rsample = False

    def __init__(self, logits, loc, scale_tril=None, *, scale_diag=None):
        if (scale_tril is None) == (scale_diag is None):
            raise ValueError("give exactly one of scale_tril or scale_diag")
        self.logits = logits - logits.logsumexp(-1, keepdim=True)  # (..., M) normalised log pi
        self.loc = loc  # (..., M, D)
        self._scale_tril = scale_tril
        self._scale_diag = scale_diag
        batch_shape = torch.broadcast_shapes(logits.shape[:-1], loc.shape[:-2])
        super().__init__(batch_shape, loc.shape[-1:], validate_args=False)

    # --- parameters -------------------------------------------------------------------------
    @property
    def components(self) -> int:
        return self.loc.shape[-2]

    @property
    def dim(self) -> int:
        return self.loc.shape[-1]

    @property
    def is_diagonal(self) -> bool:
        return self._scale_diag is not None

    @property
    def mixture_probs(self) -> torch.Tensor:
        return self.logits.exp()  # (..., M)

    @property
    def scale_tril(self) -> torch.Tensor:
        if self._scale_tril is None:
            return torch.diag_embed(self._scale_diag)  # (..., M, D, D)
        return self._scale_tril

    @property
    def component_covariance(self) -> torch.Tensor:
        L = self.scale_tril
        return L @ L.transpose(-1, -2)  # (..., M, D, D)

    def _component_variance(self) -> torch.Tensor:
        if self.is_diagonal:
            return self._scale_diag.square()  # (..., M, D)
        return self._scale_tril.square().sum(-1)  # diag(L L^T): (..., M, D)

    # --- density ------------------------------------------------------------------------------
    def component_log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """log N(value | mu_k, Sigma_k) for every component: value (..., D) -> (..., M)."""
        diff = value.unsqueeze(-2) - self.loc  # (..., M, D)
        if self.is_diagonal:
            z = diff / self._scale_diag
            log_det = self._scale_diag.log().sum(-1)
        else:
            L = self._scale_tril.expand(diff.shape + diff.shape[-1:])
            z = torch.linalg.solve_triangular(L, diff.unsqueeze(-1), upper=False).squeeze(-1)
            log_det = self._scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self.dim * LOG_2PI + z.square().sum(-1)) - log_det  # (..., M)

    def log_prob(self, value: torch.Tensor) -> torch.Tensor:
        """log p(value) = logsumexp_k(log pi_k + log N_k(value)): value (..., D) -> (...)."""
        return torch.logsumexp(self.logits + self.component_log_prob(value), dim=-1)

    def posterior(self, value: torch.Tensor) -> torch.Tensor:
        """Responsibilities p(k | value): (..., D) -> (..., M), summing to 1."""
        return torch.softmax(self.logits + self.component_log_prob(value), dim=-1)

    # --- sampling -----------------------------------------------------------------------------
    def _draw_component(self, sample_shape) -> torch.Tensor:
        logits = self.logits.expand(self.batch_shape + (self.components,))
        return torch.distributions.Categorical(logits=logits).sample(sample_shape)  # (S..., B...)

    @staticmethod
    def _gather(t: torch.Tensor, idx: torch.Tensor, event_dims: int) -> torch.Tensor:
        """Select component idx from t (B..., M, *event) for idx (S..., B...) -> (S..., B..., *event)."""
        event = t.shape[t.dim() - event_dims:]
        t = t.expand(idx.shape + (t.shape[-event_dims - 1],) + event)
        index = idx.reshape(idx.shape + (1,) * (event_dims + 1)).expand(idx.shape + (1,) + event)
        return t.gather(idx.dim(), index).squeeze(idx.dim())

    @torch.no_grad()
    def sample(self, sample_shape=torch.Size()) -> torch.Tensor:
        """Choose one component per draw, then draw one Gaussian from it: (S..., B..., D)."""
        idx = self._draw_component(torch.Size(sample_shape))  # (S..., B...)
        loc = self._gather(self.loc, idx, 1)  # (S..., B..., D)
        eps = torch.randn_like(loc)
        if self.is_diagonal:
            return loc + self._gather(self._scale_diag, idx, 1) * eps
        L = self._gather(self._scale_tril, idx, 2)  # (S..., B..., D, D)
        return loc + (L @ eps.unsqueeze(-1)).squeeze(-1)

    def tempered(self, bias: float = 0.0, temperature: float = 1.0) -> "GaussianMixture":
        """The same mixture with Graves' bias and a temperature applied (see tempered_parameters)."""
        logits, factor = tempered_parameters(self.logits, bias, temperature)
        if self.is_diagonal:
            return GaussianMixture(logits, self.loc, scale_diag=self._scale_diag * factor)
        return GaussianMixture(logits, self.loc, self._scale_tril * factor)

    # --- moments ------------------------------------------------------------------------------
    @property
    def mean(self) -> torch.Tensor:
        return (self.mixture_probs.unsqueeze(-1) * self.loc).sum(-2)  # (..., D)

    @property
    def variance(self) -> torch.Tensor:
        """Marginal variances by the law of total variance: E[Var] + Var[E]."""
        pi = self.mixture_probs.unsqueeze(-1)  # (..., M, 1)
        second = (pi * (self._component_variance() + self.loc.square())).sum(-2)
        return second - self.mean.square()  # (..., D)

    @property
    def covariance_matrix(self) -> torch.Tensor:
        pi = self.mixture_probs[..., None, None]  # (..., M, 1, 1)
        centred = self.loc - self.mean.unsqueeze(-2)  # (..., M, D)
        outer = centred.unsqueeze(-1) * centred.unsqueeze(-2)
        return (pi * (self.component_covariance + outer)).sum(-3)  # (..., D, D)

    def mode(self, iterations: int = 200, tol: float = 1e-10) -> torch.Tensor:
        """The highest mode of the mixture: (..., D).

        Fixed-point (EM) iteration x <- (sum_k r_k P_k)^-1 sum_k r_k P_k mu_k, with P_k = Sigma_k^-1
        and r_k the responsibilities at x (Carreira-Perpinan 2000), started from every component
        mean; every start climbs to a mode, and the one with the highest density is returned.
        For well-separated components this is close to the heaviest component's mean, but where
        components overlap the mode lies between them.
        """
        with torch.no_grad():
            precision = torch.cholesky_inverse(self.scale_tril)  # (..., M, D, D)
            p_mu = (precision @ self.loc.unsqueeze(-1)).squeeze(-1)  # (..., M, D)
            starts = self._per_start()  # the same mixture with a start axis: (..., 1) batch
            x = self.loc.expand(self.batch_shape + self.loc.shape[-2:]).clone()  # (..., S=M, D)
            for _ in range(iterations):
                r = starts.posterior(x)  # (..., S, M)
                a = torch.einsum("...sm,...mij->...sij", r, precision)
                b = torch.einsum("...sm,...mi->...si", r, p_mu)
                new = torch.linalg.solve(a, b)  # (..., S, D)
                step = (new - x).abs().max()
                x = new
                if step <= tol:
                    break
            best = starts.log_prob(x).argmax(-1)  # (...)
            return x.gather(-2, best[..., None, None].expand(best.shape + (1, self.dim))).squeeze(-2)

    def select(self, index) -> "GaussianMixture":
        """The mixture at a batch index (any indexing of the leading batch dimensions)."""
        if self.is_diagonal:
            return GaussianMixture(self.logits[index], self.loc[index], scale_diag=self._scale_diag[index])
        return GaussianMixture(self.logits[index], self.loc[index], self._scale_tril[index])

    def _per_start(self) -> "GaussianMixture":
        """This mixture with a singleton batch axis added last, to evaluate it at S points at once."""
        if self.is_diagonal:
            return GaussianMixture(self.logits.unsqueeze(-2), self.loc.unsqueeze(-3),
                                   scale_diag=self._scale_diag.unsqueeze(-3))
        return GaussianMixture(self.logits.unsqueeze(-2), self.loc.unsqueeze(-3),
                               self.scale_tril.unsqueeze(-4))

    # --- univariate (D = 1) -------------------------------------------------------------------
    def _univariate(self):
        if self.dim != 1:
            raise ValueError(f"only defined for D = 1, this mixture has D = {self.dim}")
        return self.loc[..., 0], self._component_variance()[..., 0].sqrt()  # (..., M) each

    def cdf(self, value: torch.Tensor) -> torch.Tensor:
        """P(X <= value) for D = 1: value (..., 1) -> (...)."""
        mu, sigma = self._univariate()
        return (self.mixture_probs * normal_cdf((value - mu) / sigma)).sum(-1)

    def icdf(self, q: torch.Tensor) -> torch.Tensor:
        """Quantile function for D = 1 by bisection on the CDF: q (...) -> (..., 1)."""
        mu, sigma = self._univariate()
        q = torch.as_tensor(q, dtype=mu.dtype, device=mu.device)
        shape = torch.broadcast_shapes(q.shape, self.batch_shape)
        lo = (mu - ICDF_BRACKET_SIGMAS * sigma).amin(-1).expand(shape).clone()
        hi = (mu + ICDF_BRACKET_SIGMAS * sigma).amax(-1).expand(shape).clone()
        with torch.no_grad():
            for _ in range(ICDF_BISECTION_STEPS):
                mid = 0.5 * (lo + hi)
                below = self.cdf(mid.unsqueeze(-1)) < q
                lo = torch.where(below, mid, lo)
                hi = torch.where(below, hi, mid)
        return (0.5 * (lo + hi)).unsqueeze(-1)

    def crps(self, value: torch.Tensor) -> torch.Tensor:
        """Continuous ranked probability score for D = 1, closed form (Grimit et al. 2006):

        CRPS = sum_k pi_k A(y - mu_k, s_k^2) - 1/2 sum_kj pi_k pi_j A(mu_k - mu_j, s_k^2 + s_j^2),
        A(m, v) = m (2 Phi(m / sqrt v) - 1) + 2 sqrt(v) phi(m / sqrt v). value (..., 1) -> (...).
        """
        mu, sigma = self._univariate()
        pi = self.mixture_probs

        def a(m, v):
            s = v.sqrt()
            return m * (2 * normal_cdf(m / s) - 1) + 2 * s * normal_pdf(m / s)

        first = (pi * a(value - mu, sigma.square())).sum(-1)
        pair_m = mu.unsqueeze(-1) - mu.unsqueeze(-2)  # (..., M, M)
        pair_v = sigma.square().unsqueeze(-1) + sigma.square().unsqueeze(-2)
        second = (pi.unsqueeze(-1) * pi.unsqueeze(-2) * a(pair_m, pair_v)).sum((-1, -2))
        return first - 0.5 * second

    def entropy_of_weights(self) -> torch.Tensor:
        """Entropy of the mixing weights in nats (0 = one component, log M = uniform): (...)."""
        return -(self.mixture_probs * self.logits).sum(-1)

    def expand(self, batch_shape, _instance=None):
        raise NotImplementedError("broadcast the parameters instead")


def gumbel_softmax_logits(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """Log of relaxed one-hot mixing weights (Jang et al. 2017): log softmax((logits + g) / tau)."""
    u = torch.rand_like(logits).clamp_(1e-20, 1.0)  # clamp: log(0) would give -inf Gumbel noise
    return F.log_softmax((logits - torch.log(-torch.log(u))) / temperature, dim=-1)
