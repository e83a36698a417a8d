//! BLS12-381 (Ethereum's min-pk, proof of possession): batchverify against blst on identical
//! signature sets, in the same run.
//!
//! `cargo bench --bench bls`. Peers: blst's `verify_multiple_aggregate_signatures` (random
//! 64-bit weights, one Miller loop per set; single-threaded, as blst is built with its thread
//! pool off) and `Signature::verify` in a loop. Both sides start from the same compressed bytes
//! (the peers decompress inside the timed loop) and validate keys and signatures (subgroup
//! checks). Every timed call checks its result.

use std::hint::black_box;

use batchverify::bls::{dst, Bls, SecretKey};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

struct Inputs {
    keys: Vec<Vec<u8>>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Vec<u8>>,
    weights: Vec<blst::blst_scalar>,
}

impl Inputs {
    /// `sets` signatures by distinct keys over `distinct` different 32-byte messages.
    fn new(sets: usize, distinct: usize) -> Inputs {
        let bls = Bls::ethereum();
        let mut inputs = Inputs {
            keys: Vec::new(),
            messages: Vec::new(),
            signatures: Vec::new(),
            weights: Vec::new(),
        };
        for i in 0..sets {
            let mut ikm = [0u8; 32];
            ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
            let secret = SecretKey::key_gen(&ikm).expect("32 bytes of key material");
            let mut message = [0u8; 32];
            message[..8].copy_from_slice(&((i % distinct) as u64).to_le_bytes());
            let key = bls.public_key(&secret);
            let signature = bls.sign(&secret, &message);
            let mut weight = blst::blst_scalar::default();
            weight.b[..8].copy_from_slice(&(0x9e37_79b9_7f4a_7c15u64 ^ i as u64).to_le_bytes());
            inputs.weights.push(weight);
            inputs.keys.push(key);
            inputs.messages.push(message.to_vec());
            inputs.signatures.push(signature);
        }
        inputs
    }

    /// The same sets with every signature moved to the next set: all invalid, the worst case
    /// for bisection.
    fn all_bad(&self) -> Inputs {
        let mut signatures = self.signatures.clone();
        signatures.rotate_left(1);
        Inputs {
            keys: self.keys.clone(),
            messages: self.messages.clone(),
            signatures,
            weights: self.weights.clone(),
        }
    }

    fn ours(&self, bls: &Bls) -> bool {
        bls.verify_batch(&self.keys, &self.messages, &self.signatures)
            .is_ok_and(|outcome| outcome.all_valid())
    }

    /// blst's points, decompressed from the bytes (part of what each side is timed on).
    fn blst_points(&self) -> Option<(Vec<blst::min_pk::PublicKey>, Vec<blst::min_pk::Signature>)> {
        let keys = self
            .keys
            .iter()
            .map(|key| blst::min_pk::PublicKey::from_bytes(key).ok())
            .collect::<Option<Vec<_>>>()?;
        let signatures = self
            .signatures
            .iter()
            .map(|signature| blst::min_pk::Signature::from_bytes(signature).ok())
            .collect::<Option<Vec<_>>>()?;
        Some((keys, signatures))
    }

    fn blst_batch(&self) -> bool {
        let Some((keys, signatures)) = self.blst_points() else {
            return false;
        };
        let messages: Vec<&[u8]> = self.messages.iter().map(Vec::as_slice).collect();
        let keys: Vec<&blst::min_pk::PublicKey> = keys.iter().collect();
        let signatures: Vec<&blst::min_pk::Signature> = signatures.iter().collect();
        blst::min_pk::Signature::verify_multiple_aggregate_signatures(
            &messages,
            dst::MIN_PK_POP,
            &keys,
            true,
            &signatures,
            true,
            &self.weights,
            64,
        ) == blst::BLST_ERROR::BLST_SUCCESS
    }

