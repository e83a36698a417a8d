//! The `bls` suite of the benchmark harness (`batchverify-bench`) under criterion:
//! `cargo bench -p batchverify-bench --bench bls` (filter with e.g. `-- 'bls/batch-size'`).
//! The same specs, inputs and peers as `batchverify bench --suite bls`.

mod common;

use batchverify_bench::Suite;
use criterion::{criterion_group, criterion_main, Criterion};

fn bls(c: &mut Criterion) {
    common::run_suite(c, Suite::Bls);
}

criterion_group!(benches, bls);
criterion_main!(benches);
