"""Torch side of the data: a Dataset over a strokes HDF5 file, length buckets, and collation.

    ds = StrokeDataset("data/iam.h5", splits=("trainset", "testset_t", "testset_f"), in_memory=True)
    sampler = BucketBatchSampler(ds.lengths, batch_size=32, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_sampler=sampler, collate_fn=collate, num_workers=2)
    for batch in loader:          # Batch: strokes (B, T, 3), stroke_mask (B, T), text (B, U), ...
        x, y = batch.strokes[:, :-1], batch.strokes[:, 1:]      # predict point t+1 from point t

ds[i] is one line as Graves' offsets (dx, dy, eos), normalised with ds.stats; row 0 is the first
point relative to itself (see strokes.transforms), so lengths count points and offsets alike and a
line of T points gives T - 1 targets. The file is opened lazily in each process, so DataLoader
workers (fork or spawn) each get their own handle; in_memory=True reads everything up front.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from typing import NamedTuple

import numpy as np
import torch

from ..alphabet import PAD, Alphabet
from .. import transforms as tf
from ..transforms import Preprocess
from .hdf5 import load_h5_info, open_h5

POOL_BATCHES = 50  # batches per sorting pool: lengths within a pool of 50 x B lines pad by ~1%


class Item(NamedTuple):
    offsets: torch.Tensor  # (T, 3) float32, normalised (dx, dy, eos)
    text: str
    codes: torch.Tensor  # (U,) int64, alphabet indices (>= 1)
    index: int  # position in the dataset


@dataclass
class Batch:
    """Padded lines. A model of p(x_{t+1} | x_{<=t}) reads strokes[:, :-1] and is scored on
    strokes[:, 1:] where stroke_mask[:, 1:] is True (T - 1 targets per line of T points)."""

    strokes: torch.Tensor  # (B, T, 3) float32, zero padded
    stroke_mask: torch.Tensor  # (B, T) bool, True on real points
    text: torch.Tensor  # (B, U) int64, 0 = pad
    text_mask: torch.Tensor  # (B, U) bool
    lengths: torch.Tensor  # (B,) int64 points per line
    text_lengths: torch.Tensor  # (B,) int64 characters per line
    texts: list  # B strings
    index: torch.Tensor  # (B,) int64 dataset positions

    def to(self, device, non_blocking: bool = False) -> "Batch":
        return Batch(**{f.name: (v.to(device, non_blocking=non_blocking) if torch.is_tensor(v) else v)
                        for f in fields(self) for v in [getattr(self, f.name)]})

    def pin_memory(self) -> "Batch":
        return Batch(**{f.name: (v.pin_memory() if torch.is_tensor(v) else v)
                        for f in fields(self) for v in [getattr(self, f.name)]})

    def __len__(self) -> int:
        return len(self.lengths)

    def padded(self, t_multiple: int, u_multiple: int) -> "Batch":
        """The same lines with more padding: T - 1 (the model's steps) a multiple of t_multiple, U of
        u_multiple. Padding is masked out of the loss and gets no attention, so the NLL is unchanged."""
        T, U = self.strokes.shape[1], self.text.shape[1]
        dt, du = -(T - 1) % t_multiple, -U % u_multiple
        pad = lambda x, n: torch.nn.functional.pad(x, (0, 0) * (x.dim() - 2) + (0, n))  # noqa: E731  dim 1
        return replace(self, strokes=pad(self.strokes, dt), stroke_mask=pad(self.stroke_mask, dt),
                       text=pad(self.text, du), text_mask=pad(self.text_mask, du))


def collate(items: list[Item]) -> Batch:
    """Pad a list of Items into a Batch (strokes with zeros, text with PAD = 0)."""
    B = len(items)
    lengths = torch.tensor([len(it.offsets) for it in items], dtype=torch.int64)
    text_lengths = torch.tensor([len(it.codes) for it in items], dtype=torch.int64)
    T, U = int(lengths.max()), max(int(text_lengths.max()), 1)
    strokes = torch.zeros(B, T, 3)  # (B, T, 3)
    text = torch.full((B, U), PAD, dtype=torch.int64)  # (B, U)
    for b, it in enumerate(items):
        strokes[b, : len(it.offsets)] = it.offsets
        text[b, : len(it.codes)] = it.codes
    return Batch(strokes=strokes,
                 stroke_mask=torch.arange(T)[None, :] < lengths[:, None],
                 text=text,
                 text_mask=torch.arange(U)[None, :] < text_lengths[:, None],
                 lengths=lengths, text_lengths=text_lengths,
                 texts=[it.text for it in items],
                 index=torch.tensor([it.index for it in items], dtype=torch.int64))


class StrokeDataset(torch.utils.data.Dataset):
    """Lines of a strokes HDF5 file, as normalised offsets with their encoded text.

    splits: names to include (None = all). preprocess: None = the file's (whose statistics are
    stored); another Preprocess recomputes the statistics on the file's training splits.
    normalise=False returns raw-unit offsets.
    """

    def __init__(self, path, splits=None, in_memory: bool = False, preprocess: Preprocess | None = None,
                 normalise: bool = True):
        self.path = str(path)
        info = load_h5_info(path)
        self.info = info
        self.alphabet: Alphabet = info["alphabet"]
        self.cfg = preprocess or info["preprocess"]
        self.normalise = normalise
        self.in_memory = in_memory
        self._f, self._pid = None, None
        own_cfg = self.cfg == info["preprocess"]
        # Lines must be processed up front to cache them, to learn their lengths (resampling), to
        # drop lines (outliers="drop") or to compute statistics for another preprocessing.
        upfront = in_memory or not own_cfg or not self.cfg.keeps_length or self.cfg.outliers == "drop"
        with open_h5(path) as f:
            self.line_offsets = f["line_offsets"][()]  # (L + 1,)
            split = f["split"].asstr()[()]
            known = sorted(set(split))
            splits = known if splits is None else [splits] if isinstance(splits, str) else list(splits)
            unknown = [s for s in splits if s not in known]
            if unknown:
                raise ValueError(f"{path}: no split named {', '.join(unknown)}; it has {', '.join(known)}")
            rows = np.flatnonzero(np.isin(split, splits))  # file rows of the candidate lines
            texts = f["text"].asstr()[()][rows].tolist()
            line_ids = f["line_id"].asstr()[()][rows].tolist()
            writer_ids = f["writer_id"][()][rows]
            points = f["points"][()] if upfront else None  # (N, 3)
        line = lambda r: points[self.line_offsets[r]:self.line_offsets[r + 1]]  # noqa: E731
        if own_cfg:
            self.stats = info["stats"]
        else:
            train = np.flatnonzero(np.isin(split, info["train_splits"]))
            offs = [tf.preprocess(line(r), self.cfg)[0] for r in train]
            self.stats = tf.compute_stats([o for o in offs if o is not None])
            self.stats["splits"] = info["train_splits"]
        self._cache = None
        if upfront:
            processed = [self._process(line(r)) for r in rows]
            keep = np.array([o is not None for o in processed], dtype=bool)
            self.dropped = [lid for lid, k in zip(line_ids, keep) if not k]  # outliers="drop"
            rows, writer_ids = rows[keep], writer_ids[keep]
            texts = [t for t, k in zip(texts, keep) if k]
            line_ids = [t for t, k in zip(line_ids, keep) if k]
            processed = [o for o in processed if o is not None]
            self.lengths = np.array([len(o) for o in processed], dtype=np.int64)  # (len,)
            if in_memory:
                self._cache = processed
        else:
            self.dropped = []
            self.lengths = np.diff(self.line_offsets)[rows].astype(np.int64)  # (len,)
        self.rows, self.texts, self.line_ids, self.writer_ids = rows, texts, line_ids, writer_ids
        self.codes = [torch.tensor(self.alphabet.encode(t), dtype=torch.int64) for t in self.texts]
        self.unknown_count = self.alphabet.unknown_count  # characters outside the alphabet, mapped to UNK
        self.unknown_chars = dict(self.alphabet.unknown_chars)

    def _process(self, points: np.ndarray) -> torch.Tensor | None:
        o, _ = tf.preprocess(points.astype(np.float64), self.cfg)
        if o is None:
            return None
        if self.normalise:
            o = tf.normalise(o, self.stats, self.cfg.normalise)
        return torch.from_numpy(o.astype(np.float32))

    def _file(self):
        if self._f is None or self._pid != os.getpid():  # one handle per process (DataLoader workers)
            self._f, self._pid = open_h5(self.path), os.getpid()
        return self._f

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_f"] = state["_pid"] = None  # h5py handles do not pickle; reopen in the worker
        return state

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> Item:
        if self._cache is not None:
            offsets = self._cache[i]
        else:
            r = self.rows[i]
            offsets = self._process(self._file()["points"][self.line_offsets[r]:self.line_offsets[r + 1]])
        return Item(offsets, self.texts[i], self.codes[i], i)


class BucketBatchSampler(torch.utils.data.Sampler):
    """Batches of similar length, so padding stays small, in a random order each epoch.

    Each epoch shuffles all lines (seeded by seed and epoch), cuts them into pools of
    POOL_BATCHES x batch_size, sorts each pool by length and slices it into batches; the batch order
    is then shuffled. shuffle=False sorts everything by length instead (for evaluation). For
    multi-process training every rank builds the same batch list and keeps batches rank,
    rank + num_replicas, ...; the list is first padded by repeating batches (or, with drop_last,
    truncated) to a multiple of num_replicas, so all ranks run the same number of steps.
    """

    def __init__(self, lengths, batch_size: int, shuffle: bool = True, seed: int = 0, drop_last: bool = False,
                 num_replicas: int = 1, rank: int = 0, pool_batches: int = POOL_BATCHES):
        if batch_size < 1 or num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError("need batch_size >= 1, num_replicas >= 1 and 0 <= rank < num_replicas")
        self.lengths = np.asarray(lengths)
        self.batch_size, self.shuffle, self.seed, self.drop_last = batch_size, shuffle, seed, drop_last
        self.num_replicas, self.rank, self.pool = num_replicas, rank, pool_batches
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def batches(self) -> list[list[int]]:
        """Every rank's batches for this epoch, before sharding."""
        n, B = len(self.lengths), self.batch_size
        if not self.shuffle:
            order = np.argsort(self.lengths, kind="stable")
            out = [order[i:i + B].tolist() for i in range(0, n, B)]
        else:
            rng = np.random.default_rng([self.seed, self.epoch])
            perm = rng.permutation(n)
            out = []
            step = B * self.pool
            for p in range(0, n, step):
                pool = perm[p:p + step]
                pool = pool[np.argsort(self.lengths[pool], kind="stable")]
                out += [pool[i:i + B].tolist() for i in range(0, len(pool), B)]
            out = [out[i] for i in rng.permutation(len(out))]
        if self.drop_last:
            out = [b for b in out if len(b) == B]
            out = out[: len(out) - len(out) % self.num_replicas]
        elif out and len(out) % self.num_replicas:
            extra = self.num_replicas - len(out) % self.num_replicas
            out += [out[i % len(out)] for i in range(extra)]
        return out

    def __iter__(self):
        return iter(self.batches()[self.rank::self.num_replicas])

    def __len__(self) -> int:
        n_full, rest = divmod(len(self.lengths), self.batch_size)  # only the last batch can be short
        R = self.num_replicas
        if self.drop_last:
            return (n_full - n_full % R) // R
        return -(-(n_full + (rest > 0)) // R)

    def padding_overhead(self) -> float:
        """Padded slots over real points, minus 1, for this epoch's batches (all ranks)."""
        bs = self.batches()
        real = sum(int(self.lengths[b].sum()) for b in bs)
        padded = sum(len(b) * int(self.lengths[b].max()) for b in bs)
        return padded / real - 1
