//! What one caller's bad batches cost another caller's good ones (BENCHMARKS.md).
//!
//! Verifiers made with `new` share one failure memory per scheme (and Ed25519 policy). This
//! times a clean batch two ways: by a verifier with a memory of its own that has seen only
//! clean batches (its usual rate), and by a `new` verifier right after another `new` verifier
//! verified `POISON` batches whose every item is bad. The two alternate for `ROUNDS` rounds;
//! the medians and their ratio are printed per scheme. Keys are cached (warm) in both.
//!
//! Usage: `cargo run --release --example shared_failure_memory -- [SIZE] [ROUNDS] [POISON]`
//! (defaults 1024, 15, 3), on rayon's default threads.

use std::time::{Duration, Instant};

use batchverify::ed25519::{self, Policy};
use batchverify::secp256k1::schnorr;
use batchverify::{BatchOutcome, FailureMemory};
use ed25519_dalek::{Signer, SigningKey};
use std::sync::Arc;

struct Batch {
    keys: Vec<Vec<u8>>,
    messages: Vec<Vec<u8>>,
    good: Vec<Vec<u8>>,
    bad: Vec<Vec<u8>>,
}

impl Batch {
    /// `size` items, item i signed by `sign(i)` as (key, message, signature); each bad item is
    /// its good one with a bit of S flipped.
    fn new(size: usize, sign: impl Fn(u64) -> (Vec<u8>, Vec<u8>, Vec<u8>)) -> Batch {
        let mut batch = Batch {
            keys: Vec::new(),
            messages: Vec::new(),
            good: Vec::new(),
            bad: Vec::new(),
        };
        for i in 0..size as u64 {
            let (key, message, signature) = sign(i);
            let mut bad = signature.clone();
            bad[40] ^= 1;
            batch.keys.push(key);
            batch.messages.push(message);
            batch.good.push(signature);
            batch.bad.push(bad);
        }
        batch
    }
}

fn ed25519_batch(size: usize) -> Batch {
    Batch::new(size, |i| {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i + 1).to_le_bytes());
        let key = SigningKey::from_bytes(&seed);
        let message = i.to_le_bytes().to_vec();
        let signature = key.sign(&message).to_bytes().to_vec();
        (key.verifying_key().to_bytes().to_vec(), message, signature)
    })
}

fn bip340_batch(size: usize) -> Batch {
    Batch::new(size, |i| {
        let mut secret = [0u8; 32];
        secret[24..].copy_from_slice(&(i + 1).to_be_bytes());
        let secret = secp256k1::SecretKey::from_secret_bytes(secret).expect("secret");
        let keypair = secp256k1::Keypair::from_secret_key(&secret);
        let message = i.to_le_bytes().to_vec();
        let signature = secp256k1::schnorr::sign_with_aux_rand(&message, &keypair, &[0; 32])
            .to_byte_array()
            .to_vec();
        let key = keypair.x_only_public_key().0.to_byte_array().to_vec();
        (key, message, signature)
    })
}

fn valid_items(outcome: BatchOutcome) -> usize {
    outcome.as_slice().iter().filter(|&&valid| valid).count()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// The clean batch's median time with a clean private memory, and with the shared memory
/// right after `poison` all-bad batches. `verify(signatures, memory)` verifies with a `new`
/// verifier, given `memory` instead of the shared one where it is `Some`.
fn measure(
    name: &str,
    batch: &Batch,
    rounds: usize,
    poison: usize,
    verify: impl Fn(&[Vec<u8>], Option<Arc<FailureMemory>>) -> usize,
) {
    let clean_items = batch.keys.len();
    let private = Arc::new(FailureMemory::new());
    assert_eq!(verify(&batch.good, Some(private.clone())), clean_items);
    let mut usual = Vec::new();
    let mut after_bad = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        assert_eq!(verify(&batch.good, Some(private.clone())), clean_items);
        usual.push(started.elapsed());
        for _ in 0..poison {
            assert_eq!(verify(&batch.bad, None), 0);
        }
        let started = Instant::now();
        assert_eq!(verify(&batch.good, None), clean_items);
        after_bad.push(started.elapsed());
    }
    let (usual, after_bad) = (median(usual), median(after_bad));
    let rate = |time: Duration| clean_items as f64 / time.as_secs_f64();
    println!(
        "{name:<16} {clean_items:>6} items  usual {:>9.0}/s  after {poison} all-bad batches {:>9.0}/s  ratio {:.3}",
        rate(usual),
        rate(after_bad),
        usual.as_secs_f64() / after_bad.as_secs_f64()
    );
}

fn main() {
    let mut args = std::env::args()
        .skip(1)
        .map(|a| a.parse::<usize>().expect("a number"));
    let size = args.next().unwrap_or(1024);
    let rounds = args.next().unwrap_or(15);
    let poison = args.next().unwrap_or(3);
    println!(
        "{} threads, {} ({})",
        rayon::current_num_threads(),
        batchverify::cpu_info().ed25519,
        env!("CARGO_PKG_VERSION")
    );
    let ed25519 = ed25519_batch(size);
    for policy in [Policy::Zip215, Policy::Strict] {
        measure(
            &format!("ed25519 {policy}"),
            &ed25519,
            rounds,
            poison,
            |signatures, memory| {
                let verifier = ed25519::Verifier::new(policy);
                match memory {
                    Some(memory) => verifier.failure_memory(Some(memory)),
                    None => verifier,
                }
                .verify_batch(&ed25519.keys, &ed25519.messages, signatures)
                .map_or(0, valid_items)
            },
        );
    }
    let bip340 = bip340_batch(size);
    measure("bip340", &bip340, rounds, poison, |signatures, memory| {
        let verifier = schnorr::Verifier::new();
        match memory {
            Some(memory) => verifier.failure_memory(Some(memory)),
            None => verifier,
        }
        .verify_batch(&bip340.keys, &bip340.messages, signatures)
        .map_or(0, valid_items)
    });
}
