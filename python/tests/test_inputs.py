"""Every input form gives the same verdicts; every malformed input raises a clear error that
names the item and the field, and nothing crashes the interpreter."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

import batchverify
from batchverify import _native, bls, ed25519, merkle, sha256

COUNT = 12
BAD = {3, 8}


def ed25519_batch() -> tuple[list[bytes], list[bytes], list[bytes], list[bool]]:
    rng = random.Random(1)
    keys, messages, signatures = [], [], []
    for i in range(COUNT):
        secret, public = ed25519.keypair(rng.randbytes(32))
        message = rng.randbytes(16)
        signature = ed25519.sign(secret, message)
        keys.append(public)
        messages.append(message + b"?" if i in BAD else message)
        signatures.append(signature)
    return keys, messages, signatures, [i not in BAD for i in range(COUNT)]


KEYS, MESSAGES, SIGNATURES, EXPECTED = ed25519_batch()


def non_contiguous(rows: list[bytes]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    doubled = np.repeat(np.frombuffer(b"".join(rows), np.uint8).reshape(len(rows), -1), 2, axis=0)
    view = doubled[::2]
    assert not view.flags.c_contiguous
    return view


def sliced_arrow(rows: list[bytes], kind: pa.DataType) -> pa.Array:
    padded = pa.array([rows[0], *rows, rows[0]], type=kind)
    return padded.slice(1, len(rows))


FIXED_FORMS: dict[str, Callable[[list[bytes]], object]] = {
    "list": list,
    "tuple": tuple,
    "generator": lambda rows: (row for row in rows),
    "flat bytes": b"".join,
    "bytearray": lambda rows: bytearray(b"".join(rows)),
    "memoryview": lambda rows: memoryview(b"".join(rows)),
    "list of bytearray": lambda rows: [bytearray(r) for r in rows],
    "list of numpy rows": lambda rows: [np.frombuffer(r, np.uint8) for r in rows],
    "numpy 2-D": lambda rows: np.frombuffer(b"".join(rows), np.uint8).reshape(len(rows), -1),
    "numpy flat": lambda rows: np.frombuffer(b"".join(rows), np.uint8),
    "numpy non-contiguous": non_contiguous,
    "numpy Fortran order": lambda rows: np.asfortranarray(
        np.frombuffer(b"".join(rows), np.uint8).reshape(len(rows), -1)
    ),
    "numpy object": lambda rows: np.array(rows, dtype=object),
    "arrow fixed": lambda rows: pa.array(rows, type=pa.binary(len(rows[0]))),
    "arrow fixed sliced": lambda rows: sliced_arrow(rows, pa.binary(len(rows[0]))),
    "arrow binary": lambda rows: pa.array(rows, type=pa.binary()),
    "arrow binary sliced": lambda rows: sliced_arrow(rows, pa.binary()),
    "arrow large binary": lambda rows: pa.array(rows, type=pa.large_binary()),
    "arrow chunked": lambda rows: pa.chunked_array([rows[:5], rows[5:]], type=pa.binary()),
    "pandas object": pd.Series,
    "pandas arrow": lambda rows: pd.Series(rows, dtype=pd.ArrowDtype(pa.binary())),
}

MESSAGE_FORMS: dict[str, Callable[[list[bytes]], object]] = {
    name: FIXED_FORMS[name]
    for name in [
        "list",
        "tuple",
        "generator",
        "list of bytearray",
        "list of numpy rows",
        "numpy object",
        "arrow binary",
        "arrow binary sliced",
        "arrow large binary",
        "arrow chunked",
        "pandas object",
        "pandas arrow",
    ]
}
MESSAGE_FORMS["numpy 2-D"] = FIXED_FORMS["numpy 2-D"]
MESSAGE_FORMS["numpy non-contiguous"] = non_contiguous
MESSAGE_FORMS["arrow fixed"] = FIXED_FORMS["arrow fixed"]
MESSAGE_FORMS["arrow large string"] = lambda rows: pa.array(
    [r.decode() for r in rows], type=pa.large_string()
)


@pytest.mark.parametrize("form", FIXED_FORMS)
def test_key_and_signature_forms(form: str) -> None:
    make = FIXED_FORMS[form]
    mask = ed25519.verify_batch(make(KEYS), MESSAGES, make(SIGNATURES))
    assert mask.tolist() == EXPECTED
    assert mask.flags.writeable


@pytest.mark.parametrize("form", MESSAGE_FORMS)
def test_message_forms(form: str) -> None:
    messages = MESSAGES if form != "arrow large string" else [m.hex().encode() for m in MESSAGES]
    if form in ("numpy 2-D", "numpy non-contiguous", "arrow fixed"):
        messages = [m[:16] for m in MESSAGES]
    expected = ed25519.verify_batch(KEYS, messages, SIGNATURES).tolist()
    mask = ed25519.verify_batch(KEYS, MESSAGE_FORMS[form](messages), SIGNATURES)
    assert mask.tolist() == expected


def test_empty_batches() -> None:
    assert ed25519.verify_batch([], [], []).tolist() == []
    assert ed25519.verify_batch(b"", pa.array([], pa.binary()), b"").shape == (0,)
    assert bls.verify_batch([], [], []).tolist() == []
    assert sha256.hash_many([]).shape == (0, 32)
    assert sha256.hash_many(np.zeros((3, 0), np.uint8)).shape == (3, 32)


def raises_malformed(call: Callable[[], object], field: str, index: int | None) -> str:
    with pytest.raises(batchverify.MalformedInputError) as raised:
        call()
    assert isinstance(raised.value, ValueError)
    assert isinstance(raised.value, batchverify.Error)
    assert raised.value.field == field
    assert raised.value.index == index
    return str(raised.value)


def test_a_huge_column_of_empty_rows_is_an_error_not_a_crash() -> None:
    """A (2^40, 0) array holds no bytes; a slice per item would need 16 TiB."""
    rows = np.lib.stride_tricks.as_strided(np.zeros(1, np.uint8), shape=(1 << 40, 0))
    message = raises_malformed(lambda: sha256.hash_many(rows), "messages", None)
    assert "items of 0 bytes" in message


def test_wrong_lengths_name_the_item_and_field() -> None:
    keys = [*KEYS]
    keys[5] = keys[5][:31]
    message = raises_malformed(
        lambda: ed25519.verify_batch(keys, MESSAGES, SIGNATURES), "public_key", 5
    )
    assert "index 5" in message
    assert "31" in message
    signatures = [*SIGNATURES]
    signatures[7] += b"\0"
    raises_malformed(lambda: ed25519.verify_batch(KEYS, MESSAGES, signatures), "signature", 7)
    raises_malformed(
        lambda: ed25519.verify_batch(b"".join(KEYS) + b"\0", MESSAGES, SIGNATURES),
        "public_keys",
        None,
    )
    rows = np.zeros((COUNT, 31), np.uint8)
    raises_malformed(lambda: ed25519.verify_batch(rows, MESSAGES, SIGNATURES), "public_keys", None)
    raises_malformed(lambda: ed25519.verify(KEYS[0][:3], b"", SIGNATURES[0]), "public_key", 0)
    raises_malformed(lambda: ed25519.sign(b"short", b""), "secret_key", 0)
    raises_malformed(lambda: bls.keygen(b"too short"), "secret_key", 0)


def test_mismatched_counts() -> None:
    raises_malformed(lambda: ed25519.verify_batch(KEYS, MESSAGES[:-1], SIGNATURES), "message", None)
    raises_malformed(
        lambda: ed25519.verify_batch(KEYS, MESSAGES, SIGNATURES[:-1]), "signature", None
    )
    raises_malformed(
        lambda: merkle.verify_proofs(bytes(32), [bytes(32)] * 2, [0], [[], []], 2), "indices", None
    )


def test_nulls_in_arrow_columns_name_the_row() -> None:
    keys = pa.array([*KEYS[:4], None, *KEYS[5:]], type=pa.binary(32))
    message = raises_malformed(
        lambda: ed25519.verify_batch(keys, MESSAGES, SIGNATURES), "public_keys", 4
    )
    assert "null" in message


@pytest.mark.parametrize(
    ("keys", "messages", "signatures", "needle"),
    [
        (None, MESSAGES, SIGNATURES, "public_keys"),
        (KEYS, None, SIGNATURES, "messages"),
        (KEYS, MESSAGES, None, "signatures"),
        (np.zeros((COUNT, 32), np.int64), MESSAGES, SIGNATURES, "dtype int64"),
        (np.zeros((COUNT, 32), np.float32), MESSAGES, SIGNATURES, "dtype float32"),
        (np.zeros((2, COUNT, 16), np.uint8), MESSAGES, SIGNATURES, "shape"),
        ([*KEYS[:2], None, *KEYS[3:]], MESSAGES, SIGNATURES, "public_keys[2]"),
        ([*KEYS[:2], 7, *KEYS[3:]], MESSAGES, SIGNATURES, "public_keys[2]"),
        (KEYS, b"".join(MESSAGES), SIGNATURES, "messages"),
        (KEYS, "text", SIGNATURES, "messages"),
        (KEYS, np.zeros(COUNT * 16, np.uint8), SIGNATURES, "messages"),
        (12345, MESSAGES, SIGNATURES, "public_keys"),
        (pa.array([1, 2]), MESSAGES, SIGNATURES, "int64"),
    ],
)
def test_wrong_types_raise_type_error(
    keys: object, messages: object, signatures: object, needle: str
) -> None:
    with pytest.raises(TypeError) as raised:
        ed25519.verify_batch(keys, messages, signatures)
    assert needle in str(raised.value)


def test_single_calls_reject_wrong_types() -> None:
    with pytest.raises(TypeError, match="public_key"):
        ed25519.verify(None, b"", SIGNATURES[0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="message"):
        ed25519.verify(KEYS[0], "text", SIGNATURES[0])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ed25519.verify(KEYS[0], b"", SIGNATURES[0], policy=3)  # type: ignore[arg-type]


def test_unknown_options_raise_value_error() -> None:
    with pytest.raises(ValueError, match="policy"):
        ed25519.verify_batch(KEYS, MESSAGES, SIGNATURES, policy="lax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="variant"):
        bls.verify_batch([], [], [], variant="min_xy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="scheme"):
        bls.verify_batch([], [], [], scheme="none")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="flavor"):
        merkle.root([], flavor="sha3")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend"):
        sha256.hash_many([], backend="tpu")  # type: ignore[arg-type]


def test_native_layer_rejects_hand_made_columns() -> None:
    """Offsets that point outside the values, decrease or are negative, and tuples of the wrong
    shape: the checks the Python layer never needs, for callers of ``_native`` itself."""
    values = np.frombuffer(b"abcdef", np.uint8)
    for offsets, position in [([0, 3, 9], 2), ([0, 4, 2], 2), ([-1, 3], 0), ([], None)]:
        column = (values, np.array(offsets, np.int64))
        with pytest.raises(batchverify.MalformedInputError) as raised:
            _native.sha256_hash_many(column, "cpu")
        assert raised.value.field == "messages"
        if position is not None:
            assert f"offset {position}" in str(raised.value)
    for bad in [(values,), (values, values, values), (values, np.zeros(2, np.float64))]:
        with pytest.raises(TypeError):
            _native.sha256_hash_many(bad, "cpu")
    good = _native.sha256_hash_many((values, np.array([0, 3, 6], np.int32)), "cpu")
    assert bytes(good) == b"".join(bytes(d) for d in sha256.hash_many([b"abc", b"def"]))


GARBAGE: list[object] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    "text",
    b"",
    b"\xff" * 7,
    [None],
    [1, 2],
    [b"x" * 32, "y"],
    {"a": 1},
    object(),
    np.zeros((2, 2, 2)),
    np.array([], dtype=np.uint8),
    pa.array([None], type=pa.binary()),
    (b"", b""),
]


def test_garbage_never_crashes() -> None:
    """Every public function, each argument replaced by each garbage value: an exception of
    a documented kind or a result, never a crash or another exception type."""
    calls: list[tuple[Callable[..., object], list[object]]] = [
        (ed25519.verify, [KEYS[0], MESSAGES[0], SIGNATURES[0]]),
        (ed25519.verify_batch, [KEYS, MESSAGES, SIGNATURES]),
        (ed25519.sign, [bytes(32), b"m"]),
        (ed25519.keypair, [bytes(32)]),
        (bls.verify, [bytes(48), b"m", bytes(96)]),
        (bls.verify_batch, [[bytes(48)], [b"m"], [bytes(96)]]),
        (bls.aggregate_verify, [[bytes(48)], [b"m"], bytes(96)]),
        (bls.fast_aggregate_verify, [[bytes(48)], b"m", bytes(96)]),
        (bls.aggregate_signatures, [[bytes(96)]]),
        (bls.aggregate_public_keys, [[bytes(48)]]),
        (bls.sign, [bytes(32), b"m"]),
        (bls.keygen, [bytes(32)]),
        (sha256.hash_many, [[b"m"]]),
        (merkle.root, [[bytes(32)]]),
        (merkle.leaf_hashes, [[b"m"]]),
        (merkle.bitcoin_root, [[bytes(32)]]),
        (merkle.Tree, [[bytes(32)]]),
        (merkle.verify_proof, [bytes(32), bytes(32), 0, [], 1]),
        (merkle.verify_proofs, [bytes(32), [bytes(32)], [0], [[]], 1]),
        (merkle.verify_consistency, [1, 2, bytes(32), bytes(32), []]),
    ]
    allowed = (TypeError, ValueError, IndexError, OverflowError)
    for function, arguments in calls:
        for position in range(len(arguments)):
            for value in GARBAGE:
                call = [*arguments]
                call[position] = value
                with contextlib.suppress(*allowed):
                    function(*call)


def test_bls_round_trips_every_variant_and_scheme() -> None:
    rng = random.Random(3)
    for variant in ("min_pk", "min_sig"):
        key_length, signature_length = (48, 96) if variant == "min_pk" else (96, 48)
        for scheme in ("pop", "basic", "aug"):
            keys, messages, signatures = [], [], []
            for i in range(6):
                secret, public = bls.keygen(rng.randbytes(32), variant=variant)
                assert bls.public_key(secret, variant=variant) == public
                message = b"message %d" % i
                signature = bls.sign(secret, message, variant=variant, scheme=scheme)
                assert len(public) == key_length
                assert len(signature) == signature_length
                keys.append(public)
                messages.append(message)
                signatures.append(signature)
            options: dict[str, Any] = {"variant": variant, "scheme": scheme}
            messages_swapped = [messages[1], messages[0], *messages[2:]]
            mask = bls.verify_batch(
                np.frombuffer(b"".join(keys), np.uint8).reshape(6, -1),
                messages_swapped,
                b"".join(signatures),
                **options,
            )
            assert mask.tolist() == [False, False, True, True, True, True]
            aggregate = bls.aggregate_signatures(signatures, variant=variant)
            assert bls.aggregate_verify(keys, messages, aggregate, **options)
            assert not bls.aggregate_verify(keys, messages_swapped, aggregate, **options)
            assert not bls.verify(keys[0], messages[0], signatures[1], **options)
            custom = bls.sign(secret, b"m", dst=b"MY-APP-V01", **options)
            assert bls.verify(public, b"m", custom, dst=b"MY-APP-V01", **options)
            assert not bls.verify(public, b"m", custom, **options)


def test_bls_fast_aggregate_and_scheme_rules() -> None:
    pairs = [bls.keygen(bytes([i]) * 32) for i in range(1, 5)]
    signatures = [bls.sign(secret, b"attestation") for secret, _ in pairs]
    keys = [public for _, public in pairs]
    aggregate = bls.aggregate_signatures(signatures)
    assert bls.fast_aggregate_verify(keys, b"attestation", aggregate)
    assert bls.verify(bls.aggregate_public_keys(keys), b"attestation", aggregate)
    with pytest.raises(batchverify.UnsupportedError):
        bls.fast_aggregate_verify(keys, b"attestation", aggregate, scheme="basic")
    basic = [bls.sign(secret, b"same", scheme="basic") for secret, _ in pairs[:2]]
    assert not bls.aggregate_verify(
        keys[:2], [b"same", b"same"], bls.aggregate_signatures(basic), scheme="basic"
    )
    with pytest.raises(batchverify.MalformedInputError) as raised:
        bls.aggregate_signatures([])
    assert raised.value.field == "signature"
    with pytest.raises(batchverify.MalformedInputError) as raised:
        bls.validate_public_key(bytes([0xC0]) + bytes(47))
    assert "infinity" in str(raised.value)


def test_merkle_errors() -> None:
    tree = merkle.Tree([bytes([i]) * 32 for i in range(5)], flavor="rfc6962")
    for index in (5, -1):
        with pytest.raises(IndexError) as raised:
            tree.proof(index)
        assert isinstance(raised.value, batchverify.IndexOutOfRangeError)
    with pytest.raises(batchverify.UnsupportedError):
        merkle.Tree([bytes(32)] * 3, flavor="bitcoin").consistency_proof(2)
    with pytest.raises(batchverify.MalformedInputError) as malformed:
        merkle.root([bytes(32), bytes(31)])
    assert (malformed.value.field, malformed.value.index) == ("leaf_hashes", 1)
    with pytest.raises(batchverify.MalformedInputError) as malformed:
        merkle.verify_proofs(bytes(32), [bytes(32)], [-4], [[]], 1)
    assert (malformed.value.field, malformed.value.index) == ("indices", 0)
    root = tree.root
    leaf = bytes([2]) * 32
    good = tree.proof(2)
    assert merkle.verify_proof(root, leaf, 2, good, 5, flavor="rfc6962")
    assert merkle.verify_proof(root, leaf, 2, b"".join(good), 5, flavor="rfc6962")
    assert merkle.verify_proof(
        root, leaf, 2, np.frombuffer(b"".join(good), np.uint8).reshape(-1, 32), 5, flavor="rfc6962"
    )
    for bad in ([*good[:-1], good[-1][:31]], b"".join(good)[:-1], [*good, good[0]]):
        assert not merkle.verify_proof(root, leaf, 2, bad, 5, flavor="rfc6962")
    mask = merkle.verify_proofs(
        root,
        [leaf, leaf, leaf],
        np.array([2, 2, 3]),
        [good, [*good[:-1], b"short"], good],
        5,
        flavor="rfc6962",
    )
    assert mask.tolist() == [True, False, False]
    assert merkle.verify_consistency(
        3, 5, merkle.root(tree_leaves(3), flavor="rfc6962"), root, tree.consistency_proof(3)
    )


def tree_leaves(count: int) -> list[bytes]:
    return [bytes([i]) * 32 for i in range(count)]
