//! BLS batch verdicts must equal blst's own single verification of each set, for both
//! variants, and nothing may panic.
//!
//! The first byte picks the variant. Then each set is: a signer (one of eight fixed keys), a
//! message (a length byte and that many bytes), and what to do to it: nothing, flip one bit of
//! the signature, take the previous set's signature, take the next 48 or 96 input bytes as the
//! signature, or sign another message. Keys are fixed so that signing stays cheap and messages
//! repeat (the batch groups sets by message).
#![no_main]

use batchverify::bls::{Bls, Scheme, SecretKey, Variant};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

const SIGNERS: u8 = 8;
const MAX_SETS: usize = 12;

fn take<'a>(data: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if data.len() < n {
        return None;
    }
    let (head, tail) = data.split_at(n);
    *data = tail;
    Some(head)
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let Some(&[variant]) = take(&mut rest, 1) else {
        return;
    };
    let variant = if variant % 2 == 0 {
        Variant::MinPk
    } else {
        Variant::MinSig
    };
    let bls = Bls::new(variant, Scheme::ProofOfPossession);
    let (mut keys, mut messages, mut signatures) = (Vec::new(), Vec::new(), Vec::new());
    while keys.len() < MAX_SETS {
        let Some(&[signer, action, len]) = take(&mut rest, 3) else {
            break;
        };
        let len = usize::from(len % 16).min(rest.len());
        let Some(message) = take(&mut rest, len) else {
            break;
        };
        let secret = SecretKey::key_gen(&[signer % SIGNERS + 1; 32]).expect("32 bytes");
        let mut signature = bls.sign(&secret, message);
        match action % 5 {
            1 => {
                let at = usize::from(action / 5) % signature.len();
                signature[at] ^= 1 << (action % 8);
            }
            2 => {
                if let Some(previous) = signatures.last() {
                    signature = Vec::clone(previous);
                }
            }
            3 => match take(&mut rest, bls.signature_len()) {
                Some(raw) => signature = raw.to_vec(),
                None => break,
            },
            4 => signature = bls.sign(&secret, b"another message"),
            _ => {}
        }
        keys.push(bls.public_key(&secret));
        messages.push(message.to_vec());
        signatures.push(signature);
    }
    let outcome = bls
        .verify_batch(&keys, &messages, &signatures)
        .expect("lengths are right by construction");
    for i in 0..keys.len() {
        let expected = oracles::blst_oracle(&bls, &keys[i..=i], &messages[i], &signatures[i]);
        assert_eq!(outcome.is_valid(i), Some(expected), "{variant:?} set {i}");
        assert_eq!(
            bls.verify(&keys[i], &messages[i], &signatures[i]).is_ok(),
            expected,
            "{variant:?} single {i}"
        );
    }
});
