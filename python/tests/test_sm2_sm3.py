"""SM2 and SM3 from Python: the standard's examples, OpenSSL's judged SM2 cases single and in
batches, and differential checks against gmssl (an independent pure-Python SM2/SM3): its SM3
on random lengths across block boundaries, its SM2 signatures with random corruptions verdict
by verdict, and Merkle trees over SM3 against a reference written here."""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest
from conftest import read_json, read_text, unhex
from gmssl import func
from gmssl import sm2 as gm_sm2
from gmssl import sm3 as gm_sm3

import batchverify
from batchverify import merkle, sm2, sm3


def _gm_sm3(data: bytes) -> bytes:
    return bytes.fromhex(gm_sm3.sm3_hash(func.bytes_to_list(data)))


def test_sm3_standard_examples_and_gmssl_on_random_lengths() -> None:
    for case in read_json("sm2-sm3/standard.json")["sm3"]:
        message = case["message_ascii"].encode()
        assert sm3.hash_many([message])[0].tobytes() == unhex(case["digest"])
    rng = random.Random(3)
    lengths = [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, *(rng.randrange(4096) for _ in range(60))]
    messages = [rng.randbytes(length) for length in lengths]
    digests = sm3.hash_many(messages)
    assert digests.shape == (len(messages), 32)
    for message, digest in zip(messages, digests, strict=True):
        assert digest.tobytes() == _gm_sm3(message)
    equal = np.frombuffer(rng.randbytes(64 * 40), dtype=np.uint8).reshape(40, 64)
    assert [d.tobytes() for d in sm3.hash_many(equal)] == [_gm_sm3(row.tobytes()) for row in equal]


def _openssl_cases() -> list[dict[str, Any]]:
    cases = [json.loads(line) for line in read_text("sm2-sm3/sm2_openssl.jsonl").splitlines()]
    assert len(cases) == 320
    return cases


def test_the_standard_sm2_example_gives_its_za_and_verdict() -> None:
    example = read_json("sm2-sm3/standard.json")["sm2_sign"][0]
    key = b"\x04" + unhex(example["public_key_x"]) + unhex(example["public_key_y"])
    message = example["message_ascii"].encode()
    signature = unhex(example["r"]) + unhex(example["s"])
    assert sm2.za(key) == unhex(example["za"])
    assert sm2.verify(key, message, signature)
    assert sm2.verify(key, message, signature, id=sm2.DEFAULT_ID)
    assert not sm2.verify(key, message + b"!", signature)
    assert not sm2.verify(key, message, signature, id=b"another id")


def test_openssl_cases_single_and_in_batches() -> None:
    cases = _openssl_cases()
    keys = [unhex(c["public_key"]) for c in cases]
    ids = [unhex(c["id"]) for c in cases]
    messages = [unhex(c["message"]) for c in cases]
    der = [unhex(c["signature_der"]) for c in cases]
    compact = [unhex(c["r"]) + unhex(c["s"]) for c in cases]
    expected = [c["valid"] for c in cases]
    for i in range(len(cases)):
        assert sm2.verify(keys[i], messages[i], der[i], id=ids[i]) is expected[i], i
    assert sm2.verify_batch(keys, messages, der, ids=ids).tolist() == expected
    assert sm2.verify_batch(keys, messages, compact, ids=ids).tolist() == expected
    default = [i for i, c in enumerate(cases) if unhex(c["id"]) == sm2.DEFAULT_ID]
    mask = sm2.verify_batch(
        [keys[i] for i in default], [messages[i] for i in default], [der[i] for i in default]
    )
    assert mask.tolist() == [expected[i] for i in default]
    shared = sm2.verify_batch(
        [keys[i] for i in default],
        [messages[i] for i in default],
        [der[i] for i in default],
        ids=sm2.DEFAULT_ID,
    )
    assert shared.tolist() == mask.tolist()


def _gmssl_signatures(count: int, rng: random.Random) -> list[tuple[bytes, bytes, bytes]]:
    n = int(gm_sm2.default_ecc_table["n"], 16)
    items = []
    for i in range(count):
        if i % 4 == 0:
            secret = f"{rng.randrange(1, n - 1):064x}"
            signer = gm_sm2.CryptSM2(private_key=secret, public_key="")
            signer.public_key = signer._kg(int(secret, 16), gm_sm2.default_ecc_table["g"])
        message = rng.randbytes(rng.randrange(0, 200))
        signature = None
        while signature is None:
            signature = signer.sign_with_sm3(message, f"{rng.randrange(1, n - 1):064x}")
        items.append((bytes.fromhex("04" + signer.public_key), message, bytes.fromhex(signature)))
    return items


