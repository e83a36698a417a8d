//! One JSONL record of `verify`: `{"public_key": hex, "message": hex, "signature": hex}`
//! (`message_hash` in place of `message` for ECDSA; an optional `id` for SM2).
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
    /// The signer ID (SM2), when the record names one.
    pub id: Option<Vec<u8>>,
}

/// What one scheme's records look like.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    /// The field that carries what was signed: `message`, or `message_hash` for ECDSA.
    pub message: Field,
    /// The lengths that field may have; empty for any (messages).
    pub message_lengths: &'static [usize],
    /// The lengths a public key may have.
    pub public_key_lengths: &'static [usize],
    /// The lengths a signature may have; empty for any (DER signatures vary).
    pub signature_lengths: &'static [usize],
    /// The most bytes an optional `id` may have; `None` where records carry no ID.
    pub max_id_len: Option<usize>,
}

impl Record {
    /// Parses one line; the error says which field is wrong and how, for the verdict line.
    pub fn parse(line: &[u8], shape: &Shape) -> Result<Record, String> {
        // The in-place path reads the `message` key only.
        let borrowed = (shape.message == Field::Message)
            .then(|| borrowed_fields(line))
            .flatten();
        if let Some(fields) = borrowed {
            return decode_fields(
                [
                    Ok(fields.public_key),
                    Ok(fields.message),
                    Ok(fields.signature),
                ],
                shape,
            );
        }
        let value: serde_json::Value = serde_json::from_slice(line).map_err(json_error)?;
        if !value.is_object() {
            return Err("not a JSON object".into());
        }
        let text = |field: Field| -> Result<&str, String> {
            let name = field.name();
            value
                .get(name)
                .ok_or_else(|| format!("{name}: missing"))?
                .as_str()
                .ok_or_else(|| format!("{name}: expected a hex string"))
        };
        let mut record = decode_fields(
            [
                text(Field::PublicKey),
                text(shape.message),
                text(Field::Signature),
            ],
            shape,
        )?;
        if let Some(max_len) = shape.max_id_len {
            let name = Field::SignerId.name();
            record.id = match value.get(name) {
                None | Some(serde_json::Value::Null) => None,
                Some(id) => {
                    let text = id
                        .as_str()
                        .ok_or_else(|| format!("{name}: expected a hex string"))?;
                    let id = decode_hex(text).map_err(|e| format!("{name}: invalid hex: {e}"))?;
                    if id.len() > max_len {
                        return Err(format!("{name}: at most {max_len} bytes, got {}", id.len()));
                    }
                    Some(id)
                }
            };
        }
        Ok(record)
    }
}

/// The three fields of the common record, read in place. Parsing a line into a general JSON
/// value allocates a map and a string per field, which costs as much as a good share of the
/// verification the CLI streams into; this path allocates nothing. Only lines with exactly
/// these keys, each a string without escapes, take it: anything else (a missing or null field,
/// another key, whose value serde would skip without checking it in full) goes the general
/// way, which rejects what is wrong and words the error.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Fields<'a> {
    public_key: &'a str,
    message: &'a str,
    signature: &'a str,
}

fn borrowed_fields(line: &[u8]) -> Option<Fields<'_>> {
    // Derived structs also accept JSON arrays, which are not records.
    if line.trim_ascii_start().first() != Some(&b'{') {
        return None;
    }
    serde_json::from_slice(line).ok()
}

/// Decodes the public key, message and signature texts in that order, so that the first wrong
/// field is the one named.
fn decode_fields(
    [public_key, message, signature]: [Result<&str, String>; 3],
    shape: &Shape,
) -> Result<Record, String> {
    let decode = |field: Field, text: Result<&str, String>| -> Result<Vec<u8>, String> {
        decode_hex(text?).map_err(|e| format!("{}: invalid hex: {e}", field.name()))
    };
    let public_key = allowed_length(
        Field::PublicKey,
        decode(Field::PublicKey, public_key)?,
        shape.public_key_lengths,
    )?;
    let message = allowed_length(
        shape.message,
        decode(shape.message, message)?,
        shape.message_lengths,
    )?;
    let signature = allowed_length(
        Field::Signature,
        decode(Field::Signature, signature)?,
        shape.signature_lengths,
    )?;
    Ok(Record {
        public_key,
        message,
        signature,
        id: None,
    })
}

