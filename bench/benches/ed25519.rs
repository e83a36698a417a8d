//! The `ed25519` suite of the benchmark harness (`batchverify-bench`) under criterion:
//! `cargo bench -p batchverify-bench --bench ed25519` (filter with e.g. `-- 'ed25519/batch-size'`).
//! The same specs, inputs and peers as `batchverify bench --suite ed25519`.

mod common;

use batchverify_bench::Suite;
use criterion::{criterion_group, criterion_main, Criterion};

fn ed25519(c: &mut Criterion) {
    common::run_suite(c, Suite::Ed25519);
}

criterion_group!(benches, ed25519);
criterion_main!(benches);
