"""SHA-256 and Merkle conformance vectors through Python: NIST CAVP, RFC 6962 (reference tree,
inclusion and consistency proofs) and real Bitcoin blocks."""

from __future__ import annotations

import base64
import json
import re

import pytest
from conftest import read_json, read_text, unhex, vectors_dir

from batchverify import merkle, sha256


def nist(name: str) -> list[tuple[bytes, bytes]]:
    text = read_text(f"nist-cavp-sha256/{name}")
    cases = []
    for length, message, digest in re.findall(
        r"Len = (\d+)\s+Msg = ([0-9a-f]+)\s+MD = ([0-9a-f]+)", text
    ):
        data = unhex(message)[: int(length) // 8]
        cases.append((data, unhex(digest)))
    return cases


@pytest.mark.parametrize(("name", "count"), [("SHA256ShortMsg.rsp", 65), ("SHA256LongMsg.rsp", 64)])
def test_nist_messages(name: str, count: int) -> None:
    cases = nist(name)
    assert len(cases) == count
    digests = sha256.hash_many([message for message, _ in cases])
    assert [bytes(row) for row in digests] == [digest for _, digest in cases]


def test_nist_monte_carlo() -> None:
    text = read_text("nist-cavp-sha256/SHA256Monte.rsp")
    seed = unhex(re.search(r"Seed = ([0-9a-f]+)", text).group(1))  # type: ignore[union-attr]
    checkpoints = [unhex(md) for md in re.findall(r"MD = ([0-9a-f]+)", text)]
    assert len(checkpoints) == 100
    for expected in checkpoints:
        md = [seed, seed, seed]
        for _ in range(1000):
            md.append(bytes(sha256.hash_many([md[-3] + md[-2] + md[-1]])[0]))
        seed = md[-1]
        assert seed == expected


def test_rfc6962_reference_tree() -> None:
    data = read_json("ct-rfc6962/reference_tree_8_leaves.json")
    leaves = [unhex(leaf) for leaf in data["leaf_inputs_hex"]]
    hashes = merkle.leaf_hashes(leaves, flavor="rfc6962")
    assert [bytes(h).hex() for h in hashes] == data["node_hashes_by_level_hex"][0]
    roots = data["root_hash_by_tree_size_hex"]
    assert len(roots) == 9
    for size, root in enumerate(roots):
        assert merkle.root(hashes[:size], flavor="rfc6962").hex() == root
        tree = merkle.Tree(hashes[:size], flavor="rfc6962")
        assert tree.root.hex() == root
        assert len(tree) == size


def ct_cases(kind: str) -> list[dict[str, object]]:
    files = sorted((vectors_dir() / "ct-rfc6962" / kind).rglob("*.json"))
    return [json.loads(path.read_text()) for path in files]


def b64(value: object) -> bytes:
    return base64.b64decode(value) if isinstance(value, str) else b""


def test_rfc6962_inclusion_proofs() -> None:
    cases = ct_cases("inclusion")
    assert len(cases) == 98
    verdicts = [
        merkle.verify_proof(
            b64(case["root"]),
            b64(case["leafHash"]),
            int(case["leafIdx"]),  # type: ignore[call-overload]
            [b64(p) for p in case["proof"] or []],  # type: ignore[attr-defined]
            int(case["treeSize"]),  # type: ignore[call-overload]
            flavor="rfc6962",
        )
        for case in cases
    ]
    assert verdicts == [not case["wantErr"] for case in cases]
    assert sum(verdicts) == 6


def test_rfc6962_consistency_proofs() -> None:
    cases = ct_cases("consistency")
    assert len(cases) == 98
    verdicts = [
        merkle.verify_consistency(
            int(case["size1"]),  # type: ignore[call-overload]
            int(case["size2"]),  # type: ignore[call-overload]
            b64(case["root1"]),
            b64(case["root2"]),
            [b64(p) for p in case["proof"] or []],  # type: ignore[attr-defined]
        )
        for case in cases
    ]
    assert verdicts == [not case["wantErr"] for case in cases]
    assert sum(verdicts) == 6


def bitcoin_blocks() -> list[tuple[list[bytes], bytes]]:
    blocks = []
    for block in read_json("bitcoin-blocks/blocks.json"):
        lines = read_text(f"bitcoin-blocks/{block['txids_file']}").split()
        txids = [unhex(line)[::-1] for line in lines]
        assert len(txids) == block["n_tx"]
        blocks.append((txids, unhex(block["merkle_root_header_internal_hex"])))
    assert len(blocks) == 3
    return blocks


def test_bitcoin_blocks_roots_proofs_and_mutated_twins() -> None:
    for txids, header_root in bitcoin_blocks():
        assert merkle.bitcoin_root(txids) == (header_root, False)
        assert merkle.root(txids, flavor="bitcoin") == header_root
        tree = merkle.Tree(txids, flavor="bitcoin")
        for index, txid in enumerate(txids):
            proof = tree.proof(index)
            assert merkle.verify_proof(header_root, txid, index, proof, len(txids))
        proofs = [tree.proof(i) for i in range(len(txids))]
        mask = merkle.verify_proofs(header_root, txids, range(len(txids)), proofs, len(txids))
        assert mask.all()
        if len(txids) % 2 == 1:
            assert merkle.bitcoin_root([*txids, txids[-1]]) == (header_root, True)
