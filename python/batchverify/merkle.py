"""Merkle trees over SHA-256 or SM3: roots, trees with inclusion proofs, and proof verification.

``flavor`` is the construction: ``"bitcoin"`` (SHA256d, odd node paired with itself; txids in
internal byte order), ``"rfc6962"`` (Certificate Transparency: 0x00/0x01 prefixes, odd nodes
promoted), ``"ssz"`` (Ethereum consensus: 32-byte chunks padded to a power of two) or
``"fisco-bcos"`` (FISCO BCOS 3.x's transaction root: SM3, a lone last node hashed alone).
``hash`` (``"sha256"``, ``"sha256d"`` or ``"sm3"``) replaces the flavor's own hash: an RFC 6962
log over SM3 is ``flavor="rfc6962", hash="sm3"``.
Functions take leaf hashes (32 bytes each) as one bytes object of n*32 bytes, a sequence of
bytes, a uint8 array of shape (n, 32) or a pyarrow fixed-size binary array; :func:`leaf_hashes`
turns raw leaf data into them by the flavor's leaf rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypedDict

import numpy as np
import numpy.typing as npt

from . import _columns, _native
from ._errors import IndexOutOfRangeError, MalformedInputError

__all__ = [
    "Backend",
    "Flavor",
    "Hash",
    "RootReport",
    "Tree",
    "bitcoin_root",
    "leaf_hashes",
    "root",
    "root_report",
    "verify_consistency",
    "verify_proof",
    "verify_proofs",
]

Flavor = Literal["bitcoin", "rfc6962", "ssz", "fisco-bcos"]
Hash = Literal["sha256", "sha256d", "sm3"]
Backend = Literal["auto", "cpu", "gpu"]

DIGEST_LENGTH = 32
_U64 = 1 << 64
# Stands for a proof with a sibling that is not 32 bytes: the native side rejects every proof
# that is not a whole number of hashes, so this one byte gets the verdict such a proof must.
_NOT_A_PROOF = b"\0"


class RootReport(TypedDict):
    """A root and what computed it."""

    root: bytes
    mutated: bool
    backend: str
    adapter: str | None
    fallback: str | None


def root(
    leaf_hashes: object,
    *,
    flavor: Flavor = "bitcoin",
    backend: Backend = "auto",
    hash: Hash | None = None,
) -> bytes:
    """The root over ``leaf_hashes``.

    ``backend="gpu"`` reduces the tree on the GPU (falling back to the CPU, with a warning in
    the log, when there is none); ``"auto"`` uses a GPU only when there is GPU hardware and the
    tree is large.
    """
    return root_report(leaf_hashes, flavor=flavor, backend=backend, hash=hash)["root"]


def root_report(
    leaf_hashes: object,
    *,
    flavor: Flavor = "bitcoin",
    backend: Backend = "auto",
    hash: Hash | None = None,
) -> RootReport:
    """:func:`root`, with whether some level had two equal siblings (``mutated``, Bitcoin's
    CVE-2012-2459 check), the backend and GPU adapter that computed it, and why the CPU ran
    where the GPU was asked for (``fallback``)."""
    report = _native.merkle_root(_columns.fixed(leaf_hashes, "leaf_hashes"), flavor, backend, hash)
    return RootReport(
        root=report["root"],
        mutated=report["mutated"],
        backend=report["backend"],
        adapter=report["adapter"],
        fallback=report["fallback"],
    )


def leaf_hashes(
    data: object,
    *,
    flavor: Flavor = "bitcoin",
    backend: Backend = "auto",
    hash: Hash | None = None,
) -> npt.NDArray[np.uint8]:
    """The flavor's leaf hash of every item of raw leaf data, as a uint8 array of shape (n, 32)
    (RFC 6962 hashes 0x00 ‖ data, Bitcoin twice with SHA-256 (the txid), FISCO BCOS with SM3;
    SSZ's leaves are chunks, taken as they are and so 32 bytes each)."""
    return _columns.digests(
        _native.merkle_leaf_hashes(_columns.variable(data, "data"), flavor, backend, hash)
    )


def bitcoin_root(txids: object) -> tuple[bytes, bool]:
    """The block header's Merkle root over txids (internal byte order, coinbase first), and
    whether the list is mutated (CVE-2012-2459: another txid list has the same root)."""
    return _native.merkle_bitcoin_root(_columns.fixed(txids, "txids"))


class Tree:
    """A Merkle tree with every level kept, for inclusion proofs.

    Picklable: it travels as its leaf hashes and is rebuilt where it is unpickled.
    """

    __slots__ = ("_tree",)

    def __init__(
        self,
        leaf_hashes: object,
        *,
        flavor: Flavor = "bitcoin",
        backend: Backend = "auto",
        hash: Hash | None = None,
    ) -> None:
        self._tree = _native.Tree(
            _columns.fixed(leaf_hashes, "leaf_hashes"),
            flavor=flavor,
            backend=backend,
            hash=hash,
        )

    @property
    def root(self) -> bytes:
        """The root."""
        return self._tree.root

    @property
    def mutated(self) -> bool:
        """Whether some level had two equal siblings (Bitcoin's CVE-2012-2459 check)."""
        return self._tree.mutated

    @property
    def flavor(self) -> str:
        """The flavor the tree was built with."""
        return self._tree.flavor

    @property
    def hash(self) -> str | None:
        """The hash that replaced the flavor's own, if one did."""
        return self._tree.hash

    def proof(self, index: int) -> list[bytes]:
        """The inclusion proof of leaf ``index``: sibling hashes, bottom level first.

        Raises :class:`batchverify.IndexOutOfRangeError` (an ``IndexError``) past the end.
        """
        if index < 0:
            raise _out_of_range(index, len(self))
        return self._tree.proof(index)

    def consistency_proof(self, old_size: int) -> list[bytes]:
        """The RFC 6962 proof that the first ``old_size`` leaves form a prefix of this tree
        (flavors that promote odd nodes only)."""
        if old_size < 0:
            raise _out_of_range(old_size, len(self))
        return self._tree.consistency_proof(old_size)

    def __len__(self) -> int:
        return len(self._tree)

    def __repr__(self) -> str:
        return repr(self._tree)

    def __reduce__(self) -> tuple[object, tuple[bytes, str, str | None]]:
        return (_rebuild_tree, (self._tree.leaf_hashes, self.flavor, self.hash))


def _rebuild_tree(leaf_hashes: bytes, flavor: Flavor, hash: Hash | None = None) -> Tree:
    return Tree(leaf_hashes, flavor=flavor, backend="cpu", hash=hash)


def _out_of_range(index: int, size: int) -> Exception:
    return IndexOutOfRangeError(
        f"leaf index {index} is out of range for a tree of {size} leaves", index, "index"
    )


def verify_proof(
    root: _columns.BytesLike,
    leaf_hash: _columns.BytesLike,
    index: int,
    proof: object,
    tree_size: int,
    *,
    flavor: Flavor = "bitcoin",
    hash: Hash | None = None,
) -> bool:
    """Whether ``proof`` (sibling hashes, bottom first: a sequence of 32-byte hashes, their
    concatenation or a (k, 32) uint8 array) shows ``leaf_hash`` at ``index`` in the tree of
    ``tree_size`` leaves with root ``root``. A proof or hash of the wrong length, or an index
    outside the tree, is ``False``, as in the Rust API."""
    siblings = _flat_proof(proof, "proof")
    if siblings is None or not (0 <= index < _U64 and 0 <= tree_size < _U64):
        return False
    return _native.merkle_verify_proof(root, leaf_hash, index, siblings, tree_size, flavor, hash)


def verify_consistency(
    size1: int,
    size2: int,
    root1: _columns.BytesLike,
    root2: _columns.BytesLike,
    proof: object,
    *,
    flavor: Flavor = "rfc6962",
    hash: Hash | None = None,
) -> bool:
    """RFC 6962: whether ``proof`` shows that the tree of ``size1`` leaves with root ``root1``
    is a prefix of the tree of ``size2`` leaves with root ``root2`` (flavors that promote odd
    nodes only; others raise :class:`batchverify.UnsupportedError`). Malformed proofs and
    hashes are ``False``."""
    siblings = _flat_proof(proof, "proof")
    if siblings is None or not (0 <= size1 < _U64 and 0 <= size2 < _U64):
        return False
    return _native.merkle_verify_consistency(size1, size2, root1, root2, siblings, flavor, hash)


def verify_proofs(
    root: _columns.BytesLike,
    leaf_hashes: object,
    indices: object,
    proofs: Iterable[object],
    tree_size: int,
    *,
    flavor: Flavor = "bitcoin",
    hash: Hash | None = None,
) -> npt.NDArray[np.bool_]:
    """:func:`verify_proof` for leaf ``i`` at ``indices[i]`` with ``proofs[i]``, every proof
    against the same tree, in parallel; a bool array of verdicts."""
    if isinstance(proofs, bytes | bytearray | memoryview | str | np.ndarray) or not isinstance(
        proofs, Iterable
    ):
        raise TypeError(f"proofs: expected a sequence of proofs, got {type(proofs).__name__}")
    flat = []
    for i, proof in enumerate(proofs):
        siblings = _flat_proof(proof, f"proofs[{i}]")
        flat.append(_NOT_A_PROOF if siblings is None else siblings)
    if not 0 <= tree_size < _U64:
        return np.zeros(len(flat), dtype=np.bool_)
    return _columns.mask(
        _native.merkle_verify_proofs(
            root,
            _columns.fixed(leaf_hashes, "leaf_hashes"),
            _indices(indices),
            flat,
            tree_size,
            flavor,
            hash,
        )
    )


def _flat_proof(proof: object, field: str) -> _columns.BytesLike | None:
    """A proof as concatenated siblings, or ``None`` when a sibling is not 32 bytes."""
    if proof is None:
        raise TypeError(f"{field}: expected a sequence of 32-byte hashes, got None")
    if isinstance(proof, bytes | bytearray | memoryview):
        return proof
    if isinstance(proof, np.ndarray):
        if proof.dtype != np.uint8:
            raise TypeError(f"{field}: expected a uint8 array, got dtype {proof.dtype}")
        if proof.ndim == 2 and proof.shape[1] != DIGEST_LENGTH:
            return None
        return np.ascontiguousarray(proof)
    if isinstance(proof, str) or not isinstance(proof, Iterable):
        raise TypeError(
            f"{field}: expected a sequence of 32-byte hashes, got {type(proof).__name__}"
        )
    siblings = []
    for position, sibling in enumerate(proof):
        if not isinstance(sibling, bytes | bytearray | memoryview):
            raise TypeError(f"{field}[{position}]: expected bytes, got {type(sibling).__name__}")
        if len(sibling) != DIGEST_LENGTH:
            return None
        siblings.append(sibling)
    return b"".join(siblings)


def _indices(indices: object) -> npt.NDArray[np.uint64]:
    if indices is None:
        raise TypeError("indices: expected a sequence of integers, got None")
    array = np.asarray(indices)
    if array.size == 0:
        return np.zeros(0, dtype=np.uint64)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError(f"indices: expected a sequence of integers, got dtype {array.dtype}")
    negative = np.flatnonzero(array < 0)
    if negative.size:
        first = int(negative[0])
        raise MalformedInputError(
            f"indices[{first}]: leaf index {int(array[first])} is negative", first, "indices"
        )
    return np.ascontiguousarray(array, dtype=np.uint64)
