//! Timings of the Rust API on inputs already converted, for `python/bench.py`: the same
//! process, thread pool and memory as the Python calls it compares them with, so the ratio is
//! the Python layer's overhead and nothing else.

use std::time::Instant;

use batchverify::ed25519::{Policy, Verifier};
use batchverify::merkle::{Flavor, Merkle};
use pyo3::prelude::*;

use crate::columns::Column;

fn seconds<T>(repeats: usize, mut run: impl FnMut() -> T) -> Vec<f64> {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(run());
            start.elapsed().as_secs_f64()
        })
        .collect()
}

/// Seconds per `ed25519::Verifier::verify_batch` call, `repeats` times.
#[pyfunction]
pub fn bench_ed25519_verify_batch(
    py: Python<'_>,
    public_keys: &Bound<'_, PyAny>,
    messages: &Bound<'_, PyAny>,
    signatures: &Bound<'_, PyAny>,
    policy: &str,
    repeats: usize,
) -> PyResult<Vec<f64>> {
    let policy: Policy = crate::option(policy)?;
    let [public_keys, messages, signatures] =
        crate::ed25519::batch_columns(public_keys, messages, signatures)?;
    let (public_keys, messages, signatures) =
        (public_keys.slices(), messages.slices(), signatures.slices());
    let verifier = Verifier::new(policy);
    Ok(py.detach(|| {
        seconds(repeats, || {
            verifier.verify_batch(&public_keys, &messages, &signatures)
        })
    }))
}

/// Seconds per `merkle::Merkle::root` call (CPU), `repeats` times.
#[pyfunction]
pub fn bench_merkle_root(
    py: Python<'_>,
    leaf_hashes: &Bound<'_, PyAny>,
    flavor: &str,
    repeats: usize,
) -> PyResult<Vec<f64>> {
    let flavor: Flavor = crate::option(flavor)?;
    let leaves = Column::extract(leaf_hashes, "leaf_hashes", Some(32))?;
    let leaves = leaves.digests("leaf_hashes")?;
    let merkle = Merkle::new(flavor).with_backend(batchverify::Backend::Cpu);
    Ok(py.detach(|| seconds(repeats, || merkle.root(&leaves))))
}
