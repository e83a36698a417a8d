//! The CLI's streaming rate beside the library's, on the same records and threads (BENCHMARKS.md).
//!
//! Writes `RECORDS` valid records from `SIGNERS` signers (32-byte messages) to a file, then
//! alternates, `ROUNDS` times: `batchverify verify SCHEME --threads THREADS FILE` timed from
//! spawn to exit (output to /dev/null), and `verify_batch` in this process over the same records
//! already decoded, in one batch, on a pool of `THREADS` threads. Both start with an empty key
//! cache each round (the CLI is a new process; the library gets a fresh private cache).
//! Prints each side's median and the ratio.
//!
//! Usage: `cargo run --release --example stream_rate -- PATH_TO_BATCHVERIFY
//! strict|zip215|bls RECORDS SIGNERS THREADS [ROUNDS]` (the first two are Ed25519 policies).

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use batchverify::bls::{self, SecretKey};
use batchverify::ed25519::{Policy, Verifier};
use batchverify::KeyCache;
use ed25519_dalek::{Signer, SigningKey};

#[derive(Clone, Copy, Debug)]
enum Scheme {
    Ed25519(Policy),
    Bls,
}

struct Records {
    keys: Vec<Vec<u8>>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<Vec<u8>>,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: stream_rate PATH_TO_BATCHVERIFY strict|zip215|bls RECORDS SIGNERS THREADS [ROUNDS]";
    let [cli, scheme, records, signers, threads, rest @ ..] = args.as_slice() else {
        panic!("{usage}");
    };
    let number = |text: &str| -> usize { text.parse().expect(usage) };
    let (records, signers, threads) = (number(records), number(signers), number(threads));
    let rounds = rest.first().map_or(5, |text| number(text));
    assert!(
        records > 0 && signers > 0 && threads > 0 && rounds > 0,
        "{usage}"
    );
    let scheme = match scheme.as_str() {
        "strict" => Scheme::Ed25519(Policy::Strict),
        "zip215" => Scheme::Ed25519(Policy::Zip215),
        "bls" => Scheme::Bls,
        _ => panic!("{usage}"),
    };
    let data = match scheme {
        Scheme::Ed25519(_) => ed25519_records(records, signers),
        Scheme::Bls => bls_records(records, signers),
    };
    let path = std::env::temp_dir().join(format!(
        "batchverify-stream-rate-{}.jsonl",
        std::process::id()
    ));
    write_jsonl(&data, &path);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let (mut cli_times, mut library_times) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        cli_times.push(time_cli(cli, scheme, threads, &path));
        library_times.push(pool.install(|| time_library(scheme, &data)));
    }
    let rate = |times: &mut Vec<Duration>| {
        times.sort();
        records as f64 / times[times.len() / 2].as_secs_f64()
    };
    let (cli_rate, library_rate) = (rate(&mut cli_times), rate(&mut library_times));
    println!(
        "{scheme:?}: {records} records, {signers} signers, {threads} threads, median of {rounds}: \
         CLI {cli_rate:.0} records/s, library verify_batch {library_rate:.0} records/s, \
         CLI / library {:.2}",
        cli_rate / library_rate
    );
    std::fs::remove_file(&path).ok();
}

fn ed25519_records(records: usize, signers: usize) -> Records {
    let keys: Vec<SigningKey> = (0..signers)
        .map(|i| SigningKey::from_bytes(&seed(i)))
        .collect();
    let mut data = Records::with_capacity(records);
    for i in 0..records {
        let signer = &keys[i % signers];
        let message = seed(i + signers).to_vec();
        data.signatures
            .push(signer.sign(&message).to_bytes().to_vec());
        data.keys.push(signer.verifying_key().to_bytes().to_vec());
        data.messages.push(message);
    }
    data
}

fn bls_records(records: usize, signers: usize) -> Records {
    let bls = bls::Verifier::ethereum();
    let keys: Vec<SecretKey> = (0..signers)
        .map(|i| SecretKey::key_gen(&seed(i)).expect("32-byte ikm"))
        .collect();
    let public_keys: Vec<Vec<u8>> = keys.iter().map(|key| bls.public_key(key)).collect();
    let mut data = Records::with_capacity(records);
    for i in 0..records {
        let message = seed(i + signers).to_vec();
        data.signatures.push(bls.sign(&keys[i % signers], &message));
        data.keys.push(public_keys[i % signers].clone());
        data.messages.push(message);
    }
    data
}

impl Records {
    fn with_capacity(records: usize) -> Records {
        Records {
            keys: Vec::with_capacity(records),
            messages: Vec::with_capacity(records),
            signatures: Vec::with_capacity(records),
        }
    }
}

fn seed(i: usize) -> [u8; 32] {
    let mut seed = [0x5e; 32];
    seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
    seed
}

fn write_jsonl(data: &Records, path: &std::path::Path) {
    let mut file = BufWriter::new(std::fs::File::create(path).expect("temporary file"));
    for ((key, message), signature) in data.keys.iter().zip(&data.messages).zip(&data.signatures) {
        writeln!(
            file,
            r#"{{"public_key":"{}","message":"{}","signature":"{}"}}"#,
            hex::encode(key),
            hex::encode(message),
            hex::encode(signature)
        )
        .expect("write records");
    }
    file.flush().expect("write records");
}

fn time_cli(cli: &str, scheme: Scheme, threads: usize, path: &std::path::Path) -> Duration {
    let mut command = Command::new(cli);
    match scheme {
        Scheme::Ed25519(Policy::Strict) => {
            command.args(["verify", "ed25519", "--policy", "strict"])
        }
        Scheme::Ed25519(_) => command.args(["verify", "ed25519", "--policy", "zip215"]),
        Scheme::Bls => command.args(["verify", "bls"]),
    };
    command
        .args(["--threads", &threads.to_string()])
        .arg(path)
        .stdout(Stdio::null());
    let started = Instant::now();
    let status = command.status().expect("run the CLI");
    let elapsed = started.elapsed();
    assert!(status.success(), "the CLI found invalid records: {status}");
    elapsed
}

fn time_library(scheme: Scheme, data: &Records) -> Duration {
    let cache = Some(Arc::new(KeyCache::new(1 << 16)));
    let started = Instant::now();
    let outcome = match scheme {
        Scheme::Ed25519(policy) => Verifier::new(policy).key_cache(cache).verify_batch(
            &data.keys,
            &data.messages,
            &data.signatures,
        ),
        Scheme::Bls => bls::Verifier::ethereum().key_cache(cache).verify_batch(
            &data.keys,
            &data.messages,
            &data.signatures,
        ),
    };
    let elapsed = started.elapsed();
    assert!(outcome.expect("well-formed records").all_valid());
    elapsed
}
