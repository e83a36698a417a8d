//! One JSONL record of `verify`: `{"public_key": hex, "message": hex, "signature": hex}`.
//!
//! Kept apart from the streaming so that the fuzz crate can include this file and fuzz the
//! parser alone (it depends only on `batchverify::Field`, serde_json and hex).

use batchverify::Field;

/// A record's decoded fields, the key and signature of the lengths the scheme asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Record {
    pub public_key: Vec<u8>,
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
}

impl Record {
    /// Parses one line; the error says which field is wrong and how, for the verdict line.
    pub fn parse(
        line: &[u8],
        public_key_len: usize,
        signature_len: usize,
    ) -> Result<Record, String> {
        let value: serde_json::Value =
            serde_json::from_slice(line).map_err(|e| format!("not a JSON object: {e}"))?;
        if !value.is_object() {
            return Err("not a JSON object".into());
        }
        let decode_hex = |field: Field| -> Result<Vec<u8>, String> {
            let name = field.name();
            let text = value
                .get(name)
                .ok_or_else(|| format!("{name}: missing"))?
                .as_str()
                .ok_or_else(|| format!("{name}: expected a hex string"))?;
            decode_hex(text).map_err(|e| format!("{name}: invalid hex: {e}"))
        };
        let public_key = fixed_length(
            Field::PublicKey,
            decode_hex(Field::PublicKey)?,
            public_key_len,
        )?;
        let message = decode_hex(Field::Message)?;
        let signature = fixed_length(
            Field::Signature,
            decode_hex(Field::Signature)?,
            signature_len,
        )?;
        Ok(Record {
            public_key,
            message,
            signature,
        })
    }
}

/// Hex as the CLI reads it everywhere: with or without the `0x` prefix Ethereum tooling writes.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, hex::FromHexError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    hex::decode(digits)
}

fn fixed_length(field: Field, bytes: Vec<u8>, expected: usize) -> Result<Vec<u8>, String> {
    if bytes.len() == expected {
        Ok(bytes)
    } else {
        Err(format!(
            "{}: expected {expected} bytes, got {}",
            field.name(),
            bytes.len()
        ))
    }
}
