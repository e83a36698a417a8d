"""Ed25519 signatures: verification one at a time or in batches, keys and signing.

``policy`` picks the verification rules: ``"zip215"`` (Zcash, Penumbra, CometBFT; the
default) or ``"strict"`` (Solana, Firedancer; ed25519-dalek's ``verify_strict``). A batch gives
every signature exactly the verdict :func:`verify` gives it.
"""

from __future__ import annotations

import secrets
from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _columns, _native

__all__ = ["Policy", "keypair", "sign", "verify", "verify_batch"]

Policy = Literal["zip215", "strict"]


def verify(
    public_key: _columns.BytesLike,
    message: _columns.BytesLike,
    signature: _columns.BytesLike,
    *,
    policy: Policy = "zip215",
) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message`` under ``policy``.

    Raises :class:`batchverify.MalformedInputError` when the key is not 32 bytes or the
    signature not 64; a well-formed signature that does not verify is ``False``.
    """
    return _native.ed25519_verify(public_key, message, signature, policy)


def verify_batch(
    public_keys: object,
    messages: object,
    signatures: object,
    *,
    policy: Policy = "zip215",
) -> npt.NDArray[np.bool_]:
    """The verdict of every signature of a batch, as a bool array (``True`` = valid).

    Item ``i`` is ``(public_keys[i], messages[i], signatures[i])``. Keys and signatures are one
    bytes object of n*32 (n*64) bytes, a sequence of bytes, a uint8 array of shape (n, 32)
    ((n, 64)) or a pyarrow (fixed-size) binary array; messages a sequence of bytes-like objects,
    a uint8 array of shape (n, k) or a pyarrow binary array. Runs on every core with the GIL
    released.
    """
    return _columns.mask(
        _native.ed25519_verify_batch(
            _columns.fixed(public_keys, "public_keys"),
            _columns.variable(messages, "messages"),
            _columns.fixed(signatures, "signatures"),
            policy,
        )
    )


def keypair(seed: _columns.BytesLike | None = None) -> tuple[bytes, bytes]:
    """``(secret_key, public_key)``: the secret key is the 32-byte RFC 8032 seed, random when
    ``seed`` is not given."""
    return _native.ed25519_keypair(secrets.token_bytes(32) if seed is None else seed)


def sign(secret_key: _columns.BytesLike, message: _columns.BytesLike) -> bytes:
    """The deterministic RFC 8032 signature of ``message`` by the 32-byte seed ``secret_key``."""
    return _native.ed25519_sign(secret_key, message)
