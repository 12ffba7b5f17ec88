"""strokes: Graves-style handwriting with mixture density LSTMs in PyTorch.

Modules:
    mdn   mixture density networks (Bishop 1994; Graves 2013 eqs. 18-26)
    toys  the classic MDN toy problems, trained and drawn as SVG
"""

__version__ = "0.1.0"
