//! Ed25519 signature verification, one at a time or in batches, under an explicit policy.
//!
//! ```
//! use batchverify::ed25519::{self, Policy};
//! # let signing_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
//! # let public_key = signing_key.verifying_key().to_bytes();
//! # let signature = ed25519_dalek::Signer::sign(&signing_key, b"hello").to_bytes();
//! ed25519::verify(Policy::Zip215, &public_key, b"hello", &signature)?;
//!
//! let outcome = ed25519::verify_batch(Policy::Strict, &[public_key], &[b"hello"], &[signature])?;
//! assert!(outcome.all_valid());
//! # Ok::<(), batchverify::Error>(())
//! ```

mod batch;
mod key;
pub(crate) mod lanes;
mod sign;

use std::sync::Arc;

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::Scalar;
use sha2::{Digest, Sha512};

use crate::cache::KeyBytes;
use crate::{BatchOutcome, Error, FailureMemory, Field};

pub use crate::cache::KeyCache;
pub(crate) use key::DecodedKey;
pub use sign::SigningKey;

/// Keys in the default verifiers' process-wide cache: about 13 MB when full.
const DEFAULT_CACHE_CAPACITY: usize = 1 << 16;

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// Length of an Ed25519 signature in bytes.
pub const SIGNATURE_LENGTH: usize = 64;

/// The verification rules: which encodings and which equation are accepted.
///
/// Batch verification gives every item exactly the verdict single verification gives it, for
/// both policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Policy {
    /// ZIP-215 (Zcash, Penumbra, CometBFT via ed25519-consensus): non-canonical point encodings
    /// and small-order points are accepted, S must be reduced, and the cofactored equation
    /// `[8][S]B = [8]R + [8][k]A` decides.
    Zip215,
    /// Solana and Firedancer (ed25519-dalek `verify_strict`): canonical encodings only,
    /// small-order A or R rejected, S reduced, and the cofactorless equation `[S]B = R + [k]A`.
    Strict,
}

impl core::str::FromStr for Policy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "zip215" => Ok(Policy::Zip215),
            "strict" => Ok(Policy::Strict),
            other => Err(format!(
                "unknown Ed25519 policy {other:?} (expected zip215 or strict)"
            )),
        }
    }
}

impl core::fmt::Display for Policy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Policy::Zip215 => "zip215",
            Policy::Strict => "strict",
        })
    }
}

/// Verification settings: policy, threading and the public key cache.
///
/// Work runs on the current rayon pool, so `pool.install(|| verifier.verify_batch(..))` runs it
/// on a pool of the caller's; [`Verifier::sequential`] keeps it on the calling thread.
#[derive(Clone, Debug)]
pub struct Verifier {
    policy: Policy,
    sequential: bool,
    key_cache: Option<Arc<KeyCache>>,
    failures: Option<Arc<FailureMemory>>,
}

