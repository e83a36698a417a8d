//! Every scheme's batch over keys whose `AsRef` gives X's bytes on the first read and Y's on
//! every later one. A batch that read a key twice (once to decode, once to store) would leave
//! X's point under Y's bytes in the shared cache, and X's owner could then sign for Y. The
//! verdicts of that batch may be anything; afterwards, with the same cache, X's and Y's own
//! signatures must verify under their own keys and not under each other's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use batchverify::secp256k1::{ecdsa, schnorr};
use batchverify::{bls, ed25519, sm2, KeyCache};
use sha2::{Digest, Sha256};

/// Key bytes that change after their first read.
struct Shifting {
    first: Vec<u8>,
    later: Vec<u8>,
    reads: AtomicUsize,
}

impl Shifting {
    fn new(first: &[u8], later: &[u8]) -> Self {
        Shifting {
            first: first.to_vec(),
            later: later.to_vec(),
            reads: AtomicUsize::new(0),
        }
    }
}

impl AsRef<[u8]> for Shifting {
    fn as_ref(&self) -> &[u8] {
        if self.reads.fetch_add(1, Ordering::Relaxed) == 0 {
            &self.first
        } else {
            &self.later
        }
    }
}

/// One scheme's keys and signatures: X and Y each sign `MESSAGE`.
struct Signers {
    x: Vec<u8>,
    y: Vec<u8>,
    x_signature: Vec<u8>,
    y_signature: Vec<u8>,
}

impl Signers {
    /// X and Y made by `sign` (a key and its signature of [`MESSAGE`]) from two seeds.
    fn new(sign: impl Fn(u8) -> (Vec<u8>, Vec<u8>), seeds: [u8; 2]) -> Self {
        let ((x, x_signature), (y, y_signature)) = (sign(seeds[0]), sign(seeds[1]));
        Signers {
            x,
            y,
            x_signature,
            y_signature,
        }
    }
}

const MESSAGE: &[u8] = b"guarded";

/// The single verdicts the cache must leave intact, with `verify` using the shared cache.
fn assert_keys_stay_their_own(
    scheme: &str,
    signers: &Signers,
    verify: impl Fn(&[u8], &[u8]) -> bool,
) {
    assert!(
        verify(&signers.x, &signers.x_signature),
        "{scheme}: X's own"
    );
    assert!(
        verify(&signers.y, &signers.y_signature),
        "{scheme}: Y's own"
    );
    assert!(
        !verify(&signers.y, &signers.x_signature),
        "{scheme}: X for Y"
    );
    assert!(
        !verify(&signers.x, &signers.y_signature),
        "{scheme}: Y for X"
    );
}

/// Batches whose keys shift X -> Y and Y -> X, several items each, then the single checks.
fn check_scheme(
    scheme: &str,
    signers: &Signers,
    batch: impl Fn(&[Shifting], &[Vec<u8>]),
    verify: impl Fn(&[u8], &[u8]) -> bool,
) {
    let keys: Vec<Shifting> = (0..24)
        .map(|i| match i % 2 {
            0 => Shifting::new(&signers.x, &signers.y),
            _ => Shifting::new(&signers.y, &signers.x),
        })
        .collect();
    let signatures: Vec<Vec<u8>> = (0..24)
        .map(|i| match i % 2 {
            0 => signers.x_signature.clone(),
            _ => signers.y_signature.clone(),
        })
        .collect();
    batch(&keys, &signatures);
    assert_keys_stay_their_own(scheme, signers, verify);
}

fn messages(n: usize) -> Vec<&'static [u8]> {
    vec![MESSAGE; n]
}

#[test]
fn ed25519_keys_read_once() {
    let sign = |seed: u8| {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let signature = ed25519_dalek::Signer::sign(&key, MESSAGE).to_bytes();
        (key.verifying_key().to_bytes().to_vec(), signature.to_vec())
    };
    let signers = Signers::new(sign, [1, 2]);
    for policy in [ed25519::Policy::Zip215, ed25519::Policy::Strict] {
        let cache = Arc::new(KeyCache::new(64));
        let verifier = ed25519::Verifier::new(policy).key_cache(Some(cache));
        check_scheme(
            "ed25519",
            &signers,
            |keys, signatures| {
                let _ = verifier.verify_batch(keys, &messages(keys.len()), signatures);
            },
            |key, signature| verifier.verify(key, MESSAGE, signature).is_ok(),
        );
    }
}

