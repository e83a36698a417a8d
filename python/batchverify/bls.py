"""BLS12-381 signatures (IETF BLS signature draft, on blst).

``variant="min_pk"`` (Ethereum: 48-byte public keys, 96-byte signatures) or ``"min_sig"``;
``scheme="pop"`` (proof of possession, Ethereum), ``"basic"`` or ``"aug"`` (message
augmentation). ``dst`` replaces the scheme's domain separation tag. Points that are not valid
keys or signatures make a verification ``False``; inputs of the wrong length raise
:class:`batchverify.MalformedInputError`.
"""

from __future__ import annotations

import secrets
from typing import Literal

import numpy as np
import numpy.typing as npt

from . import _columns, _native

__all__ = [
    "Scheme",
    "Variant",
    "aggregate_public_keys",
    "aggregate_signatures",
    "aggregate_verify",
    "deserialize_public_key",
    "deserialize_signature",
    "fast_aggregate_verify",
    "keygen",
    "public_key",
    "sign",
    "validate_public_key",
    "verify",
    "verify_batch",
]

Variant = Literal["min_pk", "min_sig"]
Scheme = Literal["pop", "basic", "aug"]


def verify(
    public_key: _columns.BytesLike,
    message: _columns.BytesLike,
    signature: _columns.BytesLike,
    *,
    variant: Variant = "min_pk",
    scheme: Scheme = "pop",
    dst: _columns.BytesLike | None = None,
) -> bool:
    """Whether ``signature`` is ``public_key``'s signature of ``message``."""
    return _native.bls_verify(public_key, message, signature, variant, scheme, dst)


def aggregate_verify(
    public_keys: object,
    messages: object,
    signature: _columns.BytesLike,
    *,
    variant: Variant = "min_pk",
    scheme: Scheme = "pop",
    dst: _columns.BytesLike | None = None,
) -> bool:
    """Whether ``signature`` aggregates a signature of ``messages[i]`` by ``public_keys[i]``
    for every ``i`` (the basic scheme requires distinct messages)."""
    return _native.bls_aggregate_verify(
        _columns.fixed(public_keys, "public_keys"),
        _columns.variable(messages, "messages"),
        signature,
        variant,
        scheme,
        dst,
    )


def fast_aggregate_verify(
    public_keys: object,
    message: _columns.BytesLike,
    signature: _columns.BytesLike,
    *,
    variant: Variant = "min_pk",
    scheme: Scheme = "pop",
    dst: _columns.BytesLike | None = None,
) -> bool:
    """Whether ``signature`` aggregates every key's signature of one ``message`` (proof of
    possession scheme only; an attestation)."""
    return _native.bls_fast_aggregate_verify(
        _columns.fixed(public_keys, "public_keys"),
        message,
        signature,
        variant,
        scheme,
        dst,
    )


def verify_batch(
    public_keys: object,
    messages: object,
    signatures: object,
    *,
    variant: Variant = "min_pk",
    scheme: Scheme = "pop",
    dst: _columns.BytesLike | None = None,
) -> npt.NDArray[np.bool_]:
    """The verdict of every ``(public_keys[i], messages[i], signatures[i])``, as a bool array;
    each equals what :func:`verify` says of that item. One random linear combination checks
    the whole batch; bad items are found by bisection."""
    return _columns.mask(
        _native.bls_verify_batch(
            _columns.fixed(public_keys, "public_keys"),
            _columns.variable(messages, "messages"),
            _columns.fixed(signatures, "signatures"),
            variant,
            scheme,
            dst,
        )
    )


def aggregate_signatures(signatures: object, *, variant: Variant = "min_pk") -> bytes:
    """The aggregate (sum) of ``signatures``; each must be a valid signature point."""
    return _native.bls_aggregate_signatures(_columns.fixed(signatures, "signatures"), variant)


def aggregate_public_keys(public_keys: object, *, variant: Variant = "min_pk") -> bytes:
    """The aggregate (sum) of ``public_keys``; each must be a valid public key."""
    return _native.bls_aggregate_public_keys(_columns.fixed(public_keys, "public_keys"), variant)


def keygen(
    ikm: _columns.BytesLike | None = None, *, variant: Variant = "min_pk"
) -> tuple[bytes, bytes]:
    """``(secret_key, public_key)`` by KeyGen over ``ikm`` (at least 32 bytes of key material;
    32 random bytes when not given). The secret key is 32 big-endian bytes."""
    return _native.bls_keygen(secrets.token_bytes(32) if ikm is None else ikm, variant)


def public_key(secret_key: _columns.BytesLike, *, variant: Variant = "min_pk") -> bytes:
    """The public key of a 32-byte secret key."""
    return _native.bls_public_key(secret_key, variant)


def sign(
    secret_key: _columns.BytesLike,
    message: _columns.BytesLike,
    *,
    variant: Variant = "min_pk",
    scheme: Scheme = "pop",
    dst: _columns.BytesLike | None = None,
) -> bytes:
    """The signature of ``message`` by the 32-byte ``secret_key``."""
    return _native.bls_sign(secret_key, message, variant, scheme, dst)


def validate_public_key(public_key: _columns.BytesLike, *, variant: Variant = "min_pk") -> None:
    """KeyValidate: raises :class:`batchverify.MalformedInputError` (with the reason) unless
    ``public_key`` is a compressed point of the key group, in the subgroup, and not the
    identity."""
    _native.bls_validate_public_key(public_key, variant)


def deserialize_public_key(public_key: _columns.BytesLike, *, variant: Variant = "min_pk") -> None:
    """Raises :class:`batchverify.MalformedInputError` unless ``public_key`` decodes to a point
    of the key group's subgroup (the identity allowed, as the Ethereum tests' deserialization
    handler does)."""
    _native.bls_deserialize_public_key(public_key, variant)


def deserialize_signature(signature: _columns.BytesLike, *, variant: Variant = "min_pk") -> None:
    """Raises :class:`batchverify.MalformedInputError` unless ``signature`` decodes to a point
    of the signature group's subgroup (the identity allowed)."""
    _native.bls_deserialize_signature(signature, variant)