impl Verifier {
    /// A verifier for `policy`, parallel, using the process-wide Ed25519 key cache and the
    /// policy's process-wide failure memory.
    pub fn new(policy: Policy) -> Self {
        static DEFAULT_CACHE: std::sync::OnceLock<Arc<KeyCache>> = std::sync::OnceLock::new();
        // One memory per policy: a node's Strict and Zip215 traffic fail at their own rates.
        static FAILURES: [std::sync::OnceLock<Arc<FailureMemory>>; 2] =
            [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
        let failures = &FAILURES[match policy {
            Policy::Zip215 => 0,
            Policy::Strict => 1,
        }];
        Self {
            policy,
            sequential: false,
            key_cache: Some(crate::cache::global(&DEFAULT_CACHE, DEFAULT_CACHE_CAPACITY)),
            failures: Some(failures.get_or_init(Arc::default).clone()),
        }
    }

    /// Run on the calling thread only (`true`) or on the current rayon pool (`false`).
    pub fn sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// Use this key cache (it may be shared with other verifiers, BLS ones included), or none:
    /// without a cache each item decompresses its key.
    pub fn key_cache(mut self, cache: Option<Arc<KeyCache>>) -> Self {
        self.key_cache = cache;
        self
    }

    /// Where batches remember the failure rate they met, which sizes the next batches' chunks
    /// (shared with other verifiers, or none: each batch then starts as if failures were rare).
    /// Verdicts never depend on it.
    pub fn failure_memory(mut self, memory: Option<Arc<FailureMemory>>) -> Self {
        self.failures = memory;
        self
    }

    /// The policy this verifier applies.
    pub fn policy(&self) -> Policy {
        self.policy
    }

    /// Verifies one signature: `Ok(())`, [`Error::InvalidSignature`], or [`Error::Malformed`]
    /// (index 0) when a field has the wrong length.
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let (public_key, signature) = check_lengths(0, public_key, signature)?;
        let key = self.decode_key(&public_key);
        if verify_item(self.policy, &public_key, key.as_ref(), message, &signature) {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Verifies a batch given as three parallel slices; item `i` is
    /// `(public_keys[i], messages[i], signatures[i])`.
    ///
    /// Returns every item's verdict, each equal to what [`Verifier::verify`] says of it. Fails
    /// without verifying anything when the slices differ in length or a key or signature has the
    /// wrong length.
    pub fn verify_batch<K, M, S>(
        &self,
        public_keys: &[K],
        messages: &[M],
        signatures: &[S],
    ) -> Result<BatchOutcome, Error>
    where
        K: AsRef<[u8]> + Sync,
        M: AsRef<[u8]> + Sync,
        S: AsRef<[u8]> + Sync,
    {
        crate::batch::check_counts(
            public_keys.len(),
            (Field::Message, messages.len()),
            signatures.len(),
        )?;
        let items = public_keys
            .iter()
            .zip(signatures)
            .enumerate()
            .map(|(index, (key, sig))| {
                let (key, sig) = check_lengths(index, key.as_ref(), sig.as_ref())?;
                Ok(batch::Item {
                    public_key: key,
                    signature: sig,
                    message: messages[index].as_ref(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(BatchOutcome::from_verdicts(batch::verify(self, &items)))
    }

    /// The key from the cache, without decoding it when it is not there.
    fn cached_key(&self, bytes: [u8; 32]) -> Option<DecodedKey> {
        self.key_cache.as_ref()?.get(&KeyBytes::from(bytes))
    }

    /// Keeps a key decoded outside [`Verifier::decode_key`] in the cache, if there is one.
    fn keep_key(&self, bytes: [u8; 32], key: DecodedKey) {
        if let Some(cache) = &self.key_cache {
            cache.insert(&KeyBytes::from(bytes), key);
        }
    }

    fn decode_key(&self, bytes: &[u8; 32]) -> Option<DecodedKey> {
        match &self.key_cache {
            Some(cache) => cache
                .get_or_decode(&KeyBytes::from(*bytes), DecodedKey::decode_cached)
                .ok(),
            None => DecodedKey::decode(bytes),
        }
    }
}

/// Verifies one signature under `policy` with the default [`Verifier`].
pub fn verify(
    policy: Policy,
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    Verifier::new(policy).verify(public_key, message, signature)
}

/// Verifies a batch under `policy` with the default [`Verifier`] (parallel, key cache on).
pub fn verify_batch<K, M, S>(
    policy: Policy,
    public_keys: &[K],
    messages: &[M],
    signatures: &[S],
) -> Result<BatchOutcome, Error>
where
    K: AsRef<[u8]> + Sync,
    M: AsRef<[u8]> + Sync,
    S: AsRef<[u8]> + Sync,
{
    Verifier::new(policy).verify_batch(public_keys, messages, signatures)
}

/// Copies of the key and the signature, read once from the caller's memory: everything after
/// (decoding, the key cache, the challenge) sees these copies, so memory the caller changes
/// during the call cannot make the cache store one key's point under another key's bytes.
fn check_lengths(
    index: usize,
    public_key: &[u8],
    signature: &[u8],
) -> Result<([u8; 32], [u8; 64]), Error> {
    let public_key = public_key.try_into().map_err(|_| Error::Malformed {
        index,
        field: Field::PublicKey,
        expected_len: PUBLIC_KEY_LENGTH,
        actual_len: public_key.len(),
    })?;
    let signature = signature.try_into().map_err(|_| Error::Malformed {
        index,
        field: Field::Signature,
        expected_len: SIGNATURE_LENGTH,
        actual_len: signature.len(),
    })?;
    Ok((public_key, signature))
}

/// `k = SHA-512(R || A || M) mod L`, over the bytes as given (so non-canonical encodings hash
/// as written, as every implementation of both policies does).
fn challenge(r_bytes: &[u8], a_bytes: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = Sha512::new();
    hash.update(r_bytes);
    hash.update(a_bytes);
    hash.update(message);
    Scalar::from_bytes_mod_order_wide(&hash.finalize().into())
}

/// S as a reduced scalar; both policies reject S >= L (signature malleability).
fn parse_s(signature: &[u8; 64]) -> Option<Scalar> {
    let mut s = [0u8; 32];
    s.copy_from_slice(&signature[32..]);
    Option::from(Scalar::from_canonical_bytes(s))
}

fn r_bytes(signature: &[u8; 64]) -> [u8; 32] {
    let mut r = [0u8; 32];
    r.copy_from_slice(&signature[..32]);
    r
}

/// The single-item rule of each policy; the batch path must agree with it on every input.
fn verify_item(
    policy: Policy,
    a_bytes: &[u8; 32],
    key: Option<&DecodedKey>,
    message: &[u8],
    signature: &[u8; 64],
) -> bool {
    let Some(key) = key else { return false };
    let Some(s) = parse_s(signature) else {
        return false;
    };
    let k = challenge(&signature[..32], a_bytes, message);
    match policy {
        Policy::Zip215 => {
            let Some(r) = CompressedEdwardsY(r_bytes(signature)).decompress() else {
                return false;
            };
            zip215_equation_holds(&key.point, &r, &k, &s)
        }
        Policy::Strict => {
            if !key.canonical || key.small_order {
                return false;
            }
            strict_equation_holds(&key.point, signature, &k, &s)
        }
    }
}

/// `[8]([S]B - [k]A - R) = 0`.
fn zip215_equation_holds(a: &EdwardsPoint, r: &EdwardsPoint, k: &Scalar, s: &Scalar) -> bool {
    (EdwardsPoint::vartime_double_scalar_mul_basepoint(k, &-a, s) - r).is_small_order()
}

/// `[S]B - [k]A` encodes to exactly the R bytes, and that point is not of small order.
///
/// Comparing encodings rather than points rejects a non-canonical R without a separate check
/// and without decompressing R at all.
fn strict_equation_holds(a: &EdwardsPoint, signature: &[u8; 64], k: &Scalar, s: &Scalar) -> bool {
    let expected_r = EdwardsPoint::vartime_double_scalar_mul_basepoint(k, &-a, s);
    expected_r.compress().as_bytes()[..] == signature[..32] && !expected_r.is_small_order()
}
