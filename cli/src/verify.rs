//! `verify ed25519 | bls | ecdsa | schnorr | sm2`: streams JSONL records through the batch verifier in bounded memory.
//!
//! A reader thread gathers chunks of lines; each chunk is parsed on the pool's threads beside
//! the verification of the one before it, so reading and decoding do not hold up verification.

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::num::NonZeroUsize;
use std::ops::Range;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use batchverify::ed25519::Verifier;
use batchverify::secp256k1::{ecdsa, schnorr};
use batchverify::{BatchOutcome, Field};
use rayon::prelude::*;

use crate::record::{Record, Shape};

/// Records verified together: large enough for the batch equation to pay, small enough that
/// memory stays bounded whatever the input size.
const RECORDS_PER_BATCH: usize = 8192;

/// The longest record read (a 1 MiB message in hex, with room to spare); a longer line is an
/// error for that record, skipped without being held in memory.
pub(crate) const MAX_RECORD_BYTES: usize = 4 << 20;

/// Input bytes held in one chunk: a chunk ends early at this size, so that long records cannot
/// multiply memory by [`RECORDS_PER_BATCH`].
const MAX_BATCH_BYTES: usize = 64 << 20;

/// How often the progress line on a terminal is redrawn.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// What every `verify` subcommand shares: where records come from and how to run.
#[derive(clap::Args)]
pub struct StreamArgs {
    /// Input file; `-` or nothing reads standard input.
    file: Option<PathBuf>,
    /// Worker threads for parsing and verifying (default: RAYON_NUM_THREADS, else all cores).
    #[arg(long)]
    threads: Option<NonZeroUsize>,
    /// Print a final count line on stderr (records, valid, invalid, malformed, rate).
    #[arg(long)]
    summary: bool,
}

/// The signature scheme records are verified under.
pub enum Scheme {
    Ed25519(Verifier),
    Bls(batchverify::bls::Verifier),
    Ecdsa(ecdsa::Verifier),
    Schnorr(schnorr::Verifier),
    Sm2(batchverify::sm2::Verifier),
}

impl Scheme {
    fn shape(&self) -> Shape {
        let fixed = |public_key: &'static [usize], signature: &'static [usize]| Shape {
            message: Field::Message,
            message_lengths: &[],
            public_key_lengths: public_key,
            signature_lengths: signature,
            max_id_len: None,
        };
        match self {
            Scheme::Ed25519(_) => fixed(&[32], &[64]),
            Scheme::Bls(bls) => match bls.variant() {
                batchverify::bls::Variant::MinPk => fixed(&[48], &[96]),
                batchverify::bls::Variant::MinSig => fixed(&[96], &[48]),
            },
            Scheme::Ecdsa(verifier) => Shape {
                message: Field::MessageHash,
                message_lengths: &[32],
                public_key_lengths: &[33, 65],
                signature_lengths: match verifier.rules().encoding() {
                    ecdsa::Encoding::Compact => &[64],
                    ecdsa::Encoding::Der => &[],
                },
                max_id_len: None,
            },
            Scheme::Schnorr(_) => fixed(&[32], &[64]),
            Scheme::Sm2(verifier) => Shape {
                max_id_len: Some(batchverify::sm2::MAX_ID_LEN),
                ..fixed(
                    &[33, 65],
                    match verifier.forced_encoding() {
                        Some(batchverify::sm2::Encoding::Compact) => &[64],
                        _ => &[],
                    },
                )
            },
        }
    }

    /// The record, or why the scheme cannot read its signature one way only (the batch would
    /// fail on it).
    fn check_encoding(&self, record: Record) -> Result<Record, String> {
        match self {
            Scheme::Sm2(verifier) => match verifier.check_encoding(&record.signature) {
                Ok(()) => Ok(record),
                Err(_) => Err(
                    "signature: 64 bytes that read both as r‖s and as DER; pass --encoding"
                        .to_owned(),
                ),
            },
            _ => Ok(record),
        }
    }

    fn verify_batch(
        &self,
        records: &[&Record],
        keys: &[&[u8]],
        messages: &[&[u8]],
        signatures: &[&[u8]],
    ) -> Result<BatchOutcome, batchverify::Error> {
        match self {
            Scheme::Sm2(verifier) => {
                let ids: Vec<&[u8]> = records
                    .iter()
                    .map(|r| r.id.as_deref().unwrap_or(batchverify::sm2::DEFAULT_ID))
                    .collect();
                verifier.verify_batch_with_ids(keys, &ids, messages, signatures)
            }
            Scheme::Ed25519(verifier) => verifier.verify_batch(keys, messages, signatures),
            Scheme::Bls(bls) => bls.verify_batch(keys, messages, signatures),
            Scheme::Ecdsa(verifier) => verifier.verify_batch(keys, messages, signatures),
            Scheme::Schnorr(verifier) => verifier.verify_batch(keys, messages, signatures),
        }
    }
}

