"""Graves' handwriting networks (Graves 2013, "Generating Sequences With Recurrent Neural Networks").

PredictionNetwork (section 4, fig. 1): N stacked LSTM layers (default 3 x 400) with skip connections,

    h^1_t = LSTM(x_t, h^1_{t-1}),   h^n_t = LSTM([x_t, h^{n-1}_t], h^n_{t-1})          (eqs. 1-3)
    y_t   = b + sum_n W_n h^n_t                                                          (eq. 4)

and y_t parameterises the next pen offset: M bivariate Gaussians plus end of stroke (eqs. 18-23,
`strokes.mdn.MixtureDensityHead`, 6M + 1 = 121 raw outputs for M = 20).

SynthesisNetwork (section 5, fig. 12) adds a soft window over the one-hot text c_1..c_U after layer 1:

    (alpha_hat, beta_hat, kappa_hat) = W h^1_t + b                                    (eq. 48)
    alpha = exp(alpha_hat), beta = exp(beta_hat), kappa_t = kappa_{t-1} + exp(kappa_hat)  (eqs. 49-51)
    phi(t, u) = sum_k alpha_k exp(-beta_k (kappa_k - u)^2)                               (eq. 46)
    w_t = sum_u phi(t, u) c_u                                                            (eq. 47)

Layer 1 reads [x_t, w_{t-1}]; layers n >= 2 read [x_t, h^{n-1}_t, w_t]; the output reads every h^n.
Character positions are 0-based here: u = 0..U-1 is the (u+1)-th character and kappa_0 = 0, the
same as `strokes.attention.window_weights` (Graves' 1-based u with kappa_0 = 0 is this with the
window one character further left at the start). Padded characters (text_mask False) get phi = 0.
phi is formed from the exponents alpha_hat_k - beta_k (kappa_k - u)^2 (`step`: their logsumexp;
`forward`: the sum of their exps), never as exp(alpha_hat) * exp(-beta (kappa - u)^2), which can
overflow into inf * 0.

Speed: only layer 1 and the window are sequential. `forward` runs them as one autograd node with a
hand-written backward (`strokes.recurrence.WindowLoop`; the input projection of x precomputed for
the whole sequence, the weight gradients as one GEMM over all B x T steps), then layers 2..N as
whole-sequence `nn.LSTM` calls (fused on CPU, cuDNN on GPU), then the output head on the whole
sequence. `step` advances every layer by one time step with explicit LSTM-cell maths on the same
parameters (the sampling path); `forward_stepwise` loops `step` under autograd and is the naive
reference the tests hold `forward` to (1e-5).

Checkpoints hold the config as a plain dict (dataclasses.asdict), including the alphabet, the
normalisation statistics and the preprocessing, so `load_checkpoint(path)` rebuilds the model alone.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .mdn import MixtureDensityHead
from .recurrence import WindowLoop

CHECKPOINT_FORMAT = "strokes-checkpoint"
CHECKPOINT_VERSION = 1


@dataclass
class PredictionConfig:
    """Prediction network (Graves section 4). Defaults: the paper's 3 x 400, M = 20."""

    layers: int = 3
    hidden_size: int = 400
    components: int = 20  # M bivariate Gaussians in the output mixture
    input_size: int = 3  # (dx, dy, eos)
    alphabet: dict | None = None  # strokes.alphabet.Alphabet.to_dict() of the data it was trained on
    stats: dict | None = None  # normalisation statistics of the training offsets (strokes.transforms)
    preprocess: dict | None = None  # strokes.transforms.Preprocess.to_dict() of the training data

    kind = "prediction"


@dataclass
class SynthesisConfig(PredictionConfig):
    """Synthesis network (Graves section 5). Defaults: the paper's 3 x 400, M = 20, K = 10."""

    window_components: int = 10  # K Gaussians in the soft window
    alphabet_size: int = 0  # one-hot width: len(Alphabet), padding and unknown included
    kappa_init_step: float = 0.04  # initial exp(kappa_hat) (bias init only): IAM writes ~25 points/char

    kind = "synthesis"


