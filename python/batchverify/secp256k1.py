"""secp256k1 signatures: ECDSA under Bitcoin's, Ethereum's or plain rules, Ethereum's signer
recovery (ecrecover), and BIP-340 Schnorr signatures, one at a time or in batches.

ECDSA signs a 32-byte hash the caller computes (each chain hashes its own way). ``rules``
names what is accepted:

- ``"bitcoin"`` (default): strict DER (BIP-66), s at most n/2 (BIP-146);
- ``"bitcoin-consensus"``: strict DER, either s;
- ``"ethereum"``: 64-byte r‖s, s at most n/2 (EIP-2);
- ``"plain"`` / ``"plain-compact"``: DER / r‖s, any r and s in [1, n-1].

Public keys are 33 bytes (compressed) or 65 (uncompressed). A batch gives every item exactly
the verdict the single call gives it; batches run on every core with the GIL released.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _columns, _native

__all__ = [
    "Rules",
    "prepare_ecdsa_keys",
    "recover",
    "recover_batch",
    "release_ecdsa_keys",
    "verify_ecdsa",
    "verify_ecdsa_batch",
    "verify_schnorr",
    "verify_schnorr_batch",
]

Rules = Literal["bitcoin", "bitcoin-consensus", "ethereum", "plain", "plain-compact"]


def verify_ecdsa(
    public_key: _columns.BytesLike,
    message_hash: _columns.BytesLike,
    signature: _columns.BytesLike,
    *,
    rules: Rules = "bitcoin",
) -> bool:
    """Whether ``signature`` is ``public_key``'s ECDSA signature of the 32-byte
    ``message_hash`` under ``rules``.

    Raises :class:`batchverify.MalformedInputError` when the key is neither 33 nor 65 bytes,
    the hash is not 32 bytes, or an r‖s signature is not 64; a signature that does not parse
    under the rules (bad DER, high s where the rules forbid it) or does not verify is ``False``.
    """
    return _native.secp256k1_verify_ecdsa(public_key, message_hash, signature, rules)


def verify_ecdsa_batch(
    public_keys: object,
    message_hashes: object,
    signatures: object,
    *,
    rules: Rules = "bitcoin",
) -> npt.NDArray[np.bool_]:
    """The verdict of every ECDSA signature of a batch, as a bool array (``True`` = valid).

    Keys are a sequence of bytes or a uint8 array of shape (n, 33) or (n, 65); hashes one
    bytes object of n*32 bytes, a sequence, a uint8 array of shape (n, 32) or a pyarrow binary
    array; signatures a sequence of bytes (DER varies in length) or, for r‖s rules, any
    column of 64-byte items.
    """
    return _columns.mask(
        _native.secp256k1_verify_ecdsa_batch(
            _columns.variable(public_keys, "public_keys"),
            _columns.fixed(message_hashes, "message_hashes"),
            _signatures(signatures, rules),
            rules,
        )
    )


def prepare_ecdsa_keys(public_keys: object, *, rules: Rules = "bitcoin") -> int:
    """Parses the keys of signers you expect to see often (a validator set, an exchange's
    wallets) into the process-wide key cache and builds each one's table, so that their ECDSA
    signatures verify faster from the first; returns how many of the keys have a table.

    Without this a key earns its table with its twelfth valid signature (built for the next).
    The process keeps at most 4,096 tables (32 MiB); keys past that stay parsed only. Keys with
    a table stay in the cache, however many other keys pass through it, until
    :func:`release_ecdsa_keys`. The cache and its tables serve every rule set; ``rules`` only
    decides which encodings count as keys (hybrid 0x06/0x07 keys only under the Bitcoin rules).
    A key that is not a point under the rules gets no table (``verify_ecdsa`` says ``False``
    for it). Raises :class:`batchverify.MalformedInputError` naming the first key that is
    neither 33 nor 65 bytes; the keys before it are prepared already. Verdicts never depend on it.
    """
    return _native.secp256k1_prepare_ecdsa_keys(
        _columns.variable(public_keys, "public_keys"), rules
    )


def release_ecdsa_keys(public_keys: object) -> int:
    """Lets keys prepared by :func:`prepare_ecdsa_keys` leave the key cache again, as any other
    key does (their tables with them); returns how many were prepared. Raises
    :class:`batchverify.MalformedInputError` naming the first key that is neither 33 nor 65
    bytes."""
    return _native.secp256k1_release_ecdsa_keys(_columns.variable(public_keys, "public_keys"))


def _signatures(signatures: object, rules: Rules) -> _columns.Column:
    # Rule names are read case-insensitively, as the native side reads them.
    if rules.lower() in ("ethereum", "plain-compact"):
        return _columns.fixed(signatures, "signatures")
    return _columns.variable(signatures, "signatures")


def recover(
    message_hash: _columns.BytesLike, signature: _columns.BytesLike
) -> tuple[bytes, bytes] | None:
    """``(address, public_key)`` of whoever made the 65-byte ``signature`` (r‖s‖v, v 0, 1, 27
    or 28) over the 32-byte ``message_hash``, as the EVM's ecrecover recovers it (either half
    of s); ``None`` when nothing recovers or v is any other value. The address is 20 bytes, the
    key 65 (uncompressed).
    """
    return _native.secp256k1_recover(message_hash, signature)


def recover_batch(
    message_hashes: object, signatures: object
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """The signers' addresses as an (n, 20) uint8 array (zero rows where nothing recovers) and
    the mask of the items that recovered. Columns as in :func:`verify_ecdsa_batch`, signatures
    65 bytes each."""
    addresses, recovered = _native.secp256k1_recover_batch(
        _columns.fixed(message_hashes, "message_hashes"),
        _columns.fixed(signatures, "signatures"),
    )
    return (
        np.frombuffer(addresses, dtype=np.uint8).reshape(-1, 20),
        _columns.mask(recovered),
    )


def verify_schnorr(
    public_key: _columns.BytesLike,
    message: _columns.BytesLike,
    signature: _columns.BytesLike,
) -> bool:
    """Whether ``signature`` (64 bytes) is the BIP-340 signature of ``message`` (any length) by
    the x-only 32-byte ``public_key``."""
    return _native.secp256k1_verify_schnorr(public_key, message, signature)


def verify_schnorr_batch(
    public_keys: object, messages: object, signatures: object
) -> npt.NDArray[np.bool_]:
    """The verdict of every BIP-340 signature of a batch, checked by one randomized equation
    per chunk, with bisection to find the bad ones. Keys (32 bytes) and signatures (64) as any
    fixed-width column, messages a sequence of bytes or a pyarrow binary array."""
    return _columns.mask(
        _native.secp256k1_verify_schnorr_batch(
            _columns.fixed(public_keys, "public_keys"),
            _columns.variable(messages, "messages"),
            _columns.fixed(signatures, "signatures"),
        )
    )
