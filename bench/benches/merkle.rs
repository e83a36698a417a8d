//! The `merkle` suite of the benchmark harness (`batchverify-bench`) under criterion:
//! `cargo bench -p batchverify-bench --bench merkle` (filter with e.g. `-- 'merkle/batch-size'`).
//! The same specs, inputs and peers as `batchverify bench --suite merkle`.

mod common;

use batchverify_bench::Suite;
use criterion::{criterion_group, criterion_main, Criterion};

fn merkle(c: &mut Criterion) {
    common::run_suite(c, Suite::Merkle);
}

criterion_group!(benches, merkle);
criterion_main!(benches);
