"""The stopping rule and the attention check, against naive loops and made-up windows."""
import torch

from strokes.attention import check_attention, finished_reading, step_cap, window_weights


def test_window_weights_match_eq_46_by_loop():
    g = torch.Generator().manual_seed(0)
    alpha, beta, kappa = torch.rand(3, 4, generator=g), torch.rand(3, 4, generator=g), 5 * torch.rand(3, 4, generator=g)
    phi = window_weights(alpha, beta, kappa, 8)
    for b in range(3):
        for u in range(8):
            naive = sum(alpha[b, k] * torch.exp(-beta[b, k] * (kappa[b, k] - u) ** 2) for k in range(4))
            assert torch.isclose(phi[b, u], naive, atol=1e-7)


def test_finished_reading_per_line_lengths():
    lengths = torch.tensor([3, 5])
    phi = torch.zeros(2, 6)
    phi[0, 3], phi[0, 1] = 0.9, 0.5  # line 0: past its end (position 3) beats every character
    phi[1, 3], phi[1, 5] = 0.9, 0.5  # line 1: still on character 3 of 5
    assert finished_reading(phi, lengths).tolist() == [True, False]
    phi[1, 5] = 1.0
    assert finished_reading(phi, lengths).tolist() == [True, True]


def window_phi(path, U):
    """phi (T, U + 1) of a narrow window following the given centre positions."""
    u = torch.arange(U + 1, dtype=torch.float32)
    return torch.exp(-4 * (torch.tensor(path, dtype=torch.float32)[:, None] - u) ** 2)


def test_check_attention_accepts_a_steady_read():
    U = 10
    path = torch.linspace(0, U, 250).tolist()
    check = check_attention(window_phi(path, U), U, stopped=True)
    assert check.ok and check.reached_end and check.largest_jump_back == 0 and check.reason == ""


def test_check_attention_flags_stall_jump_and_short_read():
    U = 10
    stall = [0.0] * 20 + [3.0] * 200 + torch.linspace(3, U, 60).tolist()
    check = check_attention(window_phi(stall, U), U, stopped=True)
    assert not check.ok and 200 <= check.longest_stall <= 210 and "stalled" in check.reason
    jump = torch.linspace(0, 6, 100).tolist() + [2.0] * 5 + torch.linspace(2, U, 100).tolist()
    check = check_attention(window_phi(jump, U), U, stopped=True)
    assert not check.ok and check.largest_jump_back == 4 and "jumped back" in check.reason
    short = torch.linspace(0, 5, 200).tolist()
    check = check_attention(window_phi(short, U), U, stopped=False)
    assert not check.ok and not check.reached_end and "never reached" in check.reason


def test_step_cap_grows_with_text():
    assert step_cap(10) == 10 * step_cap(1) and step_cap(0) == step_cap(1)


def test_faint_steps_between_letters_do_not_count_as_jumps():
    U = 6
    path = torch.linspace(0, U, 120).tolist()
    phi = window_phi(path, U)
    phi[60:64] = 1e-4  # the window fades between two letters; its argmax there is noise
    phi[60:64, 0] = 2e-4
    check = check_attention(phi, U, stopped=True)
    assert check.ok and check.largest_jump_back == 0
