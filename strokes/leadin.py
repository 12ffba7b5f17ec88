"""A line's first B, P, D or W written after a lead-in word, whose ink is then cut off.

The synthesis network (Graves 2013, section 5) draws a B or a P worst at the very start of a line,
where it has written nothing yet: "Bottom" came out as "Shl-tom" and "Rutton", "Place" as "Dlace"
(docs/capitals.md), "Please" as "Dlease", "Buy" as "3uy"; a D less often so ("Puring", "Arink"),
and a W as an M, an N or an O ("Mhct", "Oc" for "We"). Inside a line it writes them well
("Berlin", "Paris"). So a line that begins with one is given to the network after a short word
(LEAD, "so "), which puts the capital mid-line; after sampling, the ink written before the window (eq. 46) reaches the capital is cut off (`strip`),
with the window's weights over the lead-in, so the line is left as if the network had begun with
the capital (the page layout aligns lines by their ink).

Blind, by eye, against the line written as it is (generate.py's defaults, seeds 0 and 1): on the 24
lines of docs/blind/pb-starts.txt (each beginning with a B or a P), better in 24, worse in 6, alike
in 18 of 48; on the 12 of docs/blind/d-starts.txt, better in 10, worse in 4, alike in 10 of 24
(and in 6, 1 and 5 of the 12 pairs of D lines in docs/blind/hkrd-starts.txt); on the 12 of
docs/blind/w-starts.txt, better in 15, worse in 3, alike in 6 of 24. For an H, a K or an R
(the other lines of hkrd-starts.txt) it was worse: H 2 better, 9 worse; K 2 and 2; R 3 and 5 (the
H's stand-in l comes out looped after a word); for T, A, S, O, C and L (docs/blind/tasocl-starts.txt)
alike on the whole, 11 and 9 of 48 (and L on docs/blind/l-starts.txt, seed 0: 3 and 4 of 12); for
the capitals drawn from stand-ins (docs/blind/standin-starts.txt, seed 0) 4 and 6 of 16. For
all capitals together it had helped too little to ship (README, "How legible?"). So only B, P, D and W are given it (LEAD_CAPITALS). Not in Graves;
`Hand.write(lead_in=...)` and `generate.py --lead-in`.
"""
from __future__ import annotations

import numpy as np

from .acronyms import cut, window_peak
from .written import Written

LEAD = "so "  # a short lower-case word the network writes well, and the space after it
LEAD_CAPITALS = frozenset("BPDW")  # capitals drawn worse at a line's start than after a lead-in (blind)


def needs_lead(text: str) -> bool:
    """Whether `text` (a line as the network reads it) begins with a capital of LEAD_CAPITALS."""
    return text[:1] in LEAD_CAPITALS


def lead(text: str) -> str:
    """`text` with LEAD before it where it needs one (`needs_lead`), else unchanged."""
    return LEAD + text if needs_lead(text) else text


def strip(w: Written) -> Written:
    """`w`, written from LEAD + text, with the ink before the capital cut off: its offsets and
    window weights from the first step after the last pen lift before the window's peak reaches
    the capital (or, where the pen did not lift, from the step where it reaches it), the window's
    columns over LEAD dropped and LEAD taken from its texts. Where the window never reached the
    capital (the line then fails its attention check), `w` is returned as it is. In place; returns `w`."""
    u = len(LEAD)
    peak = window_peak(w.phi)  # (T,)
    reached = np.flatnonzero(peak >= u)
    if not len(reached):
        return w
    end = cut(w.offsets, peak, u)
    if end < 0:  # "so" joined to the capital in one stroke: cut where the window reaches it
        end = int(reached[0]) - 1
    w.offsets = np.array(w.offsets[end + 1:], dtype=np.float64, copy=True)  # (T', 3)
    w.phi = w.phi[end + 1:, u:]  # (T', U + 1 - len(LEAD))
    w.written_text = w.written_text[u:]
    w.window_text = w.window_text[u:]
    return w
