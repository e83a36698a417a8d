//! Batch verification of BLS signature sets.
//!
//! For sets `(pk_i, m_i, σ_i)` with random nonzero 64-bit weights `r_i`, all verify (except with
//! probability about 2^-64 per bad set) when
//!
//! `Π_m e(Σ_{i: m_i = m} r_i·pk_i, H(m)) = e(Σ_i r_i·σ_i, g)`:
//!
//! one Miller loop per distinct message rather than per set, one final exponentiation, and
//! multi-scalar sums for the keys and signatures. The Miller loops of a batch run in parallel on
//! rayon, each thread with its own blst pairing context, merged before the final step. When the
//! equation fails, halves are checked until every bad set is found; a range of one set is exactly
//! that set's own verification, so verdicts equal single verification.

use std::collections::HashMap;
use std::ops::Range;

use blst::Pairing;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use super::curve::Curve;
use super::{check_len, decode_key, decode_signature, Bls, Scheme, SignatureSet};
use crate::{BatchOutcome, Error, Field};

/// Distinct messages per rayon task in one equation: a Miller loop costs about as much as the
/// task overhead many times over, so small tasks still pay.
const GROUPS_PER_TASK: usize = 4;

/// A set that decoded: its (summed) key and its signature.
struct Prepared<C: Curve> {
    key: C::PublicKey,
    signature: C::Signature,
    /// Which distinct `aug ‖ message` the set signs (index into `Check::messages`).
    group: usize,
}

struct Check<'a, C: Curve> {
    bls: &'a Bls,
    /// Decoded sets, ordered so that sets of one message are adjacent.
    sets: Vec<Prepared<C>>,
    /// Position in the caller's batch of each entry of `sets`.
    origin: Vec<usize>,
    /// One 64-bit weight per entry of `sets`, little-endian, back to back.
    weights: Vec<u8>,
    /// `(aug, message)` of each group.
    messages: Vec<(&'a [u8], &'a [u8])>,
}

