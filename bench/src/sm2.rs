//! SM2: batchverify against RustCrypto's `sm2` verifying each signature, on the same
//! signatures, with the default signer ID.

use std::sync::Arc;

use batchverify::sm2::Verifier;
use batchverify::KeyCache;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use sm2::dsa::signature::{Signer as _, Verifier as _};

use crate::case::{cache_capacity, signed_items};
use crate::{Case, Regime, Spec, Sweep};

/// The signer ID every item uses: the standard's default.
const ID: &str = "1234567812345678";

/// Items a single-call row cycles through, so that no one item stays in the caches.
const SINGLE_CALL_ITEMS: usize = 256;

/// Signed items: uncompressed keys, 32-byte messages, r‖s signatures.
pub(crate) struct Inputs {
    keys: Vec<Vec<u8>>,
    messages: Vec<[u8; 32]>,
    signatures: Vec<Vec<u8>>,
    /// The indices of the corrupted signatures, in order.
    bad: Vec<usize>,
}

impl Inputs {
    /// `size` signatures by `signers` keys (`None`: every key distinct), `bad` of them over
    /// another message (spread evenly), the same for a given seed.
    pub(crate) fn new(size: usize, signers: Option<usize>, bad: usize, seed: u64) -> Inputs {
        let (items, bad) = signed_items(
            size,
            signers,
            bad,
            seed,
            |i| {
                let mut rng = StdRng::seed_from_u64(seed ^ (i as u64).rotate_left(17));
                loop {
                    let bytes: [u8; 32] = rng.random();
                    if let Ok(key) = sm2::dsa::SigningKey::from_slice(ID, &bytes) {
                        break key;
                    }
                }
            },
            |key: &sm2::dsa::SigningKey, rng, corrupt| {
                let message: [u8; 32] = rng.random();
                let mut signed = message;
                if corrupt {
                    signed[0] ^= 1;
                }
                let signature: sm2::dsa::Signature = key.sign(&signed);
                let public_key = key.verifying_key().to_sec1_bytes().to_vec();
                (public_key, message, signature.to_bytes().to_vec())
            },
        );
        let (keys, messages, signatures) = crate::case::unzip3(items);
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
}

/// RustCrypto's verification of item `i`; the key parsed (and its ZA hashed) inside unless
/// `parsed` holds it, as a node keeps it.
fn rustcrypto(inputs: &Inputs, parsed: Option<&[sm2::dsa::VerifyingKey]>, i: usize) -> bool {
    let fresh;
    let key = match parsed {
        Some(keys) => &keys[i],
        None => match sm2::dsa::VerifyingKey::from_sec1_bytes(ID, &inputs.keys[i]) {
            Ok(key) => {
                fresh = key;
                &fresh
            }
            Err(_) => return false,
        },
    };
    sm2::dsa::Signature::from_slice(&inputs.signatures[i])
        .is_ok_and(|signature| key.verify(&inputs.messages[i], &signature).is_ok())
}

fn parse(inputs: &Inputs) -> Vec<sm2::dsa::VerifyingKey> {
    inputs
        .keys
        .iter()
        .map(|key| sm2::dsa::VerifyingKey::from_sec1_bytes(ID, key).expect("a valid key"))
        .collect()
}

/// Our verifier for one case, with its own cache (so no case warms another's), emptied before
/// every timed call in the cold regime.
fn ours(items: usize, cold: bool) -> (Verifier, impl FnMut() + Send + 'static) {
    let cache = Arc::new(KeyCache::new(cache_capacity(items)));
    let verifier = Verifier::new().key_cache(Some(cache.clone()));
    (verifier, move || {
        if cold {
            cache.clear();
        }
    })
}

pub(crate) fn cases(spec: &Spec, signers: Option<usize>) -> Vec<Case> {
    let items = spec.items_per_input(SINGLE_CALL_ITEMS);
    let inputs = Arc::new(Inputs::new(
        items,
        signers,
        spec.bad_items(),
        spec.size as u64,
    ));
    let cold = spec.regime != Some(Regime::Warm);
    let (verifier, prepare) = ours(items, cold);
    let parsed = Arc::new((!cold).then(|| parse(&inputs)));
    if spec.sweep == Sweep::SingleCall {
        if !cold {
            for i in 0..inputs.len() {
                let _ =
                    verifier.verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i]);
            }
        }
        let mut next = 0;
        let ours = Case::new("batchverify", "sm2::verify", {
            let inputs = inputs.clone();
            move || {
                next = (next + 1) % inputs.len();
                let i = next;
                verifier
                    .verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i])
                    .is_ok()
            }
        })
        .prepare(prepare);
        let mut next = 0;
        let peer = Case::new("sm2 (RustCrypto)", "verify", move || {
            next = (next + 1) % inputs.len();
            rustcrypto(&inputs, parsed.as_ref().as_deref(), next)
        })
        .baseline();
        return vec![ours, peer];
    }
    let want_valid = inputs.len() - inputs.bad.len();
    let ours = Case::new("batchverify", "sm2::verify_batch", {
        let inputs = inputs.clone();
        move || {
            verifier
                .verify_batch(&inputs.keys, &inputs.messages, &inputs.signatures)
                .is_ok_and(|outcome| outcome.invalid_indices() == inputs.bad)
        }
    })
    .prepare(prepare);
    let peer = Case::new("sm2 (RustCrypto)", "verify loop", move || {
        let valid = (0..inputs.len())
            .into_par_iter()
            .filter(|&i| rustcrypto(&inputs, parsed.as_ref().as_deref(), i))
            .count();
        valid == want_valid
    })
    .baseline();
    vec![ours, peer]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupted_items_are_the_only_ones_both_sides_reject() {
        let inputs = Inputs::new(40, Some(6), 5, 3);
        let parsed = parse(&inputs);
        let verifier = Verifier::new();
        for i in 0..inputs.len() {
            let want = !inputs.bad.contains(&i);
            assert_eq!(rustcrypto(&inputs, None, i), want, "{i}");
            assert_eq!(rustcrypto(&inputs, Some(&parsed), i), want, "{i}");
            let ours = verifier.verify(&inputs.keys[i], &inputs.messages[i], &inputs.signatures[i]);
            assert_eq!(ours.is_ok(), want, "{i}");
        }
    }
}
