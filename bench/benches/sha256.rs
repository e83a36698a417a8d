//! The `sha256` suite of the benchmark harness (`batchverify-bench`) under criterion:
//! `cargo bench -p batchverify-bench --bench sha256` (filter with e.g. `-- 'sha256/batch-size'`).
//! The same specs, inputs and peers as `batchverify bench --suite sha256`.

mod common;

use batchverify_bench::Suite;
use criterion::{criterion_group, criterion_main, Criterion};

fn sha256(c: &mut Criterion) {
    common::run_suite(c, Suite::Sha256);
}

criterion_group!(benches, sha256);
criterion_main!(benches);
