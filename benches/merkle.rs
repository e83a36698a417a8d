//! Merkle roots: batchverify against a plain tree built with `sha2` one node at a time, on
//! identical leaves in the same run, on one thread and on all of them.
//!
//! `cargo bench --bench merkle`. Throughput is in Merkle nodes (leaves - 1 for the power-of-two
//! sizes used here). The tree is SSZ's (SHA-256(l ‖ r), no prefix), the one the peer builds.
//!
//! The `gpu` group (feature `gpu`, any adapter wgpu finds) puts the GPU's root end to end
//! (upload, kernels, read-back) and kernel-only (leaves already on the GPU) beside the CPU's and
//! the peer's, 2^16 to 2^24 leaves; on a software adapter (lavapipe) only 2^16, since there only
//! correctness counts.

use std::hint::black_box;

use batchverify::merkle::{Digest, Flavor, Merkle, BITCOIN, RFC6962, SSZ};
use batchverify::Backend;
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

/// The CPU root, whatever `BATCHVERIFY_BACKEND` says.
fn cpu_root(leaves: &[Digest], flavor: Flavor) -> Digest {
    Merkle::new(flavor)
        .with_backend(Backend::Cpu)
        .root(leaves)
        .expect("root")
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
                    let root = pool.install(|| cpu_root(black_box(&input), SSZ));
                    assert_eq!(root, want);
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
        let want = cpu_root(&input, flavor);
        group.bench_function(
            BenchmarkId::new("batchverify", format!("{name}/2^16")),
            |b| b.iter(|| assert_eq!(cpu_root(black_box(&input), flavor), want)),
        );
    }
    group.finish();
}

#[cfg(feature = "gpu")]
fn gpu(c: &mut Criterion) {
    let context = match batchverify::gpu::shared() {
        Ok(context) => context,
        Err(error) => {
            eprintln!("gpu group skipped: {error}");
            return;
        }
    };
    let logs: &[u32] = if context.adapter().hardware {
        &[16, 18, 20, 22, 24]
    } else {
        &[16]
    };
    let mut group = c.benchmark_group(format!("gpu/{}", context.adapter().name));
    group.sample_size(10);
    for &log in logs {
        let input = leaves(1 << log);
        let want = sha2_tree(&input);
        let size = format!("2^{log}");
        group.throughput(Throughput::Elements((1u64 << log) - 1));
        group.bench_function(BenchmarkId::new("cpu", &size), |b| {
            b.iter(|| assert_eq!(cpu_root(black_box(&input), SSZ), want))
        });
        group.bench_function(BenchmarkId::new("sha2-tree", &size), |b| {
            b.iter(|| assert_eq!(sha2_tree(black_box(&input)), want))
        });
        group.bench_function(BenchmarkId::new("gpu-end-to-end", &size), |b| {
            b.iter(|| {
                assert_eq!(
                    context.merkle_root(&SSZ, black_box(&input)),
                    Ok((want, false))
                )
            })
        });
        match context.upload(&input) {
            Ok(resident) => {
                group.bench_function(BenchmarkId::new("gpu-kernel-only", &size), |b| {
                    b.iter(|| {
                        assert_eq!(
                            context.merkle_root_resident(&SSZ, black_box(&resident)),
                            Ok((want, false))
                        )
                    })
                });
            }
            Err(error) => eprintln!("gpu-kernel-only {size} skipped: {error}"),
        }
    }
    group.finish();
}

#[cfg(not(feature = "gpu"))]
fn gpu(_: &mut Criterion) {
    eprintln!("gpu group skipped: built without the `gpu` feature");
}

criterion_group!(benches, roots, flavors, gpu);
criterion_main!(benches);
