"""Benchmarks of the Python module, each against its reference in the same run.

- The Python layer's overhead: every call through ``batchverify`` against the Rust API
  timed inside the same process on the same, already converted, inputs
  (``_native.bench_*``), runs interleaved so that machine noise hits both alike.
- ``ed25519.verify_batch`` against loops over ``cryptography``'s and PyNaCl's verify, the loops
  spread over as many Python threads as rayon has, in two regimes (the fairness rules of
  BENCHMARKS.md):

  - cold: every repeat verifies a fresh set of keys no side has seen; the peers build their
    key objects inside the timed loop, and our key cache has never held them;
  - warm: the same keys every repeat; our cache warm, the peers given key objects built
    outside the timed loop, as a node keeps them.

Every row reports the median and the spread (fastest to slowest) of its repeats.

    python python/benches/bench.py [--threads N] [--repeats R] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

ARGS = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ARGS.add_argument("--threads", type=int, help="rayon threads (default: one per core)")
ARGS.add_argument("--repeats", type=int, default=7)
ARGS.add_argument("--json", help="write the rows here")

SIGNATURES = 10_000
MESSAGE_BYTES = 100


def elapsed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def summary(seconds: Sequence[float]) -> dict[str, float]:
    """Median, fastest and slowest of the repeats, in milliseconds."""
    return {
        "median_ms": statistics.median(seconds) * 1e3,
        "min_ms": min(seconds) * 1e3,
        "max_ms": max(seconds) * 1e3,
    }


def machine(threads: int, repeats: int, info: dict[str, Any]) -> dict[str, Any]:
    """What a reader needs to trust or reproduce the run: date, commit, CPU, code paths,
    versions (``info`` is ``batchverify.info()``, which names features and paths but not the
    CPU model)."""
    cpu = platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in cpuinfo
                    if line.startswith("model name")
                ),
                cpu,
            )
    except OSError:
        pass
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown (not run from a git checkout)"
    packages = ("batchverify", "cryptography", "pynacl", "numpy", "pyarrow")
    return {
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "commit": commit,
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "threads": threads,
        "repeats": repeats,
        "cpu_features": info["cpu_features"],
        "code_paths": info["paths"],
        "python": platform.python_version(),
        "versions": {name: importlib.metadata.version(name) for name in packages},
    }


def spread(row: dict[str, float]) -> str:
    return f"{row['median_ms']:.1f} ms ({row['min_ms']:.1f}-{row['max_ms']:.1f})"


def main() -> None:
    args = ARGS.parse_args()
    if args.threads:
        os.environ["RAYON_NUM_THREADS"] = str(args.threads)

    import nacl.signing
    import numpy as np
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    import batchverify
    from batchverify import _native, ed25519, merkle

    threads = batchverify.info()["threads"]
    rng = np.random.default_rng(2026)

    def signatures() -> tuple[list[bytes], list[bytes], list[bytes]]:
        """SIGNATURES signatures by as many fresh keys over random messages."""
        keys, messages, sigs = [], [], []
        for seed in rng.integers(0, 256, (SIGNATURES, 32), dtype=np.uint8):
            secret, public = ed25519.keypair(seed.tobytes())
            message = rng.integers(0, 256, MESSAGE_BYTES, dtype=np.uint8).tobytes()
            keys.append(public)
            messages.append(message)
            sigs.append(ed25519.sign(secret, message))
        return keys, messages, sigs

    keys, messages, sigs = signatures()
    key_rows = np.frombuffer(b"".join(keys), np.uint8).reshape(SIGNATURES, 32)
    signature_rows = np.frombuffer(b"".join(sigs), np.uint8).reshape(SIGNATURES, 64)
    arrow_messages = pa.array(messages, type=pa.binary())
    leaves = rng.integers(0, 256, (1 << 20, 32), dtype=np.uint8)
    leaf_list = [row.tobytes() for row in leaves]

    overhead_rows: list[dict[str, Any]] = []

    def overhead(
        name: str, python: Callable[[], object], rust: Callable[[], Sequence[float]]
    ) -> None:
        python(), rust()
        python_times: list[float] = []
        rust_times: list[float] = []
        for _ in range(args.repeats):
            python_times.append(elapsed(python))
            rust_times.extend(rust())
        py, native = statistics.median(python_times), statistics.median(rust_times)
        overhead_rows.append(
            {
                "case": name,
                "python": summary(python_times),
                "rust": summary(rust_times),
                "overhead_percent": (py / native - 1) * 100,
            }
        )

    overhead(
        "ed25519.verify_batch 10,000, lists of bytes",
        lambda: ed25519.verify_batch(keys, messages, sigs),
        lambda: _native.bench_ed25519_verify_batch(keys, messages, sigs, "zip215", 1),
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
    for flavor in ("bitcoin", "ssz"):
        overhead(
            f"merkle.root 2^20 leaves, {flavor} flavor, numpy (n, 32)",
            partial(merkle.root, leaves, flavor=flavor, backend="cpu"),
            partial(_native.bench_merkle_root, leaves, flavor, 1),
        )
    overhead(
        "merkle.root 2^20 leaves, bitcoin flavor, list of bytes",
        lambda: merkle.root(leaf_list, flavor="bitcoin", backend="cpu"),
        lambda: _native.bench_merkle_root(leaves, "bitcoin", 1),
    )

    def on_threads(verify: Callable[[int], object]) -> None:
        """``verify(i)`` for every item, the items dealt round-robin to the threads."""

        def share(start: int) -> None:
            for i in range(start, SIGNATURES, threads):
                verify(i)

        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(share, range(threads)))

    def cryptography_cold(k: list[bytes], m: list[bytes], s: list[bytes]) -> None:
        on_threads(lambda i: Ed25519PublicKey.from_public_bytes(k[i]).verify(s[i], m[i]))

    def nacl_cold(k: list[bytes], m: list[bytes], s: list[bytes]) -> None:
        on_threads(lambda i: nacl.signing.VerifyKey(k[i]).verify(m[i], s[i]))

    parsed_cryptography = [Ed25519PublicKey.from_public_bytes(k) for k in keys]
    parsed_nacl = [nacl.signing.VerifyKey(k) for k in keys]

    def verify_all(k: list[bytes], m: list[bytes], s: list[bytes]) -> None:
        mask = ed25519.verify_batch(k, m, s)
        assert bool(mask.all()), "a benchmark that stops verifying measures nothing"

    cold_sets = [signatures() for _ in range(args.repeats)]
    times: dict[tuple[str, str], list[float]] = {}

    def timed(regime: str, name: str, call: Callable[[], object]) -> None:
        times.setdefault((regime, name), []).append(elapsed(call))

    verify_all(keys, messages, sigs)
    for cold in cold_sets:
        timed("cold", "batchverify", partial(verify_all, *cold))
        timed("cold", "cryptography", partial(cryptography_cold, *cold))
        timed("cold", "PyNaCl", partial(nacl_cold, *cold))
        # The cold sets pass through the process-wide key cache too and can evict the warm
        # keys; one untimed call puts them back.
        verify_all(keys, messages, sigs)
        timed("warm", "batchverify", partial(verify_all, keys, messages, sigs))
        timed(
            "warm",
            "cryptography",
            lambda: on_threads(lambda i: parsed_cryptography[i].verify(sigs[i], messages[i])),
        )
        timed(
            "warm",
            "PyNaCl",
            lambda: on_threads(lambda i: parsed_nacl[i].verify(messages[i], sigs[i])),
        )

    peer_rows: list[dict[str, Any]] = []
    for regime in ("cold", "warm"):
        ours = statistics.median(times[(regime, "batchverify")])
        for peer in ("cryptography", "PyNaCl"):
            peer_rows.append(
                {
                    "regime": regime,
                    "peer": peer,
                    "batchverify": summary(times[(regime, "batchverify")]),
                    "peer_time": summary(times[(regime, peer)]),
                    "ratio": statistics.median(times[(regime, peer)]) / ours,
                }
            )

    run = machine(threads, args.repeats, batchverify.info())
    print(
        f"batchverify {batchverify.__version__} ({run['commit']}, {run['date']}), "
        f"{run['cpu_model']}, {threads} rayon threads, {args.repeats} repeats: "
        "median (fastest-slowest)"
    )
    print(f"{'case':<66} {'python':>28} {'rust API':>28} {'overhead':>9}")
    for row in overhead_rows:
        print(
            f"{row['case']:<66} {spread(row['python']):>28} {spread(row['rust']):>28} "
            f"{row['overhead_percent']:>8.1f}%"
        )
    print(f"ed25519 {SIGNATURES:,} signatures, {MESSAGE_BYTES}-byte messages, {threads} threads:")
    for row in peer_rows:
        print(
            f"  {row['regime']}: batchverify {spread(row['batchverify'])} vs {row['peer']} "
            f"{spread(row['peer_time'])} = {row['ratio']:.1f}x"
        )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"machine": run, "overhead": overhead_rows, "peers": peer_rows},
                out,
                indent=1,
            )


if __name__ == "__main__":
    main()
