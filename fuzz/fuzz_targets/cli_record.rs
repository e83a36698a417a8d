//! The CLI's JSONL record parser (`cli/src/record.rs`, included as it is): no line panics it,
//! a parsed record has the lengths asked for, and writing a parsed record back out parses to
//! the same record.
#![no_main]

#[path = "../../cli/src/record.rs"]
#[allow(dead_code)]
mod record;

use libfuzzer_sys::fuzz_target;
use batchverify::Field;
use record::{Record, Shape};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    // Ed25519's lengths, BLS min-pk's, or ECDSA's (two key lengths, DER of any length).
    let shape = match selector % 3 {
        0 => Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[32],
            signature_lengths: &[64],
        },
        1 => Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[48],
            signature_lengths: &[96],
        },
        _ => Shape {
            message: Field::MessageHash,
            message_lengths: &[32],
            public_key_lengths: &[33, 65],
            signature_lengths: &[],
        },
    };
    let Ok(parsed) = Record::parse(line, &shape) else {
        return;
    };
    assert!(shape.public_key_lengths.contains(&parsed.public_key.len()));
    assert!(
        shape.message_lengths.is_empty() || shape.message_lengths.contains(&parsed.message.len())
    );
    assert!(
        shape.signature_lengths.is_empty()
            || shape.signature_lengths.contains(&parsed.signature.len())
    );
    let written = serde_json::json!({
        "public_key": hex::encode(&parsed.public_key),
        shape.message.name(): hex::encode(&parsed.message),
        "signature": hex::encode(&parsed.signature),
    })
    .to_string();
    assert_eq!(Record::parse(written.as_bytes(), &shape), Ok(parsed));
});
