"""The Dask example on a real LocalCluster of worker processes: its mask equals the mask of
one ``verify_batch`` call in this process."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import dask_verify  # noqa: E402

import batchverify  # noqa: E402


def test_local_cluster_of_processes_matches_single_process() -> None:
    table = dask_verify.synthetic(3000, seed=42, bad_every=7)
    frame = dd.from_pandas(table, npartitions=6)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        valid = dask_verify.verify(frame).compute()
        workers = client.run(lambda: __import__("os").getpid())
    assert len(workers) == 2
    expected = batchverify.ed25519.verify_batch(
        table["public_key"], table["message"], table["signature"]
    )
    assert valid.dtype == bool
    assert np.array_equal(valid.to_numpy(), expected)
    assert int((~expected).sum()) == 3000 // 7
