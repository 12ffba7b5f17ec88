"""strokes: Graves-style handwriting with mixture density LSTMs in PyTorch.

Modules:
    mdn         mixture density networks (Bishop 1994; Graves 2013 eqs. 18-26)
    data        IAM-OnDB / JSON Lines -> HDF5 -> bucketed, padded batches
    transforms  pure stroke functions: points <-> offsets, normalisation, clean-up
    alphabet    characters <-> indices, with a declared unknown symbol
    models      Graves' prediction (section 4) and synthesis (section 5) networks
    recurrence  the synthesis network's layer 1 + window loop with a hand-written backward
    optim       Graves' RMSProp variant (eqs. 38-41)
    training    the training loop behind train.py
    runstate    what a training run keeps on disk, to stop at any step and go on exactly
    tune        targeted fine-tuning of rare characters: only their window columns learn
    attention   the soft window's stopping rule and the attention check
    hand        text -> handwriting by sampling a synthesis network (generate.py)
    written     what the hand writes: a line's ink, its checks, and the errors a caller can fix
    sampler     the fast batched sampling loop behind hand
    strokecheck the stroke check: a line whose pen ran away
    judge       choosing the legible candidate: recognisers read the lines drawn
    wordsearch  N samples per word, the judge keeping the best at every word boundary (generate.py's default)
    acronyms    runs of capitals ("CPU") written letter by letter, then set together
    standins    Q, X, N, M, F, K, H, E, Z, Y, G, I, U, 4, 5 and 8 drawn from what the network writes well: an O with a tail, a large n, ...
    capitals    N, M, K, H, E, Z, Y, G, F and I finished in their word: a tall n and m, an l given arms, an L bars, a 7 a foot, ...
    symbols     $ = % @ * £ € ° _ < > # & [ ] | \\ ^ ~, which IAM-OnDB lacks, built from characters it has
    baseline    words set on their line and apart (a stroke drawn on a space going with its word), digits on the line
    initials    a word's first s, c, w ... drawn as tall as its capital, shrunk to the x-height
    lowerx      a lower-case x whose two strokes miss each other ("fo>") redrawn crossing
    lowerz      a lower-case z drawn without its foot ("la>y") redrawn as a printed z
    leadin      a line's first B, P, D, W or digit written after a lead-in word, then cut off
    accents     accented letters the alphabet lacks (é ü ñ ç): the plain letter, then its accent's strokes
    defaults    generate.py's sampling settings, shared with the tools that match it (no torch)
    render      offsets -> SVG paths -> a laid-out page
    primefile   priming files: the text and strokes of written lines, stored and read back
    plots       attention and predicted-density pictures
    svgplot     small SVG charts for plots and toys
    toys        MDN toy problems (Bishop's inverse problem and friends) as SVG
    evaluate    validation NLL, attention checks, weight averaging, export, style presets, figures
    recognizer  the legibility judge: an online handwriting recogniser (conv + BLSTM + CTC)
    recognizer_train  training it, and its character error rate on a split
    legibility  how well the judge reads what a synthesis network writes (CER on new sentences)
    blind       blind comparisons by eye: texts written two ways, in pairs in random order, and a key
    eyetest     legibility by eye: new sentences for a person to read unseen, and the readings scored
    widen       grow a trained network's LSTM width without changing its function (to train on)
    bench       training and sampling speed, fast paths against naive references
    samplebench sampling speed: the fast sampler against the reference loop
"""

__version__ = "0.1.0"