    /// How many sets `Signature::verify` accepts, each verified alone, with keys already
    /// decompressed and validated (as a node keeps its validators' keys).
    fn blst_valid_count_parsed(&self, keys: &[blst::min_pk::PublicKey]) -> usize {
        self.signatures
            .iter()
            .zip(keys)
            .zip(&self.messages)
            .filter(|((signature, key), message)| {
                let Ok(signature) = blst::min_pk::Signature::from_bytes(signature) else {
                    return false;
                };
                signature.verify(true, message, dst::MIN_PK_POP, &[], key, false)
                    == blst::BLST_ERROR::BLST_SUCCESS
            })
            .count()
    }

    /// How many sets `Signature::verify` accepts, each verified alone.
    fn blst_valid_count(&self) -> usize {
        self.signatures
            .iter()
            .zip(&self.keys)
            .zip(&self.messages)
            .filter(|((signature, key), message)| {
                let (Ok(signature), Ok(key)) = (
                    blst::min_pk::Signature::from_bytes(signature),
                    blst::min_pk::PublicKey::from_bytes(key),
                ) else {
                    return false;
                };
                signature.verify(true, message, dst::MIN_PK_POP, &[], &key, true)
                    == blst::BLST_ERROR::BLST_SUCCESS
            })
            .count()
    }
}

fn workloads(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    // (sets, distinct messages): distinct-message batches, and an Ethereum-like slot where
    // committees sign few attestation messages.
    for (sets, distinct) in [(128, 128), (2048, 64)] {
        let inputs = Inputs::new(sets, distinct);
        let mut group = c.benchmark_group(format!("bls/{sets}-sets-{distinct}-messages"));
        group.sample_size(10);
        group.throughput(Throughput::Elements(sets as u64));
        for threads in [1, all] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("thread pool");
            let bls = Bls::ethereum();
            group.bench_function(
                BenchmarkId::new("batchverify", format!("{threads}-threads")),
                |b| b.iter(|| assert!(pool.install(|| inputs.ours(black_box(&bls))))),
            );
        }
        group.bench_function("blst-verify_multiple_aggregate_signatures", |b| {
            b.iter(|| assert!(black_box(&inputs).blst_batch()))
        });
        if sets <= 128 {
            group.bench_function("blst-verify-loop", |b| {
                b.iter(|| assert_eq!(black_box(&inputs).blst_valid_count(), sets))
            });
        }
        group.finish();
    }
}

/// Every set bad, against verifying each set alone, both on one thread: bisection must not cost
/// much more than that (a peer's node can send a batch of junk). Cold: keys never seen, both
/// sides decompress and validate them in the timed loop. Warm: batchverify's key cache warm,
/// blst given its keys parsed and validated outside the loop.
fn all_bad(c: &mut Criterion) {
    let sets = 128;
    let inputs = Inputs::new(sets, sets).all_bad();
    let mut group = c.benchmark_group(format!("bls/{sets}-sets-all-bad"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(sets as u64));
    let cold = Bls::ethereum().sequential().key_cache(None);
    let warm = Bls::ethereum().sequential();
    for (regime, bls) in [("cold", &cold), ("warm", &warm)] {
        group.bench_function(format!("batchverify-1-thread-{regime}"), |b| {
            b.iter(|| {
                let outcome = bls
                    .verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
                    .expect("well-formed");
                assert_eq!(outcome.invalid_count(), sets);
            })
        });
    }
    group.bench_function("blst-verify-loop-cold", |b| {
        b.iter(|| assert_eq!(black_box(&inputs).blst_valid_count(), 0))
    });
    let parsed: Vec<blst::min_pk::PublicKey> = inputs
        .keys
        .iter()
        .map(|key| blst::min_pk::PublicKey::key_validate(key).expect("valid key"))
        .collect();
    group.bench_function("blst-verify-loop-warm", |b| {
        b.iter(|| assert_eq!(black_box(&inputs).blst_valid_count_parsed(&parsed), 0))
    });
    group.finish();
}

criterion_group!(benches, workloads, all_bad);
criterion_main!(benches);
