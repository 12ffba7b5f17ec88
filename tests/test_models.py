"""Graves networks: the fast forward against the per-step reference, the window against eq. 46,
text padding, state hand-over, gradient clipping, sizes of the paper's configs, Graves' RMSProp."""
import math

import pytest
import torch

from strokes.attention import window_weights
from strokes.models import (PredictionConfig, SynthesisConfig, build_model, config_from_dict, config_to_dict)
from strokes.optim import GravesRMSprop

A = 7  # tiny alphabet: pad, unk and 5 characters


def tiny(kind: str, layers: int = 3):
    torch.manual_seed(0)
    if kind == "synthesis":
        return build_model(SynthesisConfig(layers=layers, hidden_size=16, components=3, window_components=2,
                                           alphabet_size=A, kappa_init_step=0.3))
    return build_model(PredictionConfig(layers=layers, hidden_size=16, components=3))


def inputs(B=3, T=25, U=6, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, 3, generator=g)
    x[..., 2] = (torch.rand(B, T, generator=g) < 0.2).float()
    lengths = torch.tensor([U, U - 2, 1])[:B]
    text = torch.randint(2, A, (B, U), generator=g)
    mask = torch.arange(U)[None, :] < lengths[:, None]
    return x, text.masked_fill(~mask, 0), mask


def params(dist):
    """Every parameter of a StrokeMixture, flattened: (..., 6M + 1)."""
    m = dist.mixture
    return torch.cat([m.logits, m.loc.flatten(-2), m.scale.flatten(-2), m.rho, dist.eos_logits.unsqueeze(-1)], -1)


@pytest.mark.parametrize("kind", ["prediction", "synthesis"])
def test_step_api_reproduces_full_forward(kind):
    model = tiny(kind)
    x, text, mask = inputs()
    with torch.no_grad():
        full = model(x, text=text, text_mask=mask)
        state = model.initial_state(x.shape[0])
        raws = []
        for t in range(x.shape[1]):
            dist, state = model.step(x[:, t], state, text=text, text_mask=mask)
            raws.append(params(dist))
        stepped = torch.stack(raws, 1)
    torch.testing.assert_close(stepped, params(model.distribution(full.raw)), atol=1e-5, rtol=0)
    for a, b in zip(full.state.h + full.state.c, state.h + state.c):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)
    if kind == "synthesis":
        torch.testing.assert_close(full.state.kappa, state.kappa, atol=1e-5, rtol=0)
        torch.testing.assert_close(full.state.window, state.window, atol=1e-5, rtol=0)


@pytest.mark.parametrize("kind", ["prediction", "synthesis"])
def test_forward_in_chunks_with_state_equals_one_forward(kind):
    model = tiny(kind)
    x, text, mask = inputs(T=30)
    with torch.no_grad():
        whole = model(x, text=text, text_mask=mask)
        first = model(x[:, :12], text=text, text_mask=mask)
        second = model(x[:, 12:], text=text, text_mask=mask, state=first.state)
        ref = model.forward_stepwise(x, text=text, text_mask=mask)
    torch.testing.assert_close(torch.cat([first.raw, second.raw], 1), whole.raw, atol=1e-5, rtol=0)
    torch.testing.assert_close(ref.raw, whole.raw, atol=1e-5, rtol=0)


def test_window_is_eq_46_and_ignores_padding():
    model = tiny("synthesis")
    x, text, mask = inputs()
    B, T, U = x.shape[0], x.shape[1], text.shape[1]
    with torch.no_grad():
        out = model(x, text=text, text_mask=mask, return_phi=True)
        state = model.initial_state(B)
        for t in range(T):
            _, state = model.step(x[:, t], state, text=text, text_mask=mask)
            phi = window_weights(state.alpha, state.beta, state.kappa, U) * mask  # eq. 46, 0-based u
            torch.testing.assert_close(out.phi[:, t], phi, atol=1e-5, rtol=1e-5)
            onehot = torch.nn.functional.one_hot(text, A).float()
            torch.testing.assert_close(state.window, torch.einsum("bu,bua->ba", phi, onehot), atol=1e-5, rtol=1e-5)
        # more padding (and garbage under it) changes nothing
        wide = torch.cat([text, torch.randint(2, A, (B, 4))], 1)
        wide_mask = torch.cat([mask, torch.zeros(B, 4, dtype=torch.bool)], 1)
        torch.testing.assert_close(model(x, text=wide, text_mask=wide_mask).raw, out.raw, atol=1e-6, rtol=0)
    assert (out.phi[~mask.unsqueeze(1).expand_as(out.phi)] == 0).all()
    steps = out.kappa.diff(dim=1)
    assert (steps > 0).all()  # kappa_t = kappa_{t-1} + exp(kappa_hat): strictly increasing