CONFIGS = {"prediction": PredictionConfig, "synthesis": SynthesisConfig}


def config_to_dict(config: PredictionConfig) -> dict:
    return {"kind": config.kind, **asdict(config)}


def config_from_dict(d: dict) -> PredictionConfig:
    d = dict(d)
    cls = CONFIGS[d.pop("kind")]
    known = {f.name for f in fields(cls)}
    unknown = set(d) - known
    if unknown:
        raise ValueError(f"unknown {cls.__name__} fields in checkpoint: {sorted(unknown)}")
    return cls(**d)


class State(NamedTuple):
    """Recurrent state after some step t. Synthesis-only fields are None for the prediction net."""

    h: tuple  # per layer (B, H)
    c: tuple  # per layer (B, H)
    kappa: torch.Tensor | None = None  # (B, K) window centres
    window: torch.Tensor | None = None  # (B, A) w_t, read by layer 1 at step t + 1
    alpha: torch.Tensor | None = None  # (B, K) window weights at step t (for stopping rules)
    beta: torch.Tensor | None = None  # (B, K) window widths at step t


class Output(NamedTuple):
    raw: torch.Tensor  # (B, T, 6M + 1) raw mixture parameters; head.distribution(raw) is the density
    state: State  # after the last step
    kappa: torch.Tensor | None = None  # (B, T, K) window centres per step (synthesis)
    phi: torch.Tensor | None = None  # (B, T, U) window weights per step (synthesis, return_phi=True)


def lstm_pointwise(gates: torch.Tensor, c: torch.Tensor):
    """LSTM cell update from pre-activations gates (B, 4H) in PyTorch's order (i, f, g, o)."""
    i, f, g, o = gates.chunk(4, -1)
    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm_cell(x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, lstm: nn.LSTM):
    """One step of a single-layer nn.LSTM with explicit maths: x (B, in), h, c (B, H)."""
    gates = (F.linear(x, lstm.weight_ih_l0, lstm.bias_ih_l0) + F.linear(h, lstm.weight_hh_l0, lstm.bias_hh_l0))
    return lstm_pointwise(gates, c)


def _gemm_dtype(x: torch.Tensor) -> torch.dtype:
    """The dtype autocast runs matmuls in (bfloat16 under train.py --precision bf16), else x's."""
    dev = x.device.type
    return torch.get_autocast_dtype(dev) if torch.is_autocast_enabled(dev) else x.dtype


def _clip_grad(t: torch.Tensor, limit: float | None) -> torch.Tensor:
    if limit is not None and t.requires_grad:
        t.register_hook(lambda g: g.clamp(-limit, limit))
    return t


