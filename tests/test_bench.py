"""The training forward against the naive reference, and strokes.bench at tiny sizes (figures not asserted)."""
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from strokes import bench
from strokes.models import SynthesisConfig, SynthesisNetwork
from synthetic import write_synthetic_h5

REPO = Path(__file__).resolve().parents[1]


def batch(B=3, T=17, U=5, A=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(B, T, 3, generator=g)
    lengths = torch.tensor([T, T - 6, 4])[:B]
    mask = torch.arange(T)[None] < lengths[:, None]  # (B, T) padded lines
    text_mask = torch.arange(U)[None] < torch.tensor([U, 3, 1])[:B, None]
    text = torch.randint(2, A, (B, U), generator=g) * text_mask
    y = torch.randn(B, T, 3, generator=g)
    y[..., 2] = (y[..., 2] > 0).float()
    return x, y, mask, text, text_mask


@pytest.mark.parametrize("layers", [1, 3])
def test_forward_and_backward_equal_the_naive_reference(layers):
    """model.forward (one-GEMM weight gradients) against forward_stepwise (eager per-step cells)."""
    torch.manual_seed(0)
    model = SynthesisNetwork(SynthesisConfig(layers=layers, hidden_size=16, components=3, window_components=2,
                                             alphabet_size=7))
    x, y, mask, text, text_mask = batch()
    start = model.initial_state(3)  # a non-zero starting state, as after priming
    start = start._replace(h=tuple(torch.randn_like(h) for h in start.h), kappa=torch.rand(3, 2),
                           window=torch.rand(3, 7))
    results = {}
    for name in ("naive", "default"):
        model.zero_grad(set_to_none=True)
        if name == "naive":
            out = model.forward_stepwise(x, start, text=text, text_mask=text_mask)
        else:
            out = model(x, text, text_mask, state=start)
        loss = -model.distribution(out.raw).log_prob(y, mask=mask).sum()
        loss.backward()
        results[name] = (out, {n: p.grad.clone() for n, p in model.named_parameters()})
    (ref, g_ref), (fast, g_fast) = results["naive"], results["default"]
    torch.testing.assert_close(fast.raw, ref.raw, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.kappa, ref.kappa, rtol=1e-5, atol=1e-5)
    for a, b in zip(fast.state.h + fast.state.c, ref.state.h + ref.state.c):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
    assert g_fast.keys() == g_ref.keys()
    for name in g_ref:
        assert g_ref[name].abs().max() > 0, name  # every parameter is reached
        torch.testing.assert_close(g_fast[name], g_ref[name], rtol=1e-4, atol=1e-5 * g_ref[name].abs().max().item())
    with torch.no_grad():  # without autograd the loop keeps no per-step inputs and gives the same numbers
        torch.testing.assert_close(model(x, text, text_mask, state=start).raw, fast.raw.detach())


def test_frozen_weights_get_no_gradient_and_the_rest_stay_exact():
    torch.manual_seed(1)
    model = SynthesisNetwork(SynthesisConfig(layers=2, hidden_size=8, components=2, window_components=2,
                                             alphabet_size=7))
    x, y, mask, text, text_mask = batch()
    model.window.weight.requires_grad_(False)
    model.lstms[0].weight_hh_l0.requires_grad_(False)
    grads = {}
    for name in ("naive", "default"):
        model.zero_grad(set_to_none=True)
        out = (model.forward_stepwise(x, text=text, text_mask=text_mask) if name == "naive"
               else model(x, text, text_mask))
        (-model.distribution(out.raw).log_prob(y, mask=mask).sum()).backward()
        grads[name] = {n: None if p.grad is None else p.grad.clone() for n, p in model.named_parameters()}
    assert grads["default"]["window.weight"] is None and grads["default"]["lstms.0.weight_hh_l0"] is None
    for n, g in grads["naive"].items():
        if g is not None:
            torch.testing.assert_close(grads["default"][n], g, rtol=1e-4, atol=1e-5 * g.abs().max().item())


def test_train_bench_runs_and_checks_agreement(capsys):
    args = ["train", "--synthetic", "--hidden", "8", "--layers", "2", "--batch-sizes", "2", "--batches", "1",
            "--max-points", "12"]
    assert bench.main(args + ["--in-process"]) == 0
    out = capsys.readouterr().out
    assert "agreement: ok" in out and "default/naive at the best batch size" in out and "bf16/naive" in out
    assert "agreement bf16 vs naive" in out
    for path in bench.PATHS:
        assert f"best {path}:" in out
    assert bench.main(args + ["--paths", "naive", "default"]) == 0  # each measurement in its own process
    assert "peak +RSS MiB" in capsys.readouterr().out


def test_sample_and_rate_benches_run(tmp_path, capsys):
    assert bench.main(["sample", "--hidden", "8", "--chars", "2", "--lines", "2", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "fast/reference speed, 2 line(s)" in out
    assert [ln.split()[:3] for ln in out.splitlines() if ln.startswith("fast x4")] == \
        [["fast", "x4", "1"], ["fast", "x4", "2"], ["fast", "x4", "line"], ["fast", "x4", "line"]]
    h5 = write_synthetic_h5(tmp_path / "s.h5", n_train=8, n_val=2)
    assert bench.main(["rate", "--data", str(h5), "--resample-steps", "0", "2", "--lines", "5"]) == 0
    rows = [ln.split() for ln in capsys.readouterr().out.splitlines() if ln.strip()[:1].isdigit()]
    assert [r[0] for r in rows[-2:]] == ["0", "2"] and rows[-2][-1] == "1.00"


def test_synthetic_lengths_follow_the_documented_distribution():
    points, chars, source = bench.line_lengths(None, None, synthetic=True)
    assert "synthetic" in source
    assert 610 < points.mean() < 650 and 180 < points.std() < 210
    assert points.min() >= bench.IAM_MIN and points.max() <= bench.IAM_MAX and chars.min() >= 2


@pytest.mark.parametrize("args, message", [
    (["train", "--device", "cuda:0"] if not torch.cuda.is_available() else ["train", "--device", "tpu"], "--device"),
    (["train", "--batch-sizes", "0"], "--batch-sizes"),
    (["rate", "--data", "no/such.h5"], "no such file"),
    (["sample", "--hidden", "0"], "--hidden"),
    (["sample", "--candidates", "0"], "--candidates"),
])
def test_bad_input_is_one_line_and_exit_2(args, message):
    run = subprocess.run([sys.executable, "-m", "strokes.bench", *args], capture_output=True, text=True,
                         cwd=REPO, timeout=60)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1 and message in run.stderr


def test_flop_count_is_every_weight_matrix_used_once_per_timestep():
    """flops_per_timestep: 2 FLOPs per weight entry per timestep forward, 3x that with the backward."""
    from strokes.bench import ALPHABET_SIZE, TrainBench, build, flops_per_timestep
    for cfg in (TrainBench(), TrainBench(layers=2, hidden=32, components=3, window=2)):
        model = build(cfg)
        assert model.config.alphabet_size == ALPHABET_SIZE
        entries = sum(p.numel() for p in model.parameters() if p.dim() == 2)  # biases are not GEMM work
        assert flops_per_timestep(cfg) == 6 * entries
