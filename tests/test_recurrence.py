"""strokes.recurrence.WindowLoop: its hand-written backward against finite differences (fp64), and its
forward against the per-step eqs. 46-51 computed independently here."""
import torch

from strokes.recurrence import WindowLoop

T, B, H, A, K, U = 5, 2, 3, 4, 2, 3


def loop_inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    r = lambda *s, scale=0.5: (scale * torch.randn(*s, generator=g, dtype=torch.float64)).requires_grad_()  # noqa: E731
    onehot = torch.nn.functional.one_hot(torch.randint(0, A, (B, U), generator=g), A).double()
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]], dtype=torch.float64)  # line 2 has a padded character
    b_win = r(3 * K)
    with torch.no_grad():
        b_win[2 * K:] = -1.0  # kappa steps of ~0.4 characters, so the window crosses the text in T steps
    return dict(gx=r(T, B, 4 * H), w_rec=r(A + H, 4 * H), w_win=r(H, 3 * K), b_win=b_win, onehot=onehot, mask=mask,
                h0=r(B, H), c0=r(B, H), kappa0=r(B, K, scale=0.3), w0=r(B, A))


def differentiable_outputs(*args):
    h, w, kappa, h_last, c_last, w_last, *_ = WindowLoop.apply(*args, torch.float64)
    return h, w, kappa, h_last, c_last, w_last


def test_backward_matches_finite_differences_for_every_input_and_output():
    args = tuple(loop_inputs().values())
    assert torch.autograd.gradcheck(differentiable_outputs, args, eps=1e-6, atol=1e-6, rtol=1e-5)


def test_forward_is_the_lstm_cell_and_eqs_46_to_51_step_by_step():
    p = {k: v.detach() for k, v in loop_inputs(1).items()}
    h, w, kappa, h_last, c_last, w_last, phi, a_hat, beta = WindowLoop.apply(*p.values(), torch.float64)
    hh, cc, kk, ww = p["h0"], p["c0"], p["kappa0"], p["w0"]
    u = torch.arange(U, dtype=torch.float64)
    for t in range(T):
        gates = p["gx"][t] + torch.cat([ww, hh], 1) @ p["w_rec"]
        i, f, g, o = gates.chunk(4, 1)
        cc = f.sigmoid() * cc + i.sigmoid() * g.tanh()
        hh = o.sigmoid() * cc.tanh()
        ah, bh, kh = (hh @ p["w_win"] + p["b_win"]).chunk(3, 1)
        kk = kk + kh.exp()
        ph = torch.stack([sum(ah[:, k].exp() * torch.exp(-bh[:, k].exp() * (kk[:, k] - j) ** 2)
                              for k in range(K)) for j in range(U)], 1) * p["mask"]  # eq. 46, a naive loop
        ww = torch.einsum("bu,bua->ba", ph, p["onehot"])  # eq. 47
        for got, want in ((h[t], hh), (kappa[t], kk), (phi[t], ph), (w[t], ww)):
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    for got, want in ((h_last, hh), (c_last, cc), (w_last, ww)):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(a_hat, ah, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(beta, bh.exp(), rtol=1e-12, atol=1e-12)
    assert (phi[:, 1, 2] == 0).all()  # the padded character is never read
