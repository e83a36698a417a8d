//! BIP-340 Schnorr signatures: x-only 32-byte keys, 64-byte signatures `r ‖ s`, messages of
//! any length.
//!
//! A single signature is verified by libsecp256k1. A batch is checked per chunk with one
//! randomized equation (on the field and point arithmetic of `field.rs` and `msm.rs`),
//! `Σ z_i R_i + Σ (z_i e_i) P_i - [Σ z_i s_i] G = 0`,
//! where `R_i` is the point with x-coordinate `r_i` and even y (`lift_x`), `P_i = lift_x(key_i)`,
//! `e_i` the BIP-340 challenge and `z_i` random 128-bit weights. An item is valid exactly when
//! `s_i G = R_i + e_i P_i` (that is BIP-340's check: the point `s G - e P` exists, has even y and
//! x-coordinate `r`), so a valid chunk sums to zero. secp256k1's group has prime order and no
//! cofactor, so a chunk with any invalid item sums to zero only with probability about 2^-128
//! over the weights: a passing chunk gives every item its single verdict. Items whose `r` is not
//! an x-coordinate on the curve, whose `s` is not below n or whose key is not a point are invalid
//! under both paths and never enter the equation. A failing chunk first looks for a lone
//! invalid item with one more sum (see `ChunkCheck::lone_failure`); failing that, it is
//! bisected with the cost ledger shared with Ed25519, and the items bisection cannot clear are
//! verified singly.
//!
//! The weights are derived from a hash of the chunk keyed with a per-process secret from the
//! OS, so whoever writes the signatures cannot predict them; without that secret the batch is
//! verified item by item.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use k256::elliptic_curve::PrimeField;
use k256::Scalar;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::msm::{additions, multiscalar, Affine, Jacobian};
use crate::batch::{
    bisect, lone_failure, LocatableCheck, SplittableCheck, Waves, WeightTranscript,
};
use crate::cache::KeyBytes;
use crate::{BatchOutcome, Error, FailureMemory, Field, KeyCache};

/// Length of an x-only public key.
pub const PUBLIC_KEY_LENGTH: usize = 32;
/// Length of a signature `r ‖ s`.
pub const SIGNATURE_LENGTH: usize = 64;

/// A public key as libsecp256k1 verifies it, and its point for batch sums once a batch has
/// needed it. Single verification parses with libsecp256k1 alone (its square root is faster);
/// a batch adds the point, and the cache keeps the fuller entry.
#[derive(Clone, Copy)]
pub(crate) struct DecodedKey {
    key: secp256k1::XOnlyPublicKey,
    point: Option<Affine>,
}

impl DecodedKey {
    fn parse(bytes: &[u8; 32]) -> Option<Self> {
        let key = secp256k1::XOnlyPublicKey::from_byte_array(*bytes).ok()?;
        Some(Self { key, point: None })
    }

    /// [`DecodedKey::parse`] of the cache's copy of a key.
    fn parse_cached(key: &KeyBytes) -> Result<Self, ()> {
        Self::parse(key.as_slice().try_into().map_err(|_| ())?).ok_or(())
    }
}

impl crate::cache::Cached for DecodedKey {
    const FAMILY: usize = 4;
}

/// BIP-340 verification with a cache of decoded keys.
#[derive(Clone, Debug)]
pub struct Verifier {
    sequential: bool,
    key_cache: Option<Arc<KeyCache>>,
    failures: Option<Arc<FailureMemory>>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// A verifier that runs batches on rayon's threads, caching keys and remembering the
    /// failure rate process-wide.
    pub fn new() -> Self {
        static DEFAULT_CACHE: std::sync::OnceLock<Arc<KeyCache>> = std::sync::OnceLock::new();
        static FAILURES: std::sync::OnceLock<Arc<FailureMemory>> = std::sync::OnceLock::new();
        Self {
            sequential: false,
            key_cache: Some(super::default_cache(&DEFAULT_CACHE)),
            failures: Some(FAILURES.get_or_init(Arc::default).clone()),
        }
    }

