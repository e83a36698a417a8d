"""Benchmarks of the Python module, each against its reference in the same run.

- The Python layer's overhead: every call through ``batchverify`` against the Rust API
  timed inside the same process on the same, already converted, inputs
  (``_native.bench_*``), runs interleaved so that machine noise hits both alike.
- ``ed25519.verify_batch`` against a loop over ``cryptography``'s
  ``Ed25519PublicKey.verify``, the loop spread over as many threads as rayon has.

    python python/benches/bench.py [--threads N] [--repeats R] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--threads", type=int, help="rayon threads (default: one per core)")
ARGS.add_argument("--repeats", type=int, default=9)
ARGS.add_argument("--json", help="write the rows here")


def elapsed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def interleaved(
    python: Callable[[], object], rust: Callable[[], Sequence[float]], repeats: int
) -> tuple[float, float]:
    """Medians of the Python call and of the Rust call, run alternately."""
    python(), rust()
    python_times: list[float] = []
    rust_times: list[float] = []
    for _ in range(repeats):
        python_times.append(elapsed(python))
        rust_times.extend(rust())
    return statistics.median(python_times), statistics.median(rust_times)


def main() -> None:
    args = ARGS.parse_args()
    if args.threads:
        os.environ["RAYON_NUM_THREADS"] = str(args.threads)

    import numpy as np
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    import batchverify
    from batchverify import _native, ed25519, merkle

    threads = batchverify.info()["threads"]
    rng = np.random.default_rng(2026)
    count = 10_000
    keys, messages, signatures = [], [], []
    for seed in rng.integers(0, 256, (count, 32), dtype=np.uint8):
        secret, public = ed25519.keypair(seed.tobytes())
        message = rng.integers(0, 256, 100, dtype=np.uint8).tobytes()
        keys.append(public)
        messages.append(message)
        signatures.append(ed25519.sign(secret, message))
    key_rows = np.frombuffer(b"".join(keys), np.uint8).reshape(count, 32)
    signature_rows = np.frombuffer(b"".join(signatures), np.uint8).reshape(count, 64)
    arrow_messages = pa.array(messages, type=pa.binary())
    leaves = rng.integers(0, 256, (1 << 20, 32), dtype=np.uint8)
    leaf_list = [row.tobytes() for row in leaves]

    rows: list[dict[str, Any]] = []

    def overhead(
        name: str, python: Callable[[], object], rust: Callable[[], Sequence[float]]
    ) -> None:
        py, native = interleaved(python, rust, args.repeats)
        rows.append(
            {
                "case": name,
                "python_ms": py * 1e3,
                "rust_ms": native * 1e3,
                "overhead_percent": (py / native - 1) * 100,
            }
        )

    overhead(
        "ed25519.verify_batch 10,000, lists of bytes",
        lambda: ed25519.verify_batch(keys, messages, signatures),
        lambda: _native.bench_ed25519_verify_batch(keys, messages, signatures, "zip215", 1),
    )
    arrow_column = (
        np.frombuffer(arrow_messages.buffers()[2], np.uint8),
        np.frombuffer(arrow_messages.buffers()[1], np.int32),
    )
    overhead(
        "ed25519.verify_batch 10,000, numpy keys/signatures + Arrow messages",
        lambda: ed25519.verify_batch(key_rows, arrow_messages, signature_rows),
        lambda: _native.bench_ed25519_verify_batch(
            key_rows, arrow_column, signature_rows, "zip215", 1
        ),
    )
    overhead(
        "merkle.root 2^20 leaves, numpy (n, 32)",
        lambda: merkle.root(leaves, flavor="bitcoin", backend="cpu"),
        lambda: _native.bench_merkle_root(leaves, "bitcoin", 1),
    )
    overhead(
        "merkle.root 2^20 leaves, list of bytes",
        lambda: merkle.root(leaf_list, flavor="bitcoin", backend="cpu"),
        lambda: _native.bench_merkle_root(leaves, "bitcoin", 1),
    )

    def cryptography_loop() -> None:
        def verify(start: int) -> None:
            for i in range(start, count, threads):
                Ed25519PublicKey.from_public_bytes(keys[i]).verify(signatures[i], messages[i])

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(verify, range(threads)))

    ours, peer = interleaved(
        lambda: ed25519.verify_batch(keys, messages, signatures),
        lambda: [elapsed(cryptography_loop)],
        max(3, args.repeats // 3),
    )
    peer_row = {
        "case": f"ed25519 10,000: verify_batch vs cryptography loop on {threads} threads",
        "batchverify_ms": ours * 1e3,
        "cryptography_ms": peer * 1e3,
        "ratio": peer / ours,
    }

    print(f"batchverify {batchverify.__version__}, {threads} rayon threads, {platform.processor()}")
    print(f"{'case':<70} {'python ms':>10} {'rust ms':>10} {'overhead':>9}")
    for row in rows:
        print(
            f"{row['case']:<70} {row['python_ms']:>10.2f} {row['rust_ms']:>10.2f} "
            f"{row['overhead_percent']:>8.1f}%"
        )
    print(
        f"{peer_row['case']}: {peer_row['batchverify_ms']:.1f} ms vs "
        f"{peer_row['cryptography_ms']:.1f} ms = {peer_row['ratio']:.1f}x"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"threads": threads, "overhead": rows, "peer": peer_row}, out, indent=1)


if __name__ == "__main__":
    main()
