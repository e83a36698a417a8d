//! Batch verification of BLS signature sets.
//!
//! For sets `(pk_i, m_i, σ_i)` with random nonzero 64-bit weights `r_i`, all verify (except with
//! probability about 2^-64 per bad set) when
//!
//! `Π_m e(Σ_{i: m_i = m} r_i·pk_i, H(m)) = e(Σ_i r_i·σ_i, g)`:
//!
//! one hash and one Miller-loop pair per distinct message rather than per set (several pairs to
//! a loop, sharing its squarings), one Miller loop for the weighted signature sum, one final
//! exponentiation. A batch is cut into chunks, one equation each, spread over rayon's threads
//! and sized by the failure rate recent batches met ([`Waves`]); where failures are dense,
//! sets are verified alone.
//!
//! When the equation fails, the shared bisection ([`crate::batch::bisect`], with its cost ledger)
//! isolates the bad sets. Every message is hashed once, and each message group's own Miller loop
//! is made the first time bisection needs it and kept, so a half costs one Miller loop for its
//! signature sum, a final exponentiation, and a fresh loop only for a group the split cuts in
//! two (or one not needed before); a set alone in its group reuses its group's loop. A batch where
//! every set is bad therefore costs little more than verifying each set alone (a hash, two
//! Miller loops and a final exponentiation each), not a multiple of it.
//!
//! The target group has prime order and every weight is nonzero and below it, so a range of one
//! set holds exactly when that set's own equation does: verdicts equal single verification.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use blst::blst_fp12;
use rayon::prelude::*;

use super::curve::Curve;
use super::hash_to_curve::gt_one;
use super::{check_len, decode_signature, Scheme, SignatureSet, Verifier};
use crate::batch::{bisect, map_items, SplittableCheck, Waves, WeightTranscript};
use crate::{BatchOutcome, Error, Field};

/// Costs in units of one set verified alone with blst (hash to curve, a Miller loop over two
/// pairs, a final exponentiation: 830 µs), measured for min-pk on the Xeon of BENCHMARKS.md.
/// They steer bisection, never a verdict. A Miller loop over one pair:
const MILLER_LOOP_COST: f64 = 0.25;
const FINAL_EXP_COST: f64 = 0.33;
/// One weighted signature (64-bit scalar) in a multi-scalar sum.
const SIGNATURE_TERM_COST: f64 = 0.012;

/// Message groups whose pairs share one Miller loop in the first pass: past eight the saving
/// per pair has flattened out (0.204, 0.184, 0.173, 0.168 of a single verification for 2, 4, 8
/// and 16 pairs), and smaller tasks spread over threads.
const GROUPS_PER_LOOP: usize = 8;

/// A set that decoded: its (summed) key and its signature.
struct Prepared<C: Curve> {
    key: C::PublicKey,
    signature: C::Signature,
    /// Which distinct `aug ‖ message` the set signs (index into `Check::groups`).
    group: usize,
}

struct Check<C: Curve> {
    /// Decoded sets, ordered so that sets of one message are adjacent.
    sets: Vec<Prepared<C>>,
    /// One 64-bit weight per entry of `sets`, little-endian, back to back.
    weights: Vec<u8>,
    /// The positions in `sets` of each group.
    groups: Vec<Range<usize>>,
    /// `H(aug ‖ message)` of each group, hashed once however often bisection comes back.
    hashes: Vec<C::MessagePoint>,
    /// The Miller loop of each group's weighted key sum with its hash, made when bisection
    /// first needs it and kept.
    group_loops: Vec<OnceLock<blst_fp12>>,
}

/// Both sides of a range's equation as Miller-loop values; it holds when their final
/// exponentiations are equal. Keeping the sides apart lets a difference be formed by
/// multiplication alone.
struct Sides {
    keys: blst_fp12,
    signatures: blst_fp12,
}

