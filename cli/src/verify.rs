//! `verify ed25519 | bls`: streams JSONL records through the batch verifier in bounded memory.

use std::io::{self, BufRead, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use batchverify::bls::Bls;
use batchverify::ed25519::Verifier;
use batchverify::BatchOutcome;

use crate::record::Record;

/// Records verified together: large enough for the batch equation to pay, small enough that
/// memory stays bounded whatever the input size.
const RECORDS_PER_BATCH: usize = 8192;

/// The longest record read (a 1 MiB message in hex, with room to spare); a longer line is an
/// error for that record, skipped without being held in memory.
const MAX_RECORD_BYTES: usize = 4 << 20;

/// Input bytes held at once before a batch is verified early, so that long records cannot
/// multiply memory by [`RECORDS_PER_BATCH`].
const MAX_BATCH_BYTES: usize = 64 << 20;

/// The signature scheme records are verified under.
pub enum Scheme {
    Ed25519(Verifier),
    Bls(Bls),
}

impl Scheme {
    fn public_key_len(&self) -> usize {
        match self {
            Scheme::Ed25519(_) => 32,
            Scheme::Bls(bls) => bls.public_key_len(),
        }
    }

    fn signature_len(&self) -> usize {
        match self {
            Scheme::Ed25519(_) => 64,
            Scheme::Bls(bls) => bls.signature_len(),
        }
    }

    fn verify_batch(
        &self,
        keys: &[&[u8]],
        messages: &[&[u8]],
        signatures: &[&[u8]],
    ) -> Result<BatchOutcome, batchverify::Error> {
        match self {
            Scheme::Ed25519(verifier) => verifier.verify_batch(keys, messages, signatures),
            Scheme::Bls(bls) => bls.verify_batch(keys, messages, signatures),
        }
    }
}

pub fn run(scheme: Scheme, file: Option<&Path>) -> ExitCode {
    let input = match crate::open_input(file) {
        Ok(input) => input,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    crate::verdict_status(verify_stream(&scheme, input, io::stdout().lock()))
}

/// Writes one verdict line per record; returns whether every record was valid.
fn verify_stream(scheme: &Scheme, mut input: impl BufRead, output: impl Write) -> io::Result<bool> {
    let mut output = BufWriter::new(output);
    let mut parsed: Vec<Parsed> = Vec::with_capacity(RECORDS_PER_BATCH);
    let mut next_index = 0usize;
    let mut all_valid = true;
    let mut line = Vec::new();
    let mut line_number = 0usize;
    let mut batch_bytes = 0;
    loop {
        let read = read_line_capped(&mut input, &mut line)?;
        let at_end = read.is_none();
        line_number += 1;
        let record = match read {
            Some(Line::TooLong) => {
                Some(Err(format!("record longer than {MAX_RECORD_BYTES} bytes")))
            }
            Some(Line::Read) if !line.iter().all(u8::is_ascii_whitespace) => {
                batch_bytes += line.len();
                Some(Record::parse(
                    &line,
                    scheme.public_key_len(),
                    scheme.signature_len(),
                ))
            }
            _ => None,
        };
        if let Some(record) = record {
            parsed.push(Parsed {
                line: line_number,
                record,
            });
        }
        if parsed.len() == RECORDS_PER_BATCH
            || batch_bytes >= MAX_BATCH_BYTES
            || (at_end && !parsed.is_empty())
        {
            all_valid &= flush(scheme, &mut parsed, &mut next_index, &mut output)?;
            batch_bytes = 0;
        }
        if at_end {
            break;
        }
    }
    output.flush()?;
    Ok(all_valid)
}

enum Line {
    Read,
    TooLong,
}

/// A record (or why it is not one) and the input line it came from.
struct Parsed {
    line: usize,
    record: Result<Record, String>,
}

/// Reads the next line into `line`, or skips it to its end when it is longer than
/// [`MAX_RECORD_BYTES`]; `None` at the end of the input.
fn read_line_capped(input: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<Option<Line>> {
    line.clear();
    let limit = MAX_RECORD_BYTES as u64 + 1;
    if io::Read::take(&mut *input, limit).read_until(b'\n', line)? == 0 {
        return Ok(None);
    }
    if line.len() <= MAX_RECORD_BYTES || line.ends_with(b"\n") {
        return Ok(Some(Line::Read));
    }
    line.clear();
    loop {
        let buffer = match input.fill_buf() {
            Ok(buffer) => buffer,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if buffer.is_empty() {
            break;
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                break;
            }
            None => {
                let skipped = buffer.len();
                input.consume(skipped);
            }
        }
    }
    Ok(Some(Line::TooLong))
}

fn flush(
    scheme: &Scheme,
    parsed: &mut Vec<Parsed>,
    next_index: &mut usize,
    output: &mut impl Write,
) -> io::Result<bool> {
    let records: Vec<&Record> = parsed
        .iter()
        .filter_map(|p| p.record.as_ref().ok())
        .collect();
    let keys: Vec<&[u8]> = records.iter().map(|r| r.public_key.as_slice()).collect();
    let messages: Vec<&[u8]> = records.iter().map(|r| r.message.as_slice()).collect();
    let signatures: Vec<&[u8]> = records.iter().map(|r| r.signature.as_slice()).collect();
    let outcome = scheme
        .verify_batch(&keys, &messages, &signatures)
        .map_err(|e| io::Error::other(format!("internal error: {e}")))?;
    let mut verdicts = outcome.as_slice().iter();
    let mut all_valid = true;
    for Parsed { line, record } in parsed.drain(..) {
        let index = *next_index;
        *next_index += 1;
        let line = match record {
            Ok(_) => {
                let valid = verdicts.next().copied().unwrap_or(false);
                all_valid &= valid;
                serde_json::json!({"index": index, "line": line, "valid": valid})
            }
            Err(error) => {
                all_valid = false;
                serde_json::json!({"index": index, "line": line, "valid": false, "error": error})
            }
        };
        writeln!(output, "{line}")?;
    }
    Ok(all_valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seed: u8, message: &[u8]) -> String {
        let key = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]);
        let signature = ed25519_dalek::Signer::sign(&key, message).to_bytes();
        serde_json::json!({
            "public_key": hex::encode(key.verifying_key().to_bytes()),
            "message": hex::encode(message),
            "signature": hex::encode(signature),
        })
        .to_string()
    }

    fn run_on(input: &str) -> (bool, Vec<serde_json::Value>) {
        let mut out = Vec::new();
        let scheme = Scheme::Ed25519(Verifier::new(batchverify::ed25519::Policy::Strict));
        let ok = verify_stream(&scheme, input.as_bytes(), &mut out).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (ok, lines)
    }

    #[test]
    fn verdicts_come_back_in_order_with_errors_named() {
        let bad_sig = record(2, b"b").replace("\"signature\":\"", "\"signature\":\"zz");
        let input = [
            record(1, b"a"),
            bad_sig,
            "{\"public_key\": \"zz\"}".to_string(),
            String::new(),
            "[1,2]".to_string(),
            record(3, b"c"),
        ]
        .join("\n");
        let (ok, lines) = run_on(&input);
        assert!(!ok);
        assert_eq!(lines.len(), 5);
        assert_eq!(
            lines[0],
            serde_json::json!({"index": 0, "line": 1, "valid": true})
        );
        assert_eq!(lines[1]["valid"], false);
        assert!(lines[1]["error"]
            .as_str()
            .unwrap()
            .contains("signature: invalid hex"));
        assert!(lines[2]["error"]
            .as_str()
            .unwrap()
            .starts_with("public_key"));
        assert_eq!(lines[3]["error"], "not a JSON object");
        // The blank line 4 is skipped: record 4 is line 6.
        assert_eq!(
            lines[4],
            serde_json::json!({"index": 4, "line": 6, "valid": true})
        );
    }

    #[test]
    fn hex_may_carry_the_0x_prefix() {
        let prefixed = record(9, b"j")
            .replace("\"public_key\":\"", "\"public_key\":\"0x")
            .replace("\"signature\":\"", "\"signature\":\"0X")
            .replace("\"message\":\"", "\"message\":\"0x");
        let (ok, lines) = run_on(&prefixed);
        assert!(ok, "{lines:?}");
        assert_eq!(lines[0]["valid"], true);
        let (ok, lines) = run_on(&record(9, b"j").replace("\"message\":\"", "\"message\":\"0x0x"));
        assert!(!ok);
        assert!(lines[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("message: invalid hex"));
    }

    #[test]
    fn wrong_length_and_forged_records_are_invalid() {
        let short = record(4, b"d").replace("\"public_key\":\"", "\"public_key\":\"0000");
        let forged = record(5, b"e").replace(&hex::encode(b"e"), &hex::encode(b"f"));
        let (ok, lines) = run_on(&format!("{short}\n{forged}\n"));
        assert!(!ok);
        assert_eq!(lines[0]["error"], "public_key: expected 32 bytes, got 34");
        assert_eq!(
            lines[1],
            serde_json::json!({"index": 1, "line": 2, "valid": false})
        );
    }

    #[test]
    fn a_100_mb_line_is_an_error_for_its_record_and_the_run_goes_on() {
        let huge = format!("{{\"message\": \"{}\"}}", "ab".repeat(50 << 20));
        let (ok, lines) = run_on(&format!(
            "{}\n{huge}\n{}\n",
            record(7, b"h"),
            record(8, b"i")
        ));
        assert!(!ok);
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["valid"], true);
        assert_eq!(
            lines[1]["error"],
            format!("record longer than {MAX_RECORD_BYTES} bytes")
        );
        assert_eq!(
            lines[2],
            serde_json::json!({"index": 2, "line": 3, "valid": true})
        );
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let mut line = vec![b' '; MAX_RECORD_BYTES];
        line.push(b'\n');
        line.extend_from_slice(b"next");
        let mut input = line.as_slice();
        let mut buffer = Vec::new();
        assert!(matches!(
            read_line_capped(&mut input, &mut buffer).unwrap(),
            Some(Line::Read)
        ));
        assert_eq!(buffer.len(), MAX_RECORD_BYTES + 1);
        read_line_capped(&mut input, &mut buffer).unwrap();
        assert_eq!(buffer, b"next");
        assert!(read_line_capped(&mut input, &mut buffer).unwrap().is_none());
    }

    #[test]
    fn many_batches_keep_their_indices() {
        let valid = record(6, b"g");
        let input = vec![valid; RECORDS_PER_BATCH + 3].join("\n");
        let (ok, lines) = run_on(&input);
        assert!(ok);
        assert_eq!(lines.len(), RECORDS_PER_BATCH + 3);
        assert_eq!(lines.last().unwrap()["index"], RECORDS_PER_BATCH + 2);
    }
}
