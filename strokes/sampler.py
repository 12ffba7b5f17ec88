"""Fast sampling from Graves' synthesis network (Graves 2013, section 5; bias eqs. 61-62).

`SynthesisNetwork.step` is the readable reference: every layer an `nn.LSTM`'s explicit cell, the
output wrapped in a `StrokeMixture` object, the component drawn through `torch.distributions`. At
B = 1 that costs more in Python and small-tensor overhead than in arithmetic. `FastSampler` does
the same maths on the same parameters with as few tensor operations as it can:

- one fused gate matmul per layer: [x_t, w_{t-1}, h^1_{t-1}] @ W_1 and [x_t, h^{n-1}_t, w_t, h^n_{t-1}] @ W_n
  with W_n = [weight_ih, weight_hh]^T and the two biases summed, taken from the model once per call;
- the window (eqs. 46-51) computed once per step over the U characters and the position past the
  end, in the same form as `strokes.attention.window_weights`: it gives both w_t and Graves'
  stopping rule (section 5.3), so a line stops at the same step as in the reference loop;
- the mixture sampled directly from its raw parameters (eqs. 18-23) with Graves' bias b and a
  temperature tau: logits * (1 + b) / tau (eq. 61), sigma = exp(sigma_hat) * exp(-b) * sqrt(tau)
  (eq. 62); the component by Gumbel-max, then one correlated Gaussian; end of stroke
  Bernoulli(sigmoid(eos_logit / tau)), as `StrokeMixture.tempered(...).sample()` does. All noise
  for a call is drawn up front in three tensor calls.

`raw_step` returns the raw output parameters and is held to `model.step` in the tests; `sample`
runs the whole loop (the one `strokes.hand.Hand` uses by default). Threads, measured on a 2-core
EPYC for 3 x 400 (idle machine): at B = 1 a second thread gains ~3% and loses badly when the other
core is busy, so batches below SINGLE_THREAD_BELOW run on one thread; at B = 10 two threads are ~30%
faster (1.5 vs 2.2 ms/step) and torch's setting is kept. The caller's setting is restored.

`sample_unconditional` draws free handwriting from a prediction network (Graves section 4) with the
readable `model.step`: one line, so there is nothing to batch.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import torch
from tqdm import tqdm

from . import transforms
from .mdn import RHO_LIMIT
from .models import State, SynthesisNetwork
from .recurrence import capture_graph
from .written import HandError

SINGLE_THREAD_BELOW = 8  # batches smaller than this sample on one intra-op thread (see the module docstring)
GRAPH_CHUNK = 16  # steps per CUDA-graph replay on a GPU: the end is checked (one sync) once per chunk


def sampling_threads(batch_size: int) -> int | None:
    """Intra-op threads for sampling a batch: 1 for small batches, else torch's setting (None)."""
    return 1 if batch_size < SINGLE_THREAD_BELOW else None


@contextmanager
def num_threads(n: int | None):
    """Run a block with torch.set_num_threads(n) (None: unchanged), restoring the old setting."""
    old = torch.get_num_threads()
    if n is not None and n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if torch.get_num_threads() != old:
            torch.set_num_threads(old)


@dataclass
class Sampled:
    """What `FastSampler.sample` drew, padded to the longest line."""

    offsets: torch.Tensor  # (B, T, 3) normalised (dx, dy, eos); line b is valid for steps[b] rows
    phi: torch.Tensor  # (B, T, U + 1) window weights (eq. 46) at each drawn step, past-the-end included
    steps: torch.Tensor  # (B,) int64 drawn steps per line
    stopped: torch.Tensor  # (B,) bool: the stopping rule fired (rather than the step cap)
    raw: torch.Tensor | None  # (B, T, 6M + 1) raw output parameters behind each draw, if kept


