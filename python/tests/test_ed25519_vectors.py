"""Ed25519 conformance vectors through Python: every case verified one at a time and in one
batch (both must give the expected verdict), under the policy each corpus is about."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from conftest import read_json, read_text, unhex

from batchverify import MalformedInputError, ed25519


@dataclass
class Case:
    name: str
    public_key: bytes
    message: bytes
    signature: bytes
    valid: bool


def well_formed(case: Case) -> bool:
    return len(case.public_key) == 32 and len(case.signature) == 64


def check(cases: list[Case], policy: ed25519.Policy) -> None:
    """Single verdicts, then one batch of the well-formed cases; a case whose key or signature
    has the wrong length must be an invalid one, and raises naming the field."""
    wrong = []
    for case in cases:
        if not well_formed(case):
            assert not case.valid, case.name
            with pytest.raises(MalformedInputError) as raised:
                ed25519.verify(case.public_key, case.message, case.signature, policy=policy)
            assert raised.value.field in ("public_key", "signature")
            continue
        verdict = ed25519.verify(case.public_key, case.message, case.signature, policy=policy)
        if verdict != case.valid:
            wrong.append(case.name)
    assert not wrong, f"single verdicts differ from the vectors: {wrong[:10]}"
    batch = [c for c in cases if well_formed(c)]
    mask = ed25519.verify_batch(
        [c.public_key for c in batch],
        [c.message for c in batch],
        [c.signature for c in batch],
        policy=policy,
    )
    assert mask.dtype == np.bool_
    assert mask.tolist() == [c.valid for c in batch]


def sign_input() -> list[Case]:
    cases = []
    for line, row in enumerate(read_text("ed25519-sign-input/sign.input").splitlines()):
        fields = row.split(":")
        cases.append(
            Case(
                f"sign.input line {line + 1}",
                unhex(fields[1]),
                unhex(fields[2]),
                unhex(fields[3])[:64],
                True,
            )
        )
    assert len(cases) == 1024
    return cases


@pytest.mark.parametrize("policy", ["zip215", "strict"])
def test_sign_input_verifies_under_both_policies(policy: ed25519.Policy) -> None:
    check(sign_input(), policy)


def test_sign_input_signatures_and_keys_are_reproduced() -> None:
    for row in read_text("ed25519-sign-input/sign.input").splitlines():
        fields = row.split(":")
        secret_and_public = unhex(fields[0])
        message = unhex(fields[2])
        secret, public = ed25519.keypair(secret_and_public[:32])
        assert public == unhex(fields[1])
        assert secret == secret_and_public[:32]
        assert ed25519.sign(secret, message) == unhex(fields[3])[:64]


def wycheproof() -> list[Case]:
    data = read_json("wycheproof/ed25519_test.json")
    cases = [
        Case(
            f"wycheproof {test['tcId']} {test['comment']}",
            unhex(group["publicKey"]["pk"]),
            unhex(test["msg"]),
            unhex(test["sig"]),
            test["result"] == "valid",
        )
        for group in data["testGroups"]
        for test in group["tests"]
    ]
    assert len(cases) == 151
    assert sum(c.valid for c in cases) == 88
    return cases


# R = 0100..0080 is "x = -0", a non-canonical encoding of the identity. RFC 8032 decoding (and
# Wycheproof) rejects it; ZIP-215 accepts every non-canonical encoding and the signature
# satisfies the equation, so under ZIP-215 that one case (tcId 151) is valid.
X_MINUS_ZERO_IDENTITY = bytes([1] + [0] * 30 + [0x80])


def test_wycheproof_strict() -> None:
    check(wycheproof(), "strict")


def test_wycheproof_zip215() -> None:
    cases = wycheproof()
    flipped = [c for c in cases if c.signature[:32] == X_MINUS_ZERO_IDENTITY]
    assert len(flipped) == 1
    flipped[0].valid = True
    check(cases, "zip215")


def test_zip215_cases_hold_under_zip215_and_fail_under_strict() -> None:
    data = read_json("zip215/zip215.json")
    assert len(data) == 196

    def cases(valid: bool) -> list[Case]:
        return [
            Case(f"zip215 {i}", unhex(c["vk_bytes"]), b"Zcash", unhex(c["sig_bytes"]), valid)
            for i, c in enumerate(data)
        ]

    check(cases(True), "zip215")
    check(cases(False), "strict")


SPECCHECK_ROWS = {"zip215": "V V V V V V X X X V V V", "strict": "X X X V X X X X X X X X"}
SPECCHECK_TABLE_ROWS = {"zip215": "Zebra", "strict": "Dalek strict"}


@pytest.mark.parametrize("policy", ["zip215", "strict"])
def test_speccheck_row(policy: ed25519.Policy) -> None:
    table = read_text("ed25519-speccheck/results.md")
    row = next(
        line
        for line in table.splitlines()
        if line.split("|")[1:2] and line.split("|")[1].strip() == SPECCHECK_TABLE_ROWS[policy]
    )
    published = " ".join(cell.strip() for cell in row.split("|")[2:] if cell.strip())
    assert published == SPECCHECK_ROWS[policy]
    verdicts = SPECCHECK_ROWS[policy].split()
    data = read_json("ed25519-speccheck/cases.json")
    cases = [
        Case(
            f"speccheck {i}",
            unhex(c["pub_key"]),
            unhex(c["message"]),
            unhex(c["signature"]),
            verdicts[i] == "V",
        )
        for i, c in enumerate(data)
    ]
    check(cases, policy)


def zip215_accepts_cctv(flags: list[str] | None) -> bool:
    flags = flags or []
    return "reencoded_k" not in flags or "low_order_A" in flags


@pytest.mark.parametrize("policy", ["zip215", "strict"])
def test_cctv(policy: ed25519.Policy) -> None:
    data = read_json("cctv-ed25519/ed25519vectors.json")
    firedancer = read_json("firedancer-ed25519/cctv_expectations.extracted.json")
    assert len(data) == 914
    assert sum(row["firedancer_ok"] for row in firedancer) == 43
    cases = []
    for i, case in enumerate(data):
        assert case["number"] == i
        assert firedancer[i]["number"] == i
        valid = (
            zip215_accepts_cctv(case["flags"])
            if policy == "zip215"
            else firedancer[i]["firedancer_ok"]
        )
        cases.append(
            Case(
                f"cctv {i} {case['flags']}",
                unhex(case["key"]),
                case["msg"].encode(),
                unhex(case["sig"]),
                valid,
            )
        )
    check(cases, policy)
