//! Batch verdicts must equal single verdicts for any bytes, under both policies, and nothing
//! may panic. The input is cut into items: 32 key bytes, 64 signature bytes, a length byte and
//! that many message bytes. Small-order points, non-canonical encodings and unreduced S come up
//! quickly because the fuzzer can copy bytes between the fields.
#![no_main]

use batchverify::ed25519::{Policy, Verifier};
use batchverify::Error;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut keys = Vec::new();
    let mut messages = Vec::new();
    let mut signatures = Vec::new();
    let mut rest = data;
    while rest.len() >= 97 {
        let (key, tail) = rest.split_at(32);
        let (signature, tail) = tail.split_at(64);
        let message_len = usize::from(tail[0]).min(tail.len() - 1);
        let (message, tail) = tail[1..].split_at(message_len);
        keys.push(key);
        signatures.push(signature);
        messages.push(message);
        rest = tail;
    }
    for policy in [Policy::Zip215, Policy::Strict] {
        for sequential in [false, true] {
            let verifier = Verifier::new(policy).sequential(sequential);
            let outcome = verifier
                .verify_batch(&keys, &messages, &signatures)
                .expect("lengths are right by construction");
            for i in 0..keys.len() {
                let single = match verifier.verify(keys[i], messages[i], signatures[i]) {
                    Ok(()) => true,
                    Err(Error::InvalidSignature) => false,
                    Err(other) => panic!("unexpected error {other}"),
                };
                assert_eq!(outcome.is_valid(i), Some(single), "{policy} item {i}");
            }
        }
    }
});
