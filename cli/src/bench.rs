//! `bench`: throughput of each operation per batch size, with the peer library measured on the
//! same inputs in the same run, so the ratio holds on a noisy machine.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use batchverify::ed25519::{Policy, Verifier};
use clap::Args as ClapArgs;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;

const SUITES: &[&str] = &["ed25519"];
const DEFAULT_SIZES: &[usize] = &[64, 512, 4096, 32768];
/// The validator-vote workload: this many signers sign again and again.
const VALIDATORS: usize = 1000;

#[derive(ClapArgs)]
pub struct Args {
    /// Comma-separated suites to run (available: ed25519); all by default.
    #[arg(long, value_delimiter = ',')]
    suite: Vec<String>,
    /// Comma-separated batch sizes.
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Worker threads for every implementation (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Also write the records as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Minimum measuring time per row, in milliseconds.
    #[arg(long, default_value_t = 800)]
    min_time_ms: u64,
}

#[derive(Serialize)]
struct Record {
    suite: &'static str,
    operation: String,
    implementation: &'static str,
    backend: String,
    batch_size: usize,
    threads: usize,
    items_per_second: f64,
}

#[derive(Serialize)]
struct Machine {
    cpu_model: String,
    cores: usize,
    features: Vec<&'static str>,
    ed25519_path: String,
}

#[derive(Serialize)]
struct Report<'a> {
    machine: Machine,
    records: &'a [Record],
}

