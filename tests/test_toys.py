"""The toy problems: an MDN must find what least squares cannot (the claims of Bishop 1994)."""
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch

from strokes.toys import ToyConfig, make_data, train_toy, weighted_segments


@pytest.fixture(scope="module")
def inverse():
    return train_toy(ToyConfig(problem="inverse"))


def test_inverse_mdn_nll_far_below_least_squares(inverse):
    assert inverse.mdn_test_nll < inverse.mse_test_nll - 0.5, (inverse.mdn_test_nll, inverse.mse_test_nll)


def test_inverse_mdn_has_several_branches_at_half_and_mse_lies_between(inverse):
    with torch.no_grad():
        dist = inverse.mdn(torch.tensor([[0.5]]))
        pi, mu = dist.mixture_probs[0], dist.loc[0, :, 0]
        mse = inverse.mse(torch.tensor([[0.5]])).item()
    heavy = mu[pi > 0.15]
    assert len(heavy) >= 2, (pi, mu)
    assert (heavy.max() - heavy.min()).item() > 0.3
    assert heavy.min().item() < mse < heavy.max().item()
    # the data agree: at x = 0.5 the inverse of x = y + 0.3 sin(2 pi y) has branches near y = 0.2, 0.5, 0.8
    g = torch.Generator().manual_seed(1)
    x, y = make_data("inverse", 200_000, g)
    near = y[(x - 0.5).abs() < 0.01]
    assert near.min() < heavy.min() + 0.15 and near.max() > heavy.max() - 0.15


def test_branches_mdn_beats_least_squares_and_puts_mass_on_both_branches():
    result = train_toy(ToyConfig(problem="branches"))
    assert result.mdn_test_nll < result.mse_test_nll - 1.0
    with torch.no_grad():
        dist = result.mdn(torch.tensor([[0.0], [0.8]]))
        targets = torch.tensor([[0.5], [-0.5], [0.0]]).unsqueeze(1)  # branches at +-f(0) and the gap
        lp0 = dist.log_prob(targets.expand(3, 2, 1))[:, 0]
        mse = result.mse(torch.tensor([[0.0]])).item()
    assert lp0[0] > lp0[2] + 3 and lp0[1] > lp0[2] + 3  # both branches far likelier than the mean
    assert abs(mse) < 0.2  # least squares predicts the empty middle


def test_regimes_mixing_weights_switch_with_x():
    result = train_toy(ToyConfig(problem="regimes"))
    assert result.mdn_test_nll < result.mse_test_nll - 0.5
    with torch.no_grad():
        for x, expected in ((0.2, 0.1), (0.8, 0.9)):
            dist = result.mdn(torch.tensor([[x]]))
            lo, hi = 1.5 * x - 0.15, 1.5 * x + 0.15  # mass of the first regime, y = 1.5 x
            mass = (dist.cdf(torch.tensor([[hi]])) - dist.cdf(torch.tensor([[lo]]))).item()
            assert abs(mass - expected) < 0.08, (x, mass)


def test_weighted_segments():
    assert weighted_segments(torch.tensor([False, True, True, False, True])) == [[1, 2], [4]]
    assert weighted_segments(torch.tensor([False, False])) == []


def test_cli_writes_a_parsable_svg(tmp_path):
    out = tmp_path / "inverse.svg"
    run = subprocess.run([sys.executable, "-m", "strokes.toys", "inverse", "--out", str(out), "--steps", "50"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    root = ET.parse(out).getroot()
    ns = "{http://www.w3.org/2000/svg}"
    assert len(root.findall(f".//{ns}circle")) > 1000  # the training points
    assert len(root.findall(f".//{ns}polyline")) >= 3  # least squares, means, weights
    assert "test NLL" in run.stdout


def test_cli_bad_output_folder_exits_2_without_traceback(tmp_path):
    out = tmp_path / "missing" / "x.svg"
    run = subprocess.run([sys.executable, "-m", "strokes.toys", "inverse", "--out", str(out)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and "cannot write" in run.stderr
    assert not out.exists()
