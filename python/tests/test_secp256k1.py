"""secp256k1 from Python: the external vectors, and differential checks against independent
implementations: libsecp256k1 through coincurve (signing, recovery, BIP-340), OpenSSL through
cryptography (ECDSA verification, which accepts either half of s) and pycryptodome's
Keccak-256 (Ethereum addresses)."""

from __future__ import annotations

import hashlib
import random

import coincurve
import numpy as np
import pytest
from conftest import read_json, read_text, unhex
from Crypto.Hash import keccak
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import batchverify
from batchverify import secp256k1

N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _bip340() -> list[tuple[bytes, bytes, bytes, bool]]:
    rows = read_text("secp256k1/bip340-test-vectors.csv").splitlines()[1:]
    vectors = []
    for row in filter(None, rows):
        fields = row.split(",")
        vectors.append((unhex(fields[2]), unhex(fields[4]), unhex(fields[5]), fields[6] == "TRUE"))
    assert len(vectors) == 19
    return vectors


def test_bip340_vectors_single_and_in_a_batch() -> None:
    vectors = _bip340()
    for key, message, signature, valid in vectors:
        assert secp256k1.verify_schnorr(key, message, signature) is valid
    keys, messages, signatures, expected = (list(column) for column in zip(*vectors, strict=True))
    mask = secp256k1.verify_schnorr_batch(keys, messages, signatures)
    assert mask.tolist() == expected


@pytest.mark.parametrize(
    ("file", "rules"),
    [
        ("wycheproof_ecdsa_secp256k1_sha256_test.json", "plain"),
        ("wycheproof_ecdsa_secp256k1_sha256_bitcoin_test.json", "bitcoin"),
        ("wycheproof_ecdsa_secp256k1_sha256_p1363_test.json", "plain-compact"),
    ],
)
def test_wycheproof_files_under_their_rules(file: str, rules: secp256k1.Rules) -> None:
    data = read_json(f"secp256k1/{file}")
    keys, hashes_, signatures, expected = [], [], [], []
    for group in data["testGroups"]:
        key = unhex(group["publicKey"]["uncompressed"])
        for test in group["tests"]:
            assert test["result"] in ("valid", "invalid")
            digest = hashlib.sha256(unhex(test["msg"])).digest()
            signature = unhex(test["sig"])
            valid = test["result"] == "valid"
            if rules == "plain-compact" and len(signature) != 64:
                with pytest.raises(batchverify.MalformedInputError):
                    secp256k1.verify_ecdsa(key, digest, signature, rules=rules)
                assert not valid
                continue
            assert secp256k1.verify_ecdsa(key, digest, signature, rules=rules) is valid, test
            keys.append(key)
            hashes_.append(digest)
            signatures.append(signature)
            expected.append(valid)
    mask = secp256k1.verify_ecdsa_batch(keys, hashes_, signatures, rules=rules)
    assert mask.tolist() == expected


def test_go_ethereum_ecrecover_cases() -> None:
    for case in read_json("secp256k1/geth_ecRecover.json"):
        raw = unhex(case["Input"])
        digest, v_word, rs = raw[:32], raw[32:64], raw[64:128]
        v = int.from_bytes(v_word, "big")
        found = secp256k1.recover(digest, rs + bytes([v])) if v < 256 else None
        expected = unhex(case["Expected"])
        if expected:
            assert found is not None, case["Name"]
            assert found[0] == expected[12:]
        else:
            assert found is None, case["Name"]


def _address(uncompressed_key: bytes) -> bytes:
    digest = keccak.new(digest_bits=256)
    digest.update(uncompressed_key[1:])
    return digest.digest()[12:]