def _gmssl_verdict(key: bytes, message: bytes, signature: bytes) -> bool:
    if len(key) != 65 or key[0] != 4 or len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32]), int.from_bytes(signature[32:])
    n = int(gm_sm2.default_ecc_table["n"], 16)
    if not (0 < r < n and 0 < s < n):
        return False
    verifier = gm_sm2.CryptSM2(private_key="", public_key=key[1:].hex())
    return bool(verifier.verify_with_sm3(signature.hex(), message))


def test_gmssl_signatures_with_random_corruptions_verdict_by_verdict() -> None:
    rng = random.Random(0x5302)
    items = []
    for key, message, signature in _gmssl_signatures(48, rng):
        match rng.randrange(4):
            case 0:
                at = rng.randrange(64)
                signature = signature[:at] + bytes([signature[at] ^ 1]) + signature[at + 1 :]
            case 1:
                message += b"\x00"
            case 2:
                at = rng.randrange(33, 65)
                key = key[:at] + bytes([key[at] ^ 2]) + key[at + 1 :]
        items.append((key, message, signature))
    expected = [_gmssl_verdict(*item) for item in items]
    assert 10 < sum(expected) < len(expected)
    keys, messages, signatures = (list(column) for column in zip(*items, strict=True))
    assert [sm2.verify(*item) for item in items] == expected
    assert sm2.verify_batch(keys, messages, signatures).tolist() == expected


def test_malformed_sm2_input_raises_naming_the_field() -> None:
    cases = _openssl_cases()
    key, message = unhex(cases[0]["public_key"]), unhex(cases[0]["message"])
    signature = unhex(cases[0]["signature_der"])
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.verify(key[:64], message, signature)
    assert error.value.field == "public_key"
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.verify_batch([key, key], [message, message], [signature, signature], ids=[b"x"] * 3)
    assert error.value.field == "ids"
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.verify(key, message, signature, id=bytes(8192))
    assert (error.value.field, error.value.index) == ("id", 0)
    off_curve = key[:-1] + bytes([key[-1] ^ 1])
    assert not sm2.verify(off_curve, message, signature)
    with pytest.raises(batchverify.MalformedInputError):
        sm2.za(off_curve)
    # A key that is not a point gets no table; a wrong length names the key.
    assert sm2.prepare_keys([key, off_curve]) == 1
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.prepare_keys([key, key[:64]])
    assert (error.value.field, error.value.index) == ("public_key", 1)
    # Prepared keys stay until released, once each; the rest were never prepared.
    assert sm2.release_keys([key, off_curve]) == 1
    assert sm2.release_keys([key]) == 0
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.release_keys([key[:64]])
    assert (error.value.field, error.value.index) == ("public_key", 0)


def test_a_64_byte_signature_that_is_also_der_needs_an_encoding() -> None:
    key = unhex(_openssl_cases()[0]["public_key"])
    der = bytes([0x30, 62, 0x02, 29]) + bytes([0x11] * 29) + bytes([0x02, 29]) + bytes([0x22] * 29)
    assert len(der) == 64
    with pytest.raises(batchverify.MalformedInputError) as error:
        sm2.verify(key, b"m", der)
    assert error.value.field == "signature"
    # In a batch it is never accepted, and fails nothing else.
    assert sm2.verify_batch([key, key], [b"m", b"m"], [bytes(64), der]).tolist() == [False, False]
    for encoding in ("compact", "der"):
        assert not sm2.verify(key, b"m", der, encoding=encoding)
    with pytest.raises(ValueError, match="encoding"):
        sm2.verify(key, b"m", der, encoding="p1363")  # type: ignore[arg-type]


def test_merkle_over_sm3() -> None:
    leaves = merkle.leaf_hashes([b"tx0", b"tx1", b"tx2"], flavor="fisco-bcos")
    assert [leaf.tobytes() for leaf in leaves] == [_gm_sm3(d) for d in (b"tx0", b"tx1", b"tx2")]
    pair = _gm_sm3(leaves[0].tobytes() + leaves[1].tobytes())
    expected = _gm_sm3(pair + _gm_sm3(leaves[2].tobytes()))
    assert merkle.root(leaves, flavor="fisco-bcos") == expected
    tree = merkle.Tree(leaves, flavor="rfc6962", hash="sm3")
    left = _gm_sm3(b"\x01" + leaves[0].tobytes() + leaves[1].tobytes())
    assert tree.root == _gm_sm3(b"\x01" + left + leaves[2].tobytes())
    assert tree.hash == "sm3"
    for index in range(3):
        proof = tree.proof(index)
        assert merkle.verify_proof(
            tree.root, leaves[index], index, proof, 3, flavor="rfc6962", hash="sm3"
        )
        assert not merkle.verify_proof(tree.root, leaves[index], index, proof, 3, flavor="rfc6962")
    with pytest.raises(ValueError, match="unknown hash"):
        merkle.root(leaves, flavor="rfc6962", hash="md5")  # type: ignore[arg-type]
