"""The synthesis network's sequential core, layer 1 and the soft window, with a hand-written backward.

Graves (2013) section 5: layer 1 reads [x_t, w_{t-1}] and its output h^1_t places the window

    (alpha_hat, beta_hat, kappa_hat) = W h^1_t + b                                    (eq. 48)
    beta = exp(beta_hat),  kappa_t = kappa_{t-1} + exp(kappa_hat)                      (eqs. 50-51)
    phi(t, u) = sum_k exp(alpha_hat_k - beta_k (kappa_k - u)^2)                        (eqs. 46, 49)
    w_t = sum_u phi(t, u) c_u                                                          (eq. 47)

Nothing else in the network is sequential, so this loop sets the training speed. `WindowLoop` runs it
as one autograd node: the forward records no graph (about 20 small ops a step instead of autograd's
bookkeeping for each), and the backward is the same recurrence run back in time (backpropagation
through time, written out below), with the weight gradients taken at the end as single GEMMs over
all B x T steps. phi is the sum of exp(alpha_hat_k - beta_k (kappa_k - u)^2) with the exponent formed
first, so exp(alpha_hat) never overflows into inf * 0 (the log-space form of the same number).

Tensors are time-major here, (T, B, ...): each step reads and writes contiguous slices. GEMMs run in
`low` (bfloat16 under train.py --precision bf16, else fp32); the cell state, the window and every
pointwise step stay fp32. `strokes.models.SynthesisNetwork.forward` uses it; the per-step autograd
reference (`forward_stepwise`) is what the tests hold it to.

CUDA graphs (`use_cuda_graphs`, on in train.py on a GPU): on a GPU the loop is bound by launching
its ~20 (forward) and ~30 (backward) tiny kernels per step, not by arithmetic. With graphs on, each
shape (T, B, U, dtypes) gets its forward and backward loops captured once into a CUDA graph over
static buffers; a call copies its inputs in and replays one graph. The static buffers of every shape
are views of one shared arena (only one call's buffers live at a time: a forward and then its
backward), grown, with every graph dropped and recaptured, when a larger shape arrives; the trainer
pads batches to a few lengths so few graphs are captured. A backward after another forward has reused
the arena raises instead of returning wrong gradients. On the CPU, or with graphs off, the same loops
run eagerly.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from types import SimpleNamespace

import torch
from torch.autograd.function import once_differentiable

ARENA_ALIGN = 256  # bytes: every static buffer starts on a 256-byte boundary (coalesced, vectorised access)
ARENA_GROWTH = 1.25  # a new arena is this much larger than the shape that outgrew the old one, so growth is rare


def _layout(T, B, U, A, H, K, low, hi) -> dict:
    """name -> (shape, dtype) of every tensor one call (forward and backward) reads or writes."""
    G = 4 * H
    return dict(
        # inputs of the forward (inp[0] and cs[0] hold the initial state)
        gxl=((T, B, G), low), wr=((A + H, G), low), ww=((H, 3 * K), low), bw=((3 * K,), low),
        onehot=((B, U, A), hi), mask=((B, U), hi), kappa0=((B, K), hi), u=((U,), hi),
        # the forward's record, read by the backward
        inp=((T + 1, B, A + H), low),  # [w_{t-1}, h_{t-1}] read at step t: rows 1.. are the outputs
        acts=((T, B, G), hi),  # gate activations (sigmoid i, f, o; tanh g)
        cs=((T + 1, B, H), hi),  # c_{t-1} at row t
        tcs=((T, B, H), hi),  # tanh(c_t)
        kappas=((T, B, K), hi), pres=((T, B, 3 * K), hi),  # eq. 48 pre-activations
        exps=((T, B, 2 * K), hi),  # beta and the kappa step exp(kappa_hat)
        expo=((T, B, K, U), hi),  # exp(alpha_hat - beta (kappa - u)^2) per step
        phis=((T, B, U), hi), h_last=((B, H), hi), w_last=((B, A), hi),
        two=((), hi), unit=((), hi), one=((B, H), hi),  # constants: 0-dim operands, no per-op scalar wrapping
        # inputs of the backward: the gradients of the forward's outputs
        d_hs=((T, B, H), low), d_ws=((T, B, A), low), d_kappas=((T, B, K), hi),
        d_hT=((B, H), hi), d_cT=((B, H), hi), d_wT=((B, A), hi),
        # the backward's results
        dgates=((T, B, G), low),  # dL/d(gate pre-activations)
        dpres=((T, B, 3 * K), hi), dg=((B, G), hi),  # dg: one step's gate gradients
        dh0=((B, H), hi), dc0=((B, H), hi), dkappa0=((B, K), hi), dw0=((B, A), hi))


RECORD = ("inp", "acts", "cs", "tcs", "kappas", "exps", "expo", "wr", "ww", "onehot", "mask", "u", "one", "kappa0")
# ^ what the backward reads of the forward's buffers


def _bytes(shape, dtype) -> int:
    """Bytes a buffer takes in the arena, rounded up to ARENA_ALIGN."""
    return -(-math.prod(shape) * torch.empty((), dtype=dtype).element_size() // ARENA_ALIGN) * ARENA_ALIGN


def _forward_steps(b) -> None:
    """Layer 1 + window for every step, from b.inp[0], b.cs[0], b.kappa0; fills the forward's record."""
    T, B, G = b.gxl.shape
    H, A, K = G // 4, b.onehot.shape[-1], b.ww.shape[1] // 3
    hi = b.cs.dtype
    kappa = b.kappa0
    for t in range(T):
        g = torch.addmm(b.gxl[t], b.inp[t], b.wr).to(hi)  # (B, 4H); the pointwise maths in fp32
        # tanh(x) = 2 sigmoid(2x) - 1: torch's CPU tanh costs ~4x its sigmoid, so one sigmoid
        # over all four gates (the g gate's inputs doubled) and a fix-up of the g quarter
        g[:, 2 * H:3 * H] *= b.two
        a = torch.sigmoid(g, out=b.acts[t])
        a[:, 2 * H:3 * H].mul_(b.two).sub_(b.unit)
        c = torch.addcmul(a[:, H:2 * H] * b.cs[t], a[:, :H], a[:, 2 * H:3 * H], out=b.cs[t + 1])
        tc = torch.mul(c, b.two, out=b.tcs[t]).sigmoid_().mul_(b.two).sub_(b.unit)
        h = a[:, 3 * H:] * tc
        hl = h.to(b.inp.dtype)  # (B, H), contiguous: see below
        b.inp[t + 1, :, A:].copy_(hl)
        pre = b.pres[t]
        # The window's GEMM reads this contiguous copy, not the row view b.inp[t + 1, :, A:]: on CPUs with
        # AMX, a bfloat16 GEMM over a row view (row stride A + H > H, H not a multiple of 32) reads past
        # each row into the next one's w part, still unwritten here, and times 0 is not 0 when that
        # memory holds NaN (seen with torch 2.13 / oneDNN 3.12 on an Intel Xeon; nondeterministic NaN losses;
        # oneDNN issue 5717, fixed upstream by its pull request 5723).
        pre.copy_(torch.addmm(b.bw, hl, b.ww))  # (B, 3K)
        ex = torch.exp(pre[:, K:], out=b.exps[t])  # (B, 2K): beta, exp(kappa_hat)
        kappa = torch.add(kappa, ex[:, K:], out=b.kappas[t])
        d = kappa.unsqueeze(-1) - b.u  # (B, K, U)
        e = torch.exp(torch.addcmul(pre[:, :K].unsqueeze(-1), ex[:, :K].unsqueeze(-1), d * d, value=-1.0),
                      out=b.expo[t])
        phi = torch.mul(e.sum(1), b.mask, out=b.phis[t])  # (B, U); padding gets phi = 0
        w = torch.bmm(phi.unsqueeze(1), b.onehot).squeeze(1)  # (B, A)
        b.inp[t + 1, :, :A].copy_(w)
    b.h_last.copy_(h)
    b.w_last.copy_(w)


