//! BLS12-381 (Ethereum's min-pk, proof of possession): batchverify against blst on the same
//! signature sets.

use std::sync::Arc;

use batchverify::bls::{dst, SecretKey, Verifier};
use batchverify::KeyCache;
use blst::min_pk::{PublicKey, Signature};
use blst::BLST_ERROR::BLST_SUCCESS;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::case::{bad_mask, cache_capacity, unzip3};
use crate::{Case, Regime, Spec, Sweep};

/// Sets a single-call row cycles through.
const SINGLE_CALL_ITEMS: usize = 64;

/// Signature sets by distinct keys, compressed as they arrive from the network.
pub(crate) struct Inputs {
    pub keys: Vec<Vec<u8>>,
    pub messages: Vec<Vec<u8>>,
    pub signatures: Vec<Vec<u8>>,
    /// The indices of the sets that sign another message, in order.
    pub bad: Vec<usize>,
    /// blst's random 64-bit weights for its multi-verify. Drawn once, outside the timed calls:
    /// blst leaves drawing them to its caller, and a few hundred draws cost nothing beside a
    /// pairing.
    weights: Vec<blst::blst_scalar>,
}

impl Inputs {
    /// `sets` signatures over `messages` distinct 32-byte messages (`None`: all distinct),
    /// `bad` of them (spread evenly) signing another message than theirs.
    pub(crate) fn new(sets: usize, messages: Option<usize>, bad: usize) -> Inputs {
        let bls = Verifier::ethereum();
        let distinct = messages.unwrap_or(sets).max(1);
        let mask = bad_mask(sets, bad);
        let signed: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = (0..sets)
            .into_par_iter()
            .map(|i| {
                let mut ikm = [0u8; 32];
                ikm[..8].copy_from_slice(&(i as u64).to_le_bytes());
                let secret = SecretKey::key_gen(&ikm).expect("32 bytes of key material");
                let mut message = vec![0u8; 32];
                message[..8].copy_from_slice(&((i % distinct) as u64).to_le_bytes());
                let mut signed = message.clone();
                if mask[i] {
                    signed[31] ^= 1;
                }
                let signature = bls.sign(&secret, &signed);
                (bls.public_key(&secret), message, signature)
            })
            .collect();
        let mut rng = StdRng::seed_from_u64(sets as u64);
        let weights = (0..sets)
            .map(|_| {
                let mut weight = blst::blst_scalar::default();
                weight.b[..8].copy_from_slice(&rng.random::<u64>().max(1).to_le_bytes());
                weight
            })
            .collect();
        let (keys, messages, signatures) = unzip3(signed);
        Inputs {
            keys,
            messages,
            signatures,
            bad: (0..sets).filter(|&i| mask[i]).collect(),
            weights,
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// blst's keys, decompressed and subgroup-checked, as a node keeps its validators' keys.
    fn validated_keys(&self) -> Option<Vec<PublicKey>> {
        self.keys
            .iter()
            .map(|key| PublicKey::key_validate(key).ok())
            .collect()
    }

    /// blst's `verify_multiple_aggregate_signatures` on each thread's share: decompressing
    /// every signature, and every key too unless `keys` gives them validated.
    fn blst_batch(&self, keys: Option<&[PublicKey]>) -> bool {
        let per_thread = self.len().div_ceil(rayon::current_num_threads()).max(1);
        let share = |start: usize| -> bool {
            let range = start..(start + per_thread).min(self.len());
            let decoded;
            let (keys, validate_keys) = match keys {
                Some(keys) => (&keys[range.clone()], false),
                None => {
                    let Some(parsed) = self.keys[range.clone()]
                        .iter()
                        .map(|key| PublicKey::from_bytes(key).ok())
                        .collect::<Option<Vec<_>>>()
                    else {
                        return false;
                    };
                    decoded = parsed;
                    (&decoded[..], true)
                }
            };
            let Some(signatures) = self.signatures[range.clone()]
                .iter()
                .map(|signature| Signature::from_bytes(signature).ok())
                .collect::<Option<Vec<_>>>()
            else {
                return false;
            };
            let messages: Vec<&[u8]> = self.messages[range.clone()]
                .iter()
                .map(Vec::as_slice)
                .collect();
            let keys: Vec<&PublicKey> = keys.iter().collect();
            let signatures: Vec<&Signature> = signatures.iter().collect();
            Signature::verify_multiple_aggregate_signatures(
                &messages,
                dst::MIN_PK_POP,
                &keys,
                validate_keys,
                &signatures,
                true,
                &self.weights[range],
                64,
            ) == BLST_SUCCESS
        };
        (0..self.len())
            .into_par_iter()
            .step_by(per_thread)
            .all(share)
    }

    /// blst's `Signature::verify` of set `i`, with its validated key when given.
    fn blst_single(&self, keys: Option<&[PublicKey]>, i: usize) -> bool {
        let Ok(signature) = Signature::from_bytes(&self.signatures[i]) else {
            return false;
        };
        let verify = |key: &PublicKey, validate: bool| {
            signature.verify(true, &self.messages[i], dst::MIN_PK_POP, &[], key, validate)
                == BLST_SUCCESS
        };
        match keys {
            Some(keys) => verify(&keys[i], false),
            None => PublicKey::from_bytes(&self.keys[i]).is_ok_and(|key| verify(&key, true)),
        }
    }
}

pub(crate) fn cases(spec: &Spec, messages: Option<usize>) -> Vec<Case> {
    let sets = spec.items_per_input(SINGLE_CALL_ITEMS);
    let inputs = Arc::new(Inputs::new(sets, messages, spec.bad_items()));
    let cold = spec.regime == Some(Regime::Cold);
    // Each case has its own cache, so no case warms another's.
    let ours = || {
        let cache = Arc::new(KeyCache::new(cache_capacity(sets)));
        let bls = Verifier::ethereum().key_cache(Some(cache.clone()));
        let prepare = move || {
            if cold {
                cache.clear();
            }
        };
        (bls, prepare)
    };
    let validated = if cold {
        None
    } else {
        Some(Arc::new(inputs.validated_keys().expect("keys we made")))
    };
    let want_valid = inputs.len() - inputs.bad.len();
    if spec.sweep == Sweep::SingleCall {
        let (bls, prepare) = ours();
        if !cold {
            // Every key the calls cycle through, not only the first.
            for i in 0..inputs.len() {
                let _ = bls.verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i]);
            }
        }
        let mut next = 0;
        let ours = Case::new("batchverify", "verify", {
            let inputs = inputs.clone();
            move || {
                next = (next + 1) % inputs.len();
                bls.verify(
                    &inputs.keys[next],
                    &inputs.messages[next],
                    &inputs.signatures[next],
                )
                .is_ok()
            }
        })
        .prepare(prepare);
        let mut next = 0;
        let peer = Case::new("blst", "verify", move || {
            next = (next + 1) % inputs.len();
            inputs.blst_single(validated.as_deref().map(Vec::as_slice), next)
        })
        .baseline();
        return vec![ours, peer];
    }
    let (bls, prepare) = ours();
    let batch = Case::new("batchverify", "verify_batch", {
        let inputs = inputs.clone();
        move || {
            bls.verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
                .is_ok_and(|outcome| outcome.invalid_indices() == inputs.bad)
        }
    })
    .prepare(prepare);
    if spec.sweep == Sweep::FailureRate {
        let (bls, prepare) = ours();
        let singles = Case::new("batchverify", "verify, one at a time", move || {
            let invalid: Vec<usize> = (0..inputs.len())
                .into_par_iter()
                .filter(|&i| {
                    bls.verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i])
                        .is_err()
                })
                .collect();
            invalid == inputs.bad
        })
        .prepare(prepare)
        .baseline();
        return vec![batch, singles];
    }
    let all_valid = inputs.bad.is_empty();
    let multi = Case::new("blst", "verify_multiple_aggregate_signatures", {
        let inputs = inputs.clone();
        let validated = validated.clone();
        move || inputs.blst_batch(validated.as_deref().map(Vec::as_slice)) == all_valid
    })
    .baseline();
    let loop_case = Case::new("blst", "verify loop", move || {
        let keys = validated.as_deref().map(Vec::as_slice);
        (0..inputs.len())
            .into_par_iter()
            .filter(|&i| inputs.blst_single(keys, i))
            .count()
            == want_valid
    })
    .baseline();
    vec![batch, multi, loop_case]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_sets_are_the_only_ones_blst_rejects_and_its_batch_agrees() {
        let inputs = Inputs::new(12, Some(3), 2);
        let keys = inputs.validated_keys().unwrap();
        let valid = (0..12).filter(|&i| inputs.blst_single(None, i)).count();
        assert_eq!(valid, 10);
        assert_eq!(
            (0..12)
                .filter(|&i| inputs.blst_single(Some(&keys), i))
                .count(),
            10
        );
        assert!(!inputs.blst_batch(None));
        let good = Inputs::new(12, Some(3), 0);
        assert!(good.blst_batch(None));
        assert!(good.blst_batch(good.validated_keys().as_deref()));
    }
}
