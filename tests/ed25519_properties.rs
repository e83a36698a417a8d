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
