"""Ed25519 batches with bad items, through the Python module: issue 14's workload.

40,000 records signed by 64 repeated signers, Zip215, on rayon's threads; for each share of bad
items (a byte of S flipped, spread evenly) the median rate of ``ed25519.verify_batch`` over the
repeats. The rates at 10% bad and above are the single-verification rate (the batch then
verifies singly), which the 1% row is compared with; the 0.1% row is compared with the
all-valid one. Every call's invalid count is checked.

    python python/benches/failure_rates.py [--repeats R]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from batchverify import ed25519

RECORDS = 40_000
SIGNERS = 64
PERCENTS = (0.0, 0.1, 1.0, 10.0, 50.0, 100.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    repeats: int = parser.parse_args().repeats
    pairs = [ed25519.keypair(bytes([i + 1]) * 32) for i in range(SIGNERS)]
    messages = [os.urandom(100) for _ in range(RECORDS)]
    keys = [pairs[i % SIGNERS][1] for i in range(RECORDS)]
    signatures = [
        ed25519.sign(pairs[i % SIGNERS][0], message) for i, message in enumerate(messages)
    ]
    for percent in PERCENTS:
        bad = max(1, round(RECORDS * percent / 100)) if percent else 0
        corrupted = list(signatures)
        for j in range(bad):
            i = j * RECORDS // bad
            flipped = bytearray(corrupted[i])
            flipped[40] ^= 1
            corrupted[i] = bytes(flipped)
        seconds = []
        for _ in range(repeats):
            started = time.perf_counter()
            verdicts = ed25519.verify_batch(keys, messages, corrupted)
            seconds.append(time.perf_counter() - started)
            invalid = int((~verdicts).sum())
            if invalid != bad:
                raise SystemExit(f"{percent}% bad: {invalid} invalid verdicts, expected {bad}")
        rate = RECORDS / statistics.median(seconds)
        print(f"{percent:>5}% bad ({bad:>5} items): {rate:>10,.0f} signatures/s")


if __name__ == "__main__":
    main()
