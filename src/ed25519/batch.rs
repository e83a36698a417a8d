//! The batch path: one randomized multiscalar equation per chunk, bisection on failure.
//!
//! For `Zip215` the chunk equation is
//! `[8]( Σ z_i R_i + Σ (z_i k_i) A_i - [Σ z_i S_i] B ) = 0`
//! with random 128-bit `z_i`. If every item satisfies its own cofactored equation the sum is
//! zero; if any item fails, the sum is non-zero except with probability about 2^-128, so a
//! passing chunk gives each item exactly its single verdict. Items that fail a structural check
//! (S not reduced, R or A not a point) never enter the equation: they are invalid under both
//! paths.
//!
//! `Strict` is cofactorless. A point with a torsion component can satisfy `[S]B = R + [k]A`
//! with some weights and not others, and random weights only catch a torsion mismatch with
//! probability 1/2 per weight, so a batch equation cannot reproduce the single verdict for such
//! points. Deciding torsion-freeness costs a scalar multiplication per point, as much as a single
//! verification. So `Strict` batches are verified item by item, in parallel, with keys decoded
//! once through the cache: the verdicts are the single verdicts by construction.

use std::collections::HashMap;
use std::ops::Range;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::traits::VartimeMultiscalarMul;
use curve25519_dalek::Scalar;
use rayon::prelude::*;
use sha2::{Digest, Sha512};

use super::{challenge, parse_s, r_bytes, verify_item, zip215_equation_holds, Policy, Verifier};
use crate::batch::{bisect, chunk_len, map_items, threads, SplittableCheck};

pub(super) struct Item<'a> {
    pub(super) public_key: &'a [u8; 32],
    pub(super) signature: &'a [u8; 64],
    pub(super) message: &'a [u8],
}

/// Upper bound on items per multiscalar check. Pippenger's cost per point has flattened out well
/// before this, and smaller chunks keep bisection local and spread work over threads.
const MAX_CHUNK: usize = 2048;

/// Cost of one item's share of the batch sum relative to one single-item equation: about a fifth
/// on the IFMA backend (all-valid batch vs singles in BENCHMARKS.md), rounded up so that
/// bisection errs towards falling back early. It only steers bisection, never a verdict.
const SUM_COST_PER_ITEM: f64 = 0.25;

