"""generate.py's sampling settings beyond `Hand.write`'s own defaults, for the tools that match it.

Kept apart from `strokes.hand` so that generate.py can build its parser without importing torch.
Each is measured in the README ("How legible?").
"""
DEFAULT_CANDIDATES = 12  # samples per word for the recogniser to pick from: at bias 0.75, 29.3% -> 5.8% CER (README)
DEFAULT_CAPITAL_ROUNDS = 4  # rounds for words with capitals or digits: Title Case, judge 38% -> 19% misread (README)
DEFAULT_CAPITAL_DOUBT = 3.0  # weight of a line's first capitals' doubt: line-initial capitals 23 -> 16 of 100 misread (README)
DEFAULT_REDRAWS = 3  # more rounds, at most, for a word the judge still reads with doubt: 6.2% -> 4.7% CER (README)
MAX_CHARS_PER_LINE = 60  # generate.py word-wraps longer texts into lines of at most this many characters
GENERATE = dict(candidates=DEFAULT_CANDIDATES, capital_rounds=DEFAULT_CAPITAL_ROUNDS,
                capital_doubt=DEFAULT_CAPITAL_DOUBT, redraws=DEFAULT_REDRAWS)  # as Hand.write keywords
STAND_IN_CHARS = "QXNMFKEZYHGIU458$=%@*£€\u00b0_<>#&[]|\\^~"  # the characters strokes.standins.STAND_INS draws from others (here for a torch-free parser)
