"""Two writes of the same draws, one with a step after sampling and one without: the strokes it moved."""
import numpy as np

from strokes.acronyms import owned_strokes


def moved_strokes(on, off):
    """For `Written` lines `on` and `off` of the same draws: (text, owner, new points, old points) of
    each stroke whose points differ, after checking that the pen lifts where it lifted in both.
    owner: the position in text of the character the stroke is mostly on (len(text): the line's end)."""
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a.offsets[:, 2], b.offsets[:, 2])  # the same strokes
        _, strokes, owners = owned_strokes(b.offsets, b.phi)
        pa, pb = np.cumsum(a.offsets[:, :2], axis=0), np.cumsum(b.offsets[:, :2], axis=0)  # (T, 2) each
        for (s, e), owner in zip(strokes, owners):
            if not np.allclose(pa[s:e], pb[s:e]):
                yield b.window_text, owner, pa[s:e], pb[s:e]
