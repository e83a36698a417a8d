"""Shared fixtures: the external conformance vectors, read where the Rust tests read them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]


def vectors_dir() -> Path:
    """``$BATCHVERIFY_VECTORS``, else ``../shared/vectors`` beside the repository.

    A missing folder fails the vector tests, so that a run without the ground truth cannot pass
    as if it had checked it; ``BATCHVERIFY_SKIP_VECTORS=1`` makes them skip with a message.
    """
    directory = Path(os.environ.get("BATCHVERIFY_VECTORS", REPO.parent / "shared" / "vectors"))
    if not directory.is_dir():
        message = (
            f"conformance vectors not found at {directory} (set BATCHVERIFY_VECTORS, "
            "or BATCHVERIFY_SKIP_VECTORS=1 to run without them)"
        )
        if os.environ.get("BATCHVERIFY_SKIP_VECTORS") == "1":
            pytest.skip(message)
        pytest.fail(message)
    return directory


def read_json(relative: str) -> Any:
    return json.loads((vectors_dir() / relative).read_text())


def read_text(relative: str) -> str:
    return (vectors_dir() / relative).read_text()


def unhex(text: str) -> bytes:
    return bytes.fromhex(text.removeprefix("0x"))