def test_paper_sizes():
    """Graves' 3 x 400 synthesis net: 6M + 1 = 121 outputs, 3K = 30 window parameters, skip inputs."""
    model = build_model(SynthesisConfig(alphabet_size=82))
    assert model.head.num_params == 121 and model.window.out_features == 30
    assert model.head.proj.in_features == 3 * 400
    assert [l.input_size for l in model.lstms] == [3 + 82, 3 + 400 + 82, 3 + 400 + 82]
    pred = build_model(PredictionConfig())
    assert [l.input_size for l in pred.lstms] == [3, 403, 403]
    cfg = SynthesisConfig(alphabet_size=5, alphabet={"chars": "abc"}, stats={"mean": [1.0, 2.0]})
    assert config_from_dict(config_to_dict(cfg)) == cfg
    with pytest.raises(ValueError, match="alphabet_size"):
        build_model(SynthesisConfig())


@pytest.mark.parametrize("kind", ["prediction", "synthesis"])
def test_lstm_gradient_clip_reaches_every_route_to_the_loss(kind):
    """With the LSTM clamp at ~0 the prediction net's LSTM weights get no gradient (every path to the
    loss leaves a layer through its clamped output); a huge clamp changes nothing."""
    x, text, mask = inputs()
    grads = {}
    for clip in (None, 1e9, 1e-30):
        model = tiny(kind)
        out = model(x, text=text, text_mask=mask, lstm_grad_clip=clip)
        (-model.distribution(out.raw).log_prob(x.roll(-1, 1)).sum()).backward()
        grads[clip] = {n: p.grad.clone() for n, p in model.named_parameters()}
    for n in grads[None]:
        torch.testing.assert_close(grads[1e9][n], grads[None][n], atol=0, rtol=0)
        assert grads[None][n].abs().max() > 0
    lstm = [n for n in grads[None] if n.startswith("lstms.")]
    if kind == "prediction":
        assert all(grads[1e-30][n].abs().max() < 1e-20 for n in lstm)
    else:  # the window path into layers 2..N is not an LSTM output: only layer 1 reaches it
        assert all(grads[1e-30][n].abs().max() < 1e-20 for n in lstm if not n.startswith("lstms.0."))
    assert grads[1e-30]["head.proj.weight"].abs().max() > 0


def test_graves_rmsprop_follows_eqs_38_to_41():
    torch.manual_seed(0)
    w = torch.randn(5, dtype=torch.float64, requires_grad=True)
    opt = GravesRMSprop([w], lr=1e-2)
    ref = w.detach().clone()
    n = torch.zeros(5, dtype=torch.float64)
    g_bar, delta = n.clone(), n.clone()
    for _ in range(6):
        opt.zero_grad()
        ((w - 1) ** 4).sum().backward()
        g = 4 * (ref - 1) ** 3
        n = 0.95 * n + 0.05 * g * g
        g_bar = 0.95 * g_bar + 0.05 * g
        delta = 0.9 * delta - 1e-2 * g / torch.sqrt(n - g_bar ** 2 + 1e-4)
        ref = ref + delta
        opt.step()
        torch.testing.assert_close(w.detach(), ref, atol=1e-12, rtol=0)
    defaults = GravesRMSprop([torch.zeros(1, requires_grad=True)]).defaults
    assert defaults == {"lr": 1e-4, "decay": 0.95, "momentum": 0.9, "eps": 1e-4} and not math.isnan(ref.sum())


@pytest.mark.parametrize("kind", ["prediction", "synthesis"])
def test_bf16_autocast_forward_and_backward_stay_close_to_the_fp32_reference(kind):
    """train.py --precision bf16: matmuls in bfloat16, the recurrent state and the loss in fp32."""
    model = tiny(kind)
    x, text, mask = inputs(T=60)
    runs = {}
    for name in ("naive", "bf16"):
        model.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=name == "bf16"):
            out = (model.forward_stepwise if name == "naive" else model)(x, text=text, text_mask=mask)
        loss = -model.distribution(out.raw.float()).log_prob(x).sum()
        loss.backward()
        runs[name] = (out, loss.detach(), [p.grad.clone() for p in model.parameters()])
    (ref, ref_loss, ref_g), (low, loss, g) = runs["naive"], runs["bf16"]
    assert low.raw.dtype == torch.bfloat16  # the output layer did run in bf16
    assert all(t.dtype == torch.float32 for t in low.state.h + low.state.c)
    if kind == "synthesis":
        assert low.state.kappa.dtype == low.state.window.dtype == torch.float32
    # bf16 keeps 8 significant bits (relative rounding 2^-9); measured: outputs 7e-3 of their largest, loss 2e-5,
    # gradients 6e-3
    diff = (low.raw.detach().float() - ref.raw.detach().float()).abs().max()
    assert float(diff) < 2e-2 * float(ref.raw.detach().abs().max())
    assert abs(float(loss - ref_loss)) < 1e-3 * abs(float(ref_loss))
    for a, b in zip(g, ref_g):
        assert float((a - b).abs().max()) < 2e-2 * float(b.abs().max())