class FastSampler:
    """The synthesis network's per-step maths on its own parameters (snapshot taken at construction)."""

    @staticmethod
    def supports(model) -> bool:
        """Whether the model has the layout this sampler assumes: a synthesis network with Graves' head
        (bivariate, exp sigmas, end of stroke, no weight or sigma floors, no Gumbel mixing)."""
        head = getattr(model, "head", None)
        return (isinstance(model, SynthesisNetwork) and head.covariance == "bivariate" and head.end_of_stroke
                and head.sigma_activation == "exp" and not head.min_sigma and not head.min_weight
                and head.gumbel_temperature is None)

    def __init__(self, model: SynthesisNetwork):
        if not self.supports(model):
            raise ValueError("FastSampler needs a synthesis network with Graves' output head; "
                             "use the reference loop (Hand(model, fast=False)) for other models")
        cfg, head = model.config, model.head
        self.model = model
        self.I, self.H, self.K = cfg.input_size, cfg.hidden_size, cfg.window_components
        self.A, self.M = cfg.alphabet_size, cfg.components
        with torch.no_grad():
            # layer inputs in the model's order, then h_{t-1}: one (in + H, 4H) matrix per layer
            self.w = [torch.cat([l.weight_ih_l0, l.weight_hh_l0], 1).t().contiguous() for l in model.lstms]
            self.b = [(l.bias_ih_l0 + l.bias_hh_l0).contiguous() for l in model.lstms]  # (4H,)
            self.w_window = model.window.weight.t().contiguous()  # (H, 3K)
            self.b_window = model.window.bias.detach().clone()  # (3K,)
            self.w_head = head.proj.weight.t().contiguous()  # (L H, 6M + 1)
            self.b_head = head.proj.bias.detach().clone()  # (6M + 1,)
        M, dev = self.M, self.b_head.device
        # raw layout (strokes.mdn.MixtureDensityHead): logits (M), means (M, 2), sigma_hat (M, 2), rho_hat (M), eos
        self._base = torch.tensor([[M, M + 1, 3 * M, 3 * M + 1, 5 * M]], device=dev)  # component 0's columns
        self._stride = torch.tensor([[2, 2, 2, 2, 1]], device=dev)  # column step per component

    # ------------------------------------------------------------------ one step

    def _lstm(self, n: int, inp: torch.Tensor, c: torch.Tensor):
        """Layer n's cell on inp = [layer input, h_{t-1}] (B, in + H), gates in PyTorch's order (i, f, g, o)."""
        gates = torch.addmm(self.b[n], inp, self.w[n])  # (B, 4H), the one matmul of the layer
        H = self.H
        s = torch.sigmoid(gates)
        c = torch.addcmul(s[:, H:2 * H] * c, s[:, :H], torch.tanh(gates[:, 2 * H:3 * H]))  # f c + i g
        return s[:, 3 * H:] * torch.tanh(c), c  # o tanh(c)

    def advance(self, x: torch.Tensor, state: State, onehot: torch.Tensor, u: torch.Tensor):
        """One step of every layer: x (B, 3) -> (raw (B, 6M + 1), new State, phi (B, U + 1)).

        onehot (B, U + 1, A): the masked one-hot text with a zero row appended for the position past
        the end; u (U + 1,) = 0..U. phi is eq. 46 at every position including U, computed exactly as
        `strokes.attention.window_weights` does (so the stopping rule sees the reference's numbers);
        w_t = phi @ onehot (eq. 47) reuses it, padded and past-the-end positions having zero rows.
        """
        K = self.K
        h, c = self._lstm(0, torch.cat([x, state.window, state.h[0]], 1), state.c[0])
        p = torch.addmm(self.b_window, h, self.w_window)  # (B, 3K): alpha_hat, beta_hat, kappa_hat (eq. 48)
        alpha = torch.exp(p[:, :K])  # eq. 49
        beta = torch.exp(p[:, K:2 * K])  # eq. 50
        kappa = state.kappa + torch.exp(p[:, 2 * K:])  # eq. 51
        phi = (alpha.unsqueeze(-1) * torch.exp(-beta.unsqueeze(-1) * (kappa.unsqueeze(-1) - u) ** 2)).sum(-2)
        w = torch.bmm(phi.unsqueeze(1), onehot).squeeze(1)  # (B, A)
        hs, cs, lower = [h], [c], h
        for n in range(1, len(self.w)):
            lower, cn = self._lstm(n, torch.cat([x, lower, w, state.h[n]], 1), state.c[n])
            hs.append(lower)
            cs.append(cn)
        raw = torch.addmm(self.b_head, torch.cat(hs, 1), self.w_head)  # (B, 6M + 1)
        return raw, State(tuple(hs), tuple(cs), kappa, w, alpha, beta), phi

    def text_inputs(self, text: torch.Tensor, text_mask: torch.Tensor, dtype=torch.float32):
        """(onehot (B, U + 1, A), u (U + 1,)) for `advance`, from text (B, U) and text_mask (B, U)."""
        onehot = self.model._one_hot(text, text_mask, dtype)  # (B, U, A), padding rows zero
        onehot = torch.cat([onehot, onehot.new_zeros(onehot.shape[0], 1, onehot.shape[2])], 1)
        return onehot, torch.arange(text.shape[1] + 1, device=text.device, dtype=dtype)

    def raw_step(self, x: torch.Tensor, state: State, text: torch.Tensor, text_mask: torch.Tensor):
        """x (B, 3) -> (raw (B, 6M + 1), new State): the same numbers as `model.step` (to rounding)."""
        onehot, u = self.text_inputs(text, text_mask, x.dtype)
        raw, state, _ = self.advance(x, state, onehot, u)
        return raw, state

    def draw(self, raw: torch.Tensor, bias: float, temperature: float, gumbel: torch.Tensor,
             normal: torch.Tensor, eos_logistic: torch.Tensor) -> torch.Tensor:
        """One offset per row from the tempered mixture: raw (B, 6M + 1) -> (B, 3).

        The noise is drawn by the caller: gumbel (B, M) standard Gumbel (argmax of logits + Gumbel
        is a draw from softmax(logits)), normal (B, 2) standard normals, eos_logistic (B, 1)
        standard logistic (eos = 1 exactly when it is below eos_logit / tau, i.e. with probability
        sigmoid(eos_logit / tau)).
        """
        M = self.M
        k = (raw[:, :M] * ((1.0 + bias) / temperature) + gumbel).argmax(1, keepdim=True)  # (B, 1), eq. 61
        p = raw.gather(1, k * self._stride + self._base)  # (B, 5): mu_x, mu_y, sigma_hat x, y, rho_hat
        s = torch.exp(p[:, 2:4]) * (math.exp(-bias) * math.sqrt(temperature))  # (B, 2), eq. 62
        rho = torch.tanh(p[:, 4:]).clamp_(-RHO_LIMIT, RHO_LIMIT)  # (B, 1)
        e1, e2 = normal[:, :1], normal[:, 1:]
        z = torch.cat([e1, rho * e1 + torch.sqrt((1 - rho) * (1 + rho)) * e2], 1)  # (B, 2) correlated
        eos = (eos_logistic < raw[:, 6 * M:] / temperature).to(raw.dtype)  # (B, 1)
        return torch.cat([torch.addcmul(p[:, :2], s, z), eos], 1)

    # ------------------------------------------------------------------ the loop

    def _step(self, t, x: torch.Tensor, state: State, loop, bias: float, temperature: float):
        """One step of `sample`: read x, apply Graves' stopping rule, draw the next offset.

        t is the step: an int (eager), or a (1,) long tensor on the device (inside a CUDA graph, where
        the step must be data, not a Python constant). Updates loop.done, loop.stopped and loop.steps
        in place; returns the drawn x (B, 3), the new state, phi (B, U + 1) and raw (B, 6M + 1).
        """
        raw, state, phi = self.advance(x, state, loop.onehot, loop.u)
        # Graves' stopping rule, as strokes.attention.finished_reading
        fired = (phi.gather(1, loop.past_end).squeeze(1) >
                 phi.masked_fill(loop.outside, float("-inf")).amax(-1)) & ~loop.done
        loop.stopped |= fired
        loop.done |= fired | (t >= loop.caps)
        at = (lambda z: z[t]) if isinstance(t, int) else (lambda z: z.index_select(0, t).squeeze(0))
        x = self.draw(raw, bias, temperature, at(loop.gumbel), at(loop.normal), at(loop.logistic))
        loop.steps += (~loop.done).long()
        return x, state, phi, raw

    @torch.no_grad()
    def sample(self, x: torch.Tensor, state: State, text: torch.Tensor, text_mask: torch.Tensor,
               lengths: torch.Tensor, caps: torch.Tensor, bias: float = 0.0, temperature: float = 1.0,
               keep_raw: bool = False, progress: bool = False, threads: int | None | str = "auto",
               cuda_graphs: bool = True) -> Sampled:
        """Sample every line until Graves' rule stops it or it reaches its cap.

        x (B, 3) the first input; state after priming (or model.initial_state); text (B, U),
        text_mask (B, U); lengths (B,) characters per line; caps (B,) the most steps per line.
        At step t the network reads x; if the window has passed the text (`finished_reading`) the
        line stops there and nothing is drawn; else one offset is drawn and fed back. The noise
        for every step is drawn up front from torch's global generator. threads: intra-op threads
        on CPU ("auto": `sampling_threads(B)`, None: leave torch's setting). cuda_graphs: on a GPU,
        run GRAPH_CHUNK steps per CUDA-graph replay (the same numbers; a step is ~40 tiny kernels,
        so launching them dominates) and check for the end once per chunk.
        """
        if bias < 0 or temperature <= 0:
            raise ValueError(f"need bias >= 0 and temperature > 0, got {bias}, {temperature}")
        B, U = text.shape
        dev, dtype = x.device, x.dtype
        threads = sampling_threads(B) if threads == "auto" else threads
        graphs = cuda_graphs and dev.type == "cuda"
        onehot, u = self.text_inputs(text, text_mask, dtype)
        cap = int(caps.max())
        uniform = torch.rand(cap, B, self.M + 1, device=dev, dtype=dtype).clamp_(1e-12, 1 - 1e-7)
        noise = dict(gumbel=-torch.log(-torch.log(uniform[..., :self.M])),  # (cap, B, M)
                     logistic=torch.logit(uniform[..., self.M:]),  # (cap, B, 1)
                     normal=torch.randn(cap, B, 2, device=dev, dtype=dtype))
        if graphs:  # a graph may run up to a chunk past the cap; what it draws there is never kept
            noise = {k: torch.cat([v, v.new_zeros(GRAPH_CHUNK, *v.shape[1:])]) for k, v in noise.items()}
        loop = SimpleNamespace(
            onehot=onehot, u=u, caps=caps, **noise,
            outside=torch.arange(U + 1, device=dev).unsqueeze(0) >= lengths.unsqueeze(1),  # (B, U + 1)
            past_end=lengths.long().unsqueeze(1),  # (B, 1)
            done=torch.zeros(B, dtype=torch.bool, device=dev), stopped=torch.zeros(B, dtype=torch.bool, device=dev),
            steps=torch.zeros(B, dtype=torch.long, device=dev))
        if graphs:
            xs, phis, raws = self._sample_graphed(x, state, loop, cap, bias, temperature, keep_raw, progress)
        else:
            xs, phis, raws = [], [], []
            with num_threads(threads if dev.type == "cpu" else None):
                for t in tqdm(range(cap), desc="writing", unit=" steps", disable=not progress, leave=False):
                    x_next, state, phi, raw = self._step(t, x, state, loop, bias, temperature)
                    if (dev.type == "cpu" or t % 8 == 7) and bool(loop.done.all()):  # on a GPU, sync every 8 steps
                        break
                    x = x_next
                    xs.append(x)
                    phis.append(phi)
                    if keep_raw:
                        raws.append(raw)
            xs, phis = (torch.stack(v, 1) if v else None for v in (xs, phis))
            raws = torch.stack(raws, 1) if raws else None
        steps = loop.steps
        T = int(steps.max()) if B else 0
        offsets = xs[:, :T] if T else x.new_zeros(B, 0, 3)
        phi_all = phis[:, :T] if T else x.new_zeros(B, 0, U + 1)
        raw_all = (raws[:, :T] if T else x.new_zeros(B, 0, self.b_head.numel())) if keep_raw else None
        return Sampled(offsets, phi_all, steps, loop.stopped, raw_all)

    def _sample_graphed(self, x, state, loop, cap, bias, temperature, keep_raw, progress):
        """`sample`'s loop on a GPU: GRAPH_CHUNK steps captured once into a CUDA graph over static
        buffers (x, the state, the step counter, the outputs), then replayed until every line is done."""
        B, room = x.shape[0], loop.gumbel.shape[0]
        t = torch.zeros(1, dtype=torch.long, device=x.device)
        x = x.clone()
        keep = lambda v: v.clone() if torch.is_tensor(v) else v  # noqa: E731
        state = State(*(tuple(map(keep, f)) if isinstance(f, tuple) else keep(f) for f in state))
        xs = x.new_empty(room, B, 3)
        phis = x.new_empty(room, B, loop.onehot.shape[1])
        raws = x.new_empty(room, B, self.b_head.numel()) if keep_raw else None

        def chunk():
            xc, sc = x, state
            for _ in range(GRAPH_CHUNK):
                xc, sc, phi, raw = self._step(t, xc, sc, loop, bias, temperature)
                xs.index_copy_(0, t, xc.unsqueeze(0))
                phis.index_copy_(0, t, phi.unsqueeze(0))
                if keep_raw:
                    raws.index_copy_(0, t, raw.unsqueeze(0))
                t.add_(1)
            x.copy_(xc)  # the chunk's last state becomes the next replay's input
            for dst, src in zip(state.h + state.c + (state.kappa, state.window), sc.h + sc.c + (sc.kappa, sc.window)):
                dst.copy_(src)

        graph = capture_graph(chunk)  # its real run is the line's first chunk
        done_steps = GRAPH_CHUNK
        with tqdm(total=cap, desc="writing", unit=" steps", disable=not progress, leave=False) as bar:
            while done_steps < cap and not bool(loop.done.all()):
                graph.replay()
                done_steps += GRAPH_CHUNK
                bar.update(GRAPH_CHUNK)
        return xs.transpose(0, 1), phis.transpose(0, 1), raws.transpose(0, 1) if keep_raw else None


@torch.no_grad()
def sample_unconditional(model, steps: int, bias: float = 0.0, temperature: float = 1.0, seed: int = 0,
                         progress: bool = False) -> np.ndarray:
    """Free handwriting from a prediction network (Graves section 4): `steps` raw-unit offsets (T, 3)."""
    cfg = model.config
    if cfg.stats is None:
        raise HandError("checkpoint lacks its normalisation statistics; retrain with this version of strokes")
    mode = transforms.Preprocess.from_dict(cfg.preprocess or {}).normalise
    dev = next(model.parameters()).device
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        state = model.initial_state(1, dev)
        x = torch.tensor(transforms.normalise(np.zeros((1, 3)), cfg.stats, mode), dtype=torch.float32, device=dev)
        xs = []
        for _ in tqdm(range(steps), desc="sampling", unit=" steps", disable=not progress, leave=False):
            dist, state = model.step(x, state)
            x = dist.tempered(bias, temperature).sample()
            xs.append(x[0])
    out = transforms.denormalise(torch.stack(xs).cpu().numpy(), cfg.stats, mode)
    out[-1, 2] = 1.0
    return out
