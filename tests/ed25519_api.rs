//! API behaviour: errors, empty batches, thread-count independence, dense failures.

use batchverify::ed25519::{self, Policy, Verifier};
use batchverify::{Error, Field};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

struct Batch {
    keys: Vec<[u8; 32]>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
}

fn batch(n: usize, signers: usize, bad_every: Option<usize>, seed: u64) -> (Batch, Vec<usize>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let keys: Vec<ed25519_dalek::SigningKey> = (0..signers)
        .map(|_| ed25519_dalek::SigningKey::from_bytes(&rng.random()))
        .collect();
    let mut out = Batch {
        keys: Vec::new(),
        messages: Vec::new(),
        signatures: Vec::new(),
    };
    let mut bad = Vec::new();
    for i in 0..n {
        let key = &keys[i % signers];
        let message: Vec<u8> = (0..rng.random_range(0..64)).map(|_| rng.random()).collect();
        let mut signature = ed25519_dalek::Signer::sign(key, &message).to_bytes();
        if bad_every.is_some_and(|every| i % every == every - 1) {
            signature[rng.random_range(0..32)] ^= 1 << rng.random_range(0..8);
            bad.push(i);
        }
        out.keys.push(key.verifying_key().to_bytes());
        out.messages.push(message);
        out.signatures.push(signature);
    }
    (out, bad)
}

#[test]
fn empty_batch_is_valid_with_zero_items() {
    let none: [[u8; 32]; 0] = [];
    let no_messages: [&[u8]; 0] = [];
    let no_signatures: [[u8; 64]; 0] = [];
    for policy in [Policy::Zip215, Policy::Strict] {
        let outcome = ed25519::verify_batch(policy, &none, &no_messages, &no_signatures).unwrap();
        assert!(outcome.is_empty());
        assert!(outcome.all_valid());
        assert!(outcome.invalid_indices().is_empty());
    }
}

#[test]
fn wrong_lengths_name_the_index_and_field() {
    let (b, _) = batch(5, 5, None, 1);
    let mut keys: Vec<Vec<u8>> = b.keys.iter().map(|k| k.to_vec()).collect();
    keys[3].pop();
    let error =
        ed25519::verify_batch(Policy::Zip215, &keys, &b.messages, &b.signatures).unwrap_err();
    assert_eq!(
        error,
        Error::Malformed {
            index: 3,
            field: Field::PublicKey,
            expected_len: 32,
            actual_len: 31
        }
    );
    assert_eq!(
        error.to_string(),
        "public_key at index 3: expected 32 bytes, got 31"
    );

    let mut signatures: Vec<Vec<u8>> = b.signatures.iter().map(|s| s.to_vec()).collect();
    signatures[4].push(0);
    let error =
        ed25519::verify_batch(Policy::Strict, &b.keys, &b.messages, &signatures).unwrap_err();
    assert_eq!(
        error.to_string(),
        "signature at index 4: expected 64 bytes, got 65"
    );

    let error = ed25519::verify(Policy::Zip215, &[0; 33], b"", &[0; 64]).unwrap_err();
    assert!(matches!(
        error,
        Error::Malformed {
            index: 0,
            field: Field::PublicKey,
            ..
        }
    ));
}

#[test]
fn mismatched_counts_are_an_error_not_a_verdict() {
    let (b, _) = batch(4, 4, None, 2);
    let error = ed25519::verify_batch(Policy::Zip215, &b.keys, &b.messages[..3], &b.signatures)
        .unwrap_err();
    assert_eq!(
        error,
        Error::CountMismatch {
            field: Field::Message,
            expected: 4,
            actual: 3
        }
    );
    let error = ed25519::verify_batch(Policy::Strict, &b.keys, &b.messages, &b.signatures[..1])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "signature: expected 4 items (one per public key), got 1"
    );
}

#[test]
fn invalid_signature_error_carries_no_detail() {
    let (b, _) = batch(1, 1, Some(1), 3);
    let error =
        ed25519::verify(Policy::Zip215, &b.keys[0], &b.messages[0], &b.signatures[0]).unwrap_err();
    assert_eq!(error, Error::InvalidSignature);
}

#[test]
fn verdicts_do_not_depend_on_threads_or_chunking() {
    for (n, bad_every) in [
        (1, None),
        (3, Some(2)),
        (257, Some(50)),
        (3000, Some(7)),
        (4100, Some(4100)),
    ] {
        let (b, bad) = batch(n, 40, bad_every, n as u64);
        for policy in [Policy::Zip215, Policy::Strict] {
            let reference = Verifier::new(policy)
                .sequential(true)
                .verify_batch(&b.keys, &b.messages, &b.signatures)
                .unwrap();
            assert_eq!(reference.invalid_indices(), bad, "{policy} n={n}");
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let outcome = pool.install(|| {
                    ed25519::verify_batch(policy, &b.keys, &b.messages, &b.signatures).unwrap()
                });
                assert_eq!(outcome, reference, "{policy} n={n} threads={threads}");
            }
        }
    }
}

#[test]
fn every_item_bad_is_found() {
    let (b, bad) = batch(300, 300, Some(1), 9);
    for policy in [Policy::Zip215, Policy::Strict] {
        let outcome = ed25519::verify_batch(policy, &b.keys, &b.messages, &b.signatures).unwrap();
        assert_eq!(outcome.invalid_indices(), bad);
        assert_eq!(outcome.invalid_count(), 300);
    }
}

#[test]
fn policy_names_round_trip() {
    for policy in [Policy::Zip215, Policy::Strict] {
        assert_eq!(policy.to_string().parse::<Policy>().unwrap(), policy);
    }
    assert!("lax".parse::<Policy>().is_err());
}
