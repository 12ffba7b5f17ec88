"""Attention and density pictures, on synthetic strokes and hand-made mixtures; atomic file writes."""
import base64
import struct
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest
import torch

from strokes.mdn import BivariateGaussianMixture, StrokeMixture
from strokes.plots import attention_svg, density_grid, density_svg, png_bytes

SVG = "{http://www.w3.org/2000/svg}"


def decode_png(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        (crc,) = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + n
    w, h = struct.unpack(">II", chunks[b"IHDR"][:8])
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8).reshape(h, 1 + 3 * w)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, 3)


def test_png_round_trip():
    gray = np.array([[0.0, 1.0, 0.5], [1.0, 0.0, 0.25]])
    rgb = decode_png(png_bytes(gray))
    assert rgb.shape == (2, 3, 3)
    assert (rgb[0, 0] == 255).all() and (rgb[1, 1] == 255).all()  # 0 -> white
    assert (rgb[0, 1] < rgb[0, 2]).all() and (rgb[0, 2] < rgb[1, 2]).all()  # darker with weight


def line(T=40):
    t = np.linspace(0, 4 * np.pi, T)
    pts = np.stack([t, np.sin(t)], 1)
    off = np.diff(np.vstack([[0, 0], pts]), axis=0)
    return np.column_stack([off, (np.arange(T) % 10 == 9).astype(float)])


def one_gaussian_predictions(offsets, sigma=0.1):
    T = len(offsets)
    nxt = np.vstack([offsets[1:, :2], [[0.0, 0.0]]])  # step t predicts the offset to t + 1
    mix = BivariateGaussianMixture(torch.zeros(T, 1), torch.tensor(nxt)[:, None, :],
                                   torch.full((T, 1, 2), sigma, dtype=torch.float64), torch.zeros(T, 1))
    return StrokeMixture(mix, torch.zeros(T))


def test_density_grid_holds_one_unit_of_mass_per_step_and_peaks_at_the_next_point():
    offsets = line()
    grid, lo = density_grid(offsets, one_gaussian_predictions(offsets), pixels_per_unit=20, margin=1.0)
    assert abs(grid.sum() - len(offsets)) < 0.02 * len(offsets)
    # a single prediction: the peak pixel holds the predicted next point
    first = one_gaussian_predictions(offsets[:2]).select(slice(0, 1))
    grid1, lo1 = density_grid(offsets[:1], first, 20, 1.0)
    iy, ix = np.unravel_index(grid1.argmax(), grid1.shape)
    peak = lo1 + (np.array([ix, iy]) + 0.5) / 20
    target = offsets[:2, :2].sum(0)
    assert np.abs(peak - target).max() <= 1 / 20 + 1e-9


def test_density_and_attention_svgs(tmp_path):
    offsets = line()
    density_svg(offsets, one_gaussian_predictions(offsets), tmp_path / "d.svg")
    root = ET.parse(tmp_path / "d.svg").getroot()
    image = root.find(f"{SVG}image")
    href = image.get("{http://www.w3.org/1999/xlink}href") or image.get("href")
    decode_png(base64.b64decode(href.split(",", 1)[1]))
    assert len(root.findall(f".//{SVG}path")) == 4  # strokes end at every tenth point
    text = "abcde"
    phi = np.exp(-0.5 * (np.arange(len(text))[None, :] - np.linspace(0, 4, len(offsets))[:, None]) ** 2)
    attention_svg(offsets, phi, text, tmp_path / "a.svg")
    root = ET.parse(tmp_path / "a.svg").getroot()
    labels = [t.text for t in root.findall(f".//{SVG}text")]
    assert labels[:5] == list(text)
    href = root.find(f"{SVG}image").get("{http://www.w3.org/1999/xlink}href")
    rgb = decode_png(base64.b64decode(href.split(",", 1)[1]))
    assert rgb.shape[:2] == (len(text), len(offsets))  # characters down, time across
    # the darkest cell of each time column follows the window centre
    darkest = rgb[..., 0].argmin(0)
    assert darkest[0] == 0 and darkest[-1] == len(text) - 1


def test_write_atomic_replaces_whole_files_and_leaves_nothing_when_writing_fails(tmp_path):
    import os

    from strokes.svgplot import write_atomic
    path = tmp_path / "key.json"
    write_atomic(path, lambda f: f.write("first"))
    assert path.read_text() == "first"
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's private 0600

    def half(f):
        f.write("half")
        raise RuntimeError("disk full")
    with pytest.raises(RuntimeError, match="disk full"):
        write_atomic(path, half)
    assert path.read_text() == "first" and sorted(p.name for p in tmp_path.iterdir()) == ["key.json"]
