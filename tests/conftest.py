"""Shared fixtures: the IAM-OnDB folder and one full import of it per test session.

The folder is $STROKES_IAM_DIR, else ../shared/datasets/iam-ondb relative to the repository root.
IAM-OnDB is non-commercial research data: tests read it in place and write only to tmp dirs.
"""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _iam_candidates():
    env = os.environ.get("STROKES_IAM_DIR")
    return ([Path(env)] if env else []) + [REPO.parent / "shared" / "datasets" / "iam-ondb"]


@pytest.fixture(scope="session")
def iam_dir() -> Path:
    for p in _iam_candidates():
        if p.is_dir():
            return p
    pytest.skip("IAM-OnDB not found: set STROKES_IAM_DIR or put it at ../shared/datasets/iam-ondb "
                f"(looked in {', '.join(map(str, _iam_candidates()))})")


@pytest.fixture(scope="session")
def iam_import(iam_dir, tmp_path_factory):
    """(path, summary) of the full IAM-OnDB import, written once per session."""
    from strokes.data import import_iam

    out = tmp_path_factory.mktemp("iam") / "iam.h5"
    summary = import_iam(iam_dir, out)
    return out, summary


@pytest.fixture(scope="session")
def iam_h5(iam_import) -> Path:
    """Path of the full IAM-OnDB HDF5 file (reused by any test that needs real data)."""
    return iam_import[0]


@pytest.fixture(scope="session")
def tiny_synthesis(tmp_path_factory) -> Path:
    """best.pt of a tiny synthesis network trained on the synthetic script (tests/synthetic.py) in a
    few seconds; its data file, synthetic.h5, lies in the folder above."""
    from synthetic import train_tiny

    return train_tiny(tmp_path_factory.mktemp("tiny"), "synthesis", steps=300)