class PredictionNetwork(nn.Module):
    """Graves' prediction network; `forward(x)` -> Output, `step(x_t, state)` -> (dist, state)."""

    def __init__(self, config: PredictionConfig):
        super().__init__()
        self.config = config
        H, L = config.hidden_size, config.layers
        self.lstms = nn.ModuleList(nn.LSTM(self._layer_input(n), H, batch_first=True) for n in range(L))
        self.head = MixtureDensityHead(L * H, out_dim=2, components=config.components,
                                       covariance="bivariate", end_of_stroke=True)

    def _layer_input(self, n: int) -> int:
        return self.config.input_size + (self.config.hidden_size if n > 0 else 0)

    # --------------------------------------------------------------- state and distributions

    def initial_state(self, batch_size: int, device=None, dtype=torch.float32) -> State:
        z = torch.zeros(batch_size, self.config.hidden_size, device=device, dtype=dtype)
        L = self.config.layers
        return State(h=(z,) * L, c=(z,) * L)

    def distribution(self, raw: torch.Tensor):
        return self.head.distribution(raw)

    def penalty(self) -> torch.Tensor:
        """Regularisation term the trainer adds to the loss (the head's L1/L2; 0 by default)."""
        return self.head.penalty()

    # --------------------------------------------------------------- whole sequence

    def _upper_layers(self, x, lower, state: State, start: int, extra=None, lstm_grad_clip=None):
        """Layers start..N-1 as whole-sequence nn.LSTM calls, time-major: x (T, B, 3), lower (T, B, H) =
        h^{start-1}, extra (T, B, A) or None -> their outputs (T, B, H) each, last h and c (fp32).

        The modules are batch_first; handing them the (B, T, .) view of a time-major tensor lets the
        fused kernel, which works time-major, read and write it without a transposing copy.
        """
        hs, hn, cn = [], [], []
        for n in range(start, self.config.layers):
            parts = [x] if lower is None else [x, lower]
            inp = torch.cat(parts + ([extra] if extra is not None else []), -1)  # (T, B, in_n)
            out, (h, c) = self.lstms[n](inp.transpose(0, 1), (state.h[n].unsqueeze(0), state.c[n].unsqueeze(0)))
            lower = _clip_grad(out.transpose(0, 1), lstm_grad_clip)  # (T, B, H)
            hs.append(lower)
            hn.append(h[0].to(state.h[n].dtype))  # fp32 state under autocast, as layer 1's
            cn.append(c[0].to(state.c[n].dtype))
        return hs, hn, cn

    def _project(self, hs: list) -> torch.Tensor:
        """Eq. 4 with one GEMM per layer, y_t = b + sum_n W_n h^n_t: hs [(T, B, H)] -> (T, B, 6M+1).
        The same output layer as head.proj on the concatenation, without building a (T, B, N H) copy."""
        W, H = self.head.proj.weight, self.config.hidden_size
        raw = F.linear(hs[0], W[:, :H], self.head.proj.bias)
        for n in range(1, len(hs)):
            raw = raw + F.linear(hs[n], W[:, n * H:(n + 1) * H])
        return raw

    def forward(self, x: torch.Tensor, state: State | None = None, lstm_grad_clip: float | None = None,
                **_) -> Output:
        """x (B, T, 3) -> Output(raw (B, T, 6M+1), state).

        lstm_grad_clip: clamp the derivative arriving at each layer's output sequence h^n (B, T, H)
        from the layers above and the output layer to +-this (Graves' LSTM clipping as the trainer
        applies it; the recurrent and window paths inside a layer are not clamped).
        """
        state = state or self.initial_state(x.shape[0], x.device, x.dtype)
        xt = x.transpose(0, 1).to(_gemm_dtype(x))  # (T, B, 3)
        hs, hn, cn = self._upper_layers(xt, None, state, 0, lstm_grad_clip=lstm_grad_clip)
        return Output(self._project(hs).transpose(0, 1), State(tuple(hn), tuple(cn)))  # raw (B, T, 6M+1)

    # --------------------------------------------------------------- one step (sampling)

    def step(self, x_t: torch.Tensor, state: State, **_):
        """Advance every layer one step: x_t (B, 3) -> (StrokeMixture over x_{t+1}, new state)."""
        raw, state = self._step_raw(x_t, state)
        return self.head.distribution(raw), state

    def _step_raw(self, x_t, state: State, **_):
        hs, cs, lower = [], [], None
        for n, lstm in enumerate(self.lstms):
            inp = x_t if lower is None else torch.cat([x_t, lower], -1)
            lower, c = lstm_cell(inp, state.h[n], state.c[n], lstm)
            hs.append(lower)
            cs.append(c)
        return self.head.proj(torch.cat(hs, -1)), State(tuple(hs), tuple(cs))

    def forward_stepwise(self, x: torch.Tensor, state: State | None = None, **cond) -> Output:
        """Naive reference: `step` at every t (every layer as a per-step cell). Same maths as forward."""
        state = state or self.initial_state(x.shape[0], x.device, x.dtype)
        raws, kappas = [], []
        for t in range(x.shape[1]):
            raw, state = self._step_raw(x[:, t], state, **cond)
            raws.append(raw)
            kappas.append(state.kappa)
        kappa = torch.stack(kappas, 1) if state.kappa is not None else None
        return Output(torch.stack(raws, 1), state, kappa)


