#!/usr/bin/env bash
# One round of GPU training for the shipped synthesis weights, as a single command for a lent GPU
# machine (README, "The shipped model": stages 6-7 were such rounds). It checks the CUDA paths,
# fine-tunes strokes/weights/synthesis.pt at Graves' clipping with Adam (lr 1e-5, batch 128: what
# improved them on a GPU), averages the second half of the snapshots and scores the mean on testset_v.
#
#   bash tools/gpu_round.sh OUTDIR [STEPS]        # STEPS default 1200 (~5 min on an H100)
#   BATCH=4 SNAPSHOT_EVERY=1 bash tools/gpu_round.sh /tmp/dry 4   # a dry run on a CPU
#
# Needs data/iam-r30.h5 (python -m strokes.data iam ... --resample-step 30) and, where svgwrite is
# not installed, its wheel in .whl/ (python3 -m pip download --no-deps -d .whl svgwrite==1.4.3).
# Leaves in OUTDIR: avg.pt (the mean, model only, fp32), metrics.jsonl, nll.txt and log.txt. Then, on
# any machine: judge avg.pt against the shipped weights (evaluate nll, legibility, and by eye, blind:
# python -m strokes.blind write --texts-file docs/blind/capital-starts.txt --b '{}' --checkpoint-b
# OUTDIR/avg.pt --out pairs.svg) and export it only if it wins:
# python -m strokes.evaluate export avg.pt --data data/iam-r30.h5
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bash tools/gpu_round.sh OUTDIR [STEPS]}
steps=${2:-1200}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if ! python3 -c "import svgwrite" 2>/dev/null; then
    if ! compgen -G ".whl/*.whl" >/dev/null; then
        echo "gpu_round.sh: svgwrite is not installed and .whl/ holds no wheel; run" \
             "python3 -m pip download --no-deps -d .whl svgwrite==1.4.3 and carry .whl" >&2
        exit 2
    fi
    python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl
    export PYTHONPATH="$PYTHONPATH:/tmp/site"
fi
run=$(mktemp -d)/round
{
    python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
    python3 -m pytest -q -p no:cacheprovider tests/test_recurrence.py tests/test_sampler.py
    python3 train.py --data data/iam-r30.h5 --out "$run" --init strokes/weights/synthesis.pt \
        --optimizer adam --lr 1e-5 --batch-size "${BATCH:-128}" --steps "$steps" \
        --snapshot-every "${SNAPSHOT_EVERY:-25}" \
        --val-every 300 --no-progress
    snaps=("$run"/snapshots/*.pt)
    python3 -m strokes.evaluate average "${snaps[@]:$(( ${#snaps[@]} / 2 ))}" --out "$out/avg.pt"
    python3 -m strokes.evaluate nll "$out/avg.pt" --data data/iam-r30.h5 | tee "$out/nll.txt"
    cp "$run/metrics.jsonl" "$out/"
} 2>&1 | tee "$out/log.txt"