#[test]
fn bip340_keys_read_once() {
    let sign = |seed: u8| {
        let key = k256::schnorr::SigningKey::from_slice(&[seed; 32]).unwrap();
        let signature = key.sign_raw(MESSAGE, &[0; 32]).unwrap().to_bytes();
        (key.verifying_key().to_bytes().to_vec(), signature.to_vec())
    };
    let signers = Signers::new(sign, [3, 4]);
    let cache = Arc::new(KeyCache::new(64));
    let verifier = schnorr::Verifier::new().key_cache(Some(cache));
    check_scheme(
        "bip340",
        &signers,
        |keys, signatures| {
            let _ = verifier.verify_batch(keys, &messages(keys.len()), signatures);
        },
        |key, signature| verifier.verify(key, MESSAGE, signature).is_ok(),
    );
}

#[test]
fn ecdsa_keys_read_once() {
    let hash: [u8; 32] = Sha256::digest(MESSAGE).into();
    let sign = |seed: u8| {
        let key = k256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap();
        let (signature, _) = key.sign_prehash_recoverable(&hash);
        let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(
            key.verifying_key().as_affine(),
            true,
        );
        (point.as_bytes().to_vec(), signature.to_bytes().to_vec())
    };
    let signers = Signers::new(sign, [5, 6]);
    let cache = Arc::new(KeyCache::new(64));
    let verifier = ecdsa::Verifier::new(ecdsa::Rules::PLAIN_COMPACT).key_cache(Some(cache));
    check_scheme(
        "ecdsa",
        &signers,
        |keys, signatures| {
            let _ = verifier.verify_batch(keys, &vec![hash; keys.len()], signatures);
        },
        |key, signature| verifier.verify(key, &hash, signature).is_ok(),
    );
}

#[test]
fn sm2_keys_read_once() {
    use ::sm2::dsa::signature::Signer as _;
    let sign = |seed: u8| {
        let secret = ::sm2::SecretKey::from_slice(&[seed; 32]).unwrap();
        let key = ::sm2::dsa::SigningKey::new("1234567812345678", &secret).unwrap();
        let signature: ::sm2::dsa::Signature = key.sign(MESSAGE);
        (
            key.verifying_key().to_sec1_bytes().to_vec(),
            signature.to_bytes().to_vec(),
        )
    };
    let signers = Signers::new(sign, [7, 8]);
    let cache = Arc::new(KeyCache::new(64));
    let verifier = sm2::Verifier::new()
        .encoding(sm2::Encoding::Compact)
        .key_cache(Some(cache));
    check_scheme(
        "sm2",
        &signers,
        |keys, signatures| {
            let _ = verifier.verify_batch(keys, &messages(keys.len()), signatures);
        },
        |key, signature| verifier.verify(key, MESSAGE, signature).is_ok(),
    );
}

#[test]
fn bls_keys_read_once() {
    for variant in [bls::Variant::MinPk, bls::Variant::MinSig] {
        let cache = Arc::new(KeyCache::new(64));
        let verifier =
            bls::Verifier::new(variant, bls::Scheme::ProofOfPossession).key_cache(Some(cache));
        let sign = |seed: u8| {
            let secret = bls::SecretKey::key_gen(&[seed; 32]).unwrap();
            (
                verifier.public_key(&secret),
                verifier.sign(&secret, MESSAGE),
            )
        };
        let signers = Signers::new(sign, [9, 10]);
        check_scheme(
            "bls",
            &signers,
            |keys, signatures| {
                let _ = verifier.verify_batch(keys, &messages(keys.len()), signatures);
            },
            |key, signature| verifier.verify(key, MESSAGE, signature).is_ok(),
        );
    }
}
