"""Threads, the GIL and pickling."""

from __future__ import annotations

import pickle
import random
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import batchverify
from batchverify import bls, ed25519, merkle, sha256


def signed_batch(count: int, seed: int) -> tuple[list[bytes], list[bytes], list[bytes]]:
    rng = random.Random(seed)
    signers = [ed25519.keypair(rng.randbytes(32)) for _ in range(16)]
    keys, messages, signatures = [], [], []
    for i in range(count):
        secret, public = signers[i % 16]
        message = rng.randbytes(40)
        keys.append(public)
        messages.append(message)
        signatures.append(ed25519.sign(secret, message if i % 5 else message + b"x"))
    return keys, messages, signatures


def test_many_threads_at_once_get_the_single_threaded_answers() -> None:
    batches = [signed_batch(400, seed) for seed in range(8)]
    expected = [ed25519.verify_batch(*batch) for batch in batches]
    leaves = [
        np.random.default_rng(seed).integers(0, 256, (5000, 32), np.uint8) for seed in range(8)
    ]
    roots = [merkle.root(leaf, flavor="rfc6962") for leaf in leaves]

    def work(i: int) -> tuple[np.ndarray, bytes]:
        return ed25519.verify_batch(*batches[i]), merkle.root(leaves[i], flavor="rfc6962")

    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            results = list(pool.map(work, range(8)))
            for i, (mask, root) in enumerate(results):
                assert np.array_equal(mask, expected[i])
                assert root == roots[i]


def test_the_gil_is_released_during_a_batch() -> None:
    """A Python thread makes progress while one large batch runs: with the GIL held for the
    whole call it could not run a single bytecode until the call returned."""
    keys, messages, signatures = signed_batch(4000, 1)
    keys, messages, signatures = keys * 8, messages * 8, signatures * 8
    started, progress, done = threading.Event(), [0], threading.Event()

    def count() -> None:
        started.set()
        while not done.is_set():
            progress[0] += 1

    counter = threading.Thread(target=count)
    counter.start()
    started.wait()
    before = progress[0]
    mask = ed25519.verify_batch(keys, messages, signatures)
    during = progress[0] - before
    done.set()
    counter.join()
    assert mask.sum() == len(mask) - len(mask) // 5
    assert during > 0


def test_writable_inputs_mutated_during_a_call_do_not_change_its_answer() -> None:
    """A numpy column another thread writes to while the batch runs without the GIL: the call
    answers for the contents it was given. Read in place (as before this was fixed), the flips
    made during the call reached the verifier and turned about half the verdicts false."""
    keys, messages, signatures = signed_batch(4000, 2)
    keys, messages, signatures = keys * 4, messages * 4, signatures * 4
    column = np.frombuffer(b"".join(signatures), np.uint8).reshape(-1, 64).copy()
    expected = ed25519.verify_batch(keys, messages, column.copy())
    go, done, flips = threading.Event(), threading.Event(), [0]

    def scribble() -> None:
        go.wait()
        while not done.is_set():
            np.bitwise_xor(column, 0xFF, out=column)
            flips[0] += 1

    writer = threading.Thread(target=scribble)
    writer.start()
    interval = sys.getswitchinterval()
    # The writer only gets the GIL once the call gives it up: after its inputs were taken.
    sys.setswitchinterval(1000)
    try:
        go.set()
        mask = ed25519.verify_batch(keys, messages, column)
    finally:
        done.set()
        sys.setswitchinterval(interval)
        writer.join()
    assert flips[0] > 0, "the writer never ran during the call"
    assert np.array_equal(mask, expected)


def test_module_functions_pickle_by_reference() -> None:
    for function in (
        ed25519.verify,
        ed25519.verify_batch,
        bls.verify_batch,
        bls.aggregate_verify,
        sha256.hash_many,
        merkle.root,
        merkle.verify_proofs,
        batchverify.info,
    ):
        assert pickle.loads(pickle.dumps(function)) is function


def test_trees_and_errors_pickle() -> None:
    leaves = [bytes([i]) * 32 for i in range(7)]
    tree = merkle.Tree(leaves, flavor="rfc6962")
    copy = pickle.loads(pickle.dumps(tree))
    assert (copy.root, len(copy), copy.flavor) == (tree.root, 7, "rfc6962")
    assert copy.proof(3) == tree.proof(3)
    error = batchverify.MalformedInputError("public_key at index 3: bad", 3, "public_key")
    copy_error = pickle.loads(pickle.dumps(error))
    assert (str(copy_error), copy_error.index, copy_error.field) == (str(error), 3, "public_key")
