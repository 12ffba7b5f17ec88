"""strokes.sampler.FastSampler against the reference: model.step, StrokeMixture.tempered and the stop rule."""
import math

import numpy as np
import pytest
import torch

from strokes.alphabet import Alphabet
from strokes.hand import Hand
from strokes.models import SynthesisConfig, SynthesisNetwork
from strokes.sampler import FastSampler, num_threads, sampling_threads
from strokes.transforms import Preprocess

A = 6  # alphabet size: padding, unknown and four letters


def small_model(seed=0, layers=3, hidden=24, M=4, K=3):
    torch.manual_seed(seed)
    cfg = SynthesisConfig(layers=layers, hidden_size=hidden, components=M, window_components=K, alphabet_size=A)
    model = SynthesisNetwork(cfg).eval()
    with torch.no_grad():  # larger weights than the init, so every gate and mixture term matters
        for p in model.parameters():
            p.mul_(2.0)
    return model


def text_batch():
    text = torch.tensor([[2, 3, 4, 5, 2], [3, 5, 2, 0, 0]])  # the second line is padded
    return text, text != 0


@pytest.mark.parametrize("layers", [1, 3])
def test_raw_step_equals_model_step_over_many_steps(layers):
    model = small_model(layers=layers)
    fast = FastSampler(model)
    text, mask = text_batch()
    ref = model.initial_state(2)
    mine = ref
    gen = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for _ in range(30):
            x = torch.randn(2, 3, generator=gen)
            x[:, 2] = (x[:, 2] > 0).float()
            dist, ref = model.step(x, ref, text=text, text_mask=mask)
            raw_ref, _ = model._step_raw(x, mine, text=text, text_mask=mask)  # from the fast path's own state
            raw, mine = fast.raw_step(x, mine, text, mask)
            torch.testing.assert_close(raw, raw_ref, rtol=1e-5, atol=1e-5)
            for a, b in zip(ref.h + ref.c + (ref.kappa, ref.window, ref.alpha, ref.beta),
                            mine.h + mine.c + (mine.kappa, mine.window, mine.alpha, mine.beta)):
                torch.testing.assert_close(b, a, rtol=1e-5, atol=1e-5)
        # and the distribution built from the fast raw output is the reference's
        torch.testing.assert_close(model.head.distribution(raw).mixture.loc, dist.mixture.loc, rtol=1e-4, atol=1e-5)


