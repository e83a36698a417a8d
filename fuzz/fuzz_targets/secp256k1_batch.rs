//! ECDSA (under the compact rule sets), ecrecover and BIP-340 batch verdicts must equal
//! RustCrypto k256's single verdicts (k256 shares no arithmetic with the engine's
//! libsecp256k1 singles or its own tables and sums) and our own single verdicts, for any bytes;
//! nothing may panic.
//!
//! The input is cut into items. An item whose first byte is even is raw: a 33-byte key, a
//! 32-byte message (ECDSA's hash, BIP-340's message), a 64-byte signature and a recovery byte.
//! An odd one is signed honestly by a key made from its next byte, then one byte of it is XORed
//! with a given mask (zero keeps it valid), so valid items and near misses are common too.
#![no_main]

use batchverify::secp256k1::{ecdsa, recover, recover_batch, schnorr};
use batchverify::Error;
use libfuzzer_sys::fuzz_target;

mod input;
use input::{items, take};

#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

struct Item {
    /// Compressed ECDSA key; its x-coordinate is the BIP-340 key.
    key: [u8; 33],
    message: [u8; 32],
    ecdsa: [u8; 64],
    recovery: u8,
    schnorr: [u8; 64],
}

fn item(data: &mut &[u8]) -> Option<Item> {
    let kind = take(data, 1)?[0];
    if kind % 2 == 0 {
        let key: [u8; 33] = take(data, 33)?.try_into().ok()?;
        let message: [u8; 32] = take(data, 32)?.try_into().ok()?;
        let signature: [u8; 64] = take(data, 64)?.try_into().ok()?;
        let recovery = take(data, 1)?[0];
        return Some(Item {
            key,
            message,
            ecdsa: signature,
            recovery,
            schnorr: signature,
        });
    }
    let [seed, position, mask] = take(data, 3)?.try_into().ok()?;
    let message: [u8; 32] = take(data, 32)?.try_into().ok()?;
    let ecdsa_key = k256::ecdsa::SigningKey::from_slice(&[seed | 1; 32]).ok()?;
    let (signature, id) = ecdsa_key.sign_prehash_recoverable(&message);
    let schnorr_key = k256::schnorr::SigningKey::from_slice(&[seed | 1; 32]).ok()?;
    let schnorr_signature = schnorr_key.sign_raw(&message, &[0; 32]).ok()?;
    let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(
        ecdsa_key.verifying_key().as_affine(),
        true,
    );
    let mut item = Item {
        key: point.as_bytes().try_into().ok()?,
        message,
        ecdsa: signature.to_bytes().into(),
        recovery: id.to_byte() + if seed % 4 == 1 { 27 } else { 0 },
        schnorr: schnorr_signature.to_bytes(),
    };
    match usize::from(position) % 161 {
        at @ 0..33 => item.key[at] ^= mask,
        at @ 33..97 => item.ecdsa[at - 33] ^= mask,
        at => item.schnorr[at - 97] ^= mask,
    }
    Some(item)
}

fn k256_ecdsa(item: &Item, low_s: bool) -> bool {
    oracles::k256_ecdsa_oracle(&item.key, &item.message, &item.ecdsa, low_s)
}

fn k256_schnorr(item: &Item) -> bool {
    oracles::k256_schnorr_oracle(&item.key[1..], &item.message, &item.schnorr)
}

/// k256's recovered key (uncompressed), for v 0, 1, 27 or 28.
fn k256_recover(item: &Item) -> Option<[u8; 65]> {
    let id = match item.recovery {
        v @ (0 | 1) => v,
        v @ (27 | 28) => v - 27,
        _ => return None,
    };
    let signature = k256::ecdsa::Signature::from_slice(&item.ecdsa).ok()?;
    let id = k256::ecdsa::RecoveryId::from_byte(id)?;
    let key =
        k256::ecdsa::VerifyingKey::recover_from_prehash(&item.message, &signature, id).ok()?;
    let point = k256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(key.as_affine(), false);
    point.as_bytes().try_into().ok()
}

fn single(result: Result<(), Error>) -> bool {
    match result {
        Ok(()) => true,
        Err(Error::InvalidSignature) => false,
        Err(other) => panic!("unexpected error {other}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let items = items(data, item);
    let keys: Vec<&[u8]> = items.iter().map(|i| &i.key[..]).collect();
    let x_only: Vec<&[u8]> = items.iter().map(|i| &i.key[1..]).collect();
    let messages: Vec<&[u8]> = items.iter().map(|i| &i.message[..]).collect();
    let ecdsa_signatures: Vec<&[u8]> = items.iter().map(|i| &i.ecdsa[..]).collect();
    let schnorr_signatures: Vec<&[u8]> = items.iter().map(|i| &i.schnorr[..]).collect();
    for (rules, low_s) in [
        (ecdsa::Rules::PLAIN_COMPACT, false),
        (ecdsa::Rules::Ethereum, true),
    ] {
        let verifier = ecdsa::Verifier::new(rules);
        let outcome = verifier
            .verify_batch(&keys, &messages, &ecdsa_signatures)
            .expect("lengths are right by construction");
        for (i, item) in items.iter().enumerate() {
            let expected = k256_ecdsa(item, low_s);
            let got = single(verifier.verify(&item.key, &item.message, &item.ecdsa));
            assert_eq!(got, expected, "{rules} single, item {i}");
            assert_eq!(
                outcome.is_valid(i),
                Some(expected),
                "{rules} batch, item {i}"
            );
        }
    }
    for sequential in [false, true] {
        let verifier = schnorr::Verifier::new().sequential(sequential);
        let outcome = verifier
            .verify_batch(&x_only, &messages, &schnorr_signatures)
            .expect("lengths are right by construction");
        for (i, item) in items.iter().enumerate() {
            let expected = k256_schnorr(item);
            let got = single(verifier.verify(&item.key[1..], &item.message, &item.schnorr));
            assert_eq!(got, expected, "bip340 single, item {i}");
            assert_eq!(
                outcome.is_valid(i),
                Some(expected),
                "bip340 batch, item {i}"
            );
        }
    }
    let recoverable: Vec<Vec<u8>> = items
        .iter()
        .map(|i| [&i.ecdsa[..], &[i.recovery]].concat())
        .collect();
    let recovered = recover_batch(&messages, &recoverable).expect("lengths are right");
    for (i, item) in items.iter().enumerate() {
        let expected = k256_recover(item);
        let single = recover(&item.message, &recoverable[i])
            .ok()
            .map(|r| r.public_key);
        assert_eq!(single, expected, "recover, item {i}");
        assert_eq!(
            recovered[i].as_ref().ok().map(|r| r.public_key),
            expected,
            "recover_batch, item {i}"
        );
    }
});
