"""strokes.recurrence.WindowLoop: its hand-written backward against finite differences (fp64), its
forward against the per-step eqs. 46-51 computed independently here, and the CUDA-graph path (its
buffer arena on the CPU; its replays against the eager loop where a GPU is present)."""
import pytest
import torch

from strokes import recurrence
from strokes.recurrence import (ARENA_ALIGN, WindowLoop, _Graphs, _layout, cuda_graph_stats, cuda_graphs_paused,
                               use_cuda_graphs)

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


def test_arena_gives_every_buffer_its_own_aligned_bytes_and_grows_by_dropping_graphs():
    graphs, cpu = _Graphs(), torch.device("cpu")
    layout = _layout(T, B, U, A, H, K, torch.bfloat16, torch.float32)
    b = graphs.buffers("first", layout, cpu).b
    base, arena_bytes = graphs.arena.data_ptr(), graphs.arena.numel()
    for i, (name, (shape, dtype)) in enumerate(layout.items()):
        v = getattr(b, name)
        assert v.shape == shape and v.dtype == dtype and v.is_contiguous(), name
        assert (v.data_ptr() - base) % ARENA_ALIGN == 0, name
        assert v.data_ptr() - base + v.numel() * v.element_size() <= arena_bytes, name
        v.fill_(i)
    for i, name in enumerate(layout):  # nothing written later overwrote an earlier buffer
        assert (getattr(b, name) == i).all(), name
    graphs.buffers("smaller", _layout(T - 2, B, U, A, H, K, torch.bfloat16, torch.float32), cpu)
    assert graphs.arena.data_ptr() == base and set(graphs.entries) == {"first", "smaller"}  # one shared arena
    graphs.buffers("larger", _layout(4 * T, B, U, A, H, K, torch.bfloat16, torch.float32), cpu)
    assert graphs.arena.numel() > arena_bytes and set(graphs.entries) == {"larger"}  # old graphs dropped


def _outputs_and_grads(p, low):
    inputs = {k: (v.detach().clone().requires_grad_(v.requires_grad)) for k, v in p.items()}
    out = WindowLoop.apply(*inputs.values(), low)
    g = torch.Generator(device=out[0].device).manual_seed(5)
    loss = sum((o.float() * torch.randn(o.shape, generator=g, device=o.device)).sum() for o in out[:6])
    loss.backward()
    return [o.detach().float() for o in out], [v.grad for v in inputs.values() if v.grad is not None]


def test_graphs_switch_changes_nothing_on_the_cpu():
    p = loop_inputs(2)
    want_out, want_grad = _outputs_and_grads(p, torch.float64)
    use_cuda_graphs(True)
    try:
        got_out, got_grad = _outputs_and_grads(p, torch.float64)
        assert cuda_graph_stats()["shapes"] == 0  # CPU tensors never take the graph path
    finally:
        use_cuda_graphs(False)
    assert len(got_grad) == len(want_grad) == 8
    for got, want in zip(got_out + got_grad, want_out + want_grad):
        assert torch.equal(got, want)


def test_pausing_graphs_keeps_the_captured_ones_for_after():
    use_cuda_graphs(True)
    try:
        cache = recurrence._graphs
        cache.entries["shape"] = "captured"
        with cuda_graphs_paused():
            assert recurrence._graphs is None  # the block runs eagerly
        assert recurrence._graphs is cache and cache.entries == {"shape": "captured"}
        use_cuda_graphs(True)  # turning on again keeps the cache too
        assert recurrence._graphs is cache
    finally:
        use_cuda_graphs(False)
    assert recurrence._graphs is None


