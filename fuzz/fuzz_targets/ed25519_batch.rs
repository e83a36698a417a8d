//! Batch verdicts must equal the single verdicts of independent implementations
//! (ed25519-dalek's `verify_strict` for Strict, ed25519-consensus for Zip215) and our own single
//! verdicts, for any bytes, and nothing may panic.
//!
//! The input is cut into items. An item whose first byte is even is raw: 32 key bytes, 64
//! signature bytes, a length byte and that many message bytes (small-order points, non-canonical
//! encodings and unreduced S come up because the fuzzer copies bytes between fields). An odd
//! one is signed honestly by a key made from its next byte over the message that follows, then
//! one byte of key ‖ signature is XORed with a given mask (zero keeps it valid), so valid items
//! and near misses are common too.
#![no_main]

use batchverify::ed25519::{Policy, Verifier};
use batchverify::Error;
use libfuzzer_sys::fuzz_target;

mod input;
use input::{items, take};

#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

struct Item {
    key: [u8; 32],
    signature: [u8; 64],
    message: Vec<u8>,
}

fn item(data: &mut &[u8]) -> Option<Item> {
    let kind = take(data, 1)?[0];
    if kind % 2 == 0 {
        let key = take(data, 32)?.try_into().ok()?;
        let signature = take(data, 64)?.try_into().ok()?;
        let len = usize::from(take(data, 1)?[0]).min(data.len());
        let message = take(data, len)?.to_vec();
        return Some(Item {
            key,
            signature,
            message,
        });
    }
    let [seed, position, mask, len] = take(data, 4)?.try_into().ok()?;
    let len = usize::from(len).min(data.len());
    let message = take(data, len)?.to_vec();
    let signer = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
    let mut item = Item {
        key: signer.verifying_key().to_bytes(),
        signature: ed25519_dalek::Signer::sign(&signer, &message).to_bytes(),
        message,
    };
    match usize::from(position) % 96 {
        at @ 0..32 => item.key[at] ^= mask,
        at => item.signature[at - 32] ^= mask,
    }
    Some(item)
}

fuzz_target!(|data: &[u8]| {
    let items = items(data, item);
    let keys: Vec<&[u8]> = items.iter().map(|i| &i.key[..]).collect();
    let messages: Vec<&[u8]> = items.iter().map(|i| &i.message[..]).collect();
    let signatures: Vec<&[u8]> = items.iter().map(|i| &i.signature[..]).collect();
    for policy in [Policy::Zip215, Policy::Strict] {
        for sequential in [false, true] {
            let verifier = Verifier::new(policy).sequential(sequential);
            let outcome = verifier
                .verify_batch(&keys, &messages, &signatures)
                .expect("lengths are right by construction");
            for (i, item) in items.iter().enumerate() {
                let expected =
                    oracles::ed25519_oracle(policy, &item.key, &item.message, &item.signature);
                let single = match verifier.verify(&item.key, &item.message, &item.signature) {
                    Ok(()) => true,
                    Err(Error::InvalidSignature) => false,
                    Err(other) => panic!("unexpected error {other}"),
                };
                assert_eq!(single, expected, "{policy} single, item {i}");
                assert_eq!(
                    outcome.is_valid(i),
                    Some(expected),
                    "{policy} batch, item {i}"
                );
            }
        }
    }
});