pub(super) fn verify(verifier: &Verifier, items: &[Item<'_>]) -> Vec<bool> {
    verify_keyed(verifier, items, crate::batch::process_secret())
}

/// Without a `secret` to key the weights with, a batch equation could be cancelled by an
/// attacker who predicts them, so every item is then verified by its single rule.
fn verify_keyed(verifier: &Verifier, items: &[Item<'_>], secret: Option<&[u8; 32]>) -> Vec<bool> {
    match (verifier.policy, secret) {
        (Policy::Zip215, Some(secret)) => verify_zip215(verifier, items, secret),
        (policy, _) => map_items(items.len(), verifier.sequential, |i| {
            let item = &items[i];
            let key = verifier.decode_key(item.public_key);
            verify_item(
                policy,
                item.public_key,
                key.as_ref(),
                item.message,
                item.signature,
            )
        }),
    }
}

/// An item that passed every structural check, ready for the equation; `index` is its
/// position in its chunk.
struct Prepared {
    index: usize,
    s: Scalar,
    k: Scalar,
    r: EdwardsPoint,
    a: EdwardsPoint,
}

fn verify_zip215(verifier: &Verifier, items: &[Item<'_>], secret: &[u8; 32]) -> Vec<bool> {
    if items.is_empty() {
        return Vec::new();
    }
    let chunk_len = chunk_len(items.len(), threads(verifier.sequential), MAX_CHUNK);
    let check_chunk = |chunk: &[Item<'_>]| verify_zip215_chunk(verifier, chunk, secret);
    let verdicts: Vec<Vec<bool>> = if verifier.sequential {
        items.chunks(chunk_len).map(check_chunk).collect()
    } else {
        items.par_chunks(chunk_len).map(check_chunk).collect()
    };
    verdicts.concat()
}

/// Each chunk is prepared and checked on one thread, so the decoded points stay in that
/// core's cache between decoding and the multiscalar multiplication.
fn verify_zip215_chunk(verifier: &Verifier, chunk: &[Item<'_>], secret: &[u8; 32]) -> Vec<bool> {
    let prepared: Vec<Prepared> = chunk
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            let s = parse_s(item.signature)?;
            let r = CompressedEdwardsY(r_bytes(item.signature)).decompress()?;
            let a = verifier.decode_key(item.public_key)?.point;
            let k = challenge(&item.signature[..32], item.public_key, item.message);
            Some(Prepared { index, s, k, r, a })
        })
        .collect();
    let mut verdicts = vec![false; chunk.len()];
    if prepared.is_empty() {
        return verdicts;
    }
    let check = Zip215Check::new(&prepared, chunk, secret);
    let mut prepared_verdicts = vec![false; prepared.len()];
    if prepared.len() == 1 {
        // One item: its own double-base equation is cheaper than a multiscalar sum.
        prepared_verdicts[0] = check.verify_one(0);
    } else {
        bisect(
            &check,
            0..prepared.len(),
            check.grouped_sum(),
            &mut prepared_verdicts,
        );
    }
    for (item, valid) in prepared.iter().zip(prepared_verdicts) {
        verdicts[item.index] = valid;
    }
    verdicts
}

/// Enough chunks to keep every thread of the current pool busy, none above [`MAX_CHUNK`].
struct Zip215Check<'a> {
    chunk: &'a [Prepared],
    items: &'a [Item<'a>],
    weights: Vec<Scalar>,
}

impl<'a> Zip215Check<'a> {
    fn new(chunk: &'a [Prepared], items: &'a [Item<'a>], secret: &[u8; 32]) -> Self {
        let weights = batch_weights(chunk, items, secret);
        Self {
            chunk,
            items,
            weights,
        }
    }

    /// The chunk's sum with the key terms of repeated signers merged into one term per key,
    /// which shrinks the multiscalar multiplication for validator-vote workloads.
    fn grouped_sum(&self) -> EdwardsPoint {
        let mut key_terms: HashMap<&[u8; 32], (Scalar, EdwardsPoint)> = HashMap::new();
        let mut b_weight = Scalar::ZERO;
        for (item, z) in self.chunk.iter().zip(&self.weights) {
            b_weight -= z * item.s;
            key_terms
                .entry(self.items[item.index].public_key)
                .or_insert((Scalar::ZERO, item.a))
                .0 += z * item.k;
        }
        let scalars = core::iter::once(b_weight)
            .chain(self.weights.iter().copied())
            .chain(key_terms.values().map(|(w, _)| *w));
        let points = core::iter::once(ED25519_BASEPOINT_POINT)
            .chain(self.chunk.iter().map(|item| item.r))
            .chain(key_terms.values().map(|(_, a)| *a));
        EdwardsPoint::vartime_multiscalar_mul(scalars, points)
    }
}

impl SplittableCheck for Zip215Check<'_> {
    type Sum = EdwardsPoint;

    fn sum(&self, range: Range<usize>) -> EdwardsPoint {
        let chunk = &self.chunk[range.clone()];
        let weights = &self.weights[range];
        let b_weight: Scalar = -chunk
            .iter()
            .zip(weights)
            .map(|(item, z)| z * item.s)
            .sum::<Scalar>();
        let scalars = core::iter::once(b_weight)
            .chain(weights.iter().copied())
            .chain(chunk.iter().zip(weights).map(|(item, z)| z * item.k));
        let points = core::iter::once(ED25519_BASEPOINT_POINT)
            .chain(chunk.iter().map(|item| item.r))
            .chain(chunk.iter().map(|item| item.a));
        EdwardsPoint::vartime_multiscalar_mul(scalars, points)
    }

    fn difference(&self, whole: &EdwardsPoint, part: &EdwardsPoint) -> EdwardsPoint {
        whole - part
    }

    fn holds(&self, sum: &EdwardsPoint) -> bool {
        sum.is_small_order()
    }

    fn verify_one(&self, index: usize) -> bool {
        let item = &self.chunk[index];
        zip215_equation_holds(&item.a, &item.r, &item.k, &item.s)
    }

    fn split_cost(&self, range: Range<usize>) -> f64 {
        SUM_COST_PER_ITEM * (range.len() / 2) as f64
    }

    fn parallel(&self) -> bool {
        // Chunks already run in parallel, each on one thread.
        false
    }
}

/// Random 128-bit weights for a chunk, unpredictable to whoever wrote the signatures.
///
/// They are derived from SHA-512 over a per-process secret (from the OS) and every item of the
/// chunk (signature, key and challenge, which binds the message). Someone who does not know the
/// secret cannot choose signatures whose errors cancel; the same chunk in the same process gets
/// the same weights, so a run can be reproduced; verdicts never depend on the weights anyway,
/// except with probability about 2^-128.
fn batch_weights(chunk: &[Prepared], items: &[Item<'_>], secret: &[u8; 32]) -> Vec<Scalar> {
    let mut transcript = Sha512::new();
    transcript.update(b"batchverify ed25519 batch weights v1");
    transcript.update(secret);
    transcript.update((chunk.len() as u64).to_le_bytes());
    for item in chunk {
        let source = &items[item.index];
        transcript.update(source.signature);
        transcript.update(source.public_key);
        transcript.update(item.k.as_bytes());
    }
    let seed: [u8; 64] = transcript.finalize().into();

    let mut weights = Vec::with_capacity(chunk.len());
    let mut counter = 0u64;
    while weights.len() < chunk.len() {
        let mut block = Sha512::new();
        block.update(seed);
        block.update(counter.to_le_bytes());
        counter += 1;
        let bytes: [u8; 64] = block.finalize().into();
        for quarter in bytes.chunks_exact(16).take(chunk.len() - weights.len()) {
            let mut wide = [0u8; 32];
            wide[..16].copy_from_slice(quarter);
            let z = Scalar::from_bytes_mod_order(wide);
            // A zero weight would drop its item from the equation; it has probability 2^-128.
            weights.push(if z == Scalar::ZERO { Scalar::ONE } else { z });
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_batch_and_respect_the_bound() {
        for items in [1, 2, 3, 511, 512, 4096, 5000, 100_000] {
            for sequential in [true, false] {
                let len = chunk_len(items, threads(sequential), MAX_CHUNK);
                assert!((1..=MAX_CHUNK).contains(&len), "{items}: {len}");
                assert!(items.div_ceil(len) * len >= items);
            }
        }
        assert_eq!(chunk_len(100, threads(true), MAX_CHUNK), 100);
    }

    #[test]
    fn without_a_secret_every_item_gets_its_single_verdict() {
        let messages: Vec<Vec<u8>> = (0..6u8).map(|i| vec![i; 10]).collect();
        let keys: Vec<ed25519_dalek::SigningKey> = (0..6u8)
            .map(|i| ed25519_dalek::SigningKey::from_bytes(&[i + 1; 32]))
            .collect();
        let public_keys: Vec<[u8; 32]> =
            keys.iter().map(|k| k.verifying_key().to_bytes()).collect();
        let mut signatures: Vec<[u8; 64]> = keys
            .iter()
            .zip(&messages)
            .map(|(k, m)| ed25519_dalek::Signer::sign(k, m).to_bytes())
            .collect();
        signatures[2][40] ^= 1;
        signatures[4] = signatures[3];
        let items: Vec<Item<'_>> = (0..6)
            .map(|i| Item {
                public_key: &public_keys[i],
                signature: &signatures[i],
                message: &messages[i],
            })
            .collect();
        let verifier = Verifier::new(Policy::Zip215).key_cache(None);
        let single: Vec<bool> = (0..6)
            .map(|i| {
                verifier
                    .verify(&public_keys[i], &messages[i], &signatures[i])
                    .is_ok()
            })
            .collect();
        assert_eq!(single, [true, true, false, true, false, true]);
        assert_eq!(verify_keyed(&verifier, &items, None), single);
        assert_eq!(verify_keyed(&verifier, &items, Some(&[9; 32])), single);
    }
}
