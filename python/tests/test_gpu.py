"""The GPU backend through Python, on whatever adapter wgpu finds (lavapipe in CI): the same
roots and digests as the CPU, and a report that says the GPU computed them."""

from __future__ import annotations

import os

import numpy as np
import pytest

import batchverify
from batchverify import merkle, sha256


@pytest.fixture(scope="module", autouse=True)
def adapter() -> None:
    if not batchverify.info()["gpu_adapters"]:
        message = "no GPU adapter (install mesa-vulkan-drivers for lavapipe)"
        if os.environ.get("BATCHVERIFY_REQUIRE_GPU") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.mark.parametrize("flavor", ["bitcoin", "rfc6962", "ssz"])
@pytest.mark.parametrize("size", [1, 2, 3, 255, 256, 257, 5000])
def test_gpu_roots_equal_cpu_roots(flavor: merkle.Flavor, size: int) -> None:
    leaves = np.random.default_rng(size).integers(0, 256, (size, 32), dtype=np.uint8)
    report = merkle.root_report(leaves, flavor=flavor, backend="gpu")
    assert report["backend"] == "gpu", report["fallback"]
    assert report["adapter"]
    assert report["root"] == merkle.root(leaves, flavor=flavor, backend="cpu")
    tree = merkle.Tree(leaves, flavor=flavor, backend="gpu")
    assert tree.root == report["root"]


def test_gpu_hashes_equal_cpu_hashes() -> None:
    messages = np.random.default_rng(9).integers(0, 256, (1000, 80), dtype=np.uint8)
    assert np.array_equal(
        sha256.hash_many(messages, backend="gpu"), sha256.hash_many(messages, backend="cpu")
    )


def test_auto_stays_on_the_cpu_for_small_inputs() -> None:
    report = merkle.root_report([bytes(32)] * 4, backend="auto")
    assert (report["backend"], report["fallback"]) == ("cpu", None)