def test_ecdsa_against_openssl_with_corruptions_and_high_s_twins() -> None:
    rng = random.Random(1)
    keys, digests, signatures, expected_plain, expected_bitcoin = [], [], [], [], []
    for _ in range(2000):
        private = ec.derive_private_key(rng.randrange(1, N), ec.SECP256K1())
        public = private.public_key()
        point_format = rng.choice([PublicFormat.CompressedPoint, PublicFormat.UncompressedPoint])
        encoding = public.public_bytes(Encoding.X962, point_format)
        digest = rng.randbytes(32)
        der = private.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        r, s = utils.decode_dss_signature(der)
        roll = rng.random()
        if roll < 0.2:
            s = N - s
            der = utils.encode_dss_signature(r, s)
        elif roll < 0.5:
            corrupted = bytearray(der)
            corrupted[rng.randrange(len(corrupted))] ^= 1 << rng.randrange(8)
            der = bytes(corrupted)
        elif roll < 0.6:
            digest = bytes([digest[0] ^ 1]) + digest[1:]
        try:
            public.verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            openssl = True
        except InvalidSignature:
            openssl = False
        keys.append(encoding)
        digests.append(digest)
        signatures.append(der)
        expected_plain.append(openssl)
        try:
            low_s = utils.decode_dss_signature(der)[1] <= N // 2
        except ValueError:
            low_s = False
        expected_bitcoin.append(openssl and low_s)
    plain = secp256k1.verify_ecdsa_batch(keys, digests, signatures, rules="plain")
    bitcoin = secp256k1.verify_ecdsa_batch(keys, digests, signatures, rules="bitcoin")
    assert plain.tolist() == expected_plain
    assert bitcoin.tolist() == expected_bitcoin
    assert 0 < sum(expected_bitcoin) < sum(expected_plain) < len(keys)
    for i in range(0, len(keys), 97):
        assert (
            secp256k1.verify_ecdsa(keys[i], digests[i], signatures[i], rules="plain")
            is (expected_plain[i])
        )


