"""Seeing what the model does: attention and predicted-density pictures, as SVG.

- `attention_svg`: the written line above, and below it the window weights phi(t, u) of the
  synthesis network (Graves 2013 eq. 46) as a heat map, characters down, time across: the bright
  diagonal is the network reading the text as it writes (Graves figure 13).
- `density_svg`: the predicted density of the next pen position, p(x_{t+1} | x_1..t), summed over
  the whole line and drawn under the trajectory (Graves figures 10-11): sharp where the pen's next
  move is certain, spread out at stroke ends and where letters begin.

Heat maps are embedded as PNG images (written here with zlib, no imaging library), so the SVG stays
small whatever the resolution.
"""
from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import svgwrite
import torch

from .render import offsets_to_strokes, stroke_path_data
from .svgplot import FONT, save_atomic


def png_bytes(gray: np.ndarray) -> bytes:
    """Encode an (H, W) array in [0, 1] as an 8-bit PNG, 0 = white and 1 = dark blue."""
    g = np.clip(np.asarray(gray, dtype=np.float64), 0, 1)
    white, ink = np.array([255, 255, 255]), np.array([8, 48, 107])
    rgb = np.round(white + g[..., None] * (ink - white)).astype(np.uint8)  # (H, W, 3)
    raw = b"".join(b"\x00" + row.tobytes() for row in rgb)  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", g.shape[1], g.shape[0], 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _image(dwg, gray, insert, size):
    href = "data:image/png;base64," + base64.b64encode(png_bytes(gray)).decode("ascii")
    return dwg.image(href=href, insert=insert, size=size, preserveAspectRatio="none",
                     style="image-rendering:pixelated")


def _ink(dwg, strokes, transform, width):
    group = dwg.g(fill="none", stroke="black", stroke_width=width, stroke_linecap="round",
                  stroke_linejoin="round", transform=transform)
    for s in strokes:
        group.add(dwg.path(d=stroke_path_data(s)))
    return group


def attention_svg(offsets: np.ndarray, phi: np.ndarray, text: str, path, width: float = 900.0) -> None:
    """Handwriting above, phi(t, u) below. offsets (T, 3); phi (T, U) with U = len(text)."""
    phi = np.asarray(phi, dtype=np.float64)
    T, U = phi.shape
    strokes = offsets_to_strokes(offsets)
    pts = np.concatenate(strokes)
    lo, hi = pts.min(0), pts.max(0)
    ink_w, ink_h = max(hi[0] - lo[0], 1e-6), max(hi[1] - lo[1], 1e-6)
    scale = width / ink_w
    ink_px = ink_h * scale
    row = 14.0  # pixels per character row
    left, top = 30.0, 10.0
    map_top = top + ink_px + 20
    total_h = map_top + row * U + 30
    dwg = svgwrite.Drawing(size=(f"{width + left + 10:.0f}", f"{total_h:.0f}"),
                           viewBox=f"0 0 {width + left + 10:.0f} {total_h:.0f}")
    dwg.add(dwg.rect((0, 0), ("100%", "100%"), fill="white"))
    transform = f"translate({left - lo[0] * scale:.3f},{top - lo[1] * scale:.3f}) scale({scale:.5f})"
    dwg.add(_ink(dwg, strokes, transform, f"{1.5 / scale:.4g}"))
    heat = phi.T / max(phi.max(), 1e-12)  # (U, T): characters down, time across
    dwg.add(_image(dwg, heat, (left, map_top), (width, row * U)))
    dwg.add(dwg.rect((left, map_top), (width, row * U), fill="none", stroke="#444"))
    for u, ch in enumerate(text[:U]):
        dwg.add(dwg.text(ch if ch != " " else "\u2423", insert=(left - 6, map_top + row * (u + 0.75)),
                         text_anchor="end", font_size=11, style=FONT))
    dwg.add(dwg.text(f"time step (1..{T}) \u2192   window weights \u03c6(t, u)", insert=(left, total_h - 10),
                     font_size=12, style=FONT))
    save_atomic(dwg, path)


PATCH_SIGMAS = 5.0  # each prediction is drawn within 5 sigma of its components' means: < 1e-5 mass lost


