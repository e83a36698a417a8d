"""The Ethereum consensus BLS tests (v0.1.2, all 98 cases) through Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import unhex, vectors_dir

import batchverify
from batchverify import bls

Check = Callable[[str, Any, Any], None]


def run(handler: str, check: Check) -> int:
    import json

    directory = vectors_dir() / "eth-bls12-381-tests-v0.1.2" / handler
    files = sorted(directory.glob("*.json"))
    for path in files:
        case = json.loads(path.read_text())
        check(path.name, case["input"], case["output"])
    return len(files)


def fails(call: Callable[[], object]) -> bool:
    """Whether ``call`` is refused: ``False`` or an error that names what is wrong."""
    try:
        return call() is False
    except batchverify.MalformedInputError as error:
        return bool(error.field)


def sign(name: str, given: Any, output: Any) -> None:
    secret, message = unhex(given["privkey"]), unhex(given["message"])
    if output is None:
        with pytest.raises(batchverify.MalformedInputError) as raised:
            bls.sign(secret, message)
        assert raised.value.field == "secret_key", name
    else:
        assert bls.sign(secret, message) == unhex(output), name


def verify(name: str, given: Any, output: Any) -> None:
    args = (unhex(given["pubkey"]), unhex(given["message"]), unhex(given["signature"]))
    assert (not fails(lambda: bls.verify(*args))) == output, name


def aggregate(name: str, given: Any, output: Any) -> None:
    signatures = [unhex(s) for s in given]
    if output is None:
        with pytest.raises(batchverify.MalformedInputError):
            bls.aggregate_signatures(signatures)
    else:
        assert bls.aggregate_signatures(signatures) == unhex(output), name


def aggregate_verify(name: str, given: Any, output: Any) -> None:
    keys = [unhex(k) for k in given["pubkeys"]]
    messages = [unhex(m) for m in given["messages"]]
    signature = unhex(given["signature"])
    assert (not fails(lambda: bls.aggregate_verify(keys, messages, signature))) == output, name


def fast_aggregate_verify(name: str, given: Any, output: Any) -> None:
    keys = [unhex(k) for k in given["pubkeys"]]
    message, signature = unhex(given["message"]), unhex(given["signature"])
    verdict = not fails(lambda: bls.fast_aggregate_verify(keys, message, signature))
    assert verdict == output, name


def batch_verify(name: str, given: Any, output: Any) -> None:
    keys = [unhex(k) for k in given["pubkeys"]]
    messages = [unhex(m) for m in given["messages"]]
    signatures = [unhex(s) for s in given["signatures"]]
    mask = bls.verify_batch(keys, messages, signatures)
    assert bool(mask.all()) == output, name
    singles = [bls.verify(*item) for item in zip(keys, messages, signatures, strict=True)]
    assert mask.tolist() == singles, name


def deserialization(field: str) -> Check:
    def check(name: str, given: Any, output: Any) -> None:
        point = bytes.fromhex(given[field])
        decode = bls.deserialize_public_key if field == "pubkey" else bls.deserialize_signature
        if output:
            decode(point)
        else:
            with pytest.raises(batchverify.MalformedInputError) as raised:
                decode(point)
            assert raised.value.field == ("public_key" if field == "pubkey" else "signature")

    return check


def test_all_98_ethereum_cases() -> None:
    total = sum(
        run(handler, check)
        for handler, check in [
            ("sign", sign),
            ("verify", verify),
            ("aggregate", aggregate),
            ("aggregate_verify", aggregate_verify),
            ("fast_aggregate_verify", fast_aggregate_verify),
            ("batch_verify", batch_verify),
            ("deserialization_G1", deserialization("pubkey")),
            ("deserialization_G2", deserialization("signature")),
        ]
    )
    hash_to_g2 = len(list((vectors_dir() / "eth-bls12-381-tests-v0.1.2/hash_to_G2").glob("*")))
    # hash_to_G2 has no Python API (the Rust suite checks those 5 cases and RFC 9380's).
    assert total + hash_to_g2 == 98
