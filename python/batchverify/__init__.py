"""batchverify: batch verification of Ed25519, BLS12-381, secp256k1 and SM2 signatures and
SHA-256 and SM3 Merkle trees.

Columns in, numpy masks out: every batch call takes bytes, sequences of bytes, numpy uint8
arrays or pyarrow binary arrays, runs on every core with the GIL released, and returns one
verdict per item that equals the single-item verdict.

    >>> import batchverify
    >>> secret, public = batchverify.ed25519.keypair(bytes(32))
    >>> signature = batchverify.ed25519.sign(secret, b"hello")
    >>> batchverify.ed25519.verify_batch([public], [b"hello"], [signature]).tolist()
    [True]
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from . import bls, ed25519, merkle, secp256k1, sha256, sm2, sm3
from ._errors import Error, IndexOutOfRangeError, MalformedInputError, UnsupportedError
from ._native import info as _info

__all__ = [
    "Error",
    "IndexOutOfRangeError",
    "MalformedInputError",
    "UnsupportedError",
    "__version__",
    "bls",
    "ed25519",
    "info",
    "merkle",
    "secp256k1",
    "sha256",
    "sm2",
    "sm3",
]


def info() -> dict[str, Any]:
    """Version, CPU features, the code paths chosen on this machine (``paths``), rayon threads,
    the default backend and the GPU adapters wgpu sees."""
    return _info()


__version__: str = version("batchverify")
