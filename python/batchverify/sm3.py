"""SM3 (GB/T 32905) of many messages at once, on every core with SIMD (AVX2, AVX-512)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from . import _columns, _native
from .sha256 import Backend

__all__ = ["hash_many"]


def hash_many(messages: object, *, backend: Backend = "auto") -> npt.NDArray[np.uint8]:
    """SM3 of every message, as a uint8 array of shape (n, 32).

    ``messages`` is a sequence of bytes-like objects, a uint8 array of shape (n, k) or a
    pyarrow binary array. ``backend="gpu"`` hashes messages of equal length on the GPU (and
    falls back to the CPU, with a warning in the log, when there is none); ``"auto"`` keeps
    batch hashing on the CPU.
    """
    return _columns.digests(_native.sm3_hash_many(_columns.variable(messages, "messages"), backend))