pub fn run(args: Args) -> ExitCode {
    let suites: Vec<String> = if args.suite.is_empty() {
        SUITES.iter().map(|s| s.to_string()).collect()
    } else {
        args.suite.clone()
    };
    if let Some(unknown) = suites.iter().find(|s| !SUITES.contains(&s.as_str())) {
        eprintln!(
            "batchverify: unknown suite {unknown:?} (available: {})",
            SUITES.join(", ")
        );
        return ExitCode::from(2);
    }
    let sizes = if args.sizes.is_empty() {
        DEFAULT_SIZES.to_vec()
    } else {
        args.sizes.clone()
    };
    if sizes.contains(&0) {
        eprintln!("batchverify: batch sizes must be at least 1");
        return ExitCode::from(2);
    }
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("batchverify: cannot start {threads} threads: {e}");
            return ExitCode::from(2);
        }
    };
    let min_time = Duration::from_millis(args.min_time_ms);
    let records = pool.install(|| ed25519_suite(&sizes, threads, min_time));
    print_table(&records);
    if let Some(path) = &args.json {
        let report = Report {
            machine: machine(),
            records: &records,
        };
        let written = serde_json::to_string_pretty(&report)
            .map_err(std::io::Error::other)
            .and_then(|text| std::fs::write(path, text));
        if let Err(e) = written {
            eprintln!("batchverify: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}

struct Inputs {
    keys: Vec<[u8; 32]>,
    messages: Vec<Vec<u8>>,
    signatures: Vec<[u8; 64]>,
    dalek_keys: Vec<VerifyingKey>,
    dalek_signatures: Vec<Signature>,
}

/// `size` signatures over 32-byte messages; by `signers` keys (`None`: every one distinct).
fn inputs(size: usize, signers: Option<usize>, seed: u64) -> Inputs {
    let mut rng = StdRng::seed_from_u64(seed);
    let key_count = signers.unwrap_or(size);
    let signing: Vec<SigningKey> = (0..key_count)
        .map(|_| SigningKey::from_bytes(&rng.random()))
        .collect();
    let messages: Vec<Vec<u8>> = (0..size)
        .map(|_| rng.random::<[u8; 32]>().to_vec())
        .collect();
    let picks: Vec<usize> = (0..size)
        .map(|i| match signers {
            Some(n) => rng.random_range(0..n),
            None => i,
        })
        .collect();
    let dalek_signatures: Vec<Signature> = picks
        .par_iter()
        .zip(&messages)
        .map(|(&k, m)| signing[k].sign(m))
        .collect();
    let dalek_keys: Vec<VerifyingKey> = picks.iter().map(|&k| signing[k].verifying_key()).collect();
    Inputs {
        keys: dalek_keys.iter().map(|k| k.to_bytes()).collect(),
        messages,
        signatures: dalek_signatures.iter().map(|s| s.to_bytes()).collect(),
        dalek_keys,
        dalek_signatures,
    }
}

/// Median items per second of `run` over repeated runs lasting at least `min_time` in all.
/// `run` returns whether everything verified; `None` when it did not, since a benchmark of a
/// verifier that rejects its inputs measures nothing.
fn measure(size: usize, min_time: Duration, mut run: impl FnMut() -> bool) -> Option<f64> {
    if !run() {
        return None;
    }
    let mut samples = Vec::new();
    let started = Instant::now();
    while samples.len() < 3 || (started.elapsed() < min_time && samples.len() < 1000) {
        let t = Instant::now();
        let ok = run();
        samples.push(t.elapsed().as_secs_f64());
        if !ok {
            return None;
        }
    }
    samples.sort_by(f64::total_cmp);
    Some(size as f64 / samples[samples.len() / 2])
}

fn ed25519_suite(sizes: &[usize], threads: usize, min_time: Duration) -> Vec<Record> {
    let workloads: [(&str, Option<usize>); 2] =
        [("distinct keys", None), ("1000 signers", Some(VALIDATORS))];
    let implementations = 4;
    let progress = ProgressBar::new((sizes.len() * workloads.len() * implementations) as u64);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let backend = batchverify::cpu_info().ed25519.to_string();
    let mut records = Vec::new();
    for (workload, signers) in workloads {
        for &size in sizes {
            progress.set_message(format!("ed25519 {workload}, batch {size}"));
            let input = inputs(size, signers, size as u64);
            let messages: Vec<&[u8]> = input.messages.iter().map(Vec::as_slice).collect();
            let mut record = |operation: &str, implementation: &'static str, rate: Option<f64>| {
                progress.inc(1);
                let Some(rate) = rate else {
                    progress.println(format!(
                        "{implementation} {operation} rejected valid inputs at batch {size}: not recorded"
                    ));
                    return;
                };
                records.push(Record {
                    suite: "ed25519",
                    operation: format!("{operation}, {workload}"),
                    implementation,
                    backend: backend.clone(),
                    batch_size: size,
                    threads,
                    items_per_second: rate,
                });
            };
            for policy in [Policy::Zip215, Policy::Strict] {
                let verifier = Verifier::new(policy);
                let rate = measure(size, min_time, || {
                    verifier
                        .verify_batch(&input.keys, &messages, &input.signatures)
                        .is_ok_and(|o| o.all_valid())
                });
                record(&format!("verify_batch {policy}"), "batchverify", rate);
            }
            let per_thread = size.div_ceil(threads);
            let rate = measure(size, min_time, || {
                messages
                    .par_chunks(per_thread)
                    .zip(input.dalek_signatures.par_chunks(per_thread))
                    .zip(input.dalek_keys.par_chunks(per_thread))
                    .all(|((m, s), k)| ed25519_dalek::verify_batch(m, s, k).is_ok())
            });
            record("verify_batch", "ed25519-dalek", rate);
            let rate = measure(size, min_time, || {
                (0..size).into_par_iter().all(|i| {
                    input.dalek_keys[i]
                        .verify_strict(messages[i], &input.dalek_signatures[i])
                        .is_ok()
                })
            });
            record("verify_strict loop", "ed25519-dalek", rate);
        }
    }
    progress.finish_and_clear();
    records
}

fn print_table(records: &[Record]) {
    println!(
        "{:<36} {:>7} {:>7} {:>16} {:>10}",
        "operation", "batch", "threads", "items/s", "vs dalek"
    );
    for record in records {
        let peer = records.iter().find(|r| {
            r.implementation == "ed25519-dalek"
                && r.operation.starts_with("verify_batch")
                && r.operation
                    .ends_with(record.operation.rsplit(", ").next().unwrap_or(""))
                && r.batch_size == record.batch_size
        });
        let ratio = peer.map_or(String::from("-"), |p| {
            format!("{:.2}x", record.items_per_second / p.items_per_second)
        });
        println!(
            "{:<36} {:>7} {:>7} {:>16.0} {:>10}",
            format!("{} {}", record.implementation, record.operation),
            record.batch_size,
            record.threads,
            record.items_per_second,
            ratio
        );
    }
    println!("(vs dalek: throughput relative to ed25519-dalek verify_batch on the same inputs and threads)");
}

fn machine() -> Machine {
    let info = batchverify::cpu_info();
    Machine {
        cpu_model: cpu_model(),
        cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
        features: info.features,
        ed25519_path: info.ed25519.to_string(),
    }
}

pub fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}
