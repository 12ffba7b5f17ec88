"""A line's first B, P, D, W or digit written after a lead-in word whose ink is then cut off.

The synthesis network (Graves 2013, section 5) draws a B or a P worst at the very start of a line,
where it has written nothing yet: "Bottom" came out as "Shl-tom" and "Rutton", "Place" as "Dlace"
(docs/capitals.md), "Please" as "Dlease", "Buy" as "3uy"; a D less often so ("Puring", "Arink"),
a W as an M, an N or an O ("Mhct", "Oc" for "We"), and a number as "4L" for "42". Inside a line
it writes them well ("Berlin", "Paris"). So a line that begins with one is given to the network
after a short word (LEAD, "so "), which puts the character mid-line; after sampling, the ink
written before the window (eq. 46) reaches it is cut off (`strip`), with the window's weights over
the lead-in, so the line is left as if the network had begun with it (the page layout aligns lines
by their ink).

Blind, by eye, against the line written as it is (generate.py's defaults, seeds 0 and 1): on the 24
lines of docs/blind/pb-starts.txt (each beginning with a B or a P), better in 24, worse in 6, alike
in 18 of 48; on the 12 of docs/blind/d-starts.txt, better in 10, worse in 4, alike in 10 of 24
(and in 6, 1 and 5 of the 12 pairs of D lines in docs/blind/hkrd-starts.txt); on the 12 of
docs/blind/w-starts.txt, better in 15, worse in 3, alike in 6 of 24; on the 12 of
docs/blind/digit-starts.txt, better in 9, worse in 2, alike in 13 of 24. For an H, a K or an R
(the other lines of hkrd-starts.txt) it was worse: H 2 better, 9 worse; K 2 and 2; R 3 and 5 (the
H's stand-in l comes out looped after a word); for T, A, S, O, C and L (docs/blind/tasocl-starts.txt)
alike on the whole, 11 and 9 of 48 (and L on docs/blind/l-starts.txt, seed 0: 3 and 4 of 12); for
the capitals drawn from stand-ins (docs/blind/standin-starts.txt, seed 0) 4 and 6 of 16. For all
capitals together it had helped too little to ship (README, "How legible?"). So only the
characters of LEAD_CHARS are given it. Not in Graves; `Hand.write(lead_in=...)` and
`generate.py --lead-in`.
"""
from __future__ import annotations

import numpy as np

from .acronyms import cut, window_peak
from .written import Written

LEAD = "so "  # a short lower-case word the network writes well, and the space after it
LEAD_CHARS = frozenset("BPDW0123456789")  # drawn worse at a line's start than after a lead-in (blind)


def needs_lead(text: str) -> bool:
    """Whether `text` (a line as asked, before stand-ins take the place of its characters) begins
    with a character of LEAD_CHARS."""
    return text[:1] in LEAD_CHARS


def lead(asked: str, prepared: str) -> str:
    """What the network is given for a line: `prepared` (the line with its stand-ins and spread
    capitals, which begins where `asked` does) after LEAD where `asked` needs one (`needs_lead`)."""
    return LEAD + prepared if needs_lead(asked) else prepared


def strip(w: Written) -> Written:
    """`w`, written from LEAD + text, with the ink before the text's first character cut off: its
    offsets and window weights from the first step after the last pen lift before the window's peak
    reaches that character (or, where the pen did not lift, from the step where it reaches it), the
    window's columns over LEAD dropped and LEAD taken from its texts. Where the window never reached
    it (the line then fails its attention check), `w` is returned as it is. In place; returns `w`."""
    u = len(LEAD)
    peak = window_peak(w.phi)  # (T,)
    reached = np.flatnonzero(peak >= u)
    if not len(reached):
        return w
    end = cut(w.offsets, peak, u)
    if end < 0:  # "so" joined to the character in one stroke: cut where the window reaches it
        end = int(reached[0]) - 1
    w.offsets = np.array(w.offsets[end + 1:], dtype=np.float64, copy=True)  # (T', 3)
    w.phi = w.phi[end + 1:, u:]  # (T', U + 1 - len(LEAD))
    w.written_text = w.written_text[u:]
    w.window_text = w.window_text[u:]
    return w