def _backward_steps(b) -> None:
    """Backpropagation through time over the forward's record: fills b.dgates, b.dpres and the
    gradients of the initial state b.dh0, b.dc0, b.dkappa0, b.dw0."""
    T, B, G = b.acts.shape
    H, A, K = G // 4, b.onehot.shape[-1], b.ww.shape[1] // 3
    wr_t, ww_t = b.wr.t(), b.ww.t()
    onehot_t = b.onehot.transpose(1, 2)  # (B, A, U)
    low, dg = b.wr.dtype, b.dg
    dh_next, dw_next, dc = b.d_hT, b.d_wT, b.d_cT  # via step t + 1's input [w_t, h_t]
    dkappa = torch.zeros_like(b.kappa0)  # via kappa_{t+1} = kappa_t + exp(kappa_hat_{t+1})
    for t in range(T - 1, -1, -1):
        # window (eqs. 46-51) backwards: w_t -> phi -> (alpha_hat, beta, kappa)
        dw = dw_next + b.d_ws[t]  # fp32 + (low): fp32
        dphi = torch.bmm(dw.unsqueeze(1), onehot_t).squeeze(1) * b.mask  # (B, U)
        de = b.expo[t] * dphi.unsqueeze(1)  # (B, K, U) dL/d exponent
        kappa, beta, kstep = b.kappas[t], b.exps[t, :, :K], b.exps[t, :, K:]
        d = kappa.unsqueeze(-1) - b.u  # (B, K, U)
        ded = de * d
        dp = b.dpres[t]
        torch.sum(de, 2, out=dp[:, :K])  # alpha_hat
        torch.mul((ded * d).sum(2), beta, out=dp[:, K:2 * K]).neg_()  # beta_hat, via beta = exp(beta_hat)
        if b.d_kappas is not None:
            dkappa = dkappa + b.d_kappas[t]
        dkappa = torch.addcmul(dkappa, ded.sum(2), beta, value=-2.0)
        torch.mul(dkappa, kstep, out=dp[:, 2 * K:])  # kappa_hat
        # layer 1 (an LSTM cell) backwards
        dh = dh_next + b.d_hs[t] + torch.mm(dp.to(low), ww_t)  # (B, H) fp32
        a = b.acts[t]
        ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
        tc = b.tcs[t]
        # sigmoid' = s - s^2 and tanh' = 1 - t^2 as one addcmul each
        dc = torch.addcmul(dc, dh * ao, torch.addcmul(b.one, tc, tc, value=-1.0))
        torch.mul(dc * ag, torch.addcmul(ai, ai, ai, value=-1.0), out=dg[:, :H])
        torch.mul(dc * b.cs[t], torch.addcmul(af, af, af, value=-1.0), out=dg[:, H:2 * H])
        torch.mul(dc * ai, torch.addcmul(b.one, ag, ag, value=-1.0), out=dg[:, 2 * H:3 * H])
        torch.mul(dh * tc, torch.addcmul(ao, ao, ao, value=-1.0), out=dg[:, 3 * H:])
        dc = dc * af
        dgl = b.dgates[t]
        dgl.copy_(dg)  # one cast to the GEMM dtype
        dinp = torch.mm(dgl, wr_t).to(b.cs.dtype)  # (B, A + H)
        dw_next, dh_next = dinp[:, :A], dinp[:, A:]
    b.dh0.copy_(dh_next)
    b.dc0.copy_(dc)
    b.dkappa0.copy_(dkappa)
    b.dw0.copy_(dw_next)


