//! SHA-256: `hash_many` on each code path against the `sha2` crate hashing each message in a
//! loop, on identical inputs in the same run, on one thread (per-core figures).
//!
//! `cargo bench --bench sha256`. The `floor` group times `sha2::compress256` (SHA-NI on this
//! machine) over a long chain of blocks: the cost of one compression when nothing else runs,
//! which is what the Merkle benches compare their nodes per second against.

use std::hint::black_box;

use batchverify::sha256::{self, Digest, Hasher};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sha2::Digest as _;

const MESSAGES: usize = 4096;

fn messages(len: usize) -> Vec<Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(len as u64);
    (0..MESSAGES)
        .map(|_| (0..len).map(|_| rng.random()).collect())
        .collect()
}

fn hash_many(c: &mut Criterion) {
    for len in [32, 64, 256, 1024] {
        let inputs = messages(len);
        let want: Vec<Digest> = inputs
            .iter()
            .map(|m| sha2::Sha256::digest(m).into())
            .collect();
        let mut group = c.benchmark_group(format!("hash_many/{len}B"));
        group.throughput(Throughput::Elements(MESSAGES as u64));
        for path in sha256::supported_paths() {
            let hasher = Hasher::with_path(path).expect("supported").sequential();
            group.bench_function(BenchmarkId::new("batchverify", path), |b| {
                b.iter(|| {
                    let got = hasher.hash_many(black_box(&inputs));
                    assert!(got == want);
                })
            });
        }
        group.bench_function("sha2-loop", |b| {
            b.iter(|| {
                let got: Vec<Digest> = black_box(&inputs)
                    .iter()
                    .map(|m| sha2::Sha256::digest(m).into())
                    .collect();
                assert!(got == want);
            })
        });
        group.finish();
    }
}

fn merkle_node(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(64);
    let children: Vec<Digest> = (0..2 * MESSAGES).map(|_| rng.random()).collect();
    let want: Vec<Digest> = children
        .chunks_exact(2)
        .map(|pair| sha2::Sha256::digest(pair.concat()).into())
        .collect();
    let mut group = c.benchmark_group("node");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    for path in sha256::supported_paths() {
        let hasher = Hasher::with_path(path).expect("supported").sequential();
        group.bench_function(BenchmarkId::new("batchverify", path), |b| {
            b.iter(|| assert!(hasher.hash_pairs(black_box(&children)) == want))
        });
    }
    group.bench_function("sha2-loop", |b| {
        b.iter(|| {
            let got: Vec<Digest> = black_box(&children)
                .chunks_exact(2)
                .map(|pair| {
                    let mut hasher = sha2::Sha256::new();
                    hasher.update(pair[0]);
                    hasher.update(pair[1]);
                    hasher.finalize().into()
                })
                .collect();
            assert!(got == want);
        })
    });
    group.finish();
}

fn compression_floor(c: &mut Criterion) {
    let blocks = vec![[0x5au8; 64]; MESSAGES];
    let mut group = c.benchmark_group("floor");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.bench_function("sha2-compress256-chain", |b| {
        b.iter(|| {
            let mut state = [0x6a09e667u32; 8];
            sha2::block_api::compress256(&mut state, black_box(&blocks));
            black_box(state)
        })
    });
    group.finish();
}

criterion_group!(benches, hash_many, merkle_node, compression_floor);
criterion_main!(benches);