    /// Where batches remember the failure rate they met, which decides whether the next ones
    /// try equations (shared with other verifiers, or none: each batch then starts as if
    /// failures were rare). Verdicts never depend on it.
    pub fn failure_memory(mut self, memory: Option<Arc<FailureMemory>>) -> Self {
        self.failures = memory;
        self
    }

    /// Verify batches on the calling thread only.
    pub fn sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// The cache of decoded keys to use, or `None` to decode every key every time.
    pub fn key_cache(mut self, cache: Option<Arc<KeyCache>>) -> Self {
        self.key_cache = cache;
        self
    }

    /// Verifies one signature.
    pub fn verify(&self, public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
        let (public_key, signature) = check_lengths(0, public_key, signature)?;
        let valid = self
            .single_key(public_key)
            .is_some_and(|key| verify_single(&key, message, &signature));
        if valid {
            Ok(())
        } else {
            Err(Error::InvalidSignature)
        }
    }

    /// Verifies many signatures; each verdict is exactly the item's single verdict.
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
        let items = (0..public_keys.len())
            .map(|i| {
                let (public_key, signature) =
                    check_lengths(i, public_keys[i].as_ref(), signatures[i].as_ref())?;
                Ok(Item {
                    public_key,
                    signature,
                    message: messages[i].as_ref(),
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(BatchOutcome::from_verdicts(
            self.verify_items(&items, crate::batch::process_secret()),
        ))
    }

    /// The key for single verification.
    fn single_key(&self, bytes: [u8; 32]) -> Option<secp256k1::XOnlyPublicKey> {
        let key = match &self.key_cache {
            Some(cache) => cache
                .get_or_decode(&KeyBytes::from(bytes), DecodedKey::parse_cached)
                .ok(),
            None => DecodedKey::parse(&bytes),
        };
        key.map(|decoded| decoded.key)
    }

    /// Verifies the batch in waves ([`crate::batch::Waves`]): a batch with sparse failures
    /// pays a few bisections, and one where failures are common costs about what verifying it
    /// singly does.
    fn verify_items(&self, items: &[Item<'_>], secret: Option<&[u8; 32]>) -> Vec<bool> {
        let Some(secret) = secret else {
            return self.verify_singly(items);
        };
        WAVES.run(
            items.len(),
            self.sequential,
            self.failures.as_deref(),
            |range, chunk_len| self.verify_chunks(&items[range], secret, chunk_len),
            |range| self.verify_singly(&items[range]),
        )
    }

    fn verify_singly(&self, items: &[Item<'_>]) -> Vec<bool> {
        crate::batch::map_items(items.len(), self.sequential, |i| {
            let item = &items[i];
            self.single_key(item.public_key)
                .is_some_and(|key| verify_single(&key, item.message, &item.signature))
        })
    }

    fn verify_chunks(&self, items: &[Item<'_>], secret: &[u8; 32], chunk_len: usize) -> Vec<bool> {
        let check_chunk = |chunk: &[Item<'_>]| self.verify_chunk(chunk, secret);
        let verdicts: Vec<Vec<bool>> = if self.sequential {
            items.chunks(chunk_len).map(check_chunk).collect()
        } else {
            items.par_chunks(chunk_len).map(check_chunk).collect()
        };
        verdicts.concat()
    }

    fn verify_chunk(&self, chunk: &[Item<'_>], secret: &[u8; 32]) -> Vec<bool> {
        let prepared = self.prepare(chunk);
        let mut verdicts = vec![false; chunk.len()];
        let mut prepared_verdicts = vec![false; prepared.len()];
        let check = ChunkCheck::new(&prepared, chunk, secret, !self.sequential);
        match prepared.len() {
            0 => return verdicts,
            // One item: its own verification is cheaper than a sum.
            1 => prepared_verdicts[0] = check.verify_one(0),
            len => {
                let whole = check.grouped_sum();
                if whole.is_identity() {
                    prepared_verdicts.fill(true);
                } else if let Some(position) = lone_failure(&check, len, &whole) {
                    prepared_verdicts.fill(true);
                    prepared_verdicts[position] = false;
                } else {
                    bisect(&check, 0..len, whole, &mut prepared_verdicts);
                }
            }
        }
        for (item, valid) in prepared.iter().zip(prepared_verdicts) {
            verdicts[item.index] = valid;
        }
        verdicts
    }

    /// The parts of each item the equation needs; an item whose `s` is not below n, whose `r`
    /// is not an x-coordinate on the curve or whose key is not a point is left out (invalid
    /// under both paths). The square roots of every `R` and every key not cached with its
    /// point are taken together, side by side.
    fn prepare(&self, chunk: &[Item<'_>]) -> Vec<Prepared> {
        // Keys the cache holds with their points, and each other key once (a signer may
        // appear many times in a chunk).
        let mut known: HashMap<[u8; 32], Option<DecodedKey>> = HashMap::new();
        let mut new_keys: Vec<[u8; 32]> = Vec::new();
        for item in chunk {
            known.entry(item.public_key).or_insert_with(|| {
                let cached = self.key_cache.as_ref().and_then(|cache| {
                    cache
                        .get::<DecodedKey>(&KeyBytes::from(item.public_key))
                        .filter(|key| key.point.is_some())
                });
                if cached.is_none() {
                    new_keys.push(item.public_key);
                }
                cached
            });
        }
        let xs: Vec<&[u8]> = chunk
            .iter()
            .map(|item| r_bytes(&item.signature))
            .chain(new_keys.iter().map(|key| key.as_slice()))
            .collect();
        let mut lifted = Affine::lift_x_many(&xs);
        let key_points = lifted.split_off(chunk.len());
        for (key, point) in new_keys.into_iter().zip(key_points) {
            known.insert(key, point.and_then(|point| self.keep_key(key, point)));
        }
        let mut prepared = Vec::with_capacity(chunk.len());
        for (index, (item, r)) in chunk.iter().zip(lifted).enumerate() {
            let mut s_bytes = [0u8; 32];
            s_bytes.copy_from_slice(&item.signature[32..]);
            let s = Scalar::from_repr(s_bytes.into()).into_option();
            let key = known.get(&item.public_key).copied().flatten();
            let (
                Some(r),
                Some(DecodedKey {
                    key,
                    point: Some(point),
                }),
                Some(s),
            ) = (r, key, s)
            else {
                continue;
            };
            prepared.push(Prepared {
                index,
                s,
                e: challenge(r_bytes(&item.signature), &item.public_key, item.message),
                r,
                key,
                point,
            });
        }
        prepared
    }

    /// The key of a point just lifted, with libsecp256k1's form of it, kept in the cache.
    fn keep_key(&self, public_key: [u8; 32], point: Affine) -> Option<DecodedKey> {
        let full = secp256k1::PublicKey::from_slice(&point.to_uncompressed()).ok()?;
        let decoded = DecodedKey {
            key: full.x_only_public_key().0,
            point: Some(point),
        };
        if let Some(cache) = &self.key_cache {
            cache.insert(&KeyBytes::from(public_key), decoded);
        }
        Some(decoded)
    }
}

/// The `r` half of a signature.
fn r_bytes(signature: &[u8; 64]) -> &[u8] {
    &signature[..32]
}

/// Verifies one BIP-340 signature.
pub fn verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> Result<(), Error> {
    Verifier::new().verify(public_key, message, signature)
}

/// Verifies a batch on rayon's threads (see [`Verifier::verify_batch`]).
pub fn verify_batch<K, M, S>(
    public_keys: &[K],
    messages: &[M],
    signatures: &[S],
) -> Result<BatchOutcome, Error>
where
    K: AsRef<[u8]> + Sync,
    M: AsRef<[u8]> + Sync,
    S: AsRef<[u8]> + Sync,
{
    Verifier::new().verify_batch(public_keys, messages, signatures)
}

/// Copies of the key and the signature, read once from the caller's memory (see
/// [`crate::cache`] for why).
fn check_lengths(
    index: usize,
    public_key: &[u8],
    signature: &[u8],
) -> Result<([u8; 32], [u8; 64]), Error> {
    Ok((
        *crate::error::exact::<PUBLIC_KEY_LENGTH>(index, Field::PublicKey, public_key)?,
        *crate::error::exact::<SIGNATURE_LENGTH>(index, Field::Signature, signature)?,
    ))
}

fn verify_single(key: &secp256k1::XOnlyPublicKey, message: &[u8], signature: &[u8; 64]) -> bool {
    let signature = secp256k1::schnorr::Signature::from_byte_array(*signature);
    secp256k1::schnorr::verify(&signature, message, key).is_ok()
}

/// SHA-256 with BIP-340's challenge tag absorbed (`SHA-256(tag) ‖ SHA-256(tag)`, one block).
static CHALLENGE_PREFIX: LazyLock<Sha256> = LazyLock::new(|| {
    let tag = Sha256::digest(b"BIP0340/challenge");
    let mut prefix = Sha256::new();
    prefix.update(tag);
    prefix.update(tag);
    prefix
});

/// e = int(hash_BIP0340/challenge(r ‖ P ‖ m)) mod n.
fn challenge(r: &[u8], public_key: &[u8; 32], message: &[u8]) -> Scalar {
    let mut hash = CHALLENGE_PREFIX.clone();
    hash.update(r);
    hash.update(public_key);
    hash.update(message);
    super::reduce(&hash.finalize().into())
}

struct Item<'a> {
    public_key: [u8; 32],
    signature: [u8; 64],
    message: &'a [u8],
}

struct Prepared {
    index: usize,
    s: Scalar,
    e: Scalar,
    r: Affine,
    key: secp256k1::XOnlyPublicKey,
    /// The key's point (`lift_x` of its bytes).
    point: Affine,
}

/// The waves and chunks of a batch. Chunks of at most 512 items: larger ones make each item's
/// share of the sum cheaper, but a failing chunk costs its bisection on one thread while others
/// wait. At least 128: below that, a chunk's share of the sum costs about as much as verifying
/// its items singly (measured on the bench machines, see BENCHMARKS.md). Chunks sized for a
/// quarter of a failure fall below 128 items from one bad item in 512, so it is `min_chunk`
/// that stops equations there; `dense` only must not stop them sooner: with 2 bad items in
/// 1,024, chunks of 128 ran at 1.15x single verification (a `dense` of one in 2,000, set
/// before the sums got faster, had sent such batches to single verification).
const WAVES: Waves = Waves {
    probe_per_thread: 64,
    min_chunk: 128,
    max_chunk: 512,
    dense: 1.0 / 500.0,
};

/// One point addition of a sum in units of one single verification (libsecp256k1's verify
/// costs about as much as this many of the bucket additions; measured on the bench machines,
/// see BENCHMARKS.md).
const ADD_COST_IN_SINGLES: f64 = 1.0 / 180.0;

struct ChunkCheck<'a> {
    prepared: &'a [Prepared],
    items: &'a [Item<'a>],
    weights: Vec<Scalar>,
    /// Whether bisection's sums may split across rayon's threads.
    parallel_sums: bool,
}

/// Items below which a bisection sum is not split across threads.
const MIN_PARALLEL_SUM: usize = 64;

impl<'a> ChunkCheck<'a> {
    fn new(
        prepared: &'a [Prepared],
        items: &'a [Item<'a>],
        secret: &[u8; 32],
        parallel_sums: bool,
    ) -> Self {
        let weights = batch_weights(prepared, items, secret);
        Self {
            prepared,
            items,
            weights,
            parallel_sums,
        }
    }

    /// The whole chunk's sum, with the terms of a repeated key merged into one.
    fn grouped_sum(&self) -> Jacobian {
        let mut key_terms: HashMap<&[u8; 32], (Affine, Scalar)> = HashMap::new();
        let mut points = Vec::with_capacity(2 * self.prepared.len());
        let mut scalars = Vec::with_capacity(2 * self.prepared.len());
        let mut g_weight = Scalar::ZERO;
        for (item, z) in self.prepared.iter().zip(&self.weights) {
            g_weight -= z * &item.s;
            points.push(item.r);
            scalars.push(*z);
            key_terms
                .entry(&self.items[item.index].public_key)
                .or_insert((item.point, Scalar::ZERO))
                .1 += z * &item.e;
        }
        for (point, weight) in key_terms.into_values() {
            points.push(point);
            scalars.push(weight);
        }
        multiscalar(&g_weight, &points, &scalars)
    }
}

impl ChunkCheck<'_> {
    /// The sum over `range`; with `by_index`, each item's term also multiplied by its position
    /// in the chunk plus one (for [`lone_failure`]).
    fn weighted_sum(&self, range: Range<usize>, by_index: bool) -> Jacobian {
        // A bisection is a chain of sums (each half's search needs the sum before it), which
        // would leave the other threads idle once the clean chunks are done: split each sum.
        if self.parallel_sums && range.len() >= 2 * MIN_PARALLEL_SUM {
            let mid = range.start + range.len() / 2;
            let (left, right) = rayon::join(
                || self.weighted_sum(range.start..mid, by_index),
                || self.weighted_sum(mid..range.end, by_index),
            );
            return left.add(&right);
        }
        let mut points = Vec::with_capacity(2 * range.len());
        let mut scalars = Vec::with_capacity(2 * range.len());
        let mut g_weight = Scalar::ZERO;
        for i in range {
            let item = &self.prepared[i];
            let z = if by_index {
                self.weights[i] * Scalar::from(i as u64 + 1)
            } else {
                self.weights[i]
            };
            g_weight -= z * item.s;
            points.extend([item.r, item.point]);
            scalars.extend([z, z * item.e]);
        }
        multiscalar(&g_weight, &points, &scalars)
    }
}

impl LocatableCheck for ChunkCheck<'_> {
    fn position_weighted_sum(&self, len: usize) -> Jacobian {
        self.weighted_sum(0..len, true)
    }

    fn add(&self, a: &Jacobian, b: &Jacobian) -> Jacobian {
        a.add(b)
    }

    fn observed(&self, sum: &Jacobian) -> Jacobian {
        *sum
    }

    fn same(&self, a: &Jacobian, b: &Jacobian) -> bool {
        a.equals(b)
    }
}

impl SplittableCheck for ChunkCheck<'_> {
    type Sum = Jacobian;

    fn sum(&self, range: Range<usize>) -> Jacobian {
        self.weighted_sum(range, false)
    }

    fn difference(&self, whole: &Jacobian, part: &Jacobian) -> Jacobian {
        whole.add(&part.neg())
    }

    fn holds(&self, sum: &Jacobian) -> bool {
        sum.is_identity()
    }

    fn verify_one(&self, index: usize) -> bool {
        let item = &self.prepared[index];
        let source = &self.items[item.index];
        verify_single(&item.key, source.message, &source.signature)
    }

    fn split_cost(&self, range: Range<usize>) -> f64 {
        let half = range.len() / 2;
        additions(2 * half) as f64 * ADD_COST_IN_SINGLES
    }

    fn parallel(&self) -> bool {
        // A failing chunk's singles would otherwise keep one thread busy while the others,
        // their chunks done, wait.
        self.parallel_sums
    }

    fn exploration_per_item(&self) -> f64 {
        // Bisection sees chunks with two or more bad items (`lone_failure` finds a lone one).
        // A chunk's first split sums half its items at well over a quarter of a single each;
        // this lets that split be made (half the time both bad items fall in one half, which
        // clears the other) rather than the whole chunk going to singles at once.
        0.35
    }
}

/// Random 128-bit weights for a chunk ([`WeightTranscript`]) over every item: signature, key
/// and challenge (which binds the message).
fn batch_weights(prepared: &[Prepared], items: &[Item<'_>], secret: &[u8; 32]) -> Vec<Scalar> {
    let mut transcript = WeightTranscript::new(
        b"batchverify bip340 batch weights v2",
        secret,
        prepared.len(),
    );
    for item in prepared {
        let source = &items[item.index];
        transcript.absorb(&source.signature);
        transcript.absorb(&source.public_key);
        transcript.absorb(&item.e.to_bytes());
    }
    transcript
        .weights::<16>(prepared.len())
        .into_iter()
        .map(|weight| Scalar::from(u128::from_be_bytes(weight)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 300 BIP-340 signatures by the secret key `[seed; 32]` (k256's signer), over the
    /// messages 0..300 as little-endian bytes.
    fn signed_by_one_key(seed: u8) -> ([u8; 32], Vec<[u8; 8]>, Vec<[u8; 64]>) {
        let signer = k256::schnorr::SigningKey::from_slice(&[seed; 32]).unwrap();
        let public_key: [u8; 32] = signer.verifying_key().to_bytes().into();
        let messages: Vec<[u8; 8]> = (0..300u64).map(u64::to_le_bytes).collect();
        let signatures = messages
            .iter()
            .map(|m| signer.sign_raw(m, &[0; 32]).unwrap().to_bytes())
            .collect();
        (public_key, messages, signatures)
    }

    #[test]
    fn keys_cached_by_single_calls_gain_their_point_in_a_batch() {
        let cache = Arc::new(KeyCache::new(64));
        // Sequential and without a failure memory: the batch is one chunk, one equation.
        let verifier = Verifier::new()
            .key_cache(Some(cache.clone()))
            .failure_memory(None)
            .sequential(true);
        let (public_key, messages, mut signatures) = signed_by_one_key(3);
        signatures[200][63] ^= 1;
        assert!(verifier
            .verify(&public_key, &messages[0], &signatures[0])
            .is_ok());
        let cached = cache.get::<DecodedKey>(&KeyBytes::from(public_key));
        assert!(
            cached.unwrap().point.is_none(),
            "a single call parses with libsecp256k1 only"
        );
        let keys = vec![public_key; messages.len()];
        let outcome = verifier
            .verify_batch(&keys, &messages, &signatures)
            .unwrap();
        assert_eq!(outcome.invalid_indices(), [200]);
        let cached = cache.get::<DecodedKey>(&KeyBytes::from(public_key));
        assert!(
            cached.unwrap().point.is_some(),
            "the batch kept the fuller entry"
        );
        assert_eq!(cache.len(), 1);
        assert!(verifier
            .verify(&public_key, &messages[1], &signatures[1])
            .is_ok());
    }

    #[test]
    fn without_a_secret_every_item_gets_its_single_verdict() {
        let (public_key, messages, mut signatures) = signed_by_one_key(6);
        signatures[250][40] ^= 1;
        let items: Vec<Item<'_>> = (0..messages.len())
            .map(|i| Item {
                public_key,
                signature: signatures[i],
                message: &messages[i],
            })
            .collect();
        let verifier = Verifier::new().key_cache(None).sequential(true);
        let expected: Vec<bool> = (0..items.len()).map(|i| i != 250).collect();
        assert_eq!(verifier.verify_items(&items, None), expected);
        assert_eq!(verifier.verify_items(&items, Some(&[9; 32])), expected);
    }

    #[test]
    fn one_bad_item_is_located_and_two_are_bisected() {
        let signer = k256::schnorr::SigningKey::from_slice(&[5; 32]).unwrap();
        let public_key: [u8; 32] = signer.verifying_key().to_bytes().into();
        let messages: Vec<[u8; 8]> = (0..400u64).map(u64::to_le_bytes).collect();
        let good: Vec<[u8; 64]> = messages
            .iter()
            .map(|m| signer.sign_raw(m, &[0; 32]).unwrap().to_bytes())
            .collect();
        let keys = vec![public_key; messages.len()];
        // Sequential and without a failure memory: one chunk of 400, one equation.
        let verifier = Verifier::new()
            .key_cache(None)
            .failure_memory(None)
            .sequential(true);
        for bad in [
            vec![200],
            vec![64],
            vec![399],
            vec![100, 300],
            vec![150, 151, 152],
        ] {
            let mut signatures = good.clone();
            for &i in &bad {
                signatures[i][40] ^= 1;
            }
            let outcome = verifier
                .verify_batch(&keys, &messages, &signatures)
                .unwrap();
            assert_eq!(outcome.invalid_indices(), bad);
        }
    }
}