def capture_graph(fn, pool=None) -> torch.cuda.CUDAGraph:
    """Run fn() once for real, then record it as a CUDA graph (not run) to replay later.

    The run happens on a side stream outside the capture, so cuBLAS and the allocator set up their
    work space first; its result is the caller's for this call, and the buffers keep it while the
    capture only records. fn must read and write fixed tensors (a graph replays fixed addresses)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph, pool=pool, capture_error_mode="thread_local"):
        fn()
    return graph


class _Graphs:
    """Per-shape CUDA graphs of the two loops over static buffers carved from one shared arena."""

    def __init__(self):
        self.arena = None  # uint8 tensor: every shape's buffers start at its offset 0
        self.entries = {}  # key -> SimpleNamespace(b=buffers, fwd=graph | None, bwd=graph | None)
        self.pool = None  # one memory pool for the graphs' temporaries: none outlives its replay
        self.generation = 0  # counts forwards: a backward must follow its own forward
        self.captures = 0

    def buffers(self, key, layout: dict, device) -> SimpleNamespace:
        entry = self.entries.get(key)
        if entry is None:
            need = sum(_bytes(s, d) for s, d in layout.values())
            if self.arena is None or self.arena.numel() < need or self.arena.device != device:
                self.entries.clear()  # their graphs point into the old arena
                self.arena = None  # free it before allocating the larger one
                self.arena = torch.empty(int(need * ARENA_GROWTH), dtype=torch.uint8, device=device)
                self.pool = None
            views, off = {}, 0
            for name, (shape, dtype) in layout.items():
                n = _bytes(shape, dtype)
                views[name] = self.arena[off:off + n].view(dtype)[:math.prod(shape)].view(shape)
                off += n
            entry = self.entries[key] = SimpleNamespace(b=SimpleNamespace(**views), fwd=None, bwd=None)
        return entry

    def run(self, entry, which: str, fn) -> None:
        """Replay entry's graph for `which`, capturing it first (the warm-up run gives this call's result)."""
        graph = getattr(entry, which)
        if graph is not None:
            graph.replay()
            return
        if self.pool is None:
            self.pool = torch.cuda.graph_pool_handle()
        setattr(entry, which, capture_graph(lambda: fn(entry.b), self.pool))
        self.captures += 1


_graphs: _Graphs | None = None


def use_cuda_graphs(on: bool = True) -> None:
    """Run WindowLoop on CUDA tensors through per-shape CUDA graphs (see the module docstring).

    With graphs on, a backward must follow its own forward before the next forward of any shape (as
    in a training step); tensors WindowLoop returns are its own, not the graph's buffers."""
    global _graphs
    _graphs = (_graphs or _Graphs()) if on else None


