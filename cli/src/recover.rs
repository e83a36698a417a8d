//! `recover`: Ethereum public-key recovery over JSONL records `{"message_hash": hex,
//! "signature": hex}` (65 bytes r‖s‖v, v 0, 1, 27 or 28), one output line per record in input
//! order: `{"index": i, "address": hex, "public_key": hex}` or `{"index": i, "error": ...}`.
//! Exit status 1 when any record fails, 2 when the input cannot be read.

use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;
use std::sync::mpsc;

use batchverify::secp256k1::{recover_batch, Recovered};
use batchverify::Field;
use rayon::prelude::*;

use crate::record::decode_hex;
use crate::verify::{read_chunks, Chunk, MAX_RECORD_BYTES};

pub fn run(args: &crate::verify::StreamArgs) -> ExitCode {
    let (input, pool) = match args.open() {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    let result = pool.install(|| recover_stream(input, io::stdout().lock()));
    crate::verdict_status(result.map(|failed| failed == 0))
}

/// Writes one line per record; returns how many failed.
fn recover_stream(input: impl BufRead + Send + 'static, output: impl Write) -> io::Result<usize> {
    let mut output = BufWriter::with_capacity(1 << 16, output);
    let (sender, chunks) = mpsc::sync_channel(1);
    let reader = std::thread::Builder::new()
        .name("batchverify-reader".into())
        .spawn(move || read_chunks(input, &sender))?;
    let mut index = 0;
    let mut failed = 0;
    for chunk in chunks {
        let chunk = chunk?;
        for line in recover_chunk(&chunk) {
            match line {
                Ok(recovered) => writeln!(
                    output,
                    r#"{{"index":{index},"address":"{}","public_key":"{}"}}"#,
                    hex::encode(recovered.address),
                    hex::encode(recovered.public_key)
                )?,
                Err(error) => {
                    failed += 1;
                    writeln!(
                        output,
                        "{}",
                        serde_json::json!({"index": index, "error": error})
                    )?;
                }
            }
            index += 1;
        }
    }
    reader
        .join()
        .map_err(|_| io::Error::other("the input reader stopped unexpectedly"))?;
    output.flush()?;
    Ok(failed)
}

/// Each record of the chunk recovered, or the reason it is not.
fn recover_chunk(chunk: &Chunk) -> Vec<Result<Recovered, String>> {
    let parsed: Vec<Result<Request, String>> = chunk
        .records
        .par_iter()
        .map(|raw| match &raw.span {
            Some(span) => parse(&chunk.text[span.clone()]),
            None => Err(format!("record longer than {MAX_RECORD_BYTES} bytes")),
        })
        .collect();
    let well_formed: Vec<&Request> = parsed.iter().filter_map(|p| p.as_ref().ok()).collect();
    let hashes: Vec<&[u8]> = well_formed.iter().map(|(h, _)| h.as_slice()).collect();
    let signatures: Vec<&[u8]> = well_formed.iter().map(|(_, s)| s.as_slice()).collect();
    // The lengths were checked above, so the batch itself cannot be refused; if it were,
    // every record reports why.
    let mut recovered = match recover_batch(&hashes, &signatures) {
        Ok(recovered) => recovered,
        Err(error) => vec![Err(error); hashes.len()],
    }
    .into_iter();
    parsed
        .into_iter()
        .map(|record| {
            record?;
            recovered
                .next()
                .unwrap_or(Err(batchverify::Error::InvalidSignature))
                .map_err(|error| match error {
                    // The library's index counts the chunk's well-formed records; the output
                    // line already carries the record's own index.
                    batchverify::Error::InvalidRecoveryId { v, .. } => {
                        format!("recovery_id: v = {v} is not 0, 1, 27 or 28")
                    }
                    other => other.to_string(),
                })
        })
        .collect()
}

/// A record's message hash and 65-byte signature.
type Request = (Vec<u8>, Vec<u8>);

/// `{"message_hash": hex, "signature": hex}` with the lengths recovery needs.
fn parse(line: &[u8]) -> Result<Request, String> {
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| format!("not a JSON object: {e}"))?;
    if !value.is_object() {
        return Err("not a JSON object".into());
    }
    let field = |field: Field, len: usize| -> Result<Vec<u8>, String> {
        let name = field.name();
        let text = value
            .get(name)
            .ok_or_else(|| format!("{name}: missing"))?
            .as_str()
            .ok_or_else(|| format!("{name}: expected a hex string"))?;
        let bytes = decode_hex(text).map_err(|e| format!("{name}: invalid hex: {e}"))?;
        if bytes.len() == len {
            Ok(bytes)
        } else {
            Err(format!("{name}: expected {len} bytes, got {}", bytes.len()))
        }
    };
    Ok((field(Field::MessageHash, 32)?, field(Field::Signature, 65)?))
}
