"""Widen a trained network's LSTM layers without changing what it computes (not in Graves 2013).

    python -m strokes.widen strokes/weights/synthesis.pt --hidden-size 400 --out runs/wide/init.pt
    python train.py --data data/iam-r30.h5 --out runs/wide --init runs/wide/init.pt ...

A network trained at hidden size H (e.g. 3 x 256, which trains ~1.7x faster per step on a CPU) is
grown to H' > H (e.g. Graves' 3 x 400) so that training continues with more capacity instead of
starting over. The new network computes exactly the old function at first (Net2WiderNet, Chen,
Goodfellow and Shlens 2016, with zero outgoing weights instead of split ones):

- every old unit keeps its incoming weights and biases (gate rows i, f, g, o of each layer);
- the H' - H new units of each layer get PyTorch's default LSTM initialisation, U(-1/sqrt(H'),
  1/sqrt(H')), for their incoming weights and biases, so they differ from one another;
- every weight *from* a new unit (to old units' gates in the same and the next layer, to the window
  layer of eq. 48, to the output layer of eq. 4) is zero. New units therefore cannot change any old
  unit, the window or the mixture, so losses, samples and gradients w.r.t. the old weights are those
  of the old network.

Their outgoing weights get gradients at once (they multiply the new units' non-zero h), and once
they move off zero the new units' own weights do too. Layer inputs are laid out as in
`strokes.models`: layer 1 reads [x, w_{t-1}], layer n > 1 reads [x, h^{n-1}, w_t] (prediction
network: no w).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

from .models import (CHECKPOINT_FORMAT, CHECKPOINT_VERSION, build_model, config_from_dict, config_to_dict,
                     read_checkpoint)


def _rows(H: int, H2: int) -> torch.Tensor:
    """Where the 4H gate rows (i, f, g, o blocks of H) of an old LSTM land among the new 4H'."""
    return torch.cat([g * H2 + torch.arange(H) for g in range(4)])


def _input_columns(config, n: int, H2: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Layer n's old input columns -> their new indices, and the new indices of new units' h^{n-1}."""
    I, H = config.input_size, config.hidden_size
    A = config.alphabet_size if config.kind == "synthesis" else 0
    old = list(range(I))  # x keeps its place
    new_h = []
    if n > 0:  # h^{n-1}: old units first, then the new ones
        old += list(range(I, I + H))
        new_h = list(range(I + H, I + H2))
    shift = H2 - H if n > 0 else 0
    old += [I + (H if n > 0 else 0) + shift + a for a in range(A)]  # the window vector follows h^{n-1}
    return torch.tensor(old, dtype=torch.long), torch.tensor(new_h, dtype=torch.long)


def widen_state(config, state: dict, hidden_size: int, seed: int = 0) -> tuple[dict, object]:
    """The state dict and config of `config`'s network widened to `hidden_size` (see the module
    docstring). state: the old network's state dict (any float dtype; the result is fp32)."""
    H, H2, L = config.hidden_size, hidden_size, config.layers
    if H2 <= H:
        raise ValueError(f"--hidden-size {H2} is not larger than the network's {H}; pass a larger size")
    new_config = type(config)(**{**vars(config), "hidden_size": H2})
    torch.manual_seed(seed)  # the new units' initialisation
    fresh = build_model(new_config).state_dict()
    out = {k: v.clone() for k, v in fresh.items()}
    rows = _rows(H, H2)
    for n in range(L):
        p = f"lstms.{n}."
        cols, new_h = _input_columns(config, n, H2)
        w = out[p + "weight_ih_l0"]  # (4H', in')
        w[rows.unsqueeze(1), cols] = state[p + "weight_ih_l0"].float()
        w[rows.unsqueeze(1), new_h] = 0.0  # old gates ignore the new units of the layer below
        w = out[p + "weight_hh_l0"]  # (4H', H')
        w[rows.unsqueeze(1), torch.arange(H)] = state[p + "weight_hh_l0"].float()
        w[rows.unsqueeze(1), torch.arange(H, H2)] = 0.0  # ... and the new units of their own layer
        for b in ("bias_ih_l0", "bias_hh_l0"):
            out[p + b][rows] = state[p + b].float()
    proj = out["head.proj.weight"]  # (6M+1, L H'): eq. 4's W_n for each layer, side by side
    proj.zero_()
    for n in range(L):
        proj[:, n * H2:n * H2 + H] = state["head.proj.weight"][:, n * H:(n + 1) * H].float()
    if "window.weight" in out:  # eq. 48 reads h^1
        out["window.weight"].zero_()
        out["window.weight"][:, :H] = state["window.weight"].float()
    for k, v in state.items():  # whatever does not depend on H (biases of the head and window)
        if not k.startswith("lstms.") and k not in ("head.proj.weight", "window.weight"):
            if out[k].shape != v.shape:
                raise ValueError(f"{k}: shape {tuple(v.shape)} does not fit the widened {tuple(out[k].shape)}")
            out[k] = v.float().clone()
    return out, new_config


def widen_checkpoint(ckpt: dict, hidden_size: int, seed: int = 0) -> dict:
    """A checkpoint dict (model alone, fp32) of ckpt's network widened to hidden_size, for
    `train.py --init`, `strokes.evaluate` and generate.py."""
    old = config_from_dict(ckpt["model_config"])
    state, config = widen_state(old, ckpt["model"], hidden_size, seed)
    return {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "model_config": config_to_dict(config),
            "model": state, "position": ckpt.get("position"),
            "widened": {"from_hidden_size": old.hidden_size, "seed": seed,
                        "from_release": ckpt.get("release")}}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m strokes.widen", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("checkpoint", help="a .pt written by train.py or strokes.evaluate (e.g. strokes/weights/synthesis.pt)")
    p.add_argument("--hidden-size", type=int, required=True, help="the new LSTM width, larger than the old")
    p.add_argument("--out", required=True, help="where to write the widened checkpoint, e.g. runs/wide/init.pt")
    p.add_argument("--seed", type=int, default=0, help="seed of the new units' initialisation (default 0)")
    args = p.parse_args(argv)
    from .evaluate import _reason
    from .runstate import atomic_save
    try:
        ckpt = read_checkpoint(args.checkpoint)
    except Exception as err:  # missing, truncated or foreign file
        print(f"widen: {args.checkpoint}: cannot read checkpoint ({_reason(err)}); pass a .pt written by train.py",
              file=sys.stderr)
        return 2
    try:
        wide = widen_checkpoint(ckpt, args.hidden_size, args.seed)
    except ValueError as err:
        print(f"widen: {err}", file=sys.stderr)
        return 2
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    atomic_save(wide, Path(args.out))
    n = sum(v.numel() for v in wide["model"].values())
    print(f"wrote {args.out}: hidden size {wide['widened']['from_hidden_size']} -> {args.hidden_size}, "
          f"{n / 1e6:.2f} M parameters")
    return 0


if __name__ == "__main__":
    sys.exit(main())
