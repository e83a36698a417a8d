//! The CLI's JSONL record parser (`cli/src/record.rs`, included as it is): no line panics it,
//! a parsed record has the lengths asked for, and writing a parsed record back out parses to
//! the same record.
#![no_main]

#[path = "../../cli/src/record.rs"]
#[allow(dead_code)]
mod record;

use batchverify::Field;
use libfuzzer_sys::fuzz_target;
use record::{Record, Shape};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    // Ed25519's lengths, BLS min-pk's, ECDSA's (two key lengths, DER of any length), or
    // SM2's (an optional signer ID).
    let shape = match selector % 4 {
        0 => Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[32],
            signature_lengths: &[64],
            max_id_len: None,
        },
        1 => Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[48],
            signature_lengths: &[96],
            max_id_len: None,
        },
        2 => Shape {
            message: Field::MessageHash,
            message_lengths: &[32],
            public_key_lengths: &[33, 65],
            signature_lengths: &[],
            max_id_len: None,
        },
        _ => Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[33, 65],
            signature_lengths: &[],
            max_id_len: Some(8191),
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
    assert!(parsed
        .id
        .as_ref()
        .is_none_or(|id| Some(id.len()) <= shape.max_id_len));
    let mut written = serde_json::json!({
        "public_key": hex::encode(&parsed.public_key),
        shape.message.name(): hex::encode(&parsed.message),
        "signature": hex::encode(&parsed.signature),
    });
    if let Some(id) = &parsed.id {
        written["id"] = serde_json::Value::from(hex::encode(id));
    }
    let written = written.to_string();
    assert_eq!(Record::parse(written.as_bytes(), &shape), Ok(parsed));
});