/// serde_json counts lines within the text it was given, one input line without its end (the
/// reader trims it); the verdict carries the input line, so the message keeps only the column.
fn json_error(error: serde_json::Error) -> String {
    let text = error.to_string();
    let reason = text.split(" at line ").next().unwrap_or(&text);
    format!("not a JSON object: {reason} at column {}", error.column())
}

/// Hex as the CLI reads it everywhere: with or without the `0x` prefix Ethereum tooling writes.
pub fn decode_hex(text: &str) -> Result<Vec<u8>, hex::FromHexError> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))
        .unwrap_or(text);
    decode_digits(digits.as_bytes()).map_or_else(|| hex::decode(digits), Ok)
}

/// A digit's value, or 0xff for a byte that is not a hex digit.
const HEX_VALUES: [u8; 256] = {
    let mut values = [0xff; 256];
    let mut digit = 0;
    while digit < 16 {
        let value = digit as u8;
        values[b"0123456789abcdef"[digit] as usize] = value;
        values[b"0123456789ABCDEF"[digit] as usize] = value;
        digit += 1;
    }
    values
};

/// Two table look-ups per byte. The hex crate checks and collects digit by digit, which took a
/// tenth of the CLI's time on a stream of Ed25519 records; it still words the error (`None`
/// here) for input that is not hex.
fn decode_digits(digits: &[u8]) -> Option<Vec<u8>> {
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let mut bytes = Vec::with_capacity(digits.len() / 2);
    for pair in digits.chunks_exact(2) {
        let (high, low) = (
            HEX_VALUES[usize::from(pair[0])],
            HEX_VALUES[usize::from(pair[1])],
        );
        if (high | low) > 0x0f {
            return None;
        }
        bytes.push(high << 4 | low);
    }
    Some(bytes)
}

