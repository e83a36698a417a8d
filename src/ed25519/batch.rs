//! The batch path: one randomized multiscalar equation per chunk; on failure, a lone bad item
//! located by one more sum, else bisection; chunks sized by the failure rate recent batches met
//! ([`crate::batch::Waves`]).
//!
//! For `Zip215` the chunk equation is
//! `[8]( Σ z_i R_i + Σ (z_i k_i) A_i - [Σ z_i S_i] B ) = 0`
//! with random 128-bit `z_i`. If every item satisfies its own cofactored equation the sum is
//! zero; if any item fails, the sum is non-zero except with probability about 2^-128, so a
//! passing chunk gives each item exactly its single verdict. Items that fail a structural check
//! (S not reduced, R or A not a point) never enter the equation: they are invalid under both
//! paths.
//!
//! `Strict` is cofactorless: `Σ z_i R_i + Σ (z_i k_i) A_i - [Σ z_i S_i] B = 0`. A point with a
//! torsion component can satisfy `[S]B = R + [k]A` with some weights and not others (a weight
//! cancels an order-2 component with probability 1/2), so the equation only takes items whose
//! R and A lie in the prime-order subgroup, where it is exact like Zip215's: each term is zero
//! for a valid item, and a non-zero term survives the random weights except with probability
//! about 2^-128. Membership (`[L]P` = 0) is tested per point by two exponentiations (`lanes`)
//! and remembered per key in the cache. The other items: with A in the subgroup, `[S]B - [k]A`
//! is too, so a non-canonical R encoding or the identity can never equal it and the item is
//! invalid; an R outside the subgroup cannot either, but that item is verified singly, so that
//! a wrong subgroup answer can never reject a valid item; an item whose A has a torsion
//! component (but is not of small order) may be valid and is verified singly by the exact rule.

use std::collections::HashMap;
use std::ops::Range;

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use curve25519_dalek::Scalar;
use rayon::prelude::*;

use super::key::is_canonical_encoding;
use super::{
    challenge, lanes, parse_s, r_bytes, verify_item, zip215_equation_holds, DecodedKey, Policy,
    Verifier,
};
use crate::batch::{
    bisect, lone_failure, map_items, LocatableCheck, SplittableCheck, Waves, WeightTranscript,
};

/// One item, its key and signature copied out of the caller's memory (`check_lengths`).
pub(super) struct Item<'a> {
    pub(super) public_key: [u8; 32],
    pub(super) signature: [u8; 64],
    pub(super) message: &'a [u8],
}

/// The waves and chunks of a batch. At most 2,048 items per multiscalar check: Pippenger's
/// cost per point has flattened out well before this, and smaller chunks keep bisection local
/// and spread work over threads. Any smaller chunk still beats singles when all its items are
/// valid, so a small batch is split across the threads however thin. Equations stop at one bad
/// item in 64, where chunks sized for a quarter of a bad item would hold 16: with 1% bad items
/// chunks of 25 ran at 1.41x the rate of singles with distinct keys and 1.65x with 64 signers
/// (BENCHMARKS.md); rates between 1% and 10% were not measured.
const WAVES: Waves = Waves {
    probe_per_thread: 32,
    min_chunk: 1,
    max_chunk: 2048,
    dense: 1.0 / 64.0,
};

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
    match secret {
        Some(secret) => verify_by_equations(verifier, items, secret),
        None => verify_singly(verifier, items),
    }
}

