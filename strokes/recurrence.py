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
"""
from __future__ import annotations

import torch
from torch.autograd.function import once_differentiable


class WindowLoop(torch.autograd.Function):
    """Layer 1 + window over a whole sequence.

    apply(gx, w_rec, w_win, b_win, onehot, mask, h0, c0, kappa0, w0, low) with
      gx      (T, B, 4H)  layer 1's input projection of x_t plus both biases, all steps at once
      w_rec   (A + H, 4H) layer 1's weights for [w_{t-1}, h_{t-1}] (input-major)
      w_win   (H, 3K), b_win (3K,)  eq. 48
      onehot  (B, U, A)   the text; mask (B, U) 1.0 on real characters, 0.0 on padding
      h0, c0 (B, H), kappa0 (B, K), w0 (B, A)  the state before the first step
      low     the GEMMs' dtype
    returns h1 (T, B, H) and window (T, B, A) in `low` (what layers 2..N and the output read: views
    of the loop's input buffer, so no cast or copy), kappa (T, B, K), the last step's h_T, c_T (B, H)
    and w_T (B, A) in the state's dtype, phi (T, B, U), and the last step's alpha_hat and beta (B, K);
    phi, alpha_hat and beta carry no gradient.
    """

    @staticmethod
    def forward(ctx, gx, w_rec, w_win, b_win, onehot, mask, h0, c0, kappa0, w0, low):
        T, B, G = gx.shape
        H, A, K = G // 4, onehot.shape[-1], w_win.shape[1] // 3
        hi = c0.dtype  # "high": the state's dtype (fp32 in training) for the cell, the window and pointwise maths
        with torch.autocast(gx.device.type, enabled=False):
            wr, ww, bw = w_rec.detach().to(low), w_win.detach().to(low), b_win.detach().to(low)
            gxl = gx.detach().to(low)
            u = torch.arange(onehot.shape[1], device=gx.device, dtype=hi)  # (U,) 0-based positions
            new = lambda *s, dtype=hi: torch.empty(*s, device=gx.device, dtype=dtype)  # noqa: E731
            inp = new(T + 1, B, A + H, dtype=low)  # [w_{t-1}, h_{t-1}] read at step t: rows 1.. are the outputs
            acts = new(T, B, G)  # gate activations (sigmoid i, f, o; tanh g)
            cs = new(T + 1, B, H)  # c_{t-1} at row t
            tcs = new(T, B, H)  # tanh(c_t)
            kappas = new(T, B, K)
            pres = new(T, B, 3 * K)  # eq. 48 pre-activations
            exps = new(T, B, 2 * K)  # beta and the kappa step exp(kappa_hat), for the backward too
            expo = new(T, B, K, onehot.shape[1])  # exp(alpha_hat - beta (kappa - u)^2) (B, K, U) per step
            phis = new(T, B, onehot.shape[1])
            inp[0, :, :A], inp[0, :, A:], cs[0] = w0, h0, c0
            kappa = kappa0.to(hi)
            two, unit = (torch.tensor(v, device=gx.device, dtype=hi) for v in (2.0, 1.0))  # no per-op scalar wrapping
            for t in range(T):
                g = torch.addmm(gxl[t], inp[t], wr).to(hi)  # (B, 4H); the pointwise maths in fp32
                # tanh(x) = 2 sigmoid(2x) - 1: torch's CPU tanh costs ~4x its sigmoid, so one sigmoid
                # over all four gates (the g gate's inputs doubled) and a fix-up of the g quarter
                g[:, 2 * H:3 * H] *= two
                a = torch.sigmoid(g, out=acts[t])
                a[:, 2 * H:3 * H].mul_(two).sub_(unit)
                c = torch.addcmul(a[:, H:2 * H] * cs[t], a[:, :H], a[:, 2 * H:3 * H], out=cs[t + 1])
                tc = torch.mul(c, two, out=tcs[t]).sigmoid_().mul_(two).sub_(unit)
                h = a[:, 3 * H:] * tc
                hl = inp[t + 1, :, A:]
                hl.copy_(h)
                pre = pres[t]
                pre.copy_(torch.addmm(bw, hl, ww))  # (B, 3K)
                ex = torch.exp(pre[:, K:], out=exps[t])  # (B, 2K): beta, exp(kappa_hat)
                kappa = torch.add(kappa, ex[:, K:], out=kappas[t])
                d = kappa.unsqueeze(-1) - u  # (B, K, U)
                e = torch.exp(torch.addcmul(pre[:, :K].unsqueeze(-1), ex[:, :K].unsqueeze(-1), d * d,
                                            value=-1.0), out=expo[t])
                phi = torch.mul(e.sum(1), mask, out=phis[t])  # (B, U); padding gets phi = 0
                w = torch.bmm(phi.unsqueeze(1), onehot).squeeze(1)  # (B, A)
                inp[t + 1, :, :A].copy_(w)
        ctx.save_for_backward(w_rec, w_win, onehot, mask, acts, cs, tcs, kappas, exps, expo, inp)
        ctx.low, ctx.gx_dtype = low, gx.dtype
        ctx.set_materialize_grads(False)  # outputs the loss does not reach (kappa, c_T) cost nothing
        last_a, last_b = pres[-1, :, :K].clone(), exps[-1, :, :K].clone()
        ctx.mark_non_differentiable(phis, last_a, last_b)
        return inp[1:, :, A:], inp[1:, :, :A], kappas, h, cs[T].clone(), w, phis, last_a, last_b

    @staticmethod
    @once_differentiable
    def backward(ctx, d_hs, d_ws, d_kappas, d_hT, d_cT, d_wT, _phi, _a, _b):
        w_rec, w_win, onehot, mask, acts, cs, tcs, kappas, exps, expo, inp = ctx.saved_tensors
        low, hi = ctx.low, acts.dtype
        T, B, G = acts.shape
        H, A, K = G // 4, onehot.shape[-1], w_win.shape[1] // 3
        zeros = lambda *s: torch.zeros(*s, device=acts.device, dtype=hi)  # noqa: E731
        d_hs = zeros(T, B, H) if d_hs is None else d_hs
        d_ws = zeros(T, B, A) if d_ws is None else d_ws
        with torch.autocast(acts.device.type, enabled=False):
            wr_t, ww_t = w_rec.detach().to(low).t(), w_win.detach().to(low).t()
            onehot_t = onehot.transpose(1, 2)  # (B, A, U)
            u = torch.arange(onehot.shape[1], device=acts.device, dtype=hi)
            dgates = torch.empty(T, B, G, device=acts.device, dtype=low)  # dL/d(gate pre-activations)
            dpres = torch.empty(T, B, 3 * K, device=acts.device, dtype=hi)
            # via step t + 1's input [w_t, h_t]; at t = T - 1 the gradients of the returned h_T, w_T
            dh_next = zeros(B, H) if d_hT is None else d_hT.to(hi)
            dw_next = zeros(B, A) if d_wT is None else d_wT.to(hi)
            dc = zeros(B, H) if d_cT is None else d_cT.to(hi).clone()
            dkappa = zeros(B, K)  # via kappa_{t+1} = kappa_t + exp(kappa_hat_{t+1})
            one, dg = torch.ones(B, H, device=acts.device, dtype=hi), zeros(B, G)  # dg: this step's gate gradients
            for t in range(T - 1, -1, -1):
                # window (eqs. 46-51) backwards: w_t -> phi -> (alpha_hat, beta, kappa)
                dw = dw_next + d_ws[t]  # fp32 + (low): fp32
                dphi = torch.bmm(dw.unsqueeze(1), onehot_t).squeeze(1) * mask  # (B, U)
                de = expo[t] * dphi.unsqueeze(1)  # (B, K, U) dL/d exponent
                kappa, beta, kstep = kappas[t], exps[t, :, :K], exps[t, :, K:]
                d = kappa.unsqueeze(-1) - u  # (B, K, U)
                ded = de * d
                dp = dpres[t]
                torch.sum(de, 2, out=dp[:, :K])  # alpha_hat
                torch.mul((ded * d).sum(2), beta, out=dp[:, K:2 * K]).neg_()  # beta_hat, via beta = exp(beta_hat)
                if d_kappas is not None:
                    dkappa = dkappa + d_kappas[t]
                dkappa = torch.addcmul(dkappa, ded.sum(2), beta, value=-2.0)
                torch.mul(dkappa, kstep, out=dp[:, 2 * K:])  # kappa_hat
                # layer 1 (an LSTM cell) backwards
                dh = dh_next + d_hs[t] + torch.mm(dp.to(low), ww_t)  # (B, H) fp32
                a = acts[t]
                ai, af, ag, ao = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
                tc = tcs[t]
                # sigmoid' = s - s^2 and tanh' = 1 - t^2 as one addcmul each
                dc = torch.addcmul(dc, dh * ao, torch.addcmul(one, tc, tc, value=-1.0))
                torch.mul(dc * ag, torch.addcmul(ai, ai, ai, value=-1.0), out=dg[:, :H])
                torch.mul(dc * cs[t], torch.addcmul(af, af, af, value=-1.0), out=dg[:, H:2 * H])
                torch.mul(dc * ai, torch.addcmul(one, ag, ag, value=-1.0), out=dg[:, 2 * H:3 * H])
                torch.mul(dh * tc, torch.addcmul(ao, ao, ao, value=-1.0), out=dg[:, 3 * H:])
                dc = dc * af
                dgl = dgates[t]
                dgl.copy_(dg)  # one cast to the GEMM dtype
                dinp = torch.mm(dgl, wr_t).to(hi)  # (B, A + H)
                dw_next, dh_next = dinp[:, :A], dinp[:, A:]
            flat = lambda x: x.reshape(-1, x.shape[-1])  # noqa: E731
            d_wrec = flat(inp[:T]).t().mm(flat(dgates)).to(w_rec.dtype)  # (A + H, 4H): sum_t in_t^T dg_t
            d_wwin = flat(inp[1:, :, A:]).t().mm(flat(dpres).to(low)).to(w_win.dtype)  # (H, 3K)
            d_bwin = dpres.sum((0, 1))
        return (dgates.to(ctx.gx_dtype), d_wrec, d_wwin, d_bwin, None, None, dh_next, dc, dkappa, dw_next, None)