fn allowed_length(field: Field, bytes: Vec<u8>, allowed: &[usize]) -> Result<Vec<u8>, String> {
    if allowed.is_empty() || allowed.contains(&bytes.len()) {
        Ok(bytes)
    } else {
        let allowed: Vec<String> = allowed.iter().map(usize::to_string).collect();
        Err(format!(
            "{}: expected {} bytes, got {}",
            field.name(),
            allowed.join(" or "),
            bytes.len()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Record, String> {
        let shape = Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[2],
            signature_lengths: &[1],
            max_id_len: None,
        };
        Record::parse(line.as_bytes(), &shape)
    }

    #[test]
    fn the_in_place_path_and_the_general_path_agree() {
        let plain = r#"{"public_key": "abCD", "message": "", "signature": "0x0f"}"#;
        assert!(borrowed_fields(plain.as_bytes()).is_some());
        let expected = Record {
            public_key: vec![0xab, 0xcd],
            message: vec![],
            signature: vec![0x0f],
            id: None,
        };
        assert_eq!(parse(plain), Ok(expected));
        // An escaped string cannot be borrowed; the general path decodes it to the same bytes.
        let escaped = plain.replace("abCD", "ab\\u0043D");
        assert!(borrowed_fields(escaped.as_bytes()).is_none());
        assert_eq!(parse(&escaped), parse(plain));
        // A repeated key: the last one counts, as in the general path.
        let repeated = plain.replace('}', r#", "signature": "aa"}"#);
        assert_eq!(parse(&repeated).unwrap().signature, [0xaa]);
        // Other keys go the general way, which checks their values in full.
        let extra = plain.replace('}', r#", "extra": 1}"#);
        assert!(borrowed_fields(extra.as_bytes()).is_none());
        assert_eq!(parse(&extra), parse(plain));
        for bad in ["1e400", r#""\ud800""#] {
            let line = plain.replace('}', &format!(r#", "extra": {bad}}}"#));
            assert!(
                parse(&line).unwrap_err().starts_with("not a JSON object: "),
                "{line}"
            );
        }
    }

    #[test]
    fn errors_name_the_field_whichever_path_reads_the_line() {
        let line = |key: &str, signature: &str| {
            format!(r#"{{"public_key": "{key}", "message": "00", "signature": {signature}}}"#)
        };
        assert_eq!(
            parse(&line("abcd", "null")).unwrap_err(),
            "signature: expected a hex string"
        );
        assert_eq!(
            parse(r#"{"public_key": "abcd", "message": "00"}"#).unwrap_err(),
            "signature: missing"
        );
        assert_eq!(
            parse(&line("abc", "\"0f\"")).unwrap_err(),
            "public_key: invalid hex: Odd number of digits"
        );
        assert_eq!(
            parse(&line("abzd", "\"0f\"")).unwrap_err(),
            "public_key: invalid hex: Invalid character 'z' at position 2"
        );
        assert_eq!(
            parse(&line("abcd", "\"0f0f\"")).unwrap_err(),
            "signature: expected 1 bytes, got 2"
        );
        assert_eq!(
            parse(r#"["abcd", "00", "0f"]"#).unwrap_err(),
            "not a JSON object"
        );
    }

    #[test]
    fn every_pair_of_bytes_decodes_as_the_hex_crate_decodes_it() {
        for high in 0..=255u8 {
            for low in 0..=255u8 {
                let digits = [high, low, b'0', b'f'];
                assert_eq!(
                    decode_digits(&digits),
                    hex::decode(digits).ok(),
                    "{digits:?}"
                );
            }
        }
        assert_eq!(decode_digits(b"abc"), None);
        assert_eq!(decode_hex("0X0a"), Ok(vec![0x0a]));
    }

    #[test]
    fn ecdsa_shapes_read_the_hash_field_and_any_der_length() {
        let shape = Shape {
            message: Field::MessageHash,
            message_lengths: &[1],
            public_key_lengths: &[33, 65],
            signature_lengths: &[],
            max_id_len: None,
        };
        let key = "02".repeat(33);
        let line =
            format!(r#"{{"public_key": "{key}", "message_hash": "aa", "signature": "3006"}}"#);
        let record = Record::parse(line.as_bytes(), &shape).unwrap();
        assert_eq!(
            (record.message, record.signature),
            (vec![0xaa], vec![0x30, 0x06])
        );
        let long_hash = line.replace("\"aa\"", "\"aabb\"");
        assert_eq!(
            Record::parse(long_hash.as_bytes(), &shape).unwrap_err(),
            "message_hash: expected 1 bytes, got 2"
        );
        let unhashed = line.replace("message_hash", "message");
        assert_eq!(
            Record::parse(unhashed.as_bytes(), &shape).unwrap_err(),
            "message_hash: missing"
        );
        let short = line.replace(&key, "0202");
        assert_eq!(
            Record::parse(short.as_bytes(), &shape).unwrap_err(),
            "public_key: expected 33 or 65 bytes, got 2"
        );
    }

    #[test]
    fn sm2_records_may_name_a_signer_id() {
        let shape = Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: &[2],
            signature_lengths: &[1],
            max_id_len: Some(3),
        };
        let parse = |line: &str| Record::parse(line.as_bytes(), &shape);
        let base = r#""public_key": "0102", "message": "", "signature": "30""#;
        assert_eq!(parse(&format!("{{{base}}}")).unwrap().id, None);
        assert_eq!(
            parse(&format!(r#"{{{base}, "id": null}}"#)).unwrap().id,
            None
        );
        assert_eq!(
            parse(&format!(r#"{{{base}, "id": "616263"}}"#)).unwrap().id,
            Some(b"abc".to_vec())
        );
        assert_eq!(
            parse(&format!(r#"{{{base}, "id": "61626364"}}"#)),
            Err("id: at most 3 bytes, got 4".to_string())
        );
        assert_eq!(
            parse(&format!(r#"{{{base}, "id": 7}}"#)),
            Err("id: expected a hex string".to_string())
        );
        assert!(parse(&format!(r#"{{{base}, "id": "6x"}}"#))
            .unwrap_err()
            .starts_with("id: invalid hex"));
    }
}
