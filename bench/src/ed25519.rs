//! Ed25519: batchverify against ed25519-dalek on the same signatures.

use std::sync::Arc;

use batchverify::ed25519::{KeyCache, Policy, Verifier};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;

use crate::case::{cache_capacity, signed_items, unzip3};
use crate::{Case, Regime, Spec, Sweep};

/// Items a single-call row cycles through, so that no one item stays in the caches.
const SINGLE_CALL_ITEMS: usize = 1024;

/// Signatures over 32-byte messages, as bytes (ours) and as dalek's types (built outside the
/// timed calls only for the warm regime).
pub(crate) struct Inputs {
    pub keys: Vec<[u8; 32]>,
    pub messages: Vec<Vec<u8>>,
    pub signatures: Vec<[u8; 64]>,
    /// The indices of the corrupted signatures, in order.
    pub bad: Vec<usize>,
}

impl Inputs {
    /// `size` signatures by `signers` keys (`None`: every key distinct), `bad` of them corrupted
    /// (spread evenly), the same for a given seed.
    pub(crate) fn new(size: usize, signers: Option<usize>, bad: usize, seed: u64) -> Inputs {
        let (items, bad) = signed_items(
            size,
            signers,
            bad,
            seed,
            |i| SigningKey::from_bytes(&StdRng::seed_from_u64(seed ^ i as u64).random()),
            |key: &SigningKey, rng, corrupt| {
                let message = rng.random::<[u8; 32]>().to_vec();
                let mut signature = key.sign(&message).to_bytes();
                if corrupt {
                    signature[40] ^= 1;
                }
                (key.verifying_key().to_bytes(), message, signature)
            },
        );
        let (keys, messages, signatures) = unzip3(items);
        Inputs {
            keys,
            messages,
            signatures,
            bad,
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    /// dalek's parsed keys and signatures, as a node keeps them; `None` if a key does not
    /// decode.
    fn dalek(&self) -> Option<(Vec<VerifyingKey>, Vec<Signature>)> {
        let keys = self
            .keys
            .iter()
            .map(|key| VerifyingKey::from_bytes(key).ok())
            .collect::<Option<Vec<_>>>()?;
        let signatures = self.signatures.iter().map(Signature::from_bytes).collect();
        Some((keys, signatures))
    }
}

/// ed25519-dalek's `verify_batch` on each thread's share of the items, each share decoding its
/// keys and signatures (cold) unless `parsed` gives them (warm); whether every share verified.
fn dalek_batch(inputs: &Inputs, parsed: Option<&(Vec<VerifyingKey>, Vec<Signature>)>) -> bool {
    let per_thread = inputs.len().div_ceil(rayon::current_num_threads()).max(1);
    (0..inputs.len())
        .into_par_iter()
        .step_by(per_thread)
        .all(|start| {
            let range = start..(start + per_thread).min(inputs.len());
            let messages: Vec<&[u8]> = inputs.messages[range.clone()]
                .iter()
                .map(Vec::as_slice)
                .collect();
            match parsed {
                Some((keys, signatures)) => {
                    ed25519_dalek::verify_batch(&messages, &signatures[range.clone()], &keys[range])
                        .is_ok()
                }
                None => {
                    let Some(keys) = inputs.keys[range.clone()]
                        .iter()
                        .map(|key| VerifyingKey::from_bytes(key).ok())
                        .collect::<Option<Vec<_>>>()
                    else {
                        return false;
                    };
                    let signatures: Vec<Signature> = inputs.signatures[range]
                        .iter()
                        .map(Signature::from_bytes)
                        .collect();
                    ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()
                }
            }
        })
}

pub(crate) fn cases(spec: &Spec, signers: Option<usize>, policy: Option<Policy>) -> Vec<Case> {
    let size = spec.size;
    let items = spec.items_per_input(SINGLE_CALL_ITEMS);
    let inputs = Arc::new(Inputs::new(items, signers, spec.bad_items(), size as u64));
    let cold = spec.regime == Some(Regime::Cold);
    // Each case has its own cache, so no case warms another's.
    let ours = |policy: Policy| {
        let cache = Arc::new(KeyCache::new(cache_capacity(items)));
        let verifier = Verifier::new(policy).key_cache(Some(cache.clone()));
        let prepare = move || {
            if cold {
                cache.clear();
            }
        };
        (verifier, prepare)
    };
    let path = batchverify::cpu_info().ed25519.to_string();
    let want_valid = inputs.len() - inputs.bad.len();
    if spec.sweep == Sweep::SingleCall {
        return single_call_cases(&inputs, cold, &ours, &path);
    }
    let batch = |policy: Policy| {
        let (verifier, prepare) = ours(policy);
        let inputs = inputs.clone();
        Case::new(
            "batchverify",
            &format!("verify_batch {policy}"),
            move || {
                verifier
                    .verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
                    .is_ok_and(|outcome| outcome.invalid_indices() == inputs.bad)
            },
        )
        .path(&path)
        .prepare(prepare)
    };
    if let Some(policy) = policy {
        let (verifier, prepare) = ours(policy);
        let singles = Case::new("batchverify", &format!("verify {policy}, one at a time"), {
            let inputs = inputs.clone();
            move || {
                let invalid: Vec<usize> = (0..inputs.len())
                    .into_par_iter()
                    .filter(|&i| {
                        verifier
                            .verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i])
                            .is_err()
                    })
                    .collect();
                invalid == inputs.bad
            }
        })
        .path(&path)
        .prepare(prepare)
        .baseline();
        return vec![batch(policy), singles];
    }
    let mut cases = vec![batch(Policy::Zip215), batch(Policy::Strict)];
    // Parsed outside the timed calls only for the warm regime; cold peers decode inside.
    let parsed = if cold { None } else { inputs.dalek() };
    let all_valid = inputs.bad.is_empty();
    cases.push(
        Case::new("ed25519-dalek", "verify_batch", {
            let inputs = inputs.clone();
            let parsed = parsed.clone();
            move || dalek_batch(&inputs, parsed.as_ref()) == all_valid
        })
        .baseline(),
    );
    // On many threads and small batches each thread's share is a few items, where dalek's
    // loop beats its batch: both are peers, and rows divide by the faster.
    cases.push(
        Case::new("ed25519-dalek", "verify_strict loop", {
            let inputs = inputs.clone();
            move || {
                let valid = (0..inputs.len())
                    .into_par_iter()
                    .filter(|&i| dalek_strict(&inputs, parsed.as_ref(), i))
                    .count();
                valid == want_valid
            }
        })
        .baseline(),
    );
    cases
}