class SynthesisNetwork(PredictionNetwork):
    """Graves' synthesis network: the prediction stack with a soft window over the text after layer 1.

    forward(x, text, text_mask) / step(x_t, state, text=..., text_mask=...): text (B, U) int64
    alphabet indices (0 = padding), text_mask (B, U) bool.
    """

    def __init__(self, config: SynthesisConfig):
        if config.alphabet_size < 2:
            raise ValueError("SynthesisConfig.alphabet_size must be len(alphabet) (>= 2: padding and unknown)")
        super().__init__(config)
        K = config.window_components
        self.window = nn.Linear(config.hidden_size, 3 * K)  # (alpha_hat, beta_hat, kappa_hat), eq. 48
        with torch.no_grad():
            self.window.bias[2 * K:] = math.log(config.kappa_init_step)

    def _layer_input(self, n: int) -> int:
        return super()._layer_input(n) + self.config.alphabet_size  # every layer reads a window vector

    def initial_state(self, batch_size: int, device=None, dtype=torch.float32) -> State:
        s = super().initial_state(batch_size, device, dtype)
        K, A = self.config.window_components, self.config.alphabet_size
        zk = torch.zeros(batch_size, K, device=device, dtype=dtype)
        return s._replace(kappa=zk, window=torch.zeros(batch_size, A, device=device, dtype=dtype), alpha=zk, beta=zk)

    def _one_hot(self, text, text_mask, dtype):
        onehot = F.one_hot(text, self.config.alphabet_size).to(dtype)  # (B, U, A)
        return onehot * text_mask.unsqueeze(-1).to(dtype)  # padded characters contribute nothing

    def _window(self, h1, kappa, onehot, pad, u, pre=None):
        """Eqs. 46-51 for one step: h1 (B, H), kappa (B, K) -> w (B, A), kappa, alpha_hat, beta, phi (B, U).

        pad (B, U) is True on padded characters; u (U,) holds the positions 0..U-1. pre (B, 3K): the
        eq. 48 pre-activations when the caller computed them (else self.window(h1))."""
        a_hat, b_hat, k_hat = (self.window(h1) if pre is None else pre).chunk(3, -1)  # (B, K) each
        beta = torch.exp(b_hat)
        kappa = kappa + torch.exp(k_hat)
        log_phi = torch.logsumexp(a_hat.unsqueeze(-1) - beta.unsqueeze(-1) * (kappa.unsqueeze(-1) - u) ** 2, 1)
        phi = torch.exp(log_phi).masked_fill(pad, 0.0)  # (B, U); padding gets phi = 0
        w = torch.bmm(phi.unsqueeze(1), onehot).squeeze(1)  # (B, A)
        return w, kappa, a_hat, beta, phi

    def forward(self, x: torch.Tensor, text: torch.Tensor = None, text_mask: torch.Tensor = None,
                state: State | None = None, return_phi: bool = False,
                lstm_grad_clip: float | None = None) -> Output:
        """x (B, T, 3), text (B, U), text_mask (B, U) -> Output(raw, state, kappa (B, T, K), phi)."""
        B, T, _ = x.shape
        state = state or self.initial_state(B, x.device, x.dtype)
        onehot = self._one_hot(text, text_mask, x.dtype)  # (B, U, A)
        lstm1, I = self.lstms[0], self.config.input_size
        xt = x.transpose(0, 1)  # (T, B, 3): time-major from here on
        # x's share of layer 1's gates for every step at once: (T, B, 4H)
        gx = F.linear(xt, lstm1.weight_ih_l0[:, :I], lstm1.bias_ih_l0 + lstm1.bias_hh_l0)
        w_rec = torch.cat([lstm1.weight_ih_l0[:, I:], lstm1.weight_hh_l0], 1).t()  # (A + H, 4H): [w_{t-1}, h_{t-1}]
        low = _gemm_dtype(x)  # under autocast (mixed precision) the GEMMs' dtype; the rest stays fp32
        h1, window, kappa, h_last, c_last, w_last, phi, a_hat, beta = WindowLoop.apply(
            gx, w_rec, self.window.weight.t(), self.window.bias, onehot, text_mask.to(x.dtype),
            state.h[0], state.c[0], state.kappa, state.window, low)  # h1 (T, B, H), window (T, B, A) in low
        h1 = _clip_grad(h1, lstm_grad_clip)
        upper, hn, cn = self._upper_layers(xt.to(low), h1, state, 1, extra=window, lstm_grad_clip=lstm_grad_clip)
        raw = self._project([h1] + upper).transpose(0, 1)  # (B, T, 6M+1)
        new = State((h_last,) + tuple(hn), (c_last,) + tuple(cn), kappa[-1], w_last, torch.exp(a_hat), beta)
        return Output(raw, new, kappa.transpose(0, 1), phi.transpose(0, 1) if return_phi else None)

    def step(self, x_t: torch.Tensor, state: State, text: torch.Tensor = None, text_mask: torch.Tensor = None):
        """Advance every layer one step: x_t (B, 3) -> (StrokeMixture over x_{t+1}, new state).

        The new state's alpha, beta, kappa give the window at this step, e.g. for
        `strokes.attention.window_weights(state.alpha, state.beta, state.kappa, U + 1)`.
        """
        raw, state = self._step_raw(x_t, state, text=text, text_mask=text_mask)
        return self.head.distribution(raw), state

    def _step_raw(self, x_t, state: State, text=None, text_mask=None):
        onehot = self._one_hot(text, text_mask, x_t.dtype)
        u = torch.arange(text.shape[1], device=x_t.device, dtype=x_t.dtype)
        h, c = lstm_cell(torch.cat([x_t, state.window], -1), state.h[0], state.c[0], self.lstms[0])
        w, kappa, a_hat, beta, _ = self._window(h, state.kappa, onehot, ~text_mask, u)
        hs, cs, lower = [h], [c], h
        for n in range(1, self.config.layers):
            lower, c = lstm_cell(torch.cat([x_t, lower, w], -1), state.h[n], state.c[n], self.lstms[n])
            hs.append(lower)
            cs.append(c)
        raw = self.head.proj(torch.cat(hs, -1))
        return raw, State(tuple(hs), tuple(cs), kappa, w, torch.exp(a_hat), beta)