fn verify_singly(verifier: &Verifier, items: &[Item<'_>]) -> Vec<bool> {
    map_items(items.len(), verifier.sequential, |i| {
        verify_single(verifier, &items[i])
    })
}

fn verify_single(verifier: &Verifier, item: &Item<'_>) -> bool {
    let key = verifier.decode_key(&item.public_key);
    verify_item(
        verifier.policy,
        &item.public_key,
        key.as_ref(),
        item.message,
        &item.signature,
    )
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

/// A chunk's items sorted by how they are decided: by the equation, or singly (positions in
/// the chunk). The rest are invalid.
struct PreparedChunk {
    equation: Vec<Prepared>,
    singly: Vec<usize>,
}

fn verify_by_equations(verifier: &Verifier, items: &[Item<'_>], secret: &[u8; 32]) -> Vec<bool> {
    let check_chunk = |chunk: &[Item<'_>]| verify_chunk(verifier, chunk, secret);
    let chunked = |range: Range<usize>, chunk_len: usize| {
        let items = &items[range];
        let verdicts: Vec<Vec<bool>> = if verifier.sequential {
            items.chunks(chunk_len).map(check_chunk).collect()
        } else {
            items.par_chunks(chunk_len).map(check_chunk).collect()
        };
        verdicts.concat()
    };
    let singly = |range: Range<usize>| verify_singly(verifier, &items[range]);
    let memory = verifier.failures.as_deref();
    WAVES.run(items.len(), verifier.sequential, memory, chunked, singly)
}

/// Each chunk is prepared and checked on one thread, so the decoded points stay in that
/// core's cache between decoding and the multiscalar multiplication.
fn verify_chunk(verifier: &Verifier, chunk: &[Item<'_>], secret: &[u8; 32]) -> Vec<bool> {
    let PreparedChunk { equation, singly } = match verifier.policy {
        Policy::Zip215 => prepare_zip215(verifier, chunk),
        Policy::Strict => prepare_strict(verifier, chunk),
    };
    let mut verdicts = vec![false; chunk.len()];
    for index in singly {
        verdicts[index] = verify_single(verifier, &chunk[index]);
    }
    if equation.is_empty() {
        return verdicts;
    }
    let check = EquationCheck::new(verifier.policy, &equation, chunk, secret);
    let mut prepared_verdicts = vec![false; equation.len()];
    if equation.len() == 1 {
        // One item: its own double-base equation is cheaper than a multiscalar sum.
        prepared_verdicts[0] = check.verify_one(0);
    } else {
        let whole = check.grouped_sum(false);
        if check.holds(&whole) {
            prepared_verdicts.fill(true);
        } else if let Some(position) = lone_failure(&check, equation.len(), &whole) {
            prepared_verdicts.fill(true);
            prepared_verdicts[position] = false;
        } else {
            bisect(&check, 0..equation.len(), whole, &mut prepared_verdicts);
        }
    }
    for (item, valid) in equation.iter().zip(prepared_verdicts) {
        verdicts[item.index] = valid;
    }
    verdicts
}

/// A chunk's keys and R points, decompressed many at a time so that the square roots fill the
/// SIMD lanes.
struct DecodedChunk {
    /// Every distinct key of the chunk, decoded, or `None` where it is not a point.
    keys: HashMap<[u8; 32], Option<DecodedKey>>,
    /// For the items with a reduced S whose key `decode_chunk`'s `wants_r` accepted: position in
    /// the chunk, S, and R where it is a point.
    items: Vec<(usize, Scalar, Option<lanes::Decompressed>)>,
}

/// Decodes the chunk's keys (from the cache, else decompressed together and kept in it), then
/// decompresses together the R of each item with a reduced S whose key `wants_r` accepts. With
/// `subgroup`, every point decompressed is also tested for the prime-order subgroup, and a
/// cached key whose membership is not known yet is decoded again.
fn decode_chunk(
    verifier: &Verifier,
    chunk: &[Item<'_>],
    subgroup: bool,
    wants_r: impl Fn(&Item<'_>, &DecodedKey) -> bool,
) -> DecodedChunk {
    let path = lanes::LanePath::detect();
    let mut keys: HashMap<[u8; 32], Option<DecodedKey>> = HashMap::new();
    let mut to_decode: Vec<[u8; 32]> = Vec::new();
    for item in chunk {
        keys.entry(item.public_key).or_insert_with(|| {
            let cached = verifier
                .cached_key(item.public_key)
                .filter(|key| !subgroup || key.torsion_free.is_some());
            if cached.is_none() {
                to_decode.push(item.public_key);
            }
            cached
        });
    }
    let decompressed = lanes::decompress_all(path, &to_decode, subgroup);
    #[cfg(test)]
    tests::after_keys_decoded();
    for (key, point) in to_decode.into_iter().zip(decompressed) {
        let decoded = point.map(|point| DecodedKey {
            torsion_free: point.torsion_free,
            ..DecodedKey::from_point(&key, point.point)
        });
        if let Some(decoded) = decoded {
            verifier.keep_key(key, decoded);
        }
        keys.insert(key, decoded);
    }

    let mut items = Vec::with_capacity(chunk.len());
    let mut encodings = Vec::with_capacity(chunk.len());
    for (index, item) in chunk.iter().enumerate() {
        let Some(s) = parse_s(&item.signature) else {
            continue;
        };
        if keys[&item.public_key].is_some_and(|key| wants_r(item, &key)) {
            items.push((index, s, None));
            encodings.push(r_bytes(&item.signature));
        }
    }
    for (item, r) in items
        .iter_mut()
        .zip(lanes::decompress_all(path, &encodings, subgroup))
    {
        item.2 = r;
    }
    DecodedChunk { keys, items }
}

/// The items of `chunk` that pass every structural check, decoded for the `Zip215` equation.
fn prepare_zip215(verifier: &Verifier, chunk: &[Item<'_>]) -> PreparedChunk {
    let decoded = decode_chunk(verifier, chunk, false, |_, _| true);
    let equation = decoded
        .items
        .into_iter()
        .filter_map(|(index, s, r)| {
            let item = &chunk[index];
            let a = decoded.keys[&item.public_key]?.point;
            let k = challenge(&item.signature[..32], &item.public_key, item.message);
            Some(Prepared {
                index,
                s,
                k,
                r: r?.point,
                a,
            })
        })
        .collect();
    PreparedChunk {
        equation,
        singly: Vec::new(),
    }
}

/// The items of `chunk` the `Strict` equation can decide, canonical R and A in the prime-order
/// subgroup and R not the identity, and those verified singly.
///
/// Singly: items whose key has a torsion component (not of small order), and items whose R is
/// a point outside the subgroup. The second kind is invalid whenever the subgroup answers are
/// right (A is in the subgroup, so `[S]B - [k]A` is too); verifying it singly costs an honest
/// batch nothing and keeps a wrong "outside" answer from ever rejecting a valid item.
fn prepare_strict(verifier: &Verifier, chunk: &[Item<'_>]) -> PreparedChunk {
    let strict_key = |key: &DecodedKey| key.canonical && !key.small_order;
    let decoded = decode_chunk(verifier, chunk, true, |item, key| {
        strict_key(key) && is_canonical_encoding(&r_bytes(&item.signature))
    });
    let mut prepared = PreparedChunk {
        equation: Vec::with_capacity(decoded.items.len()),
        singly: Vec::new(),
    };
    for (index, s, r) in decoded.items {
        let item = &chunk[index];
        let Some(key) = decoded.keys[&item.public_key] else {
            continue;
        };
        let Some(r) = r else {
            continue;
        };
        if key.torsion_free != Some(true) || r.torsion_free != Some(true) {
            prepared.singly.push(index);
        } else if !r.point.is_identity() {
            let k = challenge(&item.signature[..32], &item.public_key, item.message);
            prepared.equation.push(Prepared {
                index,
                s,
                k,
                r: r.point,
                a: key.point,
            });
        }
    }
    prepared
}

/// A chunk's randomized equation, split and searched by [`bisect`] and [`lone_failure`].
struct EquationCheck<'a> {
    policy: Policy,
    chunk: &'a [Prepared],
    items: &'a [Item<'a>],
    weights: Vec<Scalar>,
}

impl<'a> EquationCheck<'a> {
    fn new(
        policy: Policy,
        chunk: &'a [Prepared],
        items: &'a [Item<'a>],
        secret: &[u8; 32],
    ) -> Self {
        let weights = batch_weights(chunk, items, secret);
        Self {
            policy,
            chunk,
            items,
            weights,
        }
    }

    /// The chunk's sum with the key terms of repeated signers merged into one term per key,
    /// which shrinks the multiscalar multiplication for validator-vote workloads; with
    /// `by_position`, every item's term also multiplied by its position plus one.
    fn grouped_sum(&self, by_position: bool) -> EdwardsPoint {
        let weights: std::borrow::Cow<'_, [Scalar]> = if by_position {
            (1..)
                .zip(&self.weights)
                .map(|(position, z)| Scalar::from(position as u64) * z)
                .collect()
        } else {
            (&self.weights[..]).into()
        };
        let mut key_terms: HashMap<&[u8; 32], (Scalar, EdwardsPoint)> = HashMap::new();
        let mut b_weight = Scalar::ZERO;
        for (item, z) in self.chunk.iter().zip(weights.iter()) {
            b_weight -= z * item.s;
            key_terms
                .entry(&self.items[item.index].public_key)
                .or_insert((Scalar::ZERO, item.a))
                .0 += z * item.k;
        }
        let scalars = core::iter::once(b_weight)
            .chain(weights.iter().copied())
            .chain(key_terms.values().map(|(w, _)| *w));
        let points = core::iter::once(ED25519_BASEPOINT_POINT)
            .chain(self.chunk.iter().map(|item| item.r))
            .chain(key_terms.values().map(|(_, a)| *a));
        EdwardsPoint::vartime_multiscalar_mul(scalars, points)
    }
}

impl LocatableCheck for EquationCheck<'_> {
    fn position_weighted_sum(&self, len: usize) -> EdwardsPoint {
        debug_assert_eq!(len, self.chunk.len());
        self.grouped_sum(true)
    }

    fn add(&self, a: &EdwardsPoint, b: &EdwardsPoint) -> EdwardsPoint {
        a + b
    }

    fn observed(&self, sum: &EdwardsPoint) -> EdwardsPoint {
        match self.policy {
            Policy::Zip215 => sum.mul_by_cofactor(),
            // Every term lies in the prime-order subgroup: there is nothing to look past.
            Policy::Strict => *sum,
        }
    }

    fn same(&self, a: &EdwardsPoint, b: &EdwardsPoint) -> bool {
        a == b
    }
}

impl SplittableCheck for EquationCheck<'_> {
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
        match self.policy {
            Policy::Zip215 => sum.is_small_order(),
            Policy::Strict => sum.is_identity(),
        }
    }

    fn verify_one(&self, index: usize) -> bool {
        let item = &self.chunk[index];
        match self.policy {
            Policy::Zip215 => zip215_equation_holds(&item.a, &item.r, &item.k, &item.s),
            // R is canonical and not of small order, so equal points mean `verify_strict`'s
            // equal encodings.
            Policy::Strict => {
                EdwardsPoint::vartime_double_scalar_mul_basepoint(&item.k, &-item.a, &item.s)
                    == item.r
            }
        }
    }

    fn split_cost(&self, range: Range<usize>) -> f64 {
        SUM_COST_PER_ITEM * (range.len() / 2) as f64
    }

    fn parallel(&self) -> bool {
        // Chunks already run in parallel, each on one thread.
        false
    }
}

/// Random 128-bit weights for a chunk ([`WeightTranscript`]) over every item of the chunk:
/// signature, key and challenge (which binds the message). Verdicts never depend on the
/// weights, except with probability about 2^-128.
fn batch_weights(chunk: &[Prepared], items: &[Item<'_>], secret: &[u8; 32]) -> Vec<Scalar> {
    let mut transcript =
        WeightTranscript::new(b"batchverify ed25519 batch weights v2", secret, chunk.len());
    for item in chunk {
        let source = &items[item.index];
        transcript.absorb(&source.signature);
        transcript.absorb(&source.public_key);
        transcript.absorb(item.k.as_bytes());
    }
    transcript
        .weights::<16>(chunk.len())
        .into_iter()
        .map(|weight| {
            let mut wide = [0u8; 32];
            wide[..16].copy_from_slice(&weight);
            // Below 2^128 < L: no reduction, and nonzero as drawn.
            Scalar::from_bytes_mod_order(wide)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha512};
    use std::cell::RefCell;

    thread_local! {
        static AFTER_KEYS_DECODED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
    }

    /// Runs between a chunk's key decoding and its cache inserts: where a caller whose memory
    /// changes during the call could once make the cache keep a point under other bytes.
    pub(super) fn after_keys_decoded() {
        AFTER_KEYS_DECODED.with(|hook| {
            if let Some(hook) = &*hook.borrow() {
                hook();
            }
        });
    }

    /// A Zip215-valid signature by the secret scalar `a`, with `torsion` added to R and
    /// `key_torsion` to the key (both invisible to the cofactored equation).
    fn signed_with_torsion(
        a: Scalar,
        message: &[u8],
        torsion: EdwardsPoint,
        key_torsion: EdwardsPoint,
    ) -> ([u8; 32], [u8; 64]) {
        let public_key = (ED25519_BASEPOINT_POINT * a + key_torsion)
            .compress()
            .to_bytes();
        let r = Scalar::from_bytes_mod_order_wide(&Sha512::digest(message).into());
        let big_r = (ED25519_BASEPOINT_POINT * r + torsion)
            .compress()
            .to_bytes();
        let s = r + challenge(&big_r, &public_key, message) * a;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&big_r);
        signature[32..].copy_from_slice(s.as_bytes());
        (public_key, signature)
    }

    #[test]
    fn a_lone_bad_item_among_torsion_components_is_located_exactly() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let n = 40;
        let messages: Vec<Vec<u8>> = (0..n).map(|i| format!("vote {i}").into_bytes()).collect();
        let signed: Vec<([u8; 32], [u8; 64])> = messages
            .iter()
            .enumerate()
            .map(|(i, message)| {
                let a = Scalar::from(1000 + i as u64);
                // Every third R and every fifth key carry a small-order component.
                let torsion = EIGHT_TORSION[if i % 3 == 0 { 1 + i % 7 } else { 0 }];
                let key_torsion = EIGHT_TORSION[if i % 5 == 0 { 1 + i % 7 } else { 0 }];
                signed_with_torsion(a, message, torsion, key_torsion)
            })
            .collect();
        let verifier = Verifier::new(Policy::Zip215).key_cache(None);
        for bad in [vec![0], vec![17], vec![n - 1], vec![3, 30], vec![9, 10, 33]] {
            let mut signatures: Vec<[u8; 64]> = signed.iter().map(|(_, s)| *s).collect();
            for &i in &bad {
                signatures[i][40] ^= 1;
            }
            let items: Vec<Item<'_>> = (0..n)
                .map(|i| Item {
                    public_key: signed[i].0,
                    signature: signatures[i],
                    message: &messages[i],
                })
                .collect();
            let consensus: Vec<bool> = (0..n)
                .map(|i| {
                    let key = ed25519_consensus::VerificationKey::try_from(signed[i].0).unwrap();
                    key.verify(&signatures[i].into(), &messages[i]).is_ok()
                })
                .collect();
            assert_eq!(
                (0..n).filter(|&i| !consensus[i]).collect::<Vec<_>>(),
                bad,
                "the oracle sees exactly the corrupted items"
            );
            assert_eq!(verify_chunk(&verifier, &items, &[7; 32]), consensus);
            let prepared = prepare_zip215(&verifier, &items).equation;
            let check = EquationCheck::new(Policy::Zip215, &prepared, &items, &[7; 32]);
            let located = lone_failure(&check, n, &check.grouped_sum(false));
            assert_eq!(located, (bad.len() == 1).then_some(bad[0]), "{bad:?}");
        }
    }

    #[test]
    fn strict_batches_sort_items_by_what_their_points_are() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let clean = EdwardsPoint::default();
        let message = b"sorted";
        let signed = |key_torsion: usize, r_torsion: usize| {
            signed_with_torsion(
                Scalar::from(77u64 + key_torsion as u64),
                message,
                EIGHT_TORSION[r_torsion],
                if key_torsion == 0 {
                    clean
                } else {
                    EIGHT_TORSION[key_torsion]
                },
            )
        };
        let mut cases = vec![signed(0, 0), signed(1, 0), signed(0, 4), signed(0, 0)];
        // R of small order.
        cases[3].1[..32].copy_from_slice(&EIGHT_TORSION[2].compress().to_bytes());
        // R the identity, and the identity encoded with the sign bit set (not canonical).
        let identity = clean.compress().to_bytes();
        let mut negative_zero = identity;
        negative_zero[31] |= 0x80;
        for r in [identity, negative_zero] {
            let mut case = signed(0, 0);
            case.1[..32].copy_from_slice(&r);
            cases.push(case);
        }
        // A key of small order, and S not reduced.
        let mut case = signed(0, 0);
        case.0 = EIGHT_TORSION[3].compress().to_bytes();
        cases.push(case);
        let mut case = signed(0, 0);
        case.1[63] = 0xff;
        cases.push(case);
        let items: Vec<Item<'_>> = cases
            .iter()
            .map(|&(public_key, signature)| Item {
                public_key,
                signature,
                message,
            })
            .collect();

        let cache = std::sync::Arc::new(crate::ed25519::KeyCache::new(64));
        let strict = Verifier::new(Policy::Strict).key_cache(Some(cache.clone()));
        let zip215 = Verifier::new(Policy::Zip215).key_cache(Some(cache.clone()));
        // Keys cached by a Zip215 batch have no subgroup answer: Strict decodes them again.
        assert_eq!(prepare_zip215(&zip215, &items).equation.len(), 7);
        for _ in 0..2 {
            let prepared = prepare_strict(&strict, &items);
            let equation: Vec<usize> = prepared.equation.iter().map(|item| item.index).collect();
            assert_eq!(equation, [0]);
            assert_eq!(prepared.singly, [1, 2, 3]);
        }
        let torsion_free = |i: usize| strict.cached_key(cases[i].0).unwrap().torsion_free;
        assert_eq!(torsion_free(0), Some(true));
        assert_eq!(torsion_free(1), Some(false));
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
                public_key: public_keys[i],
                signature: signatures[i],
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

    /// The caller's key memory is rewritten from X to Y after the batch decoded X and before
    /// it fills the cache (as a Python buffer another thread writes can be). The cache must not
    /// keep X's point under Y's bytes: if it did, X's owner could sign for Y in every later
    /// call of the process. Failed before keys were copied once (`check_lengths`): the insert
    /// read the caller's memory a second time.
    #[test]
    fn a_key_rewritten_during_a_batch_does_not_poison_the_cache() {
        let x = Scalar::from(4242u64);
        let key_x = (ED25519_BASEPOINT_POINT * x).compress().to_bytes();
        let key_y = (ED25519_BASEPOINT_POINT * Scalar::from(777u64))
            .compress()
            .to_bytes();
        let (_, signature_x) = signed_with_torsion(
            x,
            b"honest",
            EdwardsPoint::default(),
            EdwardsPoint::default(),
        );
        // X's owner signs a message as if X's point were Y's: the challenge hashes Y's bytes.
        let r = Scalar::from(99u64);
        let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
        let mut forged = [0u8; 64];
        forged[..32].copy_from_slice(&big_r);
        forged[32..].copy_from_slice((r + challenge(&big_r, &key_y, b"forged") * x).as_bytes());

        for policy in [Policy::Zip215, Policy::Strict] {
            let cache = std::sync::Arc::new(crate::ed25519::KeyCache::new(64));
            let verifier = Verifier::new(policy)
                .key_cache(Some(cache.clone()))
                .failure_memory(None)
                .sequential(true);
            // Memory the library reads in place and the "caller" writes behind its back, as a
            // foreign (Python) caller's buffer is; the raw pointer is the only writer.
            let caller_memory: *mut [u8; 32] = Box::into_raw(Box::new(key_x));
            // SAFETY: the allocation lives until the `Box::from_raw` below; the one write
            // through the raw pointer models memory another thread changes during the call.
            #[allow(unsafe_code)]
            let caller_key: &[u8] = unsafe { &*caller_memory };
            AFTER_KEYS_DECODED.with(|hook| {
                *hook.borrow_mut() = Some(Box::new(move || {
                    // SAFETY: as above.
                    #[allow(unsafe_code)]
                    unsafe {
                        std::ptr::write_volatile(caller_memory, key_y)
                    };
                }))
            });
            let outcome = verifier.verify_batch(
                &[caller_key, &key_x[..]],
                &[&b"honest"[..], b"honest"],
                &[signature_x, signature_x],
            );
            AFTER_KEYS_DECODED.with(|hook| *hook.borrow_mut() = None);
            // SAFETY: made by `Box::into_raw` above and no longer borrowed.
            #[allow(unsafe_code)]
            drop(unsafe { Box::from_raw(caller_memory) });
            outcome.unwrap();

            let cached_y = verifier.cached_key(key_y);
            assert!(
                cached_y.is_none_or(|key| key.point.compress().to_bytes() == key_y),
                "{policy}: Y's bytes map to another point"
            );
            assert_eq!(
                verifier.verify(&key_y, b"forged", &forged),
                Err(crate::Error::InvalidSignature),
                "{policy}: X's owner signs for Y"
            );
        }
    }
}