/// dalek's `verify_strict` of item `i`, with its parsed keys when given (warm), else decoding
/// the key and signature (cold).
fn dalek_strict(
    inputs: &Inputs,
    parsed: Option<&(Vec<VerifyingKey>, Vec<Signature>)>,
    i: usize,
) -> bool {
    match parsed {
        Some((keys, signatures)) => keys[i]
            .verify_strict(&inputs.messages[i], &signatures[i])
            .is_ok(),
        None => VerifyingKey::from_bytes(&inputs.keys[i]).is_ok_and(|key| {
            key.verify_strict(
                &inputs.messages[i],
                &Signature::from_bytes(&inputs.signatures[i]),
            )
            .is_ok()
        }),
    }
}

/// One signature per call, cycling through the inputs: ours under both policies, dalek's
/// `verify_strict` as the baseline.
fn single_call_cases<P: FnMut() + Send + 'static>(
    inputs: &Arc<Inputs>,
    cold: bool,
    ours: &dyn Fn(Policy) -> (Verifier, P),
    path: &str,
) -> Vec<Case> {
    let mut cases = Vec::new();
    for policy in [Policy::Zip215, Policy::Strict] {
        let (verifier, prepare) = ours(policy);
        if !cold {
            // Every key the calls cycle through, not only the first.
            for i in 0..inputs.len() {
                let _ =
                    verifier.verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i]);
            }
        }
        let inputs = inputs.clone();
        let mut next = 0;
        cases.push(
            Case::new("batchverify", &format!("verify {policy}"), move || {
                next = (next + 1) % inputs.len();
                verifier
                    .verify(
                        &inputs.keys[next],
                        &inputs.messages[next],
                        &inputs.signatures[next],
                    )
                    .is_ok()
            })
            .path(path)
            .prepare(prepare),
        );
    }
    let parsed = if cold { None } else { inputs.dalek() };
    let inputs = inputs.clone();
    let mut next = 0;
    cases.push(
        Case::new("ed25519-dalek", "verify_strict", move || {
            next = (next + 1) % inputs.len();
            dalek_strict(&inputs, parsed.as_ref(), next)
        })
        .baseline(),
    );
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupted_signatures_are_the_only_ones_dalek_rejects() {
        let inputs = Inputs::new(64, Some(5), 7, 1);
        let (keys, signatures) = inputs.dalek().unwrap();
        let valid = (0..64)
            .filter(|&i| {
                keys[i]
                    .verify_strict(&inputs.messages[i], &signatures[i])
                    .is_ok()
            })
            .count();
        assert_eq!(valid, 64 - 7);
        let distinct: std::collections::BTreeSet<_> = inputs.keys.iter().collect();
        assert_eq!(distinct.len(), 5);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        pool.install(|| {
            let parsed = inputs.dalek().unwrap();
            assert!(!dalek_batch(&inputs, None));
            assert!(!dalek_batch(&inputs, Some(&parsed)));
            let good = Inputs::new(64, None, 0, 2);
            assert!(dalek_batch(&good, None));
            assert!(dalek_batch(&good, good.dalek().as_ref()));
        });
    }
}