@contextmanager
def cuda_graphs_paused():
    """Run a block eagerly, keeping the graphs captured so far for after it (e.g. a validation pass)."""
    global _graphs
    saved, _graphs = _graphs, None
    try:
        yield
    finally:
        _graphs = saved


def cuda_graph_stats() -> dict:
    """Graphs captured so far and the shapes that have them (zeros when graphs are off)."""
    g = _graphs
    return {"captures": g.captures if g else 0, "shapes": len(g.entries) if g else 0}


class WindowLoop(torch.autograd.Function):
    """Layer 1 + window over a whole sequence.

    apply(gx, w_rec, w_win, b_win, onehot, mask, h0, c0, kappa0, w0, low) with
      gx      (T, B, 4H)  layer 1's input projection of x_t plus both biases, all steps at once
      w_rec   (A + H, 4H) layer 1's weights for [w_{t-1}, h_{t-1}] (input-major)
      w_win   (H, 3K), b_win (3K,)  eq. 48
      onehot  (B, U, A)   the text; mask (B, U) 1.0 on real characters, 0.0 on padding
      h0, c0 (B, H), kappa0 (B, K), w0 (B, A)  the state before the first step
      low     the GEMMs' dtype
    returns h1 (T, B, H) and window (T, B, A) in `low` (what layers 2..N and the output read; views
    of the loop's input buffer when eager, so no cast or copy), kappa (T, B, K), the last step's h_T,
    c_T (B, H) and w_T (B, A) in the state's dtype, phi (T, B, U), and the last step's alpha_hat and
    beta (B, K); phi, alpha_hat and beta carry no gradient.
    """

    @staticmethod
    def forward(ctx, gx, w_rec, w_win, b_win, onehot, mask, h0, c0, kappa0, w0, low):
        T, B, G = gx.shape
        H, A, K, U = G // 4, onehot.shape[-1], w_win.shape[1] // 3, onehot.shape[1]
        hi = c0.dtype  # "high": the state's dtype (fp32 in training) for the cell, the window and pointwise maths
        graphs = _graphs if gx.is_cuda else None
        layout = _layout(T, B, U, A, H, K, low, hi)
        with torch.autocast(gx.device.type, enabled=False):
            inputs = dict(gxl=gx.detach(), wr=w_rec.detach(), ww=w_win.detach(), bw=b_win.detach(),
                          onehot=onehot, mask=mask, kappa0=kappa0.detach())
            if graphs is not None:
                entry = graphs.buffers((T, B, U, A, H, K, low, hi), layout, gx.device)
                b = entry.b
                for name, value in inputs.items():
                    getattr(b, name).copy_(value)
            else:
                entry = None
                b = SimpleNamespace(**{n: torch.empty(layout[n][0], device=gx.device, dtype=layout[n][1])
                                       for n in ("inp", "acts", "cs", "tcs", "kappas", "pres", "exps", "expo",
                                                 "phis", "h_last", "w_last", "one", "two", "unit", "u")})
                b.__dict__.update({n: v.to(layout[n][1]) for n, v in inputs.items()})
            b.u.copy_(torch.arange(U, device=gx.device, dtype=hi))  # 0-based character positions
            b.two.fill_(2.0)
            b.unit.fill_(1.0)
            b.one.fill_(1.0)
            b.inp[0, :, :A], b.inp[0, :, A:], b.cs[0] = w0, h0, c0
            if graphs is not None:
                graphs.generation += 1
                graphs.run(entry, "fwd", _forward_steps)
                ctx.graph = (entry, graphs.generation, graphs.arena)
            else:
                _forward_steps(b)
                ctx.graph = None
        ctx.low, ctx.gx_dtype = low, gx.dtype
        if graphs is not None:  # the record lives in the arena: the stale-backward check above guards it
            ctx.b = b
            ctx.save_for_backward(w_rec, w_win)
        else:  # saved tensors, not ctx attributes: the outputs are views of b.inp, and ctx.b would make a cycle
            ctx.b = None
            ctx.save_for_backward(w_rec, w_win, *(getattr(b, n) for n in RECORD))
        ctx.set_materialize_grads(False)  # outputs the loss does not reach (kappa, c_T) cost nothing
        own = (lambda x: x.clone()) if graphs is not None else (lambda x: x)  # graph buffers are reused
        last_a, last_b = b.pres[-1, :, :K].clone(), b.exps[-1, :, :K].clone()
        phis = own(b.phis)
        ctx.mark_non_differentiable(phis, last_a, last_b)
        return (own(b.inp[1:, :, A:]), own(b.inp[1:, :, :A]), own(b.kappas), b.h_last.clone(), b.cs[T].clone(),
                b.w_last.clone(), phis, last_a, last_b)

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_ws, d_kappas, d_hT, d_cT, d_wT, _phi, _a, _b):
        w_rec, w_win, *record = ctx.saved_tensors
        b, low = ctx.b or SimpleNamespace(**dict(zip(RECORD, record))), ctx.low
        T, B, G = b.acts.shape
        H, A, K = G // 4, b.onehot.shape[-1], b.ww.shape[1] // 3
        hi = b.cs.dtype
        grads = dict(d_hs=d_hs, d_ws=d_ws, d_kappas=d_kappas, d_hT=d_hT, d_cT=d_cT, d_wT=d_wT)
        with torch.autocast(b.acts.device.type, enabled=False):
            if ctx.graph is not None:
                entry, generation, arena = ctx.graph
                if _graphs is None or _graphs.generation != generation or _graphs.arena is not arena:
                    raise RuntimeError("WindowLoop under CUDA graphs: another forward ran before this backward and "
                                       "reused its buffers; run each backward before the next forward, or turn "
                                       "graphs off (strokes.recurrence.use_cuda_graphs(False))")
                for name, value in grads.items():
                    buf = getattr(b, name)
                    buf.zero_() if value is None else buf.copy_(value)
                _graphs.run(entry, "bwd", _backward_steps)
            else:
                layout = _layout(T, B, b.onehot.shape[1], A, H, K, low, hi)
                new = lambda n: torch.empty(layout[n][0], device=b.acts.device, dtype=layout[n][1])  # noqa: E731
                zeros = lambda n: torch.zeros(layout[n][0], device=b.acts.device, dtype=hi)  # noqa: E731
                b.d_hs = zeros("d_hs") if d_hs is None else d_hs
                b.d_ws = zeros("d_ws") if d_ws is None else d_ws
                b.d_kappas = d_kappas
                for name in ("d_hT", "d_cT", "d_wT"):
                    setattr(b, name, zeros(name) if grads[name] is None else grads[name].to(hi))
                for name in ("dgates", "dpres", "dg", "dh0", "dc0", "dkappa0", "dw0"):
                    setattr(b, name, new(name))
                _backward_steps(b)
            flat = lambda x: x.reshape(-1, x.shape[-1])  # noqa: E731
            d_wrec = flat(b.inp[:T]).t().mm(flat(b.dgates)).to(w_rec.dtype)  # (A + H, 4H): sum_t in_t^T dg_t
            d_wwin = flat(b.inp[1:, :, A:]).t().mm(flat(b.dpres).to(low)).to(w_win.dtype)  # (H, 3K)
            d_bwin = b.dpres.sum((0, 1))
            d_gx = b.dgates.to(ctx.gx_dtype, copy=ctx.graph is not None)
        return (d_gx, d_wrec, d_wwin, d_bwin, None, None, b.dh0.clone(), b.dc0.clone(), b.dkappa0.clone(),
                b.dw0.clone(), None)
