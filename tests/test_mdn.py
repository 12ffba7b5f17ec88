"""strokes.mdn checked against torch.distributions, naive loops and Monte Carlo."""
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.distributions import Categorical, MixtureSameFamily, MultivariateNormal

from strokes.mdn import (BivariateGaussianMixture, GaussianMixture, MixtureDensityHead, StrokeMixture,
                         component_usage, interval_coverage, kmeans, mixing_entropy, mixture_nll, pit)

CASES = [(cov, d) for cov in ("isotropic", "diagonal", "full") for d in (1, 2, 3)] + [("bivariate", 2)]
ACTIVATIONS = ("exp", "elu", "softplus")


def reference(dist: GaussianMixture) -> MixtureSameFamily:
    return MixtureSameFamily(Categorical(logits=dist.logits),
                             MultivariateNormal(dist.loc, scale_tril=dist.scale_tril))


def random_head(cov, d, m=4, features=6, seed=0, **kw):
    torch.manual_seed(seed)
    return MixtureDensityHead(features, d, m, covariance=cov, **kw).double()


@pytest.mark.parametrize("cov,d", CASES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), batch=st.integers(1, 6), m=st.integers(1, 5),
       spread=st.floats(0.1, 5.0), activation=st.sampled_from(ACTIVATIONS))
def test_log_prob_matches_torch_mixture(cov, d, seed, batch, m, spread, activation):
    head = random_head(cov, d, m, seed=seed, sigma_activation=activation)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 6, generator=g, dtype=torch.float64) * spread
    y = torch.randn(batch, d, generator=g, dtype=torch.float64) * spread
    dist = head(x)
    torch.testing.assert_close(dist.log_prob(y), reference(dist).log_prob(y), atol=1e-5, rtol=1e-5)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), rho_max=st.sampled_from([0.5, 0.99, 0.9999]))
def test_bivariate_closed_form_equals_cholesky_path(seed, rho_max):
    g = torch.Generator().manual_seed(seed)
    kw = dict(generator=g, dtype=torch.float64)
    logits, loc = torch.randn(7, 5, **kw), torch.randn(7, 5, 2, **kw)
    scale = torch.rand(7, 5, 2, **kw) * 2 + 0.05
    rho = (torch.rand(7, 5, **kw) * 2 - 1) * rho_max
    y = torch.randn(7, 2, **kw) * 2
    closed = BivariateGaussianMixture(logits, loc, scale, rho)
    cholesky = GaussianMixture(logits, loc, closed.scale_tril)
    torch.testing.assert_close(closed.log_prob(y), cholesky.log_prob(y), atol=1e-5, rtol=1e-5)
    # and against eq. 24 written out for one component
    one = BivariateGaussianMixture(logits[:, :1], loc[:, :1], scale[:, :1], rho[:, :1])
    z = (y - loc[:, 0]) / scale[:, 0]
    Z = z[:, 0] ** 2 + z[:, 1] ** 2 - 2 * rho[:, 0] * z[:, 0] * z[:, 1]
    eq24 = -Z / (2 * (1 - rho[:, 0] ** 2)) - torch.log(
        2 * math.pi * scale[:, 0, 0] * scale[:, 0, 1] * torch.sqrt(1 - rho[:, 0] ** 2))
    torch.testing.assert_close(one.log_prob(y), eq24, atol=1e-8, rtol=1e-8)


