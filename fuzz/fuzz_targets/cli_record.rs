//! The CLI's JSONL record parser (`cli/src/record.rs`, included as it is): no line panics it,
//! a parsed record has the lengths asked for, and writing a parsed record back out parses to
//! the same record.
#![no_main]

#[path = "../../cli/src/record.rs"]
#[allow(dead_code)]
mod record;

use libfuzzer_sys::fuzz_target;
use record::Record;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, line)) = data.split_first() else {
        return;
    };
    // Ed25519's lengths, or BLS min-pk's.
    let (key_len, signature_len) = if selector % 2 == 0 {
        (32, 64)
    } else {
        (48, 96)
    };
    let Ok(parsed) = Record::parse(line, key_len, signature_len) else {
        return;
    };
    assert_eq!(parsed.public_key.len(), key_len);
    assert_eq!(parsed.signature.len(), signature_len);
    let written = serde_json::json!({
        "public_key": hex::encode(&parsed.public_key),
        "message": hex::encode(&parsed.message),
        "signature": hex::encode(&parsed.signature),
    })
    .to_string();
    assert_eq!(
        Record::parse(written.as_bytes(), key_len, signature_len),
        Ok(parsed)
    );
});
