"""StrokeDataset, BucketBatchSampler and collate on a synthetic file, against naive references."""
import json

import numpy as np
import pytest
import torch

from strokes.alphabet import PAD, UNK
from strokes.data import BucketBatchSampler, StrokeDataset, collate, import_jsonl, load_h5_info
from strokes.transforms import (Preprocess, compute_stats, normalise, outlier_steps, points_to_offsets, preprocess,
                               strokes_to_points)


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """A JSON Lines import of 60 random lines: 40 train (texts without 'z'), 20 val (with 'z')."""
    rng = np.random.default_rng(0)
    recs = []
    for i in range(60):
        strokes = [np.cumsum(rng.integers(-20, 21, size=(rng.integers(2, 30), 2)), 0).tolist()
                   for _ in range(rng.integers(1, 5))]
        split = "train" if i < 40 else "val"
        text = "a" + "".join(rng.choice(list("abc de"), size=rng.integers(0, 12))) + "b"
        text += "z" if split == "val" else ""
        if i == 59:  # a sensor spike in the middle of a long stroke
            strokes[0] = np.cumsum(rng.integers(5, 15, size=(40, 2)), 0).tolist()
            strokes[0][20] = [5000, 5000]
        recs.append({"text": text, "strokes": strokes, "split": split, "id": f"l{i}"})
    d = tmp_path_factory.mktemp("synth")
    (d / "s.jsonl").write_text("\n".join(json.dumps(r) for r in recs))
    import_jsonl(d / "s.jsonl", d / "s.h5")
    return d / "s.h5", recs


def raw_offsets(rec):
    """The file's default pipeline by hand: points -> offsets with outlier steps clipped."""
    return preprocess(strokes_to_points(rec["strokes"]), Preprocess())[0]


@pytest.mark.parametrize("in_memory", [False, True])
def test_items_match_reference(synth, in_memory):
    path, recs = synth
    ds = StrokeDataset(path, splits=("train",), in_memory=in_memory)
    train = [r for r in recs if r["split"] == "train"]
    stats = compute_stats([raw_offsets(r) for r in train])  # the training split only
    assert np.allclose(ds.stats["mean"], stats["mean"]) and np.allclose(ds.stats["std"], stats["std"])
    assert len(ds) == 40 and ds.lengths.tolist() == [len(strokes_to_points(r["strokes"])) for r in train]
    for i, r in enumerate(train):
        item = ds[i]
        assert item.offsets.dtype == torch.float32 and item.codes.dtype == torch.int64
        assert np.allclose(item.offsets.numpy(), normalise(raw_offsets(r), stats), atol=1e-6)
        assert item.text == r["text"] and ds.alphabet.decode(item.codes) == r["text"]


def test_unknown_characters_are_mapped_and_counted(synth):
    path, recs = synth
    ds = StrokeDataset(path, splits="val")
    assert "z" not in ds.alphabet
    assert ds.unknown_count == 20 and ds.unknown_chars == {"z": 20}
    assert all(ds[i].codes[-1] == UNK for i in range(len(ds)))
    with pytest.raises(ValueError, match="no split named test"):
        StrokeDataset(path, splits=("test",))


def test_other_preprocessing_recomputes_train_stats(synth):
    path, recs = synth
    cfg = Preprocess(resample_step=7.0, normalise="median")
    ds = StrokeDataset(path, splits=("val",), preprocess=cfg)
    base = StrokeDataset(path, splits=("val",))
    train = [r for r in recs if r["split"] == "train"]
    ref = compute_stats([preprocess(strokes_to_points(r["strokes"]), cfg)[0] for r in train])
    assert np.isclose(ds.stats["median_step"], ref["median_step"]) and np.allclose(ds.stats["mean"], ref["mean"])
    assert ds.stats["median_step"] != base.stats["median_step"]
    assert ds.lengths.tolist() == [len(ds[i].offsets) for i in range(len(ds))]
    assert ds.lengths.tolist() != base.lengths.tolist()


def test_collate_pads_and_masks():
    from strokes.data import Item

    items = [Item(torch.randn(T, 3) + 1, "x" * U, torch.arange(1, U + 1), k)
             for k, (T, U) in enumerate([(5, 3), (2, 1), (7, 4)])]
    b = collate(items)
    assert b.strokes.shape == (3, 7, 3) and b.text.shape == (3, 4)
    assert b.lengths.tolist() == [5, 2, 7] and b.text_lengths.tolist() == [3, 1, 4]
    for k, it in enumerate(items):
        T, U = len(it.offsets), len(it.codes)
        assert torch.equal(b.strokes[k, :T], it.offsets) and (b.strokes[k, T:] == 0).all()
        assert b.stroke_mask[k].tolist() == [t < T for t in range(7)]
        assert torch.equal(b.text[k, :U], it.codes) and (b.text[k, U:] == PAD).all()
        assert b.text_mask[k].tolist() == [u < U for u in range(4)]
    assert b.to("cpu").strokes.dtype == torch.float32 and b.index.tolist() == [0, 1, 2]


