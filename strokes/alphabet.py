"""Character alphabet for the synthesis network's text input.

Index 0 is padding (never a character), index 1 the declared unknown symbol, then the characters
seen in the training texts in sorted order. A character outside the alphabet encodes to the unknown
index and is counted (`unknown_count`, `unknown_chars`): text is never dropped silently and encoding
never fails. The alphabet travels as a small JSON-serialisable dict, in the HDF5 file and in
checkpoints, so a model always reads text the way it was trained.
"""
from __future__ import annotations

from collections import Counter

PAD = 0  # padding index in encoded batches (collate pads with it)
UNK = 1  # index of the unknown symbol
PAD_SYMBOL = ""  # decodes to nothing
UNK_SYMBOL = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER: not a character any real transcription uses


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