impl StreamArgs {
    /// The input (the file, or standard input for none or `-`) and the worker pool the
    /// records are parsed and verified on, or what stops the run.
    pub fn open(&self) -> Result<(Box<dyn BufRead + Send>, rayon::ThreadPool), String> {
        let input = crate::open_input(self.file.as_deref())?;
        let threads = self.threads.map_or(0, NonZeroUsize::get);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| format!("cannot start the worker threads: {e}"))?;
        Ok((input, pool))
    }
}

pub fn run(scheme: Scheme, args: &StreamArgs) -> ExitCode {
    let (input, pool) = match args.open() {
        Ok(opened) => opened,
        Err(message) => {
            eprintln!("batchverify: {message}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    // Not when verdicts go to the same terminal: the line would be drawn between them.
    let show_progress = io::stderr().is_terminal() && !io::stdout().is_terminal();
    let mut progress = show_progress.then(|| Progress::new(started));
    let result = pool.install(|| {
        verify_stream(&scheme, input, io::stdout().lock(), |tally| {
            if let Some(progress) = progress.as_mut() {
                progress.show(tally);
            }
        })
    });
    if let Some(progress) = &progress {
        progress.clear();
    }
    if args.summary {
        if let Ok(tally) = &result {
            eprintln!("batchverify: {}", tally.summary(started.elapsed()));
        }
    }
    crate::verdict_status(result.map(|tally| tally.invalid == 0))
}

/// Counts of the records verified so far.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    records: usize,
    /// Records that did not verify, the malformed ones included.
    invalid: usize,
    malformed: usize,
}

impl Tally {
    fn summary(&self, elapsed: Duration) -> String {
        let seconds = elapsed.as_secs_f64();
        format!(
            "{} records: {} valid, {} invalid ({} malformed) in {seconds:.3} s, {:.0} records/s",
            self.records,
            self.records - self.invalid,
            self.invalid,
            self.malformed,
            self.records as f64 / seconds.max(f64::MIN_POSITIVE),
        )
    }
}

/// The line redrawn on a terminal's stderr while a long input streams.
struct Progress {
    started: Instant,
    shown: Option<Instant>,
}

impl Progress {
    fn new(started: Instant) -> Self {
        Progress {
            started,
            shown: None,
        }
    }

    fn show(&mut self, tally: &Tally) {
        let now = Instant::now();
        if self
            .shown
            .is_some_and(|shown| now.duration_since(shown) < PROGRESS_INTERVAL)
        {
            return;
        }
        self.shown = Some(now);
        let seconds = now.duration_since(self.started).as_secs_f64();
        eprint!(
            "\r\x1b[2K{} records, {:.0}/s, {} invalid so far",
            tally.records,
            tally.records as f64 / seconds.max(f64::MIN_POSITIVE),
            tally.invalid
        );
    }

    fn clear(&self) {
        if self.shown.is_some() {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Writes one verdict line per record and calls `observe` after each chunk; returns the counts.
fn verify_stream(
    scheme: &Scheme,
    input: impl BufRead + Send + 'static,
    output: impl Write,
    mut observe: impl FnMut(&Tally),
) -> io::Result<Tally> {
    let mut output = BufWriter::with_capacity(1 << 16, output);
    // The reader fills one chunk while one waits in the channel, one is parsed and one
    // verified: reading overlaps the work, and memory stays bounded. The reader is not joined on an early error (it may be blocked on a terminal);
    // it ends when it next finds the channel closed.
    let (sender, chunks) = mpsc::sync_channel(1);
    let reader = std::thread::Builder::new()
        .name("batchverify-reader".into())
        .spawn(move || read_chunks(input, &sender))?;
    let mut tally = Tally::default();
    // Parsing the next chunk runs beside the verification of the current one, so that the
    // threads verification leaves idle (its serial steps, its last items) parse meanwhile.
    let mut parsed: Option<ParsedChunk> = None;
    for chunk in chunks {
        let chunk = chunk?;
        let (verified, next) = rayon::join(
            || parsed.as_ref().map(|done| verify_parsed(scheme, done)),
            || parse_chunk(scheme, chunk),
        );
        if let (Some(done), Some(outcome)) = (parsed.take(), verified) {
            write_verdicts(&done, &outcome?, &mut tally, &mut output)?;
            observe(&tally);
        }
        parsed = Some(next);
    }
    if let Some(last) = parsed {
        write_verdicts(
            &last,
            &verify_parsed(scheme, &last)?,
            &mut tally,
            &mut output,
        )?;
        observe(&tally);
    }
    reader
        .join()
        .map_err(|_| io::Error::other("the input reader stopped unexpectedly"))?;
    output.flush()?;
    Ok(tally)
}

/// Input lines read together: their bytes back to back, and where each record lies.
pub(crate) struct Chunk {
    pub(crate) text: Vec<u8>,
    pub(crate) records: Vec<RawRecord>,
}

/// One non-blank input line: its 1-based line number and its bytes in [`Chunk::text`], or
/// `None` when it was longer than [`MAX_RECORD_BYTES`] and skipped.
pub(crate) struct RawRecord {
    pub(crate) line: usize,
    pub(crate) span: Option<Range<usize>>,
}

/// Sends the input's records chunk by chunk (bounded by [`RECORDS_PER_BATCH`] records and
/// [`MAX_BATCH_BYTES`]) until it ends or the receiver hangs up.
pub(crate) fn read_chunks(mut input: impl BufRead, chunks: &mpsc::SyncSender<io::Result<Chunk>>) {
    let mut line_number = 0;
    let mut text_capacity = 0;
    loop {
        // Sized like the last chunk, so that its text is not grown by copying line after line.
        let mut chunk = Chunk {
            text: Vec::with_capacity(text_capacity),
            records: Vec::with_capacity(RECORDS_PER_BATCH),
        };
        let at_end = match fill_chunk(&mut input, &mut chunk, &mut line_number) {
            Ok(at_end) => at_end,
            Err(error) => {
                // The verifier may already be gone; then nobody is left to tell.
                let _ = chunks.send(Err(error));
                return;
            }
        };
        text_capacity = chunk.text.len();
        if !chunk.records.is_empty() && chunks.send(Ok(chunk)).is_err() {
            return;
        }
        if at_end {
            return;
        }
    }
}

/// Reads lines into `chunk` until it is full; true when the input has ended. Blank lines are
/// counted but hold no record.
fn fill_chunk(
    input: &mut impl BufRead,
    chunk: &mut Chunk,
    line_number: &mut usize,
) -> io::Result<bool> {
    while chunk.records.len() < RECORDS_PER_BATCH && chunk.text.len() < MAX_BATCH_BYTES {
        let start = chunk.text.len();
        let Some(line) = read_line_capped(input, &mut chunk.text)? else {
            return Ok(true);
        };
        *line_number += 1;
        let span = match line {
            Line::TooLong => None,
            Line::Read if chunk.text[start..].iter().all(u8::is_ascii_whitespace) => {
                chunk.text.truncate(start);
                continue;
            }
            // Without its end, so that a JSON error's position is within this one line.
            Line::Read => Some(start..start + chunk.text[start..].trim_ascii_end().len()),
        };
        chunk.records.push(RawRecord {
            line: *line_number,
            span,
        });
    }
    Ok(false)
}

enum Line {
    Read,
    TooLong,
}

/// Appends the next line to `text`, or skips it to its end (appending nothing) when it is
/// longer than [`MAX_RECORD_BYTES`]; `None` at the end of the input.
fn read_line_capped(input: &mut impl BufRead, text: &mut Vec<u8>) -> io::Result<Option<Line>> {
    let start = text.len();
    let limit = MAX_RECORD_BYTES as u64 + 1;
    if io::Read::take(&mut *input, limit).read_until(b'\n', text)? == 0 {
        return Ok(None);
    }
    if text.len() - start <= MAX_RECORD_BYTES || text.ends_with(b"\n") {
        return Ok(Some(Line::Read));
    }
    text.truncate(start);
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

/// A chunk and its records, parsed or with the reason each is not a record.
struct ParsedChunk {
    chunk: Chunk,
    records: Vec<Result<Record, String>>,
}

/// Parses a chunk's records on the pool's threads.
fn parse_chunk(scheme: &Scheme, chunk: Chunk) -> ParsedChunk {
    let shape = scheme.shape();
    let records = chunk
        .records
        .par_iter()
        .with_min_len(64)
        .map(|raw| match &raw.span {
            Some(span) => Record::parse(&chunk.text[span.clone()], &shape)
                .and_then(|record| scheme.check_encoding(record)),
            None => Err(format!("record longer than {MAX_RECORD_BYTES} bytes")),
        })
        .collect();
    ParsedChunk { chunk, records }
}

/// Verifies a chunk's well-formed records as one batch.
fn verify_parsed(scheme: &Scheme, parsed: &ParsedChunk) -> io::Result<BatchOutcome> {
    let records: Vec<&Record> = parsed
        .records
        .iter()
        .filter_map(|p| p.as_ref().ok())
        .collect();
    let keys: Vec<&[u8]> = records.iter().map(|r| r.public_key.as_slice()).collect();
    let messages: Vec<&[u8]> = records.iter().map(|r| r.message.as_slice()).collect();
    let signatures: Vec<&[u8]> = records.iter().map(|r| r.signature.as_slice()).collect();
    scheme
        .verify_batch(&records, &keys, &messages, &signatures)
        .map_err(|e| io::Error::other(format!("internal error: {e}")))
}

/// Writes a verdict line for each record of the chunk, in input order.
fn write_verdicts(
    parsed: &ParsedChunk,
    outcome: &BatchOutcome,
    tally: &mut Tally,
    output: &mut impl Write,
) -> io::Result<()> {
    let mut verdicts = outcome.as_slice().iter();
    for (raw, record) in parsed.chunk.records.iter().zip(&parsed.records) {
        let index = tally.records;
        tally.records += 1;
        let line = raw.line;
        match record {
            Ok(_) => {
                let valid = verdicts.next().copied().unwrap_or(false);
                tally.invalid += usize::from(!valid);
                writeln!(
                    output,
                    r#"{{"index":{index},"line":{line},"valid":{valid}}}"#
                )?;
            }
            Err(error) => {
                tally.invalid += 1;
                tally.malformed += 1;
                let verdict = serde_json::json!({
                    "index": index, "line": line, "valid": false, "error": error,
                });
                writeln!(output, "{verdict}")?;
            }
        }
    }
    Ok(())
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
        let (tally, lines) = tally_and_verdicts(input);
        (tally.invalid == 0, lines)
    }

    fn tally_and_verdicts(input: &str) -> (Tally, Vec<serde_json::Value>) {
        let mut out = Vec::new();
        let scheme = Scheme::Ed25519(Verifier::new(batchverify::ed25519::Policy::Strict));
        let input = io::Cursor::new(input.as_bytes().to_vec());
        let tally = verify_stream(&scheme, input, &mut out, |_| {}).unwrap();
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (tally, lines)
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
        buffer.clear();
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

    #[test]
    fn the_tally_counts_invalid_and_malformed_records_across_chunks() {
        let forged = record(5, b"e").replace(&hex::encode(b"e"), &hex::encode(b"f"));
        let mut lines = vec![record(6, b"g"); RECORDS_PER_BATCH + 10];
        lines[3] = forged.clone();
        lines[RECORDS_PER_BATCH + 1] = forged;
        lines[RECORDS_PER_BATCH + 5] = "{\"public_key\" 1}".to_string();
        let (tally, verdicts) = tally_and_verdicts(&lines.join("\n"));
        assert_eq!(
            tally,
            Tally {
                records: RECORDS_PER_BATCH + 10,
                invalid: 3,
                malformed: 1
            }
        );
        let invalid: Vec<u64> = verdicts
            .iter()
            .filter(|v| v["valid"] == false)
            .map(|v| v["line"].as_u64().unwrap())
            .collect();
        let first_line_of_chunk_two = RECORDS_PER_BATCH as u64 + 1;
        assert_eq!(
            invalid,
            [4, first_line_of_chunk_two + 1, first_line_of_chunk_two + 5]
        );
        assert_eq!(
            verdicts[RECORDS_PER_BATCH + 5]["error"],
            "not a JSON object: expected `:` at column 15"
        );
        assert!(tally.summary(Duration::from_secs(2)).starts_with(&format!(
            "{} records: {} valid, 3 invalid (1 malformed) in 2.000 s",
            RECORDS_PER_BATCH + 10,
            RECORDS_PER_BATCH + 7
        )));
    }

    #[test]
    fn a_truncated_record_is_an_error_within_its_own_line() {
        let input = format!("{{\"public_key\": \"ab\"\r\n{}\n", record(1, b"a"));
        let (ok, lines) = run_on(&input);
        assert!(!ok);
        assert_eq!(
            lines[0]["error"],
            "not a JSON object: EOF while parsing an object at column 19"
        );
        assert_eq!(lines[1]["valid"], true);
    }
}
