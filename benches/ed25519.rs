//! Ed25519: batchverify against ed25519-dalek on identical inputs, in the same run.
//!
//! `cargo bench --bench ed25519` (filter with e.g. `-- 'distinct/all-cores'`). Inputs are built
//! outside the timed loop, and every timed call checks its result, so a benchmark that stops
//! verifying fails instead of getting fast.

use std::hint::black_box;
use std::time::Duration;

use batchverify::ed25519::{Policy, Verifier};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

struct Inputs {
    keys: Vec<[u8; 32]>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
    dalek_keys: Vec<VerifyingKey>,
    dalek_signatures: Vec<Signature>,
}

impl Inputs {
    /// `size` signatures over 32-byte messages by `signers` keys (`None`: all distinct), with
    /// every `bad_every`-th signature corrupted.
    fn new(size: usize, signers: Option<usize>, bad_every: Option<usize>) -> Self {
        let mut rng = StdRng::seed_from_u64(size as u64);
        let signing: Vec<SigningKey> = (0..signers.unwrap_or(size))
            .map(|_| SigningKey::from_bytes(&rng.random()))
            .collect();
        let mut inputs = Inputs {
            keys: Vec::new(),
            messages: Vec::new(),
            signatures: Vec::new(),
            dalek_keys: Vec::new(),
            dalek_signatures: Vec::new(),
        };
        for i in 0..size {
            let key = &signing[signers.map_or(i, |n| rng.random_range(0..n))];
            let message = rng.random::<[u8; 32]>().to_vec();
            let mut signature = key.sign(&message).to_bytes();
            if bad_every.is_some_and(|every| i % every == every / 2) {
                signature[40] ^= 1;
            }
            inputs.keys.push(key.verifying_key().to_bytes());
            inputs.dalek_keys.push(key.verifying_key());
            inputs
                .dalek_signatures
                .push(Signature::from_bytes(&signature));
            inputs.signatures.push(signature);
            inputs.messages.push(message);
        }
        inputs
    }

