"""strokes.widen: a widened network computes the old one's outputs and the old weights' gradients,
and its new units are distinct and start learning; checked against the unwidened network."""
import subprocess
import sys

import pytest
import torch

from strokes import widen
from strokes.evaluate import validation_nll
from strokes.models import PredictionConfig, SynthesisConfig, build_model, load_checkpoint
from strokes.training import TrainConfig, Trainer

A = 7  # tiny alphabet: pad, unk and 5 characters


def tiny(kind: str, layers: int, hidden: int = 12):
    torch.manual_seed(0)
    if kind == "synthesis":
        return build_model(SynthesisConfig(layers=layers, hidden_size=hidden, components=3, window_components=2,
                                           alphabet_size=A, kappa_init_step=0.3))
    return build_model(PredictionConfig(layers=layers, hidden_size=hidden, components=3))


def inputs(B=3, T=30, U=6):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(B, T, 3, generator=g)
    x[..., 2] = (torch.rand(B, T, generator=g) < 0.2).float()
    mask = torch.arange(U)[None, :] < torch.tensor([U, U - 2, 1])[:, None]
    return x, torch.randint(2, A, (B, U), generator=g).masked_fill(~mask, 0), mask


def widened(model, hidden):
    state, config = widen.widen_state(model.config, model.state_dict(), hidden, seed=3)
    wide = build_model(config)
    wide.load_state_dict(state)
    return wide


def loss_of(model, x, text, mask):
    out = model(x, text=text, text_mask=mask)
    return model.distribution(out.raw[:, :-1]).log_prob(x[:, 1:]).sum(), out


@pytest.mark.parametrize("kind", ["prediction", "synthesis"])
@pytest.mark.parametrize("layers", [1, 3])
def test_widened_network_computes_the_same_outputs_and_old_gradients(kind, layers):
    old = tiny(kind, layers)
    wide = widened(old, 20)
    assert wide.config.hidden_size == 20 and old.config.hidden_size == 12
    x, text, mask = inputs()
    l_old, o_old = loss_of(old, x, text, mask)
    l_new, o_new = loss_of(wide, x, text, mask)
    torch.testing.assert_close(o_new.raw, o_old.raw, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(l_new, l_old, rtol=1e-6, atol=1e-4)
    if kind == "synthesis":
        torch.testing.assert_close(o_new.kappa, o_old.kappa, rtol=1e-5, atol=1e-5)
    for n in range(layers):  # the old units' states are the old network's
        torch.testing.assert_close(o_new.state.h[n][:, :12], o_old.state.h[n], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(o_new.state.c[n][:, :12], o_old.state.c[n], rtol=1e-5, atol=1e-6)
    # the per-step reference path agrees too
    with torch.no_grad():
        ref = wide.forward_stepwise(x, text=text, text_mask=mask)
    torch.testing.assert_close(ref.raw, o_old.raw, rtol=1e-4, atol=1e-4)

    l_old.backward()
    l_new.backward()
    rows = widen._rows(12, 20)
    for n in range(layers):
        g_old, g_new = old.lstms[n].weight_hh_l0.grad, wide.lstms[n].weight_hh_l0.grad
        torch.testing.assert_close(g_new[rows][:, :12], g_old, rtol=1e-4, atol=1e-4)
        cols, _ = widen._input_columns(old.config, n, 20)
        torch.testing.assert_close(wide.lstms[n].weight_ih_l0.grad[rows][:, cols], old.lstms[n].weight_ih_l0.grad,
                                   rtol=1e-4, atol=1e-4)
        torch.testing.assert_close(wide.lstms[n].bias_ih_l0.grad[rows], old.lstms[n].bias_ih_l0.grad,
                                   rtol=1e-4, atol=1e-4)
        # the weights out of the new units get gradients at once: that is how they start to learn
        assert wide.head.proj.weight.grad[:, n * 20 + 12:(n + 1) * 20].abs().sum() > 0
    torch.testing.assert_close(wide.head.proj.bias.grad, old.head.proj.bias.grad, rtol=1e-4, atol=1e-4)


def test_new_units_are_distinct_and_old_ones_kept():
    old = tiny("synthesis", 2)
    wide = widened(old, 20)
    w = wide.lstms[1].weight_ih_l0.detach()  # (80, 3 + 20 + A)
    rows = widen._rows(12, 20)
    new_rows = torch.tensor([r for r in range(80) if r not in set(rows.tolist())])
    assert len(new_rows) == 32
    assert torch.cdist(w[new_rows], w[new_rows]).add(torch.eye(32)).min() > 1e-3  # no two alike
    assert w[new_rows].abs().max() <= 1 / 20 ** 0.5  # PyTorch's LSTM initialisation at the new width
    assert torch.equal(w[rows][:, 3:15], old.lstms[1].weight_ih_l0.detach()[:, 3:15])  # old h^1 columns
    assert torch.equal(w[rows][:, 23:], old.lstms[1].weight_ih_l0.detach()[:, 15:])  # the window moved right
    assert w[rows][:, 15:23].abs().sum() == 0
    assert wide.window.weight.detach()[:, 12:].abs().sum() == 0


def test_narrowing_is_refused():
    old = tiny("synthesis", 2)
    with pytest.raises(ValueError, match="not larger"):
        widen.widen_state(old.config, old.state_dict(), 12)


def test_cli_widens_a_trained_checkpoint_that_scores_the_same_and_trains(tiny_synthesis, tmp_path, capsys):
    out = tmp_path / "wide.pt"
    assert widen.main([str(tiny_synthesis), "--hidden-size", "40", "--out", str(out)]) == 0
    assert "hidden size 32 -> 40" in capsys.readouterr().out
    data = tiny_synthesis.parent.parent / "synthetic.h5"
    narrow, wide = load_checkpoint(tiny_synthesis), load_checkpoint(out)
    assert wide.config.hidden_size == 40 and wide.config.alphabet == narrow.config.alphabet
    a, b = validation_nll(narrow, data, batch_size=16), validation_nll(wide, data, batch_size=16)
    assert b["nats_per_line"] == pytest.approx(a["nats_per_line"], rel=1e-5)
    cfg = TrainConfig(data=str(data), out=str(tmp_path / "run"), init=str(out), steps=3, batch_size=8,
                      optimizer="adam", lr=1e-3, checkpoint_every=10_000, val_every=10_000)
    summary = Trainer(cfg, progress=False).run()
    assert summary["step"] == 3 and summary["nonfinite_total"] == 0
    trained = load_checkpoint(tmp_path / "run" / "last.pt")
    assert trained.config.hidden_size == 40
    assert trained.head.proj.weight.detach()[:, 32:40].abs().sum() > 0  # the new units are in use


def test_cli_bad_input_is_one_line_and_exit_2(tiny_synthesis, tmp_path):
    for args in (["nope.pt", "--hidden-size", "40"], [str(tiny_synthesis), "--hidden-size", "16"]):
        run = subprocess.run([sys.executable, "-m", "strokes.widen", *args, "--out", str(tmp_path / "w.pt")],
                             capture_output=True, text=True)
        assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert "Traceback" not in run.stderr and not (tmp_path / "w.pt").exists()