def test_prepared_signers_verify_like_openssl() -> None:
    """Repeated signers whose tables were prepared: every verdict still OpenSSL's."""
    rng = random.Random(2)
    signers = [ec.derive_private_key(rng.randrange(1, N), ec.SECP256K1()) for _ in range(8)]
    encodings = [
        signer.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
        for signer in signers
    ]
    assert secp256k1.prepare_ecdsa_keys(encodings) == len(encodings)
    keys, digests, signatures, expected = [], [], [], []
    for i in range(400):
        signer = signers[i % len(signers)]
        digest = rng.randbytes(32)
        der = signer.sign(digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
        r, s = utils.decode_dss_signature(der)
        if s > N // 2:
            der = utils.encode_dss_signature(r, N - s)
        if i % 5 == 0:
            digest = bytes([digest[0] ^ 1]) + digest[1:]
        try:
            signer.public_key().verify(der, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
            openssl = True
        except InvalidSignature:
            openssl = False
        keys.append(encodings[i % len(signers)])
        digests.append(digest)
        signatures.append(der)
        expected.append(openssl)
    assert secp256k1.verify_ecdsa_batch(keys, digests, signatures).tolist() == expected
    assert 0 < sum(expected) < len(expected)
    # A key that is not a point gets no table, as verify_ecdsa gives it a False verdict.
    assert not secp256k1.verify_ecdsa(b"\x04" + bytes(64), digests[0], signatures[0])
    assert secp256k1.prepare_ecdsa_keys([encodings[0], b"\x04" + bytes(64)]) == 1
    with pytest.raises(batchverify.MalformedInputError, match="public_key at index 1"):
        secp256k1.prepare_ecdsa_keys([encodings[0], b"\x04" + bytes(63)])
    # Prepared keys stay until released, once each; the rest were never prepared.
    assert secp256k1.release_ecdsa_keys([encodings[0], b"\x04" + bytes(64)]) == 1
    assert secp256k1.release_ecdsa_keys([encodings[0]]) == 0
    with pytest.raises(batchverify.MalformedInputError, match="public_key at index 0"):
        secp256k1.release_ecdsa_keys([b"\x04" + bytes(63)])


def test_ethereum_rules_and_recovery_against_coincurve() -> None:
    rng = random.Random(2)
    digests, signatures65, keys, compact, expected_keys = [], [], [], [], []
    for _ in range(1000):
        private = coincurve.PrivateKey(rng.randbytes(32))
        digest = rng.randbytes(32)
        signature = bytearray(private.sign_recoverable(digest, hasher=None))
        if rng.random() < 0.3:
            signature[rng.randrange(64)] ^= 1 << rng.randrange(8)
        signature[64] += 27 * rng.randrange(2)
        try:
            expected = coincurve.PublicKey.from_signature_and_message(
                bytes(signature[:64]) + bytes([signature[64] % 27]), digest, hasher=None
            ).format(compressed=False)
        except Exception:
            expected = None
        digests.append(digest)
        signatures65.append(bytes(signature))
        keys.append(private.public_key.format(compressed=False))
        compact.append(bytes(signature[:64]))
        expected_keys.append(expected)
    addresses, mask = secp256k1.recover_batch(digests, signatures65)
    assert addresses.shape == (1000, 20)
    assert mask.tolist() == [key is not None for key in expected_keys]
    for i, key in enumerate(expected_keys):
        single = secp256k1.recover(digests[i], signatures65[i])
        if key is None:
            assert single is None
            assert not addresses[i].any()
        else:
            assert single is not None
            assert single[1] == key
            assert single[0] == addresses[i].tobytes() == _address(key)
    verdicts = secp256k1.verify_ecdsa_batch(
        np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 65),
        b"".join(digests),
        b"".join(compact),
        rules="ethereum",
    )
    for i, verdict in enumerate(verdicts):
        r, s = (int.from_bytes(half, "big") for half in (compact[i][:32], compact[i][32:]))
        # libsecp256k1 accepts only the low-S half, as EIP-2 does.
        der = utils.encode_dss_signature(r, s)
        assert verdict == coincurve.PublicKey(keys[i]).verify(der, digests[i], hasher=None), i


def test_schnorr_batches_against_coincurve_find_exactly_the_corrupted_items() -> None:
    rng = random.Random(3)
    for size, bad_share in [(1, 0.0), (7, 0.5), (1200, 0.002), (600, 0.02), (300, 0.0), (64, 1.0)]:
        keys, messages, signatures, expected = [], [], [], []
        signers = [coincurve.PrivateKey(rng.randbytes(32)) for _ in range(min(size, 20))]
        for _ in range(size):
            private = rng.choice(signers)
            # coincurve signs 32-byte messages only; the BIP-340 vectors cover other lengths.
            message = rng.randbytes(32)
            signature = bytearray(private.sign_schnorr(message, rng.randbytes(32)))
            key = coincurve.PublicKeyXOnly.from_secret(private.secret).format()
            if rng.random() < bad_share:
                signature[rng.randrange(64)] ^= 1 << rng.randrange(8)
            keys.append(key)
            messages.append(message)
            signatures.append(bytes(signature))
            expected.append(coincurve.PublicKeyXOnly(key).verify(bytes(signature), message))
        mask = secp256k1.verify_schnorr_batch(keys, messages, signatures)
        assert mask.tolist() == expected, (size, bad_share)
        packed = secp256k1.verify_schnorr_batch(
            np.frombuffer(b"".join(keys), dtype=np.uint8).reshape(-1, 32),
            messages,
            b"".join(signatures),
        )
        assert packed.tolist() == expected


def test_malformed_input_names_the_item_and_field() -> None:
    key = coincurve.PrivateKey(bytes(31) + b"\x01").public_key.format()
    with pytest.raises(batchverify.MalformedInputError, match="public_key at index 1") as error:
        secp256k1.verify_ecdsa_batch([key, key[:32]], [bytes(32)] * 2, [b"\x30"] * 2)
    assert error.value.index == 1
    assert error.value.field == "public_key"
    with pytest.raises(batchverify.MalformedInputError, match="message_hash"):
        secp256k1.verify_ecdsa(key, bytes(31), b"\x30")
    with pytest.raises(batchverify.MalformedInputError, match="signature"):
        secp256k1.recover(bytes(32), bytes(64))
    with pytest.raises(batchverify.MalformedInputError, match="signature at index 0"):
        secp256k1.verify_schnorr_batch([bytes(32)], [b""], [bytes(63)])
    assert secp256k1.recover(bytes(32), bytes(64) + b"\x05") is None
    assert secp256k1.verify_ecdsa(key, bytes(32), b"") is False
    assert secp256k1.verify_schnorr(bytes(32), b"", bytes(64)) is False
    with pytest.raises(ValueError, match="unknown ECDSA rules"):
        secp256k1.verify_ecdsa(key, bytes(32), b"", rules="p256")  # type: ignore[arg-type]
