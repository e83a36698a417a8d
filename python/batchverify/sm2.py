"""SM2 signatures (GB/T 32918.2) on the recommended curve sm2p256v1, one at a time or in
batches, as China's consortium chains (FISCO BCOS, ChainMaker, Hyperchain) sign transactions.

A signature signs SM3(ZA ‖ message), where ZA binds the signer's ID and key; the ID defaults
to GM/T 0009's ``b"1234567812345678"``. Public keys are 65 bytes (``04 ‖ x ‖ y``) or 33
(compressed); a signature is r‖s (64 bytes) or DER, as ``encoding`` (``"compact"`` or
``"der"``) names it: a node should name it. Without it a 64-byte signature is read as r‖s and
any other as DER, and a 64-byte signature that is also well-formed DER is never accepted
(readers would disagree on it): :func:`verify` raises :class:`batchverify.MalformedInputError`,
and its batch verdict is ``False``. A key that
is not on the curve, or a signature that does not parse or verify, is ``False``; a key of the
wrong length or an ID longer than 8,191 bytes raises :class:`batchverify.MalformedInputError`.
A batch gives every item exactly the verdict the single call gives it, on every core with the
GIL released; keys that sign again are cached with a precomputed table.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _columns, _native

__all__ = [
    "DEFAULT_ID",
    "Encoding",
    "prepare_keys",
    "release_keys",
    "verify",
    "verify_batch",
    "za",
]

DEFAULT_ID = b"1234567812345678"

Encoding = Literal["compact", "der"]


def verify(
    public_key: _columns.BytesLike,
    message: _columns.BytesLike,
    signature: _columns.BytesLike,
    *,
    id: _columns.BytesLike | None = None,
    encoding: Encoding | None = None,
) -> bool:
    """Whether ``signature`` is the SM2 signature of ``message`` by ``public_key`` with signer
    ID ``id`` (default :data:`DEFAULT_ID`)."""
    return _native.sm2_verify(public_key, message, signature, id, encoding)


def prepare_keys(public_keys: object) -> int:
    """Parses the keys of signers you expect (a consortium's members) into the process-wide
    key cache and builds each one's table, so that their signatures verify faster from the
    first; returns how many of the keys have a table.

    Without this a key earns its table with its second valid signature (built for the next). The
    process keeps at most 16,384 tables; keys past that stay parsed only. Keys with a table stay
    in the cache, however many other keys pass through it, until :func:`release_keys`. A key
    that is not a point gets no table (:func:`verify` says ``False`` for it). Raises
    :class:`batchverify.MalformedInputError` naming the first key that is neither 33 nor 65
    bytes; the keys before it are prepared already. Verdicts never depend on it.
    """
    return _native.sm2_prepare_keys(_columns.variable(public_keys, "public_keys"))


def release_keys(public_keys: object) -> int:
    """Lets keys prepared by :func:`prepare_keys` leave the key cache again, as any other key
    does (their tables with them); returns how many were prepared. Raises
    :class:`batchverify.MalformedInputError` naming the first key that is neither 33 nor 65
    bytes."""
    return _native.sm2_release_keys(_columns.variable(public_keys, "public_keys"))


def verify_batch(
    public_keys: object,
    messages: object,
    signatures: object,
    *,
    ids: object = None,
    encoding: Encoding | None = None,
) -> npt.NDArray[np.bool_]:
    """The verdict of every SM2 signature of a batch, as a bool array (``True`` = valid).

    Keys, messages and signatures are sequences of bytes, uint8 arrays of shape (n, k) or
    pyarrow binary arrays. ``ids`` is ``None`` (the default ID for every item), one bytes
    object (the same ID for every item) or a column with one ID per item.
    """
    shared = ids if isinstance(ids, bytes | bytearray | memoryview) else None
    return _columns.mask(
        _native.sm2_verify_batch(
            _columns.variable(public_keys, "public_keys"),
            _columns.variable(messages, "messages"),
            _columns.variable(signatures, "signatures"),
            None if ids is None or shared is not None else _columns.variable(ids, "ids"),
            shared,
            encoding,
        )
    )


def za(
    public_key: _columns.BytesLike,
    *,
    id: _columns.BytesLike | None = None,
) -> bytes:
    """ZA = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA): what the signer hashes before the
    message. Raises :class:`batchverify.MalformedInputError` for a key that is not a point."""
    return _native.sm2_za(public_key, id)