    fn messages(&self) -> Vec<&[u8]> {
        self.messages.iter().map(Vec::as_slice).collect()
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Throughput per batch size, one core and all cores, every key distinct.
fn distinct_keys(c: &mut Criterion) {
    for (label, threads) in [("one-core", 1), ("all-cores", all_cores())] {
        let pool = pool(threads);
        let mut group = c.benchmark_group(format!("ed25519/distinct/{label}"));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for size in [1usize, 8, 64, 512, 4096, 32768] {
            let inputs = Inputs::new(size, None, None);
            let messages = inputs.messages();
            group.throughput(Throughput::Elements(size as u64));
            bench_batchverify(
                &mut group,
                &pool,
                "batchverify zip215",
                Policy::Zip215,
                &inputs,
                &messages,
                true,
            );
            bench_batchverify(
                &mut group,
                &pool,
                "batchverify strict",
                Policy::Strict,
                &inputs,
                &messages,
                true,
            );
            bench_dalek_batch(&mut group, &pool, threads, &inputs, &messages, true);
            bench_dalek_strict_loop(
                &mut group,
                &pool,
                "dalek verify_strict loop",
                &inputs,
                &messages,
                true,
            );
        }
        group.finish();
    }
}

/// 1,000 validators signing again and again, all cores; the key cache on and off.
fn validator_votes(c: &mut Criterion) {
    let threads = all_cores();
    let pool = pool(threads);
    let mut group = c.benchmark_group("ed25519/1000-signers/all-cores");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for size in [512usize, 4096, 32768] {
        let inputs = Inputs::new(size, Some(1000), None);
        let messages = inputs.messages();
        group.throughput(Throughput::Elements(size as u64));
        bench_batchverify(
            &mut group,
            &pool,
            "batchverify zip215",
            Policy::Zip215,
            &inputs,
            &messages,
            true,
        );
        let uncached = Verifier::new(Policy::Zip215).key_cache(None);
        bench_verifier(
            &mut group,
            &pool,
            "batchverify zip215 no key cache",
            &uncached,
            &inputs,
            &messages,
            true,
        );
        bench_batchverify(
            &mut group,
            &pool,
            "batchverify strict",
            Policy::Strict,
            &inputs,
            &messages,
            true,
        );
        bench_dalek_batch(&mut group, &pool, threads, &inputs, &messages, true);
    }
    group.finish();
}

/// The cost of bad signatures: none, one in 1024, and 10%, against verifying every item singly.
fn bad_signatures(c: &mut Criterion) {
    let threads = all_cores();
    let pool = pool(threads);
    let size = 4096;
    let mut group = c.benchmark_group("ed25519/bad/all-cores");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .throughput(Throughput::Elements(size as u64));
    for (label, bad_every) in [("none", None), ("1 in 1024", Some(1024)), ("10%", Some(10))] {
        let inputs = Inputs::new(size, None, bad_every);
        let messages = inputs.messages();
        let all_valid = bad_every.is_none();
        bench_batchverify(
            &mut group,
            &pool,
            &format!("batchverify zip215 {label}"),
            Policy::Zip215,
            &inputs,
            &messages,
            all_valid,
        );
        let verifier = Verifier::new(Policy::Zip215);
        group.bench_function(
            BenchmarkId::new(format!("batchverify zip215 singles {label}"), size),
            |b| {
                b.iter(|| {
                    pool.install(|| {
                        let valid = (0..size)
                            .into_par_iter()
                            .filter(|&i| {
                                verifier
                                    .verify(&inputs.keys[i], messages[i], &inputs.signatures[i])
                                    .is_ok()
                            })
                            .count();
                        assert_eq!(valid == size, all_valid);
                    })
                })
            },
        );
        bench_dalek_strict_loop(
            &mut group,
            &pool,
            &format!("dalek verify_strict loop {label}"),
            &inputs,
            &messages,
            all_valid,
        );
    }
    group.finish();
}

fn bench_batchverify(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    pool: &rayon::ThreadPool,
    name: &str,
    policy: Policy,
    inputs: &Inputs,
    messages: &[&[u8]],
    all_valid: bool,
) {
    bench_verifier(
        group,
        pool,
        name,
        &Verifier::new(policy),
        inputs,
        messages,
        all_valid,
    );
}

fn bench_verifier(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    pool: &rayon::ThreadPool,
    name: &str,
    verifier: &Verifier,
    inputs: &Inputs,
    messages: &[&[u8]],
    all_valid: bool,
) {
    group.bench_function(BenchmarkId::new(name, inputs.keys.len()), |b| {
        b.iter(|| {
            pool.install(|| {
                let outcome = verifier
                    .verify_batch(black_box(&inputs.keys), messages, &inputs.signatures)
                    .unwrap();
                assert_eq!(outcome.all_valid(), all_valid);
            })
        })
    });
}

/// ed25519-dalek's `verify_batch`, the batch split evenly over the same threads.
fn bench_dalek_batch(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    pool: &rayon::ThreadPool,
    threads: usize,
    inputs: &Inputs,
    messages: &[&[u8]],
    all_valid: bool,
) {
    let size = inputs.keys.len();
    let per_thread = size.div_ceil(threads);
    group.bench_function(BenchmarkId::new("dalek verify_batch", size), |b| {
        b.iter(|| {
            pool.install(|| {
                let ok = messages
                    .par_chunks(per_thread)
                    .zip(inputs.dalek_signatures.par_chunks(per_thread))
                    .zip(inputs.dalek_keys.par_chunks(per_thread))
                    .all(|((m, s), k)| ed25519_dalek::verify_batch(m, s, k).is_ok());
                assert_eq!(ok, all_valid);
            })
        })
    });
}

/// ed25519-dalek's `verify_strict` on every item, spread over the same threads.
fn bench_dalek_strict_loop(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    pool: &rayon::ThreadPool,
    name: &str,
    inputs: &Inputs,
    messages: &[&[u8]],
    all_valid: bool,
) {
    let size = inputs.keys.len();
    group.bench_function(BenchmarkId::new(name, size), |b| {
        b.iter(|| {
            pool.install(|| {
                let valid = (0..size)
                    .into_par_iter()
                    .filter(|&i| {
                        inputs.dalek_keys[i]
                            .verify_strict(messages[i], &inputs.dalek_signatures[i])
                            .is_ok()
                    })
                    .count();
                assert_eq!(valid == size, all_valid);
            })
        })
    });
}

criterion_group!(benches, distinct_keys, validator_votes, bad_signatures);
criterion_main!(benches);
