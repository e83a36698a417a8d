"""Verify a partitioned dataset of Ed25519 signatures on a Dask cluster.

Each partition (a pandas DataFrame with ``public_key``, ``message`` and ``signature`` columns
of Arrow binary) is verified by ``batchverify.ed25519.verify_batch`` inside a worker process; the
result is one boolean ``valid`` column. Run it as a script to verify a synthetic dataset on a
local cluster of worker processes::

    python examples/dask_verify.py --rows 20000 --partitions 8 --workers 2
"""

from __future__ import annotations

import argparse
import random

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pyarrow as pa
from distributed import Client, LocalCluster

import batchverify


def verify_partition(partition: pd.DataFrame, policy: batchverify.ed25519.Policy) -> pd.Series:
    """The verdict of every row of one partition, as a bool Series with the partition's index."""
    mask = batchverify.ed25519.verify_batch(
        partition["public_key"], partition["message"], partition["signature"], policy=policy
    )
    return pd.Series(mask, index=partition.index, name="valid")


def verify(frame: dd.DataFrame, policy: batchverify.ed25519.Policy = "zip215") -> dd.Series:
    """The lazily computed ``valid`` column of a Dask DataFrame of signatures."""
    return frame.map_partitions(verify_partition, policy, meta=pd.Series(dtype=bool, name="valid"))


def synthetic(rows: int, seed: int = 0, bad_every: int = 10) -> pd.DataFrame:
    """``rows`` signatures by 64 signers; every ``bad_every``-th message is altered after
    signing, so its signature must not verify."""
    rng = random.Random(seed)
    signers = [batchverify.ed25519.keypair(rng.randbytes(32)) for _ in range(64)]
    keys, messages, signatures = [], [], []
    for row in range(rows):
        secret, public = signers[row % len(signers)]
        message = rng.randbytes(rng.randrange(32, 256))
        signature = batchverify.ed25519.sign(secret, message)
        if row % bad_every == bad_every - 1:
            message = message[::-1] + b"altered"
        keys.append(public)
        messages.append(message)
        signatures.append(signature)
    # Arrow binary columns: batchverify reads them in place, and Dask keeps them as bytes
    # (it would convert plain object columns of bytes to strings).
    binary = pd.ArrowDtype(pa.binary())
    return pd.DataFrame(
        {
            "public_key": pd.Series(keys, dtype=binary),
            "message": pd.Series(messages, dtype=binary),
            "signature": pd.Series(signatures, dtype=binary),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    table = synthetic(args.rows)
    frame = dd.from_pandas(table, npartitions=args.partitions)
    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster,
        Client(cluster),
    ):
        valid = verify(frame).compute()
    local = batchverify.ed25519.verify_batch(
        table["public_key"], table["message"], table["signature"]
    )
    assert np.array_equal(valid.to_numpy(), local), "cluster and local verdicts differ"
    print(f"{int(valid.sum())} of {len(valid)} signatures valid; cluster == single process")


if __name__ == "__main__":
    main()
