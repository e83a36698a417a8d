//! The `secp256k1` suite of the benchmark harness (`batchverify-bench`) under criterion:
//! `cargo bench -p batchverify-bench --bench secp256k1` (filter with e.g.
//! `-- 'secp256k1/batch-size'`).
//! The same specs, inputs and peers as `batchverify bench --suite secp256k1`.

mod common;

use batchverify_bench::Suite;
use criterion::{criterion_group, criterion_main, Criterion};

fn secp256k1(c: &mut Criterion) {
    common::run_suite(c, Suite::Secp256k1);
}

criterion_group!(benches, secp256k1);
criterion_main!(benches);