@pytest.mark.parametrize("cov,d", CASES)
@pytest.mark.parametrize("sigma", [1e-6, 1e6])
@pytest.mark.parametrize("logit", [1e4, -1e4])
def test_finite_values_and_gradients_at_extremes(cov, d, sigma, logit):
    """float32, sigmas of 1e-6 and 1e6, logits of +-1e4, |rho| = 0.9999, targets far from all means."""
    m = 3
    logits = torch.tensor([logit, 0.0, -logit]).repeat(2, 1).requires_grad_()
    loc = torch.zeros(2, m, d).requires_grad_()
    log_sigma = torch.full((2, m, d), math.log(sigma)).requires_grad_()
    y = torch.full((2, d), 1e3)
    if cov == "bivariate":
        rho = torch.tensor([0.9999, -0.9999, 0.0]).repeat(2, 1).requires_grad_()
        dist = BivariateGaussianMixture(logits, loc, log_sigma.exp(), rho)
        leaves = [logits, loc, log_sigma, rho]
    elif cov == "full":
        off = torch.full((2, m, d, d), 0.5).tril(-1).requires_grad_()
        dist = GaussianMixture(logits, loc, torch.diag_embed(log_sigma.exp()) + off * sigma)
        leaves = [logits, loc, log_sigma, off]
    else:
        dist = GaussianMixture(logits, loc, scale_diag=log_sigma.exp())
        leaves = [logits, loc, log_sigma]
    lp = dist.log_prob(y)
    assert torch.isfinite(lp).all(), lp
    lp.sum().backward()
    for leaf in leaves:
        assert torch.isfinite(leaf.grad).all()


def test_stroke_mixture_extreme_rho_is_finite_through_the_head():
    head = MixtureDensityHead(4, 2, 3, covariance="bivariate", end_of_stroke=True)
    with torch.no_grad():
        head.proj.weight.zero_()
        head.proj.bias.fill_(30.0)  # tanh(30) = 1 in float32: rho hits the clamp
    x = torch.randn(5, 4, requires_grad=True)
    dist = head(x)
    assert dist.mixture.rho.abs().max() < 1
    target = torch.tensor([[1e2, -1e2, 1.0]]).expand(5, 3)
    lp = dist.log_prob(target)
    lp.sum().backward()
    assert torch.isfinite(lp).all() and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("cov,d", CASES)
def test_sample_moments_match_mean_and_variance(cov, d):
    head = random_head(cov, d, m=3, seed=1)
    dist = head(torch.randn(2, 6, dtype=torch.float64))
    torch.manual_seed(0)
    n = 40_000
    draws = dist.sample((n,))  # (n, 2, d)
    assert draws.shape == (n, 2, d)
    mean, var = dist.mean.detach(), dist.variance.detach()
    # standard errors of the sample mean and the sample variance (4th moment bounded by 3 var^2 * 3)
    se_mean = (var / n).sqrt()
    torch.testing.assert_close(draws.mean(0), mean, atol=float(5 * se_mean.max()), rtol=0)
    emp_var = draws.var(0)
    assert ((emp_var - var).abs() <= 6 * var * math.sqrt(8 / n)).all(), (emp_var, var)
    # the full covariance, too (law of total variance)
    centred = draws - draws.mean(0)
    emp_cov = torch.einsum("nbi,nbj->bij", centred, centred) / (n - 1)
    torch.testing.assert_close(emp_cov, dist.covariance_matrix, atol=float(8 * var.max() / math.sqrt(n) * 3),
                               rtol=0)


@pytest.mark.parametrize("cov,d", CASES)
@pytest.mark.parametrize("control", [dict(bias=500.0), dict(temperature=1e-14)])
def test_strong_bias_or_cold_temperature_concentrates_at_heaviest_mean(cov, d, control):
    head = random_head(cov, d, m=4, seed=2)
    dist = head(torch.randn(3, 6, dtype=torch.float64))
    heaviest = dist.loc.gather(-2, dist.logits.argmax(-1)[:, None, None].expand(3, 1, d)).squeeze(-2)
    draws = dist.tempered(**control).sample((500,))
    torch.testing.assert_close(draws, heaviest.expand_as(draws), atol=1e-5, rtol=0)


def test_bias_is_graves_sigma_hat_minus_b_for_exp_activation():
    head = random_head("bivariate", 2, m=5, seed=3, end_of_stroke=True)
    raw = head.proj(torch.randn(4, 6, dtype=torch.float64))
    b = 0.7
    biased = head.distribution(raw).tempered(bias=b)
    M = 5
    by_hand = raw.clone()
    by_hand[..., :M] *= 1 + b  # eq. 61
    by_hand[..., 3 * M:5 * M] -= b  # eq. 62: sigma_hat - b
    expected = head.distribution(by_hand)
    torch.testing.assert_close(biased.mixture.logits, expected.mixture.logits)
    torch.testing.assert_close(biased.mixture.scale, expected.mixture.scale)
    y = torch.randn(4, 3, dtype=torch.float64)
    y[:, 2] = 1
    torch.testing.assert_close(biased.log_prob(y), expected.log_prob(y))


