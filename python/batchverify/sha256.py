"""SHA-256 of many messages at once, on every core with SIMD (SHA-NI, AVX2, AVX-512)."""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _columns, _native

__all__ = ["Backend", "hash_many"]

Backend = Literal["auto", "cpu", "gpu"]


def hash_many(messages: object, *, backend: Backend = "auto") -> npt.NDArray[np.uint8]:
    """SHA-256 of every message, as a uint8 array of shape (n, 32).

    ``messages`` is a sequence of bytes-like objects, a uint8 array of shape (n, k) or a
    pyarrow binary array. ``backend="gpu"`` hashes messages of equal length on the GPU (and
    falls back to the CPU, with a warning in the log, when there is none); ``"auto"`` uses a
    GPU only when there is GPU hardware and the batch is large.
    """
    return _columns.digests(
        _native.sha256_hash_many(_columns.variable(messages, "messages"), backend)
    )
