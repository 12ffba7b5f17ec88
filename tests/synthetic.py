"""Synthetic handwriting for tests: a tiny made-up script, one glyph shape per letter.

Each letter is a short pen-down stroke of its own shape, written left to right with a pen-up gap
between letters and a wider one for a space, so a synthesis network can learn which strokes belong
to which character. Nothing here comes from IAM-OnDB.
"""
import numpy as np

GLYPHS = {
    "a": lambda t: np.stack([3 + 3 * np.cos(2 * np.pi * t), -3 - 3 * np.sin(2 * np.pi * t)], 1),  # a loop
    "b": lambda t: np.stack([np.zeros_like(t), -12 * np.sin(np.pi * t)], 1),  # a tall up-down bar
    "c": lambda t: np.stack([6 * t, -3 * (np.floor(6 * t) % 2) - 1], 1),  # a zigzag
    "d": lambda t: np.stack([6 * t, 4 * np.sin(np.pi * t)], 1),  # a descending arc
}
LETTERS = "abcd"


def glyph_line(text: str, points_per_glyph: int = 10, rng=None) -> np.ndarray:
    """(T, 3) absolute points (x, y, eos) writing text in the synthetic script."""
    rng = rng or np.random.default_rng(0)
    x, parts = 0.0, []
    for ch in text:
        if ch == " ":
            x += 6.0
            continue
        t = np.linspace(0, 1, points_per_glyph)
        pts = GLYPHS[ch](t) + np.array([x, 0.0]) + rng.normal(0, 0.15, (points_per_glyph, 2))
        eos = np.zeros((points_per_glyph, 1))
        eos[-1] = 1
        parts.append(np.hstack([pts, eos]))
        x += 9.0
    return np.concatenate(parts)


def synthetic_lines(n: int, seed: int = 0):
    """n (text, points) pairs of random words in the synthetic script."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        words = [''.join(rng.choice(list(LETTERS), rng.integers(1, 4))) for _ in range(rng.integers(1, 3))]
        text = " ".join(words)
        out.append((text, glyph_line(text, rng=rng)))
    return out


def write_synthetic_h5(path, n_train: int = 96, n_val: int = 16, seed: int = 0):
    """A strokes HDF5 file of synthetic lines, splits "trainset" and "testset_v"."""
    from strokes.data import Line, write_h5

    lines = [Line(points, text, f"s{i}", split="trainset")
             for i, (text, points) in enumerate(synthetic_lines(n_train, seed))]
    lines += [Line(points, text, f"v{i}", split="testset_v")
              for i, (text, points) in enumerate(synthetic_lines(n_val, seed + 1))]
    write_h5(path, lines, ["trainset"], "synthetic")
    return path


def train_tiny(folder, model: str = "synthesis", steps: int = 300, seed: int = 0):
    """Train a tiny network on the synthetic script (a few seconds on CPU); returns best.pt's path."""
    from pathlib import Path

    import torch

    from strokes.training import TrainConfig, Trainer

    folder = Path(folder)
    data = write_synthetic_h5(folder / "synthetic.h5")
    cfg = TrainConfig(data=str(data), model=model, out=str(folder / model), steps=steps, batch_size=16,
                      optimizer="adam", lr=1e-2, seed=seed, layers=2, hidden_size=32, components=3,
                      window_components=2, checkpoint_every=10_000, val_every=steps, val_batch_size=16)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: one thread is fastest, and immune to a busy second core
    try:
        Trainer(cfg, progress=False).run()
    finally:
        torch.set_num_threads(threads)
    return folder / model / "best.pt"
