"""A faster training forward for Graves' synthesis network (Graves 2013, section 5, eqs. 46-51).

`SynthesisNetwork.forward` already runs layers 2..N and the output layer as whole-sequence calls
and only layer 1 and the window step by step. What remains expensive on a CPU is the backward of
that loop: autograd computes, at every step, the weight gradient of the step's matmul, a
(A + H) x 4H outer product (B rows) that it then adds into the gradient of the shared weight, so a
line of T steps reads and writes the 3 MB matrix 2T times in memory-bound small-M GEMMs.

`synthesis_forward` computes exactly the same function, but inside the loop multiplies by a
detached copy of the recurrent weight. The gradient with respect to the step-t pre-activations
z_t = gx_t + [w_{t-1}, h_{t-1}] W is the gradient with respect to gx_t, the precomputed input
projection; `_RecurrentWeightGrad` is an identity on gx whose backward receives that gradient for
all t at once and returns dW = sum_t [w_{t-1}, h_{t-1}]^T dz_t as one large GEMM over B x T rows. The
same trick gives the window layer's weight gradient (eq. 48) in one GEMM. The per-step backward is
then only the data gradient dz_t W^T and pointwise maths.

Use: `out = synthesis_forward(model, x, text, text_mask, lstm_grad_clip=...)` in place of
`model(x, text, text_mask, lstm_grad_clip=...)`; the tests hold outputs and every parameter
gradient to the naive reference (`model.forward_stepwise`) to 1e-4.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .models import Output, State, SynthesisNetwork, _clip_grad, lstm_pointwise


class _RecurrentWeightGrad(torch.autograd.Function):
    """Identity on a (B, T, N) tensor g whose backward also returns the gradient of a weight W (Din, N)
    used as z_t = g_t + inputs_t @ W.detach() inside a loop: dW = sum_{b, t} inputs^T dz.

    `inputs` is a list the loop fills with the (B, Din) inputs of each step (detached); it is read
    in the backward, after the loop has run.
    """

    @staticmethod
    def forward(ctx, g, weight, inputs: list):
        ctx.inputs = inputs
        return g.view_as(g)

    @staticmethod
    def backward(ctx, grad):
        dw = None
        if ctx.needs_input_grad[1]:
            inp = torch.stack(ctx.inputs, 1)  # (B, T, Din)
            dw = inp.flatten(0, 1).t().mm(grad.flatten(0, 1))  # (Din, N): one GEMM over B x T rows
        ctx.inputs = None
        return grad, dw, None


def synthesis_forward(model: SynthesisNetwork, x: torch.Tensor, text: torch.Tensor, text_mask: torch.Tensor,
                      state: State | None = None, lstm_grad_clip: float | None = None) -> Output:
    """`model.forward(x, text, text_mask, state=state, lstm_grad_clip=...)`, with a cheaper backward.

    x (B, T, 3), text (B, U), text_mask (B, U) -> Output(raw (B, T, 6M+1), state, kappa (B, T, K)).
    """
    B, T, _ = x.shape
    cfg = model.config
    K, I = cfg.window_components, cfg.input_size
    state = state or model.initial_state(B, x.device, x.dtype)
    onehot = model._one_hot(text, text_mask, x.dtype)  # (B, U, A)
    u = torch.arange(text.shape[1], device=x.device, dtype=x.dtype)  # (U,)
    pad = ~text_mask  # (B, U)
    lstm1, win = model.lstms[0], model.window
    w_rec = torch.cat([lstm1.weight_ih_l0[:, I:], lstm1.weight_hh_l0], 1).t()  # (A + H, 4H): [w_{t-1}, h_{t-1}]
    w_win = win.weight.t()  # (H, 3K)
    rec_inputs, win_inputs = [], []  # filled by the loop, read by the backward
    gx = F.linear(x, lstm1.weight_ih_l0[:, :I], lstm1.bias_ih_l0 + lstm1.bias_hh_l0)  # (B, T, 4H)
    gx = _RecurrentWeightGrad.apply(gx, w_rec, rec_inputs)
    gp = _RecurrentWeightGrad.apply(win.bias.expand(B, T, 3 * K), w_win, win_inputs)  # (B, T, 3K)
    w_rec_d, w_win_d = w_rec.detach(), w_win.detach()
    h, c, kappa, w = state.h[0], state.c[0], state.kappa, state.window
    a_hat, beta = None, state.beta
    hs, ws, kappas = [], [], []
    for gx_t, gp_t in zip(gx.unbind(1), gp.unbind(1)):
        inp = torch.cat([w, h], 1)  # (B, A + H)
        rec_inputs.append(inp.detach())
        h, c = lstm_pointwise(torch.addmm(gx_t, inp, w_rec_d), c)  # (B, H)
        win_inputs.append(h.detach())
        a_hat, b_hat, k_hat = torch.addmm(gp_t, h, w_win_d).chunk(3, -1)  # (B, K) each, eq. 48
        beta = torch.exp(b_hat)
        kappa = kappa + torch.exp(k_hat)
        log_phi = torch.logsumexp(a_hat.unsqueeze(-1) - beta.unsqueeze(-1) * (kappa.unsqueeze(-1) - u) ** 2, 1)
        phi = torch.exp(log_phi).masked_fill(pad, 0.0)  # (B, U), eq. 46
        w = torch.bmm(phi.unsqueeze(1), onehot).squeeze(1)  # (B, A), eq. 47
        hs.append(h)
        ws.append(w)
        kappas.append(kappa)
    h1 = _clip_grad(torch.stack(hs, 1), lstm_grad_clip)  # (B, T, H)
    window = torch.stack(ws, 1)  # (B, T, A)
    upper, hn, cn = model._upper_layers(x, h1, state, 1, extra=window, lstm_grad_clip=lstm_grad_clip)
    raw = model.head.proj(torch.cat([h1] + upper, -1))  # (B, T, 6M+1)
    alpha = torch.exp(a_hat) if a_hat is not None else state.alpha
    new = State((h,) + tuple(hn), (c,) + tuple(cn), kappa, w, alpha, beta)
    return Output(raw, new, torch.stack(kappas, 1))
