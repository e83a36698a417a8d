//! Property tests: batch verdicts equal the single verdicts of independent implementations
//! (ed25519-dalek's `verify_strict`, ed25519-consensus), and bisection finds exactly the
//! corrupted items, for random keys, messages and corruptions.

mod common;

use batchverify::ed25519::{KeyCache, Policy, Verifier};
use batchverify::Error;
use common::signed::{corrupt, corruption, Item};
use proptest::prelude::*;
use std::sync::Arc;

fn signed(seed: [u8; 32], message: Vec<u8>) -> Item {
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let signature = ed25519_dalek::Signer::sign(&key, &message).to_bytes();
    Item {
        public_key: key.verifying_key().to_bytes(),
        message,
        signature,
    }
}

fn batch_strategy() -> impl Strategy<Value = (Vec<Item>, Vec<usize>)> {
    (1usize..48)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(
                    (
                        any::<[u8; 32]>(),
                        proptest::collection::vec(any::<u8>(), 0..300),
                    ),
                    n,
                ),
                proptest::collection::vec((0..n, corruption()), 0..6),
                1usize..6,
            )
        })
        .prop_map(|(raw, corruptions, signers)| {
            // Reuse a few signing seeds so that repeated keys (and their merged terms) occur.
            let mut items: Vec<Item> = raw
                .iter()
                .enumerate()
                .map(|(i, (seed, msg))| {
                    let seed = if i % 2 == 0 {
                        raw[i % signers].0
                    } else {
                        *seed
                    };
                    signed(seed, msg.clone())
                })
                .collect();
            let mut corrupted = Vec::new();
            for (index, how) in corruptions {
                corrupt(&mut items[index], how);
                corrupted.push(index);
            }
            corrupted.sort_unstable();
            corrupted.dedup();
            (items, corrupted)
        })
}

fn single(verifier: &Verifier, item: &Item) -> bool {
    match verifier.verify(&item.public_key, &item.message, &item.signature) {
        Ok(()) => true,
        Err(Error::InvalidSignature) => false,
        Err(other) => panic!("unexpected {other}"),
    }
}

fn batch(verifier: &Verifier, items: &[Item]) -> Vec<bool> {
    let keys: Vec<_> = items.iter().map(|i| i.public_key).collect();
    let messages: Vec<_> = items.iter().map(|i| i.message.as_slice()).collect();
    let signatures: Vec<_> = items.iter().map(|i| i.signature).collect();
    verifier
        .verify_batch(&keys, &messages, &signatures)
        .unwrap()
        .into_vec()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn batch_equals_single_and_finds_exactly_the_corrupted((items, corrupted) in batch_strategy()) {
        for policy in [Policy::Zip215, Policy::Strict] {
            // Without a failure memory every batch goes to equations whatever other cases
            // taught the process-wide one; the default verifier takes whichever path that says.
            for verifier in [
                Verifier::new(policy),
                Verifier::new(policy).sequential(true).key_cache(None).failure_memory(None),
                Verifier::new(policy).key_cache(Some(Arc::new(KeyCache::new(4)))).failure_memory(None),
            ] {
                let verdicts = batch(&verifier, &items);
                let oracle: Vec<bool> = items
                    .iter()
                    .map(|i| common::oracles::ed25519_oracle(policy, &i.public_key, &i.message, &i.signature))
                    .collect();
                prop_assert_eq!(&verdicts, &oracle, "{}", policy);
                let singles: Vec<bool> = items.iter().map(|i| single(&verifier, i)).collect();
                prop_assert_eq!(&singles, &oracle, "{}", policy);
                let invalid: Vec<usize> =
                    (0..items.len()).filter(|&i| !verdicts[i]).collect();
                prop_assert_eq!(&invalid, &corrupted, "{}", policy);
            }
        }
    }
}

/// A signature by secret scalar `a` under the key `[a]B + key_torsion`, with R = `[r]B +
/// r_torsion`; with `strict_valid` the nonce is drawn again until `[S]B - [k]A` is R exactly
/// (a key with a torsion component can sign `verify_strict`-valid signatures that way).
fn torsioned(
    rng: &mut rand::rngs::StdRng,
    key_torsion: usize,
    r_torsion: usize,
    strict_valid: bool,
) -> Item {
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT as B, EIGHT_TORSION};
    use curve25519_dalek::Scalar;
    use rand::RngExt;
    use sha2::{Digest, Sha512};
    let a = Scalar::from(rng.random::<u64>());
    let public_key = (B * a + EIGHT_TORSION[key_torsion]).compress().to_bytes();
    let message: Vec<u8> = (0..rng.random_range(0..80)).map(|_| rng.random()).collect();
    loop {
        let r = Scalar::from(rng.random::<u64>());
        let big_r = (B * r + EIGHT_TORSION[r_torsion]).compress().to_bytes();
        let k = Scalar::from_bytes_mod_order_wide(
            &Sha512::new()
                .chain_update(big_r)
                .chain_update(public_key)
                .chain_update(&message)
                .finalize()
                .into(),
        );
        let s = r + k * a;
        let mut signature = [0u8; 64];
        signature[..32].copy_from_slice(&big_r);
        signature[32..].copy_from_slice(s.as_bytes());
        let item = Item {
            public_key,
            message: message.clone(),
            signature,
        };
        let valid = common::oracles::ed25519_oracle(
            Policy::Strict,
            &item.public_key,
            &item.message,
            &item.signature,
        );
        if !strict_valid || valid {
            return item;
        }
    }
}

/// Small-order and mixed-order keys and R, injected at random positions into batches of honest
/// signatures: the `Strict` batch sends them around its equation and must still give
/// `verify_strict`'s verdict on each, and the `Zip215` batch ed25519-consensus's.
#[test]
fn torsion_components_injected_at_random_positions() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x70_5105);
    let mut strict_valid_with_torsioned_keys = 0;
    for round in 0..12 {
        let mut items: Vec<Item> = (0..200)
            .map(|i| signed([(round * 7 + i % 13) as u8; 32], vec![i as u8; i % 50]))
            .collect();
        for _ in 0..30 {
            let key_torsion = rng.random_range(0..8);
            let r_torsion = if rng.random_bool(0.5) {
                0
            } else {
                rng.random_range(0..8)
            };
            let strict_valid = r_torsion == 0 && key_torsion != 0 && rng.random_bool(0.5);
            let mut item = torsioned(&mut rng, key_torsion, r_torsion, strict_valid);
            let replaced = rng.random_bool(0.2);
            if replaced {
                // Small-order keys and R alone.
                use curve25519_dalek::constants::EIGHT_TORSION;
                let torsion = EIGHT_TORSION[rng.random_range(0..8)].compress().to_bytes();
                if rng.random_bool(0.5) {
                    item.public_key = torsion;
                } else {
                    item.signature[..32].copy_from_slice(&torsion);
                }
            }
            strict_valid_with_torsioned_keys += usize::from(strict_valid && !replaced);
            let at = rng.random_range(0..=items.len());
            items.insert(at, item);
        }
        for policy in [Policy::Zip215, Policy::Strict] {
            let oracle: Vec<bool> = items
                .iter()
                .map(|i| {
                    common::oracles::ed25519_oracle(policy, &i.public_key, &i.message, &i.signature)
                })
                .collect();
            for verifier in [
                Verifier::new(policy).failure_memory(None),
                Verifier::new(policy).key_cache(None).failure_memory(None),
            ] {
                assert_eq!(batch(&verifier, &items), oracle, "{policy}, round {round}");
            }
        }
    }
    assert!(strict_valid_with_torsioned_keys > 20);
}