pub(super) fn verify_sets<C: Curve>(
    bls: &Verifier,
    sets: &[SignatureSet<'_>],
) -> Result<BatchOutcome, Error> {
    verify_sets_keyed::<C>(bls, sets, crate::batch::process_secret())
}

/// The waves and chunks of a batch ([`Waves`]). A chunk's equation costs a signature loop and
/// a final exponentiation (0.58 of a set verified alone) and saves about half of each valid
/// set's cost (its hash and a share of a key loop remain), so two sets already pay; bisection
/// inside a failing chunk is cheap beside its first sum (the group loops are kept). Chunks run
/// on the threads, each searched on its own, so exploring never waits on one thread while
/// the others idle. Equations stop paying near one bad set in eight (chunks of a few sets,
/// a third of them failing): past one in 16, sets are verified alone, so that the estimate
/// from one probe errs towards singles. The probe is 16 sets a thread: with one bad set in
/// ten, a probe of four found none in 43% of batches, whose rest then went to large chunks and
/// long searches (0.84x singles on two threads).
const WAVES: Waves = Waves {
    probe_per_thread: 16,
    min_chunk: 2,
    max_chunk: 1024,
    dense: 1.0 / 16.0,
};

/// Without a `secret` to key the weights with, an attacker who predicts them could make bad sets
/// cancel, so every set is then verified alone.
fn verify_sets_keyed<C: Curve>(
    bls: &Verifier,
    sets: &[SignatureSet<'_>],
    secret: Option<&[u8; 32]>,
) -> Result<BatchOutcome, Error> {
    for (index, set) in sets.iter().enumerate() {
        for key in set.public_keys {
            check_len(index, Field::PublicKey, key, C::PUBLIC_KEY_LEN)?;
        }
        check_len(index, Field::Signature, set.signature, C::SIGNATURE_LEN)?;
    }
    let decode = |(index, set): (usize, &SignatureSet<'_>)| decode_set::<C>(bls, index, set);
    let decoded: Vec<Option<(C::PublicKey, C::Signature)>> = if !bls.sequential {
        sets.par_iter().enumerate().map(decode).collect()
    } else {
        sets.iter().enumerate().map(decode).collect()
    };
    let grouped = Grouped::<C>::new(bls, sets, &decoded);
    let alone = |range: Range<usize>| grouped.verify_alone(&decoded, range);
    let by_position = match secret {
        None => alone(0..grouped.order.len()),
        Some(secret) => {
            let chunked = |range: Range<usize>, chunk_len: usize| {
                let check_chunk = |start: usize| {
                    let chunk = start..(start + chunk_len).min(range.end);
                    grouped.verify_chunk(sets, &decoded, chunk, secret)
                };
                let starts: Vec<usize> = range.clone().step_by(chunk_len).collect();
                let verdicts: Vec<Vec<bool>> = if bls.sequential {
                    starts.into_iter().map(check_chunk).collect()
                } else {
                    starts.into_par_iter().map(check_chunk).collect()
                };
                verdicts.concat()
            };
            WAVES.run(
                grouped.order.len(),
                bls.sequential,
                bls.failures.as_deref(),
                chunked,
                alone,
            )
        }
    };
    // Sets that did not decode are invalid, as single verification says.
    let mut verdicts = vec![false; sets.len()];
    for (&index, valid) in grouped.order.iter().zip(by_position) {
        verdicts[index] = valid;
    }
    Ok(BatchOutcome::from_verdicts(verdicts))
}

/// The sets that decoded, ordered so that sets of one message are adjacent (a chunk then holds
/// whole groups, each one hash and one key loop), with each message hashed once for the batch.
struct Grouped<C: Curve> {
    /// Set indices, in group order; waves and chunks cut this order.
    order: Vec<usize>,
    /// The group of each position of `order`.
    group_at: Vec<usize>,
    /// `H(aug ‖ message)` of each group.
    hashes: Vec<C::MessagePoint>,
    sequential: bool,
}

impl<C: Curve> Grouped<C> {
    fn new(
        bls: &Verifier,
        sets: &[SignatureSet<'_>],
        decoded: &[Option<(C::PublicKey, C::Signature)>],
    ) -> Self {
        let mut groups: HashMap<(&[u8], &[u8]), usize> = HashMap::new();
        let mut messages = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (index, set) in sets.iter().enumerate() {
            if decoded[index].is_none() {
                continue;
            }
            let signed = (augmentation(bls, set), set.message);
            let group = *groups.entry(signed).or_insert_with(|| {
                messages.push(signed);
                members.push(Vec::new());
                messages.len() - 1
            });
            members[group].push(index);
        }
        let hash = |&(aug, message): &(&[u8], &[u8])| {
            count(Operation::Hash, 1);
            C::hash_message(message, &bls.dst, aug)
        };
        let hashes = if !bls.sequential {
            messages.par_iter().map(hash).collect()
        } else {
            messages.iter().map(hash).collect()
        };
        let group_at = (0..)
            .zip(&members)
            .flat_map(|(group, indices)| core::iter::repeat_n(group, indices.len()))
            .collect();
        Grouped {
            order: members.concat(),
            group_at,
            hashes,
            sequential: bls.sequential,
        }
    }

    /// The verdicts of the sets at `positions` by their chunk's equation, searched by
    /// bisection where it fails; on the calling thread.
    fn verify_chunk(
        &self,
        sets: &[SignatureSet<'_>],
        decoded: &[Option<(C::PublicKey, C::Signature)>],
        positions: Range<usize>,
        secret: &[u8; 32],
    ) -> Vec<bool> {
        let mut prepared: Vec<Prepared<C>> = Vec::with_capacity(positions.len());
        let mut groups: Vec<Range<usize>> = Vec::new();
        let mut hashes = Vec::new();
        for position in positions.clone() {
            let group = self.group_at[position];
            if position == positions.start || group != self.group_at[position - 1] {
                groups.push(prepared.len()..prepared.len());
                hashes.push(self.hashes[group]);
            }
            let (key, signature) = decoded[self.order[position]].expect("only decoded sets");
            prepared.push(Prepared {
                key,
                signature,
                group: groups.len() - 1,
            });
            groups.last_mut().expect("pushed above").end += 1;
        }
        let check = Check {
            weights: weights(secret, sets, &self.order[positions]),
            sets: prepared,
            group_loops: (0..groups.len()).map(|_| OnceLock::new()).collect(),
            groups,
            hashes,
        };
        let all = 0..check.sets.len();
        // One set alone is its own equation: a batch sum first would only add a second one.
        if all.len() == 1 {
            return vec![check.verify_one(0)];
        }
        let mut verdicts = vec![false; all.len()];
        let sum = check.whole_sum();
        bisect(&check, all, sum, &mut verdicts);
        verdicts
    }

    /// The sets at `positions` verified alone: two Miller loops and a final exponentiation
    /// each, with the group's hash.
    fn verify_alone(
        &self,
        decoded: &[Option<(C::PublicKey, C::Signature)>],
        positions: Range<usize>,
    ) -> Vec<bool> {
        map_items(positions.len(), self.sequential, |offset| {
            let position = positions.start + offset;
            let (key, signature) = decoded[self.order[position]].expect("only decoded sets");
            set_equation_holds::<C>(&key, &self.hashes[self.group_at[position]], &signature)
        })
    }
}

/// The bytes a scheme puts before the message it hashes: the key, for message augmentation.
fn augmentation<'a>(bls: &Verifier, set: &SignatureSet<'a>) -> &'a [u8] {
    match bls.scheme {
        Scheme::MessageAugmentation => set.public_keys[0],
        _ => &[],
    }
}

/// One set's own unweighted equation, which needs no scalar multiplication.
fn set_equation_holds<C: Curve>(
    key: &C::PublicKey,
    hash: &C::MessagePoint,
    signature: &C::Signature,
) -> bool {
    count(Operation::MillerLoop, 2);
    count(Operation::FinalExponentiation, 1);
    blst_fp12::finalverify(&C::key_loop(key, hash), &C::signature_loop(signature))
}

/// The set's aggregate key and its signature, or `None` when a point is invalid or the set has
/// no key (its verdict is then `false`, as single verification would say).
fn decode_set<C: Curve>(
    bls: &Verifier,
    index: usize,
    set: &SignatureSet<'_>,
) -> Option<(C::PublicKey, C::Signature)> {
    let keys = set
        .public_keys
        .iter()
        .map(|key| bls.decode_key::<C>(index, key))
        .collect::<Result<Vec<_>, Error>>()
        .ok()?;
    let key = match keys.as_slice() {
        [] => return None,
        [key] => *key,
        many => C::sum_public_keys(many),
    };
    let signature = decode_signature::<C>(index, set.signature).ok()?;
    Some((key, signature))
}

/// Random nonzero 64-bit weights ([`WeightTranscript`]) over every set: signature, message and
/// keys.
fn weights(secret: &[u8; 32], sets: &[SignatureSet<'_>], origin: &[usize]) -> Vec<u8> {
    let mut transcript =
        WeightTranscript::new(b"batchverify bls batch weights v2", secret, origin.len());
    for &index in origin {
        let set = &sets[index];
        transcript.absorb(set.signature);
        transcript.absorb(set.message);
        for key in set.public_keys {
            transcript.absorb(key);
        }
    }
    transcript.weights::<8>(origin.len()).concat()
}

impl<C: Curve> Check<C> {
    fn weights_of(&self, range: Range<usize>) -> &[u8] {
        &self.weights[8 * range.start..8 * range.end]
    }

    /// The sum of the whole batch, its key side from Miller loops over several groups each.
    fn whole_sum(&self) -> Sides {
        let shared_loop = |(chunk, groups): (usize, &[Range<usize>])| {
            let first = chunk * GROUPS_PER_LOOP;
            let keys: Vec<C::PublicKey> = groups
                .iter()
                .map(|range| self.weighted_key(range.clone()))
                .collect();
            count(Operation::SharedLoopPair, groups.len());
            C::keys_loop(&keys, &self.hashes[first..first + groups.len()])
        };
        let keys = self
            .groups
            .chunks(GROUPS_PER_LOOP)
            .enumerate()
            .map(shared_loop)
            .fold(gt_one(), |a, b| a * b);
        Sides {
            keys,
            signatures: self.signature_loop(0..self.sets.len()),
        }
    }

    /// The group's own Miller loop, made once.
    fn group_loop(&self, group: usize) -> blst_fp12 {
        *self.group_loops[group].get_or_init(|| self.key_loop(group, self.groups[group].clone()))
    }

    /// The weighted sum of the keys of `range`.
    fn weighted_key(&self, range: Range<usize>) -> C::PublicKey {
        let keys: Vec<C::PublicKey> = self.sets[range.clone()].iter().map(|s| s.key).collect();
        C::weighted_public_keys(&keys, self.weights_of(range))
    }

    /// The Miller loop of the weighted key sum of `range` (all in `group`) with the group's hash.
    fn key_loop(&self, group: usize, range: Range<usize>) -> blst_fp12 {
        count(Operation::MillerLoop, 1);
        C::key_loop(&self.weighted_key(range), &self.hashes[group])
    }

    fn signature_loop(&self, range: Range<usize>) -> blst_fp12 {
        count(Operation::MillerLoop, 1);
        count(Operation::SignatureTerm, range.len());
        let signatures: Vec<C::Signature> = self.sets[range.clone()]
            .iter()
            .map(|s| s.signature)
            .collect();
        C::signature_loop(&C::weighted_signatures(&signatures, self.weights_of(range)))
    }

    /// The groups `range` (not empty) touches, each with the part of it inside `range`.
    fn group_parts(&self, range: Range<usize>) -> impl Iterator<Item = (usize, Range<usize>)> + '_ {
        debug_assert!(!range.is_empty());
        let first = self.sets[range.start].group;
        let last = self.sets[range.end - 1].group;
        (first..=last).map(move |group| {
            let whole = &self.groups[group];
            (
                group,
                whole.start.max(range.start)..whole.end.min(range.end),
            )
        })
    }

    /// The key side of `range`'s equation: the kept loops of the groups it holds whole, fresh
    /// loops for the parts of groups it cuts.
    fn keys_side(&self, range: Range<usize>) -> blst_fp12 {
        let part_loop = |(group, part): (usize, Range<usize>)| {
            if part == self.groups[group] {
                self.group_loop(group)
            } else {
                self.key_loop(group, part)
            }
        };
        self.group_parts(range)
            .map(part_loop)
            .fold(gt_one(), |a, b| a * b)
    }

    /// Miller loops `range`'s key side still needs.
    fn loops_needed(&self, range: Range<usize>) -> usize {
        self.group_parts(range)
            .filter(|(group, part)| {
                *part != self.groups[*group] || self.group_loops[*group].get().is_none()
            })
            .count()
    }
}

impl<C: Curve> SplittableCheck for Check<C> {
    type Sum = Sides;

    fn sum(&self, range: Range<usize>) -> Sides {
        Sides {
            keys: self.keys_side(range.clone()),
            signatures: self.signature_loop(range),
        }
    }

    fn difference(&self, whole: &Sides, part: &Sides) -> Sides {
        // keys/signatures ÷ part.keys/part.signatures, with no inversion.
        let mut keys = whole.keys;
        keys *= part.signatures;
        let mut signatures = whole.signatures;
        signatures *= part.keys;
        Sides { keys, signatures }
    }

    fn holds(&self, sum: &Sides) -> bool {
        count(Operation::FinalExponentiation, 1);
        blst_fp12::finalverify(&sum.keys, &sum.signatures)
    }

    /// The set alone in its group reuses the group's (weighted) loop when bisection already
    /// made it; otherwise the set's own unweighted equation, which needs no scalar
    /// multiplication (a one-point multi-scalar sum costs more than the loop it would save).
    fn verify_one(&self, index: usize) -> bool {
        let set = &self.sets[index];
        if self.groups[set.group].len() == 1 {
            if let Some(&keys) = self.group_loops[set.group].get() {
                return self.holds(&Sides {
                    keys,
                    signatures: self.signature_loop(index..index + 1),
                });
            }
        }
        set_equation_holds::<C>(&set.key, &self.hashes[set.group], &set.signature)
    }

    fn split_cost(&self, range: Range<usize>) -> f64 {
        let left = range.start..range.start + range.len() / 2;
        (1 + self.loops_needed(left.clone())) as f64 * MILLER_LOOP_COST
            + 2.0 * FINAL_EXP_COST
            + left.len() as f64 * SIGNATURE_TERM_COST
    }

    fn parallel(&self) -> bool {
        // Chunks already run in parallel, each on one thread.
        false
    }
}

/// The expensive steps of the equation, counted per thread in tests so that the cost of a batch
/// can be checked against verifying its sets alone.
#[derive(Clone, Copy)]
enum Operation {
    Hash,
    MillerLoop,
    SharedLoopPair,
    FinalExponentiation,
    SignatureTerm,
}

#[cfg(not(test))]
fn count(_: Operation, _: usize) {}

#[cfg(test)]
fn count(operation: Operation, times: usize) {
    tests::COUNTS.with(|counts| counts.borrow_mut()[operation as usize] += times);
}

/// The independent single verdicts the integration tests use (blst's own verify).
#[cfg(test)]
#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

#[cfg(test)]
mod tests {
    use super::oracles;
    use super::*;
    use crate::bls::{SecretKey, Variant};
    use std::sync::Arc;

    thread_local! {
        /// How many of each [`Operation`] this thread did.
        pub(super) static COUNTS: std::cell::RefCell<[usize; 5]> =
            const { std::cell::RefCell::new([0; 5]) };
    }

    /// Measured as the costs above: hashing to G2, and one pair of a Miller loop over
    /// [`GROUPS_PER_LOOP`] pairs.
    const HASH_COST: f64 = 0.18;
    const SHARED_LOOP_PAIR_COST: f64 = 0.17;

    /// What the counted operations cost, in single verifications.
    fn cost(counts: [usize; 5]) -> f64 {
        let unit = [
            HASH_COST,
            MILLER_LOOP_COST,
            SHARED_LOOP_PAIR_COST,
            FINAL_EXP_COST,
            SIGNATURE_TERM_COST,
        ];
        counts.iter().zip(unit).map(|(&n, c)| n as f64 * c).sum()
    }

    struct Batch {
        keys: Vec<Vec<u8>>,
        messages: Vec<Vec<u8>>,
        signatures: Vec<Vec<u8>>,
    }

    /// `n` sets over `distinct` messages; the sets in `bad` sign something else.
    fn batch(bls: &Verifier, n: usize, distinct: usize, bad: &[usize]) -> Batch {
        let mut batch = Batch {
            keys: Vec::new(),
            messages: Vec::new(),
            signatures: Vec::new(),
        };
        for i in 0..n {
            let secret = SecretKey::key_gen(&[i as u8 + 1; 32]).unwrap();
            let message = vec![(i % distinct) as u8; 8];
            let signed = if bad.contains(&i) {
                b"forged".to_vec()
            } else {
                message.clone()
            };
            batch.keys.push(bls.public_key(&secret));
            batch.signatures.push(bls.sign(&secret, &signed));
            batch.messages.push(message);
        }
        batch
    }

    /// Verdicts and the operations spent on them.
    fn run(bls: &Verifier, batch: &Batch, secret: Option<&[u8; 32]>) -> (Vec<bool>, [usize; 5]) {
        let keys: Vec<[&[u8]; 1]> = batch.keys.iter().map(|k| [k.as_slice()]).collect();
        let sets: Vec<SignatureSet<'_>> = (0..keys.len())
            .map(|i| SignatureSet {
                public_keys: &keys[i],
                message: &batch.messages[i],
                signature: &batch.signatures[i],
            })
            .collect();
        COUNTS.with(|c| *c.borrow_mut() = [0; 5]);
        let outcome = match bls.variant {
            Variant::MinPk => verify_sets_keyed::<super::super::curve::MinPk>(bls, &sets, secret),
            Variant::MinSig => verify_sets_keyed::<super::super::curve::MinSig>(bls, &sets, secret),
        };
        (outcome.unwrap().into_vec(), COUNTS.with(|c| *c.borrow()))
    }

    /// blst's own verdicts, not ours.
    fn single_verdicts(batch: &Batch, bls: &Verifier) -> Vec<bool> {
        (0..batch.keys.len())
            .map(|i| {
                oracles::blst_oracle(
                    bls,
                    &batch.keys[i..=i],
                    &batch.messages[i],
                    &batch.signatures[i],
                )
            })
            .collect()
    }

    const HASHES: usize = Operation::Hash as usize;
    const LOOPS: usize = Operation::MillerLoop as usize;
    const FINAL_EXPS: usize = Operation::FinalExponentiation as usize;

    #[test]
    fn an_all_bad_batch_costs_at_most_one_and_a_half_singles() {
        for variant in [Variant::MinPk, Variant::MinSig] {
            let bls = Verifier::new(variant, Scheme::ProofOfPossession)
                .sequential(true)
                .failure_memory(None);
            for (n, distinct) in [(1, 1), (2, 2), (3, 3), (3, 1), (64, 64), (64, 8), (37, 37)] {
                let all: Vec<usize> = (0..n).collect();
                let batch = batch(&bls, n, distinct, &all);
                let (verdicts, counts) = run(&bls, &batch, Some(&[3; 32]));
                assert_eq!(verdicts, vec![false; n]);
                assert_eq!(counts[HASHES], distinct, "each message hashed once");
                assert!(
                    cost(counts) <= 1.5 * n as f64,
                    "{variant:?} n = {n}: {counts:?} costs {} singles",
                    cost(counts)
                );
            }
        }
    }

    #[test]
    fn an_all_valid_batch_is_one_equation() {
        let bls = Verifier::ethereum().sequential(true).failure_memory(None);
        let batch = batch(&bls, 40, 10, &[]);
        let (verdicts, counts) = run(&bls, &batch, Some(&[3; 32]));
        assert_eq!(verdicts, vec![true; 40]);
        assert_eq!(counts, [10, 1, 10, 1, 40]);
    }

    #[test]
    fn sparse_failures_cost_a_few_equations() {
        let bls = Verifier::ethereum().sequential(true).failure_memory(None);
        let n = 64;
        let batch = batch(&bls, n, n, &[17]);
        let (verdicts, counts) = run(&bls, &batch, Some(&[3; 32]));
        assert_eq!(verdicts, single_verdicts(&batch, &bls));
        assert_eq!(verdicts.iter().filter(|v| !**v).count(), 1);
        // The first pass; then, per halving (log2 64 = 6), the left half's groups' own loops (32
        // in all, each made once), a signature loop and the two halves' final exponentiations
        // (or, once the ledger stops splitting, one per set of a short range).
        assert!(counts[LOOPS] <= 1 + n / 2 + 2 * 6, "{counts:?}");
        assert!(counts[FINAL_EXPS] <= 2 + 2 * 6, "{counts:?}");
        // The first pass alone is about a third of verifying singly; finding the bad set adds
        // less than another third.
        assert!(
            cost(counts) < 2.0 / 3.0 * n as f64,
            "{counts:?} costs {} singles",
            cost(counts)
        );
    }

    /// Failed before: BLS batches had no failure memory, so every all-bad batch paid its
    /// equation and bisection on top of the singles (1.2 to 1.5 times their cost).
    #[test]
    fn all_bad_batches_cost_what_their_singles_do_and_a_clean_one_is_back_to_equations() {
        let memory = Arc::new(crate::FailureMemory::new());
        let bls = Verifier::ethereum()
            .sequential(true)
            .failure_memory(Some(memory.clone()));
        let n = 64;
        let all: Vec<usize> = (0..n).collect();
        let bad = batch(&bls, n, n, &all);
        // A fresh memory: four sets alone show failures are dense, the rest go alone too.
        // Then one probe equation over four sets, and every other set alone.
        for _ in 0..2 {
            let (verdicts, counts) = run(&bls, &bad, Some(&[3; 32]));
            assert_eq!(verdicts, vec![false; n]);
            assert!(
                cost(counts) <= 1.05 * n as f64,
                "{counts:?} costs {}",
                cost(counts)
            );
        }
        // A clean batch after them pays one probe and is back to equations.
        let clean = batch(&bls, n, n, &[]);
        let (verdicts, counts) = run(&bls, &clean, Some(&[3; 32]));
        assert_eq!(verdicts, vec![true; n]);
        assert!(cost(counts) < 0.6 * n as f64, "{counts:?}");
    }

    #[test]
    fn without_a_secret_every_set_is_verified_alone() {
        let bls = Verifier::ethereum().sequential(true).failure_memory(None);
        let batch = batch(&bls, 12, 3, &[2, 7]);
        let (verdicts, counts) = run(&bls, &batch, None);
        assert_eq!(verdicts, single_verdicts(&batch, &bls));
        assert_eq!(verdicts.iter().filter(|v| !**v).count(), 2);
        assert_eq!(
            (counts[LOOPS], counts[FINAL_EXPS]),
            (2 * 12, 12),
            "one equation per set"
        );
        let (keyed, _) = run(&bls, &batch, Some(&[5; 32]));
        assert_eq!(keyed, verdicts);
    }
}
