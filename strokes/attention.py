"""Reading the synthesis network's soft window: when to stop, and did it read the whole text?

The window (Graves 2013, eqs. 46-51) puts weight phi(t, u) on character u at pen step t. Graves
(section 5.3) stops sampling when the weight on the position just past the last character exceeds
the weight on every character: the window has moved beyond the text. A hard cap on the number of
steps, proportional to the text length, guards against a window that never gets there.

`check_attention` is the after-the-fact test a user can trust: the window must reach the end of
the text, must not sit on one character for far longer than characters usually take, and must not
jump back. Lines that fail are the ones to resample.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

CONFIDENT_FRACTION = 0.25  # steps whose peak window weight is below this x the median are not judged for jumps
STEPS_PER_CHAR_CAP = 40  # hard cap: IAM lines average ~ 25 points per character at full rate
WINDOW_MASS_FLOOR = 1e-6  # window mass below which a step counts as on no character (the window has left the text)


def window_weights(alpha, beta, kappa, positions: int) -> torch.Tensor:
    """phi(t, u) = sum_k alpha_k exp(-beta_k (kappa_k - u)^2) (eq. 46) at u = 0..positions-1.

    alpha, beta, kappa: (B, K). Returns (B, positions). Position u is the (u+1)-th character; with
    positions = U + 1 the last entry is the position just past a U-character text.
    """
    u = torch.arange(positions, dtype=kappa.dtype, device=kappa.device)  # (U,)
    return (alpha.unsqueeze(-1) * torch.exp(-beta.unsqueeze(-1) * (kappa.unsqueeze(-1) - u) ** 2)).sum(-2)


def is_capital_or_digit(c: str) -> bool:
    """A capital letter or digit: the characters IAM-OnDB holds rarely and the network writes worst."""
    return c.isupper() or c.isdigit()


def capitals_and_digits(symbols) -> torch.Tensor:
    """(A,) bool: which alphabet symbols are capital letters or digits (the rare characters)."""
    return torch.tensor([is_capital_or_digit(c) for c in symbols])


def window_share(phi: torch.Tensor, text: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """The share of the window on chosen characters at each step: sum_u phi(t, u) [c_u chosen] / sum_u phi(t, u).

    phi (B, T, U) window weights (0 on padding), text (B, U) alphabet indices, chosen (A,) bool per
    alphabet index -> (B, T) in [0, 1]; 0 where the window holds no mass.
    """
    on = chosen.to(phi.device)[text].to(phi.dtype)  # (B, U)
    mass = phi.sum(-1).clamp_min(WINDOW_MASS_FLOOR)  # (B, T)
    return torch.einsum("btu,bu->bt", phi, on) / mass


def finished_reading(phi: torch.Tensor, text_lengths: torch.Tensor) -> torch.Tensor:
    """Graves' stopping rule per line: phi at position U_b exceeds phi at every position u < U_b.

    phi (B, >= max U + 1) from `window_weights`; text_lengths (B,). Returns (B,) bool.
    """
    B, P = phi.shape
    u = torch.arange(P, device=phi.device)
    inside = u.unsqueeze(0) < text_lengths.unsqueeze(1)  # (B, P) real characters
    best_inside = phi.masked_fill(~inside, float("-inf")).amax(-1)  # (B,)
    past_end = phi.gather(1, text_lengths.long().unsqueeze(1)).squeeze(1)  # (B,)
    return past_end > best_inside


def step_cap(text_length: int, per_char: int = STEPS_PER_CHAR_CAP) -> int:
    """The most pen steps a line of this many characters may take."""
    return max(per_char * max(text_length, 1), per_char)


@dataclass
class AttentionCheck:
    ok: bool
    reached_end: bool
    longest_stall: int  # most consecutive steps the window's peak stayed on one character
    largest_jump_back: int  # largest backwards move of the window's peak, in characters
    reason: str  # empty when ok


def check_attention(phi: torch.Tensor, text_length: int, stopped: bool,
                    stall_factor: float = 6.0, min_stall: int = 60, max_jump_back: int = 1) -> AttentionCheck:
    """Judge one sampled line from its window weights phi (T, >= U + 1).

    stopped: whether the stopping rule fired (rather than the step cap). A stall is the peak staying
    on one character for more than max(min_stall, stall_factor * T / U) steps; a jump back is the
    peak moving back by more than max_jump_back characters, judged on steps where the window is
    clearly on some character (peak weight >= CONFIDENT_FRACTION x its median over the line).
    """
    phi = phi[:, : text_length + 1]
    peak = phi.argmax(-1)  # (T,) character under the window at each step
    T = len(peak)
    height = phi.amax(-1)  # (T,) between letters the window can be faint everywhere and its argmax noise:
    confident = height >= CONFIDENT_FRACTION * height.median() if T else height.bool()  # judge jumps on clear steps
    sure = peak[confident]
    reached = bool(stopped) or (T > 0 and int(peak[-1]) >= text_length - 1 and int(peak.max()) >= text_length - 1)
    changes = torch.nonzero(peak[1:] != peak[:-1]).flatten() + 1
    bounds = torch.cat([torch.tensor([0]), changes, torch.tensor([T])])
    longest = int((bounds[1:] - bounds[:-1]).max()) if T else 0
    back = int((sure[:-1] - sure[1:]).clamp_min(0).max()) if len(sure) > 1 else 0
    stall_limit = max(min_stall, stall_factor * T / max(text_length, 1))
    reasons = []
    if not reached:
        reasons.append("window never reached the end of the text")
    if longest > stall_limit:
        reasons.append(f"window stalled for {longest} steps on one character")
    if back > max_jump_back:
        reasons.append(f"window jumped back {back} characters")
    return AttentionCheck(not reasons, reached, longest, back, "; ".join(reasons))
