# The native half of batchverify, built from python/src by maturin. Columns are what
# batchverify._columns produces: a list of bytes-like objects, one C-contiguous uint8 buffer
# (flat, or one row per item) or a (values, offsets) tuple in Arrow's binary layout.

from typing import Any, final

import numpy as np
import numpy.typing as npt

_Buffer = bytes | bytearray | memoryview | npt.NDArray[np.uint8]
_Column = Any

__all__ = [
    "Tree",
    "bench_ed25519_verify_batch",
    "bench_merkle_root",
    "bls_aggregate_public_keys",
    "bls_aggregate_signatures",
    "bls_aggregate_verify",
    "bls_deserialize_public_key",
    "bls_deserialize_signature",
    "bls_fast_aggregate_verify",
    "bls_keygen",
    "bls_public_key",
    "bls_sign",
    "bls_validate_public_key",
    "bls_verify",
    "bls_verify_batch",
    "ed25519_keypair",
    "ed25519_sign",
    "ed25519_verify",
    "ed25519_verify_batch",
    "info",
    "merkle_bitcoin_root",
    "merkle_leaf_hashes",
    "merkle_root",
    "merkle_verify_consistency",
    "merkle_verify_proof",
    "merkle_verify_proofs",
    "secp256k1_prepare_ecdsa_keys",
    "secp256k1_recover",
    "secp256k1_recover_batch",
    "secp256k1_release_ecdsa_keys",
    "secp256k1_verify_ecdsa",
    "secp256k1_verify_ecdsa_batch",
    "secp256k1_verify_schnorr",
    "secp256k1_verify_schnorr_batch",
    "sha256_hash_many",
    "sm2_prepare_keys",
    "sm2_release_keys",
    "sm2_verify",
    "sm2_verify_batch",
    "sm2_za",
    "sm3_hash_many",
]