@torch.no_grad()
def density_grid(offsets: np.ndarray, dist, pixels_per_unit: float, margin: float):
    """Sum over t of p(next position) on a pixel grid over the line: (H, W) array and its origin.

    offsets (T, 3) is the written line; dist is the model's StrokeMixture (or a GaussianMixture
    over (dx, dy)) with batch shape (T,), whose step t predicts the offset from point t to t + 1.
    Each prediction is evaluated on a square patch around point t that holds all but a negligible
    part of its mass, then added into the grid, so the cost does not grow with the page. Points past
    the last prediction (ink added after sampling: a Q's tail, `strokes.standins`) get none.
    """
    pts = np.cumsum(np.asarray(offsets, dtype=np.float64)[:, :2], axis=0)  # (T, 2) positions
    lo, hi = pts.min(0) - margin, pts.max(0) + margin
    W = int(np.ceil((hi[0] - lo[0]) * pixels_per_unit))
    H = int(np.ceil((hi[1] - lo[1]) * pixels_per_unit))
    mixture = dist.mixture if hasattr(dist, "mixture") else dist
    reach = (mixture.loc.abs() + PATCH_SIGMAS * mixture._component_variance().sqrt()).amax().item()
    r = int(np.ceil(reach * pixels_per_unit))
    d = torch.arange(-r, r + 1, dtype=torch.float64) / pixels_per_unit
    patch = torch.stack(torch.meshgrid(d, d, indexing="xy"), -1).reshape(-1, 2)  # (P, 2) offsets
    centre_px = np.floor((pts - lo) * pixels_per_unit).astype(np.int64)  # (T, 2) pixel of each point
    cell_centre = torch.tensor(lo + (centre_px + 0.5) / pixels_per_unit)  # (T, 2)
    grid = np.zeros((H + 2 * r, W + 2 * r))  # padded so every patch fits
    side = 2 * r + 1
    steps = min(len(pts), mixture.loc.shape[0])  # the points the network predicted from
    for t0 in range(0, steps, 32):  # chunks keep memory at P * 32 * M
        t1 = min(t0 + 32, steps)
        rel = cell_centre[t0:t1] - torch.tensor(pts[t0:t1]) + patch.unsqueeze(1)  # (P, c, 2)
        mass = mixture.select(slice(t0, t1)).log_prob(rel.to(mixture.loc.dtype)).double().exp()
        mass = (mass / pixels_per_unit ** 2).T.reshape(-1, side, side).numpy()  # (c, side, side)
        for k, (cx, cy) in enumerate(centre_px[t0:t1]):
            grid[cy:cy + side, cx:cx + side] += mass[k]
    return grid[r:r + H, r:r + W], lo


def density_svg(offsets: np.ndarray, dist, path, pixels_per_unit: float | None = None,
                margin: float | None = None, width: float = 900.0) -> None:
    """The line's trajectory over the heat map of its next-point predictions (Graves figs. 10-11)."""
    pts = np.cumsum(np.asarray(offsets, dtype=np.float64)[:, :2], axis=0)
    span = np.ptp(pts, axis=0).max() or 1.0
    pixels_per_unit = pixels_per_unit or 400.0 / span
    margin = margin if margin is not None else 0.05 * span
    grid, lo = density_grid(offsets, dist, pixels_per_unit, margin)
    heat = np.sqrt(grid / max(grid.max(), 1e-300))  # square root: faint predictions stay visible
    H, W = heat.shape
    scale = width / W
    dwg = svgwrite.Drawing(size=(f"{width:.0f}", f"{H * scale:.0f}"), viewBox=f"0 0 {width:.0f} {H * scale:.0f}")
    dwg.add(dwg.rect((0, 0), ("100%", "100%"), fill="white"))
    dwg.add(_image(dwg, heat, (0, 0), (width, H * scale)))
    unit = pixels_per_unit * scale
    transform = f"translate({-lo[0] * unit:.3f},{-lo[1] * unit:.3f}) scale({unit:.5f})"
    group = _ink(dwg, offsets_to_strokes(offsets), transform, f"{0.8 / unit:.4g}")
    group.attribs["stroke"] = "#d62728"
    group.attribs["stroke-opacity"] = "0.6"
    dwg.add(group)
    save_atomic(dwg, path)