def test_negative_bias_is_rejected():
    dist = random_head("diagonal", 1)(torch.randn(2, 6, dtype=torch.float64))
    with pytest.raises(ValueError, match="bias"):
        dist.tempered(bias=-0.1)


def test_sampling_draws_one_component_per_sample():
    """Two far-apart components: every draw lies near one mean, never between them."""
    dist = GaussianMixture(torch.zeros(2), torch.tensor([[-100.0], [100.0]]), scale_diag=torch.ones(2, 1))
    draws = dist.sample((10_000,))[:, 0]
    assert ((draws.abs() - 100).abs() < 6).all()
    assert abs((draws > 0).double().mean().item() - 0.5) < 0.03


def test_mode_finds_the_mixture_mode_not_the_heaviest_mean():
    # two overlapping components: the single mode lies between the means, off both of them
    logits = torch.log(torch.tensor([0.6, 0.4], dtype=torch.float64))
    loc = torch.tensor([[0.0], [1.2]], dtype=torch.float64)
    dist = GaussianMixture(logits, loc, scale_diag=torch.ones(2, 1, dtype=torch.float64))
    grid = torch.linspace(-3, 4, 700_001, dtype=torch.float64).unsqueeze(-1)
    by_grid = grid[dist.log_prob(grid).argmax()]
    mode = dist.mode()
    assert abs(mode.item() - by_grid.item()) < 2e-5
    assert 0.05 < mode.item() < 1.15


@pytest.mark.parametrize("cov,d", [("full", 2), ("bivariate", 2), ("diagonal", 2)])
def test_mode_matches_grid_search_in_2d(cov, d):
    head = random_head(cov, d, m=3, seed=4)
    dist = head(torch.randn(2, 6, dtype=torch.float64))
    mode = dist.mode()  # (2, 2)
    lo, hi = dist.loc.detach().amin((1,)) - 3, dist.loc.detach().amax((1,)) + 3
    for b in range(2):
        xs = torch.linspace(float(lo[b, 0]), float(hi[b, 0]), 601, dtype=torch.float64)
        ys = torch.linspace(float(lo[b, 1]), float(hi[b, 1]), 601, dtype=torch.float64)
        grid = torch.cartesian_prod(xs, ys)
        one = GaussianMixture(dist.logits[b], dist.loc[b], dist.scale_tril[b])
        best = one.log_prob(grid).max()
        assert one.log_prob(mode[b]) >= best - 1e-6  # at least as high as the best grid point


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), q=st.floats(1e-6, 1 - 1e-6))
def test_cdf_of_icdf_is_identity(seed, q):
    dist = random_head("diagonal", 1, m=4, seed=seed % 1000)(torch.randn(3, 6, dtype=torch.float64))
    x = dist.icdf(torch.tensor(q, dtype=torch.float64))
    assert x.shape == (3, 1)
    torch.testing.assert_close(dist.cdf(x), torch.full((3,), q, dtype=torch.float64), atol=1e-10, rtol=0)


def test_cdf_matches_sampling_and_median_exists():
    dist = GaussianMixture(torch.tensor([0.0, 1.0]), torch.tensor([[-2.0], [3.0]]),
                           scale_diag=torch.tensor([[0.5], [1.5]]))
    torch.manual_seed(0)
    draws = dist.sample((50_000,))
    for x in (-2.5, 0.0, 2.0, 4.0):
        empirical = (draws <= x).double().mean().item()
        assert abs(dist.cdf(torch.tensor([x])).item() - empirical) < 0.01
    median = dist.icdf(torch.tensor(0.5))
    assert abs((draws <= median).double().mean().item() - 0.5) < 0.01


def test_crps_matches_monte_carlo():
    dist = random_head("diagonal", 1, m=3, seed=5)(torch.randn(4, 6, dtype=torch.float64))
    y = torch.tensor([[-1.0], [0.0], [0.5], [3.0]], dtype=torch.float64)
    torch.manual_seed(0)
    x, x2 = dist.sample((200_000,)), dist.sample((200_000,))
    mc = (x - y).abs().mean(0)[:, 0] - 0.5 * (x - x2).abs().mean(0)[:, 0]  # E|X-y| - E|X-X'|/2
    torch.testing.assert_close(dist.crps(y), mc, atol=0.01, rtol=0.01)


