"""strokes.alphabet: indices, the unknown-symbol policy, JSON round trip."""
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokes.alphabet import PAD, UNK, UNK_SYMBOL, Alphabet


def test_build_sorted_with_pad_and_unknown():
    a = Alphabet.build(["hello world", "Hi!"])
    assert a.chars == sorted(set("hello worldHi!"))
    assert len(a) == len(a.chars) + 2
    assert a.symbols[PAD] == "" and a.symbols[UNK] == UNK_SYMBOL
    assert min(a.encode("hello")) >= 2


def test_encode_decode_round_trip_and_unknowns_counted():
    a = Alphabet.build(["abc def"])
    assert a.decode(a.encode("cab fed")) == "cab fed"
    codes = a.encode("abXcYX")
    assert codes[2] == UNK and codes[4] == UNK and codes[5] == UNK and len(codes) == 6
    assert a.unknown_count == 3 and a.unknown_chars == {"X": 2, "Y": 1}
    assert a.decode(codes) == f"ab{UNK_SYMBOL}c{UNK_SYMBOL}{UNK_SYMBOL}"
    assert a.decode([PAD] + a.encode("ab") + [PAD, PAD]) == "ab"  # padding skipped
    with pytest.raises(ValueError):
        a.decode([len(a)])


@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=10))
def test_round_trip_on_training_texts(texts):
    a = Alphabet.build(texts)
    for t in texts:
        assert a.decode(a.encode(t)) == t  # U+FFFD itself is never in the alphabet: it round-trips as UNK
    assert a.unknown_count == sum(t.count(UNK_SYMBOL) for t in texts)


def test_dict_round_trip_is_json():
    a = Alphabet.build(["Graves 2013: synthesis, é ü"])
    b = Alphabet.from_dict(json.loads(json.dumps(a.to_dict())))
    assert b == a and b.symbols == a.symbols
    with pytest.raises(ValueError):
        Alphabet.from_dict({**a.to_dict(), "unk": 5})


def test_min_count_and_invalid_entries():
    a = Alphabet.build(["aab"], min_count=2)
    assert a.chars == ["a"] and a.encode("b") == [UNK]
    with pytest.raises(ValueError):
        Alphabet(["a", "a"])
    with pytest.raises(ValueError):
        Alphabet(["ab"])