def info() -> dict[str, Any]: ...
def bench_ed25519_verify_batch(
    public_keys: _Column, messages: _Column, signatures: _Column, policy: str, repeats: int
) -> list[float]: ...
def bench_merkle_root(leaf_hashes: _Column, flavor: str, repeats: int) -> list[float]: ...
def ed25519_verify(
    public_key: _Buffer, message: _Buffer, signature: _Buffer, policy: str
) -> bool: ...
def ed25519_verify_batch(
    public_keys: _Column, messages: _Column, signatures: _Column, policy: str
) -> bytearray: ...
def ed25519_keypair(secret_key: _Buffer) -> tuple[bytes, bytes]: ...
def ed25519_sign(secret_key: _Buffer, message: _Buffer) -> bytes: ...
def secp256k1_verify_ecdsa(
    public_key: _Buffer, message_hash: _Buffer, signature: _Buffer, rules: str
) -> bool: ...
def secp256k1_verify_ecdsa_batch(
    public_keys: _Column, message_hashes: _Column, signatures: _Column, rules: str
) -> bytearray: ...
def secp256k1_prepare_ecdsa_keys(public_keys: _Column, rules: str) -> int: ...
def secp256k1_release_ecdsa_keys(public_keys: _Column) -> int: ...
def secp256k1_recover(message_hash: _Buffer, signature: _Buffer) -> tuple[bytes, bytes] | None: ...
def secp256k1_recover_batch(
    message_hashes: _Column, signatures: _Column
) -> tuple[bytearray, bytearray]: ...
def secp256k1_verify_schnorr(public_key: _Buffer, message: _Buffer, signature: _Buffer) -> bool: ...
def secp256k1_verify_schnorr_batch(
    public_keys: _Column, messages: _Column, signatures: _Column
) -> bytearray: ...
def bls_verify(
    public_key: _Buffer,
    message: _Buffer,
    signature: _Buffer,
    variant: str,
    scheme: str,
    dst: _Buffer | None = None,
) -> bool: ...
def bls_aggregate_verify(
    public_keys: _Column,
    messages: _Column,
    signature: _Buffer,
    variant: str,
    scheme: str,
    dst: _Buffer | None = None,
) -> bool: ...
def bls_fast_aggregate_verify(
    public_keys: _Column,
    message: _Buffer,
    signature: _Buffer,
    variant: str,
    scheme: str,
    dst: _Buffer | None = None,
) -> bool: ...
def bls_verify_batch(
    public_keys: _Column,
    messages: _Column,
    signatures: _Column,
    variant: str,
    scheme: str,
    dst: _Buffer | None = None,
) -> bytearray: ...
def bls_aggregate_signatures(signatures: _Column, variant: str) -> bytes: ...
def bls_aggregate_public_keys(public_keys: _Column, variant: str) -> bytes: ...
def bls_keygen(ikm: _Buffer, variant: str) -> tuple[bytes, bytes]: ...
def bls_public_key(secret_key: _Buffer, variant: str) -> bytes: ...
def bls_sign(
    secret_key: _Buffer,
    message: _Buffer,
    variant: str,
    scheme: str,
    dst: _Buffer | None = None,
) -> bytes: ...
def bls_validate_public_key(public_key: _Buffer, variant: str) -> None: ...
def bls_deserialize_public_key(public_key: _Buffer, variant: str) -> None: ...
def bls_deserialize_signature(signature: _Buffer, variant: str) -> None: ...
def sha256_hash_many(messages: _Column, backend: str) -> bytearray: ...
def sm3_hash_many(messages: _Column, backend: str) -> bytearray: ...
def sm2_verify(
    public_key: _Buffer,
    message: _Buffer,
    signature: _Buffer,
    id: _Buffer | None = None,
    encoding: str | None = None,
) -> bool: ...
def sm2_verify_batch(
    public_keys: _Column,
    messages: _Column,
    signatures: _Column,
    ids: _Column | None = None,
    id: _Buffer | None = None,
    encoding: str | None = None,
) -> bytearray: ...
def sm2_prepare_keys(public_keys: _Column) -> int: ...
def sm2_release_keys(public_keys: _Column) -> int: ...
def sm2_za(public_key: _Buffer, id: _Buffer | None = None) -> bytes: ...
def merkle_root(
    leaf_hashes: _Column, flavor: str, backend: str, hash: str | None = None
) -> dict[str, Any]: ...
def merkle_leaf_hashes(
    data: _Column, flavor: str, backend: str, hash: str | None = None
) -> bytearray: ...
def merkle_bitcoin_root(txids: _Column) -> tuple[bytes, bool]: ...
def merkle_verify_proof(
    root: _Buffer,
    leaf_hash: _Buffer,
    index: int,
    proof: _Buffer,
    tree_size: int,
    flavor: str,
    hash: str | None = None,
) -> bool: ...
def merkle_verify_consistency(
    size1: int,
    size2: int,
    root1: _Buffer,
    root2: _Buffer,
    proof: _Buffer,
    flavor: str,
    hash: str | None = None,
) -> bool: ...
def merkle_verify_proofs(
    root: _Buffer,
    leaf_hashes: _Column,
    indices: npt.NDArray[np.uint64],
    proofs: _Column,
    tree_size: int,
    flavor: str,
    hash: str | None = None,
) -> bytearray: ...

@final
class Tree:
    def __new__(
        cls,
        leaf_hashes: _Column,
        *,
        flavor: str = "bitcoin",
        backend: str = "auto",
        hash: str | None = None,
    ) -> Tree: ...
    @property
    def root(self) -> bytes: ...
    @property
    def mutated(self) -> bool: ...
    @property
    def flavor(self) -> str: ...
    @property
    def hash(self) -> str | None: ...
    @property
    def leaf_hashes(self) -> bytes: ...
    def proof(self, index: int) -> list[bytes]: ...
    def consistency_proof(self, old_size: int) -> list[bytes]: ...
    def __len__(self) -> int: ...
