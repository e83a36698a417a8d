//! SM2 batch verdicts must equal RustCrypto sm2's single verdicts (it shares no arithmetic
//! with ours) and our own single verdicts, for any bytes, with keys compressed or not and
//! signatures read as r‖s; nothing may panic.
//!
//! The input is cut into items. An item whose first byte is even is raw: a 33- or 65-byte key
//! (its prefix byte says which), a length byte and that many message bytes, and a 64-byte
//! signature. An odd one is signed honestly by a key made from its next byte with the default
//! ID, then one byte of key ‖ signature is XORed with a given mask (zero keeps it valid).
#![no_main]

use ::sm2::dsa::signature::Signer as _;
use batchverify::sm2::{Encoding, Verifier, DEFAULT_ID};
use batchverify::Error;
use libfuzzer_sys::fuzz_target;

mod input;
use input::{items, take};

#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

struct Item {
    key: Vec<u8>,
    message: Vec<u8>,
    signature: [u8; 64],
}

fn item(data: &mut &[u8]) -> Option<Item> {
    let kind = take(data, 1)?[0];
    if kind % 2 == 0 {
        let key_len = if kind % 4 == 0 { 33 } else { 65 };
        let key = take(data, key_len)?.to_vec();
        let len = usize::from(take(data, 1)?[0]).min(data.len());
        let message = take(data, len)?.to_vec();
        let signature = take(data, 64)?.try_into().ok()?;
        return Some(Item {
            key,
            message,
            signature,
        });
    }
    let [seed, position, mask, len] = take(data, 4)?.try_into().ok()?;
    let len = usize::from(len).min(data.len());
    let message = take(data, len)?.to_vec();
    let secret = ::sm2::SecretKey::from_slice(&[seed | 1; 32]).ok()?;
    let id = core::str::from_utf8(DEFAULT_ID).ok()?;
    let signer = ::sm2::dsa::SigningKey::new(id, &secret).ok()?;
    let signature: ::sm2::dsa::Signature = signer.sign(&message);
    let point = signer.verifying_key().to_sec1_bytes().to_vec();
    let mut item = Item {
        key: point,
        message,
        signature: signature.to_bytes().into(),
    };
    let at = usize::from(position) % (item.key.len() + 64);
    match at.checked_sub(item.key.len()) {
        None => item.key[at] ^= mask,
        Some(at) => item.signature[at] ^= mask,
    }
    Some(item)
}

/// RustCrypto's verdict under the default ID.
fn oracle(item: &Item) -> bool {
    core::str::from_utf8(DEFAULT_ID)
        .is_ok_and(|id| oracles::sm2_oracle(&item.key, id, &item.message, &item.signature))
}

fuzz_target!(|data: &[u8]| {
    let items = items(data, item);
    let keys: Vec<&[u8]> = items.iter().map(|i| &i.key[..]).collect();
    let messages: Vec<&[u8]> = items.iter().map(|i| &i.message[..]).collect();
    let signatures: Vec<&[u8]> = items.iter().map(|i| &i.signature[..]).collect();
    for sequential in [false, true] {
        let verifier = Verifier::new()
            .encoding(Encoding::Compact)
            .sequential(sequential);
        let outcome = verifier
            .verify_batch(&keys, &messages, &signatures)
            .expect("lengths are right by construction");
        for (i, item) in items.iter().enumerate() {
            let expected = oracle(item);
            let single = match verifier.verify(&item.key, &item.message, &item.signature) {
                Ok(()) => true,
                Err(Error::InvalidSignature) => false,
                Err(other) => panic!("unexpected error {other}"),
            };
            assert_eq!(single, expected, "single, item {i}");
            assert_eq!(outcome.is_valid(i), Some(expected), "batch, item {i}");
        }
    }
});