def test_crps_of_a_single_gaussian_matches_its_textbook_formula():
    mu, s, y = 0.3, 1.7, torch.tensor([[1.1]], dtype=torch.float64)
    dist = GaussianMixture(torch.zeros(1, 1, dtype=torch.float64), torch.tensor([[[mu]]], dtype=torch.float64),
                           scale_diag=torch.tensor([[[s]]], dtype=torch.float64))
    z = (1.1 - mu) / s
    phi = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    Phi = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    expected = s * (z * (2 * Phi - 1) + 2 * phi - 1 / math.sqrt(math.pi))  # Gneiting & Raftery 2007
    assert abs(dist.crps(y).item() - expected) < 1e-12


@pytest.mark.parametrize("cov,d", CASES)
def test_masked_nll_ignores_padded_steps_exactly(cov, d):
    eos = cov == "bivariate"
    head = random_head(cov, d, m=3, seed=6, end_of_stroke=eos)
    x = torch.randn(3, 5, 6, dtype=torch.float64, requires_grad=True)
    target = torch.randn(3, 5, d + eos, dtype=torch.float64)
    if eos:
        target[..., -1] = (target[..., -1] > 0).double()
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], dtype=torch.bool)
    padded = target.clone()
    padded[~mask] = torch.tensor(float("nan"))  # garbage in padding must not matter
    per_step = mixture_nll(head(x), padded, mask, reduction="none")
    assert (per_step[~mask] == 0).all()
    naive = torch.stack([-head(x[b, t]).log_prob(target[b, t]) for b in range(3) for t in range(5) if mask[b, t]])
    torch.testing.assert_close(per_step[mask], naive)
    torch.testing.assert_close(mixture_nll(head(x), padded, mask), naive.mean())
    mixture_nll(head(x), padded, mask, reduction="sum").backward()
    assert torch.isfinite(x.grad).all() and (x.grad[~mask] == 0).all()


def test_nan_in_a_real_step_is_not_hidden():
    head = random_head("bivariate", 2, seed=7, end_of_stroke=True)
    target = torch.zeros(2, 3, 3, dtype=torch.float64)
    target[0, 1, 0] = float("nan")
    loss = mixture_nll(head(torch.randn(2, 3, 6, dtype=torch.float64)), target, torch.ones(2, 3, dtype=torch.bool))
    assert torch.isnan(loss)


def test_stroke_mixture_log_prob_is_mixture_plus_bernoulli():
    head = random_head("bivariate", 2, seed=8, end_of_stroke=True)
    dist = head(torch.randn(6, 6, dtype=torch.float64))
    assert isinstance(dist, StrokeMixture)
    target = torch.randn(6, 3, dtype=torch.float64)
    target[:, 2] = torch.tensor([0, 1, 0, 1, 1, 0], dtype=torch.float64)
    e = dist.eos_probs
    bern = torch.where(target[:, 2] > 0, e.log(), (1 - e).log())
    torch.testing.assert_close(dist.log_prob(target), reference(dist.mixture).log_prob(target[:, :2]) + bern)
    draws = dist.sample((20_000,))
    assert set(draws[..., 2].unique().tolist()) <= {0.0, 1.0}
    torch.testing.assert_close(draws[..., 2].mean(0), e, atol=0.02, rtol=0)