def test_draw_with_fixed_noise_is_the_tempered_reference_component():
    """Forcing component k through the Gumbel noise: the draw is mu_k + L_k z of StrokeMixture.tempered."""
    model = small_model()
    fast = FastSampler(model)
    M = model.config.components
    raw = torch.randn(M, 6 * M + 1, generator=torch.Generator().manual_seed(2))
    bias, tau = 0.7, 0.8
    ref = model.head.distribution(raw).tempered(bias, tau)
    gumbel = torch.full((M, M), -1e4)
    gumbel[torch.arange(M), torch.arange(M)] = 1e4  # row k picks component k
    z = torch.tensor([[0.3, -1.2]]).expand(M, 2)
    out = fast.draw(raw, bias, tau, gumbel, z, torch.zeros(M, 1))
    k = torch.arange(M)
    mu, s, rho = ref.mixture.loc[k, k], ref.mixture.scale[k, k], ref.mixture.rho[k, k]
    expected_x = mu[:, 0] + s[:, 0] * z[:, 0]
    expected_y = mu[:, 1] + s[:, 1] * (rho * z[:, 0] + torch.sqrt(1 - rho ** 2) * z[:, 1])
    torch.testing.assert_close(out[:, 0], expected_x, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(out[:, 1], expected_y, rtol=1e-4, atol=1e-5)
    # end of stroke: 1 exactly where the logistic noise (0 here) is below eos_logit / tau
    torch.testing.assert_close(out[:, 2], (ref.eos_logits > 0).float())


def test_sampled_frequencies_match_the_tempered_mixture():
    model = small_model()
    fast = FastSampler(model)
    M, N = model.config.components, 200_000
    raw = torch.randn(1, 6 * M + 1, generator=torch.Generator().manual_seed(3)).expand(N, -1)
    bias = 0.5
    ref = model.head.distribution(raw[:1]).tempered(bias)
    torch.manual_seed(0)
    u = torch.rand(N, M + 1).clamp(1e-12, 1 - 1e-7)
    out = fast.draw(raw, bias, 1.0, -torch.log(-torch.log(u[:, :M])), torch.randn(N, 2), torch.logit(u[:, M:]))
    # eos frequency and the first two moments of (dx, dy) against the reference distribution's
    p_eos = float(torch.sigmoid(ref.eos_logits))
    assert abs(out[:, 2].mean().item() - p_eos) < 4 * math.sqrt(p_eos * (1 - p_eos) / N)
    mean, cov = ref.mixture.mean[0], ref.mixture.covariance_matrix[0]
    sd = cov.diagonal().sqrt()
    assert ((out[:, :2].mean(0) - mean).abs() < 5 * sd / math.sqrt(N)).all()
    torch.testing.assert_close(torch.cov(out[:, :2].T), cov, rtol=0.03, atol=0.03 * sd.max().item() ** 2)


def test_the_loop_feeds_back_its_draws_and_keeps_the_model_s_predictions():
    """Teacher-forcing the model on the sampled line reproduces every raw output the sampler drew from."""
    model = small_model()
    fast = FastSampler(model)
    text, mask = text_batch()
    lengths = mask.sum(1)
    torch.manual_seed(4)
    x0 = torch.zeros(2, 3)
    out = fast.sample(x0, model.initial_state(2), text, mask, lengths, torch.tensor([40, 25]), bias=0.3,
                      keep_raw=True)
    assert out.offsets.shape[1] == int(out.steps.max()) > 0
    inputs = torch.cat([x0.unsqueeze(1), out.offsets[:, :-1]], 1)  # (B, T, 3): what the network read
    with torch.no_grad():
        ref = model(inputs, text, mask)
    for b in range(2):
        T = int(out.steps[b])
        torch.testing.assert_close(out.raw[b, :T], ref.raw[b, :T], rtol=1e-4, atol=1e-4)
        assert T <= [40, 25][b]


def test_fast_and_reference_hands_stop_at_the_same_step():
    """A window forced to move 0.07 characters per step: both loops stop at the same step."""
    model = small_model()
    K = model.config.window_components
    with torch.no_grad():
        model.window.weight.zero_()
        model.window.bias[:2 * K] = 0.0
        model.window.bias[2 * K:] = np.log(0.07)
    model.config.alphabet = Alphabet.build(["abcd"]).to_dict()
    model.config.stats = {"mean": [0.0, 0.0], "std": [1.0, 1.0], "median_step": 1.0}
    model.config.preprocess = Preprocess().to_dict()
    texts = ["abcab", "dd", "abcdabcd"]
    fast = Hand(model).write(texts, bias=1.0, seed=5)
    ref = Hand(model, fast=False).write(texts, bias=1.0, seed=5)
    assert Hand(model).fast and not Hand(model, fast=False).fast
    for f, r in zip(fast, ref):
        assert f.stopped and r.stopped
        assert len(f.offsets) == len(r.offsets) > 0
        np.testing.assert_allclose(f.phi, r.phi, rtol=1e-5, atol=1e-7)


def test_threads_are_restored_and_small_batches_use_one():
    assert sampling_threads(1) == 1 and sampling_threads(64) is None
    before = torch.get_num_threads()
    with num_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU for CUDA graphs; the eager loop they "
                                                          "replay is tested above")
@pytest.mark.parametrize("keep_raw", [False, True])
def test_cuda_graph_sampling_draws_what_the_eager_loop_draws(keep_raw):
    model = small_model().cuda()
    fast = FastSampler(model)
    text, mask = (t.cuda() for t in text_batch())
    outs = []
    for graphs in (False, True):
        torch.manual_seed(4)
        outs.append(fast.sample(torch.zeros(2, 3, device="cuda"), model.initial_state(2, device="cuda"), text, mask,
                                mask.sum(1), torch.tensor([70, 45], device="cuda"), bias=0.3, keep_raw=keep_raw,
                                cuda_graphs=graphs))
    eager, graphed = outs
    assert int(eager.steps.max()) > 16  # longer than one graph chunk, so replays happen
    assert torch.equal(graphed.steps, eager.steps) and torch.equal(graphed.stopped, eager.stopped)
    for name in ("offsets", "phi") + (("raw",) if keep_raw else ()):
        torch.testing.assert_close(getattr(graphed, name), getattr(eager, name), rtol=1e-5, atol=1e-6)