# ------------------------------------------------------------------- building and checkpoints

def build_model(config: PredictionConfig | dict) -> PredictionNetwork:
    """A fresh network from a config (or its dict, as stored in checkpoints)."""
    if isinstance(config, dict):
        config = config_from_dict(config)
    return SynthesisNetwork(config) if config.kind == "synthesis" else PredictionNetwork(config)


def read_checkpoint(path, map_location="cpu") -> dict:
    """The checkpoint dict (plain types and tensors only, so weights_only loading is used)."""
    ckpt = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(ckpt, dict) or ckpt.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path}: not a strokes checkpoint")
    if ckpt.get("version") != CHECKPOINT_VERSION:
        raise ValueError(f"{path}: checkpoint version {ckpt.get('version')}, this strokes reads {CHECKPOINT_VERSION}")
    return ckpt


def load_checkpoint(path, map_location="cpu") -> PredictionNetwork:
    """Rebuild a trained network from its checkpoint alone (config, alphabet, statistics inside).

    The model comes back in eval mode; `model.config.alphabet` / `.stats` / `.preprocess` say how
    its inputs were made.
    """
    return model_from_checkpoint(read_checkpoint(path, map_location)).to(map_location)


def model_from_checkpoint(ckpt: dict) -> PredictionNetwork:
    """The network of a checkpoint dict, in eval mode; fp16 weights (released files) load as fp32."""
    model = build_model(ckpt["model_config"])
    model.load_state_dict(ckpt["model"])  # copy_ casts each tensor to the fp32 parameter's dtype
    return model.eval()
