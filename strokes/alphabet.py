"""Character alphabet for the synthesis network's text input.

Index 0 is padding (never a character), index 1 the declared unknown symbol, then the characters
seen in the training texts in sorted order. A character outside the alphabet encodes to the unknown
index and is counted (`unknown_count`, `unknown_chars`): text is never dropped silently and encoding
never fails. The alphabet travels as a small JSON-serialisable dict, in the HDF5 file and in
checkpoints, so a model always reads text the way it was trained.

Text to write is first mapped onto an alphabet (`prepare_text`): a character it lacks becomes the
other case of the letter if the alphabet has it, else its plain form (`plain_form`: a straight quote
for a curly one, "e" for "é"), else the unknown symbol, and the replaced characters are counted.
"""
from __future__ import annotations

import unicodedata
from collections import Counter

PAD = 0  # padding index in encoded batches (collate pads with it)
UNK = 1  # index of the unknown symbol
PAD_SYMBOL = ""  # decodes to nothing
UNK_SYMBOL = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER: not a character any real transcription uses
LOOK_ALIKES = {  # typographic characters IAM-OnDB's transcriptions lack, as a person writes them
    "\u2018": "'", "\u2019": "'", "\u201a": ",", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "{": "(", "}": ")", "\u00d7": "x", "\u2044": "/",  # the slash of "½"
    "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
    "Đ": "D",
}


class Alphabet:
    """Characters <-> indices. `Alphabet.build(texts)` from training texts; `len()` counts pad + unk."""

    def __init__(self, chars):
        chars = list(chars)
        if len(set(chars)) != len(chars):
            raise ValueError("alphabet characters must be distinct")
        if any(len(c) != 1 or c == UNK_SYMBOL for c in chars):
            raise ValueError("alphabet entries must be single characters other than the unknown symbol")
        self.chars = chars
        self.symbols = [PAD_SYMBOL, UNK_SYMBOL] + chars
        self.index = {c: i + 2 for i, c in enumerate(chars)}
        self.unknown_count = 0  # characters mapped to UNK by encode() so far
        self.unknown_chars: Counter = Counter()  # which characters, how often

    @classmethod
    def build(cls, texts, min_count: int = 1) -> "Alphabet":
        """Every character occurring at least min_count times in texts, sorted by code point."""
        counts = Counter()
        for t in texts:
            counts.update(t)
        counts.pop(UNK_SYMBOL, None)
        return cls(sorted(c for c, n in counts.items() if n >= min_count))

    def __len__(self) -> int:
        return len(self.symbols)

    def __contains__(self, char: str) -> bool:
        return char in self.index

    def __eq__(self, other) -> bool:
        return isinstance(other, Alphabet) and self.chars == other.chars

    def __repr__(self) -> str:
        return f"Alphabet({len(self.chars)} chars + pad + unk: {''.join(self.chars)!r})"

    def encode(self, text: str) -> list[int]:
        """Text -> indices (>= 1). Unknown characters map to UNK and are counted."""
        out = []
        for c in text:
            i = self.index.get(c)
            if i is None:
                i = UNK
                self.unknown_count += 1
                self.unknown_chars[c] += 1
            out.append(i)
        return out

    def unknowns(self, text: str) -> Counter:
        """The characters of text outside the alphabet, counted (does not touch the counters)."""
        return Counter(c for c in text if c not in self.index)

    def decode(self, indices) -> str:
        """Indices -> text; padding is skipped, unknowns decode to UNK_SYMBOL."""
        out = []
        for i in indices:
            i = int(i)
            if i == PAD:
                continue
            if not 0 <= i < len(self.symbols):
                raise ValueError(f"index {i} outside the alphabet (size {len(self)})")
            out.append(self.symbols[i])
        return "".join(out)

    def to_dict(self) -> dict:
        return {"chars": "".join(self.chars), "pad": PAD, "unk": UNK, "unk_symbol": UNK_SYMBOL}

    @classmethod
    def from_dict(cls, d: dict) -> "Alphabet":
        if d.get("pad", PAD) != PAD or d.get("unk", UNK) != UNK:
            raise ValueError("alphabet dict uses other pad/unk indices than this version of strokes")
        return cls(list(d["chars"]))


def plain_form(ch: str) -> str:
    """What a person writes for a typographic or accented character: its LOOK_ALIKES entry, a space
    for any white space, else its Unicode compatibility decomposition without accents ("é" -> "e",
    "ﬁ" -> "fi"); "" if none."""
    if ch in LOOK_ALIKES:
        return LOOK_ALIKES[ch]
    if ch.isspace():  # a tab, a thin or non-breaking space: a gap between words
        return " "
    parts = unicodedata.normalize("NFKD", ch)
    return "".join(LOOK_ALIKES.get(c, c) for c in parts if not unicodedata.combining(c)) if parts != ch else ""


def prepare_text(text: str, alphabet: Alphabet) -> tuple[str, Counter]:
    """Map characters outside the alphabet, by the first rule that gives characters it holds: the
    other case of a letter; the plain form (`plain_form`: straight quotes for curly ones, "-" for
    dashes, "..." for an ellipsis, the letter without its accent); else the unknown symbol.

    Returns the mapped text and a Counter of the characters that had no exact match.
    """
    out, missing = [], Counter()
    for ch in text:
        if ch in alphabet:
            out.append(ch)
            continue
        missing[ch] += 1
        other, plain = ch.swapcase(), plain_form(ch)
        if len(other) == 1 and other in alphabet:
            out.append(other)
        elif plain and all(c in alphabet for c in plain):
            out.append(plain)
        else:
            out.append(ch)  # encodes to the unknown symbol
    return "".join(out), missing