@pytest.mark.parametrize("low", [torch.float32, torch.bfloat16])
def test_the_eager_loop_reads_no_buffer_memory_before_writing_it(low, monkeypatch):
    """Every buffer the eager loop allocates (torch.empty) is filled with NaN first: the outputs and
    gradients must stay finite and equal those with zero-filled buffers. At these sizes (64 lines,
    H = 200, 3K = 30) a bfloat16 GEMM over a row view read past each row on CPUs with AMX, and the
    NaN-filled neighbours turned whole lines of the loss into NaN."""
    Bb, Hh, Aa, Kk, Uu, Tt = 64, 200, 80, 10, 12, 6
    g = torch.Generator().manual_seed(3)
    r = lambda *s, scale=0.3: (scale * torch.randn(*s, generator=g)).requires_grad_()  # noqa: E731
    onehot = torch.nn.functional.one_hot(torch.randint(0, Aa, (Bb, Uu), generator=g), Aa).float()
    b_win = r(3 * Kk)
    with torch.no_grad():
        b_win[2 * Kk:] = -1.0
    p = dict(gx=r(Tt, Bb, 4 * Hh), w_rec=r(Aa + Hh, 4 * Hh, scale=0.05), w_win=r(Hh, 3 * Kk, scale=0.05),
             b_win=b_win, onehot=onehot, mask=torch.ones(Bb, Uu), h0=r(Bb, Hh), c0=r(Bb, Hh),
             kappa0=r(Bb, Kk), w0=r(Bb, Aa))
    empty = torch.empty

    def filled(value):
        def alloc(*args, **kw):
            t = empty(*args, **kw)
            return t.fill_(value) if t.is_floating_point() else t
        return alloc

    results = []
    for value in (0.0, float("nan")):
        monkeypatch.setattr(torch, "empty", filled(value))
        results.append(_outputs_and_grads(p, low))
        monkeypatch.setattr(torch, "empty", empty)
    (zero_out, zero_grad), (nan_out, nan_grad) = results
    for got, want in zip(nan_out + nan_grad, zero_out + zero_grad):
        assert torch.isfinite(got).all()
        assert torch.equal(got, want)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU for CUDA graphs; the arena and the "
                                                          "CPU fallback are tested without one")
@pytest.mark.parametrize("low", [torch.float32, torch.bfloat16])
def test_cuda_graph_replays_match_the_eager_loop_and_refuse_a_stale_backward(low):
    shapes = dict(T=37, B=8, H=32, A=12, K=3, U=7)

    def inputs(seed):
        g = torch.Generator().manual_seed(seed)
        T, B, H, A, K, U = shapes.values()
        r = lambda *s: (0.5 * torch.randn(*s, generator=g)).cuda().requires_grad_()  # noqa: E731
        b_win = r(3 * K)
        with torch.no_grad():
            b_win[2 * K:] = -2.0
        onehot = torch.nn.functional.one_hot(torch.randint(0, A, (B, U), generator=g), A).float().cuda()
        mask = (torch.arange(U)[None] < torch.randint(2, U + 1, (B, 1), generator=g)).float().cuda()
        return dict(gx=r(T, B, 4 * H), w_rec=r(A + H, 4 * H), w_win=r(H, 3 * K), b_win=b_win, onehot=onehot,
                    mask=mask, h0=r(B, H), c0=r(B, H), kappa0=r(B, K), w0=r(B, A))

    calls = [inputs(s) for s in (10, 11, 12)]
    want = [_outputs_and_grads(p, low) for p in calls]
    use_cuda_graphs(True)
    try:
        got = [_outputs_and_grads(p, low) for p in calls]  # capture (first call), then two replays
        stats = cuda_graph_stats()
        out_a = WindowLoop.apply(*calls[0].values(), low)
        WindowLoop.apply(*calls[1].values(), low)  # reuses the buffers out_a's backward needs
        with pytest.raises(RuntimeError, match="another forward ran before this backward"):
            out_a[0].float().sum().backward()
    finally:
        use_cuda_graphs(False)
    assert stats["shapes"] == 1 and stats["captures"] == 2  # one forward and one backward graph
    for (go, gg), (wo, wg) in zip(got, want):
        assert len(gg) == len(wg) == 8
        for a, b in zip(go + gg, wo + wg):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
