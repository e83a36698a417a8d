//! BLS batch verdicts must equal blst's own single verification of each set, for both variants
//! and the proof-of-possession and message-augmentation schemes, and nothing may panic.
//!
//! The first byte picks the variant and scheme. Then each set is: a signer (one of eight fixed
//! keys), a message (a length byte and that many bytes), and what to do to it: nothing, flip one
//! bit of the signature, take the previous set's signature, take the next input bytes as the
//! signature or as the key, sign another message, or (proof of possession) add a second signer,
//! honest or the first key negated so that the set's aggregate key is the identity. Keys are
//! fixed so that signing stays cheap and messages repeat (the batch groups sets by message).
#![no_main]

use batchverify::bls::{Scheme, SecretKey, SignatureSet, Variant, Verifier};
use libfuzzer_sys::fuzz_target;

// Shared by the targets; its `items` goes unused here, where sets are cut by hand.
#[allow(dead_code)]
mod input;
use input::take;

#[path = "../../tests/common/oracles.rs"]
#[allow(dead_code)]
mod oracles;

const SIGNERS: u8 = 8;
const MAX_SETS: usize = 12;

fn secret(signer: u8) -> SecretKey {
    SecretKey::key_gen(&[signer % SIGNERS + 1; 32]).expect("32 bytes")
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let Some(&[selector]) = take(&mut rest, 1) else {
        return;
    };
    let variant = if selector % 2 == 0 {
        Variant::MinPk
    } else {
        Variant::MinSig
    };
    let scheme = if selector & 2 == 0 {
        Scheme::ProofOfPossession
    } else {
        Scheme::MessageAugmentation
    };
    let bls = Verifier::new(variant, scheme);
    let (mut keys, mut messages, mut signatures) = (Vec::new(), Vec::new(), Vec::new());
    while keys.len() < MAX_SETS {
        let Some(&[signer, action, len]) = take(&mut rest, 3) else {
            break;
        };
        let len = usize::from(len % 16).min(rest.len());
        let Some(message) = take(&mut rest, len) else {
            break;
        };
        let signing = secret(signer);
        let mut set_keys = vec![bls.public_key(&signing)];
        let mut signature = bls.sign(&signing, message);
        match action % 8 {
            1 => {
                let at = usize::from(action / 8) % signature.len();
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
            4 => signature = bls.sign(&signing, b"another message"),
            5 => match take(&mut rest, bls.public_key_len()) {
                Some(raw) => set_keys[0] = raw.to_vec(),
                None => break,
            },
            6 | 7 if scheme == Scheme::ProofOfPossession => {
                let mut second = bls.public_key(&secret(signer.wrapping_add(1)));
                if action % 8 == 7 {
                    // The compressed form's sign flag: this key is the first one negated.
                    second = set_keys[0].clone();
                    second[0] ^= 0x20;
                } else {
                    let other = bls.sign(&secret(signer.wrapping_add(1)), message);
                    signature = bls
                        .aggregate_signatures(&[signature, other])
                        .expect("valid signatures");
                }
                set_keys.push(second);
            }
            _ => {}
        }
        keys.push(set_keys);
        messages.push(message.to_vec());
        signatures.push(signature);
    }
    let key_refs: Vec<Vec<&[u8]>> = keys
        .iter()
        .map(|set| set.iter().map(Vec::as_slice).collect())
        .collect();
    let sets: Vec<SignatureSet<'_>> = (0..keys.len())
        .map(|i| SignatureSet {
            public_keys: &key_refs[i],
            message: &messages[i],
            signature: &signatures[i],
        })
        .collect();
    let outcome = bls
        .verify_sets(&sets)
        .expect("lengths are right by construction");
    for i in 0..keys.len() {
        let expected = oracles::blst_oracle(&bls, &keys[i], &messages[i], &signatures[i]);
        assert_eq!(
            outcome.is_valid(i),
            Some(expected),
            "{variant:?} {scheme:?} set {i}"
        );
        let single = match keys[i].as_slice() {
            [key] => bls.verify(key, &messages[i], &signatures[i]),
            several => bls.fast_aggregate_verify(several, &messages[i], &signatures[i]),
        };
        assert_eq!(
            single.is_ok(),
            expected,
            "{variant:?} {scheme:?} single {i}"
        );
    }
});