def test_dataloader_with_workers_matches_single_process(synth):
    path, _ = synth
    ds = StrokeDataset(path)
    sampler = BucketBatchSampler(ds.lengths, 8, shuffle=True, seed=3)
    one = list(torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=collate))
    two = list(torch.utils.data.DataLoader(ds, batch_sampler=sampler, collate_fn=collate, num_workers=2))
    assert len(one) == len(two) == len(sampler)
    for a, b in zip(one, two):
        assert torch.equal(a.strokes, b.strokes) and torch.equal(a.text, b.text) and a.texts == b.texts


def test_bucket_sampler_covers_deterministic_and_shards():
    lengths = np.random.default_rng(1).integers(10, 1000, size=1003)
    s = BucketBatchSampler(lengths, 16, seed=5)
    batches = list(s)
    assert len(batches) == len(s) == 63
    assert sorted(i for b in batches for i in b) == list(range(1003))  # each line exactly once
    assert batches == list(BucketBatchSampler(lengths, 16, seed=5))  # same seed and epoch: same order
    s.set_epoch(1)
    assert list(s) != batches
    naive = sum(len(b) * max(lengths[b]) for b in batches) / lengths.sum() - 1
    assert np.isclose(BucketBatchSampler(lengths, 16, seed=5).padding_overhead(), naive)
    assert naive < 0.10
    # shards: same number of batches on every rank, together every line (some repeated to even out)
    for drop_last in (False, True):
        shards = [list(BucketBatchSampler(lengths, 16, seed=5, num_replicas=4, rank=r, drop_last=drop_last))
                  for r in range(4)]
        assert len({len(x) for x in shards}) == 1
        assert len(shards[0]) == len(BucketBatchSampler(lengths, 16, num_replicas=4, drop_last=drop_last))
        seen = [i for x in shards for b in x for i in b]
        if drop_last:
            assert all(len(b) == 16 for x in shards for b in x) and len(set(seen)) == len(seen)
        else:
            assert set(seen) == set(range(1003))
    ordered = list(BucketBatchSampler(lengths, 16, shuffle=False))
    flat = [i for b in ordered for i in b]
    assert np.all(np.diff(lengths[flat]) >= 0)


def test_outlier_lines_dropped_and_reported(synth):
    path, recs = synth
    ds = StrokeDataset(path, splits="val", preprocess=Preprocess(outliers="drop"))
    expect = [r["id"] for r in recs if r["split"] == "val"
              and outlier_steps(points_to_offsets(strokes_to_points(r["strokes"])))[0].any()]
    assert "l59" in expect and ds.dropped == expect
    assert len(ds) == 20 - len(expect) and "l59" not in ds.line_ids
    val = load_h5_info(path)["summary"]["splits"]["val"]  # the import reported them
    assert val["outlier_lines"] == len(expect) and val["outlier_steps"] >= 2


def test_padded_batch_keeps_lines_and_model_nll():
    from strokes.data.dataset import Item
    from strokes.models import SynthesisConfig, SynthesisNetwork
    torch.manual_seed(0)
    items = [Item(0.5 * torch.randn(T, 3), "x" * U, torch.randint(1, 6, (U,)), k)
             for k, (T, U) in enumerate([(23, 4), (17, 6), (30, 3)])]
    b = collate(items)
    p = b.padded(8, 16)
    assert p.strokes.shape == (3, 33, 3) and (p.strokes.shape[1] - 1) % 8 == 0 and p.text.shape == (3, 16)
    assert torch.equal(p.strokes[:, :30], b.strokes) and not p.stroke_mask[:, 30:].any()
    assert torch.equal(p.text[:, :6], b.text) and not p.text_mask[:, 6:].any() and (p.text[:, 6:] == 0).all()
    assert torch.equal(p.lengths, b.lengths) and p.texts == b.texts
    model = SynthesisNetwork(SynthesisConfig(layers=2, hidden_size=8, components=3, window_components=2,
                                             alphabet_size=6))

    def nll(batch):
        out = model(batch.strokes[:, :-1], text=batch.text, text_mask=batch.text_mask)
        return -model.distribution(out.raw).log_prob(batch.strokes[:, 1:], mask=batch.stroke_mask[:, 1:]).sum()

    torch.testing.assert_close(nll(p), nll(b), rtol=1e-6, atol=1e-4)