pub(super) fn verify_sets<C: Curve>(
    bls: &Bls,
    sets: &[SignatureSet<'_>],
) -> Result<BatchOutcome, Error> {
    for (index, set) in sets.iter().enumerate() {
        for key in set.public_keys {
            check_len(index, Field::PublicKey, key, C::PUBLIC_KEY_LEN)?;
        }
        check_len(index, Field::Signature, set.signature, C::SIGNATURE_LEN)?;
    }
    let decode = |(index, set): (usize, &SignatureSet<'_>)| decode_set::<C>(index, set);
    let decoded: Vec<Option<(C::PublicKey, C::Signature)>> = if bls.parallel {
        sets.par_iter().enumerate().map(decode).collect()
    } else {
        sets.iter().enumerate().map(decode).collect()
    };

    let mut groups: HashMap<(&[u8], &[u8]), usize> = HashMap::new();
    let mut messages = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (index, set) in sets.iter().enumerate() {
        if decoded[index].is_none() {
            continue;
        }
        let aug = match bls.scheme {
            Scheme::MessageAugmentation => set.public_keys[0],
            _ => &[],
        };
        let group = *groups.entry((aug, set.message)).or_insert_with(|| {
            messages.push((aug, set.message));
            members.push(Vec::new());
            messages.len() - 1
        });
        members[group].push(index);
    }
    let mut origin = Vec::with_capacity(sets.len());
    let mut prepared: Vec<Prepared<C>> = Vec::with_capacity(sets.len());
    for (group, indices) in members.iter().enumerate() {
        for &index in indices {
            let (key, signature) = decoded[index].expect("only decoded sets are grouped");
            origin.push(index);
            prepared.push(Prepared {
                key,
                signature,
                group,
            });
        }
    }
    let check = Check {
        bls,
        weights: weights(sets, &origin),
        sets: prepared,
        origin,
        messages,
    };
    let mut verdicts = vec![false; sets.len()];
    check.find_valid(0..check.sets.len(), &mut verdicts);
    Ok(BatchOutcome::from_verdicts(verdicts))
}

/// The set's aggregate key and its signature, or `None` when a point is invalid or the set has
/// no key (its verdict is then `false`, as single verification would say).
fn decode_set<C: Curve>(
    index: usize,
    set: &SignatureSet<'_>,
) -> Option<(C::PublicKey, C::Signature)> {
    let keys = set
        .public_keys
        .iter()
        .map(|key| decode_key::<C>(index, key))
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

/// Random nonzero 64-bit weights, derived from a per-process secret and every set (so nobody
/// who does not know the secret can pick sets whose errors cancel, and a run can be repeated
/// within a process).
fn weights(sets: &[SignatureSet<'_>], origin: &[usize]) -> Vec<u8> {
    let mut transcript = Sha256::new();
    transcript.update(b"batchverify bls batch weights v1");
    transcript.update(crate::batch::process_secret());
    transcript.update((origin.len() as u64).to_le_bytes());
    for &index in origin {
        let set = &sets[index];
        transcript.update(set.signature);
        transcript.update((set.message.len() as u64).to_le_bytes());
        transcript.update(set.message);
        for key in set.public_keys {
            transcript.update(key);
        }
    }
    let seed: [u8; 32] = transcript.finalize().into();
    let mut weights = Vec::with_capacity(8 * origin.len());
    for counter in 0..origin.len().div_ceil(4) as u64 {
        let mut block = Sha256::new();
        block.update(seed);
        block.update(counter.to_le_bytes());
        weights.extend_from_slice(&block.finalize());
    }
    weights.truncate(8 * origin.len());
    for weight in weights.chunks_exact_mut(8) {
        // A zero weight would drop its set from the equation.
        if weight.iter().all(|&b| b == 0) {
            weight[0] = 1;
        }
    }
    weights
}

impl<C: Curve> Check<'_, C> {
    /// Marks every valid set in `range` (positions in `self.sets`).
    fn find_valid(&self, range: Range<usize>, verdicts: &mut [bool]) {
        if range.is_empty() {
            return;
        }
        if self.holds(range.clone()) {
            for &index in &self.origin[range] {
                verdicts[index] = true;
            }
            return;
        }
        if range.len() == 1 {
            return;
        }
        let middle = range.start + range.len() / 2;
        self.find_valid(range.start..middle, verdicts);
        self.find_valid(middle..range.end, verdicts);
    }

    /// Whether the weighted equation holds for the sets in `range`. For one set it is that
    /// set's own verification equation times a nonzero weight.
    fn holds(&self, range: Range<usize>) -> bool {
        let runs = self.group_runs(range.clone());
        let weights = &self.weights[8 * range.start..8 * range.end];
        let signatures: Vec<C::Signature> = self.sets[range.clone()]
            .iter()
            .map(|s| s.signature)
            .collect();
        let (pairing, signature_sum) = if self.bls.parallel {
            rayon::join(
                || {
                    runs.par_chunks(GROUPS_PER_TASK)
                        .map(|runs| self.miller_loops(runs))
                        .reduce_with(|a, b| merge(a, b?))
                        .flatten()
                },
                || weighted_signature_sum::<C>(&signatures, weights, true),
            )
        } else {
            (
                self.miller_loops(&runs),
                weighted_signature_sum::<C>(&signatures, weights, false),
            )
        };
        match pairing {
            Some(pairing) => pairing.finalverify(Some(&C::signature_pairing(&signature_sum))),
            None => false,
        }
    }

    /// Consecutive positions of `range` that sign the same message.
    fn group_runs(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let mut runs: Vec<Range<usize>> = Vec::new();
        for position in range {
            match runs.last_mut() {
                Some(run) if self.sets[run.start].group == self.sets[position].group => {
                    run.end = position + 1;
                }
                _ => runs.push(position..position + 1),
            }
        }
        runs
    }

    /// A committed pairing context holding e(Σ r_i·pk_i, H(m)) for each run; `None` if blst
    /// refused a point (then the equation is treated as failing and bisection decides).
    fn miller_loops(&self, runs: &[Range<usize>]) -> Option<Pairing<'_>> {
        let mut pairing = Pairing::new(true, &self.bls.dst);
        for run in runs {
            let weights = &self.weights[8 * run.start..8 * run.end];
            let (aug, message) = self.messages[self.sets[run.start].group];
            // A lone set needs no multi-scalar sum: blst weights its key inside the pairing.
            let added = if run.len() == 1 {
                let key = &self.sets[run.start].key;
                C::add_weighted_to_pairing(&mut pairing, key, weights, message, aug)
            } else {
                let keys: Vec<C::PublicKey> =
                    self.sets[run.clone()].iter().map(|s| s.key).collect();
                let key = C::weighted_public_keys(&keys, weights);
                C::add_to_pairing(&mut pairing, &key, None, message, aug)
            };
            if !added {
                return None;
            }
        }
        pairing.commit();
        Some(pairing)
    }
}

fn merge<'a>(first: Option<Pairing<'a>>, second: Pairing<'a>) -> Option<Pairing<'a>> {
    let mut first = first?;
    (first.merge(&second) == blst::BLST_ERROR::BLST_SUCCESS).then_some(first)
}

/// Σ weights[i]·signatures[i], split across rayon's threads when `parallel`.
fn weighted_signature_sum<C: Curve>(
    signatures: &[C::Signature],
    weights: &[u8],
    parallel: bool,
) -> C::Signature {
    const PER_TASK: usize = 256;
    if !parallel || signatures.len() <= PER_TASK {
        return C::weighted_signatures(signatures, weights);
    }
    let parts: Vec<C::Signature> = signatures
        .par_chunks(PER_TASK)
        .zip(weights.par_chunks(8 * PER_TASK))
        .map(|(signatures, weights)| C::weighted_signatures(signatures, weights))
        .collect();
    C::sum_signatures(&parts)
}
