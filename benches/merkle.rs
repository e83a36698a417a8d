//! Merkle roots: batchverify against a plain tree built with `sha2` one node at a time, on
//! identical leaves in the same run, on one thread and on all of them.
//!
//! `cargo bench --bench merkle`. Throughput is in Merkle nodes (leaves - 1 for the power-of-two
//! sizes used here). The tree is SSZ's (SHA-256(l ‖ r), no prefix), the one the peer builds.

use std::hint::black_box;

use batchverify::merkle::{self, Digest, BITCOIN, RFC6962, SSZ};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rayon::prelude::*;
use sha2::Digest as _;

fn leaves(n: usize) -> Vec<Digest> {
    (0..n as u64)
        .map(|i| batchverify::sha256::hash(&i.to_le_bytes()))
        .collect()
}

fn sha2_node(left: &Digest, right: &Digest) -> Digest {
    let mut hasher = sha2::Sha256::new();
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The peer: one `sha2` node at a time, each level spread over the pool's threads.
fn sha2_tree(leaves: &[Digest]) -> Digest {
    let mut level = leaves.to_vec();
    while level.len() > 1 {
        level = level
            .par_chunks(2)
            .map(|pair| sha2_node(&pair[0], &pair[1]))
            .collect();
    }
    level[0]
}

fn roots(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, all] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        let mut group = c.benchmark_group(format!("root/{threads}-threads"));
        group.sample_size(10);
        for log in [10u32, 16, 20] {
            let input = leaves(1 << log);
            let want = sha2_tree(&input);
            group.throughput(Throughput::Elements((1u64 << log) - 1));
            group.bench_function(BenchmarkId::new("batchverify", format!("2^{log}")), |b| {
                b.iter(|| {
                    let root = pool.install(|| merkle::root(black_box(&input), &SSZ));
                    assert_eq!(root, Ok(want));
                })
            });
            group.bench_function(BenchmarkId::new("sha2-tree", format!("2^{log}")), |b| {
                b.iter(|| assert_eq!(pool.install(|| sha2_tree(black_box(&input))), want))
            });
        }
        group.finish();
    }
}

fn flavors(c: &mut Criterion) {
    let input = leaves(1 << 16);
    let mut group = c.benchmark_group("flavor");
    group.sample_size(10);
    group.throughput(Throughput::Elements((1 << 16) - 1));
    for (name, flavor) in [("bitcoin", BITCOIN), ("rfc6962", RFC6962), ("ssz", SSZ)] {
        let want = merkle::root(&input, &flavor).expect("root");
        group.bench_function(
            BenchmarkId::new("batchverify", format!("{name}/2^16")),
            |b| b.iter(|| assert_eq!(merkle::root(black_box(&input), &flavor), Ok(want))),
        );
    }
    group.finish();
}

criterion_group!(benches, roots, flavors);
criterion_main!(benches);
