"""batchverify against independent Python implementations on seeded random data:
`cryptography` for Ed25519, `hashlib` for SHA-256, and a plain Merkle reference written here."""

from __future__ import annotations

import hashlib
import random

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from batchverify import ed25519, merkle, sha256

SIZES = [*range(0, 34), 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000, 1023, 1024, 1025]


def cryptography_verifies(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def test_ed25519_against_cryptography() -> None:
    rng = random.Random(2026)
    keys, messages, signatures = [], [], []
    for i in range(600):
        private = Ed25519PrivateKey.from_private_bytes(rng.randbytes(32))
        public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        message = rng.randbytes(rng.randrange(0, 300))
        signature = private.sign(message)
        corruption = i % 4
        if corruption == 1:
            message += b"!"
        elif corruption == 2:
            flipped = rng.randrange(64)
            signature = bytes(
                b ^ (1 << rng.randrange(8)) if j == flipped else b for j, b in enumerate(signature)
            )
        keys.append(public)
        messages.append(message)
        signatures.append(signature)
    expected = [
        cryptography_verifies(k, m, s) for k, m, s in zip(keys, messages, signatures, strict=True)
    ]
    assert 0 < sum(expected) < len(expected)
    for policy in ("zip215", "strict"):
        assert ed25519.verify_batch(keys, messages, signatures, policy=policy).tolist() == expected
        singles = [
            ed25519.verify(k, m, s, policy=policy)
            for k, m, s in zip(keys, messages, signatures, strict=True)
        ]
        assert singles == expected


def test_ed25519_signatures_verify_under_cryptography() -> None:
    rng = random.Random(7)
    for _ in range(50):
        secret, public = ed25519.keypair(rng.randbytes(32))
        message = rng.randbytes(rng.randrange(100))
        signature = ed25519.sign(secret, message)
        assert signature == Ed25519PrivateKey.from_private_bytes(secret).sign(message)
        assert cryptography_verifies(public, message, signature)


def test_sha256_against_hashlib() -> None:
    rng = random.Random(5)
    messages = [rng.randbytes(rng.randrange(0, 4096)) for _ in range(500)]
    messages += [rng.randbytes(n) for n in SIZES]
    digests = sha256.hash_many(messages)
    assert digests.shape == (len(messages), 32)
    assert [bytes(d) for d in digests] == [hashlib.sha256(m).digest() for m in messages]


def reference_root(leaves: list[bytes], flavor: str) -> bytes:
    """The three constructions level by level, as their specifications describe them."""
    if flavor == "rfc6962":
        if not leaves:
            return hashlib.sha256(b"").digest()
        if len(leaves) == 1:
            return leaves[0]
        split = 1 << ((len(leaves) - 1).bit_length() - 1)
        left, right = reference_root(leaves[:split], flavor), reference_root(leaves[split:], flavor)
        return hashlib.sha256(b"\x01" + left + right).digest()
    if flavor == "bitcoin":
        if not leaves:
            return bytes(32)
        level = list(leaves)
        while len(level) > 1:
            if len(level) % 2:
                level.append(level[-1])
            level = [
                hashlib.sha256(hashlib.sha256(level[i] + level[i + 1]).digest()).digest()
                for i in range(0, len(level), 2)
            ]
        return level[0]
    size = 1 << max(len(leaves) - 1, 0).bit_length() if leaves else 1
    level = list(leaves) + [bytes(32)] * (size - len(leaves))
    while len(level) > 1:
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


@pytest.mark.parametrize("flavor", ["bitcoin", "rfc6962", "ssz"])
def test_merkle_against_reference(flavor: merkle.Flavor) -> None:
    rng = random.Random(flavor)
    for size in [*SIZES, *(rng.randrange(1, 3000) for _ in range(10))]:
        leaves = [rng.randbytes(32) for _ in range(size)]
        expected = reference_root(leaves, flavor)
        assert merkle.root(leaves, flavor=flavor) == expected, size
        tree = merkle.Tree(leaves, flavor=flavor)
        assert tree.root == expected
        for index in {0, size // 2, size - 1} if size else set():
            proof = tree.proof(index)
            assert merkle.verify_proof(expected, leaves[index], index, proof, size, flavor=flavor)
            other = bytes(32) if leaves[index] != bytes(32) else b"\x01" * 32
            assert not merkle.verify_proof(expected, other, index, proof, size, flavor=flavor)


def test_rfc6962_leaf_hashes_against_hashlib() -> None:
    rng = random.Random(11)
    data = [rng.randbytes(rng.randrange(0, 200)) for _ in range(300)]
    hashes = merkle.leaf_hashes(data, flavor="rfc6962")
    assert [bytes(h) for h in hashes] == [hashlib.sha256(b"\x00" + d).digest() for d in data]