def test_min_weight_floor_keeps_weights_normalised():
    head = random_head("diagonal", 2, m=5, seed=9, min_weight=0.05)
    with torch.no_grad():
        head.proj.bias[:5] = torch.tensor([50.0, -50.0, 0.0, 0.0, 0.0])
    pi = head(torch.randn(8, 6, dtype=torch.float64)).mixture_probs
    torch.testing.assert_close(pi.sum(-1), torch.ones(8, dtype=torch.float64))
    assert (pi >= 0.05 - 1e-12).all()
    with pytest.raises(ValueError, match="min_weight"):
        MixtureDensityHead(4, 1, 10, min_weight=0.1)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_min_sigma_floor_and_activation_inverse(activation):
    head = random_head("diagonal", 1, m=3, seed=10, sigma_activation=activation, min_sigma=0.2)
    with torch.no_grad():
        head.proj.bias[6:9] = -1e3
        head.proj.weight.zero_()
    scale = head(torch.randn(4, 6, dtype=torch.float64)).scale_tril
    assert (scale.diagonal(dim1=-2, dim2=-1) >= 0.2).all()
    from strokes.mdn.head import inverse_sigma_activation, sigma_activation
    sigma = torch.tensor([1e-3, 0.5, 1.0, 7.0], dtype=torch.float64)
    torch.testing.assert_close(sigma_activation(inverse_sigma_activation(sigma, activation), activation), sigma)


def test_gumbel_softmax_weights_only_in_training():
    head = random_head("diagonal", 1, m=4, seed=11, gumbel_temperature=0.5)
    x = torch.randn(3, 6, dtype=torch.float64)
    head.train()
    a, b = head(x).mixture_probs, head(x).mixture_probs
    assert not torch.allclose(a, b)  # relaxed weights are stochastic
    torch.testing.assert_close(a.sum(-1), torch.ones(3, dtype=torch.float64))
    head.eval()
    torch.testing.assert_close(head(x).mixture_probs, torch.softmax(head.proj(x)[:, :4], -1))


def test_penalty_is_l1_plus_l2_of_the_weights():
    head = random_head("full", 2, seed=12, l1=0.01, l2=0.1)
    w = head.proj.weight
    torch.testing.assert_close(head.penalty(), 0.01 * w.abs().sum() + 0.1 * (w ** 2).sum())
    assert random_head("full", 2).penalty().item() == 0


def test_kmeans_init_puts_means_on_clusters():
    torch.manual_seed(0)
    centres = torch.tensor([[-5.0, 0.0], [5.0, 5.0], [0.0, -6.0]], dtype=torch.float64)
    data = torch.cat([c + 0.3 * torch.randn(300, 2, dtype=torch.float64) for c in centres])
    head = random_head("diagonal", 2, m=3, seed=13)
    found = head.init_from_data(data)
    order = torch.cdist(centres, found).argmin(1)
    torch.testing.assert_close(found[order], centres, atol=0.1, rtol=0)
    dist = head(torch.zeros(1, 6, dtype=torch.float64))
    torch.testing.assert_close(dist.loc[0][order], centres, atol=0.1, rtol=0)
    torch.testing.assert_close(dist.scale_tril[0].diagonal(dim1=-2, dim2=-1), torch.full((3, 2), 0.3, dtype=torch.float64),
                               atol=0.05, rtol=0)
    _, assign = kmeans(data, 3)
    assert torch.bincount(assign).tolist() == [300, 300, 300]


def test_diagnostics_usage_entropy_pit_and_coverage():
    logits = torch.log(torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=torch.float64))
    dist = GaussianMixture(logits, torch.tensor([[[-3.0], [0.0], [4.0]]] * 2, dtype=torch.float64),
                           scale_diag=torch.ones(2, 3, 1, dtype=torch.float64))
    torch.testing.assert_close(component_usage(dist), torch.tensor([0.4, 0.15, 0.45], dtype=torch.float64))
    usage = component_usage(dist, mask=torch.tensor([True, False]))
    torch.testing.assert_close(usage, torch.tensor([0.7, 0.2, 0.1], dtype=torch.float64))
    expected = -(torch.tensor([0.7, 0.2, 0.1]) * torch.tensor([0.7, 0.2, 0.1]).log()).sum()
    assert abs(mixing_entropy(dist)[0].item() - expected.item()) < 1e-6
    # a calibrated model: targets drawn from the model itself give uniform PIT and nominal coverage
    torch.manual_seed(0)
    y = dist.sample((20_000,))  # (N, 2, 1)
    u = pit(dist, y)
    hist = torch.histc(u.float(), bins=10, min=0, max=1) / u.numel()
    assert (hist - 0.1).abs().max() < 0.01
    for level, frac in interval_coverage(dist, y).items():
        assert abs(frac - level) < 0.01
